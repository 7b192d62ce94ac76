"""One contract, every store: what the knowledge base must get from the local store and
from the Milvus store (on Milvus Lite in a temp dir) alike."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

import pytest

from index.config import Settings
from index.embedding import Embedder
from index.errors import IndexMismatchError
from index.knowledge_base import KnowledgeBase
from index.records import SearchFilters
from index.store.backend import open_store
from tests.conftest import ASKED, COLLECTION

pytestmark = pytest.mark.model

STORES = ["local", "milvus"]
GRINDAVIK = "Fissure eruption forces evacuation of Grindavik"
SEED = "Running Iran Out of Syria"
FERRY = (
    "Ferry strike ends\n\nDock workers in Port Aven ended a nine-day ferry strike on "
    "Monday after the operator agreed to a 6% pay rise and new rest rules for crews."
)


def store_settings(folder: Path, store: str, model_cache: Path) -> Settings:
    """Settings over ``folder/articles`` with the given store; Milvus Lite in ``folder``."""
    defaults = Settings()
    return defaults.model_copy(
        update={
            "index": defaults.index.model_copy(
                update={"data_dir": folder / "data", "articles": [folder / "articles"]}
            ),
            "model": defaults.model.model_copy(update={"cache_dir": model_cache}),
            "store": defaults.store.model_copy(
                update={"backend": store, "uri": str(folder / "milvus.db")}
            ),
        }
    )


def new_collection(folder: Path) -> Path:
    shutil.copytree(COLLECTION, folder / "articles")
    return folder / "articles"


def titles(hits):
    return [h.article.title for h in hits]


@pytest.fixture(scope="module", params=STORES)
def indexed(request, tmp_path_factory, embedder: Embedder, model_cache: Path) -> KnowledgeBase:
    """The fixture collection indexed once per store, for the tests that only read."""
    folder = tmp_path_factory.mktemp(request.param)
    new_collection(folder)
    settings = store_settings(folder, request.param, model_cache)
    kb = KnowledgeBase(settings, embedder, store=open_store(settings))
    kb.reindex()
    return kb


@pytest.fixture(params=STORES)
def fresh(request, tmp_path: Path, embedder: Embedder, model_cache: Path) -> KnowledgeBase:
    """A knowledge base of its own, indexed, for a test that changes the collection."""
    new_collection(tmp_path)
    settings = store_settings(tmp_path, request.param, model_cache)
    kb = KnowledgeBase(settings, embedder, store=open_store(settings))
    kb.reindex()
    return kb


def test_every_article_is_indexed_once_and_stats_name_the_store(indexed):
    stats = indexed.stats()
    assert (stats.articles, stats.store, stats.embedding) == (
        7,
        indexed.settings.store.backend,
        "onnx-int8",
    )
    assert dict(stats.sources)["Arctic Wire"] == 1
    assert (stats.oldest, stats.newest) == (date(2024, 1, 15), date(2024, 7, 2))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_search_mode_finds_the_article_the_words_name(indexed, mode):
    hits = indexed.search("Grindavik fissure eruption evacuation", k=3, mode=mode)
    assert hits[0].article.title == GRINDAVIK
    assert "Grindavik" in hits[0].text


def test_a_publisher_filter_keeps_that_publisher_only(indexed):
    hits = indexed.search("news", k=5, filters=SearchFilters(sources=("northern ledger",)))
    assert hits and {h.article.source for h in hits} == {"Northern Ledger"}


def test_a_date_range_keeps_dated_articles_within_it(indexed):
    since, until = date(2024, 3, 1), date(2024, 5, 31)
    hits = indexed.search("city", k=10, filters=SearchFilters(since=since, until=until))
    assert len({h.article.id for h in hits}) == 3  # the bank, the museum, the tram
    assert all(h.article.published and since <= h.article.published <= until for h in hits)


def test_asked_as_of_a_day_later_articles_are_left_out_undated_ones_stay(indexed):
    hits = indexed.search("Iran Syria eruption bank", k=10, as_of=date(2024, 2, 1))
    assert SEED in titles(hits) and GRINDAVIK in titles(hits)
    assert all(h.article.published is None or h.article.published <= date(2024, 2, 2) for h in hits)


def test_at_most_max_per_article_passages_while_other_articles_remain(indexed):
    index = indexed.searcher()
    hits = index.search("the", k=6, mode="dense", max_per_article=1)
    assert len({h.article.id for h in hits}) == 6
    # One article matches: its further passages fill the places rather than none.
    only = SearchFilters(sources=("gzero media",))
    hits = index.search("Iran", k=3, filters=only, max_per_article=1)
    assert len(hits) == 3 and len({h.chunk_id for h in hits}) == 3
    assert set(titles(hits)) == {SEED}


def test_the_seed_question_is_answered_from_its_article(indexed):
    answer = indexed.ask("who wants Iran out of Syria?", as_of=ASKED)
    assert answer.answered and answer.citations[0].article.title == SEED
    assert "Putin" in answer.text or "Russia" in answer.text


def test_an_article_is_found_by_a_loosely_pasted_link_with_its_opening(indexed):
    pasted = "http://www.ArcticWire.example/iceland/2024/01/grindavik-fissure-eruption/?ref=x"
    detail = indexed.find_article(pasted)
    assert detail is not None and detail.article.title == GRINDAVIK
    assert detail.opening.startswith("A volcanic fissure opened")
    longest = indexed.find_article("Northern Reserve Bank holds rates", opening_chars=5000)
    assert longest is not None and "Halvorsen" in longest.opening  # from every passage


def test_incremental_reindex_adds_replaces_and_removes(fresh):
    articles = fresh.settings.index.articles[0]
    (articles / "ferry.txt").write_text(FERRY)
    (articles / "northern-reserve-bank-holds-rates.md").unlink()
    tram = articles / "transport" / "eastholm-tram-line-opens.md"
    tram.write_text(tram.read_text().replace("university", "observatory"))
    summary = fresh.reindex()
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)
    assert fresh.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"
    assert "observatory" in fresh.find_article("Eastholm Line 4 tram").article.title
    bank = fresh.search("Northern Reserve Bank interest rates", k=10)
    assert not any("Reserve Bank" in t for t in titles(bank))
    assert fresh.stats().articles == 7


# The vote story holds more of the question's words and meaning; only the result names
# who was elected. Without the answering ranking the vote story comes first.
UNION_VOTE = (
    "Ferry union leader vote\n\nThe ferry union in Port Aven will elect its leader next "
    "month. The Port Aven ferry union elects a leader every four years."
)
UNION_RESULT = (
    "Marta Olsen to lead dock workers\n\nDock workers in Port Aven chose Marta Olsen on "
    "Friday to lead their union after the nine-day ferry strike."
)


def test_the_passage_that_names_what_is_asked_comes_before_one_that_restates_it(fresh):
    articles = fresh.settings.index.articles[0]
    (articles / "union-vote.txt").write_text(UNION_VOTE)
    (articles / "union-result.txt").write_text(UNION_RESULT)
    fresh.reindex()
    hits = fresh.search("Who did the Port Aven ferry union elect as its leader?", k=3)
    assert titles(hits)[:2] == ["Marta Olsen to lead dock workers", "Ferry union leader vote"]


def test_a_reader_during_a_reindex_sees_one_whole_index(fresh):
    (fresh.settings.index.articles[0] / "ferry.txt").write_text(FERRY)
    first = fresh.searcher().name
    reindexing = threading.Thread(target=fresh.reindex)
    reindexing.start()
    seen = []
    while reindexing.is_alive():
        index = fresh.searcher()  # what a question holds on to for its whole run
        hits = index.search("ferry strike pay rise", k=10)
        seen.append(("Ferry strike ends" in titles(hits), index.name))
    reindexing.join()
    assert seen, "no search ran while the reindex did"
    assert all(found == (name != first) for found, name in seen)
    assert fresh.searcher().name != first


def test_an_index_built_with_another_model_is_refused(fresh, embedder):
    model = fresh.settings.model.model_copy(update={"name": "someone/other-model"})
    changed = fresh.settings.model_copy(update={"model": model})
    other = KnowledgeBase(changed, embedder, store=open_store(changed))
    with pytest.raises(IndexMismatchError, match="other-model"):
        other.search("Grindavik")
