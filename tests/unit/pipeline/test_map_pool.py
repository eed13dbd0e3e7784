"""MapStage: worker processes give exactly what in-process mapping gives, in order, and a broken pool
loses nothing (real forkserver/spawn processes, no mocks)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.mapping.spec import default_mapping_path, load_mapping
from harvester.model.record import SourceRecord
from harvester.pipeline.map_pool import MapStage, resolve_workers
from harvester.pipeline.processing import ProcessRecipe
from harvester.validate.sdi_rules import SdiPolicy


def _record(i: int) -> SourceRecord:
    """A CKAN package; every 7th lacks a title (invalid), every 5th has an unknown licence (issue)."""
    package = {"id": f"id-{i}", "notes": f"Data nomor {i}",
               "license_id": "lisensi-aneh" if i % 5 == 0 else "cc-by", "metadata_modified": "2024-05-01T10:00:00",
               "organization": {"name": "dinkes", "title": "Dinas Kesehatan"},
               "resources": [{"id": f"r-{i}", "url": f"https://ex.test/{i}.csv", "format": "CSV"}]}
    if i % 7:
        package.update(title=f"Jumlah puskesmas {i}", name=f"dataset-{i}")
    return SourceRecord("src", f"id-{i}", "application/json", json.dumps(package).encode())


def _recipe(**changes: object) -> ProcessRecipe:
    recipe = ProcessRecipe(spec=load_mapping(default_mapping_path("ckan")), codelists_dir=str(CodeLists.load().directory),
                           base_uri="https://data.example.go.id", source_id="src",
                           variables={"pemda.kode": "35.72", "pemda.level": "KABUPATEN_KOTA"},
                           policy=SdiPolicy(kode_pemda="35.72", walidata="Diskominfotik", walidata_aliases=(),
                                             organisations=("Dinas Kesehatan",), today=date(2026, 1, 1)))
    return dataclasses.replace(recipe, **changes)


def _run(stage: MapStage, records: list[SourceRecord]) -> list[tuple[int, object]]:
    out = []
    try:
        for i, record in enumerate(records):
            out.extend(stage.submit(i, record))
        out.extend(stage.finish())
    finally:
        stage.close()
    return out


def _comparable(processed: object) -> dict[str, object]:
    data = dataclasses.asdict(processed)  # type: ignore[call-overload]
    data["score"] = processed.score.score if processed.score else None  # type: ignore[attr-defined]
    return data


def test_workers_give_what_in_process_mapping_gives_in_order() -> None:
    records = [_record(i) for i in range(150)]
    recipe = _recipe()
    serial = _run(MapStage(recipe, recipe.build(), workers=0), records)
    parallel_stage = MapStage(recipe, recipe.build(), workers=2, parallel_after=20, batch=8)
    parallel = _run(parallel_stage, records)
    assert [i for i, _ in parallel] == list(range(150))
    assert parallel_stage.parallel_records == 130  # the first 20 in-process, the rest in the workers
    assert [_comparable(p) for _, p in parallel] == [_comparable(p) for _, p in serial]
    statuses = [p.status for _, p in serial]
    assert statuses.count("invalid") == len([i for i in range(150) if i % 7 == 0])
    assert serial[3][1].score is not None and serial[3][1].dataset_json


def test_small_jobs_never_start_workers() -> None:
    recipe = _recipe()
    stage = MapStage(recipe, recipe.build(), workers=2, parallel_after=500)
    done = _run(stage, [_record(i) for i in range(40)])
    assert len(done) == 40 and stage.parallel_records == 0 and not stage.parallel


def test_a_pool_that_breaks_falls_back_without_losing_or_repeating_records(caplog: pytest.LogCaptureFixture,
                                                                          tmp_path: Path) -> None:
    # Workers build their processor from the recipe: a code-list folder that does not exist makes every
    # worker fail to start, while the runner's own processor (built from loaded lists) works.
    broken = _recipe(codelists_dir=str(tmp_path / "missing"))
    stage = MapStage(broken, _recipe().build(), workers=2, parallel_after=5, batch=4)
    done = _run(stage, [_record(i) for i in range(60)])
    assert [i for i, _ in done] == list(range(60))
    assert stage.parallel_records == 0
    assert "mapping worker failed" in caplog.text


def test_map_only_recipe_neither_validates_nor_scores() -> None:
    recipe = _recipe(policy=None)
    [(_, processed)] = _run(MapStage(recipe, recipe.build()), [_record(1)])
    assert processed.status == "current" and processed.score is None
    assert not [i for i in processed.issues if i.code.startswith("V")]


def test_resolve_workers() -> None:
    assert resolve_workers(0) == 0 and resolve_workers(3) == 3
    assert 0 <= resolve_workers("auto") <= 8
    assert [resolve_workers("auto", cpus) for cpus in (1, 2, 3, 4, 16)] == [0, 0, 2, 3, 8]
