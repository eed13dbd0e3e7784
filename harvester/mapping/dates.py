"""Date parsing for the ``parse_date`` transform: source date text -> ISO 8601 text.

Accepted (case-insensitive, surrounding junk such as a weekday prefix ``Senin,`` / ``mar,`` ignored):

* ISO 8601: ``2024``, ``2024-09``, ``2024-09-23``, ``2024-09-23T10:00[:00[.123]][Z|+07:00|+0700]``,
  also with a space instead of ``T`` (``2024-09-23 10:00:00``) and ``2024/09/23``
* numeric day-first dates ``23/09/2024``, ``23-09-2024``, ``23.09.2024`` with an optional time, also
  ``10/12/2019 - 09:23`` (DKAN); month-first is used only when day-first is impossible (``12/31/2019``)
  or when ``dayfirst`` is false
* month names, Indonesian and English, full or abbreviated: ``23 September 2024``, ``23 Sept 2024``,
  ``23-Agu-2024``, ``Sep 2024``, ``Agustus 2024``, ``September 23, 2024``
  (Jan Feb Mar Apr Mei/May Jun Jul Agu/Agt/Ags/Aug Sep/Sept Okt/Oct Nov Des/Dec)
* epoch milliseconds (12–13 digits) -> UTC datetime ``...Z``
* a float-coerced year (``2019.0``)

Output keeps the precision of the input: ``2019`` -> ``2019``, ``Sep 2024`` -> ``2024-09``,
``23/09/2024`` -> ``2024-09-23``, datetimes -> ``YYYY-MM-DDTHH:MM:SS`` (+ ``Z`` / ``+HH:MM`` when the
input had a zone). Fractions of seconds are dropped.

Failure behaviour: anything else raises ``ValueError`` with a short reason; the function never
raises anything else, whatever the input (property-tested).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    [
        ("januari", "january", "jan"),
        ("februari", "february", "feb", "pebruari", "peb"),
        ("maret", "march", "mar"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("agustus", "august", "agu", "agt", "ags", "aug", "agust"),
        ("september", "sep", "sept", "sep."),
        ("oktober", "october", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name.rstrip(".")] = _num

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
# Input is lower-cased before matching, hence 't' and 'z'.
_TIME = r"(?:[ t]+(?:-\s*)?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+-]\d{2}:?\d{2})?)?"

_ISO = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2})" + _TIME + r")?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME + r"$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[\s.-]*(" + _MONTH_RE + r")\.?[\s.,-]*(\d{4})" + _TIME + r"$")
_MONTH_DAY_YEAR = re.compile(r"^(" + _MONTH_RE + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME + r"$")
_MONTH_YEAR = re.compile(r"^(" + _MONTH_RE + r")\.?[\s,-]*(\d{4})$")
_WEEKDAY_PREFIX = re.compile(r"^[^\W\d_]{2,9}\.?\s*,\s*")
_EPOCH_MS = re.compile(r"^\d{12,13}$")
_FLOAT_YEAR = re.compile(r"^(\d{4})\.0+$")

MIN_YEAR, MAX_YEAR = 1000, 2999


def _zone(text: str | None) -> str:
    if not text:
        return ""
    if text.lower() == "z":
        return "Z"
    digits = text.replace(":", "")
    return f"{digits[:3]}:{digits[3:]}"


def _compose(year: int, month: int | None, day: int | None,
             hour: str | None = None, minute: str | None = None, second: str | None = None,
             zone: str | None = None) -> str:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} out of range")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} out of range")
    if day is None:
        return f"{year:04d}-{month:02d}"
    date(year, month, day)  # raises ValueError for 31 Feb etc.
    out = f"{year:04d}-{month:02d}-{day:02d}"
    if hour is None:
        return out
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        raise ValueError("time out of range")
    return f"{out}T{h:02d}:{m:02d}:{s:02d}{_zone(zone)}"


def parse_date(value: object, *, dayfirst: bool = True) -> str:
    """ISO 8601 text for ``value`` (see module doc). Raises ValueError if it is not a date."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a date")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError(f"cannot read a date from {type(value).__name__}")
    text = " ".join(text.strip().split()).lower()
    if not text:
        raise ValueError("empty")
    if len(text) > 64:
        raise ValueError("too long to be a date")
    if _EPOCH_MS.match(text):
        try:
            moment = datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError("epoch milliseconds out of range") from None
        return _compose(moment.year, moment.month, moment.day, str(moment.hour), str(moment.minute),
                        str(moment.second), "Z")
    text = _WEEKDAY_PREFIX.sub("", text, count=1)
    m = _FLOAT_YEAR.match(text)
    if m:
        return _compose(int(m.group(1)), None, None)
    m = _ISO.match(text)
    if m:
        y, mo, d, hh, mi, ss, zone = m.groups()
        return _compose(int(y), int(mo) if mo else None, int(d) if d else None, hh, mi, ss, zone)
    m = _NUMERIC.match(text)
    if m:
        a, b, y, hh, mi, ss, zone = m.groups()
        first, second = (int(a), int(b)) if dayfirst else (int(b), int(a))
        try:
            return _compose(int(y), second, first, hh, mi, ss, zone)
        except ValueError:
            pass
        try:
            return _compose(int(y), first, second, hh, mi, ss, zone)  # the other order, if valid
        except ValueError:
            raise ValueError("invalid day or month") from None
    m = _DAY_MONTH_YEAR.match(text)
    if m:
        d, name, y, hh, mi, ss, zone = m.groups()
        return _compose(int(y), MONTHS[name], int(d), hh, mi, ss, zone)
    m = _MONTH_DAY_YEAR.match(text)
    if m:
        name, d, y, hh, mi, ss, zone = m.groups()
        return _compose(int(y), MONTHS[name], int(d), hh, mi, ss, zone)
    m = _MONTH_YEAR.match(text)
    if m:
        return _compose(int(m.group(2)), MONTHS[m.group(1)], None)
    raise ValueError("not a recognised date format")
