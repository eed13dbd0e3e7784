"""docs/quality.md documents exactly the checks, weights, rules and bands the code scores with."""

from __future__ import annotations

import re
from pathlib import Path

from harvester.quality.checks_dcat import ALL_CHECKS
from harvester.quality.scoring import BANDS, EPSS_BANDS, SCORING_VERSION

DOC = Path(__file__).resolve().parents[3] / "docs" / "quality.md"


def _table_after(heading: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8").split(heading, 1)[1]
    rows = []
    for line in text.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    return rows[1:]  # without the header row


def test_check_table_matches_the_code() -> None:
    rows = _table_after(f"### Table of checks (scoring version {SCORING_VERSION})")
    documented = [(r[0].strip("`"), r[1], int(r[2]), (re.match(r"SDI-V\d\d", r[3]) or [None])[0]) for r in rows]
    assert documented == [(c.id, c.dimension, c.weight, c.rule) for c in ALL_CHECKS]


def test_band_table_matches_the_code() -> None:
    rows = _table_after("## 2. Rating bands")
    assert [r[0] for r in rows] == [name for _, name in BANDS]
    assert [float(r[2].lstrip("≥< ")) for r in rows[:-1]] == [lo for lo, _ in BANDS[:-1]]
    assert [float(r[1].split()[0].lstrip("<")) for r in rows[:-1]] == [lo for lo, _ in EPSS_BANDS[:-1]]
