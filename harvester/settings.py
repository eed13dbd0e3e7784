"""Load, validate and expose the configuration: ``harvester.yaml`` + one file per source and target.

Three layers, and no others (model-codebases §3.6): defaults in code (the models), the YAML files,
and environment variables through ``${VAR}`` / ``${VAR:-default}`` placeholders in values
(``harvester.envsubst``). Inside the files, ``defaults:`` in harvester.yaml is applied to every
source key by key (a source that sets ``cron`` or ``interval`` replaces both default triggers;
``http.headers`` are merged; everything else replaces).

Paths: every relative path resolves against the directory of the file it is written in —
``sources_dir``, ``targets_dir``, ``mappings_dir``, ``logging.file`` and a relative SQLite
``database.url`` against harvester.yaml's directory; a source's ``url`` (when it is a plain path),
``mapping`` and any ``token_file`` / ``password_file`` against the source or target file.

Secrets: ``token``/``password`` fields are SecretStr (masked in repr, str and JSON dumps). A
``<name>_file: PATH`` key beside them reads the secret from that file at load time.

Failure behaviour: every problem raises ``ConfigError`` naming the file, the key path and the line;
nothing is half-loaded. The only log output of a successful load is one INFO line per target that
is disabled because its URL is empty after interpolation ("target kota disabled: CKAN_CITY_URL is
not set") plus a WARNING per source type whose module is not importable yet.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from harvester import registry
from harvester.config_errors import validate_model
from harvester.config_models import (SLUG_RE, DeletionConfig, HttpOverrides, ScheduleConfig, Settings,
                                     SourceConfig)
from harvester.config_schema import SCHEMA_FILES, config_schemas, export_config_schemas
from harvester.config_targets import TargetConfig
from harvester.config_yaml import KeyPath, YamlDoc, format_key_path, load_yaml
from harvester.envsubst import interpolate
from harvester.errors import ConfigError, UnknownPlugin
from harvester.http import AuthConfig, HttpPolicy
from harvester.logs import SecretMasker

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAPPINGS_DIR", "SCHEMA_FILES", "LoadedConfig", "config_schemas", "describe_schedule",
    "export_config_schemas", "load_settings", "merge_http", "validate_config",
]

#: The installation's mappings/ folder, used when harvester.yaml sets no ``mappings_dir``.
DEFAULT_MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
_SECRET_FILE_KEYS = {"token_file": "token", "password_file": "password"}
_FREE_FORM_KEYS = ("options", "variables")  # never searched for *_file secrets


@dataclass
class LoadedConfig:
    """A validated configuration. Sources have defaults merged in; targets have ``enabled`` resolved."""

    settings: Settings
    sources: dict[str, SourceConfig]
    targets: dict[str, TargetConfig]
    config_path: Path
    source_files: dict[str, Path] = field(default_factory=dict)
    target_files: dict[str, Path] = field(default_factory=dict)
    source_hashes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def mappings_dir(self) -> Path:
        return Path(self.settings.mappings_dir or DEFAULT_MAPPINGS_DIR)

    def source_dir(self, source_id: str) -> Path:
        """Directory of the source's file (base of its relative ``mapping`` path). KeyError if unknown."""
        return self.source_files[source_id].parent

    def config_hash(self, source_id: str) -> str:
        """``source.config_hash`` of the store (see ``SourceConfig.config_hash``). KeyError if unknown."""
        return self.source_hashes[source_id]

    def enabled_sources(self) -> dict[str, SourceConfig]:
        return {k: v for k, v in self.sources.items() if v.enabled}

    def enabled_targets(self) -> dict[str, TargetConfig]:
        return {k: v for k, v in self.targets.items() if v.enabled}

    def secrets(self) -> list[str]:
        """Every secret value in the config (for the log masking filter); longest first."""
        found: set[str] = set()
        for model in (self.settings, *self.sources.values(), *self.targets.values()):
            _collect_secrets(model, found)
        password = make_url(self.settings.database.url).password
        if password:
            found.add(str(password))
        return sorted(found, key=len, reverse=True)

    def effective(self) -> dict[str, Any]:
        """The effective configuration as JSON-able data, secrets masked (for the start-up log)."""
        settings = self.settings.model_dump(mode="json", by_alias=True)
        settings["database"]["url"] = make_url(self.settings.database.url).render_as_string(hide_password=True)
        return {
            "settings": settings,
            "sources": {k: v.model_dump(mode="json", by_alias=True) for k, v in self.sources.items()},
            "targets": {k: v.model_dump(mode="json", by_alias=True) for k, v in self.targets.items()},
        }


