"""E-mail notifications: tell the people responsible when a job fails, when deletions are held for
confirmation, and when a target keeps refusing pushes, without making them read logs.

Who: a source's ``notify`` addresses, else the e-mail of its organisation (``pemda.organisations``),
plus ``notifications.default_recipients`` (the walidata) for everything. A failing target goes to
the default recipients and to the addresses of the sources whose records it refuses.

When (no mail storm from an hourly job that fails for a week):

* a job ends ``failed``/``aborted`` or ``needs_confirmation`` while the source's previous job did
  not → mail now; while it keeps doing so → one reminder per ``repeat_after`` (24 h);
* the first good job after a failure → a "recovered" mail;
* a target has records failing at least ``FAILING_ATTEMPTS`` times → mail, a daily reminder while
  it lasts, and a "recovered" mail when none are left.

The previous job comes from the store, so transitions survive restarts; reminder times are kept in
memory (a restart delays the next reminder, it never repeats a mail at once for jobs).

Failure behaviour: nothing here raises into the daemon. Mails are sent by one background thread
from a bounded queue; an SMTP error or a full queue is logged (and counted) and the mail dropped.
Secrets of the configuration are masked in every subject and body.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Callable, Iterable, Optional

from harvester.logs import SecretMasker
from harvester.ops.overview import FAILING_ATTEMPTS, TargetView
from harvester.store import JobRow, TargetStatus

logger = logging.getLogger(__name__)

FAILED = ("failed", "aborted")
HELD = ("needs_confirmation",)
_SAMPLE = 10  # issues / failing records quoted in a mail


@dataclass(frozen=True)
class Message:
    kind: str  # job-failed, job-held, job-recovered, target-failing, target-recovered
    to: tuple[str, ...]
    subject: str
    body: str


class Mailer:
    """Sends one message through the configured SMTP server (port 465: implicit TLS)."""

    def __init__(self, smtp: Any, timeout: float = 30.0) -> None:
        self.smtp, self.timeout = smtp, timeout

    def send(self, msg: Message) -> None:
        """Raises ``smtplib.SMTPException`` or ``OSError`` when the server refuses or cannot be reached."""
        cfg = self.smtp
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = str(cfg.from_), ", ".join(msg.to), msg.subject
        email["Date"], email["Message-ID"] = formatdate(localtime=True), make_msgid(domain="satudata-harvester")
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
        email.set_content(msg.body)
        context = ssl.create_default_context()
        if cfg.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
        with client:
            if cfg.port != 465 and cfg.starttls:
                client.starttls(context=context)
            if cfg.username:
                password = cfg.password.get_secret_value() if cfg.password is not None else ""
                client.login(cfg.username, password)
            client.send_message(email)


def _unique(addresses: Iterable[Optional[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for address in addresses:
        if address and str(address).lower() not in (a.lower() for a in seen):
            seen[str(address)] = None
    return tuple(seen)


class Notifier:
    """Decides what to mail and mails it from a background thread. ``config()`` gives the live config."""

    def __init__(self, config: Callable[[], Any], store: Any, *, status_url: Optional[str] = None,
                 mailer: Optional[Callable[[Any], Any]] = None, count: Callable[[str, str], None] = lambda k, r: None,
                 repeat_after: timedelta = timedelta(hours=24),
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.config, self.store, self.status_url = config, store, (status_url or "").rstrip("/")
        self.make_mailer = mailer or Mailer
        self.count, self.repeat_after, self.clock = count, repeat_after, clock
        self._last_sent: dict[tuple[str, str], datetime] = {}
        self._failing_targets: set[str] = set()
        self._queue: "queue.Queue[Optional[Message]]" = queue.Queue(maxsize=200)
        self._thread = threading.Thread(target=self._work, name="notifier", daemon=True)
        self._thread.start()

    # -- recipients ---------------------------------------------------------------------------
    def recipients(self, source_id: Optional[str]) -> tuple[str, ...]:
        """Addresses for news about ``source_id`` (None: only the default recipients)."""
        cfg = self.config()
        notifications = getattr(cfg.settings, "notifications", None)
        defaults = list(getattr(notifications, "default_recipients", None) or [])
        src = cfg.sources.get(source_id) if source_id else None
        own: list[str] = list(getattr(src, "notify", None) or [])
        if not own and src is not None and getattr(src, "organisation", None) is not None:
            org = cfg.settings.pemda.organisation(src.organisation.id)
            if org is not None and org.email:
                own.append(org.email)
        return _unique(own + defaults)

    @property
    def enabled(self) -> bool:
        return getattr(self.config().settings, "notifications", None) is not None

    # -- events -------------------------------------------------------------------------------
    def job_finished(self, row: JobRow) -> None:
        """Judge a finished (or reaped) job; queue a mail when it is news. Never raises."""
        try:
            self._job_finished(row)
        except Exception:  # noqa: BLE001 - a notification problem must not hurt the daemon
            logger.exception("notifications: could not judge job %s", row.id)

    def _job_finished(self, row: JobRow) -> None:
        if not self.enabled:
            return
        previous = next((j for j in self.store.list_jobs(row.source_id, limit=10)
                         if j.id < row.id and not j.running), None)
        prev_status = previous.status if previous is not None else None
        for kind, statuses in (("job-failed", FAILED), ("job-held", HELD)):
            key = (kind, row.source_id)
            if row.status not in statuses:
                continue
            if prev_status not in statuses:
                self._emit(key, self._job_message(kind, row))
            elif key not in self._last_sent:
                self._last_sent[key] = self.clock()  # still failing since before a restart: remind later
            elif self.clock() - self._last_sent[key] >= self.repeat_after:
                self._emit(key, self._job_message(kind, row, reminder=True))
            return
        if prev_status in FAILED and row.status in ("done", "done_with_errors"):
            self._last_sent.pop(("job-failed", row.source_id), None)
            self._emit(("job-recovered", row.source_id), self._job_message("job-recovered", row))
        elif prev_status in HELD:
            self._last_sent.pop(("job-held", row.source_id), None)

    def targets_checked(self, targets: Iterable[TargetView]) -> None:
        """Judge the push state of every target (called by the periodic housekeeping). Never raises."""
        try:
            if self.enabled:
                for view in targets:
                    self._target(view)
        except Exception:  # noqa: BLE001
            logger.exception("notifications: could not judge the targets")

    def _target(self, view: TargetView) -> None:
        key = ("target-failing", view.id)
        if view.keeps_failing <= 0:
            if view.id in self._failing_targets:
                self._failing_targets.discard(view.id)
                self._last_sent.pop(key, None)
                subject = f"target {view.id} recovered: no more failing pushes"
                self._emit(("target-recovered", view.id), self._message("target-recovered", self.recipients(None),
                           subject, [f"Every record is now pushed to {view.title or view.id} or waiting normally.",
                                     f"Status: {self.status_url}/target/{view.id}" if self.status_url else ""]))
            return
        last = self._last_sent.get(key)
        if view.id in self._failing_targets and last is not None and self.clock() - last < self.repeat_after:
            return
        self._failing_targets.add(view.id)
        failing = [r for r in self.store.iter_record_targets(view.id, status_in=[TargetStatus.FAILED.value])
                   if r.attempts >= FAILING_ATTEMPTS]
        to = _unique(list(self.recipients(None)) + [a for s in sorted({r.source_id for r in failing})
                                                     for a in self.recipients(s)])
        lines = [f"Target {view.title or view.id} ({view.id}) keeps refusing or failing pushes: "
                 f"{view.keeps_failing} record(s) failed {FAILING_ATTEMPTS} times or more.", ""]
        lines += [f"- {r.source_id}/{r.remote_id} ({r.attempts} attempts): {(r.last_error or '')[:300]}"
                  for r in failing[:_SAMPLE]]
        if self.status_url:
            lines += ["", f"Status: {self.status_url}/target/{view.id}"]
        self._emit(key, self._message("target-failing", to, f"target {view.id}: {view.keeps_failing} push(es) keep "
                                      "failing", lines))

    # -- composing ----------------------------------------------------------------------------
    def _job_message(self, kind: str, row: JobRow, *, reminder: bool = False) -> Message:
        what = {"job-failed": f"job {row.id} {row.status.upper()}",
                "job-held": f"job {row.id} holds deletions for confirmation",
                "job-recovered": f"job {row.id} succeeded again"}[kind]
        subject = f"{'reminder: ' if reminder else ''}{row.source_id}: {what}"
        stats = ", ".join(f"{k}={v}" for k, v in sorted((row.stats or {}).items()) if not isinstance(v, dict))
        lines = [f"Source: {row.source_id}", f"Job: {row.id} ({row.trigger}), status {row.status}",
                 f"Started: {row.started_at.isoformat()}  Finished: {row.finished_at.isoformat() if row.finished_at else '-'}",
                 f"Counts: {stats or '-'}"]
        if row.error:
            lines += ["", f"Error: {row.error}"]
        if kind == "job-held":
            lines += ["", "Deletions were NOT applied. Check the list, then run:",
                      f"    harvester confirm-deletions {row.id}"]
        if kind != "job-recovered":
            issues = [i for i in self.store.issues_for_job(row.id, limit=200) if i.severity == "error"][:_SAMPLE]
            if issues:
                lines += ["", "First errors:"] + [f"- [{i.code}] {i.remote_id or ''} {i.message[:300]}" for i in issues]
        if self.status_url:
            lines += ["", f"Details: {self.status_url}/job/{row.id}"]
        return self._message(kind, self.recipients(row.source_id), subject, lines)

    def _message(self, kind: str, to: tuple[str, ...], subject: str, lines: list[str]) -> Message:
        cfg = self.config()
        masker = SecretMasker(cfg.secrets())
        prefix = f"[{cfg.settings.pemda.nama} harvester] "
        body = "\n".join(lines) + "\n\n-- \nsatudata-harvester (automatic message)\n"
        return Message(kind, to, masker.mask(prefix + subject), masker.mask(body))

    # -- sending ------------------------------------------------------------------------------
    def _emit(self, key: tuple[str, str], msg: Message) -> None:
        self._last_sent[key] = self.clock()
        if not msg.to:
            logger.warning("notifications: nobody to tell about %r (set notify: on the source, an organisation "
                           "e-mail, or notifications.default_recipients)", msg.subject)
            self.count(msg.kind, "no_recipient")
            return
        try:
            self._queue.put_nowait(msg)
        except queue.Full:
            logger.error("notifications: queue full, dropped %r", msg.subject)
            self.count(msg.kind, "dropped")

    def _work(self) -> None:
        while True:
            msg = self._queue.get()
            try:
                if msg is None:
                    return
                self._send(msg)
            finally:
                self._queue.task_done()

    def _send(self, msg: Message) -> None:
        try:
            self.make_mailer(self.config().settings.notifications.smtp).send(msg)
        except Exception as exc:  # noqa: BLE001 - SMTP down must not stop the next mails
            logger.error("notifications: could not send %r: %s", msg.subject, exc)
            self.count(msg.kind, "failed")
            return
        logger.info("notifications: sent %r to %s", msg.subject, ", ".join(msg.to))
        self.count(msg.kind, "sent")

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued mail was handed to SMTP or failed. True when that happened in time."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.02)
        return self._queue.unfinished_tasks == 0

    def close(self, timeout: float = 2.0) -> None:
        """Send what is queued (waiting at most ``timeout`` s), then stop the thread."""
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout)
