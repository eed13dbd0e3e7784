"""The scorer's prepared check table and the per-dataset issue index give exactly the results of the plain
algorithm: every check evaluated by scanning all issues, its points rounded, the totals summarised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Optional

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Agent, Dataset, Distribution, Location, Variable
from harvester.model.issues import Issue, Severity
from harvester.quality.checks import Check, CheckInput, Hint, _safe
from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.links import LinkResult
from harvester.quality.scoring import CheckResult, DatasetScore, QualityScorer, summarise
from harvester.validate import validate_sdi
from harvester.validate.rules_base import SdiPolicy
from tests.unit.quality.conftest import complete

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


def reference_rule(check: Check, data: CheckInput) -> tuple[Optional[float], tuple[Hint, ...]]:
    """A rule check judged by scanning every issue (what the index must reproduce)."""
    rule_id = check.rule.removeprefix("SDI-")  # type: ignore[union-attr]
    if data.policy.is_off(rule_id):
        return None, ()
    if any(i.code == "SDI-INTERNAL" and i.location == rule_id for i in data.issues):
        return None, ()
    found = [i for i in data.issues if i.code == check.rule and i.severity in (E, W)
             and (check.rule_fields is None or i.field in check.rule_fields)]
    hints = tuple(Hint(i.field, i.hint_id or check.hint_id, i.hint_en or check.hint_en, i.message, i.location)
                  for i in found)
    if check.requires is not None and not _safe(check.requires, data.dataset):
        return 0.0, hints or (Hint(check.fields[0] if check.fields else None, check.hint_id, check.hint_en),)
    if any(i.severity is E for i in found):
        return 0.0, hints
    return (check.warning_credit, hints) if found else (1.0, ())


def reference_score(dataset: Dataset, issues: Sequence[Issue], codelists: CodeLists, policy: SdiPolicy,
                    links: object = None) -> DatasetScore:
    data = CheckInput(dataset, tuple(issues), codelists, policy, links)
    results = []
    for check in ALL_CHECKS:
        try:
            if check.rule is not None and not (check.applies and not _safe(check.applies, dataset)):
                credit, hints = reference_rule(check, data)
            else:
                credit, hints = check.evaluate(data)
        except Exception:
            credit, hints = None, ()
        points = None if credit is None else round(check.weight * credit, 2)
        results.append(CheckResult(check.id, points, check.weight, hints))
    return summarise(results)


class Links:
    def check(self, url: str) -> LinkResult | None:
        if url.endswith(".csv"):
            return LinkResult(url, False, 404, "HTTP 404", None)  # type: ignore[arg-type]
        return None


DATASETS = [
    complete(),
    complete(satuan=None, konsep="-", keywords=(), bidang_urusan=("2",)),
    complete(publisher=Agent(name="Dinas Kesehatan Kota Blitar"), kode_pemda_bps="3571", bidang_urusan=()),
    complete(distributions=(Distribution(download_url="https://x.go.id/a.pdf", format="PDF"),
                            Distribution(access_service="https://x.go.id/wms", access_url="-"), "odd"),  # type: ignore[arg-type]
             kategori_data="geospasial", cara_pengumpulan="SURVEI", jenis_statistik="STATISTIK_SEKTORAL"),
    complete(distributions=(), access_rights="TERBATAS", license=None, variabel=(Variable(nama="kecamatan"),)),
    complete(spatial=(Location(code="35.1"), Location(code="35.73")), issued="2021-01-01", modified="2022-01-01",
             contact_points=(), title=123, keywords=None),  # type: ignore[arg-type]
]

EXTRA_ISSUES: list[list[Issue]] = [
    [],
    [Issue(E, "SDI-INTERNAL", "Rule V02 could not check this record", location="V02")],
    [Issue(I, "SDI-V02", "only info", field="satuan"), Issue(W, "SDI-V08", "warn", field="bidang_urusan")],
    [Issue(E, "MAP-REQUIRED", "mapping", field="satuan"), Issue(W, "SDI-V02", "w", field="klasifikasi",
                                                                 hint_id="own hint")],
    [Issue(W, "SDI-V15", "licence", field="license", location="distributions[0]"),
     Issue(E, "SDI-V15", "licence 2", field="license"), Issue(E, "SDI-INTERNAL", "x", location=None)],
]


def policies(policy: SdiPolicy) -> list[SdiPolicy]:
    return [policy, replace(policy, rules_off=frozenset({"V02", "SDI-V13"})), replace(policy, organisations=())]


@pytest.mark.parametrize("extra", EXTRA_ISSUES, ids=range(len(EXTRA_ISSUES)))
@pytest.mark.parametrize("dataset", DATASETS, ids=range(len(DATASETS)))
def test_prepared_scorer_equals_plain_algorithm(codelists, policy, dataset, extra) -> None:
    for pol in policies(policy):
        for links in (None, Links()):
            issues = validate_sdi(dataset, pol, codelists) + extra
            got = QualityScorer(codelists, pol, links=links).score(dataset, issues)
            want = reference_score(dataset, issues, codelists, pol, links)
            assert repr(got) == repr(want)  # repr: 5 and 5.0 would compare equal
            assert got.dimension_scores == want.dimension_scores and got.as_dict() == want.as_dict()


def test_results_that_never_vary_are_shared(scorer: QualityScorer) -> None:
    first, second = scorer.score(complete()), scorer.score(complete(identifier="DS-2"))
    assert first == second
    assert all(a is b for a, b in zip(first.results, second.results))  # built once per scorer
    failed = scorer.score(complete(satuan=None))
    assert [r.check for r in failed.failed] == ["sdi.satuan"] and failed.failed[0].points == 0.0


def test_issue_index_keeps_issue_order(codelists, policy) -> None:
    issues = (Issue(W, "SDI-V02", "a", field="konsep"), Issue(I, "SDI-V02", "info", field="konsep"),
              Issue(E, "SDI-V02", "b", field="konsep"), Issue(E, "SDI-INTERNAL", "x", location="V07"))
    indexed = CheckInput(complete(), issues, codelists, policy).rule_issues
    assert [i.message for i in indexed.by_code["SDI-V02"]] == ["a", "b"]  # INFO is never scored
    assert indexed.crashed == ["V07"]
