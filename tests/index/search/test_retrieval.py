"""Hybrid retrieval over a real index of the fixture collection: ranking, per-article
diversification, filters, the exact and the approximate vector index."""

from __future__ import annotations

from datetime import date

import pytest

from index.knowledge_base import KnowledgeBase
from index.records import SearchFilters
from tests.conftest import ASKED

pytestmark = pytest.mark.model


SEED = "Running Iran Out of Syria"


def titles(hits):
    return [h.article.title for h in hits]


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


def test_the_quantised_index_answers_and_filters_like_the_exact_one(settings, embedder):
    quantised = settings.model_copy(
        update={"index": settings.index.model_copy(update={"vector_index": "pq"})}
    )
    kb = KnowledgeBase(quantised, embedder)
    kb.reindex()
    assert kb.stats().vector_index == "pq"
    hits = kb.search("volcano lava", k=3, filters=SearchFilters(sources=("Arctic Wire",)))
    assert hits and {h.article.source for h in hits} == {"Arctic Wire"}
    assert "Putin" in kb.ask("who wants Iran out of Syria?", as_of=ASKED).text


def test_when_few_articles_match_their_further_passages_fill_the_places(kb):
    searcher = kb.searcher()
    only_seed = SearchFilters(sources=("GZERO Media",))
    hits = searcher.search("Iran Syria Russia", k=3, filters=only_seed, max_per_article=1)
    assert titles(hits) == [SEED] * 3
    assert len({h.chunk_id for h in hits}) == 3


def test_at_most_the_per_article_limit_while_other_articles_remain(kb):
    hits = kb.searcher().search("news", k=5, max_per_article=1)
    assert len(hits) == 5 and len(set(titles(hits))) == 5


def test_lexical_mode_returns_only_passages_with_the_query_words(kb):
    hits = kb.searcher().search("Grindavik", k=5, mode="lexical")
    assert hits and all(h.dense_score is None and h.lexical_score for h in hits)
    assert all("grindavik" in h.passage.casefold() for h in hits)
