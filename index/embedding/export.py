"""The int8 model's cache: the sentence-transformers model's transformer exported to ONNX
once, offline, its weights quantised to int8, checked against the original and kept in
``<cache_dir>/<model>-<fingerprint>/`` with a checksum of every file.

The fingerprint hashes the model's source files and the export settings, so a changed
model or export builds a new folder. A folder is built aside and renamed into place when
complete; one that is missing or fails its checksums is rebuilt. Building takes a minute
and loads torch; loading a built folder does not.

Quantisation is dynamic: weights are int8 per output channel, activations are quantised
at run time, and onnxruntime picks its int8 kernels for the CPU it runs on (AVX2,
AVX-512, VNNI), so one folder serves every x86 machine. Per-tensor weights lose too much
(cosine to fp32 down to 0.90 on news passages). Weights are 7-bit (``reduce_range``):
without VNNI (AVX2) the int8 kernels' 16-bit sums saturate with 8-bit weights. Batched by
8 it changed little (cosine mean 0.9930 against 0.9934), but run one passage at a time
(1064 rtqa passages, AVX2) 8-bit weights fell to min 0.973 / mean 0.9919, 7-bit kept
0.987 / 0.9935, at the same speed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import inspect
import json
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.config import ModelSettings
from index.durable import fsync_dir, write_checksums, write_durably
from index.embedding.onnx_backend import (
    FILES,
    INPUTS,
    MODEL_FILE,
    POOLING,
    RECIPE_FILE,
    TOKENIZER_FILE,
    OnnxEmbedder,
    Recipe,
)
from index.embedding.torch_backend import load_sentence_transformer, model_folder, model_shape
from index.errors import ModelCacheError, NewsbotError

log = logging.getLogger(__name__)

EXPORT_VERSION = 3  # bump when the export below writes something else: caches are rebuilt
OPSET = 17
QUANTISATION = {"weight_type": "QInt8", "per_channel": True, "reduce_range": True}
MIN_COSINE = 0.98  # int8 against fp32 on every probe, or the export is refused
PROBES = (
    "Rates",
    "Who wants Iran out of Syria?",
    "The central bank held its policy rate at 4.5% on Thursday, citing sticky services "
    "inflation and a labour market that has cooled only slowly.",
    "Halden Motors recalls 84,000 SUVs over a fault in the rear brake lines; owners will "
    "be contacted by letter and repairs are free of charge.",
    "Eastholm's new tram line opened on Saturday after four years of construction. "
    * 12,  # beyond the model's window: cut as the model cuts it
)
_FINGERPRINT = re.compile(r"-[0-9a-f]{16}$")


def load_int8_embedder(settings: ModelSettings, cache_root: Path) -> OnnxEmbedder:
    """The int8 model of ``settings.name`` from ``cache_root``, built there first if it is
    missing or damaged (one builder at a time per cache)."""
    folder = cache_root / f"{_safe_name(settings.name)}-{_fingerprint(settings.name)}"
    try:
        return OnnxEmbedder(folder, settings.batch_size)
    except ModelCacheError as error:
        if folder.exists():
            log.warning("rebuilding the int8 model: %s", error)
    with _build_lock(cache_root):
        try:  # another process may have built it while this one waited
            return OnnxEmbedder(folder, settings.batch_size)
        except ModelCacheError:
            _build(settings.name, folder)
    return OnnxEmbedder(folder, settings.batch_size)


def _build(name: str, folder: Path) -> None:
    """Export, quantise and check ``name`` into ``folder``; the caller holds the lock."""
    log.info("building the int8 model of %s in %s (once; up to a minute)", name, folder)
    started = time.perf_counter()
    _remove_leftovers(folder)
    model = load_sentence_transformer(name, device="cpu")
    recipe = _recipe(model, name)
    partial = Path(tempfile.mkdtemp(prefix=f"{folder.name}.partial-", dir=folder.parent))
    try:
        _export(model, recipe, partial / "model-fp32.onnx")
        inputs = _fuse(model, partial / "model-fp32.onnx", partial / "model-fused.onnx")
        recipe = dataclasses.replace(recipe, inputs=inputs)
        _quantise(partial / "model-fused.onnx", partial / MODEL_FILE)
        for scratch in ("model-fp32.onnx", "model-fused.onnx"):
            (partial / scratch).unlink()
        model.tokenizer.backend_tokenizer.save(str(partial / TOKENIZER_FILE))
        write_durably(partial / RECIPE_FILE, recipe.to_json())
        for written in (MODEL_FILE, TOKENIZER_FILE):
            _fsync(partial / written)
        write_checksums(partial, FILES)
        _check(model, partial)
        partial.chmod(0o755)  # mkdtemp made it private
        fsync_dir(partial)
        if folder.exists():  # damaged: out of the way first, as one rename
            shutil.rmtree(
                folder.rename(folder.with_name(f"{folder.name}.damaged-{uuid.uuid4().hex}"))
            )
        partial.rename(folder)
        fsync_dir(folder.parent)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    log.info("built the int8 model of %s in %.0f s", name, time.perf_counter() - started)


def _recipe(model: Any, name: str) -> Recipe:
    """How to run ``model`` from its token vectors; an error for what the backend cannot run."""
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = list(model)
    shape_ok = (
        len(modules) in (2, 3)
        and isinstance(modules[0], Transformer)
        and isinstance(modules[1], Pooling)
        and all(isinstance(m, Normalize) for m in modules[2:])
    )
    pooling = getattr(modules[1], "pooling_mode", None) if len(modules) > 1 else None
    if not shape_ok or pooling not in POOLING:
        kinds = ", ".join(type(m).__name__ for m in modules)
        raise NewsbotError(
            f"model '{name}' ({kinds}, pooling {pooling}) is not one backend 'onnx-int8' runs "
            f"(a transformer, then {', '.join(POOLING)} pooling, then normalisation): "
            'set [model] backend = "torch"'
        )
    transformer = modules[0]
    accepted = inspect.signature(transformer.auto_model.forward).parameters
    wanted = set(model.tokenizer.model_input_names)
    inputs = tuple(n for n in INPUTS if n in wanted and n in accepted)
    if inputs[:2] != ("input_ids", "attention_mask"):
        raise NewsbotError(
            f"model '{name}' takes {sorted(wanted)}, not input_ids and attention_mask: "
            'set [model] backend = "torch"'
        )
    dimension, window = model_shape(model, name)
    return Recipe(
        model=name,
        dimension=dimension,
        max_tokens=window,
        inputs=inputs,
        pooling=str(pooling),
    )


def _export(model: Any, recipe: Recipe, path: Path) -> None:
    """The transformer to ONNX, token vectors out, batch and length dynamic.

    The TorchScript exporter (``dynamo=False``) with eager attention gives the graph
    whose attention, embedding and layer-norm patterns onnxruntime fuses (``_fuse``); the
    torch.export-based exporter needs onnxscript and gives a graph it fuses less
    (no attention), which ran slower once quantised.
    """
    import torch

    encoder = model[0].auto_model
    with contextlib.suppress(Exception):  # a model without a choice keeps its own
        encoder.set_attn_implementation("eager")

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.encoder(**dict(zip(recipe.inputs, tensors, strict=True)))[0]

    example = model.tokenizer(list(PROBES[1:3]), padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "sequence"} for name in (*recipe.inputs, "token_embeddings")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes
        torch.onnx.export(
            TokenEmbeddings().eval(),
            tuple(example[name] for name in recipe.inputs),
            str(path),
            dynamo=False,
            input_names=list(recipe.inputs),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
        )


def _fuse(model: Any, source: Path, target: Path) -> tuple[str, ...]:
    """onnxruntime's transformer fusions (attention, embedding, layer norms, bias and GELU),
    hardware-independent (basic level); a graph they do not match stays as it was.
    The fused attention takes no mask: runs are never padded (``_same_lengths`` in the
    backend). The graph's inputs are returned (the mask's is gone where it fused)."""
    from onnxruntime.transformers.fusion_options import AttentionMaskFormat, FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = model[0].auto_model.config
    options = FusionOptions("bert")
    options.attention_mask_format = AttentionMaskFormat.NoMask
    options.enable_skip_layer_norm = False  # slower than its parts: see the backend's _session
    fused = optimize_model(
        str(source),
        model_type="bert",
        num_heads=int(getattr(config, "num_attention_heads", 0)),
        hidden_size=int(getattr(config, "hidden_size", 0)),
        optimization_options=options,
    )
    fused.save_model_to_file(str(target))
    graph_inputs = {tensor.name for tensor in fused.model.graph.input}
    return tuple(name for name in INPUTS if name in graph_inputs)


def _quantise(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs a line per tensor on the root logger, and its general advice
    # to pre-process the graph as a warning that a user could only be puzzled by.
    with _quiet_root_logger():
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType[str(QUANTISATION["weight_type"])],
            per_channel=bool(QUANTISATION["per_channel"]),
            reduce_range=bool(QUANTISATION["reduce_range"]),
            # The fused operators' outputs have no inferred type: they are float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def _check(model: Any, folder: Path) -> None:
    """The built model tokenizes as the original does and its vectors are close to the
    original's (cosine >= MIN_COSINE on every probe); an error otherwise."""
    built = OnnxEmbedder(folder, batch_size=len(PROBES))
    tokenizer = model.tokenizer
    expected = [len(ids) for ids in tokenizer(list(PROBES), add_special_tokens=False)["input_ids"]]
    reference = model.encode(
        list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    cosines = (built.encode(PROBES) * reference).sum(axis=1)
    log.info(
        "int8 against fp32 on the probes: cosine mean %.4f, min %.4f", cosines.mean(), cosines.min()
    )
    if built.count_tokens(PROBES) != expected or cosines.min() < MIN_COSINE:
        raise NewsbotError(
            f"the int8 model of '{built.name}' differs from the original (cosine down to "
            f'{cosines.min():.3f}, or another tokenization): set [model] backend = "torch"'
        )


def _fingerprint(name: str) -> str:
    """Hash of the model's files and the export settings: 16 hex digits."""
    folder = model_folder(name)
    if folder is None:  # not on this machine yet: let sentence-transformers fetch it
        load_sentence_transformer(name)
        folder = model_folder(name)
    if folder is None:
        raise NewsbotError(f"cannot find the files of embedding model '{name}'")
    digest = hashlib.sha256(
        json.dumps([EXPORT_VERSION, OPSET, QUANTISATION], sort_keys=True).encode()
    )
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            digest.update(f"{relative}\0".encode())
            with open(path, "rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[-80:] or "model"


def _remove_leftovers(folder: Path) -> None:
    """Builds killed half-way, damaged folders, and this model's other fingerprints."""
    prefix = _FINGERPRINT.sub("", folder.name)
    for path in folder.parent.iterdir():
        stale = ".partial-" in path.name or ".damaged-" in path.name
        older = path.name.startswith(prefix) and _FINGERPRINT.sub("", path.name) == prefix
        if path.is_dir() and path != folder and (stale or older):
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(cache_root: Path) -> Iterator[None]:
    cache_root.mkdir(parents=True, exist_ok=True)
    with open(cache_root / "build.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for another process's build
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
