"""dcat-rdf pages larger than one network read, spooled to a temporary file and parsed from there:
the refs equal those of parsing the same bytes directly, the repeated-page guard hashes the whole
body, and the size cap, truncation and entity checks still apply to the spooled body."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest

from harvester.errors import SourceProtocolError, SourceUnavailable
from harvester.http import HttpPolicy
from harvester.model.record import RemoteRef
from harvester.sources.rdf_parse import parse_document
from harvester.sources.rdf_split import WATCH, CatalogDefaults, Splitter
from tests.support.httpserver import Request, Scripted
from tests.unit.sources.test_dcat_rdf import ctx, make

READ = 64 * 1024  # one read of HttpClient's body copy
ENTITY_READ = 1 << 20  # one read of stream_declares_entities
DCAT, DCT = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
LOREM = ("Data statistik sektoral kabupaten/kota \u2014 jumlah penduduk, luas wilayah, dan indikator "
         "pembangunan; diperbarui setiap tahun oleh dinas terkait. ")


def turtle_page(count: int, *, first: int = 0, next_url: Optional[str] = None, view: str = "",
                padding: int = 0) -> bytes:
    """A DCAT catalogue in Turtle; ``padding`` bytes of comments up front, paging link at the end."""
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", f"@prefix dct: <{DCT}> .",
             "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    text = "\n".join(lines) + "\n"
    while len(text) < padding:
        text += "# " + "katalog " * 10 + "\n"
    ids = range(first, first + count)
    text += ("<http://example.go.id/catalog> a dcat:Catalog ; dct:publisher <http://example.go.id/org/kominfo> ;\n"
             "  dcat:dataset " + ", ".join(f"<http://example.go.id/ds/{i}>" for i in ids) + " .\n"
             '<http://example.go.id/org/kominfo> foaf:name "Diskominfo" .\n')
    for i in ids:
        text += (f'<http://example.go.id/ds/{i}> a dcat:Dataset ; dct:title "Dataset {i}" ;\n'
                 f'  dct:description "{LOREM}{i}"@id ; dct:modified "2024-{1 + i % 12:02d}-01"^^xsd:date ;\n'
                 f'  dcat:keyword "statistik", "wilayah {i % 7}" ;\n'
                 f"  dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <http://example.go.id/f/{i}.csv> ] .\n")
    if view:
        nxt = f"hydra:next <{next_url}> ; " if next_url else ""
        text += f"<{view}> a hydra:PartialCollectionView ; {nxt}hydra:first <{view}> .\n"
    return text.encode("utf-8")


def rdfxml_page(count: int) -> bytes:
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            f' xmlns:dcat="{DCAT}" xmlns:dct="{DCT}">\n<dcat:Catalog rdf:about="http://example.go.id/catalog">\n')
    body = "".join(f'  <dcat:dataset><dcat:Dataset rdf:about="http://example.go.id/ds/{i}"><dct:title>Dataset {i}'
                   f'</dct:title><dct:description xml:lang="id">{LOREM}{i}</dct:description><dct:identifier>'
                   f"ID-{i}</dct:identifier></dcat:Dataset></dcat:dataset>\n" for i in range(count))
    return (head + body + "</dcat:Catalog>\n</rdf:RDF>\n").encode("utf-8")


def direct(body: bytes, fmt: str, url: str, *, charset: Optional[str] = None) -> list[tuple[Any, ...]]:
    """What one page gives when its bytes are parsed in memory (no HTTP, no spool)."""
    graph = parse_document(body, fmt, base_iri=url, charset=charset, watch=WATCH)
    splitter = Splitter(graph, base=url, include_series=True, max_triples=50_000)
    records = splitter.records(splitter.catalog_defaults() or CatalogDefaults())
    return [(r.remote_id, r.focus, r.payload, r.modified, r.id_is_fallback) for r in records]


def summary(refs: list[RemoteRef]) -> list[tuple[Any, ...]]:
    return [(r.remote_id, dict(r.meta)["focus"], r.payload, r.modified, r.id_is_fallback) for r in refs]


# -- same refs as a direct parse ---------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "content_type", "count"), [
    ("turtle", "text/turtle", 400),
    ("xml", "application/rdf+xml", 500),
])
def test_page_bigger_than_a_read_gives_the_refs_of_a_direct_parse(http_server, fmt: str, content_type: str,
                                                                  count: int) -> None:
    body = turtle_page(count) if fmt == "turtle" else rdfxml_page(count)
    assert len(body) > 2 * READ
    http_server.add("/catalog", body, content_type=content_type)
    url = http_server.url("/catalog")
    context = ctx()
    refs = list(make(url).gather(context))
    expected = direct(body, fmt, url)
    assert len(expected) == count
    assert summary(refs) == expected
    assert all(r.url == url and r.media_type == "application/n-triples" for r in refs)
    assert context.complete and [i.code for i in context.issues] == []
    # catalogue-level publisher inherited from the spooled page, as from the direct parse
    if fmt == "turtle":
        assert b"<http://example.go.id/org/kominfo>" in refs[-1].payload


def test_rdfxml_page_bigger_than_an_entity_scan_read(http_server) -> None:
    body = rdfxml_page(4000)
    assert len(body) > ENTITY_READ + READ
    http_server.add("/catalog.rdf", body, content_type="application/rdf+xml")
    url = http_server.url("/catalog.rdf")
    refs = list(make(url).gather(ctx()))
    assert summary(refs) == direct(body, "xml", url) and len(refs) == 4000
    assert refs[3999].remote_id == "http://example.go.id/ds/3999"  # the IRI wins over dct:identifier


def test_declared_charset_is_applied_to_the_spooled_body(http_server) -> None:
    body = turtle_page(300).decode("utf-8").replace("\u2014", "-").replace("Dataset 1", "Dataset \u00e91")
    latin = body.encode("iso-8859-1")
    assert len(latin) > 2 * READ
    http_server.add("/catalog", latin, content_type="text/turtle; charset=iso-8859-1")
    url = http_server.url("/catalog")
    refs = list(make(url).gather(ctx()))
    assert summary(refs) == direct(latin, "turtle", url, charset="iso-8859-1")
    assert '"Dataset \u00e91"' in refs[1].payload.decode("utf-8")


def test_file_url_page_gives_the_refs_of_a_direct_parse(tmp_path: Path) -> None:
    body = turtle_page(300)
    path = tmp_path / "katalog.ttl"
    path.write_bytes(body)
    refs = list(make(path.as_uri()).gather(ctx()))
    assert summary(refs) == direct(body, "turtle", path.as_uri())


def test_missing_file_url_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceProtocolError) as err:
        list(make((tmp_path / "missing.ttl").as_uri()).gather(ctx()))
    assert "404" in str(err.value)


# -- the repeated-page guard hashes the whole spooled body ------------------------------------------------

def test_same_bytes_on_two_pages_stop_paging(http_server) -> None:
    page2 = http_server.url("/catalog?page=2")
    body = turtle_page(300, next_url=page2, view=http_server.url("/catalog?page=1"))
    assert len(body) > 2 * READ
    http_server.add("/catalog", body, content_type="text/turtle", query={"page": "1"})
    http_server.add("/catalog", body, content_type="text/turtle", query={"page": "2"})  # a paging loop
    context = ctx()
    refs = list(make(http_server.url("/catalog?page=1")).gather(context))
    assert summary(refs) == direct(body, "turtle", http_server.url("/catalog?page=1"))
    assert [i.code for i in context.issues] == ["GATHER-REPEATED-PAGE"] and context.complete
    assert context.issues[0].location == page2 and len(http_server.requests) == 2


def test_pages_equal_in_their_first_reads_but_not_after_are_both_listed(http_server) -> None:
    """The digest covers the whole body, not its first chunk: a shared 200 KB head is not a repeat."""
    page1, page2 = http_server.url("/catalog?page=1"), http_server.url("/catalog?page=2")
    body1 = turtle_page(3, next_url=page2, view=page1, padding=200_000)
    body2 = turtle_page(3, first=3, view=page2, padding=200_000)
    head = body1.index(b"<http://example.go.id/catalog>")
    assert head > 3 * READ and body1[:head] == body2[:head] and body1 != body2
    http_server.add("/catalog", body1, content_type="text/turtle", query={"page": "1"})
    http_server.add("/catalog", body2, content_type="text/turtle", query={"page": "2"})
    context = ctx()
    refs = list(make(page1).gather(context))
    assert [r.remote_id.rsplit("/", 1)[1] for r in refs] == ["0", "1", "2", "3", "4", "5"]
    assert context.complete and context.issues == []
    assert summary(refs[3:]) == direct(body2, "turtle", page2)


def test_304_without_remembered_successor_refetches_into_a_clean_spool(http_server) -> None:
    body = turtle_page(300)

    def handle(req: Request) -> Scripted:
        if req.headers.get("If-None-Match") == '"v1"':
            return Scripted(b"", 304, {"ETag": '"v1"'})
        return Scripted(body, 200, {"ETag": '"v1"', "Content-Type": "text/turtle"})

    http_server.add("/catalog", handler=handle)
    url = http_server.url("/catalog")
    context = ctx(validators={url: {"etag": '"v1"'}})  # validators from before the successor was remembered
    refs = list(make(url).gather(context))
    assert summary(refs) == direct(body, "turtle", url)
    assert [r.headers.get("If-None-Match") for r in http_server.requests] == ['"v1"', None]
    # Now the successor is known: the next run parses nothing and reports the page unchanged.
    http_server.requests.clear()
    assert list(make(url).gather(context)) == [] and context.unchanged_pages == [url]
    assert len(http_server.requests) == 1


# -- limits on the spooled body ------------------------------------------------------------------------------

def test_first_page_over_the_size_cap_fails_naming_the_url(http_server) -> None:
    body = turtle_page(400)
    http_server.add("/catalog", body, content_type="text/turtle")
    url = http_server.url("/catalog")
    source = make(url, policy=HttpPolicy(retries=0, read_timeout=5, max_bytes=len(body) - 1))
    with pytest.raises(SourceProtocolError) as err:
        list(source.gather(ctx()))
    assert url in str(err.value) and "exceeds" in str(err.value)


def test_later_page_over_the_size_cap_or_truncated_keeps_the_earlier_refs(http_server) -> None:
    page1, page2 = http_server.url("/catalog?page=1"), http_server.url("/catalog?page=2")
    body1 = turtle_page(5, next_url=page2, view=page1)
    http_server.add("/catalog", body1, content_type="text/turtle", query={"page": "1"})
    body2 = turtle_page(800, first=5, view=page2)
    assert len(body2) > 3 * READ
    http_server.add("/catalog", body2, content_type="text/turtle", query={"page": "2"})
    context = ctx()
    source = make(page1, policy=HttpPolicy(retries=0, read_timeout=5, max_bytes=3 * READ))
    refs = list(source.gather(context))
    assert summary(refs) == direct(body1, "turtle", page1)
    assert not context.complete and [i.code for i in context.issues] == ["GATHER-PAGE-FAILED"]
    assert context.issues[0].location == page2

    http_server.add("/cut", turtle_page(400), content_type="text/turtle", truncate=True)
    with pytest.raises(SourceUnavailable, match="truncated"):
        list(make(http_server.url("/cut")).gather(ctx()))


@pytest.mark.parametrize("split", [1, 4, 7])
def test_entity_declaration_across_the_entity_scan_boundary_is_refused(http_server, split: int) -> None:
    lead = b'<?xml version="1.0" encoding="UTF-8"?>\n<!--'
    tail = (b'-->\n<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&xxe;</rdf:RDF>\n')
    offset = tail.index(b"<!ENTITY")
    body = lead + b"x" * (ENTITY_READ - split - offset - len(lead)) + tail
    assert body.index(b"<!ENTITY") == ENTITY_READ - split
    http_server.add("/catalog.rdf", body, content_type="application/rdf+xml")
    with pytest.raises(SourceProtocolError, match="declares entities") as err:
        list(make(http_server.url("/catalog.rdf")).gather(ctx()))
    assert http_server.url("/catalog.rdf") in str(err.value)
