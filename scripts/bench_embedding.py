"""Embedding speed and fidelity, "onnx-int8" against "torch" (fp32), measured in one run.

    .venv/bin/python scripts/bench_embedding.py ../shared/bench/rtqa-2024/articles.jsonl
        [--articles 300] [--questions FILE] [--config newsbot.toml] [--json]

The articles are chunked into passages as a reindex does. Both backends embed the same
passages in the same batches and the same questions one at a time, taking turns round by
round, so that load from other processes weighs on both alike; ratios are the figures to
compare between machines, absolute times move with the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from index.config import load_settings
from index.embedding import Embedder, load_embedder
from index.embedding.torch_backend import SentenceTransformerEmbedder
from index.ingest.chunking import chunk_article, embedding_text, plan_for
from index.ingest.files import load_articles
from index.records import Article

ROUNDS = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", type=Path, help="an articles.jsonl file")
    parser.add_argument("--articles", dest="limit", type=int, default=300)
    parser.add_argument("--questions", type=Path, help="questions.jsonl (default: beside)")
    parser.add_argument("--config", type=Path, help="newsbot settings (model, cache)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    settings = load_settings(args.config)
    questions_file = args.questions or args.articles.with_name("questions.jsonl")
    questions = [json.loads(line)["question"] for line in questions_file.read_text().splitlines()]

    started = time.perf_counter()
    int8_settings = settings.model.model_copy(update={"backend": "onnx-int8"})
    int8 = load_embedder(int8_settings, settings.index.data_dir)
    int8_load = time.perf_counter() - started
    started = time.perf_counter()
    fp32 = SentenceTransformerEmbedder(settings.model)
    torch_load = time.perf_counter() - started

    passages = _passages(args.articles, args.limit, int8)
    report = _measure(passages, questions, {"torch": fp32, "onnx-int8": int8})
    report["load_s"] = {"torch": torch_load, "onnx-int8 (cached)": int8_load}
    report["cpu"] = _cpu()
    print(json.dumps(report, indent=1) if args.json else _text(report))
    return 0


def _passages(path: Path, limit: int, embedder: Embedder) -> list[str]:
    articles = [a for a in load_articles(path, max_file_bytes=10**9) if isinstance(a, Article)]
    passages = []
    for article in articles[:limit]:
        plan = plan_for(article, embedder, None, 48)
        passages += [
            embedding_text(article, c.text) for c in chunk_article(article, embedder, plan)
        ]
    return passages


def _measure(
    passages: list[str], questions: list[str], embedders: dict[str, Embedder]
) -> dict[str, Any]:
    seconds = dict.fromkeys(embedders, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in embedders}
    latencies: dict[str, list[float]] = {name: [] for name in embedders}
    for embedder in embedders.values():
        embedder.encode(["warm-up", *passages[:8]], bulk=True)
    step = -(-len(passages) // ROUNDS)
    for number, start in enumerate(range(0, len(passages), step)):
        names = list(embedders)[:: 1 if number % 2 == 0 else -1]  # alternate who goes first
        for name in names:
            began = time.perf_counter()
            vectors[name].append(embedders[name].encode(passages[start : start + step], bulk=True))
            seconds[name] += time.perf_counter() - began
    for number, question in enumerate(questions):
        for name in list(embedders)[:: 1 if number % 2 == 0 else -1]:
            began = time.perf_counter()
            embedders[name].encode([question])
            latencies[name].append((time.perf_counter() - began) * 1000)
    cosines = (np.vstack(vectors["onnx-int8"]) * np.vstack(vectors["torch"])).sum(axis=1)
    rates = {name: len(passages) / spent for name, spent in seconds.items()}
    query = {
        name: {"p50": statistics.median(ms), "p95": float(np.percentile(ms, 95))}
        for name, ms in latencies.items()
    }
    return {
        "passages": len(passages),
        "questions": len(questions),
        "passages_per_s": rates,
        "passages_speedup": rates["onnx-int8"] / rates["torch"],
        "query_ms": query,
        "query_speedup_p50": query["torch"]["p50"] / query["onnx-int8"]["p50"],
        "query_speedup_p95": query["torch"]["p95"] / query["onnx-int8"]["p95"],
        "cosine_int8_to_fp32": {"mean": float(cosines.mean()), "min": float(cosines.min())},
    }


def _cpu() -> dict[str, Any]:
    flags: set[str] = set()
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            flags = set(value.split())
        elif key.strip() == "model name":
            model = value.strip()
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return {
        "model": model,
        "cores": len(os.sched_getaffinity(0)),
        **{f: f in flags for f in wanted},
    }


def _text(report: dict[str, Any]) -> str:
    rates, query, cos = report["passages_per_s"], report["query_ms"], report["cosine_int8_to_fp32"]
    cpu = report["cpu"]
    flags = ", ".join(
        f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if cpu[f]
    )
    return "\n".join(
        [
            f"{report['passages']} passages, {report['questions']} questions; "
            f"{cpu['model']} ({cpu['cores']} cores; {flags or 'no AVX2'})",
            f"passages/s: torch {rates['torch']:.1f}, onnx-int8 {rates['onnx-int8']:.1f} "
            f"({report['passages_speedup']:.2f}x)",
            "one question, ms: "
            + "; ".join(
                f"{name} p50 {query[name]['p50']:.1f} p95 {query[name]['p95']:.1f}"
                for name in ("torch", "onnx-int8")
            )
            + f" ({report['query_speedup_p50']:.2f}x at p50, "
            f"{report['query_speedup_p95']:.2f}x at p95)",
            f"cosine int8 to fp32: mean {cos['mean']:.4f}, min {cos['min']:.4f}",
            "load: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["load_s"].items()),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
