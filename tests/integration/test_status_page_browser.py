"""The status pages in a real headless Chromium, driven through chromedriver's WebDriver HTTP API
(plain urllib, no selenium): they render without console errors and show the sources of the
configuration. A screenshot of the overview is saved under the test's tmp dir (``status.png``).

``harvester run`` runs as a real process on a copy of the example configuration (targets disabled),
so the pages show real jobs, issues and schedules. Chromium and chromedriver come from the Debian
packages ``chromium`` and ``chromium-driver``; the test installs them when missing (root) or fails
saying how to.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from harvester.settings import load_settings
from harvester.store import Store
from tests.ckan_stack.procs import free_port
from tests.support.browser import ensure_chromium
from tests.unit.ops.example_copy import copy_example

pytestmark = [pytest.mark.integration]

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--window-size=1400,1600"]


class WebDriver:
    """The few WebDriver commands the test needs, over plain HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = ""

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"WebDriver {method} {path}: {exc.code} {exc.read()[:1000]!r}") from exc

    def start(self, browser: str, profile: Path) -> None:
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": browser, "args": CHROME_ARGS + [f"--user-data-dir={profile}"]}}
        self.session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def s(self, method: str, path: str, payload: Any = None) -> Any:
        return self.call(method, f"/session/{self.session}{path}", payload)

    def open(self, url: str) -> None:
        self.s("POST", "/url", {"url": url})

    def text(self) -> str:
        return self.s("POST", "/execute/sync", {"script": "return document.body.innerText;", "args": []})

    def console(self) -> list[dict[str, Any]]:
        return self.s("POST", "/se/log", {"type": "browser"}) or []

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self) -> None:
        if self.session:
            self.s("DELETE", "")


@pytest.fixture
def daemon_web(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """``harvester run`` on a copy of the example config; yields (base URL, loaded config)."""
    main = copy_example(tmp_path / "config", jitter=0)  # no jitter: every source's first run starts at once
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    env["HARVESTER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'state.db'}"
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "harvester", "--config", str(main), "run", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    config = load_settings(main, env=env)
    store = Store(env["HARVESTER_DATABASE_URL"])
    try:
        end = time.monotonic() + 120
        # every source is owed a first run at start; wait until each has a finished job
        while time.monotonic() < end and not all(
                any(not j.running for j in store.list_jobs(sid, limit=3)) for sid in config.enabled_sources()):
            assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", config
    finally:
        store.close()
        proc.terminate()
        proc.wait(15)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chrome, chromedriver = ensure_chromium()
    port = free_port()
    driver_proc = subprocess.Popen([chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    web = WebDriver(f"http://127.0.0.1:{port}")
    try:
        end = time.monotonic() + 30
        while True:
            try:
                web.call("GET", "/status")
                break
            except (OSError, AssertionError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        web.start(chrome, tmp_path / "chrome-profile")
        yield web
    finally:
        try:
            web.quit()
        finally:
            driver_proc.terminate()
            driver_proc.wait(15)


def test_status_pages_render_without_console_errors(daemon_web, browser, tmp_path):
    base, config = daemon_web
    browser.open(f"{base}/status/")
    text = browser.text()
    for sid, source in config.sources.items():
        assert sid in text and source.title in text
    for tid in config.targets:
        assert tid in text
    assert "scheduler: running" in text and "Latest jobs" in text
    browser.screenshot(tmp_path / "status.png")
    errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
    # Drill down: a source, its latest job, a target.
    sid = "katalog-diskominfotik"
    browser.open(f"{base}/status/source/{sid}")
    assert "Jobs" in browser.text() and config.sources[sid].title in browser.text()
    browser.screenshot(tmp_path / "source.png")
    job_id = browser.s("POST", "/execute/sync", {"script": "return document.querySelector("
                                                           "'table a[href*=\"/job/\"]').textContent;", "args": []})
    browser.open(f"{base}/status/job/{job_id}")
    job_text = browser.text()
    assert f"Job {job_id}" in job_text and "Issues" in job_text
    browser.screenshot(tmp_path / "job.png")
    browser.open(f"{base}/status/target/kota")
    assert "disabled" in browser.text()
    errors += [e for e in browser.console() if e.get("level") == "SEVERE"]
    assert errors == [], errors
