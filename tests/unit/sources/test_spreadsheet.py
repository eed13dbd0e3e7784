"""SpreadsheetSource and harvester.sources.tables: CSV / XLSX / XLS inventories, local and over HTTP."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

import openpyxl
import pytest

from harvester.errors import ConfigError, SourceProtocolError
from harvester.http import HttpClient, HttpPolicy
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, RemoteRef
from harvester.pipeline.assembly import build_source
from harvester.sources.base import GatherContext
from harvester.sources.spreadsheet import SpreadsheetOptions, SpreadsheetSource, slugify
from harvester.sources.tables import cell_text, decode_text, sniff_delimiter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "spreadsheet"


def source(url: str, **options: Any) -> SpreadsheetSource:
    http = HttpClient(HttpPolicy(retries=0))
    return SpreadsheetSource("sheet-test", SpreadsheetOptions(url=str(url), **options), http)


def gather(src: SpreadsheetSource, ctx: Optional[GatherContext] = None) -> tuple[list[RemoteRef], GatherContext]:
    ctx = ctx or GatherContext(source_id=src.source_id)
    return list(src.gather(ctx)), ctx


def row(ref: RemoteRef) -> dict[str, str]:
    assert ref.media_type == TABLE_ROW_MEDIA_TYPE and ref.payload is not None
    return json.loads(ref.payload)


def codes(ctx: GatherContext) -> list[str]:
    return [i.code for i in ctx.issues]


# ---------------------------------------------------------------------------- XLS
def test_legacy_xls_inventory() -> None:
    refs, ctx = gather(source(FIXTURES / "daftar_data.xls", sheet="daftar data", header_row=2, id_column="ID"))
    assert [r.remote_id for r in refs] == ["1", "2", "3"]
    assert [dict(r.meta) for r in refs] == [{"row": 3, "sheet": "Daftar Data"}, {"row": 4, "sheet": "Daftar Data"},
                                            {"row": 8, "sheet": "Daftar Data"}]
    assert row(refs[0]) == {"id": "1", "judul": "Jumlah Penduduk Menurut Kecamatan",
                            "produsen_data": "Dinas Kependudukan", "kode_wilayah": "3572",
                            "tanggal_rilis": "2024-01-15", "nilai": "35.1", "terbuka": "TRUE"}
    assert row(refs[2])["kode_wilayah"] == "3572010" and row(refs[2])["nilai"] == "78.25"
    assert codes(ctx) == ["SHEET-NO-ID", "SHEET-DUPLICATE-ID"]
    no_id, dup = ctx.issues
    assert "row 6" in no_id.message and "sheet-test" in no_id.message and no_id.location
    assert "rows 4 and 7" in dup.message and dup.remote_id == "2"
    assert not ctx.complete  # an unidentifiable row blocks deletions
    assert all(not r.id_is_fallback for r in refs)


def test_sheet_by_position_and_unknown_sheet() -> None:
    refs, _ = gather(source(FIXTURES / "daftar_data.xls", sheet=2, header_row=2, id_column="id"))
    assert len(refs) == 3
    with pytest.raises(SourceProtocolError) as info:
        gather(source(FIXTURES / "daftar_data.xls", sheet="Data", id_column="id"))
    assert "Petunjuk" in str(info.value) and "Daftar Data" in str(info.value)
    with pytest.raises(SourceProtocolError, match="sheet 3 does not exist"):
        gather(source(FIXTURES / "daftar_data.xls", sheet=3, id_column="id"))


def test_skip_rows_after_header() -> None:
    refs, _ = gather(source(FIXTURES / "daftar_data.xls", sheet=2, header_row=2, skip_rows_after_header=1,
                            id_column="id"))
    assert [r.remote_id for r in refs] == ["2", "3"]


# ---------------------------------------------------------------------------- XLSX
def make_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inventaris"
    sheet.append(["kode", " Judul ", "tanggal", "nilai", "rasio", "kode_text", "", "terbuka", "Judul"])
    sheet.append([3572.0, "Data A", date(2024, 3, 1), 35.10, 0.125, "0012", None, True, "salinan"])
    sheet.append([3201190006, "Data B", datetime(2024, 3, 1, 13, 30), 7, None, "0013", "catatan", False, None])
    sheet.append([None] * 9)
    sheet.append([3573, "Data C", None, None, None, None, None, None, None])
    sheet["D2"].number_format = "0.00"  # shown as 35.10: the stored value is 35.1, kept as is
    book.save(path)
    return path


def test_xlsx_cells_become_display_text(tmp_path: Path) -> None:
    src = source(make_xlsx(tmp_path / "inventaris.xlsx").as_uri(), id_column="kode")
    refs, ctx = gather(src)
    assert [r.remote_id for r in refs] == ["3572", "3201190006", "3573"]
    assert row(refs[0]) == {"kode": "3572", "Judul": "Data A", "tanggal": "2024-03-01", "nilai": "35.1",
                            "rasio": "0.125", "kode_text": "0012", "terbuka": "TRUE", "Judul (2)": "salinan"}
    second = row(refs[1])
    assert second["tanggal"] == "2024-03-01T13:30:00" and second["nilai"] == "7"
    assert second["column_7"] == "catatan" and second["terbuka"] == "FALSE"
    assert row(refs[2])["rasio"] == ""
    assert codes(ctx) == ["SHEET-DUPLICATE-COLUMN"] and ctx.complete
    assert dict(refs[2].meta) == {"row": 5, "sheet": "Inventaris"}


def test_title_match_is_case_insensitive_for_fallback_ids(tmp_path: Path) -> None:
    refs, _ = gather(source(make_xlsx(tmp_path / "i.xlsx")))  # title_column 'judul' matches ' Judul '
    assert [(r.remote_id, r.id_is_fallback) for r in refs] == [("data-a", True), ("data-b", True), ("data-c", True)]


# ---------------------------------------------------------------------------- CSV
def test_csv_semicolon_bom_and_slug_ids() -> None:
    refs, ctx = gather(source(FIXTURES / "daftar_data_semicolon_bom.csv"))
    assert [r.remote_id for r in refs] == ["jumlah-penduduk-menurut-kecamatan", "angka-partisipasi-sekolah-aps",
                                           "indeks-pembangunan-manusia"]
    assert all(r.id_is_fallback for r in refs)
    first = row(refs[0])
    assert list(first) == ["Judul", "Deskripsi", "Kode Wilayah", "Produsen Data", "Tahun"]  # no BOM in 'Judul'
    assert first["Deskripsi"] == "Rekap penduduk;\nper kecamatan" and first["Kode Wilayah"] == "0035"
    assert [dict(r.meta)["row"] for r in refs] == [2, 4, 7]
    assert dict(refs[0].meta)["sheet"] == "daftar_data_semicolon_bom.csv"
    assert codes(ctx) == ["SHEET-NO-ID", "SHEET-DUPLICATE-ID"]
    assert "row 5" in ctx.issues[0].message and "'judul'" in ctx.issues[0].message
    assert "rows 4 and 6" in ctx.issues[1].message


def test_csv_windows_1252_is_decoded() -> None:
    refs, ctx = gather(source(FIXTURES / "daftar_data_cp1252.csv", id_column="id"))
    assert [r.remote_id for r in refs] == ["101", "102", "103"]
    assert row(refs[0])["deskripsi"] == "\u201cSiswa\u201d sekolah dasar \u2013 negeri & swasta"
    assert row(refs[2])["judul"] == "Caf\u00e9 dan Restoran"
    assert ctx.complete and not ctx.issues


def test_csv_over_http_with_latin1_charset_and_conditional_get(http_server) -> None:
    data = (FIXTURES / "daftar_data_cp1252.csv").read_bytes()
    http_server.add("/inventaris.csv", data, content_type="text/csv; charset=ISO-8859-1", headers={"ETag": '"x"'})
    http_server.add("/inventaris.csv", b"", status=304)
    src = source(http_server.url("/inventaris.csv"), id_column="id")
    refs, ctx = gather(src)
    assert row(refs[1])["deskripsi"] == "Jalan kota (kondisi \u2018baik\u2019)"  # read as windows-1252
    assert refs[0].url == http_server.url("/inventaris.csv")
    refs2, ctx2 = gather(src, GatherContext(source_id="sheet-test", validators=ctx.validators))
    assert refs2 == [] and ctx2.unchanged_pages == [http_server.url("/inventaris.csv")]


def test_max_items(http_server) -> None:
    http_server.add_file("/i.csv", FIXTURES / "daftar_data_cp1252.csv", "text/csv")
    refs, ctx = gather(source(http_server.url("/i.csv"), id_column="id"),
                       GatherContext(source_id="sheet-test", max_items=2))
    assert len(refs) == 2 and not ctx.complete and http_server.hits("/i.csv") == 1


def test_http_failure_names_source_and_url(http_server) -> None:
    http_server.add("/i.csv", "no", status=404)
    with pytest.raises(SourceProtocolError) as info:
        gather(source(http_server.url("/i.csv"), id_column="id"))
    assert "sheet-test" in str(info.value) and "/i.csv" in str(info.value) and "404" in str(info.value)


# ---------------------------------------------------------------------------- refusals
def test_html_behind_xls_name_is_refused(shared_data) -> None:
    with pytest.raises(SourceProtocolError) as info:
        gather(source(shared_data / "inventory_tables/opendata-jabar_garis_kemiskinan.xls", id_column="id"))
    message = str(info.value)
    assert "HTML document" in message and "opendata-jabar_garis_kemiskinan.xls" in message and "sheet-test" in message


def test_csv_behind_xls_name_is_refused_unless_format_says_csv(tmp_path: Path) -> None:
    path = tmp_path / "daftar.xls"
    path.write_bytes((FIXTURES / "daftar_data_cp1252.csv").read_bytes())
    with pytest.raises(SourceProtocolError, match="named 'daftar.xls' but its content is CSV"):
        gather(source(path, id_column="id"))
    refs, _ = gather(source(path, id_column="id", format="csv"))
    assert len(refs) == 3


def test_xlsx_configured_as_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceProtocolError, match="configured as CSV but its content is an XLSX workbook"):
        gather(source(make_xlsx(tmp_path / "x.xlsx"), format="csv", id_column="kode"))


def test_missing_columns_are_explained() -> None:
    with pytest.raises(SourceProtocolError, match=r"id column 'kode' not in the header row 1 .*'judul'"):
        gather(source(FIXTURES / "daftar_data_cp1252.csv", id_column="kode"))
    with pytest.raises(SourceProtocolError, match="no id_column configured and no title column 'nama'"):
        gather(source(FIXTURES / "daftar_data_cp1252.csv", title_column="nama"))
    with pytest.raises(SourceProtocolError, match="has no header row 40"):
        gather(source(FIXTURES / "daftar_data_cp1252.csv", id_column="id", header_row=40))


def test_empty_file_has_no_header(tmp_path: Path) -> None:
    (tmp_path / "kosong.csv").write_bytes(b"")
    with pytest.raises(SourceProtocolError, match="'kosong.csv' has no header row 1"):
        gather(source(tmp_path / "kosong.csv", id_column="id"))


def test_wrong_configured_encoding_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceProtocolError, match="not valid utf-8"):
        gather(source(FIXTURES / "daftar_data_cp1252.csv", id_column="id", encoding="utf-8"))


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError):
        build_source("s", "spreadsheet", "/x.csv", {"header_row": 0}, HttpClient())
    with pytest.raises(ConfigError):
        build_source("s", "spreadsheet", "/x.csv", {"format": "ods"}, HttpClient())


# ---------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("value,text", [
    (None, ""), (3572.0, "3572"), (3201190006.0, "3201190006"), (35.1, "35.1"), (1e-05, "1e-05"), (-2.5, "-2.5"),
    (12, "12"), (True, "TRUE"), ("0012", "0012"), (date(2024, 1, 2), "2024-01-02"),
    (datetime(2024, 1, 2), "2024-01-02"), (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
])
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("sample,expected", [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\n1\t2\n", "\t"), ("a|b\n1|2\n", "|"),
    ('judul,deskripsi\n"x; y; z",2\n', ","), ("single\nvalue\n", ","),
])
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def test_decode_text_order() -> None:
    assert decode_text("é".encode("utf-8")) == ("é", "utf-8")
    assert decode_text("\u2013".encode("cp1252")) == ("\u2013", "cp1252")
    assert decode_text("a;b".encode("utf-16")) == ("a;b", "utf-16")
    assert decode_text(b"x", encoding="ascii") == ("x", "ascii")


def test_slugify() -> None:
    assert slugify("  Jumlah Penduduk (Jiwa) – 2023 ") == "jumlah-penduduk-jiwa-2023"
    assert slugify("Café Ñandú") == "cafe-nandu"
    assert slugify("人口").startswith("judul-")


# ---------------------------------------------------------------------------- every sample
# Rows per real file (data rows below the header, counted by reading the files); None = refused.
SAMPLES: dict[str, tuple[dict[str, Any], Optional[int]]] = {
    "dc-gov_enterprise_dataset_inventory_2018-03-09_fy19-schema.csv": ({"id_column": "EDI_ID"}, 1779),
    "dc-gov_enterprise_dataset_inventory_retired_2018-03-09.csv": ({"id_column": "DATAINVENTORYID"}, 16),
    "opendata-jabar_dpmdes-idm_pencemaran_air_desa_excerpt300.csv": ({"id_column": "id"}, 299),
    "opendata-jabar_garis_kemiskinan.xls": ({"id_column": "id"}, None),  # HTML behind .xls
    "opendata-jabar_garis_kemiskinan_provinsi.xlsx": ({"id_column": "Tahun"}, 3),
    "opendata-jabar_pengeluaran_per_kapita_kabkota.csv": ({"id_column": "id"}, 294),
}


def test_sample_table_covers_the_folder(shared_data) -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in (shared_data / "inventory_tables").iterdir())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample(shared_data, name: str) -> None:
    options, expected = SAMPLES[name]
    src = source(shared_data / "inventory_tables" / name, **options)
    if expected is None:
        with pytest.raises(SourceProtocolError, match="HTML"):
            gather(src)
        return
    refs, ctx = gather(src)
    assert len(refs) == expected and ctx.complete and not ctx.issues
    assert len({r.remote_id for r in refs}) == expected


def test_real_values_are_kept_as_written(shared_data) -> None:
    folder = shared_data / "inventory_tables"
    refs, _ = gather(source(folder / "opendata-jabar_dpmdes-idm_pencemaran_air_desa_excerpt300.csv", id_column="id"))
    first = row(refs[0])
    assert first["kode_provinsi"] == "32.0" and first["bps_kode_desa_kelurahan"] == "3201190006.0"  # not "fixed"
    assert first["kemendagri_kode_desa_kelurahan"] == "32.01.02.2001" and refs[0].remote_id == "1"
    refs, _ = gather(source(folder / "opendata-jabar_garis_kemiskinan_provinsi.xlsx", id_column="tahun"))
    assert [row(r) for r in refs][0] == {"Tahun": "2020", "garis_kemiskinan": "410988"}
    refs, ctx = gather(source(folder / "dc-gov_enterprise_dataset_inventory_retired_2018-03-09.csv",
                              title_column="datasetname"))
    assert len(refs) == 16 and all(r.id_is_fallback for r in refs) and ctx.complete
    assert row(refs[0])["DATASETCLASSIFICATIONREASON"] == " "  # cells are not trimmed
