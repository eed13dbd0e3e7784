"""In-memory document cores of the Solr stand-in (TEST ONLY).

Duties: keep the documents of one Solr core (unique key ``index_id``, as in CKAN's schema), apply
adds (replacing a document with the same key), deletes by id or by query and no-op commits, and
answer ``select`` requests: filter with ``q`` and every ``fq``, sort (several keys, ``asc``/
``desc``, missing values last, ``score`` as a constant so ties keep index order), page with
``start``/``rows``, project with ``fl`` (stored fields only, like Solr) and count facets
(``facet.field``, ``facet.limit`` incl. ``f.<field>.facet.limit``, ``facet.mincount``,
``facet.sort``). Everything is visible at once; commits do nothing.

Data lives in memory only: a restarted stand-in starts empty (the harness resets the CKAN
databases at the same time, so index and database stay consistent).

Failure behaviour: ``SolrRequestError`` (HTTP 400 in the server) for bad parameters, a document
without unique key, or a query ``query.QueryError`` rejects. Thread-safe (one lock per core).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import threading
from collections import Counter
from typing import Any, Iterable

from . import analysis
from .query import QueryError, compile_dismax, compile_lucene

Params = dict[str, list[str]]


class SolrRequestError(ValueError):
    """A request Solr would answer with HTTP 400."""


def _first(params: Params, key: str, default: str | None = None) -> str | None:
    values = params.get(key)
    return values[0] if values else default


def _int(params: Params, key: str, default: int) -> int:
    raw = _first(params, key)
    try:
        return default if raw in (None, "") else int(raw)
    except ValueError as exc:
        raise SolrRequestError(f"Invalid integer for {key}: {raw!r}") from exc


class Core:
    """One in-memory Solr core."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._docs: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {}
        self._lock = threading.Lock()
        self._version = 0

    def __len__(self) -> int:
        return len(self._docs)

    # ------------------------------------------------------------ updates
    def add(self, docs: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents; returns how many were added."""
        prepared = []
        for doc in docs:
            doc = {k: v for k, v in doc.items() if v is not None}
            key = doc.get("index_id", doc.get("id"))
            if key is None:
                raise SolrRequestError("Document is missing mandatory uniqueKey field: index_id")
            doc.setdefault("indexed_ts", dt.datetime.now(dt.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"))
            prepared.append((str(key), doc, analysis.build_index(doc)))
        with self._lock:
            for key, doc, indexed in prepared:
                self._version += 1
                doc["_version_"] = self._version
                self._docs.pop(key, None)  # re-added docs go to the end, like a new Lucene docid
                self._docs[key] = (doc, indexed)
        return len(prepared)

    def delete_ids(self, ids: Iterable[str]) -> int:
        """Delete documents by unique key; returns how many existed."""
        with self._lock:
            return sum(1 for i in ids if self._docs.pop(str(i), None) is not None)

    def delete_query(self, q: str) -> int:
        """Delete the documents matching a Lucene query; returns how many."""
        try:
            matcher = compile_lucene(q, "OR")
        except QueryError as exc:
            raise SolrRequestError(str(exc)) from exc
        with self._lock:
            doomed = [k for k, (_, idx) in self._docs.items() if matcher(idx)]
            for key in doomed:
                del self._docs[key]
        return len(doomed)

    # ------------------------------------------------------------ search
    def search(self, params: Params) -> dict[str, Any]:
        """Answer a ``select`` request with a Solr JSON response body."""
        q = _first(params, "q") or ""
        q_op = _first(params, "q.op", "OR") or "OR"
        def_type = _first(params, "defType", "lucene") or "lucene"
        qf = [f.split("^")[0] for f in (_first(params, "qf") or "").split()]
        try:
            if def_type == "dismax" and q.strip() not in ("", "*:*"):
                main = compile_dismax(q, qf, _first(params, "mm", "100%") or "100%")
            else:
                fields = qf if def_type == "edismax" and qf else [_first(params, "df", "text")]
                main = compile_lucene(q or "*:*", q_op, fields)
            filters = [compile_lucene(fq, q_op, [_first(params, "df", "text") or "text"])
                       for fq in params.get("fq", []) if fq.strip()]
        except QueryError as exc:
            raise SolrRequestError(str(exc)) from exc
        with self._lock:
            snapshot = list(self._docs.values())
        hits = [(doc, idx) for doc, idx in snapshot
                if main(idx) and all(f(idx) for f in filters)]
        hits = self._sort(hits, _first(params, "sort") or "")
        start, rows = max(0, _int(params, "start", 0)), max(0, _int(params, "rows", 10))
        page = hits[start:start + rows]
        fl = _first(params, "fl") or "*"
        body: dict[str, Any] = {
            "responseHeader": {"status": 0, "QTime": 0,
                               "params": {k: (v[0] if len(v) == 1 else v) for k, v in params.items()}},
            "response": {"numFound": len(hits), "start": start, "numFoundExact": True,
                         "docs": [self._project(doc, fl) for doc, _ in page]},
        }
        if (_first(params, "facet") or "false").lower() in ("true", "on", "1"):
            body["facet_counts"] = {
                "facet_queries": {}, "facet_ranges": {}, "facet_intervals": {}, "facet_heatmaps": {},
                "facet_fields": {f: self._facet(f, hits, snapshot, params)
                                 for f in params.get("facet.field", [])},
            }
        return body

    @staticmethod
    def _sort(hits: list[tuple[dict[str, Any], Any]], spec: str) -> list[tuple[dict[str, Any], Any]]:
        clauses = [c.strip() for c in spec.split(",") if c.strip()]
        for clause in reversed(clauses):
            parts = clause.split()
            if len(parts) != 2 or parts[1].lower() not in ("asc", "desc"):
                raise SolrRequestError(f"Can't determine a Sort Order (asc or desc) in sort spec '{clause}'")
            field, desc = parts[0], parts[1].lower() == "desc"
            if field == "score":
                continue  # constant score: keep index order
            if not re.fullmatch(r"[\w.\-]+", field):
                raise SolrRequestError(f"Can't determine a Sort Order (asc or desc) in sort spec '{clause}'")
            keyed = [(_sort_key(field, doc), (doc, idx)) for doc, idx in hits]
            present = [p for p in keyed if p[0] is not None]
            missing = [item for key, item in keyed if key is None]
            present.sort(key=lambda p: p[0], reverse=desc)
            hits = [item for _, item in present] + missing
        return hits

    @staticmethod
    def _project(doc: dict[str, Any], fl: str) -> dict[str, Any]:
        wanted = [f for f in re.split(r"[,\s]+", fl) if f]
        out: dict[str, Any] = {}
        for key, value in doc.items():
            if not analysis.is_stored(key):
                continue
            if any(w == "*" or w == key or ("*" in w and fnmatch.fnmatchcase(key, w)) for w in wanted):
                multi = analysis.is_multi_valued(key)
                out[key] = analysis.as_list(value) if multi else value
        if "score" in wanted:
            out["score"] = 1.0
        return out

    @staticmethod
    def _facet(field: str, hits: list[tuple[dict[str, Any], Any]],
               snapshot: list[tuple[dict[str, Any], Any]], params: Params) -> list[Any]:
        def terms(doc: dict[str, Any]) -> set[str]:
            values = [analysis.to_text(v) for v in analysis.as_list(doc.get(field))]
            if analysis.field_kind(field) == "text":
                return {t for v in values for t in analysis.tokenize(v)}
            return set(values)

        mincount = _int(params, f"f.{field}.facet.mincount", _int(params, "facet.mincount", 0))
        limit = _int(params, f"f.{field}.facet.limit", _int(params, "facet.limit", 100))
        order = _first(params, f"f.{field}.facet.sort") or _first(params, "facet.sort") \
            or ("count" if limit > 0 else "index")
        counts: Counter[str] = Counter()
        if mincount <= 0:
            for doc, _ in snapshot:
                counts.update({t: 0 for t in terms(doc)})
        for doc, _ in hits:
            counts.update(terms(doc))
        items = [(v, c) for v, c in counts.items() if c >= mincount]
        if order == "index":
            items.sort(key=lambda vc: vc[0])
        else:
            items.sort(key=lambda vc: (-vc[1], vc[0]))
        if limit >= 0:
            items = items[:limit]
        return [x for vc in items for x in vc]


def _sort_key(field: str, doc: dict[str, Any]) -> Any:
    values = analysis.as_list(doc.get(field))
    if not values:
        return None
    kind = analysis.field_kind(field)
    converted = analysis.index_values(field, values)
    if not converted:
        return None
    first = converted[0]
    if kind == "text":
        return " ".join(first)
    if kind in ("date", "int"):
        return first
    return analysis.to_text(values[0])


class CoreRegistry:
    """All cores of one stand-in process, created on first use."""

    def __init__(self) -> None:
        self._cores: dict[str, Core] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Core:
        """Return the core called ``name``, creating it empty when new."""
        with self._lock:
            core = self._cores.get(name)
            if core is None:
                core = self._cores[name] = Core(name)
            return core

    def names(self) -> list[str]:
        """Names of the cores created so far."""
        with self._lock:
            return sorted(self._cores)
