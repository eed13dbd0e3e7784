"""XML reader: ISO 19139 / 19115-2 (gmd:MD_Metadata, gmi:MI_Metadata), csw:Record, OAI-PMH <record>.

Paths are XPath 1.0 expressions evaluated relative to the document's context element, with the
prefixes of ``WELL_KNOWN_NAMESPACES`` plus the mapping's ``reader.namespaces`` (the mapping wins).
Prefixes in the mapping are independent of the prefixes in the record: ``gml:`` in a path matches
the namespace the mapping declares, whatever prefix the record used.

``select`` turns results into text: an element gives its whole text content (whitespace-trimmed),
an attribute or text node its value, an XPath string/number its value; empty strings are dropped.
``each`` returns one sub-document per matched element.

Reader option ``root`` (list of XPaths): the first expression that matches an element makes that
element the context (for records wrapped in an envelope); otherwise the document element is used.

Failure behaviour: unparseable bytes (malformed XML, bad encoding, DTD tricks) raise
``RecordInvalid`` naming the record and the parser message. Entities are never resolved and the
network is never used. A bad XPath or an undeclared prefix raises ``ConfigError``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar, Mapping

from lxml import etree

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers.base import Document, Scalar
from harvester.sources.safe_xml import parse_xml

#: Prefixes every mapping may use without declaring them.
WELL_KNOWN_NAMESPACES: dict[str, str] = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "gmi": "http://www.isotc211.org/2005/gmi",
    "srv": "http://www.isotc211.org/2005/srv",
    "gts": "http://www.isotc211.org/2005/gts",
    "gml": "http://www.opengis.net/gml",
    "gml32": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "csw": "http://www.opengis.net/cat/csw/2.0.2",
    "ows": "http://www.opengis.net/ows",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dct": "http://purl.org/dc/terms/",
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

def _namespaces(options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    merged = dict(WELL_KNOWN_NAMESPACES)
    merged.update({str(k): str(v) for k, v in (options.get("namespaces") or {}).items()})
    return tuple(sorted(merged.items()))


@lru_cache(maxsize=4096)
def compile_xpath(path: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath:
    """Compile ``path`` with ``namespaces``. Raises ConfigError on bad syntax or unknown prefixes."""
    try:
        return etree.XPath(path, namespaces=dict(namespaces), smart_strings=False)
    except etree.XPathSyntaxError as exc:
        raise ConfigError(f"bad XPath {path!r}: {exc}", key=path) from None


def _to_text(item: Any) -> list[Scalar]:
    if isinstance(item, etree._Element):
        text = "".join(item.itertext()).strip()
        return [text] if text else []
    if isinstance(item, bool):
        return []
    if isinstance(item, float):
        if item != item:  # NaN from number() of non-numeric text
            return []
        return [int(item) if item.is_integer() else item]
    text = str(item).strip()
    return [text] if text else []


#: Compiled XPaths per namespace table (hashing the table once per record, not once per path).
_COMPILED: dict[tuple[tuple[str, str], ...], dict[str, etree.XPath]] = {}


class XmlDocument:
    """An element the mapping engine can query with XPath."""

    __slots__ = ("element", "namespaces", "paths")

    def __init__(self, element: etree._Element, namespaces: tuple[tuple[str, str], ...]) -> None:
        self.element = element
        self.namespaces = namespaces
        self.paths = _COMPILED.get(namespaces)
        if self.paths is None:
            self.paths = _COMPILED.setdefault(namespaces, {})

    def _eval(self, path: str) -> Any:
        xpath = self.paths.get(path)
        if xpath is None:
            xpath = self.paths[path] = compile_xpath(path, self.namespaces)
        try:
            return xpath(self.element)
        except etree.XPathEvalError as exc:  # e.g. undefined prefix, detected at evaluation time
            raise ConfigError(f"bad XPath {path!r}: {exc}", key=path) from None

    def select(self, path: str) -> list[Scalar]:
        result = self._eval(path)
        if isinstance(result, list):
            out: list[Scalar] = []
            for item in result:
                out.extend(_to_text(item))
            return out
        return _to_text(result)

    def each(self, path: str) -> list[Document]:
        result = self._eval(path)
        if not isinstance(result, list):
            return []
        return [XmlDocument(el, self.namespaces) for el in result if isinstance(el, etree._Element)]


class XmlReader:
    """Reads ``application/xml`` records into an ``XmlDocument``."""

    name: ClassVar[str] = "xml"
    media_types: ClassVar[tuple[str, ...]] = ("application/xml", "text/xml")

    @staticmethod
    def check_path(path: str, options: Mapping[str, Any]) -> None:
        """Raise ConfigError if ``path`` does not compile (syntax, undeclared prefix)."""
        namespaces = _namespaces(options)
        xpath = compile_xpath(path, namespaces)
        try:  # undeclared prefixes only show up when evaluating
            xpath(etree.Element("probe"))
        except etree.XPathEvalError as exc:
            raise ConfigError(f"bad XPath {path!r}: {exc}", key=path) from None

    def read(self, record: SourceRecord, options: Mapping[str, Any]) -> Document:
        what = f"record {record.remote_id!r} of source {record.source_id!r}"
        try:
            root = parse_xml(record.content, what=what)  # the one hardened parser
        except ValueError as exc:
            raise RecordInvalid(f"XML parse error: {exc}",
                                remote_id=record.remote_id, code="READ-XML") from None
        namespaces = _namespaces(options)
        doc = XmlDocument(root, namespaces)
        for expr in options.get("root") or ():
            hits = doc.each(expr)
            if hits:
                return hits[0]
        return doc
