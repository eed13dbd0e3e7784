"""Recording scores at harvest time: the runner's entry point, and a re-score of stored records.

The runner scores each dataset it maps (``QualityScorer.score(dataset, issues)`` with the issues of
``validate_sdi`` it already has) and calls ``record_scores`` once at the end of the job. With
``config`` it also stores a trend point for every aggregate that changed (``aggregate.snapshot``).

``score_source`` does the same for records already in the store (a source harvested before scoring
was wired, or after the scoring version changed); the CLI may expose it as ``harvester quality
rescore``.

Failure behaviour: ``record_scores`` is a no-op (returns 0) on a dry-run store; database errors
propagate to the caller, which should log them and not fail the harvest job over them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists
from harvester.pipeline import assembly
from harvester.quality import aggregate, history
from harvester.quality.scoring import DatasetScore, QualityScorer

log = logging.getLogger(__name__)


def record_scores(store: Any, job_id: Optional[int], source_id: str, items: Iterable[tuple[str, DatasetScore]],
                  *, config: Any = None, when: Optional[datetime] = None, codelists: Optional[CodeLists] = None,
                  today: Optional[date] = None) -> int:
    """Append the scores of one job's datasets (``(remote_id, score)`` pairs) to the history.

    With ``config`` (the LoadedConfig) the aggregate trend points are refreshed too. ``when``
    defaults to now (UTC). Returns the number of dataset scores written.
    """
    if getattr(store, "dry_run", False):
        return 0
    when = when or datetime.now(timezone.utc)
    written = history.save_scores(store, job_id, source_id, items, when)
    if config is not None:
        rows = aggregate.snapshot(store, config, when=when, codelists=codelists, today=today)
        log.info("quality: job %s (%s): %d dataset score(s), %d trend point(s)", job_id, source_id, written, rows)
    return written


def score_source(store: Any, config: Any, source_id: str, *, job_id: Optional[int] = None,
                 codelists: Optional[CodeLists] = None, today: Optional[date] = None, links: Any = None,
                 when: Optional[datetime] = None) -> int:
    """Score every current record of ``source_id`` from its stored dataset and record the scores
    (and trend points). Unreadable records are logged and skipped. Returns the number scored."""
    codelists = codelists or CodeLists.load()
    scorer = QualityScorer(codelists, assembly.sdi_policy(config.settings, today=today), links=links)
    items = [(rec.remote_id, scorer.score(dataset)) for rec, dataset in aggregate.current_datasets(store, source_id)]
    return record_scores(store, job_id, source_id, items, config=config, when=when, codelists=codelists,
                         today=today)
