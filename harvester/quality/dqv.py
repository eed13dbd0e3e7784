"""Quality measurements for the DCAT feed, in the W3C Data Quality Vocabulary (DQV).

``quality_triples(dataset_uri, score)`` gives, per metric, one ``dqv:QualityMeasurement`` linked
from the dataset with ``dqv:hasQualityMeasurement`` (``dqv:isMeasurementOf`` the metric,
``dqv:value``, ``dqv:computedOn`` the dataset, optionally ``prov:generatedAtTime``). Metrics:

* ``qm:metadataQualityScore`` — the overall 0..100 score (xsd:decimal);
* ``qm:predikat`` — its EPSS band name (string: Memuaskan, Sangat Baik, Baik, Cukup, Kurang);
* one ``qm:<dimension>Score`` per dimension that applies to the dataset (0..100, xsd:decimal).

``qm:`` is this project's small metrics vocabulary ``https://w3id.org/satudata/quality#``;
``metrics_vocabulary()`` returns its definitions (metrics, dimensions, one category) for a feed
that wants to publish them once. Measurement nodes are blank nodes with ids derived from the
dataset URI and metric, so the same input gives the same triples.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Optional

from rdflib import BNode, Literal, Namespace, URIRef
from harvester.profiles.namespaces import PROV, RDF, SKOS, XSD

from harvester.quality.checks import DIMENSIONS
from harvester.quality.scoring import DatasetScore

DQV = Namespace("http://www.w3.org/ns/dqv#")
QM = Namespace("https://w3id.org/satudata/quality#")

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]

OVERALL = QM.metadataQualityScore
PREDIKAT = QM.predikat
CATEGORY = QM.SatuDataMetadataQuality


def _camel(text: str) -> str:
    head, *rest = text.split("_")
    return head + "".join(part.capitalize() for part in rest)


#: Dimension id -> (metric IRI, dimension IRI).
DIMENSION_METRICS: dict[str, tuple[URIRef, URIRef]] = {
    d.id: (QM[_camel(d.id) + "Score"], QM[_camel(d.id)]) for d in DIMENSIONS}


def _node(dataset_uri: str, metric: URIRef) -> BNode:
    digest = hashlib.sha256(f"{dataset_uri}\n{metric}".encode("utf-8")).hexdigest()[:24]
    return BNode(f"qm{digest}")


def _measurement(dataset: URIRef, dataset_uri: str, metric: URIRef, value: Literal,
                 computed_at: Optional[datetime]) -> list[Triple]:
    node = _node(dataset_uri, metric)
    triples: list[Triple] = [
        (dataset, DQV.hasQualityMeasurement, node),
        (node, RDF.type, DQV.QualityMeasurement),
        (node, DQV.computedOn, dataset),
        (node, DQV.isMeasurementOf, metric),
        (node, DQV.value, value),
    ]
    if computed_at is not None:
        triples.append((node, PROV.generatedAtTime, Literal(computed_at, datatype=XSD.dateTime)))
    return triples


def _decimal(value: float) -> Literal:
    return Literal(Decimal(str(value)), datatype=XSD.decimal)


def quality_triples(dataset_uri: str, score: DatasetScore, *, computed_at: Optional[datetime] = None
                    ) -> list[Triple]:
    """DQV measurements of one dataset's score (see the module docstring)."""
    dataset = URIRef(dataset_uri)
    triples = _measurement(dataset, dataset_uri, OVERALL, _decimal(score.score), computed_at)
    triples += _measurement(dataset, dataset_uri, PREDIKAT, Literal(score.band), computed_at)
    for dim in DIMENSIONS:
        value = score.dimension_score(dim.id)
        if value is not None:
            triples += _measurement(dataset, dataset_uri, DIMENSION_METRICS[dim.id][0], _decimal(value), computed_at)
    return triples


def metrics_vocabulary() -> list[Triple]:
    """Definitions of the ``qm:`` metrics, dimensions and category (labels in Indonesian and English)."""
    triples: list[Triple] = [
        (CATEGORY, RDF.type, DQV.Category),
        (CATEGORY, SKOS.prefLabel, Literal("Kualitas metadata Satu Data", lang="id")),
        (CATEGORY, SKOS.prefLabel, Literal("Satu Data metadata quality", lang="en")),
        (OVERALL, RDF.type, DQV.Metric),
        (OVERALL, SKOS.prefLabel, Literal("Skor kualitas metadata (0–100)", lang="id")),
        (OVERALL, SKOS.prefLabel, Literal("Metadata quality score (0–100)", lang="en")),
        (OVERALL, SKOS.definition, Literal("Points of the applicable checks obtained, as a percentage; see "
                                           "docs/quality.md of satudata-harvester.", lang="en")),
        (OVERALL, DQV.expectedDataType, XSD.decimal),
        (PREDIKAT, RDF.type, DQV.Metric),
        (PREDIKAT, SKOS.prefLabel, Literal("Predikat (pita EPSS)", lang="id")),
        (PREDIKAT, SKOS.prefLabel, Literal("Rating band (EPSS predikat)", lang="en")),
        (PREDIKAT, DQV.expectedDataType, XSD.string),
    ]
    for dim in DIMENSIONS:
        metric, dimension = DIMENSION_METRICS[dim.id]
        triples += [
            (dimension, RDF.type, DQV.Dimension),
            (dimension, DQV.inCategory, CATEGORY),
            (dimension, SKOS.prefLabel, Literal(dim.label_id, lang="id")),
            (dimension, SKOS.prefLabel, Literal(dim.label_en, lang="en")),
            (dimension, SKOS.note, Literal(dim.reference)),
            (metric, RDF.type, DQV.Metric),
            (metric, DQV.inDimension, dimension),
            (metric, SKOS.prefLabel, Literal(f"Skor {dim.label_id} (0–100)", lang="id")),
            (metric, SKOS.prefLabel, Literal(f"{dim.label_en} score (0–100)", lang="en")),
            (metric, DQV.expectedDataType, XSD.decimal),
        ]
    for metric in (OVERALL, PREDIKAT):
        triples.append((metric, DQV.inDimension, QM.overall))
    triples += [(QM.overall, RDF.type, DQV.Dimension), (QM.overall, DQV.inCategory, CATEGORY),
                (QM.overall, SKOS.prefLabel, Literal("Keseluruhan", lang="id")),
                (QM.overall, SKOS.prefLabel, Literal("Overall", lang="en"))]
    return triples
