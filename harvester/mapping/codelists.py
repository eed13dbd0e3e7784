"""Code lists (``mappings/codelists/<name>.yaml``): load, index once, look values up.

A code list file is admin-readable YAML::

    name: frekuensi                 # must equal the file name
    title: Frekuensi / jadwal pemutakhiran
    origin: "where the codes come from"
    notes: "free text"
    uri_template: https://w3id.org/satudata/def/frekuensi/{code}   # optional: IRI of codes without `uri`
    key_attrs: [bps]                # optional: attributes that are lookup keys as strong as aliases
    index_attrs: [extensions]       # optional: attributes that are weak lookup keys (see below)
    dotless_codes: false            # optional: '3572' is also tried as '35.72' (wilayah)
    table: wilayah.csv              # optional: extra codes from a CSV beside the file
    codes:
      - code: TAHUNAN
        label: Tahunan
        uri: http://publications.europa.eu/resource/authority/frequency/ANNUAL
        uri_lookup: true            # false: this uri is shared with another code, do not index it
        aliases: ["annual", "R/P1Y", "7"]
        period_days: 365            # any other key is an attribute (Code.attrs)

CSV tables have a header row; the columns ``code``, ``label``, ``uri`` and ``aliases`` (``;``-separated)
are special, every other non-empty cell becomes an attribute.

Lookup keys are compared after normalisation (case, accents, whitespace and punctuation are ignored;
``http(s)://`` and ``www.`` are dropped from IRIs; ``>``/``<`` are kept as words). Tiers, first hit wins:

1. the code itself, ignoring case (``TAHUNAN``, ``tahunan``);
2. strong keys: ``aliases`` and ``uri`` — one pointing at two codes, or spelled exactly like another code,
   is a ConfigError;
3. ``key_attrs`` values (wilayah: the BPS code);
4. the code after normalisation (``cc_by`` / ``CC BY`` find ``CC_BY`` unless an alias claims that form,
   as the CKAN id ``cc-by`` does for ``CC_BY_4_0``);
5. for ``dotless_codes`` lists, a digits-only value with the dots of a code removed (``3572`` → ``35.72``);
6. weak keys: ``label``, ``label_en``, ``label_id`` and ``index_attrs`` — a weak key shared by two codes
   is ambiguous and silently ignored (e.g. the many villages called "Sukorejo").

Failure behaviour: every problem in a file (bad YAML, missing fields, duplicate code, alias pointing at
two codes, bad CSV) raises ``ConfigError`` naming the file and the line or code. ``lookup`` never raises.

Memoisation: validation and scoring look up the same few values (licence IRIs, formats, access levels)
for every record, so ``CodeList.lookup`` remembers its answers for short strings (at most
``MEMO_MAX_LEN`` characters) in a per-list table of ``LOOKUP_MEMO_SIZE`` entries that is emptied when
full. Lookup is pure (a list's indexes never change after loading), so a remembered answer is the
answer; longer texts rarely repeat and are not kept.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import yaml

import harvester
from harvester.errors import ConfigError

log = logging.getLogger(__name__)

#: Base of every IRI this project mints: code lists use ``uri_template: {MINTED_BASE}def/<list>/{code}``,
#: the SDI vocabulary is ``{MINTED_BASE}sdi#`` and the SDI SHACL shapes ``{MINTED_BASE}shapes/sdi#``.
MINTED_BASE = "https://w3id.org/satudata/"

_RESERVED = {"code", "label", "uri", "uri_lookup", "aliases", "__line__"}
_WEAK_ATTRS = ("label_en", "label_id")
_MAX_LOOKUP_LEN = 1000
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_URL_HEAD = re.compile(r"^https?://(?:www\.)?", re.IGNORECASE)
_DIGITS = re.compile(r"^\d+$")
_ASCII_PUNCT = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
#: Longest string whose lookup answer is remembered (see the module docstring).
MEMO_MAX_LEN = 200
#: Entries of one code list's ``lookup`` memo (emptied when full).
LOOKUP_MEMO_SIZE = 4096
_MISSING = object()  # "not remembered" (None is a remembered answer: no such code)


def normalize_key(text: str) -> str:
    """Normalise a lookup key: casefold, strip accents, drop IRI scheme, punctuation → single spaces."""
    if text.isascii():
        value = text.lower()
        if value.isalnum():  # fast path: codes like '3572', 'tahunan'
            return value
    else:
        value = unicodedata.normalize("NFKD", text)
        value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold().strip()
    if value.startswith(("http://", "https://")):
        value = _URL_HEAD.sub("", value).rstrip("/#")
    if ">" in value or "<" in value:  # '> Dua Tahunan' (MS-Keg code 8) must not become 'Dua Tahunan'
        value = value.replace(">", " gt ").replace("<", " lt ")
    if value.isascii():
        return " ".join(value.translate(_ASCII_PUNCT).split())
    return _PUNCT.sub(" ", value).strip()


@dataclass(frozen=True)
class Code:
    """One entry of a code list. ``attrs`` holds everything else (label_en, eu, parent, level, bps ...)."""

    code: str
    label: str
    uri: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False, hash=False)


class _LineLoader(yaml.SafeLoader if not hasattr(yaml, "CSafeLoader") else yaml.CSafeLoader):  # type: ignore[misc]
    """Safe YAML loader that records the line of every mapping under ``__line__`` (for error messages)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items() if k != "__line__"})
    return value


