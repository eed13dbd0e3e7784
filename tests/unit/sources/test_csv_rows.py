"""``tables.csv_rows`` reads delimited text exactly as Python's csv module reads the same text from
a file opened with ``newline=""``: line endings, quoted newlines, Unicode line separators, BOM,
delimiters, errors and row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import random
import re

import pytest

from harvester.sources.tables import TableError, csv_rows, decode_text


def reference(text: str, delimiter: str) -> tuple[list[list[str]], str | None, int]:
    """Rows csv.reader gives over ``io.StringIO(text, newline="")``, its error (if any) and line_num."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        return rows, str(exc), reader.line_num
    return rows, None, reader.line_num


def ours(text: str, delimiter: str) -> tuple[list[list[str]], str | None, list[int]]:
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for number, row in csv_rows(text, delimiter):
            numbers.append(number)
            rows.append(row)
    except TableError as exc:
        return rows, str(exc), numbers
    return rows, None, numbers


def assert_same(text: str, delimiter: str) -> list[list[str]]:
    want, want_error, line_num = reference(text, delimiter)
    got, got_error, numbers = ours(text, delimiter)
    assert got == want, repr(text)
    assert numbers == list(range(1, len(got) + 1))
    assert (got_error is None) == (want_error is None), (got_error, want_error)
    if want_error is not None:
        assert got_error is not None and want_error in got_error
        assert f"near line {line_num}:" in got_error
    return got


