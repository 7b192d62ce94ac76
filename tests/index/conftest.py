"""Fixtures of the knowledge-base tests: a knowledge base over the fixture collection."""

from __future__ import annotations

import pytest

from index.knowledge_base import KnowledgeBase


@pytest.fixture
def kb(settings, embedder):
    """A knowledge base over a private copy of the fixture collection, indexed."""
    knowledge_base = KnowledgeBase(settings, embedder)
    knowledge_base.reindex()
    return knowledge_base
