"""Readers turn a raw ``SourceRecord`` into a navigable ``Document`` for the mapping engine.

One mapping engine serves every format because every reader offers the same two operations:

* ``select(path)`` -> list of scalar values (strings, numbers, booleans; never None) found at
  ``path``. The path syntax is the reader's own: JSONPath-lite for JSON (``tags[*].name``),
  XPath 1.0 with the mapping's declared namespaces for XML, predicate paths for RDF
  (``dct:publisher/foaf:name``), column labels for table rows.
* ``each(path)`` -> sub-documents for repeated blocks (distributions, contacts, variables); paths
  inside an ``each`` block are relative to the sub-document.

A path that matches nothing returns ``[]``; a syntactically bad path raises ``ConfigError`` (the
mapping is wrong, not the record). Readers never do network I/O. ``read`` raises
``RecordInvalid`` when the bytes cannot be parsed (naming the record and the parser's message).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Protocol, runtime_checkable

from harvester.model.record import SourceRecord

Scalar = str | int | float | bool


@runtime_checkable
class Document(Protocol):
    """A parsed record the mapping engine can query."""

    def select(self, path: str) -> list[Scalar]: ...

    def each(self, path: str) -> list["Document"]: ...


class Reader(Protocol):
    """Parses bytes of given media types into a Document."""

    name: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]]

    def read(self, record: SourceRecord, options: Mapping[str, Any]) -> Document:
        """Parse ``record``. ``options`` are the mapping's reader options (namespaces, focus type ...)."""
        ...
