"""Long-running commands: ``run`` (daemon: scheduler + feed) and ``serve`` (feed only)."""

from __future__ import annotations

import logging
from typing import Any, Optional

import click

from harvester.cli.context import CliState

logger = logging.getLogger(__name__)


def build_feed(state: CliState) -> Any:
    """The feed WSGI app over the configured store."""
    from harvester.feed.app import FeedApp, FeedConfig
    from harvester.mapping.codelists import CodeLists
    from harvester.profiles.dcat_ap import CatalogInfo, DcatAp3Profile

    settings = state.config.settings
    feed = getattr(settings, "feed", None)
    catalog_cfg = getattr(settings, "catalog", None)
    publisher = _catalog_publisher(settings)
    catalog = CatalogInfo(
        uri=f"{settings.base_uri.rstrip('/')}/catalog",
        title=getattr(catalog_cfg, "title", None) or "Katalog Satu Data",
        description=getattr(catalog_cfg, "description", None) or "Katalog metadata dataset",
        publisher=publisher,
        homepage=getattr(catalog_cfg, "homepage", None),
    )
    config = FeedConfig(page_size=getattr(feed, "page_size", 100),
                        include_terbatas=bool(getattr(feed, "include_terbatas", False)))
    codelists = CodeLists.load()
    return FeedApp(state.store, DcatAp3Profile(codelists, base_uri=settings.base_uri), catalog, config)


def _catalog_publisher(settings: Any) -> Any:
    from harvester.model.dataset import Agent

    catalog_cfg = getattr(settings, "catalog", None)
    pub = getattr(catalog_cfg, "publisher", None)
    if pub is not None and getattr(pub, "name", None):
        return Agent(name=pub.name, uri=getattr(pub, "uri", None), email=getattr(pub, "email", None))
    walidata = getattr(getattr(settings, "pemda", None), "walidata", None)
    return Agent(name=getattr(walidata, "name", None) or "Walidata", uri=getattr(walidata, "uri", None))


def _serve(app: Any, host: str, port: int, on_ready: Optional[Any] = None) -> Any:
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=8, ident="satudata-harvester")
    logger.info("feed on http://%s:%s/catalog.ttl", host, server.effective_port)
    click.echo(f"feed: http://{host}:{server.effective_port}/catalog.ttl", err=True)
    return server


def _feed_address(state: CliState, host: Optional[str], port: Optional[int]) -> tuple[str, int]:
    feed = getattr(state.config.settings, "feed", None)
    return host or getattr(feed, "host", "127.0.0.1"), port if port is not None else getattr(feed, "port", 8080)


@click.command()
@click.option("--host", default=None, help="feed address (default from config)")
@click.option("--port", type=int, default=None, help="feed port (default from config)")
@click.pass_obj
def run(state: CliState, host: Optional[str], port: Optional[int]) -> None:
    """The daemon: harvest every enabled source on its schedule and serve the DCAT feed."""
    from harvester.pipeline.push import Pusher
    from harvester.pipeline.runner import HarvestRunner
    from harvester.scheduler import Daemon
    from harvester.settings import load_settings

    host, port = _feed_address(state, host, port)
    store = state.store

    def make_runner(cfg: Any) -> HarvestRunner:  # built per job, so a SIGHUP-reloaded config is used
        return HarvestRunner(cfg, store, after_job=Pusher(cfg, store).after_job)

    daemon = Daemon(lambda: load_settings(state.config_path), make_runner, store)
    server = _serve(build_feed(state), host, port)
    daemon.install_signals(server.close)
    daemon.start()
    try:
        server.run()
    except (OSError, ValueError):  # the socket map is closed by the signal handler
        pass
    finally:
        daemon.shutdown()
        state.close()
    logger.info("stopped")


@click.command()
@click.option("--host", default=None, help="address (default from config)")
@click.option("--port", type=int, default=None, help="port (default from config)")
@click.pass_obj
def serve(state: CliState, host: Optional[str], port: Optional[int]) -> None:
    """Serve the DCAT feed only (read-only on the store), e.g. behind a reverse proxy."""
    import signal

    host, port = _feed_address(state, host, port)
    server = _serve(build_feed(state), host, port)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    try:
        server.run()
    except (OSError, ValueError):
        pass
    finally:
        state.close()


COMMANDS = [run, serve]
