"""Portal dataset names (CKAN ``name``: 2-100 characters of ``a-z 0-9 - _``) from a naming pattern.

The pattern comes from the target's ``naming.pattern`` (placeholders listed in
``harvester.config_targets.NAMING_PLACEHOLDERS``, e.g. ``{slug}-{kode_pemda}``). Names are made
once: the push planner stores the name a dataset was created or adopted under and reuses it
forever, so a later title change never renames a published dataset (links keep working).

When the preferred name is taken by someone else's dataset, ``candidates`` yields alternatives:
``name-2`` ... ``name-9`` and finally ``name-<hash8>``, all within ``max_length``.
Pure functions; no I/O.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from typing import Iterator, Optional

_BAD = re.compile(r"[^a-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")
MIN_LENGTH = 2


def slugify(text: Optional[str]) -> str:
    """ASCII lower-case slug: accents folded, other characters become '-', no leading/trailing '-'."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    return _DASHES.sub("-", _BAD.sub("-", folded)).strip("-_")


def hash8(uri: Optional[str]) -> str:
    """First 8 hex digits of the SHA-256 of the dataset's stable URI (the ``{hash8}`` placeholder)."""
    return hashlib.sha256((uri or "").encode("utf-8")).hexdigest()[:8]


def _cut(text: str, length: int) -> str:
    """``text`` shortened to ``length`` at a '-' boundary when there is one in the last third."""
    if len(text) <= length:
        return text
    head = text[:length]
    boundary = head.rfind("-")
    if boundary >= length * 2 // 3:
        head = head[:boundary]
    return head.strip("-_")


class NameMaker:
    """Builds names from one target's naming pattern (see the module docstring)."""

    def __init__(self, pattern: str, max_length: int = 100, *, kode_pemda: Optional[str] = None) -> None:
        """Raises ValueError for a pattern with unknown placeholders (the config model checks it first)."""
        self.pattern = pattern
        self.max_length = max(MIN_LENGTH + 9, min(max_length, 100))
        self.kode_pemda = (kode_pemda or "").replace(".", "")
        self._fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name}

    def preferred(self, *, title: Optional[str], uri: Optional[str], source_id: str, remote_id: str,
                  opd: Optional[str] = None) -> str:
        """The name the pattern gives this dataset, trimmed to ``max_length``.

        Only ``{slug}`` is shortened when the name is too long (the other parts carry meaning);
        if that is not enough the name is cut and ends with the dataset's hash8 so it stays unique.
        """
        values = {
            "slug": slugify(title) or slugify(remote_id) or "dataset",
            "kode_pemda": self.kode_pemda,
            "source": slugify(source_id),
            "remote_id": slugify(remote_id) or hash8(remote_id),
            "opd": slugify(opd),
            "hash8": hash8(uri),
        }
        name = self._render(values)
        if len(name) > self.max_length and "slug" in self._fields:
            rest = len(self._render({**values, "slug": ""}))
            values["slug"] = _cut(values["slug"], max(MIN_LENGTH, self.max_length - rest))
            name = self._render(values)
        if len(name) > self.max_length:
            name = _cut(name, self.max_length - 9) + "-" + hash8(uri or remote_id)
        if len(name) < MIN_LENGTH:
            name = f"dataset-{hash8(uri or remote_id)}"
        return name

    def candidates(self, preferred: str, uri: Optional[str]) -> Iterator[str]:
        """``preferred``, then ``preferred-2`` ... ``-9``, then ``preferred-<hash8>`` (all ≤ max_length)."""
        yield preferred
        for n in range(2, 10):
            yield self._suffixed(preferred, str(n))
        yield self._suffixed(preferred, hash8(uri or preferred))

    def _suffixed(self, name: str, suffix: str) -> str:
        return _cut(name, self.max_length - len(suffix) - 1) + "-" + suffix

    def _render(self, values: dict[str, str]) -> str:
        text = self.pattern.format(**values).lower()
        return _DASHES.sub("-", _BAD.sub("-", text)).strip("-_")
