"""Builds the live objects of one job from configuration: HTTP client, source, mapping engine, policies.

Kept apart from the runner so that ``preview`` (no store) and the runner (with store) assemble
sources and mappings the same way. Every builder reads configuration fresh, so a job started after
an admin edited a mapping file uses the edited mapping (model-codebases.md pitfall 7).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from harvester import registry
from harvester.errors import ConfigError
from harvester.http import HttpClient
from harvester.mapping.codelists import CodeLists
from harvester.mapping.engine import MappingEngine
from harvester.mapping.spec import default_mapping_path, load_mapping
from harvester.sources.base import Source
from harvester.validate.sdi_rules import SdiPolicy

logger = logging.getLogger(__name__)


def build_http_client(settings: Any, cfg: Any) -> HttpClient:
    """An HttpClient with the effective policy of a source or target (daemon < defaults < own, incl. auth)."""
    policy = getattr(cfg, "http_policy", None) if cfg is not None else None
    return HttpClient(policy or getattr(settings, "http", None))


def source_from_config(source_id: str, cfg: Any, http: HttpClient) -> Source:
    """The source of a loaded SourceConfig (its options were validated at load time)."""
    if getattr(cfg, "parsed_options", None) is not None:
        return registry.sources.get(cfg.type)(source_id, cfg.parsed_options, http)
    return build_source(source_id, cfg.type, cfg.url, dict(cfg.options or {}), http)


def build_source(source_id: str, source_type: str, url: str, options: dict[str, Any], http: HttpClient) -> Source:
    """Instantiate a registered source type. Raises UnknownPlugin / ConfigError (bad options, naming the key)."""
    cls = registry.sources.get(source_type)
    try:
        opts = cls.options_model(url=url, **options)
    except Exception as exc:  # pydantic.ValidationError: re-raise as a config error naming the keys
        errors = getattr(exc, "errors", None)
        if callable(errors):
            parts = ["options." + ".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in errors()]
            raise ConfigError("; ".join(parts), key=f"sources.{source_id}") from exc
        raise
    return cls(source_id, opts, http)


def resolve_mapping_path(source_type: str, mapping: str | Path | None, *, base_dir: Path | None,
                         mappings_dir: Path | None) -> Path:
    """The mapping file of a source: its override (relative to its config file) or the type's default."""
    if mapping:
        path = Path(mapping)
        if not path.is_absolute() and base_dir is not None:
            path = (base_dir / path).resolve()
        return path
    return default_mapping_path(source_type, mappings_dir)


def build_engine(mapping_path: Path, codelists: CodeLists, *, mappings_dir: Path | None) -> MappingEngine:
    """Load the mapping fresh from disk and compile it. Raises ConfigError naming file and line."""
    return MappingEngine(load_mapping(mapping_path, mappings_dir=mappings_dir), codelists)


def mapping_variables(settings: Any, source_cfg: Any | None, source_id: str) -> dict[str, Any]:
    """The context variables a mapping may use (``var: pemda.kode`` ...); see mappings/README.md."""
    pemda = getattr(settings, "pemda", None)
    walidata = getattr(pemda, "walidata", None) if pemda else None
    org = getattr(source_cfg, "organisation", None) if source_cfg else None
    variables: dict[str, Any] = {
        "pemda.kode": getattr(pemda, "kode", None),
        "pemda.kode_bps": getattr(pemda, "kode_bps", None),
        "pemda.nama": getattr(pemda, "nama", None),
        "pemda.level": getattr(pemda, "level", None),
        "walidata.name": getattr(walidata, "name", None),
        "walidata.uri": getattr(walidata, "uri", None),
        "walidata.email": getattr(walidata, "email", None),
        "source.id": source_id,
        "source.title": getattr(source_cfg, "title", None) if source_cfg else None,
        "source.url": getattr(source_cfg, "url", None) if source_cfg else None,
        "source.organisation": getattr(org, "name", None) if org else None,
        "source.organisation_id": getattr(org, "id", None) if org else None,
    }
    for key, value in (getattr(source_cfg, "variables", None) or {}).items():
        variables[f"vars.{key}"] = value  # the source file's own `variables:` (see mappings/README.md §6)
    return {k: v for k, v in variables.items() if v is not None}


def sdi_policy(settings: Any, *, today: date | None = None) -> SdiPolicy:
    """Validation policy from the daemon settings (pemda code, walidata, registered OPD)."""
    pemda = getattr(settings, "pemda", None)
    walidata = getattr(pemda, "walidata", None) if pemda else None
    orgs = getattr(pemda, "organisations", None) or []
    names: list[str] = []
    for org in orgs:
        names.append(org.name)
        names.extend(getattr(org, "aliases", None) or [])
        if getattr(org, "id", None):
            names.append(org.id)
    validation = getattr(settings, "validation", None)
    rules_off = frozenset(getattr(validation, "sdi_rules_off", None) or ())
    return SdiPolicy(
        kode_pemda=getattr(pemda, "kode", None),
        walidata=getattr(walidata, "name", None),
        walidata_aliases=tuple(getattr(walidata, "aliases", None) or ()),
        organisations=tuple(names),
        today=today or date.today(),
        rules_off=rules_off,
    )
