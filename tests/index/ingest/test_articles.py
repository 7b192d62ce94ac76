"""Building articles from parsed fields: titles, publishers, decoding."""

from __future__ import annotations

import json
from pathlib import Path

from index.ingest.files import load_articles
from index.records import Article, Skipped

FIXTURES = Path(__file__).parents[2] / "fixtures"


BAD = FIXTURES / "bad"


BODY = "The council voted on Tuesday to build protected cycle lanes along the river."


def _load(root: Path, **options: int) -> tuple[dict[str, Article], dict[str, str]]:
    """Articles and skip reasons by origin."""
    articles: dict[str, Article] = {}
    skipped: dict[str, str] = {}
    for item in load_articles(root, **options):
        if isinstance(item, Skipped):
            skipped[item.origin] = item.reason
        else:
            articles[item.origin] = item
    return articles, skipped


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_untitled_record_is_titled_by_its_first_line_which_stays_in_text(tmp_path: Path) -> None:
    _write(tmp_path / "feed.jsonl", json.dumps({"text": f"{BODY}\n\nMore detail follows here."}))
    article = _load(tmp_path)[0]["feed.jsonl:1"]
    assert article.title == BODY
    assert article.text == f"{BODY}\n\nMore detail follows here."


def test_source_defaults_to_url_host_without_www() -> None:
    articles, _ = _load(BAD / "records.jsonl")
    assert articles["records.jsonl:1"].source == "alpinedaily.example"
    assert articles["records.jsonl:3"].source == "citynotes.example"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    _write(tmp_path / "bom.txt", "\ufeffLanes approved\n\n" + BODY)
    article = _load(tmp_path)[0]["bom.txt"]
    assert (article.title, article.text) == ("Lanes approved", BODY)


def test_title_repeated_as_first_line_is_not_kept_in_text(tmp_path: Path) -> None:
    _write(tmp_path / "twice.txt", f"Lanes approved\n\nLanes  approved\n\n{BODY}")
    assert _load(tmp_path)[0]["twice.txt"].text == BODY
