"""Feed queries: keyset pagination, filters, counts and the change log (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest

from harvester.model.canonical import canonical_json
from harvester.model.dataset import Dataset
from harvester.store import DatasetFilter, RecordRow, Store, decode_key, encode_key
from tests.store.conftest import T0, FakeClock


def _dataset(remote_id: str, **kw: object) -> str:
    return canonical_json(Dataset(identifier=remote_id, title=f"Data {remote_id}", **kw))  # type: ignore[arg-type]


def _seed(store: Store, count: int = 1000) -> list[tuple[str, str]]:
    """``count`` current datasets over two sources with many equal updated_at values (ties), plus
    rows the feed must skip. Returns the expected (source_id, remote_id) order."""
    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    rng = random.Random(7)
    expected: list[tuple[object, str, str]] = []
    rows = []
    for n in range(count):
        source_id = "kota" if n % 3 else "prov"
        remote_id = f"ds{rng.randrange(10**6):06d}x{n:04d}"  # [a-z0-9]: same order in any collation
        updated = T0 + timedelta(seconds=n // 7)  # runs of 7 rows share a timestamp
        rows.append(RecordRow(source_id, remote_id, dataset_json=_dataset(remote_id), updated_at=updated))
        expected.append((updated, source_id, remote_id))
    rng.shuffle(rows)  # insertion order must not matter
    rows.append(RecordRow("kota", "invalid-1", status="invalid", dataset_json=_dataset("x"), updated_at=T0))
    rows.append(RecordRow("kota", "unmapped-1", dataset_json=None, updated_at=T0))
    store.save_records(rows)
    return [(s, r) for _, s, r in sorted(expected)]


def test_keyset_pagination_1000_rows(store: Store) -> None:
    expected = _seed(store)
    assert store.count_datasets() == 1000
    for page_size in (7, 100, 333):  # 7 = length of the runs of equal updated_at
        seen: list[tuple[str, str]] = []
        after = None
        pages = 0
        while page := list(store.iter_datasets(after=after, limit=page_size)):
            pages += 1
            assert len(page) <= page_size
            seen.extend((r.source_id, r.remote_id) for r in page)
            after = page[-1].feed_key
            if pages > 1000:
                pytest.fail("pagination does not terminate")
        assert seen == expected, page_size  # same order: no duplicates, no gaps
        assert pages == -(-1000 // page_size)


def test_unbounded_stream_in_feed_order(store: Store) -> None:
    expected = _seed(store, 1200)  # more than one streaming batch
    assert [(r.source_id, r.remote_id) for r in store.iter_datasets()] == expected


def test_page_token_round_trip(store: Store) -> None:
    expected = _seed(store, 40)
    first = list(store.iter_datasets(limit=10))
    token = encode_key(first[-1].feed_key)
    assert decode_key(token) == first[-1].feed_key
    rest = [(r.source_id, r.remote_id) for r in store.iter_datasets(after=decode_key(token), limit=5)]
    assert rest == expected[10:15]
    with pytest.raises(ValueError):
        decode_key("garbage!")
    with pytest.raises(ValueError):
        list(store.iter_datasets(after=("2024", "a", "b")))


def test_pagination_survives_concurrent_updates(store: Store, clock: FakeClock) -> None:
    """A record updated mid-crawl moves to the end: it is seen again, nothing else is lost."""
    expected = _seed(store, 300)
    first = list(store.iter_datasets(limit=100))
    moved_ahead = first[0]  # already served
    not_yet = expected[200]
    clock.advance(days=1)
    for source_id, remote_id in ((moved_ahead.source_id, moved_ahead.remote_id), not_yet):
        row = store.get_record(source_id, remote_id)
        assert row is not None
        store.save_record(RecordRow(source_id, remote_id, dataset_json=row.dataset_json, title="changed"))
    seen = [(r.source_id, r.remote_id) for r in first]
    after = first[-1].feed_key
    while page := list(store.iter_datasets(after=after, limit=100)):
        seen.extend((r.source_id, r.remote_id) for r in page)
        after = page[-1].feed_key
    assert set(seen) == set(expected)
    assert seen[-2:] == [(moved_ahead.source_id, moved_ahead.remote_id), not_yet]


def test_filters_and_counts(store: Store, clock: FakeClock) -> None:
    store.upsert_source("prov", "dcat-rdf", title=None, config_hash="h", enabled=True)
    eco = "http://publications.europa.eu/resource/authority/data-theme/ECON"
    specs = [
        ("kota", "a", "dinkes", "TERBUKA", "35.72", {"themes": (eco,)}),
        ("kota", "b", "dinkes", "TERBATAS", "35.72", {"bidang_urusan": ("1.02",)}),
        ("kota", "c", "bappeda", "TERTUTUP", "35", {"topik": ("Ekonomi",)}),
        ("prov", "d", "bappeda", "TERBUKA", "36.01", {"keywords": (eco,)}),  # keyword, not a theme
        ("prov", "e", "diskominfo_100%", "TERBUKA", None, {}),
    ]
    for n, (source_id, rid, org, access, kode, extra) in enumerate(specs):
        store.save_record(RecordRow(source_id, rid, dataset_json=_dataset(rid, **extra), organisation=org,
                                    access_rights=access, kode_pemda=kode, updated_at=T0 + timedelta(hours=n)))

    def ids(f: DatasetFilter, **kw: object) -> list[str]:
        got = [r.remote_id for r in store.iter_datasets(filters=f, **kw)]  # type: ignore[arg-type]
        assert store.count_datasets(f) == len(got) or "limit" in kw
        return got

    assert ids(DatasetFilter(organisation="dinkes")) == ["a", "b"]
    assert ids(DatasetFilter(organisation="diskominfo_100%")) == ["e"]
    assert ids(DatasetFilter(access_in=("TERBUKA", "TERBATAS"))) == ["a", "b", "d", "e"]
    assert ids(DatasetFilter(access_in=())) == []
    assert ids(DatasetFilter(kode_pemda_prefix="35")) == ["a", "b", "c"]
    assert ids(DatasetFilter(kode_pemda_prefix="35.7")) == ["a", "b"]
    assert ids(DatasetFilter(kode_pemda_prefix="3_")) == []  # no LIKE wildcards leak through
    assert ids(DatasetFilter(source_id="prov")) == ["d", "e"]
    assert ids(DatasetFilter(modified_since=T0 + timedelta(hours=3))) == ["d", "e"]
    assert ids(DatasetFilter(theme=eco)) == ["a"]
    assert ids(DatasetFilter(theme="1.02")) == ["b"]
    assert ids(DatasetFilter(theme="ekonomi")) == []  # exact match (SQLite LIKE is case-blind)
    assert ids(DatasetFilter(theme="Ekonomi")) == ["c"]
    assert ids(DatasetFilter(organisation="bappeda", access_in=("TERTUTUP",))) == ["c"]
    assert ids(DatasetFilter(theme=eco), limit=0) == []
    assert ids(DatasetFilter(access_in=("TERBUKA",)), limit=2) == ["a", "d"]


def test_changes_since_includes_deleted(store: Store, clock: FakeClock) -> None:
    for rid in ("old", "kept", "gone", "invalid"):
        store.save_record(RecordRow("kota", rid, dataset_json=_dataset(rid)))
    since = clock.advance(hours=1)
    job = store.start_job("kota", trigger="schedule")
    store.mark_deleted("kota", ["gone"], job.id)
    clock.advance(minutes=1)
    kept = store.get_record("kota", "kept")
    assert kept is not None
    store.save_record(RecordRow("kota", "kept", dataset_json=_dataset("kept", description="baru"),
                                first_seen=kept.first_seen))
    store.save_record(RecordRow("kota", "new", dataset_json=_dataset("new")))
    store.save_record(RecordRow("kota", "invalid", status="invalid"))
    store.touch_records("kota", ["old"], job.id)  # seen, not changed

    changes = store.changes_since(since)
    assert [(r.remote_id, r.status) for r in changes] == [
        ("gone", "deleted"), ("invalid", "invalid"), ("kept", "current"), ("new", "current")]
    assert changes[0].deleted_at == since
    assert [r.remote_id for r in store.changes_since(since, limit=2)] == ["gone", "invalid"]
    page2 = store.changes_since(since, limit=2, after=changes[1].feed_key)
    assert [r.remote_id for r in page2] == ["kept", "new"]
    assert store.changes_since(clock.advance(days=1)) == []
    # the feed no longer serves the deleted record
    assert "gone" not in {r.remote_id for r in store.iter_datasets()}
    assert json.loads(changes[2].dataset_json or "{}")["description"] == "baru"
