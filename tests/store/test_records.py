"""Records, raw bytes, record targets and issues (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from harvester.model.issues import Issue, Severity, Stage, error, warning
from harvester.model.record import SourceRecord
from harvester.store import RawRecord, RecordRow, RecordTargetRow, Store, UnknownSource
from tests.store.conftest import T0, FakeClock

INDONESIAN = "Jumlah Penduduk Menurut Kecamatan — Kota Blitar (jiwa), ‘Tahun’ 2023 ✓ 日本"


def rec(remote_id: str, **kw: object) -> RecordRow:
    return RecordRow(source_id="kota", remote_id=remote_id, **kw)  # type: ignore[arg-type]


def test_save_record_upsert_keeps_first_seen(store: Store, clock: FakeClock) -> None:
    store.save_record(rec("a", title="v1", content_hash="c1", mapped_hash="m1", dataset_json='{"v":1}'))
    first = store.get_record("kota", "a")
    assert first is not None and first.first_seen == first.last_seen == first.updated_at == T0

    clock.advance(hours=1)
    later = clock.now
    store.save_record(dataclasses.replace(first, title="v2", mapped_hash="m2", first_seen=later,
                                          last_seen=later, updated_at=later, kode_pemda="35.72",
                                          access_rights="TERBUKA", id_is_fallback=True, last_job_id=7))
    got = store.get_record("kota", "a")
    assert got is not None
    assert got.first_seen == T0  # never moves
    assert (got.title, got.mapped_hash, got.kode_pemda, got.access_rights) == ("v2", "m2", "35.72", "TERBUKA")
    assert got.updated_at == later and got.id_is_fallback is True and got.last_job_id == 7
    assert store.get_record("kota", "zzz") is None


def test_unicode_round_trip(store: Store) -> None:
    rid = "https://data.blitarkota.go.id/dataset/penduduk-kecamatan-sananwetan"
    store.save_record(rec(rid, title=INDONESIAN, organisation="Dinas Kependudukan dan Pencatatan Sipil",
                          dataset_json=f'{{"title":"{INDONESIAN}"}}'))
    got = store.get_record("kota", rid)
    assert got is not None and got.title == INDONESIAN
    assert got.dataset_json == f'{{"title":"{INDONESIAN}"}}'
    assert got.organisation == "Dinas Kependudukan dan Pencatatan Sipil"


def test_raw_bytes_round_trip(store: Store, clock: FakeClock) -> None:
    content = bytes(range(256)) * 40 + INDONESIAN.encode("utf-8")
    raw = RawRecord("kota", "a", "application/json", content, url="https://x/api?page=1")
    assert raw.content_hash == hashlib.sha256(content).hexdigest()
    store.save_record(rec("a"), raw)
    got = store.get_raw("kota", "a")
    assert got is not None
    assert got.content == content and isinstance(got.content, bytes)
    assert (got.media_type, got.url, got.content_hash) == ("application/json", "https://x/api?page=1", raw.content_hash)
    # a newer fetch replaces the bytes
    store.save_record(rec("a"), RawRecord("kota", "a", "text/turtle", b"<a> <b> <c> ."))
    again = store.get_raw("kota", "a")
    assert again is not None and (again.content, again.media_type) == (b"<a> <b> <c> .", "text/turtle")
    assert store.get_raw("kota", "b") is None


def test_raw_record_converts_source_record(store: Store) -> None:
    src = SourceRecord("kota", "a", "application/xml", b"<x/>", url="u", fetched_at=T0)
    raw = RawRecord.from_source_record(src)
    store.save_record(rec("a"), raw)
    back = store.get_raw("kota", "a")
    assert back is not None and back.to_source_record() == src


def test_raw_record_must_match_its_record(store: Store) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        store.save_record(rec("a"), RawRecord("kota", "b", "application/json", b"{}"))
    assert store.get_record("kota", "a") is None  # nothing half-written


def test_record_input_validation(store: Store) -> None:
    with pytest.raises(ValueError, match="record status"):
        store.save_record(rec("a", status="gone"))
    with pytest.raises(ValueError, match="naive datetime"):
        store.save_record(rec("a", first_seen=datetime(2024, 1, 1)))
    with pytest.raises(UnknownSource, match="ghost"):
        store.save_record(RecordRow(source_id="ghost", remote_id="a"))
    with pytest.raises(TypeError):
        RawRecord("kota", "a", "text/plain", "not bytes")  # type: ignore[arg-type]


def test_non_utc_aware_times_are_converted(store: Store) -> None:
    wib = timezone(timedelta(hours=7))
    store.save_record(rec("a", first_seen=datetime(2024, 5, 1, 15, 0, tzinfo=wib)))
    got = store.get_record("kota", "a")
    assert got is not None and got.first_seen == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert got.first_seen.tzinfo == UTC


def test_known_ids_touch_and_mark_deleted(store: Store, clock: FakeClock) -> None:
    ids = [f"r{n:04d}" for n in range(1200)]  # crosses the 500-row chunk size
    store.save_records(rec(i, status="invalid" if i == "r0001" else "current") for i in ids)
    assert store.known_ids("kota") == set(ids)

    job = store.start_job("kota", trigger="schedule")
    clock.advance(hours=1)
    store.touch_records("kota", iter(ids[:1100]), job.id)
    touched = store.get_record("kota", "r1099")
    untouched = store.get_record("kota", "r1100")
    assert touched is not None and (touched.last_seen, touched.last_job_id) == (clock.now, job.id)
    assert touched.updated_at == T0  # touching is not a change
    assert untouched is not None and (untouched.last_seen, untouched.last_job_id) == (T0, None)

    clock.advance(hours=1)
    assert store.mark_deleted("kota", ids[1100:] + ["unknown"], job.id) == 100
    assert store.mark_deleted("kota", ids[1100:], job.id) == 0  # already deleted
    gone = store.get_record("kota", "r1150")
    assert gone is not None and gone.status == "deleted"
    assert gone.deleted_at == gone.updated_at == clock.now
    assert store.known_ids("kota") == set(ids[:1100])


def test_ids_on_pages(store: Store) -> None:
    store.save_records([
        rec("a", page_url="https://x/p1"),
        rec("b", page_url="https://x/p1"),
        rec("c", page_url="https://x/p2"),
        rec("d", page_url="https://x/p1", status="deleted"),
        rec("e", page_url="https://x/p3"),
    ])
    assert store.ids_on_pages("kota", ["https://x/p1", "https://x/p2"]) == {"a", "b", "c"}
    assert store.ids_on_pages("kota", []) == set()
    assert store.ids_on_pages("other", ["https://x/p1"]) == set()


def test_iter_records_and_iter_raw_stream_in_order(store: Store) -> None:
    ids = [f"r{n:04d}" for n in range(1100)]
    store.save_records((rec(i, status="deleted" if n % 10 == 0 else "current"),
                        RawRecord("kota", i, "application/json", i.encode()))
                       for n, i in enumerate(ids))
    assert [r.remote_id for r in store.iter_records("kota")] == ids
    current = [r.remote_id for r in store.iter_records("kota", status="current")]
    assert current == [i for n, i in enumerate(ids) if n % 10]
    raws = list(store.iter_raw("kota"))
    assert [r.content for r in raws] == [i.encode() for i in ids]


def test_save_record_with_deleted_status_counts_as_change(store: Store, clock: FakeClock) -> None:
    store.save_record(rec("a"))
    clock.advance(hours=2)
    row = store.get_record("kota", "a")
    assert row is not None
    store.save_record(dataclasses.replace(row, status="deleted", deleted_at=clock.now))
    got = store.get_record("kota", "a")
    assert got is not None and got.updated_at == clock.now


def test_batch_commits_together_and_rolls_back_on_error(store: Store) -> None:
    with store.batch():
        for n in range(20):
            store.save_record(rec(f"ok{n}"))
        with store.batch():  # nested batches join the outer one
            store.save_record(rec("nested"))
    assert len(store.known_ids("kota")) == 21
    with pytest.raises(RuntimeError), store.batch():
        store.save_record(rec("lost"))
        raise RuntimeError("boom")
    assert store.get_record("kota", "lost") is None


# --- record targets ----------------------------------------------------------------------------
def test_record_target_upsert_iter_and_find(store: Store, clock: FakeClock) -> None:
    store.save_records([rec("a"), rec("b"), rec("c")])
    store.save_record_target(RecordTargetRow("kota", "a", "jatim", status="pending"))
    store.save_record_target(RecordTargetRow("kota", "b", "jatim", target_dataset_id="id-b", target_name="b-name",
                                             pushed_hash="h1", pushed_at=T0, status="pushed", attempts=1))
    store.save_record_target(RecordTargetRow("kota", "a", "satudata", status="failed", attempts=3,
                                             last_error="HTTP 503", last_error_at=T0,
                                             next_attempt_at=T0 + timedelta(minutes=10)))
    updated = RecordTargetRow("kota", "a", "jatim", target_dataset_id="id-a", target_name="a-name",
                              pushed_hash="h2", pushed_at=clock.advance(minutes=1), status="pushed", attempts=1,
                              target_modified="2024-05-01T08:01:00")
    store.save_record_target(updated)
    assert store.get_record_target("kota", "a", "jatim") == updated
    assert store.get_record_target("kota", "c", "jatim") is None

    assert [(t.remote_id, t.status) for t in store.iter_record_targets("jatim")] == [("a", "pushed"), ("b", "pushed")]
    failed = list(store.iter_record_targets("satudata", status_in=["failed", "pending"]))
    assert [(t.remote_id, t.attempts, t.last_error) for t in failed] == [("a", 3, "HTTP 503")]
    assert list(store.iter_record_targets("jatim", status_in=["conflict"])) == []

    found = store.find_record_target_by_dataset("jatim", "id-b")
    assert found is not None and found.remote_id == "b"
    assert store.find_record_target_by_dataset("satudata", "id-b") is None
    with pytest.raises(ValueError, match="target status"):
        store.save_record_target(RecordTargetRow("kota", "a", "jatim", status="done"))


# --- issues --------------------------------------------------------------------------------------
def test_issues_add_query_and_count(store: Store) -> None:
    job = store.start_job("kota", trigger="cli")
    store.add_issues(
        [
            error("SDI-V02", "Judul kosong", field="title", stage=Stage.VALIDATE,
                  hint_id="Isi judul dataset", hint_en="Fill in the title"),
            warning("MAP-ID-FALLBACK", "id from title", stage=Stage.MAP, remote_id="other"),
            Issue(Severity.INFO, "NOTE", INDONESIAN, location="https://x/p1#3"),
        ],
        job_id=job.id, source_id="kota", remote_id="a",
    )
    store.add_issues((warning("HTTP-429", f"slow {n}", stage=Stage.GATHER) for n in range(600)),
                     job_id=job.id, source_id="kota")
    rows = store.issues_for_job(job.id)
    assert len(rows) == 603
    first = rows[0]
    assert (first.code, first.severity, first.stage, first.field, first.remote_id) == (
        "SDI-V02", "error", "validate", "title", "a")
    assert (first.hint_id, first.hint_en, first.job_id, first.source_id) == (
        "Isi judul dataset", "Fill in the title", job.id, "kota")
    assert rows[1].remote_id == "other"  # the issue's own remote_id wins
    assert rows[2].message == INDONESIAN and rows[2].stage is None
    assert rows[0].to_issue() == error("SDI-V02", "Judul kosong", field="title", stage=Stage.VALIDATE,
                                       remote_id="a", hint_id="Isi judul dataset", hint_en="Fill in the title")
    assert [r.code for r in store.issues_for_job(job.id, limit=2)] == ["SDI-V02", "MAP-ID-FALLBACK"]
    assert store.issue_counts(job.id) == {"error": 1, "warning": 601, "info": 1}
    assert store.issue_counts(job.id + 1) == {}
    assert [r.code for r in store.issues_for_record("kota", "a")] == ["NOTE", "SDI-V02"]


def test_issues_for_record_latest_job_only(store: Store) -> None:
    old = store.start_job("kota", trigger="cli")
    store.add_issues([error("E1", "old")], job_id=old.id, source_id="kota", remote_id="a")
    store.finish_job(old.id, status="done", stats={}, complete=True)
    new = store.start_job("kota", trigger="cli")
    store.add_issues([warning("W1", "new")], job_id=new.id, source_id="kota", remote_id="a")
    assert [r.code for r in store.issues_for_record("kota", "a")] == ["W1", "E1"]
    assert [r.code for r in store.issues_for_record("kota", "a", latest_job_only=True)] == ["W1"]


def test_add_issues_rejects_non_issue(store: Store) -> None:
    with pytest.raises(TypeError, match="Issue"):
        store.add_issues([{"code": "X"}], job_id=None, source_id="kota")  # type: ignore[list-item]


def test_get_records_in_bulk(store: Store) -> None:
    ids = [f"r-{i:04d}" for i in range(1200)]  # more than one query's worth of ids
    store.save_records([rec(rid, title=f"T {rid}") for rid in ids[::2]])
    found = store.get_records("kota", ids + ["r-0000", "missing"])
    assert set(found) == set(ids[::2])
    assert found["r-0002"].title == "T r-0002" and found["r-0002"] == store.get_record("kota", "r-0002")
    assert store.get_records("kota", []) == {} and store.get_records("other-source", ids) == {}
