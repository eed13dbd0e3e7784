"""sd_notify over a real unix datagram socket; the watchdog period from systemd's variables."""

from __future__ import annotations

import os
import socket

from harvester.ops import systemd


def test_notify_sends_datagrams_to_notify_socket(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert systemd.notify("READY=1") is True
        assert systemd.notify("WATCHDOG=1") is True
        assert [server.recv(100), server.recv(100)] == [b"READY=1", b"WATCHDOG=1"]
        for _ in range(2000):  # nobody reads: the queue fills up, and sending must not block
            systemd.notify("WATCHDOG=1")
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    assert systemd.notify("READY=1") is False  # never raises
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert systemd.notify("READY=1") is False


def test_watchdog_period_is_half_of_watchdog_sec(monkeypatch):
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert systemd.watchdog_period() is None
    monkeypatch.setenv("WATCHDOG_USEC", "120000000")
    assert systemd.watchdog_period() == 60.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # meant for another process
    assert systemd.watchdog_period() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    monkeypatch.setenv("WATCHDOG_USEC", "garbage")
    assert systemd.watchdog_period() is None
