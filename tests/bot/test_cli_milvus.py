"""The newsbot command line over the Milvus store (Milvus Lite in a temp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import model_section

pytestmark = pytest.mark.model


def test_reindex_then_the_seed_question_is_answered_and_stats_name_the_store(
    tmp_path: Path, articles_dir: Path, model_cache: Path, capsys
):
    config = tmp_path / "newsbot.toml"
    config.write_text(
        f'[index]\ndata_dir = "data"\narticles = ["{articles_dir}"]\n'
        '[store]\nbackend = "milvus"\nuri = "milvus.db"\n' + model_section(model_cache)
    )
    assert main(["--config", str(config), "reindex", "--quiet"]) == 0
    assert main(["--config", str(config), "ask", "who wants Iran out of Syria?"]) == 0
    assert main(["--config", str(config), "stats"]) == 0
    out = capsys.readouterr().out
    assert "Putin" in out and "Running Iran Out of Syria" in out
    assert "(milvus store)" in out and "onnx-int8" in out
    assert (tmp_path / "milvus.db").exists()
