"""/catalog/changes: created, updated and withdrawn dataset URIs as ActivityStreams 2.0."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import rdflib

from harvester.feed.app import FeedApp
from harvester.store import Store
from tests.unit.feed.conftest import AppFactory
from tests.unit.feed.records import BASE, T0, Seeded, record_row
from tests.unit.feed.wsgi_client import call


def _since(when: datetime) -> str:
    return quote(when.isoformat(), safe="")


def _items(app: FeedApp, target: str) -> list[dict]:
    items, url = [], target
    while url:
        reply = call(app, url)
        assert reply.status == 200, reply.body
        assert reply.header("content-type").startswith("application/ld+json")
        doc = reply.json()
        assert doc["type"] == "OrderedCollectionPage"
        assert doc["@context"][0] == "https://www.w3.org/ns/activitystreams"
        items.extend(doc["orderedItems"])
        url = doc.get("next", "").replace("http://feed.test", "") or None
    return items


def test_full_history_lists_public_datasets_and_tombstones(app: FeedApp, seeded: Seeded) -> None:
    items = _items(app, "/catalog/changes")
    creates = [i["object"]["id"] for i in items if i["type"] == "Create"]
    deletes = [i["object"]["id"] for i in items if i["type"] == "Delete"]
    assert creates == [e.dataset.uri for e in seeded.visible()]  # oldest first
    hidden = [e for e in seeded.entries if e not in seeded.visible()]
    expected_deletes = [e.dataset.uri if e.dataset else f"{BASE}/dataset/{e.source_id}/{e.remote_id}" for e in hidden]
    assert deletes == expected_deletes
    tomb = next(i["object"] for i in items if i["type"] == "Delete")
    assert tomb["type"] == "Tombstone" and tomb["formerType"] == "dcat:Dataset" and set(tomb) <= {
        "id", "type", "formerType", "deleted"}  # never metadata of a non-public dataset
    create = next(i for i in items if i["type"] == "Create")
    entry = seeded.visible()[0]
    assert create["object"]["name"] == entry.dataset.title
    assert create["object"]["dct:identifier"] == entry.dataset.identifier
    assert create["object"]["url"] == f"http://feed.test/dataset/{entry.source_id}/{entry.remote_id}.ttl"
    assert create["published"] == T0.isoformat().replace("+00:00", "Z")


def test_since_withdrawal_and_update(app: FeedApp, store: Store, seeded: Seeded) -> None:
    later = T0 + timedelta(hours=1)
    assert _items(app, "/catalog/changes?since=" + _since(later)) == []
    gone = seeded.visible()[2]
    changed = seeded.visible()[3]
    store.mark_deleted(gone.source_id, [gone.remote_id], job_id=2)
    changed.dataset = replace(changed.dataset, title="Judul baru")
    row = record_row(changed, datetime.now(timezone.utc))
    store.save_record(replace(row, first_seen=T0))
    items = _items(app, "/catalog/changes?since=" + _since(later))
    assert [(i["type"], i["object"]["id"]) for i in items] == [
        ("Delete", gone.dataset.uri), ("Update", changed.dataset.uri)]
    assert items[1]["object"]["name"] == "Judul baru"
    catalog = rdflib.Graph().parse(data=call(app, "/catalog.ttl?page=all").body, format="turtle")
    assert (rdflib.URIRef(gone.dataset.uri), None, None) not in catalog


def test_paging_and_filters(seeded: Seeded, make_app: AppFactory) -> None:
    app = make_app(changes_page_size=4)
    first = call(app, "/catalog/changes").json()
    assert len(first["orderedItems"]) == 4 and "after=" in first["next"]
    all_items = _items(app, "/catalog/changes")
    assert len(all_items) == len(seeded.entries)
    # the invalid record has no organisation: a withdrawal is never hidden by an unknown value
    only_dindik = _items(app, "/catalog/changes?publisher=dindik")
    assert {i["object"]["id"] for i in only_dindik} == {e.dataset.uri for e in seeded.entries if e.org == "dindik"} | {
        f"{BASE}/dataset/dinkes-sipd/rusak-1"}
    from_source = _items(app, "/catalog/changes?source=dinkes-sipd&kode_wilayah=35.72")
    ids = {i["object"]["id"] for i in from_source}
    assert f"{BASE}/dataset/dinkes-sipd/rusak-1" in ids
    assert all(e.dataset.uri not in ids for e in seeded.entries if e.dataset and e.kode_pemda == "35.71")


def test_bad_parameters(app: FeedApp) -> None:
    assert call(app, "/catalog/changes?since=yesterday").status == 400
    assert call(app, "/catalog/changes?after=%%%").status == 400
    assert call(app, "/catalog/changes?since=2024-01-01&modified_since=2024-02-01").status == 400
