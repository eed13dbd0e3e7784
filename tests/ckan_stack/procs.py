"""Process, port and log helpers of the CKAN test stack.

Duties: pick free TCP ports, start a background process in its own session (so it and its
children form one process group) with stdout/stderr going to a log file, recognise a process we
started even after pid reuse (pid + kernel start time), stop a process group (SIGTERM, then
SIGKILL), wait for an HTTP endpoint, and quote the tail of a log in error messages.

Failure behaviour: ``StackError`` (a ``RuntimeError``) with the log tail when a process dies or an
endpoint does not answer in time. Stopping is best-effort and never raises for a gone process.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Mapping, Sequence

log = logging.getLogger(__name__)


class StackError(RuntimeError):
    """The CKAN test stack could not be brought to the requested state."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file ('' when missing)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def fail(message: str, log_path: Path | None = None) -> StackError:
    """Build a ``StackError`` whose message ends with the tail of ``log_path``."""
    if log_path is not None:
        message += f"\n--- last lines of {log_path} ---\n{tail(log_path) or '(empty)'}"
    return StackError(message)


def start_time(pid: int) -> int | None:
    """Kernel start time of a live process (clock ticks since boot), or None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":  # zombie: as good as gone
        return None
    return int(fields[19])


def is_ours(pid: int | None, started: int | None) -> bool:
    """True when ``pid`` is alive and is the very process we started (same start time)."""
    return bool(pid) and started is not None and start_time(int(pid)) == started


def spawn(cmd: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None,
          cwd: Path | None = None) -> tuple[int, int]:
    """Start ``cmd`` detached in a new session; returns (pid, start time).

    ``env`` is the complete environment (default: ours)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(env) if env is not None else dict(os.environ)
    with open(log_path, "ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=full_env,
                                cwd=str(cwd) if cwd else None, start_new_session=True)
    started = None
    for _ in range(50):
        started = start_time(proc.pid)
        if started is not None:
            break
        if proc.poll() is not None:
            raise fail(f"{cmd[0]} exited at once with code {proc.returncode}", log_path)
        time.sleep(0.01)
    if started is None:
        raise fail(f"could not read the start time of {cmd[0]} (pid {proc.pid})", log_path)
    return proc.pid, started


def stop_groups(targets: Sequence[tuple[str, int | None, int | None]], timeout: float = 15.0) -> None:
    """Stop several process groups at once: SIGINT to all, wait, then SIGKILL what is left.

    ``targets`` are (name, pid, start time); entries that are no longer the process we started
    (gone, or pid reused) are left alone."""
    live: list[tuple[str, int, int, int]] = []
    for name, pid, started in targets:
        if not pid or not is_ours(pid, started):
            continue
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            continue
        pgid = pgid if pgid == pid else 0  # only whole groups we created as session leaders
        log.info("stopping %s (pid %s)", name, pid)
        _signal(pid, pgid, signal.SIGINT)  # gunicorn: quick shutdown (SIGTERM is graceful)
        live.append((name, pid, int(started or 0), pgid))
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        for _, pid, _, _ in live:
            _reap(pid)
        live = [e for e in live if is_ours(e[1], e[2]) or _group_alive(e[3])]
        if live:
            time.sleep(0.1)
    for name, pid, _, pgid in live:
        log.warning("%s (pid %s) did not stop; killing", name, pid)
        _signal(pid, pgid, signal.SIGKILL)
        _reap(pid)


def stop_group(pid: int | None, started: int | None, name: str, timeout: float = 15.0) -> None:
    """Stop the process group led by ``pid`` if it is still the process we started."""
    stop_groups([(name, pid, started)], timeout)


def _group_alive(pgid: int) -> bool:
    if not pgid:
        return False
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _signal(pid: int, pgid: int, sig: signal.Signals) -> None:
    try:
        if pgid:
            os.killpg(pgid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def http_json(url: str, timeout: float = 5.0) -> Any:
    """GET ``url`` and decode JSON (raises ``OSError``/``ValueError`` on failure)."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local URLs only
        return json.loads(resp.read().decode("utf-8"))


def wait_http(url: str, name: str, pid: int, started: int, log_path: Path,
              timeout: float = 180.0) -> Any:
    """Poll ``url`` until it answers JSON; fail early (with the log tail) if the process dies."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not is_ours(pid, started):
            _reap(pid)
            raise fail(f"{name} (pid {pid}) died while starting", log_path)
        try:
            return http_json(url, timeout=5.0)
        except (OSError, ValueError, urllib.error.HTTPError) as exc:
            last_error = exc
        time.sleep(0.25)
    raise fail(f"{name} did not answer {url} within {timeout:.0f}s (last error: {last_error})",
               log_path)
