"""HTML rendering of a quality report: one self-contained, printable page (inline CSS and SVG, no script).

Sections: summary of the city (score, band, trend chart), the per-OPD table (score, band, EPSS
equivalent, sparkline, main fixes), scores per dimension, worst fields, checks, kecamatan and
kelurahan, sources, then one drill-down section per OPD with its trend, fixes and datasets (each with
its hints in Indonesian and English). Every number comes from the report JSON; numbers are written
the Indonesian way (decimal comma) and repeated raw in ``data-*`` attributes of the table rows.

``link_base`` (the web UI passes '/report') adds links to the per-OPD pages and the JSON/CSV
downloads; without it (a file written by the CLI) links stay inside the page.
"""

from __future__ import annotations

from html import escape
from typing import Any, Optional
from urllib.parse import quote

from harvester.quality.render_svg import BAND_COLOURS, decimal_id, sparkline, trend_chart
from harvester.quality.report import Report
from harvester.quality.report_css import CSS
from harvester.quality.scoring import band_for


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _badge(band: Optional[str]) -> str:
    if not band:
        return '<span class="band none">belum ada data</span>'
    return f'<span class="band" style="background:{BAND_COLOURS.get(band, "#777")}">{_e(band)}</span>'


def _anchor(org_id: str) -> str:
    return "org-" + quote(org_id, safe="")


def _attr(value: Any) -> str:
    return "" if value is None else _e(value)


