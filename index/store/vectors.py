"""Nearest passages by cosine similarity in one segment: exact over memory-mapped
float32 vectors, or approximate through an HNSW graph when the segment is large.

The HNSW index stores 8-bit codes (a quarter of the float vectors' memory) and is
memory-mapped too; the candidates it finds are re-scored exactly against the float
vectors, so the similarities reported are always exact cosines. A very selective filter
is answered exactly over the passages it allows: a graph search among few allowed
passages would miss many of them.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.errors import IndexCorruptError

SEARCH_DEPTH = 128  # HNSW's efSearch at least; more for deeper searches
BUILD_DEPTH = 80  # HNSW's efConstruction
_TRAIN_SAMPLE = 100_000  # vectors the 8-bit quantiser learns its ranges from
_EXACT_BELOW = 0.05  # share of allowed passages under which the graph is not used
_OVERFETCH = 2  # graph candidates per result, re-scored exactly
_GATHER_BELOW = 8  # gather rows under 1/8 of a segment; past it the whole product is faster


class VectorIndex:
    """The vectors of one segment, searched exactly or through an HNSW graph."""

    def __init__(self, vectors: np.ndarray, hnsw: Path | None) -> None:
        self.vectors = vectors
        self._graph: faiss.Index | None = None
        if hnsw is not None:
            try:
                self._graph = faiss.read_index(str(hnsw), faiss.IO_FLAG_MMAP_IFC)
            except RuntimeError as error:
                raise IndexCorruptError(f"{hnsw}: FAISS cannot read it ({error})") from None
            if self._graph.ntotal != len(vectors):
                raise IndexCorruptError(
                    f"{hnsw}: {self._graph.ntotal} vectors for {len(vectors)} passages"
                )

    @property
    def approximate(self) -> bool:
        return self._graph is not None

    @property
    def graph(self) -> faiss.Index | None:
        """The HNSW graph, if the segment has one (for checks)."""
        return self._graph

    def search(
        self,
        query: np.ndarray,
        depth: int,
        allowed: np.ndarray | None = None,
        *,
        exact: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` closest passages (ids, cosines), best first, among ``allowed``
        (a boolean mask; None allows all); ``exact`` leaves the graph aside."""
        count = len(self.vectors)
        if count == 0 or depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        candidates = None if allowed is None else np.flatnonzero(allowed)
        if candidates is not None and len(candidates) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if (
            not exact
            and self._graph is not None
            and (candidates is None or len(candidates) >= _EXACT_BELOW * count)
        ):
            candidates = self._graph_candidates(query, depth, allowed)
        return self._exact(query, depth, candidates)

    def _graph_candidates(
        self, query: np.ndarray, depth: int, allowed: np.ndarray | None
    ) -> np.ndarray:
        graph = self._graph
        if graph is None:
            raise ValueError("this segment has no HNSW graph")
        wanted = min(depth * _OVERFETCH, len(self.vectors))
        # faiss's type stubs lack the search parameters its runtime has.
        params = faiss.SearchParametersHNSW(efSearch=max(SEARCH_DEPTH, wanted))  # type: ignore[attr-defined]
        if allowed is not None:
            bits = np.packbits(allowed, bitorder="little")
            # The selector points into ``bits``, which lives until the search returns.
            params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        _, ids = graph.search(query.reshape(1, -1).astype(np.float32), wanted, params=params)
        return ids[0][ids[0] >= 0]

    def _exact(
        self, query: np.ndarray, depth: int, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if candidates is None:
            scores = _products(self.vectors, query)
            ids = np.arange(len(scores))
        elif len(candidates) * _GATHER_BELOW < len(self.vectors):
            ids = np.sort(candidates)  # sorted reads are kinder to the page cache
            scores = _products(self.vectors[ids], query)
        else:
            # Gathering many rows copies them one by one; the whole product reads the
            # file in order and costs less than the copy.
            ids = np.sort(candidates)
            scores = _products(self.vectors, query)[ids]
        depth = min(depth, len(ids))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        return ids[top].astype(np.int64), scores[top].astype(np.float32)


def _products(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosines of ``query`` with every row: einsum's single-threaded loop, not BLAS,
    whose threads waited on a busy CPU (a reindex embedding beside the bot) and made one
    question's product up to 5x slower; limiting them is process-wide and races."""
    return np.einsum("ij,j->i", vectors, query)


def build_hnsw(vectors: np.ndarray, neighbors: int) -> bytes:
    """An HNSW graph over 8-bit codes of ``vectors`` (inner product), serialised."""
    # faiss's type stubs take the quantiser type for a quantiser.
    index = faiss.IndexHNSWSQ(
        vectors.shape[1],
        faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
        neighbors,
        faiss.METRIC_INNER_PRODUCT,
    )
    step = max(1, len(vectors) // _TRAIN_SAMPLE)
    index.train(np.ascontiguousarray(vectors[::step], dtype=np.float32))
    index.hnsw.efConstruction = BUILD_DEPTH
    for start in range(0, len(vectors), 65536):
        index.add(np.ascontiguousarray(vectors[start : start + 65536], dtype=np.float32))
    return bytes(faiss.serialize_index(index))
