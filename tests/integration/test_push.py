"""The push stage against the real CKAN stack: the Kota Blitar example harvested into city, province and
national portals (tests/integration/push/example.py makes each test's datasets and organisations unique)."""

from __future__ import annotations

import pytest

from harvester.model.issues import Severity
from harvester.pipeline.push_plan import Step
from tests.integration.push.example import KATALOG, Example, codelists

pytestmark = [pytest.mark.ckan, pytest.mark.integration]

OPEN, LIMITED, CLOSED = "TERBUKA", "TERBATAS", "TERTUTUP"


@pytest.fixture
def example(tmp_path, ckan_stack) -> Example:
    """A fresh, uniquely tagged copy of the Kota Blitar example (tests/integration/push/example.py)."""
    return Example(tmp_path, ckan_stack)


def _feed(ex: Example, path: str) -> str:
    """GET ``path`` from the feed WSGI app the daemon serves over this store."""
    from types import SimpleNamespace
    from wsgiref.util import setup_testing_defaults

    from harvester.cli.commands_serve import build_feed

    app = build_feed(SimpleNamespace(store=ex.store, config=ex.config()))
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    assert status and status[0].startswith("200"), status
    return body.decode("utf-8")


def _expected(ex: Example, results) -> dict[str, set[str]]:
    """Stable URIs each portal should hold, from what the RUNNER recorded (not from the push code):
    current records without error issues, by access level and the example targets' access filters."""
    akses = codelists()["akses"]
    out: dict[str, set[str]] = {"city": set(), "province": set(), "national": set()}
    for result in results:
        errors = {i.remote_id for i in ex.store.issues_for_job(result.job_id) if i.severity == Severity.ERROR.value}
        for rec in ex.store.iter_records(result.source_id, status="current"):
            if rec.remote_id in errors:
                continue
            level = akses.lookup(rec.access_rights)
            code = level.code if level else None
            if code in (OPEN, LIMITED, CLOSED):
                out["city"].add(rec.stable_uri)
            if code == OPEN:
                out["province"].add(rec.stable_uri)
                out["national"].add(rec.stable_uri)
    return out


def test_example_sources_reach_the_right_portals(example: Example) -> None:
    results, report = example.harvest()
    assert all(r.status != "failed" for r in results), [(r.source_id, r.error) for r in results]
    expected = _expected(example, results)
    assert expected["national"], "the example must have datasets valid for every portal"
    assert expected["city"] > expected["national"]  # TERBATAS stays at the city
    for level in ("city", "province", "national"):
        assert set(example.by_uri(level)) == expected[level], level
    total = report.total()
    assert total["created"] == sum(len(v) for v in expected.values()) and not total["failed"] + total["rejected"]

    city = example.by_uri("city")
    t = example.tag
    assert city[example.uri("jumlah-penduduk-kelurahan")]["organization"]["name"] == f"{t}-disdukcapil"  # map
    assert city[example.uri("penerima-pkh")]["organization"]["name"] == f"{t}-dinsos"  # prefix + OPD id
    assert city[example.uri("indeks-kepuasan-masyarakat")]["organization"]["name"] == f"{t}-diskominfotik"
    assert {p["organization"]["name"] for p in example.datasets("province").values()} == {example.org["province"]}
    assert {p["organization"]["name"] for p in example.datasets("national").values()} == {example.org["national"]}

    national = example.stack.client("national").action.package_show(
        id=example.by_uri("national")[example.uri("jumlah-penduduk-kelurahan")]["id"])
    assert national["sdi_konsep"] == "Penduduk" and national["sdi_kode_pemda"] == "35.72"  # first-class
    assert "sdi_konsep" not in {e["key"] for e in national.get("extras") or []}
    plain = city[example.uri("jumlah-penduduk-kelurahan")]
    assert {"sdi_konsep": "Penduduk"}.items() <= {e["key"]: e["value"] for e in plain["extras"]}.items()
    assert len(plain["resources"]) == 2


