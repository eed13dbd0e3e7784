"""The one place where untrusted XML (and HTML) from sources is parsed.

Every XML document a source or reader receives comes from the network, so it is parsed with an
lxml parser that never resolves entities, never loads a DTD, never touches the network and keeps
libxml2's size limits (``huge_tree=False``). On top of that, a document whose DOCTYPE declares
entities is refused outright: there is no legitimate metadata use for them, and refusing them
makes entity-expansion ("billion laughs") and external-entity (XXE) attacks a clear error instead
of something that depends on parser internals. A DOCTYPE *without* entity declarations (FGDC
records reference an external DTD this way) is accepted and the DTD is not loaded.

API::

    root = parse_xml(data, what="CSW GetRecords page 2")   # -> lxml element
    declares_entities(data)                                 # -> bool, the pre-parse check alone
    stream_declares_entities(file)                          # -> the same check on a spooled file
    data = to_standalone(element)                           # -> bytes of a standalone document
    doc = parse_html(data, what="WAF listing")              # -> lxml.html root element

Failures raise ``UnsafeXml`` or ``XmlSyntaxError`` (both ``XmlError``, a ``ValueError``); they carry
``what``, ``line`` and ``column`` and their message names all three, so callers can wrap them in a
source or record error without losing where the problem was.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Optional

from lxml import etree, html

__all__ = [
    "XmlError", "UnsafeXml", "XmlSyntaxError",
    "parse_xml", "to_standalone", "local_name", "looks_like_html", "parse_html", "declares_entities",
    "stream_declares_entities",
]

_DOCTYPE = b"<!DOCTYPE"
_ENTITY = b"<!ENTITY"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class XmlError(ValueError):
    """An XML document could not be used. ``what`` says which document, ``line``/``column`` where."""

    def __init__(self, reason: str, *, what: str, line: Optional[int] = None, column: Optional[int] = None) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{what}: {reason}{where}")
        self.reason, self.what, self.line, self.column = reason, what, line, column


class UnsafeXml(XmlError):
    """The document declares entities (entity expansion / external entity attack surface)."""


class XmlSyntaxError(XmlError):
    """The document is not well-formed XML (or not decodable in its declared encoding)."""


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        collect_ids=False,
    )


def declares_entities(data: bytes) -> bool:
    """True when a DOCTYPE is present and the document contains an ``<!ENTITY`` declaration.

    Checked on the raw bytes before parsing so no entity is ever processed. UTF-16 input (the only
    common non-ASCII-compatible encoding) is transcoded first so the markers are visible.
    """
    head = data
    if data[:2] in _UTF16_BOMS:
        head = data.decode("utf-16", errors="ignore").encode("utf-8")
    start = head.find(_DOCTYPE)
    return start >= 0 and head.find(_ENTITY, start) >= 0


def stream_declares_entities(stream: BinaryIO, chunk_size: int = 1 << 20) -> bool:
    """``declares_entities`` for a seekable binary file, read in chunks (a dump need not fit in memory).

    Same answer as ``declares_entities(stream.read())``: a ``<!DOCTYPE`` followed, anywhere later,
    by ``<!ENTITY``. UTF-16 documents are read whole (they are small in practice). Leaves the
    stream positioned at its start.
    """
    stream.seek(0)
    if stream.read(2) in _UTF16_BOMS:
        stream.seek(0)
        found = declares_entities(stream.read())
        stream.seek(0)
        return found
    stream.seek(0)
    marker, carry, found = _DOCTYPE, b"", False
    while not found:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        data = carry + chunk
        at = data.find(marker)
        if at >= 0 and marker is _DOCTYPE:
            marker, data = _ENTITY, data[at:]
            at = data.find(marker)
        found = at >= 0 and marker is _ENTITY
        carry = data[-(len(marker) - 1):]  # a marker may straddle two chunks
    stream.seek(0)
    return found




def parse_xml(data: bytes, *, what: str) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    Raises ``UnsafeXml`` when the document declares entities and ``XmlSyntaxError`` when it is
    empty, not well-formed, or not decodable (e.g. invalid UTF-8); ``what`` names the document in
    the message (e.g. ``"OAI-PMH page http://..."``).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_xml() takes bytes; decoding is the parser's job (it honours the XML declaration)")
    if declares_entities(bytes(data)):
        raise UnsafeXml("DOCTYPE declares entities (refused: entity expansion / external entity risk)", what=what)
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        reason = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or "").strip())  # we add our own
        raise XmlSyntaxError(f"not well-formed XML: {reason}", what=what, line=line, column=column) from exc
    # Second line of defence for encodings the byte scan cannot see through.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXml("DOCTYPE declares entities (refused: entity expansion / external entity risk)", what=what)
    return root


def to_standalone(element: etree._Element) -> bytes:
    """Serialise ``element`` as a standalone UTF-8 XML document.

    Namespace declarations in scope from ancestors are copied onto the element (lxml does this), so
    prefixes used in attribute values such as ``xsi:type`` or ``gco:isoType`` stay resolvable. The
    element's tail text (which belongs to the parent) is dropped.
    """
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", with_tail=False)


def local_name(element: etree._Element) -> str:
    """The element's name without namespace ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


_HTML_MARKERS = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|table[\s>])",
                           re.IGNORECASE | re.DOTALL)


def looks_like_html(data: bytes) -> bool:
    """True when the bytes start like an HTML document (after an optional BOM, blanks and comments)."""
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return bool(_HTML_MARKERS.match(head))


_META_CHARSET = re.compile(rb"<meta[^>]+charset", re.IGNORECASE)


def _html_encoding(data: bytes, charset: Optional[str]) -> Optional[str]:
    """Encoding to impose on the HTML parser, or None to let it read the page's own declaration.

    The HTTP charset wins (as in browsers). Without it and without a ``<meta charset>``, libxml2
    would assume ISO-8859-1, garbling UTF-8 pages; so bytes that are valid UTF-8 are read as such.
    """
    if charset:
        return charset
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or _META_CHARSET.search(data[:4096]):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def parse_html(data: bytes, *, what: str, charset: Optional[str] = None) -> html.HtmlElement:
    """Parse an HTML page (never touching the network) and return its root element.

    ``charset`` is the HTTP header's charset, if any. Raises ``XmlSyntaxError`` when nothing
    parseable is there (empty body) or the charset is unknown.
    """
    try:
        parser = html.HTMLParser(no_network=True, remove_comments=False, default_doctype=False,
                                 encoding=_html_encoding(bytes(data), charset))
    except LookupError as exc:
        raise XmlSyntaxError(f"unknown charset {charset!r}", what=what) from exc
    try:
        root = html.document_fromstring(bytes(data), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise XmlSyntaxError(f"not parseable as HTML: {exc}", what=what) from exc
    return root
