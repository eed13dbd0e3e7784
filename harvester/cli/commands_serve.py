"""Long-running commands: ``run`` (the daemon: scheduler + web) and ``serve`` (web only).

Both serve one WSGI app (``harvester.web.WebApp``): the DCAT feed, the status pages under
``/status``, ``/metrics`` and ``/healthz``, on ``feed.host``:``feed.port`` with waitress.

``run`` exits 0 after SIGTERM/SIGINT once the running jobs stopped after the record in hand (at
most ``DaemonOptions.stop_timeout`` seconds; stragglers are recorded ``interrupted`` and the
process ends without waiting for their threads). SIGHUP re-reads and checks the configuration.
A store that is unreachable at start, or a port already in use, ends the command with an error.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable, Optional

import click

from harvester.cli.context import CliState

logger = logging.getLogger(__name__)


def build_feed(state: CliState, config: Any = None) -> Any:
    """The feed WSGI app over the configured store (``config`` defaults to the CLI's)."""
    from harvester.feed.app import FeedApp, FeedConfig
    from harvester.mapping.codelists import CodeLists
    from harvester.profiles.dcat_ap import CatalogInfo, DcatAp3Profile

    settings = (config or state.config).settings
    feed = getattr(settings, "feed", None)
    catalog_cfg = getattr(settings, "catalog", None)
    catalog = CatalogInfo(
        uri=f"{settings.base_uri.rstrip('/')}/catalog",
        title=getattr(catalog_cfg, "title", None) or "Katalog Satu Data",
        description=getattr(catalog_cfg, "description", None) or "Katalog metadata dataset",
        publisher=_catalog_publisher(settings),
        homepage=getattr(catalog_cfg, "homepage", None),
    )
    feed_config = FeedConfig(page_size=getattr(feed, "page_size", 100),
                             include_terbatas=bool(getattr(feed, "include_terbatas", False)),
                             base_path=getattr(feed, "base_path", "/") or "/",
                             public_url=getattr(feed, "public_url", None),
                             forwarded_headers=bool(getattr(feed, "forwarded_headers", False)),
                             base_uri=settings.base_uri)
    return FeedApp(state.store, DcatAp3Profile(CodeLists.load(), base_uri=settings.base_uri), catalog, feed_config)


def _catalog_publisher(settings: Any) -> Any:
    from harvester.model.dataset import Agent

    catalog_cfg = getattr(settings, "catalog", None)
    pub = getattr(catalog_cfg, "publisher", None)
    if pub is not None and getattr(pub, "name", None):
        return Agent(name=pub.name, uri=getattr(pub, "uri", None), email=getattr(pub, "email", None))
    walidata = getattr(getattr(settings, "pemda", None), "walidata", None)
    return Agent(name=getattr(walidata, "name", None) or "Walidata", uri=getattr(walidata, "uri", None))


def build_web(state: CliState, daemon: Any = None) -> tuple[Any, Any]:
    """``(WebApp, DaemonMetrics)`` over the CLI's store; with a ``daemon`` the pages show its schedule
    and ``/healthz`` also checks its scheduler. The live configuration is the daemon's (reloads)."""
    from harvester.ops.health import HealthApp
    from harvester.ops.metrics import MetricsApp, StoreCollector, make_registry
    from harvester.ops.overview import OverviewCache, collect
    from harvester.ops.retention import database_size
    from harvester.ops.status_pages import StatusApp
    from harvester.quality.web import ReportApp
    from harvester.web import WebApp

    store = state.store
    live: Callable[[], Any] = (lambda: daemon.config) if daemon is not None else (lambda: state.config)
    next_runs = daemon.next_runs if daemon is not None else dict
    alive = daemon.alive if daemon is not None else None
    overview = OverviewCache(lambda: collect(store, live(), next_runs, alive))
    registry, metrics = make_registry(StoreCollector(overview.get, database_size=lambda: database_size(store.url),
                                                     ping=store.ping))
    settings = state.config.settings
    feed = build_feed(state) if settings.feed.enabled else None
    reports = _with_reports(ReportApp(store, state.config), feed)
    web = WebApp({"/status": StatusApp(store, live, overview.get, next_runs), "/metrics": MetricsApp(registry),
                  "/healthz": HealthApp(store.ping, alive)}, reports, base_path=settings.feed.base_path)
    return web, metrics


def _with_reports(reports: Any, fallback: Any) -> Any:
    """``/report``, ``/report.<ext>`` and ``/report/...`` go to the quality report app (which routes on
    the full path), everything else to ``fallback`` (the feed)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO") or "/"
        if path == "/report" or path.startswith(("/report/", "/report.")) or fallback is None:
            return reports(environ, start_response)
        return fallback(environ, start_response)

    return app


def runner_factory(store: Any, metrics: Callable[[], Any]) -> Callable[[Any], Any]:
    """``make_runner(config)`` for the Daemon: a HarvestRunner per job (so a reloaded configuration
    and a freshly read mapping are used) whose push stage is timed into ``metrics()`` (may be None)."""
    from harvester.pipeline.push import Pusher
    from harvester.pipeline.runner import HarvestRunner

    def make_runner(cfg: Any) -> HarvestRunner:
        pusher = Pusher(cfg, store)

        def after_job(result: Any, stop: threading.Event) -> Any:
            started = time.monotonic()
            report = pusher.after_job(result, stop)
            sink = metrics()
            if sink is not None:
                sink.observe_push(result.source_id, report, time.monotonic() - started)
            return report

        return HarvestRunner(cfg, store, after_job=after_job)

    return make_runner


def status_url(settings: Any, host: str, port: int) -> str:
    """Address of the status pages for links in e-mails (``feed.public_url`` when configured)."""
    feed = settings.feed
    public = getattr(feed, "public_url", None)
    base = str(public).rstrip("/") if public else f"http://{host}:{port}{feed.base_path.rstrip('/')}"
    return f"{base}/status"


def check_config(config: Any) -> None:
    """Refuse a configuration whose enabled sources' mappings do not load (raises ConfigError)."""
    from harvester.mapping.spec import load_mapping

    for source in config.enabled_sources().values():
        if source.mapping_path is not None:
            load_mapping(source.mapping_path, mappings_dir=config.mappings_dir)


def _server(app: Any, host: str, port: int) -> Any:
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=8, ident="satudata-harvester")
    logger.info("web on http://%s:%s (feed /catalog.ttl, status /status, /metrics, /healthz)", host,
                server.effective_port)
    click.echo(f"web: http://{host}:{server.effective_port}/status  feed: /catalog.ttl", err=True)
    return server


