"""``newsbot bench`` with ``[llm]``: how the answers written by the language model fare.

Every question is asked again of a knowledge base with the model, as users would get it
(falling back to the extractive answer when the model cannot be used). Measured: the
share of answers written by the model, the share of answers containing the answer
string (all of them, and those in llm mode) and its lead line, the short answers given
and right (the model's own when it verified, else the articles' one it agrees with), the
share of the model's sentences that verification dropped, why answers fell back, and the
time to the first text and to the whole answer (p50/p95, of the questions the model was
asked).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from index.bench.answers import contains, short_answer_right
from index.knowledge_base import KnowledgeBase
from index.records import Answer


@dataclass(frozen=True, slots=True)
class _Asked:
    answer: Answer
    contains: bool
    in_lead: bool
    short_right: bool
    milliseconds: float


def measure_llm(kb: KnowledgeBase, questions: Sequence[tuple[str, str, date]]) -> dict[str, Any]:
    """Figures for ``questions`` (text, answer string, day asked), as a JSON object."""
    asked = []
    for text, expected, as_of in questions:
        started = time.perf_counter()
        answer = kb.ask(text, as_of=as_of)
        milliseconds = (time.perf_counter() - started) * 1000
        short = answer.short_answer
        asked.append(
            _Asked(
                answer,
                contains(answer.text, expected),
                answer.lead is not None and contains(answer.lead, expected),
                short is not None and short_answer_right(short.text, expected),
                milliseconds,
            )
        )
    written = [a for a in asked if a.answer.mode == "llm"]
    # The questions the model was asked (weak evidence is refused without asking it).
    runs = [(a, a.answer.model_run) for a in asked if a.answer.model_run is not None]
    generated = sum(run.kept + len(run.dropped) for _, run in runs)
    dropped = sum(len(run.dropped) for _, run in runs)
    first = [run.first_text_seconds * 1000 for _, run in runs if run.first_text_seconds is not None]
    given = sum(a.answer.short_answer is not None for a in asked)
    right = sum(a.short_right for a in asked)
    return {
        "questions": len(asked),
        "model_asked": len(runs),
        "llm_mode": _share(len(written), len(asked)),
        "answer_contains": _share(sum(a.contains for a in asked), len(asked)),
        "answer_contains_llm_mode": _share(sum(a.contains for a in written), len(written)),
        "answer_in_lead": _share(sum(a.in_lead for a in asked), len(asked)),
        "short_answer": {
            "given": _share(given, len(asked)),
            "right": _share(right, len(asked)),
            "precision": _share(right, given),
        },
        "sentences_generated": generated,
        "sentences_dropped": _share(dropped, generated),
        "fallbacks": dict(Counter(a.answer.fallback for a in asked if a.answer.fallback)),
        "first_text_ms": _percentiles(first),
        "answer_ms": _percentiles([a.milliseconds for a, _ in runs]),
    }


def llm_text(figures: dict[str, Any]) -> list[str]:
    """The figures as report lines."""

    def ms(key: str) -> str:
        p = figures[key]
        return "n/a" if p is None else f"p50 {p['p50']:,.0f} ms, p95 {p['p95']:,.0f} ms"

    fallbacks = ", ".join(f"{k} {v}" for k, v in sorted(figures["fallbacks"].items())) or "none"
    short = figures["short_answer"]
    return [
        "",
        f"language model: asked for {figures['model_asked']} of {figures['questions']} "
        f"answers; written by it: {_number(figures['llm_mode'])}",
        f"  answer string inside the answer: {_number(figures['answer_contains'])} "
        f"(in llm mode: {_number(figures['answer_contains_llm_mode'])}), inside the lead "
        f"line: {_number(figures['answer_in_lead'])}",
        f"  short answer: given {_number(short['given'])}, right {_number(short['right'])} "
        f"(precision {_number(short['precision'])})",
        f"  sentences dropped by verification: {_number(figures['sentences_dropped'])} "
        f"of {figures['sentences_generated']}; fallbacks: {fallbacks}",
        f"  first text: {ms('first_text_ms')}; whole answer: {ms('answer_ms')}",
    ]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"p50": statistics.median(values), "p95": float(np.percentile(values, 95))}


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
