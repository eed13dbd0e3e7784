"""The named transforms: behaviour, parameters and failure reporting."""

from __future__ import annotations

import pytest

from harvester import registry
from harvester.errors import ConfigError
from harvester.mapping.steps import apply_steps, bind_steps
from harvester.mapping.transforms import compile_steps

from tests.unit.mapping.support import codelists


def run(steps, values, cl=None):
    return apply_steps(list(values), compile_steps(steps, cl))


@pytest.mark.parametrize("steps, values, expected", [
    (["strip"], ["  a "], ["a"]),
    (["normalize_space"], [" a  b\n c "], ["a b c"]),
    (["lower"], ["AbC"], ["abc"]),
    (["upper"], ["abc"], ["ABC"]),
    (["title_case"], ["kota blitar"], ["Kota Blitar"]),
    ([{"split": ","}], ["a, b,,c "], ["a", "b", "c"]),
    ([{"split": ";"}, "unique"], ["a;b;a"], ["a", "b"]),
    ([{"join": "; "}], ["a", "b"], ["a; b"]),
    ([{"regex_extract": r"(\d{4})"}], ["Tahun 2019", "none"], ["2019"]),
    ([{"regex_extract": {"pattern": r"\d+", "group": 0}}], ["ab12cd"], ["12"]),
    ([{"regex_replace": {"pattern": r"^(\w+)-(\w+)$", "replace": r"\2 \1"}}], ["a-b"], ["b a"]),
    ([{"replace": {"old": "_", "new": " "}}], ["a_b"], ["a b"]),
    ([{"remove_prefix": "mailto:"}], ["MAILTO:x@y.id", "x@y.id"], ["x@y.id", "x@y.id"]),
    ([{"format": "https://x.id/wilayah/{value}"}], ["35.72"], ["https://x.id/wilayah/35.72"]),
    (["parse_date"], ["23 Sept 2024"], ["2024-09-23"]),
    (["parse_number"], ["1.234,5"], [1234.5]),
    ([{"region_code": "bps"}], ["35.72"], ["3572"]),
    (["first"], ["a", "b"], ["a"]),
    ([{"default_if_empty": "x"}], [], ["x"]),
    ([{"default_if_empty": "x"}], ["y"], ["y"]),
    (["to_bool"], ["Ya", "tidak", "TRUE", "0"], [True, False, True, False]),
    (["strip_html"], ["<p>A &amp; B</p><p>C<br/>D</p>"], ["A & B\nC\nD"]),
    (["json_parse"], ['["en", "id"]', "plain text"], ["en", "id", "plain text"]),
    ([{"json_parse": "[*].name"}], ['[{"name": "A"}, {"name": "B"}]'], ["A", "B"]),
    ([{"interval": "start"}], ["2010/2015", "2019", "../2020"], ["2010", "2019"]),
    ([{"interval": "end"}], ["2010/..", "2010/2015"], ["2015"]),
    ([{"map_label": {"values": {"Tahunan": "TAHUNAN"}}}], ["tahunan", "other"], ["TAHUNAN", "other"]),
])
def test_transform(steps, values, expected):
    out, failures = run(steps, values)
    assert out == expected and failures == []


def test_failures_drop_the_value_and_say_why():
    out, failures = run(["parse_date"], ["2024-01-01", "00:00.0"])
    assert out == ["2024-01-01"]
    assert failures == [("parse_date", "00:00.0", "not a recognised date format")]


def test_region_code_rejects_float_coerced():
    out, failures = run(["region_code"], ["35.1"])
    assert out == [] and "float-coerced" in failures[0][2]


def test_region_code_with_wilayah_translates_numbers_and_names():
    cl = codelists()
    out, failures = run([{"region_code": {"codelist": "wilayah"}}], ["1674", "Kota Blitar", "35.72"], cl)
    assert out == ["16.73", "35.72", "35.72"]  # BPS 1674 = Kemendagri 16.73 (Lubuklinggau)
    out, failures = run([{"region_code": {"to": "bps", "codelist": "wilayah"}}], ["16.73"], cl)
    assert out == ["1674"]
    out, failures = run([{"region_code": {"codelist": "wilayah"}}], ["99.99"], cl)
    assert out == [] and "not a region" in failures[0][2]


def test_map_label_never_maps_numbers():
    cl = codelists()
    out, _ = run([{"map_label": "frekuensi"}], ["Tahunan", "7"], cl)
    assert out == ["TAHUNAN", "7"]  # '7' is a paper-form number: numbering differs between sources


def test_to_bool_reports_unknown_words():
    out, failures = run(["to_bool"], ["mungkin"])
    assert out == [] and failures[0][0] == "to_bool"


def test_json_parse_reports_broken_json():
    out, failures = run(["json_parse"], ["[1, 2"])
    assert out == [] and "not valid JSON" in failures[0][2]


@pytest.mark.parametrize("step, message", [
    ("nope", "unknown transform 'nope'"),
    ({"split": {"x": 1}}, "unknown parameter(s) x"),
    ({"interval": "middle"}, "must be one of 'start', 'end'"),
    ({"regex_extract": "("}, "bad regular expression"),
    ({"parse_date": "yes"}, "must be bool"),
    ("interval", "parameter 'part' is required"),
    ({"strip": 1}, "takes no parameters"),
    ({"map_label": {"codelist": "x", "values": {}}}, "exactly one of"),
    ({"a": 1, "b": 2}, "one-key mapping"),
])
def test_bad_parameters(step, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_steps([step])


def test_unknown_code_list_in_map_label():
    with pytest.raises(ConfigError, match="unknown code list 'nosuch'"):
        compile_steps([{"map_label": "nosuch"}], codelists())


def test_transforms_are_registered():
    for name in ("strip", "parse_date", "region_code", "map_label", "json_parse", "interval"):
        assert name in registry.transforms.names()


def _closure(fn):
    return dict(zip(fn.__code__.co_freevars, (cell.cell_contents for cell in fn.__closure__)))


def test_memoised_chain_gives_the_same_values_and_failures_every_time():
    chain = bind_steps(compile_steps(["parse_date", {"regex_extract": "^(\\d{4})"}]))
    assert chain(["23/09/2024"]) == chain(["23/09/2024"]) == (["2024"], ())
    bad = chain(["not a date"])
    assert bad[0] == [] and bad[1][0][:2] == ("parse_date", "not a date")
    assert chain(["not a date"]) == bad  # a cached failure is reported again
    out = chain(["2019"])[0]
    out.append("changed")
    assert chain(["2019"])[0] == ["2019"]  # every call gets its own list
    values, failures = chain(["2019", "bad"])  # several values: the chain runs as written
    assert values == ["2019"] and [f[:2] for f in failures] == [("parse_date", "bad")]


def test_chain_cache_switches_itself_off_when_values_never_repeat():
    chain = bind_steps(compile_steps([{"regex_extract": "^(https?://.*)$"}]))
    assert _closure(chain)["enabled"] is True
    for i in range(3000):
        assert chain([f"https://x.id/{i}"]) == ([f"https://x.id/{i}"], ())
    assert _closure(chain)["enabled"] is False
    assert chain(["ftp://x.id"]) == ([], ())


def test_chains_with_long_text_transforms_are_not_memoised():
    assert "single" not in _closure(bind_steps(compile_steps(["strip_html"])))
    assert "single" in _closure(bind_steps(compile_steps(["strip", "lower"])))
