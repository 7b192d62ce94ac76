"""A reindex's progress on the terminal: a tqdm bar per stage, on stderr."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

from index.indexer import ReindexProgress


class ProgressBar:
    """A tqdm bar per reindex stage, on stderr."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: tqdm[Any] | None = None
        self._stage: str | None = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, progress: ReindexProgress) -> None:
        if not self._enabled:
            return
        bar = self._bar
        if progress.stage != self._stage or bar is None:
            if bar is not None:
                bar.close()
            self._stage = progress.stage
            unit = _PROGRESS_UNITS.get(progress.stage)
            bar = self._bar = tqdm(
                total=progress.total,
                desc=progress.stage,
                unit=unit or "it",
                file=sys.stderr,
                bar_format=None if unit else "{desc} ({elapsed})",
            )
        bar.total = progress.total
        bar.n = progress.done
        bar.refresh()


_PROGRESS_UNITS = {
    "fetching": "source",
    "reading": "source",
    "indexing": "source",
    "embedding": "passage",
}
