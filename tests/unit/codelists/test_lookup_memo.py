"""The memo behind ``CodeList.lookup``: same answers as the uncached lookup, bounded, only short strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.mapping import codelists as module
from harvester.mapping.codelists import CodeList, CodeLists

BODY = """\
name: warna
title: Test
origin: unit test
codes:
  - code: MERAH
    label: Merah
    aliases: [red, "http://example.org/warna/merah"]
  - code: BIRU
    label: Biru
"""


@pytest.fixture()
def warna(tmp_path: Path) -> CodeList:
    path = tmp_path / "warna.yaml"
    path.write_text(BODY, encoding="utf-8")
    return CodeList(path)


VALUES = ["MERAH", "merah", " Red ", "RED!", "https://www.example.org/warna/merah/", "Biru", "biru", "hijau", "",
          "   ", "-", "x" * 250, "x" * 1001]


def test_memo_answers_like_the_uncached_lookup(warna: CodeList) -> None:
    expected = [warna._lookup(v) for v in VALUES]
    first = [warna.lookup(v) for v in VALUES]
    again = [warna.lookup(v) for v in VALUES]  # now from the memo
    assert first == expected and again == expected
    assert all(a is b for a, b in zip(first, again))  # the very Code entries, not copies
    assert [c.code if c else None for c in again[:7]] == ["MERAH"] * 5 + ["BIRU"] * 2


def test_only_short_strings_are_remembered(warna: CodeList) -> None:
    for value in VALUES:
        warna.lookup(value)
    assert "hijau" in warna._memo and warna._memo["hijau"] is None  # "no such code" is remembered too
    assert "x" * 250 not in warna._memo and "x" * 1001 not in warna._memo
    assert all(len(key) <= module.MEMO_MAX_LEN for key in warna._memo)


def test_non_strings_bypass_the_memo_and_never_raise(warna: CodeList) -> None:
    odd = (None, True, 7, 3.5, ["MERAH"], {"a": 1}, b"MERAH")
    assert [warna.lookup(v) for v in odd] == [warna._lookup(v) for v in odd]
    assert warna.lookup(["MERAH"]).code == "MERAH"  # str(value) is looked up, as before the memo
    assert warna._memo == {}  # 1 == 1.0 == True: such keys would mix answers up


def test_memo_is_bounded(warna: CodeList, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "LOOKUP_MEMO_SIZE", 5)
    for i in range(23):
        warna.lookup(f"value {i}")
        assert len(warna._memo) <= 5
    assert warna.lookup("merah").code == "MERAH"  # still right after being emptied


def test_real_lists_answer_the_same_from_memo() -> None:
    lisensi = CodeLists.load()["lisensi"]
    iri = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    assert lisensi.lookup(iri) is lisensi.lookup(iri) is lisensi._lookup(iri)
    assert lisensi.lookup(iri) is not None
