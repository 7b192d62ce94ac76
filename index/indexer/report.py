"""What a reindex tells while it runs and when it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from index.records import Skipped, Truncated
from index.web.refresh import RefreshSummary


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    """Where a reindex is: "fetching", "reading" (listing sources), "indexing" (reading
    the changed ones), "embedding" (passages: done of those read so far), "loading
    model", "writing" (publishing)."""

    stage: str
    done: int
    total: int | None


ProgressCallback = Callable[[ReindexProgress], None]


@dataclass(slots=True)
class ReindexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    syndicated: int = 0  # copies of a story from other urls or publishers, kept as such
    skipped: list[Skipped] = field(default_factory=list)
    truncated: list[Truncated] = field(default_factory=list)  # over [index] max_article_chars
    articles: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    sources_read: int = 0  # sources whose stamp changed, read this time
    seconds: float = 0.0
    generation: str | None = None  # None when nothing changed and no generation was built
    fetched: RefreshSummary | None = None  # what fetching the web sources brought, if run
    repaired: str | None = None  # the damage that made this reindex rebuild from scratch

    @property
    def changed(self) -> bool:
        return self.generation is not None
