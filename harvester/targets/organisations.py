"""Which portal organisation a dataset goes to (ARCHITECTURE.md §7).

Two steps:

1. ``OpdResolver`` finds the dataset's OPD (produsen data) among ``pemda.organisations``: by the
   creator's identifier, its name or an alias (case and spacing ignored), or the last path segment
   of its URI; failing that, the OPD the source file declares (``organisation: {id}``).
2. ``OrganisationMapper`` turns the OPD into the target's organisation: ``mode: single`` sends
   everything to one organisation; ``mode: per_opd`` uses ``map`` or ``prefix + OPD id``, and
   ``fallback`` (an OPD id, or else a portal organisation name) for datasets without a
   registered OPD. Without a fallback such a dataset has no organisation and is not pushed.

``OrganisationCache`` makes sure each organisation exists on a portal once per run (thread-safe),
creating it only when the target allows (``create_missing``). A missing organisation that may not
be created is a record-level error (``TargetRejected``) for every dataset that needs it.
"""

from __future__ import annotations

import threading
from typing import Any, Optional
from urllib.parse import urlsplit

from harvester.errors import TargetError, TargetRejected
from harvester.model.dataset import Dataset
from harvester.targets.base import Organisation, Target


def _norm(text: Optional[str]) -> str:
    return " ".join((text or "").lower().split())


class OpdResolver:
    """Dataset → OPD id of ``pemda.organisations`` (see the module docstring)."""

    def __init__(self, pemda: Any) -> None:
        self._ids: set[str] = set()
        self._by_name: dict[str, str] = {}
        self._by_uri: dict[str, str] = {}
        for org in getattr(pemda, "organisations", None) or []:
            self._ids.add(org.id)
            for label in (org.name, *(org.aliases or [])):
                self._by_name.setdefault(_norm(label), org.id)
            if getattr(org, "uri", None):
                self._by_uri[org.uri.rstrip("/")] = org.id

    def known(self, opd: Optional[str]) -> bool:
        return opd in self._ids

    def resolve(self, dataset: Optional[Dataset], *, source_opd: Optional[str] = None,
                organisation: Optional[str] = None) -> Optional[str]:
        """The OPD id of the dataset's creator, else ``source_opd``, else None.

        ``organisation`` is the record's stored organisation text, used when no dataset is given.
        """
        agent = dataset.creator if dataset is not None else None  # the produsen data (the publisher is
        if agent is not None:                                      # the walidata, not an OPD of its own)
            found = self._match(agent.identifier, agent.name, agent.uri)
            if found:
                return found
        if dataset is None and organisation:
            found = self._match(organisation, organisation, None)
            if found:
                return found
        if source_opd and source_opd in self._ids:
            return source_opd
        return None

    def _match(self, identifier: Optional[str], name: Optional[str], uri: Optional[str]) -> Optional[str]:
        if identifier and identifier in self._ids:
            return identifier
        by_name = self._by_name.get(_norm(name)) or self._by_name.get(_norm(identifier))
        if by_name:
            return by_name
        if uri:
            uri = uri.rstrip("/")
            if uri in self._by_uri:
                return self._by_uri[uri]
            tail = urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1]
            if tail in self._ids:
                return tail
        return None


class OrganisationMapper:
    """OPD id → the target's ``Organisation`` (see the module docstring)."""

    def __init__(self, target_cfg: Any, pemda: Any) -> None:
        self.cfg = target_cfg.organisations
        self._titles = {o.id: o.name for o in (getattr(pemda, "organisations", None) or [])}

    def organisation(self, opd: Optional[str]) -> Optional[Organisation]:
        """The organisation for ``opd`` (None: the dataset has no organisation on this target)."""
        cfg = self.cfg
        create = bool(cfg.create_missing)
        if cfg.mode == "single":
            return Organisation(cfg.single.name, cfg.single.title, create)
        if opd is not None and opd in self._titles:
            return self._for_opd(opd, create)
        if cfg.fallback:
            if cfg.fallback in self._titles:
                return self._for_opd(cfg.fallback, create)
            return Organisation(cfg.fallback, cfg.fallback, create)
        return None

    def _for_opd(self, opd: str, create: bool) -> Organisation:
        name = self.cfg.map.get(opd) or f"{self.cfg.prefix}{opd}"
        return Organisation(name, self._titles.get(opd, opd), create)


class OrganisationCache:
    """Ensures each organisation once per run on one target; remembers failures for the run."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._done: dict[str, Optional[TargetError]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def ensure(self, org: Organisation) -> None:
        """Raise the target's error (rejected / unavailable) when ``org`` cannot be made available.

        A rejection is remembered for the rest of the run (no point asking again); an
        unavailability is not, so a later dataset may try again.
        """
        with self._guard:
            lock = self._locks.setdefault(org.name, threading.Lock())
        with lock:
            if org.name in self._done:
                failure = self._done[org.name]
                if failure is not None:
                    raise failure
                return
            try:
                self.target.ensure_organisation(org)
            except TargetError as exc:
                if isinstance(exc, TargetRejected):
                    self._done[org.name] = exc
                raise
            self._done[org.name] = None
