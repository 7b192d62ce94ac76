"""``newsbot bench-scale N``: how the index behaves at N articles.

Builds N distinct synthetic articles (sentences of words drawn from the bundled sample
article and a generated vocabulary, dated over ten years, from a dozen publishers) as
Markdown files in a temporary folder, and measures: the first reindex, a second one with
nothing changed, one with 1% of the files changed, opening the index, verifying it in
full (in the background, as every process does after opening one), hybrid search
latency, the approximate vector index's recall@10 against exact search, peak memory
and disk size.

Embedding is left out of the reindex times on purpose (at 100,000 articles the real
model alone takes hours on a small CPU): a labelled stand-in encoder gives every passage
a deterministic vector from its words (hashed bag of words, randomly projected, so that
similar passages get similar vectors and approximate search is tested on vectors with
structure). Everything else, the real tokenizer's chunking included, runs as in
production. The real model's throughput is measured on its own and reported beside.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from index.config import Settings
from index.embedding import Embedder, ProgressFn
from index.knowledge_base import KnowledgeBase

PUBLISHERS = (
    "Arctic Wire", "Harbour Gazette", "Lakeside Courier", "Northern Ledger",
    "Motor Wire Daily", "Culture Desk", "Touchline Report", "River Post",
    "Valley Times", "Coastal Herald", "Metro Bulletin", "Summit Review",
)  # fmt: skip
FILES_PER_FOLDER = 1000
SEARCHES = 200
_FIRST_DAY = date(2016, 1, 1)
_DAYS = 3650
_BUCKETS = 1 << 16  # hashed vocabulary of the stand-in encoder


@dataclass
class ScaleReport:
    articles: int
    passages: int
    reindex_s: float
    unchanged_reindex_s: float
    changed_reindex_s: float
    open_s: float
    verify_s: float | None  # the background verification after opening (local store)
    peak_rss_mb: float
    disk_mb: float
    search_ms: dict[str, float]
    recall_at_10: float
    model_passages_per_s: float
    model_backend: str

    def as_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "passages": self.passages,
            "reindex_s": self.reindex_s,
            "unchanged_reindex_s": self.unchanged_reindex_s,
            "changed_reindex_s": self.changed_reindex_s,
            "open_s": self.open_s,
            "verify_s": self.verify_s,
            "peak_rss_mb": self.peak_rss_mb,
            "disk_mb": self.disk_mb,
            "search_ms": self.search_ms,
            "recall_at_10": self.recall_at_10,
            "model_passages_per_s": self.model_passages_per_s,
            "model_backend": self.model_backend,
            "encoder": "stand-in (hashed bag of words); the real model's speed is separate",
        }

    def text(self) -> str:
        return "\n".join(
            [
                f"{self.articles:,} articles, {self.passages:,} passages "
                "(embedding by a stand-in encoder; the real model is timed separately)",
                f"first reindex:           {self.reindex_s:8.1f} s",
                f"reindex, nothing changed: {self.unchanged_reindex_s:7.2f} s",
                f"reindex, 1% changed:     {self.changed_reindex_s:8.1f} s",
                f"open the index:          {self.open_s:8.2f} s",
                "verify it in the background: "
                + ("not run (Milvus)" if self.verify_s is None else f"{self.verify_s:.2f} s"),
                f"hybrid search:           p50 {self.search_ms['p50']:.1f} ms, "
                f"p95 {self.search_ms['p95']:.1f} ms",
                f"recall@10 of the approximate vector index: {self.recall_at_10:.3f}",
                f"peak memory {self.peak_rss_mb:,.0f} MB, on disk {self.disk_mb:,.0f} MB",
                f"real model ({self.model_backend}): {self.model_passages_per_s:,.0f} passages/s",
            ]
        )


class StandInEncoder:
    """The real model's tokenizer (so chunking is real), with vectors made from hashed
    words instead of the model: deterministic, structured, and fast."""

    def __init__(self, model: Embedder) -> None:
        self._model = model
        self.name = model.name
        self.backend = model.backend  # the index must open with the configured model
        self.dimension = model.dimension
        self.max_tokens = model.max_tokens
        projection = np.random.default_rng(20261203).standard_normal(
            (_BUCKETS, model.dimension), dtype=np.float32
        )
        self._projection = projection / np.sqrt(model.dimension)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._model.count_tokens(texts)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self._model.token_offsets(text)

    def encode(
        self, texts: Sequence[str], progress: ProgressFn | None = None, *, bulk: bool = False
    ) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = text.lower().split()
            buckets = [zlib.crc32(w.encode()) % _BUCKETS for w in words] or [0]
            vectors[row] = self._projection[buckets].sum(axis=0)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        if progress:
            progress(len(texts))
        return vectors


def run_scale_benchmark(
    settings: Settings,
    articles: int,
    work_dir: Path | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> ScaleReport:
    if articles < 10:
        raise ValueError(f"bench-scale needs at least 10 articles, got {articles}")
    scratch = Path(tempfile.mkdtemp(prefix="newsbot-scale-", dir=work_dir))
    try:
        return _run(settings, articles, scratch, log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(settings: Settings, count: int, scratch: Path, log: Callable[[str], None]) -> ScaleReport:
    folder = scratch / "articles"
    log(f"writing {count:,} synthetic articles ...")
    words = _vocabulary()
    rng = np.random.default_rng(count)
    for number in range(count):
        _write_article(folder, number, words, rng, version=0)
    index = settings.index.model_copy(update={"data_dir": scratch / "data", "articles": [folder]})
    settings = settings.model_copy(update={"index": index, "store": settings.store.apart(scratch)})
    real = KnowledgeBase(settings).embedder
    stand_in = StandInEncoder(real)

    log("first reindex ...")
    kb = KnowledgeBase(settings, stand_in)  # type: ignore[arg-type]
    started = time.perf_counter()
    summary = kb.reindex()
    reindex_s = time.perf_counter() - started
    log("reindex with nothing changed ...")
    started = time.perf_counter()
    kb.reindex()
    unchanged_s = time.perf_counter() - started
    log("reindex with 1% changed ...")
    changed = rng.choice(count, size=max(1, count // 100), replace=False)
    for number in changed:
        _write_article(folder, int(number), words, rng, version=1)
    started = time.perf_counter()
    kb.reindex()
    changed_s = time.perf_counter() - started

    log("opening and searching ...")
    started = time.perf_counter()
    opened = KnowledgeBase(settings, stand_in)  # type: ignore[arg-type]
    searcher = opened.searcher()
    open_s = time.perf_counter() - started
    # Waited for before searching, so that neither slows the other down.
    verdict = opened.verification.wait(searcher.name)
    if verdict is not None and verdict.damage is not None:
        raise RuntimeError(f"bench-scale built a damaged index: {verdict.damage}")
    queries = [" ".join(rng.choice(words, size=8)) for _ in range(SEARCHES)]
    asked = _FIRST_DAY + timedelta(days=_DAYS)
    latencies, recalls = [], []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, k=10, as_of=asked)
        latencies.append((time.perf_counter() - started) * 1000)
        vector = searcher.embed_query(query)
        # As deep as the searches timed above: a deeper one (more passages per article)
        # re-scores more candidates and would report a recall questions never get.
        found = searcher.search(query, 10, mode="dense", query_vector=vector)
        exact = searcher.search(query, 10, mode="dense", query_vector=vector, exact=True)
        recalls.append(len({h.chunk_id for h in found} & {h.chunk_id for h in exact}) / 10)
    return ScaleReport(
        articles=count,
        passages=searcher.stats().chunks,
        reindex_s=reindex_s,
        unchanged_reindex_s=unchanged_s,
        changed_reindex_s=changed_s,
        open_s=open_s,
        verify_s=verdict.seconds if verdict is not None else None,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        disk_mb=sum(p.stat().st_size for p in (scratch / "data").rglob("*") if p.is_file()) / 2**20,
        search_ms={
            "p50": statistics.median(latencies),
            "p95": float(np.percentile(latencies, 95)),
        },
        recall_at_10=float(np.mean(recalls)) if summary.articles else 0.0,
        model_passages_per_s=_model_speed(real, words, rng),
        model_backend=real.backend,
    )


def _model_speed(model: Embedder, words: np.ndarray, rng: np.random.Generator) -> float:
    """Passages per second of the real model on passage-sized texts (~180 words)."""
    passages = [" ".join(rng.choice(words, size=180)) for _ in range(128)]
    model.encode(passages[:8])  # warm up
    started = time.perf_counter()
    model.encode(passages, bulk=True)
    return len(passages) / (time.perf_counter() - started)


def _vocabulary() -> np.ndarray:
    """Words of the bundled sample article and made-up ones, so texts are distinct (an
    array: drawing from a list converts it whole on every draw, an hour at 100k)."""
    sample = Path(__file__).parents[2] / "samples" / "articles"
    words = {
        w.strip(".,;:!?\"'()").lower() for p in sample.glob("*.txt") for w in p.read_text().split()
    }
    syllables = ["ka", "lo", "mer", "tin", "sa", "vor", "eld", "ran", "qui", "bes", "dun", "ho"]
    made_up = {a + b + c for a in syllables for b in syllables for c in syllables}
    return np.array(sorted(w for w in words | made_up if w.isalpha()))


def _write_article(
    folder: Path, number: int, words: np.ndarray, rng: np.random.Generator, version: int
) -> None:
    path = folder / f"{number // FILES_PER_FOLDER:04d}" / f"article-{number:07d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    day = _FIRST_DAY + timedelta(days=int(rng.integers(_DAYS)))
    sentences = [
        " ".join(rng.choice(words, size=int(rng.integers(8, 20)))).capitalize() + "."
        for _ in range(int(rng.integers(18, 30)))
    ]
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    title = " ".join(rng.choice(words, size=6)).capitalize()
    path.write_text(
        f"---\ntitle: {title} ({number}, v{version})\ndate: {day.isoformat()}\n"
        f"source: {PUBLISHERS[number % len(PUBLISHERS)]}\n---\n\n" + "\n\n".join(paragraphs)
    )
