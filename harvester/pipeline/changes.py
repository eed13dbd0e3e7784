"""Change detection and deletion planning (ARCHITECTURE.md §5, §6).

Pure functions: the runner gives them what it saw and what the store knows, and gets back what to
do. Deletions are planned only from a complete listing; the circuit breaker holds a plan that
would remove too much (a source answering 200 with an empty list must not wipe the catalogue).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Optional


class Action(str, enum.Enum):
    """What happened to one record in a job."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    SKIPPED = "skipped"


def classify(previous_status: Optional[str], previous_mapped_hash: Optional[str], new_mapped_hash: str) -> Action:
    """Created when the record is new (or comes back after a deletion), updated when its mapped form changed."""
    if previous_status is None or previous_status == "deleted":
        return Action.CREATED
    if previous_status == "invalid" or previous_mapped_hash != new_mapped_hash:
        return Action.UPDATED
    return Action.UNCHANGED


@dataclass(frozen=True)
class DeletionPolicy:
    """Hold a plan that removes more than ``max_ratio`` of the known records or more than ``max_count``.

    The ratio rule ignores plans of at most ``ratio_floor`` records (in a 10-record source one
    withdrawn dataset is 10 %, and normal); a plan that would remove *every* known record is
    always held, because that is what a broken source returning an empty list looks like.
    """

    max_ratio: float = 0.2
    max_count: Optional[int] = None
    ratio_floor: int = 3


@dataclass(frozen=True)
class DeletionPlan:
    """Records to mark deleted, and whether the circuit breaker holds them for confirmation."""

    remote_ids: tuple[str, ...]
    known: int
    held: bool
    reason: str = ""


def plan_deletions(
    *,
    known_ids: Iterable[str],
    seen_ids: Iterable[str],
    announced_deleted: Iterable[str],
    full_listing: bool,
    policy: DeletionPolicy,
) -> DeletionPlan:
    """Decide which known records disappeared.

    Records missing from the listing count only when the listing was a full one (an incremental
    listing shows just the changes); deletions announced by the source (OAI deleted headers,
    CKAN state=deleted) count always. The caller must only call this after a complete listing.
    """
    known = set(known_ids)
    gone = set(announced_deleted) & known
    if full_listing:
        gone |= known - set(seen_ids)
    ids = tuple(sorted(gone))
    if not ids:
        return DeletionPlan((), len(known), False)
    ratio = len(ids) / len(known) if known else 1.0
    reasons = []
    if len(ids) == len(known):
        reasons.append(f"every one of the {len(known)} known records would be withdrawn")
    elif ratio > policy.max_ratio and len(ids) > policy.ratio_floor:
        reasons.append(f"{len(ids)} of {len(known)} records ({ratio:.0%}) would be withdrawn, "
                       f"above the {policy.max_ratio:.0%} limit")
    if policy.max_count is not None and len(ids) > policy.max_count:
        reasons.append(f"{len(ids)} withdrawals exceed the limit of {policy.max_count}")
    return DeletionPlan(ids, len(known), bool(reasons), "; ".join(reasons))
