"""Retrieval quality and `ask` latency, the local store against Milvus Lite, in one run.

    .venv/bin/python scripts/bench_stores.py ../shared/bench/rtqa-2024 --work-dir DIR
        [--config newsbot.toml] [--json]

One reindex builds the index in DIR/data; the Milvus store publishes it into
DIR/milvus.db, so both search the same passages and vectors. Every question is searched
(hybrid with the time prior, BM25 alone, dense alone) and asked of both stores, taking
turns, so that load from other processes weighs on both alike: answer-hit@k as
``newsbot bench`` counts it, and `ask` p50/p95 (ratios are the figures to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from bot.cli import configure_logging
from bot.composition import milvus_token
from index.config import load_settings
from index.ingest.dates import parse_date
from index.knowledge_base import KnowledgeBase
from index.store.backend import open_store

CUTOFFS = (1, 3, 5, 10)
MODES = ("hybrid", "lexical", "dense")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help="folder with articles.jsonl, questions.jsonl")
    parser.add_argument("--work-dir", type=Path, required=True, help="where to build both")
    parser.add_argument("--config", type=Path, help="settings file (default: built-in)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    configure_logging(verbose=False)
    settings = load_settings(args.config)
    index = settings.index.model_copy(
        update={"data_dir": args.work_dir / "data", "articles": [args.directory / "articles.jsonl"]}
    )
    lite = {"backend": "milvus", "uri": str(args.work_dir / "milvus.db")}
    local_store = settings.store.model_copy(update={"backend": "local"})
    local = settings.model_copy(update={"index": index, "store": local_store})
    milvus = local.model_copy(update={"store": local_store.model_copy(update=lite)})
    stores = {"local": KnowledgeBase(local, store=open_store(local))}
    started = time.perf_counter()
    stores["local"].reindex()
    print(f"reindex: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    stores["milvus"] = KnowledgeBase(
        milvus, stores["local"].embedder, store=open_store(milvus, milvus_token())
    )
    started = time.perf_counter()
    stores["milvus"].reindex()  # nothing changed: publishes the same generation to Milvus
    print(f"published to Milvus: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    report = measure(stores, read_questions(args.directory / "questions.jsonl"))
    print(json.dumps(report, indent=1) if args.json else text(report))
    return 0


def read_questions(path: Path) -> list[tuple[str, str, date]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r["question"], r["answer"], parse_date(r.get("date")) or date.today()) for r in rows]


def measure(
    stores: dict[str, KnowledgeBase], questions: list[tuple[str, str, date]]
) -> dict[str, Any]:
    found = {name: {mode: [0] * len(CUTOFFS) for mode in MODES} for name in stores}
    latencies: dict[str, list[float]] = {name: [] for name in stores}
    for kb in stores.values():
        kb.ask("warm-up question", as_of=date.today())
    for number, (question, answer, asked) in enumerate(questions):
        turn = list(stores) if number % 2 == 0 else list(reversed(stores))
        for name in turn:
            kb = stores[name]
            index = kb.searcher()
            for mode in MODES:
                hits = index.search(
                    question, max(CUTOFFS), mode=mode, as_of=asked, prefer_recent=mode == "hybrid"
                )
                passages = [normalised(h.passage) for h in hits]
                for position, k in enumerate(CUTOFFS):
                    found[name][mode][position] += any(
                        normalised(answer) in p for p in passages[:k]
                    )
            started = time.perf_counter()
            kb.ask(question, as_of=asked)
            latencies[name].append((time.perf_counter() - started) * 1000)
    return {
        name: {
            "hit@k": {
                mode: {f"@{k}": n / len(questions) for k, n in zip(CUTOFFS, counts, strict=True)}
                for mode, counts in found[name].items()
            },
            "ask_ms": {
                "p50": statistics.median(latencies[name]),
                "p95": float(np.percentile(latencies[name], 95)),
            },
        }
        for name in stores
    }


def normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def text(report: dict[str, Any]) -> str:
    lines = [f"{'answer-hit@k':22}" + "".join(f"{'@' + str(k):>8}" for k in CUTOFFS)]
    for name, figures in report.items():
        for mode, hits in figures["hit@k"].items():
            lines.append(f"{name + ' ' + mode:22}" + "".join(f"{v:8.3f}" for v in hits.values()))
    lines += [
        f"ask {name}: p50 {f['ask_ms']['p50']:.1f} ms, p95 {f['ask_ms']['p95']:.1f} ms"
        for name, f in report.items()
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
