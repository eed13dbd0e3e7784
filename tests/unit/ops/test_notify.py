"""E-mail notifications through a real SMTP server (aiosmtpd on 127.0.0.1): who gets what, and when not."""

from __future__ import annotations

import email
from email.message import Message
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

from harvester.ops.notify import Notifier
from harvester.ops.overview import target_views
from tests.ckan_stack.procs import free_port
from tests.unit.ops.conftest import SECRET, add_job, add_records, load_example, register, set_target


class Sink:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def setup(example, db_url, store, clock, smtp):
    sink, port = smtp
    katalog = example.parent / "sources" / "katalog-diskominfotik.yaml"
    katalog.write_text(katalog.read_text(encoding="utf-8") + "notify: [data@diskominfotik.example, walidata@blitarkota.go.id]\n",
                       encoding="utf-8")
    config = load_example(example, db_url=db_url, smtp_port=port)
    register(store, config)
    counted: list[tuple[str, str]] = []
    notifier = Notifier(lambda: config, store, status_url="http://harvester.example/status", clock=clock,
                        count=lambda kind, result: counted.append((kind, result)))
    yield config, notifier, sink, counted
    notifier.close()


def sent(notifier, sink) -> list[tuple[list[str], Message]]:
    assert notifier.flush(10)
    out = list(sink.messages)
    sink.messages.clear()
    return out


def test_failure_is_mailed_once_then_reminded_daily_then_recovery(setup, store, clock):
    config, notifier, sink, counted = setup
    failed = add_job(store, "dinkes-sipd", "failed", issues=2, clock=clock,
                     error=f"GET https://sipd.go.id/api?token={SECRET}: HTTP 503")
    notifier.job_finished(failed)
    [(to, msg)] = sent(notifier, sink)
    assert to == ["dinkes@blitarkota.go.id", "walidata@blitarkota.go.id"]  # organisation + default recipients
    assert msg["Subject"] == f"[Kota Blitar harvester] dinkes-sipd: job {failed.id} FAILED"
    assert msg["From"] == "harvester@blitarkota.go.id" and msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_payload(decode=True).decode()
    assert SECRET not in body and "token=***" in body and "problem 0" in body
    assert f"http://harvester.example/status/job/{failed.id}" in body
    assert counted == [("job-failed", "sent")]

    again = add_job(store, "dinkes-sipd", "failed", clock=clock, minutes=60)
    notifier.job_finished(again)
    assert sent(notifier, sink) == []  # still failing: no storm
    clock.advance(hours=24)
    third = add_job(store, "dinkes-sipd", "failed", clock=clock)
    notifier.job_finished(third)
    [(_, reminder)] = sent(notifier, sink)
    assert reminder["Subject"].endswith(f"reminder: dinkes-sipd: job {third.id} FAILED")

    ok = add_job(store, "dinkes-sipd", "done", clock=clock)
    notifier.job_finished(ok)
    [(_, recovered)] = sent(notifier, sink)
    assert "succeeded again" in recovered["Subject"]
    notifier.job_finished(add_job(store, "dinkes-sipd", "done", clock=clock))
    assert sent(notifier, sink) == []


def test_held_deletions_go_to_the_source_notify_list(setup, store, clock):
    config, notifier, sink, _ = setup
    add_job(store, "katalog-diskominfotik", "done", clock=clock)
    held = add_job(store, "katalog-diskominfotik", "needs_confirmation", clock=clock,
                   error="would delete 8 of 8 records (100 %)")
    notifier.job_finished(held)
    [(to, msg)] = sent(notifier, sink)
    assert to == ["data@diskominfotik.example", "walidata@blitarkota.go.id"]  # no duplicate address
    body = msg.get_payload(decode=True).decode()
    assert f"harvester confirm-deletions {held.id}" in body and "NOT applied" in body


def test_restart_while_failing_does_not_mail_again_at_once(setup, store, clock):
    _, notifier, sink, _ = setup
    add_job(store, "dinkes-sipd", "failed", clock=clock)  # failed before the restart: mailed by the old process
    notifier.job_finished(add_job(store, "dinkes-sipd", "failed", clock=clock))
    assert sent(notifier, sink) == []


def test_target_that_keeps_failing_is_mailed_and_its_recovery_too(setup, store, clock):
    config, notifier, sink, _ = setup
    ids = add_records(store, "dinkes-sipd", 4)
    for rid in ids[:3]:
        set_target(store, "dinkes-sipd", rid, "kota", "failed", attempts=4, error=f"HTTP 500 api_key={SECRET}",
                   when=clock())
    set_target(store, "dinkes-sipd", ids[3], "kota", "failed", attempts=1, error="HTTP 500", when=clock())
    notifier.targets_checked(target_views(store, config))
    [(to, msg)] = sent(notifier, sink)
    assert msg["Subject"].endswith("target kota: 3 push(es) keep failing")
    assert to == ["walidata@blitarkota.go.id", "dinkes@blitarkota.go.id"]
    body = msg.get_payload(decode=True).decode()
    assert "dinkes-sipd/r0 (4 attempts)" in body and SECRET not in body
    notifier.targets_checked(target_views(store, config))
    assert sent(notifier, sink) == []
    for rid in ids:
        set_target(store, "dinkes-sipd", rid, "kota", "pushed", when=clock())
    notifier.targets_checked(target_views(store, config))
    [(_, recovered)] = sent(notifier, sink)
    assert "target kota recovered" in recovered["Subject"]


def test_smtp_down_is_logged_and_counted_never_raised(example, db_url, store, clock, caplog):
    config = load_example(example, db_url=db_url, smtp_port=free_port())  # nobody listens there
    register(store, config)
    counted: list[tuple[str, str]] = []
    notifier = Notifier(lambda: config, store, clock=clock, count=lambda k, r: counted.append((k, r)))
    try:
        notifier.job_finished(add_job(store, "dinkes-sipd", "failed", clock=clock))
        assert notifier.flush(10)
    finally:
        notifier.close()
    assert counted == [("job-failed", "failed")]
    assert "could not send" in caplog.text


def test_without_notifications_block_nothing_is_sent(config, store, clock):
    register(store, config)
    notifier = Notifier(lambda: config, store, clock=clock, mailer=lambda smtp: pytest.fail("must not send"))
    try:
        notifier.job_finished(add_job(store, "dinkes-sipd", "failed", clock=clock))
        assert notifier.flush(5)
    finally:
        notifier.close()
