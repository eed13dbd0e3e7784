"""Inline SVG for the HTML report: a trend chart with the rating bands behind it, and sparklines.

Pure string building (no plotting library): the report must render in any browser, print, and be
mailed as one file. Points are ``{"computed_at": ISO text, "score": float|None}`` as in the report
JSON; points without a score are skipped. The x axis is time (evenly spaced when all points share
one instant), the y axis the 0..100 score.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any, Optional, Sequence

#: Band -> colour (shared with the HTML tables and legend).
BAND_COLOURS = {"Memuaskan": "#1b7f3b", "Sangat Baik": "#5a9e2f", "Baik": "#b59a00", "Cukup": "#d9731a",
                "Kurang": "#c62828"}


def decimal_id(value: Optional[float], digits: int = 1) -> str:
    """A number as Indonesian text: decimal comma ('83,4'); '–' for None."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",")


def _when(text: str) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _xy(points: Sequence[dict[str, Any]], left: float, top: float, width: float, height: float
        ) -> list[tuple[float, float, dict[str, Any]]]:
    usable: list[tuple[dict[str, Any], datetime]] = []
    for point in points:
        when = _when(point.get("computed_at") or "")
        if point.get("score") is not None and when is not None:
            usable.append((point, when))
    if not usable:
        return []
    times = [t.timestamp() for _, t in usable]
    lo, hi = min(times), max(times)
    out = []
    for i, (point, _) in enumerate(usable):
        if hi > lo:
            frac = (times[i] - lo) / (hi - lo)
        else:
            frac = 0.5 if len(usable) == 1 else i / (len(usable) - 1)
        x = left + frac * width
        y = top + (1 - float(point["score"]) / 100.0) * height
        out.append((round(x, 1), round(y, 1), point))
    return out


def trend_chart(points: Sequence[dict[str, Any]], bands: Sequence[dict[str, Any]], *, title: str,
                width: int = 640, height: int = 220) -> str:
    """A line chart of a scope's trend over the band zones; an explanatory text when there is no point."""
    left, top, right, bottom = 44, 12, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    upper = 100.0
    for band in bands:  # highest band first
        lower = float(band["min_score"])
        y1 = top + (1 - upper / 100) * plot_h
        y2 = top + (1 - lower / 100) * plot_h
        colour = BAND_COLOURS.get(band["band"], "#999")
        parts.append(f'<rect x="{left}" y="{y1:.1f}" width="{plot_w}" height="{y2 - y1:.1f}" fill="{colour}" '
                     f'fill-opacity="0.12"><title>{escape(band["band"])} ≥ {decimal_id(lower)}</title></rect>')
        parts.append(f'<text x="{left + plot_w - 4}" y="{y1 + 11:.1f}" text-anchor="end" class="band-label" '
                     f'fill="{colour}">{escape(band["band"])}</text>')
        upper = lower
    for tick in (0, 20, 40, 60, 80, 100):
        y = top + (1 - tick / 100) * plot_h
        parts.append(f'<line x1="{left - 4}" x2="{left}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#555"/>'
                 f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#555"/>')
    coords = _xy(points, left + 8, top, plot_w - 16, plot_h)
    if not coords:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" class="empty">'
                     'Belum ada riwayat skor</text>')
    else:
        if len(coords) > 1:
            path = " ".join(f"{x},{y}" for x, y, _ in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#1f3b73" stroke-width="2"/>')
        for x, y, point in coords:
            label = f'{(point.get("computed_at") or "")[:16].replace("T", " ")}: {decimal_id(point["score"])}'
            parts.append(f'<circle class="point" cx="{x}" cy="{y}" r="4" fill="#1f3b73" '
                         f'data-score="{point["score"]}"><title>{escape(label)}</title></circle>')
        first, last = coords[0][2], coords[-1][2]
        parts.append(f'<text x="{left}" y="{height - 10}" class="tick">{escape(_day(first))}</text>')
        if len(coords) > 1:
            parts.append(f'<text x="{left + plot_w}" y="{height - 10}" text-anchor="end" class="tick">'
                         f'{escape(_day(last))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _day(point: dict[str, Any]) -> str:
    when = _when(point.get("computed_at") or "")
    return when.strftime("%d/%m/%Y %H:%M") if when else ""


def sparkline(points: Sequence[dict[str, Any]], *, width: int = 90, height: int = 24) -> str:
    """A tiny trend line for table cells ('–' text when there is no point)."""
    coords = _xy(points, 3, 3, width - 6, height - 6)
    if not coords:
        return '<span class="muted">–</span>'
    label = " → ".join(decimal_id(p["score"]) for _, _, p in coords[-6:])
    parts = [f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img"><title>{escape(label)}</title>']
    if len(coords) > 1:
        parts.append('<polyline points="' + " ".join(f"{x},{y}" for x, y, _ in coords)
                     + '" fill="none" stroke="#1f3b73" stroke-width="1.5"/>')
    x, y, _ = coords[-1]
    parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="#1f3b73"/></svg>')
    return "".join(parts)
