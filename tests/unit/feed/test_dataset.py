"""Single datasets: minted URIs dereference, original IRIs resolve, withdrawn ones answer 410."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import rdflib
from rdflib import URIRef

from harvester.feed.app import FeedApp
from harvester.pipeline.identity import mint_uri
from harvester.store import Store
from tests.unit.feed.records import BASE, Seeded
from tests.unit.feed.test_catalog import DCAT, datasets_in, graph
from tests.unit.feed.wsgi_client import call

DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def _entry(seeded: Seeded, remote_id: str):  # type: ignore[no-untyped-def]
    return next(e for e in seeded.entries if e.remote_id == remote_id)


@pytest.mark.parametrize("remote_id", ["1.02.01.0003", "opd/2024 tabel 1", "kesehatan-ø-100%"])
def test_minted_uri_dereferences(app: FeedApp, seeded: Seeded, remote_id: str) -> None:
    entry = _entry(seeded, remote_id)
    minted = mint_uri(BASE, entry.source_id, remote_id)
    assert entry.dataset.uri == minted  # the example records keep minted URIs
    path = minted[len(BASE):]
    for target, fmt in [(path + ".ttl", "ttl"), (path + ".jsonld", "jsonld"), (path, "ttl")]:
        g = graph(call(app, target), fmt)
        assert datasets_in(g) == [minted]
        assert str(g.value(URIRef(minted), DCT.identifier)) == entry.dataset.identifier
        assert len(list(g.objects(URIRef(minted), DCAT.distribution))) == 2


def test_original_iri_under_the_base_resolves_by_slug_and_by_uri(app: FeedApp, seeded: Seeded) -> None:
    uri = f"{BASE}/dataset/jumlah-penduduk-kelurahan"
    by_slug = graph(call(app, "/dataset/jumlah-penduduk-kelurahan.rdf"), "rdf")
    assert datasets_in(by_slug) == [uri]
    by_uri = graph(call(app, "/dataset?uri=" + quote(uri, safe="")))
    assert datasets_in(by_uri) == [uri]
    by_key = graph(call(app, "/dataset/katalog-diskominfotik/" + quote(uri, safe="") + ".nt"), "nt")
    assert datasets_in(by_key) == [uri]


@pytest.mark.parametrize("remote_id, status", [
    ("tertutup-1", 404), ("tanpa-akses", 404), ("terbatas-1", 404), ("rusak-1", 404), ("dihapus-1", 410),
    ("does-not-exist", 404),
])
def test_not_public_datasets(app: FeedApp, seeded: Seeded, remote_id: str, status: int) -> None:
    reply = call(app, f"/dataset/dinkes-sipd/{remote_id}.ttl")
    assert reply.status == status
    assert reply.header("content-type") == "application/problem+json"
    assert "Tertutup" not in reply.body.decode() and "Indikator" not in reply.body.decode()  # no metadata leaks


def test_terbatas_visible_when_configured(seeded: Seeded, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(include_terbatas=True)
    assert call(app, "/dataset/dinkes-sipd/terbatas-1.ttl").status == 200
    assert call(app, "/dataset/dinkes-sipd/tertutup-1.ttl").status == 404


def test_withdrawn_dataset_answers_410_and_leaves_catalogue(app: FeedApp, store: Store, seeded: Seeded) -> None:
    entry = _entry(seeded, "1.02.01.0002")
    path = f"/dataset/{entry.source_id}/{entry.remote_id}.ttl"
    assert call(app, path).status == 200
    assert entry.dataset.uri in datasets_in(graph(call(app, "/catalog.ttl?page=all")))
    store.mark_deleted(entry.source_id, [entry.remote_id], job_id=1)
    assert call(app, path).status == 410
    assert entry.dataset.uri not in datasets_in(graph(call(app, "/catalog.ttl?page=all")))


def test_dataset_missing_parameters(app: FeedApp) -> None:
    assert call(app, "/dataset").status == 400
    assert call(app, "/dataset?uri=https://elsewhere.example/x").status == 404
    assert call(app, "/dataset/dinkes-sipd/%FF%FE").status == 400  # not UTF-8


def test_dataset_without_description_gets_its_title(app: FeedApp, store: Store) -> None:
    """DCAT-AP makes dct:description mandatory; an empty source field must not break conformance."""
    from dataclasses import replace
    from datetime import datetime, timezone

    from tests.unit.feed.records import Entry, make_dataset, record_row

    entry = Entry("dinkes-sipd", "tanpa-deskripsi", replace(make_dataset(90), description=None))
    store.save_record(record_row(entry, datetime.now(timezone.utc)))
    g = graph(call(app, "/dataset/dinkes-sipd/tanpa-deskripsi.ttl"))
    node = URIRef(entry.dataset.uri)
    assert [str(d) for d in g.objects(node, DCT.description)] == [entry.dataset.title]
