"""Typed models of the three configuration file kinds: ``harvester.yaml``, source and target files.

Every model rejects unknown keys (``extra="forbid"``) and is frozen. Field descriptions are the
user documentation: they are exported to ``config/schema/*.schema.json`` for editors and CI.
Target files are modelled in ``harvester.config_targets``. Cross-file rules (registered source
types, organisation ids, path resolution, defaults merged into sources, ``token_file`` reading)
live in ``harvester.settings``, which loads these models.

Validation failures are pydantic ``ValidationError``s; ``harvester.settings`` turns them into
``ConfigError``s naming the file, key path and line.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, SecretStr, StringConstraints,
                      ValidationInfo, WithJsonSchema, field_validator, model_validator)

from harvester.http import AuthConfig, HttpPolicy

SLUG_RE = r"^[a-z0-9][a-z0-9_-]{0,99}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE)]
CkanName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{2,100}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Akses = Literal["TERBUKA", "TERBATAS", "TERTUTUP"]


def _code_text(value: Any) -> Any:
    """Codes must be text: 35.72 unquoted is a float and 35.10 would silently become 35.1."""
    if isinstance(value, float):
        raise ValueError(f"{value!r} was read as a number; write codes in quotes, e.g. '35.72'")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # 3572 -> '3572' is lossless (no leading zeros in Indonesian codes)
    return value


RegionCode = Annotated[str, BeforeValidator(_code_text),
                       StringConstraints(pattern=r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")]
BpsCode = Annotated[str, BeforeValidator(_code_text), StringConstraints(pattern=r"^\d{2,10}$")]
UrusanCode = Annotated[str, BeforeValidator(_code_text),
                       StringConstraints(pattern=r"^(?:[1-9]|X)(?:\.(?:\d{2}|XX))?$")]


def _empty_secret(value: Any) -> Any:
    """``${TOKEN:-}`` interpolates to '': treat an empty secret as not given."""
    return None if value == "" else value


Secret = Annotated[Optional[SecretStr], BeforeValidator(_empty_secret)]

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(value: Any) -> Any:
    """'30m', '6h', '1d', '1h30m', '90s' or a number of seconds -> seconds (int)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text)
        match = _DURATION.match(text)
        if not text or match is None:
            raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '6h', '1d', '1h30m' or seconds")
        d, h, m, s = (int(g or 0) for g in match.groups())
        return ((d * 24 + h) * 60 + m) * 60 + s
    return value


Duration = Annotated[int, BeforeValidator(parse_duration), Field(ge=1), WithJsonSchema({
    "anyOf": [{"type": "integer", "minimum": 1},
              {"type": "string", "pattern": r"^(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$"}]})]
