"""Field model and text analysis of the Solr stand-in (TEST ONLY).

Duties: say, for any field name CKAN indexes, which kind of field it is in CKAN 2.12's Solr
schema (``string``, ``text``, ``ngram``, ``date``, ``int``), whether it is stored (returned by
``fl``) and multi-valued, which fields are copied into the catch-all ``text`` and ``urls`` fields,
and how values are turned into comparable terms (tokens for text fields, parsed datetimes for
dates, numbers for ints).

The model follows the facts of ``ckan/config/solr/schema.xml`` (CKAN 2.12) but the analysis is a
simplification: text is lower-cased, ASCII-folded and split on every non-alphanumeric character;
there is no stemming and no synonyms.

Failure behaviour: pure functions; ``parse_date`` raises ``ValueError`` on input it cannot read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Iterable

STRING_FIELDS = {
    "index_id", "id", "site_id", "entity_type", "dataset_type", "state", "name", "revision_id",
    "version", "url", "ckan_url", "download_url", "license", "license_id", "tags", "groups",
    "organization", "capacity", "permission_labels", "res_format", "res_url", "res_type",
    "title_string", "data_dict", "validated_data_dict", "_version_",
}
TEXT_FIELDS = {
    "title", "notes", "author", "author_email", "maintainer", "maintainer_email", "res_name",
    "res_description", "text", "urls", "depends_on", "dependency_of", "derives_from",
    "has_derivation", "links_to", "linked_from", "child_of", "parent_of",
}
NGRAM_FIELDS = {"title_ngram", "name_ngram"}
DATE_FIELDS = {"metadata_created", "metadata_modified", "indexed_ts"}
INT_FIELDS = {"views_total", "views_recent", "resources_accessed_total", "resources_accessed_recent"}
NOT_STORED = {
    "permission_labels", "text", "urls", "depends_on", "dependency_of", "derives_from",
    "has_derivation", "links_to", "linked_from", "child_of", "parent_of", "views_total",
    "views_recent", "resources_accessed_total", "resources_accessed_recent", "title_string",
}
MULTI_VALUED = {
    "tags", "groups", "permission_labels", "res_name", "res_description", "res_format", "res_url",
    "res_type", "text", "urls", "depends_on", "dependency_of", "derives_from", "has_derivation",
    "links_to", "linked_from", "child_of", "parent_of",
}
EXPLICIT_FIELDS = STRING_FIELDS | TEXT_FIELDS | NGRAM_FIELDS | DATE_FIELDS | INT_FIELDS

# copyField rules of the CKAN schema: destination -> sources ("prefix*" = dynamic prefix)
COPY_TO_URLS = ("url", "ckan_url", "download_url", "res_url")
COPY_TO_TEXT = (
    "extras_*", "res_extras_*", "vocab_*", "urls", "name", "title", "text", "license", "notes",
    "tags", "groups", "organization", "res_name", "res_description", "maintainer", "author",
)

_SPLIT_RE = re.compile(r"[^0-9a-z]+")
_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def field_kind(field: str) -> str:
    """Return ``string``, ``text``, ``ngram``, ``date`` or ``int`` for a field name."""
    if field in STRING_FIELDS:
        return "string"
    if field in TEXT_FIELDS:
        return "text"
    if field in NGRAM_FIELDS:
        return "ngram"
    if field in DATE_FIELDS or field.endswith("_date"):
        return "date"
    if field in INT_FIELDS:
        return "int"
    if field.startswith(("extras_", "res_extras_")):
        return "text"
    return "string"  # vocab_* and the catch-all dynamic field "*" are strings


def is_stored(field: str) -> bool:
    """True when Solr would return the field through ``fl``."""
    if field in NOT_STORED:
        return False
    if field in EXPLICIT_FIELDS:
        return True
    return field.startswith(("extras_", "res_extras_", "vocab_")) or field.endswith("_date")


def is_multi_valued(field: str) -> bool:
    """True for fields the CKAN schema declares multiValued."""
    return field in MULTI_VALUED or field.startswith(("res_extras_", "vocab_"))


def fold(text: str) -> str:
    """Lower-case and strip accents (LowerCaseFilter + ASCIIFoldingFilter)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Split a text value into lower-case ASCII tokens."""
    return [tok for tok in _SPLIT_RE.split(fold(text)) if tok]


def as_list(value: Any) -> list[Any]:
    """A stored value as a list of scalar values (``None`` gives an empty list)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v is not None]
    return [value]


def to_text(value: Any) -> str:
    """Render a scalar as Solr would index it (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_date(text: str) -> dt.datetime:
    """Parse an ISO 8601 date/datetime into an aware UTC datetime (raises ``ValueError``)."""
    match = _DATE_RE.match(text.strip())
    if not match:
        raise ValueError(f"Invalid Date String:'{text}'")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                        int(second or 0), micro, tzinfo=dt.timezone.utc)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value -= sign * offset
    return value


def index_values(field: str, values: Iterable[Any]) -> list[Any]:
    """Turn stored values into the comparable terms used by the query evaluator.

    text fields give one token list per value; ngram fields a folded string; date fields give datetimes (unparseable
    values are dropped); int fields give numbers; string fields give strings.
    """
    kind = field_kind(field)
    out: list[Any] = []
    for value in values:
        if kind == "text":
            out.append(tokenize(to_text(value)))
        elif kind == "ngram":
            out.append(fold(to_text(value)))
        elif kind == "date":
            try:
                out.append(parse_date(to_text(value)))
            except ValueError:
                continue
        elif kind == "int":
            try:
                out.append(float(value))
            except (TypeError, ValueError):
                continue
        else:
            out.append(to_text(value))
    return out


def build_index(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """Build the searchable view of a document, including the copyField targets."""
    raw: dict[str, list[Any]] = {k: as_list(v) for k, v in doc.items()}
    urls = list(raw.get("urls", []))
    for source in COPY_TO_URLS:
        urls.extend(raw.get(source, []))
    raw["urls"] = urls
    text = list(raw.get("text", []))
    for source in COPY_TO_TEXT:
        if source.endswith("*"):
            prefix = source[:-1]
            for key, values in raw.items():
                if key.startswith(prefix):
                    text.extend(values)
        elif source != "text":
            text.extend(raw.get(source, []))
    raw["text"] = text
    raw["title_ngram"] = list(raw.get("title", []))
    raw["name_ngram"] = list(raw.get("name", []))
    return {field: index_values(field, values) for field, values in raw.items()}
