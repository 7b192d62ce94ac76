"""The embedder: unit vectors, and safe use from several threads at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytestmark = pytest.mark.model


def test_vectors_are_unit_length_and_in_input_order(embedder):
    texts = ["a short one", "a much longer sentence about central banks and rates " * 5, "x"]
    together = embedder.encode(texts, bulk=True)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    for text, vector in zip(texts, together, strict=True):
        assert np.allclose(embedder.encode([text])[0], vector, atol=1e-4)


def test_tokenizing_and_encoding_in_parallel_threads_do_not_interfere(embedder):
    """A reindex tokenizes while questions are encoded; the model's tokenizer is shared."""
    texts = [f"Report {i}: " + "the harbour cranes stood still. " * (i % 7 + 1) for i in range(64)]
    expected_counts = embedder.count_tokens(texts)
    errors: list[BaseException] = []

    def tokenize() -> None:
        try:
            for _ in range(300):
                assert embedder.count_tokens(texts) == expected_counts
                embedder.token_offsets(texts[5])
        except BaseException as error:  # the failure to report from the thread
            errors.append(error)

    def encode() -> None:
        try:
            for start in range(0, 64, 2):
                embedder.encode(texts[start : start + 2])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tokenize), threading.Thread(target=encode)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
