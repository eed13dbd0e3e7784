"""The speed-ups of the SDI rules give the answers of the plain definitions: ``str_memo`` caches and the
``is_blank`` shortcut for wordy strings."""

from __future__ import annotations

import random
import re

import pytest

from harvester.mapping.codelists import normalize_key
from harvester.validate import rules_base
from harvester.validate.rules_agents import email_ok, name_key, phone_ok
from harvester.validate.rules_base import BLANK_MEMO_SIZE, is_blank, str_memo
from harvester.validate.rules_time import day_range


def reference_is_blank(value: object) -> bool:
    """``is_blank`` as documented, without cache or shortcut."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if not re.search(r"\w", value.replace("_", "")):
        return True
    return normalize_key(value) in rules_base._PLACEHOLDERS


FRAGMENTS = ["null", "NULL", "n", "a", "na", "N/A", "nan", "none", "undefined", "kosong", "belum", "diisi", "tbd",
             "TBD", "http://", "https://", "www.", "/", "#", "-", "_", ".", " ", "  ", "<", ">", "gt", "lt", "0", "7",
             "abcdefghij", "undefinedx", "é", "ß", "Ñull", "ＮＵＬＬ", "\u00a0", "\t", "Jumlah", "Penduduk"]


def generated(count: int) -> list[str]:
    rng = random.Random(8843)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 7))) for _ in range(count)]


@pytest.mark.parametrize("value", [
    "null", " N/A ", "n.a.", "belum  diisi!", "http://www.null/", "https://null#", "<null>", "undefined", "x", "-",
    "", "Jumlah Penduduk Menurut Kecamatan", "https://data.blitarkota.go.id/a.csv", "a b c d e", "a b c d e f",
    "http://www.na/x/y", "abcdefghi", "abcdefghij", "Ñull", "ＮＵＬＬ", "x" * 300, "-" * 300 + "null", None, 0, 3.5])
def test_is_blank_matches_its_definition(value: object) -> None:
    assert is_blank(value) is reference_is_blank(value)


def test_is_blank_matches_its_definition_on_generated_strings() -> None:
    values = generated(5000)
    assert sum(reference_is_blank(v) for v in values) > 500  # the corpus does contain blanks
    assert [is_blank(v) for v in values] == [reference_is_blank(v) for v in values]
    assert [is_blank(v) for v in values] == [reference_is_blank(v) for v in values]  # answered from the cache


def test_wordy_shortcut_never_claims_a_placeholder() -> None:
    # Every string the shortcut passes as "not blank" must also be not blank by definition.
    for value in generated(5000):
        if value.isascii() and "<" not in value and ">" not in value and rules_base._WORDY.search(value):
            assert not reference_is_blank(value), value


def test_str_memo_caches_short_strings_only() -> None:
    calls: list[object] = []

    @str_memo(4, max_len=5)
    def upper(value: object) -> str:
        calls.append(value)
        return value.upper()  # type: ignore[attr-defined]

    assert [upper("ab"), upper("ab"), upper("abcdef"), upper("abcdef")] == ["AB", "AB", "ABCDEF", "ABCDEF"]
    assert calls == ["ab", "abcdef", "abcdef"]  # the long string is not remembered
    for i in range(10):
        upper(str(i))
    assert upper.cache.cache_info().currsize == 4  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):  # odd input fails as it does uncached (not "unhashable type")
        upper(["ab"])


def test_rule_helpers_are_bounded_and_answer_like_uncached() -> None:
    assert is_blank.cache.cache_info().maxsize == BLANK_MEMO_SIZE  # type: ignore[attr-defined]
    for func in (name_key, email_ok, phone_ok, day_range):
        assert func.cache.cache_info().maxsize is not None  # type: ignore[attr-defined]
    values = ["Diskominfotik Kota Blitar", "statistik@blitarkota.go.id", "+62 342 801144", "2024-02", "2024-13-01"]
    for func in (name_key, email_ok, phone_ok, day_range):
        assert [func(v) for v in values] == [func.__wrapped__(v) for v in values]  # type: ignore[attr-defined]
        assert [func(v) for v in values] == [func.__wrapped__(v) for v in values]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        name_key(["Dinkes"])  # type: ignore[arg-type]
    assert day_range(["2024"]) is None and day_range("2024" + " " * 100) == day_range("2024")
