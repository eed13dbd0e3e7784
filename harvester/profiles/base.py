"""What every output profile is, how to get one by name, and the code-list lookups they share.

An output profile is a pure function of the canonical ``Dataset``: same record in, same output out,
no I/O. Two shapes exist:

* ``RecordProfile`` — ``render(dataset) -> dict`` (``sdi``; ``ckan`` adds keyword options);
* ``RdfProfile`` — ``dataset_triples(dataset) -> list[Triple]`` and ``serialize(...) -> bytes``
  (``dcat-ap-3``).

``create_profile(name, codelists)`` resolves a name through ``harvester.registry.profiles`` and
instantiates it (profiles that translate codes take the ``CodeLists``). ``Codes`` wraps the code
lists with the memoised lookups the profiles need; a lookup that finds nothing returns None and the
profile leaves the value out (or keeps the raw code where the output allows a literal), it never
raises for bad data.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterable, Optional, Protocol, runtime_checkable

from harvester.errors import ConfigError
from harvester.model.dataset import Dataset

__all__ = ["Codes", "RdfProfile", "RecordProfile", "compact", "create_profile", "REQUIRED_CODE_LISTS"]

_EMPTY = (None, "", [], {}, ())


def compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty values (None, "", [], {}); False and 0 are kept. Key order is kept."""
    return {k: v for k, v in data.items() if v not in _EMPTY}

#: Code lists the profiles read; checked when a profile is built so a missing file fails at start-up.
REQUIRED_CODE_LISTS = (
    "akses", "bahasa", "cara_pengumpulan", "eu_theme", "format", "frekuensi", "jenis_statistik", "kategori_data",
    "level_instansi", "lisensi", "sektor_kegiatan", "status_data", "tingkat_penyajian", "topik",
    "urusan", "wilayah",
)


@runtime_checkable
class RecordProfile(Protocol):
    """A profile producing one JSON-able dict per dataset."""

    name: str

    def render(self, dataset: Dataset, **options: Any) -> dict: ...


@runtime_checkable
class RdfProfile(Protocol):
    """A profile producing RDF triples per dataset and serialised documents for many."""

    name: str

    def dataset_triples(self, dataset: Dataset) -> list: ...

    def serialize(self, datasets: Iterable[Dataset], fmt: str, **options: Any) -> bytes: ...


def create_profile(name: str, codelists: Any = None, **options: Any) -> Any:
    """Instantiate the profile registered as ``name``.

    The code lists are passed when the profile's constructor takes them (``dcat-ap-3``, ``ckan``).
    Raises UnknownPlugin for an unknown name and ConfigError when a needed code list is absent.
    """
    from harvester.registry import profiles  # local: the registry imports nothing heavy either

    cls = profiles.get(name)
    params = inspect.signature(cls).parameters
    if "codelists" in params:
        if codelists is None:
            from harvester.mapping.codelists import CodeLists

            codelists = CodeLists.load()
        return cls(codelists, **options)
    return cls(**options)


class Codes:
    """Memoised code-list lookups for the profiles.

    ``entry(list, value)`` accepts a canonical code, an alias or an IRI (``CodeList.lookup``). Results
    are cached per (list, value); the cache is dropped when it grows past ``_LIMIT`` entries so a long
    feed of odd values cannot grow memory without bound.
    """

    _LIMIT = 50_000
    _MISS = object()

    def __init__(self, codelists: Any) -> None:
        missing = [n for n in REQUIRED_CODE_LISTS if n not in codelists]
        if missing:
            raise ConfigError(f"code list(s) needed by the output profiles not found: {', '.join(missing)}")
        self.codelists = codelists
        self._memo: dict[tuple[str, str], Any] = {}

    def entry(self, list_name: str, value: Optional[str]) -> Any:
        """The ``Code`` for ``value`` in ``list_name``, or None."""
        if not value:
            return None
        key = (list_name, value)
        hit = self._memo.get(key, self._MISS)
        if hit is self._MISS:
            hit = self.codelists[list_name].lookup(value)
            if len(self._memo) >= self._LIMIT:
                self._memo.clear()
            self._memo[key] = hit
        return hit

    def uri(self, list_name: str, value: Optional[str]) -> Optional[str]:
        """The IRI of the code (EU IRI or minted ``https://w3id.org/satudata/def/...``), or None."""
        found = self.entry(list_name, value)
        return found.uri if found is not None else None

    def label(self, list_name: str, value: Optional[str]) -> Optional[str]:
        found = self.entry(list_name, value)
        return found.label if found is not None else None

    def attr(self, list_name: str, value: Optional[str], name: str) -> Any:
        """An attribute of the code (``adms_uri``, ``ckan_id``, ``bps`` ...), or None."""
        found = self.entry(list_name, value)
        return found.attrs.get(name) if found is not None else None

    def code(self, list_name: str, value: Optional[str]) -> Optional[str]:
        """The canonical code for a code, alias or IRI, or None."""
        found = self.entry(list_name, value)
        return found.code if found is not None else None
