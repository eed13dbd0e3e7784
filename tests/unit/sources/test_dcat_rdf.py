"""The dcat-rdf source against a real local HTTP server: samples, Hydra paging, failures, safety."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.sources.base import GatherContext
from harvester.sources.dcat_rdf import DcatRdfOptions, DcatRdfSource
from harvester.sources.rdf_parse import RdfError, detect_format
from tests.support.httpserver import Request, Scripted

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "dcat_rdf"
MEDIA = {".ttl": "text/turtle", ".rdf": "application/rdf+xml", ".jsonld": "application/ld+json",
         ".nt": "application/n-triples"}
DCT = "http://purl.org/dc/terms/"

# Datasets per sample, counted by reading each file (rdf:type dcat:Dataset / dcat:DatasetSeries
# nodes, plus untyped nodes listed with dcat:dataset), or the reason it must be refused.
EXPECTED: dict[str, int | str] = {
    "ckanext-dcat_afs_minimal_dataset.ttl": 1,
    "ckanext-dcat_catalog.rdf": 2,
    "ckanext-dcat_catalog_datasets_list.rdf": 2,
    "ckanext-dcat_catalog_with_at_graph.jsonld": 1,
    "ckanext-dcat_data-london-gov-uk_deri_dataset.ttl": 1,
    "ckanext-dcat_dataset_multilingual.ttl": 1,
    "ckanext-dcat_datos-gob-es_madrid_dataset.ttl": 1,
    "ckanext-dcat_full_dataset.rdf": 1,
    "ckanext-dcat_full_dcat-ap_dataset.ttl": "prefix healthdcatap: has not been declared",
    "ckanext-dcat_healthdcat-ap_dataset.ttl": 1,
    "semic_dcat-ap-2.1.1_example1.nt": 1,
    "semic_dcat-ap-2.1.1_example2.nt": 1,
    "semic_dcat-ap-3.0.1_context.jsonld": "Inconsistent expansion",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-api.jsonld": "remote document",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-api.ttl": "not allowed at the beginning of a prefix",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-combined.jsonld": "remote document",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-combined.ttl": "not allowed at the beginning",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-spatial-thessaloniki-athens.jsonld":
        "remote document",
    "semic_dcat-ap-3.0.1_example-bee-population-dataset-series-spatial-thessaloniki-athens.ttl": 3,
    "semic_dcat-ap-3.0.1_example-bee-populaton-2022-2023.jsonld": 2,
    "semic_dcat-ap-3.0.1_example-bee-populaton-2022-2023.ttl": 2,
    "semic_dcat-ap-hvd-3.0.0_example-bees_wasps_dataset.ttl": "A dot is expected",
    "semic_dcat-ap-hvd-3.0.0_example-ms_catalogue_hvd.ttl": 1,
    "semic_dcat-ap-hvd-3.0.0_example-ms_dataset_hvd_profile.ttl": 1,
    "udata_catalog_basic.rdf": 4,
    "udata_catalog_blank-nodes.jsonld": 3,
    "udata_catalog_blank-nodes.rdf": 3,
    "udata_catalog_flat.jsonld": 3,
    "udata_catalog_nested.jsonld": 1,
    "udata_datara-fr_dataset_1.rdf": 1,
    "udata_datara-fr_dataset_2.rdf": 1,
    "udata_geonetwork-sig-oreme_records.rdf": 1,
    "w3c_dcat3_basic-example.jsonld": 1,
    "w3c_dcat3_basic-example.rdf": 1,
    "w3c_dcat3_basic-example.ttl": 1,
    "w3c_dcat3_eea-csw.ttl": 0,  # a catalogue of one dcat:DataService
    "w3c_dcat3_ga-courts.ttl": 1,
    "w3c_dcat3_genoa-busstop.jsonld": 1,
    "w3c_dcat3_identifier-types.ttl": 4,  # <https://dcat.example.org/id> and ex:id are one node
    "w3c_dcat3_series-releases.ttl": 4,
    "w3c_dcat3_series-versions.ttl": 6,
    "w3c_dcat3_spatial-properties.ttl": 5,
    "w3c_dcat3_temporal-properties.ttl": 8,
}


def make(server_or_url: Any, *, sleep=None, policy: HttpPolicy | None = None, **options: Any) -> DcatRdfSource:
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url("/catalog")
    http = HttpClient(policy or HttpPolicy(retries=0, backoff=0.01, read_timeout=5), sleep=sleep or (lambda s: None))
    return DcatRdfSource("prov", DcatRdfOptions(url=url, **options), http)


def ctx(**kw: Any) -> GatherContext:
    cursors: list[dict[str, Any]] = []
    context = GatherContext(source_id="prov", on_page=cursors.append, **kw)
    context.cursors = cursors  # type: ignore[attr-defined]
    return context


def graph(payload: bytes) -> set[tuple[str, str, str]]:
    """Parse a payload strictly as N-Triples (it must be valid) into string triples."""
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(payload, ox.RdfFormat.N_TRIPLES)}


def values(payload: bytes, subject: str, predicate: str) -> list[str]:
    return sorted(o for s, p, o in graph(payload) if s == subject and p == predicate)


# -- acceptance over the shared samples ----------------------------------------------------------

def test_every_sample_is_listed(shared_data: Path) -> None:
    """The expectations table covers every sample (except the Hydra pages, tested below)."""
    names = {p.name for p in (shared_data / "dcat_rdf").iterdir() if not p.name.startswith("udata_hydra_")}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_sample(name: str, http_server, shared_data: Path) -> None:
    path = shared_data / "dcat_rdf" / name
    http_server.add_file("/catalog" + path.suffix, path, MEDIA[path.suffix])
    source = make(http_server.url("/catalog" + path.suffix))
    context = ctx()
    expected = EXPECTED[name]
    if isinstance(expected, str):
        with pytest.raises(SourceProtocolError) as err:
            list(source.gather(context))
        assert expected in str(err.value) and "/catalog" in str(err.value) and "prov" in str(err.value)
        return
    refs = list(source.gather(context))
    assert len(refs) == expected
    for ref in refs:
        focus = dict(ref.meta)["focus"]
        triples = graph(ref.payload)  # valid N-Triples
        assert f"<{focus}>" in {s for s, _, _ in triples}
        assert ref.media_type == "application/n-triples" and ref.url == http_server.url("/catalog" + path.suffix)
    assert len({r.remote_id for r in refs}) == len(refs)


def test_geonetwork_broken_iris_are_repaired(http_server, shared_data: Path) -> None:
    http_server.add_file("/catalog", shared_data / "dcat_rdf" / "udata_geonetwork-sig-oreme_records.rdf",
                         "application/rdf+xml")
    [ref] = list(make(http_server).gather(ctx()))
    assert " " not in ref.remote_id and "%20https" in ref.remote_id


# -- Hydra paging ----------------------------------------------------------------------------------

@pytest.mark.parametrize("design", ["paged-collection", "partial-collection"])
def test_hydra_paging_both_vocabularies(design: str, http_server, shared_data: Path) -> None:
    for n in (1, 2):
        body = (shared_data / "dcat_rdf" / f"udata_hydra_{design}_page{n}.jsonld").read_bytes()
        body = body.replace(b"http://data.test.org/catalog.jsonld", http_server.url("/catalog.jsonld").encode())
        http_server.add("/catalog.jsonld", body, content_type="application/ld+json", query={"page": str(n)})
    context = ctx()
    refs = list(make(http_server.url("/catalog.jsonld?page=1")).gather(context))
    assert [r.remote_id for r in refs] == [f"http://data.test.org/datasets/{n}" for n in (1, 2, 3, 4)]
    assert refs[3].url == http_server.url("/catalog.jsonld?page=2")
    assert context.complete and [r.query["page"] for r in http_server.requests] == [["1"], ["2"]]
    assert context.cursors == [{"next": http_server.url("/catalog.jsonld?page=2"), "page": 1},  # type: ignore
                               {"next": None, "page": 2}]


def _hydra_page(server, n: int, next_n: int | None, datasets: list[str], *, publisher: bool = False) -> bytes:
    base = server.url("/catalog")
    nxt = f"hydra:next <{base}?page={next_n}> ;" if next_n else ""
    pub = "; dct:publisher <http://example.go.id/org/kominfo>" if publisher else ""
    pub += "; dcat:dataset " + ", ".join(f"<http://example.go.id/ds/{d}>" for d in datasets)
    body = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <{DCT}> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{base}?page={n}> a hydra:PartialCollectionView ; {nxt} hydra:first <{base}?page=1> .
<http://example.go.id/catalog> a dcat:Catalog {pub} .
<http://example.go.id/org/kominfo> foaf:name "Kominfo" .
""" + "".join(f'<http://example.go.id/ds/{d}> a dcat:Dataset ; dct:title "{d}" .\n' for d in datasets)
    return body.encode()


