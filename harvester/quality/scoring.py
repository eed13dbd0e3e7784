"""Per-dataset quality score: the points of every applicable check, a percentage and a rating band.

``QualityScorer(codelists, policy).score(dataset, issues)`` evaluates ``ALL_CHECKS``:

* points of a check = weight × credit (credit 1, a rule's ``warning_credit``, or 0);
* ``max_points`` = sum of the weights of the applicable checks;
* ``score`` = 100 × points / max_points, rounded half up to one decimal (0 when nothing applies);
* ``band`` = the EPSS predikat band of the score (``band_for``).

Pure and deterministic: the same dataset, issues, code lists and policy (whose ``today`` drives the
timeliness rule V13) give the same score. ``issues`` are the dataset's ``validate_sdi`` issues;
when None the scorer runs ``validate_sdi`` itself. Other issues (mapping ...) are ignored.

Failure behaviour: a field check that crashes on unexpected data is logged and counted as not
applicable (like ``SDI-INTERNAL`` for rules); scoring never raises for odd data.

Speed: a scorer prepares the check table for its policy once (``_Step``): checks whose rule the policy
switches off, and the results that never vary (not applicable, full points), are settled at
construction; per dataset only the varying results are built, and the totals are summed while the
checks run (the same arithmetic, in the same order, as ``summarise``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Dataset
from harvester.model.issues import Issue
from harvester.quality.checks import DIMENSION_IDS, Check, CheckInput, Hint
from harvester.quality.checks_dcat import ALL_CHECKS, CHECKS_BY_ID
from harvester.validate.sdi_rules import SdiPolicy, validate_sdi

log = logging.getLogger(__name__)

#: Bump when checks, weights or bands change: stored scores of another version are recomputed.
SCORING_VERSION = "1"

#: EPSS predikat (Perban BPS 3/2022) on its 1..5 scale, lower bounds.
EPSS_BANDS: tuple[tuple[float, str], ...] = (
    (4.2, "Memuaskan"), (3.5, "Sangat Baik"), (2.6, "Baik"), (1.8, "Cukup"), (1.0, "Kurang"))


def epss_to_percent(value: float) -> float:
    """The EPSS 1..5 scale mapped linearly onto 0..100 (1 → 0, 5 → 100)."""
    return (value - 1.0) * 25.0


def percent_to_epss(score: float) -> float:
    """Inverse of ``epss_to_percent``, rounded to two decimals (the precision EPSS results use)."""
    return round(1.0 + score / 25.0, 2)


#: The same bands on the 0..100 score: Memuaskan ≥ 80, Sangat Baik ≥ 62.5, Baik ≥ 40, Cukup ≥ 20.
BANDS: tuple[tuple[float, str], ...] = tuple((epss_to_percent(lo), name) for lo, name in EPSS_BANDS)
BAND_NAMES: tuple[str, ...] = tuple(name for _, name in BANDS)


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent(points: float, max_points: int) -> float:
    """``100 × points / max_points`` rounded half up to one decimal, exactly (integer arithmetic:
    points carry at most two decimals), so that 97.65 becomes 97.7 whatever its float form."""
    hundredths = round(points * 100)
    return _half_up(10 * hundredths, max_points) / 10


def mean(values: Iterable[float]) -> Optional[float]:
    """Arithmetic mean of one-decimal values (scores) rounded half up to one decimal, exactly; None
    for no values."""
    tenths = [round(v * 10) for v in values]
    return _half_up(sum(tenths), len(tenths)) / 10 if tenths else None


def band_for(score: Optional[float]) -> Optional[str]:
    """The band of a 0..100 score (None for None)."""
    if score is None:
        return None
    for lower, name in BANDS:
        if score >= lower:
            return name
    return BANDS[-1][1]


@dataclass(frozen=True)
class CheckResult:
    """One check on one dataset. ``points`` None = not applicable."""

    check: str
    points: Optional[float]
    max_points: int
    hints: tuple[Hint, ...] = ()

    @property
    def failed(self) -> bool:
        return self.points is not None and self.points < self.max_points

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "points": self.points, "max": self.max_points,
                "hints": [h.as_dict() for h in self.hints]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(str(data["check"]), data.get("points"), int(data.get("max") or 0),
                   tuple(Hint.from_dict(h) for h in data.get("hints") or ()))


@dataclass(frozen=True)
class DatasetScore:
    """The quality of one dataset. ``dimensions`` maps a dimension id to (points, max_points)."""

    score: float
    points: float
    max_points: int
    band: str
    dimensions: dict[str, tuple[float, int]]
    results: tuple[CheckResult, ...]
    version: str = SCORING_VERSION

    @cached_property
    def failed(self) -> tuple[CheckResult, ...]:
        """Checks that lost points, in table order."""
        return tuple(r for r in self.results if r.failed)

    @property
    def epss(self) -> float:
        return percent_to_epss(self.score)

    @cached_property
    def dimension_scores(self) -> dict[str, Optional[float]]:
        """Dimension id -> 0..100 score (None when no check of it applies); computed once."""
        out: dict[str, Optional[float]] = {}
        for dim in DIMENSION_IDS:
            points, top = self.dimensions.get(dim, (0.0, 0))
            out[dim] = percent(points, top) if top else None
        return out

    def dimension_score(self, dimension: str) -> Optional[float]:
        return self.dimension_scores.get(dimension)

    def as_dict(self, *, all_results: bool = False) -> dict[str, Any]:
        """JSON form; only failed checks unless ``all_results`` (passed/N-A ones carry no hints)."""
        chosen = self.results if all_results else self.failed
        return {"score": self.score, "points": self.points, "max_points": self.max_points, "band": self.band,
                "version": self.version, "dimensions": {k: list(v) for k, v in self.dimensions.items()},
                "checks": [r.as_dict() for r in chosen]}


@dataclass(frozen=True)
class _Step:
    """One check of the table, prepared for a scorer's policy. Results are immutable, so the two that
    never vary are built once and shared by every score."""

    check: Check
    dimension: str
    off: bool  # its rule is switched off in the policy: never applicable
    direct_rule: Optional[str]  # rule id of a rule check that always applies: run calls Check.judge_rule
    not_applicable: CheckResult
    passed: CheckResult  # full points (credit 1.0), no hints

    @classmethod
    def prepare(cls, check: Check, policy: SdiPolicy) -> _Step:
        rule_id = check.rule_id
        return cls(check, check.dimension, rule_id is not None and policy.is_off(rule_id),
                   rule_id if check.applies is None else None, CheckResult(check.id, None, check.weight),
                   CheckResult(check.id, round(check.weight * 1.0, 2), check.weight))

    def run(self, data: CheckInput) -> CheckResult:
        """The check's result on one dataset (``Check.evaluate`` turned into points)."""
        check = self.check
        if self.off:
            return self.not_applicable  # what evaluate() answers for a switched-off rule
        try:
            if self.direct_rule is not None:
                credit, hints = check.judge_rule(data, self.direct_rule)
            else:
                credit, hints = check.evaluate(data)
        except Exception:  # a crashing check must not lose the whole score
            log.exception("quality check %s failed on dataset %r", check.id, data.dataset.identifier)
            return self.not_applicable
        if not hints:
            if credit is None:
                return self.not_applicable
            if type(credit) is float and credit == 1.0:  # the very operands `passed` was built from
                return self.passed
        if credit is None:
            points = None
        elif credit == 0:
            points = check.weight * credit  # what round() would give: a zero of the same sign and type
        else:
            points = round(check.weight * credit, 2)
        return CheckResult(check.id, points, check.weight, hints)


