"""PostgreSQL and Redis for the CKAN test stack (both real servers).

Duties:
- make sure a PostgreSQL server answers on 127.0.0.1 (start the Debian cluster configured for
  the port with ``pg_ctlcluster`` when it is installed but stopped; ``apt-get install postgresql``
  when absent and we are root on a Debian-like system), then run superuser SQL via ``psql`` (TCP as
  ``postgres`` without a password, falling back to the ``postgres`` OS user over the socket);
- create the ``ckan_test`` role and the per-instance databases, drop them, clone a database from
  a template (how a fresh ``up`` gets a clean, already initialised CKAN database in a second);
- make sure Redis answers on 127.0.0.1:6379 (start or install it the same way) and flush one
  logical database.

Failure behaviour: ``StackError`` with what was tried and the tail of the relevant log; never a
skip. Environment: ``CKAN_STACK_PGPORT`` (default 5432), ``CKAN_STACK_REDIS_PORT`` (default 6379).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from .procs import StackError, fail

PG_HOST = "127.0.0.1"
PG_PORT = int(os.environ.get("CKAN_STACK_PGPORT", "5432"))
REDIS_HOST = "127.0.0.1"
REDIS_PORT = int(os.environ.get("CKAN_STACK_REDIS_PORT", "6379"))
DB_ROLE = "ckan_test"
DB_PASSWORD = "ckan_test"

_psql_mode: list[str] = []


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _run(cmd: list[str], log_path: Path, timeout: float = 900) -> bool:
    """Run a command, appending its output to ``log_path``; True on exit code 0."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            res = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                                 env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            out.write(f"failed: {exc}\n".encode())
            return False
    return res.returncode == 0


def apt_install(packages: list[str], log_path: Path) -> None:
    """Install Debian packages (root + apt-get only); raises ``StackError`` otherwise."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StackError(f"{', '.join(packages)} missing and cannot be installed here (need root "
                         "and apt-get). Install them, e.g. `apt-get install -y postgresql "
                         "redis-server`, and retry.")
    if not (_run(["apt-get", "update"], log_path)
            and _run(["apt-get", "install", "-y", *packages], log_path)):
        raise fail(f"apt-get install {' '.join(packages)} failed", log_path)


def _wait(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


# ---------------------------------------------------------------- PostgreSQL
def ensure_postgres(log_dir: Path) -> None:
    """Make sure PostgreSQL accepts superuser SQL on 127.0.0.1 (start/install it if needed)."""
    log_path = log_dir / "postgresql-setup.log"
    if not _port_open(PG_HOST, PG_PORT):
        if not shutil.which("pg_ctlcluster") or not _pg_clusters():
            if not shutil.which("pg_ctlcluster"):
                apt_install(["postgresql"], log_path)
            if not _pg_clusters() and PG_PORT == 5432:
                versions = sorted({p.name for p in Path("/usr/lib/postgresql").glob("*")}, key=float)
                if versions:
                    _run(["pg_createcluster", versions[-1], "main", "--port", "5432"], log_path)
        clusters = [c for c in _pg_clusters() if c[2] == str(PG_PORT)]
        if not clusters:
            raise fail(f"no PostgreSQL cluster is configured for port {PG_PORT} "
                       "(see `pg_lsclusters`)", log_path)
        version, name = clusters[0][0], clusters[0][1]
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], log_path)
        if not _wait(lambda: _port_open(PG_HOST, PG_PORT), 60):
            pg_log = Path(f"/var/log/postgresql/postgresql-{version}-{name}.log")
            raise fail(f"PostgreSQL {version}/{name} did not start on {PG_HOST}:{PG_PORT}",
                       pg_log if pg_log.exists() else log_path)
    psql("SELECT 1")


def _pg_clusters() -> list[list[str]]:
    """``pg_lsclusters`` rows: [version, name, port, status, ...] ([] when unavailable)."""
    if not shutil.which("pg_lsclusters"):
        return []
    try:
        out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.split() for line in out.stdout.splitlines() if len(line.split()) >= 4]


def psql(sql: str, db: str = "postgres") -> str:
    """Run SQL as a PostgreSQL superuser; returns unaligned tuples-only output."""
    modes = [_psql_mode] if _psql_mode else [
        ["psql", "-w", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres"],
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(PG_PORT)],
    ]
    errors = []
    for mode in modes:
        try:
            res = subprocess.run([*mode, "-d", db, "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql],
                                 capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "PGCONNECT_TIMEOUT": "5"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{' '.join(mode)}: {exc}")
            continue
        if res.returncode == 0:
            if not _psql_mode:
                _psql_mode.extend(mode)
            return res.stdout.strip()
        errors.append(f"{' '.join(mode)}: {res.stderr.strip()}")
        if _psql_mode:
            break
    raise StackError("PostgreSQL superuser SQL failed:\n  " + "\n  ".join(errors) + f"\nSQL: {sql}")


def ensure_role() -> None:
    """Create (or reset the password of) the login role the CKAN instances use."""
    psql(f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DB_ROLE}') THEN "
         f"CREATE ROLE {DB_ROLE} LOGIN PASSWORD '{DB_PASSWORD}'; ELSE "
         f"ALTER ROLE {DB_ROLE} LOGIN PASSWORD '{DB_PASSWORD}'; END IF; END$$;")


def db_exists(name: str) -> bool:
    """True when database ``name`` exists."""
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def drop_db(name: str) -> None:
    """Drop database ``name`` (closing its connections) if it exists."""
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_db(name: str, template: str | None = None) -> None:
    """Create database ``name`` owned by the CKAN role, optionally copied from ``template``."""
    tmpl = f' TEMPLATE "{template}"' if template else " TEMPLATE template0 ENCODING 'UTF8'"
    psql(f'CREATE DATABASE "{name}" OWNER {DB_ROLE}{tmpl}')


def db_url(name: str) -> str:
    """SQLAlchemy URL of database ``name`` for the CKAN role."""
    return f"postgresql://{DB_ROLE}:{DB_PASSWORD}@{PG_HOST}:{PG_PORT}/{name}"


# ---------------------------------------------------------------- Redis
def _redis(*commands: str) -> list[bytes]:
    """Send inline commands to Redis and return one reply line per command."""
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=3.0) as sock:
        sock.sendall("".join(f"{c}\r\n" for c in commands).encode())
        data = b""
        while data.count(b"\r\n") < len(commands):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")[: len(commands)]


def redis_ok() -> bool:
    """True when Redis answers PING."""
    try:
        return _redis("PING") == [b"+PONG"]
    except OSError:
        return False


def ensure_redis(log_dir: Path) -> None:
    """Make sure Redis answers on 127.0.0.1 (start it, installing ``redis-server`` if absent)."""
    if redis_ok():
        return
    log_path = log_dir / "redis-setup.log"
    if not shutil.which("redis-server"):
        apt_install(["redis-server"], log_path)
    for folder in ("/var/lib/redis", "/var/log/redis"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    _run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
          "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
          "--logfile", "/var/log/redis/ci.log"], log_path)
    if not _wait(redis_ok, 30):
        redis_log = Path("/var/log/redis/ci.log")
        raise fail(f"Redis did not start on {REDIS_HOST}:{REDIS_PORT}",
                   redis_log if redis_log.exists() else log_path)


def flush_redis_db(number: int) -> None:
    """Empty Redis logical database ``number``."""
    replies = _redis(f"SELECT {number}", "FLUSHDB")
    if replies != [b"+OK", b"+OK"]:
        raise StackError(f"Redis FLUSHDB on db {number} failed: {replies!r}")