def test_resume_limit_and_cross_page_inheritance(http_server) -> None:
    http_server.add("/catalog", _hydra_page(http_server, 1, 2, ["a", "b"], publisher=True), query={"page": "1"},
                    content_type="text/turtle")
    http_server.add("/catalog", _hydra_page(http_server, 2, 3, ["c"]), query={"page": "2"}, content_type="text/turtle")
    http_server.add("/catalog", _hydra_page(http_server, 3, None, ["d"]), query={"page": "3"},
                    content_type="text/turtle")
    start = http_server.url("/catalog?page=1")

    refs = list(make(start).gather(ctx()))
    assert [r.remote_id.rsplit("/", 1)[1] for r in refs] == ["a", "b", "c", "d"]
    # page 3's catalogue (listing d) has no publisher: page 1's is inherited, with its description
    assert values(refs[3].payload, "<http://example.go.id/ds/d>", f"<{DCT}publisher>") == [
        "<http://example.go.id/org/kominfo>"]
    assert '"Kominfo"' in refs[3].payload.decode()

    http_server.requests.clear()
    context = ctx(max_items=2)
    assert len(list(make(start).gather(context))) == 2
    assert len(http_server.requests) == 1 and not context.complete

    http_server.requests.clear()
    refs = list(make(start).gather(ctx(resume={"next": http_server.url("/catalog?page=3"), "page": 2})))
    assert [r.remote_id.rsplit("/", 1)[1] for r in refs] == ["d"]
    assert [r.query["page"] for r in http_server.requests] == [["3"]]


