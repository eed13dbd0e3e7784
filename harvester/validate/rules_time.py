"""Time rules: frequency and release schedule (V04), date integrity (V12), timeliness (V13).

Canonical dates are ISO 8601 strings of varying precision (``2024``, ``2024-03``, ``2024-03-31``, full
datetimes). Each is read as the range of days it covers, so ``2024`` vs ``2024-06-01`` compares sensibly:
a start is after an end only when the start's first day is after the end's last day. Time of day and time
zones are ignored (day precision is enough for these rules). V04, V12 and V13 read the same dates of a
record, and records share dates, so ``day_range`` answers are kept in a bounded LRU cache.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from harvester.validate.rules_base import RuleContext, is_blank, shown, str_memo

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$")


@str_memo(4096, max_len=64)  # a date, even a full datetime, is shorter: longer strings are garbage
def day_range(value: Any) -> tuple[date, date] | None:
    """First and last day covered by an ISO 8601 date string; None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _ISO.match(value.strip())
    if not match:
        return None
    try:
        year = int(match.group(1))
        if match.group(2) is None:
            return date(year, 1, 1), date(year, 12, 31)
        month = int(match.group(2))
        if match.group(3) is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        day = date(year, month, int(match.group(3)))
        return day, day
    except ValueError:  # 2024-13-01, 2023-02-30
        return None


def _bad_date(ctx: RuleContext, field_name: str, value: Any, location: str | None = None) -> None:
    ctx.error(field_name, f"{shown(value)} in {field_name} is not an ISO 8601 date.",
              "Tulis tanggal dalam format TTTT-BB-HH (contoh: 2024-12-31).",
              "Write the date as YYYY-MM-DD (e.g. 2024-12-31).", location=location)


def _frekuensi(ctx: RuleContext):  # -> Code | None
    value = ctx.dataset.accrual_periodicity
    return ctx.codelists["frekuensi"].get(value) if isinstance(value, str) else None


def last_update(ctx: RuleContext) -> date | None:
    """Last day the dataset is known to have been updated (modified, else issued)."""
    for value in (ctx.dataset.modified, ctx.dataset.issued):
        rng = day_range(value)
        if rng:
            return rng[1]
    return None


def v04_frekuensi_jadwal(ctx: RuleContext) -> None:
    """V04: frekuensi is a code of the frekuensi list, and a release schedule exists or can be derived."""
    value = ctx.dataset.accrual_periodicity
    codes = ctx.codelists["frekuensi"]
    freq = _frekuensi(ctx)
    if is_blank(value):
        ctx.error("accrual_periodicity", "The update frequency (frekuensi) is missing.",
                  "Isi Frekuensi/Jadwal Pemutakhiran (misalnya: Tahunan, Bulanan, Triwulanan).",
                  "Fill in the update frequency (e.g. Tahunan/annual, Bulanan/monthly).")
    elif freq is None:
        guess = codes.lookup(value)
        ctx.error("accrual_periodicity", f"The frequency {shown(value)} is not a code of the frekuensi list"
                  + (f" (did the mapping mean {guess.code}?)." if guess else "."),
                  "Pilih frekuensi dari daftar: " + ", ".join(c.label for c in codes) + ".",
                  "Choose a frequency from the list: " + ", ".join(c.code for c in codes) + ".")
    schedule = ctx.dataset.jadwal_rilis
    for i, item in enumerate(schedule):
        if day_range(item) is None:
            _bad_date(ctx, "jadwal_rilis", item, location=f"jadwal_rilis[{i}]")
    if schedule:
        return
    derivable = freq is not None and last_update(ctx) is not None and (
        freq.attrs.get("period_days") is not None or freq.code == "SEKALI")
    if not derivable:
        ctx.error("jadwal_rilis", "The release schedule (jadwal rilis) is missing and cannot be derived "
                  "from the frequency and the last release date.",
                  "Isi Jadwal Rilis (tanggal rencana rilis berikutnya), atau isi frekuensi dan tanggal pembaruan.",
                  "Fill in the planned release date, or a frequency with a fixed period plus the last update date.")


def v12_dates(ctx: RuleContext) -> None:
    """V12: temporal coverage start ≤ end; modified ≥ issued; all dates parse."""
    ds = ctx.dataset
    ranges = {}
    for name in ("issued", "modified"):
        value = getattr(ds, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        ranges[name] = day_range(value)
        if ranges[name] is None:
            _bad_date(ctx, name, value)
    if ranges.get("issued") and ranges.get("modified") and ranges["modified"][1] < ranges["issued"][0]:
        ctx.error("modified", f"The last modification {shown(ds.modified)} is before the release date "
                  f"{shown(ds.issued)}.",
                  "Tanggal diperbarui tidak boleh lebih awal dari tanggal dibuat; periksa kedua tanggal.",
                  "The modification date cannot be earlier than the release date; check both dates.")
    for i, period in enumerate(ds.temporal):
        start, end = getattr(period, "start", None), getattr(period, "end", None)
        bounds = []
        for value in (start, end):
            if value is None or (isinstance(value, str) and not value.strip()):
                bounds.append(None)
                continue
            rng = day_range(value)
            if rng is None:
                _bad_date(ctx, "temporal", value, location=f"temporal[{i}]")
            bounds.append(rng)
        if bounds[0] and bounds[1] and bounds[0][0] > bounds[1][1]:
            ctx.error("temporal", f"The temporal coverage starts ({shown(start)}) after it ends ({shown(end)}).",
                      "Periode data (tahun awal–akhir) terbalik: tahun awal harus sebelum tahun akhir.",
                      "The data period is reversed: the start must not be after the end.",
                      location=f"temporal[{i}]")


def v13_timeliness(ctx: RuleContext) -> None:
    """V13: last update + period(frekuensi) + grace < today means overdue; so does a missed planned release."""
    freq = _frekuensi(ctx)
    last = last_update(ctx)
    if last is None:
        return
    today, grace = ctx.policy.today, timedelta(days=max(ctx.policy.overdue_grace_days, 0))
    period = freq.attrs.get("period_days") if freq is not None else None
    if isinstance(period, int) and last + timedelta(days=period) + grace < today:
        late = (today - (last + timedelta(days=period))).days
        ctx.warn("modified", f"The dataset is overdue: last updated {last.isoformat()}, frequency "
                 f"{freq.code} ({period} days), {late} days late on {today.isoformat()}.",  # type: ignore[union-attr]
                 f"Data belum diperbarui sesuai frekuensi {freq.label}; perbarui data atau sesuaikan frekuensinya.",  # type: ignore[union-attr]
                 f"The data has not been updated as its frequency ({freq.code}) promises; update it or fix the frequency.")  # type: ignore[union-attr]
        return
    missed = [r[1] for r in (day_range(v) for v in ctx.dataset.jadwal_rilis) if r and last < r[1] and r[1] + grace < today]
    if missed:
        ctx.warn("jadwal_rilis", f"The planned release of {max(missed).isoformat()} has passed but the dataset was "
                 f"last updated {last.isoformat()}.",
                 "Jadwal rilis sudah lewat tetapi data belum diperbarui; rilis data atau perbarui jadwal rilis.",
                 "The planned release date has passed without an update; release the data or revise the schedule.")