class CodeList:
    """One loaded code list with its lookup indexes (built once, at construction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        doc = self._read_yaml(path)
        self.name: str = str(doc.get("name") or "")
        if self.name != path.stem:
            raise ConfigError(f"'name' must be {path.stem!r}, found {self.name!r}", file=str(path), key="name")
        self.title: str = str(doc.get("title") or self.name)
        self.origin: str = str(doc.get("origin") or "")
        self.notes: str = str(doc.get("notes") or "")
        if not self.origin:
            raise ConfigError("'origin' is required (say where the codes come from)", file=str(path), key="origin")
        self.uri_template: str | None = doc.get("uri_template")
        self._key_attrs: tuple[str, ...] = tuple(doc.get("key_attrs") or ())
        self._index_attrs: tuple[str, ...] = tuple(doc.get("index_attrs") or ())
        self._dotless: dict[str, str] | None = {} if doc.get("dotless_codes") else None
        self._codes: dict[str, Code] = {}
        self._exact: dict[str, str] = {}  # casefolded code -> code
        self._strong: dict[str, str] = {}  # normalised alias / uri -> code
        self._keyattr: dict[str, str] = {}  # normalised key_attrs value -> code
        self._code_keys: dict[str, str] = {}  # normalised code -> code
        self._weak: dict[str, str | None] = {}  # normalised label ... -> code (None: ambiguous)
        self._children: dict[str, list[Code]] | None = None
        self._memo: dict[str, Code | None] = {}  # lookup answers of short strings, see the module docstring
        entries = doc.get("codes") or []
        if not isinstance(entries, list):
            raise ConfigError("'codes' must be a list", file=str(path), key="codes")
        for entry in entries:
            self._add(entry, where=f"line {entry.get('__line__')}" if isinstance(entry, dict) else "codes")
        if doc.get("table"):
            self._load_table(path.parent / str(doc["table"]))
        if not self._codes:
            raise ConfigError("the code list is empty", file=str(path))

    # ---------------------------------------------------------------- loading
    @staticmethod
    def _read_yaml(path: Path) -> dict[str, Any]:
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                              line=mark.line + 1 if mark else None) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read code list: {exc}", file=str(path)) from exc
        if not isinstance(doc, dict):
            raise ConfigError("a code list file must be a YAML mapping", file=str(path))
        return doc

    def _load_table(self, table: Path) -> None:
        try:
            with table.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                if not reader.fieldnames or "code" not in reader.fieldnames:
                    raise ConfigError("the table needs a header row with a 'code' column", file=str(table), line=1)
                for lineno, row in enumerate(reader, start=2):
                    entry: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
                    if "aliases" in entry:
                        entry["aliases"] = [a for a in entry["aliases"].split(";") if a.strip()]
                    self._add(entry, where=f"{table.name} line {lineno}", file=str(table), line=lineno)
        except OSError as exc:
            raise ConfigError(f"cannot read code table: {exc}", file=str(table)) from exc

    def _add(self, entry: Any, *, where: str, file: str | None = None, line: int | None = None) -> None:
        file = file or str(self.path)
        line = line if line is not None else (entry.get("__line__") if isinstance(entry, dict) else None)
        if not isinstance(entry, dict) or entry.get("code") in (None, ""):
            raise ConfigError(f"entry without 'code' ({where})", file=file, line=line)
        code = str(entry["code"]).strip()
        if code in self._codes:
            raise ConfigError(f"duplicate code {code!r}", file=file, line=line, key=code)
        label = str(entry.get("label") or code)
        uri = entry.get("uri") or (self.uri_template.format(code=code) if self.uri_template else None)
        attrs = {k: _freeze(v) for k, v in entry.items() if k not in _RESERVED}
        aliases = tuple(str(a) for a in (entry.get("aliases") or ()))
        if aliases:
            attrs["aliases"] = aliases
        item = Code(code=code, label=label, uri=uri, attrs=MappingProxyType(attrs))
        folded = code.casefold()
        if folded in self._exact:
            raise ConfigError(f"code {code!r} differs from code {self._exact[folded]!r} only in case",
                              file=file, line=line, key=code)
        self._codes[code] = item
        self._exact[folded] = code
        self._code_keys.setdefault(normalize_key(code), code)
        strong = list(aliases)
        if uri and entry.get("uri_lookup", True):
            strong.append(uri)
        for value in strong:
            self._add_key(self._strong, value, code, file=file, line=line, kind="alias")
        for attr in self._key_attrs:
            for value in _as_values(attrs.get(attr)):
                self._add_key(self._keyattr, value, code, file=file, line=line, kind=attr)
        if self._dotless is not None and "." in code:
            self._dotless[code.replace(".", "")] = code
        for value in [label, *(v for a in (*_WEAK_ATTRS, *self._index_attrs) for v in _as_values(attrs.get(a)))]:
            key = normalize_key(value)
            if key and self._weak.get(key, code) != code:
                self._weak[key] = None  # ambiguous: ignored by lookup
            elif key:
                self._weak[key] = code

    def _add_key(self, index: dict[str, str], raw: str, code: str, *, file: str, line: int | None, kind: str) -> None:
        key = normalize_key(raw)
        if not key:
            return
        other = index.get(key)
        if other is None and kind == "alias" and self._exact.get(raw.strip().casefold(), code) != code:
            other = self._exact[raw.strip().casefold()]
        if other is not None and other != code:
            raise ConfigError(f"{kind} {raw!r} of code {code!r} also points at code {other!r}",
                              file=file, line=line, key=code)
        index[key] = code

    # ---------------------------------------------------------------- API
    def lookup(self, value: Any) -> Code | None:
        """Find the code for a code, alias, IRI or label (see the module docstring). Never raises.

        Answers for short strings are remembered (thread-safe: a dict read or write is atomic, and a
        race at worst computes an answer twice or forgets a few)."""
        if type(value) is not str:
            return self._lookup(value)
        found = self._memo.get(value, _MISSING)
        if found is _MISSING:
            found = self._lookup(value)
            if len(value) <= MEMO_MAX_LEN:
                if len(self._memo) >= LOOKUP_MEMO_SIZE:
                    self._memo.clear()  # bounded: start afresh rather than track recency
                self._memo[value] = found
        return found  # type: ignore[return-value]

    def _lookup(self, value: Any) -> Code | None:
        """``lookup`` without the memo."""
        try:
            if value is None or isinstance(value, bool):
                return None
            if isinstance(value, Code):
                return self._codes.get(value.code)
            text = value if isinstance(value, str) else str(value)
            text = text.strip()
            if not text or len(text) > _MAX_LOOKUP_LEN:
                return None
            code = self._exact.get(text.casefold())
            if code is None:
                key = normalize_key(text)
                if not key:
                    return None
                code = self._strong.get(key) or self._keyattr.get(key) or self._code_keys.get(key)
                if code is None and self._dotless is not None and _DIGITS.match(text):
                    code = self._dotless.get(text)
                if code is None:
                    code = self._weak.get(key)
            return self._codes.get(code) if code else None
        except Exception:  # a lookup must never break a harvest; odd input simply does not match
            log.debug("code list %s: lookup of %r failed", self.name, value, exc_info=True)
            return None

    def get(self, code: str) -> Code | None:
        """The entry with exactly this code, or None."""
        return self._codes.get(code) if isinstance(code, str) else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def children(self, code: str) -> list[Code]:
        """Entries whose ``attrs['parent']`` is ``code`` (wilayah, urusan, topik), in file order."""
        if self._children is None:
            index: dict[str, list[Code]] = {}
            for item in self._codes.values():
                parent = item.attrs.get("parent")
                if parent:
                    index.setdefault(str(parent), []).append(item)
            self._children = index
        return list(self._children.get(code, ()))

    def __repr__(self) -> str:
        return f"<CodeList {self.name} ({len(self._codes)} codes)>"


def _as_values(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    if isinstance(value, str) and ";" in value:
        return [v for v in value.split(";") if v.strip()]
    return [str(value)]


def default_directory() -> Path:
    """``<repo>/mappings/codelists``."""
    return Path(harvester.__file__).resolve().parent.parent / "mappings" / "codelists"


class CodeLists:
    """All code lists of one directory; each list is parsed on first use. Use ``CodeLists.load()``."""

    _cache: ClassVar[dict[Path, CodeLists]] = {}
    _cache_lock = threading.Lock()

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        if not directory.is_dir():
            raise ConfigError("code list directory not found", file=str(directory))
        self._files = {p.stem: p for p in sorted(directory.glob("*.yaml"))}
        self._lists: dict[str, CodeList] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path | None = None) -> CodeLists:
        """The (cached) code lists of ``directory`` (default: ``<repo>/mappings/codelists``)."""
        path = Path(directory or default_directory()).resolve()
        with cls._cache_lock:
            found = cls._cache.get(path)
            if found is None:
                found = cls._cache[path] = cls(path)
            return found

    def __getitem__(self, name: str) -> CodeList:
        found = self._lists.get(name)
        if found is not None:
            return found
        path = self._files.get(name)
        if path is None:
            raise ConfigError(f"unknown code list {name!r}; known: {', '.join(self.names())}",
                              file=str(self.directory))
        with self._lock:
            found = self._lists.get(name)
            if found is None:
                found = self._lists[name] = CodeList(path)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._files

    def names(self) -> list[str]:
        """Names of all code lists in the directory, sorted."""
        return sorted(self._files)
