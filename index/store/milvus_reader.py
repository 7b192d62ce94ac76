"""Candidates from one published Milvus collection: a dense search and a BM25 search,
each under the filters as a scalar filter expression; the ranking is newsbot's own
(``index.search.ranking``), as for every store.

What differs from the local store's candidates (``index.store.local``):
- BM25 statistics (document frequencies, average length) are Milvus's: per segment of
  its own, deleted rows handled its way; the tokens are newsbot's (see
  ``index.store.milvus``). Milvus scores carry BM25's constant ``k1 + 1`` factor, which
  changes no ranking.
- Ties are broken by passage id, not by segment and passage position.
- Sentence facts (``index.ingest.sentence_facts``) are worked out from the candidates'
  text: Milvus stores none.
- Every candidate's similarity is its cosine similarity (from its stored vector), also
  for a passage only BM25 found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from pymilvus import MilvusClient

from index.calendar import UNDATED, from_ordinal, latest_allowed
from index.config import SearchSettings
from index.ingest.sentence_facts import Asked, Evidence, evidence_from_texts
from index.records import ArticleInfo, Hit, Reprint, SearchFilters
from index.store.backend import BuiltWith, Candidate, CandidateQuery, Candidates, IndexStats

FIELDS = [
    "pid", "article", "title", "url", "publisher", "author", "published", "reprints",
    "start", "end", "text", "vector",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Meta:
    """What a collection holds and was built with, kept in its properties."""

    generation: str
    collection: str
    model: str
    backend: str
    dimension: int
    vector_index: str  # "flat" or "hnsw", as the collection's vector index was built
    bm25: tuple[float, float]  # k1 and b, fixed when the collection is created
    articles: int
    chunks: int
    built_at: str
    sources: tuple[tuple[str, int], ...]
    oldest: str | None
    newest: str | None

    @property
    def name(self) -> str:
        return f"{self.generation}@{self.collection}"

    @classmethod
    def of(
        cls, stats: IndexStats, collection: str, vector_index: str, search: SearchSettings
    ) -> Meta:
        return cls(
            generation=stats.generation,
            collection=collection,
            model=stats.model,
            backend=stats.embedding,
            dimension=stats.dimension,
            vector_index=vector_index,
            bm25=(search.bm25_k1, search.bm25_b),
            articles=stats.articles,
            chunks=stats.chunks,
            built_at=stats.built_at.isoformat(),
            sources=stats.sources,
            oldest=stats.oldest.isoformat() if stats.oldest else None,
            newest=stats.newest.isoformat() if stats.newest else None,
        )

    @classmethod
    def from_json(cls, raw: str, collection: str) -> Meta:
        values = json.loads(raw)
        return cls(
            **{
                **values,
                "collection": collection,
                "bm25": tuple(values["bm25"]),
                "sources": tuple((str(s), int(n)) for s, n in values["sources"]),
            }
        )

    def as_json(self) -> str:
        values = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "collection"}
        return json.dumps(values)

    def compatible(self, other: Meta) -> bool:
        """Whether rows written for ``other`` can go into a collection built for this."""
        keys = ("model", "backend", "dimension", "vector_index", "bm25")
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def same_as(self, other: Meta) -> bool:
        return self.generation == other.generation and self.compatible(other)

    def stats(self) -> IndexStats:
        same = ("model", "dimension", "vector_index", "articles", "chunks", "sources")
        return IndexStats(
            **{name: getattr(self, name) for name in same},
            generation=self.name,
            built_at=datetime.fromisoformat(self.built_at),
            oldest=date.fromisoformat(self.oldest) if self.oldest else None,
            newest=date.fromisoformat(self.newest) if self.newest else None,
            store="milvus",
            embedding=self.backend,
        )


class MilvusIndex:
    """One collection as a reader sees it; thread-safe (the client is)."""

    def __init__(
        self,
        client: MilvusClient,
        collection: str,
        meta: Meta,
        built_with: BuiltWith,
        settings: SearchSettings,
    ) -> None:
        self.name = meta.name
        self.built_with = built_with
        self._client = client
        self._collection = collection
        self._meta = meta
        self._settings = settings

    def candidates(self, query: CandidateQuery) -> Candidates:
        """``exact`` is Milvus's to decide (its FLAT index is exact, HNSW is not)."""
        expression = _expression(query.filters, query.as_of)
        dense: list[Candidate] = []
        lexical: list[Candidate] = []
        if query.vector is not None:
            found = self._search([query.vector.tolist()], "vector", "IP", query.depth, expression)
            dense = [_candidate(h["entity"], query.vector, None) for h in found]
        if query.terms:
            found = self._search([" ".join(query.terms)], "sparse", "BM25", query.depth, expression)
            # Milvus Lite reports a BM25 score negated, a server as is.
            lexical = [
                _candidate(h["entity"], query.vector, abs(float(h["distance"]))) for h in found
            ]
        return Candidates(dense, lexical)

    def _search(
        self, data: list[Any], field: str, metric: str, depth: int, expression: str
    ) -> list[dict[str, Any]]:
        return list(
            self._client.search(
                self._collection,
                data=data,
                anns_field=field,
                search_params={"metric_type": metric},
                limit=depth,
                filter=expression,
                output_fields=FIELDS,
            )[0]
        )

    def evidence(self, question: Asked, pool: Sequence[Candidate]) -> Evidence:
        """From the candidates' text: Milvus stores no sentence facts."""
        return evidence_from_texts(question, [str(c.ref["text"]) for c in pool])

    def hits(self, chosen: Sequence[Candidate]) -> list[Hit]:
        return [
            Hit(
                article=_info(c.ref),
                chunk_id=str(c.ref["pid"]),
                start=int(c.ref["start"]),
                end=int(c.ref["end"]),
                text=str(c.ref["text"]),
                score=c.score,
                dense_score=c.similarity,
                lexical_score=c.lexical,
            )
            for c in chosen
        ]

    def article(self, article_id: str) -> ArticleInfo | None:
        rows = self._query(f"article == {json.dumps(article_id)}")
        return _info(rows[0]) if rows else None

    def article_at(self, url_key: str) -> ArticleInfo | None:
        rows = self._query(f"array_contains(url_keys, {json.dumps(url_key)})")
        return _info(rows[0]) if rows else None

    def article_text(self, article_id: str) -> str:
        rows = self._query(f"article == {json.dumps(article_id)}", limit=None)
        text = ""
        for row in sorted(rows, key=_start):  # passages overlap: the article from their spans
            text += row["text"][max(len(text) - int(row["start"]), 0) :]
        return text

    def stats(self) -> IndexStats:
        return self._meta.stats()

    def live_passages(self) -> Iterator[tuple[str, np.ndarray]]:
        iterator = self._client.query_iterator(
            self._collection, batch_size=1000, filter="", output_fields=["title", "text", "vector"]
        )
        try:
            while batch := iterator.next():
                for row in batch:
                    yield f"{row['title']}\n{row['text']}", np.asarray(row["vector"], np.float32)
        finally:
            iterator.close()

    def _query(self, expression: str, limit: int | None = 1) -> list[dict[str, Any]]:
        extra = {"limit": limit} if limit is not None else {}
        return list(
            self._client.query(
                self._collection, filter=expression, output_fields=FIELDS[:-1], **extra
            )
        )


