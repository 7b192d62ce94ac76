"""The generation store: integrity checks, model mismatch, publishing and locking, and
work proportional to what changed (segments reused, merged, opened without rebuilding)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

import index.indexer.run
import index.ingest.sources
import index.ingest.terms
from index.durable import CHECKSUMS, write_checksums
from index.embedding.torch_backend import declared_dimension
from index.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ReindexBusyError,
)
from index.indexer import reusable
from index.ingest.syndication import band_keys
from index.knowledge_base import KnowledgeBase
from index.store.checks import check_generation
from index.store.generations import open_current
from index.store.layout import current_name, reindex_lock
from tests.conftest import ASKED

pytestmark = pytest.mark.model


@pytest.fixture
def built(settings, embedder):
    KnowledgeBase(settings, embedder).reindex()
    return settings


def generation_dir(settings):
    return settings.index.data_dir / current_name(settings.index.data_dir)


def segment_dirs(settings):
    return sorted((settings.index.data_dir / "segments").iterdir())


def with_index(settings, **changes):
    return settings.model_copy(update={"index": settings.index.model_copy(update=changes)})


def test_opening_an_empty_data_dir_says_to_reindex(settings, embedder):
    with pytest.raises(IndexNotFoundError, match="newsbot reindex"):
        KnowledgeBase(settings, embedder).search("anything")


def test_a_truncated_vector_file_is_detected_when_the_index_opens(built):
    [segment] = segment_dirs(built)
    vectors = segment / "vectors.f32"
    vectors.write_bytes(vectors.read_bytes()[:-100])
    with pytest.raises(IndexCorruptError, match=r"vectors\.f32: .*truncated or altered"):
        open_current(built.index.data_dir)


def test_a_flipped_byte_in_the_catalog_is_detected_when_the_index_opens(built):
    catalog = generation_dir(built) / "catalog.sqlite"
    data = bytearray(catalog.read_bytes())
    data[len(data) // 2] ^= 0xFF
    catalog.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"catalog\.sqlite: checksum mismatch"):
        open_current(built.index.data_dir)


def test_a_flipped_byte_in_a_segment_is_found_by_the_full_check(built):
    [segment] = segment_dirs(built)
    articles = segment / "articles.sqlite"
    data = bytearray(articles.read_bytes())
    data[len(data) // 2] ^= 0xFF
    articles.write_bytes(bytes(data))
    generation = open_current(built.index.data_dir)  # sizes are right: opens at once
    with pytest.raises(IndexCorruptError, match=r"articles\.sqlite: checksum mismatch"):
        check_generation(generation)


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


def test_an_index_of_another_dimension_is_a_clear_error(built, embedder):
    class WiderEmbedder:
        name, backend, dimension = embedder.name, embedder.backend, 768
        max_tokens = embedder.max_tokens

    with pytest.raises(IndexMismatchError, match="768"):
        KnowledgeBase(built, WiderEmbedder()).search("Iran")  # type: ignore[arg-type]


def test_a_corrupt_index_is_rebuilt_by_reindex(built, embedder):
    [segment] = segment_dirs(built)
    (segment / "vectors.f32").write_bytes(b"garbage")
    summary = KnowledgeBase(built, embedder).reindex()
    assert summary.changed and summary.added == summary.articles
    assert open_current(built.index.data_dir).manifest.articles == summary.articles


def test_the_manifest_records_model_segments_and_counts(built):
    manifest = json.loads((generation_dir(built) / "manifest.json").read_text())
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["backend"] == "onnx-int8"
    assert manifest["dimension"] == 384 and manifest["vector_index"] == "auto"
    assert [s["name"] for s in manifest["segments"]] == [p.name for p in segment_dirs(built)]
    assert manifest["articles"] == 7 and manifest["chunks"] == manifest["corpus_chunks"]


def test_a_second_reindex_is_refused_while_one_holds_the_lock(built, embedder):
    with reindex_lock(built.index.data_dir), pytest.raises(ReindexBusyError):
        KnowledgeBase(built, embedder).reindex()


def test_publishing_keeps_the_current_and_previous_generations_and_their_segments(
    built, embedder, articles_dir
):
    kb = KnowledgeBase(built, embedder)
    for round_number in range(3):
        (articles_dir / "extra.txt").write_text(
            f"Extra report\n\nRound {round_number}: the harbour reopened after the storm passed."
        )
        kb.reindex()
    data_dir = built.index.data_dir
    generations = sorted(p.name for p in data_dir.iterdir() if p.name.startswith("gen-"))
    assert len(generations) == 2 and current_name(data_dir) == generations[-1]
    used = set()
    for name in generations:
        manifest = json.loads((data_dir / name / "manifest.json").read_text())
        used.update(s["name"] for s in manifest["segments"])
    assert {p.name for p in segment_dirs(built)} == used


def test_a_changed_file_is_the_only_one_read_and_goes_into_a_new_segment(
    built, embedder, articles_dir, monkeypatch
):
    first = [p.name for p in segment_dirs(built)]
    read = []
    original = index.ingest.sources.read_file

    def counting(source, **options):
        read.append(source.relative)
        return original(source, **options)

    monkeypatch.setattr(index.ingest.sources, "read_file", counting)
    (articles_dir / "transport" / "eastholm-tram-line-opens.md").write_text(
        "---\ntitle: Eastholm opens Line 4\ndate: 2024-05-20\nsource: Lakeside Courier\n---\n\n"
        "The new tram line to the university opened on Monday with 18 stops and a fleet of "
        "twelve trams, the city said."
    )
    summary = KnowledgeBase(built, embedder).reindex()
    assert read == ["transport/eastholm-tram-line-opens.md"]
    assert (summary.updated, summary.unchanged, summary.chunks_embedded) == (1, 6, 1)
    manifest = json.loads((generation_dir(built) / "manifest.json").read_text())
    assert [s["name"] for s in manifest["segments"]][:1] == first  # reused, not copied
    assert len(manifest["segments"][0]["deleted"]) == 1  # the tram article's old version
    assert _buckets(built) == _expected_buckets(built)  # the old version's bands are gone


def _buckets(settings):
    with sqlite3.connect(generation_dir(settings) / "catalog.sqlite") as db:
        return set(db.execute("SELECT band, key, id FROM buckets"))


def _expected_buckets(settings):
    with sqlite3.connect(generation_dir(settings) / "catalog.sqlite") as db:
        rows = db.execute(
            "SELECT id, signature FROM articles WHERE segment IS NOT NULL AND signature IS NOT NULL"
        ).fetchall()
    return {
        (band, key, article_id)
        for article_id, mark in rows
        for band, key in enumerate(band_keys(np.frombuffer(mark, dtype=np.uint64)))
    }


def test_an_unchanged_reindex_neither_reads_chunks_nor_signs(built, embedder, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("an unchanged collection was worked on")

    for name in ("chunk_article", "signature"):
        monkeypatch.setattr(index.indexer.run, name, forbidden)
    monkeypatch.setattr(index.ingest.sources, "read_file", forbidden)
    summary = KnowledgeBase(built, embedder).reindex()
    assert not summary.changed and summary.unchanged == summary.articles == 7


def test_a_generation_opens_without_rebuilding_its_lexical_index(built, embedder, monkeypatch):
    def forbidden(text):
        raise AssertionError("passages were tokenised while opening")

    monkeypatch.setattr(index.ingest.terms, "term_counts", forbidden)
    kb = KnowledgeBase(built, embedder)
    searcher = kb.searcher()
    hits = searcher.search("Grindavik lava", k=3, mode="lexical")
    assert hits[0].article.title == "Fissure eruption forces evacuation of Grindavik"


@pytest.mark.parametrize(("approximate_from", "quantised"), [(1, 1), (1000, 0)])
def test_auto_quantises_only_segments_from_its_threshold(
    settings, embedder, approximate_from, quantised
):
    kb = KnowledgeBase(with_index(settings, approximate_from=approximate_from), embedder)
    kb.reindex()
    assert len(list(settings.index.data_dir.glob("segments/*/vectors.pq"))) == quantised
    hits = kb.search("volcano lava", k=3, as_of=ASKED)
    assert hits[0].article.title == "Fissure eruption forces evacuation of Grindavik"
    exact = kb.searcher().search("volcano lava", k=3, exact=True)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in exact]


def test_small_segments_are_merged_and_deleted_articles_dropped(built, embedder, articles_dir):
    kb = KnowledgeBase(built, embedder)
    topics = ["cranes", "lighthouse", "ferries", "fish market", "dry dock", "pilot boats"]
    for round_number, topic in enumerate(topics):
        (articles_dir / f"round-{round_number}.txt").write_text(
            f"Round {round_number} report\n\nThe {topic} of the harbour were the talk of "
            f"round {round_number}: {topic} {topic} and more {topic}, said everyone."
        )
        (articles_dir / "round-0.txt").write_text(
            f"Round 0 report\n\nVersion {round_number}: the harbour cranes are working again "
            "after the engineers replaced their cables."
        )
        kb.reindex()
    manifest = json.loads((generation_dir(built) / "manifest.json").read_text())
    assert len(manifest["segments"]) <= 5  # never more than MAX_SMALL small ones, plus one
    assert manifest["articles"] == 7 + 6
    assert manifest["corpus_chunks"] - manifest["chunks"] <= manifest["chunks"] // 4 + 1
    assert "Version 5" in kb.search("harbour cranes working again version", k=1)[0].text


def test_dense_search_over_segments_matches_brute_force(built, embedder, articles_dir):
    (articles_dir / "another.txt").write_text(
        "Another report\n\nTrams to the university run every six minutes from Monday."
    )
    kb = KnowledgeBase(built, embedder)
    kb.reindex()
    generation = kb.searcher().index.generation
    assert len(generation.segments) == 2
    texts, vectors = zip(*generation.live_passages(), strict=True)
    query = embedder.encode(["trams to the university"])[0]
    expected = [texts[i] for i in np.argsort(-(np.stack(vectors) @ query))[:5]]
    hits = kb.searcher().search("trams to the university", k=5, mode="dense", max_per_article=99)
    assert [h.passage for h in hits] == expected


def test_changing_the_vector_index_rewrites_segments_without_embedding(built, embedder):
    assert not list(built.index.data_dir.glob("segments/*/vectors.pq"))
    summary = KnowledgeBase(with_index(built, vector_index="pq"), embedder).reindex()
    assert summary.changed and summary.chunks_embedded == 0 and summary.unchanged == 7
    assert len(list(built.index.data_dir.glob("segments/*/vectors.pq"))) == 1
    assert (
        KnowledgeBase(with_index(built, vector_index="pq"), embedder).stats().vector_index == "pq"
    )


def test_a_segment_with_an_earlier_versions_graph_is_searched_exactly_then_rewritten(
    built, embedder
):
    """Segments written before the quantised index have an HNSW graph ("approximate" in
    segment.json): they open, are searched exactly, and the next reindex rewrites them
    with a quantised index, without re-embedding, though nothing changed."""
    settings = with_index(built, approximate_from=1)
    (segment,) = segment_dirs(built)
    meta = json.loads((segment / "segment.json").read_text())
    del meta["vector_index"]
    meta["approximate"] = True
    (segment / "segment.json").write_text(json.dumps(meta))
    (segment / "vectors.hnsw").write_bytes(b"an HNSW graph of an earlier version")
    write_checksums(segment, sorted(p.name for p in segment.iterdir() if p.name != CHECKSUMS))
    kb = KnowledgeBase(settings, embedder)
    hits = kb.search("volcano lava", k=3, as_of=ASKED)
    assert hits[0].article.title == "Fissure eruption forces evacuation of Grindavik"
    summary = kb.reindex()
    assert summary.changed and summary.chunks_embedded == 0 and summary.unchanged == 7
    assert len(list(built.index.data_dir.glob("segments/*/vectors.pq"))) == 1
    assert not KnowledgeBase(settings, embedder).reindex().changed


def test_a_segment_without_sentence_facts_is_searched_from_its_text_then_rewritten(built, embedder):
    """Segments of format 1 store no sentence facts: they open, their passages are ranked
    by how they answer from their text, and the next reindex gives them the facts,
    without re-embedding, though nothing changed."""
    question = "Who is to lead the tram line's opening?"
    before = [(h.chunk_id, h.score) for h in KnowledgeBase(built, embedder).search(question)]
    (segment,) = segment_dirs(built)
    meta = json.loads((segment / "segment.json").read_text())
    (segment / "segment.json").write_text(json.dumps({**meta, "format": 1}))
    for name in ("postings.sentences.u16", "chunk_kinds.u8"):
        (segment / name).unlink()
    write_checksums(segment, sorted(p.name for p in segment.iterdir() if p.name != CHECKSUMS))
    kb = KnowledgeBase(built, embedder)
    assert not kb.searcher().index.generation.segments[0].has_sentences
    assert [(h.chunk_id, h.score) for h in kb.search(question)] == before
    summary = kb.reindex()
    assert summary.changed and summary.chunks_embedded == 0 and summary.unchanged == 7
    reopened = KnowledgeBase(built, embedder)
    assert all(s.has_sentences for s in reopened.searcher().index.generation.segments)
    assert [h.score for h in reopened.search(question)] == [score for _, score in before]
    assert not reopened.reindex().changed


def test_a_model_replaced_under_the_same_name_means_new_vectors(built, tmp_path):
    """A local model folder now holding a 768-dimensional model: its files say so, and
    the 384-dimensional vectors are not reused (before, reindex said "unchanged")."""
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {"path": "", "type": "sentence_transformers.models.Transformer"},
                {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (folder / "1_Pooling" / "config.json").write_text('{"word_embedding_dimension": 768}')
    settings = built.model_copy(
        update={"model": built.model.model_copy(update={"name": str(folder)})}
    )
    previous = open_current(built.index.data_dir)
    as_built = SimpleNamespace(manifest=replace(previous.manifest, model=str(folder)))
    assert not reusable(settings, as_built)  # type: ignore[arg-type]
    assert reusable(built, previous) and declared_dimension(built.model.name) == 384