def test_repeated_page_and_self_link_stop_paging(http_server) -> None:
    page2 = _hydra_page(http_server, 2, 3, ["b"])
    http_server.add("/catalog", _hydra_page(http_server, 1, 2, ["a"]), query={"page": "1"}, content_type="text/turtle")
    http_server.add("/catalog", page2, query={"page": "2"}, content_type="text/turtle")
    http_server.add("/catalog", page2, query={"page": "3"}, content_type="text/turtle")
    context = ctx()
    refs = list(make(http_server.url("/catalog?page=1")).gather(context))
    assert len(refs) == 2 and len(http_server.requests) == 3
    assert [i.code for i in context.issues] == ["GATHER-REPEATED-PAGE"] and context.complete

    http_server.add("/self", _hydra_page(http_server, 1, 1, ["a"]).replace(b"/catalog", b"/self"),
                    content_type="text/turtle")
    context = ctx()
    assert len(list(make(http_server.url("/self?page=1")).gather(context))) == 1
    assert [i.code for i in context.issues] == ["GATHER-REPEATED-PAGE"]


def test_later_page_failure_keeps_earlier_records_and_marks_incomplete(http_server) -> None:
    http_server.add("/catalog", _hydra_page(http_server, 1, 2, ["a"]), query={"page": "1"}, content_type="text/turtle")
    http_server.add("/catalog", b"@prefix broken", query={"page": "2"}, content_type="text/turtle")
    context = ctx()
    refs = list(make(http_server.url("/catalog?page=1")).gather(context))
    assert len(refs) == 1 and not context.complete
    assert context.issues[0].code == "GATHER-PAGE-FAILED" and "page=2" in context.issues[0].location


