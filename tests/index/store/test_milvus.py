"""What only the Milvus store does: publications that write what changed, and several
knowledge bases sharing one Milvus.

Milvus Lite lets one process open a file (a second one fails with DataDirLockedError),
so the sharing is tested with two knowledge bases of one process, each with its own
client, as two processes on a Milvus server would run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from index.errors import ConfigError, IndexNotFoundError, ReindexBusyError
from index.knowledge_base import KnowledgeBase
from index.store.backend import open_store
from index.store.layout import reindex_lock
from index.store.milvus import MilvusStore
from tests.conftest import ASKED
from tests.index.store.test_contract import FERRY, new_collection, store_settings


@pytest.fixture
def writer(tmp_path: Path, embedder, model_cache) -> KnowledgeBase:
    new_collection(tmp_path)
    settings = store_settings(tmp_path, "milvus", model_cache)
    kb = KnowledgeBase(settings, embedder, store=open_store(settings))
    kb.reindex()
    return kb


def reader_of(writer: KnowledgeBase, folder: Path, embedder) -> KnowledgeBase:
    """Another process's knowledge base: the same Milvus, no data dir of its own."""
    index = writer.settings.index.model_copy(update={"data_dir": folder / "elsewhere"})
    settings = writer.settings.model_copy(update={"index": index})
    return KnowledgeBase(settings, embedder, store=open_store(settings))


@pytest.mark.model
def test_a_publication_writes_only_the_articles_changed_since_its_collection(writer, monkeypatch):
    articles = writer.settings.index.articles[0]
    (articles / "ferry.txt").write_text(FERRY)
    writer.reindex()  # into the second collection, whole
    tram = articles / "transport" / "eastholm-tram-line-opens.md"
    tram.write_text(tram.read_text().replace("university", "observatory"))
    written: list[str] = []
    client = writer.store.client  # type: ignore[attr-defined]
    insert = client.insert

    def counting(collection, rows):
        written.extend(row["title"] for row in rows)
        return insert(collection, rows)

    monkeypatch.setattr(client, "insert", counting)
    writer.reindex()  # into the first again, which missed both changes
    assert {t.split()[0] for t in written} == {"Ferry", "Eastholm"}
    tram_hits = writer.search("Eastholm Line 4 tram observatory university", k=10)
    assert {h.article.title for h in tram_hits if "Eastholm" in h.article.title} == {
        "Eastholm opens Line 4 tram to the observatory after three years of works"
    }
    assert writer.stats().articles == 8


@pytest.mark.model
def test_two_knowledge_bases_on_one_milvus_answer_alike_and_see_each_reindex(
    writer, tmp_path, embedder
):
    reader = reader_of(writer, tmp_path, embedder)
    question = "who wants Iran out of Syria?"
    assert reader.ask(question, as_of=ASKED).text == writer.ask(question, as_of=ASKED).text
    (writer.settings.index.articles[0] / "ferry.txt").write_text(FERRY)
    writer.reindex()
    assert reader.search("ferry strike pay rise")[0].article.title == "Ferry strike ends"
    assert reader.stats().generation == writer.stats().generation


@pytest.mark.model
def test_one_reindex_at_a_time_the_second_is_refused(writer, embedder):
    other = KnowledgeBase(writer.settings, embedder, store=open_store(writer.settings))
    with reindex_lock(writer.settings.index.data_dir), pytest.raises(ReindexBusyError):
        other.reindex()


@pytest.mark.model
def test_before_the_first_publication_questions_are_told_to_reindex(tmp_path, embedder):
    settings = store_settings(tmp_path, "milvus", tmp_path)
    kb = KnowledgeBase(settings, embedder, store=open_store(settings))
    with pytest.raises(IndexNotFoundError, match="newsbot reindex"):
        kb.search("anything")


def test_a_milvus_lite_file_another_process_holds_is_a_one_line_error(tmp_path):
    settings = store_settings(tmp_path, "milvus", tmp_path)
    hold = f"from pymilvus import MilvusClient; c = MilvusClient({settings.store.uri!r}); "
    hold += "print('open', flush=True); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(ConfigError, match="one process"):
            MilvusStore(settings)
    finally:
        holder.communicate("\n", timeout=60)
