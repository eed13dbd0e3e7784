"""The CodeLists / CodeList API: loading, errors with file and line, lookup semantics, caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.errors import ConfigError
from harvester.mapping.codelists import Code, CodeLists, default_directory, normalize_key

HEADER = "name: {name}\ntitle: Test\norigin: unit test\n"


def write(directory: Path, name: str, body: str, header: str | None = None) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text((HEADER.format(name=name) if header is None else header) + body, encoding="utf-8")
    return path


def lists(directory: Path) -> CodeLists:
    return CodeLists(directory)  # uncached: tmp dirs are reused by name across tests


def test_default_directory_is_repo_mappings():
    assert default_directory() == Path(__file__).resolve().parents[3] / "mappings" / "codelists"
    assert CodeLists.load() is CodeLists.load(default_directory())


def test_unknown_list_names_the_known_ones(tmp_path):
    write(tmp_path, "warna", "codes:\n  - code: MERAH\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["frekuensi"]
    assert "frekuensi" in str(exc.value) and "warna" in str(exc.value)
    assert lists(tmp_path).names() == ["warna"]


def test_bad_yaml_names_file_and_line(tmp_path):
    write(tmp_path, "rusak", "codes:\n  - code: A\n    label: [unclosed\n  - code: B\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["rusak"]
    assert exc.value.file.endswith("rusak.yaml") and exc.value.line in (6, 7)  # the broken flow list


def test_duplicate_code_names_line_and_code(tmp_path):
    write(tmp_path, "dup", "codes:\n  - code: A\n  - code: B\n  - code: A\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["dup"]
    assert exc.value.line == 7 and exc.value.key == "A" and "dup.yaml" in str(exc.value)


def test_codes_differing_only_in_case_are_duplicates(tmp_path):
    write(tmp_path, "case", "codes:\n  - code: abc\n  - code: ABC\n")
    with pytest.raises(ConfigError, match="only in case"):
        lists(tmp_path)["case"]


def test_alias_pointing_at_two_codes(tmp_path):
    write(tmp_path, "amb", "codes:\n  - code: A\n    aliases: [satu]\n  - code: B\n    aliases: ['SATU ']\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["amb"]
    assert "'SATU '" in str(exc.value) and exc.value.key == "B"


def test_alias_spelled_like_another_code(tmp_path):
    write(tmp_path, "amb2", "codes:\n  - code: A\n  - code: B\n    aliases: [a]\n")
    with pytest.raises(ConfigError, match="also points at code 'A'"):
        lists(tmp_path)["amb2"]


def test_name_mismatch_and_missing_origin(tmp_path):
    write(tmp_path, "satu", "codes:\n  - code: A\n", header="name: dua\norigin: x\n")
    with pytest.raises(ConfigError, match="'name' must be 'satu'"):
        lists(tmp_path)["satu"]
    write(tmp_path, "tiga", "codes:\n  - code: A\n", header="name: tiga\n")
    with pytest.raises(ConfigError, match="origin"):
        lists(tmp_path)["tiga"]


def test_entry_without_code(tmp_path):
    write(tmp_path, "nocode", "codes:\n  - label: Tanpa kode\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["nocode"]
    assert exc.value.line == 5


def test_lists_load_lazily(tmp_path):
    write(tmp_path, "baik", "codes:\n  - code: A\n")
    write(tmp_path, "rusak", "codes: [\n")
    cl = lists(tmp_path)
    assert cl["baik"].get("A").code == "A"  # the broken list does not stop the others
    with pytest.raises(ConfigError):
        cl["rusak"]


def test_csv_table_and_line_numbers(tmp_path):
    write(tmp_path, "tabel", "table: tabel.csv\nkey_attrs: [bps]\ndotless_codes: true\n")
    (tmp_path / "tabel.csv").write_text("code,label,bps,parent,aliases\n35,Jawa Timur,35,,Jatim;East Java\n"
                                        "35.72,Kota Blitar,3572,35,\n35.72,Duplikat,9999,35,\n")
    with pytest.raises(ConfigError) as exc:
        lists(tmp_path)["tabel"]
    assert exc.value.file.endswith("tabel.csv") and exc.value.line == 4


def test_lookup_semantics(tmp_path):
    write(tmp_path, "f", """uri_template: https://w3id.org/satudata/def/f/{code}
