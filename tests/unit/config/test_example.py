"""The bundled Kota Blitar example (config/example): it loads, and its data files are what it promises."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest

from harvester.settings import load_settings

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "config" / "example"
CSV_COLUMNS = [
    "No", "ID", "Judul", "Deskripsi", "Produsen Data", "Konsep", "Definisi", "Klasifikasi", "Ukuran", "Satuan",
    "Frekuensi", "Jadwal Rilis", "Tingkat Penyajian", "Cakupan", "Akses", "Format", "Link", "Tahun Awal",
    "Tahun Akhir", "Kata Kunci", "Bidang Urusan", "Kontak", "Email", "Tanggal Dibuat", "Tanggal Diperbarui",
]


def test_example_loads_without_any_environment(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="harvester.settings"):
        loaded = load_settings(EXAMPLE / "harvester.yaml", env={})
    s = loaded.settings
    assert (s.pemda.kode, s.pemda.kode_bps, s.pemda.level) == ("35.72", "3572", "KABUPATEN_KOTA")
    assert s.pemda.walidata.name == "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"
    assert s.database.url == f"sqlite:///{REPO / 'var' / 'example.db'}"
    assert (s.feed.host, s.feed.port) == ("127.0.0.1", 8080)
    assert s.base_uri == "https://data.blitarkota.go.id"
    assert sorted(loaded.sources) == ["daftar-data-opd", "dinkes-sipd", "geoportal-batas-kelurahan",
                                      "katalog-diskominfotik"]
    types = {sid: src.type for sid, src in loaded.sources.items()}
    assert sorted(types.values()) == ["csw", "dcat-rdf", "json-api", "spreadsheet"]
    for src in loaded.sources.values():
        assert src.url.startswith("file://") and Path(src.url[len("file://"):]).is_file(), src.url
        assert not src.schedule.manual
    assert loaded.sources["dinkes-sipd"].organisation.name == "Dinas Kesehatan Kota Blitar"  # type: ignore[union-attr]
    # targets: all three disabled, one info line each naming the variable
    assert {t: (c.level, c.enabled) for t, c in loaded.targets.items()} == {
        "kota": ("city", False), "jatim": ("province", False), "nasional": ("national", False)}
    messages = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert messages == ["target jatim disabled: CKAN_PROVINCE_URL is not set",
                        "target kota disabled: CKAN_CITY_URL is not set",
                        "target nasional disabled: CKAN_NATIONAL_URL is not set"]


def test_example_targets_follow_the_flow_rules() -> None:
    env = {f"CKAN_{lvl}_{part}": f"https://{lvl.lower()}.example" if part == "URL" else f"token-{lvl.lower()}-123"
           for lvl in ("CITY", "PROVINCE", "NATIONAL") for part in ("URL", "TOKEN")}
    targets = load_settings(EXAMPLE / "harvester.yaml", env=env).targets
    assert all(t.enabled for t in targets.values())
    assert "TERTUTUP" in targets["kota"].filters.access
    assert targets["jatim"].filters.access == ["TERBUKA"] == targets["nasional"].filters.access
    assert targets["kota"].organisations.mode == "per_opd" and targets["kota"].organisations.create_missing
    assert targets["nasional"].profile == "sdi"
    assert targets["nasional"].organisations.single is not None
    assert targets["nasional"].organisations.single.name == "pemerintah-kota-blitar"


def test_only_the_city_target_enabled_when_only_its_variables_are_set() -> None:
    loaded = load_settings(EXAMPLE / "harvester.yaml",
                           env={"CKAN_CITY_URL": "http://127.0.0.1:5000", "CKAN_CITY_TOKEN": "abcdef123456"})
    assert sorted(loaded.enabled_targets()) == ["kota"]


def test_csv_inventory_shape() -> None:
    with (EXAMPLE / "data" / "daftar-data-opd.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header == CSV_COLUMNS
    assert len(body) >= 15 and all(len(r) == len(CSV_COLUMNS) for r in body)
    col = {name: i for i, name in enumerate(header)}
    akses = [r[col["Akses"]].upper() for r in body]
    assert "TERTUTUP" in akses and "TERBATAS" in akses
    assert any(not r[col["Satuan"]] for r in body)
    assert any(r[col["Format"]] == "PDF" for r in body)
    assert len({r[col["ID"]] for r in body}) == len(body)


def test_json_dump_is_sipd_shaped() -> None:
    data = json.loads((EXAMPLE / "data" / "dinkes-datasets.json").read_text(encoding="utf-8"))
    records = data["data"]
    assert len(records) >= 5 and len({r["kodeindikator"] for r in records}) == len(records)
    for r in records:
        assert r["kodepemda"] == "3572" and r["bidangurusan"] == "1.02"
        assert {"uraian_indikator", "definisi_operasional", "satuan", "tahun", "lastupdate"} <= set(r)


def test_region_codes_in_example_exist_in_the_wilayah_codelist() -> None:
    import re

    with (REPO / "mappings" / "codelists" / "wilayah.csv").open(encoding="utf-8") as handle:
        known = {row["code"]: row["label"] for row in csv.DictReader(handle)}
    ttl = (EXAMPLE / "data" / "katalog-diskominfotik.ttl").read_text(encoding="utf-8")
    codes = set(re.findall(r"wil:(35\.72(?:\.\d{2})?)\b", ttl))
    assert {"35.72", "35.72.01", "35.72.02", "35.72.03"} <= codes
    assert codes <= set(known)
    assert [known[c] for c in ("35.72.01", "35.72.02", "35.72.03")] == ["Kepanjenkidul", "Sukorejo", "Sananwetan"]
