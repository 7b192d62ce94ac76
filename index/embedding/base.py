"""What every embedding backend is and shares: the ``Embedder`` protocol, and batched
encoding that lets urgent encodes (questions) go before a reindex's next batch."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

ProgressFn = Callable[[int], None]  # called with the number of texts just encoded
# Texts a bulk encode (a reindex) encodes in one turn. Where questions and a reindex
# share one model ("torch"), a question waits for the turn running when it comes: with
# 32 a turn, 40 questions asked one by one during a 500-article reindex took p95 8.4 s;
# with 8, 2.6 s (2 busy vCPUs, load average 7). "onnx-int8" gives bulk encodes a session
# of their own.
BULK_BATCH = 8


class Embedder(Protocol):
    """What the knowledge base needs from an embedding model."""

    name: str
    backend: str  # how the vectors are computed: "onnx-int8" or "torch"
    dimension: int
    max_tokens: int  # word pieces the model reads, special tokens included

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...

    def encode(
        self, texts: Sequence[str], progress: ProgressFn | None = None, *, bulk: bool = False
    ) -> np.ndarray: ...


def encode_in_turns(
    texts: Sequence[str],
    encode_batch: Callable[[list[str]], np.ndarray],
    *,
    dimension: int,
    batch_size: int,
    turns: EncodeTurns,
    progress: ProgressFn | None,
    bulk: bool,
) -> np.ndarray:
    """Unit-length float32 vectors, one row per text, in the order of ``texts``.

    ``encode_batch`` runs one batch at a time, in its turn: a ``bulk`` encode (a reindex)
    lets waiting other encodes (questions) go before each of its batches.
    """
    vectors = np.empty((len(texts), dimension), dtype=np.float32)
    # Longest first across the whole input: batches of similar length waste no padding,
    # and memory peaks at the start rather than by surprise.
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    # A question waits for the bulk batch running when it comes: keep those short.
    step = min(batch_size, BULK_BATCH) if bulk else batch_size
    for start in range(0, len(order), step):
        rows = order[start : start + step]
        with turns.turn(urgent=not bulk):
            vectors[rows] = encode_batch([texts[i] for i in rows])
        if progress:
            progress(len(rows))
    return vectors


class EncodeTurns:
    """One encode at a time (a model uses every core, or is not thread-safe); urgent ones
    go first."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._urgent_waiting = 0

    @contextlib.contextmanager
    def turn(self, *, urgent: bool) -> Iterator[None]:
        with self._changed:
            self._urgent_waiting += urgent
            try:
                self._changed.wait_for(
                    lambda: not self._busy and (urgent or not self._urgent_waiting)
                )
            finally:
                self._urgent_waiting -= urgent
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()
