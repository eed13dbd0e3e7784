"""Commands that harvest, preview, re-map and validate: harvest, preview, remap, confirm-deletions,
validate-config, validate-mappings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import click

from harvester.cli.context import CliState
from harvester.errors import ConfigError


@click.command()
@click.argument("source_ids", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="every enabled source")
@click.option("--dry-run", is_flag=True, help="show what would change; write nothing anywhere")
@click.option("--max-items", type=int, default=None, help="stop after N records (listing counts as incomplete)")
@click.option("--full", is_flag=True, help="full listing (detects deletions) instead of incremental")
@click.pass_obj
def harvest(state: CliState, source_ids: tuple[str, ...], all_sources: bool, dry_run: bool,
            max_items: Optional[int], full: bool) -> None:
    """Run one harvest job for each SOURCE_ID (or --all) now."""
    if not source_ids and not all_sources:
        raise click.UsageError("give one or more SOURCE_IDs or --all")
    from harvester.pipeline.runner import RunOptions

    runner = state.runner()
    worst = 0
    for sid in state.source_ids(source_ids, all_sources):
        with _Progress(sid) as progress:
            result = runner.run(sid, RunOptions(trigger="cli", full=full, max_items=max_items, dry_run=dry_run,
                                                progress=progress.update))
        if dry_run:
            click.echo(f"{sid}: dry run (nothing written): "
                       + ", ".join(f"{k}={v}" for k, v in sorted(result.stats.items())))
            pusher = state.pusher()
            for line in pusher.describe(pusher.plan(sid, store=result.store)):
                click.echo(f"  {line}")
            continue
        stats = ", ".join(f"{k}={v}" for k, v in sorted(result.stats.items()))
        click.echo(f"{sid}: job {result.job_id} {result.status}"
                   f"{' (complete listing)' if result.complete else ' (incomplete listing)'}: {stats}")
        if result.error:
            click.echo(f"  error: {result.error}", err=True)
        if result.deletion is not None and result.deletion.held:
            click.echo(f"  deletions held: {result.deletion.reason}; "
                       f"confirm with: harvester confirm-deletions {result.job_id}")
        worst = max(worst, result.exit_code)
    state.close()
    sys.exit(worst)


@click.command()
@click.argument("source_ids", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="every configured source")
@click.option("--dry-run", is_flag=True, help="show per target what would be created, updated or withdrawn")
@click.pass_obj
def push(state: CliState, source_ids: tuple[str, ...], all_sources: bool, dry_run: bool) -> None:
    """Push stored records of SOURCE_IDs (or --all) to the CKAN targets now, without harvesting.

    Retries earlier failures, applies withdrawals whose grace period is over and brings a newly
    enabled target up to date. Exit 3 when a portal was unavailable or failed (the work is retried
    later), else 1 when a portal refused a dataset or a hand edit blocked an update (conflict).
    """
    if not source_ids and not all_sources:
        raise click.UsageError("give one or more SOURCE_IDs or --all")
    pusher = state.pusher()
    worst = 0
    for sid in state.source_ids(source_ids, all_sources):
        if dry_run:
            click.echo(f"{sid}: dry run (nothing written)")
            for line in pusher.describe(pusher.plan(sid)):
                click.echo(f"  {line}")
            continue
        report = pusher.sync(sid)
        click.echo(f"{sid}: " + ("; ".join(report.lines()) or "no enabled target"))
        totals = report.total()
        if report.errors or totals["failed"]:
            worst = max(worst, 3)
        elif totals["rejected"] or totals["conflict"]:
            worst = max(worst, 1)
    state.close()
    sys.exit(worst)


class _Progress:
    """A one-line live counter on a terminal (stderr) while a job runs; silent when not a terminal,
    so logs and pipes get only the final summary line."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __enter__(self) -> "_Progress":
        return self

    def update(self, counts: dict[str, int]) -> None:
        import time

        now = time.monotonic()
        if not self.enabled or now - self._last < 0.2:  # at most 5 redraws a second
            return
        self._last = now
        parts = ", ".join(f"{k} {counts[k]}" for k in ("gathered", "created", "updated", "unchanged", "invalid")
                          if counts.get(k))
        click.echo(f"\r{self.source_id}: {parts}\x1b[K", err=True, nl=False)

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self._last:
            click.echo("\r\x1b[K", err=True, nl=False)


