"""SchemaOrgSource against a real local HTTP server serving landing pages, JSON-LD and sitemaps."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from harvester.errors import ConfigError, SourceProtocolError, SourceUnavailable
from harvester.http import HttpClient, HttpPolicy
from harvester.model.record import RemoteRef
from harvester.pipeline.assembly import build_source
from harvester.sources.base import GatherContext
from harvester.sources.schemaorg import SchemaOrgOptions, SchemaOrgSource, loads_lenient, normalise_id
from tests.support.httpserver import RecordedServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "schemaorg"
HTML = "text/html; charset=utf-8"


def source(policy: HttpPolicy | None = None, **options: Any) -> SchemaOrgSource:
    return SchemaOrgSource("sdo-test", SchemaOrgOptions(**options), HttpClient(policy or HttpPolicy(retries=0)))


def gather(src: SchemaOrgSource, ctx: Optional[GatherContext] = None) -> tuple[list[RemoteRef], GatherContext]:
    ctx = ctx or GatherContext(source_id=src.source_id)
    return list(src.gather(ctx)), ctx


def body(ref: RemoteRef) -> dict[str, Any]:
    assert ref.payload is not None and ref.media_type == "application/ld+json"
    return json.loads(ref.payload)


# ---------------------------------------------------------------------------- single pages
def test_graph_dataset_gets_context_url_and_doi_id(http_server) -> None:
    http_server.add_file("/dataset/penduduk", FIXTURES / "dataset_graph.html", HTML)
    page = http_server.url("/dataset/penduduk")
    refs, ctx = gather(source(url=page))
    assert len(refs) == 1 and ctx.complete
    ref = refs[0]
    assert ref.remote_id == "https://doi.org/10.5072/BLITAR.2023.001"
    assert ref.url == page and ref.modified == "2024-02-01" and not ref.id_is_fallback
    data = body(ref)
    assert data["@context"] == {"@vocab": "https://schema.org/", "dct": "http://purl.org/dc/terms/"}
    assert data["url"] == page
    assert data["name"] == "Jumlah Penduduk Kota Blitar Menurut Kecamatan"
    assert ctx.issues == []  # 'schema:Dataset' is a normal spelling


def test_lenient_blocks(http_server) -> None:
    http_server.add_file("/dataset/aps", FIXTURES / "lenient_blocks.html", HTML)
    page = http_server.url("/dataset/aps")
    refs, ctx = gather(source(url=page))
    assert [r.remote_id for r in refs] == [page + "#dataset", http_server.url("/dataset/ipm")]
    first = body(refs[0])
    assert first["name"] == "Angka Partisipasi\x07Sekolah"
    assert first["keywords"] == ["pendidikan", "sekolah"]
    assert "<!-- komentar -->" in first["description"]  # comment markers inside strings are data
    assert first["url"] == "https://data.blitarkota.go.id/dataset/aps"  # kept, not replaced by the page URL
    bad = [i for i in ctx.issues if i.code == "SCHEMAORG-BAD-JSONLD"]
    assert len(bad) == 1 and "block 4" in bad[0].message and bad[0].severity.value == "warning"
    assert ctx.complete  # the page still produced Datasets


def test_catalog_datasets_ids_and_duplicates(http_server) -> None:
    http_server.add_file("/katalog", FIXTURES / "catalog.html", HTML)
    page = http_server.url("/katalog")
    refs, ctx = gather(source(url=page))
    assert [(r.remote_id, r.id_is_fallback) for r in refs] == [
        ("https://doi.org/10.5072/a-1", False),
        ("https://doi.org/10.5072/B-2", False),  # md5 PropertyValue skipped
        (page, False),
        (page + "#dataset-4", True),
    ]
    assert body(refs[0])["@context"] == "http://schema.org/"
    assert [i.code for i in ctx.issues] == ["SCHEMAORG-DUPLICATE"]


def test_utf8_page_without_charset_declaration(http_server) -> None:
    page = ('<html><head><script type="application/ld+json">{"@type": "Dataset", "@id": "urn:x:1", '
            '"name": "Luas Wilayah – Kecamatan Sananwetan"}</script></head></html>')
    http_server.add("/p", page.encode("utf-8"), content_type="text/html")
    refs, _ = gather(source(url=http_server.url("/p")))
    assert body(refs[0])["name"] == "Luas Wilayah – Kecamatan Sananwetan"
    assert body(refs[0])["@context"] == "https://schema.org/"


def test_page_without_dataset_is_a_warning(http_server) -> None:
    http_server.add_file("/tentang", FIXTURES / "no_dataset.html", HTML)
    refs, ctx = gather(source(url=http_server.url("/tentang")))
    assert refs == [] and ctx.complete
    assert [(i.code, i.severity.value) for i in ctx.issues] == [("SCHEMAORG-NO-DATASET", "warning")]


def test_single_page_failure_raises(http_server) -> None:
    http_server.add("/dataset/x", "no", status=503)
    with pytest.raises(SourceUnavailable) as info:
        gather(source(url=http_server.url("/dataset/x")))
    assert "sdo-test" in str(info.value) and "/dataset/x" in str(info.value)


def test_conditional_get_skips_unchanged_page(http_server) -> None:
    http_server.add_file("/d", FIXTURES / "dataset_graph.html", HTML,
                         headers={"Last-Modified": "Wed, 01 May 2024 08:00:00 GMT"})
    http_server.add("/d", b"", status=304)
    src = source(url=http_server.url("/d"))
    _, ctx = gather(src)
    refs, ctx2 = gather(src, GatherContext(source_id="sdo-test", validators=ctx.validators))
    assert refs == [] and ctx2.unchanged_pages == [http_server.url("/d")]
    assert http_server.requests[1].headers.get("If-Modified-Since") == "Wed, 01 May 2024 08:00:00 GMT"


# ---------------------------------------------------------------------------- lists and sitemaps
def serve_site(server: Any) -> None:
    base = server.base_url.encode()
    server.add("/sitemap.xml", (FIXTURES / "sitemap_index.xml").read_bytes().replace(b"SERVER", base),
               content_type="application/xml")
    server.add("/sitemap-datasets.xml", (FIXTURES / "sitemap_datasets.xml").read_bytes().replace(b"SERVER", base),
               content_type="application/xml")
    server.add("/sitemap-more.xml.gz", gzip.compress((FIXTURES / "sitemap_more.xml").read_bytes()
                                                     .replace(b"SERVER", base)), content_type="application/gzip")
    server.add_file("/dataset/penduduk", FIXTURES / "dataset_graph.html", HTML)
    server.add_file("/dataset/aps", FIXTURES / "lenient_blocks.html", HTML)
    server.add_file("/dataset/katalog", FIXTURES / "catalog.html", HTML)
    server.add_file("/tentang", FIXTURES / "no_dataset.html", HTML)


def test_sitemap_index_with_gzip_and_include_filter(http_server) -> None:
    serve_site(http_server)
    cursors: list[dict[str, Any]] = []
    src = source(sitemap=http_server.url("/sitemap.xml"), include=r"/dataset/")
    refs, ctx = gather(src, GatherContext(source_id="sdo-test", on_page=cursors.append))
    assert len(refs) == 1 + 2 + 4  # penduduk, aps (2 Datasets), katalog (4 after its duplicate)
    assert http_server.hits("/tentang") == 0 and http_server.hits("/dataset/penduduk") == 1  # listed twice
    assert cursors[-1] == {"next": 3}
    assert ctx.complete


def test_sitemap_depth_limit(http_server) -> None:
    serve_site(http_server)
    ctx = GatherContext(source_id="sdo-test")
    with pytest.raises(SourceProtocolError):  # index only: nested sitemaps not read, so no pages at all
        gather(source(sitemap=http_server.url("/sitemap.xml"), sitemap_depth=0), ctx)
    assert [i.code for i in ctx.issues] == ["SCHEMAORG-SITEMAP-DEPTH"] * 2 and not ctx.complete
    assert http_server.hits("/sitemap-datasets.xml") == 0


def test_url_list_failure_is_per_page_and_limit_stops_fetching(http_server) -> None:
    serve_site(http_server)
    http_server.add("/dataset/gone", "gone", status=404)
    urls = [http_server.url(p) for p in ("/dataset/gone", "/dataset/penduduk", "/dataset/aps", "/dataset/katalog")]
    refs, ctx = gather(source(urls=urls))
    assert len(refs) == 7 and not ctx.complete
    failed = [i for i in ctx.issues if i.code == "SCHEMAORG-PAGE"]
    assert len(failed) == 1 and failed[0].location == urls[0] and "404" in failed[0].message
    http_server.requests.clear()
    refs, ctx = gather(source(urls=urls[1:]), GatherContext(source_id="sdo-test", max_items=2))
    assert len(refs) == 2 and not ctx.complete
    assert [r.path for r in http_server.requests] == ["/dataset/penduduk", "/dataset/aps"]


def test_resume_skips_done_pages(http_server) -> None:
    serve_site(http_server)
    urls = [http_server.url(p) for p in ("/dataset/penduduk", "/dataset/aps", "/dataset/katalog")]
    refs, _ = gather(source(urls=urls), GatherContext(source_id="sdo-test", resume={"next": 2}))
    assert len(refs) == 4 and [r.path for r in http_server.requests] == ["/dataset/katalog"]


def test_all_listed_pages_failing_raises(http_server) -> None:
    http_server.add("/a", "x", status=500)
    http_server.add("/b", "x", status=500)
    with pytest.raises(SourceUnavailable):
        gather(source(urls=[http_server.url("/a"), http_server.url("/b")]))


def test_broken_top_sitemap_raises_and_empty_one_is_refused(http_server) -> None:
    http_server.add("/sitemap.xml", "<urlset><url>", content_type="application/xml")
    with pytest.raises(SourceProtocolError) as info:
        gather(source(sitemap=http_server.url("/sitemap.xml")))
    assert "sitemap" in str(info.value)
    http_server.add("/empty.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
                    content_type="application/xml")
    with pytest.raises(SourceProtocolError) as info:
        gather(source(sitemap=http_server.url("/empty.xml")))
    assert "no page URLs" in str(info.value)


def test_options_need_exactly_one_origin() -> None:
    with pytest.raises(ConfigError):
        build_source("s", "schemaorg", "http://x/a", {"sitemap": "http://x/s.xml"}, HttpClient())
    with pytest.raises(ConfigError):
        build_source("s", "schemaorg", "http://x/a", {"include": "("}, HttpClient())
    assert isinstance(build_source("s", "schemaorg", "http://x/a", {}, HttpClient()), SchemaOrgSource)


# ---------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("raw,expected", [
    ("doi:10.5072/ABC", "https://doi.org/10.5072/ABC"),
    ("https://dx.doi.org/10.5072/x.y", "https://doi.org/10.5072/x.y"),
    ("http://doi.org/10.5072/x", "https://doi.org/10.5072/x"),
    ("10.5072/plain", "https://doi.org/10.5072/plain"),
    ("info:doi/10.5072/i", "https://doi.org/10.5072/i"),
    ("ark:/99999/fk4", "ark:/99999/fk4"),
    ("https://data.example.id/dataset/1", "https://data.example.id/dataset/1"),
])
def test_normalise_id(raw: str, expected: str) -> None:
    assert normalise_id(raw) == expected


def test_loads_lenient_keeps_strings_intact() -> None:
    text = '{"a": "http://x//y, ]", // c\n "b": [1, 2,], /* d */ "c": "-->",}'
    assert loads_lenient(text) == {"a": "http://x//y, ]", "b": [1, 2], "c": "-->"}
    with pytest.raises(ValueError):
        loads_lenient('{"a": }')


# ---------------------------------------------------------------------------- every sample
# Datasets per file, from reading each file (top level, list items and @graph; nested objects
# such as a licence typed 'Dataset' inside a Dataset do not count).
SAMPLES = {
    "bolognese-vcr_harvard-dataverse_dataset-landing-page_2021.html": ["https://doi.org/10.7910/DVN/NJ7XSO"],
    "bolognese-vcr_zenodo_record-landing-page_2021.html": ["https://doi.org/10.5281/zenodo.1196821"],
    "bolognese_schema_org_geolocation.jsonld": ["https://doi.org/10.6071/z7wc73"],
    "bolognese_schema_org_geoshape.jsonld": ["https://doi.org/10.1594/PANGAEA.842237"],
    "bolognese_schema_org_gtex.jsonld": ["https://doi.org/10.25491/d50j-3083"],
    "bolognese_schema_org_list.jsonld": 214,
    "bolognese_schema_org_tdl_iodp_invalid_authors.jsonld": ["PAGE"],  # 'DataSet', no id: page URL
    "bolognese_schema_org_topmed.jsonld": ["https://doi.org/10.23725/8na3-9s47"],
    "bolognese_schema_org_type_as_array.jsonld": [],  # a BlogPosting
    "extruct_JSONLD_with_JS_comment.html": [],  # NewsArticle
    "extruct_JSONLD_with_control_characters_comment.html": [],  # no @type
    "extruct_null_ld_mock.html": [],  # LocalBusiness, Review and nulls
}


@pytest.fixture(scope="module")
def sample_server(shared_data) -> Iterator[RecordedServer]:
    server = RecordedServer().start()
    for path in (shared_data / "schemaorg_html").iterdir():
        kind = "application/ld+json" if path.suffix == ".jsonld" else HTML
        server.add_file(f"/s/{path.name}", path, kind)
    yield server
    server.stop()


def test_sample_table_covers_the_folder(shared_data) -> None:
    assert sorted(SAMPLES) == sorted(p.name for p in (shared_data / "schemaorg_html").iterdir())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample(sample_server, name: str) -> None:
    page = sample_server.url(f"/s/{name}")
    refs, ctx = gather(source(url=page))
    expected = SAMPLES[name]
    if isinstance(expected, int):
        assert len(refs) == expected
        assert len({r.remote_id for r in refs}) == expected
    else:
        assert [r.remote_id for r in refs] == [page if e == "PAGE" else e for e in expected]
    assert all(body(r)["@context"] and body(r)["url"] for r in refs)
    if not refs:
        assert [i.code for i in ctx.issues] == ["SCHEMAORG-NO-DATASET"] and ctx.complete
    if name.endswith("invalid_authors.jsonld"):
        assert [i.code for i in ctx.issues] == ["SCHEMAORG-TYPE"]  # '@type': 'DataSet' read as Dataset