CASES: dict[str, tuple[str, str]] = {
    "lone CR": ("kode,nama\r3201,Bogor\r3202,Sukabumi\r", ","),
    "lone CR, no final terminator": ("kode,nama\r3201,Bogor", ","),
    "CRLF": ("kode,nama\r\n3201,Bogor\r\n3202,Sukabumi\r\n", ","),
    "LF": ("kode,nama\n3201,Bogor\n", ","),
    "mixed endings": ("a,b\r\nc,d\re,f\ng,h\r\n\ri,j", ","),
    "blank lines": ("a,b\n\n\r\n\rc,d\n", ","),
    "only terminators": ("\r\n\n\r", ","),
    "empty text": ("", ","),
    "single field no terminator": ("x", ","),
    "quoted LF": ('id,desc\n1,"baris satu\nbaris dua"\n2,x\n', ","),
    "quoted CRLF": ('id,desc\r\n1,"baris satu\r\nbaris dua"\r\n2,x\r\n', ","),
    "quoted lone CR": ('id,desc\r1,"baris satu\rbaris dua"\r2,x\r', ","),
    "quoted blank line": ('id,desc\n1,"a\n\nb"\n', ","),
    "quoted terminators only": ('"\r\n\r\n"\n', ","),
    "U+2028 in a quoted field": ('id,desc\n1,"kiri\u2028kanan"\n', ","),
    "U+2028 and U+2029 unquoted": ("id,desc\n1,kiri\u2028kanan\u2029akhir\n2,x\n", ","),
    "other splitlines separators": ("a\x0bb,c\x0cd\n\x1ce,f\x1d\x1e\x85g\n", ","),
    "BOM kept as text": ("\ufeffkode,nama\n3201,Bogor\n", ","),
    "BOM before a quoted header": ('\ufeff"kode","nama"\n1,2\n', ","),
    "semicolon": ('kode;nama;luas\n3201;"Bogor; Kab.";2.986,20\n3202;Sukabumi;4.145,70\n', ";"),
    "semicolon with CR": ("kode;nama\r3201;Bogor\r", ";"),
    "tab": ('kode\tnama\tcatatan\n3201\tBogor\t"dua\tkolom"\n3202\t\t\n', "\t"),
    "tab with quoted newline and CRLF": ('a\tb\r\n1\t"x\r\ny"\r\n', "\t"),
    "pipe": ("a|b\n1|2\n", "|"),
    "doubled quotes": ('a,"say ""halo""",c\n', ","),
    "quote inside an unquoted field": ('a,b"c,d\n', ","),
    "text after closing quote": ('a,"b"c,d\n', ","),
    "unterminated quote at end": ('a,b\n1,"tidak selesai\n', ","),
    "unterminated quote, no newline": ('a,"x', ","),
    "spaces around fields": (" a , b \n c,d ", ","),
    "ragged rows": ("a,b,c\n1\n1,2,3,4\n", ","),
    "NUL byte": ("a,b\x00c\n", ","),
    "delimiter at ends": (",a,\n,,\n", ","),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rows_match_the_csv_module(name: str) -> None:
    text, delimiter = CASES[name]
    assert_same(text, delimiter)


def test_spot_checks_of_what_matching_means() -> None:
    """The comparison above is against the right thing: a few outcomes stated outright."""
    assert assert_same("a,b\rc,d\r", ",") == [["a", "b"], ["c", "d"]]
    assert assert_same('1,"x\ry"\r2,z', ",") == [["1", "x\ry"], ["2", "z"]]
    assert assert_same("1,kiri\u2028kanan\n", ",") == [["1", "kiri\u2028kanan"]]  # not a line break for CSV
    assert assert_same("1;2\t3\n", ";") == [["1", "2\t3"]]
    assert assert_same("\ufeffa,b\n", ",")[0][0] == "\ufeffa"


def test_plain_stringio_agrees_whenever_it_can_read_the_text() -> None:
    """``csv.reader(io.StringIO(text))`` (translating nothing) fails on lone CRs outside quotes; where it
    reads the text at all, it gives the same rows as csv_rows."""
    compared = 0
    for name, (text, delimiter) in CASES.items():
        try:
            plain = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:
            assert "\r" in text, name  # only lone CRs make the plain reading fail
            continue
        compared += 1
        assert [row for _, row in csv_rows(text, delimiter)] == plain, name
    assert compared >= 20


def test_csv_errors_become_table_errors_naming_the_line() -> None:
    # A quoted field longer than the csv module's field limit is an error the module raises itself.
    limit = csv.field_size_limit()
    csv.field_size_limit(50)
    try:
        text = "a,b\n1,2\n3," + "x" * 60 + "\n"
        rows, error, _ = ours(text, ",")
        assert rows == [["a", "b"], ["1", "2"]]
        assert error is not None and "near line 3" in error and "field larger than field limit" in error
        assert_same(text, ",")
    finally:
        csv.field_size_limit(limit)


def test_bom_bytes_are_dropped_by_decoding_before_rows() -> None:
    """The spreadsheet path decodes first: a UTF-8 / UTF-16 BOM never reaches the first header."""
    for data in (codecs.BOM_UTF8 + "kode;nama\r3201;Bogor\r".encode(), "kode;nama\r3201;Bogor\r".encode("utf-16")):
        text, _ = decode_text(data)
        assert [row for _, row in csv_rows(text, ";")] == [["kode", "nama"], ["3201", "Bogor"]]


_FIELD_ALPHABET = ["a", "Z", "9", " ", ",", ";", "\t", '"', "\r", "\n", "\r\n", "\u2028", "\x85", "\x0c", "é", "\ufeff"]


def _random_table(rng: random.Random, delimiter: str, count: int) -> tuple[str, list[list[str]]]:
    """A table of random cells, each row ended by a random terminator, and the rows it holds.

    Written by hand: csv.writer decides quoting from its own lineterminator only, so a cell holding
    a lone CR would go out unquoted under a LF terminator and no longer be one cell.
    """
    rows = [["".join(rng.choice(_FIELD_ALPHABET) for _ in range(rng.randint(0, 8)))
             for _ in range(rng.randint(1, 6))] for _ in range(count)]
    specials = (delimiter, '"', "\r", "\n")
    parts = []
    for row in rows:
        cells = []
        for cell in row:
            must = any(ch in cell for ch in specials) or row == [""]
            if must or rng.random() < 0.2:
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        parts.append(delimiter.join(cells) + rng.choice(["\n", "\r\n", "\r"]))
    return "".join(parts), rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_random_tables_with_mixed_endings_round_trip(delimiter: str) -> None:
    rng = random.Random(f"csv-{delimiter}")
    text, written = _random_table(rng, delimiter, 3000)
    assert len(text) > 64 * 1024 and re.search(r"[^\n]\r[^\n]", text)  # big, with lone CRs inside
    assert assert_same(text, delimiter) == written


def test_random_unquoted_lines_with_every_ending() -> None:
    rng = random.Random(7)
    lines = []
    for _ in range(5000):
        cells = ["".join(rng.choice("abc \u2028\x85") for _ in range(rng.randint(0, 4))) for _ in range(3)]
        lines.append(",".join(cells) + rng.choice(["\n", "\r\n", "\r", "\n\n", "\r\r\n"]))
    assert_same("".join(lines), ",")
