"""parse_date: the source date formats of Indonesian portals, and crash-safety on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from harvester.mapping.dates import parse_date


@pytest.mark.parametrize("text, expected", [
    ("2024", "2024"),
    ("2024-09", "2024-09"),
    ("2024-09-23", "2024-09-23"),
    ("2024-09-23T10:00:00Z", "2024-09-23T10:00:00Z"),
    ("2024-09-23T10:00:00+0700", "2024-09-23T10:00:00+07:00"),
    ("2026-05-18T08:46:37.000Z", "2026-05-18T08:46:37Z"),
    ("2012-05-10T21:04", "2012-05-10T21:04:00"),
    ("2024-09-23 10:00:00", "2024-09-23T10:00:00"),
    ("23/09/2024", "2024-09-23"),
    ("23-09-2024", "2024-09-23"),
    ("05/04/2024", "2024-04-05"),           # day first, Indonesian style
    ("12/31/2019", "2019-12-31"),           # day-first impossible: month first
    ("mar, 10/12/2019 - 09:23", "2019-12-10T09:23:00"),   # DKAN, French weekday, dd/mm/yyyy
    ("Senin, 23 September 2024", "2024-09-23"),
    ("23 September 2024", "2024-09-23"),
    ("23 Sept 2024", "2024-09-23"),
    ("23 Agustus 2024", "2024-08-23"),
    ("1 Agt 2024", "2024-08-01"),
    ("1 Ags 2024", "2024-08-01"),
    ("17 Okt 2023", "2023-10-17"),
    ("25 Des 2023", "2023-12-25"),
    ("3 Mei 2022", "2022-05-03"),
    ("Sep 2024", "2024-09"),
    ("Februari 2021", "2021-02"),
    ("September 23, 2024", "2024-09-23"),
    ("1727049600000", "2024-09-23T00:00:00Z"),   # epoch milliseconds
    (1727049600000, "2024-09-23T00:00:00Z"),
    (2019.0, "2019"),
    ("2019.0", "2019"),
])
def test_formats(text, expected):
    assert parse_date(text) == expected


def test_month_first_when_asked():
    assert parse_date("05/04/2024", dayfirst=False) == "2024-05-04"


@pytest.mark.parametrize("text", ["", "00:00.0", "PYCSW_TIMESTAMP", "31/02/2024", "2024-13-01", "R/P1Y",
                                  "Unknown", "2010/2015", True, None, "99 September 2024"])
def test_not_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


@given(st.one_of(st.text(max_size=80), st.integers(), st.floats(allow_nan=True)))
def test_never_crashes(value):
    """Any input gives ISO text or ValueError, never another exception."""
    try:
        out = parse_date(value)
    except ValueError:
        return
    assert isinstance(out, str) and out[:4].isdigit()


@given(st.dates(min_value=__import__("datetime").date(1000, 1, 1), max_value=__import__("datetime").date(2999, 12, 31)))
def test_round_trips_iso_and_day_first(day):
    iso = day.isoformat()
    assert parse_date(iso) == iso
    assert parse_date(day.strftime("%d/%m/%Y")) == iso
