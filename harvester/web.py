"""The one WSGI app ``harvester run`` and ``harvester serve`` put on the network.

A path-prefix dispatcher: ``/status...`` (status pages), ``/metrics`` and ``/healthz`` go to the
operations apps of ``harvester.ops``; everything else goes to the DCAT feed. A mounted app gets the
standard WSGI view of its mount point (``SCRIPT_NAME`` extended by the prefix, ``PATH_INFO`` the
rest), so it builds its links from ``SCRIPT_NAME``. ``base_path`` (the feed's ``base_path``, for a
reverse proxy that does not strip its prefix) is put in front of every prefix.

Failure behaviour: an unknown path without a feed answers 404; errors inside the apps are theirs
(each answers 5xx itself).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Mounts that take a whole subtree; the others match their exact path only.
SUBTREE_MOUNTS = ("/status",)


class WebApp:
    """Dispatch by path prefix; ``fallback`` (the feed) may be swapped at run time (SIGHUP)."""

    def __init__(self, mounts: Mapping[str, WsgiApp], fallback: Optional[WsgiApp] = None, base_path: str = "/") -> None:
        prefix = base_path.rstrip("/")
        # Longest prefix first, so '/status' never shadows a longer mount.
        self.mounts = sorted(((prefix + path, path in SUBTREE_MOUNTS, app) for path, app in mounts.items()),
                             key=lambda m: -len(m[0]))
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        for prefix, subtree, app in self.mounts:
            if path == prefix or (subtree and path.startswith(prefix + "/")):
                inner = dict(environ)
                inner["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + prefix
                inner["PATH_INFO"] = path[len(prefix):]
                return app(inner, start_response)
        if self.fallback is not None:
            return self.fallback(environ, start_response)
        body = b"not found\n"
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(body)))])
        return [body]
