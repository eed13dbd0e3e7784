"""Deletion safety and de-duplication across sources, against the real CKAN stack."""

from __future__ import annotations

import pytest

from tests.integration.push.example import KATALOG, Example

pytestmark = [pytest.mark.ckan, pytest.mark.integration]

VALID = """
ds:valid-{n} a dcat:Dataset ;
    dct:identifier "BULK-{n}" ;
    dct:title "Data Valid Nomor {n} Kota Blitar"@id ;
    dct:description "Dataset uji {n} yang lengkap."@id ;
    dct:publisher org:diskominfotik ; dct:creator org:diskominfotik ;
    dct:issued "2024-03-12"^^xsd:date ; dct:modified "2024-09-23"^^xsd:date ;
    dct:accrualPeriodicity freq:ANNUAL ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2023-01-01"^^xsd:date ; dcat:endDate "2023-12-31"^^xsd:date ] ;
    dct:spatial wil:35.72 ; dct:accessRights access:PUBLIC ; dcat:theme urusan:2.16 ;
    sdi:konsep "Uji" ; sdi:definisi "Definisi uji." ; sdi:klasifikasi "Kecamatan" ; sdi:ukuran "Jumlah" ;
    sdi:satuan "Unit" ; sdi:frekuensi "TAHUNAN" ; sdi:jadwalRilis "2025-03-31"^^xsd:date ;
    sdi:tingkatPenyajian tp:KECAMATAN ; sdi:kodePemda "35.72" ; sdi:akses "TERBUKA" ;
    dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <https://{host}/unduh/valid-{n}.csv> ;
        dct:format ft:CSV ; dct:license <http://creativecommons.org/licenses/by/4.0/> ] .
"""
INCOMPLETE = """
ds:draft-{n} a dcat:Dataset ; dct:identifier "DRAFT-{n}" ; dct:title "Draf Nomor {n}"@id .
"""


def _catalogue(ex: Example, valid: int, incomplete: int) -> str:
    text = ex.catalogue.read_text(encoding="utf-8")
    head = text[:text.index("\n<https://")]  # the prefixes
    names = [f"ds:valid-{n}" for n in range(valid)] + [f"ds:draft-{n}" for n in range(incomplete)]
    body = [f"<https://{ex.host}/katalog> a dcat:Catalog ; dct:title \"Katalog Massal\"@id"
            + (" ;\n    dcat:dataset " + " , ".join(names) if names else "") + " .\n"]
    body.append('org:diskominfotik a foaf:Organization ; '
                'foaf:name "Dinas Komunikasi, Informatika dan Statistik Kota Blitar" .\n')
    body += [VALID.format(n=n, host=ex.host) for n in range(valid)]
    body += [INCOMPLETE.format(n=n) for n in range(incomplete)]
    return head + "\n".join(body)


def test_empty_listing_of_a_big_source_withdraws_nothing(example: Example) -> None:
    example.only("city")
    data = example.root / "data" / "massal.ttl"
    data.write_text(_catalogue(example, 5, 95), encoding="utf-8")
    example.add_source("massal", "type: dcat-rdf\ntitle: Katalog massal\nurl: ../data/massal.ttl\n")
    results, report = example.harvest("massal")
    assert results[0].stats["created"] == 100
    assert report.per_target["kota"]["created"] == 5 and report.per_target["kota"]["skipped_filtered"] == 95
    before = example.snapshot()["city"]

    data.write_text(_catalogue(example, 0, 0), encoding="utf-8")  # answers 200 with a valid, empty catalogue
    results, report = example.harvest("massal")
    assert results[0].status == "needs_confirmation" and results[0].deletion.held
    assert report.writes == 0 and report.per_target["kota"]["unchanged"] == 5
    assert example.snapshot()["city"] == before
    assert all(not p["private"] for p in example.datasets("city").values())


def test_same_dataset_by_two_paths_is_one_dataset(example: Example) -> None:
    """The catalogue reaches us twice (directly, and re-published by the province): one dataset each
    on the national portal, whether the paths are pushed in one run or one after the other."""
    example.only("national")
    example.add_source("katalog-provinsi", "type: dcat-rdf\ntitle: Katalog via provinsi\n"
                                           "url: ../data/katalog-diskominfotik.ttl\n")
    example.harvest(KATALOG, "katalog-provinsi", push=False)
    report = example.pusher().sync()  # both paths in one plan
    created = report.per_target["nasional"]["created"]
    assert created >= 1 and report.per_target["nasional"]["duplicate"] == created
    national = example.by_uri("national")
    assert len(national) == len(example.datasets("national")) == created

    rows = {r.source_id: r for r in example.store.iter_record_targets("nasional")
            if r.remote_id == example.uri("jumlah-penduduk-kelurahan")}
    owner, twin = sorted(rows.values(), key=lambda r: r.status != "pushed")
    assert owner.status == "pushed" and twin.status == "skipped"
    assert twin.target_dataset_id == owner.target_dataset_id and "same dataset as" in twin.last_error

    # a later change reaching us by the second path still does not make a second dataset
    example.edit_dataset("jumlah-penduduk-kelurahan", lambda b: b.replace("Kelurahan Cantik.", "Kelurahan Cantik!"))
    _, report = example.harvest("katalog-provinsi")
    assert report.per_target["nasional"]["duplicate"] == created and report.writes == 0
    assert example.datasets("national").keys() == {p["name"] for p in national.values()}
