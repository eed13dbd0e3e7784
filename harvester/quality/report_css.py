"""Stylesheet of the HTML quality report (screen and print), kept out of the renderer's logic.

Print: A4 with margins, colours kept (``print-color-adjust: exact``), navigation and links hidden,
table rows never split, each organisation's detail starting on a new page, closed ``<details>``
printed open (``::details-content``), URLs not printed.
"""

from __future__ import annotations

CSS = """
:root { --ink:#1d2433; --muted:#5b6475; --line:#d7dce5; --accent:#1f3b73; --bg:#f6f7fa; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0;
       background: #fff; font-size: 14px; line-height: 1.45; }
header.top { background: var(--accent); color: #fff; padding: 18px 28px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; }
header.top .sub { opacity: .9; font-size: 13px; }
nav.toc { padding: 8px 28px; background: var(--bg); border-bottom: 1px solid var(--line); font-size: 13px; }
nav.toc a { margin-right: 14px; color: var(--accent); }
main { padding: 8px 28px 40px; max-width: 1200px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--accent); padding-bottom: 3px; margin-top: 28px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; }
th, td { border: 1px solid var(--line); padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.dims th.num { white-space: normal; font-size: 11px; }
table.dims td:first-child { width: 34%; }
.band { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px;
        font-weight: 600; white-space: nowrap; }
.band.none { background: #8a93a3; }
.muted { color: var(--muted); }
.en { color: var(--muted); font-size: 12px; display: block; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; align-items: stretch; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; background: #fff; }
.card .big { font-size: 36px; font-weight: 700; line-height: 1.1; }
.bar { background: #e6e9ef; height: 10px; border-radius: 5px; min-width: 80px; }
.bar > span { display: block; height: 10px; border-radius: 5px; background: var(--accent); }
ul.hints { margin: 0; padding-left: 18px; }
ul.hints li { margin-bottom: 3px; }
details { margin: 6px 0 16px; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; }
svg.trend { max-width: 100%; height: auto; font-size: 11px; }
svg .tick { fill: #555; font-size: 11px; }
svg .band-label { font-size: 10px; font-weight: 600; }
svg .empty { fill: #777; font-size: 13px; }
section.org { border-top: 1px solid var(--line); padding-top: 6px; }
footer { color: var(--muted); font-size: 12px; padding: 16px 28px; border-top: 1px solid var(--line); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 11px; }
  nav.toc, .noprint { display: none !important; }
  header.top { padding: 8px 0; }
  main { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  tr, .card, li { break-inside: avoid; }
  thead { display: table-header-group; }
  section.org { break-before: page; }
  section.org.empty { break-before: auto; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
}
"""
