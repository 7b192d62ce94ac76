"""Fixtures of the front-end tests: the settings as the bot reads them, a built index, the
fake Discord."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import AppSettings
from index.config import Settings
from index.embedding import Embedder
from index.knowledge_base import KnowledgeBase
from tests.conftest import COLLECTION
from tests.fakediscord.harness import fake_discord  # noqa: F401  (a fixture)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data dir indexing the fixture collection, built once and copied by each test."""
    base = tmp_path_factory.mktemp("built")
    shutil.copytree(COLLECTION, base / "articles")
    settings = Settings().model_copy(
        update={
            "index": Settings().index.model_copy(
                update={"data_dir": base / "data", "articles": [base / "articles"]}
            )
        }
    )
    KnowledgeBase(settings, embedder).reindex()
    return base / "data"


@pytest.fixture
def settings(settings: Settings) -> AppSettings:
    """The test settings as the bot reads them: with a ``[discord]`` section."""
    return AppSettings(**dict(settings))
