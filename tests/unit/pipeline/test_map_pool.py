"""MapStage: worker processes give exactly what in-process mapping gives, in order, and a broken pool
loses nothing (real forkserver/spawn processes; only a failed start is simulated)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.mapping.spec import default_mapping_path, load_mapping
from harvester.model.record import SourceRecord
from harvester.pipeline import map_pool
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
    # The first 20 in-process, the rest in the workers or, while they were busy, in the job's process;
    # the first pool_depth records always go to the workers.
    assert parallel_stage.parallel_records + parallel_stage.shared_records == 130
    assert parallel_stage.parallel_records >= parallel_stage.pool_depth
    assert [_comparable(p) for _, p in parallel] == [_comparable(p) for _, p in serial]
    statuses = [p.status for _, p in serial]
    assert statuses.count("invalid") == len([i for i in range(150) if i % 7 == 0])
    assert serial[3][1].score is not None and serial[3][1].dataset_json


class _Counting:
    """The job's processor, counting its calls; raises for the record ``fail_on`` (a bug in process())."""

    def __init__(self, inner: object, fail_on: str | None = None) -> None:
        self.inner, self.fail_on, self.calls = inner, fail_on, 0

    def process(self, record: SourceRecord) -> object:
        self.calls += 1
        if record.remote_id == self.fail_on:
            raise RuntimeError(f"bug on {record.remote_id}")
        return self.inner.process(record)  # type: ignore[attr-defined]


def _resume(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:  # already gone (the stage was closed)
        pass


def _pause_worker_after_first_batch(stage: MapStage, records: list[SourceRecord],
                                    resume_after: float) -> list[tuple[int, object]]:
    """Run ``records`` through ``stage``, stopping its (one) worker with SIGSTOP as soon as it exists so
    that the pool is deterministically busy; SIGCONT after ``resume_after`` seconds (and at the end)."""
    out: list[tuple[int, object]] = []
    paused: list[int] = []
    timers: list[threading.Timer] = []
    try:
        for i, record in enumerate(records):
            out.extend(stage.submit(i, record))
            if not paused and stage.worker_pids():
                paused = stage.worker_pids()
                os.kill(paused[0], signal.SIGSTOP)
                timers.append(threading.Timer(resume_after, _resume, (paused[0],)))
                timers[0].start()
        out.extend(stage.finish())
    finally:
        for timer in timers:
            timer.cancel()
        for pid in paused:
            _resume(pid)
        stage.close()
    return out


def test_busy_workers_share_the_work_in_order_with_bounded_memory() -> None:
    records = [_record(i) for i in range(200)]
    recipe = _recipe()
    serial = _run(MapStage(recipe, recipe.build(), workers=0), records)
    own = _Counting(recipe.build())
    stage = MapStage(recipe, own, workers=1, parallel_after=0, batch=4)
    shared = _pause_worker_after_first_batch(stage, records, resume_after=1.0)
    assert [i for i, _ in shared] == list(range(200))
    assert [_comparable(p) for _, p in shared] == [_comparable(p) for _, p in serial]
    # The stopped worker kept its two batches (pool_depth records); the job kept a backlog of unsent
    # records, then mapped the oldest itself until more than max_in_flight were in flight, then waited.
    assert stage.pool_depth == 2 * 4 and stage.max_in_flight == 6 * 4 and stage.backlog == 2 * 4
    assert stage.parallel_records >= stage.pool_depth
    assert stage.shared_records > stage.max_in_flight - stage.pool_depth
    assert stage.waits >= 1 and stage.max_in_flight < stage.peak_in_flight <= stage.max_in_flight + stage.backlog + 1
    assert stage.parallel_records + stage.shared_records == 200 == stage.parallel_records + own.calls


def test_a_pool_that_breaks_mid_job_loses_and_repeats_nothing(caplog: pytest.LogCaptureFixture) -> None:
    records = [_record(i) for i in range(200)]
    recipe = _recipe()
    serial = _run(MapStage(recipe, recipe.build(), workers=0), records)
    own = _Counting(recipe.build())
    stage = MapStage(recipe, own, workers=2, parallel_after=10, batch=4)
    out: list[tuple[int, object]] = []
    try:
        for i, record in enumerate(records):
            out.extend(stage.submit(i, record))
            if i == 60:
                assert stage.parallel and stage.worker_pids()
                os.kill(stage.worker_pids()[0], signal.SIGKILL)
        out.extend(stage.finish())
        assert not stage.parallel  # the rest of the job ran in-process
    finally:
        stage.close()
    assert [i for i, _ in out] == list(range(200))
    assert [_comparable(p) for _, p in out] == [_comparable(p) for _, p in serial]
    assert stage.parallel_records + own.calls == 200  # every record processed exactly once
    assert "mapping worker failed" in caplog.text


@pytest.mark.parametrize("pool", ["busy", "broken"])
def test_a_bug_in_process_is_re_raised(pool: str, tmp_path: Path) -> None:
    records = [_record(i) for i in range(60)]
    if pool == "busy":  # the bad record falls in a batch the job processes itself (its worker is stopped)
        stage = MapStage(_recipe(), _Counting(_recipe().build(), fail_on="id-10"), workers=1, parallel_after=0, batch=4)
        with pytest.raises(RuntimeError, match="bug on id-10"):
            _pause_worker_after_first_batch(stage, records, resume_after=2.0)
    else:  # the workers cannot start: their batches are processed in-process, where the bug raises
        stage = MapStage(_recipe(codelists_dir=str(tmp_path / "missing")), _Counting(_recipe().build(), fail_on="id-2"),
                         workers=1, parallel_after=0, batch=4)
        with pytest.raises(RuntimeError, match="bug on id-2"):
            _run(stage, records)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are a Linux feature")
def test_worker_pipes_hold_a_whole_batch() -> None:
    import fcntl

    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < map_pool.PIPE_BYTES:
        pytest.skip("this system allows smaller pipes")
    recipe = _recipe()
    stage = MapStage(recipe, recipe.build(), workers=1, parallel_after=0)
    try:
        stage.submit(0, _record(0))
        [worker] = stage._workers
        assert worker.room == map_pool.PIPE_BYTES
        assert fcntl.fcntl(worker.results.fileno(), fcntl.F_GETPIPE_SZ) == map_pool.PIPE_BYTES
        stage.finish()
        pids = stage.worker_pids()
    finally:
        stage.close()
    assert pids and not stage.worker_pids()
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]  # close() ended and reaped them