class QualityScorer:
    """Scores canonical datasets. Thread-safe (holds only read-only inputs)."""

    def __init__(self, codelists: CodeLists, policy: SdiPolicy, *, links: Any = None) -> None:
        """``links``: a ``LinkChecker`` to score distribution links (check ``dcat.tautan_aktif``);
        None (the default) leaves that check not applicable."""
        self.codelists, self.policy, self.links = codelists, policy, links
        self._steps = tuple(_Step.prepare(check, policy) for check in ALL_CHECKS)

    def score(self, dataset: Dataset, issues: Optional[Sequence[Issue]] = None) -> DatasetScore:
        """Score one dataset from its SDI issues (run ``validate_sdi`` when ``issues`` is None)."""
        if issues is None:
            issues = validate_sdi(dataset, self.policy, self.codelists)
        data = CheckInput(dataset, tuple(issues), self.codelists, self.policy, self.links)
        dims = _empty_dimensions()
        results: list[CheckResult] = []
        for step in self._steps:
            result = step.run(data)
            results.append(result)
            if result.points is not None:  # as summarise() adds it up
                totals = dims[step.dimension]
                totals[0] += result.points
                totals[1] += result.max_points
        return _totalled(dims, results)


def _empty_dimensions() -> dict[str, list[float]]:
    return {d: [0.0, 0] for d in DIMENSION_IDS}


def summarise(results: Sequence[CheckResult]) -> DatasetScore:
    """Totals, dimensions, percentage and band of a list of check results."""
    dims = _empty_dimensions()
    for result in results:
        check = CHECKS_BY_ID.get(result.check)
        if check is None or result.points is None:
            continue
        dims[check.dimension][0] += result.points
        dims[check.dimension][1] += result.max_points
    return _totalled(dims, results)


def _totalled(dims: dict[str, list[float]], results: Sequence[CheckResult]) -> DatasetScore:
    """The score of per-dimension [points, max_points] sums (in ``DIMENSION_IDS`` order)."""
    points = round(sum(p for p, _ in dims.values()), 2)
    top = int(sum(m for _, m in dims.values()))
    score = percent(points, top) if top else 0.0
    dimensions = {k: (round(p, 2), int(m)) for k, (p, m) in dims.items() if m}
    return DatasetScore(score, points, top, band_for(score) or BANDS[-1][1], dimensions, tuple(results))


def score_from_dict(data: dict[str, Any]) -> DatasetScore:
    """Rebuild a stored score (``as_dict`` output). Checks not stored are taken as passed/N-A."""
    dims = {str(k): (float(v[0]), int(v[1])) for k, v in (data.get("dimensions") or {}).items()}
    return DatasetScore(float(data["score"]), float(data["points"]), int(data["max_points"]), str(data["band"]),
                        dims, tuple(CheckResult.from_dict(c) for c in data.get("checks") or ()),
                        str(data.get("version") or SCORING_VERSION))