def test_rerun_change_and_hand_edit(example: Example) -> None:
    """Unchanged re-run: no writes. One changed record: one update per portal, resource ids kept;
    the province copy edited by hand meanwhile is not overwritten and a conflict issue is recorded."""
    example.harvest(KATALOG)
    before = example.snapshot()
    assert all(before.values())
    _, report = example.harvest(KATALOG)
    assert report.writes == 0 and report.total()["unchanged"] == sum(len(v) for v in before.values())
    assert example.snapshot() == before

    uri = example.uri("jumlah-penduduk-kelurahan")
    pkgs = {level: example.by_uri(level)[uri] for level in ("city", "province", "national")}
    province = example.stack.client("province")
    province.action.package_patch(id=pkgs["province"]["id"], title="Judul Diubah Admin Provinsi")
    before = example.snapshot()
    example.edit_dataset("jumlah-penduduk-kelurahan", lambda b: b.replace(
        "hasil pemutakhiran data Kelurahan Cantik.", "hasil pemutakhiran data Kelurahan Cantik 2024."))
    results, report = example.harvest(KATALOG)
    assert {t: c["updated"] for t, c in report.per_target.items()} == {"kota": 1, "jatim": 0, "nasional": 1}
    assert report.writes == 2 and report.per_target["jatim"]["conflict"] == 1
    after = example.snapshot()
    for level in ("city", "national"):
        now = example.by_uri(level)[uri]
        assert now["id"] == pkgs[level]["id"] and now["name"] == pkgs[level]["name"]
        assert "Kelurahan Cantik 2024." in now["notes"]
        assert [r["id"] for r in now["resources"]] == [r["id"] for r in pkgs[level]["resources"]]
        changed = {n for n in after[level] if after[level][n] != before[level].get(n)}
        assert changed == {pkgs[level]["name"]}, level
    assert after["province"] == before["province"]
    now = province.action.package_show(id=pkgs["province"]["id"])
    assert now["title"] == "Judul Diubah Admin Provinsi" and "2024." not in now["notes"]
    issues = [i for i in example.store.issues_for_job(results[0].job_id) if i.code == "PUSH-CONFLICT"]
    assert len(issues) == 1 and issues[0].remote_id == uri and issues[0].stage == "push"
    assert "jatim" in issues[0].message
    assert example.store.get_record_target(KATALOG, uri, "jatim").status == "conflict"
    _, report = example.harvest(KATALOG)  # nothing new: the conflict stands, nothing is written or re-reported
    assert report.per_target["jatim"]["conflict"] == 1 and report.writes == 0


def test_removed_and_reclassified_records(example: Example) -> None:
    """A record removed at the source is withdrawn after each target's grace period; a record that
    became TERTUTUP leaves province and national at once and is private at the city."""
    example.edit_target("kota", deletion={"grace_days": 0})  # national keeps the example's 14 days
    example.harvest(KATALOG)
    gone, closed = example.uri("jumlah-menara-telekomunikasi"), example.uri("jumlah-penduduk-kecamatan-jenis-kelamin")
    ids = {level: example.by_uri(level)[gone]["id"] for level in ("city", "national")}
    assert closed in example.by_uri("province") and closed in example.by_uri("national")
    example.drop_dataset("jumlah-menara-telekomunikasi")
    example.edit_dataset("jumlah-penduduk-kecamatan-jenis-kelamin", lambda b: b.replace(
        "access:PUBLIC", "access:NON_PUBLIC").replace('sdi:akses "TERBUKA"', 'sdi:akses "TERTUTUP"'))
    results, report = example.harvest(KATALOG)
    assert results[0].stats.get("deleted") == 1
    assert report.per_target["kota"]["withdrawn"] == 1 and report.per_target["kota"]["updated"] == 1
    assert report.per_target["nasional"]["withdrawn"] == 1 and report.per_target["nasional"]["deferred"] == 1
    assert report.per_target["jatim"]["withdrawn"] == 1 and report.per_target["jatim"]["deferred"] == 1
    city = example.stack.client("city").action.package_show(id=ids["city"])
    assert city["private"] is True and city["state"] == "active"  # withdrawn = private, not purged
    assert example.stack.client("national").action.package_show(id=ids["national"])["private"] is False
    assert example.by_uri("city")[closed]["private"] is True
    for level in ("province", "national"):
        assert example.by_uri(level)[closed]["private"] is True
        public = example.stack.client(level, authenticated=False).action.package_search(
            q=f"name:{example.tag}-*", rows=1000)["results"]
        assert closed not in {(p.get("sdi_harvest_uri") or {e["key"]: e["value"] for e in p.get("extras", [])}
                               .get("sdi_harvest_uri")) for p in public}

    feed = _feed(example, "/catalog.nt")  # the public feed is served from the store: no TERTUTUP there either
    assert f"<{example.uri('jumlah-penduduk-kelurahan')}>" in feed and f"<{closed}>" not in feed

    example.clock.advance(days=15)
    report = example.pusher().sync(KATALOG)
    assert report.per_target["nasional"]["withdrawn"] == 1 and report.per_target["kota"]["withdrawn"] == 0
    assert example.stack.client("national").action.package_show(id=ids["national"])["private"] is True
    assert example.store.get_record_target(KATALOG, gone, "nasional").status == "withdrawn"


