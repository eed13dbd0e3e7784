"""The read-only web status pages, served with the feed under ``/status``.

* ``/status/`` — every source with its state, schedule, last run (time, status, duration, counts),
  records, next run and a trend chart of records and errors per job; every target with its
  ``record_target`` states (pushed, pending, failed, conflict ...), last push and last error; the
  latest jobs.
* ``/status/source/ID`` — one source: configuration summary, a larger trend chart, its last 50
  jobs and the issues of its last run grouped by code.
* ``/status/job/ID`` — one job: counts (including what the push stage recorded), error, and its
  issues (grouped by code, then listed 200 per page).
* ``/status/target/ID`` — one target: states and the records whose push fails or conflicts.

Server-rendered HTML with inline CSS and SVG; no JavaScript; the overview refreshes itself every
60 s (meta refresh). Texts that may carry credentials (URLs, error messages) pass through the same
secret masker as the logs. Mounted as a WSGI app: ``SCRIPT_NAME`` is the mount point, ``PATH_INFO``
the rest.

Failure behaviour: an unknown source, job or target answers 404; a store error answers 503 with a
short page (and is logged); nothing here writes to the store.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from contextlib import closing
from datetime import datetime, timezone
from itertools import islice
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, quote, unquote

from harvester.logs import SecretMasker
from harvester.ops.charts import legend, point_of, trend_svg
from harvester.ops.html import (
    Clock,
    badge,
    counts_text,
    duration,
    esc,
    link,
    page,
    table,
)
from harvester.ops.overview import STATE_OF_STATUS, Overview, SourceView, source_view

logger = logging.getLogger(__name__)

ISSUES_PER_PAGE = 200
TARGET_STATES = ("pushed", "pending", "failed", "conflict", "withdrawn", "skipped")
SEVERITY_STYLE = {"error": "failing", "warning": "errors", "info": "never"}


class NotFound(Exception):
    pass


def _flatten(stats: dict[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in sorted((stats or {}).items()):
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


class StatusApp:
    """WSGI app of the status pages. ``config()`` is the live configuration, ``overview()`` a cached Overview."""

    def __init__(self, store: Any, config: Callable[[], Any], overview: Callable[[], Overview],
                 next_runs: Callable[[], dict[str, Any]] = dict,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store, self.config, self.overview, self.next_runs, self.now = store, config, overview, next_runs, now

    # -- dispatch ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        root = environ.get("SCRIPT_NAME", "").rstrip("/")
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""))
        cfg = self.config()
        ctx = _Ctx(root, cfg, Clock(cfg.settings.scheduler.timezone, self.now()), SecretMasker(cfg.secrets()))
        status = "200 OK"
        try:
            if path == "/":
                title, body, refresh = "Harvester status", self._home(ctx), 60
            elif m := re.fullmatch(r"/source/([^/]+)/?", path):
                title, body, refresh = f"Source {unquote(m[1])}", self._source(ctx, unquote(m[1])), None
            elif m := re.fullmatch(r"/job/(\d+)/?", path):
                page_no = _int(query.get("page", ["1"])[0])
                title, body, refresh = f"Job {m[1]}", self._job(ctx, int(m[1]), page_no), None
            elif m := re.fullmatch(r"/target/([^/]+)/?", path):
                title, body, refresh = f"Target {unquote(m[1])}", self._target(ctx, unquote(m[1])), None
            else:
                raise NotFound(path)
        except NotFound as exc:
            status, title, body, refresh = "404 Not Found", "Not found", f"<p>Nothing at {esc(exc)}.</p>", None
        except Exception:  # noqa: BLE001 - the store may be down: say so instead of a stack trace
            logger.exception("status page %s failed", path)
            status, title, refresh = "503 Service Unavailable", "State store unavailable", 30
            body = "<p>The state store cannot be read right now. This page retries every 30 seconds.</p>"
        html = page(f"{cfg.settings.catalog.title} - harvester", title, body, home=f"{root}/",
                    subtitle=f"{cfg.settings.pemda.nama} · {ctx.clock.time(ctx.clock.now)}", refresh=refresh)
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html))),
                                ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                                                            "img-src data:")])
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [html]

    # -- pages ---------------------------------------------------------------------------------
    def _home(self, ctx: "_Ctx") -> str:
        view = self.overview()
        states = Counter(s.state for s in view.sources)
        sched = {None: "no scheduler in this process (feed only)", True: "running", False: "STOPPED"}[view.scheduler_running]
        summary = (f'<p class="summary"><span>scheduler: <b>{esc(sched)}</b></span><span>{len(view.sources)} '
                   f'source(s): {esc(", ".join(f"{n} {s}" for s, n in sorted(states.items())))}</span></p>')
        rows = []
        for src in view.sources:
            jobs = list(reversed(self.store.list_jobs(src.id, limit=20)))
            chart = trend_svg([point_of(j) for j in jobs if not j.running], width=220, height=54,
                              label=f"records and errors per job of {src.id}", fmt_time=ctx.clock.short)
            rows.append([self._source_cell(ctx, src), badge(src.state), esc(src.schedule), self._last_run(ctx, src),
                         counts_text(src.last_job.stats if src.last_job else {}),
                         f"{src.records_current}" + (f'<br><small>{src.records_invalid} invalid</small>'
                                                     if src.records_invalid else ""),
                         self._next_run(ctx, src), chart])
        sources = table(["Source", "State", "Schedule", "Last run", "Last run counts", "Records", "Next run",
                         "Trend"], rows, numeric=(5,), empty="no sources configured")
        targets = table(["Target", "Level", "State"] + list(TARGET_STATES) + ["keeps failing", "Last push",
                                                                             "Last error"],
                        [[link(f"{ctx.root}/target/{quote(t.id)}", t.id) + f"<br><small>{esc(t.title)}</small>",
                          esc(t.level), badge("ok") if t.enabled else f'{badge("disabled")}<br><small>'
                          f'{esc(t.disabled_reason)}</small>']
                         + [str(t.counts.get(s, 0)) for s in TARGET_STATES]
                         + [str(t.keeps_failing), ctx.clock.cell(t.last_push), ctx.clock.cell(t.last_error_at)]
                         for t in view.targets],
                        numeric=tuple(range(3, 3 + len(TARGET_STATES) + 1)), empty="no targets configured")
        return (summary + "<h3>Sources</h3>" + sources + legend() + "<h3>Targets (sync state)</h3>" + targets
                + "<h3>Latest jobs</h3>" + self._jobs_table(ctx, self.store.list_jobs(limit=15), with_source=True))

    def _source(self, ctx: "_Ctx", sid: str) -> str:
        cfg = ctx.config.sources.get(sid)
        if cfg is None and self.store.get_source(sid) is None:
            raise NotFound(f"source {sid}")
        src = source_view(self.store, sid, cfg, next_run=self.next_runs().get(sid))
        jobs = self.store.list_jobs(sid, limit=60)
        finished = [j for j in jobs if not j.running]
        facts = [("State", badge(src.state)), ("Title", esc(src.title)), ("Type", esc(src.type)),
                 ("Organisation", esc(src.organisation or "-")),
                 ("URL", esc(ctx.masker.mask(str(getattr(cfg, "url", "") or "-")))), ("Schedule", esc(src.schedule)),
                 ("Next run", self._next_run(ctx, src)), ("Records", f"{src.records_current} current, "
                                                                    f"{src.records_invalid} invalid"),
                 ("Last success", ctx.clock.cell(src.last_success.finished_at if src.last_success else None))]
        chart = trend_svg([point_of(j) for j in reversed(finished)], width=900, height=170,
                          label=f"records and errors per job of {sid}", fmt_time=ctx.clock.short)
        issues = ""
        if src.last_job is not None:
            issues = (f"<h3>Issues of the last run (job {src.last_job.id}), by code</h3>"
                      + self._issue_summary(ctx, self.store.issues_for_job(src.last_job.id, limit=5000)))
        return (_facts(facts) + "<h3>Trend</h3>" + chart + legend() + "<h3>Jobs</h3>"
                + self._jobs_table(ctx, jobs[:50], with_source=False) + issues)

    def _job(self, ctx: "_Ctx", job_id: int, page_no: int) -> str:
        job = self.store.get_job(job_id)
        if job is None:
            raise NotFound(f"job {job_id} (it may have been pruned by retention)")
        facts = [("Source", link(f"{ctx.root}/source/{quote(job.source_id)}", job.source_id)),
                 ("Status", badge(_state(job.status), job.status)), ("Trigger", esc(job.trigger)),
                 ("Started", ctx.clock.cell(job.started_at)), ("Finished", ctx.clock.cell(job.finished_at)),
                 ("Duration", esc(duration(job.started_at, job.finished_at or (ctx.clock.now if job.running else None)))),
                 ("Listing", ("complete" if job.complete else "incomplete") + (", full" if job.full else ", incremental")),
                 ("Error", f'<span class="msg">{esc(ctx.masker.mask(job.error))}</span>' if job.error else "-")]
        counts = table(["Count", "Value"], [[esc(k), esc(v)] for k, v in _flatten(job.stats)], numeric=(1,),
                       empty="no counts recorded")
        issues = self.store.issues_for_job(job_id, limit=ISSUES_PER_PAGE * page_no)
        shown = issues[ISSUES_PER_PAGE * (page_no - 1):]
        by_severity = self.store.issue_counts(job_id)
        pager = ""
        if page_no > 1 or len(issues) == ISSUES_PER_PAGE * page_no:
            links = [link(f"{ctx.root}/job/{job_id}?page={page_no - 1}", "previous")] if page_no > 1 else []
            if len(issues) == ISSUES_PER_PAGE * page_no:
                links.append(link(f"{ctx.root}/job/{job_id}?page={page_no + 1}", "next"))
            pager = f'<nav class="pages">page {page_no}: {" ".join(links)}</nav>'
        rows = [[badge(SEVERITY_STYLE.get(i.severity, "never"), i.severity), esc(i.code), esc(i.remote_id), esc(i.field), f'<span class="msg">{esc(ctx.masker.mask(i.message))}</span>',
                 f'<span class="msg">{esc(i.hint_en or i.hint_id or "")}</span>'] for i in shown]
        return (_facts(facts) + "<h3>Counts</h3>" + counts
                + f"<h3>Issues ({esc(', '.join(f'{n} {s}' for s, n in sorted(by_severity.items())) or 'none')})</h3>"
                + self._issue_summary(ctx, self.store.issues_for_job(job_id, limit=5000)) + "<h3>All issues</h3>"
                + pager + table(["Severity", "Code", "Record", "Field", "Message", "Hint"], rows, empty="no issues")
                + pager)

    def _target(self, ctx: "_Ctx", tid: str) -> str:
        view = next((t for t in self.overview().targets if t.id == tid), None)
        if view is None:
            raise NotFound(f"target {tid}")
        facts = [("Title", esc(view.title)), ("Level", esc(view.level)),
                 ("State", badge("ok") if view.enabled else badge("disabled") + " " + esc(view.disabled_reason)),
                 ("Records", esc(", ".join(f"{n} {s}" for s, n in sorted(view.counts.items())) or "none yet")),
                 ("Waiting to be pushed", str(view.pending)), ("Keeps failing", str(view.keeps_failing)),
                 ("Last push", ctx.clock.cell(view.last_push)), ("Last error", ctx.clock.cell(view.last_error_at))]
        rows: list[list[str]] = []
        with closing(self.store.iter_record_targets(tid, status_in=["failed", "conflict"])) as found:
            for row in islice(found, 200):  # closing: the iterator holds a connection until exhausted
                rows.append([esc(f"{row.source_id} / {row.remote_id}"),
                             badge("failing" if row.status == "failed" else "held", row.status), str(row.attempts),
                             ctx.clock.cell(row.last_error_at), ctx.clock.cell(row.next_attempt_at),
                             f'<span class="msg">{esc(ctx.masker.mask(row.last_error or ""))}</span>'])
        return (_facts(facts) + "<h3>Records failing or in conflict (first 200)</h3>"
                + table(["Record", "Status", "Attempts", "Last error at", "Next attempt", "Error"], rows,
                        numeric=(2,), empty="none: every record is pushed, waiting, or skipped by the filters"))

    # -- pieces --------------------------------------------------------------------------------
    def _source_cell(self, ctx: "_Ctx", src: SourceView) -> str:
        extra = " · ".join(x for x in (src.type, src.organisation) if x)
        return (link(f"{ctx.root}/source/{quote(src.id)}", src.id)
                + (f"<br><small>{esc(src.title)}</small>" if src.title else "") + f"<br><small>{esc(extra)}</small>")

    def _last_run(self, ctx: "_Ctx", src: SourceView) -> str:
        job = src.last_job
        if job is None:
            return "never"
        running = (f'<br>{badge("running")} <small>job {link(f"{ctx.root}/job/{src.running.id}", src.running.id)} '
                   f'since {esc(ctx.clock.ago(src.running.started_at))}</small>') if src.running is not None else ""
        error = (f'<br><small class="msg">{esc(_clip(ctx.masker.mask(job.error), 160))}</small>'
                 if job.error and job.status in ("failed", "aborted", "needs_confirmation") else "")
        return (ctx.clock.cell(job.finished_at) + f'<br>{link(f"{ctx.root}/job/{job.id}", f"job {job.id}")} '
                f'<small>{esc(job.status)}, {esc(duration(job.started_at, job.finished_at))}</small>' + error + running)

    def _next_run(self, ctx: "_Ctx", src: SourceView) -> str:
        if src.next_run is not None:
            return ctx.clock.cell(src.next_run)
        if src.configured and src.enabled and src.schedule == "manual only":
            return "manual"
        return "-"

    def _jobs_table(self, ctx: "_Ctx", jobs: list[Any], *, with_source: bool) -> str:
        rows = []
        for j in jobs:
            cells = [link(f"{ctx.root}/job/{j.id}", j.id)]
            if with_source:
                cells.append(link(f"{ctx.root}/source/{quote(j.source_id)}", j.source_id))
            cells += [esc(j.trigger), badge(_state(j.status), j.status),
                      ctx.clock.cell(j.started_at), esc(duration(j.started_at, j.finished_at)),
                      counts_text(j.stats), str((j.stats or {}).get("issues_error", 0))]
            rows.append(cells)
        headers = ["Job"] + (["Source"] if with_source else []) + ["Trigger", "Status", "Started", "Duration",
                                                                   "Counts", "Errors"]
        return table(headers, rows, numeric=(len(headers) - 1,), empty="no jobs yet")

    def _issue_summary(self, ctx: "_Ctx", issues: list[Any]) -> str:
        groups: dict[tuple[str, str], list[Any]] = {}
        for issue in issues:
            groups.setdefault((issue.severity, issue.code), []).append(issue)
        order = {"error": 0, "warning": 1, "info": 2}
        rows = [[esc(sev), esc(code), str(len(items)), f'<span class="msg">{esc(ctx.masker.mask(items[0].message))}</span>']
                for (sev, code), items in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 9), -len(kv[1])))]
        return table(["Severity", "Code", "Count", "Example"], rows, numeric=(2,), empty="no issues")


class _Ctx:
    """Per-request rendering context."""

    def __init__(self, root: str, config: Any, clock: Clock, masker: SecretMasker) -> None:
        self.root, self.config, self.clock, self.masker = root, config, clock, masker


def _state(status: str) -> str:
    return STATE_OF_STATUS.get(status, status)


def _facts(pairs: list[tuple[str, str]]) -> str:
    return '<dl class="kv">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _int(text: str, default: int = 1) -> int:
    try:
        return max(1, int(text))
    except ValueError:
        return default

