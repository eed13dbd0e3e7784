"""Quality report on the example Kota Blitar configuration, harvested for real into a SQLite store.

The example config (config/example) is copied to a temporary folder; every source whose mapping file
exists is harvested by the real ``HarvestRunner``, and the scores are recorded after each job through
the runner's ``after_job`` hook (what the runner will do itself once it calls ``record_scores``).
Then one dataset gets its ``satuan`` and is harvested again: its score and its OPD's score rise and
the trend shows both points.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from harvester.pipeline.runner import HarvestRunner
from harvester.quality import build_report, render_json, score_source
from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.scoring import BAND_NAMES, band_for, mean
from harvester.settings import load_settings
from harvester.store import Store

REPO = Path(__file__).resolve().parents[2]
SCHOOLS = "https://data.blitarkota.go.id/dataset/sekolah-dasar"  # Dinas Pendidikan, no sdi:satuan


class Example:
    """The example configuration in a temporary folder, with its own store."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(REPO / "config" / "example", root / "config" / "example")
        (root / "mappings").symlink_to(REPO / "mappings")  # harvester.yaml says mappings_dir: ../../mappings
        self.ttl = root / "config" / "example" / "data" / "katalog-diskominfotik.ttl"
        self.config = load_settings(root / "config" / "example" / "harvester.yaml",
                                    env={"HARVESTER_DATABASE_URL": f"sqlite:///{root / 'state.db'}"})
        self.store = Store(self.config.settings.database.url)
        self.runner = HarvestRunner(self.config, self.store, after_job=self._score)
        # Sources whose example mapping override is not in the tree yet cannot be harvested.
        self.sources = [sid for sid, cfg in self.config.sources.items() if cfg.mapping_path.is_file()]

    def _score(self, result: Any, _stop: Any) -> None:
        score_source(self.store, self.config, result.source_id, job_id=result.job_id)

    def harvest(self) -> None:
        for sid in self.sources:
            result = self.runner.run(sid)
            assert result.status in ("done", "done_with_errors"), (sid, result.error)


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Example]:
    ex = Example(tmp_path)
    ex.harvest()
    yield ex
    ex.store.close()


def _org(report: dict[str, Any], org_id: str) -> dict[str, Any]:
    return next(o for o in report["organisations"] if o["id"] == org_id)


def test_report_lists_every_organisation_with_scores_failures_and_hints(example: Example) -> None:
    assert "katalog-diskominfotik" in example.sources
    import json

    report = json.loads(render_json(build_report(example.store, example.config)))
    configured = [o.id for o in example.config.settings.pemda.organisations]
    assert [o["id"] for o in report["organisations"]][: len(configured)] == configured
    current = sum(len(example.store.known_ids(sid)) for sid in example.sources)
    assert report["city"]["datasets"] == current > 0
    check_ids = [c.id for c in ALL_CHECKS]
    with_data = [o for o in report["organisations"] if o["datasets"]]
    assert {"diskominfotik", "dispendukcapil", "dindik", "dinsos", "dpupr"} <= {o["id"] for o in with_data}
    for org in report["organisations"]:
        assert sorted(org["failing"]) == sorted(check_ids)
        scores = [d["score"] for d in org["dataset_list"]]
        assert org["datasets"] == len(scores)
        assert org["score"] == mean(scores)
        assert org["band"] == band_for(org["score"]) and (org["band"] in BAND_NAMES or org["datasets"] == 0)
        for check in check_ids:  # failing counts = datasets of the OPD that lost points on the check
            assert org["failing"][check] == sum(any(f["check"] == check for f in d["failed"])
                                                for d in org["dataset_list"])
        for hint in org["hints"]:
            assert hint["datasets"] == org["failing"][hint["check"]] > 0
            assert hint["hint_id"] and hint["hint_en"]
        for ds in org["dataset_list"]:
            assert all(h["hint_id"] and h["hint_en"] for f in ds["failed"] for h in f["hints"])
            assert ds["computed_at"] is not None and ds["job_id"] is not None  # recorded at harvest time
    # the unregistered-free example: every producer matched a registered OPD
    assert all(o["registered"] for o in report["organisations"])
    schools = next(d for d in _org(report, "dindik")["dataset_list"] if d["remote_id"] == SCHOOLS)
    satuan = next(f for f in schools["failed"] if f["check"] == "sdi.satuan")
    assert satuan["points"] == 0 and satuan["hints"][0]["hint_id"].startswith("Isi Satuan")
    titik = _org(report, "diskominfotik")["dataset_list"]
    pdf_only = next(d for d in titik if d["remote_id"].endswith("titik-wifi-publik"))
    assert any(f["check"] == "sdi.format_terbuka" and f["points"] == 0 for f in pdf_only["failed"])


def test_adding_satuan_raises_dataset_and_opd_score_and_the_trend_shows_both(example: Example) -> None:
    before = build_report(example.store, example.config).data
    dindik_before = _org(before, "dindik")
    school_before = next(d for d in dindik_before["dataset_list"] if d["remote_id"] == SCHOOLS)
    text = example.ttl.read_text(encoding="utf-8")
    marker = "ds:sekolah-dasar a dcat:Dataset ;\n"
    assert marker in text
    example.ttl.write_text(text.replace(marker, marker + '    sdi:satuan "Unit" ;\n'), encoding="utf-8")
    example.harvest()
    after = build_report(example.store, example.config).data
    dindik_after = _org(after, "dindik")
    school_after = next(d for d in dindik_after["dataset_list"] if d["remote_id"] == SCHOOLS)
    assert school_after["score"] > school_before["score"]
    assert "sdi.satuan" not in {f["check"] for f in school_after["failed"]}
    assert school_after["job_id"] > school_before["job_id"]
    assert dindik_after["score"] > dindik_before["score"]
    trend = [p["score"] for p in dindik_after["trend"]]
    assert trend[-2:] == [dindik_before["score"], dindik_after["score"]]
    assert [p["score"] for p in after["city"]["trend"]][-2:] == [before["city"]["score"], after["city"]["score"]]
    # a re-run without changes adds no trend point
    example.harvest()
    again = _org(build_report(example.store, example.config).data, "dindik")
    assert len(again["trend"]) == len(dindik_after["trend"])