def test_national_down_for_one_run_catches_up_without_duplicates(example: Example) -> None:
    example.edit_target("nasional", http={"retries": 1, "backoff": 0.05, "connect_timeout": 2})
    example.urls["national"] = "http://127.0.0.1:9"  # nothing listens there
    results, report = example.harvest(KATALOG)
    assert report.per_target["kota"]["created"] and report.per_target["jatim"]["created"]
    missed = report.per_target["nasional"]["failed"]
    assert missed and not report.per_target["nasional"]["created"]
    issues = [i for i in example.store.issues_for_job(results[0].job_id) if i.code == "PUSH-TARGET-DOWN"]
    assert issues and "nasional" in issues[0].message and issues[0].stage == "push"
    rows = [r for r in example.store.iter_record_targets("nasional") if r.status == "pending"]
    assert len(rows) == missed and all(r.next_attempt_at and r.attempts == 1 for r in rows)

    del example.urls["national"]
    assert example.pusher().sync(KATALOG).per_target["nasional"]["deferred"] == missed  # backing off
    example.clock.advance(minutes=5)
    report = example.pusher().sync()
    assert report.per_target["nasional"]["created"] == missed and report.writes == missed
    national = example.datasets("national")
    assert len(national) == len(example.datasets("province")) == missed

    from harvester.store.tables import record_target

    with example.store._write() as conn:  # the push state is lost (e.g. an old backup restored)
        conn.execute(record_target.delete())
    report = example.pusher().sync()
    assert report.per_target["nasional"]["adopted"] == missed and not report.total()["created"]
    assert example.datasets("national").keys() == national.keys()


def test_dry_run_describes_and_writes_nothing(example: Example) -> None:
    results, _ = example.harvest(KATALOG, dry_run=True)
    assert results[0].job_id < 0  # a dry-run job id, never stored
    pusher = example.pusher()
    plan = pusher.plan(KATALOG, store=results[0].store)
    lines = pusher.describe(plan)
    text = "\n".join(lines)
    creates = {name: tplan.counts()[Step.CREATE.value] for name, tplan in plan.targets.items()}
    assert creates["kota"] > creates["nasional"] > 0
    assert f"target nasional (national, {example.stack['national']['url']}): {creates['nasional']} create" in text
    assert text.count("create    katalog-diskominfotik/") == sum(creates.values())
    assert all(not example.datasets(level) for level in ("city", "province", "national"))
    assert list(example.store.iter_record_targets("kota")) == []
    assert list(example.store.iter_records(KATALOG)) == []


def test_portal_rejection_is_stored_verbatim(example: Example) -> None:
    example.edit_target("nasional", filters={"require_valid": False})  # let incomplete records reach scheming
    example.only("national")
    results, report = example.harvest(KATALOG)
    assert set(report.per_target) == {"nasional"}
    assert report.per_target["nasional"]["rejected"] >= 1
    uri = example.uri("air-minum-layak")  # no sdi:definisi: the SDI schema requires it
    row = example.store.get_record_target(KATALOG, uri, "nasional")
    assert row.status == "failed" and row.next_attempt_at is not None
    assert '"sdi_definisi": ["Missing value"]' in row.last_error
    issues = [i for i in example.store.issues_for_job(results[0].job_id)
              if i.code == "PUSH-REJECTED" and i.remote_id == uri]
    assert len(issues) == 1 and '"sdi_definisi": ["Missing value"]' in issues[0].message
    assert issues[0].severity == "error" and issues[0].stage == "push"
    # the valid ones went through: one portal refusing a dataset does not stop the others
    assert report.per_target["nasional"]["created"] >= 1
