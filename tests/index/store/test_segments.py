"""Segments written and read back on their own, checked against brute force: postings
sorted in blocks, merges that drop deleted articles, vector search exact and quantised."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest

import index.store.segment_writer
import index.store.vectors
from index.records import Article, Chunk
from index.store.segment_writer import SegmentWriter
from index.store.segments import Segment

DIMENSION = 8
WORDS = [f"w{i}" for i in range(40)]


def synthetic(
    rng: np.random.Generator, number: int
) -> tuple[Article, list[Chunk], np.ndarray, list[Counter[str]]]:
    text = " ".join(rng.choice(WORDS, size=30))
    chunks = [Chunk(str(number), i, 0, len(text), text, 10) for i in range(int(rng.integers(1, 4)))]
    vectors = rng.standard_normal((len(chunks), DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    terms = [Counter(rng.choice(WORDS, size=int(rng.integers(1, 12)))) for _ in chunks]
    article = Article(
        id=f"a{number}",
        title=f"Article {number}",
        text=text,
        published=date(2024, 1, 1 + number % 28),
        source=["Wire", "Herald"][number % 2],
    )
    return article, chunks, vectors, terms


def write(folder, items, approximate=False):
    writer = SegmentWriter(folder, DIMENSION)
    for item in items:
        writer.add(*item)
    writer.finish(approximate)
    return Segment(folder)


def expected_postings(items) -> dict[str, list[tuple[int, int]]]:
    found: dict[str, list[tuple[int, int]]] = {}
    chunk = 0
    for *_, terms in items:
        for counts in terms:
            for term, count in counts.items():
                found.setdefault(term, []).append((chunk, count))
            chunk += 1
    return found


@pytest.mark.parametrize("block", [3, 1 << 22])  # many small blocks, or one
def test_postings_sorted_in_blocks_are_every_chunk_of_every_term_in_order(
    tmp_path, monkeypatch, block
):
    monkeypatch.setattr(index.store.segment_writer, "_BLOCK", block)
    rng = np.random.default_rng(7)
    items = [synthetic(rng, n) for n in range(25)]
    segment = write(tmp_path / "seg-000001", items)
    postings = segment.postings(WORDS)
    for term, pairs in expected_postings(items).items():
        chunks, counts = postings[term]
        assert list(zip(chunks.tolist(), counts.tolist(), strict=True)) == pairs


def test_a_merge_keeps_the_chosen_articles_with_their_postings_and_vectors(tmp_path):
    rng = np.random.default_rng(11)
    first = [synthetic(rng, n) for n in range(10)]
    second = [synthetic(rng, n) for n in range(10, 16)]
    a = write(tmp_path / "seg-000001", first)
    b = write(tmp_path / "seg-000002", second)
    keep_a, keep_b = np.array([0, 3, 4, 9]), np.array([1, 5])
    writer = SegmentWriter(tmp_path / "seg-000003", DIMENSION)
    rows = writer.copy_from(a, keep_a) + writer.copy_from(b, keep_b)
    writer.finish(False)
    merged = Segment(tmp_path / "seg-000003")
    kept = [first[i] for i in keep_a] + [second[i] for i in keep_b]
    assert rows == list(range(len(kept)))
    assert merged.article_ids() == [item[0].id for item in kept]
    assert merged.publishers == ["wire", "herald"]
    postings = merged.postings(WORDS)
    for term, pairs in expected_postings(kept).items():
        chunks, counts = postings[term]
        assert list(zip(chunks.tolist(), counts.tolist(), strict=True)) == pairs
    vectors = np.concatenate([item[2] for item in kept])
    assert np.array_equal(np.asarray(merged.vectors.vectors), vectors)
    assert [int(d) for d in merged.article_date] == [item[0].published.toordinal() for item in kept]


def test_quantised_search_finds_what_exact_search_finds_and_honours_a_mask(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    items = [synthetic(rng, n) for n in range(300)]
    segment = write(tmp_path / "seg-000001", items, approximate=True)
    assert segment.vectors.approximate
    # Fewer candidates re-scored than the segment holds, so the codes choose them.
    monkeypatch.setattr(index.store.vectors, "RESCORED", 100)
    monkeypatch.setattr(index.store.vectors, "_OVERFETCH", 8)
    assert segment.stats.chunks > 5 * 100
    queries = rng.standard_normal((20, DIMENSION)).astype(np.float32)
    recall = []
    for query in queries / np.linalg.norm(queries, axis=1, keepdims=True):
        found, scores = segment.vectors.search(query, 10)
        exact, _ = segment.vectors.search(query, 10, exact=True)
        recall.append(len(set(found) & set(exact)) / 10)
        assert scores == pytest.approx(np.asarray(segment.vectors.vectors)[found] @ query, abs=1e-5)
    assert np.mean(recall) >= 0.95
    allowed = np.zeros(segment.stats.chunks, dtype=bool)
    allowed[::3] = True
    found, _ = segment.vectors.search(queries[0], 10, allowed)
    assert len(found) == 10 and allowed[found].all()
