"""``newsbot bench``: retrieval quality and speed on a QA collection, against baselines.

The collection folder holds ``articles.jsonl`` (id, title, url, date, text) and
``questions.jsonl`` (question, answer, optional date). A question counts as a hit at k
when its answer string appears (case- and whitespace-insensitive) in one of the top k
passages. A newsbot passage is what was indexed and is shown: the article's title and
the chunk text, within the model's window; the naive baseline's passages are bare
windows, embedded by the same model run as plain sentence-transformers (torch, fp32),
whatever backend newsbot uses. A question with a date is asked as of that day, by
newsbot and every baseline: articles published later do not exist for it (the baselines
get that rule and nothing else); one without is asked today.

Beside retrieval, the answers: whether the composed answer, its lead line and its short
answer hold the answer string (``index.bench.answers``), and, given ``foreign`` questions
(another set's, whose answer string is in no article of this collection), the share of
them that get no short answer.
"""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import SecretStr

from index.answer.extractive import evidence_strength
from index.bench.answers import (
    CUTOFFS,
    QuestionRow,
    answer_measures,
    answers_text,
    contains,
    latency,
    normalise,
    question_row,
    systems,
)
from index.bench.llm import llm_text, measure_llm
from index.calendar import UNDATED, latest_allowed
from index.config import Settings
from index.embedding import Embedder, SentenceTransformerEmbedder
from index.errors import NewsbotError
from index.ingest.dates import parse_date
from index.knowledge_base import KnowledgeBase
from index.llm.client import ChatModel
from index.store.backend import Mode, open_store

NAIVE_WINDOW, NAIVE_OVERLAP = 1000, 200
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
# The systems that search newsbot's own index, by the retrieval mode each uses.
_SYSTEMS: tuple[tuple[str, Mode], ...] = (
    ("newsbot", "hybrid"),
    ("bm25", "lexical"),
    ("dense", "dense"),
)


@dataclass(frozen=True, slots=True)
class BenchQuestion:
    id: str
    text: str
    answer: str
    asked: date | None  # the day it was asked, when the file says


@dataclass
class BenchReport:
    articles: int
    as_of: bool  # every question was asked as of its own date
    rows: list[QuestionRow]
    tokens_per_s: dict[str, float]
    ask_ms: dict[str, float]
    naive_query_ms: dict[str, float]  # the naive baseline's time to embed one question
    reindex_unchanged_s: float
    peak_rss_mb: float
    calibration: list[dict[str, float]] = field(default_factory=list)
    min_relevance: float = 0.0
    llm: dict[str, Any] | None = None  # with [llm]: see index.bench.llm
    store: str = "local"  # the store newsbot's index was searched in
    # Of the foreign questions asked of this collection: whether each got no short answer.
    unanswerable: list[bool] = field(default_factory=list)
    unanswerable_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return len(self.rows)

    @property
    def unanswerable_abstained(self) -> float | None:
        return float(np.mean(self.unanswerable)) if self.unanswerable else None

    def as_json(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "systems": systems(self.rows),
            **answer_measures(self.rows),
            "unanswerable_abstained": self.unanswerable_abstained,
            "index_tokens_per_s": self.tokens_per_s,
            "ask_ms": self.ask_ms,
            "naive_query_ms": self.naive_query_ms,
            "reindex_unchanged_s": self.reindex_unchanged_s,
            "peak_rss_mb": self.peak_rss_mb,
            "articles": self.articles,
            "questions": self.questions,
            "as_of": self.as_of,
            "weak_evidence_calibration": self.calibration,
        } | ({"llm": self.llm} if self.llm is not None else {})

    def text(self) -> str:
        asked = "each asked as of its date" if self.as_of else "asked today"
        lines = [
            f"{self.articles} articles, {self.questions} questions ({asked}), {self.store} store",
            "",
        ]
        lines += answers_text(self.rows, self.unanswerable_abstained)
        newsbot, naive = self.tokens_per_s["newsbot"], self.tokens_per_s["naive"]
        lines += [
            f"indexing: newsbot {newsbot:,.0f} word pieces/s, naive {naive:,.0f} "
            f"({newsbot / naive:.2f}x the naive baseline)",
            f"second reindex of the unchanged collection: {self.reindex_unchanged_s:.2f} s",
            f"ask latency: p50 {self.ask_ms['p50']:.1f} ms, p95 {self.ask_ms['p95']:.1f} ms",
            f"naive baseline, embedding one question: p50 {self.naive_query_ms['p50']:.1f} ms, "
            f"p95 {self.naive_query_ms['p95']:.1f} ms",
            f"peak memory: {self.peak_rss_mb:,.0f} MB",
            "",
            f"weak-evidence threshold (answer.min_relevance, now {self.min_relevance}):",
            "  threshold  answerable kept  answer-removed refused",
        ]
        lines += [
            f"  {row['threshold']:9.2f}  {row['answerable_kept']:15.3f}  "
            f"{row['unanswerable_refused']:22.3f}"
            for row in self.calibration
        ]
        if self.llm is not None:
            lines += llm_text(self.llm)
        return "\n".join(lines)


