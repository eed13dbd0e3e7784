"""TableReader: column labels compared ignoring case, spaces and punctuation."""

from __future__ import annotations

import csv
import json

import pytest

from harvester.errors import RecordInvalid
from harvester.model.record import TABLE_ROW_MEDIA_TYPE, SourceRecord
from harvester.readers.table_doc import TableReader


def read(row):
    return TableReader().read(SourceRecord("s", "r", TABLE_ROW_MEDIA_TYPE, json.dumps(row).encode()), {})


def test_labels_match_loosely_and_blanks_are_empty():
    doc = read({"Nama Data": " Jumlah Penduduk ", "JADWAL_PEMUTAKHIRAN": "Tahunan", "Kode": 35.1, "Kosong": "  "})
    assert doc.select("nama data") == ["Jumlah Penduduk"]
    assert doc.select("Jadwal Pemutakhiran") == ["Tahunan"]
    assert doc.select("kode") == [35.1]              # numbers kept, so float-coerced codes are visible
    assert doc.select("Kosong") == [] and doc.select("Missing") == []
    assert doc.each(".") == [doc] and doc.each("Nama Data") == []


def test_real_inventory_row(shared_data):
    path = shared_data / "inventory_tables" / "dc-gov_enterprise_dataset_inventory_retired_2018-03-09.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    doc = read(row)
    assert doc.select("Dataset Name") == ["Alcoholic Beverage Control Board Public Hearing Notices"]
    assert doc.select("data inventory id") == ["2066"]
    assert doc.select("Dataset Classification Reason") == []   # a single space is blank


@pytest.mark.parametrize("content", [b"[1, 2]", b"{bad", b"\xff"])
def test_bad_content(content):
    with pytest.raises(RecordInvalid) as info:
        TableReader().read(SourceRecord("src-t", "row-3", TABLE_ROW_MEDIA_TYPE, content), {})
    assert "row-3" in str(info.value) and "src-t" in str(info.value)
