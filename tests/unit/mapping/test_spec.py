"""Mapping files: validation with file:line, extends/override/remove, JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from harvester.errors import ConfigError
from harvester.mapping.spec import (
    DATASET_KINDS, default_mapping_path, export_mapping_schema, load_mapping, mapping_json_schema,
    validate_mapping_files,
)
from harvester.mapping.locations import parse_mapping_yaml

from tests.unit.mapping.support import write

BASE = """\
version: 1
reader: {name: json}
fields:
  identifier: {paths: [id], required: error}
  title: {paths: [title, name]}
  description: {paths: [notes]}
  creator:
    fields:
      name: {paths: [organization.title]}
      identifier: {paths: [organization.name]}
"""


def test_unknown_field_names_file_line_and_valid_names(tmp_path):
    path = write(tmp_path, "x.yaml", BASE + "  tittle: {paths: [t]}\n")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    err = info.value
    assert err.file == str(path) and err.line == 11 and err.key == "fields.tittle"
    assert "unknown canonical field 'tittle'; did you mean 'title'?" in str(err)
    assert "valid: identifier, title," in str(err)
    assert str(err).startswith(f"{path}:11 [fields.tittle]: ")


def test_all_errors_are_collected(tmp_path):
    path = write(tmp_path, "x.yaml", """\
        reader: {name: json}
        colour: red
        fields:
          identifier: {paths: [id], requird: error}
          title: {var: pemda.kod}
          keywords: {paths: [tags], transforms: [strip, {splt: ","}]}
          creator: {fields: {nama: {paths: [x]}}}
          issued: {template: "{nosuch}"}
          modified: {}
        """)
    errors = validate_mapping_files([path])
    found = {(e.line, e.key) for e in errors}
    assert found == {
        (2, "colour"), (4, "fields.identifier.requird"), (5, "fields.title.var"),
        (6, "fields.keywords.transforms[1]"), (7, "fields.creator.fields.nama"), (8, "fields.issued.template"),
        (9, "fields.modified"),
    }
    with pytest.raises(ConfigError, match=r"and 6 more problem"):
        load_mapping(path)


def test_unknown_code_list_is_reported_by_validate(tmp_path):
    path = write(tmp_path, "x.yaml", BASE + "  accrual_periodicity: {paths: [f], codelist: frekwensi}\n")
    errors = validate_mapping_files([path])
    assert len(errors) == 1 and errors[0].line == 11 and "unknown code list 'frekwensi'" in errors[0].reason


def test_reader_checks(tmp_path):
    bad_reader = write(tmp_path, "a.yaml", "reader: {name: jsn}\nfields: {title: t}\n")
    assert "unknown reader 'jsn'; did you mean 'json'?" in validate_mapping_files([bad_reader])[0].reason
    wrong_option = write(tmp_path, "b.yaml", "reader: {name: json, namespaces: {a: 'urn:a'}}\nfields: {title: t}\n")
    assert "has no option 'namespaces'" in validate_mapping_files([wrong_option])[0].reason
    bad_xpath = write(tmp_path, "c.yaml", "reader: {name: xml}\nfields:\n  title: {paths: ['foo:bar']}\n")
    error = validate_mapping_files([bad_xpath])[0]
    assert error.line == 3 and "Undefined namespace prefix" in error.reason
    missing = write(tmp_path, "d.yaml", "fields: {title: t}\n")
    assert "missing 'reader'" in validate_mapping_files([missing])[0].reason


def test_shorthands(tmp_path):
    spec = load_mapping(write(tmp_path, "x.yaml", """\
        reader: json
        fields:
          identifier: id
          title: [judul, title]
          description: {path: notes}
        """))
    assert spec.fields["identifier"].paths == ["id"]
    assert spec.fields["title"].paths == ["judul", "title"]
    assert spec.fields["description"].paths == ["notes"]


def test_extends_override_dotted_and_remove(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "sub/child.yaml", """\
        extends: ../base.yaml
        fields:
          title: {paths: [judul]}
          creator.name: {const: Dinas X}
          issued: {paths: [created], transforms: [parse_date]}
        remove: [description, creator.identifier]
        """)
    spec = load_mapping(child)
    assert spec.fields["title"].paths == ["judul"]
    assert spec.fields["identifier"].paths == ["id"]
    assert set(spec.fields["creator"].fields) == {"name"} and spec.fields["creator"].fields["name"].const == "Dinas X"
    assert "description" not in spec.fields and spec.fields["issued"].transforms == ["parse_date"]
    assert spec.files == (str(child), str(tmp_path / "base.yaml"))


def test_errors_point_into_the_file_the_key_came_from(tmp_path):
    write(tmp_path, "base.yaml", BASE + "  keywords: {paths: [tags], transforms: [nope]}\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nfields:\n  titel: x\n")
    errors = validate_mapping_files([child])
    where = {(Path(e.file).name, e.line) for e in errors}
    assert where == {("base.yaml", 11), ("child.yaml", 3)}


def test_extends_problems(tmp_path):
    loop_a = write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    assert "extends loop" in validate_mapping_files([loop_a])[0].reason
    missing = write(tmp_path, "c.yaml", "extends: nosuch/default\n")
    error = validate_mapping_files([missing])[0]
    assert error.line == 1 and "not found" in error.reason
    write(tmp_path, "base.yaml", BASE)
    bad_remove = write(tmp_path, "d.yaml", "extends: base.yaml\nremove: [keywords]\n")
    assert "not in the base mapping" in validate_mapping_files([bad_remove])[0].reason


def test_extends_a_default_by_type_name(tmp_path):
    child = write(tmp_path, "ckan-kota.yaml", "extends: ckan/default\nfields:\n  title: {paths: [judul]}\n")
    spec = load_mapping(child)
    assert spec.fields["title"].paths == ["judul"] and "distributions" in spec.fields
    assert spec.files[1] == "mappings/ckan/default.yaml"
    base = load_mapping(default_mapping_path("ckan"))
    assert spec.content_hash() != base.content_hash()
    assert load_mapping(default_mapping_path("ckan")).content_hash() == base.content_hash()


def test_reader_options_merge_key_by_key(tmp_path):
    write(tmp_path, "base.yaml", "reader: {name: xml, namespaces: {a: 'urn:a'}}\nfields: {title: 'a:t'}\n")
    child = write(tmp_path, "c.yaml", "extends: base.yaml\nreader: {namespaces: {b: 'urn:b'}}\n"
                                      "fields: {description: 'b:d'}\n")
    assert load_mapping(child).reader.namespaces == {"a": "urn:a", "b": "urn:b"}


def test_default_mapping_path_lists_known_types():
    with pytest.raises(ConfigError, match="known: ckan, csw, datajson, dcat-rdf, json-api, oai-pmh"):
        default_mapping_path("ckann")


def test_yaml_syntax_and_duplicates_give_lines():
    with pytest.raises(ConfigError) as info:
        parse_mapping_yaml("a: 1\nb: [1\nc: 2\n", "f.yaml")
    assert info.value.file == "f.yaml" and info.value.line == 3
    with pytest.raises(ConfigError, match="duplicate key 'a'"):
        parse_mapping_yaml("a: 1\na: 2\n", "f.yaml")
    with pytest.raises(ConfigError, match="aliases"):
        parse_mapping_yaml("a: &x 1\nb: *x\n", "f.yaml")
    with pytest.raises(ConfigError, match="merge keys") as info:
        parse_mapping_yaml("a:\n  b: 1\n  <<: {c: 2}\n", "f.yaml")
    assert info.value.line == 3


def test_mapping_files_use_the_configuration_scalar_rules():
    data, locs = parse_mapping_yaml("a: yes\nb: off\nc: true\nd: 2024-09-23\ne: 35.72\nf: '35.72'\n", "f.yaml")
    assert data == {"a": "yes", "b": "off", "c": True, "d": "2024-09-23", "e": 35.72, "f": "35.72"}
    assert locs.get(("e",)) == ("f.yaml", 5) and locs.get(("e", "deeper")) == ("f.yaml", 5)
    empty, where = parse_mapping_yaml("", "empty.yaml")
    assert empty == {} and where.get(("x",)) == ("empty.yaml", 1)


def test_json_schema_export_is_valid_and_matches_the_committed_file(tmp_path):
    out = tmp_path / "mapping.schema.json"
    export_mapping_schema(out)
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]["fields"]["properties"]) == set(DATASET_KINDS)
    committed = Path(__file__).resolve().parents[3] / "mappings" / "schema" / "mapping.schema.json"
    assert json.loads(committed.read_text()) == schema, "regenerate with export_mapping_schema()"


def test_default_mappings_conform_to_the_json_schema():
    validator = jsonschema.Draft202012Validator(mapping_json_schema())
    root = Path(__file__).resolve().parents[3] / "mappings"
    for path in sorted(root.glob("*/default.yaml")):
        data, _ = parse_mapping_yaml(path.read_text(), str(path))
        assert not list(validator.iter_errors(data)), path
    bad, _ = parse_mapping_yaml("reader: json\nfields: {tittle: x}\n", "x")
    assert list(validator.iter_errors(bad))
