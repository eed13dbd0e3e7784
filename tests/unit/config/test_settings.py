"""harvester.yaml and source files: loading, defaults, paths, and errors with file, key and line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from harvester.errors import ConfigError, UnknownPlugin
from harvester.settings import load_settings
from tests.unit.config.conftest import MINIMAL_SETTINGS, ConfigTree


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing ``needle`` (so tests do not hard-code numbers)."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_minimal_config_loads_with_code_defaults(tree: ConfigTree) -> None:
    loaded = load_settings(tree.path, env={})
    s = loaded.settings
    assert s.base_uri == "https://data.example.go.id"  # trailing slash dropped
    assert (s.feed.host, s.feed.port, s.feed.page_size, s.feed.include_terbatas) == ("127.0.0.1", 8080, 100, False)
    assert s.scheduler.timezone == "Asia/Jakarta" and s.scheduler.max_concurrent_jobs == 2
    assert (s.retention.jobs_days, s.retention.issues_days, s.retention.keep_last_jobs) == (90, 30, 20)
    assert s.pemda.kode_bps == "3572"  # derived from kode
    assert s.database.url == f"sqlite:///{(tree.root / 'var' / 'harvester.db').resolve()}"
    assert Path(s.sources_dir) == (tree.root / "sources").resolve()
    assert loaded.sources == {} and loaded.targets == {}


def test_relative_paths_resolve_against_the_config_directory(tree: ConfigTree) -> None:
    (tree.root / "elsewhere").mkdir()
    tree.settings("""
        database: {url: "sqlite:///../state/h.db"}
        sources_dir: elsewhere
        mappings_dir: ../maps
        logging: {file: logs/h.log}
    """)
    s = load_settings(tree.path, env={}).settings
    assert s.database.url == f"sqlite:///{(tree.root.parent / 'state' / 'h.db').resolve()}"
    assert Path(s.sources_dir) == (tree.root / "elsewhere").resolve()
    assert Path(s.mappings_dir or "") == (tree.root.parent / "maps").resolve()
    assert Path(s.logging.file or "") == (tree.root / "logs" / "h.log").resolve()


def test_postgres_url_is_kept(tree: ConfigTree) -> None:
    tree.settings('database: {url: "postgresql+psycopg://h:pw@127.0.0.1:5432/h"}\n')
    assert load_settings(tree.path, env={}).settings.database.url == "postgresql+psycopg://h:pw@127.0.0.1:5432/h"


def test_unknown_top_level_key(tree: ConfigTree) -> None:
    path = tree.settings("feeds:\n  port: 1\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.file, err.key, err.line) == (str(path.resolve()), "feeds", line_of(path, "feeds:"))
    assert "did you mean 'feed'" in err.reason and "allowed:" in err.reason


def test_unknown_nested_key(tree: ConfigTree) -> None:
    path = tree.settings("feed:\n  host: 0.0.0.0\n  prot: 8081\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.key, err.line) == ("feed.prot", line_of(path, "prot:"))
    assert "'port'" in err.reason
    assert str(err).startswith(f"{path.resolve()}:{err.line} [feed.prot]: unknown key 'prot'")


def test_wrong_type_names_key_and_line(tree: ConfigTree) -> None:
    path = tree.settings("feed:\n  port: eighty\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("feed.port", line_of(path, "port: eighty"))
    assert "integer" in info.value.reason and "eighty" in info.value.reason


def test_unquoted_region_code_is_explained(tree: ConfigTree) -> None:
    tree.write("harvester.yaml", MINIMAL_SETTINGS.replace('kode: "35.72"', "kode: 35.72"))
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "pemda.kode" and "quotes" in info.value.reason


def test_level_and_kode_must_agree(tree: ConfigTree) -> None:
    tree.write("harvester.yaml", MINIMAL_SETTINGS.replace('kode: "35.72"', 'kode: "35"'))
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "pemda.kode" and "KABUPATEN_KOTA" in info.value.reason


def test_missing_required_key_points_at_parent(tree: ConfigTree) -> None:
    path = tree.write("harvester.yaml", MINIMAL_SETTINGS.replace("  nama: Kota Blitar\n", ""))
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "pemda.nama" and info.value.line == line_of(path, "pemda:")
    assert "missing" in info.value.reason


def test_several_problems_are_all_listed(tree: ConfigTree) -> None:
    tree.settings("feed:\n  port: 0\n  page_size: 0\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "feed.port"
    assert "[feed.page_size]" in info.value.reason and "1 more problem" in info.value.reason


def test_duplicate_organisation_alias_rejected(tree: ConfigTree) -> None:
    tree.write("harvester.yaml", MINIMAL_SETTINGS.replace("name: Dinas Pendidikan Kota Blitar",
                                                          "name: Dinas Pendidikan Kota Blitar\n      aliases: [dinkes]"))
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "pemda.organisations" and "'dinkes'" in info.value.reason


def test_env_interpolation_and_defaults_are_typed(tree: ConfigTree) -> None:
    tree.settings("feed:\n  port: ${FEED_PORT:-9090}\n  enabled: ${FEED_ON:-false}\n")
    s = load_settings(tree.path, env={}).settings
    assert s.feed.port == 9090 and s.feed.enabled is False
    s = load_settings(tree.path, env={"FEED_PORT": "8181", "FEED_ON": "true"}).settings
    assert s.feed.port == 8181 and s.feed.enabled is True


def test_missing_env_var_in_settings(tree: ConfigTree) -> None:
    path = tree.settings("database:\n  url: ${HARVESTER_DB}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("database.url", line_of(path, "${HARVESTER_DB}"))
    assert info.value.file == str(path.resolve())


def test_auth_not_allowed_at_daemon_level(tree: ConfigTree) -> None:
    tree.settings("http:\n  auth: {type: bearer, token: abcdefgh}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.key == "http" and "auth" in info.value.reason
    assert "abcdefgh" not in str(info.value)


def test_sources_dir_must_exist(tree: ConfigTree) -> None:
    path = tree.settings("sources_dir: nowhere\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("sources_dir", line_of(path, "sources_dir"))


# ------------------------------------------------------------------------------ source files
def test_source_file_loads_with_defaults_merged(tree: ConfigTree, probe_type: str) -> None:
    tree.settings("""
        defaults:
          schedule: {interval: 1d, window: {start: "01:00", end: "05:00"}, jitter_seconds: 30}
          deletion: {max_ratio: 0.1}
          http: {rate_limit: 2, headers: {X-Site: blitar}}
    """)
    tree.write("sources/dinkes-api.yaml", """
        type: probe
        title: Dinkes API
        url: https://api.example.go.id/v1/indikator
        options: {page_size: 20}
        organisation: {id: dinkes}
        schedule: {cron: "0 3 * * *"}
        deletion: {max_count: 5}
        http:
          headers: {Accept: application/json}
          read_timeout: 5
    """)
    loaded = load_settings(tree.path, env={})
    src = loaded.sources["dinkes-api"]
    assert src.id == "dinkes-api" and src.enabled
    assert src.organisation is not None and src.organisation.name == "Dinas Kesehatan Kota Blitar"
    # a source trigger replaces both default triggers; other schedule keys come from defaults
    assert (src.schedule.cron, src.schedule.interval) == ("0 3 * * *", None)
    assert src.schedule.window is not None and src.schedule.window.start == "01:00"
    assert src.schedule.jitter_seconds == 30 and src.schedule.timezone == "Asia/Jakarta"
    assert (src.deletion.max_ratio, src.deletion.max_count, src.deletion.full_every) == (0.1, 5, 10)
    policy = src.http_policy
    assert policy is not None
    assert policy.headers == {"X-Site": "blitar", "Accept": "application/json"}
    assert (policy.rate_limit, policy.read_timeout, policy.connect_timeout) == (2, 5, 10.0)
    assert src.parsed_options.page_size == 20 and src.parsed_options.url == src.url
    assert src.mapping_path == loaded.mappings_dir / "probe" / "default.yaml"
    assert loaded.source_dir("dinkes-api") == (tree.root / "sources").resolve()
    assert loaded.config_hash("dinkes-api") == src.config_hash and len(src.config_hash or "") == 64


def test_interval_forms(tree: ConfigTree, probe_type: str) -> None:
    for text, seconds in (("30m", 1800), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("900", 900)):
        tree.write("sources/s.yaml", f"type: probe\nurl: https://x.id/\nschedule: {{interval: '{text}'}}\n")
        assert load_settings(tree.path, env={}).sources["s"].schedule.interval == seconds


def test_relative_source_url_and_mapping_resolve_against_source_file(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/local.yaml", "type: probe\nurl: ../data/katalog.csv\nmapping: ../maps/m.yaml\n")
    src = load_settings(tree.path, env={}).sources["local"]
    assert src.url == (tree.root / "data" / "katalog.csv").resolve().as_uri()
    assert src.mapping_path == (tree.root / "maps" / "m.yaml").resolve()
    assert src.mapping == "../maps/m.yaml"  # raw value kept for callers resolving it themselves


def test_unsupported_url_scheme(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/f.yaml", "type: probe\nurl: ftp://files.example.go.id/x.csv\n")
    with pytest.raises(ConfigError, match="unsupported URL scheme") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "url"


def test_unknown_key_in_source_file(tree: ConfigTree, probe_type: str) -> None:
    path = tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nschedule:\n  intervall: 1h\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.file, err.key, err.line) == (str(path), "schedule.intervall", 4)
    assert "did you mean 'interval'" in err.reason


def test_wrong_type_in_source_file(tree: ConfigTree, probe_type: str) -> None:
    path = tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nenabled: maybe\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.file, info.value.key, info.value.line) == (str(path), "enabled", 3)


def test_bad_option_is_located_under_options(tree: ConfigTree, probe_type: str) -> None:
    path = tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\noptions:\n  page_size: 0\n  qurey: x\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.file, err.key, err.line) == (str(path), "options.page_size", 4)
    assert "[options.qurey]" in err.reason and "did you mean 'query'" in err.reason


def test_url_under_options_is_rejected(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\noptions: {url: https://y.id/}\n")
    with pytest.raises(ConfigError, match="top level") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "options.url"


def test_missing_env_var_in_source_file(tree: ConfigTree, probe_type: str) -> None:
    path = tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nhttp:\n  auth:\n    type: bearer\n"
                                         "    token: ${SIPD_TOKEN}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.file, info.value.key, info.value.line) == (str(path), "http.auth.token", 6)
    assert "SIPD_TOKEN" in info.value.reason


def test_unknown_source_type_lists_known_types(tree: ConfigTree) -> None:
    path = tree.write("sources/s.yaml", "title: x\ntype: ckann\nurl: https://x.id/\n")
    with pytest.raises(UnknownPlugin) as info:
        load_settings(tree.path, env={})
    err = info.value
    assert (err.file, err.key, err.line) == (str(path), "type", 2)
    for name in ("ckan", "csw", "dcat-rdf", "oai-pmh", "spreadsheet"):
        assert name in err.reason


def test_duplicate_source_ids_rejected(tree: ConfigTree, probe_type: str) -> None:
    first = tree.write("sources/a.yaml", "type: probe\nurl: https://x.id/\n")
    second = tree.write("sources/b.yaml", "id: a\ntype: probe\nurl: https://y.id/\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert info.value.file == str(second) and str(first) in info.value.reason
    assert info.value.key == "id" and info.value.line == 1


def test_file_stem_must_be_a_valid_id(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/Dinas Kesehatan.yaml", "type: probe\nurl: https://x.id/\n")
    with pytest.raises(ConfigError, match="set `id:`"):
        load_settings(tree.path, env={})
    tree.write("sources/Dinas Kesehatan.yaml", "id: dinkes\ntype: probe\nurl: https://x.id/\n")
    assert list(load_settings(tree.path, env={}).sources) == ["dinkes"]


def test_hidden_and_non_yaml_files_are_ignored(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/README.md", "# not a source\n")
    tree.write("sources/_draft.yaml", "type: nope\n")
    tree.write("sources/ok.yml", "type: probe\nurl: https://x.id/\n")
    assert list(load_settings(tree.path, env={}).sources) == ["ok"]


def test_unknown_organisation_rejected(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\norganisation:\n  id: dinsos\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("organisation.id", 4)
    assert "dinkes" in info.value.reason


def test_cron_and_interval_together_rejected(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nschedule: {cron: '0 1 * * *', interval: 1h}\n")
    with pytest.raises(ConfigError, match="either cron or interval") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "schedule"


def test_bad_crontab_rejected(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nschedule: {cron: '61 * * * *'}\n")
    with pytest.raises(ConfigError, match="crontab") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "schedule.cron"


def test_token_file_is_read_relative_to_the_source_file(tree: ConfigTree, probe_type: str) -> None:
    tree.write("secrets/sipd", "s3cr3t-token-value\n")
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nhttp:\n  auth:\n    type: bearer\n"
                                 "    token_file: ../secrets/sipd\n")
    src = load_settings(tree.path, env={}).sources["s"]
    auth = src.http_policy.auth if src.http_policy else None
    assert auth is not None and auth.token is not None
    assert auth.token.get_secret_value() == "s3cr3t-token-value"


def test_missing_token_file(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\nurl: https://x.id/\nhttp:\n  auth:\n    type: bearer\n"
                                 "    token_file: ../secrets/none\n")
    with pytest.raises(ConfigError, match="cannot read secret file") as info:
        load_settings(tree.path, env={})
    assert (info.value.key, info.value.line) == ("http.auth.token_file", 6)


def test_config_hash_tracks_effective_config_but_not_secrets(tree: ConfigTree, probe_type: str) -> None:
    tree.write("sources/s.yaml", "type: probe\ntitle: A\nurl: https://x.id/\nhttp:\n  auth: {type: bearer, token: '${T}'}\n")
    first = load_settings(tree.path, env={"T": "token-one"}).source_hashes["s"]
    assert load_settings(tree.path, env={"T": "token-one"}).source_hashes["s"] == first
    assert load_settings(tree.path, env={"T": "token-two"}).source_hashes["s"] == first
    tree.write("sources/s.yaml", "type: probe\ntitle: B\nurl: https://x.id/\nhttp:\n  auth: {type: bearer, token: '${T}'}\n")
    assert load_settings(tree.path, env={"T": "token-one"}).source_hashes["s"] != first
    tree.settings("defaults:\n  deletion: {max_ratio: 0.5}\n")
    tree.write("sources/s.yaml", "type: probe\ntitle: A\nurl: https://x.id/\nhttp:\n  auth: {type: bearer, token: '${T}'}\n")
    assert load_settings(tree.path, env={"T": "token-one"}).source_hashes["s"] != first


def test_source_type_without_module_yet_skips_option_check(tree: ConfigTree, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from harvester import registry

    monkeypatch.setitem(registry.sources._paths, "future", "harvester.sources.not_written_yet:FutureSource")  # noqa: SLF001
    tree.write("sources/f.yaml", "type: future\nurl: https://x.id/\noptions: {anything: 1}\n")
    with caplog.at_level(logging.WARNING, logger="harvester.settings"):
        loaded = load_settings(tree.path, env={})
    assert loaded.sources["f"].parsed_options is None
    assert len(loaded.warnings) == 1 and "options not validated" in loaded.warnings[0]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_source_type_with_missing_dependency_is_an_error(tree: ConfigTree, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    from harvester import registry

    (tmp_path / "plug").mkdir()
    (tmp_path / "plug" / "needs_dep.py").write_text("import satudata_dependency_that_is_absent\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "plug"))
    monkeypatch.setitem(registry.sources._paths, "needy", "needs_dep:NeedySource")  # noqa: SLF001
    tree.write("sources/n.yaml", "type: needy\nurl: https://x.id/\n")
    with pytest.raises(ConfigError, match="cannot be loaded.*satudata_dependency_that_is_absent") as info:
        load_settings(tree.path, env={})
    assert info.value.key == "type"
