"""The engine's fast paths (paths bound by the reader, rule strategies, memoised chains and code-list
lookups) give exactly what the plain Document protocol gives, record after record."""

from __future__ import annotations

import pytest

from harvester.mapping.engine import MappingResult
from tests.unit.mapping.support import context
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
