"""Deletion planning and change classification: the safety rules of ARCHITECTURE.md §5-§6."""

from __future__ import annotations

from harvester.pipeline.changes import Action, DeletionPolicy, classify, plan_deletions

KNOWN = [f"r{i}" for i in range(100)]


def test_classify_new_changed_unchanged_and_returning():
    assert classify(None, None, "h1") is Action.CREATED
    assert classify("deleted", "h1", "h1") is Action.CREATED
    assert classify("current", "h1", "h2") is Action.UPDATED
    assert classify("invalid", None, "h2") is Action.UPDATED
    assert classify("current", "h1", "h1") is Action.UNCHANGED


def test_full_listing_missing_records_are_deleted_within_limits():
    plan = plan_deletions(known_ids=KNOWN, seen_ids=KNOWN[5:], announced_deleted=[], full_listing=True,
                          policy=DeletionPolicy())
    assert plan.remote_ids == tuple(sorted(KNOWN[:5]))
    assert not plan.held


def test_incremental_listing_never_infers_deletions_from_absence():
    plan = plan_deletions(known_ids=KNOWN, seen_ids=KNOWN[:3], announced_deleted=["r50"], full_listing=False,
                          policy=DeletionPolicy())
    assert plan.remote_ids == ("r50",)


def test_announced_deletion_of_unknown_record_is_ignored():
    plan = plan_deletions(known_ids=KNOWN, seen_ids=KNOWN, announced_deleted=["nope"], full_listing=True,
                          policy=DeletionPolicy())
    assert plan.remote_ids == ()


def test_empty_but_valid_listing_is_held_for_confirmation():
    plan = plan_deletions(known_ids=KNOWN, seen_ids=[], announced_deleted=[], full_listing=True,
                          policy=DeletionPolicy())
    assert plan.held and len(plan.remote_ids) == 100
    assert "every one of the 100" in plan.reason


def test_ratio_and_count_breakers():
    over_ratio = plan_deletions(known_ids=KNOWN, seen_ids=KNOWN[30:], announced_deleted=[], full_listing=True,
                                policy=DeletionPolicy(max_ratio=0.2))
    assert over_ratio.held and "30%" in over_ratio.reason
    over_count = plan_deletions(known_ids=KNOWN, seen_ids=KNOWN[10:], announced_deleted=[], full_listing=True,
                                policy=DeletionPolicy(max_ratio=0.5, max_count=5))
    assert over_count.held and "limit of 5" in over_count.reason


def test_small_sources_may_lose_a_record_without_confirmation():
    plan = plan_deletions(known_ids=["a", "b", "c", "d"], seen_ids=["a", "b", "c"], announced_deleted=[],
                          full_listing=True, policy=DeletionPolicy())
    assert plan.remote_ids == ("d",) and not plan.held
