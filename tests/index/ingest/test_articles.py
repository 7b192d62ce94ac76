"""Building articles from parsed fields: titles, publishers, decoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.ingest.articles import truncated
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


def test_an_over_long_title_is_shortened_at_a_word(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps({"title": "Lanes " * 100_000, "text": BODY}))

    (article,) = load_all(tmp_path)[0].values()

    assert len(article.title) <= 301 and article.title.endswith("Lanes…")


# --- the per-article cap --------------------------------------------------------------


def test_text_within_the_limit_is_kept_whole() -> None:
    assert truncated(BODY, len(BODY)) == BODY


def test_an_over_long_text_is_cut_after_its_last_whole_sentence() -> None:
    text = (BODY + " ") * 100

    cut = truncated(text, 5_000)

    assert len(cut) <= 5_000 and cut.endswith("river.")
    assert text.startswith(cut) and len(cut) > 5_000 - len(BODY) - 2


@pytest.mark.parametrize("word", ["lanes ", "x"])
def test_without_a_sentence_end_the_cut_is_at_a_space_else_at_the_limit(word: str) -> None:
    text = word * 10_000

    cut = truncated(text, 5_000)

    assert text.startswith(cut) and 5_000 - len(word) <= len(cut) <= 5_000
    assert not cut.endswith(" ")
