"""Streaming chunk writers (Turtle, N-Triples, RDF/XML, JSON-LD): output means exactly the input."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from harvester.feed.formats import chunk_writers, document
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.profiles.namespaces import RDF, XSD
from tests.unit.feed.records import example_entries, make_dataset

PARSE = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}
EX = rdflib.Namespace("http://example.org/ns#")
WRITERS = chunk_writers()


def _graph(triples) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    g = rdflib.Graph()
    for t in triples:
        g.add(t)
    return g


@pytest.mark.parametrize("ext", list(PARSE))
def test_profile_output_roundtrips_in_chunks(profile: DcatAp3Profile, ext: str) -> None:
    datasets = [e.dataset for e in example_entries() if e.dataset is not None][:6]
    chunks = [profile.dataset_triples(ds) for ds in datasets]
    writer = WRITERS[ext]
    body = document(writer, [writer.chunk(c) for c in chunks])
    parsed = rdflib.Graph().parse(data=body, format=PARSE[ext])
    expected = _graph(t for c in chunks for t in c)
    assert len(expected) > 200
    assert isomorphic(parsed, expected)


AWKWARD = [
    (URIRef("http://example.org/a"), RDF.type, EX.Thing),
    (URIRef("http://example.org/a"), RDF.type, URIRef("http://other.example/Type-2")),
    (URIRef("http://example.org/a"), EX.text, Literal('kutip "ganda" <tag> & \\ \r\n baris\ttab', lang="id")),
    (URIRef("http://example.org/a"), EX.num, Literal("0012", datatype=XSD.integer)),
    (URIRef("http://example.org/a"), EX.plain, Literal("x", datatype=XSD.string)),
    (URIRef("http://example.org/a"), URIRef("http://unknown.example/vocab/prop"), Literal("📊 ø")),
    (URIRef("http://example.org/a"), EX.node, BNode("9starts-with-digit")),
    (BNode("9starts-with-digit"), EX.label, Literal("blank")),
    (URIRef("http://example.org/a?b=c&d=e#f"), EX.iri, URIRef("http://example.org/x'y")),
]


@pytest.mark.parametrize("ext", list(PARSE))
def test_awkward_terms_roundtrip(ext: str) -> None:
    writer = WRITERS[ext]
    body = document(writer, [writer.chunk(AWKWARD[:4]), writer.chunk(AWKWARD[4:])])
    parsed = rdflib.Graph().parse(data=body, format=PARSE[ext])
    assert isomorphic(parsed, _graph(AWKWARD))


def test_same_subject_in_two_chunks_merges() -> None:
    a = URIRef("http://example.org/a")
    for ext in ("rdf", "jsonld"):
        writer = WRITERS[ext]
        body = document(writer, [writer.chunk([(a, EX.p, Literal("1"))]), writer.chunk([(a, EX.p, Literal("2"))])])
        parsed = rdflib.Graph().parse(data=body, format=PARSE[ext])
        assert set(parsed.objects(a, EX.p)) == {Literal("1"), Literal("2")}


def test_xml_forbidden_characters_become_replacement_characters() -> None:
    writer = WRITERS["rdf"]
    triple = (URIRef("http://example.org/a"), EX.text, Literal("a\x01b"))
    parsed = rdflib.Graph().parse(data=document(writer, [writer.chunk([triple])]), format="xml")
    assert str(parsed.value(URIRef("http://example.org/a"), EX.text)) == "a\ufffdb"


def test_jsonld_uses_compact_iris_and_is_plain_json(profile: DcatAp3Profile) -> None:
    writer = WRITERS["jsonld"]
    body = document(writer, [writer.chunk(profile.dataset_triples(make_dataset(1)))])
    doc = json.loads(body)
    assert doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    dataset = next(n for n in doc["@graph"] if "dcat:Dataset" in n.get("@type", []))
    assert dataset["dct:title"] == [{"@value": "Indikator 1 Kota Blitar", "@language": "id"}]


def test_non_terms_are_rejected() -> None:
    for writer in WRITERS.values():
        with pytest.raises(TypeError):
            writer.chunk([(Literal("s"), EX.p, EX.o)])
        with pytest.raises(TypeError):
            writer.chunk([(EX.s, Literal("p"), EX.o)])
