"""Reference-code rules: kode pemda (V06), cakupan (V07), urusan (V08), SDS (V09), tingkat penyajian (V16),
codes as strings (V17) and the geospatial subset (V21).

Region codes are Kemendagri codes with dots ('35.72', '35.72.01.1001'); a region is "within" the pemda when
its code equals the pemda code or starts with it plus a dot. A code is *float-damaged* (V17) when it is a
number, or a string a spreadsheet produced by reading a code as a number: '35.1' (for 35.10), '3572.0',
'3.572e3'. Such codes are reported once, by V17, and skipped by the other rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from harvester.model.dataset import Location
from harvester.validate.rules_base import RuleContext, is_blank, shown

_KEMENDAGRI = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
_BPS_PEMDA = re.compile(r"^\d{2}(?:\d{2})?$")
_URUSAN = re.compile(r"^(?:\d|X)(?:\.(?:\d{2}|XX))?$")
_SDS = re.compile(r"^[A-Z]{1,2}\d{5}\.\d{2}\.\d{2}$")
_NUMBERISH = re.compile(r"^\d+\.\d+$|^\d+(?:\.\d+)?[eE][+-]?\d+$|^\d+\.0+$")
#: Indonesia's extent with a margin (lon 94..141.5 E, lat 11.5 S..6.5 N).
_INDONESIA = (94.0, -11.5, 141.5, 6.5)
_EPSG = re.compile(r"epsg|opengis\.net/def/crs", re.IGNORECASE)


def float_damaged(value: Any, pattern: re.Pattern[str]) -> bool:
    """True for numbers and number-shaped strings that do not match the code ``pattern``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and not pattern.match(value.strip()) and bool(_NUMBERISH.match(value.strip()))


def _region_codes(ctx: RuleContext) -> list[tuple[int, Any]]:
    return [(i, loc.code) for i, loc in enumerate(ctx.dataset.spatial)
            if isinstance(loc, Location) and loc.code is not None and loc.code != ""]