def _candidate(row: dict[str, Any], vector: np.ndarray | None, bm25: float | None) -> Candidate:
    similarity = float(np.dot(vector, row["vector"])) if vector is not None else None
    return Candidate(
        key=str(row["pid"]),
        article=str(row["article"]),
        published=int(row["published"]),
        similarity=similarity,
        lexical=bm25,
        ref=row,
    )


def _expression(filters: SearchFilters, as_of: date | None) -> str:
    """The filters and the ask day as a Milvus filter expression ("" for none)."""
    parts = []
    if as_of is not None:  # undated articles may be of any day: they stay
        parts.append(f"published <= {latest_allowed(as_of).toordinal()}")
    if filters.sources:
        parts.append(f"publisher_key in {json.dumps([s.casefold() for s in filters.sources])}")
    if filters.since:
        parts.append(f"published >= {filters.since.toordinal()}")
    if filters.until:
        parts.append(f"published != {UNDATED} and published <= {filters.until.toordinal()}")
    return " and ".join(parts)


def _info(row: dict[str, Any]) -> ArticleInfo:
    return ArticleInfo(
        id=str(row["article"]),
        title=str(row["title"]),
        url=row["url"] or None,
        source=row["publisher"] or None,
        published=from_ordinal(int(row["published"])),
        author=row["author"] or None,
        also_reported_by=tuple(Reprint(*r) for r in json.loads(row["reprints"])),
    )


def _start(row: dict[str, Any]) -> int:
    return int(row["start"])


def reprints_json(reprints: Sequence[Reprint], limit: int | None = None) -> str:
    """``reprints`` as JSON, as many as fit in ``limit`` bytes."""
    values = [[r.source, r.url, r.title] for r in reprints]
    text = json.dumps(values)
    while limit is not None and len(text.encode()) > limit:
        values.pop()
        text = json.dumps(values)
    return text
