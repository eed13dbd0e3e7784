"""The three CKAN 2.12 instances of the test stack: what differs between them and how one is
built, reset and started.

Duties (per instance): ini options (own database, Redis db number, Solr core, storage path,
site id; the national instance adds ckanext-scheming with ``config/ckan/sdi_dataset.yaml`` and
ckanext-dcat); a one-time *build* (``db init`` + sysadmin ``admin`` + API token) that is then kept
as a template database ``ckan_<name>_template``; a *reset* before every fresh start (live database
re-cloned from the template, Redis db flushed, storage emptied: a clean, initialised portal in
about a second); and the gunicorn process serving CKAN's WSGI app.

Failure behaviour: ``StackError`` with the tail of the instance's log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import services
from .ckan_env import REQUIREMENTS, ckan_cli, ckan_environ, generate_ini, set_options, venv_bin
from .paths import INSTANCES_DIR, LOG_DIR, SCHEMA_FILE, WSGI_DIR
from .procs import spawn

log = logging.getLogger(__name__)

ADMIN_USER = "admin"
ADMIN_PASSWORD = "satudata-admin-1234"  # test-only sysadmin of a local throwaway portal


@dataclass(frozen=True)
class InstanceSpec:
    """Static description of one instance."""

    name: str
    redis_db: int
    plugins: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> str:
        return f"ckan_{self.name}"

    @property
    def template_db(self) -> str:
        return f"ckan_{self.name}_template"

    @property
    def core(self) -> str:
        return f"ckan_{self.name}"

    @property
    def home(self) -> Path:
        return INSTANCES_DIR / self.name

    @property
    def ini(self) -> Path:
        return self.home / "ckan.ini"

    @property
    def log(self) -> Path:
        return LOG_DIR / f"ckan-{self.name}.log"

    @property
    def build_file(self) -> Path:
        return self.home / "build.json"


SCHEMING = {
    "scheming.dataset_schemas": SCHEMA_FILE.as_uri(),
    "scheming.presets": "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml",
    "scheming.dataset_fallback": "false",
}
SPECS: dict[str, InstanceSpec] = {
    "city": InstanceSpec("city", redis_db=1),
    "province": InstanceSpec("province", redis_db=2),
    "national": InstanceSpec("national", redis_db=3, plugins="scheming_datasets dcat", extra=SCHEMING),
}


def _fingerprint(spec: InstanceSpec) -> str:
    """What a build depends on: CKAN requirements and the plugin list."""
    return hashlib.sha256(json.dumps([REQUIREMENTS, spec.plugins]).encode()).hexdigest()[:16]


def configure(spec: InstanceSpec, port: int, solr_port: int) -> None:
    """Create the ini if missing and write this start's options into it."""
    if not spec.ini.exists():
        generate_ini(spec.ini, spec.log)
        spec.build_file.unlink(missing_ok=True)  # new secrets: the old token is void
    storage = spec.home / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    options = {
        "ckan.site_url": f"http://127.0.0.1:{port}",
        "ckan.site_id": spec.name,
        "ckan.site_title": f"Satu Data test portal ({spec.name})",
        "sqlalchemy.url": services.db_url(spec.db),
        "solr_url": f"http://127.0.0.1:{solr_port}/solr/{spec.core}",
        "ckan.redis.url": f"redis://{services.REDIS_HOST}:{services.REDIS_PORT}/{spec.redis_db}",
        "ckan.storage_path": str(storage),
        "ckan.plugins": spec.plugins,
        "ckan.devserver.host": "127.0.0.1",
        "ckan.devserver.port": str(port),
        "ckan.views.default_views": "",
        **spec.extra,
    }
    set_options(spec.ini, options)


def read_build(spec: InstanceSpec) -> dict[str, str] | None:
    """The build record (token, fingerprint) if the build is still valid, else None."""
    try:
        record = json.loads(spec.build_file.read_text())
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != _fingerprint(spec) or not spec.ini.exists():
        return None
    if not services.db_exists(spec.template_db):
        return None
    return record


def build(spec: InstanceSpec) -> dict[str, str]:
    """Initialise a new database, create the sysadmin and a token, snapshot it as template."""
    log.info("[%s] building: db init, sysadmin, API token", spec.name)
    services.drop_db(spec.template_db)
    services.drop_db(spec.db)
    services.create_db(spec.db)
    ckan_cli(spec.ini, ["db", "init"], spec.log)
    ckan_cli(spec.ini, ["user", "add", ADMIN_USER, f"email={ADMIN_USER}@{spec.name}.test.invalid",
                        f"password={ADMIN_PASSWORD}"], spec.log)
    ckan_cli(spec.ini, ["sysadmin", "add", ADMIN_USER], spec.log)
    out = ckan_cli(spec.ini, ["user", "token", "add", ADMIN_USER, "ckan-stack"], spec.log)
    token = [line.strip() for line in out.splitlines() if line.strip()][-1]
    services.create_db(spec.template_db, template=spec.db)
    record = {"fingerprint": _fingerprint(spec), "token": token, "user": ADMIN_USER}
    spec.build_file.write_text(json.dumps(record, indent=2))
    return record


def reset(spec: InstanceSpec, fresh_from_build: bool) -> None:
    """Give the instance a clean state: database from the template, empty Redis db and storage."""
    if not fresh_from_build:
        services.drop_db(spec.db)
        services.create_db(spec.db, template=spec.template_db)
    services.flush_redis_db(spec.redis_db)
    storage = spec.home / "storage"
    shutil.rmtree(storage, ignore_errors=True)
    storage.mkdir(parents=True, exist_ok=True)


def start(spec: InstanceSpec, port: int) -> tuple[int, int]:
    """Start gunicorn serving the instance; returns (pid, start time)."""
    workers = os.environ.get("CKAN_STACK_WORKERS", "2")
    threads = os.environ.get("CKAN_STACK_THREADS", "4")
    cmd = [str(venv_bin("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers", workers,
           "--threads", threads, "--timeout", "120", "--graceful-timeout", "5",
           "--pythonpath", str(WSGI_DIR), "--error-logfile", "-",
           "--log-level", "info", "ckan_stack_wsgi:application"]
    return spawn(cmd, spec.log, env=ckan_environ(CKAN_INI=str(spec.ini), PYTHONUNBUFFERED="1"),
                 cwd=spec.home)
