"""Segments written and read back on their own, checked against brute force: postings
and sentence facts sorted in blocks, merges that drop deleted articles (and give a format
1 segment its sentence facts), vector search exact and quantised."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import numpy as np
import pytest

import index.store.segment_writer
import index.store.vectors
from index.durable import write_checksums
from index.ingest.sentence_terms import MAX_SENTENCES, SentenceTerms, sentence_terms
from index.ingest.terms import term_counts
from index.records import Article, Chunk
from index.store.segment_writer import SegmentWriter
from index.store.segments import (
    ADDRESSING_ARRAYS,
    META,
    SENTENCE_ARRAYS,
    Segment,
    array_file,
)

DIMENSION = 8
WORDS = [f"w{i}" for i in range(40)]


def synthetic(
    rng: np.random.Generator, number: int
) -> tuple[Article, list[Chunk], np.ndarray, list[Counter[str]], list[SentenceTerms]]:
    text = " ".join(rng.choice(WORDS, size=30))
    chunks = [Chunk(str(number), i, 0, len(text), text, 10) for i in range(int(rng.integers(1, 4)))]
    vectors = rng.standard_normal((len(chunks), DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    terms = [Counter(rng.choice(WORDS, size=int(rng.integers(1, 12)))) for _ in chunks]
    sentences = [
        SentenceTerms(
            counts,
            {t: int(rng.integers(0, 1 << MAX_SENTENCES)) for t in counts},
            rng.integers(0, 256, (MAX_SENTENCES, 3)).astype(np.uint8),
            int(rng.integers(0, 1 << MAX_SENTENCES)),
        )
        for counts in terms
    ]
    article = Article(
        id=f"a{number}",
        title=f"Article {number}",
        text=text,
        published=date(2024, 1, 1 + number % 28),
        source=["Wire", "Herald"][number % 2],
    )
    return article, chunks, vectors, terms, sentences


def write(folder, items, approximate=False):
    writer = SegmentWriter(folder, DIMENSION)
    for item in items:
        writer.add(*item)
    writer.finish(approximate)
    return Segment(folder)


def expected_postings(items) -> dict[str, list[tuple[int, int, int]]]:
    """term -> (chunk, count, sentence mask) of every chunk holding it."""
    found: dict[str, list[tuple[int, int, int]]] = {}
    chunk = 0
    for *_, terms, sentences in items:
        for counts, facts in zip(terms, sentences, strict=True):
            for term, count in counts.items():
                found.setdefault(term, []).append((chunk, count, facts.masks[term]))
            chunk += 1
    return found


def stored_postings(segment: Segment) -> dict[str, list[tuple[int, int, int]]]:
    every = np.arange(segment.stats.chunks)
    found = {}
    for term, (chunks, counts) in segment.postings(WORDS).items():
        if not len(chunks):  # a merge keeps the vocabulary of what it dropped
            continue
        masks = segment.sentence_masks([term], every)[chunks, 0]
        found[term] = list(zip(chunks.tolist(), counts.tolist(), masks.tolist(), strict=True))
    return found


def expected_kinds(items) -> np.ndarray:
    return np.array([facts.kinds for *_, sentences in items for facts in sentences])


def expected_addressing(items) -> list[int]:
    return [facts.addressing for *_, sentences in items for facts in sentences]


@pytest.mark.parametrize("block", [3, 1 << 22])  # many small blocks, or one
def test_postings_sorted_in_blocks_are_every_chunk_of_every_term_in_order(
    tmp_path, monkeypatch, block
):
    monkeypatch.setattr(index.store.segment_writer, "_BLOCK", block)
    rng = np.random.default_rng(7)
    items = [synthetic(rng, n) for n in range(25)]
    segment = write(tmp_path / "seg-000001", items)
    assert stored_postings(segment) == expected_postings(items)
    assert np.array_equal(np.asarray(segment.chunk_kinds), expected_kinds(items))
    assert [segment.addressing(c) for c in range(segment.stats.chunks)] == expected_addressing(
        items
    )


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
    assert stored_postings(merged) == expected_postings(kept)
    assert np.array_equal(np.asarray(merged.chunk_kinds), expected_kinds(kept))
    assert list(np.asarray(merged.chunk_addressing)) == expected_addressing(kept)
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


def test_a_format_1_segment_is_read_without_sentence_facts_and_merged_into_them(tmp_path):
    texts = [
        "Tehran backs Assad. Israel wants Iranian forces out of Syria.",
        "Dock workers met on Friday. They elected Marta Olsen as the union's leader.",
    ]
    items = []
    for number, text in enumerate(texts):
        article = Article(id=f"a{number}", title=f"News {number}", text=text)
        cut = text.index(". ") + 1  # two chunks an article
        chunks = [
            Chunk(article.id, 0, 0, cut, text[:cut], 5),
            Chunk(article.id, 1, cut + 1, len(text), text[cut + 1 :], 5),
        ]
        vectors = np.eye(DIMENSION, dtype=np.float32)[[2 * number, 2 * number + 1]]
        terms = [term_counts(f"{article.title}\n{c.text}") for c in chunks]
        items.append((article, chunks, vectors, terms, [sentence_terms(c.text) for c in chunks]))
    current = write(tmp_path / "seg-000001", items)
    old = tmp_path / "seg-000002"
    write(old, items)
    for name in (*SENTENCE_ARRAYS, *ADDRESSING_ARRAYS):  # before sentence facts were stored
        (old / array_file(name)).unlink()
    meta = json.loads((old / META).read_text())
    (old / META).write_text(json.dumps({**meta, "format": 1}))
    (old / "checksums.json").unlink()
    write_checksums(old, sorted(p.name for p in old.iterdir()))
    format_1 = Segment(old)
    assert not format_1.has_sentences and format_1.chunk_kinds is None
    with pytest.raises(ValueError, match="format 1"):
        format_1.sentence_masks(["assad"], np.arange(4))
    writer = SegmentWriter(tmp_path / "seg-000003", DIMENSION)
    writer.copy_from(format_1, np.array([1]))
    writer.finish(False)
    merged = Segment(tmp_path / "seg-000003")
    assert merged.has_sentences
    assert np.array_equal(np.asarray(merged.chunk_kinds), np.asarray(current.chunk_kinds[2:]))
    terms = ["dock", "elect", "olsen", "leader", "news"]
    assert np.array_equal(
        merged.sentence_masks(terms, np.arange(2)), current.sentence_masks(terms, np.arange(2, 4))
    )
    assert merged.postings(terms).keys() == current.postings(terms).keys()
    assert np.asarray(merged.chunk_tokens).tolist() == np.asarray(current.chunk_tokens[2:]).tolist()


def test_a_format_2_segment_is_read_without_marks_of_text_addressing_a_reader(tmp_path):
    text = "Dealers fitted new sensors. Visit halden-refunds.example for a refund. Parts arrived."
    article = Article(id="a0", title="Recall", text=text)
    chunks = [Chunk(article.id, 0, 0, len(text), text, 12)]
    facts = [sentence_terms(text)]
    assert facts[0].addressing == 0b010  # the second sentence, by its form
    old = tmp_path / "seg-000001"
    write(
        old, [(article, chunks, np.eye(DIMENSION, dtype=np.float32)[:1], [facts[0].counts], facts)]
    )
    for name in ADDRESSING_ARRAYS:  # as written before the marks were stored
        (old / array_file(name)).unlink()
    meta = json.loads((old / META).read_text())
    (old / META).write_text(json.dumps({**meta, "format": 2}))
    (old / "checksums.json").unlink()
    write_checksums(old, sorted(p.name for p in old.iterdir()))
    format_2 = Segment(old)
    assert format_2.has_sentences and format_2.addressing(0) is None
    writer = SegmentWriter(tmp_path / "seg-000002", DIMENSION)
    writer.copy_from(format_2, np.array([0]))
    writer.finish(False)
    assert Segment(tmp_path / "seg-000002").addressing(0) == 0b010
