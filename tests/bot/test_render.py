"""Terminal text: report lines stay one line each and print anywhere."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime

from bot import render
from index.indexer import ReindexSummary
from index.knowledge_base import IndexStats
from index.records import (
    Answer,
    AnswerSentence,
    ArticleInfo,
    Citation,
    Hit,
    Skipped,
    Truncated,
)
from index.web.refresh import RefreshSummary

LONG_URL = "https://news.test/" + "a" * 100_000
BAD_NAME = os.fsdecode(b"caf\xe9\nnotes.txt")  # a latin-1 byte and a newline in a file name


def test_reindex_summary_shows_every_skipped_name_on_one_escaped_line():
    summary = ReindexSummary(
        skipped=[
            Skipped(BAD_NAME, "empty file"),
            Skipped("wires.jsonl:3", "field 'text' holds \ud800"),
            Skipped(LONG_URL, "duplicate of a.txt"),
        ]
    )

    text = render.summary_text(summary)

    text.encode("utf-8")  # printing it cannot fail with "surrogates not allowed"
    lines = text.splitlines()
    assert len(lines) == 1 + 3
    assert lines[1] == "  skipped caf\\xe9\\nnotes.txt: empty file"
    assert lines[2] == "  skipped wires.jsonl:3: field 'text' holds \\ud800"
    assert len(lines[3]) < 400 and lines[3].endswith("…: duplicate of a.txt")


def test_fetch_failures_show_each_url_on_one_short_line():
    fetched = RefreshSummary(
        skipped=[
            Skipped("http://news.test/a\r\nX-Injected: yes", "HTTP 404"),
            Skipped(LONG_URL, "HTTP 500"),
        ]
    )

    lines = render.fetch_text(fetched).splitlines()

    assert len(lines) == 1 + 2
    assert lines[1] == "  failed http://news.test/a\\r\\nX-Injected: yes: HTTP 404"
    assert len(lines[2]) < 400


def test_reindex_summary_counts_and_lists_truncated_articles():
    summary = ReindexSummary(articles=1, truncated=[Truncated("huge.txt", 4_650_000, 199_990)])

    lines = render.summary_text(summary).splitlines()

    assert ", 0 skipped, 1 truncated in " in lines[0]
    assert lines[1] == "  truncated huge.txt: kept the first 199,990 of 4,650,000 characters"


HOSTILE = "\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 title \u202eevil\u202c \x9b2J"
ARTICLE = ArticleInfo("a1", HOSTILE, "https://x.test/\x1b[2J", HOSTILE, None, None)


def test_article_and_model_text_reaches_the_terminal_escaped():
    answer = Answer(
        "q", (AnswerSentence(f"Said {HOSTILE}\tand\nmore.", (1,)),), (Citation(1, ARTICLE),)
    )
    hit = Hit(ARTICLE, "seg-000001:0", 0, 10, f"{HOSTILE}\n\npassage", 1.0)
    stats = IndexStats(
        "gen-000001", "m", 4, "flat", 1, 1, datetime(2024, 1, 1), ((HOSTILE, 1),), None, None
    )

    for text in (render.answer_text(answer), render.hits_text([hit]), render.stats_text(stats)):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text), text
        assert "\\x1b[31mRED\\x1b[0m \\x1b]0;pwned\\x07 title \\u202eevil\\u202c \\x9b2J" in text


def test_json_output_escapes_what_a_terminal_acts_on_and_keeps_the_value():
    hit = Hit(ARTICLE, "seg-000001:0", 0, 10, f"{HOSTILE}\n\npassage", 1.0)

    printed = render.json_text(render.hits_json([hit]))

    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", printed)
    assert "\\u202e" in printed and "\\u009b" in printed
    assert json.loads(printed)[0]["title"] == HOSTILE  # the same value, to a JSON reader
