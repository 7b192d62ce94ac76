"""Search results as a list to skim: at most one passage an article (unless more are
wanted), only those close enough to the best, each cut to about 200 characters around its
sentence that best matches the query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.ingest.sentence_facts import coverage, question_terms
from index.ingest.sentences import split_sentences
from index.records import Hit

SNIPPET_CHARS = 200
# A passage is listed when its cosine similarity to the query is at least this, and not
# far below the best one's (passages found only by their words are kept: they contain them).
MIN_RELEVANCE = 0.2
MAX_BELOW_BEST = 0.3


@dataclass(frozen=True, slots=True)
class Snippet:
    hit: Hit
    text: str


def snippets(query: str, hits: Sequence[Hit], k: int, *, per_article: int = 1) -> list[Snippet]:
    """The first ``k`` relevant ``hits`` (best first), at most ``per_article`` from an
    article, each as a snippet of its passage."""
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    floor = max(MIN_RELEVANCE, max(dense, default=0.0) - MAX_BELOW_BEST)
    taken: dict[str, int] = {}
    results: list[Snippet] = []
    for hit in hits:
        if hit.dense_score is not None and hit.dense_score < floor:
            continue
        if taken.get(hit.article.id, 0) >= per_article:
            continue
        taken[hit.article.id] = taken.get(hit.article.id, 0) + 1
        results.append(Snippet(hit, snippet(hit.text, query)))
        if len(results) == k:
            break
    return results


def snippet(text: str, query: str, size: int = SNIPPET_CHARS) -> str:
    """About ``size`` characters of ``text`` around its sentence that shares most words
    with ``query``, cut at word boundaries and marked with "…" where cut."""
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    terms = question_terms(query)
    spans = split_sentences(text) or [(0, len(text))]
    start, end = max(spans, key=lambda span: coverage(terms, text[span[0] : span[1]]))
    if end - start > size:
        end = start + size
    else:  # widen to the sentences around it, as far as ``size`` allows
        spare = size - (end - start)
        start = max(0, start - spare // 3)
        end = min(len(text), end + spare - (spare // 3))
    # Cut inside the window, at word boundaries.
    head = text.find(" ", start - 1) + 1 if start > 0 else 0
    tail = text.rfind(" ", head, end + 1) if end < len(text) else len(text)
    tail = end if tail <= head else tail
    piece = text[head:tail].strip()
    return ("… " if head > 0 else "") + piece + (" …" if tail < len(text) else "")
