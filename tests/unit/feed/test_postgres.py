"""The feed's own SQL (page index with row_number(), keyset pages, stable-URI lookup, snapshot) on
PostgreSQL: same answers as on SQLite."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from harvester.feed.app import FeedApp, FeedConfig
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.store import Store
from tests.unit.feed.conftest import CATALOG
from tests.unit.feed.records import EU_EDUC, Seeded, seed
from tests.unit.feed.test_catalog import datasets_in, graph, walk
from tests.unit.feed.wsgi_client import call

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg(make_postgres_db: Callable[[], str], profile: DcatAp3Profile) -> Iterator[tuple[FeedApp, Store, Seeded]]:
    store = Store(make_postgres_db())
    seeded = seed(store)
    try:
        yield FeedApp(store, profile, CATALOG, FeedConfig(page_size=4, snapshot_ttl=0)), store, seeded
    finally:
        store.close()


def test_paging_on_postgres(pg: tuple[FeedApp, Store, Seeded]) -> None:
    app, _, seeded = pg
    expected = [e.dataset.uri for e in seeded.visible()]
    seen = [u for g in walk(app, "/catalog.ttl") for u in datasets_in(g)]
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected)
    last = -(-len(expected) // 4)
    assert set(datasets_in(graph(call(app, f"/catalog.ttl?page={last}")))) == set(expected[4 * (last - 1):])
    themed = [u for g in walk(app, "/catalog.ttl?theme=" + EU_EDUC) for u in datasets_in(g)]
    assert sorted(themed) == sorted(e.dataset.uri for e in seeded.visible() if EU_EDUC in e.dataset.themes)


def test_lookups_and_changes_on_postgres(pg: tuple[FeedApp, Store, Seeded]) -> None:
    app, store, seeded = pg
    assert call(app, "/dataset/jumlah-penduduk-kelurahan.ttl").status == 200
    assert call(app, "/dataset/daftar-data-opd/opd%2F2024%20tabel%201").status == 200
    assert call(app, "/dataset/dinkes-sipd/dihapus-1").status == 410
    items = call(app, "/catalog/changes").json()["orderedItems"]
    assert len(items) == len(seeded.entries)
    etag = call(app, "/catalog.ttl?page=2").header("etag")
    assert call(app, "/catalog.ttl?page=2", headers={"If-None-Match": etag}).status == 304
    store.mark_deleted("dinkes-sipd", [seeded.visible()[0].remote_id], job_id=1)
    assert call(app, "/catalog.ttl?page=2", headers={"If-None-Match": etag}).status == 200
