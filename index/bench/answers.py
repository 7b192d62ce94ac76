"""What ``newsbot bench`` measures per question and over a set of them: where the answer
string ranks in each system's passages, whether the composed answer, its lead line and
its short answer hold it, and whether a question the collection cannot answer got no
short answer. Answer strings are compared case- and whitespace-insensitively."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from index.records import Answer

CUTOFFS = (1, 3, 5, 10)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question's outcome, as ``--details`` writes it."""

    set: str
    id: str
    question: str
    answer: str
    ranks: dict[str, int | None]  # by system: the first passage holding the answer (from 1)
    contains: bool  # the composed answer holds the answer string
    lead: str | None
    short_answer: str | None
    right: bool  # the short answer holds the answer string or is held in it
    ms: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def question_row(
    set_name: str,
    question: tuple[str, str, str],
    ranked: dict[str, list[str]],
    reply: Answer,
    ms: float,
) -> QuestionRow:
    """The row of ``question`` (id, text, answer string) given each system's passages and
    newsbot's ``reply``."""
    number, text, answer = question
    short = reply.short_answer.text if reply.short_answer else None
    return QuestionRow(
        set=set_name,
        id=number,
        question=text,
        answer=answer,
        ranks={name: _rank(passages, answer) for name, passages in ranked.items()},
        contains=contains(reply.text, answer),
        lead=reply.lead,
        short_answer=short,
        right=short is not None and short_answer_right(short, answer),
        ms=ms,
    )


def systems(rows: Sequence[QuestionRow]) -> dict[str, dict[str, float]]:
    """answer-hit@k of each system: the share of questions whose answer string is in one
    of its top k passages."""
    names = rows[0].ranks if rows else {}
    return {
        name: {
            f"hit@{k}": float(np.mean([(r.ranks[name] or k + 1) <= k for r in rows]))
            for k in CUTOFFS
        }
        for name in names
    }


def answer_measures(rows: Sequence[QuestionRow]) -> dict[str, Any]:
    """The answer's figures: answer string in the whole answer and in its lead, the lead's
    median length, the short answers given and right (shares of all questions)."""
    given = sum(r.short_answer is not None for r in rows)
    right = sum(r.right for r in rows)
    return {
        "answer_contains": float(np.mean([r.contains for r in rows])),
        "answer_in_lead": float(
            np.mean([r.lead is not None and contains(r.lead, r.answer) for r in rows])
        ),
        "lead_chars": float(statistics.median([len(r.lead or "") for r in rows])),
        "short_answer": {
            "given": given / len(rows),
            "right": right / len(rows),
            "precision": right / given if given else 0.0,
        },
    }


def answers_text(rows: Sequence[QuestionRow], unanswerable: float | None) -> list[str]:
    """The retrieval and answer figures of ``rows`` as lines of text."""
    lines = [f"{'answer-hit@k':14}" + "".join(f"{'@' + str(k):>8}" for k in CUTOFFS)]
    for name, hits in systems(rows).items():
        lines.append(f"{name:14}" + "".join(f"{hits[f'hit@{k}']:8.3f}" for k in CUTOFFS))
    measures = answer_measures(rows)
    short = measures["short_answer"]
    lines += [
        "",
        f"answer string inside the composed answer: {measures['answer_contains']:.3f}",
        f"answer string inside the lead line: {measures['answer_in_lead']:.3f} "
        f"(lead median {measures['lead_chars']:.0f} characters)",
        f"short answer: given {short['given']:.3f}, right {short['right']:.3f} "
        f"(precision {short['precision']:.3f})",
    ]
    if unanswerable is not None:
        lines.append(f"unanswerable questions given no short answer: {unanswerable:.3f}")
    return lines


def latency(rows: Sequence[QuestionRow]) -> dict[str, float]:
    timings = [r.ms for r in rows]
    return {"p50": statistics.median(timings), "p95": float(np.percentile(timings, 95))}


def short_answer_right(short: str, answer: str) -> bool:
    short, answer = normalise(short), normalise(answer)
    return bool(short) and (answer in short or short in answer)


def contains(text: str, answer: str) -> bool:
    return normalise(answer) in normalise(text)


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form, as the benchmark compares answers."""
    return " ".join(text.split()).casefold()


def _rank(passages: list[str], answer: str) -> int | None:
    return next((n for n, p in enumerate(passages, start=1) if contains(p, answer)), None)
