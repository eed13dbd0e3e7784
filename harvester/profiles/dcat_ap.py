"""DCAT-AP 3 output profile (``dcat-ap-3``): canonical datasets → RDF (Turtle, N-Triples, RDF/XML, JSON-LD).

Mapping: spec §4 (DCAT column) and §11.3, DCAT-AP 3.0.1 classes and properties, the project's
``sdi:`` vocabulary for SDI fields (names shared with ``harvester/validate/shapes/sdi-shapes.ttl``).
The per-field decisions are documented in ``dcat_ap_dataset`` and ``dcat_ap_distribution``. Every
record with a title and a description yields zero violations of the official DCAT-AP 3.0.1 SHACL
shapes, however odd its other values (tested with hand-made, golden and random records). A
``dcat:DatasetSeries`` with no member in the same document gets a DCAT-AP *warning* (the series
shape wants an inverse ``dcat:inSeries``), not a violation.

Text literals never carry the characters XML 1.0 forbids (C0 controls other than TAB/LF/CR, lone
surrogates, U+FFFE/U+FFFF): they become U+FFFD in every format, so RDF/XML stays well-formed and all
four serialisations hold the same graph.

StatDCAT-AP (``s1n:``) is not emitted: its ``statUnitMeasure`` / ``measure`` / ``dimension`` expect
IRIs of units and dimensions, and no code list gives those for SDI ``satuan`` / ``ukuran`` /
``klasifikasi`` (free text); the values are kept as ``sdi:`` literals instead.

Serialisation: Turtle and N-Triples go through ``rdf_writer`` one dataset at a time (fast, flat
memory: ``write`` streams to a binary file); RDF/XML and JSON-LD build an rdflib graph.

Failure behaviour: bad values inside a record are dropped or kept as literals (never an exception);
an unknown ``fmt`` raises ValueError; a catalogue IRI that is not absolute raises ValueError.
"""

from __future__ import annotations

import io
from typing import IO, Any, Iterable, Optional

import rdflib
from rdflib.term import Node, URIRef

from harvester.model.dataset import Dataset
from harvester.profiles.base import Codes
from harvester.profiles.dcat_ap_catalog import CatalogInfo, catalog_triples
from harvester.profiles.dcat_ap_dataset import DatasetTriples, dataset_node
from harvester.profiles.namespaces import MINT_BASE, PREFIXES
from harvester.profiles.rdf_writer import NTriplesWriter, TurtleWriter

Triple = tuple[Node, Node, Node]

__all__ = ["CatalogInfo", "DcatAp3Profile", "FORMATS", "Triple"]

#: fmt → (rdflib format name, media type)
FORMATS = {
    "turtle": ("turtle", "text/turtle"),
    "ntriples": ("nt", "application/n-triples"),
    "xml": ("xml", "application/rdf+xml"),
    "json-ld": ("json-ld", "application/ld+json"),
}


class DcatAp3Profile:
    """Canonical ``Dataset`` → DCAT-AP 3 RDF. Pure and thread-safe apart from its lookup caches."""

    name = "dcat-ap-3"

    def __init__(self, codelists: Any, *, base_uri: str = MINT_BASE,
                 default_language: Optional[str] = None) -> None:
        """``base_uri`` mints dataset IRIs for records without ``uri`` (``{base_uri}dataset/{id}``);
        ``default_language`` tags free text of records that do not declare exactly one language."""
        self.base_uri = base_uri if base_uri.endswith("/") else base_uri + "/"
        self.codes = Codes(codelists)
        self._builder = DatasetTriples(self.codes, self.base_uri, default_language)

    # ------------------------------------------------------------------ triples and graphs
    def dataset_uri(self, dataset: Dataset) -> URIRef:
        """The IRI of the dataset node (``dataset.uri`` or minted from the identifier)."""
        return dataset_node(dataset, self.base_uri)

    def dataset_triples(self, dataset: Dataset) -> list[Triple]:
        """All triples of one dataset, its distributions, agents and SDI properties."""
        return self._builder.build(dataset)

    def add_dataset(self, graph: rdflib.Graph, dataset: Dataset) -> URIRef:
        """Add the dataset's triples to ``graph``; returns the dataset node."""
        for triple in self._builder.build(dataset):
            graph.add(triple)
        return self.dataset_uri(dataset)

    def dataset_graph(self, dataset: Dataset) -> rdflib.Graph:
        """A new graph (with the profile's prefixes bound) holding one dataset."""
        graph = _graph()
        self.add_dataset(graph, dataset)
        return graph

    def catalog_triples(self, catalog: CatalogInfo, dataset_uris: Iterable[URIRef]) -> list[Triple]:
        """The catalogue node, its publisher, and ``dcat:dataset`` for each IRI."""
        return catalog_triples(self._builder, catalog, dataset_uris)

    # ------------------------------------------------------------------ documents
    def write(self, out: IO[bytes], datasets: Iterable[Dataset], fmt: str, *,
              catalog: Optional[CatalogInfo] = None, extra_triples: Iterable[Triple] = ()) -> int:
        """Stream a document to ``out``; returns the number of datasets written.

        Turtle / N-Triples are written one dataset at a time; the catalogue node (which needs every
        dataset IRI) comes last, then ``extra_triples`` (e.g. Hydra paging).
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown RDF format {fmt!r}; known: {', '.join(FORMATS)}")
        if fmt in ("xml", "json-ld"):
            graph = _graph()
            uris = [self.add_dataset(graph, ds) for ds in datasets]
            for triple in self._tail(catalog, uris, extra_triples):
                graph.add(triple)
            out.write(graph.serialize(format=FORMATS[fmt][0], encoding="utf-8"))
            return len(uris)
        writer = TurtleWriter(out, PREFIXES) if fmt == "turtle" else NTriplesWriter(out)
        uris = []
        for ds in datasets:
            writer.write(self._builder.build(ds))
            uris.append(self.dataset_uri(ds))
        tail = self._tail(catalog, uris, extra_triples)
        if tail:
            writer.write(tail)
        return len(uris)

    def serialize(self, datasets: Iterable[Dataset], fmt: str, *, catalog: Optional[CatalogInfo] = None,
                  extra_triples: Iterable[Triple] = ()) -> bytes:
        """The whole document as bytes (``fmt``: turtle, ntriples, xml, json-ld)."""
        buf = io.BytesIO()
        self.write(buf, datasets, fmt, catalog=catalog, extra_triples=extra_triples)
        return buf.getvalue()

    def _tail(self, catalog: Optional[CatalogInfo], uris: list[URIRef],
              extra_triples: Iterable[Triple]) -> list[Triple]:
        tail = self.catalog_triples(catalog, uris) if catalog is not None else []
        tail.extend(extra_triples)
        return tail


def _graph() -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph
