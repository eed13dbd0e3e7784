"""Access rules: open machine-readable distributions (V10), access level (V14), licence (V15).

A distribution's format is found in the ``format`` code list from, in order, its ``format``, its
``media_type`` and the file extension of its download/access URL. V10 outcome:

* some distribution is machine-readable and open → fine;
* machine-readable formats, but all proprietary (e.g. only XLS) → warning;
* no distributions at all → warning for TERBUKA data (TERBATAS/TERTUTUP may publish metadata only);
* only archives (ZIP ...) or unrecognised formats besides non-machine-readable ones → warning (contents unknown);
* otherwise (PDF-only, image-only, DOCX-only ...) → error.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from harvester.mapping.codelists import Code
from harvester.model.dataset import Distribution
from harvester.validate.rules_base import RuleContext, is_blank, shown

_EXT = re.compile(r"\.([A-Za-z0-9]{1,8})$")
_OPENNESS = {"TERBUKA": 0, "TERBATAS": 1, "TERTUTUP": 2}


def distribution_format(ctx: RuleContext, dist: Distribution) -> Code | None:
    """The format code-list entry of a distribution, or None when it cannot be recognised."""
    formats = ctx.codelists["format"]
    for value in (dist.format, dist.media_type):
        found = formats.lookup(value) if isinstance(value, str) else None
        if found:
            return found
    for url in (dist.download_url, dist.access_url):
        if isinstance(url, str):
            match = _EXT.search(urlsplit(url.strip()).path)
            found = formats.lookup("." + match.group(1)) if match else None
            if found:
                return found
    return None


def v10_machine_readable(ctx: RuleContext) -> None:
    """V10: at least one distribution in an open machine-readable format."""
    dists = [d for d in ctx.dataset.distributions if isinstance(d, Distribution)]
    if not dists:
        if ctx.dataset.access_rights in (None, "", "TERBUKA"):
            ctx.warn("distributions", "The dataset has no distribution (metadata only).",
                     "Tambahkan berkas data dalam format terbuka yang dapat dibaca mesin (CSV, JSON, XML, XLSX).",
                     "Add a data file in an open machine-readable format (CSV, JSON, XML, XLSX).")
        return
    found = [distribution_format(ctx, d) for d in dists]
    known = [f for f in found if f is not None]
    readable = [f for f in known if f.attrs.get("machine_readable")]
    if any(f.attrs.get("open") for f in readable):
        return
    names = ", ".join(sorted({f.code for f in known})) or "unknown"
    if readable:
        ctx.warn("distributions", f"Machine-readable distributions exist only in proprietary formats ({names}).",
                 "Sediakan juga format terbuka, misalnya CSV di samping XLS.",
                 "Also provide an open format, e.g. CSV next to XLS.")
    elif len(known) < len(found) or any(f.attrs.get("archive") for f in known):
        ctx.warn("distributions", f"No distribution is recognisably machine-readable (formats: {names}; archives "
                 "or unknown formats are not inspected).",
                 "Isi format setiap berkas (CSV, XLSX, JSON ...) dan hindari arsip ZIP bila berkas dapat diunggah langsung.",
                 "State each file's format (CSV, XLSX, JSON ...) and avoid ZIP archives where files can be published directly.")
    else:
        ctx.error("distributions", f"No distribution is in a machine-readable format; only {names}.",
                  "Data dalam PDF/gambar tidak dapat diolah mesin; unggah juga CSV, XLSX, JSON, atau XML.",
                  "PDF/image data cannot be processed by machines; also publish CSV, XLSX, JSON or XML.")


def v14_akses(ctx: RuleContext) -> None:
    """V14: akses is TERBUKA/TERBATAS/TERTUTUP; a distribution may not be more open than its dataset."""
    akses = ctx.codelists["akses"]
    value = ctx.dataset.access_rights
    if is_blank(value):
        ctx.error("access_rights", "The access level (akses) is missing.",
                  "Isi Pengaturan Akses: Terbuka, Terbatas, atau Tertutup.",
                  "Fill in the access level: TERBUKA (public), TERBATAS (restricted) or TERTUTUP (non-public).")
        return
    if not isinstance(value, str) or value not in akses:
        guess = akses.lookup(value)
        ctx.error("access_rights", f"The access level {shown(value)} is not TERBUKA, TERBATAS or TERTUTUP"
                  + (f" (did the mapping mean {guess.code}?)." if guess else "."),
                  "Pilih Pengaturan Akses: Terbuka, Terbatas, atau Tertutup.",
                  "Choose TERBUKA, TERBATAS or TERTUTUP.")
        return
    for i, dist in enumerate(ctx.dataset.distributions):
        own = getattr(dist, "access_rights", None)
        if own is None or own == "":
            continue
        if not isinstance(own, str) or own not in akses:
            ctx.error("distributions.access_rights", f"The distribution access level {shown(own)} is not "
                      "TERBUKA, TERBATAS or TERTUTUP.", "Pilih akses berkas: Terbuka, Terbatas, atau Tertutup.",
                      "Choose TERBUKA, TERBATAS or TERTUTUP.", location=f"distributions[{i}]")
        elif _OPENNESS[own] < _OPENNESS[value]:
            ctx.warn("distributions.access_rights", f"A distribution is {own} while the dataset is {value}.",
                     "Akses berkas tidak boleh lebih terbuka daripada akses dataset.",
                     "A distribution cannot be more open than its dataset.", location=f"distributions[{i}]")


def _licences(ctx: RuleContext) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if not is_blank(ctx.dataset.license):
        out.append(("license", ctx.dataset.license))
    for i, dist in enumerate(ctx.dataset.distributions):
        value = getattr(dist, "license", None)
        if not is_blank(value):
            out.append((f"distributions[{i}]", value))
    return out


def v15_lisensi(ctx: RuleContext) -> None:
    """V15: TERBUKA data has a licence; known licences only; no open licence on TERBATAS/TERTUTUP data."""
    lisensi = ctx.codelists["lisensi"]
    akses = ctx.dataset.access_rights
    resolved: list[tuple[str, Any, Code | None]] = []
    for where, value in _licences(ctx):
        entry = lisensi.lookup(value)
        resolved.append((where, value, entry))
        if entry is None and not (isinstance(value, str) and value.strip().lower().startswith(("http://", "https://"))):
            ctx.warn("license", f"The licence {shown(value)} is not a known licence id or IRI.",
                     "Gunakan lisensi baku, misalnya CC BY 4.0 (cc-by), dan tulis URL lisensinya.",
                     "Use a standard licence, e.g. CC BY 4.0 (cc-by), and give its URL.", location=where)
    real = [r for r in resolved if r[2] is None or r[2].attrs.get("is_licence", True)]
    licensed = {w for w, _, _ in real}  # 'license' and/or 'distributions[i]'
    dataset_level = "license" in licensed
    all_dists = ctx.dataset.distributions and all(f"distributions[{i}]" in licensed
                                                  for i in range(len(ctx.dataset.distributions)))
    if akses == "TERBUKA" and not (dataset_level or all_dists):
        ctx.warn("license", "Open (TERBUKA) data without a licence.",
                 "Cantumkan lisensi untuk data terbuka, misalnya Creative Commons Attribution 4.0 (CC BY 4.0).",
                 "Give open data a licence, e.g. Creative Commons Attribution 4.0 (CC BY 4.0).")
    if akses in ("TERBATAS", "TERTUTUP"):
        for where, value, entry in resolved:
            if entry is not None and entry.attrs.get("open") is True:
                ctx.warn("license", f"{akses} data carries the open licence {entry.code} ({shown(value)}).",
                         "Data terbatas/tertutup tidak boleh berlisensi terbuka; hapus lisensi atau ubah akses.",
                         "Restricted/non-public data must not carry an open licence; remove it or change the access "
                         "level.", location=where)
