"""The generation store: integrity checks, model mismatch, publishing and locking."""

from __future__ import annotations

import sqlite3

import pytest

from index.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ReindexBusyError,
)
from index.knowledge_base import KnowledgeBase
from index.store.files import write_checksums
from index.store.generations import current_name, open_current, reindex_lock

pytestmark = pytest.mark.model


@pytest.fixture
def built(settings, embedder):
    KnowledgeBase(settings, embedder).reindex()
    return settings


def generation_dir(settings):
    return settings.index.data_dir / current_name(settings.index.data_dir)


def test_opening_an_empty_data_dir_says_to_reindex(settings, embedder):
    with pytest.raises(IndexNotFoundError, match="newsbot reindex"):
        KnowledgeBase(settings, embedder).search("anything")


def test_a_truncated_vector_file_is_detected_before_faiss_reads_it(built):
    vectors = generation_dir(built) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match="checksum mismatch"):
        open_current(built.index.data_dir)


def test_a_flipped_byte_in_the_database_is_detected(built):
    database = generation_dir(built) / "index.sqlite"
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"index\.sqlite: checksum mismatch"):
        open_current(built.index.data_dir)


def test_an_index_built_with_another_model_is_a_clear_error(built, embedder):
    other = built.model_copy(
        update={"model": built.model.model_copy(update={"name": "some/other-model"})}
    )
    with pytest.raises(IndexMismatchError, match=r"built with model .*run 'newsbot reindex'"):
        KnowledgeBase(other, embedder).search("Iran")


def test_an_index_built_by_the_torch_backend_is_refused_for_int8_until_reindexed(
    settings, embedder, torch_embedder
):
    by_torch = settings.model_copy(
        update={"model": settings.model.model_copy(update={"backend": "torch"})}
    )
    KnowledgeBase(by_torch, torch_embedder).reindex()
    assert open_current(settings.index.data_dir).manifest.backend == "torch"
    kb = KnowledgeBase(settings, embedder)  # the default: onnx-int8
    with pytest.raises(
        IndexMismatchError, match=r"backend 'torch' .* ask for 'onnx-int8': run 'newsbot reindex'"
    ):
        kb.search("Iran")
    summary = kb.reindex()
    assert summary.chunks_embedded == summary.chunks > 0  # no vector of torch's kept
    assert open_current(settings.index.data_dir).manifest.backend == "onnx-int8"
    assert kb.search("Iran")


def test_an_index_written_before_backends_were_recorded_counts_as_torch(built):
    folder = generation_dir(built)
    db = sqlite3.connect(folder / "index.sqlite")
    with db:
        db.execute("DELETE FROM manifest WHERE key = 'backend'")
    db.close()
    write_checksums(folder, ("index.sqlite", "vectors.faiss"))
    assert open_current(built.index.data_dir).manifest.backend == "torch"


def test_an_index_of_another_dimension_is_a_clear_error(built, embedder):
    class WiderEmbedder:
        name, backend, dimension = embedder.name, embedder.backend, 768
        max_tokens = embedder.max_tokens

    with pytest.raises(IndexMismatchError, match="768"):
        KnowledgeBase(built, WiderEmbedder()).search("Iran")  # type: ignore[arg-type]


def test_a_corrupt_index_is_rebuilt_by_reindex(built, embedder):
    vectors = generation_dir(built) / "vectors.faiss"
    vectors.write_bytes(b"garbage")
    summary = KnowledgeBase(built, embedder).reindex()
    assert summary.changed and summary.added == summary.articles
    assert open_current(built.index.data_dir).manifest.articles == summary.articles


def test_the_database_is_in_wal_mode_and_holds_the_manifest(built):
    db = sqlite3.connect(generation_dir(built) / "index.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    manifest = dict(db.execute("SELECT key, value FROM manifest"))
    assert manifest["model"] == '"sentence-transformers/all-MiniLM-L6-v2"'
    assert manifest["dimension"] == "384"
    assert manifest["backend"] == '"onnx-int8"'


def test_a_second_reindex_is_refused_while_one_holds_the_lock(built, embedder):
    with reindex_lock(built.index.data_dir), pytest.raises(ReindexBusyError):
        KnowledgeBase(built, embedder).reindex()


def test_publishing_keeps_only_the_current_and_previous_generations(built, embedder, articles_dir):
    kb = KnowledgeBase(built, embedder)
    for round_number in range(3):
        (articles_dir / "extra.txt").write_text(
            f"Extra report\n\nRound {round_number}: the harbour reopened after the storm passed."
        )
        kb.reindex()
    generations = sorted(p.name for p in built.index.data_dir.iterdir() if p.is_dir())
    assert len(generations) == 2
    assert current_name(built.index.data_dir) == generations[-1]
