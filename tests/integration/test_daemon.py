"""``harvester run`` as a real process on a copy of the example configuration, pushing to the real CKAN
test stack (city, province, national): jobs run every 2 s; SIGHUP with a broken configuration keeps
the old schedule; SIGTERM exits 0 within 10 s; ``kill -9`` in the middle of a job and a restart
abort the stale job, the next job completes, and no portal holds a dataset twice.

The walidata catalogue is served over HTTP by the test server with a delay, so a job lasts long
enough to be killed in the middle of it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from harvester.store import Store
from tests.ckan_stack.procs import free_port
from tests.unit.ops.example_copy import REPO, copy_example, set_schedules, set_source_url

pytestmark = [pytest.mark.ckan, pytest.mark.integration]

KATALOG = "katalog-diskominfotik"
TARGET_ENV = {"city": "CITY", "province": "PROVINCE", "national": "NATIONAL"}
TARGET_OF = {"kota": "city", "jatim": "province", "nasional": "national"}


def prepare(tmp_path: Path, catalogue_url: str) -> Path:
    """A copy of config/example: every source every 2 s (no jitter, no window), the walidata catalogue
    read from ``catalogue_url``."""
    main = copy_example(tmp_path / "config", jitter=0)
    set_schedules(main, "interval: 2s")
    set_source_url(main, KATALOG, catalogue_url)
    return main


class Daemon:
    """One ``harvester run`` process; its log goes to a file the test can read."""

    def __init__(self, config: Path, env: dict[str, str], port: int, log: Path) -> None:
        self.log = log
        self.port = port
        self._fh = log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "harvester", "--config", str(config), "run",
                                      "--port", str(port)], env=env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     cwd=str(config.parent))

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._fh.close()


def wait_for(what: str, predicate: Callable[[], Any], timeout: float, daemon: Optional[Daemon] = None) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        if daemon is not None and daemon.proc.poll() is not None:
            pytest.fail(f"daemon exited ({daemon.proc.returncode}) while waiting for {what}:\n{daemon.text()[-4000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}" + (f":\n{daemon.text()[-4000:]}" if daemon else ""))


def finished(store: Store, source_id: str, after: int = 0) -> list[Any]:
    return [j for j in store.list_jobs(source_id, limit=500)
            if j.id > after and j.status in ("done", "done_with_errors")]


@pytest.fixture
def setup(tmp_path, http_server, ckan_stack):
    data = REPO / "config" / "example" / "data" / "katalog-diskominfotik.ttl"
    http_server.add_file("/katalog.ttl", data, "text/turtle", delay=1.5)
    config = prepare(tmp_path, http_server.url("/katalog.ttl"))
    db_url = f"sqlite:///{tmp_path / 'state.db'}"
    env = dict(os.environ, HARVESTER_DATABASE_URL=db_url, HARVESTER_LOG_LEVEL="INFO")
    for name, key in TARGET_ENV.items():
        env[f"CKAN_{key}_URL"], env[f"CKAN_{key}_TOKEN"] = ckan_stack[name]["url"], ckan_stack[name]["token"]
    store = Store(db_url)
    started: list[Daemon] = []

    def start(n: int, **extra_env: str) -> Daemon:
        daemon = Daemon(config, dict(env, **extra_env), free_port(), tmp_path / f"run{n}.log")
        started.append(daemon)
        return daemon

    yield config, store, start, tmp_path
    for daemon in started:
        daemon.close()
    store.close()


class NotifyListener(threading.Thread):
    """Plays systemd's part: collects the sd_notify datagrams of the daemon."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[bytes] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.messages.append(self.sock.recv(200))
            except socket.timeout:
                continue

    def close(self) -> list[bytes]:
        self.done.set()
        self.join(5)
        self.sock.close()
        return self.messages


def test_daemon_lifecycle(setup, ckan_stack):
    config, store, start, tmp_path = setup
    notify = NotifyListener(tmp_path / "notify.sock")
    notify.start()

    # 1. Several jobs run on the 2-second schedule; the web side answers; systemd hears READY and
    #    watchdog pings (WatchdogSec=2 s -> a ping every second).
    first = start(1, NOTIFY_SOCKET=str(tmp_path / "notify.sock"), WATCHDOG_USEC="2000000")
    wait_for("three finished jobs of the catalogue", lambda: len(finished(store, KATALOG)) >= 3, 120, first)
    status, body = first.get("/healthz")
    assert status == 200 and json.loads(body)["scheduler"] == "running"
    assert first.get("/status/")[0] == 200
    status, body = first.get("/metrics")
    assert status == 200 and f'harvester_jobs_finished_total{{source="{KATALOG}",status="done' in body.decode()

    # 2. SIGHUP with a broken configuration: rejected, the old 2-second schedule keeps running.
    main_text = config.read_text(encoding="utf-8")
    source_file = config.parent / "sources" / f"{KATALOG}.yaml"
    source_text = source_file.read_text(encoding="utf-8")
    source_file.write_text(source_text.replace("interval: 2s", "interval: 1d"), encoding="utf-8")
    config.write_text(main_text + "\nscheduler:\n  max_concurrent_jobs: 0\n", encoding="utf-8")
    first.proc.send_signal(signal.SIGHUP)
    wait_for("the reload to be rejected", lambda: "configuration rejected" in first.text(), 30, first)
    seen = max(j.id for j in finished(store, KATALOG))
    wait_for("two more jobs on the old schedule", lambda: len(finished(store, KATALOG, after=seen)) >= 2, 60, first)
    config.write_text(main_text, encoding="utf-8")
    source_file.write_text(source_text, encoding="utf-8")

    # 3. SIGTERM: exit code 0 within 10 seconds, no job left running.
    stopped_at = time.monotonic()
    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(timeout=10) == 0
    assert time.monotonic() - stopped_at < 10
    time.sleep(0.3)  # let the listener read the last datagram
    messages = notify.close()
    assert messages[0] == b"READY=1" and messages[-1] == b"STOPPING=1" and messages.count(b"WATCHDOG=1") >= 2
    assert not any(j.running for j in store.list_jobs(limit=500))

    # 4. kill -9 in the middle of a job, then restart.
    second = start(2)
    running = wait_for("a running catalogue job", lambda: store.running_job(KATALOG), 60, second)
    second.proc.kill()
    second.proc.wait(10)
    assert store.get_job(running.id).status == "running"  # the crash left it behind
    third = start(3)
    wait_for("the stale job to be aborted", lambda: store.get_job(running.id).status == "aborted", 30, third)
    assert "ended without closing it" in store.get_job(running.id).error
    wait_for("a complete job after the restart", lambda: finished(store, KATALOG, after=running.id), 90, third)
    third.proc.send_signal(signal.SIGTERM)
    assert third.proc.wait(timeout=10) == 0

    # 5. No duplicates on any portal: one dataset per stable URI, and one pushed row per portal dataset.
    pushed_somewhere = 0
    for target, instance in TARGET_OF.items():
        rows = [r for r in store.iter_record_targets(target) if r.status == "pushed"]
        assert len({r.target_dataset_id for r in rows}) == len(rows), target
        client = ckan_stack.client(instance)
        for row in rows:
            uri = store.get_record(row.source_id, row.remote_id).stable_uri
            found = client.action.package_search(fq=f'extras_sdi_harvest_uri:"{uri}" OR sdi_harvest_uri:"{uri}"',
                                                 include_private=True, rows=0)
            assert found["count"] == 1, (target, uri, found["count"])
        pushed_somewhere += len(rows)
    assert pushed_somewhere > 0
