"""Shared plumbing of the SDI rule modules: the policy, the per-dataset rule context, blank-value tests.

Every rule is a function ``rule(ctx: RuleContext) -> None`` that reports through ``ctx.report``. Rules
never raise on odd data (wrong types, garbage strings): they report it or ignore it.

Speed: the rules (and the quality checks) ask ``is_blank`` about the same values over and over (one
licence IRI on every distribution of every record), so the answer for a short string is remembered in a
bounded LRU cache (``BLANK_MEMO_SIZE`` entries, strings of at most 200 characters). ``str_memo`` is
that cache, for any pure function of one string; rule modules use it too. A string that plainly cannot
normalise to a placeholder (it has a digit, a long word or many words: titles, URLs, descriptions) is
answered without normalising it (``_WORDY``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, wraps
from typing import Any, TypeVar

from harvester.mapping.codelists import CodeLists, normalize_key
from harvester.model.dataset import Dataset
from harvester.model.issues import Issue, Severity, Stage

_F = TypeVar("_F", bound=Callable[..., Any])


def str_memo(maxsize: int, max_len: int = 200) -> Callable[[_F], _F]:
    """Decorator for a pure function of one string: answers for plain ``str`` arguments of at most
    ``max_len`` characters come from an LRU cache of ``maxsize`` entries; any other argument (long,
    not a string) goes straight to the function, so odd input fails exactly as it would uncached.
    ``wrapper.cache`` is the ``lru_cache`` (``cache_info()``, ``cache_clear()``)."""

    def decorate(func: _F) -> _F:
        cached = lru_cache(maxsize=maxsize)(func)

        @wraps(func)
        def wrapper(value: Any) -> Any:
            if type(value) is str and len(value) <= max_len:
                return cached(value)
            return func(value)

        wrapper.cache = cached  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


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
        if not self.rules_off:  # the usual case: answer without building 'SDI-Vnn'
            return False
        return rule in self.rules_off or f"SDI-{rule}" in self.rules_off


#: Values that mean "nothing here" although they contain letters (normalised form).
_PLACEHOLDERS = frozenset({"null", "none", "nan", "n a", "na", "undefined", "kosong", "belum diisi", "tbd"})
_ALNUM = re.compile(r"\w", re.UNICODE)
if not all(re.fullmatch(r"[a-z]+(?: [a-z]+)*", p) for p in _PLACEHOLDERS):
    raise RuntimeError("placeholders must be lower-case words (the is_blank shortcut relies on it)")
_LONGEST_WORD = max(len(w) for p in _PLACEHOLDERS for w in p.split())
_MOST_WORDS = max(len(p.split()) for p in _PLACEHOLDERS)
#: Finds, in an ASCII string without '<' / '>', proof that it cannot normalise to a placeholder: a digit,
#: a word longer than any placeholder word, or more words than a placeholder has plus the two
#: ('http', 'www') an IRI head may lose. ASCII normalisation keeps letter and digit runs as the words.
_WORDY = re.compile(rf"[0-9]|[A-Za-z]{{{_LONGEST_WORD + 1}}}"
                    rf"|(?:[A-Za-z]+[^A-Za-z0-9]+){{{_MOST_WORDS + 2}}}[A-Za-z]")
# Enum members as plain constants: reading Severity.ERROR off the class is slow on Python 3.11.
_ERROR, _WARNING, _VALIDATE = Severity.ERROR, Severity.WARNING, Stage.VALIDATE
#: Entries of the ``is_blank`` LRU cache.
BLANK_MEMO_SIZE = 8192


@str_memo(BLANK_MEMO_SIZE)
def is_blank(value: Any) -> bool:
    """True for None, empty/whitespace, punctuation-only ('-', '...') and placeholders ('null', 'N/A')."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value.isascii() and "<" not in value and ">" not in value and _WORDY.search(value):
        return False  # a title, URL, description ...: skip normalising it
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
        # Positional, in Issue's field order (severity, code, message, field, stage, remote_id, location,
        # hint_id, hint_en): a record gets about ten issues and keywords make each a third slower.
        self.issues.append(Issue(severity, f"SDI-{self.rule}", message, field_name, _VALIDATE,
                                 self.dataset.identifier or None, location, hint_id, hint_en))

    def error(self, field_name: str, message: str, hint_id: str, hint_en: str, *,
              location: str | None = None) -> None:
        self.report(_ERROR, field_name, message, hint_id, hint_en, location=location)

    def warn(self, field_name: str, message: str, hint_id: str, hint_en: str, *,
             location: str | None = None) -> None:
        self.report(_WARNING, field_name, message, hint_id, hint_en, location=location)

    def pemda(self) -> str | None:
        """The pemda the dataset belongs to: its own kode_pemda when that is a known region code, else the
        configured one (a broken kode_pemda is reported by V06/V17 and must not distort other rules)."""
        own = self.dataset.kode_pemda
        if isinstance(own, str) and own in self.codelists["wilayah"]:
            return own
        return self.policy.kode_pemda


Rule = Callable[[RuleContext], None]
