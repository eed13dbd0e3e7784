"""Server-rendered SVG trend charts for the status pages (no JavaScript, no CDN, no chart library).

``trend_svg`` draws the recent jobs of one source, oldest left: a bar per job for the records it
saw (left scale) and a red line for its error issues (right scale, so a handful of errors is not
flattened by thousands of records). Failed or aborted jobs get a red bar with a cross. Each bar
carries a ``<title>`` (the browser's native tooltip) with the job id, time, counts and status.

Failure behaviour: pure function of its input; missing counts are treated as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, Iterable

MAX_SLOT = 24  # px per job at most
LABEL_ROOM = 130  # px the two time labels under a chart need
_ACTIONS = ("created", "updated", "unchanged", "invalid", "failed", "duplicate", "skipped")


@dataclass(frozen=True)
class TrendPoint:
    job_id: int
    when: datetime
    records: int
    errors: int
    status: str


def point_of(job: Any) -> TrendPoint:
    """A chart point of a ``JobRow``: records seen (``gathered``, else the sum of actions) and error issues."""
    stats = job.stats or {}

    def num(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    records = num("gathered") or sum(num(k) for k in _ACTIONS)
    return TrendPoint(job.id, job.finished_at or job.started_at, records, num("issues_error"), job.status)


def trend_svg(points: Iterable[TrendPoint], *, width: int = 300, height: int = 80, label: str = "",
              fmt_time: Any = lambda d: d.isoformat(timespec="minutes")) -> str:
    """SVG markup of the trend of ``points`` (oldest first). An empty series draws a "no jobs yet" box."""
    pts = list(points)
    name = escape(label or "trend")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{name}">')
    if not pts:
        return (head + f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="#ccc"/>'
                f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" font-size="11" fill="#777">'
                'no jobs yet</text></svg>')
    left, right, top, bottom = 30, 26, 6, 14
    plot_w, plot_h = width - left - right, height - top - bottom
    max_rec = max(1, max(p.records for p in pts))
    max_err = max(1, max(p.errors for p in pts))
    slot = min(plot_w / len(pts), MAX_SLOT)
    start = left + plot_w - slot * len(pts)  # few jobs: narrow bars, newest at the right edge
    bar_w = max(1.0, slot * 0.7)
    parts = [head, f'<title>{name}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
             f'<text x="{left - 3}" y="{top + 8}" text-anchor="end" font-size="9" fill="#2b6cb0">{max_rec}</text>',
             f'<text x="{left - 3}" y="{top + plot_h}" text-anchor="end" font-size="9" fill="#2b6cb0">0</text>',
             f'<text x="{left + plot_w + 3}" y="{top + 8}" font-size="9" fill="#c53030">{max_err}</text>']
    line: list[str] = []
    for i, p in enumerate(pts):
        x = start + i * slot + (slot - bar_w) / 2
        h = plot_h * p.records / max_rec
        bad = p.status in ("failed", "aborted")
        tip = escape(f"job {p.job_id} · {fmt_time(p.when)} · {p.records} records, {p.errors} errors · {p.status}")
        fill = "#feb2b2" if bad else ("#fbd38d" if p.status in ("needs_confirmation", "interrupted") else "#90cdf4")
        parts.append(f'<g><title>{tip}</title><rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{max(h, 0.5):.1f}" fill="{fill}"/>')
        if bad:
            cx, cy = x + bar_w / 2, top + plot_h - 5
            parts.append(f'<path d="M{cx - 3:.1f} {cy - 3:.1f}l6 6m0 -6l-6 6" stroke="#c53030" stroke-width="1.5"/>')
        parts.append("</g>")
        line.append(f"{x + bar_w / 2:.1f},{top + plot_h - plot_h * p.errors / max_err:.1f}")
    parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#c53030" stroke-width="1.5"/>')
    parts.extend(f'<circle cx="{xy.split(",")[0]}" cy="{xy.split(",")[1]}" r="1.8" fill="#c53030"/>' for xy in line)
    first, last = pts[0].when, pts[-1].when
    if len(pts) > 1 and left + plot_w - start >= LABEL_ROOM:  # two time labels only when they cannot overlap
        parts.append(f'<text x="{start:.1f}" y="{height - 2}" font-size="9" fill="#555">{escape(fmt_time(first))}'
                     "</text>")
    parts.append(f'<text x="{left + plot_w}" y="{height - 2}" text-anchor="end" font-size="9" fill="#555">'
                 f'{escape(fmt_time(last))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend() -> str:
    """A one-line HTML legend for the trend charts."""
    return ('<p class="legend"><span class="sw" style="background:#90cdf4"></span>records seen per job (left scale) '
            '<span class="sw" style="background:#c53030"></span>error issues (right scale) '
            '<span class="sw" style="background:#feb2b2"></span>failed job</p>')

