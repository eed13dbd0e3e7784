"""CswSource against a real local HTTP server serving recorded CSW / ISO 19139 responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from lxml import etree

from harvester.errors import RecordInvalid, SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.model.record import RemoteRef
from harvester.sources.base import GatherContext
from harvester.sources.csw import CswOptions, CswSource
from tests.support.httpserver import RecordedServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "csw"
XML = "application/xml"
GEO2FRANCE_IDS = [  # fileIdentifiers read from pages 1, 3 and 5 of the Geo2France capture
    "fr-120066022-ldd-56fce164-04b2-41ae-be87-9f256f39dd44",
    "fr-120066022-ldd-777b1c6b-36a7-4650-befa-e4be638cd694",
    "fr-120066022-jdd-585c9cd3-d542-407a-b6a5-885f062b0024",
    "fr-120066022-ldd-05ba3a8c-ee8a-4dd5-a86a-15b6d6cd1bc8",
    "fr-120066022-ldd-3f4cc8c8-5c3e-4a0e-8b56-0a569a7e12f6",
    "fr-120066022-ldd-1d31b525-5f0e-4fd2-8ab4-cad099333b5c",
]


def source(url: str, policy: HttpPolicy | None = None, sleep: Any = None, **options: Any) -> CswSource:
    http = HttpClient(policy or HttpPolicy(retries=0, backoff=0), **({"sleep": sleep} if sleep else {}))
    return CswSource("csw-test", CswOptions(url=url, **options), http)


def gather(src: CswSource, ctx: GatherContext | None = None) -> tuple[list[RemoteRef], GatherContext]:
    ctx = ctx or GatherContext(source_id=src.source_id)
    return list(src.gather(ctx)), ctx


def serve_geo2france(server: Any, data: Path, **page_kw: Any) -> None:
    for start in ("1", "3", "5"):
        kw = page_kw.get(start, {})
        body = kw.pop("body", None) or (data / f"csw_iso19139/udata_geo2france_csw_getrecords_iso19139_page{start}.xml"
                                        ).read_bytes()
        server.add("/csw", body, content_type=XML, query={"startPosition": start}, **kw)


def csw_requests(server: Any) -> list[dict[str, list[str]]]:
    return [r.query for r in server.requests if r.path == "/csw"]


# ---------------------------------------------------------------------------- paging
def test_pages_follow_next_record_until_zero(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data)
    cursors: list[dict[str, Any]] = []
    src = source(http_server.url("/csw"), mode="csw", page_size=2)
    refs, ctx = gather(src, GatherContext(source_id="csw-test", on_page=cursors.append))
    assert [r.remote_id for r in refs] == GEO2FRANCE_IDS
    assert ctx.complete and not ctx.issues
    queries = csw_requests(http_server)
    assert [q["startPosition"] for q in queries] == [["1"], ["3"], ["5"]]
    assert queries[0]["request"] == ["GetRecords"] and queries[0]["maxRecords"] == ["2"]
    assert queries[0]["typeNames"] == ["gmd:MD_Metadata"]
    assert queries[0]["outputSchema"] == ["http://www.isotc211.org/2005/gmd"]
    assert [c["start"] for c in cursors] == [3, 5, None]
    assert refs[0].modified == "2019-03-25T22:55:41.312+01:00"
    assert refs[0].url is not None and "startPosition=1" in refs[0].url
    assert refs[2].url is not None and "startPosition=3" in refs[2].url


def test_payload_is_a_standalone_iso_document(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data)
    refs, _ = gather(source(http_server.url("/csw"), mode="csw", page_size=2))
    root = etree.fromstring(refs[1].payload)
    assert root.tag == "{http://www.isotc211.org/2005/gmd}MD_Metadata"
    assert refs[1].media_type == XML
    ident = root.findtext("{http://www.isotc211.org/2005/gmd}fileIdentifier/{http://www.isotc211.org/2005/gco}"
                          "CharacterString")
    assert ident == GEO2FRANCE_IDS[1]
    assert b"GetRecordsResponse" not in refs[1].payload
    assert src_fetch_roundtrip(refs[1]) == refs[1].payload


def src_fetch_roundtrip(ref: RemoteRef) -> bytes:
    src = source("http://127.0.0.1:9/unused")
    return src.fetch(ref).content  # payload carried by the listing: no request


def test_resume_continues_at_stored_position(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data)
    ctx = GatherContext(source_id="csw-test", resume={"start": 3, "started": "2024-01-01T00:00:00Z"})
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2), ctx)
    assert [r.remote_id for r in refs] == GEO2FRANCE_IDS[2:]
    assert [q["startPosition"] for q in csw_requests(http_server)] == [["3"], ["5"]]


def test_max_items_stops_without_requesting_more_pages(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data)
    ctx = GatherContext(source_id="csw-test", max_items=2)
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2), ctx)
    assert len(refs) == 2
    assert http_server.hits("/csw") == 1
    assert not ctx.complete


def test_max_pages_cuts_listing_and_marks_it_incomplete(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data)
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2, max_pages=2))
    assert len(refs) == 4 and http_server.hits("/csw") == 2
    assert not ctx.complete and ctx.issues[0].code == "GATHER-MAX-PAGES"


def test_repeated_page_stops_paging_with_warning(http_server, shared_data) -> None:
    page1 = (shared_data / "csw_iso19139/udata_geo2france_csw_getrecords_iso19139_page1.xml").read_bytes()
    http_server.add("/csw", page1, content_type=XML)  # every startPosition answers page 1
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2))
    assert [r.remote_id for r in refs] == GEO2FRANCE_IDS[:2]
    assert http_server.hits("/csw") == 2
    assert ctx.complete and [i.code for i in ctx.issues] == ["GATHER-REPEATED-PAGE"]


def test_empty_result_is_a_complete_empty_listing(http_server) -> None:
    http_server.add_file("/csw", FIXTURES / "getrecords_empty.xml", XML)
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw"))
    assert refs == [] and ctx.complete and http_server.hits("/csw") == 1


def test_bad_record_does_not_lose_rest_of_page(http_server) -> None:
    http_server.add_file("/csw", FIXTURES / "getrecords_mixed.xml", XML)
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=10))
    assert len(refs) == 2
    fallback, good = refs
    assert fallback.id_is_fallback and fallback.remote_id.startswith("sha256-") and fallback.modified == "2024-04-02"
    assert good.remote_id == "blitar-penduduk-2023" and not good.id_is_fallback
    assert good.modified == "2024-04-03T10:00:00"
    codes = sorted(i.code for i in ctx.issues)
    assert codes == ["CSW-NO-FILEIDENTIFIER", "CSW-UNEXPECTED-RECORD"]
    unexpected = next(i for i in ctx.issues if i.code == "CSW-UNEXPECTED-RECORD")
    assert "csw-test" in unexpected.message and unexpected.location and "record" in unexpected.message
    assert not ctx.complete  # a record we could not read blocks deletions
    assert http_server.hits("/csw") == 1  # matched=3, returned=3: no further page


def test_next_record_that_does_not_advance_is_not_followed(http_server, shared_data) -> None:
    page = (shared_data / "csw_iso19139/udata_geo2france_csw_getrecords_iso19139_page1.xml").read_bytes()
    http_server.add("/csw", page.replace(b'nextRecord="3"', b'nextRecord="1"'), content_type=XML,
                    query={"startPosition": "1"})
    serve_geo2france(http_server, shared_data, **{"1": {"body": b"<unused/>"}})
    http_server.routes = [r for r in http_server.routes if r.responses[0].body != b"<unused/>"]
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2))
    assert len(refs) == 6
    assert "CSW-BAD-NEXTRECORD" in [i.code for i in ctx.issues]


# ---------------------------------------------------------------------------- failures
def test_first_page_failure_raises_naming_source_and_url(http_server) -> None:
    http_server.add("/csw", "down", status=503)
    with pytest.raises(SourceUnavailable) as info:
        gather(source(http_server.url("/csw"), mode="csw"))
    assert "csw-test" in str(info.value) and "/csw?" in str(info.value)


def test_later_page_failure_makes_listing_incomplete(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data, **{"3": {"status": 503, "body": b"busy"}})
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2))
    assert [r.remote_id for r in refs] == GEO2FRANCE_IDS[:2]
    assert not ctx.complete
    issue = ctx.issues[0]
    assert issue.code == "GATHER-PAGE-FAILED" and "startPosition=3" in (issue.location or "")
    assert "csw-test" in issue.message and "503" in issue.message
    assert http_server.hits("/csw") == 2  # stopped: page 5 never requested


def test_retry_after_is_honoured(http_server, shared_data) -> None:
    page1 = (shared_data / "csw_iso19139/udata_geo2france_csw_getrecords_iso19139_page1.xml").read_bytes()
    http_server.add("/csw", "slow down", status=429, headers={"Retry-After": "2"}, query={"startPosition": "1"})
    http_server.add("/csw", page1, content_type=XML, query={"startPosition": "1"})
    serve_geo2france(http_server, shared_data, **{"1": {"body": b"<unused/>"}})
    slept: list[float] = []
    refs, ctx = gather(source(http_server.url("/csw"), HttpPolicy(retries=2, backoff=5), slept.append,
                              mode="csw", page_size=2))
    assert slept == [2.0]
    assert len(refs) == 6 and ctx.complete


def test_timeout_on_first_page_is_source_unavailable(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data, **{"1": {"delay": 1.0}})
    with pytest.raises(SourceUnavailable) as info:
        gather(source(http_server.url("/csw"), HttpPolicy(retries=0, read_timeout=0.2), mode="csw", page_size=2))
    assert "timed out" in str(info.value) or "Timeout" in str(info.value)


def test_truncated_later_page_is_incomplete(http_server, shared_data) -> None:
    serve_geo2france(http_server, shared_data, **{"5": {"truncate": True}})
    refs, ctx = gather(source(http_server.url("/csw"), mode="csw", page_size=2))
    assert len(refs) == 4 and not ctx.complete
    assert "truncated" in ctx.issues[0].message


def test_exception_report_is_protocol_error_with_text(http_server) -> None:
    http_server.add_file("/csw", FIXTURES / "exception_report.xml", XML)
    with pytest.raises(SourceProtocolError) as info:
        gather(source(http_server.url("/csw"), mode="csw"))
    assert "InvalidParameterValue" in str(info.value)
    assert "Invalid outputSchema parameter value" in str(info.value)


@pytest.mark.parametrize("body,needle", [
    (b"<html><head><title>Error</title></head><body>Oops</body></html>", "root element 'html'"),
    (b"<csw:GetRecordsResponse xmlns:csw='http://www.opengis.net/cat/csw/2.0.2'><csw:SearchResults>", "line"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "entities"),
])
def test_unusable_answer_is_protocol_error(http_server, body: bytes, needle: str) -> None:
    http_server.add("/csw", body, content_type="text/html")
    with pytest.raises(SourceProtocolError) as info:
        gather(source(http_server.url("/csw"), mode="csw"))
    assert needle in str(info.value) and "csw-test" in str(info.value)


# ---------------------------------------------------------------------------- incremental
def test_modified_since_constraint_uses_checkpoint_minus_lag(http_server) -> None:
    http_server.add_file("/csw", FIXTURES / "getrecords_empty.xml", XML)
    src = source(http_server.url("/csw"), mode="csw", constraint={"modified_since": True}, safety_lag_seconds=3600)
    ctx = GatherContext(source_id="csw-test", checkpoint={"modified_since": "2024-05-01T12:00:00Z"})
    gather(src, ctx)
    query = csw_requests(http_server)[0]
    assert query["constraint"] == ["apiso:Modified >= '2024-05-01T11:00:00Z'"]
    assert query["constraintLanguage"] == ["CQL_TEXT"]
    assert src.checkpoint()["modified_since"].endswith("Z")  # this run's start becomes the next watermark
    gather(src, GatherContext(source_id="csw-test", checkpoint={"modified_since": "2024-05-01T12:00:00Z"},
                              full=True))
    assert "constraint" not in csw_requests(http_server)[1]


def test_plain_cql_constraint_is_passed_through(http_server) -> None:
    http_server.add_file("/csw", FIXTURES / "getrecords_empty.xml", XML)
    # A URL copied from a browser: its own request keys are replaced, other keys (here 'portal') kept.
    url = http_server.url("/csw?SERVICE=CSW&request=GetCapabilities&portal=blitar")
    src = source(url, constraint="AnyText LIKE '%blitar%'")
    gather(src)
    query = csw_requests(http_server)[0]
    assert query["constraint"] == ["AnyText LIKE '%blitar%'"]
    assert query["request"] == ["GetRecords"] and query["portal"] == ["blitar"] and "SERVICE" not in query
    assert src.checkpoint() is None


# ---------------------------------------------------------------------------- documents, WAF, auto
def test_auto_detects_single_iso_document_and_conditional_get(http_server, shared_data) -> None:
    doc = (shared_data / "csw_iso19139/owslib_geobretagne_md_metadata_french.xml").read_bytes()
    http_server.add("/rec.xml", doc, content_type=XML, headers={"ETag": '"v1"'})
    http_server.add("/rec.xml", b"", status=304)
    src = source(http_server.url("/rec.xml"), mode="document")
    refs, ctx = gather(src)
    assert [r.remote_id for r in refs] == ["955c3e47-411e-4969-b61b-3556d1b9f879"]
    assert refs[0].url == http_server.url("/rec.xml")
    second = GatherContext(source_id="csw-test", validators=ctx.validators)
    refs2, second = gather(src, second)
    assert refs2 == [] and second.unchanged_pages == [http_server.url("/rec.xml")]
    assert http_server.requests[1].headers.get("If-None-Match") == '"v1"'


def test_auto_detects_waf_and_isolates_file_failures(http_server, shared_data) -> None:
    iso = shared_data / "csw_iso19139"
    http_server.add_file("/waf/", FIXTURES / "waf_index.html", "text/html")
    http_server.add_file("/waf/first.xml", iso / "ckanext-spatial_welsh-government_gemini_waf.xml", XML)
    http_server.add_file("/waf/second.XML", iso / "datagov-harvester_noaa_gmi_iso19115-2_valid.xml", "text/plain")
    http_server.add_file("/waf/fgdc.xml", iso / "datagov-harvester_usgs_fgdc_csdgm_not_iso.xml", XML)
    http_server.add_file("/waf/broken.xml", iso / "ckanext-spatial_gemini_error_bad_xml.xml", XML)
    refs, ctx = gather(source(http_server.url("/waf/")))
    assert [r.remote_id for r in refs] == ["11edc4ec-5269-40b9-86c8-17201fa4e74e-new", "gov.noaa.nmfs.inport:47598"]
    assert refs[1].url == http_server.url("/waf/second.XML")
    by_code = {i.code: i for i in ctx.issues}
    assert set(by_code) == {"CSW-NOT-ISO", "CSW-WAF-FILE"}
    failed = sorted(i.location for i in ctx.issues if i.code == "CSW-WAF-FILE")
    assert failed == [http_server.url("/waf/broken.xml"), http_server.url("/waf/missing.xml")]
    assert not ctx.complete
    assert http_server.hits("/waf/first.xml") == 1  # duplicate link fetched once
    assert http_server.hits("/waf/sub/") == 0 and http_server.hits("/waf/readme.txt") == 0


def test_auto_falls_back_to_getrecords_for_an_endpoint(http_server, shared_data) -> None:
    http_server.add_file("/csw", shared_data / "csw_iso19139/pycsw_apiso_getcapabilities.xml", XML)
    http_server.add_file("/csw", FIXTURES / "getrecords_empty.xml", XML, query={"request": "GetRecords"})
    refs, ctx = gather(source(http_server.url("/csw")))
    assert refs == [] and ctx.complete
    assert [r.query.get("request") for r in http_server.requests] == [None, ["GetRecords"]]


def test_dublin_core_output_schema(http_server, shared_data) -> None:
    dc_record = shared_data / "csw_iso19139/owslib_citizenscience-ca_allspecies_csw-record_dc_latin1.xml"
    http_server.add_file("/dc.xml", dc_record, XML)
    refs, _ = gather(source(http_server.url("/dc.xml"), mode="document",
                            output_schema="http://www.opengis.net/cat/csw/2.0.2"))
    assert [r.remote_id for r in refs] == ["9250AA67-F3AC-6C12-0CB9-0662231AA181"]
    assert etree.fromstring(refs[0].payload).tag == "{http://www.opengis.net/cat/csw/2.0.2}Record"


def test_iso_19115_3_is_refused_not_misread(http_server) -> None:
    http_server.add("/mdb.xml", b'<mdb:MD_Metadata xmlns:mdb="http://standards.iso.org/iso/19115/-3/mdb/2.0"/>',
                    content_type=XML)
    with pytest.raises(SourceProtocolError, match="root element 'MD_Metadata'"):
        gather(source(http_server.url("/mdb.xml"), mode="document"))


def test_fetch_by_id_uses_getrecordbyid(http_server, shared_data) -> None:
    http_server.add_file("/csw", shared_data / "csw_iso19139/pycsw_apiso_getrecordbyid_full.xml", XML,
                         query={"request": "GetRecordById"})
    src = source(http_server.url("/csw"), mode="csw")
    record = src.fetch(RemoteRef(remote_id="de53e931-778a-4792-94ad-9fe507aca483"))
    assert etree.fromstring(record.content).tag == "{http://www.isotc211.org/2005/gmd}MD_Metadata"
    assert http_server.requests[0].query["id"] == ["de53e931-778a-4792-94ad-9fe507aca483"]
    http_server.add_file("/csw", FIXTURES / "exception_report.xml", XML, query={"request": "GetRecordById"})
    with pytest.raises(RecordInvalid):
        src.fetch(RemoteRef(remote_id="nope"))


# ---------------------------------------------------------------------------- every sample
# Records per file, counted by reading each file; None = must be refused with a clear error.
SAMPLES = {
    "ckanext-spatial_forestry-commission-scotland_gemini2.1.xml": 1,
    "ckanext-spatial_gemini_error_bad_xml.xml": None,
    "ckanext-spatial_improvement-service_gemini_service.xml": 1,
    "ckanext-spatial_iso19139_dataset_invalid.xml": 1,
    "ckanext-spatial_snh_iso19139_dataset.xml": 1,
    "ckanext-spatial_welsh-government_gemini_waf.xml": 1,
    "datagov-harvester_decode_error_invalid_utf8.xml": None,
    "datagov-harvester_noaa_gmi_iso19115-2_invalid.xml": 1,
    "datagov-harvester_noaa_gmi_iso19115-2_valid.xml": 1,
    "datagov-harvester_noaa_iso_too_many_keywords.xml": 1,
    "datagov-harvester_usgs_fgdc_csdgm_not_iso.xml": None,
    "owslib_citizenscience-ca_allspecies_csw-record_dc_latin1.xml": None,  # DC, but gmd schema configured
    "owslib_citizenscience-ca_allspecies_iso19139.xml": 1,
    "owslib_dov-vlaanderen_getrecordbyid_iso19139_dutch.xml": 1,
    "owslib_eccc_gmi_mi_metadata.xml": 1,
    "owslib_geobretagne_md_metadata_french.xml": 1,
    "owslib_geocat-ch_che_md_metadata_german.xml": 1,
    "owslib_geoportal-bayern_service_srv_iso19139.xml": 1,
    "owslib_ipma-pt_iso19139.xml": 1,
    "owslib_marine-ie_keywords_anchor_iso19139.xml": 1,
    "pycsw_apiso_getcapabilities.xml": None,
    "pycsw_apiso_getrecordbyid_full.xml": 1,
    "pycsw_apiso_getrecords_csw-record_output.xml": 5,
    "pycsw_apiso_getrecords_filtered_iso19139.xml": 1,
    "pycsw_apiso_getrecords_full_iso19139_page1.xml": 5,
    "pycsw_pacioos_ns06agg_iso19115-2.xml": 1,
    "pycsw_sentinel-2_scene_iso19115-2.xml": 1,
    "udata_geo2france_csw_getrecords_iso19139_page1.xml": 2,
    "udata_geo2france_csw_getrecords_iso19139_page3.xml": 2,
    "udata_geo2france_csw_getrecords_iso19139_page5.xml": 2,
    # DCAT / GeoDCAT-AP output (rdf:RDF records): readable XML, but no ISO record: 2 issues, 0 refs.
    "udata_geo2france_csw_getrecords_outputschema_dcat_page1.xml": 0,
    "udata_geo2france_csw_getrecords_outputschema_dcat_page3.xml": 0,
    "udata_geo2france_csw_getrecords_outputschema_dcat_page5.xml": 0,
    "udata_geo2france_csw_getrecords_outputschema_geodcatap_page1.xml": 0,
    "udata_geo2france_csw_getrecords_outputschema_geodcatap_page3.xml": 0,
    "udata_geo2france_csw_getrecords_outputschema_geodcatap_page5.xml": 0,
}


@pytest.fixture(scope="module")
def sample_server(shared_data) -> Iterator[RecordedServer]:
    """One server for all samples (each at /samples/<name>): keeps the parametrised test fast."""
    server = RecordedServer().start()
    for path in (shared_data / "csw_iso19139").glob("*.xml"):
        server.add_file(f"/samples/{path.name}", path, XML)
    yield server
    server.stop()


def test_sample_table_covers_the_folder(shared_data) -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in (shared_data / "csw_iso19139").glob("*.xml"))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample(sample_server, name: str) -> None:
    src = source(sample_server.url(f"/samples/{name}"), mode="document")
    expected = SAMPLES[name]
    if expected is None:
        with pytest.raises(SourceProtocolError) as info:
            gather(src)
        assert "csw-test" in str(info.value) and f"/samples/{name}" in str(info.value)
        return
    refs, ctx = gather(src)
    assert len(refs) == expected
    assert all(r.remote_id and not r.id_is_fallback for r in refs)
    assert all(etree.fromstring(r.payload) is not None for r in refs)
    if expected == 0:
        assert [i.code for i in ctx.issues] == ["CSW-UNEXPECTED-RECORD"] * 2 and not ctx.complete
