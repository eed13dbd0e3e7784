"""Every catalogue page conforms to the official DCAT-AP 3.0.1 shapes (no sh:Violation).

Two stores: the hand-made example records (tests/unit/feed/records.py), and what the harvester
itself produces from the shipped example configuration (config/example, run offline with
``HarvestRunner``). Warnings (e.g. a dataset series whose members sit on another page) are allowed:
the mandatory shapes are what a DCAT-AP consumer rejects on.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import rdflib

from harvester.feed.app import FeedApp, FeedConfig
from harvester.model.issues import Severity
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.store import DatasetFilter, Store
from harvester.validate.shacl import validate_graph
from tests.unit.feed.conftest import CATALOG, AppFactory
from tests.unit.feed.records import Seeded
from tests.unit.feed.test_catalog import datasets_in, graph, link, path_of
from tests.unit.feed.wsgi_client import call

REPO = Path(__file__).resolve().parents[3]


def _shapes(shared_data: Path) -> Path:
    return shared_data / "shacl" / "dcat-ap_3.0.1_shacl_shapes.ttl"


def _violations(g: rdflib.Graph, shapes: Path) -> list[str]:
    issues = validate_graph(g, shapes=[shapes])
    return [f"{i.location} {i.field}: {i.message}" for i in issues if i.severity == Severity.ERROR]


def _check_all_pages(app: FeedApp, shapes: Path, fmt: str = "ttl") -> int:
    url: str | None = f"/catalog.{fmt}"
    count = 0
    while url:
        g = graph(call(app, url), fmt)
        assert not _violations(g, shapes), url
        count += len(datasets_in(g))
        nxt = link(g, "next")
        url = path_of(nxt) if nxt else None
    return count


def test_example_record_pages_conform(seeded: Seeded, make_app: AppFactory, shared_data: Path) -> None:
    app = make_app(page_size=7)
    assert _check_all_pages(app, _shapes(shared_data)) == len(seeded.visible())


def test_rdfxml_and_jsonld_pages_conform_too(seeded: Seeded, make_app: AppFactory, shared_data: Path) -> None:
    app = make_app(page_size=25)
    for fmt in ("rdf", "jsonld"):
        assert _check_all_pages(app, _shapes(shared_data), fmt) == len(seeded.visible())


def test_violations_are_detected(make_app: AppFactory, seeded: Seeded, shared_data: Path) -> None:
    """The check can fail: a page whose dataset lost its title is reported."""
    g = graph(call(make_app(), "/catalog.ttl"))
    dct_title = rdflib.URIRef("http://purl.org/dc/terms/title")
    victim = rdflib.URIRef(datasets_in(g)[0])
    g.remove((victim, dct_title, None))
    assert any(str(victim) in v for v in _violations(g, _shapes(shared_data)))


@pytest.fixture
def example_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store filled by harvesting config/example (local files only, no network)."""
    from harvester.errors import HarvesterError
    from harvester.pipeline.runner import HarvestRunner
    from harvester.settings import load_settings

    monkeypatch.setenv("HARVESTER_DATABASE_URL", f"sqlite:///{tmp_path / 'example.db'}")
    cfg = load_settings(REPO / "config" / "example" / "harvester.yaml", env=dict(os.environ))
    store = Store(cfg.settings.database.url)
    runner = HarvestRunner(cfg, store)
    for source_id in cfg.enabled_sources():
        try:
            runner.run(source_id)
        except HarvesterError as exc:  # another part of the example may be unfinished; judge what ran
            logging.getLogger(__name__).warning("example source %s did not run: %s", source_id, exc)
    return store


def test_harvested_example_pages_conform(example_store: Store, profile: DcatAp3Profile, shared_data: Path) -> None:
    app = FeedApp(example_store, profile, CATALOG, FeedConfig(page_size=4))
    total = example_store.count_datasets()
    public = example_store.count_datasets(filters=DatasetFilter(access_in=("TERBUKA",)))
    assert total >= 5 and public >= 5
    assert _check_all_pages(app, _shapes(shared_data)) == public
