"""Attribution of datasets to OPD and regions, aggregate means, collection from a real SQLite store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Agent, Location
from harvester.quality import history
from harvester.quality.aggregate import Attribution, aggregate, collect, snapshot
from harvester.quality.recording import record_scores
from tests.unit.quality.conftest import complete, put

TODAY = date(2024, 10, 1)


def test_organisation_attribution(env) -> None:
    config, _ = env
    attr = Attribution(config, CodeLists.load())
    by_alias = attr.organisation("katalog", Agent(name="Dinkes Kota Blitar"))
    assert (by_alias.id, by_alias.label, by_alias.registered) == ("dinkes", "Dinas Kesehatan Kota Blitar", True)
    by_abbreviation = attr.organisation("katalog", Agent(name="Disdukcapil"))
    assert by_abbreviation.id == "dispendukcapil"
    from_source = attr.organisation("sipd", None)
    assert from_source.id == "dinkes"
    stranger = attr.organisation("katalog", Agent(name="Kelurahan Sukorejo"))
    assert (stranger.id, stranger.label, stranger.registered) == ("lain:kelurahan-sukorejo", "Kelurahan Sukorejo", False)
    nobody = attr.organisation("katalog", None)
    assert (nobody.id, nobody.registered) == ("tanpa-produsen", False)


def test_region_attribution_from_coverage_codes(env) -> None:
    config, _ = env
    attr = Attribution(config, CodeLists.load())
    codes = ("35.72.01.1001", "35.72.02", "35.72", "35.73.01", "3572")  # Kepanjenkidul, Sukorejo, city, Malang, BPS
    regions = attr.regions(complete(spatial=tuple(Location(code=c) for c in codes)).cakupan)
    assert [(r.kind, r.id, r.label) for r in regions] == [
        ("kecamatan", "35.72.01", "Kepanjenkidul"), ("kecamatan", "35.72.02", "Sukorejo"),
        ("kelurahan", "35.72.01.1001", "Kepanjenkidul")]
    assert attr.regions(["35.72", 35.72, None]) == ()


def test_collect_and_aggregate(env) -> None:
    config, store = env
    put(store, "katalog", "a", complete(spatial=(Location(code="35.72.01.1001"),)))  # dispendukcapil, 100
    put(store, "katalog", "b", complete(satuan=None, spatial=(Location(code="35.72.01.1002"),)))  # 96.4
    city_wide = (Location(code="35.72"),)
    put(store, "katalog", "c", complete(creator=Agent(name="Dinkes"), keywords=(), spatial=city_wide))  # dinkes, 96.4
    put(store, "sipd", "d", complete(creator=None, spatial=city_wide))  # dinkes via source; no produsen: 135/138
    put(store, "katalog", "gone", complete(satuan=None), status="deleted")
    entries = collect(store, config, today=TODAY)
    assert sorted((e.source_id, e.remote_id) for e in entries) == [
        ("katalog", "a"), ("katalog", "b"), ("katalog", "c"), ("sipd", "d")]
    assert all(e.computed_at is None for e in entries)  # nothing stored: scored for the report
    aggs = aggregate(entries, config)
    orgs = {a.scope.id: a for a in aggs["organisation"]}
    assert [a.scope.id for a in aggs["organisation"]] == ["dispendukcapil", "dinkes", "dlh"]  # config order
    assert (orgs["dispendukcapil"].datasets, orgs["dispendukcapil"].score) == (2, 98.2)  # (100 + 96.4) / 2
    assert (orgs["dinkes"].datasets, orgs["dinkes"].score) == (2, 97.1)  # (96.4 + 97.8) / 2
    assert (orgs["dlh"].datasets, orgs["dlh"].score, orgs["dlh"].band) == (0, None, None)
    assert orgs["dinkes"].failing() == {"dcat.kata_kunci": 1, "sdi.produsen": 1}
    assert orgs["dispendukcapil"].fields() == {"satuan": 1}
    assert orgs["dinkes"].points_lost() == {"dcat.kata_kunci": 5.0, "sdi.produsen": 3.0}
    city = aggs["city"][0]
    # (100 + 96.4 + 96.4 + 97.8) / 4 = 97.65: rounded half up
    assert (city.scope.id, city.datasets, city.score, city.band) == ("35.72", 4, 97.7, "Memuaskan")
    kec = {a.scope.id: (a.datasets, a.score) for a in aggs["kecamatan"]}
    kel = {a.scope.id: (a.datasets, a.score) for a in aggs["kelurahan"]}
    assert kec == {"35.72.01": (2, 98.2)}
    assert kel == {"35.72.01.1001": (1, 100.0), "35.72.01.1002": (1, 96.4)}
    assert [(a.scope.id, a.datasets) for a in aggs["source"]] == [("katalog", 3), ("sipd", 1)]
    only_katalog = aggregate([e for e in entries if e.source_id == "katalog"], config)
    assert [(a.scope.id, a.datasets, a.score) for a in only_katalog["source"]] == [
        ("katalog", 3, 97.6), ("sipd", 0, None)]  # configured sources are listed even when empty


def test_stored_score_is_used_until_the_record_changes(env) -> None:
    config, store = env
    t0 = datetime(2024, 9, 1, tzinfo=timezone.utc)
    put(store, "katalog", "a", complete(satuan=None), when=t0)
    from harvester.quality.scoring import summarise, CheckResult
    fake = summarise([CheckResult("sdi.satuan", 0.0, 5), CheckResult("sdi.konsep", 5.0, 5)])  # 50.0
    record_scores(store, 7, "katalog", [("a", fake)], when=t0 + timedelta(minutes=1))
    (entry,) = collect(store, config, today=TODAY)
    assert (entry.score.score, entry.job_id) == (50.0, 7)  # the stored one, not a fresh computation
    put(store, "katalog", "a", complete(), when=t0 + timedelta(hours=1))  # changed after the score
    (entry,) = collect(store, config, today=TODAY)
    assert (entry.score.score, entry.computed_at) == (100.0, None)


def test_snapshot_writes_only_changed_scopes(env) -> None:
    config, store = env
    t0 = datetime(2024, 9, 1, tzinfo=timezone.utc)
    put(store, "katalog", "a", complete(satuan=None), when=t0)
    first = snapshot(store, config, when=t0, today=TODAY)
    assert first == 1 + 3 + 1 + 1 + 2  # city, 3 OPD, kecamatan, kelurahan, 2 sources
    assert snapshot(store, config, when=t0 + timedelta(hours=1), today=TODAY) == 0
    put(store, "katalog", "a", complete(), when=t0 + timedelta(hours=2))
    changed = snapshot(store, config, when=t0 + timedelta(hours=3), today=TODAY)
    assert changed == 5  # city, dispendukcapil, kecamatan, kelurahan, source katalog
    trend = history.trends(store)[("organisation", "dispendukcapil")]
    assert [(p.score, p.datasets) for p in trend] == [(96.4, 1), (100.0, 1)]
