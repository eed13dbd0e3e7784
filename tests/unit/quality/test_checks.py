"""Every quality check pinned on small canonical records (Kota Blitar), Indonesian edge cases included.

Each case changes one thing of a dataset that passes every check and states which checks lose how
many points. The expected points come from the documented table (docs/quality.md), not from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harvester.model.dataset import Agent, ContactPoint, Distribution, Location, Variable
from harvester.model.issues import Issue, Severity
from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.links import LinkResult
from harvester.quality.scoring import QualityScorer
from harvester.validate.rules_base import SdiPolicy
from tests.unit.quality.conftest import complete


def _file(**kw: object) -> tuple[Distribution, ...]:
    values: dict[str, object] = dict(download_url="https://data.blitarkota.go.id/unduh/a.csv", format="CSV",
                                     media_type="text/csv", byte_size=10)
    values.update(kw)
    return (Distribution(**values),)  # type: ignore[arg-type]


# (case id, field changes, {check: points kept}) — every other applicable check keeps its full points.
CASES = [
    ("satuan missing", dict(satuan=None), {"sdi.satuan": 0}),
    ("satuan dash", dict(satuan="-"), {"sdi.satuan": 0}),
    ("satuan 'belum diisi'", dict(satuan="belum diisi"), {"sdi.satuan": 0}),
    ("satuan '(tanpa Satuan)' is valid", dict(satuan="(tanpa Satuan)"), {}),
    ("konsep missing", dict(konsep=None), {"sdi.konsep": 0}),
    ("definisi 'kosong'", dict(definisi="kosong"), {"sdi.definisi": 0}),
    ("klasifikasi missing", dict(klasifikasi=None), {"sdi.klasifikasi": 0}),
    ("klasifikasi SDS placeholder", dict(klasifikasi="Klasifikasi berdasarkan analisis atau sesuai kebutuhan"),
     {"sdi.klasifikasi": 2}),
    ("ukuran 'null'", dict(ukuran="null"), {"sdi.ukuran": 0}),
    ("kode SDS malformed", dict(kode_sds="SP-1"), {"sdi.kode_sds": 0}),
    ("statistik without kode SDS", dict(kategori_data="statistik"), {"sdi.kode_sds": 0}),
    ("statistik with kode SDS", dict(kategori_data="statistik", kode_sds="SP00001.00.00"), {}),
    ("title blank", dict(title="  "), {"sdi.judul": 0}),
    ("description 'N/A'", dict(description="N/A"), {"sdi.deskripsi": 0}),
    ("producer not registered", dict(creator=Agent(name="Dinas Pariwisata Kota Blitar")), {"sdi.produsen": 0}),
    ("producer by abbreviation", dict(creator=Agent(name="Disdukcapil Kota Blitar")), {}),
    ("walidata by alias", dict(publisher=Agent(name="Diskominfotik")), {}),
    ("walidata is an OPD", dict(publisher=Agent(name="Dinas Kesehatan Kota Blitar")), {"sdi.walidata": 0}),
    ("frekuensi as label 'Tahunan'", dict(accrual_periodicity="Tahunan"), {"sdi.frekuensi": 0}),
    ("jadwal not derivable", dict(accrual_periodicity="LEBIH_DARI_DUA_TAHUNAN", jadwal_rilis=()),
     {"sdi.jadwal_rilis": 0}),
    ("jadwal with Indonesian month", dict(jadwal_rilis=("31 Maret 2025",)), {"sdi.jadwal_rilis": 0}),
    ("modified before issued", dict(modified="2023-12-31"), {"sdi.tanggal": 0}),
    ("overdue", dict(issued="2021-01-01", modified="2022-01-01"), {"sdi.pemutakhiran": 0}),
    ("tingkat penyajian missing", dict(tingkat_penyajian=()), {"sdi.tingkat_penyajian": 0}),
    ("variable without concept", dict(variabel=(Variable(nama="jumlah_penduduk"),)), {"sdi.variabel": 0}),
    ("variable complete", dict(variabel=(Variable(nama="jumlah", konsep="Penduduk", definisi="Orang",
                                                  tipe_data="NUMERIC"),)), {}),
    ("sectoral survey without MS-Keg", dict(cara_pengumpulan="SURVEI", jenis_statistik="STATISTIK_SEKTORAL"),
     {"sdi.survei": 0}),
    ("PDF only", dict(distributions=_file(download_url="https://x.go.id/a.pdf", format="PDF",
                                          media_type="application/pdf")), {"sdi.format_terbuka": 0}),
    ("XLS only (proprietary)", dict(distributions=_file(format="XLS", media_type="application/vnd.ms-excel")),
     {"sdi.format_terbuka": 7.5}),
    ("open data without any file", dict(distributions=()), {"sdi.format_terbuka": 7.5}),
    ("geospatial without CRS/SNI", dict(kategori_data="geospasial"), {"sdi.geospasial": 0}),
    ("media type missing", dict(distributions=_file(media_type=None)), {"sdi.media_type": 0}),
    ("media type with charset", dict(distributions=_file(media_type="text/csv; charset=utf-8")), {}),
    ("media type 'csv' is no media type", dict(distributions=_file(media_type="csv")), {"sdi.media_type": 0}),
    ("kode pemda in BPS form", dict(kode_pemda="3572"), {"sdi.kode_pemda": 0}),
    ("kode pemda BPS mismatch", dict(kode_pemda_bps="3571"), {"sdi.kode_pemda": 3.5}),
    ("cakupan outside the pemda (Kota Malang)", dict(spatial=(Location(code="35.73"),)), {"sdi.cakupan": 0}),
    ("cakupan code damaged by a spreadsheet", dict(spatial=(Location(code="35.1"),)), {"sdi.kode_teks": 0}),
    ("urusan missing", dict(bidang_urusan=()), {"sdi.urusan": 0}),
    ("urusan top-level group only", dict(bidang_urusan=("2",)), {"sdi.urusan": 3.5}),
    ("urusan unknown", dict(bidang_urusan=("9.99",)), {"sdi.urusan": 0}),
    ("urusan 2.10 read as number 2.1", dict(bidang_urusan=("2.1",)), {"sdi.kode_teks": 0}),
    ("no keywords", dict(keywords=()), {"dcat.kata_kunci": 0}),
    ("blank keywords only", dict(keywords=("-", " ")), {"dcat.kata_kunci": 0}),
    ("no theme, topik or urusan", dict(themes=(), topik=(), bidang_urusan=()), {"dcat.tema": 0, "sdi.urusan": 0}),
    ("topik instead of theme", dict(themes=(), topik=("kependudukan",)), {}),
    ("no spatial coverage", dict(spatial=()), {"dcat.cakupan_wilayah": 0}),
    ("no temporal coverage", dict(temporal=()), {"dcat.cakupan_waktu": 0}),
    ("distribution without URL", dict(distributions=_file(download_url=None, byte_size=None)),
     {"dcat.url_akses": 0, "dcat.url_unduh": 0}),
    ("request page only", dict(distributions=_file(download_url=None, access_url="https://x.go.id/minta-data")),
     {"dcat.url_unduh": 0}),
    ("restricted data with a request page", dict(access_rights="TERBATAS", license=None, distributions=_file(
        download_url=None, access_url="https://x.go.id/minta-data")), {}),
    ("format 'Excel' is no code", dict(distributions=_file(
        format="Excel", media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
     {"dcat.format": 0}),
    ("no licence on open data", dict(license=None), {"dcat.lisensi": 0}),
    ("licence as free text", dict(license="Terbuka"), {"dcat.lisensi": 0}),
    ("open licence on restricted data", dict(access_rights="TERBATAS"), {"dcat.lisensi": 0}),
    ("akses missing", dict(access_rights=None), {"dcat.hak_akses": 0}),
    ("akses as label 'Terbuka'", dict(access_rights="Terbuka"), {"dcat.hak_akses": 0}),
    ("file more open than dataset", dict(access_rights="TERBATAS", license=None,
                                         distributions=_file(access_rights="TERBUKA")),
     {"dcat.hak_akses": 2}),
    ("no contact point", dict(contact_points=()), {"dcat.kontak": 0}),
    ("contact e-mail without domain", dict(contact_points=(ContactPoint(email="dispendukcapil@blitarkota"),)),
     {"dcat.kontak": 0}),
    ("contact by Indonesian phone number", dict(contact_points=(ContactPoint(phone="(0342) 801144"),)), {}),
    ("issued missing", dict(issued=None), {"dcat.tanggal_dibuat": 0}),
    ("modified missing", dict(modified=None), {"dcat.tanggal_diperbarui": 0}),
    ("file size missing", dict(distributions=_file(byte_size=None)), {"dcat.ukuran_berkas": 0}),
]


@pytest.mark.parametrize("changes,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check_outcomes(scorer: QualityScorer, changes: dict, expected: dict) -> None:
    score = scorer.score(complete(**changes))
    assert {r.check: r.points for r in score.failed} == expected
    for result in score.failed:
        assert result.hints, f"{result.check} lost points without a hint"
        assert all(h.hint_id and h.hint_en for h in result.hints)


def test_every_check_is_pinned_by_a_case() -> None:
    pinned = {check for _, _, expected in CASES for check in expected} | {"dcat.tautan_aktif"}
    assert pinned == {c.id for c in ALL_CHECKS}


def test_complete_dataset_scores_100_with_not_applicable_checks_left_out(scorer: QualityScorer) -> None:
    score = scorer.score(complete())
    not_applicable = {r.check for r in score.results if r.points is None}
    # no SDS/variables/survey/geodata and no link check: 150 - 2 - 1 - 1 - 5 - 3 points apply
    assert not_applicable == {"sdi.kode_sds", "sdi.variabel", "sdi.survei", "sdi.geospasial", "dcat.tautan_aktif"}
    assert (score.points, score.max_points, score.score, score.band) == (138, 138, 100.0, "Memuaskan")


def test_satuan_hint_is_the_validator_hint_in_indonesian_and_english(scorer: QualityScorer) -> None:
    (result,) = scorer.score(complete(satuan=None)).failed
    (hint,) = result.hints
    assert hint.field == "satuan"
    assert hint.hint_id.startswith("Isi Satuan")
    assert "unit" in hint.hint_en


def test_field_check_hint_names_the_distribution(scorer: QualityScorer) -> None:
    dists = _file() + _file(media_type=None)
    (result,) = scorer.score(complete(distributions=dists)).failed
    assert result.check == "sdi.media_type"
    assert "berkas #2" in result.hints[0].hint_id and "distribution #2" in result.hints[0].hint_en


@dataclass
class StubLinks:
    """Answers link checks from a table (None = not checked within the budget)."""

    results: dict[str, bool | None]

    def check(self, url: str) -> LinkResult | None:
        ok = self.results.get(url)
        return None if ok is None else LinkResult(url, ok, 200 if ok else 404, "HTTP 200" if ok else "HTTP 404",
                                                  None)  # type: ignore[arg-type]


@pytest.mark.parametrize("answer,points", [(True, 3), (False, 0), (None, None)])
def test_link_check(codelists, policy, answer, points) -> None:
    url = "https://data.blitarkota.go.id/unduh/a.csv"
    scorer = QualityScorer(codelists, policy, links=StubLinks({url: answer}))
    result = next(r for r in scorer.score(complete(distributions=_file())).results if r.check == "dcat.tautan_aktif")
    assert result.points == points
    if answer is False:
        assert url in result.hints[0].hint_id and "HTTP 404" in result.hints[0].hint_en


def test_rule_switched_off_is_not_applicable(codelists, policy) -> None:
    off = SdiPolicy(**{**policy.__dict__, "rules_off": frozenset({"V13"})})
    score = QualityScorer(codelists, off).score(complete(issued="2021-01-01", modified="2022-01-01"))
    result = next(r for r in score.results if r.check == "sdi.pemutakhiran")
    assert result.points is None and score.failed == ()


def test_crashed_rule_is_not_applicable_not_failed(scorer: QualityScorer) -> None:
    crash = Issue(Severity.ERROR, "SDI-INTERNAL", "Rule V02 could not check this record", location="V02")
    score = scorer.score(complete(satuan=None), issues=[crash])
    v02 = [r for r in score.results if r.check in ("sdi.konsep", "sdi.definisi", "sdi.klasifikasi",
                                                    "sdi.ukuran", "sdi.satuan")]
    assert [r.points for r in v02] == [None] * 5
    assert score.max_points == 138 - 23


def test_other_issue_codes_are_ignored(scorer: QualityScorer) -> None:
    noise = Issue(Severity.ERROR, "MAP-REQUIRED", "satuan missing in source", field="satuan")
    assert scorer.score(complete(), issues=[noise]).score == 100.0
