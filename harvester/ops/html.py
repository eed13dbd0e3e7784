"""HTML building blocks of the status pages: page skeleton with inline CSS, escaping, times, tables.

Everything a page shows passes through ``esc`` (or is built here from escaped parts); there is no
template engine and no JavaScript. Times are shown in the scheduler's time zone (WIB by default)
with a relative hint ("5 min ago").
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Any, Iterable, Optional, Sequence
from zoneinfo import ZoneInfo

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a202c;background:#f7fafc}
header{background:#1a365d;color:#fff;padding:10px 20px}header a{color:#fff;text-decoration:none}
header h1{font-size:18px;margin:0}header p{margin:2px 0 0;font-size:12px;color:#cbd5e0}
main{padding:12px 20px 30px;max-width:1400px}
h2{font-size:16px;margin:22px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e2e8f0;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#edf2f7;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
small,.muted{color:#718096}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600;white-space:nowrap}
.ok{background:#c6f6d5;color:#22543d}.errors,.interrupted,.held{background:#fefcbf;color:#744210}
.failing,.removed{background:#fed7d7;color:#822727}.running{background:#bee3f8;color:#2a4365}
.never,.disabled,.manual{background:#e2e8f0;color:#4a5568}
.summary span{margin-right:14px}
h3{font-size:15px;margin:22px 0 8px}
.legend{font-size:12px;color:#4a5568}.sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.msg{max-width:700px;word-break:break-word}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:3px 14px;background:#fff;padding:10px;margin:0}
dl.kv dt{font-weight:600;color:#4a5568}dl.kv dd{margin:0;word-break:break-word}
nav.pages a{margin-right:10px}
"""


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` ('' for None)."""
    return "" if value is None else escape(str(value), quote=True)


class Clock:
    """Formats times in one zone, relative to ``now``."""

    def __init__(self, tz_name: str, now: Optional[datetime] = None) -> None:
        self.tz = ZoneInfo(tz_name)
        self.now = now or datetime.now(timezone.utc)

    def time(self, value: Optional[datetime]) -> str:
        if value is None:
            return "-"
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M %Z")

    def short(self, value: datetime) -> str:
        return value.astimezone(self.tz).strftime("%d/%m %H:%M")

    def ago(self, value: Optional[datetime]) -> str:
        """'5 min ago' / 'in 2 h' (plain text)."""
        if value is None:
            return ""
        seconds = (value - self.now).total_seconds()
        span = abs(seconds)
        if span < 60:
            text = f"{int(span)} s"
        elif span < 3600:
            text = f"{int(span // 60)} min"
        elif span < 172800:
            text = f"{span / 3600:.1f} h"
        else:
            text = f"{int(span // 86400)} days"
        return f"in {text}" if seconds > 0 else f"{text} ago"

    def cell(self, value: Optional[datetime]) -> str:
        """Escaped '<time> <small>ago</small>' for a table cell."""
        if value is None:
            return "-"
        return f'{esc(self.time(value))}<br><small>{esc(self.ago(value))}</small>'


def duration(start: Optional[datetime], end: Optional[datetime]) -> str:
    if start is None or end is None:
        return "-"
    seconds = max(0, int((end - start).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def badge(state: str, text: Optional[str] = None) -> str:
    """A coloured label; ``state`` picks the colour (ok, errors, failing, held, running ...)."""
    return f'<span class="badge {esc(state)}">{esc(text or state)}</span>'


def link(href: str, text: Any) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: Sequence[int] = (), empty: str = "none") -> str:
    """A table; ``rows`` hold cells that are ALREADY escaped HTML. ``numeric``: right-aligned columns."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        body.append("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                     for i, c in enumerate(row)) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}" class="muted">{esc(empty)}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def counts_text(stats: dict[str, Any]) -> str:
    """Compact escaped 'created 3 · updated 1 ...' of integer stats (zeros and nested values left out)."""
    parts = [f"{esc(k)} {v}" for k, v in sorted((stats or {}).items())
             if isinstance(v, int) and not isinstance(v, bool) and v and not k.startswith("issues_")]
    return " · ".join(parts) or "-"


def page(site: str, title: str, body: str, *, home: str, subtitle: str = "", refresh: Optional[int] = None) -> bytes:
    """A complete HTML page (UTF-8 bytes): ``site`` in the banner (a link to ``home``), ``title`` as heading."""
    meta = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'{meta}<link rel="icon" href="data:,"><title>{esc(title)} - {esc(site)}</title><style>{CSS}</style>'
        f'</head><body><header><h1><a href="{esc(home)}">{esc(site)}</a></h1><p>{esc(subtitle)}</p></header>'
        f"<main><h2>{esc(title)}</h2>{body}</main></body></html>"
    )
    return html.encode("utf-8")
