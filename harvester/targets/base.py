"""The target contract: one portal the push stage writes to (ARCHITECTURE.md §7).

A ``Target`` turns canonical datasets into the portal's own records and back into references. It
knows nothing about the state store: the push planner (``harvester.pipeline.push``) decides what
to do and keeps the ``record_target`` rows; the target only talks to its portal.

Duties of an implementation:

* ``find`` looks datasets up by their stable identity (harvest URI / ``dct:identifier``) or by
  name, in batches, so a first push can adopt a dataset that already exists instead of creating
  a duplicate;
* ``push`` creates a dataset, or replaces an existing one with a full show → modify → update that
  keeps the portal's resource ids;
* ``withdraw`` hides (private) or deletes (state=deleted) a dataset; ``purge`` removes it for good.

Failure behaviour: every method raises ``TargetUnavailable`` when the portal cannot be reached or
is overloaded (retry in a later run), ``TargetRejected`` when the portal refuses one dataset (its
error text in ``details`` verbatim), and ``ConfigError`` for a wrong token or permission problem
that no retry can fix.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from harvester.model.dataset import Dataset


@dataclass(frozen=True)
class TargetRef:
    """Where a dataset lives on a portal after a write (what the ``record_target`` row keeps)."""

    id: str
    name: str
    modified: Optional[str] = None  # the portal's metadata_modified right after our write
    state: str = "active"  # 'active' or 'deleted'
    private: Optional[bool] = None


@dataclass(frozen=True)
class RemoteDataset:
    """A dataset as it is on the portal now, with the identities it carries."""

    ref: TargetRef
    identities: frozenset[str] = frozenset()  # harvest URIs / URI identifiers found on it
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # full portal record

    def claims(self, uri: Optional[str]) -> bool:
        """True when the portal record names ``uri`` as its stable identity."""
        return bool(uri) and uri in self.identities


@dataclass(frozen=True)
class LookupKey:
    """What identifies one dataset on a portal: its stable URI, identifier and preferred name.

    A plain (non-URI) identifier such as 'DKT-2024-001' is only unique within its publisher, so it
    counts only for a dataset in ``organisation``.
    """

    uri: Optional[str]
    identifier: Optional[str]
    name: Optional[str]
    organisation: Optional[str] = None


@dataclass(frozen=True)
class Organisation:
    """A portal organisation the dataset belongs to (CKAN name + title for creation)."""

    name: str
    title: str
    create_missing: bool = False


@dataclass(frozen=True)
class PushOptions:
    """How to write one dataset: its organisation, name, and whether only metadata may go."""

    organisation: Organisation
    name: str
    metadata_only: bool = False  # TERBATAS beyond the city: metadata without resources (spec V14)


@dataclass(frozen=True)
class PortalInfo:
    """What a preflight learned about the portal."""

    version: Optional[str] = None
    extensions: tuple[str, ...] = ()
    flavour: str = "plain"  # the dict flavour actually written ('plain' or 'scheming')
    notes: tuple[str, ...] = ()


class Target(ABC):
    """One portal (see the module docstring for duties and failure behaviour)."""

    #: the target id (the config file name), used in logs, rows and reports
    name: str

    @abstractmethod
    def preflight(self) -> PortalInfo:
        """Check the portal answers (one cheap read) and learn its capabilities."""

    @abstractmethod
    def find(self, keys: Iterable[LookupKey]) -> dict[LookupKey, RemoteDataset]:
        """Datasets already on the portal for each key: by identity (stable URI), then by a plain
        identifier within the key's organisation, then by name.

        A key whose name matches a dataset that claims another identity is not returned (that
        dataset belongs to someone else). Keys with no match are absent from the result.
        """

    def prefetch(self, keys: Iterable[LookupKey]) -> Optional[dict[LookupKey, RemoteDataset]]:
        """``find`` for all keys at once when the portal can answer it with a few cheap requests
        (typically: none of them is there yet); None when it cannot — then call ``find`` in chunks.

        It may skip the name lookup: a dataset found only by name surfaces as ``NameTaken`` later.
        """
        return None

    @abstractmethod
    def show(self, ident: str) -> Optional[RemoteDataset]:
        """The dataset with this id or name (also when deleted), or None when it does not exist."""

    @abstractmethod
    def push(self, dataset: Dataset, options: PushOptions, *, existing: Optional[RemoteDataset]) -> TargetRef:
        """Create the dataset (``existing`` None) or replace ``existing`` with it; return the result.

        Raises ``NameTaken`` when creating under ``options.name`` fails because the name is used.
        """

    @abstractmethod
    def withdraw(self, ident: str, *, mode: str) -> TargetRef:
        """Make the dataset private (``mode='private'``) or delete it (``'delete'``)."""

    @abstractmethod
    def purge(self, ident: str) -> None:
        """Remove the dataset for good (only called when the target's config enables purging)."""

    @abstractmethod
    def ensure_organisation(self, org: Organisation) -> None:
        """Make sure ``org`` exists on the portal, creating it when allowed.

        Raises ``TargetRejected`` when it is missing and may not be created.
        """

    def close(self) -> None:
        """Release network resources (idempotent)."""


class NameTaken(Exception):
    """``push`` could not create a dataset because its name is already used on the portal."""

    def __init__(self, name: str) -> None:
        super().__init__(f"dataset name {name!r} is already used on the portal")
        self.name = name