def depth(code: str) -> int:
    """Number of parts of a Kemendagri code: 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1


def v17_codes_as_strings(ctx: RuleContext) -> None:
    """V17: codes are strings; number-converted codes such as 35.1 (for 35.10) are errors."""
    ds = ctx.dataset
    checks: list[tuple[str, str | None, Any, re.Pattern[str]]] = [
        ("kode_pemda", None, ds.kode_pemda, _KEMENDAGRI),
        ("kode_pemda_bps", None, ds.kode_pemda_bps, _BPS_PEMDA)]
    checks += [("spatial", f"spatial[{i}]", code, _KEMENDAGRI) for i, code in _region_codes(ctx)]
    checks += [("bidang_urusan", f"bidang_urusan[{i}]", c, _URUSAN) for i, c in enumerate(ds.bidang_urusan)]
    for field_name, where, value, pattern in checks:
        if value is not None and float_damaged(value, pattern):
            ctx.error(field_name, f"The code {shown(value)} in {field_name} looks converted to a number "
                      "(a trailing zero or the dots may be lost).",
                      "Simpan kode sebagai teks, bukan angka (misalnya '35.10', bukan 35.1); atur kolom "
                      "kode di spreadsheet sebagai Teks.",
                      "Keep codes as text, not numbers (e.g. '35.10', not 35.1); format code columns as Text.",
                      location=where)


def v06_kode_pemda(ctx: RuleContext) -> None:
    """V06: kode_pemda is a Kemendagri kab/kota code (a province code for a province) of the reference."""
    ds, wilayah = ctx.dataset, ctx.codelists["wilayah"]
    code, level = ds.kode_pemda, ds.level_instansi
    if level == "NASIONAL" and is_blank(code):
        return
    if is_blank(code):
        ctx.error("kode_pemda", "The region code of the pemda (kode pemda) is missing.",
                  "Isi Kode Pemda dengan kode wilayah Kemendagri (misalnya 35.72 untuk Kota Blitar).",
                  "Fill in the Kemendagri region code of the pemda (e.g. 35.72 for Kota Blitar).")
        return
    if float_damaged(code, _KEMENDAGRI):
        return  # reported by V17
    entry = wilayah.get(code) if isinstance(code, str) else None
    level_entry = ctx.codelists["level_instansi"].get(level) if isinstance(level, str) else None
    allowed = tuple(level_entry.attrs.get("kode_pemda_levels") or ()) if level_entry else ()
    allowed = allowed or ("provinsi", "kabupaten", "kota")
    if entry is None or entry.attrs.get("level") not in allowed:
        guess = wilayah.lookup(code)
        ctx.error("kode_pemda", f"The kode pemda {shown(code)} is not a Kemendagri "
                  f"{'/'.join(allowed)} code" + (f" (it resolves to {guess.code} {guess.label})." if guess else "."),
                  "Gunakan kode Kemendagri bertitik, misalnya 35.72 (bukan kode BPS 3572).",
                  "Use the dotted Kemendagri code, e.g. 35.72 (not the BPS code 3572).")
        return
    if ctx.policy.kode_pemda and code != ctx.policy.kode_pemda:
        ctx.error("kode_pemda", f"The dataset belongs to pemda {shown(code)}, but this harvester is configured "
                  f"for {shown(ctx.policy.kode_pemda)}.",
                  f"Kode Pemda harus {ctx.policy.kode_pemda}; periksa sumber data atau konfigurasi harvester.",
                  f"The kode pemda must be {ctx.policy.kode_pemda}; check the source or the harvester configuration.")
    bps = ds.kode_pemda_bps
    if isinstance(bps, str) and bps.strip() and bps.strip() != entry.attrs.get("bps"):
        ctx.warn("kode_pemda_bps", f"The BPS code {shown(bps)} does not belong to {code} {entry.label} "
                 f"(BPS {entry.attrs.get('bps')}).",
                 f"Kode BPS untuk {entry.label} adalah {entry.attrs.get('bps')}.",
                 f"The BPS code of {entry.label} is {entry.attrs.get('bps')}.")


def v07_cakupan(ctx: RuleContext) -> None:
    """V07: every cakupan code exists and lies within the pemda (an enclosing region is allowed)."""
    wilayah, pemda = ctx.codelists["wilayah"], ctx.pemda()
    for i, code in _region_codes(ctx):
        if float_damaged(code, _KEMENDAGRI):
            continue  # reported by V17
        if not isinstance(code, str) or code not in wilayah:
            guess = wilayah.lookup(code)
            ctx.warn("spatial", f"The coverage code {shown(code)} is not a Kemendagri region code"
                     + (f"; it resolves to {guess.code} {guess.label}." if guess else "."),
                     "Gunakan kode wilayah Kemendagri bertitik (misalnya 35.72.01 untuk Kecamatan Kepanjenkidul).",
                     "Use dotted Kemendagri region codes (e.g. 35.72.01 for Kecamatan Kepanjenkidul).",
                     location=f"spatial[{i}]")
            continue
        if isinstance(pemda, str) and pemda and not (code == pemda or code.startswith(pemda + ".")
                                                     or pemda.startswith(code + ".")):
            ctx.warn("spatial", f"The coverage region {code} {wilayah.get(code).label} lies outside the pemda "  # type: ignore[union-attr]
                     f"{pemda}.",
                     f"Cakupan wilayah harus berada di dalam wilayah pemda {pemda}; periksa kode wilayahnya.",
                     f"The coverage should lie within the pemda {pemda}; check the region code.",
                     location=f"spatial[{i}]")


def v08_urusan(ctx: RuleContext) -> None:
    """V08: every bidang_urusan code is in the urusan reference (missing: warning)."""
    urusan = ctx.codelists["urusan"]
    codes = ctx.dataset.bidang_urusan
    if not codes:
        ctx.warn("bidang_urusan", "No bidang urusan (government affair code) is given.",
                 "Isi Bidang Urusan dengan kode Permendagri 90/2019 (misalnya 2.16 Komunikasi dan Informatika).",
                 "Fill in the government affair code of Permendagri 90/2019 (e.g. 2.16).")
    for i, code in enumerate(codes):
        if float_damaged(code, _URUSAN):
            continue  # reported by V17
        entry = urusan.get(code) if isinstance(code, str) else None
        if entry is None:
            guess = urusan.lookup(code)
            ctx.error("bidang_urusan", f"The bidang urusan {shown(code)} is not in the urusan reference"
                      + (f" (it resolves to {guess.code} {guess.label})." if guess else "."),
                      "Gunakan kode bidang urusan Permendagri 90/2019 (misalnya 2.20 untuk Statistik).",
                      "Use a bidang urusan code of Permendagri 90/2019 (e.g. 2.20 for Statistik).",
                      location=f"bidang_urusan[{i}]")
        elif entry.attrs.get("level") != "bidang_urusan":
            ctx.warn("bidang_urusan", f"{code} {entry.label} is a top-level urusan group, not a bidang urusan.",
                     "Pilih kode bidang urusan yang lebih rinci (format x.xx).",
                     "Choose the more specific bidang urusan code (format x.xx).", location=f"bidang_urusan[{i}]")


def v09_kode_sds(ctx: RuleContext) -> None:
    """V09: kode_sds has the SDS pattern; statistical data without one gets a warning."""
    code = ctx.dataset.kode_sds
    if not is_blank(code):
        if not (isinstance(code, str) and _SDS.match(code.strip())):
            ctx.error("kode_sds", f"The SDS code {shown(code)} does not have the form SP00125.01.00.",
                      "Tulis Kode SDS sesuai format BPS, misalnya SP00125.01.00.",
                      "Write the SDS code in the BPS form, e.g. SP00125.01.00.")
    elif ctx.dataset.kategori_data == "statistik":
        ctx.warn("kode_sds", "Statistical data without a Standar Data Statistik code (kode SDS).",
                 "Cantumkan Kode Standar Data Statistik (SDS) dari INDAH BPS bila tersedia untuk konsep ini.",
                 "Add the Standar Data Statistik code from BPS INDAH when one exists for this concept.")


_VAR_LEVEL = re.compile(r"(?:^|_|\b)(provinsi|kabupaten|kota|kab_kota|kabupaten_kota|kecamatan|kelurahan|desa)(?:$|_|\b)")
_VAR_DEPTH = {"provinsi": 1, "kabupaten": 2, "kota": 2, "kab_kota": 2, "kabupaten_kota": 2, "kecamatan": 3,
              "kelurahan": 4, "desa": 4}


def v16_tingkat_penyajian(ctx: RuleContext) -> None:
    """V16: tingkat_penyajian codes are valid and match the granularity of the region codes in the record."""
    levels = ctx.codelists["tingkat_penyajian"]
    values = ctx.dataset.tingkat_penyajian
    if not values:
        ctx.warn("tingkat_penyajian", "The presentation level (tingkat penyajian) is missing.",
                 "Isi Tingkat Penyajian (misalnya Kabupaten/Kota, Kecamatan, Desa/Kelurahan).",
                 "Fill in the lowest level the values are presented at (e.g. Kecamatan).")
        return
    depths = []
    for value in values:
        entry = levels.get(value) if isinstance(value, str) else None
        if entry is None:
            ctx.warn("tingkat_penyajian", f"The presentation level {shown(value)} is not a code of the "
                     "tingkat_penyajian list.", "Pilih dari: " + ", ".join(c.label for c in levels) + ".",
                     "Choose one of: " + ", ".join(c.code for c in levels) + ".")
        elif isinstance(entry.attrs.get("depth"), int):
            depths.append(entry.attrs["depth"])
    if not depths:
        return
    region_depths = [depth(c) for _, c in _region_codes(ctx) if isinstance(c, str) and _KEMENDAGRI.match(c)]
    var_depths = [_VAR_DEPTH[m.group(1)] for v in ctx.dataset.variabel
                  for m in [_VAR_LEVEL.search(str(getattr(v, "nama", "")).lower())] if m]
    finest = max(region_depths + var_depths, default=None)
    if finest is not None and finest > max(depths):
        ctx.warn("tingkat_penyajian", f"The record has region codes down to level {finest} "
                 f"({_level_name(finest)}) but the presentation level is {', '.join(map(str, values))}.",
                 f"Sesuaikan Tingkat Penyajian dengan rincian wilayah pada data ({_level_name(finest)}).",
                 f"Align the presentation level with the regional detail of the data ({_level_name(finest)}).")
    elif region_depths and min(region_depths) > max(depths):
        ctx.warn("tingkat_penyajian", f"The coverage is at level {min(region_depths)} "
                 f"({_level_name(min(region_depths))}) but the presentation level {', '.join(map(str, values))} is "
                 "coarser than the coverage.",
                 "Tingkat Penyajian tidak boleh lebih tinggi dari cakupan wilayah (data kota disajikan minimal "
                 "pada tingkat Kabupaten/Kota).",
                 "The presentation level cannot be coarser than the coverage (city data is at least Kabupaten/Kota).")


def _level_name(level: int) -> str:
    return {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}.get(level, str(level))


def _bbox(text: Any) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of a WKT or GeoJSON geometry string; None when unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    numbers: Iterable[float]
    try:
        if text.lstrip().startswith("{"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?",
                                                    json.dumps(json.loads(text).get("coordinates")))]
        else:
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", text)]
    except (ValueError, AttributeError):
        return None
    numbers = list(numbers)
    xs, ys = numbers[0::2], numbers[1::2]
    if not xs or len(xs) != len(ys):
        return None
    return min(xs), min(ys), max(xs), max(ys)


def v21_geospasial(ctx: RuleContext) -> None:
    """V21 (canonical subset): geospatial data has an extent inside Indonesia, a CRS and SNI 8843-1."""
    ds = ctx.dataset
    if ds.kategori_data != "geospasial":
        return
    boxes = [b for loc in ds.spatial if isinstance(loc, Location)
             for b in (_bbox(loc.bbox), _bbox(loc.geometry)) if b]
    if not boxes:
        ctx.warn("spatial", "Geospatial data without a bounding box or geometry.",
                 "Isi batas koordinat (bounding box) data geospasial.", "Add the bounding box of the geospatial data.")
    for box in boxes:
        if box[0] < _INDONESIA[0] or box[1] < _INDONESIA[1] or box[2] > _INDONESIA[2] or box[3] > _INDONESIA[3]:
            ctx.warn("spatial", f"The extent {box} lies (partly) outside Indonesia (or has lat/lon swapped).",
                     "Periksa koordinat batas data: harus di wilayah Indonesia, urutan bujur lalu lintang.",
                     "Check the extent: it must lie in Indonesia, longitude first, then latitude.")
    conforms = " ".join(c for c in ds.conforms_to if isinstance(c, str))
    if not _EPSG.search(conforms):
        ctx.warn("conforms_to", "Geospatial data without a declared coordinate reference system (EPSG).",
                 "Cantumkan sistem referensi koordinat (misalnya EPSG:4326 / SRGI2013 EPSG:9470).",
                 "Declare the coordinate reference system (e.g. EPSG:4326).")
    if "8843" not in conforms:
        ctx.warn("conforms_to", "Geospatial metadata does not declare conformance to SNI 8843-1:2019.",
                 "Metadata geospasial mengikuti SNI 8843-1:2019 (SE Kepala BIG 6/2021); cantumkan standarnya.",
                 "Geospatial metadata follows SNI 8843-1:2019 (SE BIG 6/2021); declare the standard.")