def test_unchanged_pages_are_not_parsed_and_paging_goes_on(http_server) -> None:
    def etagged(body: bytes, etag: str):
        def handle(req: Request) -> Scripted:
            if req.headers.get("If-None-Match") == etag:
                return Scripted(b"", 304, {"ETag": etag})
            return Scripted(body, 200, {"ETag": etag, "Content-Type": "text/turtle"})
        return handle

    http_server.add("/catalog", handler=etagged(_hydra_page(http_server, 1, 2, ["a"]), '"1"'), query={"page": "1"})
    http_server.add("/catalog", handler=etagged(_hydra_page(http_server, 2, None, ["b"]), '"2"'),
                    query={"page": "2"})
    first = ctx()
    assert len(list(make(http_server.url("/catalog?page=1")).gather(first))) == 2
    http_server.requests.clear()
    second = ctx(validators=first.validators)
    assert list(make(http_server.url("/catalog?page=1")).gather(second)) == []
    assert second.unchanged_pages == [http_server.url("/catalog?page=1"), http_server.url("/catalog?page=2")]
    assert len(http_server.requests) == 2 and second.complete


# -- records ---------------------------------------------------------------------------------------

def test_subgraph_inheritance_untyped_and_series(http_server) -> None:
    http_server.add_file("/catalog", FIXTURES / "catalog_inherit.ttl", "text/turtle")
    refs = {r.remote_id.rsplit("/", 1)[1]: r for r in make(http_server).gather(ctx())}
    assert sorted(refs) == ["a", "b", "series", "untyped"]  # the data service is not a record
    a, b = refs["a"].payload, refs["b"].payload
    assert values(a, "<http://example.go.id/ds/a>", f"<{DCT}publisher>") == ["<http://example.go.id/org/diskominfo>"]
    assert '"Diskominfo Kota Contoh"' in a.decode()
    assert values(a, "<http://example.go.id/ds/a>", f"<{DCT}license>") == [
        "<http://publications.europa.eu/resource/authority/licence/CC_BY_4_0>"]
    # the series link is kept, the series' own description is not pulled into the member
    assert "<http://www.w3.org/ns/dcat#inSeries> <http://example.go.id/ds/series>" in a.decode()
    assert "Deret waktu" not in a.decode()
    # own values win over the catalogue's
    assert values(b, "<http://example.go.id/ds/b>", f"<{DCT}publisher>") == ["<http://example.go.id/org/bps>"]
    assert values(b, "<http://example.go.id/ds/b>", f"<{DCT}language>") == [
        "<http://publications.europa.eu/resource/authority/language/ENG>"]
    assert "Diskominfo" not in b.decode()
    assert refs["a"].modified == "2024-01-05"

    without_series = [r.remote_id for r in make(http_server, include_series=False).gather(ctx())]
    assert "http://example.go.id/ds/series" not in without_series and len(without_series) == 3


def test_blank_node_datasets_get_stable_identities_and_bytes(http_server) -> None:
    http_server.add_file("/catalog", FIXTURES / "blank_datasets.ttl", "text/turtle")
    context = ctx()
    first = list(make(http_server).gather(context))
    again = list(make(http_server).gather(ctx()))
    by_id = {r.remote_id: r for r in first}
    assert sorted((r.remote_id, r.id_is_fallback) for r in first if not r.remote_id.startswith("sha256:")) == [
        ("Luas Panen Padi", True), ("ds-001", False)]
    assert sum(r.remote_id.startswith("sha256:") and r.id_is_fallback for r in first) == 1
    assert [r.payload for r in first] == [r.payload for r in again]  # parser bnode labels do not leak
    focus = dict(by_id["ds-001"].meta)["focus"]
    assert focus.startswith("urn:uuid:") and focus == dict(again[0].meta)["focus"]
    payload = by_id["ds-001"].payload.decode()
    assert "penduduk.csv" in payload and "Dinas Kependudukan" in payload and "_:" in payload
    # the other blank dataset refers to ds-001 by its skolem IRI
    assert f"<{focus}>" in by_id["Luas Panen Padi"].payload.decode()


