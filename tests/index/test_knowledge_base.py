"""End to end with the real model: reindex, incremental reindex, search, ask."""

from __future__ import annotations

import json
import os
import random

import pytest

from index.errors import InvalidQueryError
from index.ingest.urls import storage_key
from index.knowledge_base import KnowledgeBase
from index.records import Turn
from tests.conftest import ASKED

pytestmark = pytest.mark.model

SEED = "Running Iran Out of Syria"
FERRY = (
    "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry strike on "
    "Monday after the operator agreed to a 6% pay rise and new rest rules for crews."
)


def titles(hits):
    return [h.article.title for h in hits]


def test_reindex_indexes_every_article_once(settings, embedder):
    summary = KnowledgeBase(settings, embedder).reindex()
    assert (summary.articles, summary.added, summary.skipped) == (7, 7, [])
    assert summary.changed and summary.chunks >= 7


def test_incremental_reindex_reuses_unchanged_replaces_changed_drops_removed(kb, articles_dir):
    (articles_dir / "transport" / "eastholm-tram-line-opens.md").unlink()
    seed = articles_dir / "gzero-running-iran-out-of-syria.txt"
    seed.write_text(seed.read_text().replace("Squabbling", "Bickering"))
    (articles_dir / "new.txt").write_text(
        "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry strike on "
        "Monday after the operator agreed to a 6% pay rise and new rest rules for crews."
    )
    summary = kb.reindex()
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 1, 1, 5)
    assert summary.chunks_embedded < summary.chunks, "unchanged articles were embedded again"
    assert "Eastholm" not in " ".join(titles(kb.search("tram line university", k=10)))
    assert "Bickering" in kb.search("Bickering between external players in Syria")[0].text
    assert kb.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"


def test_reindex_of_an_unchanged_collection_builds_nothing(kb):
    summary = kb.reindex()
    assert not summary.changed and summary.unchanged == summary.articles == 7


def test_bad_files_are_reported_and_skipped_while_good_ones_are_indexed(settings, embedder):
    from tests.conftest import FIXTURES

    settings = settings.model_copy(
        update={
            "index": settings.index.model_copy(
                update={"articles": [*settings.index.articles, FIXTURES / "bad"]}
            )
        }
    )
    summary = KnowledgeBase(settings, embedder).reindex()
    reasons = {s.origin.split("/")[-1]: s.reason for s in summary.skipped}
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "malformed JSON" in reasons["malformed.json"]
    assert "unsupported file type .pdf" in reasons["notes.pdf"]
    assert summary.articles == 7 + 3  # the good article and the two good jsonl records


def test_a_file_whose_name_is_not_utf8_is_indexed_and_reported_escaped(
    settings, embedder, articles_dir
):
    folder = os.fsencode(articles_dir)
    with open(os.path.join(folder, b"ferry-\xff.txt"), "wb") as file:
        file.write(FERRY.encode())
    with open(os.path.join(folder, b"empty-\xfe.txt"), "wb"):
        pass
    kb = KnowledgeBase(settings, embedder)

    summary = kb.reindex()

    assert (summary.added, [s.origin for s in summary.skipped]) == (8, ["empty-\\xfe.txt"])
    assert kb.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"
    assert not kb.reindex().changed  # its id is the same on the next run


@pytest.mark.parametrize("name", ["wire.json", "wire.jsonl"])
def test_lone_surrogates_in_json_articles_do_not_stop_a_reindex(
    settings, embedder, articles_dir, name
):
    record = {"title": "Ferry strike ends \ud800", "text": FERRY.partition("\n")[2] + "\udfff"}
    (articles_dir / name).write_text(json.dumps(record))  # escaped as "\ud800" in the file
    kb = KnowledgeBase(settings, embedder)

    summary = kb.reindex()

    assert (summary.added, summary.skipped) == (8, [])
    assert kb.search("ferry strike pay rise")[0].article.title == "Ferry strike ends \ufffd"


def huge_line(chars: int) -> str:
    """One line of ``chars`` characters: first a single "sentence" of 250,000 (every full
    stop an abbreviation), then prose, runs of dots and more abbreviations."""
    rng = random.Random(4650)
    words = "council voted river lanes budget minister ferry strike wages union".split()
    parts = ["Talks with Mr. A. Smith and Dr. Jones of the U.S. port authority"] * 3_800
    size = sum(map(len, parts))
    while size < chars:
        pick = rng.random()
        if pick < 0.8:
            part = " ".join(rng.choice(words) for _ in range(14)).capitalize() + "."
        elif pick < 0.9:
            part = "." * rng.randint(10, 5_000)
        else:
            part = "with Mr. B. Brown and Gov. Hale " * rng.randint(1, 200)
        parts.append(part)
        size += len(part) + 1
    return " ".join(parts)[:chars]


@pytest.mark.slow
def test_a_multi_megabyte_single_line_article_is_truncated_to_a_bounded_size(
    settings, embedder, articles_dir
):
    """Issue 13: a 4.65 MB one-line .txt became 3,004 passages in ~12 minutes."""
    (articles_dir / "huge.txt").write_text("A very long dispatch\n" + huge_line(4_650_000))
    # A quarter of the default (200,000), to embed a quarter as many passages; the
    # bound is proportional to the limit.
    limit = 50_000
    index = settings.index.model_copy(update={"max_article_chars": limit})
    kb = KnowledgeBase(settings.model_copy(update={"index": index}), embedder)

    summary = kb.reindex()

    (cut,) = summary.truncated
    assert cut.origin == "huge.txt" and cut.chars > 4_600_000  # after cleaning
    assert limit - 2_000 <= cut.kept <= limit
    passages = [text for text, _ in kb.searcher().index.generation.live_passages()]
    assert any(p.startswith("A very long dispatch\n") for p in passages)
    assert summary.articles == 8
    # About one passage per 850 characters kept, against 3,004 for the whole file.
    assert summary.chunks <= 20 + limit // 500, summary.chunks