def run_benchmark(
    settings: Settings,
    directory: Path,
    work_dir: Path | None = None,
    log: Callable[[str], None] = lambda _: None,
    chat: ChatModel | None = None,
    foreign: Sequence[BenchQuestion] = (),
    milvus_token: SecretStr | None = None,
) -> BenchReport:
    """Measure newsbot on ``directory``; with ``chat``, also its answers written by a
    language model (the figures above stay those of the extractive answers). Of the
    ``foreign`` questions, those whose answer string no article here holds are asked
    too, to see that they get no short answer."""
    articles_file = directory / "articles.jsonl"
    questions = read_questions(directory / "questions.jsonl")
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as scratch:
        data_dir = (work_dir or Path(scratch)) / "newsbot"
        index_settings = settings.index.model_copy(
            update={"data_dir": data_dir, "articles": [articles_file]}
        )
        settings = settings.model_copy(
            update={"index": index_settings, "store": settings.store.apart(data_dir.parent)}
        )
        store = open_store(settings, milvus_token)
        kb = KnowledgeBase(settings, store=store)
        model = kb.embedder  # load before timing: both systems get a loaded model
        naive_model = SentenceTransformerEmbedder(settings.model)  # always torch fp32
        records = _read_jsonl(articles_file)
        raw_texts = [r["text"] for r in records]
        collection_tokens = sum(model.count_tokens(raw_texts))

        log("building the newsbot index ...")
        started = time.perf_counter()
        summary = kb.reindex()
        newsbot_s = time.perf_counter() - started
        started = time.perf_counter()
        kb.reindex()
        unchanged_s = time.perf_counter() - started

        log("building the naive baseline ...")
        started = time.perf_counter()
        naive = _NaiveIndex(raw_texts, [parse_date(r.get("date")) for r in records], naive_model)
        naive_s = time.perf_counter() - started

        log("asking the questions ...")
        searcher = kb.searcher()
        rows, newsbot_ranked, strengths = [], [], []
        kb.ask("warm-up question", as_of=date.today())
        for question in questions:
            as_of = question.asked or date.today()
            ranked = {
                name: [
                    h.passage
                    for h in searcher.search(
                        question.text,
                        max(CUTOFFS),
                        mode=mode,
                        as_of=as_of,
                        prefer_recent=name == "newsbot",
                    )
                ]
                for name, mode in _SYSTEMS
            }
            ranked["naive"] = naive.search(question.text, max(CUTOFFS), as_of)
            started = time.perf_counter()
            reply = kb.ask(question.text, as_of=as_of)
            ms = (time.perf_counter() - started) * 1000
            fields = (question.id, question.text, question.answer)
            rows.append(question_row(directory.name, fields, ranked, reply, ms))
            newsbot_ranked.append(ranked["newsbot"])
            strengths.append(evidence_strength(reply.hits))
        unanswerable_rows = _ask_foreign(kb, foreign, records, directory.name)

        naive_query_ms = _query_embedding_ms(naive_model, questions)

        llm = None
        if chat is not None:
            log("asking the questions of the language model ...")
            asked = [(q.text, q.answer, q.asked or date.today()) for q in questions]
            llm = measure_llm(KnowledgeBase(settings, model, chat, store=store), asked)

        log("calibrating the weak-evidence threshold ...")
        calibration = _calibrate(kb, questions, strengths, newsbot_ranked)
    return BenchReport(
        articles=summary.articles,
        as_of=all(question.asked for question in questions),
        rows=rows,
        tokens_per_s={
            "newsbot": collection_tokens / newsbot_s,
            "naive": collection_tokens / naive_s,
        },
        ask_ms=latency(rows),
        naive_query_ms=naive_query_ms,
        reindex_unchanged_s=unchanged_s,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        calibration=calibration,
        min_relevance=settings.answer.min_relevance,
        llm=llm,
        store=settings.store.backend,
        unanswerable=[row["short_answer"] is None for row in unanswerable_rows],
        unanswerable_rows=unanswerable_rows,
    )


