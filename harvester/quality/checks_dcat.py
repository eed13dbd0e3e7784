"""Field checks: the EU MQA style properties that no SDI rule covers, tested on the canonical dataset.

Each ``test`` returns an ``Outcome``: full credit, none, or not applicable. Blank values ('-',
'null', 'belum diisi' ...) count as absent (``harvester.validate.rules_base.is_blank``). A
*data file* is a distribution that is not a data service (no ``access_service``): media type and
format checks look at data files only, since an API endpoint has neither.

``ALL_CHECKS`` is the complete, ordered table that ``docs/quality.md`` documents.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from harvester.mapping.codelists import CodeList
from harvester.model.dataset import Distribution
from harvester.quality.checks import (DCAT_RULE_CHECKS, DIMENSION_IDS, NOT_APPLICABLE, PASS, SDI_CHECKS, Check,
                                      CheckInput, Outcome, any_present, present)


def _files(data: CheckInput) -> tuple[Distribution, ...]:
    return data.files  # worked out once per dataset, shared by four checks


def _dists(data: CheckInput) -> tuple[Distribution, ...]:
    return data.distributions


def _numbered(indexes: list[int]) -> tuple[str, str]:
    shown = ", ".join(f"#{i + 1}" for i in indexes)
    return f"berkas {shown}", f"distribution {shown}"


@lru_cache(maxsize=8)
def known_media_types(formats: CodeList) -> frozenset[str]:
    """Media types of the ``format`` code list (the IANA types of the EU file types), lower case."""
    found: set[str] = set()
    for code in formats:
        for key in ("media_type", "media_types"):
            value = code.attrs.get(key)
            values = value if isinstance(value, (tuple, list)) else (value,)
            found.update(str(v).strip().lower() for v in values if v)
    return frozenset(found)


def media_type_ok(value: object, formats: CodeList) -> bool:
    """A registered media type; parameters (``; charset=utf-8``) are ignored."""
    if not isinstance(value, str) or not present(value):
        return False
    return value.split(";")[0].strip().lower() in known_media_types(formats)


def t_media_type(data: CheckInput) -> Outcome:
    files = _files(data)
    if not files:
        return NOT_APPLICABLE
    formats = data.codelists["format"]
    bad = [i for i, d in enumerate(files) if not media_type_ok(d.media_type, formats)]
    return PASS if not bad else Outcome(0.0, *_numbered(bad))


def t_format(data: CheckInput) -> Outcome:
    files = _files(data)
    if not files:
        return NOT_APPLICABLE
    formats = data.codelists["format"]
    bad = [i for i, d in enumerate(files) if not (isinstance(d.format, str) and d.format in formats)]
    return PASS if not bad else Outcome(0.0, *_numbered(bad))


def t_keywords(data: CheckInput) -> Outcome:
    return PASS if any_present(data.dataset.keywords) else Outcome(0.0)


def t_themes(data: CheckInput) -> Outcome:
    ds = data.dataset
    return PASS if any_present(ds.themes) or any_present(ds.topik) or any_present(ds.bidang_urusan) else Outcome(0.0)


def t_spatial(data: CheckInput) -> Outcome:
    ok = any(present(loc.code) or present(loc.uri) or present(loc.label) or present(loc.bbox) or present(loc.geometry)
             for loc in data.dataset.spatial)
    return PASS if ok else Outcome(0.0)


def t_temporal(data: CheckInput) -> Outcome:
    ok = any(present(p.start) or present(p.end) for p in data.dataset.temporal)
    return PASS if ok else Outcome(0.0)


def t_access_url(data: CheckInput) -> Outcome:
    dists = _dists(data)
    if not dists:
        return NOT_APPLICABLE
    bad = [i for i, d in enumerate(dists)
           if not (present(d.access_url) or present(d.download_url) or present(d.access_service))]
    return PASS if not bad else Outcome(0.0, *_numbered(bad))


def t_download_url(data: CheckInput) -> Outcome:
    dists = _dists(data)
    if not dists or data.dataset.access_rights not in (None, "", "TERBUKA"):
        return NOT_APPLICABLE  # restricted data may legitimately offer a request page only
    return PASS if any(present(d.download_url) for d in dists) else Outcome(0.0)


def t_links(data: CheckInput) -> Outcome:
    if data.links is None:
        return NOT_APPLICABLE
    urls = [u for u in (link_url(d) for d in _files(data)) if u]
    if not urls:
        return NOT_APPLICABLE
    results = [data.links.check(u) for u in urls]
    broken = [r for r in results if r is not None and not r.ok]
    if any(r is None for r in results) and not broken:
        return NOT_APPLICABLE  # nothing checked yet (budget exhausted): do not judge
    if not broken:
        return PASS
    detail = "; ".join(f"{r.url} ({r.reason})" for r in broken[:3])
    return Outcome(0.0, detail, detail)


def link_url(dist: Distribution) -> str | None:
    """The URL a link check requests: the download URL, else the access URL (http(s) only)."""
    for url in (dist.download_url, dist.access_url):
        if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
            return url.strip()
    return None


def t_issued(data: CheckInput) -> Outcome:
    return PASS if present(data.dataset.issued) else Outcome(0.0)


def t_modified(data: CheckInput) -> Outcome:
    return PASS if present(data.dataset.modified) else Outcome(0.0)


def t_byte_size(data: CheckInput) -> Outcome:
    files = [d for d in _files(data) if present(d.download_url)]
    if not files:
        return NOT_APPLICABLE
    bad = [i for i, d in enumerate(files)
           if not (isinstance(d.byte_size, (int, float)) and not isinstance(d.byte_size, bool) and d.byte_size > 0)]
    return PASS if not bad else Outcome(0.0, *_numbered(bad))


def _field(check_id: str, dimension: str, weight: int, test: Callable[[CheckInput], Outcome], fields: tuple[str, ...],
           label_id: str, label_en: str, hint_id: str, hint_en: str) -> Check:
    return Check(check_id, dimension, weight, label_id, label_en, hint_id, hint_en, fields, test=test)


SDI_FIELD_CHECKS: tuple[Check, ...] = (
    _field("sdi.media_type", "interoperabilitas", 5, t_media_type, ("distributions.media_type",),
           "Media type sah (IANA)", "Valid media type (IANA)",
           "Isi media type setiap berkas, misalnya text/csv", "Give each file's media type, e.g. text/csv"),
)

DCAT_FIELD_CHECKS: tuple[Check, ...] = (
    _field("dcat.kata_kunci", "findability", 5, t_keywords, ("keywords",), "Kata kunci", "Keywords",
           "Isi Kata Kunci (misalnya: penduduk, kelurahan)", "Add keywords (e.g. population, village)"),
    _field("dcat.tema", "findability", 4, t_themes, ("themes",), "Tema / kategori", "Themes / categories",
           "Isi Tema atau Bidang Urusan dataset", "Add a theme or government-affair code"),
    _field("dcat.cakupan_wilayah", "findability", 3, t_spatial, ("spatial",), "Cakupan wilayah",
           "Spatial coverage", "Isi Cakupan Wilayah (misalnya 35.72 Kota Blitar)",
           "Add the spatial coverage (e.g. 35.72 Kota Blitar)"),
    _field("dcat.cakupan_waktu", "findability", 3, t_temporal, ("temporal",), "Cakupan waktu",
           "Temporal coverage", "Isi Tahun Awal dan Tahun Akhir data", "Add the first and last year of the data"),
    _field("dcat.url_akses", "accessibility", 4, t_access_url, ("distributions.access_url",), "URL akses berkas",
           "Distribution access URL", "Isi tautan setiap berkas", "Give every distribution a URL"),
    _field("dcat.url_unduh", "accessibility", 3, t_download_url, ("distributions.download_url",),
           "URL unduh langsung", "Direct download URL", "Sediakan tautan unduh langsung ke berkas data",
           "Provide a direct download link to the data file"),
    _field("dcat.tautan_aktif", "accessibility", 3, t_links, ("distributions.download_url",),
           "Tautan berkas dapat dibuka", "Distribution links work", "Perbaiki tautan berkas yang rusak",
           "Fix the broken distribution links"),
    _field("dcat.format", "interoperability", 5, t_format, ("distributions.format",), "Format dari kosakata",
           "Format from a vocabulary", "Isi format setiap berkas dengan kode baku, misalnya CSV atau XLSX",
           "Give each file's format as a standard code, e.g. CSV or XLSX"),
    _field("dcat.tanggal_dibuat", "contextuality", 2, t_issued, ("issued",), "Tanggal dibuat", "Issue date",
           "Isi Tanggal Dibuat", "Fill in the issue date"),
    _field("dcat.tanggal_diperbarui", "contextuality", 2, t_modified, ("modified",), "Tanggal diperbarui",
           "Modification date", "Isi Tanggal Diperbarui", "Fill in the modification date"),
    _field("dcat.ukuran_berkas", "contextuality", 2, t_byte_size, ("distributions.byte_size",), "Ukuran berkas",
           "File size", "Isi ukuran berkas (byte) setiap berkas unduhan", "Give each download's size in bytes"),
)


def _ordered(checks: tuple[Check, ...]) -> tuple[Check, ...]:
    return tuple(sorted(checks, key=lambda c: DIMENSION_IDS.index(c.dimension)))


#: Every check, ordered by dimension (stable within a dimension): the table of docs/quality.md.
ALL_CHECKS: tuple[Check, ...] = _ordered(SDI_CHECKS + SDI_FIELD_CHECKS + DCAT_FIELD_CHECKS + DCAT_RULE_CHECKS)
CHECKS_BY_ID = {c.id: c for c in ALL_CHECKS}
if len(CHECKS_BY_ID) != len(ALL_CHECKS):
    raise RuntimeError("duplicate quality check id")
