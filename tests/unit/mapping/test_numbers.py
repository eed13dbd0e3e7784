"""parse_number and region_code."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from harvester.mapping.numbers import FloatCoercedCode, parse_number, region_code


@pytest.mark.parametrize("text, expected", [
    ("1.234.567,89", 1234567.89), ("1,234,567.89", 1234567.89), ("12,5%", 12.5), ("100%", 100),
    ("Rp 1.500", 1500), ("8951.96", 8951.96), ("0,5", 0.5), ("2,500", 2500), ("-3", -3), (" 1 000 ", 1000),
    ("43008.0", 43008.0), (7, 7), (2.5, 2.5),
])
def test_parse_number(text, expected):
    result = parse_number(text)
    assert result == expected and type(result) is type(expected)


def test_explicit_decimal_mark():
    assert parse_number("1.234", decimal=".") == 1.234
    assert parse_number("1,234", decimal=",") == 1.234


@pytest.mark.parametrize("text", ["abc", "", "1.2.3,4,5", ",", "1e5", "12 apples", True])
def test_not_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)


@given(st.text(max_size=40))
def test_parse_number_never_crashes(text):
    try:
        assert isinstance(parse_number(text), (int, float))
    except ValueError:
        pass


@pytest.mark.parametrize("value, kemendagri, bps", [
    ("3572", "35.72", "3572"), ("35.72", "35.72", "3572"), (3572, "35.72", "3572"),
    ("35.72.01.1001", "35.72.01.1001", "3572011001"), ("35", "35", "35"), ("3201.0", "32.01", "3201"),
])
def test_region_code(value, kemendagri, bps):
    assert region_code(value, to="kemendagri") == kemendagri
    assert region_code(value, to="bps") == bps


@pytest.mark.parametrize("value", ["35.1", 35.1, 35.72])
def test_float_coerced_codes_are_rejected(value):
    with pytest.raises(FloatCoercedCode):
        region_code(value)


@pytest.mark.parametrize("value", ["00", "35.72.1", "abc", "123", True, "3201190"])
def test_not_region_codes(value):
    with pytest.raises(ValueError):
        region_code(value)


_kemendagri = st.builds(
    lambda parts: ".".join(parts),
    st.lists(st.integers(1, 99), min_size=1, max_size=3).map(lambda xs: [f"{x:02d}" for x in xs])
    | st.tuples(st.integers(11, 96), st.integers(1, 99), st.integers(1, 99), st.integers(1, 9999)).map(
        lambda t: [f"{t[0]:02d}", f"{t[1]:02d}", f"{t[2]:02d}", f"{t[3]:04d}"]),
)


@given(_kemendagri)
def test_region_codes_round_trip(code):
    assert region_code(region_code(code, to="bps"), to="kemendagri") == code
    assert region_code(code) == code
