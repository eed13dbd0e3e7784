"""Small canonical records for the quality tests: one dataset that passes every check, and its policy."""

from __future__ import annotations

from datetime import date

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime
from harvester.quality.scoring import QualityScorer
from harvester.validate.rules_base import SdiPolicy

WALIDATA = "Dinas Komunikasi, Informatika dan Statistik Kota Blitar"
CAPIL = "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar"


def complete(**changes: object) -> Dataset:
    """A Kota Blitar dataset that passes every applicable check; ``changes`` replace fields."""
    values: dict[str, object] = dict(
        identifier="DS-1",
        title="Jumlah Penduduk Menurut Kelurahan di Kota Blitar",
        description="Jumlah penduduk per kelurahan hasil konsolidasi data kependudukan semester II.",
        keywords=("penduduk", "kelurahan"),
        themes=("https://w3id.org/satudata/def/urusan/2.12",),
        issued="2024-01-15", modified="2024-06-30",
        publisher=Agent(name=WALIDATA), creator=Agent(name=CAPIL),
        contact_points=(ContactPoint(name="Bidang PIAK", email="dispendukcapil@blitarkota.go.id"),),
        access_rights="TERBUKA", accrual_periodicity="TAHUNAN",
        temporal=(PeriodOfTime("2023-01-01", "2023-12-31"),),
        spatial=(Location(code="35.72.01.1001"),),
        license="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        distributions=(Distribution(download_url="https://data.blitarkota.go.id/unduh/penduduk.csv", format="CSV",
                                    media_type="text/csv", byte_size=2048),),
        konsep="Penduduk", definisi="Orang yang berdomisili di wilayah Kota Blitar.", klasifikasi="Kelurahan",
        ukuran="Jumlah", satuan="Jiwa", level_instansi="KABUPATEN_KOTA", kode_pemda="35.72", kode_pemda_bps="3572",
        bidang_urusan=("2.12",), jadwal_rilis=("2025-06-30",), tingkat_penyajian=("DESA_KELURAHAN",),
    )
    values.update(changes)
    return Dataset(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def codelists() -> CodeLists:
    return CodeLists.load()


@pytest.fixture(scope="session")
def policy() -> SdiPolicy:
    return SdiPolicy(kode_pemda="35.72", walidata=WALIDATA, walidata_aliases=("Diskominfotik",),
                     organisations=(CAPIL, "Dispendukcapil", "Dinas Kesehatan Kota Blitar", "Dinkes"),
                     today=date(2024, 10, 1))


@pytest.fixture(scope="session")
def scorer(codelists: CodeLists, policy: SdiPolicy) -> QualityScorer:
    return QualityScorer(codelists, policy)


HARVESTER_YAML = """\
database:
  url: sqlite:///{db}
base_uri: https://data.blitarkota.go.id
catalog:
  title: Katalog uji
pemda:
  level: KABUPATEN_KOTA
  kode: "35.72"
  nama: Kota Blitar
  walidata:
    name: Dinas Komunikasi, Informatika dan Statistik Kota Blitar
    aliases: [Diskominfotik]
  organisations:
    - id: dispendukcapil
      name: Dinas Kependudukan dan Pencatatan Sipil Kota Blitar
      aliases: [Dispendukcapil]
    - id: dinkes
      name: Dinas Kesehatan Kota Blitar
      aliases: [Dinkes]
    - id: dlh
      name: Dinas Lingkungan Hidup Kota Blitar
"""
SOURCE_YAML = """\
type: dcat-rdf
url: katalog.ttl
{extra}"""


@pytest.fixture
def env(tmp_path):
    """(config, store): a small Kota Blitar config with sources 'katalog' and 'sipd' (organisation dinkes)."""
    from harvester.settings import load_settings
    from harvester.store import Store

    (tmp_path / "sources").mkdir()
    (tmp_path / "targets").mkdir()
    (tmp_path / "harvester.yaml").write_text(HARVESTER_YAML.format(db=tmp_path / "state.db"))
    (tmp_path / "sources" / "katalog.yaml").write_text(SOURCE_YAML.format(extra=""))
    (tmp_path / "sources" / "sipd.yaml").write_text(SOURCE_YAML.format(extra="organisation:\n  id: dinkes\n"))
    config = load_settings(tmp_path / "harvester.yaml")
    store = Store(config.settings.database.url)
    for sid in config.sources:
        store.upsert_source(sid, "dcat-rdf", title=sid, config_hash="x", enabled=True)
    yield config, store
    store.close()


def put(store, source_id: str, remote_id: str, dataset, *, status: str = "current", when=None) -> None:
    """Store ``dataset`` as the mapped record ``source_id/remote_id``."""
    from harvester.model.canonical import canonical_json
    from harvester.store import RecordRow

    store.save_record(RecordRow(source_id=source_id, remote_id=remote_id, status=status,
                                dataset_json=canonical_json(dataset), title=dataset.title, updated_at=when))
