"""OaiPmhSource against a real local HTTP server serving recorded OAI-PMH responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from lxml import etree

from harvester.errors import ConfigError, RecordInvalid, RecordSkipped, SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.model.record import RemoteRef
from harvester.pipeline.assembly import build_source
from harvester.sources.base import GatherContext
from harvester.sources.oai_pmh import OaiPmhOptions, OaiPmhSource
from tests.support.httpserver import RecordedServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "oai_pmh"
XML = "text/xml"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
LIVE, GONE = "oai:test.example.com:1585322", "oai:test.example.com:1585310"


def source(url: str, policy: HttpPolicy | None = None, **options: Any) -> OaiPmhSource:
    return OaiPmhSource("oai-test", OaiPmhOptions(url=url, **options), HttpClient(policy or HttpPolicy(retries=0)))


def gather(src: OaiPmhSource, ctx: Optional[GatherContext] = None) -> tuple[list[RemoteRef], GatherContext]:
    ctx = ctx or GatherContext(source_id=src.source_id)
    return list(src.gather(ctx)), ctx


def serve_chain(server: Any, data: Path, overrides: Optional[dict[int, dict[str, Any]]] = None) -> None:
    """sickle_ListRecords*.xml: page 1 for the first request, then pages 2-4 by resumptionToken."""
    folder = data / "oai_pmh"
    server.add_file("/oai", folder / "sickle_ListRecords.xml", XML, query={"verb": "ListRecords",
                                                                             "metadataPrefix": "oai_dc"})
    for n in (2, 3, 4):
        kw = dict((overrides or {}).get(n, {}))
        if "body" in kw:
            server.add("/oai", kw.pop("body"), query={"resumptionToken": f"ListRecords{n}.xml"}, **kw)
        else:
            server.add_file("/oai", folder / f"sickle_ListRecords{n}.xml", XML,
                            query={"resumptionToken": f"ListRecords{n}.xml"}, **kw)


def queries(server: Any) -> list[dict[str, list[str]]]:
    return [r.query for r in server.requests if r.path == "/oai"]


# ---------------------------------------------------------------------------- listing
def test_resumption_chain_with_deleted_records(http_server, shared_data) -> None:
    serve_chain(http_server, shared_data)
    cursors: list[dict[str, Any]] = []
    src = source(http_server.url("/oai"))
    refs, ctx = gather(src, GatherContext(source_id="oai-test", on_page=cursors.append))
    # 4 pages x (1 deleted + 1 live); the deleted header of page 4 has no identifier.
    assert [(r.remote_id, r.deleted) for r in refs] == [(GONE, True), (LIVE, False)] * 3 + [(LIVE, False)]
    assert all(r.payload is None for r in refs if r.deleted)
    assert ctx.complete and [i.code for i in ctx.issues] == ["OAI-NO-IDENTIFIER"]
    assert [c["token"] for c in cursors] == ["ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml", None]
    sent = queries(http_server)
    assert sent[0] == {"verb": ["ListRecords"], "metadataPrefix": ["oai_dc"]}
    assert sent[1] == {"verb": ["ListRecords"], "resumptionToken": ["ListRecords2.xml"]}  # exclusive argument
    assert src.checkpoint() == {"from": "2013-02-27T09:10:56Z"}
    live = refs[1]
    assert live.modified == "2011-01-10T10:19:23Z" and live.media_type == "application/xml"
    record = etree.fromstring(live.payload)
    assert record.tag == OAI + "record"
    assert record.findtext(f"{OAI}header/{OAI}identifier") == LIVE
    assert record.find(f"{OAI}metadata") is not None
    assert record.xpath("//dc:title/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"}) == ["Sample Title"]


def test_resume_from_stored_token(http_server, shared_data) -> None:
    serve_chain(http_server, shared_data)
    ctx = GatherContext(source_id="oai-test",
                        resume={"token": "ListRecords3.xml", "response_date": "2013-02-27T09:10:56Z"})
    refs, ctx = gather(source(http_server.url("/oai")), ctx)
    assert len(refs) == 3
    assert [q.get("resumptionToken") for q in queries(http_server)] == [["ListRecords3.xml"], ["ListRecords4.xml"]]


def test_expired_stored_token_restarts_listing(http_server, shared_data) -> None:
    serve_chain(http_server, shared_data)
    http_server.add_file("/oai", shared_data / "oai_pmh/sickle_badResumptionToken.xml", XML,
                         query={"resumptionToken": "expired"})
    ctx = GatherContext(source_id="oai-test", resume={"token": "expired"})
    refs, ctx = gather(source(http_server.url("/oai")), ctx)
    assert len(refs) == 7
    assert "OAI-RESUME-EXPIRED" in [i.code for i in ctx.issues] and ctx.complete


def test_bad_resumption_token_mid_listing_is_job_level(http_server, shared_data) -> None:
    bad = (shared_data / "oai_pmh/sickle_badResumptionToken.xml").read_bytes()
    serve_chain(http_server, shared_data, {2: {"body": bad, "content_type": XML}})
    with pytest.raises(SourceProtocolError) as info:
        gather(source(http_server.url("/oai")))
    assert "badResumptionToken" in str(info.value) and "oai-test" in str(info.value)


def test_max_items_stops_without_next_page(http_server, shared_data) -> None:
    serve_chain(http_server, shared_data)
    refs, ctx = gather(source(http_server.url("/oai")), GatherContext(source_id="oai-test", max_items=2))
    assert len(refs) == 2 and http_server.hits("/oai") == 1 and not ctx.complete


def test_incremental_from_uses_identify_granularity(http_server, shared_data) -> None:
    http_server.add_file("/oai", shared_data / "oai_pmh/sickle_noRecordsMatch.xml", XML)
    http_server.add_file("/oai", shared_data / "oai_pmh/sickle_Identify.xml", XML, query={"verb": "Identify"})
    src = source(http_server.url("/oai"), set_spec="dataset", until="2030-01-01")
    refs, ctx = gather(src, GatherContext(source_id="oai-test", checkpoint={"from": "2024-05-01T08:09:10Z"}))
    assert refs == [] and ctx.complete  # noRecordsMatch: empty, complete listing
    assert src.checkpoint() == {"from": "2002-02-08T14:27:19Z"}  # watermark still advances
    listing = [q for q in queries(http_server) if q["verb"] == ["ListRecords"]][0]
    assert listing["from"] == ["2024-05-01"]  # repository granularity is YYYY-MM-DD
    assert listing["set"] == ["dataset"] and listing["until"] == ["2030-01-01"]


def test_incremental_from_with_seconds_granularity(http_server, shared_data) -> None:
    http_server.add_file("/oai", shared_data / "oai_pmh/sickle_noRecordsMatch.xml", XML)
    http_server.add_file("/oai", FIXTURES / "identify_seconds.xml", XML, query={"verb": "Identify"})
    src = source(http_server.url("/oai"), **{"from": "2020-01-01"})
    gather(src, GatherContext(source_id="oai-test", checkpoint={"from": "2024-05-01T08:09:10Z"}))
    assert [q for q in queries(http_server) if q["verb"] == ["ListRecords"]][0]["from"] == ["2024-05-01T08:09:10Z"]
    gather(src, GatherContext(source_id="oai-test", checkpoint={"from": "2024-05-01T08:09:10Z"}, full=True))
    assert queries(http_server)[-1]["from"] == ["2020-01-01"]  # full run: only the configured bound


def test_placeholder_response_date_gives_no_checkpoint(http_server, shared_data) -> None:
    http_server.add_file("/oai", shared_data / "oai_pmh/pycsw_oaipmh_ListRecords_iso19139.xml", XML,
                         query={"metadataPrefix": "iso19139"})
    http_server.add("/oai", "gone", status=404, query={"resumptionToken": "11"})
    src = source(http_server.url("/oai"), metadata_prefix="iso19139")
    refs, ctx = gather(src)
    assert len(refs) == 10 and src.checkpoint() is None
    assert {"OAI-BAD-RESPONSEDATE", "GATHER-PAGE-FAILED"} == {i.code for i in ctx.issues}
    assert not ctx.complete


def test_repeated_token_stops_with_warning(http_server, shared_data) -> None:
    page = (shared_data / "oai_pmh/sickle_ListRecords2.xml").read_bytes()
    http_server.add_file("/oai", shared_data / "oai_pmh/sickle_ListRecords.xml", XML,
                         query={"metadataPrefix": "oai_dc"})
    http_server.add("/oai", page.replace(b"ListRecords3.xml", b"ListRecords2.xml"), content_type=XML,
                    query={"resumptionToken": "ListRecords2.xml"})
    refs, ctx = gather(source(http_server.url("/oai")))
    assert len(refs) == 4 and http_server.hits("/oai") == 2
    assert [i.code for i in ctx.issues] == ["GATHER-REPEATED-PAGE"] and ctx.complete


def test_unchanged_page_is_reported_not_yielded_and_paging_goes_on(http_server, shared_data) -> None:
    folder = shared_data / "oai_pmh"
    first = (folder / "sickle_ListIdentifiers.xml").read_bytes()
    q1 = {"metadataPrefix": "oai_dc"}
    http_server.add("/oai", first, content_type=XML, headers={"ETag": '"p1"'}, query=q1)
    http_server.add("/oai", b"", status=304, query=q1)
    http_server.add("/oai", first, content_type=XML, query=q1)
    http_server.add_file("/oai", folder / "sickle_ListIdentifiers2.xml", XML,
                         query={"resumptionToken": "ListIdentifiers2.xml"})
    src = source(http_server.url("/oai"), verb="ListIdentifiers")
    refs, ctx = gather(src)
    assert len(refs) == 4
    refs2, ctx2 = gather(src, GatherContext(source_id="oai-test", validators=ctx.validators))
    assert len(refs2) == 2  # only page 2: page 1 answered 304
    assert ctx2.unchanged_pages == [refs[0].url]
    assert ctx2.complete


# ---------------------------------------------------------------------------- failures
@pytest.mark.parametrize("kind", ["status", "truncate", "timeout", "malformed", "html"])
def test_later_page_failure_makes_listing_incomplete(http_server, shared_data, kind: str) -> None:
    override = {"status": {"body": b"oops", "status": 500}, "truncate": {"truncate": True},
                "timeout": {"delay": 1.0}, "malformed": {"body": b"<OAI-PMH><ListRecords>", "content_type": XML},
                "html": {"body": b"<html><body>maintenance</body></html>", "content_type": "text/html"}}[kind]
    serve_chain(http_server, shared_data, {3: override})
    refs, ctx = gather(source(http_server.url("/oai"), HttpPolicy(retries=0, read_timeout=0.3)))
    assert len(refs) == 4 and not ctx.complete
    failed = [i for i in ctx.issues if i.code == "GATHER-PAGE-FAILED"]
    assert len(failed) == 1 and "ListRecords3.xml" in (failed[0].location or "") and "oai-test" in failed[0].message
    assert http_server.hits("/oai") == 3  # page 4 never requested


def test_first_page_503_with_retry_after_then_ok(http_server, shared_data) -> None:
    http_server.add("/oai", "busy", status=503, headers={"Retry-After": "1"},
                    query={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    serve_chain(http_server, shared_data)  # appends the 200 answer after the 503 on the same route
    slept: list[float] = []
    src = OaiPmhSource("oai-test", OaiPmhOptions(url=http_server.url("/oai")),
                       HttpClient(HttpPolicy(retries=1, backoff=30), sleep=slept.append))
    refs, ctx = gather(src)
    assert slept == [1.0] and len(refs) == 7 and ctx.complete


def test_first_page_down_raises_unavailable(http_server) -> None:
    http_server.add("/oai", "busy", status=503)
    with pytest.raises(SourceUnavailable) as info:
        gather(source(http_server.url("/oai")))
    assert "oai-test" in str(info.value) and "verb=ListRecords" in str(info.value)


def test_entity_attack_is_refused(http_server) -> None:
    http_server.add("/oai", b'<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&x;</OAI-PMH>', content_type=XML)
    with pytest.raises(SourceProtocolError) as info:
        gather(source(http_server.url("/oai")))
    assert "entities" in str(info.value)


def test_from_option_alias_through_config(http_server) -> None:
    src = build_source("oai-cfg", "oai-pmh", "http://repo.example.id/oai", {"from": "2024-01-01", "set_spec": "x"},
                       HttpClient())
    assert isinstance(src, OaiPmhSource) and src.options.from_ == "2024-01-01"
    with pytest.raises(ConfigError):
        build_source("oai-cfg", "oai-pmh", "http://repo.example.id/oai", {"verb": "GetRecord"}, HttpClient())


# ---------------------------------------------------------------------------- ListIdentifiers + GetRecord
def test_list_identifiers_then_get_record(http_server, shared_data) -> None:
    folder = shared_data / "oai_pmh"
    http_server.add_file("/oai", folder / "sickle_ListIdentifiers.xml", XML, query={"verb": "ListIdentifiers",
                                                                                     "metadataPrefix": "oai_dc"})
    http_server.add_file("/oai", folder / "sickle_ListIdentifiers2.xml", XML,
                         query={"resumptionToken": "ListIdentifiers2.xml"})
    http_server.add_file("/oai", folder / "sickle_GetRecord.xml", XML, query={"verb": "GetRecord"})
    http_server.add_file("/oai", folder / "sickle_idDoesNotExist.xml", XML,
                         query={"verb": "GetRecord", "identifier": "oai:missing"})
    src = source(http_server.url("/oai"), verb="ListIdentifiers")
    refs, ctx = gather(src)
    assert [(r.remote_id, r.deleted) for r in refs] == [("oai:test.example.com::1585310", False),
                                                      ("oai:test.example.com::1585576", True)] * 2
    assert all(r.payload is None for r in refs) and ctx.complete
    record = src.fetch(refs[0])
    assert etree.fromstring(record.content).tag == OAI + "record"
    get = [q for q in queries(http_server) if q["verb"] == ["GetRecord"]][0]
    assert get == {"verb": ["GetRecord"], "identifier": ["oai:test.example.com::1585310"], "metadataPrefix": ["oai_dc"]}
    with pytest.raises(RecordSkipped):
        src.fetch(refs[1])
    with pytest.raises(RecordInvalid) as info:
        src.fetch(RemoteRef(remote_id="oai:missing"))
    assert info.value.code == "idDoesNotExist"


# ---------------------------------------------------------------------------- every sample
# (how the source reads the file, refs expected, listing complete?) from reading each file;
# a string instead of a count is the OAI error code / message part the refusal must name.
LR, LI, GR = "ListRecords", "ListIdentifiers", "GetRecord"
SAMPLES: dict[str, tuple[str, Any, bool]] = {
    "kata_csc-ida_getrecord_oai_dc_extended.xml": (GR, 1, True),
    "kata_helda-helsinki_getrecord_oai_dc.xml": (GR, 1, True),
    "kata_kielipankki-clarin_getrecord_cmdi.xml": (GR, 1, True),
    "kata_spec-example_listidentifiers.xml": (LI, 4, False),  # token "xxx45abttyz" leads nowhere here
    "pycsw_oaipmh_GetRecord_oai_dc.xml": (GR, 1, True),
    "pycsw_oaipmh_Identify.xml": (LR, "no ListRecords element", False),
    "pycsw_oaipmh_ListIdentifiers_oai_dc.xml": (LI, 10, False),  # token "11" leads nowhere here
    "pycsw_oaipmh_ListMetadataFormats.xml": (LR, "no ListRecords element", False),
    "pycsw_oaipmh_ListRecords_datacite.xml": (LR, 10, False),
    "pycsw_oaipmh_ListRecords_dc_bad_metadata_prefix.xml": (LR, "badArgument", False),
    "pycsw_oaipmh_ListRecords_iso19139.xml": (LR, 10, False),
    "pycsw_oaipmh_ListSets.xml": (LR, "no ListRecords element", False),
    "pycsw_oaipmh_bad_verb.xml": (LR, "badArgument", False),
    "sickle_GetRecord.xml": (GR, 1, True),
    "sickle_GetRecord_utf8test.xml": (GR, 1, True),
    "sickle_Identify.xml": (LR, "no ListRecords element", False),
    "sickle_ListIdentifiers.xml": (LI, 2, False),
    "sickle_ListIdentifiers2.xml": (LI, 2, True),
    "sickle_ListMetadataFormats.xml": (LR, "no ListRecords element", False),
    "sickle_ListRecords.xml": (LR, 2, False),
    "sickle_ListRecords2.xml": (LR, 2, False),
    "sickle_ListRecords3.xml": (LR, 2, False),
    "sickle_ListRecords4.xml": (LR, 1, True),
    "sickle_ListRecordsBroken.xml": (LR, "not well-formed", False),
    "sickle_ListSets.xml": (LR, "no ListRecords element", False),
    "sickle_badArgument.xml": (LR, "badArgument", False),
    "sickle_badResumptionToken.xml": (LR, "badResumptionToken", False),
    "sickle_cannotDisseminateFormat.xml": (LR, "cannotDisseminateFormat", False),
    "sickle_idDoesNotExist.xml": (LR, "idDoesNotExist", False),
    "sickle_noRecordsMatch.xml": (LR, 0, True),
    "sickle_noSetHierarchy.xml": (LR, "noSetHierarchy", False),
    "sickle_undefinedError.xml": (LR, "undefinedError", False),
}


@pytest.fixture(scope="module")
def sample_server(shared_data) -> Iterator[RecordedServer]:
    server = RecordedServer().start()
    for path in (shared_data / "oai_pmh").glob("*.xml"):
        base = f"/s/{path.name}/oai"
        if SAMPLES.get(path.name, (None,))[0] == GR:
            server.add_file(base, FIXTURES / "listidentifiers_single.xml", XML, query={"verb": LI})
            server.add_file(base, path, XML, query={"verb": GR})
        else:
            server.add_file(base, path, XML, query={"metadataPrefix": "oai_dc"})
    yield server
    server.stop()


def test_sample_table_covers_the_folder(shared_data) -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in (shared_data / "oai_pmh").glob("*.xml"))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample(sample_server, name: str) -> None:
    how, expected, complete = SAMPLES[name]
    src = source(sample_server.url(f"/s/{name}/oai"), verb=LR if how == LR else LI)
    if isinstance(expected, str):
        with pytest.raises(SourceProtocolError) as info:
            gather(src)
        assert expected in str(info.value) and "oai-test" in str(info.value) and name in str(info.value)
        return
    refs, ctx = gather(src)
    if how == GR:
        records = [src.fetch(r) for r in refs]
        assert [etree.fromstring(r.content).tag for r in records] == [OAI + "record"]
    assert len(refs) == expected and ctx.complete is complete
    assert all(r.remote_id for r in refs)
