"""A data dir damaged in every file, every way a failing disk or a careless hand can:
asking gives an answer or a one-line error, and a reindex restores a working index."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from index.errors import NewsbotError
from index.knowledge_base import KnowledgeBase
from tests.conftest import ASKED

pytestmark = [pytest.mark.model, pytest.mark.slow]

ARTICLES = {
    "ferry.txt": "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry "
    "strike on Monday after the operator agreed to a six per cent pay rise.",
    "tram.txt": "Tram line opens\n\nEastholm's new Line 4 tram to the university carried "
    "its first passengers on Monday morning, with 18 stops along the way.",
}
QUESTION = "Why did the ferry strike end?"
JSON_FILES = {"manifest.json", "segment.json", "checksums.json"}
DAMAGES = ("truncate", "flip", "zero", "delete", "json-shape", "directory", "symlink")


def settings_for(settings, data_dir: Path, articles: Path):
    index = settings.index.model_copy(
        update={"data_dir": data_dir, "articles": [articles], "approximate_from": 1}
    )
    return settings.model_copy(update={"index": index})


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """A small index with every kind of file (an HNSW graph included), built once."""
    from index.config import Settings

    root = tmp_path_factory.mktemp("damage")
    articles = root / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / name).write_text(text)
    settings = settings_for(Settings(), root / "data", articles)
    KnowledgeBase(settings, embedder).reindex()
    return root


def index_files(data_dir: Path) -> list[str]:
    """Every file of the data dir (the reindex lock included, even where none exists yet)."""
    files = {str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file()}
    return sorted(files | {"reindex.lock"})


def damage(path: Path, how: str, elsewhere: Path) -> bool:
    """Damage ``path``; False when this damage does not apply to it."""
    if how == "json-shape":
        if path.name not in JSON_FILES and path.name != "CURRENT":
            return False
        path.write_text("[]")
    elif how == "delete":
        path.unlink(missing_ok=True)
    elif how == "directory":
        path.unlink(missing_ok=True)
        path.mkdir()
    elif how == "symlink":
        path.unlink(missing_ok=True)
        path.symlink_to(elsewhere)
    else:
        data = bytearray(path.read_bytes()) if path.exists() else bytearray()
        if not data:
            return False
        if how == "truncate":
            data = data[: len(data) // 2]
        elif how == "flip":
            for position in range(0, len(data), max(1, len(data) // 7)):
                data[position] ^= 0xFF
        else:  # zero
            data = bytearray(len(data))
        path.write_bytes(bytes(data))
    return True


def test_every_damage_to_every_file_is_reported_on_one_line_and_repaired(
    template, settings, embedder, tmp_path
):
    tried = repaired = 0
    elsewhere = tmp_path / "elsewhere.bin"
    elsewhere.write_bytes(os.urandom(4096))
    names = index_files(template / "data")
    for number, (name, how) in enumerate(itertools.product(names, DAMAGES)):
        data_dir = tmp_path / f"case-{number}"
        shutil.copytree(template / "data", data_dir, symlinks=True)
        if not damage(data_dir / name, how, elsewhere):
            continue
        tried += 1
        case = settings_for(settings, data_dir, template / "articles")
        damaged = KnowledgeBase(case, embedder)
        try:
            damaged.ask(QUESTION, as_of=ASKED)
        except NewsbotError as error:
            assert "\n" not in str(error), (name, how, str(error))
        damaged.reindex()
        repaired_kb = KnowledgeBase(case, embedder)  # as a new process would open it
        assert repaired_kb.check().articles == 2, (name, how)
        [hit] = repaired_kb.search(QUESTION, k=1)
        assert "nine-day" in hit.text, (name, how)
        repaired += 1
        shutil.rmtree(data_dir)
    print(f"damages tried: {tried}, repaired: {repaired}")
    assert tried == repaired and tried >= 100
