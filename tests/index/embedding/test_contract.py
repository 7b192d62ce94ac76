"""The embedder contract, held by both backends: tokens counted and located as the
model's tokenizer does, unit vectors in input order, safe use from several threads."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

from tests.conftest import COLLECTION

pytestmark = pytest.mark.model

# A text's vectors encoded alone and within a batch: equal in fp32; int8 activations are
# quantised with one scale per batch, so each of the two is within 0.98 of fp32 and they
# are within 0.97 of each other.
SAME_TEXT_COSINE = {"torch": 0.9999, "onnx-int8": 0.97}


@pytest.fixture(params=["onnx-int8", "torch"])
def any_embedder(request):
    return request.getfixturevalue("embedder" if request.param == "onnx-int8" else "torch_embedder")


def test_the_embedder_names_its_model_backend_and_shape(any_embedder):
    assert any_embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert any_embedder.backend in SAME_TEXT_COSINE
    assert (any_embedder.dimension, any_embedder.max_tokens) == (384, 256)


def test_tokens_are_counted_without_special_tokens(any_embedder):
    assert any_embedder.count_tokens(["Rates rose again.", "", "Halden"]) == [4, 0, 2]
    assert any_embedder.count_tokens([]) == []


def test_token_offsets_are_the_character_spans_of_the_word_pieces(any_embedder):
    text = "Rates rose again."
    spans = any_embedder.token_offsets(text)
    assert [text[start:end] for start, end in spans] == ["Rates", "rose", "again", "."]


def test_vectors_are_unit_length_float32_and_in_input_order(any_embedder):
    # More texts than a batch, in no length order: batched longest first, returned as given.
    words = (COLLECTION / "northern-reserve-bank-holds-rates.md").read_text().split()
    rng = random.Random(7)
    texts = [" ".join(rng.choices(words, k=4 + 25 * (i % 9))) for i in range(45)]
    together = any_embedder.encode(texts, bulk=True)
    assert together.shape == (45, 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.vstack([any_embedder.encode([text]) for text in texts])
    cosines = (alone * together).sum(axis=1)
    assert cosines.min() >= SAME_TEXT_COSINE[any_embedder.backend]
    assert list((alone @ together.T).argmax(axis=1)) == list(range(45))


def test_an_empty_input_gives_no_vectors(any_embedder):
    assert any_embedder.encode([]).shape == (0, 384)


def test_tokenizing_and_encoding_in_parallel_threads_do_not_interfere(any_embedder):
    """A reindex tokenizes while questions are encoded; the tokenizer is shared."""
    texts = [f"Report {i}: " + "the harbour cranes stood still. " * (i % 7 + 1) for i in range(64)]
    expected_counts = any_embedder.count_tokens(texts)
    errors: list[BaseException] = []

    def tokenize() -> None:
        try:
            for _ in range(300):
                assert any_embedder.count_tokens(texts) == expected_counts
                any_embedder.token_offsets(texts[5])
        except BaseException as error:  # the failure to report from the thread
            errors.append(error)

    def encode() -> None:
        try:
            for start in range(0, 64, 2):
                any_embedder.encode(texts[start : start + 2])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tokenize), threading.Thread(target=encode)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