# -- failures ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["billion_laughs.rdf", "xxe.rdf"])
def test_xml_entities_are_refused_without_expanding(name: str, http_server) -> None:
    http_server.add_file("/catalog", FIXTURES / name, "application/rdf+xml")
    with pytest.raises(SourceProtocolError, match="declares entities"):
        list(make(http_server).gather(ctx()))
    assert len(http_server.requests) == 1  # no fetch of the external entity either


def test_malformed_turtle_names_url_and_line(http_server) -> None:
    http_server.add_file("/catalog", FIXTURES / "broken.ttl", "text/turtle")
    with pytest.raises(SourceProtocolError, match=r"cannot read turtle page: .*line 3") as err:
        list(make(http_server).gather(ctx()))
    assert err.value.url == http_server.url("/catalog")


def test_html_instead_of_rdf(http_server) -> None:
    http_server.add("/catalog", "<!DOCTYPE html><html><head><title>Login</title></head></html>",
                    content_type="text/html")
    with pytest.raises(SourceProtocolError, match="expected RDF but got an HTML page"):
        list(make(http_server).gather(ctx()))


def test_invalid_utf8_is_a_protocol_error(http_server) -> None:
    http_server.add("/catalog", b'<http://e.org/d> a <http://www.w3.org/ns/dcat#Dataset> ; '
                    b'<http://purl.org/dc/terms/title> "Caf\xe9" .', content_type="text/turtle")
    with pytest.raises(SourceProtocolError, match="(?i)utf-8"):
        list(make(http_server).gather(ctx()))


def test_network_failures(http_server) -> None:
    http_server.add("/slow", b"", delay=1.0)
    with pytest.raises(SourceUnavailable):
        list(make(http_server.url("/slow"), policy=HttpPolicy(retries=0, read_timeout=0.2)).gather(ctx()))
    http_server.add("/cut", b"<a> <b> <c> .", truncate=True)
    with pytest.raises(SourceUnavailable, match="truncated"):
        list(make(http_server.url("/cut")).gather(ctx()))
    http_server.add("/busy", "", status=503, headers={"Retry-After": "3"})
    http_server.add("/busy", b"", content_type="text/turtle")
    sleeps: list[float] = []
    refs = list(make(http_server.url("/busy"), sleep=sleeps.append,
                     policy=HttpPolicy(retries=2, backoff=0.01)).gather(ctx()))
    assert refs == [] and sleeps == [3.0]


def test_empty_document_is_refused(http_server) -> None:
    http_server.add("/catalog", b"  \n", content_type="application/octet-stream")
    with pytest.raises(SourceProtocolError, match="empty document"):
        list(make(http_server).gather(ctx()))


# -- format detection --------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "content_type", "url", "expected"), [
    (b"@prefix x: <http://x/> .", "text/turtle; charset=utf-8".split(";")[0], "", "turtle"),
    (b"{}", "application/ld+json", "", "json-ld"),
    (b"<rdf:RDF/>", "application/octet-stream", "http://x/catalog.rdf", "xml"),
    (b"<http://a> <http://b> <http://c> .", "application/octet-stream", "http://x/dump", "turtle"),
    (b'<?xml version="1.0"?><rdf:RDF/>', "", "http://x/catalog", "xml"),
    (b'  [{"@id": "x"}]', "text/plain", "http://x/feed", "json-ld"),
    (b"PREFIX dcat: <http://www.w3.org/ns/dcat#>", "", "", "turtle"),
    (b"x", "text/n3", "", "n3"),
    (b"x", "application/n-triples", "", "nt"),
])
def test_detect_format(content: bytes, content_type: str, url: str, expected: str) -> None:
    assert detect_format(content, content_type=content_type, url=url) == expected


def test_detect_format_refuses_html_even_with_rdf_content_type() -> None:
    with pytest.raises(RdfError, match="HTML"):
        detect_format(b"<!doctype html><html></html>", content_type="application/rdf+xml")
