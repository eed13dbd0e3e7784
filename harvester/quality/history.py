"""Score history on the store's database: per-dataset scores, aggregate snapshots, link-check cache.

The tables (``quality_score``, ``quality_aggregate``, ``quality_link``) are defined in
``harvester.store.tables`` and created by the store's Alembic migration 0002. Timestamps are aware UTC
(the store's ``UTCDateTime``); JSON columns use the store's ``JSONDoc`` (JSONB on PostgreSQL).

Rows are append-only: a dataset's history is every score ever recorded for it; the *current* score is
its newest row. Writes use ``BEGIN IMMEDIATE`` on SQLite like the store, so they queue behind the
harvest writer instead of failing.

Failure behaviour: database errors propagate (SQLAlchemy exceptions); a dry-run store (the
runner's ``DryRunStore``, attribute ``dry_run``) is refused with ValueError: scores of a dry run
must not be written.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from harvester.quality.links import LinkResult
from harvester.quality.scoring import DatasetScore, score_from_dict
from harvester.store.engine import SQLITE_BEGIN
from harvester.store.tables import quality_aggregate, quality_link, quality_score

_ready: "weakref.WeakKeyDictionary[Engine, bool]" = weakref.WeakKeyDictionary()
_ready_lock = threading.Lock()


def engine_of(store: Any) -> Engine:
    """The SQLAlchemy engine of a ``Store`` (ValueError for a dry-run or engine-less store)."""
    if getattr(store, "dry_run", False):
        raise ValueError("quality history is not written for a dry run")
    engine = getattr(store, "engine", None)
    if not isinstance(engine, Engine):
        raise ValueError(f"{store!r} has no database engine")
    return engine


def ensure_tables(store: Any) -> Engine:
    """Make sure the store's schema (Alembic head, which includes the quality tables) is in place."""
    engine = engine_of(store)
    with _ready_lock:
        if not _ready.get(engine):
            store.ensure_schema()
            _ready[engine] = True
    return engine


@contextmanager
def _write(store: Any) -> Iterator[Connection]:
    engine = ensure_tables(store)
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn


@contextmanager
def _read(store: Any) -> Iterator[Connection]:
    engine = ensure_tables(store)
    with engine.connect() as conn:
        with conn.begin():
            yield conn


@dataclass(frozen=True)
class StoredScore:
    source_id: str
    remote_id: str
    job_id: Optional[int]
    computed_at: datetime
    score: DatasetScore


def _score_row(source_id: str, remote_id: str, job_id: Optional[int], when: datetime, score: DatasetScore
               ) -> dict[str, Any]:
    data = score.as_dict()
    return {"source_id": source_id, "remote_id": remote_id, "job_id": job_id, "computed_at": when,
            "score": score.score, "points": score.points, "max_score": score.max_points, "band": score.band,
            "version": score.version, "dimensions": data["dimensions"], "failed_checks": data["checks"]}


def _stored(row: sa.Row[Any]) -> StoredScore:
    m = row._mapping
    score = score_from_dict({"score": m["score"], "points": m["points"], "max_points": m["max_score"],
                             "band": m["band"], "version": m["version"], "dimensions": m["dimensions"],
                             "checks": m["failed_checks"]})
    return StoredScore(m["source_id"], m["remote_id"], m["job_id"], m["computed_at"], score)


def save_scores(store: Any, job_id: Optional[int], source_id: str, items: Iterable[tuple[str, DatasetScore]],
                when: datetime) -> int:
    """Append one history row per (remote_id, score); returns the number written."""
    rows = [_score_row(source_id, remote_id, job_id, when, score) for remote_id, score in items]
    if rows:
        with _write(store) as conn:
            for start in range(0, len(rows), 500):
                conn.execute(quality_score.insert(), rows[start:start + 500])
    return len(rows)


def latest_scores(store: Any, source_id: Optional[str] = None) -> dict[tuple[str, str], StoredScore]:
    """The newest stored score of every dataset (of one source when given)."""
    newest = sa.select(sa.func.max(quality_score.c.id)).group_by(quality_score.c.source_id, quality_score.c.remote_id)
    if source_id is not None:
        newest = newest.where(quality_score.c.source_id == source_id)
    stmt = sa.select(quality_score).where(quality_score.c.id.in_(newest.scalar_subquery()))
    with _read(store) as conn:
        return {(s.source_id, s.remote_id): s for s in map(_stored, conn.execute(stmt))}


def latest_score(store: Any, source_id: str, remote_id: str) -> Optional[StoredScore]:
    """The newest stored score of one dataset, or None (for the feed's DQV measurements)."""
    stmt = (sa.select(quality_score).where(quality_score.c.source_id == source_id,
                                           quality_score.c.remote_id == remote_id)
            .order_by(quality_score.c.id.desc()).limit(1))
    with _read(store) as conn:
        row = conn.execute(stmt).first()
    return _stored(row) if row is not None else None


