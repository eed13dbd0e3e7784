"""Geometry text for the profiles: WKT ↔ GeoJSON for the simple geometry types.

The canonical ``Location`` holds bbox / geometry / centroid as WKT or GeoJSON strings (whatever the
source had).

* RDF (``geometry_literal``): DCAT-AP recommends WKT, so GeoJSON of the common types (Point,
  LineString, Polygon, Multi*) becomes a gsp:wktLiteral; other valid GeoJSON is kept as a
  gsp:geoJSONLiteral. Text that is neither yields None and is left out.
* CKAN (``geojson_text``): CKAN's ``spatial`` extra and the scheming ``spatial_coverage`` subfields
  expect GeoJSON; WKT of the simple types is converted, other WKT is passed through unchanged
  (ckanext-dcat reads WKT too), anything else yields None.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from rdflib.term import Literal, URIRef

from harvester.profiles.namespaces import GSP

__all__ = ["geojson_text", "geometry_literal"]

WKT_LITERAL = URIRef(str(GSP) + "wktLiteral")
GEOJSON_LITERAL = URIRef(str(GSP) + "geoJSONLiteral")

_WKT = re.compile(
    r"\s*(<[^>]+>\s*)?(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION|ENVELOPE)\b",
    re.IGNORECASE,
)


def _num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a coordinate: {value!r}")
    text = repr(float(value)) if isinstance(value, float) else str(value)
    return text[:-2] if text.endswith(".0") else text


def _point(coords: Any) -> str:
    if not isinstance(coords, (list, tuple)) or len(coords) < 2:
        raise ValueError("a position needs two numbers")
    return " ".join(_num(c) for c in coords[:3])


def _ring(coords: Any) -> str:
    return "(" + ", ".join(_point(p) for p in coords) + ")"


def _polygon(coords: Any) -> str:
    return "(" + ", ".join(_ring(r) for r in coords) + ")"


_WRITERS = {
    "Point": lambda c: "POINT (" + _point(c) + ")",
    "LineString": lambda c: "LINESTRING " + _ring(c),
    "Polygon": lambda c: "POLYGON " + _polygon(c),
    "MultiPoint": lambda c: "MULTIPOINT (" + ", ".join("(" + _point(p) + ")" for p in c) + ")",
    "MultiLineString": lambda c: "MULTILINESTRING (" + ", ".join(_ring(r) for r in c) + ")",
    "MultiPolygon": lambda c: "MULTIPOLYGON (" + ", ".join(_polygon(p) for p in c) + ")",
}


def geojson_to_wkt(geometry: dict) -> Optional[str]:
    """WKT for a GeoJSON geometry of a simple type, or None when the type is not supported."""
    writer = _WRITERS.get(geometry.get("type", ""))
    if writer is None:
        return None
    return writer(geometry.get("coordinates"))


def geometry_literal(text: Optional[str]) -> Optional[Literal]:
    """A gsp:wktLiteral (or gsp:geoJSONLiteral) for WKT or GeoJSON text; None when it is neither."""
    if not text or not text.strip():
        return None
    text = text.strip()
    if _WKT.match(text):
        return Literal(text, datatype=WKT_LITERAL)
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    if data["type"] == "Feature" and isinstance(data.get("geometry"), dict):
        data = data["geometry"]
    try:
        wkt = geojson_to_wkt(data)
    except (ValueError, TypeError):
        wkt = None
    if wkt is not None:
        return Literal(wkt, datatype=WKT_LITERAL)
    return Literal(json.dumps(data, separators=(",", ":"), ensure_ascii=False), datatype=GEOJSON_LITERAL)


# --- WKT → GeoJSON ------------------------------------------------------------------------------

_WKT_TOKEN = re.compile(r"\s*(\(|\)|,|[-+0-9.eE]+|[A-Za-z]+)")
_WKT_KINDS = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon",
              "MULTIPOINT": "MultiPoint", "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon"}


def _wkt_tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _WKT_TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip():
                raise ValueError(f"unexpected WKT text at {pos}")
            break
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _wkt_nested(tokens: list[str], i: int) -> tuple[Any, int]:
    """Parse ``( ... )`` into nested lists of coordinate lists; returns (value, next index)."""
    if tokens[i] != "(":
        raise ValueError("expected '('")
    i += 1
    items: list[Any] = []
    while True:
        if tokens[i] == "(":
            value, i = _wkt_nested(tokens, i)
            items.append(value)
        else:
            coords = []
            while tokens[i] not in (",", ")"):
                coords.append(float(tokens[i]))
                i += 1
            if len(coords) < 2:
                raise ValueError("a WKT position needs two numbers")
            items.append([int(c) if c.is_integer() and abs(c) < 1e15 else c for c in coords])
        if tokens[i] == ",":
            i += 1
            continue
        if tokens[i] == ")":
            return items, i + 1
        raise ValueError("expected ',' or ')'")


def wkt_to_geojson(text: str) -> Optional[dict]:
    """GeoJSON geometry for simple WKT (an SRID ``<...>`` prefix is ignored); None otherwise."""
    text = re.sub(r"^\s*<[^>]+>", "", text)
    try:
        tokens = _wkt_tokens(text)
        kind = _WKT_KINDS.get(tokens[0].upper()) if tokens else None
        if kind is None or len(tokens) < 2 or tokens[1].upper() == "EMPTY":
            return None
        value, end = _wkt_nested(tokens, 1)
        if end != len(tokens):
            return None
    except (ValueError, IndexError):
        return None
    if kind == "Point":
        value = value[0]
    elif kind == "MultiPoint":  # both MULTIPOINT (1 2, 3 4) and MULTIPOINT ((1 2), (3 4))
        value = [v[0] if isinstance(v[0], list) else v for v in value]
    return {"type": kind, "coordinates": value}


def geojson_text(text: Optional[str]) -> Optional[str]:
    """Compact GeoJSON text for WKT or GeoJSON input (see the module docstring)."""
    if not text or not text.strip():
        return None
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return None
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if _WKT.match(text):
        converted = wkt_to_geojson(text)
        return json.dumps(converted, separators=(",", ":")) if converted else text
    return None