def load_settings(path: str | os.PathLike[str], *, env: Optional[Mapping[str, str]] = None) -> LoadedConfig:
    """Load ``harvester.yaml`` at ``path`` and every source and target file it points at.

    ``env`` defaults to ``os.environ``. Raises ConfigError (file, key path, line) on any problem.
    """
    env = os.environ if env is None else env
    config_path = Path(path).resolve()
    doc, data, _ = _read(config_path, env)
    settings = _resolve_paths(validate_model(Settings, data, doc), doc)
    loaded = LoadedConfig(settings=settings, sources={}, targets={}, config_path=config_path,
                          warnings=_literal_secrets(doc, doc.data, ()))
    for file in _config_files(Path(settings.sources_dir), doc, "sources_dir"):
        _load_source(file, env, loaded)
    for file in _config_files(Path(settings.targets_dir), doc, "targets_dir"):
        _load_target(file, env, loaded)
    return loaded


def _read(path: Path, env: Mapping[str, str], loaded: Optional[LoadedConfig] = None
          ) -> tuple[YamlDoc, Any, dict[KeyPath, list[str]]]:
    doc = load_yaml(path)
    data, refs = interpolate(doc, env)
    if loaded is not None:
        loaded.warnings.extend(_literal_secrets(doc, doc.data, ()))
    return doc, _read_secret_files(data, (), doc), refs


