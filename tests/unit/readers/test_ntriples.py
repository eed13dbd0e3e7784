"""The fast N-Triples reader gives exactly pyoxigraph's index, and leaves anything unusual to it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from harvester.readers import ntriples, rdf_doc

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML, ".nt": ox.RdfFormat.N_TRIPLES,
           ".jsonld": ox.RdfFormat.JSON_LD}


def pyoxigraph_index(data: bytes) -> rdf_doc.Index:
    """The index as pyoxigraph's lenient parser gives it (the reference): ``str()`` of its terms."""
    forward: rdf_doc.Index = {}
    for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES, base_iri="urn:x-harvester:base:", lenient=True):
        objs = forward.setdefault(str(quad.subject), {}).setdefault(str(quad.predicate), [])
        if str(quad.object) not in objs:
            objs.append(str(quad.object))
    return forward


def _fast(data: bytes) -> rdf_doc.Index | None:
    found = ntriples.triples(data)
    return None if found is None else rdf_doc.index_triples(found)


def test_real_samples_serialised_as_ntriples_read_like_pyoxigraph(shared_data):
    checked = 0
    for path in sorted((shared_data / "dcat_rdf").iterdir()):
        fmt = FORMATS.get(path.suffix)
        if fmt is None:
            continue
        try:
            triples = [q.triple for q in ox.parse(path.read_bytes(), format=fmt, base_iri="http://example.org/")]
        except (SyntaxError, ValueError, OSError):
            continue  # samples pyoxigraph itself refuses (remote JSON-LD contexts, undeclared prefixes)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        fast = _fast(data)
        assert fast is not None, path.name
        assert fast == pyoxigraph_index(data), path.name
        checked += 1
    assert checked >= 20


EDGE_CASES = [
    # escapes in literals, language tags in any case, datatypes, blank nodes, duplicates, CRLF
    b'<http://a/s> <http://a/p> "tab\\there \\"quoted\\" caf\\u00e9 \\U0001F600 back\\\\slash" .\n',
    b'<http://a/s> <http://a/p> "Hello"@EN-us .\n<http://a/s> <http://a/p> "Halo"@id .\n',
    b'<http://a/s> <http://a/p> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    b'_:b1 <http://a/p> _:b2.x .\n_:b2.x <http://a/q> "" .\n',
    b'<http://a/s> <http://a/p> <http://a/o> .\n<http://a/s> <http://a/p> <http://a/o> .\n',
    b'<http://a/s> <http://a/p> "x" .\r\n<http://a/s> <http://a/q> "y" .\r\n',
    b'<http://a/s> <http://a/p> "no final newline" .',
    b'<rel> <http://a/p> <http://a b> .\n',  # lenient pyoxigraph keeps such IRIs verbatim
    # not in pyoxigraph's canonical form: rewritten to it (explicit xsd:string, escapes, tag case)
    b'<http://a/s> <http://a/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n',
    b'<http://a/s> <http://a/p> "caf\\u00e9 \\\'q\\\'"@ID .\n',
    b'<http://a/s> <http://a/p> "5\\u0020"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    b'<http://a/s> <http://a/p> "t\\u0009"^^<http://www.w3.org/2001/XMLSchema#string> .\n',
]


@pytest.mark.parametrize("data", EDGE_CASES)
def test_edge_cases_match_pyoxigraph(data):
    fast = _fast(data)
    assert fast is not None
    assert fast == pyoxigraph_index(data)


@pytest.mark.parametrize("data", [
    b"# a comment\n<http://a/s> <http://a/p> <http://a/o> .\n",
    b"<http://a/s> <http://a/p> <http://a/o> .\n\n<http://a/s> <http://a/q> <http://a/o> .\n",
    b"<http://a/s>\t<http://a/p> <http://a/o> .\n",
    b"<http://a/s> <http://a/p> <http://a/o> . # trailing comment\n",
    b"<http://a/\\u0041> <http://a/p> <http://a/o> .\n",
    b'<http://a/s> <http://a/p> "x"@e_n .\n',
    b'<http://a/s> <http://a/p> "bad \\q escape" .\n',
    b"<http://a/s> <http://a/p> <> .\n",
    b"<http://a/s> <http://a/p> _:bad;label .\n",
    b'<http://a/s> <http://a/p> "caf\xe9" .\n',  # not UTF-8
    b"",
])
def test_anything_unusual_is_left_to_pyoxigraph(data):
    assert _fast(data) is None


def test_build_index_falls_back_and_still_agrees_with_pyoxigraph():
    data = b"# comment\n<http://a/s>\t<http://a/p>  \"x\"@EN .\n\n"
    assert _fast(data) is None
    assert rdf_doc.build_index(data, "application/n-triples") == pyoxigraph_index(data)
    with pytest.raises(SyntaxError):
        rdf_doc.build_index(b'<http://a/s> <http://a/p> "bad \\q escape" .\n', "application/n-triples")


def test_literal_helpers_decode_what_pyoxigraph_reads():
    data = b'<http://a/s> <http://a/p> "caf\\u00e9\\n\\"x\\""@EN-gb .\n'
    ((_, _, term),) = ntriples.triples(data)
    (quad,) = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    assert ntriples.literal_value(term) == quad.object.value == 'caf\u00e9\n"x"'
    assert ntriples.literal_language(term) == "en-gb"
    assert ntriples.literal_language('"5"^^<http://www.w3.org/2001/XMLSchema#integer>') == ""
