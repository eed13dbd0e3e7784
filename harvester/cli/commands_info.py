"""Read-only commands: status, jobs, job, report. Tables on a terminal, JSON with ``--json``."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional, Sequence

import click

from harvester.cli.context import CliState


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def echo_json(data: Any) -> None:
    click.echo(json.dumps(_jsonable(data), ensure_ascii=False, indent=2, sort_keys=True))


def echo_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned text table (no external dependency; readable in a terminal and in logs)."""
    text_rows = [["" if v is None else _cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths)))
    for row in text_rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def _next_runs(config: Any, store: Any) -> dict[str, Optional[datetime]]:
    """When the daemon would next run each scheduled source (the scheduler's own rule: the clock
    grid of its trigger after its last start; a missed run is due now)."""
    from harvester.ops.triggers import first_run_time, make_trigger

    now = datetime.now(timezone.utc)
    tz = config.settings.scheduler.timezone
    out: dict[str, Optional[datetime]] = {}
    for sid, cfg in config.sources.items():
        if not cfg.enabled or cfg.schedule.manual:
            continue
        last = store.list_jobs(sid, limit=1)
        out[sid] = first_run_time(make_trigger(cfg.schedule, tz), last[0].started_at if last else None, now)
    return out


def _duration(started: Optional[datetime], finished: Optional[datetime]) -> Optional[str]:
    if started is None or finished is None:
        return None
    seconds = int((finished - started).total_seconds())
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def status(state: CliState, as_json: bool) -> None:
    """Sources (state, schedule, last job, next run, records) and targets (push state per portal)."""
    from harvester.ops.overview import collect

    config, store = state.config, state.store
    view = collect(store, config, next_runs=lambda: _next_runs(config, store))
    sources = [{
        "source": s.id, "type": s.type, "state": s.state, "schedule": s.schedule,
        "last_job": s.last_job.id if s.last_job else None, "last_status": s.last_job.status if s.last_job else None,
        "last_finished": s.last_job.finished_at if s.last_job else None,
        "last_success": s.last_success.finished_at if s.last_success else None,
        "next_run": s.next_run, "records": s.records_current, "invalid": s.records_invalid,
    } for s in view.sources]
    targets = [{
        "target": t.id, "level": t.level, "enabled": t.enabled, "disabled_reason": t.disabled_reason,
        "counts": t.counts, "pending": t.pending, "keeps_failing": t.keeps_failing, "last_push": t.last_push,
        "last_error_at": t.last_error_at,
    } for t in view.targets]
    if as_json:
        echo_json({"sources": sources, "targets": targets})
    else:
        echo_table(["source", "type", "state", "schedule", "last job", "status", "finished", "next run", "records",
                    "invalid"],
                   [[r["source"], r["type"], r["state"], r["schedule"], r["last_job"], r["last_status"],
                     r["last_finished"], r["next_run"], r["records"], r["invalid"]] for r in sources])
        if targets:
            click.echo("")
            echo_table(["target", "level", "enabled", "pushed", "pending", "failing", "conflict", "last push"],
                       [[t["target"], t["level"], t["enabled"] or (t["disabled_reason"] or False),
                         t["counts"].get("pushed", 0), t["pending"], t["keeps_failing"], t["counts"].get("conflict", 0),
                         t["last_push"]] for t in targets])
    state.close()


@click.command()
@click.argument("source_id", required=False)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def jobs(state: CliState, source_id: Optional[str], limit: int, as_json: bool) -> None:
    """Recent jobs, newest first (optionally of one source)."""
    if source_id:
        state.source_ids((source_id,), False)
    rows = state.store.list_jobs(source_id, limit=limit)
    if as_json:
        echo_json([dict(asdict(j), duration=_duration(j.started_at, j.finished_at)) for j in rows])
    else:
        echo_table(["id", "source", "trigger", "status", "started", "duration", "complete", "stats"],
                   [[j.id, j.source_id, j.trigger, j.status, j.started_at, _duration(j.started_at, j.finished_at),
                     j.complete, j.stats] for j in rows])
    state.close()


@click.command()
@click.argument("job_id", type=int)
@click.option("--issues", "max_issues", type=int, default=50, show_default=True, help="issues to show")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.pass_obj
def job(state: CliState, job_id: int, max_issues: int, as_json: bool) -> None:
    """One job with its counts and issues."""
    store = state.store
    row = store.get_job(job_id)
    if row is None:
        click.echo(f"no job {job_id}", err=True)
        state.close()
        sys.exit(2)
    issues = store.issues_for_job(job_id, limit=max_issues)
    counts = store.issue_counts(job_id)
    if as_json:
        echo_json({"job": row, "issue_counts": counts, "issues": issues})
    else:
        for key in ("id", "source_id", "trigger", "status", "started_at", "finished_at", "complete", "full", "error"):
            click.echo(f"{key:>12}: {_cell(getattr(row, key)) if getattr(row, key) is not None else ''}")
        click.echo(f"{'stats':>12}: {_cell(row.stats or {})}")
        click.echo(f"{'issues':>12}: {_cell(counts)}")
        if issues:
            click.echo("")
            echo_table(["severity", "code", "record", "field", "message"],
                       [[i.severity, i.code, i.remote_id, i.field, i.message[:120]] for i in issues])
    state.close()


@click.command()
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json"]), default="json", show_default=True)
@click.option("--organisation", default=None, help="one OPD (id or name); default: every organisation")
@click.option("--csv-table", type=click.Choice(["scopes", "datasets"]), default="scopes", show_default=True,
              help="with --format csv: one row per scope (OPD, kelurahan ...) or per dataset")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="write to a file instead of stdout")
@click.option("--json", "as_json", is_flag=True, help="same as --format json")
@click.pass_obj
def report(state: CliState, fmt: str, organisation: Optional[str], csv_table: str, out: Optional[str],
           as_json: bool) -> None:
    """Metadata quality and Satu Data compliance per organisation (OPD), kelurahan and source."""
    from pathlib import Path

    from harvester.quality import UnknownOrganisation, build_report, render_csv, render_html, render_json

    try:
        built = build_report(state.store, state.config, organisation=organisation)
    except UnknownOrganisation as exc:
        raise click.BadParameter(str(exc), param_hint="--organisation") from exc
    fmt = "json" if as_json else fmt
    text = (render_json(built) if fmt == "json" else render_csv(built, table=csv_table) if fmt == "csv"
            else render_html(built))
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"report written to {out}", err=True)
    else:
        click.echo(text, nl=False)
    state.close()


COMMANDS = [status, jobs, job, report]
