"""Score arithmetic, bands (EPSS predikat scaled to 0..100) and the stored form of a score."""

from __future__ import annotations

import pytest

from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.scoring import (CheckResult, QualityScorer, band_for, epss_to_percent, percent_to_epss,
                                       score_from_dict, summarise)
from tests.unit.quality.conftest import complete


@pytest.mark.parametrize("score,band", [
    (100.0, "Memuaskan"), (80.0, "Memuaskan"), (79.9, "Sangat Baik"), (62.5, "Sangat Baik"), (62.4, "Baik"),
    (40.0, "Baik"), (39.9, "Cukup"), (20.0, "Cukup"), (19.9, "Kurang"), (0.0, "Kurang"), (None, None)])
def test_band_boundaries(score, band) -> None:
    assert band_for(score) == band


def test_epss_scale_mapping() -> None:
    # EPSS 1..5 onto 0..100; Kota Blitar's 2.52 ("Cukup") is a score of 38
    assert epss_to_percent(1.0) == 0 and epss_to_percent(5.0) == 100
    assert epss_to_percent(2.52) == pytest.approx(38.0)
    assert band_for(epss_to_percent(2.52)) == "Cukup"
    assert percent_to_epss(38.0) == 2.52
    for epss, name in [(4.2, "Memuaskan"), (3.5, "Sangat Baik"), (2.6, "Baik"), (1.8, "Cukup")]:
        assert band_for(epss_to_percent(epss)) == name
        assert band_for(epss_to_percent(epss) - 0.1) != name


def test_sdi_part_mirrors_the_four_epss_aspects() -> None:
    totals: dict[str, int] = {}
    for check in ALL_CHECKS:
        totals[check.dimension] = totals.get(check.dimension, 0) + check.weight
    assert [totals[d] for d in ("standar_data", "metadata", "interoperabilitas", "kode_referensi")] == [25] * 4
    assert sum(totals.values()) == 150


def test_summarise_arithmetic() -> None:
    results = [CheckResult("sdi.satuan", 0.0, 5), CheckResult("sdi.konsep", 5.0, 5),
               CheckResult("sdi.klasifikasi", 2.0, 4), CheckResult("sdi.kode_sds", None, 2),
               CheckResult("dcat.kata_kunci", 5.0, 5)]
    score = summarise(results)
    assert (score.points, score.max_points) == (12.0, 19)
    assert score.score == 63.2  # 12 / 19
    assert score.band == "Sangat Baik"
    assert score.dimensions == {"standar_data": (7.0, 14), "findability": (5.0, 5)}
    assert score.dimension_score("standar_data") == 50.0
    assert score.dimension_score("reusability") is None
    assert [r.check for r in score.failed] == ["sdi.satuan", "sdi.klasifikasi"]


def test_nothing_applicable_scores_zero() -> None:
    score = summarise([CheckResult("sdi.kode_sds", None, 2)])
    assert (score.score, score.max_points, score.band) == (0.0, 0, "Kurang")


def test_deterministic_and_round_trip(scorer: QualityScorer) -> None:
    dataset = complete(satuan=None, keywords=(), bidang_urusan=("2",))
    first, second = scorer.score(dataset), scorer.score(dataset)
    assert first == second
    stored = score_from_dict(first.as_dict())
    assert (stored.score, stored.points, stored.max_points, stored.band, stored.dimensions) == (
        first.score, first.points, first.max_points, first.band, first.dimensions)
    assert stored.failed == first.failed  # failed checks keep their hints


def test_as_dict_keeps_only_failed_checks_by_default(scorer: QualityScorer) -> None:
    data = scorer.score(complete(satuan=None)).as_dict()
    assert [c["check"] for c in data["checks"]] == ["sdi.satuan"]
    assert data["checks"][0]["hints"][0]["field"] == "satuan"
    assert len(scorer.score(complete()).as_dict(all_results=True)["checks"]) == len(ALL_CHECKS)


def test_exact_half_up_rounding() -> None:
    from harvester.quality.scoring import mean, percent

    assert mean([100.0, 96.4, 96.4, 97.8]) == 97.7  # 97.65: a float sum would give 97.64999...
    assert mean([0.1, 0.2]) == 0.2 and mean([]) is None
    assert percent(133, 138) == 96.4 and percent(1, 8) == 12.5 and percent(0.5, 3) == 16.7
    assert percent(2.25, 3) == 75.0 and percent(138, 138) == 100.0
