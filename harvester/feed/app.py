"""``FeedApp``: the read-only WSGI application serving the DCAT feed (see ``harvester.feed``).

Routes (GET and HEAD):

=========================================  ===========================================================
``/catalog`` ``/catalog.{ttl,rdf,jsonld,nt}``  the catalogue, Hydra-paged (``harvester.feed.catalog``);
                                           ``/`` is the negotiated catalogue too
``/catalog/changes``                       created / updated / deleted datasets (ActivityStreams 2.0)
``/dataset/{source_id}/{remote_id}[.ext]``  one dataset; also ``/dataset/{slug}`` and ``/dataset?uri=``
``/api/sdi/datasets[/{id}]``               SDI JSON records, paged
``/openapi.json`` ``/openapi.yaml``        OpenAPI 3.1 description
``/healthz``                               200 ``ok`` when the store answers, else 503
=========================================  ===========================================================

More routes can be added by the daemon (metrics, status page): ``app.route(pattern, handler)`` for a
handler ``(request, **params) -> Response`` or ``app.mount(prefix, wsgi_app)`` for a whole WSGI app.

Failure behaviour: client errors are problem+json (400/404/405/406/410); an unexpected exception is
logged with the request path and answered 500; a store that cannot be reached answers 503.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Iterable

import sqlalchemy as sa

from harvester.feed import catalog as catalog_routes
from harvester.feed import changes as changes_routes
from harvester.feed import openapi, sdi_api
from harvester.feed.context import FeedConfig, FeedContext
from harvester.feed.wsgi import (
    Handler,
    HttpError,
    Request,
    Response,
    Router,
    StartResponse,
    WsgiApp,
    call_mounted,
    finish,
    make_request,
    problem,
)
from harvester.store import Store

logger = logging.getLogger(__name__)

__all__ = ["FeedApp", "FeedConfig"]


class FeedApp:
    """WSGI application over a Store. Thread-safe: all shared state lives in ``FeedContext``."""

    def __init__(self, store: Store, profile: Any, catalog: Any, config: FeedConfig) -> None:
        self.store, self.profile, self.catalog, self.config = store, profile, catalog, config
        self.ctx = FeedContext(store, profile, catalog, config)
        self.router = Router()
        ctx = self.ctx
        add = self.router.add
        add("/healthz", self._healthz)
        add("/", partial(catalog_routes.catalog, ctx))
        add("/catalog", partial(catalog_routes.catalog, ctx))
        add("/catalog/changes", partial(changes_routes.changes, ctx))
        add("/catalog.{ext}", partial(catalog_routes.catalog, ctx))
        add("/dataset", partial(catalog_routes.dataset, ctx))
        add("/dataset/{id:path}", partial(catalog_routes.dataset, ctx))
        add("/api/sdi/datasets", partial(sdi_api.datasets, ctx))
        add("/api/sdi/datasets/{id:path}", partial(sdi_api.dataset, ctx))
        add("/openapi.{ext}", self._openapi)

    # --- extension points ----------------------------------------------------------------------
    def route(self, pattern: str, handler: Handler, methods: tuple[str, ...] = ("GET", "HEAD")) -> None:
        """Add a route (first match wins; feed routes were added first)."""
        self.router.add(pattern, handler, methods)

    def mount(self, prefix: str, app: WsgiApp) -> None:
        """Serve every path under ``prefix`` with another WSGI app."""
        self.router.mount(prefix, app)

    # --- built-in small routes -----------------------------------------------------------------
    def _healthz(self, req: Request) -> Response:
        ok = self.store.ping()
        return Response(200 if ok else 503, b"ok\n" if ok else b"store unreachable\n",
                        compressible=False, cache_control="no-store")

    def _openapi(self, req: Request, ext: str) -> Response:
        if ext not in ("json", "yaml"):
            raise HttpError(404, "the OpenAPI description is at /openapi.json and /openapi.yaml")
        return openapi.serve(self.ctx, req, ext)

    # --- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        cfg = self.config
        req = make_request(environ, public_url=cfg.public_url, base_path=cfg.base_path,
                           forwarded=cfg.forwarded_headers)
        mounted = self.router.mounted(req.path)
        if mounted is not None:
            return call_mounted(mounted[1], mounted[0], req, start_response)
        try:
            handler, params, allowed = self.router.resolve(req.method, req.path)
            if handler is None:
                if allowed:
                    allow = ", ".join(sorted(allowed))
                    raise HttpError(405, f"{req.method} is not allowed here; use {allow}", (("Allow", allow),))
                raise HttpError(404, f"nothing at {req.path[:200]}; see {req.root_url}/openapi.json")
            resp = handler(req, **params)
        except HttpError as exc:
            resp = problem(exc.status, exc.detail, exc.headers)
        except sa.exc.OperationalError:
            logger.exception("feed: state store unavailable on %s", req.path)
            resp = problem(503, "the state store is unavailable; try again later", (("Retry-After", "30"),))
        except Exception:  # a broken page must answer 500, not kill the server thread
            logger.exception("feed: error on %s", req.path)
            resp = problem(500, "internal error")
        return finish(req, resp, start_response)