def _ask_foreign(
    kb: KnowledgeBase,
    foreign: Sequence[BenchQuestion],
    records: list[dict[str, Any]],
    collection: str,
) -> list[dict[str, Any]]:
    """Ask the ``foreign`` questions whose answer string no article of ``records`` holds,
    each as of its date: the details row of each."""
    texts = [normalise(f"{r.get('title') or ''}\n{r['text']}") for r in records]
    rows = []
    for question in foreign:
        wanted = normalise(question.answer)
        if any(wanted in text for text in texts):
            continue
        reply = kb.ask(question.text, as_of=question.asked or date.today())
        short = reply.short_answer.text if reply.short_answer else None
        rows.append(
            {
                "set": f"unanswerable in {collection}",
                "id": question.id,
                "question": question.text,
                "answer": question.answer,
                "lead": reply.lead,
                "short_answer": short,
            }
        )
    return rows


class _NaiveIndex:
    """The baseline: fixed 1000-character windows (200 overlap), same model, flat FAISS."""

    def __init__(self, texts: list[str], published: list[date | None], model: Embedder) -> None:
        step = NAIVE_WINDOW - NAIVE_OVERLAP
        spans = [
            (number, start)
            for number, text in enumerate(texts)
            for start in range(0, max(len(text) - NAIVE_OVERLAP, 1), step)
        ]
        self.windows = [texts[number][start : start + NAIVE_WINDOW] for number, start in spans]
        days = [day.toordinal() if day else UNDATED for day in published]
        self._published = np.array([days[n] for n, _ in spans])  # UNDATED exist at any time
        self._model = model
        self._index = faiss.IndexFlatIP(model.dimension)
        self._index.add(model.encode(self.windows, bulk=True))

    def search(self, query: str, k: int, as_of: date) -> list[str]:
        """The best windows of the articles that exist ``as_of`` that day."""
        exists = np.flatnonzero(self._published <= latest_allowed(as_of).toordinal())
        selector = faiss.IDSelectorBatch(exists.astype(np.int64))
        params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        _, ids = self._index.search(self._model.encode([query]), k, params=params)
        return [self.windows[i] for i in ids[0] if i >= 0]


def _query_embedding_ms(model: Embedder, questions: list[BenchQuestion]) -> dict[str, float]:
    """p50 and p95 of the time ``model`` takes to embed one question, in milliseconds."""
    model.encode(["warm-up question"])
    timings = []
    for question in questions:
        started = time.perf_counter()
        model.encode([question.text])
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(timings), "p95": float(np.percentile(timings, 95))}


def _calibrate(
    kb: KnowledgeBase,
    questions: list[BenchQuestion],
    strengths: list[float],
    ranked: list[list[str]],
) -> list[dict[str, float]]:
    """How each threshold treats answerable questions and the same ones with the answer gone.

    "Answerable" questions are those whose answer is in newsbot's top 5; their
    "answer-removed" twin is the best match among passages that lack the answer string,
    a hard stand-in for a question the articles cannot answer.
    """
    texts, rows = zip(*kb.searcher().live_passages(), strict=True)
    passages = [normalise(text) for text in texts]
    vectors = np.stack(rows)
    query_vectors = kb.embedder.encode([question.text for question in questions])
    answerable, removed = [], []
    for question, query, strength, top in zip(
        questions, query_vectors, strengths, ranked, strict=True
    ):
        if any(contains(p, question.answer) for p in top[:5]):
            answerable.append(strength)
        wanted = normalise(question.answer)
        lacking = np.array([wanted not in passage for passage in passages])
        removed.append(float((vectors @ query)[lacking].max(initial=-1.0)))
    return [
        {
            "threshold": t,
            "answerable_kept": float(np.mean([s >= t for s in answerable])),
            "unanswerable_refused": float(np.mean([s < t for s in removed])),
        }
        for t in THRESHOLDS
    ]


def read_questions(path: Path) -> list[BenchQuestion]:
    questions = [
        BenchQuestion(
            str(r.get("id", number)), r["question"], r["answer"], parse_date(r.get("date"))
        )
        for number, r in enumerate(_read_jsonl(path), start=1)
    ]
    if not questions:
        raise NewsbotError(f"{path}: no questions")
    return questions


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as error:
        raise NewsbotError(f"{path}: cannot read benchmark file ({error})") from None