def _literal_secrets(doc: YamlDoc, value: Any, key_path: KeyPath) -> list[str]:
    """Warnings for token/password values written into the file instead of ${ENV} or *_file."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in _SECRET_FILE_KEYS.values() and isinstance(sub, str) and sub and "${" not in sub:
                where = key_path + (key,)
                found.append(f"{doc.path}:{doc.line_of(where)} [{format_key_path(where)}]: secret written "
                             f"literally; use ${{ENV_VAR}} or {key}_file")
            elif key not in _FREE_FORM_KEYS:
                found.extend(_literal_secrets(doc, sub, key_path + (key,)))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found.extend(_literal_secrets(doc, sub, key_path + (index,)))
    return found


def _read_secret_files(value: Any, key_path: KeyPath, doc: YamlDoc) -> Any:
    """Replace ``token_file: PATH`` by ``token: <content of PATH>`` (the ``*_file`` key is kept)."""
    if isinstance(value, list):
        return [_read_secret_files(v, key_path + (i,), doc) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out = {k: (v if k in _FREE_FORM_KEYS else _read_secret_files(v, key_path + (k,), doc)) for k, v in value.items()}
    for file_key, secret_key in _SECRET_FILE_KEYS.items():
        ref = out.get(file_key)
        if ref in (None, ""):
            continue
        at = key_path + (file_key,)
        where: dict[str, Any] = dict(file=str(doc.path), key=format_key_path(at), line=doc.line_of(at))
        if out.get(secret_key) not in (None, ""):
            raise ConfigError(f"give either {secret_key} or {file_key}, not both", **where)
        secret_path = doc.path.parent / str(ref)
        try:
            secret = secret_path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read secret file {secret_path}: {exc.__class__.__name__}", **where) from exc
        if not secret:
            raise ConfigError(f"secret file {secret_path} is empty", **where)
        out[secret_key] = secret
    return out


def _resolve_paths(settings: Settings, doc: YamlDoc) -> Settings:
    """Make every relative path of harvester.yaml absolute (against its directory); derive pemda.kode_bps."""
    base = doc.path.parent
    url = make_url(settings.database.url)
    database = settings.database
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:") and not Path(url.database).is_absolute():
        database = database.model_copy(update={"url": url.set(database=str((base / url.database).resolve()))
                                               .render_as_string(hide_password=False)})
    updates: dict[str, Any] = {
        "database": database,
        "sources_dir": str((base / settings.sources_dir).resolve()),
        "targets_dir": str((base / settings.targets_dir).resolve()),
        "mappings_dir": str((base / settings.mappings_dir).resolve()) if settings.mappings_dir else None,
    }
    if settings.pemda.kode_bps is None and settings.pemda.kode:
        updates["pemda"] = settings.pemda.model_copy(update={"kode_bps": settings.pemda.kode.replace(".", "")})
    if settings.logging.file:
        updates["logging"] = settings.logging.model_copy(update={"file": str((base / settings.logging.file).resolve())})
    return settings.model_copy(update=updates)


def _config_files(folder: Path, doc: YamlDoc, key: str) -> list[Path]:
    if not folder.is_dir():
        raise ConfigError(f"folder {folder} does not exist", file=str(doc.path), key=key, line=doc.line_of((key,)))
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith((".", "_")))


def _file_id(cfg: Any, file: Path, doc: YamlDoc, kind: str, seen: dict[str, Path]) -> str:
    """The id of a source/target: ``id:`` or the file stem; must be a slug and unique."""
    ident = cfg.id or file.stem
    if cfg.id is None and not _is_slug(ident):
        raise ConfigError(f"file name {file.stem!r} is not a valid {kind} id (a-z, 0-9, '-', '_'); "
                          "rename the file or set `id:`", file=str(file), line=doc.line_of(()))
    if ident in seen:
        raise ConfigError(f"duplicate {kind} id {ident!r} (also used by {seen[ident]})",
                          file=str(file), key="id" if cfg.id else None, line=doc.line_of(("id",)))
    seen[ident] = file
    return ident


def _is_slug(text: str) -> bool:
    return re.match(SLUG_RE, text) is not None


def _err(doc: YamlDoc, key_path: KeyPath, reason: str, cls: type[ConfigError] = ConfigError) -> ConfigError:
    return cls(reason, file=str(doc.path), key=format_key_path(key_path) or None, line=doc.line_of(key_path))


def _load_source(file: Path, env: Mapping[str, str], loaded: LoadedConfig) -> None:
    settings = loaded.settings
    doc, data, _ = _read(file, env, loaded)
    cfg = validate_model(SourceConfig, data, doc)
    ident = _file_id(cfg, file, doc, "source", loaded.source_files)
    if cfg.type not in registry.sources:
        raise _err(doc, ("type",), f"unknown source type {cfg.type!r}; known: {', '.join(registry.sources.names())}",
                   UnknownPlugin)
    if cfg.organisation is not None and settings.pemda.organisations:
        org = settings.pemda.organisation(cfg.organisation.id)
        if org is None:
            known = ", ".join(o.id for o in settings.pemda.organisations)
            raise _err(doc, ("organisation", "id"), f"organisation {cfg.organisation.id!r} is not in "
                                                      f"pemda.organisations ({known})")
        if cfg.organisation.name is None:
            cfg = cfg.model_copy(update={"organisation": cfg.organisation.model_copy(update={"name": org.name})})
    url = _resolve_url(cfg.url, file, doc)
    mapping = (file.parent / cfg.mapping).resolve() if cfg.mapping else loaded.mappings_dir / cfg.type / "default.yaml"
    cfg = cfg.model_copy(update={
        "id": ident, "url": url,
        "schedule": _merge_schedule(settings, cfg, doc),
        "deletion": _overlay(DeletionConfig, settings.defaults.deletion, cfg.deletion, doc, "deletion"),
    })
    cfg._file, cfg._mapping_path = file, mapping
    cfg._http_policy = merge_http(settings.http, settings.defaults.http, cfg.http)
    cfg._parsed_options = _parse_options(cfg, doc, loaded)
    payload = cfg.model_dump(mode="json", by_alias=True)
    payload["mapping_path"] = str(mapping)
    cfg._config_hash = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    loaded.sources[ident] = cfg
    loaded.source_hashes[ident] = cfg._config_hash


def _resolve_url(url: str, file: Path, doc: YamlDoc) -> str:
    """http(s) and file URLs stay; a plain path becomes a file:// URL relative to the source file."""
    if "://" in url:
        if url.split("://", 1)[0].lower() not in ("http", "https", "file"):
            raise _err(doc, ("url",), f"unsupported URL scheme in {url!r}: use http, https or file")
        return url
    return (file.parent / url).resolve().as_uri()


def _overlay(cls: type[BaseModel], default: BaseModel, own: BaseModel, doc: YamlDoc, key: str) -> Any:
    data = {k: getattr(default, k) for k in default.model_fields_set}
    data.update({k: getattr(own, k) for k in own.model_fields_set})
    return validate_model(cls, data, doc, prefix=(key,))


