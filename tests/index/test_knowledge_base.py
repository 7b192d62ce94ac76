"""End to end with the real model: reindex, incremental reindex, search, ask."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from index.errors import InvalidQueryError
from index.knowledge_base import KnowledgeBase
from index.records import SearchFilters

pytestmark = pytest.mark.model

SEED = "Running Iran Out of Syria"


@pytest.fixture
def kb(settings, embedder):
    knowledge_base = KnowledgeBase(settings, embedder)
    knowledge_base.reindex()
    return knowledge_base


def titles(hits):
    return [h.article.title for h in hits]


def test_reindex_indexes_every_article_once(settings, embedder):
    summary = KnowledgeBase(settings, embedder).reindex()
    assert (summary.articles, summary.added, summary.skipped) == (7, 7, [])
    assert summary.changed and summary.chunks >= 7


def test_who_wants_iran_out_of_syria_names_russia_and_israel_citing_the_seed(kb):
    answer = kb.ask("who wants Iran out of Syria?")
    text = answer.text
    assert "Putin" in text or "Russia" in text
    assert "Netanyahu" in text or "Israel" in text
    assert [c.article.title for c in answer.citations] == [SEED]
    assert all(f"[{s.citation}]" in text for s in answer.sentences)


def test_answer_sentences_quote_the_articles_and_cite_only_contributing_sources(kb):
    answer = kb.ask("How many SUVs did Halden Motors recall?")
    assert answer.answered and "84,000" in answer.text
    cited = {s.citation for s in answer.sentences}
    assert cited == {c.number for c in answer.citations}
    for sentence in answer.sentences:
        article = next(c.article for c in answer.citations if c.number == sentence.citation)
        hit_texts = " ".join(" ".join(h.text.split()) for h in answer.hits if h.article == article)
        assert sentence.text in hit_texts


def test_a_question_the_articles_cannot_answer_gets_no_answer(kb):
    answer = kb.ask("What is the recipe for a good sourdough starter?")
    assert not answer.answered and answer.citations == ()


def test_search_returns_typed_hits_whose_offsets_quote_the_article(kb):
    hits = kb.search("lava fountains near the fishing town", k=3)
    assert hits[0].article.title == "Fissure eruption forces evacuation of Grindavik"
    assert hits[0].article.source == "Arctic Wire"
    assert hits[0].article.published == date(2024, 1, 15)
    assert all(h.dense_score is not None or h.lexical_score is not None for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_filters_by_source_and_date_range(kb):
    only = kb.search("news", k=10, filters=SearchFilters(sources=("northern ledger",)))
    assert {h.article.source for h in only} == {"Northern Ledger"}
    spring = SearchFilters(since=date(2024, 3, 1), until=date(2024, 5, 31))
    dated = kb.search("city opens new line", k=10, filters=spring)
    assert dated and all(
        date(2024, 3, 1) <= h.article.published <= date(2024, 5, 31) for h in dated
    )
    assert SEED not in titles(dated), "undated articles are outside any date range"
    assert kb.search("anything", filters=SearchFilters(sources=("nobody",))) == []


def test_one_article_does_not_fill_the_top_results(kb):
    hits = kb.search("Iran Syria Russia Israel Putin", k=5)
    assert titles(hits).count(SEED) <= 2


def test_dense_ranking_matches_brute_force_cosine(kb, embedder):
    searcher = kb.searcher()
    generation = searcher.generation
    vectors = generation.vectors.reconstruct_n(0, generation.vectors.ntotal)
    query = embedder.encode(["trams to the university"])[0]
    expected = np.argsort(-(vectors @ query))[:5]
    hits = searcher.search("trams to the university", k=5, mode="dense", max_per_article=99)
    assert [h.chunk_id for h in hits] == expected.tolist()


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


def test_exact_duplicates_are_indexed_once(settings, embedder, articles_dir):
    seed = articles_dir / "gzero-running-iran-out-of-syria.txt"
    (articles_dir / "copy-of-seed.txt").write_bytes(seed.read_bytes())
    summary = KnowledgeBase(settings, embedder).reindex()
    assert summary.articles == 7
    assert [s.reason for s in summary.skipped] == [
        "duplicate of gzero-running-iran-out-of-syria.txt"
    ] or [s.origin for s in summary.skipped] == ["gzero-running-iran-out-of-syria.txt"]


def test_follow_up_questions_use_the_earlier_ones_for_retrieval(kb):
    answer = kb.ask("and what does Tehran say?", earlier_questions=["who wants Iran out of Syria?"])
    assert answer.citations and answer.citations[0].article.title == SEED


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_empty_or_oversized_questions_are_refused_clearly(kb, question):
    with pytest.raises(InvalidQueryError):
        kb.ask(question)


def test_the_approximate_hnsw_index_answers_and_filters_like_the_exact_one(settings, embedder):
    hnsw = settings.model_copy(
        update={"index": settings.index.model_copy(update={"vector_index": "hnsw"})}
    )
    kb = KnowledgeBase(hnsw, embedder)
    kb.reindex()
    assert kb.stats().vector_index == "hnsw"
    hits = kb.search("volcano lava", k=3, filters=SearchFilters(sources=("Arctic Wire",)))
    assert hits and {h.article.source for h in hits} == {"Arctic Wire"}
    assert "Putin" in kb.ask("who wants Iran out of Syria?").text


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
        seen.append(("Ferry strike ends" in titles(hits), searcher.generation.name))
    reindexing.join()
    assert kb.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"
    assert seen, "no search ran while the reindex did"
    # Every search ran against one complete generation: old ones lack the article.
    assert all(found == (name != "gen-000001") for found, name in seen)


def test_questions_about_the_present_prefer_recent_articles(settings, embedder, articles_dir):
    for day, detail in (("2024-01-10", "the council approved"), ("2024-06-20", "crews began")):
        (articles_dir / f"bridge-{day}.md").write_text(
            f"---\ntitle: Kestrel bridge repairs\ndate: {day}\nsource: River Post\n---\n\n"
            f"Repairs of the Kestrel bridge moved forward as {detail} work on its deck, the "
            "river authority said, adding that the crossing stays closed to heavy traffic."
        )
    kb = KnowledgeBase(settings, embedder)
    kb.reindex()
    no_recency = settings.model_copy(
        update={"search": settings.search.model_copy(update={"recency_weight": 0.0})}
    )
    latest = kb.search("what is the latest on the Kestrel bridge repairs?", k=2)
    assert [h.article.published for h in latest] == [date(2024, 6, 20), date(2024, 1, 10)]
    unboosted = KnowledgeBase(no_recency, embedder).search(
        "what is the latest on the Kestrel bridge repairs?", k=2
    )
    assert unboosted[0].article.published == date(2024, 1, 10), "the test needs a tie to break"
    plain = KnowledgeBase(no_recency, embedder).search("Kestrel bridge council approved deck", k=2)
    assert plain[0].article.published == date(2024, 1, 10)


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
    answer = kb.ask("Why was Grindavik evacuated?")
    [source] = [c.article for c in answer.citations]
    assert source.source == "Arctic Wire"  # the earlier one is the original
    assert [r.source for r in source.also_reported_by] == ["South Coast Herald"]
