"""JSON and CSV renderings of a quality report (``harvester report --format json|csv``).

JSON is the report structure itself (sorted keys, UTF-8, indented). CSV comes in two tables, both
with a header row, ``,`` separators, ``.`` decimals and UTF-8 (Excel-friendly BOM optional):

* ``scopes`` (default): one row per scope — the city, each organisation, kecamatan, kelurahan and
  source — with datasets, score, band, EPSS-equivalent and, per check, the number of datasets
  failing it (column ``gagal:<check id>``);
* ``datasets``: one row per dataset with its organisation, score, band, failed checks and the
  Indonesian and English fix hints (``|``-separated), ready to send to each OPD.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

from harvester.quality.report import LIST_KEYS, Report


def render_json(report: Report) -> str:
    """The report as JSON text."""
    return json.dumps(report.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _num(value: Optional[float]) -> str:
    return "" if value is None else str(value)


def _scope_rows(report: Report) -> list[dict[str, Any]]:
    rows = [report.data["city"]]
    for key in LIST_KEYS.values():
        rows.extend(report.data[key])
    return rows


def render_csv(report: Report, *, table: str = "scopes", bom: bool = False) -> str:
    """The report as CSV (``table`` = 'scopes' or 'datasets'). ValueError for another table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    check_ids = [c["id"] for c in report.data["checks"]]
    if table == "scopes":
        writer.writerow(["jenis", "id", "nama", "jumlah_dataset", "skor", "predikat", "setara_epss",
                         *(f"gagal:{c}" for c in check_ids)])
        for scope in _scope_rows(report):
            writer.writerow([scope["kind"], scope["id"], scope["label"], scope["datasets"], _num(scope["score"]),
                             scope["band"] or "", _num(scope["epss"]), *(scope["failing"][c] for c in check_ids)])
    elif table == "datasets":
        writer.writerow(["organisasi_id", "organisasi", "sumber", "id_dataset", "judul", "skor", "predikat",
                         "poin", "poin_maks", "cek_gagal", "perbaikan", "fix_hints"])
        for org in report.data["organisations"]:
            for ds in org.get("dataset_list", ()):
                hints = [h for f in ds["failed"] for h in (f["hints"] or [{}])]
                writer.writerow([org["id"], org["label"], ds["source_id"], ds["remote_id"], ds["title"],
                                 _num(ds["score"]), ds["band"], _num(ds["points"]), ds["max_points"],
                                 ";".join(f["check"] for f in ds["failed"]),
                                 " | ".join(_unique(h.get("hint_id") for h in hints)),
                                 " | ".join(_unique(h.get("hint_en") for h in hints))])
    else:
        raise ValueError(f"unknown CSV table {table!r}; use 'scopes' or 'datasets'")
    return ("\ufeff" if bom else "") + out.getvalue()


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
