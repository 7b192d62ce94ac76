"""Searching one published Milvus collection: hybrid search (dense and BM25, fused by
reciprocal rank inside Milvus), then newsbot's time prior and per-article diversification
over the fused list, with the filters as scalar filter expressions.

What differs from the local store's retrieval (``index.search.retrieval``):
- BM25 statistics (document frequencies, average length) are Milvus's: per segment of
  its own, deleted rows handled its way; the tokens are newsbot's (see
  ``index.store.milvus``). Milvus scores carry BM25's constant ``k1 + 1`` factor, which
  changes no ranking.
- Fused ties are broken by Milvus's order, not by segment and passage position.
- The answering ranking (``index.search.answerability``) is worked out from the
  candidates' text: Milvus stores no sentence facts.
- Every hit's ``dense_score`` is its cosine similarity (from its stored vector), also
  for a passage only BM25 found; a hybrid hit has no ``lexical_score``, as Milvus
  returns only the fused score.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
from pymilvus import AnnSearchRequest, MilvusClient, RRFRanker

from index.calendar import UNDATED, latest_allowed
from index.config import SearchSettings
from index.embedding import Embedder
from index.ingest.terms import lexical_tokens
from index.ingest.urls import article_id, loose_key, storage_key
from index.records import ArticleDetail, ArticleInfo, Hit, Reprint, SearchFilters
from index.search.answerability import Asked, Evidence, answering_first, evidence_from_texts
from index.search.recency import TimePrior
from index.search.retrieval import Mode, diversify
from index.store.backend import BuiltWith, IndexStats
from index.store.local import opening

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
        return IndexStats(
            generation=self.name,
            model=self.model,
            dimension=self.dimension,
            vector_index=self.vector_index,
            articles=self.articles,
            chunks=self.chunks,
            built_at=datetime.fromisoformat(self.built_at),
            sources=self.sources,
            oldest=date.fromisoformat(self.oldest) if self.oldest else None,
            newest=date.fromisoformat(self.newest) if self.newest else None,
            store="milvus",
            embedding=self.backend,
        )


@dataclass(frozen=True, slots=True)
class _Candidate:
    row: dict[str, Any]
    score: float
    dense: float
    lexical: float | None


class MilvusIndex:
    """One collection as a reader sees it; thread-safe (the client is)."""

    def __init__(
        self,
        client: MilvusClient,
        collection: str,
        meta: Meta,
        built_with: BuiltWith,
        embedder: Embedder,
        settings: SearchSettings,
    ) -> None:
        self.name = meta.name
        self.built_with = built_with
        self._client = client
        self._collection = collection
        self._meta = meta
        self._embedder = embedder
        self._settings = settings
        self._prior = TimePrior(
            present_weight=settings.present_weight,
            weight=settings.recency_weight,
            half_life_days=settings.recency_half_life_days,
        )

    def embed_query(self, query: str) -> np.ndarray:
        return self._embedder.encode([query])[0]

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        mode: Mode = "hybrid",
        max_per_article: int | None = None,
        query_vector: np.ndarray | None = None,
        as_of: date | None = None,
        prefer_recent: bool = True,
        exact: bool = False,
    ) -> list[Hit]:
        """As ``Searcher.search``; ``exact`` is Milvus's to decide (its FLAT index is
        exact, HNSW is not)."""
        k = k or self._settings.k
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        per_article = max_per_article or self._settings.max_per_article
        depth = max(self._settings.candidates, k * per_article)
        vector = query_vector if query_vector is not None else self.embed_query(query)
        terms = " ".join(lexical_tokens(query))
        expression = _expression(filters, as_of)
        requests = []
        if mode in ("hybrid", "dense"):
            requests.append(self._dense(vector, depth, expression))
        if mode in ("hybrid", "lexical") and terms:
            requests.append(self._bm25(terms, depth, expression))
        candidates = self._candidates(requests, vector, depth, lexical=mode == "lexical")
        if as_of is not None and prefer_recent and candidates:
            candidates = self._prefer_recent(candidates, query, as_of)
        if mode == "hybrid":
            candidates = answering_first(
                candidates,
                query,
                depth=self._settings.candidates,
                rrf_k=self._settings.rrf_k,
                evidence=_evidence,
                order=lambda c: -c.score,
            )
        return [_hit(c) for c in diversify(candidates, _article, k, per_article)]

    def _dense(self, vector: np.ndarray, depth: int, expression: str) -> AnnSearchRequest:
        return AnnSearchRequest(
            data=[vector.tolist()],
            anns_field="vector",
            param={"metric_type": "IP"},
            limit=depth,
            expr=expression,
        )

    def _bm25(self, terms: str, depth: int, expression: str) -> AnnSearchRequest:
        return AnnSearchRequest(
            data=[terms],
            anns_field="sparse",
            param={"metric_type": "BM25"},
            limit=depth,
            expr=expression,
        )

    def _candidates(
        self, requests: list[AnnSearchRequest], vector: np.ndarray, depth: int, *, lexical: bool
    ) -> list[_Candidate]:
        """The fused ranking; one side alone gets the reciprocal-rank scores it would
        have in a fusion, as the local store's does."""
        if not requests:
            return []
        if len(requests) == 2:
            found = self._client.hybrid_search(
                self._collection,
                requests,
                RRFRanker(self._settings.rrf_k),
                limit=2 * depth,
                output_fields=FIELDS,
            )[0]
            scores = [float(h["distance"]) for h in found]
        else:
            request = requests[0]
            found = self._client.search(
                self._collection,
                data=request.data,
                anns_field=request.anns_field,
                search_params=request.param,
                limit=depth,
                filter=request.expr or "",
                output_fields=FIELDS,
            )[0]
            scores = [1.0 / (self._settings.rrf_k + rank + 1) for rank in range(len(found))]
        rows = [h["entity"] for h in found]
        similarity = [float(np.dot(vector, row["vector"])) for row in rows]
        # Milvus Lite reports a BM25 score negated, a server as is.
        bm25 = [abs(float(h["distance"])) if lexical else None for h in found]
        candidates = [
            _Candidate(row, score, dense, side)
            for row, score, dense, side in zip(rows, scores, similarity, bm25, strict=True)
        ]
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _prefer_recent(
        self, candidates: list[_Candidate], question: str, as_of: date
    ) -> list[_Candidate]:
        published = np.array([c.row["published"] for c in candidates], dtype=np.int64)
        similarity = np.array([c.dense for c in candidates])
        factors = self._prior.factors(question, as_of, published, similarity)
        boosted = [
            replace(c, score=c.score * float(f)) for c, f in zip(candidates, factors, strict=True)
        ]
        boosted.sort(key=lambda c: -c.score)
        return boosted

    def find_article(self, query_or_url: str, opening_chars: int) -> ArticleDetail | None:
        found = self._query(f"array_contains(url_keys, {json.dumps(loose_key(query_or_url))})")
        if found:
            article = str(found[0]["article"])
        else:
            hits = self.search(query_or_url, k=1)
            if not hits:
                return None
            article = hits[0].article.id
        rows = sorted(self._query(f"article == {json.dumps(article)}", limit=None), key=_start)
        text = ""
        for row in rows:  # passages overlap: the article again from their spans
            text += row["text"][max(len(text) - int(row["start"]), 0) :]
        return ArticleDetail(article=_info(rows[0]), opening=opening(text, opening_chars))

    def indexed_articles(self, keys: Sequence[str]) -> list[ArticleInfo]:
        found: dict[str, ArticleInfo] = {}
        for key in keys:
            rows = self._query(f"article == {json.dumps(article_id(storage_key(key)))}")
            rows = rows or self._query(f"array_contains(url_keys, {json.dumps(loose_key(key))})")
            if rows:
                info = _info(rows[0])
                found.setdefault(info.id, info)
        return list(found.values())

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


def _expression(filters: SearchFilters | None, as_of: date | None) -> str:
    """The filters and the ask day as a Milvus filter expression ("" for none)."""
    filters = filters or SearchFilters()
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


def _evidence(asked_for: Asked, pool: list[_Candidate]) -> Evidence:
    """Sentence facts from the candidates' text: Milvus stores none."""
    return evidence_from_texts(asked_for, [str(c.row["text"]) for c in pool])


def _article(candidate: _Candidate) -> str:
    return str(candidate.row["article"])


def _hit(candidate: _Candidate) -> Hit:
    row = candidate.row
    return Hit(
        article=_info(row),
        chunk_id=str(row["pid"]),
        start=int(row["start"]),
        end=int(row["end"]),
        text=str(row["text"]),
        score=candidate.score,
        dense_score=candidate.dense,
        lexical_score=candidate.lexical,
    )


def _info(row: dict[str, Any]) -> ArticleInfo:
    published = int(row["published"])
    return ArticleInfo(
        id=str(row["article"]),
        title=str(row["title"]),
        url=row["url"] or None,
        source=row["publisher"] or None,
        published=date.fromordinal(published) if published != UNDATED else None,
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
