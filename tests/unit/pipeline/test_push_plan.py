"""The push decision table (harvester.pipeline.push_plan): store state in, one step per (record, target) out."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.model.canonical import canonical_json, stable_hash
from harvester.pipeline.dryrun import DryRunStore
from harvester.pipeline.push_plan import (Step, TargetContext, build_plan, describe_plan, desired_hash, plan_record,
                                          target_fingerprint)
from harvester.store import RecordRow, RecordTargetRow, Store
from harvester.targets.filters import TargetFilter
from harvester.targets.naming import NameMaker
from harvester.targets.organisations import OpdResolver, OrganisationMapper
from tests.unit.targets.support import PEMDA, POLICY, dataset, target

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
CITY = {"organisations": {"mode": "per_opd", "fallback": "diskominfotik", "create_missing": True},
        "naming": {"pattern": "{slug}"}, "deletion": {"grace_days": 7}}


@pytest.fixture(scope="module")
def codelists() -> CodeLists:
    return CodeLists.load()


def context(codelists: CodeLists, level: str = "city", **cfg: Any) -> TargetContext:
    config = target(level, **{**CITY, **cfg})
    return TargetContext("kota", config, TargetFilter(config, codelists, POLICY), OrganisationMapper(config, PEMDA),
                         OpdResolver(PEMDA), NameMaker(config.naming.pattern, kode_pemda="35.72"),
                         target_fingerprint(config, PEMDA))


def record(status: str = "current", **ds: Any) -> RecordRow:
    data = dataset(**ds)
    deleted_at = NOW - timedelta(days=1) if status == "deleted" else None
    return RecordRow("katalog", "r1", status=status, mapped_hash=stable_hash(data), dataset_json=canonical_json(data),
                     stable_uri=data.uri, title=data.title, access_rights=data.access_rights,
                     updated_at=NOW - timedelta(days=30), deleted_at=deleted_at)


def row(ctx: TargetContext, rec: RecordRow, status: str = "pushed", **changes: Any) -> RecordTargetRow:
    base = RecordTargetRow("katalog", "r1", "kota", target_dataset_id="pkg-1", target_name="penduduk-lama",
                           pushed_hash=desired_hash(ctx.fingerprint, None, rec.mapped_hash),
                           pushed_at=NOW - timedelta(days=20), status=status,
                           target_modified="2025-05-01T00:00:00")
    return dataclasses.replace(base, **changes)


def step(ctx: TargetContext, rec: RecordRow, rw: Optional[RecordTargetRow], now: datetime = NOW):
    item = plan_record(ctx, rec, rw, now)
    return None if item is None else item.step


def test_new_record_is_created_with_name_and_organisation(codelists: CodeLists) -> None:
    item = plan_record(context(codelists), record(), None, NOW)
    assert item is not None and item.step is Step.CREATE
    assert item.name == "jumlah-penduduk-menurut-kecamatan-di-kota-blitar"
    assert item.organisation is not None and item.organisation.name == "dispendukcapil"
    assert item.desired_hash == desired_hash(context(codelists).fingerprint, None, record().mapped_hash)


def test_unchanged_record_is_not_even_parsed(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    unreadable = dataclasses.replace(rec, dataset_json="{not json")
    assert step(ctx, unreadable, row(ctx, rec)) is Step.UNCHANGED


def test_changed_record_is_updated_under_its_stored_name(codelists: CodeLists) -> None:
    ctx = context(codelists)
    old = record()
    item = plan_record(ctx, record(description="Baru."), row(ctx, old), NOW)
    assert item is not None and item.step is Step.UPDATE and item.name == "penduduk-lama"


def test_target_config_change_repushes_but_naming_change_does_not(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    pushed = row(ctx, rec)
    renamed = context(codelists, naming={"pattern": "{slug}-{kode_pemda}"})
    assert step(renamed, rec, pushed) is Step.UNCHANGED
    remapped = context(codelists, organisations={"mode": "per_opd", "prefix": "blitar-", "fallback": "diskominfotik"})
    assert step(remapped, rec, pushed) is Step.UPDATE


def test_deleted_record_waits_for_the_grace_period(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record("deleted")
    item = plan_record(ctx, rec, row(ctx, rec), NOW)
    assert item is not None and item.step is Step.WAIT and item.due_at == rec.deleted_at + timedelta(days=7)
    assert step(ctx, rec, row(ctx, rec), NOW + timedelta(days=7)) is Step.WITHDRAW
    zero = context(codelists, deletion={"grace_days": 0})
    assert step(zero, rec, row(zero, rec)) is Step.WITHDRAW


def test_deleted_record_never_pushed_needs_nothing(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record("deleted")
    assert step(ctx, rec, None) is None
    assert step(ctx, rec, row(ctx, rec, "skipped", target_dataset_id=None)) is None
    assert step(ctx, rec, row(ctx, rec, "withdrawn")) is None  # purge is off


def test_purge_only_when_enabled_and_after_another_grace(codelists: CodeLists) -> None:
    ctx = context(codelists, deletion={"grace_days": 7, "purge": True})
    rec = record("deleted")
    withdrawn = row(ctx, rec, "withdrawn", pushed_at=NOW - timedelta(days=2))
    assert step(ctx, rec, withdrawn) is Step.WAIT
    assert step(ctx, rec, withdrawn, NOW + timedelta(days=5)) is Step.PURGE


def test_failed_push_backs_off_unless_the_record_changed(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    failed = row(ctx, rec, "failed", pushed_hash="old", attempts=2, next_attempt_at=NOW + timedelta(minutes=5),
                 last_error="HTTP 503", last_error_at=NOW - timedelta(minutes=1))
    assert step(ctx, rec, failed) is Step.WAIT
    assert step(ctx, rec, failed, NOW + timedelta(minutes=6)) is Step.UPDATE
    changed = dataclasses.replace(rec, updated_at=NOW)  # changed after the failure: try at once
    assert step(ctx, changed, failed) is Step.UPDATE
    never_created = dataclasses.replace(failed, target_dataset_id=None)
    assert step(ctx, rec, never_created, NOW + timedelta(minutes=6)) is Step.CREATE


def test_conflict_holds_until_overwrite_or_a_new_version(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    conflict = row(ctx, rec, "conflict", last_error="edited on the portal")
    assert step(ctx, rec, conflict) is Step.CONFLICT
    assert step(context(codelists, conflict={"overwrite_manual_edits": True}), rec, conflict) is Step.UPDATE
    assert step(ctx, record(description="Versi baru."), conflict) is Step.UPDATE


def test_filtered_out_records_are_skipped_or_withdrawn_at_once(codelists: CodeLists) -> None:
    ctx = context(codelists, "province", organisations={"mode": "single", "single": {"name": "kota", "title": "Kota"}})
    rec = record(access_rights="TERTUTUP")
    item = plan_record(ctx, rec, None, NOW)
    assert item is not None and item.step is Step.SKIP and "never leaves the city" in item.reason
    pushed = row(ctx, rec, pushed_hash="an older open version")
    item = plan_record(ctx, rec, pushed, NOW)
    assert item is not None and item.step is Step.WITHDRAW and item.by_filter  # no grace period for a leak


def test_skipped_row_of_the_same_version_is_not_judged_again(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    skipped = row(ctx, rec, "skipped", target_dataset_id=None, last_error="filtered")
    assert step(ctx, dataclasses.replace(rec, dataset_json="{"), skipped) is Step.SKIP
    duplicate = row(ctx, rec, "skipped", last_error="same dataset as other/x")
    assert step(ctx, rec, duplicate) is Step.DUPLICATE


def test_withdrawn_dataset_comes_back(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = record()
    assert step(ctx, rec, row(ctx, rec, "withdrawn", pushed_hash=None)) is Step.RESTORE


def test_invalid_record_leaves_the_portal_alone(codelists: CodeLists) -> None:
    ctx = context(codelists)
    rec = dataclasses.replace(record(), status="invalid", dataset_json=None, mapped_hash=None)
    assert step(ctx, rec, row(ctx, record())) is None


def test_no_organisation_means_skip(codelists: CodeLists) -> None:
    ctx = context(codelists, organisations={"mode": "per_opd"},  # no fallback
                  filters={"require_valid": False})  # an unregistered producer is an SDI error too
    from harvester.model.dataset import Agent

    item = plan_record(ctx, record(creator=Agent(name="Dinas Tidak Terdaftar")), None, NOW)
    assert item is not None and item.step is Step.SKIP and "organisations.fallback" in item.reason


def _store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    store.upsert_source("katalog", "dcat-rdf", title="Katalog", config_hash="x", enabled=True)
    return store


def test_build_plan_reads_rows_and_sees_dry_run_records(tmp_path: Path, codelists: CodeLists) -> None:
    ctx = context(codelists)
    store = _store(tmp_path)
    pushed = record()
    store.save_record(pushed)
    store.save_record_target(row(ctx, pushed))
    plan = build_plan({"kota": ctx}, {}, ["katalog"], store, NOW)
    assert [i.step for i in plan.targets["kota"].items] == [Step.UNCHANGED]
    assert plan.targets["kota"].names == {"penduduk-lama": ("katalog", "r1")}
    dry = DryRunStore(store)
    dry.save_record(dataclasses.replace(record(description="Baru"), remote_id="r1"))
    new = dataclasses.replace(record(title="Data Baru"), remote_id="r2")
    dry.save_record(new)
    plan = build_plan({"kota": ctx}, {}, ["katalog"], dry, NOW)
    assert sorted((i.record.remote_id, i.step) for i in plan.targets["kota"].items) == [
        ("r1", Step.UPDATE), ("r2", Step.CREATE)]
    assert store.get_record_target("katalog", "r2", "kota") is None  # planning wrote nothing


def test_describe_names_targets_steps_and_disabled_ones(tmp_path: Path, codelists: CodeLists) -> None:
    ctx = context(codelists)
    store = _store(tmp_path)
    store.save_record(record())
    gone = dataclasses.replace(record("deleted"), remote_id="r2", title="Data Lama")
    store.save_record(gone)
    store.save_record_target(dataclasses.replace(row(ctx, gone), remote_id="r2"))
    disabled = target("national", url="")
    lines = describe_plan(build_plan({"kota": ctx}, {"nasional": disabled}, ["katalog"], store,
                                     NOW + timedelta(days=8)))
    text = "\n".join(lines)
    assert lines[0].startswith("target kota (city") and "1 create" in lines[0] and "1 withdraw" in lines[0]
    assert "create    katalog/r1" in text
    assert "as jumlah-penduduk-menurut-kecamatan-di-kota-blitar in dispendukcapil" in text
    assert "withdraw  katalog/r2 \"Data Lama\" (penduduk-lama): removed at the source" in text
    assert "target nasional (national): disabled" in text


def test_duplicate_takes_over_when_its_twin_is_withdrawn(tmp_path: Path, codelists: CodeLists) -> None:
    ctx = context(codelists)
    store = _store(tmp_path)
    store.upsert_source("provinsi", "ckan", title="Provinsi", config_hash="y", enabled=True)
    twin = record()
    store.save_record(twin)
    store.save_record_target(row(ctx, twin))  # katalog/r1 owns pkg-1
    copy = dataclasses.replace(record(), source_id="provinsi")
    store.save_record(copy)
    store.save_record_target(dataclasses.replace(row(ctx, copy, "skipped", last_error="same dataset as katalog/r1"),
                                                 source_id="provinsi", target_name=None))
    plan = build_plan({"kota": ctx}, {}, ["provinsi"], store, NOW)
    assert [i.step for i in plan.targets["kota"].items] == [Step.DUPLICATE]
    assert plan.targets["kota"].owner("pkg-1", ("provinsi", "r1")) == (("katalog", "r1"), "pushed")
    store.save_record_target(row(ctx, twin, "withdrawn", pushed_hash=None))
    plan = build_plan({"kota": ctx}, {}, ["provinsi"], store, NOW)
    assert [i.step for i in plan.targets["kota"].items] == [Step.CREATE]  # the executor adopts pkg-1
