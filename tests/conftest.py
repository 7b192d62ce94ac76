"""Shared fixtures: the real embedding model (loaded once) and settings over tmp dirs."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.config import Settings
from index.embedding import SentenceTransformerEmbedder

FIXTURES = Path(__file__).parent / "fixtures"
COLLECTION = FIXTURES / "collection"
# The day tests ask their questions: after every dated fixture article.
ASKED = date(2025, 1, 1)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(Settings().model)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the fixture collection."""
    target = tmp_path / "articles"
    shutil.copytree(COLLECTION, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, articles_dir: Path) -> Settings:
    return (
        Settings()
        .resolve_paths(tmp_path)
        .model_copy(
            update={
                "index": Settings().index.model_copy(
                    update={"data_dir": tmp_path / "data", "articles": [articles_dir]}
                )
            }
        )
    )
