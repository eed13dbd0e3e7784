"""Fixtures of the operations tests: a copy of the example configuration, a real SQLite store with a
controllable clock, and helpers that write jobs, records and push state through the Store API."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from harvester.model.issues import Issue, Severity, Stage
from harvester.settings import load_settings
from harvester.store import JobRow, RecordRow, RecordTargetRow, Store
from tests.support.db import make_postgres_db, postgres_server  # noqa: F401 - fixtures
from tests.unit.ops.example_copy import copy_example

SECRET = "tok-3f9a1c77e2b04d58"  # a target token; must never show up in pages, mails or metrics

NOTIFICATIONS = """
notifications:
  smtp:
    host: 127.0.0.1
    port: {port}
    from: harvester@blitarkota.go.id
    starttls: false
  default_recipients: [walidata@blitarkota.go.id]
"""


class Clock:
    """A settable UTC clock for the store (``Store(url, clock=...)``) and the ops code."""

    def __init__(self, start: Optional[datetime] = None) -> None:
        self.now = start or datetime(2025, 3, 1, 3, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """harvester.yaml of a private copy of config/example."""
    return copy_example(tmp_path / "config")


def load_example(path: Path, *, db_url: str, smtp_port: Optional[int] = None) -> Any:
    """The example configuration with the city target enabled (token SECRET) and optional SMTP."""
    if smtp_port is not None and "notifications:" not in path.read_text(encoding="utf-8"):
        with path.open("a", encoding="utf-8") as fh:
            fh.write(NOTIFICATIONS.format(port=smtp_port))
    env = {"HARVESTER_DATABASE_URL": db_url, "CKAN_CITY_URL": "http://127.0.0.1:9", "CKAN_CITY_TOKEN": SECRET}
    return load_settings(path, env=env)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    st = Store(db_url, clock=clock)
    st.ensure_schema()
    yield st
    st.close()


@pytest.fixture
def config(example: Path, db_url: str) -> Any:
    return load_example(example, db_url=db_url)


def register(store: Store, config: Any, *source_ids: str) -> None:
    for sid in source_ids or tuple(config.sources):
        cfg = config.sources[sid]
        store.upsert_source(sid, cfg.type, title=cfg.title, config_hash=config.config_hash(sid), enabled=cfg.enabled)


def add_job(store: Store, source_id: str, status: str = "done", *, stats: Optional[dict[str, Any]] = None,
            error: Optional[str] = None, issues: int = 0, clock: Optional[Clock] = None, minutes: float = 1,
            complete: Optional[bool] = None) -> JobRow:
    """A finished job (``minutes`` long on ``clock``) with ``issues`` error issues."""
    row = store.start_job(source_id, trigger="schedule", full=True)
    if clock is not None:
        clock.advance(minutes=minutes)
    if issues:
        store.add_issues([Issue(Severity.ERROR, "SDI-V02", f"problem {i}", stage=Stage.VALIDATE, remote_id=f"r{i}")
                          for i in range(issues)], job_id=row.id, source_id=source_id)
    done = status in ("done", "done_with_errors")
    return store.finish_job(row.id, status=status, stats=stats or {}, complete=done if complete is None else complete,
                            error=error)


def add_records(store: Store, source_id: str, n: int, *, status: str = "current", prefix: str = "r") -> list[str]:
    ids = [f"{prefix}{i}" for i in range(n)]
    store.save_records(RecordRow(source_id=source_id, remote_id=i, status=status, mapped_hash="h" + i,
                                 dataset_json="{}" if status == "current" else None, access_rights="TERBUKA")
                       for i in ids)
    return ids


def set_target(store: Store, source_id: str, remote_id: str, target: str, status: str, *, attempts: int = 0,
               error: Optional[str] = None, when: Optional[datetime] = None) -> None:
    store.save_record_target(RecordTargetRow(
        source_id=source_id, remote_id=remote_id, target=target, status=status, attempts=attempts,
        pushed_at=when if status == "pushed" else None, last_error=error,
        last_error_at=when if error else None, target_dataset_id=f"{target}-{remote_id}"))


@contextmanager
def pid_as(monkeypatch: pytest.MonkeyPatch, pid: int) -> Iterator[None]:
    """Make the store record ``pid`` as the job's process (as if another process had started it)."""
    import harvester.store.jobs as jobs_module

    with monkeypatch.context() as patch:
        patch.setattr(jobs_module.os, "getpid", lambda: pid)
        yield


def wsgi_get(app: Any, path: str, *, query: str = "", script_name: str = "") -> tuple[str, dict[str, str], bytes]:
    """Call a WSGI app in-process: (status, headers, body)."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": script_name,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1"}
    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body
