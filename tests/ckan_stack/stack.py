"""Bring the CKAN test stack up, report on it, take it down.

The stack: real PostgreSQL and Redis (started or installed when needed), a TEST-ONLY Solr
stand-in (``solr_standin``), and three real CKAN 2.12 instances (city, province, national) served
by gunicorn on free ports. ``up`` is idempotent and safe across processes (a file lock):

- stack already running (state file + every process alive + every ``status_show`` answering):
  return the same info at once;
- otherwise stop whatever is left, make sure the CKAN venv, PostgreSQL and Redis are there, start
  the stand-in, build each instance once (``db init`` + sysadmin + token, kept as a template
  database) or reset it from that template, start the instances and wait for ``status_show``.

Every fresh ``up`` (first one, or after ``down``) therefore starts from a clean portal: no
organisations or datasets, only the sysadmin ``admin`` and its token, which stays the same
across restarts (it lives in the template database; the ini and its secrets are kept).

Failure behaviour: ``StackError`` with the tail of the failing process's log; processes started
by the failed attempt are stopped again.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Iterator

from . import instances, services
from .ckan_env import check_python, ensure_venv
from .instances import SPECS
from .paths import LOCK_FILE, LOG_DIR, REPO_ROOT, STATE_DIR, STATE_FILE
from .procs import StackError, free_port, http_json, is_ours, spawn, stop_groups, wait_http

log = logging.getLogger(__name__)

NAMES = tuple(SPECS)


@contextmanager
def _locked() -> Iterator[None]:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load_state() -> dict[str, Any] | None:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return None


def _save_state(state: dict[str, Any]) -> None:
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, STATE_FILE)


def _processes(state: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    procs = [(f"ckan-{n}", state["instances"][n]) for n in NAMES if n in state.get("instances", {})]
    if "solr" in state:
        procs.append(("solr-standin", state["solr"]))
    return procs


def public_info(state: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The JSON printed by ``up``: ``{name: {"url", "token", ...}}`` for the three instances."""
    return {n: {"url": i["url"], "token": i["token"], "user": i["user"], "site_id": n,
                "schema": "sdi" if SPECS[n].plugins else "default"}
            for n, i in state["instances"].items()}


def _healthy(state: dict[str, Any] | None) -> bool:
    if not state or set(state.get("instances", {})) != set(NAMES):
        return False
    if not all(is_ours(p.get("pid"), p.get("started")) for _, p in _processes(state)):
        return False
    try:
        return all(http_json(i["url"] + "/api/3/action/status_show", timeout=5).get("success")
                   for i in state["instances"].values())
    except (OSError, ValueError):
        return False


def running_info() -> dict[str, dict[str, str]] | None:
    """Info of the running stack, or None when it is not (fully) up."""
    state = _load_state()
    return public_info(state) if state and _healthy(state) else None


def _stop(state: dict[str, Any]) -> None:
    stop_groups([(name, p.get("pid"), p.get("started")) for name, p in _processes(state)])


def down() -> bool:
    """Stop every process the stack started; returns True when something was running."""
    with _locked():
        state = _load_state()
        if not state:
            return False
        _stop(state)
        STATE_FILE.unlink(missing_ok=True)
        return True


def _start_solr(state: dict[str, Any]) -> int:
    port_file = STATE_DIR / "solr.port"
    port_file.unlink(missing_ok=True)
    log_path = LOG_DIR / "solr-standin.log"
    cmd = [sys.executable, "-m", "tests.ckan_stack.solr_standin", "--port", "0",
           "--port-file", str(port_file)]
    pid, started = spawn(cmd, log_path, cwd=REPO_ROOT)
    state["solr"] = {"pid": pid, "started": started, "log": str(log_path)}
    deadline = time.monotonic() + 30
    while not port_file.exists() and time.monotonic() < deadline and is_ours(pid, started):
        time.sleep(0.05)
    port = int(port_file.read_text()) if port_file.exists() else 0
    wait_http(f"http://127.0.0.1:{port}/standin/health", "Solr stand-in", pid, started, log_path, 30)
    state["solr"]["port"] = port
    state["solr"]["url"] = f"http://127.0.0.1:{port}/solr"
    return port


def _prepare(name: str, solr_port: int) -> dict[str, Any]:
    spec = SPECS[name]
    port = free_port()
    instances.configure(spec, port, solr_port)
    record = instances.read_build(spec)
    fresh = record is None
    if record is None:
        record = instances.build(spec)
    instances.reset(spec, fresh_from_build=fresh)
    return {"port": port, "url": f"http://127.0.0.1:{port}", "token": record["token"],
            "user": record["user"], "ini": str(spec.ini), "log": str(spec.log), "db": spec.db,
            "redis_db": spec.redis_db, "solr_core": spec.core,
            "storage": str(spec.home / "storage"), "built": fresh}


def up() -> dict[str, dict[str, str]]:
    """Make sure the whole stack runs; returns the public info (see ``public_info``)."""
    with _locked():
        state = _load_state()
        if state and _healthy(state):
            return public_info(state)
        if state:
            log.info("stack state found but not healthy: restarting it")
            _stop(state)
            STATE_FILE.unlink(missing_ok=True)
        check_python()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        state = {"instances": {}, "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        try:
            ensure_venv()
            services.ensure_postgres(LOG_DIR)
            services.ensure_redis(LOG_DIR)
            services.ensure_role()
            solr_port = _start_solr(state)
            with ThreadPoolExecutor(len(NAMES)) as pool:
                prepared = dict(zip(NAMES, pool.map(lambda n: _prepare(n, solr_port), NAMES)))
            for name in NAMES:
                pid, started = instances.start(SPECS[name], prepared[name]["port"])
                state["instances"][name] = {**prepared[name], "pid": pid, "started": started}
            _save_state(state)
            for name in NAMES:
                inst = state["instances"][name]
                wait_http(inst["url"] + "/api/3/action/status_show", f"CKAN {name}", inst["pid"],
                          inst["started"], SPECS[name].log, timeout=240)
        except BaseException:
            _stop(state)
            STATE_FILE.unlink(missing_ok=True)
            raise
        return public_info(state)


def status() -> dict[str, Any]:
    """Report every process of the stack (alive or not) and whether CKAN answers."""
    state = _load_state()
    if not state:
        return {"running": False, "state_file": str(STATE_FILE)}
    report: dict[str, Any] = {"running": _healthy(state), "state_file": str(STATE_FILE),
                              "started_at": state.get("started_at")}
    solr = state.get("solr", {})
    report["solr"] = {"url": solr.get("url"), "pid": solr.get("pid"), "log": solr.get("log"),
                      "alive": is_ours(solr.get("pid"), solr.get("started"))}
    report["instances"] = {}
    for name, inst in state.get("instances", {}).items():
        entry = {k: inst.get(k) for k in ("url", "pid", "ini", "log", "db", "redis_db", "solr_core")}
        entry["alive"] = is_ours(inst.get("pid"), inst.get("started"))
        try:
            info = http_json(inst["url"] + "/api/3/action/status_show", timeout=5)["result"]
            entry["ckan_version"] = info.get("ckan_version")
            entry["extensions"] = info.get("extensions")
        except (OSError, ValueError, KeyError):
            entry["ckan_version"] = None
        report["instances"][name] = entry
    return report


def ensure_logging() -> None:
    """Log INFO to stderr when nothing else configured logging (CLI use)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


__all__ = ["StackError", "up", "down", "status", "running_info", "public_info", "NAMES"]
