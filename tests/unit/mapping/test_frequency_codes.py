"""ISO 19115 maintenance frequency codes (CSW records, ckanext-spatial extras) are frekuensi aliases,
so the default mappings need no inline translation table."""

from __future__ import annotations

import pytest

from harvester.mapping.codelists import CodeLists
from tests.unit.mapping.support import context, engine_from_yaml, json_record

ISO = {"continual": "REALTIME", "daily": "HARIAN", "weekly": "MINGGUAN", "fortnightly": "LAINNYA",
       "monthly": "BULANAN", "quarterly": "TRIWULANAN", "biannually": "SEMESTERAN", "annually": "TAHUNAN",
       "asNeeded": "AD_HOC", "irregular": "AD_HOC", "notPlanned": "SEKALI"}


@pytest.mark.parametrize("iso, code", sorted(ISO.items()))
def test_iso_maintenance_frequency_codes_are_aliases(iso, code):
    found = CodeLists.load()["frekuensi"].lookup(iso)
    assert found is not None and found.code == code


def test_unknown_frequency_is_not_guessed():
    assert CodeLists.load()["frekuensi"].lookup("unknown") is None


def test_ckan_spatial_extra_maps_through_the_code_list(tmp_path):
    engine = engine_from_yaml(tmp_path, """\
        extends: ckan/default
        """)
    record = json_record({"id": "d1", "title": "T", "extras": [{"key": "frequency-of-update", "value": "asNeeded"}]})
    assert engine.map_record(record, context()).dataset.accrual_periodicity == "AD_HOC"
