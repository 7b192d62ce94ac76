"""`newsbot bench` runs end to end on a tiny collection and reports what the issue asks."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_bench_json_reports_every_figure_for_every_system(tmp_path, capsys):
    assert main(["bench", str(FIXTURES / "bench"), "--json", "--work-dir", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["systems"]) == {"newsbot", "bm25", "dense", "naive"}
    for hits in report["systems"].values():
        assert set(hits) == {"hit@1", "hit@3", "hit@5", "hit@10"}
        assert all(0.0 <= value <= 1.0 for value in hits.values())
    # Four easy questions, and one asked before its answer was published: no system
    # may see that article, the baselines included.
    assert report["systems"]["newsbot"]["hit@5"] == 0.8
    assert all(hits["hit@10"] <= 0.8 for hits in report["systems"].values())
    assert report["as_of"] is True
    assert report["articles"] == 7 and report["questions"] == 5
    assert 0.0 <= report["answer_contains"] <= 1.0
    assert report["index_tokens_per_s"]["newsbot"] > 0 and report["index_tokens_per_s"]["naive"] > 0
    assert 0 < report["ask_ms"]["p50"] <= report["ask_ms"]["p95"]
    assert report["peak_rss_mb"] > 0
    calibration = report["weak_evidence_calibration"]
    assert [row["threshold"] for row in calibration] == [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
