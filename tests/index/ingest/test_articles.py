"""Building articles from parsed fields: titles, publishers, decoding."""

from __future__ import annotations

import json
from pathlib import Path

from tests.index.ingest.helpers import BAD, BODY, load_all, write


def test_untitled_record_is_titled_by_its_first_line_which_stays_in_text(tmp_path: Path) -> None:
    write(tmp_path / "feed.jsonl", json.dumps({"text": f"{BODY}\n\nMore detail follows here."}))
    article = load_all(tmp_path)[0]["feed.jsonl:1"]
    assert article.title == BODY
    assert article.text == f"{BODY}\n\nMore detail follows here."


def test_source_defaults_to_url_host_without_www() -> None:
    articles, _ = load_all(BAD / "records.jsonl")
    assert articles["records.jsonl:1"].source == "alpinedaily.example"
    assert articles["records.jsonl:3"].source == "citynotes.example"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    write(tmp_path / "bom.txt", "\ufeffLanes approved\n\n" + BODY)
    article = load_all(tmp_path)[0]["bom.txt"]
    assert (article.title, article.text) == ("Lanes approved", BODY)


def test_title_repeated_as_first_line_is_not_kept_in_text(tmp_path: Path) -> None:
    write(tmp_path / "twice.txt", f"Lanes approved\n\nLanes  approved\n\n{BODY}")
    assert load_all(tmp_path)[0]["twice.txt"].text == BODY