@click.command()
@click.argument("source_id", required=False)
@click.option("--type", "source_type", help="source type for an ad-hoc preview (with --url)")
@click.option("--url", help="URL (or local path) for an ad-hoc preview (with --type)")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False), help="mapping file to try")
@click.option("--limit", type=int, default=5, show_default=True, help="records to map; later pages are not requested")
@click.option("--output", type=click.Choice(["canonical", "turtle", "jsonld", "sdi", "ckan", "issues"]),
              default="canonical", show_default=True)
@click.pass_obj
def preview(state: CliState, source_id: Optional[str], source_type: Optional[str], url: Optional[str],
            mapping_file: Optional[str], limit: int, output: str) -> None:
    """Map the first records of a source and print them; stores nothing."""
    from harvester.cli.preview import run_preview

    if bool(source_id) == bool(source_type and url):
        raise click.UsageError("give either SOURCE_ID or both --type and --url")
    for line in run_preview(state, source_id=source_id, source_type=source_type, url=url,
                            mapping_file=mapping_file, limit=limit, output=output):
        click.echo(line)


@click.command()
@click.argument("source_id")
@click.pass_obj
def remap(state: CliState, source_id: str) -> None:
    """Re-map the stored raw records of SOURCE_ID with its current mapping, without refetching."""
    from harvester.pipeline.remap import remap_source

    state.source_ids((source_id,), False)
    result = remap_source(state.runner(), source_id)
    click.echo(f"{source_id}: job {result.job_id} {result.status}: "
               + ", ".join(f"{k}={v}" for k, v in sorted(result.stats.items())))
    state.close()
    sys.exit(result.exit_code)


@click.command("confirm-deletions")
@click.argument("job_id", type=int)
@click.pass_obj
def confirm_deletions(state: CliState, job_id: int) -> None:
    """Apply the withdrawals that the circuit breaker held for JOB_ID."""
    count = state.runner().confirm_deletions(job_id)
    click.echo(f"job {job_id}: {count} record(s) marked deleted")
    state.close()


@click.command("validate-config")
@click.pass_obj
def validate_config(state: CliState) -> None:
    """Load and check the configuration (sources, targets, mappings); exit 2 on any error."""
    from harvester.settings import validate_config as check

    for line in check(Path(state.config_path)):
        click.echo(line)
    click.echo("configuration OK")


@click.command("validate-mappings")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.pass_obj
def validate_mappings(state: CliState, paths: tuple[str, ...]) -> None:
    """Check mapping files (default: all under mappings/ and the configured overrides)."""
    from harvester.mapping.spec import validate_mapping_files

    files = _mapping_files(state, paths)
    errors = validate_mapping_files(files)
    for err in errors:
        click.echo(f"error: {err}", err=True)
    if errors:
        raise ConfigError(f"{len(errors)} error(s) in {len(files)} mapping file(s)")
    click.echo(f"{len(files)} mapping file(s) OK")


def _mapping_files(state: CliState, paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files.extend(sorted(p for p in path.rglob("*.yaml") if "codelists" not in p.parts) if path.is_dir() else [path])
    if not files:
        from harvester.mapping.spec import default_mapping_path

        root = default_mapping_path("ckan").parent.parent
        files = sorted(p for p in root.glob("*/*.yaml") if p.parent.name not in ("codelists", "schema"))
        if Path(state.config_path).is_file():
            config: Any = state.config
            for sid, cfg in config.sources.items():
                if cfg.mapping:
                    files.append((config.source_dir(sid) / cfg.mapping).resolve())
    return files


COMMANDS = [harvest, push, preview, remap, confirm_deletions, validate_config, validate_mappings]