def _address(state: CliState, host: Optional[str], port: Optional[int]) -> tuple[str, int]:
    feed = state.config.settings.feed
    return host or feed.host, port if port is not None else feed.port


def _serve_until(stop: threading.Event, server: Any) -> None:
    """Run the web server in a thread and wait for ``stop`` (set by a signal handler)."""
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    while not stop.wait(1.0):
        if not thread.is_alive():
            logger.error("web server thread ended unexpectedly; stopping")
            break


def _close(server: Any) -> None:
    try:
        server.close()
    except Exception:  # noqa: BLE001 - closing a dead server is fine
        logger.debug("web server close failed", exc_info=True)


@click.command()
@click.option("--host", default=None, help="web address (default: feed.host)")
@click.option("--port", type=int, default=None, help="web port (default: feed.port)")
@click.pass_obj
def run(state: CliState, host: Optional[str], port: Optional[int]) -> None:
    """The daemon: harvest every enabled source on its schedule; serve feed, status, metrics."""
    from harvester.ops import systemd
    from harvester.ops.notify import Notifier
    from harvester.scheduler import Daemon
    from harvester.settings import load_settings

    host, port = _address(state, host, port)
    store = state.store  # loads the configuration, sets up logging, ensures the schema

    def on_reload(cfg: Any) -> None:
        state._config = cfg  # noqa: SLF001 - the CLI state follows the daemon's configuration
        state.setup_logging()
        if cfg.settings.feed.enabled:
            try:
                web.fallback = build_feed(state, cfg)
            except Exception:  # noqa: BLE001 - keep serving the old feed
                logger.exception("reload: feed not rebuilt; the old one keeps serving")

    daemon = Daemon(state.config, lambda: load_settings(state.config_path),
                    runner_factory(store, lambda: daemon.metrics), store, check=check_config, on_reload=on_reload)
    web, metrics = build_web(state, daemon)
    daemon.metrics = metrics
    daemon.notifier = Notifier(lambda: daemon.config, store, status_url=status_url(state.config.settings, host, port),
                               count=lambda kind, result: metrics.notifications.labels(kind, result).inc())
    server = _server(web, host, port)
    stop = threading.Event()
    daemon.install_signals(stop.set)
    try:
        daemon.start()
    except Exception:
        _close(server)
        raise
    systemd.notify("READY=1")
    _serve_until(stop, server)
    clean = daemon.shutdown()
    _close(server)
    logger.info("stopped%s", "" if clean else " (jobs that did not stop in time were recorded as interrupted)")
    if not clean:  # their threads are blocked in I/O: do not wait for them
        logging.shutdown()
        os._exit(0)
    state.close()


@click.command()
@click.option("--host", default=None, help="address (default: feed.host)")
@click.option("--port", type=int, default=None, help="port (default: feed.port)")
@click.pass_obj
def serve(state: CliState, host: Optional[str], port: Optional[int]) -> None:
    """Serve the feed, status pages, /metrics and /healthz only (read-only; no harvesting)."""
    import signal

    host, port = _address(state, host, port)
    web, _ = build_web(state)
    server = _server(web, host, port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _serve_until(stop, server)
    _close(server)
    state.close()


COMMANDS = [run, serve]