def latest_scores_for(store: Any, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredScore]:
    """The newest stored score of each (source_id, remote_id) in ``keys`` that has one (e.g. one feed
    page: a few queries, not one per dataset)."""
    by_source: dict[str, list[str]] = {}
    for source_id, remote_id in keys:
        by_source.setdefault(source_id, []).append(remote_id)
    out: dict[tuple[str, str], StoredScore] = {}
    with _read(store) as conn:
        for source_id, remote_ids in by_source.items():
            for start in range(0, len(remote_ids), 500):
                chunk = remote_ids[start:start + 500]
                where = (quality_score.c.source_id == source_id, quality_score.c.remote_id.in_(chunk))
                newest = sa.select(sa.func.max(quality_score.c.id)).where(*where).group_by(quality_score.c.remote_id)
                stmt = sa.select(quality_score).where(quality_score.c.id.in_(newest.scalar_subquery()))
                out.update({(s.source_id, s.remote_id): s for s in map(_stored, conn.execute(stmt))})
    return out


def dataset_history(store: Any, source_id: str, remote_id: str) -> list[StoredScore]:
    """Every stored score of one dataset, oldest first."""
    stmt = (sa.select(quality_score).where(quality_score.c.source_id == source_id,
                                           quality_score.c.remote_id == remote_id).order_by(quality_score.c.id))
    with _read(store) as conn:
        return [_stored(r) for r in conn.execute(stmt)]


def save_aggregates(store: Any, when: datetime, rows: Iterable[tuple[str, str, Optional[float], Optional[str], int]]
                    ) -> int:
    """Append aggregate snapshots: (scope_kind, scope_id, score, band, datasets)."""
    values = [{"scope_kind": k, "scope_id": i, "computed_at": when, "score": s, "band": b, "datasets": n}
              for k, i, s, b, n in rows]
    if values:
        with _write(store) as conn:
            conn.execute(quality_aggregate.insert(), values)
    return len(values)


@dataclass(frozen=True)
class TrendPoint:
    computed_at: datetime
    score: Optional[float]
    band: Optional[str]
    datasets: int


def trends(store: Any, scope_kind: Optional[str] = None, *, since: Optional[datetime] = None, limit: int = 60
           ) -> dict[tuple[str, str], list[TrendPoint]]:
    """Snapshots per (scope_kind, scope_id), oldest first: those at or after ``since`` (all when None),
    at most the ``limit`` newest per scope."""
    stmt = sa.select(quality_aggregate).order_by(quality_aggregate.c.id)
    if scope_kind is not None:
        stmt = stmt.where(quality_aggregate.c.scope_kind == scope_kind)
    if since is not None:
        stmt = stmt.where(quality_aggregate.c.computed_at >= since)
    out: dict[tuple[str, str], list[TrendPoint]] = {}
    with _read(store) as conn:
        for row in conn.execute(stmt):
            m = row._mapping
            out.setdefault((m["scope_kind"], m["scope_id"]), []).append(
                TrendPoint(m["computed_at"], m["score"], m["band"], m["datasets"]))
    return {key: points[-limit:] for key, points in out.items()}


def latest_aggregates(store: Any) -> dict[tuple[str, str], TrendPoint]:
    """The newest snapshot of every scope."""
    newest = sa.select(sa.func.max(quality_aggregate.c.id)).group_by(quality_aggregate.c.scope_kind,
                                                                      quality_aggregate.c.scope_id)
    stmt = sa.select(quality_aggregate).where(quality_aggregate.c.id.in_(newest.scalar_subquery()))
    with _read(store) as conn:
        return {(r.scope_kind, r.scope_id): TrendPoint(r.computed_at, r.score, r.band, r.datasets)
                for r in conn.execute(stmt)}


class StoreLinkCache:
    """``LinkCache`` on the ``quality_link`` table (one row per URL, newest result)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def get(self, url: str) -> Optional[LinkResult]:
        with _read(self.store) as conn:
            row = conn.execute(sa.select(quality_link).where(quality_link.c.url == url)).first()
        if row is None:
            return None
        m = row._mapping
        return LinkResult(m["url"], bool(m["ok"]), m["status"], m["reason"], m["checked_at"])

    def put(self, result: LinkResult) -> None:
        with _write(self.store) as conn:
            conn.execute(quality_link.delete().where(quality_link.c.url == result.url))
            conn.execute(quality_link.insert().values(url=result.url, checked_at=result.checked_at, ok=result.ok,
                                                      status=result.status, reason=result.reason))


def prune_history(store: Any, *, older_than: datetime) -> int:
    """Delete per-dataset score rows older than ``older_than``, except each dataset's newest one (its
    current score). Scope trend points (``quality_aggregate``) are kept: they are few and make the
    long-term trend. Returns the number of rows deleted; called by the daemon's retention."""
    qs = quality_score
    newest = sa.select(sa.func.max(qs.c.id)).group_by(qs.c.source_id, qs.c.remote_id)
    with _write(store) as conn:
        deleted = conn.execute(qs.delete().where(qs.c.computed_at < older_than, qs.c.id.not_in(newest))).rowcount
    return int(deleted or 0)
