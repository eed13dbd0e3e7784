"""The engine's fast paths (paths bound by the reader, rule strategies, memoised chains and code-list
lookups) give exactly what the plain Document protocol gives, record after record."""

from __future__ import annotations

import pytest

from harvester.mapping.engine import MappingEngine, MappingResult
from tests.unit.mapping.support import codelists, context, engine_from_yaml, json_record
from tests.unit.mapping.test_golden import CASES, _engine, _record


class Plain:
    """Only ``select`` / ``each``: what any reader offers. Compiled paths fall back to these."""

    def __init__(self, doc):
        self.doc = doc

    def select(self, path):
        return self.doc.select(path)

    def each(self, path):
        return [Plain(d) for d in self.doc.each(path)]


def _as_data(result: MappingResult):
    return result.dataset, [issue.as_dict() for issue in result.issues]


@pytest.mark.parametrize("kind, case", sorted(CASES), ids=[f"{k}/{c}" for k, c in sorted(CASES)])
def test_fast_and_plain_documents_map_alike(kind, case, request):
    spec = CASES[(kind, case)]
    shared_data = request.getfixturevalue("shared_data") if spec is not None else None
    record = _record(kind, case, spec, shared_data)
    engine = _engine(kind)
    ctx = context(record.remote_id)
    plain = _as_data(engine.map(Plain(engine.read(record)), ctx))
    for _ in range(3):  # later rounds hit the memoised chains and code-list lookups
        assert _as_data(engine.map(engine.read(record), ctx)) == plain


def _general_only(engine):
    """The same engine with every rule forced onto the general strategy (the reference)."""
    def force(progs):
        for _, prog in progs:
            if isinstance(prog, list):
                for alt in prog:
                    force(alt.lets + alt.fields)
            elif not prog.const:
                prog.run = prog._run_collect
                prog.guard = None  # every rule runs: no plan leaves one out or takes its dead result
    force(engine.lets + engine.fields + engine.extras)
    return engine


@pytest.mark.parametrize("kind, case", sorted(CASES), ids=[f"{k}/{c}" for k, c in sorted(CASES)])
def test_rule_strategies_agree_with_the_general_one(kind, case, request):
    spec = CASES[(kind, case)]
    shared_data = request.getfixturevalue("shared_data") if spec is not None else None
    record = _record(kind, case, spec, shared_data)
    reference = _general_only(MappingEngine(_engine(kind).spec, codelists()))
    ctx = context(record.remote_id)
    assert _as_data(_engine(kind).map_record(record, ctx)) == _as_data(reference.map_record(record, ctx))


def test_a_path_emptied_by_transforms_falls_through_to_the_next(tmp_path):
    engine = engine_from_yaml(tmp_path, """\
        reader: {name: json}
        fields:
          identifier: {paths: [id]}
          title: {paths: [t]}
          accrual_periodicity:
            paths: [a, b]
            transforms: [{regex_extract: "^freq:(.*)$"}]
            codelist: frekuensi
          version: {paths: [a, b], transforms: [{regex_extract: "^v(\\\\d+)$"}]}
        """)
    record = json_record({"id": "1", "t": "T", "a": "other", "b": "freq:Tahunan"})
    ds = engine.map_record(record, context()).dataset
    assert ds.accrual_periodicity == "TAHUNAN"
    ds = engine.map_record(json_record({"id": "1", "t": "T", "a": "x", "b": "v2"}), context()).dataset
    assert ds.version == "2"
    reference = _general_only(MappingEngine(engine.spec, codelists()))
    assert reference.map_record(record, context()).dataset.accrual_periodicity == "TAHUNAN"


POOL = ["", "  ", "Tahunan", "annually", "asNeeded", "bogus", "2024-09-23", "23/09/2024", "not a date", "35.72",
        "3572", 35.72, 2019, 2019.0, True, None, "CSV", "text/csv", "CC-BY", "http://x.id/a", "ya", "tidak",
        "[\"a\", \"b\"]", "{\"k\": 1}", "Kota Blitar", "TERBUKA", "id", "en,es", "mailto:a@b.id", "1.234,5"]


def _random_ckan_record(rng):
    """A CKAN-like package whose fields and extras take values that succeed, fail, repeat or vanish."""
    def pick():
        return rng.choice(POOL)

    record = {"id": f"id-{rng.randrange(1000)}", "title": pick(), "name": pick()}
    for key in ("notes", "license_id", "frequency", "access_rights", "sdi_akses", "sdi_kode_pemda", "issued",
                "modified", "version", "sdi_data_prioritas", "sdi_jenis_data", "type", "sdi_frekuensi"):
        if rng.random() < 0.5:
            record[key] = pick()
    for key in ("language", "theme", "sdi_topik", "sdi_tingkat_penyajian"):
        if rng.random() < 0.4:
            record[key] = [pick() for _ in range(rng.randrange(3))]
    record["extras"] = [{"key": rng.choice(["frequency-of-update", "Frekuensi", "sdi_akses", "Satuan", "issued",
                                            "spatial", "bbox-west-long", "sdi_cakupan", "language"]),
                         "value": pick()} for _ in range(rng.randrange(6))]
    record["resources"] = [{"url": pick(), "format": pick(), "size": pick(), "created": pick(),
                            "hash_algorithm": pick()} for _ in range(rng.randrange(3))]
    return record


def test_random_records_map_alike_on_every_strategy():
    import random

    rng = random.Random(20240923)
    fast = _engine("ckan")
    reference = _general_only(MappingEngine(fast.spec, codelists()))
    for i in range(300):
        record = json_record(_random_ckan_record(rng), remote_id=f"r{i}")
        ctx = context(record.remote_id)
        assert _as_data(fast.map_record(record, ctx)) == _as_data(reference.map_record(record, ctx)), i


RDF_PREDICATES = ["http://purl.org/dc/terms/title", "http://purl.org/dc/terms/identifier",
                  "http://purl.org/dc/terms/issued", "http://purl.org/dc/terms/language",
                  "http://purl.org/dc/terms/accrualPeriodicity", "http://purl.org/dc/terms/accessRights",
                  "http://purl.org/dc/terms/license", "http://www.w3.org/ns/dcat#keyword",
                  "https://w3id.org/satudata/sdi#kodePemda", "https://w3id.org/satudata/sdi#dataPrioritas",
                  "http://www.w3.org/ns/dcat#spatialResolutionInMeters", "http://purl.org/dc/terms/format"]


def test_random_rdf_records_map_alike_on_every_strategy():
    import json
    import random

    from harvester.model.record import SourceRecord

    rng = random.Random(7)
    fast = _engine("dcat-rdf")
    reference = _general_only(MappingEngine(fast.spec, codelists()))
    for i in range(150):
        node, dist = f"https://x.id/ds/{i}", f"https://x.id/ds/{i}/d"
        lines = [f"<{node}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .",
                 f"<{node}> <http://www.w3.org/ns/dcat#distribution> <{dist}> ."]
        for subject in (node, node, node, dist, dist):
            value = rng.choice(POOL)
            term = f"<{value}>" if isinstance(value, str) and value.startswith("http") else \
                json.dumps(str(value)) + rng.choice(["", "@id", "@en"])
            lines.append(f"<{subject}> <{rng.choice(RDF_PREDICATES)}> {term} .")
        record = SourceRecord("s", f"r{i}", "application/n-triples", "\n".join(lines).encode(),
                              meta=(("focus", node),))
        ctx = context(record.remote_id)
        assert _as_data(fast.map_record(record, ctx)) == _as_data(reference.map_record(record, ctx)), i