def _merge_schedule(settings: Settings, cfg: SourceConfig, doc: YamlDoc) -> ScheduleConfig:
    default, own = settings.defaults.schedule, cfg.schedule
    if own.model_fields_set & {"cron", "interval"}:
        default = default.model_copy(update={"cron": None, "interval": None})
    merged = _overlay(ScheduleConfig, default, own, doc, "schedule")
    if merged.timezone is None:
        merged = merged.model_copy(update={"timezone": settings.scheduler.timezone})
    return merged


def merge_http(base: HttpPolicy, *layers: HttpOverrides | HttpPolicy) -> HttpPolicy:
    """Overlay the explicitly set keys of each layer on ``base``; ``headers`` merge key by key."""
    data = {name: getattr(base, name) for name in HttpPolicy.model_fields}
    for layer in layers:
        for name in layer.model_fields_set:
            value = getattr(layer, name)
            if name == "headers":
                value = {**data["headers"], **value}
            elif name == "auth" and value is not None:
                value = AuthConfig(**value.model_dump(include=set(AuthConfig.model_fields)))
            data[name] = value
    return HttpPolicy.model_validate(data)


def _parse_options(cfg: SourceConfig, doc: YamlDoc, loaded: LoadedConfig) -> Any:
    """Validate ``options`` (and url) with the source type's options_model; None if not importable."""
    if "url" in cfg.options:
        raise _err(doc, ("options", "url"), "url belongs at the top level of the source file, not under options")
    try:
        source_cls = registry.sources.get(cfg.type)
    except (ImportError, AttributeError) as exc:
        module = registry.sources._paths.get(cfg.type, "").partition(":")[0]  # noqa: SLF001
        not_written_yet = isinstance(exc, AttributeError) or (
            isinstance(exc, ModuleNotFoundError) and exc.name is not None and module.startswith(exc.name))
        if not not_written_yet:  # a broken plugin or a missing dependency: a real error
            raise _err(doc, ("type",), f"source type {cfg.type!r} cannot be loaded: {exc}") from exc
        # TODO(lead): once every built-in source module exists this branch only serves broken plugins.
        message = f"source {cfg.id}: options not validated, source type {cfg.type!r} is not available ({exc})"
        logger.warning("%s", message)
        loaded.warnings.append(message)
        return None
    model = source_cls.options_model
    data = dict(cfg.options)
    if "url" in model.model_fields:
        data["url"] = cfg.url
    return validate_model(model, data, doc, prefix=("options",))


def _load_target(file: Path, env: Mapping[str, str], loaded: LoadedConfig) -> None:
    settings = loaded.settings
    doc, data, refs = _read(file, env, loaded)
    cfg = validate_model(TargetConfig, data, doc)
    ident = _file_id(cfg, file, doc, "target", loaded.target_files)
    if cfg.type not in registry.targets:
        raise _err(doc, ("type",), f"unknown target type {cfg.type!r}; known: {', '.join(registry.targets.names())}",
                   UnknownPlugin)
    _check_ids(doc, ("filters", "sources"), cfg.filters.sources, set(loaded.sources), "source")
    org_ids = {o.id for o in settings.pemda.organisations}
    _check_ids(doc, ("filters", "organisations"), cfg.filters.organisations, org_ids, "organisation")
    _check_ids(doc, ("organisations", "map"), list(cfg.organisations.map), org_ids, "organisation")
    reason: Optional[str] = None
    if not cfg.enabled:
        reason = "enabled: false"
    elif not cfg.url:
        names = refs.get(("url",), [])
        unset = [n for n in names if not env.get(n)]
        reason = f"{(unset or names)[0]} is not set" if names else "url is empty"
        logger.info("target %s disabled: %s", ident, reason)
    elif cfg.token is None:
        raise _err(doc, ("token",), "a token is required when url is set (use ${ENV_VAR} or token_file)")
    cfg = cfg.model_copy(update={"id": ident, "enabled": reason is None})
    layers: list[Any] = [cfg.http]
    if cfg.rate_limit is not None and "rate_limit" not in cfg.http.model_fields_set:
        layers.append(HttpPolicy(rate_limit=cfg.rate_limit))
    cfg._file, cfg._disabled_reason = file, reason
    cfg._http_policy = merge_http(settings.http, *layers)
    loaded.targets[ident] = cfg


