"""The shipped code lists: counts against the source tables, spec mappings, Kota Blitar, lookups."""

from __future__ import annotations

import csv
import filecmp
from collections import Counter
from pathlib import Path

import pytest

from harvester.mapping.codelists import CodeLists

EU = "http://publications.europa.eu/resource/authority/"
REQUIRED = {"frekuensi", "akses", "tingkat_penyajian", "cara_pengumpulan", "sektor_kegiatan", "jenis_statistik",
            "urusan", "topik", "format", "lisensi", "bahasa", "wilayah", "kategori_data", "status_data",
            "level_instansi", "eu_theme"}


@pytest.fixture(scope="module")
def cl() -> CodeLists:
    return CodeLists.load()


@pytest.fixture(scope="module")
def src(shared_data: Path) -> Path:
    return shared_data / "codelists"


def rows(src: Path, name: str) -> list[dict[str, str]]:
    with (src / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_required_lists_exist_with_origin(cl):
    assert REQUIRED <= set(cl.names())
    for name in cl.names():
        assert cl[name].origin and cl[name].name == name


# ------------------------------------------------------------------------------- counts vs sources
def test_wilayah_counts_match_sources(cl, src):
    kab, jatim = rows(src, "wilayah_kabkota.csv"), rows(src, "wilayah_jatim_kecamatan_kelurahan.csv")
    levels = Counter(c.attrs["level"] for c in cl["wilayah"])
    assert levels == Counter(r["level"] for r in kab + jatim)
    assert levels == {"provinsi": 38, "kabupaten": 416, "kota": 98, "kecamatan": 666, "kelurahan": 773, "desa": 7721}
    assert len(cl["wilayah"]) == len(kab) + len(jatim) == 9712


def test_kota_blitar_has_3_kecamatan_and_21_kelurahan(cl):
    w = cl["wilayah"]
    kecamatan = w.children("35.72")
    assert [(c.code, c.label) for c in kecamatan] == [("35.72.01", "Kepanjenkidul"), ("35.72.02", "Sukorejo"),
                                                      ("35.72.03", "Sananwetan")]
    villages = [v for k in kecamatan for v in w.children(k.code)]
    assert len(villages) == 21 and {v.attrs["level"] for v in villages} == {"kelurahan"}
    assert [len(w.children(k.code)) for k in kecamatan] == [7, 7, 7]
    assert w.get("35.72").attrs["bps"] == "3572" and w.get("35.72").attrs["level"] == "kota"


def test_jatim_has_38_kabupaten_kota(cl):
    children = cl["wilayah"].children("35")
    assert len(children) == 38 and Counter(c.attrs["level"] for c in children) == {"kabupaten": 29, "kota": 9}


def test_wilayah_bps_codes(cl):
    w = cl["wilayah"]
    assert w.lookup("1674").code == "16.73"  # Lubuk Linggau: BPS 1674 = Kemendagri 16.73
    assert w.get("91").attrs["bps"] == "94"  # Papua
    assert w.lookup("3572").code == "35.72" and w.lookup("35 72").code == "35.72"
    assert w.lookup("35.1") is None and w.lookup(35.1) is None
    assert w.lookup("35.72.01.1001").attrs["level"] == "kelurahan"
    assert w.lookup("https://w3id.org/satudata/def/wilayah/35.72").code == "35.72"
    assert w.get("35.72").uri == "https://w3id.org/satudata/def/wilayah/35.72"


def test_wilayah_names(cl):
    w = cl["wilayah"]
    assert w.lookup("Kota Blitar").code == "35.72" and w.lookup("KAB. BLITAR").code == "35.05"
    assert w.lookup("Jawa Timur").code == "35" and w.lookup("Jatim").code == "35"
    assert w.lookup("Blitar") is None  # Kabupaten or Kota: ambiguous


def test_urusan_matches_source(cl, src):
    source = rows(src, "urusan_pemerintahan.csv")
    urusan = cl["urusan"]
    assert len(urusan) == len({r["kode"] for r in source}) == 60  # 61 rows, 7.01 listed twice
    top = [c.code for c in urusan if c.attrs["level"] == "urusan"]
    assert top == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X"]
    verified_bidang = [c.code for c in urusan if c.attrs["level"] == "bidang_urusan"
                       and c.attrs["status"] == "verified"]
    assert len(verified_bidang) == 44 and verified_bidang[0] == "1.01" and verified_bidang[-1] == "8.01"
    assert urusan.get("2.16").label == "Komunikasi dan Informatika"
    assert urusan.get("2.16").uri == "https://w3id.org/satudata/def/urusan/2.16"
    assert urusan.lookup("KECAMATAN ADMINISTRASI").code == "7.01"
    assert urusan.lookup("urusan pemerintahan bidang statistik").code == "2.20"
    assert [c.code for c in urusan.children("1")] == ["1.01", "1.02", "1.03", "1.04", "1.05", "1.06"]


def test_format_matches_eu_table(cl, src):
    source = rows(src, "eu_file_type.csv")
    fmt = cl["format"]
    assert len(fmt) == len(source) == 217
    csv_ = fmt.get("CSV")
    assert csv_.uri == EU + "file-type/CSV" and csv_.attrs["media_type"] == "text/csv"
    assert csv_.attrs["open"] is True and csv_.attrs["machine_readable"] is True
    assert fmt.get("PDF").attrs["machine_readable"] is False
    assert fmt.get("XLS").attrs["open"] is False and fmt.get("XLSX").attrs["open"] is True
    assert fmt.get("ZIP").attrs["archive"] is True and fmt.get("WMS_SRVC").attrs["service"] is True


@pytest.mark.parametrize("value,code", [
    ("xls", "XLS"), ("Excel", "XLSX"), ("csv file", "CSV"), ("application/vnd.ms-excel", "XLS"), ("WMS", "WMS_SRVC"),
    ("SHP", "SHP"), ("shapefile", "SHP"), ("zip", "ZIP"), (".json", "JSON"), ("JSON", "JSON"), ("geojson", "GEOJSON"),
    ("text/csv", "CSV"), ("http://publications.europa.eu/resource/authority/file-type/PDF", "PDF"), ("jpg", "JPEG"),
    ("image/tiff", "TIFF"), ("Word", "DOCX"), ("Comma-Separated Values", "CSV"), ("ttl", "RDF_TURTLE"),
])
def test_format_lookups(cl, value, code):
    assert cl["format"].lookup(value).code == code


def test_lisensi_matches_sources(cl, src):
    eu, ckan = rows(src, "eu_licence.csv"), rows(src, "ckan_licence_to_eu.csv")
    lis = cl["lisensi"]
    assert len(lis) == len(eu) + sum(1 for r in ckan if not r["eu_code"]) == 180
    for r in ckan:  # every CKAN licence id resolves as the mapping table says
        target = r["eu_code"] or r["ckan_license_id"]
        assert lis.lookup(r["ckan_license_id"]).code == target, r["ckan_license_id"]
    assert lis.get("notspecified").attrs["is_licence"] is False
    assert lis.get("CC_BY").attrs["deprecated"] is True


@pytest.mark.parametrize("value,code", [
    ("cc-by", "CC_BY_4_0"), ("CC-BY-4.0", "CC_BY_4_0"), ("Creative Commons Attribution", "CC_BY_4_0"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC_BY_4_0"), ("http://creativecommons.org/licenses/by/4.0/legalcode", "CC_BY_4_0"),
    ("CC BY-SA 4.0", "CC_BYSA_4_0"), ("CC-BY-SA-3.0", "CC_BYSA_3_0"), ("cc-zero", "CC0"), ("ODbL", "ODC_BL"),
    ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "CC_BY_4_0"), ("CC_BY", "CC_BY"),
    ("https://creativecommons.org/licenses/by-nc/4.0/", "CC_BYNC_4_0"),
])
def test_lisensi_lookups(cl, value, code):
    assert cl["lisensi"].lookup(value).code == code


def test_bahasa(cl, src):
    assert len(cl["bahasa"]) == len(rows(src, "eu_language.csv")) == 149
    b = cl["bahasa"]
    for value in ["id", "ind", "IND", "in", "Bahasa Indonesia", "Indonesian", EU + "language/IND"]:
        assert b.lookup(value).code == "id", value
    assert b.lookup("ger").code == b.lookup("deu").code == b.lookup("German").code == "de"
    assert b.get("id").uri == EU + "language/IND" and b.get("id").attrs["eu"] == "IND"
    assert b.get("jv").uri is None and b.get("jv").attrs["eu_uri_unverified"].endswith("/JAV")


def test_eu_theme_and_suggestions_are_consistent(cl, src):
    theme = cl["eu_theme"]
    assert len(theme) == len(rows(src, "eu_data_theme.csv")) == 13
    for list_name in ("urusan", "topik"):
        forward = {c.code: c.attrs["eu_theme"] for c in cl[list_name] if "eu_theme" in c.attrs}
        backward = {code: t.code for t in theme for code in t.attrs.get(list_name, ())}
        assert forward == backward and forward
    assert cl["urusan"].get("1.02").attrs["eu_theme"] == "HEAL"


# ------------------------------------------------------------------------------- spec §10 tables
SPEC_FREQ = {"HARIAN": "DAILY", "MINGGUAN": "WEEKLY", "BULANAN": "MONTHLY", "TRIWULANAN": "QUARTERLY",
             "EMPAT_BULANAN": "ANNUAL_3", "SEMESTERAN": "ANNUAL_2", "TAHUNAN": "ANNUAL", "DUA_TAHUNAN": "BIENNIAL",
             "LEBIH_DARI_DUA_TAHUNAN": "OTHER", "SEKALI": "NEVER", "AD_HOC": "IRREG", "REALTIME": "UPDATE_CONT",
             "LAINNYA": "OTHER"}


def test_frekuensi_eu_mapping(cl, src):
    eu_uris = {r["uri"] for r in rows(src, "eu_frequency.csv")}
    freq = cl["frekuensi"]
    assert {c.code: c.uri.rsplit("/", 1)[1] for c in freq} == SPEC_FREQ
    assert all(c.uri in eu_uris for c in freq)
    assert freq.get("TAHUNAN").attrs["period_days"] == 365 and "period_days" not in freq.get("AD_HOC").attrs


@pytest.mark.parametrize("value,code", [
    ("Tahunan", "TAHUNAN"), ("tahunan", "TAHUNAN"), ("TAHUNAN", "TAHUNAN"), ("annual", "TAHUNAN"), ("R/P1Y", "TAHUNAN"),
    ("7", "TAHUNAN"), ("R/P1M", "BULANAN"), ("R/P3M", "TRIWULANAN"), ("Triwulan", "TRIWULANAN"),
    ("HANYA_SEKALI", "SEKALI"), ("LAINNYA", "LAINNYA"), (EU + "frequency/OTHER", "LAINNYA"),
    ("> Dua Tahunan", "LEBIH_DARI_DUA_TAHUNAN"), ("8", "LEBIH_DARI_DUA_TAHUNAN"), (EU + "frequency/QUINQUENNIAL",
                                                                                  "LEBIH_DARI_DUA_TAHUNAN"),
    ("Dua Tahunan", "DUA_TAHUNAN"), ("Ad-hoc", "AD_HOC"), (EU + "frequency/IRREG", "AD_HOC"), ("real time", "REALTIME"),
    (EU + "frequency/UPDATE_CONT", "REALTIME"), ("Empat Bulanan", "EMPAT_BULANAN"), ("Semesteran", "SEMESTERAN"),
])
def test_frekuensi_lookups(cl, value, code):
    assert cl["frekuensi"].lookup(value).code == code


def test_akses(cl, src):
    eu_uris = {r["uri"] for r in rows(src, "eu_access_right.csv")}
    akses = cl["akses"]
    assert {c.code: (c.uri.rsplit("/", 1)[1], c.attrs["ckan_private"]) for c in akses} == {
        "TERBUKA": ("PUBLIC", False), "TERBATAS": ("RESTRICTED", False), "TERTUTUP": ("NON_PUBLIC", True)}
    assert all(c.uri in eu_uris for c in akses)
    for value, code in [("DIBAGIKAN", "TERBATAS"), ("DIKECUALIKAN", "TERTUTUP"), ("publik", "TERBUKA"),
                        ("public", "TERBUKA"), ("restricted public", "TERBATAS"), ("non-public", "TERTUTUP"),
                        ("Terbuka", "TERBUKA"), (EU + "access-right/NON_PUBLIC", "TERTUTUP")]:
        assert akses.lookup(value).code == code, value


def test_small_sdi_lists(cl):
    assert len(cl["sektor_kegiatan"]) == 22
    assert cl["sektor_kegiatan"].lookup("18").code == "SEKTOR_PUBLIK_PERPAJAKAN_DAN_REGULASI_PASAR"
    assert [c.code for c in cl["jenis_statistik"]] == ["STATISTIK_DASAR", "STATISTIK_SEKTORAL", "STATISTIK_KHUSUS"]
    assert [c.code for c in cl["kategori_data"]] == ["statistik", "geospasial", "keuangan_negara", "lainnya"]
    assert cl["cara_pengumpulan"].lookup("CARA_LAIN_SESUAI_DENGAN_PERKEMBANGAN_TI").code == \
        cl["cara_pengumpulan"].lookup("CARA_LAIN_SESUAI_PERKEMBANGAN_TEKNOLOGI_DAN_INFORMASI").code
    tp = cl["tingkat_penyajian"]
    assert [c.code for c in tp] == ["NASIONAL", "PROVINSI", "KABUPATEN_KOTA", "KECAMATAN", "DESA_KELURAHAN", "LAINNYA"]
    assert tp.lookup("Kabupaten/Kota").code == "KABUPATEN_KOTA" and tp.lookup("kabupaten_atau_kota").code == "KABUPATEN_KOTA"
    assert tp.lookup("Desa/Kelurahan").code == "DESA_KELURAHAN"
    topik = cl["topik"]
    assert Counter(c.attrs["level"] for c in topik) == {"topik": 10, "subtopik": 50}
    assert [c.label for c in topik.children("PEMERINTAHAN_UMUM")][:2] == ["Dalam Negeri", "Keuangan"]


def test_adms_mappings(cl):
    assert {c.code: c.attrs["adms"] for c in cl["level_instansi"]} == {
        "NASIONAL": "NationalAuthority", "PROVINSI": "RegionalAuthority", "KABUPATEN_KOTA": "LocalAuthority"}
    status = {c.code: c.attrs["adms"] for c in cl["status_data"]}
    assert len(status) == 7 and status["DITAYANGKAN"] == "Completed" and status["DRAFT"] == "UnderDevelopment"
    assert status["DIBATALKAN"] == "Withdrawn"


def test_minted_iris_use_the_stable_base(cl):
    for name in ("urusan", "topik", "wilayah", "tingkat_penyajian", "sektor_kegiatan", "jenis_statistik",
                 "cara_pengumpulan", "kategori_data", "status_data", "level_instansi"):
        first = next(iter(cl[name]))
        assert first.uri == f"https://w3id.org/satudata/def/{name}/{first.code}"


def test_generated_files_are_up_to_date(src, tmp_path):
    """tools/build_codelists.py reproduces the shipped table-derived files byte for byte."""
    import importlib.util

    repo = Path(__file__).resolve().parents[3]
    out = tmp_path / "out"
    out.mkdir()
    (out / "topik.yaml").write_bytes((repo / "mappings/codelists/topik.yaml").read_bytes())
    spec = importlib.util.spec_from_file_location("build_codelists", repo / "tools" / "build_codelists.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.main([str(src), "--out", str(out)])
    for name in ("urusan.yaml", "wilayah.yaml", "wilayah.csv", "format.yaml", "lisensi.yaml", "bahasa.yaml",
                 "eu_theme.yaml"):
        assert filecmp.cmp(out / name, repo / "mappings" / "codelists" / name, shallow=False), name
