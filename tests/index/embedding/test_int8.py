"""The "onnx-int8" backend: built offline from the bundled weights once per cache,
close to the fp32 model, verified on load and rebuilt when damaged."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.config import Settings
from index.embedding import load_embedder
from index.embedding.onnx_backend import MODEL_FILE, pool, read_verified
from index.errors import ModelCacheError, NewsbotError
from index.ingest.chunking import chunk_article, embedding_text, plan_for
from index.ingest.files import load_articles
from index.records import Article
from tests.conftest import COLLECTION

pytestmark = pytest.mark.model


def model_folders(cache: Path) -> list[Path]:
    return [path for path in cache.iterdir() if path.is_dir()]


def int8_settings(cache: Path, **changes):
    return Settings().model.model_copy(update={"cache_dir": cache, **changes})


def fixture_passages(embedder) -> list[str]:
    """The passages newsbot indexes for the fixture collection, as they are embedded."""
    articles = [
        a for a in load_articles(COLLECTION, max_file_bytes=10**7) if isinstance(a, Article)
    ]
    passages = []
    for article in articles:
        plan = plan_for(article, embedder, None, 48)
        passages += [
            embedding_text(article, c.text) for c in chunk_article(article, embedder, plan)
        ]
    return passages


def test_the_int8_model_is_built_once_into_one_checksummed_folder(embedder, model_cache):
    [folder] = model_folders(model_cache)
    assert folder.name.startswith("sentence-transformers_all-MiniLM-L6-v2-")
    assert {p.name for p in folder.iterdir()} == {
        "model-int8.onnx", "tokenizer.json", "recipe.json", "checksums.json"
    }  # fmt: skip
    read_verified(folder)
    built = (folder / MODEL_FILE).stat().st_mtime_ns
    again = load_embedder(int8_settings(model_cache), model_cache)
    assert again.backend == "onnx-int8" and (folder / MODEL_FILE).stat().st_mtime_ns == built


def test_residual_additions_stay_apart_from_layer_norms_in_the_int8_graph(embedder, model_cache):
    """onnxruntime's fused SkipLayerNormalization kernel is slower than its parts."""
    import onnx

    [folder] = model_folders(model_cache)
    operators = {node.op_type for node in onnx.load(folder / MODEL_FILE).graph.node}
    assert "LayerNormalization" in operators and "SkipLayerNormalization" not in operators
    assert "QAttention" in operators  # the fusions that pay are kept


def test_int8_vectors_are_close_to_fp32_on_every_fixture_passage(
    embedder, torch_embedder, record_property
):
    passages = fixture_passages(embedder)
    assert embedder.count_tokens(passages) == torch_embedder.count_tokens(passages)
    cosines = (embedder.encode(passages, bulk=True) * torch_embedder.encode(passages)).sum(axis=1)
    record_property("mean_cosine_int8_to_fp32", float(cosines.mean()))
    assert len(passages) > 10
    assert cosines.min() >= 0.98, f"mean {cosines.mean():.4f}, min {cosines.min():.4f}"


def test_a_reindex_and_questions_get_the_same_vectors(embedder):
    """Bulk encodes (a reindex) run on a session of their own; the index's vectors and
    the questions' must not drift apart. (One text at a time: activations are
    quantised per run, so texts batched differently differ a little anyway.)"""
    for passage in fixture_passages(embedder):
        bulk, urgent = embedder.encode([passage], bulk=True), embedder.encode([passage])
        assert np.abs(bulk - urgent).max() < 1e-5


class HeldBatch(Sequence[str]):
    """Texts for a bulk encode whose first batch, once started, holds until released.

    The encode reads each text once to order them by length, then again to make a
    batch, inside its turn: the second read of any text is the hold.
    """

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts
        self._reads = [0] * len(texts)
        self.running = threading.Event()
        self.release = threading.Event()

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        self._reads[index] += 1
        if self._reads[index] == 2 and not self.running.is_set():
            self.running.set()
            self.release.wait(60)
        return self._texts[index]


def test_a_question_is_encoded_while_a_reindex_batch_is_running(embedder):
    """A question never waits for the reindex batch in progress when it comes."""
    texts = HeldBatch(fixture_passages(embedder))
    reindex = threading.Thread(target=embedder.encode, args=(texts,), kwargs={"bulk": True})
    reindex.start()
    try:
        assert texts.running.wait(60)
        asked = threading.Thread(target=embedder.encode, args=(["who wants Iran out?"],))
        asked.start()
        asked.join(60)
        answered_during_the_batch = not asked.is_alive()
    finally:
        texts.release.set()
        reindex.join(60)
    assert answered_during_the_batch


def test_both_backends_locate_word_pieces_alike(embedder, torch_embedder):
    text = "Halden Motors recalls 84,000 SUVs — naïve “fixes” in Zürich 😀"
    assert embedder.token_offsets(text) == torch_embedder.token_offsets(text)


def test_a_damaged_file_of_the_cache_is_detected(embedder, model_cache, tmp_path):
    [folder] = model_folders(model_cache)
    copy = shutil.copytree(folder, tmp_path / folder.name)
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelCacheError, match=r"model-int8\.onnx: checksum mismatch"):
        read_verified(copy)
    (copy / "checksums.json").unlink()  # as a build killed before its end would leave it
    with pytest.raises(ModelCacheError, match="incomplete"):
        read_verified(copy)


@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt_and_a_half_built_one_removed(embedder, model_cache, tmp_path):
    cache = tmp_path / "models"
    [folder] = model_folders(model_cache)
    shutil.copytree(folder, cache / folder.name)
    model = cache / folder.name / MODEL_FILE
    model.write_bytes(model.read_bytes()[:-1000])  # truncated
    (cache / f"{folder.name}.partial-x1y2").mkdir()  # a build killed half-way
    rebuilt = load_embedder(int8_settings(cache), tmp_path)
    assert [p.name for p in model_folders(cache)] == [folder.name]
    read_verified(cache / folder.name)
    texts = ["Who wants Iran out of Syria?", "The harbour reopened after the storm."]
    assert np.allclose(rebuilt.encode(texts), embedder.encode(texts), atol=1e-3)


def test_a_model_with_layers_the_backend_cannot_run_is_refused_with_the_fix(tmp_path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense

    from index.embedding.torch_backend import bundled_model_path

    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    model.append(Dense(384, 64))
    model.save(str(tmp_path / "dense-model"))
    settings = int8_settings(tmp_path / "models", name=str(tmp_path / "dense-model"))
    with pytest.raises(NewsbotError, match=r'Dense.*set \[model\] backend = "torch"'):
        load_embedder(settings, tmp_path)


def test_pooling_follows_the_mask_and_gives_unit_vectors():
    tokens = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])  # the third token is padding
    assert np.allclose(pool(tokens, mask, "mean"), [[0.5**0.5, 0.5**0.5]])  # (2, 2) normalised
    assert np.allclose(pool(tokens, mask, "cls"), [[1.0, 0.0]])
    assert np.allclose(pool(tokens, mask, "max"), [[0.6, 0.8]])  # (3, 4) normalised
    with pytest.raises(ValueError, match="pooling"):
        pool(tokens, mask, "lasttoken")
