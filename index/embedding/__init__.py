"""Sentence embeddings: the ``Embedder`` protocol and its two backends.

``onnx_backend`` (the default, "onnx-int8") runs the model's weights quantised to int8
with onnxruntime, from a cache that ``export`` builds once; ``torch_backend`` ("torch")
runs the model as sentence-transformers loads it. ``load_embedder`` picks one.
"""

from __future__ import annotations

from pathlib import Path

from index.config import ModelSettings
from index.embedding.base import Embedder, ProgressFn
from index.embedding.torch_backend import SentenceTransformerEmbedder

__all__ = ["Embedder", "ProgressFn", "SentenceTransformerEmbedder", "load_embedder"]


def load_embedder(settings: ModelSettings, data_dir: Path) -> Embedder:
    """The embedder ``settings`` ask for; the int8 model is cached in ``settings.cache_dir``
    (by default ``<data_dir>/models``) and built there on first use."""
    if settings.backend == "torch":
        return SentenceTransformerEmbedder(settings)
    from index.embedding.export import load_int8_embedder  # onnxruntime only when used

    return load_int8_embedder(settings, settings.cache_dir or data_dir / "models")
