"""Sentence-aware chunks that fit the embedding model's token window, with overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from index.ingest.sentences import split_sentences
from index.records import Article, Chunk


class Tokenizer(Protocol):
    """What chunking needs of the embedding model: its window and its word pieces."""

    @property
    def max_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """How many word pieces a chunk's own text may take, and how many to repeat."""

    budget: int
    overlap: int


def embedding_text(article: Article, chunk_text: str) -> str:
    """What the model reads for a chunk: the article's title and date give it context."""
    dated = f" ({article.published.isoformat()})" if article.published else ""
    return f"{article.title}{dated}\n{chunk_text}"


def plan_for(
    article: Article, embedder: Tokenizer, max_tokens: int | None, overlap: int
) -> ChunkPlan:
    window = min(max_tokens or embedder.max_tokens, embedder.max_tokens)
    context_tokens = embedder.count_tokens([embedding_text(article, "")])[0]
    budget = window - context_tokens - getattr(embedder, "special_tokens", 2)
    # A title so long it leaves no room is truncated by the model anyway; keep chunks useful.
    budget = max(budget, window // 2)
    return ChunkPlan(budget=budget, overlap=min(overlap, budget // 2))


def chunk_article(article: Article, embedder: Tokenizer, plan: ChunkPlan) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``plan.budget`` word pieces.

    Consecutive chunks share trailing sentences worth up to ``plan.overlap`` word pieces;
    a sentence longer than the budget is cut at word-piece boundaries.
    """
    text = article.text
    pieces = _pieces(text, embedder, plan.budget)
    chunks: list[Chunk] = []
    first = 0
    while first < len(pieces):
        last, used = first, 0
        while last < len(pieces) and used + pieces[last][2] <= plan.budget:
            used += pieces[last][2]
            last += 1
        last = max(last, first + 1)
        start, end = pieces[first][0], pieces[last - 1][1]
        chunks.append(
            Chunk(
                article_id=article.id,
                ordinal=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
                token_count=sum(p[2] for p in pieces[first:last]),
            )
        )
        if last >= len(pieces):
            break
        first = _overlap_start(pieces, first, last, plan)
    return chunks


def _overlap_start(
    pieces: list[tuple[int, int, int]], first: int, last: int, plan: ChunkPlan
) -> int:
    """First piece of the next chunk: go back over whole sentences within the overlap.

    The repeated sentences must leave room for the next new one, or the next chunk would
    add nothing.
    """
    overlap = min(plan.overlap, plan.budget - pieces[last][2])
    nxt, repeated = last, 0
    while nxt - 1 > first and repeated + pieces[nxt - 1][2] <= overlap:
        nxt -= 1
        repeated += pieces[nxt][2]
    return nxt


def _pieces(text: str, embedder: Tokenizer, budget: int) -> list[tuple[int, int, int]]:
    """Sentences as ``(start, end, tokens)``, with over-long ones cut to fit ``budget``."""
    spans = split_sentences(text)
    # Separators between sentences cost about one word piece each; count them in.
    counts = embedder.count_tokens([text[s:e] for s, e in spans])
    pieces: list[tuple[int, int, int]] = []
    for (start, end), count in zip(spans, counts, strict=True):
        if count <= budget:
            pieces.append((start, end, count))
        else:
            pieces.extend(_cut_long_sentence(text, start, end, embedder, budget))
    return pieces


def _cut_long_sentence(
    text: str, start: int, end: int, embedder: Tokenizer, budget: int
) -> list[tuple[int, int, int]]:
    offsets = embedder.token_offsets(text[start:end])
    cuts: list[tuple[int, int, int]] = []
    for first in range(0, len(offsets), budget):
        window = offsets[first : first + budget]
        cuts.append((start + window[0][0], start + window[-1][1], len(window)))
    return cuts
