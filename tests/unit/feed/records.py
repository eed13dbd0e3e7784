"""Example store content for the feed tests: Kota Blitar-like canonical records, saved directly.

``seed(store)`` saves records over three sources with known ``updated_at`` values (so the feed
order is known), covering every access level, a withdrawn and an invalid record, awkward remote ids
(slash, space, non-ASCII), a dataset that keeps its original IRI under the site's base URI, a series
with a member, several organisations, themes and region codes. It returns a ``Seeded`` describing
what the feed must show, computed from the inputs (never from the feed itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Optional

from harvester.model.canonical import canonical_json, stable_hash
from harvester.model.dataset import (
    Agent,
    ContactPoint,
    Dataset,
    Distribution,
    Location,
    PeriodOfTime,
)
from harvester.pipeline.identity import assign_identity
from harvester.store import RecordRow, Store

BASE = "https://data.blitarkota.go.id"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
WALIDATA = Agent(name="Dinas Komunikasi, Informatika dan Statistik Kota Blitar", identifier="diskominfotik",
                 uri=f"{BASE}/organisasi/diskominfotik", email="diskominfotik@blitarkota.go.id")
ORGS = {
    "dinkes": Agent(name="Dinas Kesehatan Kota Blitar", identifier="dinkes"),
    "dindik": Agent(name="Dinas Pendidikan Kota Blitar", identifier="dindik"),
    "dispendukcapil": Agent(name="Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", identifier="dispendukcapil"),
}
EU_SOCI = "http://publications.europa.eu/resource/authority/data-theme/SOCI"
EU_HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
EU_EDUC = "http://publications.europa.eu/resource/authority/data-theme/EDUC"


@dataclass
class Entry:
    source_id: str
    remote_id: str
    dataset: Optional[Dataset]
    access: Optional[str] = "TERBUKA"
    status: str = "current"
    org: Optional[str] = None
    kode_pemda: Optional[str] = "35.72"


@dataclass
class Seeded:
    entries: list[Entry] = field(default_factory=list)  # in feed order (updated_at ascending)

    def visible(self, access: tuple[str, ...] = ("TERBUKA",)) -> list[Entry]:
        return [e for e in self.entries
                if e.status == "current" and e.dataset is not None and e.access in access]


def make_dataset(n: int, *, org: str = "dinkes", title: Optional[str] = None, theme: str = EU_HEAL,
                 urusan: str = "1.02", kode: str = "35.72", uri: Optional[str] = None, **kw: object) -> Dataset:
    """A fairly complete canonical record (distributions, agents, SDI fields)."""
    slug = f"data-{n:04d}"
    return Dataset(
        identifier=f"DSSD-3572-{n:04d}", uri=uri,
        title=title or f"Indikator {n} Kota Blitar",
        description=f"Nilai indikator {n} per kecamatan di Kota Blitar.\nSumber: {ORGS[org].name}.",
        keywords=("kota blitar", f"indikator {n}"), themes=(theme,), landing_page=f"{BASE}/dataset/{slug}",
        issued="2024-01-15", modified=f"2024-06-{1 + n % 28:02d}", language=("id",), publisher=WALIDATA,
        creator=ORGS[org], contact_points=(ContactPoint(name="Bidang Statistik", email="statistik@blitarkota.go.id"),),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN",
        temporal=(PeriodOfTime(start="2020", end="2023"),), spatial=(Location(code=kode),),
        license="http://creativecommons.org/licenses/by/4.0/",
        distributions=(
            Distribution(access_url=f"{BASE}/dataset/{slug}/resource/csv", download_url=f"{BASE}/unduh/{slug}.csv",
                         title=f"Tabel indikator {n} (CSV)", format="CSV", media_type="text/csv", identifier="csv"),
            Distribution(access_url=f"{BASE}/dataset/{slug}/resource/xlsx", title=f"Tabel indikator {n} (XLSX)",
                         format="XLSX", identifier="xlsx"),
        ),
        konsep="Indikator", definisi="Definisi operasional indikator.", satuan="Persen", ukuran="Persentase",
        level_instansi="KABUPATEN_KOTA", kode_pemda=kode, kode_pemda_bps=kode.replace(".", ""),
        bidang_urusan=(urusan,), jadwal_rilis=("2025-03-31",), tingkat_penyajian=("KECAMATAN",),
        **kw,  # type: ignore[arg-type]
    )


def example_entries() -> list[Entry]:
    """The example records in the order they are saved (= feed order)."""
    out: list[Entry] = []
    for n in range(1, 8):  # Dinkes, via the SIPD source
        out.append(Entry("dinkes-sipd", f"1.02.01.{n:04d}", make_dataset(n), org="dinkes"))
    for n in range(8, 12):  # Dindik, education theme
        out.append(Entry("daftar-data-opd", f"DD-2024-{n:03d}",
                         make_dataset(n, org="dindik", theme=EU_EDUC, urusan="1.01"), org="dindik"))
    # A dataset keeping its original IRI under the site's base (resolvable as /dataset/<slug>).
    orig = f"{BASE}/dataset/jumlah-penduduk-kelurahan"
    out.append(Entry("katalog-diskominfotik", orig,
                     make_dataset(12, org="dispendukcapil", theme=EU_SOCI, urusan="2.12", uri=orig,
                                  title="Jumlah Penduduk Menurut Kelurahan"), org="dispendukcapil"))
    # Awkward remote ids: slash + space, non-ASCII, percent sign.
    out.append(Entry("daftar-data-opd", "opd/2024 tabel 1", make_dataset(13, org="dindik", theme=EU_EDUC,
                                                                        urusan="1.01"), org="dindik"))
    out.append(Entry("daftar-data-opd", "kesehatan-ø-100%", make_dataset(14), org="dinkes"))
    # A neighbouring city's dataset arriving through the province (region filter).
    out.append(Entry("dinkes-sipd", "35.71-1", make_dataset(15, kode="35.71"), org="dinkes", kode_pemda="35.71"))
    # Series and a member.
    series_uri = f"{BASE}/series/indikator-kesehatan"
    series = replace(make_dataset(16, title="Seri indikator kesehatan", uri=series_uri), type="series",
                     distributions=())
    out.append(Entry("dinkes-sipd", "seri-1", series, org="dinkes"))
    out.append(Entry("dinkes-sipd", "seri-1-2023", make_dataset(17, in_series=(series_uri,)), org="dinkes"))
    # Not public: TERBATAS, TERTUTUP, unknown access; a withdrawn and an invalid record.
    out.append(Entry("dinkes-sipd", "terbatas-1", replace(make_dataset(18), access_rights="TERBATAS"),
                     access="TERBATAS", org="dinkes"))
    out.append(Entry("dinkes-sipd", "tertutup-1", replace(make_dataset(19), access_rights="TERTUTUP"),
                     access="TERTUTUP", org="dinkes"))
    out.append(Entry("dinkes-sipd", "tanpa-akses", replace(make_dataset(20), access_rights=None), access=None,
                     org="dinkes"))
    out.append(Entry("dinkes-sipd", "dihapus-1", make_dataset(21), status="deleted", org="dinkes"))
    out.append(Entry("dinkes-sipd", "rusak-1", None, status="invalid", access=None, org=None, kode_pemda=None))
    for n in range(22, 26):  # more public data after the non-public ones
        out.append(Entry("dinkes-sipd", f"1.02.02.{n:04d}", make_dataset(n), org="dinkes"))
    return out


def record_row(entry: Entry, updated_at: datetime) -> RecordRow:
    ds = entry.dataset
    if ds is not None:
        ds = assign_identity(ds, base_uri=BASE, source_id=entry.source_id, remote_id=entry.remote_id)
        entry.dataset = ds
    return RecordRow(
        source_id=entry.source_id, remote_id=entry.remote_id, status=entry.status,
        mapped_hash=stable_hash(ds) if ds else None, dataset_json=canonical_json(ds) if ds else None,
        stable_uri=ds.uri if ds else None, title=ds.title if ds else None, access_rights=entry.access,
        organisation=entry.org, kode_pemda=entry.kode_pemda, modified=ds.modified if ds else None,
        first_seen=updated_at, last_seen=updated_at, updated_at=updated_at,
        deleted_at=updated_at if entry.status == "deleted" else None,
    )


SOURCES = ("dinkes-sipd", "daftar-data-opd", "katalog-diskominfotik")


def rows_of(entries: list[Entry], start: datetime = T0) -> list[RecordRow]:
    """The store rows of ``entries``, one second apart in list order (assigns dataset URIs)."""
    return [record_row(e, start + timedelta(seconds=i)) for i, e in enumerate(entries)]


def describe(entries: Optional[list[Entry]] = None) -> Seeded:
    """What ``seed`` saves, without saving it (for a store copied from a seeded template)."""
    entries = example_entries() if entries is None else entries
    rows_of(entries)
    return Seeded(entries)


def seed(store: Store, entries: Optional[list[Entry]] = None, start: datetime = T0) -> Seeded:
    """Save ``entries`` (default: the example set), one second apart, in list order."""
    entries = example_entries() if entries is None else entries
    for source_id in sorted({e.source_id for e in entries} | set(SOURCES)):
        store.upsert_source(source_id, "dcat-rdf", title=source_id, config_hash="h", enabled=True)
    store.save_records(rows_of(entries, start))
    return Seeded(entries)
