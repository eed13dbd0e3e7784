"""RDF formats of the feed and content negotiation (RFC 9110 §12.5.1).

Every RDF resource exists as ``.ttl`` (Turtle), ``.nt`` (N-Triples), ``.rdf`` (RDF/XML) and
``.jsonld`` (JSON-LD). A URL with an extension always gets that format; without one the ``Accept``
header decides (quality values and wildcards honoured, more specific ranges win), then the
``format`` / ``_format`` query parameter overrides both (the latter is what ckanext-dcat uses).
Ties and ``*/*`` go to Turtle, the format the other harvesters read best.

Failure behaviour: ``negotiate`` raises ``HttpError(406)`` listing the available media types when
the client accepts none of them; an unknown ``format`` value is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from harvester.feed.wsgi import HttpError, Request


@dataclass(frozen=True)
class RdfFormat:
    ext: str
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


#: In server preference order.
RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("ttl", "text/turtle", ("application/x-turtle", "application/turtle", "text/n3")),
    RdfFormat("rdf", "application/rdf+xml", ("application/xml", "text/xml")),
    RdfFormat("jsonld", "application/ld+json", ("application/json",)),
    RdfFormat("nt", "application/n-triples", ("text/plain",)),
)
BY_EXT = {f.ext: f for f in RDF_FORMATS}
_NAMES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "xml": "rdf", "rdfxml": "rdf", "json-ld": "jsonld",
          "json": "jsonld"}


def split_ext(raw: str) -> tuple[str, Optional[RdfFormat]]:
    """``("/catalog", ttl)`` for ``"/catalog.ttl"``; the format is None without a known extension."""
    head, dot, ext = raw.rpartition(".")
    if dot and "/" not in ext and ext.lower() in BY_EXT:
        return head, BY_EXT[ext.lower()]
    return raw, None


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out = []
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        kind, _, sub = media.partition("/")
        out.append((kind, sub, q))
    return out


def _quality(fmt: RdfFormat, ranges: list[tuple[str, str, float]]) -> float:
    """q of the most specific range matching the format (its own type or an alias), 0 if none."""
    best_spec, best_q = -1, 0.0
    for media in (fmt.media_type, *fmt.aliases):
        kind, _, sub = media.partition("/")
        alias_penalty = 0.0 if media == fmt.media_type else 0.001  # prefer the real type on ties
        for r_kind, r_sub, q in ranges:
            if r_kind == kind and r_sub == sub:
                spec = 2
            elif r_kind == kind and r_sub == "*":
                spec = 1
            elif r_kind == "*" and r_sub == "*":
                spec = 0
            else:
                continue
            if spec > best_spec:
                best_spec, best_q = spec, max(0.0, q - alias_penalty)
    return best_q


def from_param(value: str) -> RdfFormat:
    """The format named by a ``format`` parameter (extension, rdflib name or media type)."""
    key = value.strip().lower()
    key = _NAMES.get(key, key)
    if key in BY_EXT:
        return BY_EXT[key]
    for fmt in RDF_FORMATS:
        if key == fmt.media_type or key in fmt.aliases:
            return fmt
    raise HttpError(400, f"unknown format {value!r}; use one of {', '.join(BY_EXT)}")


def negotiate(request: Request, ext_format: Optional[RdfFormat]) -> tuple[RdfFormat, bool]:
    """(format, negotiated?) for a request; negotiated is True when ``Accept`` decided (Vary)."""
    param = request.arg("format") or request.arg("_format")
    if param:
        return from_param(param), False
    if ext_format is not None:
        return ext_format, False
    accept = request.header("Accept")
    if not accept or not accept.strip():
        return RDF_FORMATS[0], True
    ranges = _ranges(accept)
    if not ranges:
        return RDF_FORMATS[0], True
    scored = [(_quality(f, ranges), -i, f) for i, f in enumerate(RDF_FORMATS)]
    q, _, best = max(scored, key=lambda t: (t[0], t[1]))
    if q <= 0:
        types = ", ".join(f.media_type for f in RDF_FORMATS)
        raise HttpError(406, f"none of the requested media types is available; this resource has: {types}")
    return best, True
