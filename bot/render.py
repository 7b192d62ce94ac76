"""Answers and search results as terminal text and as JSON-ready dicts.

Everything from an article or a model (titles, publishers, urls, passages, answers) is
shown through ``index.display.printable`` in text, and JSON is printed through
``json_text``: a control sequence or a bidi override in an article reaches the
terminal as an escape, never as itself."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from typing import Any

from index.display import json_safe, printable
from index.indexer import ReindexSummary
from index.knowledge_base import IndexStats
from index.records import Answer, ArticleInfo, Hit, ModelRun, ShortAnswer, Skipped, Truncated
from index.web.refresh import RefreshSummary

NO_ANSWER = "The indexed articles do not answer this."
UNDATED = "undated"
_ORIGIN_CHARS = 300  # a file path or url in a report line, at most
_REASON_CHARS = 500


# What a reply says when a deployment with a language model answered extractively.
FALLBACK_NOTES = {
    "timeout": "Composed from the articles directly: the language model took too long.",
    "error": "Composed from the articles directly: the language model could not be used.",
    "declined": "Composed from the articles directly: the language model found no answer in them.",
    "unverified": (
        "Composed from the articles directly: the language model's answer could not be "
        "checked against them."
    ),
}


def fallback_note(answer: Answer) -> str | None:
    """Why an answer was composed from the articles directly, when a model was asked."""
    return FALLBACK_NOTES[answer.fallback] if answer.fallback else None


def coverage_note(answer: Answer) -> str | None:
    """How current an answer about the present is, when its newest source is old."""
    if answer.latest_coverage is None:
        return None
    return f"The latest article on this is from {long_date(answer.latest_coverage)}."


def long_date(day: date) -> str:
    """12 March 2025."""
    return f"{day.day} {day:%B %Y}"


def source_line(article: ArticleInfo) -> str:
    """'Title — Publisher, 2024-03-01 — url': the date or "undated", the rest when known."""
    parts = [article.title, ", ".join(p for p in (article.source, _date(article) or UNDATED) if p)]
    if article.url:
        parts.append(article.url)
    line = " — ".join(parts)
    others = also_reported_by(article)
    return printable(f"{line} (also reported by {others})" if others else line)


def also_reported_by(article: ArticleInfo) -> str:
    """'Wire A, Paper B' for the other publishers of the same story, if any."""
    names = dict.fromkeys(r.source or r.url or r.title for r in article.also_reported_by)
    return ", ".join(name for name in names if name)


def answer_text(answer: Answer, width: int = 100) -> str:
    notes = [n for n in (coverage_note(answer), fallback_note(answer)) if n]
    if not answer.answered:
        return "\n".join([NO_ANSWER, *notes])
    lines = textwrap.wrap(terminal_text(answer.text), width)
    short = answer.short_answer
    if short is not None:  # the thing asked for, the clauses that say it, the sentences
        markers = "".join(f"[{n}]" for n in short.citations)
        opening = [f"{short.text} {markers}", answer.lead or ""]
        lines = [
            *(w for o in opening if o for w in textwrap.wrap(terminal_text(o), width)),
            "",
            *lines,
        ]
    elif answer.lead:  # what answers first, then the sentences it comes from
        lines = [*textwrap.wrap(terminal_text(answer.lead), width), "", *lines]
    if notes:
        lines += ["", *notes]
    lines += ["", "Sources:"]
    lines += [f"  [{c.number}] {source_line(c.article)}" for c in answer.citations]
    return "\n".join(lines)


def terminal_text(text: str) -> str:
    """Running text from an article or a model as one escaped line: its whitespace
    (newlines, tabs) collapsed, every other control or bidi character escaped."""
    return printable(" ".join(text.split()))


def json_text(value: Any) -> str:
    """``value`` as indented JSON that is safe to print on a terminal."""
    return json_safe(json.dumps(value, ensure_ascii=False, indent=2))


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else NO_ANSWER,
        "as_of": _iso(answer.as_of),
        "latest_coverage": _iso(answer.latest_coverage),
        "mode": answer.mode,
        "fallback": answer.fallback,
        "note": fallback_note(answer),
        "lead": answer.lead,
        "short_answer": _short_json(answer.short_answer),
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in answer.sentences],
        "sources": [{"number": c.number, **article_json(c.article)} for c in answer.citations],
        "verification": _run_json(answer.model_run) if answer.model_run else None,
    }


def _short_json(short: ShortAnswer | None) -> dict[str, Any] | None:
    if short is None:
        return None
    return {"text": short.text, "citations": list(short.citations), "sentence": short.sentence}


def _run_json(run: ModelRun) -> dict[str, Any]:
    """What the language model drafted and what verification made of it."""
    return {
        "kept": run.kept,
        "dropped": [{"text": d.text, "reason": d.reason} for d in run.dropped],
        "first_text_seconds": run.first_text_seconds,
        "seconds": run.seconds,
    }


def hits_text(hits: list[Hit], width: int = 100) -> str:
    if not hits:
        return "No passages found."
    blocks = []
    for rank, hit in enumerate(hits, start=1):
        scores = f"score {hit.score:.4f}"
        if hit.dense_score is not None:
            scores += f", dense {hit.dense_score:.3f}"
        if hit.lexical_score is not None:
            scores += f", bm25 {hit.lexical_score:.2f}"
        passage = textwrap.indent(textwrap.fill(terminal_text(hit.text), width - 4), "    ")
        blocks.append(f"{rank}. {source_line(hit.article)}\n   ({scores})\n{passage}")
    return "\n\n".join(blocks)


def hits_json(hits: list[Hit]) -> list[dict[str, Any]]:
    return [
        {
            "rank": rank,
            "text": hit.text,
            "score": hit.score,
            "dense_score": hit.dense_score,
            "lexical_score": hit.lexical_score,
            "start": hit.start,
            "end": hit.end,
            **article_json(hit.article),
        }
        for rank, hit in enumerate(hits, start=1)
    ]


def article_json(article: ArticleInfo) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "date": _date(article),
        "author": article.author,
        "also_reported_by": [
            {"source": r.source, "url": r.url, "title": r.title} for r in article.also_reported_by
        ],
    }


def summary_text(summary: ReindexSummary) -> str:
    head = (
        f"{summary.articles} articles, {summary.chunks} passages: "
        f"{summary.added} added, {summary.updated} updated, {summary.removed} removed, "
        f"{summary.unchanged} unchanged, {summary.syndicated} syndicated copies, "
        f"{len(summary.skipped)} skipped"
        + (f", {len(summary.truncated)} truncated" if summary.truncated else "")
        + f" in {summary.seconds:.1f} s"
    )
    if not summary.changed:
        head += " (index unchanged)"
    else:
        head += f" ({summary.chunks_embedded} passages embedded; now {summary.generation})"
    lines = [head] + [f"  skipped {report_line(s)}" for s in summary.skipped]
    lines += [f"  truncated {report_line(t)}" for t in summary.truncated]
    if summary.repaired is not None:
        lines.insert(0, f"the index was damaged and is rebuilt: {printable(summary.repaired)}")
    if summary.fetched is not None:
        lines.insert(0, fetch_text(summary.fetched))
    return "\n".join(lines)


def fetch_text(fetched: RefreshSummary) -> str:
    lines = [
        f"fetched {fetched.fetched} responses: {fetched.new_articles} new articles, "
        f"{fetched.updated_articles} updated, {fetched.not_modified} sources not modified, "
        f"{fetched.already_stored} entries already stored, {len(fetched.skipped)} failed"
    ]
    lines += [f"  failed {report_line(s)}" for s in fetched.skipped]
    return "\n".join(lines)


def report_line(item: Skipped | Truncated) -> str:
    """'origin: reason' on one line, escaped and shortened: a file name may hold bytes
    that are not UTF-8 or a newline, a url CR LF or 100,000 characters."""
    return f"{printable(item.origin, _ORIGIN_CHARS)}: {printable(item.reason, _REASON_CHARS)}"


def stats_text(stats: IndexStats) -> str:
    span = f"{stats.oldest} to {stats.newest}" if stats.oldest else "no dates"
    lines = [
        f"index {stats.generation} ({stats.store} store), "
        f"built {stats.built_at:%Y-%m-%d %H:%M} UTC",
        f"model {stats.model} ({stats.embedding}, {stats.dimension} dimensions, "
        f"{stats.vector_index} index)",
        f"{stats.articles} articles, {stats.chunks} passages, published {span}",
        "sources:",
    ]
    lines += [f"  {count:6d}  {printable(source)}" for source, count in stats.sources]
    return "\n".join(lines)


def _date(article: ArticleInfo) -> str | None:
    return _iso(article.published)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
