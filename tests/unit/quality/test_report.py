"""The report structure and its JSON, CSV and HTML renderings, on a small real store."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from harvester.model.dataset import Agent, Location
from harvester.quality import build_report, render_csv, render_html, render_json
from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.recording import score_source
from harvester.quality.report import UnknownOrganisation
from tests.unit.quality.conftest import complete, put

TODAY = date(2024, 10, 1)
T0 = datetime(2024, 9, 1, tzinfo=timezone.utc)


@pytest.fixture
def filled(env):
    config, store = env
    put(store, "katalog", "a", complete(title="Penduduk <menurut> \"kelurahan\" & RT",
                                        spatial=(Location(code="35.72.01.1001"),)), when=T0)
    city = (Location(code="35.72"),)
    put(store, "katalog", "b", complete(satuan=None, keywords=(), spatial=city), when=T0)
    put(store, "katalog", "c", complete(creator=Agent(name="Dinkes"), license=None, spatial=city), when=T0)
    score_source(store, config, "katalog", job_id=1, today=TODAY, when=T0 + timedelta(minutes=1))
    put(store, "katalog", "b", complete(keywords=(), spatial=city), when=T0 + timedelta(days=1))  # satuan added
    score_source(store, config, "katalog", job_id=2, today=TODAY, when=T0 + timedelta(days=1, minutes=1))
    return config, store


def test_report_structure(filled) -> None:
    config, store = filled
    data = build_report(store, config, today=TODAY, now=T0 + timedelta(days=2)).data
    assert data["pemda"] == {"kode": "35.72", "nama": "Kota Blitar",
                             "walidata": "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"}
    assert [o["id"] for o in data["organisations"]] == ["dispendukcapil", "dinkes", "dlh"]
    capil, dinkes, dlh = data["organisations"]
    assert (capil["datasets"], capil["score"], capil["band"], capil["epss"]) == (2, 98.2, "Memuaskan", 4.93)
    assert capil["failing"] == {c.id: (1 if c.id == "dcat.kata_kunci" else 0) for c in ALL_CHECKS}
    assert capil["hints"] == [{"check": "dcat.kata_kunci", "datasets": 1, "points_lost": 5.0, "label_id": "Kata kunci",
                               "hint_id": "Isi Kata Kunci (misalnya: penduduk, kelurahan)",
                               "hint_en": "Add keywords (e.g. population, village)"}]
    assert [p["score"] for p in capil["trend"]] == [96.4, 98.2]  # before and after satuan was added
    assert [(d["remote_id"], d["score"]) for d in capil["dataset_list"]] == [("b", 96.4), ("a", 100.0)]
    b = capil["dataset_list"][0]
    assert (b["job_id"], b["failed"][0]["check"], b["failed"][0]["hints"][0]["field"]) == (2, "dcat.kata_kunci",
                                                                                            "keywords")
    assert (dinkes["score"], dinkes["failing"]["dcat.lisensi"]) == (96.4, 1)
    assert (dlh["datasets"], dlh["score"], dlh["band"], dlh["dataset_list"]) == (0, None, None, [])
    assert (data["city"]["datasets"], data["city"]["score"]) == (3, 97.6)
    assert [p["score"] for p in data["city"]["trend"]] == [96.4, 97.6]
    assert [(k["id"], k["datasets"]) for k in data["kelurahan"]] == [("35.72.01.1001", 1)]
    assert [(s["id"], s["datasets"]) for s in data["sources"]] == [("katalog", 3), ("sipd", 0)]
    assert json.loads(render_json(build_report(store, config, today=TODAY))) == build_report(store, config,
                                                                                            today=TODAY).data


def test_filtered_report(filled) -> None:
    config, store = filled
    data = build_report(store, config, organisation="Dinas Kesehatan", today=TODAY).data
    assert data["organisation_filter"] == "dinkes"
    assert [o["id"] for o in data["organisations"]] == ["dinkes"]
    assert data["city"]["datasets"] == 3  # the city summary stays for comparison
    assert [(s["id"], s["datasets"], s["trend"]) for s in data["sources"]] == [("katalog", 1, []), ("sipd", 0, [])]
    with pytest.raises(UnknownOrganisation, match="dispendukcapil"):
        build_report(store, config, organisation="Dinas Pariwisata", today=TODAY)


def test_csv_tables(filled) -> None:
    config, store = filled
    report = build_report(store, config, today=TODAY)
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [(r["jenis"], r["id"]) for r in rows] == [
        ("city", "35.72"), ("organisation", "dispendukcapil"), ("organisation", "dinkes"), ("organisation", "dlh"),
        ("kecamatan", "35.72.01"), ("kelurahan", "35.72.01.1001"), ("source", "katalog"), ("source", "sipd")]
    assert (rows[1]["skor"], rows[1]["predikat"], rows[1]["gagal:dcat.kata_kunci"]) == ("98.2", "Memuaskan", "1")
    assert (rows[3]["skor"], rows[3]["predikat"], rows[3]["jumlah_dataset"]) == ("", "", "0")
    datasets = list(csv.DictReader(io.StringIO(render_csv(report, table="datasets"))))
    assert {(d["organisasi_id"], d["id_dataset"], d["skor"]) for d in datasets} == {
        ("dispendukcapil", "a", "100.0"), ("dispendukcapil", "b", "96.4"), ("dinkes", "c", "96.4")}
    c = next(d for d in datasets if d["id_dataset"] == "c")
    assert c["cek_gagal"] == "dcat.lisensi" and c["perbaikan"].startswith("Cantumkan lisensi")
    assert render_csv(report, bom=True).startswith("\ufeff")
    with pytest.raises(ValueError, match="unknown CSV table"):
        render_csv(report, table="x")


def test_html(filled) -> None:
    config, store = filled
    report = build_report(store, config, today=TODAY)
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "@page" in page
    assert "Penduduk &lt;menurut&gt; &quot;kelurahan&quot; &amp; RT" in page and "<menurut>" not in page
    rows = re.findall(r'<tr class="org-row" data-org="([^"]+)" data-score="([^"]*)".*?<td class="num score">([^<]+)<',
                      page)
    assert rows == [("dispendukcapil", "98.2", "98,2"), ("dinkes", "96.4", "96,4"), ("dlh", "", "–")]
    city_chart = page.split('id="ringkasan"')[1].split("</section>")[0]
    assert city_chart.count('<circle class="point"') == 2
    assert 'href="#org-dinkes"' in page and "/report/dinkes" not in page
    linked = render_html(report, link_base="/report")
    assert 'href="/report/dinkes"' in linked and 'href="/report.csv"' in linked
