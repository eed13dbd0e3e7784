"""DQV quality measurements for the DCAT feed: shape, values, determinism, metric definitions."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from harvester.profiles.namespaces import PROV, RDF, SKOS, XSD

from harvester.quality.dqv import DQV, QM, metrics_vocabulary, quality_triples
from harvester.quality.scoring import QualityScorer
from tests.unit.quality.conftest import complete

DS = "https://data.blitarkota.go.id/dataset/katalog/DS-1"


def _graph(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def test_measurements(scorer: QualityScorer) -> None:
    score = scorer.score(complete(satuan=None))  # 133/138 = 96.4; standar data 18/23
    when = datetime(2024, 10, 1, 2, 0, tzinfo=timezone.utc)
    g = _graph(quality_triples(DS, score, computed_at=when))
    values = {}
    for m in g.objects(URIRef(DS), DQV.hasQualityMeasurement):
        assert (m, RDF.type, DQV.QualityMeasurement) in g
        assert (m, DQV.computedOn, URIRef(DS)) in g
        assert g.value(m, PROV.generatedAtTime).toPython() == when
        values[g.value(m, DQV.isMeasurementOf)] = g.value(m, DQV.value)
    assert values[QM.metadataQualityScore] == Literal(Decimal("96.4"), datatype=XSD.decimal)
    assert values[QM.predikat] == Literal("Memuaskan")
    assert values[QM.standarDataScore].toPython() == Decimal("78.3")
    assert values[QM.metadataScore].toPython() == Decimal("100.0")
    assert len(values) == 2 + 9  # every dimension applies to this dataset


def test_deterministic_nodes(scorer: QualityScorer) -> None:
    score = scorer.score(complete())
    assert set(quality_triples(DS, score)) == set(quality_triples(DS, score))
    other = {t[0] for t in quality_triples(DS + "x", score)}
    assert not other & {t[0] for t in quality_triples(DS, score) if t[0] != URIRef(DS)}


def test_vocabulary_defines_every_metric_used(scorer: QualityScorer) -> None:
    vocab = _graph(metrics_vocabulary())
    used = {o for _, p, o in quality_triples(DS, scorer.score(complete())) if p == DQV.isMeasurementOf}
    for metric in used:
        assert (metric, RDF.type, DQV.Metric) in vocab
        assert vocab.value(metric, DQV.inDimension) is not None
        assert {l.language for l in vocab.objects(metric, SKOS.prefLabel)} \
            == {"id", "en"}
    turtle = vocab.serialize(format="turtle")
    assert len(_graph(Graph().parse(data=turtle, format="turtle"))) == len(vocab)
