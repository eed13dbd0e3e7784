"""Fixtures of the feed tests: a SQLite store seeded with the example records, the DCAT-AP profile,
a ``FeedApp`` factory, and a real waitress server in a thread."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from harvester.feed.app import FeedApp, FeedConfig
from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Agent
from harvester.profiles.dcat_ap import CatalogInfo, DcatAp3Profile
from harvester.store import Store
from tests.support.db import make_postgres_db, postgres_server  # noqa: F401  (fixtures for test_postgres)
from tests.unit.feed.records import BASE, Seeded, describe, seed

CATALOG = CatalogInfo(uri=f"{BASE}/catalog", title="Katalog Satu Data Kota Blitar",
                      description="Katalog metadata data sektoral Pemerintah Kota Blitar.",
                      publisher=Agent(name="Dinas Komunikasi, Informatika dan Statistik Kota Blitar",
                                      uri=f"{BASE}/organisasi/diskominfotik"),
                      homepage=BASE, license="http://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="session")
def profile() -> DcatAp3Profile:
    return DcatAp3Profile(CodeLists.load(), base_uri=BASE)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite file made once; each test works on its own copy (fast setup)."""
    path = tmp_path_factory.mktemp("feed-template") / "feed.db"
    s = Store(f"sqlite:///{path}")
    seed(s)
    with s._engine.connect() as conn:  # fold the WAL into the main file so one file is a full copy
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def store(tmp_path: Path, template_db: Path) -> Iterator[Store]:
    """A store holding the example records (``seeded`` describes them)."""
    path = tmp_path / "feed.db"
    shutil.copyfile(template_db, path)
    s = Store(f"sqlite:///{path}")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def seeded(store: Store) -> Seeded:
    """What ``store`` holds (the example entries, as ``seed`` saved them into the template)."""
    return describe()


AppFactory = Callable[..., FeedApp]


@pytest.fixture
def make_app(store: Store, profile: DcatAp3Profile) -> AppFactory:
    def factory(**config: Any) -> FeedApp:
        config.setdefault("page_size", 5)
        config.setdefault("snapshot_ttl", 0)  # tests change the store and look at once
        return FeedApp(store, profile, CATALOG, FeedConfig(**config))

    return factory


@pytest.fixture
def app(seeded: Seeded, make_app: AppFactory) -> FeedApp:
    return make_app()


def serve_in_thread(app: Any) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` with waitress on a free loopback port; returns (root URL, stop function)."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="feed-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop() -> None:
        from waitress import wasyncore

        server.close()
        wasyncore.close_all(server._map)  # open keep-alive channels too, so run() returns at once
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.effective_port}", stop
