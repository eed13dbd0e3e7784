"""SDI rules on time: V04 frequency and schedule, V12 date integrity, V13 timeliness (today = 2025-06-01)."""

from __future__ import annotations

from datetime import date

import pytest

from harvester.model.dataset import PeriodOfTime
from harvester.validate.rules_time import day_range
from tests.unit.validate.conftest import blitar_policy, codes


# --------------------------------------------------------------------------------------- V04
def test_v04_missing_frequency(check):
    assert codes(check(accrual_periodicity=None)) == [("SDI-V04", "error", "accrual_periodicity")]


@pytest.mark.parametrize("value", ["Tahunan", "tahunan", "annual", "R/P1Y"])
def test_v04_label_instead_of_code_is_error_naming_code(check, value):
    issues = check(accrual_periodicity=value)
    assert codes(issues) == [("SDI-V04", "error", "accrual_periodicity")]
    assert "TAHUNAN" in issues[0].message


def test_v04_unknown_frequency(check):
    issues = check(accrual_periodicity="SEWINDU")
    assert codes(issues) == [("SDI-V04", "error", "accrual_periodicity")]
    assert "Tahunan" in issues[0].hint_id


def test_v04_schedule_derivable_from_frequency_and_last_update(check):
    assert check(jadwal_rilis=()) == []
    assert check(jadwal_rilis=(), accrual_periodicity="SEKALI") == []


def test_v04_schedule_not_derivable(check):
    assert codes(check(jadwal_rilis=(), accrual_periodicity="AD_HOC")) == [("SDI-V04", "error", "jadwal_rilis")]
    assert codes(check(jadwal_rilis=(), issued=None, modified=None)) == [("SDI-V04", "error", "jadwal_rilis")]


def test_v04_bad_schedule_date(check):
    issues = check(jadwal_rilis=("31/03/2026",))
    assert codes(issues) == [("SDI-V04", "error", "jadwal_rilis")]
    assert issues[0].location == "jadwal_rilis[0]"


# --------------------------------------------------------------------------------------- V12
def test_v12_modified_before_issued(check):
    issues = check(issued="2025-03-01", modified="2025-02-28")
    assert codes(issues) == [("SDI-V12", "error", "modified")]
    assert "2025-02-28" in issues[0].message


def test_v12_precision_aware_comparison(check):
    assert check(issued="2025", modified="2025-02-01") == []  # same year: not 'before'
    assert codes(check(issued="2025-03", modified="2025-02-15")) == [("SDI-V12", "error", "modified")]


def test_v12_datetimes(check):
    assert check(issued="2024-01-15T08:00:00+07:00", modified="2025-02-01T10:00:00Z") == []


@pytest.mark.parametrize("value", ["15 Januari 2024", "2024-13-01", "2023-02-30", "kemarin"])
def test_v12_invalid_dates(check, value):
    assert ("SDI-V12", "error", "issued") in codes(check(issued=value))


def test_v12_temporal_reversed(check):
    issues = check(temporal=(PeriodOfTime(start="2024", end="2019"),))
    assert codes(issues) == [("SDI-V12", "error", "temporal")]
    assert issues[0].location == "temporal[0]"


def test_v12_open_temporal_bounds_are_fine(check):
    assert check(temporal=(PeriodOfTime(start="2019"), PeriodOfTime(end="2024-12"))) == []


def test_day_range():
    assert day_range("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert day_range("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert day_range("2024-02-03T10:00:00+07:00") == (date(2024, 2, 3), date(2024, 2, 3))
    assert day_range("2024/02/03") is None and day_range(2024) is None


# --------------------------------------------------------------------------------------- V13
def test_v13_overdue_annual_dataset(check):
    # last update 2023-12-31, annual (365) + grace 30 -> due by 2025-01-29; today 2025-06-01
    issues = check(issued="2023-01-01", modified="2023-12-31", jadwal_rilis=())
    assert codes(issues) == [("SDI-V13", "warning", "modified")]
    assert "2023-12-31" in issues[0].message and "TAHUNAN" in issues[0].message


def test_v13_grace_period_boundary(check):
    # last 2024-04-02 + 365 = 2025-04-02; + 30 = 2025-05-02 < 2025-06-01 -> overdue; grace 60 -> not
    assert codes(check(issued="2024-01-01", modified="2024-04-02")) == [("SDI-V13", "warning", "modified")]
    assert check(issued="2024-01-01", modified="2024-04-02", policy=blitar_policy(overdue_grace_days=60)) == []


def test_v13_monthly_dataset(check):
    assert codes(check(accrual_periodicity="BULANAN", modified="2025-03-15")) == [("SDI-V13", "warning", "modified")]
    assert check(accrual_periodicity="BULANAN", modified="2025-05-15") == []


def test_v13_no_period_no_check(check):
    assert check(accrual_periodicity="SEKALI", issued="2010-01-01", modified="2010-01-01") == []


def test_v13_missed_planned_release(check):
    # last update 2024-12-01; planned 2025-01-31 + 30 days grace < 2025-06-01
    issues = check(accrual_periodicity="LEBIH_DARI_DUA_TAHUNAN", modified="2024-12-01", jadwal_rilis=("2025-01-31",))
    assert codes(issues) == [("SDI-V13", "warning", "jadwal_rilis")]
    assert "2025-01-31" in issues[0].message
    # released after the plan, or the plan is still within the grace period
    assert check(accrual_periodicity="LEBIH_DARI_DUA_TAHUNAN", modified="2025-02-10", jadwal_rilis=("2025-01-31",)) == []
    assert check(accrual_periodicity="LEBIH_DARI_DUA_TAHUNAN", modified="2024-12-01", jadwal_rilis=("2025-05-20",)) == []


def test_v13_can_be_switched_off(check):
    policy = blitar_policy(rules_off=frozenset({"V13"}))
    assert check(issued="2020-01-01", modified="2020-01-01", policy=policy) == []
