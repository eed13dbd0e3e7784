"""Typed model of target files (one CKAN portal per file in ``targets_dir``).

Rejects unknown keys like every config model (see ``harvester.config_models``). Rules needing other
files — filter ids that must name real sources/organisations, the token requirement, disabling a
target whose URL is empty after interpolation — are applied by ``harvester.settings``.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import Field, PrivateAttr, StringConstraints, ValidationInfo, field_validator, model_validator

from harvester.config_models import Akses, CkanName, HttpOverrides, Secret, Slug, ConfigModel
from harvester.http import HttpPolicy

#: Placeholders of ``naming.pattern``; the CKAN target fills them (values slugified, lowercase).
NAMING_PLACEHOLDERS: dict[str, str] = {
    "slug": "the dataset title, slugified",
    "kode_pemda": "pemda.kode without dots, e.g. '3572'",
    "source": "the source id",
    "remote_id": "the record's remote id, slugified",
    "opd": "id of the produsen data organisation ('' when unknown)",
    "hash8": "first 8 hex digits of the SHA-256 of the dataset's stable URI",
}
_UNIQUE_PLACEHOLDERS = ("slug", "remote_id", "hash8")


class TargetFilters(ConfigModel):
    """Which datasets go to this portal. Empty lists mean 'all'."""

    sources: list[str] = Field(default_factory=list, description="source ids")
    organisations: list[str] = Field(default_factory=list, description="pemda.organisations ids")
    access: list[Akses] = Field(default_factory=lambda: ["TERBUKA"], description=(
        "akses levels pushed; TERBATAS only if listed; TERTUTUP only to level city"))
    themes: list[str] = Field(default_factory=list, description="theme IRIs or bidang urusan codes")
    require_valid: bool = Field(True, description="skip datasets with error-level issues")


class SingleOrganisation(ConfigModel):
    name: CkanName
    title: str = Field(min_length=1)


class TargetOrganisations(ConfigModel):
    """CKAN organisation of each dataset: one per OPD, or a single one for the whole pemda."""

    mode: Literal["per_opd", "single"] = "per_opd"
    single: Optional[SingleOrganisation] = Field(None, description="required with mode single")
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]*$")] = Field(
        "", description="per_opd: CKAN name = prefix + OPD id (unless mapped)")
    map: dict[str, CkanName] = Field(default_factory=dict, description="per_opd: OPD id -> CKAN organisation")
    fallback: Optional[CkanName] = Field(None, description="per_opd: organisation for datasets without a "
                                                           "registered OPD; without it they are not pushed")
    create_missing: bool = Field(False, description="create organisations missing on the portal")

    @model_validator(mode="after")
    def _mode(self) -> "TargetOrganisations":
        if self.mode == "single" and self.single is None:
            raise ValueError("mode single needs `single: {name, title}`")
        if self.mode == "per_opd" and self.single is not None:
            raise ValueError("`single` is only used with mode: single")
        if self.mode == "single" and (self.prefix or self.map or self.fallback):
            raise ValueError("prefix, map and fallback are only used with mode: per_opd")
        return self


class NamingConfig(ConfigModel):
    pattern: str = Field("{slug}-{kode_pemda}", description="CKAN dataset name; placeholders: "
                         + ", ".join(f"{{{k}}} {v}" for k, v in NAMING_PLACEHOLDERS.items()))
    max_length: int = Field(100, ge=10, le=100, description="CKAN allows at most 100")

    @field_validator("pattern")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            names = [name for _, name, spec, conv in string.Formatter().parse(value) if name is not None]
        except ValueError as exc:
            raise ValueError(f"bad pattern {value!r}: {exc}") from exc
        unknown = [n for n in names if n not in NAMING_PLACEHOLDERS]
        if unknown:
            raise ValueError(f"unknown placeholder(s) {unknown}; known: {', '.join(NAMING_PLACEHOLDERS)}")
        if not any(n in _UNIQUE_PLACEHOLDERS for n in names):
            raise ValueError("pattern needs one of {slug}, {remote_id} or {hash8} to tell datasets apart")
        return value


class TargetDeletion(ConfigModel):
    mode: Literal["private", "delete"] = Field("private", description="how a removed dataset is withdrawn")
    grace_days: int = Field(7, ge=0, description="wait this long after removal at the source")
    purge: bool = Field(False, description="purge withdrawn datasets for good (opt-in)")


class ConflictConfig(ConfigModel):
    overwrite_manual_edits: bool = Field(False, description="overwrite fields edited on the portal by hand")


class TargetConfig(ConfigModel):
    """One file in ``targets_dir``: a CKAN portal to push to."""

    id: Optional[Slug] = Field(None, description="default: the file name without extension")
    type: str = "ckan"
    title: Optional[str] = None
    level: Literal["city", "province", "national"]
    url: str = Field("", description="portal base URL; empty (e.g. unset ${CKAN_CITY_URL:-}) disables the target")
    token: Secret = Field(None, description="API token: ${ENV} placeholder, never literal")
    token_file: Optional[str] = Field(None, description="file holding the API token (relative to this file)")
    enabled: bool = True
    profile: Literal["plain", "sdi"] = Field("plain", description="plain CKAN + extras, or the SDI scheming schema")
    filters: TargetFilters = TargetFilters()
    organisations: TargetOrganisations = TargetOrganisations()
    naming: NamingConfig = NamingConfig()
    rate_limit: Optional[float] = Field(None, gt=0, description="requests per second")
    concurrency: int = Field(2, ge=1, le=16)
    deletion: TargetDeletion = TargetDeletion()
    conflict: ConflictConfig = ConflictConfig()
    http: HttpOverrides = HttpOverrides()

    # Resolved by harvester.settings.load_settings (None on a model built by hand).
    _file: Optional[Path] = PrivateAttr(None)
    _http_policy: Optional[HttpPolicy] = PrivateAttr(None)
    _disabled_reason: Optional[str] = PrivateAttr(None)

    @property
    def file(self) -> Optional[Path]:
        return self._file

    @property
    def http_policy(self) -> Optional[HttpPolicy]:
        """Effective HttpPolicy: daemon ``http`` < this target's ``http``; ``rate_limit`` folded in."""
        return self._http_policy

    @property
    def disabled_reason(self) -> Optional[str]:
        """Why ``enabled`` is False ('CKAN_CITY_URL is not set', 'enabled: false'), else None."""
        return self._disabled_reason

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^/?#\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @field_validator("filters")
    @classmethod
    def _access(cls, filters: TargetFilters, info: ValidationInfo) -> TargetFilters:
        if "TERTUTUP" in filters.access and info.data.get("level") not in ("city", None):
            raise ValueError("access: TERTUTUP data never leaves the city; only a level city target may list it")
        return filters
