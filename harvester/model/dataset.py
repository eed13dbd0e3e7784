"""The canonical dataset model: DCAT-AP 3 shaped, plus the Satu Data Indonesia (SDI) fields.

Every source maps *into* this model once and every output (DCAT-AP RDF, SDI JSON, CKAN dict) is
derived *from* it once. Values are plain strings, numbers, booleans and tuples so that the canonical
JSON form (``harvester.model.canonical``) is deterministic.

Conventions (the mapping engine and the profiles both rely on them):

* Dates are ISO 8601 strings: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a full datetime
  ``YYYY-MM-DDTHH:MM:SS[+HH:MM|Z]``. Parsing of source formats (Indonesian month names,
  ``23/09/2024`` ...) happens in mapping transforms, never here.
* SDI coded values hold the canonical SDI code of ``mappings/codelists`` (``akses='TERBUKA'``,
  ``frekuensi='TAHUNAN'``); profiles translate them (e.g. to EU vocabulary IRIs).
* Region codes are Kemendagri strings with dots (``'35.72'``), never numbers.
* ``publisher`` is the walidata, ``creator`` the produsen data (spec §4 rows 12 and 14).
* Field names follow spec §4 ``field_id`` for SDI-only fields and DCAT names otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

Text = Optional[str]


@dataclass(frozen=True, slots=True)
class Agent:
    """An organisation or person (dct:publisher, dct:creator, qualified attributions)."""

    name: str
    uri: Text = None
    identifier: Text = None  # organisation code, e.g. kode OPD / CKAN organisation name
    email: Text = None
    url: Text = None
    type: Text = None  # ADMS publisher type code: LocalAuthority, RegionalAuthority, NationalAuthority ...


@dataclass(frozen=True, slots=True)
class ContactPoint:
    """A vCard contact point (dcat:contactPoint; SDI 'Kontak Produsen')."""

    name: Text = None
    email: Text = None
    phone: Text = None
    url: Text = None
    uri: Text = None


@dataclass(frozen=True, slots=True)
class PeriodOfTime:
    """dct:PeriodOfTime; either bound may be open. ISO 8601 strings."""

    start: Text = None
    end: Text = None


@dataclass(frozen=True, slots=True)
class Location:
    """dct:Location. ``code`` is a Kemendagri region code ('35.72') when the place is an Indonesian region."""

    uri: Text = None
    label: Text = None
    code: Text = None
    bbox: Text = None  # WKT POLYGON or GeoJSON string
    geometry: Text = None  # WKT or GeoJSON string
    centroid: Text = None


@dataclass(frozen=True, slots=True)
class Variable:
    """A variable / column of the data (SDI §4 row 36, MS-Var subset)."""

    nama: str
    konsep: Text = None
    definisi: Text = None
    tipe_data: Text = None
    satuan: Text = None
    kode_sds: Text = None


@dataclass(frozen=True, slots=True)
class Distribution:
    """dcat:Distribution (a CKAN resource)."""

    access_url: Text = None
    download_url: Text = None
    identifier: Text = None  # stable id within the dataset (source resource id, or URL-derived)
    uri: Text = None
    title: Text = None
    description: Text = None
    format: Text = None  # EU file-type code, e.g. 'CSV', 'XLSX', 'PDF'
    media_type: Text = None  # IANA media type, e.g. 'text/csv'
    byte_size: Optional[int] = None
    issued: Text = None
    modified: Text = None
    license: Text = None  # licence IRI (or the source's id when unknown)
    rights: Text = None
    access_rights: Text = None  # SDI akses code when it differs from the dataset's
    checksum: Text = None  # 'algorithm:hexdigest'
    status: Text = None  # ADMS status code: Completed, UnderDevelopment, Deprecated, Withdrawn
    language: tuple[str, ...] = ()
    conforms_to: tuple[str, ...] = ()
    access_service: Text = None  # endpoint URL of a data service (WMS, API ...)


@dataclass(frozen=True, slots=True)
class Dataset:
    """One catalogue entry: DCAT-AP 3 properties plus SDI fields (spec §4)."""

    # --- identity -------------------------------------------------------------------------
    identifier: str  # dct:identifier: the source's own stable id
    title: str
    uri: Text = None  # stable public URI (original http(s) URI or minted from config base_uri)
    type: str = "dataset"  # 'dataset' or 'series' (dcat:DatasetSeries)

    # --- DCAT-AP ---------------------------------------------------------------------------
    description: Text = None
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()  # theme IRIs (EU data themes, urusan, topik schemes)
    landing_page: Text = None
    issued: Text = None  # tanggal_dibuat
    modified: Text = None  # tanggal_diperbarui
    language: tuple[str, ...] = ()  # ISO 639-1 codes ('id', 'en')
    publisher: Optional[Agent] = None  # walidata
    creator: Optional[Agent] = None  # produsen data
    contact_points: tuple[ContactPoint, ...] = ()
    access_rights: Text = None  # SDI akses: TERBUKA / TERBATAS / TERTUTUP
    accrual_periodicity: Text = None  # SDI frekuensi code: TAHUNAN, BULANAN ...
    temporal: tuple[PeriodOfTime, ...] = ()
    spatial: tuple[Location, ...] = ()  # cakupan: Locations with .code for Indonesian regions
    spatial_resolution_m: Optional[float] = None
    license: Text = None  # dataset-level licence IRI (distributions inherit it)
    conforms_to: tuple[str, ...] = ()  # standar_acuan; SDS URIs
    provenance: Text = None
    version: Text = None
    dcat_type: Text = None
    documentation: tuple[str, ...] = ()
    alternate_identifiers: tuple[str, ...] = ()  # adms:identifier (kode indikator ...)
    applicable_legislation: tuple[str, ...] = ()  # dasar_hukum
    is_referenced_by: tuple[str, ...] = ()
    source: tuple[str, ...] = ()  # dct:source / prov:wasDerivedFrom: where this record came from
    in_series: tuple[str, ...] = ()  # dcat:inSeries URIs
    distributions: tuple[Distribution, ...] = ()

    # --- Satu Data Indonesia (spec §4) -----------------------------------------------------
    konsep: Text = None
    definisi: Text = None
    klasifikasi: Text = None
    ukuran: Text = None
    satuan: Text = None
    walidata_pendukung: Text = None
    pembina_data: Text = None
    level_instansi: Text = None  # NASIONAL / PROVINSI / KABUPATEN_KOTA
    kode_pemda: Text = None  # '35.72'
    kode_pemda_bps: Text = None  # '3572'
    kategori_data: Text = None  # statistik / geospasial / keuangan_negara / lainnya
    jenis_statistik: Text = None
    bidang_urusan: tuple[str, ...] = ()  # urusan codes '2.16'
    topik: tuple[str, ...] = ()  # data.go.id topics
    sektor: Text = None
    jadwal_rilis: tuple[str, ...] = ()  # ISO dates
    tingkat_penyajian: tuple[str, ...] = ()
    kode_indikator: Text = None
    kode_sds: Text = None
    cara_pengumpulan: Text = None
    kegiatan_statistik: Text = None  # MS-Keg id
    rekomendasi_bps: Text = None
    variabel: tuple[Variable, ...] = ()
    status_data: Text = None
    data_prioritas: Optional[bool] = None
    data_induk: Optional[bool] = None
    sdgs: tuple[str, ...] = ()
    pn_rkp: tuple[str, ...] = ()
    pp_rkp: tuple[str, ...] = ()
    sumber_eksternal: Text = None

    # --- harvest bookkeeping (not part of the published metadata) ----------------------------
    extras: tuple[tuple[str, str], ...] = field(default=())  # unmapped key/values kept for CKAN extras

    @property
    def cakupan(self) -> tuple[str, ...]:
        """Region codes of the spatial coverage (SDI 'Cakupan')."""
        return tuple(loc.code for loc in self.spatial if loc.code)


#: Nested dataclass type of each structured field, used by (de)serialisation and the mapping engine.
NESTED_TYPES: dict[str, type] = {
    "publisher": Agent,
    "creator": Agent,
    "contact_points": ContactPoint,
    "temporal": PeriodOfTime,
    "spatial": Location,
    "variabel": Variable,
    "distributions": Distribution,
}
