"""OPD resolution and organisation mapping per target."""

from __future__ import annotations

import pytest

from harvester.model.dataset import Agent
from harvester.targets.base import Organisation
from harvester.targets.organisations import OpdResolver, OrganisationMapper
from tests.unit.targets.support import PEMDA, dataset, target


@pytest.fixture
def resolver() -> OpdResolver:
    return OpdResolver(PEMDA)


@pytest.mark.parametrize("creator,expected", [
    (Agent(name="Dinas Kesehatan Kota Blitar"), "dinkes"),
    (Agent(name="  DINKES "), "dinkes"),  # alias, case and spacing ignored
    (Agent(name="Bidang X", identifier="diskominfotik"), "diskominfotik"),
    (Agent(name="Capil", uri="https://data.example.go.id/org/capil/"), "dispendukcapil"),  # registered URI
    (Agent(name="Whoever", uri="https://portal.example/organisasi/dinkes"), "dinkes"),  # URI tail = OPD id
    (Agent(name="Dinas Tidak Terdaftar"), None),
])
def test_resolve_creator(resolver: OpdResolver, creator: Agent, expected: str | None) -> None:
    assert resolver.resolve(dataset(creator=creator)) == expected


def test_source_opd_is_the_fallback(resolver: OpdResolver) -> None:
    unknown = dataset(creator=Agent(name="Dinas Tidak Terdaftar"))
    assert resolver.resolve(unknown, source_opd="dinkes") == "dinkes"
    assert resolver.resolve(dataset(creator=Agent(name="Disdukcapil")), source_opd="dinkes") == "dispendukcapil"
    assert resolver.resolve(unknown, source_opd="not-registered") is None


def test_publisher_is_not_the_producer(resolver: OpdResolver) -> None:
    # the walidata publishes everything; a dataset without a creator has no OPD
    assert resolver.resolve(dataset(creator=None)) is None


def test_single_mode() -> None:
    single = {"name": "kota-blitar", "title": "Kota Blitar"}
    cfg = target("province", organisations={"mode": "single", "single": single})
    assert OrganisationMapper(cfg, PEMDA).organisation("dinkes") == Organisation("kota-blitar", "Kota Blitar", False)
    assert OrganisationMapper(cfg, PEMDA).organisation(None) == Organisation("kota-blitar", "Kota Blitar", False)


def test_per_opd_map_prefix_and_fallback() -> None:
    cfg = target(organisations={"mode": "per_opd", "map": {"dispendukcapil": "disdukcapil-kota-blitar"},
                                "prefix": "blitar-", "fallback": "diskominfotik", "create_missing": True})
    mapper = OrganisationMapper(cfg, PEMDA)
    assert mapper.organisation("dispendukcapil") == Organisation(
        "disdukcapil-kota-blitar", "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar", True)
    assert mapper.organisation("dinkes") == Organisation("blitar-dinkes", "Dinas Kesehatan Kota Blitar", True)
    # fallback names a registered OPD: mapped like that OPD
    assert mapper.organisation(None).name == "blitar-diskominfotik"


def test_fallback_may_name_a_portal_organisation() -> None:
    cfg = target(organisations={"mode": "per_opd", "fallback": "lain-lain"})
    assert OrganisationMapper(cfg, PEMDA).organisation("unknown") == Organisation("lain-lain", "lain-lain", False)


def test_no_fallback_means_no_organisation() -> None:
    assert OrganisationMapper(target(), PEMDA).organisation(None) is None
    assert OrganisationMapper(target(), PEMDA).organisation("dinkes").name == "dinkes"
