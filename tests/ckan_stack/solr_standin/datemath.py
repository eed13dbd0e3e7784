"""Solr date math for the Solr stand-in (TEST ONLY).

Duty: evaluate ``NOW``, ISO dates and date-math suffixes (``+1DAY``, ``-2MONTHS``, ``/DAY``) the
way Solr's DateMathParser does, in UTC. Failure behaviour: ``DateMathError`` (a ``ValueError``)
for text it cannot read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .analysis import parse_date

_MATH_RE = re.compile(r"([+-]\d+|/)(YEARS?|MONTHS?|DAYS?|DATE|HOURS?|MINUTES?|SECONDS?|MILLIS?)")


class DateMathError(ValueError):
    """An unreadable date or date-math expression."""


def resolve_date(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """Evaluate a Solr date or date-math expression (``NOW-1DAY``, ``2024-01-01T00:00:00Z/DAY``)."""
    text = text.strip()
    base_now = now or dt.datetime.now(dt.timezone.utc)
    if text.startswith("NOW"):
        value, rest = base_now, text[3:]
    else:
        cut = next((m.start() for m in _MATH_RE.finditer(text) if m.start() >= 10), len(text))
        value, rest = parse_date(text[:cut]), text[cut:]
    pos = 0
    for m in _MATH_RE.finditer(rest):
        if m.start() != pos:
            break
        pos = m.end()
        op, unit = m.group(1), m.group(2).rstrip("S").replace("DATE", "DAY")
        if op == "/":
            value = _round_down(value, unit)
        else:
            value = _add(value, int(op), unit)
    if pos != len(rest):
        raise DateMathError(f"Invalid Date Math String:'{text}'")
    return value


def _round_down(value: dt.datetime, unit: str) -> dt.datetime:
    parts = ["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLI"]
    keep = parts.index(unit)
    fields = dict(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    names = ["month", "day", "hour", "minute", "second", "microsecond"]
    reset = {n: fields[n] for n in names[keep:]}
    if unit == "MILLI":
        reset = {"microsecond": value.microsecond // 1000 * 1000}
    return value.replace(**reset)


def _add(value: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit in ("YEAR", "MONTH"):
        months = value.month - 1 + amount * (12 if unit == "YEAR" else 1)
        year, month = value.year + months // 12, months % 12 + 1
        day = min(value.day, calendar.monthrange(year, month)[1])
        return value.replace(year=year, month=month, day=day)
    seconds = {"DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1, "MILLI": 0.001}[unit]
    return value + dt.timedelta(seconds=amount * seconds)