def test_workers_that_cannot_start_leave_the_job_in_process(monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    def no_processes(*args: object) -> None:
        raise OSError("no more processes")

    monkeypatch.setattr(map_pool._Worker, "start", no_processes)
    recipe = _recipe()
    stage = MapStage(recipe, recipe.build(), workers=2, parallel_after=3)
    done = _run(stage, [_record(i) for i in range(20)])
    assert [i for i, _ in done] == list(range(20)) and stage.parallel_records == stage.shared_records == 0
    assert "cannot start 2 mapping workers (no more processes)" in caplog.text


def test_batches_bigger_than_the_pipes_neither_block_nor_get_lost() -> None:
    """Batches and results of ~1.6 MB each: more than a pipe holds in both directions, the case where
    a job writing a second batch and a worker writing its result could wait for each other forever."""
    def big(i: int) -> SourceRecord:
        package = json.loads(_record(i).content)
        package["notes"] = f"Data nomor {i} " + "panjang " * 6000  # ~50 KB, copied into the mapped dataset
        return dataclasses.replace(_record(i), content=json.dumps(package).encode())

    records = [big(i) for i in range(100)]
    recipe = _recipe()
    serial = _run(MapStage(recipe, recipe.build(), workers=0), records)
    stage = MapStage(recipe, recipe.build(), workers=1, parallel_after=0, batch=32)
    done: list[list[tuple[int, object]]] = []
    runner = threading.Thread(target=lambda: done.append(_run(stage, records)), daemon=True)
    runner.start()
    runner.join(60)
    assert done, "the stage blocked"
    assert [_comparable(p) for _, p in done[0]] == [_comparable(p) for _, p in serial]
    assert stage.parallel_records >= 32 and stage.parallel_records + stage.shared_records == 100


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
