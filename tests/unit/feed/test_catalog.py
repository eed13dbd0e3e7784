"""The paged catalogue: Hydra paging, page index, access rule, filters, formats, dumps."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
import rdflib
import sqlalchemy as sa
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from harvester.feed.app import FeedApp
from harvester.feed.queries import FeedQueries
from harvester.store import DatasetFilter, Store
from tests.unit.feed.conftest import CATALOG, AppFactory
from tests.unit.feed.records import EU_EDUC, T0, Seeded
from tests.unit.feed.wsgi_client import Reply, call

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
PARSE = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}


def graph(reply: Reply, fmt: str = "ttl") -> rdflib.Graph:
    assert reply.status == 200, reply.body[:300]
    body = gzip.decompress(reply.body) if reply.header("content-encoding") == "gzip" else reply.body
    return rdflib.Graph().parse(data=body, format=PARSE[fmt])


def datasets_in(g: rdflib.Graph) -> list[str]:
    return sorted(str(s) for s in g.subjects(RDF.type, DCAT.Dataset)) + sorted(
        str(s) for s in g.subjects(RDF.type, DCAT.DatasetSeries))


def view(g: rdflib.Graph) -> URIRef:
    (node,) = list(g.subjects(RDF.type, HYDRA.PartialCollectionView))
    return node


def link(g: rdflib.Graph, pred: str) -> str | None:
    value = g.value(view(g), HYDRA[pred])
    return str(value) if value is not None else None


def path_of(url: str) -> str:
    return url.split("feed.test", 1)[1]


def walk(app: FeedApp, start: str, fmt: str = "ttl") -> list[rdflib.Graph]:
    pages, url = [], start
    while url and len(pages) < 50:
        g = graph(call(app, url), fmt)
        pages.append(g)
        nxt = link(g, "next")
        url = path_of(nxt) if nxt else None
    return pages


def test_next_chain_yields_every_public_dataset_once_in_order(app: FeedApp, seeded: Seeded) -> None:
    expected = [e.dataset.uri for e in seeded.visible()]
    pages = walk(app, "/catalog.ttl")
    assert len(pages) == -(-len(expected) // 5)
    seen = [uri for g in pages for uri in datasets_in(g)]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    # Page k holds exactly the k-th slice of the feed order.
    for k, g in enumerate(pages):
        assert set(datasets_in(g)) == set(expected[5 * k: 5 * k + 5])
        catalog = URIRef(CATALOG.uri)
        assert set(map(str, g.objects(catalog, DCAT.dataset))) == set(datasets_in(g))
        assert int(g.value(view(g), HYDRA.totalItems)) == len(expected)
        assert int(g.value(view(g), HYDRA.itemsPerPage)) == 5
        assert (view(g), RDF.type, HYDRA.PagedCollection) in g
        assert (catalog, HYDRA.view, view(g)) in g
        assert link(g, "nextPage") == link(g, "next")
        assert link(g, "first") == link(g, "firstPage") == "http://feed.test/catalog.ttl?page=1"
        assert link(g, "last") == f"http://feed.test/catalog.ttl?page={len(pages)}"
        assert link(g, "previous") == (f"http://feed.test/catalog.ttl?page={k}" if k else None)
    assert link(pages[-1], "next") is None


def test_random_page_access_matches_feed_order_and_builds_index_once(app: FeedApp, seeded: Seeded) -> None:
    expected = [e.dataset.uri for e in seeded.visible()]
    last = -(-len(expected) // 5)
    for page in [last, 2, 1, last - 1, 3]:
        g = graph(call(app, f"/catalog.ttl?page={page}"))
        assert set(datasets_in(g)) == set(expected[5 * (page - 1): 5 * page])
    assert app.ctx.index.builds == 1
    assert call(app, f"/catalog.ttl?page={last + 1}").status == 404
    for bad in ("0", "-1", "abc", "1.5"):
        reply = call(app, f"/catalog.ttl?page={bad}")
        assert reply.status == 400 and reply.header("content-type") == "application/problem+json"
        assert "page" in reply.json()["detail"]


def test_page_query_seeks_by_index_not_offset(store: Store, seeded: Seeded) -> None:
    """Deep pages cost the same as the first: the page query is a keyset seek on ix_record_feed."""
    flt = DatasetFilter(access_in=("TERBUKA",))
    executed: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        executed.append((statement, parameters))

    with FeedQueries(store).read() as conn:
        total, keys = FeedQueries.page_boundaries(conn, flt, 5)
        assert total == len(seeded.visible()) and len(keys) == total // 5
        sa.event.listen(store._engine, "before_cursor_execute", capture)
        try:
            rows = FeedQueries.page(conn, flt, keys[-1], 6)
        finally:
            sa.event.remove(store._engine, "before_cursor_execute", capture)
        (statement, params), = executed
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
    assert [r.remote_id for r in rows] == [e.remote_id for e in seeded.visible()[len(keys) * 5:]]
    assert "ix_record_feed" in plan and "TEMP B-TREE" not in plan, plan
    assert "OFFSET" not in statement.upper() or list(params)[-1] == 0  # SQLite always renders OFFSET


def test_page_index_rebuilt_once_per_store_change(app: FeedApp, store: Store, seeded: Seeded) -> None:
    for _ in range(3):
        call(app, "/catalog.ttl?page=2")
    assert app.ctx.index.builds == 1
    first = call(app, "/catalog.ttl?page=2")
    store.mark_deleted("dinkes-sipd", ["1.02.01.0001"], job_id=1)
    second = call(app, "/catalog.ttl?page=2")
    assert app.ctx.index.builds == 2
    assert first.header("etag") != second.header("etag")


def test_access_rule(seeded: Seeded, make_app: AppFactory) -> None:
    hidden = {e.dataset.uri for e in seeded.entries if e.dataset and e.remote_id in
              ("terbatas-1", "tertutup-1", "tanpa-akses", "dihapus-1")}
    public = graph(call(make_app(), "/catalog.ttl?page=all"))
    assert not hidden & set(datasets_in(public))
    assert set(datasets_in(public)) == {e.dataset.uri for e in seeded.visible()}
    with_terbatas = graph(call(make_app(include_terbatas=True), "/catalog.ttl?page=all"))
    terbatas = {e.dataset.uri for e in seeded.entries if e.remote_id == "terbatas-1"}
    assert set(datasets_in(with_terbatas)) == set(datasets_in(public)) | terbatas


@pytest.mark.parametrize("query, keep", [
    ("publisher=dindik", lambda e: e.org == "dindik"),
    ("organisation=dindik", lambda e: e.org == "dindik"),
    ("theme=" + EU_EDUC, lambda e: EU_EDUC in e.dataset.themes),
    ("theme=2.12", lambda e: "2.12" in e.dataset.bidang_urusan),
    ("kode_wilayah=35.71", lambda e: e.kode_pemda == "35.71"),
    ("kode_wilayah=35", lambda e: True),
    ("source=daftar-data-opd", lambda e: e.source_id == "daftar-data-opd"),
    ("modified_since=" + (T0 + timedelta(seconds=20)).isoformat().replace("+", "%2B"), lambda e: False),
])
def test_filters(app: FeedApp, seeded: Seeded, query: str, keep) -> None:  # type: ignore[no-untyped-def]
    visible = seeded.visible()
    if query.startswith("modified_since"):
        expected = [e.dataset.uri for i, e in enumerate(seeded.entries) if e in visible and i >= 20]
    else:
        expected = [e.dataset.uri for e in visible if keep(e)]
    assert 0 < len(expected) < len(visible) or query == "kode_wilayah=35"
    pages = walk(app, f"/catalog.ttl?{query}")
    seen = [uri for g in pages for uri in datasets_in(g)]
    assert sorted(seen) == sorted(expected)
    assert int(pages[0].value(view(pages[0]), HYDRA.totalItems)) == len(expected)
    name = query.split("=")[0]
    for g in pages:  # every link keeps the filter
        for pred in ("first", "last", "next"):
            url = link(g, pred)
            assert url is None or ("publisher=" if name == "organisation" else name + "=") in url


@pytest.mark.parametrize("query", ["kode_wilayah=35.7", "kode_wilayah=abc", "modified_since=kemarin",
                                   "publisher=a&organisation=b", "source=../x"])
def test_bad_filters_are_400_naming_the_parameter(app: FeedApp, query: str) -> None:
    reply = call(app, "/catalog.ttl?" + query)
    assert reply.status == 400
    name = query.split("=")[0]
    assert name.split("&")[0] in reply.json()["detail"]


def test_every_format_has_the_same_graph(app: FeedApp) -> None:
    graphs = {fmt: graph(call(app, f"/catalog.{fmt}?page=2"), fmt) for fmt in PARSE}
    assert len(graphs["ttl"]) > 100
    for fmt in ("nt", "rdf", "jsonld"):
        g = graphs[fmt]
        # The page node IRI names the format, so compare everything but the Hydra view node.
        strip = [rdflib.Graph(), rdflib.Graph()]
        for target, source in zip(strip, (graphs["ttl"], g), strict=True):
            v = view(source)
            for s, p, o in source:
                if v not in (s, o):
                    target.add((s, p, o))
        assert isomorphic(strip[0], strip[1]), fmt


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf", "nt"])
def test_full_dump_streams_every_public_dataset(app: FeedApp, seeded: Seeded, fmt: str) -> None:
    reply = call(app, f"/catalog.{fmt}?page=all", headers={"Accept-Encoding": "gzip"})
    assert reply.header("content-encoding") == "gzip" and reply.header("content-length") is None
    g = graph(reply, fmt)
    expected = {e.dataset.uri for e in seeded.visible()}
    assert set(datasets_in(g)) == expected
    assert set(map(str, g.objects(URIRef(CATALOG.uri), DCAT.dataset))) == expected
    assert str(g.value(URIRef(CATALOG.uri), rdflib.URIRef("http://purl.org/dc/terms/title"))) == CATALOG.title


def test_root_and_trailing_slash_serve_the_catalogue(app: FeedApp) -> None:
    assert datasets_in(graph(call(app, "/"))) == datasets_in(graph(call(app, "/catalog/")))
    assert call(app, "/catalog.xyz").status == 404


def test_next_chain_misses_nothing_while_the_store_changes(app: FeedApp, store: Store, seeded: Seeded) -> None:
    """A record that changes during a crawl moves to the end; ``after`` tokens keep every other
    record in reach (plain page numbers would shift everything after it one place forward)."""
    from dataclasses import replace as dc_replace
    from datetime import datetime, timezone

    from tests.unit.feed.records import record_row

    visible = seeded.visible()
    first = graph(call(app, "/catalog.ttl"))
    second = graph(call(app, path_of(link(first, "next"))))
    changed = visible[1]  # already seen on page 1
    changed.dataset = dc_replace(changed.dataset, title="Diperbarui")
    store.save_record(record_row(changed, datetime.now(timezone.utc)))
    seen = datasets_in(first) + datasets_in(second)
    url = link(second, "next")
    while url:
        g = graph(call(app, path_of(url)))
        seen += datasets_in(g)
        url = link(g, "next")
    assert set(seen) == {e.dataset.uri for e in visible}
    assert seen.count(changed.dataset.uri) == 2  # seen again in its new place, nothing skipped
    # a crawl by page numbers would have missed the record that moved from page 3 up into page 2
    page3 = datasets_in(graph(call(app, "/catalog.ttl?page=3")))
    assert visible[10].dataset.uri not in page3 + datasets_in(first) + datasets_in(second)


def test_unreadable_record_is_left_out_not_fatal(app: FeedApp, store: Store, seeded: Seeded,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace as dc_replace

    from tests.unit.feed.records import record_row

    entry = seeded.visible()[0]
    row = record_row(entry, T0)
    store.save_record(dc_replace(row, dataset_json='{"identifier": "x", "title": "y", "from_the_future": 1}',
                                 mapped_hash="future"))
    g = graph(call(app, "/catalog.ttl"))
    assert entry.dataset.uri not in datasets_in(g) and len(datasets_in(g)) == 4
    assert any("from_the_future" in r.getMessage() and entry.remote_id in r.getMessage() for r in caplog.records)
    broken = call(app, f"/dataset/{entry.source_id}/{entry.remote_id}.ttl")
    assert broken.status == 500 and broken.header("content-type") == "application/problem+json"


def test_next_links_do_not_wait_for_an_index_rebuild(app: FeedApp, store: Store, seeded: Seeded) -> None:
    first = graph(call(app, "/catalog.ttl"))
    assert app.ctx.index.builds == 1
    store.mark_deleted("dinkes-sipd", [seeded.visible()[-1].remote_id], job_id=1)  # a harvest goes on
    second = graph(call(app, path_of(link(first, "next"))))
    assert app.ctx.index.builds == 1  # totals of the previous snapshot serve the crawler
    assert set(datasets_in(second)) == {e.dataset.uri for e in seeded.visible()[5:10]}
    assert int(second.value(view(second), HYDRA.totalItems)) == len(seeded.visible())  # lags one change
    numbered = graph(call(app, "/catalog.ttl?page=2"))
    assert app.ctx.index.builds == 2  # a page number needs the exact index
    assert int(numbered.value(view(numbered), HYDRA.totalItems)) == len(seeded.visible()) - 1