HhMm = Annotated[str, StringConstraints(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$")]


def check_timezone(value: Optional[str]) -> Optional[str]:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Jakarta')") from exc
    return value


class ConfigModel(BaseModel):
    """Base of every config model: unknown keys rejected, instances frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- shared pieces ---
class SourceAuth(AuthConfig):
    """Credentials for a source's host. Give secrets as ``${ENV}`` or in a file (``*_file``)."""

    token_file: Optional[str] = Field(None, description="file holding the token (relative to this file); read at load")
    password_file: Optional[str] = Field(None, description="file holding the password; read at load")
    _normalise = field_validator("token", "password", mode="before")(lambda cls, v: _empty_secret(v))


class HttpOverrides(HttpPolicy):
    """HTTP policy keys to override for one source or target; unset keys come from the daemon's
    ``http`` (then ``defaults.http``). ``headers`` are merged key by key; everything else replaces."""

    auth: Optional[SourceAuth] = None


def _no_auth(policy: HttpPolicy) -> HttpPolicy:
    if policy.auth is not None:
        raise ValueError("auth is not allowed here: credentials belong to one source's or target's `http`")
    return policy


class ScheduleWindow(ConfigModel):
    """Runs start only inside this daily window (local time). ``end`` before ``start`` crosses midnight."""

    start: HhMm = Field(description="'HH:MM', quoted")
    end: HhMm = Field(description="'HH:MM', quoted")

    @model_validator(mode="after")
    def _distinct(self) -> "ScheduleWindow":
        if self.start == self.end:
            raise ValueError("window start and end are equal; omit the window to allow any time")
        return self


class ScheduleConfig(ConfigModel):
    """When a source is harvested: ``cron`` *or* ``interval``; neither means manual runs only."""

    cron: Optional[str] = Field(None, description="5-field crontab, e.g. '0 2 * * *'", examples=["0 2 * * *"])
    interval: Optional[Duration] = Field(None, description="'30m', '6h', '1d' or seconds", examples=["1h"])
    window: Optional[ScheduleWindow] = None
    jitter_seconds: int = Field(0, ge=0, description="random delay added to each run, spreads load")
    timezone: Optional[str] = Field(None, description="IANA zone; default: scheduler.timezone")

    _tz = field_validator("timezone")(lambda cls, v: check_timezone(v))

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger  # light import, only when cron is used

            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f"invalid crontab {value!r}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> "ScheduleConfig":
        if self.cron and self.interval:
            raise ValueError("give either cron or interval, not both")
        return self

    @property
    def manual(self) -> bool:
        return not self.cron and not self.interval


class DeletionConfig(ConfigModel):
    """Deletion safety of a source (ARCHITECTURE §6)."""

    max_ratio: float = Field(0.2, gt=0, le=1, description="refuse a job deleting more than this share of records")
    max_count: Optional[int] = Field(None, ge=0, description="refuse a job deleting more than this many records")
    full_every: int = Field(10, ge=1, description="do a full listing (needed for deletions) every N runs")


# --------------------------------------------------------------------------- harvester.yaml ---
class DatabaseConfig(ConfigModel):
    url: str = Field("sqlite:///var/harvester.db", description=(
        "SQLAlchemy URL (sqlite or postgresql). A relative SQLite path is resolved against the "
        "directory of harvester.yaml; its folder is created on first use"))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from exc
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
        return value


class AgentConfig(ConfigModel):
    name: str = Field(min_length=1)
    uri: Optional[str] = None
    email: Optional[Email] = None


class CatalogConfig(ConfigModel):
    """Describes the catalogue this harvester publishes (feed and DCAT ``dcat:Catalog``)."""

    title: str = Field(min_length=1)
    description: Optional[str] = None
    homepage: Optional[str] = None
    language: list[str] = Field(default_factory=lambda: ["id"], description="ISO 639-1 codes")
    publisher: Optional[AgentConfig] = Field(None, description="default: pemda.walidata")
    license: Optional[str] = Field(None, description="licence IRI or CKAN licence id of the catalogue")


class WalidataConfig(ConfigModel):
    name: str = Field(min_length=1, examples=["Dinas Komunikasi, Informatika dan Statistik Kota Blitar"])
    uri: Optional[str] = None
    email: Optional[Email] = None
    aliases: list[str] = Field(default_factory=list, description="other spellings seen in sources")


class OrganisationConfig(ConfigModel):
    """A registered Perangkat Daerah (OPD), i.e. a produsen data."""

    id: Slug = Field(description="stable slug, used in target organisation maps", examples=["dinkes"])
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list, description="other names/abbreviations seen in sources")
    kode_urusan: list[UrusanCode] = Field(default_factory=list, description="bidang urusan codes, e.g. '1.02'")
    email: Optional[Email] = None
    uri: Optional[str] = None


def _norm_name(text: str) -> str:
    return " ".join(text.lower().split())


class PemdaConfig(ConfigModel):
    """The regional government (pemda) this harvester serves (spec §2, §10.12)."""

    level: Literal["NASIONAL", "PROVINSI", "KABUPATEN_KOTA"]
    kode: Optional[RegionCode] = Field(None, validate_default=True, description="Kemendagri code, quoted: '35.72'")
    kode_bps: Optional[BpsCode] = Field(None, description=(
        "BPS code ('3572'); default: kode without dots — set it where BPS and Kemendagri numbers differ"))
    nama: str = Field(min_length=1, examples=["Kota Blitar"])
    walidata: WalidataConfig
    organisations: list[OrganisationConfig] = Field(default_factory=list)

    @field_validator("kode")
    @classmethod
    def _kode_fits_level(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        level = info.data.get("level")
        expected = {"PROVINSI": r"\d{2}", "KABUPATEN_KOTA": r"\d{2}\.\d{2}"}.get(level or "")
        if expected and (value is None or not re.fullmatch(expected, value)):
            example = "'35'" if level == "PROVINSI" else "'35.72'"
            raise ValueError(f"level {level} needs kode like {example}, got {value!r}")
        return value

    @field_validator("organisations")
    @classmethod
    def _unique(cls, orgs: list[OrganisationConfig]) -> list[OrganisationConfig]:
        seen_ids: set[str] = set()
        names: dict[str, str] = {}
        for org in orgs:
            if org.id in seen_ids:
                raise ValueError(f"organisation id {org.id!r} is registered twice")
            seen_ids.add(org.id)
            for label in (org.name, *org.aliases):
                other = names.setdefault(_norm_name(label), org.id)
                if other != org.id:
                    raise ValueError(f"name/alias {label!r} is used by both {other!r} and {org.id!r}")
        return orgs

    def organisation(self, org_id: str) -> Optional[OrganisationConfig]:
        return next((o for o in self.organisations if o.id == org_id), None)


class FeedConfig(ConfigModel):
    """The read-only DCAT feed served by ``harvester run`` / ``harvester serve``."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    page_size: int = Field(100, ge=1, le=1000)
    include_terbatas: bool = Field(False, description="also list TERBATAS datasets (TERTUTUP never)")
    base_path: str = Field("/", pattern=r"^/", description="URL prefix when served behind a proxy")


with warnings.catch_warnings():
    # `json` is the documented key (and what the CLI reads); it shadows the deprecated BaseModel.json().
    warnings.filterwarnings("ignore", message='Field name "json"', category=UserWarning)

    class LoggingConfig(ConfigModel):
        level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
        json: bool = Field(  # type: ignore[assignment]
            False, description="one JSON object per line instead of plain text")
        file: Optional[str] = Field(None, description="also log to this file (relative to harvester.yaml)")

        _upper = field_validator("level", mode="before")(lambda cls, v: v.upper() if isinstance(v, str) else v)


class DefaultsConfig(ConfigModel):
    """Defaults applied to every source; a source's own keys win key by key."""

    schedule: ScheduleConfig = ScheduleConfig()
    deletion: DeletionConfig = DeletionConfig()
    http: HttpPolicy = Field(HttpPolicy(), description="no auth here")

    _http = field_validator("http")(lambda cls, v: _no_auth(v))


class SchedulerConfig(ConfigModel):
    timezone: str = "Asia/Jakarta"
    max_concurrent_jobs: int = Field(2, ge=1, le=64)
    misfire_grace_seconds: int = Field(3600, ge=1)
    job_timeout_minutes: int = Field(180, ge=1, description="running jobs older than this are reaped")
    reaper_interval_minutes: int = Field(15, ge=1)

    _tz = field_validator("timezone")(lambda cls, v: check_timezone(v))


class RetentionConfig(ConfigModel):
    jobs_days: int = Field(90, ge=1)
    issues_days: int = Field(30, ge=1)
    keep_last_jobs: int = Field(20, ge=0, description="per source, kept whatever their age")


class ValidationConfig(ConfigModel):
    sdi_rules_off: list[Annotated[str, StringConstraints(pattern=r"^V\d{2}$")]] = Field(
        default_factory=list, description="SDI rule ids to skip (spec §12), e.g. ['V13']")
    shacl: bool = Field(False, description="also run DCAT-AP SHACL shapes on every record (slow)")


class ProcessingConfig(ConfigModel):
    """How a job maps records (see harvester/pipeline/map_pool.py)."""

    map_workers: Union[Literal["auto"], Annotated[int, Field(ge=0, le=64)]] = Field(
        "auto", description="worker processes that map, validate and score records while the job goes on "
                            "gathering; 0 maps in the job's own process; auto: one per CPU beyond the first (max 8), "
                            "none on machines of 1-2 CPUs")
    parallel_after: int = Field(500, ge=1, description="records a job maps in-process before it starts the "
                                                       "workers (small sources never start them)")


class SmtpConfig(ConfigModel):
    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    username: Optional[str] = None
    password: Secret = None
    password_file: Optional[str] = Field(None, description="file holding the password; read at load")
    from_: Email = Field(alias="from")
    starttls: bool = True


class NotificationsConfig(ConfigModel):
    smtp: SmtpConfig
    default_recipients: list[Email] = Field(default_factory=list)


class Settings(ConfigModel):
    """``harvester.yaml``: the daemon. Relative paths resolve against this file's directory."""

    database: DatabaseConfig = DatabaseConfig()
    base_uri: str = Field(description="base of minted dataset URIs", examples=["https://data.blitarkota.go.id"])
    catalog: CatalogConfig
    pemda: PemdaConfig
    feed: FeedConfig = FeedConfig()
    logging: LoggingConfig = LoggingConfig()
    http: HttpPolicy = Field(HttpPolicy(), description="network policy of the daemon (no auth)")
    defaults: DefaultsConfig = DefaultsConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    retention: RetentionConfig = RetentionConfig()
    validation: ValidationConfig = ValidationConfig()
    processing: ProcessingConfig = ProcessingConfig()
    notifications: Optional[NotificationsConfig] = None
    sources_dir: str = Field("sources", description="folder of source files")
    targets_dir: str = Field("targets", description="folder of target files")
    mappings_dir: Optional[str] = Field(None, description="default: the mappings/ folder of the installation")

    _http = field_validator("http")(lambda cls, v: _no_auth(v))

    @field_validator("base_uri")
    @classmethod
    def _base_uri(cls, value: str) -> str:
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError(f"{value!r} is not an http(s) URL without query or fragment")
        return value.rstrip("/")


# --------------------------------------------------------------------------- source files ---
class OrganisationRef(ConfigModel):
    id: Slug = Field(description="a pemda.organisations id")
    name: Optional[str] = Field(None, description="default: the registered name")


class SourceConfig(ConfigModel):
    """One file in ``sources_dir``: a harvestable catalogue."""

    id: Optional[Slug] = Field(None, description="default: the file name without extension")
    type: str = Field(description="registered source type", examples=["ckan", "dcat-rdf", "csw", "spreadsheet"])
    title: Optional[str] = None
    enabled: bool = True
    url: str = Field(min_length=1, description="http(s)/file URL, or a path relative to this file")
    options: dict[str, Any] = Field(default_factory=dict, description="checked by the type's options model")
    mapping: Optional[str] = Field(None, description="override file relative to this file; "
                                                     "default mappings/<type>/default.yaml")
    organisation: Optional[OrganisationRef] = Field(None, description="the OPD producing all of this data")
    schedule: ScheduleConfig = ScheduleConfig()
    deletion: DeletionConfig = DeletionConfig()
    http: HttpOverrides = HttpOverrides()
    notify: list[Email] = Field(default_factory=list, description="mailed when a job fails or needs confirmation")
    variables: dict[str, Any] = Field(default_factory=dict, description="extra variables for the mapping")

    # Resolved by harvester.settings.load_settings (None on a model built by hand).
    _file: Optional[Path] = PrivateAttr(None)
    _mapping_path: Optional[Path] = PrivateAttr(None)
    _http_policy: Optional[HttpPolicy] = PrivateAttr(None)
    _parsed_options: Any = PrivateAttr(None)
    _config_hash: Optional[str] = PrivateAttr(None)

    @property
    def file(self) -> Optional[Path]:
        """The source file this config was read from."""
        return self._file

    @property
    def mapping_path(self) -> Optional[Path]:
        """Absolute path of the mapping file: the override, or mappings/<type>/default.yaml."""
        return self._mapping_path

    @property
    def http_policy(self) -> Optional[HttpPolicy]:
        """Effective HttpPolicy: daemon ``http`` < ``defaults.http`` < this source's ``http``."""
        return self._http_policy

    @property
    def parsed_options(self) -> Any:
        """The type's ``options_model`` instance (url included when the model has a url field);
        None when the source type could not be imported at load time."""
        return self._parsed_options

    @property
    def config_hash(self) -> Optional[str]:
        """SHA-256 of the effective config (secrets excluded): ``source.config_hash`` in the store."""
        return self._config_hash
