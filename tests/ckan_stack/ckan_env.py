"""The CKAN 2.12 virtualenv, ini files and CKAN CLI calls of the test stack.

Duties:
- keep CKAN in its own virtualenv (``.cache/ckan-venv``), never in the project venv; install the
  pinned requirements once and skip pip afterwards (a stamp file records what was installed);
- write each instance's ini (generated once by ``ckan generate config`` so it has its own secrets,
  then edited key by key; ports are rewritten at every start);
- run CKAN CLI commands (``db init``, ``user add``, ``sysadmin add``, ``user token add``).

Failure behaviour: ``StackError`` with the command and the tail of its log.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

from .paths import CKAN_VENV, LOG_DIR
from .procs import StackError, fail

log = logging.getLogger(__name__)

CKAN_VERSION = "2.12.0"
REQUIREMENTS = (
    f"ckan[requirements]=={CKAN_VERSION}",
    "pglast==8.4",  # imported by the datastore CLI
    "ckanext-scheming==3.1.0",
    "ckanext-dcat==2.4.4",
    "gunicorn==23.0.0",
)
_STAMP = CKAN_VENV / ".ckan-stack-requirements"


def ckan_environ(**extra: str) -> dict[str, str]:
    """Environment for CKAN venv processes: ours minus anything pointing at another Python."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(extra)
    return env


def venv_bin(name: str) -> Path:
    """Path of an executable inside the CKAN virtualenv."""
    return CKAN_VENV / "bin" / name


def ensure_venv() -> bool:
    """Create/complete the CKAN virtualenv; returns True when pip had to run."""
    wanted = "\n".join(REQUIREMENTS) + "\n"
    ready = all(venv_bin(n).exists() for n in ("python", "ckan", "gunicorn"))
    if ready and _STAMP.exists() and _STAMP.read_text() == wanted:
        return False
    log_path = LOG_DIR / "pip.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if not venv_bin("python").exists():
        log.info("creating the CKAN virtualenv at %s", CKAN_VENV)
        venv.EnvBuilder(with_pip=True, clear=False).create(CKAN_VENV)
    log.info("installing CKAN %s into %s (first build takes a minute or two)", CKAN_VERSION, CKAN_VENV)
    pip = [str(venv_bin("python")), "-m", "pip", "install", "--disable-pip-version-check"]
    for cmd in ([*pip, "--upgrade", "pip", "setuptools", "wheel"], [*pip, *REQUIREMENTS]):
        with open(log_path, "ab") as out:
            out.write(f"\n$ {' '.join(cmd)}\n".encode())
            out.flush()
            res = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=ckan_environ())
        if res.returncode != 0:
            raise fail(f"pip failed installing CKAN into {CKAN_VENV}", log_path)
    _STAMP.write_text(wanted)
    return True


def ckan_cli(ini: Path, args: list[str], log_path: Path, timeout: float = 600) -> str:
    """Run ``ckan -c INI ARGS...``; returns its stdout, raises ``StackError`` on failure."""
    cmd = [str(venv_bin("ckan")), "-c", str(ini), *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                             cwd=str(ini.parent), env=ckan_environ(PYTHONUNBUFFERED="1"))
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"`{' '.join(cmd)}` timed out after {timeout}s") from exc
    with open(log_path, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n{res.stdout}{res.stderr}")
    if res.returncode != 0:
        raise fail(f"`ckan {' '.join(args[:3])}` failed with exit code {res.returncode}", log_path)
    return res.stdout


def generate_ini(ini: Path, log_path: Path) -> None:
    """Create a fresh ini with its own secrets via ``ckan generate config``."""
    ini.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(venv_bin("ckan")), "generate", "config", str(ini)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ini.parent),
                         env=ckan_environ())
    with open(log_path, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n{res.stdout}{res.stderr}")
    if res.returncode != 0 or not ini.exists():
        raise fail("`ckan generate config` failed", log_path)


def set_options(ini: Path, options: dict[str, str]) -> None:
    """Set ``key = value`` lines of the ``[app:main]`` section (appending missing keys)."""
    lines = ini.read_text(encoding="utf-8").splitlines()
    section, start, end = None, None, len(lines)
    for i, line in enumerate(lines):
        match = re.match(r"^\[(.+)\]\s*$", line)
        if match:
            if section == "app:main":
                end = i
                break
            section = match.group(1)
            if section == "app:main":
                start = i
    if start is None:
        raise StackError(f"{ini} has no [app:main] section")
    pending = dict(options)
    for i in range(start + 1, end):
        match = re.match(r"^\s*([^#;=\s][^=]*?)\s*=", lines[i])
        if match and match.group(1) in pending:
            key = match.group(1)
            lines[i] = f"{key} = {pending.pop(key)}"
    insert = [f"{k} = {v}" for k, v in pending.items()]
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = insert
    tmp = ini.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, ini)


def check_python() -> None:
    """Fail clearly when the harness's own interpreter lacks what the Solr stand-in needs."""
    try:
        import luqum  # noqa: F401
    except ImportError as exc:
        raise StackError(f"{sys.executable} cannot import luqum (needed by the Solr stand-in); "
                         "run the stack with the project venv: .venv/bin/python -m tests.ckan_stack up"
                         ) from exc
