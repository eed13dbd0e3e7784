"""Named plugin registries: sources, targets, readers, output profiles and transforms.

Built-ins register themselves by import path (loaded lazily, so importing the registry does not
import lxml, rdflib or OWSLib); third-party packages add plugins through the entry-point groups
``satudata_harvester.<kind>`` (e.g. ``satudata_harvester.sources``). Asking for an unknown name
raises ``UnknownPlugin`` listing the known names, so a typo in a config file is caught at load.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from harvester.errors import UnknownPlugin

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a plugin name to an object (usually a class), resolved from 'module:attr' on first use."""

    def __init__(self, kind: str, builtins: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._paths: dict[str, str] = dict(builtins or {})
        self._loaded: dict[str, T] = {}
        self._entry_points_read = False

    def register(self, name: str, obj: T | None = None):  # type: ignore[no-untyped-def]
        """Register ``obj`` under ``name``; usable as a decorator when ``obj`` is omitted."""

        def _do(target: T) -> T:
            self._loaded[name] = target
            return target

        return _do(obj) if obj is not None else _do

    def _read_entry_points(self) -> None:
        if self._entry_points_read:
            return
        self._entry_points_read = True
        for ep in entry_points(group=f"satudata_harvester.{self.kind}"):
            # Built-ins win: a plugin cannot silently replace e.g. the 'ckan' source.
            self._paths.setdefault(ep.name, ep.value)

    def names(self) -> list[str]:
        """All known names, sorted."""
        self._read_entry_points()
        return sorted(set(self._paths) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def get(self, name: str) -> T:
        """The plugin called ``name``. Raises UnknownPlugin (a ConfigError) naming the known ones."""
        if name in self._loaded:
            return self._loaded[name]
        self._read_entry_points()
        path = self._paths.get(name)
        if path is None:
            raise UnknownPlugin(
                f"unknown {self.kind[:-1] if self.kind.endswith('s') else self.kind} {name!r}; "
                f"known: {', '.join(self.names()) or '(none)'}",
                key=name,
            )
        module_name, _, attr = path.partition(":")
        obj = getattr(importlib.import_module(module_name), attr)
        self._loaded[name] = obj
        return obj


sources: Registry = Registry(
    "sources",
    {
        "ckan": "harvester.sources.ckan_api:CkanSource",
        "dcat-rdf": "harvester.sources.dcat_rdf:DcatRdfSource",
        "datajson": "harvester.sources.datajson:DataJsonSource",
        "csw": "harvester.sources.csw:CswSource",
        "oai-pmh": "harvester.sources.oai_pmh:OaiPmhSource",
        "schemaorg": "harvester.sources.schemaorg:SchemaOrgSource",
        "spreadsheet": "harvester.sources.spreadsheet:SpreadsheetSource",
        "json-api": "harvester.sources.json_api:JsonApiSource",
    },
)

readers: Registry = Registry(
    "readers",
    {
        "json": "harvester.readers.json_doc:JsonReader",
        "xml": "harvester.readers.xml_doc:XmlReader",
        "rdf": "harvester.readers.rdf_doc:RdfReader",
        "table": "harvester.readers.table_doc:TableReader",
    },
)

profiles: Registry = Registry(
    "profiles",
    {
        "dcat-ap-3": "harvester.profiles.dcat_ap:DcatAp3Profile",
        "sdi": "harvester.profiles.sdi:SdiProfile",
        "ckan": "harvester.profiles.ckan_package:CkanPackageProfile",
    },
)

targets: Registry = Registry("targets", {"ckan": "harvester.targets.ckan:CkanTarget"})

#: Transforms register themselves in harvester.mapping.transforms (pure functions, by name).
transforms: Registry = Registry("transforms", {})
