"""OpenAPI 3.1 description of the feed, served at ``/openapi.json`` and ``/openapi.yaml``.

Built in code (not a packaged file) so it always matches the routes and the configured page sizes;
``servers`` is the feed's own root URL as the client sees it.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

import harvester
from harvester.feed.conditional import is_not_modified, make_etag
from harvester.feed.context import FeedContext
from harvester.feed.wsgi import Request, Response

RDF_TYPES = ("text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples")
_FILTERS = [
    ("modified_since", ("Only records that changed in this harvester at or after this time (ISO 8601 date or "
                        "date-time; UTC when no offset)."), {"type": "string", "format": "date-time"}),
    ("publisher", "Organisation key (produsen data identifier, else name); exact match. Alias: organisation.",
     {"type": "string"}),
    ("organisation", "Same filter as publisher.", {"type": "string"}),
    ("theme", "A value of the dataset's themes (IRI), bidang_urusan or topik; exact match.", {"type": "string"}),
    ("kode_wilayah", "Kemendagri code of the producing pemda; '35' includes every code under 35.",
     {"type": "string", "pattern": r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"}),
    ("source", "Id of the harvest source.", {"type": "string"}),
]


def _q(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _rdf(description: str) -> dict[str, Any]:
    return {"description": description, "headers": {"ETag": {"schema": {"type": "string"}},
                                                    "Last-Modified": {"schema": {"type": "string"}}},
            "content": {t: {"schema": {"type": "string"}} for t in RDF_TYPES}}


def _paging(page_size: int) -> list[dict[str, Any]]:
    return [
        _q("page", f"1-based page number ({page_size} datasets per page).", {"type": "integer", "minimum": 1}),
        _q("after", "Opaque position token from a `next` link: the page starts after that record, so a crawl "
                    "following `next` misses nothing while the catalogue changes.", {"type": "string"}),
    ]


def _filters() -> list[dict[str, Any]]:
    return [_q(n, d, s) for n, d, s in _FILTERS]


_FORMAT = _q("format", "Overrides content negotiation: ttl, rdf, jsonld or nt (also accepted as _format).",
             {"type": "string", "enum": ["ttl", "rdf", "jsonld", "nt"]})
_FORMAT_PATH = {"name": "format", "in": "path", "required": True,
                "schema": {"type": "string", "enum": ["ttl", "rdf", "jsonld", "nt"]}}
_ERRORS = {"304": {"description": "Not modified (If-None-Match / If-Modified-Since)."},
           "400": _problem("Malformed parameter."), "404": _problem("No such page or dataset.")}
_ID_PARAMS = [
    {"name": "source_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "remote_id", "in": "path", "required": True, "description": "Percent-encoded (a slash is %2F).",
     "schema": {"type": "string"}},
]


def build(ctx: FeedContext, root_url: str) -> dict[str, Any]:
    """The OpenAPI document for a feed reached at ``root_url``."""
    size, csize = ctx.config.page_size, ctx.config.changes_page_size
    catalog_get: dict[str, Any] = {
        "summary": "The DCAT-AP 3 catalogue, paged with Hydra",
        "description": "Content negotiation by Accept (Turtle by default) unless a format extension or "
                       "`format` is given. `page=all` streams the whole filtered catalogue (chunked). Each page "
                       "carries hydra:PartialCollectionView / hydra:PagedCollection links (next, previous, first, "
                       "last). gzip when accepted; ETag / Last-Modified with 304.",
        "parameters": [*_paging(size), *_filters(), _FORMAT],
        "responses": {"200": _rdf("A catalogue page (dcat:Catalog + datasets + Hydra)."), **_ERRORS,
                      "406": _problem("None of the accepted media types is available.")},
    }
    dataset_get = {"summary": "One dataset (DCAT-AP 3); minted dataset URIs dereference here.",
                   "description": "Append .ttl, .rdf, .jsonld or .nt, or negotiate by Accept. 410 when withdrawn.",
                   "parameters": [*_ID_PARAMS, _FORMAT],
                   "responses": {"200": _rdf("The dataset."), **_ERRORS, "410": _problem("Withdrawn.")}}
    changes_get = {
        "summary": "Created, updated and withdrawn datasets (ActivityStreams 2.0)",
        "description": "OrderedCollectionPage of Create / Update / Delete activities, oldest first, "
                       f"up to {csize} per page; follow `next`. Poll again with since = newest `published` seen "
                       "minus 15 minutes (changes are stamped at mapping time and committed in batches); "
                       "repeated items are idempotent. Delete objects are Tombstones carrying "
                       "the dataset IRI only.",
        "parameters": [_q("since", "Changes at or after this time (ISO 8601). Alias: modified_since.",
                          {"type": "string", "format": "date-time"}),
                       _q("after", "Opaque position token from a `next` link.", {"type": "string"}),
                       *[p for p in _filters() if p["name"] != "modified_since"]],
        "responses": {"200": {"description": "Activities.", "content": {"application/ld+json": {
            "schema": {"$ref": "#/components/schemas/ChangesPage"}}}}, **_ERRORS},
    }
    sdi_list = {"summary": "SDI JSON records (national standard field names), paged",
                "parameters": [*_paging(size), *_filters()],
                "responses": {"200": {"description": "A page of SDI records.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SdiPage"}}}}, **_ERRORS}}
    sdi_one = {"summary": "One SDI JSON record", "parameters": _ID_PARAMS,
               "responses": {"200": {"description": "The record.", "content": {"application/json": {
                   "schema": {"$ref": "https://w3id.org/satudata/schema/sdi-record.schema.json"}}}},
                   **_ERRORS, "410": _problem("Withdrawn.")}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{ctx.catalog.title} — DCAT feed", "version": harvester.__version__,
                 "description": "Read-only feed of the datasets this satudata-harvester holds. Only datasets whose "
                                "access level allows publication are listed (TERTUTUP never)."},
        "servers": [{"url": root_url}],
        "paths": {
            "/catalog": {"get": catalog_get},
            "/catalog.{format}": {"get": {**catalog_get,
                                          "parameters": [_FORMAT_PATH, *catalog_get["parameters"][:-1]]}},
            "/catalog/changes": {"get": changes_get},
            "/dataset/{source_id}/{remote_id}": {"get": dataset_get},
            "/dataset": {"get": {"summary": "One dataset by its stable URI",
                                 "parameters": [_q("uri", "The dataset IRI.", {"type": "string"}), _FORMAT],
                                 "responses": dataset_get["responses"]}},
            "/api/sdi/datasets": {"get": sdi_list},
            "/api/sdi/datasets/{source_id}/{remote_id}": {"get": sdi_one},
            "/healthz": {"get": {"summary": "200 when the state store answers, else 503",
                                 "responses": {"200": {"description": "ok"}, "503": {"description": "store down"}}}},
            "/openapi.json": {"get": {"summary": "This document (JSON)", "responses": {"200": {"description": "ok"}}}},
            "/openapi.yaml": {"get": {"summary": "This document (YAML)", "responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": _schemas()},
    }


def _schemas() -> dict[str, Any]:
    link = {"type": "string", "format": "uri"}
    return {
        "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                                     "status": {"type": "integer"}, "detail": {"type": "string"}}},
        "SdiPage": {"type": "object", "required": ["data", "meta", "links"], "properties": {
            "data": {"type": "array", "items": {"$ref": "https://w3id.org/satudata/schema/sdi-record.schema.json"}},
            "meta": {"type": "object", "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total",
                                                                                       "pages")}},
            "links": {"type": "object", "properties": {k: link for k in ("self", "first", "last", "prev", "next")}}}},
        "ChangesPage": {"type": "object", "required": ["type", "orderedItems"], "properties": {
            "type": {"const": "OrderedCollectionPage"}, "id": link, "partOf": link, "next": link,
            "orderedItems": {"type": "array", "items": {"type": "object", "required": ["type", "object"],
                                                        "properties": {
                "type": {"enum": ["Create", "Update", "Delete"]},
                "published": {"type": "string", "format": "date-time"},
                "object": {"type": "object", "required": ["id", "type"], "properties": {
                    "id": link, "type": {"enum": ["dcat:Dataset", "Tombstone"]}, "name": {"type": "string"},
                    "url": link, "deleted": {"type": "string", "format": "date-time"}}}}}}}},
    }


def serve(ctx: FeedContext, req: Request, ext: str) -> Response:
    """GET /openapi.json | /openapi.yaml."""
    etag = make_etag("openapi", ctx.seed, ext, req.root_url)
    if is_not_modified(req.environ, etag, None):
        return Response(304, b"", etag=etag)
    doc = build(ctx, req.root_url)
    if ext == "yaml":
        body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")
        return Response(200, body, "application/yaml; charset=utf-8", etag=etag)
    return Response(200, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"),
                    "application/json; charset=utf-8", etag=etag)