def _check_ids(doc: YamlDoc, key_path: KeyPath, given: list[str], known: set[str], kind: str) -> None:
    for index, value in enumerate(given):
        if value not in known:
            where = key_path + (index,) if key_path[-1] != "map" else key_path + (value,)
            raise _err(doc, where, f"unknown {kind} {value!r}; known: {', '.join(sorted(known)) or '(none)'}")


def _collect_secrets(value: Any, found: set[str]) -> None:
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if secret:
            found.add(secret)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect_secrets(getattr(value, name), found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_secrets(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_secrets(item, found)


# --------------------------------------------------------------------------- CLI helpers ---
def validate_config(path: str | os.PathLike[str], *, env: Optional[Mapping[str, str]] = None) -> list[str]:
    """Load the config and return a human-readable summary (``harvester validate-config``).

    Beyond ``load_settings`` it checks that the mapping file of every enabled source exists.
    Secrets are never shown. Raises ConfigError on the first problem.
    """
    loaded = load_settings(path, env=env)
    s = loaded.settings
    for ident, src in loaded.enabled_sources().items():
        if src.mapping_path is not None and not src.mapping_path.is_file():
            doc = load_yaml(loaded.source_files[ident])
            key: KeyPath = ("mapping",) if src.mapping else ("type",)
            raise _err(doc, key, f"mapping file {src.mapping_path} does not exist")
    pemda = s.pemda
    lines = [
        f"config: {loaded.config_path}",
        f"database: {make_url(s.database.url).render_as_string(hide_password=True)}",
        f"pemda: {pemda.nama} ({pemda.kode or '-'}, BPS {pemda.kode_bps or '-'}, {pemda.level}); "
        f"walidata: {pemda.walidata.name}; {len(pemda.organisations)} organisation(s)",
        f"catalog: {s.catalog.title} — dataset URIs under {s.base_uri}",
        "feed: " + (f"http://{s.feed.host}:{s.feed.port}{s.feed.base_path}" if s.feed.enabled else "disabled"),
        f"sources: {len(loaded.sources)} ({len(loaded.enabled_sources())} enabled) in {s.sources_dir}",
    ]
    for ident, src in loaded.sources.items():
        state = "enabled" if src.enabled else "disabled"
        lines.append(f"  - {ident} [{src.type}] {state}; {describe_schedule(src.schedule)}; {src.url}; "
                     f"mapping {src.mapping_path}")
    lines.append(f"targets: {len(loaded.targets)} ({len(loaded.enabled_targets())} enabled) in {s.targets_dir}")
    for ident, tgt in loaded.targets.items():
        orgs = (f"organisation {tgt.organisations.single.name}" if tgt.organisations.single
                else "organisation per OPD")
        state = f"-> {tgt.url}" if tgt.enabled else f"disabled: {tgt.disabled_reason}"
        lines.append(f"  - {ident} [{tgt.type}, {tgt.level}, profile {tgt.profile}] {state}; {orgs}; "
                     f"access {', '.join(tgt.filters.access)}")
    lines.extend(f"warning: {w}" for w in loaded.warnings)
    for ident, src in loaded.enabled_sources().items():
        if src.url.startswith("file://") and not Path(_file_url_path(src.url)).exists():
            lines.append(f"warning: source {ident}: {src.url} does not exist")
    masker = SecretMasker(loaded.secrets())  # URLs may carry credentials or ?token= parameters
    return [masker.mask(line) for line in lines]


def describe_schedule(schedule: ScheduleConfig) -> str:
    """'every 1h30m (Asia/Jakarta 01:00-05:00)', "cron '0 2 * * *' (Asia/Jakarta)" or 'manual only'."""
    if schedule.manual:
        return "manual only"
    if schedule.cron:
        text = f"cron '{schedule.cron}'"
    else:
        seconds = schedule.interval or 0
        units = [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        parts = []
        for size, unit in units:
            if seconds >= size:
                parts.append(f"{seconds // size}{unit}")
                seconds %= size
        text = "every " + "".join(parts)
    window = f" {schedule.window.start}-{schedule.window.end}" if schedule.window else ""
    return f"{text} ({schedule.timezone}{window})"


def _file_url_path(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)
