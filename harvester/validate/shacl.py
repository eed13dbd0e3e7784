"""SHACL validation of output RDF: the project's SDI shapes, plus any extra shapes (e.g. official DCAT-AP).

``validate_graph(graph)`` runs pyshacl (no inference, warnings allowed) and turns every validation result
into an ``Issue``: code ``SHACL-<source shape local name>`` (``SHACL-Dataset-konsep``) or, for anonymous
shapes and generated hash-named shapes such as the official DCAT-AP ones, ``SHACL-<constraint component>``
(``SHACL-MinCount``, ``SHACL-Class``);
``field`` = the result path as a prefixed name (``sdi:konsep``); ``message`` = ``sh:resultMessage`` (English
preferred) plus the offending value; ``location`` = the focus node.

Shapes files are parsed once per (path, modification time) and combined shapes graphs are cached per set
of files. Failure behaviour: an unreadable or unparsable shapes file raises ``ConfigError`` naming the
file; problems in the data graph are issues, never exceptions.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from harvester.errors import ConfigError
from harvester.model.issues import Issue, Severity, Stage

log = logging.getLogger(__name__)

SHAPES_DIR = Path(__file__).resolve().parent / "shapes"
#: Built-in shapes by short name.
BUILTIN_SHAPES = {"sdi": SHAPES_DIR / "sdi-shapes.ttl"}
SDI = Namespace("https://w3id.org/satudata/sdi#")
_SEVERITY = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
_PREFIXES = {
    "sdi": SDI, "dct": Namespace("http://purl.org/dc/terms/"), "dcat": Namespace("http://www.w3.org/ns/dcat#"),
    "foaf": Namespace("http://xmlns.com/foaf/0.1/"), "vcard": Namespace("http://www.w3.org/2006/vcard/ns#"),
    "prov": Namespace("http://www.w3.org/ns/prov#"), "adms": Namespace("http://www.w3.org/ns/adms#"),
    "dcatap": Namespace("http://data.europa.eu/r5r/"), "locn": Namespace("http://www.w3.org/ns/locn#"),
}

#: Generated shape names (the official DCAT-AP "full" file uses SHA-1 hex names): use the component instead.
_HASH_NAME = re.compile(r"^[0-9a-f]{16,}$")

_lock = threading.Lock()
_parsed: dict[tuple[Path, float], Graph] = {}
_combined: dict[tuple[tuple[Path, float], ...], Graph] = {}


def _resolve(spec: Path | str) -> Path:
    if isinstance(spec, str) and spec in BUILTIN_SHAPES:
        return BUILTIN_SHAPES[spec]
    return Path(spec).resolve()


def shapes_graph(files: Sequence[Path | str]) -> Graph:
    """The union of the given shapes files (built-in names allowed), parsed and cached."""
    keys = []
    for spec in files:
        path = _resolve(spec)
        try:
            keys.append((path, path.stat().st_mtime))
        except OSError as exc:
            raise ConfigError(f"shapes file not found: {exc}", file=str(path)) from exc
    key = tuple(keys)
    with _lock:
        found = _combined.get(key)
        if found is not None:
            return found
        union = Graph(bind_namespaces="core")
        for path, mtime in keys:
            parsed = _parsed.get((path, mtime))
            if parsed is None:
                parsed = Graph()
                try:
                    parsed.parse(path, format="turtle")
                except Exception as exc:  # rdflib raises many parser-specific types
                    raise ConfigError(f"cannot parse shapes: {exc}", file=str(path)) from exc
                _parsed[(path, mtime)] = parsed
            union += parsed
        for prefix, ns in _PREFIXES.items():
            union.bind(prefix, ns, override=True, replace=True)
        _combined[key] = union
        return union


def _local_name(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _code(results: Graph, result: Node) -> str:
    source = results.value(result, SH.sourceShape)
    if isinstance(source, URIRef) and not _HASH_NAME.match(_local_name(source)):
        return f"SHACL-{_local_name(source)}"
    component = results.value(result, SH.sourceConstraintComponent)
    name = _local_name(component) if component is not None else "Constraint"
    return f"SHACL-{name.removesuffix('ConstraintComponent')}"


def _path_text(results: Graph, names: Graph, result: Node) -> str | None:
    path = results.value(result, SH.resultPath)
    if path is None:
        return None
    if isinstance(path, URIRef):
        try:
            return names.namespace_manager.normalizeUri(path)
        except Exception:  # noqa: BLE001 - fall back to the full IRI
            return str(path)
    return "(complex path)" if isinstance(path, BNode) else str(path)


def _message(results: Graph, result: Node, code: str) -> str:
    messages = list(results.objects(result, SH.resultMessage))
    english = [m for m in messages if isinstance(m, Literal) and m.language in (None, "en")]
    text = str((english or messages or [f"{code} constraint not satisfied"])[0])
    value = results.value(result, SH.value)
    if value is not None:
        shown = str(value) if len(str(value)) <= 120 else str(value)[:119] + "…"
        text = f"{text} (value: {shown})"
    return text


def validate_graph(graph: Graph, *, shapes: Sequence[Path | str] = ("sdi",),
                   extra_shapes: Sequence[Path] = ()) -> list[Issue]:
    """Validate ``graph`` against ``shapes`` + ``extra_shapes``; one Issue per SHACL validation result."""
    shacl = shapes_graph([*shapes, *extra_shapes])
    conforms, results, _text = pyshacl.validate(
        graph, shacl_graph=shacl, inference="none", allow_warnings=True, allow_infos=True,
        abort_on_first=False, meta_shacl=False, advanced=False, debug=False)
    issues: list[Issue] = []
    nested = set(results.objects(None, SH.detail))  # details repeat a parent result: report the parent only
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if result in nested:
            continue
        severity = _SEVERITY.get(results.value(result, SH.resultSeverity), Severity.ERROR)
        code = _code(results, result)
        focus = results.value(result, SH.focusNode)
        issues.append(Issue(
            severity=severity, code=code, message=_message(results, result, code),
            field=_path_text(results, shacl, result), stage=Stage.VALIDATE,
            location=str(focus) if focus is not None else None))
    issues.sort(key=lambda i: (i.location or "", i.code, i.field or "", i.message))
    log.debug("SHACL: conforms=%s, %d results", conforms, len(issues))
    return issues
