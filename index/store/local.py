"""The local store: generations in the data directory, searched in this process.
Publishing is the reindex's own switch of ``CURRENT``.

Candidates come from every segment of one generation: exact or quantised vector search
(``index.store.vectors``) and BM25 over the segments' postings with the whole index's
statistics (``index.store.bm25``), both under the filters and the as-of cut."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from index.calendar import UNDATED, latest_allowed
from index.config import SearchSettings
from index.ingest.answer_kinds import KINDS
from index.ingest.sentence_facts import Asked, Evidence, evidence_from_texts
from index.ingest.sentence_terms import MAX_SENTENCES
from index.records import ArticleInfo, Hit, SearchFilters
from index.store.backend import (
    BuiltWith,
    Candidate,
    CandidateQuery,
    Candidates,
    IndexStats,
)
from index.store.bm25 import bm25_scores
from index.store.catalog import ArticleRecord
from index.store.generations import Generation, open_current
from index.store.layout import current_name
from index.store.segments import Segment


class LocalIndex:
    """One generation opened for reading; built once per generation (in no time:
    everything is memory-mapped) and shared by all queries."""

    def __init__(self, generation: Generation, settings: SearchSettings) -> None:
        self.generation = generation
        self.name = generation.name
        manifest = generation.manifest
        self.built_with = BuiltWith(
            manifest.model, manifest.backend, manifest.dimension, str(generation.data_dir)
        )
        self._settings = settings

    def candidates(self, query: CandidateQuery) -> Candidates:
        segments = self.generation.segments
        allowed = [self._allowed(s, query.filters, query.as_of) for s in segments]
        if all(mask is not None and not mask.any() for mask in allowed):
            return Candidates([], [])
        dense: list[Candidate] = []
        if query.vector is not None:
            dense = self._dense(query.vector, query.depth, allowed, query.exact)
        lexical = self._bm25(query.terms, query.depth, allowed) if query.terms else []
        return Candidates(dense, lexical)

    def _allowed(
        self, segment: Segment, filters: SearchFilters, as_of: date | None
    ) -> np.ndarray | None:
        """Which chunks of ``segment`` a search may return (None: all of them)."""
        live = self.generation.live_chunks(segment)
        cut = latest_allowed(as_of).toordinal() if as_of is not None else None
        if cut is not None and segment.stats.newest <= cut:
            cut = None  # nothing in this segment is newer: no need to look
        if not (filters.sources or filters.since or filters.until or cut is not None):
            return live
        dates = np.asarray(segment.article_date)
        keep = np.ones(segment.stats.articles, dtype=bool)
        if cut is not None:  # undated articles may be of any day: they stay
            keep &= dates <= cut
        if filters.sources:
            wanted = {s.casefold() for s in filters.sources}
            ids = [i for i, name in enumerate(segment.publishers) if name in wanted]
            keep &= np.isin(segment.article_source, ids)
        if filters.since:
            keep &= dates >= filters.since.toordinal()
        if filters.until:
            keep &= (dates != UNDATED) & (dates <= filters.until.toordinal())
        chunks = keep[np.asarray(segment.chunk_article)]
        return chunks if live is None else chunks & live

    def _dense(
        self, vector: np.ndarray, depth: int, allowed: list[np.ndarray | None], exact: bool
    ) -> list[Candidate]:
        found: list[tuple[float, int, int]] = []
        for position, segment in enumerate(self.generation.segments):
            ids, scores = segment.vectors.search(vector, depth, allowed[position], exact=exact)
            found += [(float(s), position, int(i)) for i, s in zip(ids, scores, strict=True)]
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return [self._candidate(p, c, s, None) for s, p, c in found[:depth]]

    def _bm25(
        self, terms: Sequence[str], depth: int, allowed: list[np.ndarray | None]
    ) -> list[Candidate]:
        segments = self.generation.segments
        manifest = self.generation.manifest
        scored = bm25_scores(
            terms,
            [s.postings(terms) for s in segments],
            [s.chunk_tokens for s in segments],
            manifest.corpus_chunks,
            manifest.corpus_tokens,
            self._settings.bm25_k1,
            self._settings.bm25_b,
        )
        found: list[tuple[float, int, int]] = []
        for position, (chunks, scores) in enumerate(scored):
            mask = allowed[position]
            if mask is not None:
                keep = mask[chunks]
                chunks, scores = chunks[keep], scores[keep]
            if len(chunks) > depth:
                top = np.argpartition(-scores, depth - 1)[:depth]
                chunks, scores = chunks[top], scores[top]
            found += [
                (float(s), position, int(c)) for c, s in zip(chunks, scores, strict=True) if s > 0
            ]
        found.sort(key=lambda item: (-item[0], item[1], item[2]))
        return [self._candidate(p, c, None, s) for s, p, c in found[:depth]]

    def _candidate(
        self, position: int, chunk: int, similarity: float | None, lexical: float | None
    ) -> Candidate:
        segment = self.generation.segments[position]
        row = int(segment.chunk_article[chunk])
        return Candidate(
            key=(position, chunk),
            article=(position, row),
            published=int(segment.article_date[row]),
            similarity=similarity,
            lexical=lexical,
        )

    def evidence(self, question: Asked, pool: Sequence[Candidate]) -> Evidence:
        """From the index where the segment stores sentence facts, else from the text."""
        segments = self.generation.segments
        term_masks = np.zeros((len(pool), len(question.terms)), dtype=np.uint16)
        kind_term_masks = np.zeros((len(pool), len(question.kind_terms)), dtype=np.uint16)
        kinds = np.zeros((len(pool), MAX_SENTENCES, len(KINDS)), dtype=np.uint8)
        for position in {c.key[0] for c in pool}:
            segment = segments[position]
            places = [i for i, c in enumerate(pool) if c.key[0] == position]
            chunks = np.array([pool[i].key[1] for i in places], dtype=np.int64)
            if segment.chunk_kinds is not None:
                found = Evidence(
                    segment.sentence_masks(question.terms, chunks),
                    segment.sentence_masks(question.kind_terms, chunks),
                    np.asarray(segment.chunk_kinds[chunks]),
                )
            else:
                texts = [segment.chunk_text(int(c)) for c in chunks]
                found = evidence_from_texts(question, texts)
            term_masks[places] = found.term_masks
            kind_term_masks[places] = found.kind_term_masks
            kinds[places] = found.kinds
        return Evidence(term_masks, kind_term_masks, kinds)

    def hits(self, chosen: Sequence[Candidate]) -> list[Hit]:
        segments = self.generation.segments
        places = [
            (c.key[0], c.key[1], int(segments[c.key[0]].chunk_article[c.key[1]])) for c in chosen
        ]
        infos: dict[tuple[int, int], ArticleInfo] = {}
        for position in {p for p, _, _ in places}:
            rows = sorted({row for p, _, row in places if p == position})
            for row, info in self.generation.infos(segments[position], rows).items():
                infos[position, row] = info
        hits = []
        for c, (position, chunk, row) in zip(chosen, places, strict=True):
            segment = segments[position]
            hits.append(
                Hit(
                    article=infos[position, row],
                    chunk_id=f"{segment.name}:{chunk}",
                    start=int(segment.chunk_start[chunk]),
                    end=int(segment.chunk_end[chunk]),
                    text=segment.chunk_text(chunk),
                    score=c.score,
                    dense_score=c.similarity,
                    lexical_score=c.lexical,
                    addressing=segment.addressing(chunk),
                )
            )
        return hits

    def article(self, article_id: str) -> ArticleInfo | None:
        return self._info(self.generation.article(article_id))

    def article_at(self, url_key: str) -> ArticleInfo | None:
        return self._info(self.generation.article_by_url(url_key))

    def article_text(self, article_id: str) -> str:
        record = self.generation.article(article_id)
        if record is None or not record.indexed:
            return ""
        segment, row = self.generation.locate(record)
        return segment.article_text(row)

    def _info(self, record: ArticleRecord | None) -> ArticleInfo | None:
        if record is None or not record.indexed:
            return None
        segment, row = self.generation.locate(record)
        return self.generation.infos(segment, [row])[row]

    def stats(self) -> IndexStats:
        return generation_stats(self.generation, "local")

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]:
        return self.generation.live_passages()


class LocalStore:
    name = "local"

    def __init__(self, data_dir: Path, settings: SearchSettings) -> None:
        self.data_dir = data_dir
        self._settings = settings  # BM25's k1 and b

    def current(self) -> str | None:
        return current_name(self.data_dir)

    def open(self) -> LocalIndex:
        return LocalIndex(open_current(self.data_dir), self._settings)

    def publish(self, generation: Generation) -> None:
        """Nothing to do: the reindex made ``generation`` current when it wrote it."""


def generation_stats(generation: Generation, store: str) -> IndexStats:
    manifest = generation.manifest
    oldest, newest = generation.date_range()
    counts = Counter[str]()
    for publisher, count in generation.publishers():
        counts[publisher or "unknown"] += count
    return IndexStats(
        generation=generation.name,
        model=manifest.model,
        dimension=manifest.dimension,
        vector_index=manifest.vector_index,
        articles=manifest.articles,
        chunks=manifest.chunks,
        built_at=manifest.built_at,
        sources=tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
        oldest=oldest,
        newest=newest,
        store=store,
        embedding=manifest.backend,
    )
