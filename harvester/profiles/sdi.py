"""SDI JSON output profile (``sdi``): the canonical record under the spec §4 ``field_id`` names.

The record is what a Satu Data Indonesia portal or validator reads: Indonesian field names
(``judul``, ``deskripsi``, ``kata_kunci``, ``id_dataset`` ...), codes as the canonical SDI codes
(``akses: "TERBUKA"``, ``frekuensi: "TAHUNAN"``, ``cakupan: ["35.72"]``), agents as objects and the
distributions as ``distribusi``. Empty values are left out, so a key is present only when the record
has a value. ``mappings/schema/sdi-record.schema.json`` documents every key; every rendered record
validates against it.

Choices where spec §4 leaves room: row 26 is rendered as ``periode`` (a list of ``{awal, akhir}``),
row 34 as ``metode_pengumpulan`` (the §10.2 code), row 40 as ``label_pembangunan`` ``{sdgs, pn_rkp,
pp_rkp}``; ``kode_pemda_bps``, ``rekomendasi_bps`` and the stable ``uri`` are added.

Pure: the canonical record already holds codes; the only lookup (when built with the code lists,
as ``create_profile`` does) derives a missing ``kode_pemda_bps`` from ``kode_pemda``. Never raises
for a valid ``Dataset``.
"""

from __future__ import annotations

from typing import Any, Optional

from harvester.model.dataset import Agent, ContactPoint, Dataset, Distribution
from harvester.profiles.base import Codes, compact

__all__ = ["SdiProfile"]

def _agent(agent: Optional[Agent]) -> Optional[dict[str, Any]]:
    if agent is None or not agent.name:
        return None
    return compact({"nama": agent.name, "kode": agent.identifier, "uri": agent.uri,
                     "email": agent.email, "url": agent.url, "tipe": agent.type})


def _strings(values: tuple[str, ...]) -> list[str]:
    return [v for v in values if v]


def _named(name: Optional[str]) -> Optional[dict[str, Any]]:
    return {"nama": name} if name else None


def _contact(cp: ContactPoint) -> dict[str, Any]:
    return compact({"nama": cp.name, "email": cp.email, "telepon": cp.phone, "url": cp.url, "uri": cp.uri})


def _distribution(dist: Distribution, licence: Optional[str]) -> dict[str, Any]:
    return compact({
        "nama": dist.title,
        "deskripsi": dist.description,
        "url": dist.download_url or dist.access_url,
        "format": dist.format,
        "media_type": dist.media_type,
        "ukuran_berkas": dist.byte_size if dist.byte_size is not None and dist.byte_size >= 0 else None,
        "tanggal_dibuat": dist.issued,
        "tanggal_diperbarui": dist.modified,
        "lisensi": dist.license or licence,
    })


class SdiProfile:
    """Canonical ``Dataset`` → SDI JSON record (a dict of JSON types)."""

    name = "sdi"

    def __init__(self, codelists: Any = None) -> None:
        """With code lists, a missing ``kode_pemda_bps`` is derived from ``kode_pemda`` (wilayah)."""
        self.codes = Codes(codelists) if codelists is not None else None

    def render(self, dataset: Dataset) -> dict:
        """The SDI record of ``dataset``; same input, same dict (key order included)."""
        ds = dataset
        label = compact({"sdgs": _strings(ds.sdgs), "pn_rkp": _strings(ds.pn_rkp), "pp_rkp": _strings(ds.pp_rkp)})
        return compact({
            "id_dataset": ds.identifier,
            "uri": ds.uri,
            "judul": ds.title,
            "deskripsi": ds.description,
            "kata_kunci": _strings(ds.keywords),
            "kode_indikator": ds.kode_indikator,
            "kode_sds": ds.kode_sds,
            "konsep": ds.konsep,
            "definisi": ds.definisi,
            "klasifikasi": ds.klasifikasi,
            "ukuran": ds.ukuran,
            "satuan": ds.satuan,
            "produsen_data": _agent(ds.creator),
            "kontak_produsen": [c for c in (_contact(cp) for cp in ds.contact_points) if c],
            "walidata": _agent(ds.publisher),
            "walidata_pendukung": _named(ds.walidata_pendukung),
            "pembina_data": _named(ds.pembina_data),
            "level_instansi": ds.level_instansi,
            "kode_pemda": ds.kode_pemda,
            "kode_pemda_bps": ds.kode_pemda_bps or (self.codes.attr("wilayah", ds.kode_pemda, "bps")
                                                    if self.codes is not None and ds.kode_pemda else None),
            "kategori_data": ds.kategori_data,
            "jenis_statistik": ds.jenis_statistik,
            "bidang_urusan": _strings(ds.bidang_urusan),
            "topik": _strings(ds.topik),
            "sektor": ds.sektor,
            "frekuensi": ds.accrual_periodicity,
            "jadwal_rilis": _strings(ds.jadwal_rilis),
            "periode": [p for p in (compact({"awal": t.start, "akhir": t.end}) for t in ds.temporal) if p],
            "tingkat_penyajian": _strings(ds.tingkat_penyajian),
            "cakupan": _strings(ds.cakupan),
            "akses": ds.access_rights,
            "lisensi": ds.license,
            "tanggal_dibuat": ds.issued,
            "tanggal_diperbarui": ds.modified,
            "sumber_eksternal": ds.sumber_eksternal,
            "metode_pengumpulan": ds.cara_pengumpulan,
            "kegiatan_statistik": ds.kegiatan_statistik,
            "rekomendasi_bps": ds.rekomendasi_bps,
            "variabel": [compact({"nama": v.nama, "konsep": v.konsep, "definisi": v.definisi,
                                   "tipe_data": v.tipe_data, "satuan": v.satuan, "kode_sds": v.kode_sds})
                         for v in ds.variabel if v.nama],
            "status_data": ds.status_data,
            "data_prioritas": ds.data_prioritas,
            "data_induk": ds.data_induk,
            "label_pembangunan": label,
            "bahasa": _strings(ds.language),
            "landing_page": ds.landing_page,
            "standar_acuan": _strings(ds.conforms_to),
            "dasar_hukum": _strings(ds.applicable_legislation),
            "distribusi": [_distribution(d, ds.license) for d in ds.distributions],
        })
