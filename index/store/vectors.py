"""Nearest passages by cosine similarity in one segment: exact over memory-mapped
float32 vectors, or through a product-quantised scan when the segment is large.

The quantised index keeps 4 bits for every pair of dimensions (96 bytes a passage for
384 dimensions, a sixteenth of the float vectors) and is scanned whole with FAISS's SIMD
"fast scan"; the few hundred best candidates are re-scored exactly against the float
vectors, so the similarities reported are always exact cosines. Unlike a graph (HNSW,
used before), a scan has no region it can miss: on the near-uniform vectors where an
HNSW graph found a sixth of the exact top 10 at 550k passages, it finds nearly all, and it
builds in seconds, not tens of minutes. A very selective filter is answered exactly
over the passages it allows.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.errors import IndexCorruptError

RESCORED = 256  # scan candidates re-scored exactly, at least
_OVERFETCH = 8  # and at least this many per passage asked for
_TRAIN_SAMPLE = 100_000  # vectors the quantiser learns its codebooks from
_CENTROIDS = 16  # codes of 4 bits
_EXACT_BELOW = 0.05  # share of allowed passages under which the scan is not used
_GATHER_BELOW = 8  # gather rows under 1/8 of a segment; past it the whole product is faster


class VectorIndex:
    """The vectors of one segment, searched exactly or through a quantised scan."""

    def __init__(self, vectors: np.ndarray, quantised: Path | None) -> None:
        self.vectors = vectors
        self._codes: faiss.Index | None = None
        if quantised is not None:
            try:
                self._codes = faiss.read_index(str(quantised))
            except RuntimeError as error:
                raise IndexCorruptError(f"{quantised}: FAISS cannot read it ({error})") from None
            if self._codes.ntotal != len(vectors) or self._codes.d != vectors.shape[1]:
                raise IndexCorruptError(
                    f"{quantised}: {self._codes.ntotal} codes of {self._codes.d} dimensions "
                    f"for {len(vectors)} passages of {vectors.shape[1]}"
                )

    @property
    def approximate(self) -> bool:
        return self._codes is not None

    @property
    def codes(self) -> faiss.Index | None:
        """The quantised index, if the segment has one (for checks)."""
        return self._codes

    def search(
        self,
        query: np.ndarray,
        depth: int,
        allowed: np.ndarray | None = None,
        *,
        exact: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` closest passages (ids, cosines), best first, among ``allowed``
        (a boolean mask; None allows all); ``exact`` leaves the quantised index aside."""
        count = len(self.vectors)
        if count == 0 or depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        candidates = None if allowed is None else np.flatnonzero(allowed)
        if candidates is not None and len(candidates) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if (
            not exact
            and self._codes is not None
            and (candidates is None or len(candidates) >= _EXACT_BELOW * count)
        ):
            scanned = self._scan(self._codes, query, depth, allowed, candidates)
            if len(scanned) >= depth:  # else the filter kept too few: answer exactly
                candidates = scanned
        return self._exact(query, depth, candidates)

    def _scan(
        self,
        codes: faiss.Index,
        query: np.ndarray,
        depth: int,
        allowed: np.ndarray | None,
        candidates: np.ndarray | None,
    ) -> np.ndarray:
        """The best candidates by the codes among ``allowed``. The fast scan takes no
        filter, so it fetches as many more as the filter is expected to drop."""
        wanted = max(RESCORED, depth * _OVERFETCH)
        if candidates is not None:
            wanted = int(wanted * len(self.vectors) / len(candidates))
        wanted = min(wanted, len(self.vectors))
        _, ids = codes.search(query.reshape(1, -1).astype(np.float32), wanted)
        found = ids[0][ids[0] >= 0]
        return found if allowed is None else found[allowed[found]]

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


def build_quantised(vectors: np.ndarray) -> bytes:
    """A fast-scan product quantiser over ``vectors`` (inner product), serialised: 4-bit
    codes of every pair of dimensions (of every dimension when their number is odd)."""
    dimension = vectors.shape[1]
    pieces = dimension // 2 if dimension % 2 == 0 else dimension
    index = faiss.IndexPQFastScan(dimension, pieces, 4, faiss.METRIC_INNER_PRODUCT)
    step = max(1, len(vectors) // _TRAIN_SAMPLE)
    training = np.ascontiguousarray(vectors[::step], dtype=np.float32)
    if len(training) < _CENTROIDS:  # k-means wants a point per centroid: repeat a few
        training = np.resize(training, (_CENTROIDS, dimension))  # zeros if none
    index.pq.cp.min_points_per_centroid = 1  # a small segment is no cause for a warning
    index.train(training)
    for start in range(0, len(vectors), 65536):
        index.add(np.ascontiguousarray(vectors[start : start + 65536], dtype=np.float32))
    return bytes(faiss.serialize_index(index))