class _Page:
    def __init__(self, report: Report, link_base: Optional[str]) -> None:
        self.data, self.link_base = report.data, link_base
        self.checks = {c["id"]: c for c in self.data["checks"]}
        self.dims = self.data["dimensions"]
        self.single = self.data.get("organisation_filter") is not None

    def render(self) -> str:
        d = self.data
        title = f'{d["title"]} — {d["pemda"]["nama"]}'
        body = [self._header(title), self._toc(), "<main>", self._summary(), self._organisations(),
                self._dimensions(), self._fields(), self._checks(), self._regions(), self._sources(),
                *(self._org_detail(o) for o in d["organisations"]), self._method(), "</main>", self._footer()]
        return (f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{_e(title)}</title><style>{CSS}</style></head><body>' + "".join(body) + "</body></html>\n")

    def _header(self, title: str) -> str:
        d = self.data
        scope = (f' — OPD: {_e(d["organisations"][0]["label"])}' if self.single and d["organisations"] else "")
        return (f'<header class="top"><h1>{_e(title)}{scope}</h1><div class="sub">{_e(d["title_en"])} · '
                f'Walidata: {_e(d["pemda"]["walidata"])} · Dibuat {_e(d["generated_at"])} · '
                f'Versi penilaian {_e(d["scoring_version"])}</div></header>')

    def _toc(self) -> str:
        links = [("#ringkasan", "Ringkasan"), ("#opd", "Per OPD"), ("#dimensi", "Dimensi"),
                 ("#kolom", "Kolom terlemah"), ("#cek", "Cek"), ("#wilayah", "Kecamatan/Kelurahan"),
                 ("#sumber", "Sumber"), ("#metode", "Metode")]
        if self.link_base:
            links += [(f"{self.link_base}.json", "JSON"), (f"{self.link_base}.csv", "CSV")]
        return '<nav class="toc">' + "".join(f'<a href="{_e(h)}">{_e(t)}</a>' for h, t in links) + "</nav>"

    def _summary(self) -> str:
        city = self.data["city"]
        return ('<section id="ringkasan"><h2>Ringkasan ' + _e(city["label"]) + '</h2><div class="cards">'
                f'<div class="card city" data-score="{_attr(city["score"])}" data-datasets="{city["datasets"]}">'
                f'<div class="muted">Skor kota (0–100)</div><div class="big score">{decimal_id(city["score"])}</div>'
                f'<div>{_badge(city["band"])}</div><div class="muted">Setara EPSS: '
                f'<span class="epss">{decimal_id(city["epss"], 2)}</span> · <span class="datasets">'
                f'{city["datasets"]}</span> dataset</div></div>'
                f'<div class="card">{trend_chart(city["trend"], self.data["bands"], title="Tren skor kota")}</div>'
                '</div></section>')

    def _top_hints(self, scope: dict[str, Any], n: int = 2) -> str:
        items = [f'{_e(h["label_id"])} ({h["datasets"]})' for h in scope["hints"][:n]]
        return "; ".join(items) or '<span class="muted">–</span>'

    def _org_link(self, org: dict[str, Any]) -> str:
        name = f'<a href="#{_anchor(org["id"])}">{_e(org["label"])}</a>'
        if not org["registered"]:
            name += ' <span class="muted">(tidak terdaftar)</span>'
        if self.link_base and not self.single:
            name += (f' <a class="noprint muted" href="{_e(self.link_base)}/{quote(org["id"], safe="")}">'
                     "[halaman OPD]</a>")
        return name

    def _organisations(self) -> str:
        rows = []
        for org in self.data["organisations"]:
            rows.append(
                f'<tr class="org-row" data-org="{_e(org["id"])}" data-score="{_attr(org["score"])}" '
                f'data-band="{_attr(org["band"])}" data-datasets="{org["datasets"]}" data-epss="{_attr(org["epss"])}">'
                f'<td class="name">{self._org_link(org)}</td><td class="num datasets">{org["datasets"]}</td>'
                f'<td class="num score">{decimal_id(org["score"])}</td><td class="band-cell">{_badge(org["band"])}</td>'
                f'<td class="num epss">{decimal_id(org["epss"], 2)}</td><td>{sparkline(org["trend"])}</td>'
                f'<td>{self._top_hints(org)}</td></tr>')
        return ('<section id="opd"><h2>Skor per Perangkat Daerah (OPD)</h2><table class="orgs"><thead><tr>'
                '<th>OPD</th><th class="num">Dataset</th><th class="num">Skor</th><th>Predikat</th>'
                '<th class="num">Setara EPSS</th><th>Tren</th><th>Perbaikan utama (jumlah dataset)</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></section>')

    def _dimension_table(self, group: str, caption: str) -> str:
        dims = [d for d in self.dims if d["group"] == group]
        head = "".join(f'<th class="num" title="{_e(d["label_en"])} ({_e(d["reference"])})">{_e(d["label_id"])}'
                       f'<span class="en">{_e(d["reference"])}</span></th>' for d in dims)
        rows = []
        for scope in [self.data["city"], *self.data["organisations"]]:
            cells = []
            for d in dims:
                value = scope["dimensions"].get(d["id"])
                colour = BAND_COLOURS.get(band_for(value) or "", "transparent")
                cells.append(f'<td class="num" style="box-shadow: inset 4px 0 {colour}">{decimal_id(value)}</td>')
            rows.append(f'<tr><td>{_e(scope["label"])}</td>{"".join(cells)}</tr>')
        return (f'<h3>{_e(caption)}</h3><table class="dims"><thead><tr><th>Cakupan</th>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    def _dimensions(self) -> str:
        return ('<section id="dimensi"><h2>Skor per dimensi</h2><p class="muted">Rata-rata skor dataset per '
                'dimensi (0–100).</p>' + self._dimension_table("sdi", "Prinsip SDI (EPSS domain 1)")
                + self._dimension_table("dcat", "Kualitas metadata DCAT-AP (dimensi EU MQA)") + "</section>")

    def _fields(self) -> str:
        city = self.data["city"]
        total = max(city["datasets"], 1)
        rows = "".join(
            f'<tr><td><code>{_e(f["field"])}</code></td><td class="num">{f["datasets"]}</td>'
            f'<td><div class="bar"><span style="width:{100 * f["datasets"] / total:.0f}%"></span></div></td></tr>'
            for f in city["worst_fields"][:15])
        return ('<section id="kolom"><h2>Kolom terlemah</h2><table><thead><tr><th>Kolom</th>'
                f'<th class="num">Dataset bermasalah</th><th>Porsi</th></tr></thead><tbody>{rows}</tbody></table></section>')

    def _checks(self) -> str:
        city = self.data["city"]
        dims = {d["id"]: d["label_id"] for d in self.dims}
        rows = []
        for check in self.data["checks"]:
            count = city["failing"].get(check["id"], 0)
            rows.append(f'<tr data-check="{_e(check["id"])}"><td>{_e(check["label_id"])}<span class="en">'
                        f'{_e(check["id"])}</span></td><td>{_e(dims.get(check["dimension"], ""))}</td>'
                        f'<td class="num">{check["weight"]}</td>'
                        f'<td class="num failing">{count}</td><td>{_e(check["hint_id"])}'
                        f'<span class="en">{_e(check["hint_en"])}</span></td></tr>')
        return ('<section id="cek"><h2>Cek dan jumlah dataset yang gagal</h2><table><thead><tr><th>Cek</th>'
                '<th>Dimensi</th><th class="num">Bobot</th><th class="num">Gagal</th><th>Cara memperbaiki</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></section>')

    def _scope_table(self, scopes: list[dict[str, Any]], css: str, empty: str) -> str:
        if not scopes:
            return f'<p class="muted">{_e(empty)}</p>'
        rows = "".join(
            f'<tr class="{css}-row" data-id="{_e(s["id"])}" data-score="{_attr(s["score"])}" data-datasets="{s["datasets"]}">'
            f'<td>{_e(s["label"])} <span class="muted">{_e(s["id"])}</span></td><td class="num datasets">'
            f'{s["datasets"]}</td><td class="num score">{decimal_id(s["score"])}</td><td>{_badge(s["band"])}</td>'
            f'<td>{sparkline(s["trend"])}</td></tr>' for s in scopes)
        return (f'<table class="{css}"><thead><tr><th>Nama</th><th class="num">Dataset</th><th class="num">Skor</th>'
                f'<th>Predikat</th><th>Tren</th></tr></thead><tbody>{rows}</tbody></table>')

    def _regions(self) -> str:
        return ('<section id="wilayah"><h2>Per kecamatan dan kelurahan</h2><p class="muted">Menurut kode '
                'wilayah cakupan dataset; data se-kota tidak dihitung per kecamatan.</p><h3>Kecamatan</h3>'
                + self._scope_table(self.data["kecamatan"], "kecamatan", "Belum ada dataset per kecamatan.")
                + "<h3>Kelurahan</h3>"
                + self._scope_table(self.data["kelurahan"], "kelurahan", "Belum ada dataset per kelurahan.")
                + "</section>")

    def _sources(self) -> str:
        return ('<section id="sumber"><h2>Per sumber panen</h2>'
                + self._scope_table(self.data["sources"], "source", "Belum ada sumber.") + "</section>")

    def _org_detail(self, org: dict[str, Any]) -> str:
        hints = "".join(f'<li><b>{_e(h["label_id"])}</b> — {h["datasets"]} dataset, {decimal_id(h["points_lost"])} '
                        f'poin: {_e(h["hint_id"])}<span class="en">{_e(h["hint_en"])}</span></li>'
                        for h in org["hints"])
        datasets = "".join(self._dataset_row(ds) for ds in org.get("dataset_list", ()))
        table = (f'<details{" open" if self.single else ""}><summary>{org["datasets"]} dataset</summary>'
                 '<table class="datasets"><thead><tr><th>Dataset</th><th class="num">Skor</th><th>Predikat</th>'
                 f'<th>Yang perlu diperbaiki</th></tr></thead><tbody>{datasets}</tbody></table></details>'
                 if datasets else '<p class="muted">Belum ada dataset dari OPD ini.</p>')
        css = "org" if org["datasets"] else "org empty"  # no page of its own in print
        return (f'<section class="{css}" id="{_anchor(org["id"])}"><h3>{_e(org["label"])}</h3>'
                f'<p>Skor <b>{decimal_id(org["score"])}</b> {_badge(org["band"])} · setara EPSS '
                f'{decimal_id(org["epss"], 2)} · {org["datasets"]} dataset</p>'
                + (trend_chart(org["trend"], self.data["bands"], title=f'Tren skor {org["label"]}', height=180)
                   if org["datasets"] or any(p["score"] is not None for p in org["trend"]) else "")
                + (f'<h4>Perbaikan utama</h4><ul class="hints">{hints}</ul>' if hints else "") + table + "</section>")

    def _dataset_row(self, ds: dict[str, Any]) -> str:
        items = []
        for failed in ds["failed"]:
            for hint in failed["hints"] or [{}]:
                text = hint.get("hint_id") or self.checks.get(failed["check"], {}).get("hint_id", "")
                en = hint.get("hint_en") or self.checks.get(failed["check"], {}).get("hint_en", "")
                where = f' <code>{_e(hint["field"])}</code>' if hint.get("field") else ""
                items.append(f'<li data-check="{_e(failed["check"])}">{_e(failed["label_id"])}{where}: {_e(text)}'
                             f'<span class="en">{_e(en)}</span></li>')
        fixes = f'<ul class="hints">{"".join(items)}</ul>' if items else '<span class="muted">Lengkap</span>'
        return (f'<tr class="dataset-row" data-remote-id="{_e(ds["remote_id"])}" data-score="{ds["score"]}">'
                f'<td>{_e(ds["title"])}<span class="en">{_e(ds["source_id"])} · {_e(ds["remote_id"])}</span></td>'
                f'<td class="num score">{decimal_id(ds["score"])}</td><td>{_badge(ds["band"])}</td><td>{fixes}</td></tr>')

    def _method(self) -> str:
        bands = "".join(f'<tr><td>{_badge(b["band"])}</td><td class="num">≥ {decimal_id(b["min_score"])}</td>'
                        f'<td class="num">≥ {decimal_id(b["epss_min"])}</td></tr>' for b in self.data["bands"])
        return ('<section id="metode"><h2>Metode</h2><p>Setiap dataset dinilai dengan cek berbobot: empat aspek '
                'Prinsip SDI (25 poin masing-masing) dan lima dimensi kualitas metadata DCAT-AP gaya EU MQA. Skor = '
                'poin diperoleh ÷ poin cek yang berlaku × 100. Skor OPD, kecamatan, kelurahan dan kota = rata-rata '
                'skor datasetnya. Predikat memakai batas EPSS (Perban BPS 3/2022) yang dipetakan linear dari skala '
                '1–5 ke 0–100.</p><table class="bands"><thead><tr><th>Predikat</th><th class="num">Skor</th>'
                f'<th class="num">EPSS</th></tr></thead><tbody>{bands}</tbody></table></section>')

    def _footer(self) -> str:
        return ('<footer>satudata-harvester · skor deterministik, lihat docs/quality.md untuk tabel cek, bobot '
                'dan predikat.</footer>')


def render_html(report: Report, *, link_base: Optional[str] = None) -> str:
    """The report as one HTML page (see the module docstring)."""
    return _Page(report, link_base.rstrip("/") if link_base else None).render()
