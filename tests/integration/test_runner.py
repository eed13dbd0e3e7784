"""The runner against a real SQLite store and a real HTTP server: the state rules of ARCHITECTURE.md §5-§6.

A tiny DCAT catalogue is served on 127.0.0.1; the test edits what the server answers between jobs
and checks what the runner stores: creations, unchanged re-runs, updates, deletions after a complete
listing only, the circuit breaker, confirm-deletions, dry runs that write nothing, and remap.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harvester.pipeline.remap import remap_source
from harvester.pipeline.runner import HarvestRunner, RunOptions
from harvester.settings import load_settings
from harvester.store import Store

PREFIXES = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""


def catalogue(ids: list[str], *, title_suffix: str = "") -> str:
    """A DCAT catalogue with one dataset per id (title and description, one CSV distribution)."""
    parts = [PREFIXES, "<https://ex.test/catalog> a dcat:Catalog ;"]
    parts.append(" ;\n".join(f"  dcat:dataset <https://ex.test/ds/{i}>" for i in ids) + " ." if ids else
                 "  dct:title \"Katalog kosong\" .")
    for i in ids:
        parts.append(textwrap.dedent(f"""\
            <https://ex.test/ds/{i}> a dcat:Dataset ;
              dct:identifier "{i}" ;
              dct:title "Jumlah penduduk {i}{title_suffix}"@id ;
              dct:description "Data penduduk per kelurahan {i}"@id ;
              dct:publisher [ a foaf:Organization ; foaf:name "Diskominfotik Kota Blitar" ] ;
              dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://ex.test/files/{i}.csv> ;
                                  dct:format "CSV" ] .
            """))
    return "\n".join(parts)


@pytest.fixture
def setup(tmp_path: Path, http_server):
    (tmp_path / "sources").mkdir()
    (tmp_path / "targets").mkdir()
    (tmp_path / "harvester.yaml").write_text(textwrap.dedent(f"""\
        database:
          url: sqlite:///{tmp_path}/state.db
        base_uri: https://data.example.go.id
        catalog:
          title: Katalog uji
          description: Katalog untuk pengujian
          publisher:
            name: Dinas Komunikasi, Informatika dan Statistik Kota Blitar
        pemda:
          level: KABUPATEN_KOTA
          kode: "35.72"
          nama: Kota Blitar
          walidata:
            name: Dinas Komunikasi, Informatika dan Statistik Kota Blitar
        """))
    (tmp_path / "sources" / "katalog.yaml").write_text(textwrap.dedent(f"""\
        type: dcat-rdf
        title: Katalog uji
        url: {http_server.url('/catalog.ttl')}
        deletion:
          max_ratio: 0.2
        """))
    config = load_settings(tmp_path / "harvester.yaml")
    store = Store(config.settings.database.url)
    store.ensure_schema()
    yield config, store, http_server
    store.close()


def serve(server, ids: list[str], **kw: str) -> None:
    server.add("/catalog.ttl", catalogue(ids, **kw), content_type="text/turtle")


def test_create_unchanged_update_delete_cycle(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    ids = [f"d{i}" for i in range(10)]
    serve(server, ids)
    first = runner.run("katalog", RunOptions(full=True))
    assert first.status in ("done", "done_with_errors") and first.complete
    assert first.stats.get("created") == 10
    assert store.known_ids("katalog") == {f"https://ex.test/ds/{i}" for i in ids}
    row = store.get_record("katalog", "https://ex.test/ds/d3")
    assert row.status == "current" and row.stable_uri == "https://ex.test/ds/d3"
    assert "Jumlah penduduk d3" in row.dataset_json

    second = runner.run("katalog", RunOptions(full=True))
    assert second.stats.get("unchanged") == 10 and not second.stats.get("created") and not second.stats.get("updated")

    serve(server, ids[:9], title_suffix=" (revisi)")  # next answer: d9 gone, every other title changed
    third = runner.run("katalog", RunOptions(full=True))
    assert third.stats.get("updated") == 9
    assert third.stats.get("deleted") == 1
    assert store.get_record("katalog", "https://ex.test/ds/d9").status == "deleted"


def test_empty_listing_is_held_until_confirmed(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    serve(server, [f"d{i}" for i in range(6)])
    runner.run("katalog", RunOptions(full=True))
    serve(server, [])
    held = runner.run("katalog", RunOptions(full=True))
    assert held.status == "needs_confirmation" and held.exit_code == 1
    assert len(store.known_ids("katalog")) == 6  # nothing deleted yet
    assert runner.confirm_deletions(held.job_id) == 6
    assert store.known_ids("katalog") == set()
    assert store.get_job(held.job_id).status == "done"


def test_failed_listing_moves_nothing(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    serve(server, ["a", "b"])
    ok = runner.run("katalog", RunOptions(full=True))
    watermark = store.load_checkpoint("katalog", "watermark")
    server.add("/catalog.ttl", "@prefix broken", content_type="text/turtle")
    failed = runner.run("katalog", RunOptions(full=True))
    assert failed.status == "failed" and not failed.complete and failed.exit_code == 3
    assert store.known_ids("katalog") == {"https://ex.test/ds/a", "https://ex.test/ds/b"}
    assert store.load_checkpoint("katalog", "watermark") == watermark
    issues = store.issues_for_job(failed.job_id)
    assert any(i.severity == "error" and "katalog" in i.message for i in issues), issues
    assert ok.job_id != failed.job_id


def test_dry_run_writes_nothing(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    serve(server, ["a", "b", "c"])
    result = runner.run("katalog", RunOptions(full=True, dry_run=True))
    assert result.stats.get("created") == 3
    assert store.known_ids("katalog") == set()
    assert store.list_jobs("katalog") == []
    assert {rid for (_, rid) in result.store.records} == {f"https://ex.test/ds/{i}" for i in "abc"}


def test_remap_uses_stored_raw_records_without_fetching(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    serve(server, ["a", "b"])
    runner.run("katalog", RunOptions(full=True))
    hits = server.hits("/catalog.ttl")
    result = remap_source(runner, "katalog")
    assert server.hits("/catalog.ttl") == hits
    assert result.stats.get("gathered") == 2
    assert result.stats.get("unchanged", 0) + result.stats.get("updated", 0) == 2


def _rows(store: Store) -> list[tuple]:
    return sorted((r.remote_id, r.status, r.mapped_hash, r.dataset_json, r.stable_uri, r.title, r.organisation)
                  for r in store.iter_records("katalog"))


def test_mapping_in_worker_processes_stores_what_in_process_mapping_stores(setup, tmp_path: Path, caplog):
    """The same 120-record source harvested with map_workers 0 and 2 (workers from record 10 on):
    identical rows, issues and scores; remap through the workers too."""
    caplog.set_level("INFO", logger="harvester.pipeline.map_pool")
    config, store, server = setup
    ids = [f"d{i:03d}" for i in range(120)]
    serve(server, ids)
    settings_file = tmp_path / "harvester.yaml"
    base = settings_file.read_text()
    results = {}
    for workers in (0, 2):
        settings_file.write_text(base.replace("state.db", f"state-{workers}.db") + f"processing:\n  map_workers: {workers}\n  parallel_after: 10\n")
        cfg = load_settings(settings_file)
        own = Store(cfg.settings.database.url)
        own.ensure_schema()
        runner = HarvestRunner(cfg, own)
        result = runner.run("katalog", RunOptions(full=True))
        remapped = remap_source(runner, "katalog")
        issues = sorted((i.remote_id, i.code, i.message) for i in own.issues_for_job(result.job_id))
        results[workers] = (result.stats, _rows(own), issues, remapped.stats)
        own.close()
    assert results[0][0].get("created") == 120
    assert results[2] == results[0]
    assert caplog.text.count("mapping in 2 worker processes from record 11 on") == 2  # harvest and remap


def test_a_record_that_turns_invalid_keeps_its_identity(setup):
    config, store, server = setup
    runner = HarvestRunner(config, store)
    serve(server, ["a", "b"])
    runner.run("katalog", RunOptions(full=True))
    before = store.get_record("katalog", "https://ex.test/ds/b")
    broken = catalogue(["a", "b"]).replace('dct:title "Jumlah penduduk b"@id ;', "")
    assert broken != catalogue(["a", "b"])
    server.add("/catalog.ttl", broken, content_type="text/turtle")
    result = runner.run("katalog", RunOptions(full=True))
    assert result.stats.get("invalid") == 1
    after = store.get_record("katalog", "https://ex.test/ds/b")
    assert after.status == "invalid" and after.dataset_json is None
    assert (after.stable_uri, after.title, after.organisation) == (before.stable_uri, before.title, before.organisation)
    assert after.stable_uri == "https://ex.test/ds/b"
