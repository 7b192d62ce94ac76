"""Shared fixtures: the real embedding models (loaded once) and settings over tmp dirs."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.config import Settings
from index.embedding import Embedder, SentenceTransformerEmbedder, load_embedder

FIXTURES = Path(__file__).parent / "fixtures"
COLLECTION = FIXTURES / "collection"
# The day tests ask their questions: after every dated fixture article.
ASKED = date(2025, 1, 1)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The int8 model's cache folder, shared by every test and settings file of the session
    (the ``embedder`` fixture builds the model in it once)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The embedder users get by default: the int8 model, exported from the bundled
    weights offline by this fixture."""
    settings = Settings().model.model_copy(update={"cache_dir": model_cache})
    return load_embedder(settings, model_cache)


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceTransformerEmbedder:
    """The same model in fp32, as sentence-transformers runs it (the "torch" backend)."""
    return SentenceTransformerEmbedder(Settings().model)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the fixture collection."""
    target = tmp_path / "articles"
    shutil.copytree(COLLECTION, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, articles_dir: Path, model_cache: Path) -> Settings:
    defaults = Settings()
    return defaults.resolve_paths(tmp_path).model_copy(
        update={
            "index": defaults.index.model_copy(
                update={"data_dir": tmp_path / "data", "articles": [articles_dir]}
            ),
            "model": defaults.model.model_copy(update={"cache_dir": model_cache}),
        }
    )


def model_section(model_cache: Path) -> str:
    """The ``[model]`` section of a test's settings file: the session's model cache."""
    return f'[model]\ncache_dir = "{model_cache}"\n'
