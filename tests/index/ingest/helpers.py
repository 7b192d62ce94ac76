"""What the tests of reading articles share: the fixture folders and small file helpers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.ingest.files import load_articles
from index.records import Article, Skipped
from tests.conftest import COLLECTION, FIXTURES

__all__ = ["BAD", "BODY", "COLLECTION", "SEED", "file_id", "load_all", "write"]

BAD = FIXTURES / "bad"
SEED = "gzero-running-iran-out-of-syria.txt"
BODY = "The council voted on Tuesday to build protected cycle lanes along the river."


def load_all(root: Path, **options: int) -> tuple[dict[str, Article], dict[str, str]]:
    """Articles and skip reasons by origin."""
    articles: dict[str, Article] = {}
    skipped: dict[str, str] = {}
    for item in load_articles(root, **options):
        if isinstance(item, Skipped):
            skipped[item.origin] = item.reason
        else:
            articles[item.origin] = item
    return articles, skipped


def file_id(key: str) -> str:
    """The id an article read from ``key`` (a relative path, or path#record) gets."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
