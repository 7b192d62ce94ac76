"""`newsbot bench-scale` runs end to end on a small N and reports every figure."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.conftest import model_section

pytestmark = [pytest.mark.model, pytest.mark.slow]

KEYS = {
    "articles",
    "passages",
    "reindex_s",
    "unchanged_reindex_s",
    "changed_reindex_s",
    "open_s",
    "verify_s",
    "peak_rss_mb",
    "disk_mb",
    "search_ms",
    "recall_at_10",
    "model_passages_per_s",
    "model_backend",
}


def test_bench_scale_json_reports_every_figure(tmp_path, capsys, model_cache):
    config = tmp_path / "newsbot.toml"
    config.write_text(model_section(model_cache))
    work = tmp_path / "work"
    work.mkdir()
    argv = ["--config", str(config), "bench-scale", "40", "--json", "--work-dir", str(work)]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= KEYS
    assert report["articles"] == 40 and report["passages"] >= 40
    assert 0 < report["unchanged_reindex_s"] < report["reindex_s"]
    assert report["verify_s"] > 0  # the background verification, waited for
    assert 0 < report["search_ms"]["p50"] <= report["search_ms"]["p95"]
    assert report["recall_at_10"] == 1.0  # exact below the approximate_from threshold
    assert report["model_passages_per_s"] > 0 and report["disk_mb"] > 0
    assert "stand-in" in report["encoder"]
    assert list(work.iterdir()) == []  # the synthetic collection is removed
