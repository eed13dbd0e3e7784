"""Metadata quality and Satu Data compliance: per-dataset scores, aggregates, reports (docs/quality.md).

Entry points: ``QualityScorer`` (score one dataset), ``record_scores`` (store a job's scores and trend
points), ``build_report`` + ``render_json`` / ``render_csv`` / ``render_html`` (reports),
``harvester.quality.web.ReportApp`` (the /report pages) and ``harvester.quality.dqv.quality_triples``
(DQV measurements for the DCAT feed).
"""

from __future__ import annotations

from harvester.quality.recording import record_scores, score_source
from harvester.quality.render_csv import render_csv, render_json
from harvester.quality.render_html import render_html
from harvester.quality.report import Report, UnknownOrganisation, build_report
from harvester.quality.scoring import BANDS, SCORING_VERSION, DatasetScore, QualityScorer, band_for

__all__ = ["BANDS", "SCORING_VERSION", "DatasetScore", "QualityScorer", "Report", "UnknownOrganisation",
           "band_for", "build_report", "record_scores", "render_csv", "render_html", "render_json", "score_source"]
