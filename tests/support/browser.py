"""Headless Chromium for the browser tests: Debian's ``chromium`` and ``chromium-driver``, installed
by the test run when missing (CI and fresh Debian machines run as root), else a failure that says how."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def ensure_chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installing the Debian packages when they are missing."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    error = ""
    for commands in ([install], [["apt-get", "update", "-q"], install]):  # stale package lists: update once
        try:
            for cmd in commands:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
                error = proc.stderr[-2000:] if proc.returncode else ""
                if proc.returncode:
                    break
        except (OSError, subprocess.TimeoutExpired) as exc:
            error = str(exc)
        browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if browser and driver:
            return browser, driver
    pytest.fail(f"headless Chromium is required: `{' '.join(install)}` (as root) did not provide chromium and "
                f"chromedriver: {error or 'unknown reason'}", pytrace=False)
