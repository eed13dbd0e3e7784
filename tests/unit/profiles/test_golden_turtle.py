"""Golden Turtle: canonical JSON → DCAT-AP Turtle, compared as graphs (isomorphism), not as text.

Inputs are the mapping engine's ``tests/golden/<type>/*.canonical.json`` (expected output in
``tests/golden/turtle/<type>/<name>.ttl``, reviewed when written) and hand-made records in
``tests/golden/turtle/hand/`` whose ``.ttl`` was written by hand, not generated.

After a deliberate change of the mapping, regenerate the generated goldens with
``UPDATE_GOLDEN=1 python -m pytest tests/unit/profiles/test_golden_turtle.py`` and review the diff;
hand-written ones are never overwritten. A canonical file without its Turtle fails and says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from harvester.model.canonical import from_dict

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "tests" / "golden"
TURTLE = GOLDEN / "turtle"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _load(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "issues" in data:  # mapping goldens: {"dataset": ..., "issues": [...]}
        data = data.get("dataset")
    return from_dict(data) if data else None


CASES = [(p, TURTLE / p.parent.name / (p.name.removesuffix(".canonical.json") + ".ttl"))
         for p in sorted(GOLDEN.glob("*/*.canonical.json")) if _load(p) is not None]
HAND = [(p, p.with_name(p.name.removesuffix(".canonical.json") + ".ttl"))
        for p in sorted((TURTLE / "hand").glob("*.canonical.json"))]


def _describe(diff: rdflib.Graph) -> str:
    return "\n".join(sorted(" ".join(t.n3() for t in triple) for triple in diff))[:4000]


def _check(dcat, canonical: Path, expected: Path, may_write: bool) -> None:
    actual_bytes = dcat.serialize([_load(canonical)], "turtle")
    if not expected.exists():
        if may_write and UPDATE:
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_bytes(actual_bytes)
            return
        pytest.fail(f"no golden Turtle {expected.relative_to(REPO)}; generate it with UPDATE_GOLDEN=1 and review it")
    actual = rdflib.Graph().parse(data=actual_bytes, format="turtle")
    wanted = rdflib.Graph().parse(expected, format="turtle")
    if to_isomorphic(actual) == to_isomorphic(wanted):
        return
    if may_write and UPDATE:
        expected.write_bytes(actual_bytes)
        return
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(wanted))
    pytest.fail(f"{canonical.relative_to(REPO)} differs from {expected.relative_to(REPO)}\n"
                f"--- only in output:\n{_describe(only_actual)}\n--- only in golden:\n{_describe(only_expected)}")


def test_every_source_type_has_golden_cases() -> None:
    assert {c.parent.name for c, _ in CASES} >= {"ckan", "csw", "datajson", "dcat-rdf", "oai-pmh", "schemaorg",
                                                  "spreadsheet", "json-api"}
    assert HAND


@pytest.mark.parametrize("canonical,expected", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_turtle(dcat, canonical: Path, expected: Path) -> None:
    _check(dcat, canonical, expected, may_write=True)


@pytest.mark.parametrize("canonical,expected", HAND, ids=lambda p: p.name)
def test_hand_written_turtle(dcat, canonical: Path, expected: Path) -> None:
    _check(dcat, canonical, expected, may_write=False)