def test_a_file_skipped_for_a_limit_is_read_once_the_limit_is_raised(
    settings, embedder, articles_dir
):
    (articles_dir / "long.txt").write_text("A long dispatch\n" + "Rain fell on Eastholm. " * 400)
    small = settings.index.model_copy(update={"max_file_bytes": 5_000})
    summary = KnowledgeBase(settings.model_copy(update={"index": small}), embedder).reindex()
    assert [s.origin for s in summary.skipped] == ["long.txt"]

    summary = KnowledgeBase(settings, embedder).reindex()  # the file itself is untouched

    assert summary.skipped == [] and summary.added == 1


def test_exact_duplicates_are_indexed_once(settings, embedder, articles_dir):
    seed = articles_dir / "gzero-running-iran-out-of-syria.txt"
    (articles_dir / "copy-of-seed.txt").write_bytes(seed.read_bytes())
    summary = KnowledgeBase(settings, embedder).reindex()
    assert summary.articles == 7
    assert [s.reason for s in summary.skipped] == [
        "duplicate of gzero-running-iran-out-of-syria.txt"
    ] or [s.origin for s in summary.skipped] == ["gzero-running-iran-out-of-syria.txt"]


def test_a_follow_up_is_searched_with_the_turn_it_fits_best_not_merely_the_last(kb):
    syria = Turn("who wants Iran out of Syria?", "Netanyahu wants Iranian forces out.")
    tram = Turn("When did the Eastholm tram Line 4 open?", "Line 4 opened in May.")
    answer = kb.ask("and what does Moscow want?", conversation=[syria, tram], as_of=ASKED)
    alone = kb.ask("and what does Moscow want?", as_of=ASKED)
    assert answer.citations and answer.citations[0].article.title == SEED
    assert alone.text != answer.text  # the test would prove nothing otherwise


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_empty_or_oversized_questions_are_refused_clearly(kb, question):
    with pytest.raises(InvalidQueryError):
        kb.ask(question, as_of=ASKED)


def test_searches_during_a_reindex_see_the_old_or_the_new_generation_whole(kb, articles_dir):
    import threading

    (articles_dir / "ferry.txt").write_text(
        "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry strike on "
        "Monday after the operator agreed to a 6% pay rise and new rest rules for crews."
    )
    reindexing = threading.Thread(target=kb.reindex)
    reindexing.start()
    seen = []
    while reindexing.is_alive():
        searcher = kb.searcher()  # what a query holds on to for its whole run
        hits = searcher.search("ferry strike pay rise", k=10)
        seen.append(("Ferry strike ends" in titles(hits), searcher.index.generation.name))
    reindexing.join()
    assert kb.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"
    assert seen, "no search ran while the reindex did"
    # Every search ran against one complete generation: old ones lack the article.
    assert all(found == (name != "gen-000001") for found, name in seen)


def test_syndicated_copies_are_indexed_once_and_named_in_the_sources(settings, embedder):
    from tests.conftest import COLLECTION

    wires = (COLLECTION / "wires" / "briefs-2024.jsonl").read_text().splitlines()
    eruption = json.loads(wires[0])
    copy = {
        **eruption,
        "id": "reprint-1",
        "url": "https://southcoastherald.example/2024/01/16/grindavik",
        "source": "South Coast Herald",
        "date": "2024-01-16",
        "text": eruption["text"] + " This story was first published by Arctic Wire.",
    }
    extra = settings.index.articles[0] / "reprints.jsonl"
    extra.write_text(json.dumps(copy) + "\n")
    kb = KnowledgeBase(settings, embedder)
    summary = kb.reindex()
    assert summary.articles == 7 and summary.syndicated == 1
    answer = kb.ask("Why was Grindavik evacuated?", as_of=ASKED)
    [source] = [c.article for c in answer.citations]
    assert source.source == "Arctic Wire"  # the earlier one is the original
    assert [r.source for r in source.also_reported_by] == ["South Coast Herald"]


GRINDAVIK_URL = "https://arcticwire.example/iceland/2024/01/grindavik-fissure-eruption"


def test_find_article_matches_a_pasted_link_loosely(kb):
    pasted = "http://www.ArcticWire.example/iceland/2024/01/grindavik-fissure-eruption/?ref=x"
    detail = kb.find_article(pasted)
    assert detail is not None and detail.article.url == GRINDAVIK_URL
    assert detail.opening.startswith("A volcanic fissure opened")


def test_indexed_articles_finds_fetched_keys_in_the_index_in_their_order(kb):
    found = kb.indexed_articles(
        [
            "https://nowhere.example/not-indexed",
            storage_key(GRINDAVIK_URL + "?utm_source=feed"),
            "https://northernledger.example/economy/2024/03/reserve-bank-holds-rates",
            storage_key(GRINDAVIK_URL),
        ]
    )
    assert [a.title for a in found] == [
        "Fissure eruption forces evacuation of Grindavik",
        "Northern Reserve Bank holds rates at 3.75% but signals cuts before summer",
    ]
