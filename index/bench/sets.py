"""``newsbot bench DIR [DIR ...]``: each set measured on its own index, and the figures
over all their questions together.

With several sets, each set's collection is also asked the previous set's questions (the
first set the last's) whose answer string none of its articles holds: questions it cannot
answer. A set's ``unanswerable_abstained`` is the share of those asked of its collection
that got no short answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from index.bench.answers import answer_measures, answers_text, latency, systems
from index.bench.quality import BenchReport, read_questions, run_benchmark
from index.config import Settings
from index.errors import NewsbotError
from index.llm.client import ChatModel


@dataclass
class SetsReport:
    """The reports of several sets, by name, and their total."""

    sets: dict[str, BenchReport]

    def total(self) -> dict[str, Any]:
        rows = [row for report in self.sets.values() for row in report.rows]
        unanswerable = [flag for report in self.sets.values() for flag in report.unanswerable]
        return {
            "questions": len(rows),
            "systems": systems(rows),
            **answer_measures(rows),
            "unanswerable_abstained": float(np.mean(unanswerable)) if unanswerable else None,
            "ask_ms": latency(rows),
        }

    def as_json(self) -> dict[str, Any]:
        if len(self.sets) == 1:
            return next(iter(self.sets.values())).as_json()
        return {
            "sets": {name: report.as_json() for name, report in self.sets.items()},
            "total": self.total(),
        }

    def text(self) -> str:
        if len(self.sets) == 1:
            return next(iter(self.sets.values())).text()
        blocks = [f"== {name}\n{report.text()}" for name, report in self.sets.items()]
        total = self.total()
        rows = [row for report in self.sets.values() for row in report.rows]
        blocks.append(
            "\n".join(
                [
                    f"== total: {total['questions']} questions",
                    *answers_text(rows, total["unanswerable_abstained"]),
                    f"ask latency: p50 {total['ask_ms']['p50']:.1f} ms, "
                    f"p95 {total['ask_ms']['p95']:.1f} ms",
                ]
            )
        )
        return "\n\n".join(blocks)

    def write_details(self, path: Path) -> None:
        """A JSON line per question: its set, id, ranks, lead, short answer, right or not
        (and one per unanswerable question asked)."""
        try:
            with path.open("w", encoding="utf-8") as file:
                for report in self.sets.values():
                    for row in report.rows:
                        file.write(json.dumps(row.as_json()) + "\n")
                    for extra in report.unanswerable_rows:
                        file.write(json.dumps(extra) + "\n")
        except OSError as error:
            raise NewsbotError(f"{path}: cannot write the details ({error})") from None


def run_benchmarks(
    settings: Settings,
    directories: Sequence[Path],
    work_dir: Path | None = None,
    log: Callable[[str], None] = lambda _: None,
    chat: ChatModel | None = None,
    milvus_token: SecretStr | None = None,
) -> SetsReport:
    """Measure newsbot on each of ``directories`` (their folder names must differ)."""
    names = [d.name for d in directories]
    if len(set(names)) != len(names):
        raise NewsbotError(f"benchmark folders need different names, got {', '.join(names)}")
    questions = [read_questions(d / "questions.jsonl") for d in directories]
    reports: dict[str, BenchReport] = {}
    for number, directory in enumerate(directories):
        log(f"== {directory.name}")
        foreign = questions[number - 1] if len(directories) > 1 else []
        reports[directory.name] = run_benchmark(
            settings,
            directory,
            work_dir / directory.name if work_dir else None,
            log,
            chat,
            foreign=foreign,
            milvus_token=milvus_token,
        )
    return SetsReport(reports)
