"""The command line as an operator uses it: real processes, the example configuration, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "example"


def harvester(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    for name in ("CKAN_CITY_URL", "CKAN_PROVINCE_URL", "CKAN_NATIONAL_URL"):
        full_env.pop(name, None)  # targets stay disabled: nothing here may write to a portal
    return subprocess.run([sys.executable, "-m", "harvester", *args], capture_output=True, text=True,
                          env=full_env, timeout=300, cwd=REPO)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "example")
    config = tmp_path / "example" / "harvester.yaml"
    # the example finds the repository's mappings/ relative to itself; the copy must point there
    text = "\n".join(ln for ln in config.read_text().splitlines() if not ln.startswith("mappings_dir:"))
    config.write_text(text + f"\nmappings_dir: {REPO / 'mappings'}\n")
    return config


def test_validate_config_on_the_example_exits_0():
    out = harvester("--config", str(EXAMPLE / "harvester.yaml"), "validate-config")
    assert out.returncode == 0, out.stderr
    assert "configuration OK" in out.stdout and "disabled: CKAN_CITY_URL is not set" in out.stdout


@pytest.mark.parametrize("edit,needle", [
    ("feed:\n  port: 8080\n  colour: blue\n", "colour"),      # unknown key
    ("feed:\n  port: lots\n", "port"),                        # wrong type
    ("base_uri: ${SURELY_UNSET_VARIABLE_X}\n", "SURELY_UNSET_VARIABLE_X"),  # missing ${VAR}
])
def test_bad_config_exits_2_naming_file_and_key(example_copy: Path, edit: str, needle: str):
    text = example_copy.read_text()
    key = edit.split(":", 1)[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith(key + ":")]
    if key == "feed":  # drop the original feed block so the edited one is the only one
        out, skipping = [], False
        for ln in lines:
            if ln.startswith("feed:"):
                skipping = True
                continue
            if skipping and (ln.startswith(" ") or not ln.strip()):
                continue
            skipping = False
            out.append(ln)
        lines = out
    example_copy.write_text("\n".join(lines) + "\n" + edit)
    result = harvester("--config", str(example_copy), "validate-config")
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(example_copy) in result.stderr and needle in result.stderr


def test_harvest_status_jobs_job_and_preview(example_copy: Path, tmp_path: Path):
    env = {"HARVESTER_DATABASE_URL": f"sqlite:///{tmp_path}/state.db"}
    cfg = ["--config", str(example_copy)]
    run = harvester(*cfg, "harvest", "katalog-diskominfotik", "dinkes-sipd", env=env)
    assert run.returncode == 0, run.stderr  # record issues are SDI warnings/errors, not failed records
    assert "katalog-diskominfotik: job" in run.stdout and "created=8" in run.stdout
    status = json.loads(harvester(*cfg, "status", "--json", env=env).stdout)
    by_source = {row["source"]: row for row in status["sources"]}
    assert by_source["katalog-diskominfotik"]["records"] == 8 and by_source["daftar-data-opd"]["records"] == 0
    katalog = by_source["katalog-diskominfotik"]
    assert katalog["state"] in ("ok", "errors") and katalog["last_success"] and katalog["next_run"] > katalog["last_finished"]
    assert by_source["daftar-data-opd"]["state"] == "never"
    assert {t["target"]: t["enabled"] for t in status["targets"]} == {"kota": False, "jatim": False, "nasional": False}
    assert all(t["disabled_reason"] and t["pending"] == 0 for t in status["targets"])
    jobs = json.loads(harvester(*cfg, "jobs", "--json", env=env).stdout)
    assert {j["source_id"] for j in jobs} == {"katalog-diskominfotik", "dinkes-sipd"}
    assert all(j["duration"] and j["duration"].startswith("0:00:") for j in jobs)
    table = harvester(*cfg, "status", env=env).stdout
    assert "NEXT RUN" in table and "PENDING" in table and "katalog-diskominfotik" in table
    job = json.loads(harvester(*cfg, "job", str(jobs[0]["id"]), "--json", env=env).stdout)
    assert job["job"]["status"] in ("done", "done_with_errors") and job["issues"]
    preview = harvester(*cfg, "preview", "daftar-data-opd", "--limit", "2", env=env)
    lines = [json.loads(line) for line in preview.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 2 and lines[0]["identifier"] == "DD-2024-001"
    unknown = harvester(*cfg, "harvest", "no-such-source", env=env)
    assert unknown.returncode == 2 and "no-such-source" in unknown.stderr


def test_unreachable_source_exits_3(example_copy: Path, tmp_path: Path):
    source = example_copy.parent / "sources" / "katalog-diskominfotik.yaml"
    source.write_text(source.read_text().replace("url: ../data/katalog-diskominfotik.ttl",
                                                 "url: http://127.0.0.1:9/catalog.ttl"))
    env = {"HARVESTER_DATABASE_URL": f"sqlite:///{tmp_path}/state.db"}
    result = harvester("--config", str(example_copy), "harvest", "katalog-diskominfotik", env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "failed" in result.stdout
