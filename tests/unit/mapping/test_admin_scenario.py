"""What a walidata admin does: override one field of a default mapping, validate, preview a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.errors import ConfigError
from harvester.mapping.engine import MappingEngine
from harvester.mapping.spec import default_mapping_path, load_mapping, validate_mapping_files

from tests.unit.mapping.support import codelists, context, row_record, write

ROW = {"Nama Dataset": "Jumlah Sekolah", "Judul": "(judul lama)", "OPD": "Dinas Pendidikan",
       "Jadwal Pemutakhiran": "Tahunan", "Cakupan": "35.72"}


def test_rename_a_column_in_an_override(tmp_path):
    default = MappingEngine(load_mapping(default_mapping_path("spreadsheet")), codelists())
    assert default.map_record(row_record(ROW), context()).dataset.title == "(judul lama)"

    override = write(tmp_path, "sekolah.yaml", """\
        # Our inventory calls the title column "Nama Dataset".
        extends: spreadsheet/default
        fields:
          title: {path: ["Nama Dataset"]}
        """)
    assert validate_mapping_files([override]) == []
    engine = MappingEngine(load_mapping(override), codelists())
    ds = engine.map_record(row_record(ROW), context()).dataset
    assert ds.title == "Jumlah Sekolah"
    assert ds.creator.name == "Dinas Pendidikan" and ds.accrual_periodicity == "TAHUNAN"  # the rest is inherited
    assert engine.hash != default.hash


def test_a_typo_names_file_line_and_valid_fields(tmp_path):
    override = write(tmp_path, "typo.yaml", """\
        extends: spreadsheet/default
        fields:
          tittle: {path: ["Nama Dataset"]}
        """)
    [error] = validate_mapping_files([override])
    assert (Path(error.file), error.line) == (override, 3)
    assert "unknown canonical field 'tittle'; did you mean 'title'?" in str(error)
    assert "valid: identifier, title, uri" in str(error)
    with pytest.raises(ConfigError):
        load_mapping(override)


def test_every_default_mapping_is_valid():
    root = default_mapping_path("ckan").parent.parent
    paths = sorted(root.glob("*/default.yaml"))
    assert [p.parent.name for p in paths] == ["ckan", "csw", "datajson", "dcat-rdf", "json-api", "oai-pmh",
                                             "schemaorg", "spreadsheet"]
    assert validate_mapping_files(paths) == []
    for path in paths:
        MappingEngine(load_mapping(path), codelists())  # code lists and transforms resolve