codes:
  - code: TAHUNAN
    label: Tahunan
    label_en: Annual
    uri: http://publications.europa.eu/resource/authority/frequency/ANNUAL
    aliases: ["R/P1Y", "7", "> satu"]
    period_days: 365
  - code: DUA_TAHUNAN
    label: Dua Tahunan
  - code: LAIN
    label: Tahunan
""")
    f = lists(tmp_path)["f"]
    tahunan = f.get("TAHUNAN")
    assert tahunan.attrs["period_days"] == 365 and tahunan.attrs["label_en"] == "Annual"
    for value in ["TAHUNAN", "tahunan", " Tahunan ", "ANNUAL", "annual", "r/p1y", "R P1Y", "7", 7,
                  "https://publications.europa.eu/resource/authority/frequency/ANNUAL/", "> satu"]:
        assert f.lookup(value) is tahunan, value
    assert f.lookup("dua-tahunan").code == "DUA_TAHUNAN" and f.lookup("Dua  Tahunan").code == "DUA_TAHUNAN"
    assert f.get("LAIN").uri == "https://w3id.org/satudata/def/f/LAIN"  # minted from the template
    assert f.lookup("https://w3id.org/satudata/def/f/LAIN").code == "LAIN"
    assert f.lookup("satu") is None  # '> satu' keeps its '>' as a word
    # 'Tahunan' is the label of two codes but also a code (case-insensitive) -> the code wins
    assert f.lookup("TAHUNAN ") is tahunan
    for odd in [None, "", "   ", True, 3.5, [], {}, object(), "x" * 5000, "\x00", "☃"]:
        assert f.lookup(odd) is None
    assert "TAHUNAN" in f and "tahunan" not in f and 7 not in f
    assert [c.code for c in f] == ["TAHUNAN", "DUA_TAHUNAN", "LAIN"] and len(f) == 3
    assert f.get("tahunan") is None and f.get(None) is None  # type: ignore[arg-type]


def test_ambiguous_weak_labels_match_nothing(tmp_path):
    write(tmp_path, "desa", "codes:\n  - code: '1'\n    label: Sukorejo\n  - code: '2'\n    label: Sukorejo\n"
                            "  - code: '3'\n    label: Sananwetan\n")
    desa = lists(tmp_path)["desa"]
    assert desa.lookup("Sukorejo") is None and desa.lookup("sananwetan").code == "3"


def test_children_and_code_is_hashable(tmp_path):
    write(tmp_path, "pohon", "codes:\n  - code: '1'\n  - code: '1.01'\n    parent: '1'\n"
                             "  - code: '1.02'\n    parent: '1'\n  - code: '2'\n")
    tree = lists(tmp_path)["pohon"]
    assert [c.code for c in tree.children("1")] == ["1.01", "1.02"] and tree.children("2") == []
    assert len({tree.get("1"), tree.get("1"), tree.get("2")}) == 2
    assert isinstance(tree.get("1"), Code)
    with pytest.raises(TypeError):
        tree.get("1").attrs["x"] = 1  # type: ignore[index]


def test_normalize_key():
    assert normalize_key("  Kabupaten/Kota ") == "kabupaten kota"
    assert normalize_key("CC-BY-4.0") == normalize_key("CC_BY_4_0") == "cc by 4 0"
    assert normalize_key("https://www.Example.org/a/") == normalize_key("http://example.org/a") == "example org a"
    assert normalize_key("Ñusantara") == "nusantara"
    assert normalize_key("> Dua Tahunan") != normalize_key("Dua Tahunan")
