"""The "onnx-int8" backend: the model's transformer exported to ONNX with its weights
quantised to int8 (``index.embedding.export`` builds it), run by onnxruntime on the CPU
with the model's own tokenizer; pooling and normalisation as the model defines them.

Loading a built model needs neither torch nor sentence-transformers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from index.durable import CHECKSUMS
from index.embedding.base import EncodeTurns, ProgressFn, encode_in_turns
from index.errors import ModelCacheError

log = logging.getLogger(__name__)

MODEL_FILE = "model-int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
RECIPE_FILE = "recipe.json"
FILES = (MODEL_FILE, TOKENIZER_FILE, RECIPE_FILE)  # all in checksums.json
INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # the graph takes some of these
POOLING = ("mean", "cls", "max")


@dataclass(frozen=True, slots=True)
class Recipe:
    """What running the graph needs besides it; written beside it by the export."""

    model: str
    dimension: int
    max_tokens: int  # the model's window, special tokens included
    inputs: tuple[str, ...]  # the graph's inputs, in INPUTS order
    pooling: str  # one of POOLING, as the model's Pooling module says

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Recipe:
        values = json.loads(data)
        recipe = cls(**{**values, "inputs": tuple(values["inputs"])})
        if recipe.pooling not in POOLING or not set(recipe.inputs) <= set(INPUTS):
            raise ValueError(f"unknown pooling or inputs in {values}")
        return recipe


class OnnxEmbedder:
    """The int8 model of one cache folder. Tokenizing is thread-safe and runs beside
    encodes. Bulk encodes (a reindex) run on sessions of their own (``_BulkSessions``),
    so a question never waits for the reindex batch in progress (with one session, that
    wait was nearly all of a question's time during a reindex). Questions take turns on
    their session, which uses every core."""

    backend = "onnx-int8"

    def __init__(self, folder: Path, batch_size: int = 32) -> None:
        files = read_verified(folder)
        try:
            recipe = Recipe.from_json(files[RECIPE_FILE])
        except (ValueError, TypeError, KeyError) as error:
            raise ModelCacheError(f"{folder / RECIPE_FILE}: unreadable ({error})") from None
        self.name = recipe.model
        self.dimension = recipe.dimension
        self.max_tokens = recipe.max_tokens
        self._recipe = recipe
        self._batch_size = batch_size
        self._turns = EncodeTurns()
        # Two tokenizers configured once and never changed, so both are safe to share:
        # one counts whole texts, the other cuts them to the model's window.
        self._counter = _tokenizer(files[TOKENIZER_FILE], max_length=None)
        self._tokenizer = _tokenizer(files[TOKENIZER_FILE], max_length=recipe.max_tokens)
        self._folder = folder
        self._session = _session(files[MODEL_FILE], threads=_cores())
        self._bulk_turns = EncodeTurns()
        self._bulk_sessions: _BulkSessions | None = None
        self._bulk_lock = threading.Lock()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces of each text, without special tokens."""
        if not texts:
            return []
        encoded = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(encoding.ids) for encoding in encoded]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of ``text``."""
        return list(self._counter.encode(text, add_special_tokens=False).offsets)

    def encode(
        self, texts: Sequence[str], progress: ProgressFn | None = None, *, bulk: bool = False
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text; see ``encode_in_turns``."""
        run = self._bulk().run if bulk else self._run_in_turn
        return encode_in_turns(
            texts,
            functools.partial(self._encode_batch, run),
            dimension=self.dimension,
            batch_size=self._batch_size,
            turns=self._bulk_turns if bulk else self._turns,
            progress=progress,
            bulk=bulk,
        )

    def _bulk(self) -> _BulkSessions:
        """The sessions of bulk encodes, made at the first one: a process that never
        reindexes does without their memory (some 40 MB each)."""
        with self._bulk_lock:
            if self._bulk_sessions is None:
                model = read_verified(self._folder)[MODEL_FILE]
                self._bulk_sessions = _BulkSessions(model, self._run)
            return self._bulk_sessions

    def _encode_batch(
        self, run: Callable[[list[list[Encoding]]], list[np.ndarray]], texts: list[str]
    ) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        groups = _same_lengths([len(encoding.ids) for encoding in encoded])
        pooled = run([[encoded[row] for row in rows] for rows in groups])
        for rows, group_vectors in zip(groups, pooled, strict=True):
            vectors[rows] = group_vectors
        return vectors

    def _run_in_turn(self, groups: list[list[Encoding]]) -> list[np.ndarray]:
        return [self._run(self._session, encoded) for encoded in groups]

    def _run(self, session: ort.InferenceSession, encoded: list[Encoding]) -> np.ndarray:
        """One run of texts of one length: nothing is padded, so every token counts."""
        ids = np.array([encoding.ids for encoding in encoded], dtype=np.int64)
        mask = np.ones_like(ids)
        types = np.array([encoding.type_ids for encoding in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (tokens,) = session.run(None, {name: feeds[name] for name in self._recipe.inputs})
        return pool(np.asarray(tokens, dtype=np.float32), mask, self._recipe.pooling)


class _BulkSessions:
    """One single-threaded session a core, each running whole texts side by side.

    One session on every core splits each operator across them, and its idle workers
    sleep between operators (spinning slowed a question's other work, see ``_session``):
    on 2 vCPUs (AVX-512 with VNNI) waking them cost a third of the time. Side by side:
    rtqa passages run one at a time, 76.6 -> 111.4 a second (1.45x, one thread alone
    56.2). On an earlier machine (2 vCPUs, AVX2) it measured 0.91-0.99x.
    """

    def __init__(
        self,
        model: bytes,
        run: Callable[[ort.InferenceSession, list[Encoding]], np.ndarray],
    ) -> None:
        cores = _cores()
        self._idle: queue.SimpleQueue[ort.InferenceSession] = queue.SimpleQueue()
        for _ in range(cores):
            self._idle.put(_session(model, threads=1))
        self._workers = ThreadPoolExecutor(cores, thread_name_prefix="newsbot-encode")
        self._run_one = run

    def run(self, groups: list[list[Encoding]]) -> list[np.ndarray]:
        """Each group's vectors, in order; as many groups at once as there are sessions."""
        return list(self._workers.map(self._on_idle_session, groups))

    def _on_idle_session(self, encoded: list[Encoding]) -> np.ndarray:
        session = self._idle.get()  # never waits: no more workers than sessions
        try:
            return self._run_one(session, encoded)
        finally:
            self._idle.put(session)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def _session(model: bytes, *, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    # Idle workers sleep rather than spin: an encode is one step of a question, and
    # spinning threads slowed what ran next on the same cores (FAISS, BM25, other
    # models) several times over on a 2-core machine.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # onnxruntime's SkipLayerNormalization kernel took 5x the time of the Add and
    # LayerNormalization it replaces (a quarter of the model's time, single thread, AVX-512);
    # unfused: 1.30x the passages per second, cosine to fp32 unchanged.
    return ort.InferenceSession(
        model,
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=["SkipLayerNormFusion"],
    )


def _same_lengths(lengths: list[int]) -> list[list[int]]:
    """Positions of a batch in groups of one length, each group one run.

    Unpadded runs need no attention mask, and the export leaves it out of the graph (its
    attention then skips the mask's work); runs of one passage (most passages' lengths
    differ) also keep the activations in cache. Against padded runs of up to 8 of similar
    length: 1.09x the passages per second on rtqa (2 vCPUs, AVX2, quiet; 1.36x under
    load). Activations are quantised with one scale per run, so a text's extremes are
    its own.
    """
    groups: dict[int, list[int]] = {}
    for position, length in enumerate(lengths):
        groups.setdefault(length, []).append(position)
    return list(groups.values())


def pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Unit-length sentence vectors from a batch's token vectors (batch, tokens, dim), as
    sentence-transformers' Pooling and Normalize modules compute them."""
    if mode == "mean":
        weights = mask[..., None].astype(np.float32)
        vectors = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    elif mode == "cls":
        vectors = tokens[:, 0]
    elif mode == "max":
        vectors = np.where(mask[..., None] > 0, tokens, -np.inf).max(axis=1)
    else:
        raise ValueError(f"unknown pooling mode {mode!r}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def read_verified(folder: Path) -> dict[str, bytes]:
    """The cache folder's files, each as its checksum says (the bytes that were checked
    are the bytes used); ModelCacheError if one is missing, truncated or altered."""
    try:
        expected = json.loads((folder / CHECKSUMS).read_bytes())
        files = {name: (folder / name).read_bytes() for name in FILES}
    except (OSError, ValueError) as error:
        raise ModelCacheError(f"{folder}: incomplete or unreadable ({error})") from None
    for name, data in files.items():
        actual = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        if actual != expected.get(name):
            raise ModelCacheError(f"{folder / name}: checksum mismatch (truncated or altered)")
    return files


def _tokenizer(config: bytes, max_length: int | None) -> Tokenizer:
    tokenizer = Tokenizer.from_str(config.decode())
    tokenizer.no_padding()
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_length)
    return tokenizer
