"""What compiled value rules are bound to: the engine's reader and code lists, and one map call.

``Binder`` serves while an engine compiles its rules: it turns each path into the reader's selector
function (the optional reader hooks ``compile_select`` / ``compile_each``, else the document's own
``select`` / ``each``), asks the reader which document keys a path needs (``compile_guard`` /
``guard_keys``) and puts each code list's lookup behind a bounded cache. It knows a reader only
through those hooks, never its document representation.

``Run`` is the state of one ``MappingEngine.map`` call: the context, its variables (``var:``), the
record count the outcome memos use as a clock (``rule_memo``) and the issues raised; ``label_of``
names a field in those issues. Nothing here raises on record data: a missing variable reads as None.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping

from harvester.model.issues import Issue, Severity, Stage

Selector = Callable[[Any], list[Any]]

#: Memoised code-list lookups per list (values repeat across records: formats, licences, codes).
LOOKUP_CACHE_SIZE = 4096


class Binder:
    """Binds paths to the reader's selector functions and code lists to memoised lookups, once per engine."""

    def __init__(self, reader: Any, options: Mapping[str, Any], codelists: Any) -> None:
        self.codelists = codelists
        self._select = getattr(reader, "compile_select", None)
        self._each = getattr(reader, "compile_each", None)
        self._guard = getattr(reader, "compile_guard", None)
        #: ``doc -> keys`` (or None) of readers that can tell a path finds nothing (see ``guard``).
        self.keys_of: Callable[[Any], Any] | None = getattr(reader, "guard_keys", None) if self._guard else None
        self.options = options
        self._lookups: dict[int, tuple[Any, Callable[[str], Any]]] = {}

    def select(self, path: str) -> Selector:
        if self._select is not None:
            return self._select(path, self.options)
        return lambda doc: doc.select(path)

    def each(self, path: str) -> Selector:
        if path.strip() in (".", "$"):
            return lambda doc: [doc]  # the current document itself
        if self._each is not None:
            return self._each(path, self.options)
        return lambda doc: doc.each(path)

    def guard(self, paths: tuple[str, ...]) -> frozenset[Any] | None:
        """Keys of which a document must have one for any of ``paths`` to find something: the reader's
        ``compile_guard`` key of each path (an RDF path's first predicate), checked against
        ``keys_of(doc)``. None when the reader cannot tell, or one of the paths has no key (``.``)."""
        if self._guard is None or not paths:
            return None
        keys = [self._guard(path, self.options) for path in paths]
        return None if any(key is None for key in keys) else frozenset(keys)

    def lookup(self, codelist: Any) -> Callable[[str], Any]:
        """``codelist.lookup`` behind a bounded LRU cache (shared by every rule using that list)."""
        found = self._lookups.get(id(codelist))
        if found is None:
            found = self._lookups[id(codelist)] = (codelist, lru_cache(maxsize=LOOKUP_CACHE_SIZE)(codelist.lookup))
        return found[1]


class Run:
    """State of one ``map`` call: context, variables, collected issues."""

    __slots__ = ("ctx", "issues", "remote_id", "variables", "serial")

    def __init__(self, ctx: Any, serial: int = 0) -> None:
        self.ctx = ctx
        self.serial = serial  # the engine's count of records mapped (the memos' clock)
        self.remote_id = ctx.remote_id
        self.variables = ctx.variables
        self.issues: list[Issue] = []

    def var(self, name: str) -> Any:
        if name == "record.remote_id":
            return self.remote_id
        variables = self.variables
        if name in variables:
            return variables[name]
        node: Any = variables
        for part in name.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def issue(self, severity: Severity, code: str, message: str, field_name: str, location: str | None,
              into: list[Issue] | None = None) -> None:
        (self.issues if into is None else into).append(Issue(
            severity, code, message, field=field_name, stage=Stage.MAP, remote_id=self.remote_id,
            location=location))


def label_of(where: str | None, name: str) -> str:
    """An issue's field label: ``name`` within block label ``where`` (``distributions[1].format``)."""
    return name if where is None else f"{where}.{name}"
