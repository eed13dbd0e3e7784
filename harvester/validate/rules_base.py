"""Shared plumbing of the SDI rule modules: the policy, the per-dataset rule context, blank-value tests.

Every rule is a function ``rule(ctx: RuleContext) -> None`` that reports through ``ctx.report``. Rules
never raise on odd data (wrong types, garbage strings): they report it or ignore it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from harvester.mapping.codelists import CodeLists, normalize_key
from harvester.model.dataset import Dataset
from harvester.model.issues import Issue, Severity, Stage


@dataclass(frozen=True)
class SdiPolicy:
    """What the operator configured for one pemda.

    ``kode_pemda``: Kemendagri code of the pemda ('35.72'); ``walidata``: the pemda's single walidata (name
    or URI) and ``walidata_aliases`` other accepted spellings/URIs; ``organisations``: the registered
    OPD (produsen data) names, ids or URIs - empty means "no register, do not check"; ``today``: the date
    timeliness is judged against; ``overdue_grace_days``: tolerance of rule V13; ``rules_off``: rule
    codes ('V13' or 'SDI-V13') the operator disabled.
    """

    kode_pemda: str | None
    walidata: str | None
    walidata_aliases: tuple[str, ...]
    organisations: tuple[str, ...]
    today: date
    overdue_grace_days: int = 30
    rules_off: frozenset[str] = frozenset()

    def is_off(self, rule: str) -> bool:
        return rule in self.rules_off or f"SDI-{rule}" in self.rules_off


#: Values that mean "nothing here" although they contain letters (normalised form).
_PLACEHOLDERS = frozenset({"null", "none", "nan", "n a", "na", "undefined", "kosong", "belum diisi", "tbd"})
_ALNUM = re.compile(r"\w", re.UNICODE)


def is_blank(value: Any) -> bool:
    """True for None, empty/whitespace, punctuation-only ('-', '...') and placeholders ('null', 'N/A')."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if not _ALNUM.search(value.replace("_", "")):
        return True
    return normalize_key(value) in _PLACEHOLDERS


def shown(value: Any, limit: int = 80) -> str:
    """A value quoted for a message, shortened."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass
class RuleContext:
    """One validation run over one dataset: inputs plus the issues found so far."""

    dataset: Dataset
    policy: SdiPolicy
    codelists: CodeLists
    issues: list[Issue] = field(default_factory=list)
    rule: str = ""  # rule being run ('V01'); set by the runner

    def report(self, severity: Severity, field_name: str, message: str, hint_id: str, hint_en: str,
               *, location: str | None = None) -> None:
        """Add an issue of the current rule."""
        self.issues.append(Issue(
            severity=severity, code=f"SDI-{self.rule}", message=message, field=field_name,
            stage=Stage.VALIDATE, remote_id=self.dataset.identifier or None, location=location,
            hint_id=hint_id, hint_en=hint_en))

    def error(self, field_name: str, message: str, hint_id: str, hint_en: str, **kw: Any) -> None:
        self.report(Severity.ERROR, field_name, message, hint_id, hint_en, **kw)

    def warn(self, field_name: str, message: str, hint_id: str, hint_en: str, **kw: Any) -> None:
        self.report(Severity.WARNING, field_name, message, hint_id, hint_en, **kw)

    def pemda(self) -> str | None:
        """The pemda the dataset belongs to: its own kode_pemda when that is a known region code, else the
        configured one (a broken kode_pemda is reported by V06/V17 and must not distort other rules)."""
        own = self.dataset.kode_pemda
        if isinstance(own, str) and own in self.codelists["wilayah"]:
            return own
        return self.policy.kode_pemda


Rule = Callable[[RuleContext], None]
