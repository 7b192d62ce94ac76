"""The knowledge base as front ends see it: reindex, search, ask, stats."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date

from index.answer.pipeline import compose, retrieve
from index.config import Settings
from index.embedding import Embedder, load_embedder
from index.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidQueryError,
    QuestionTooLong,
)
from index.indexer import ProgressCallback, ReindexProgress, ReindexSummary, reindex
from index.llm.client import ChatModel
from index.llm.compose import LLMWriter
from index.records import Answer, ArticleDetail, ArticleInfo, Hit, SearchFilters, Turn
from index.search.retrieval import Retriever
from index.store.backend import BuiltWith, IndexStats, Mode, Store
from index.store.checks import check_generation
from index.store.generations import Generation, open_current
from index.store.local import LocalStore, generation_stats
from index.store.verification import BackgroundVerification
from index.web.live import LiveSources

__all__ = ["IndexStats", "KnowledgeBase"]

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Owns the model and the current index; safe to share between threads.

    Queries always run against one whole index: a reindex builds the next one aside, its
    store (``[store]``: local files or Milvus) publishes it, and each reader swaps it in
    with a single assignment when it notices, at its next question.

    Its parts are passed in by the composition root (``bot.composition``): the
    ``store`` (default: the local one in ``[index] data_dir``), the ``embedder`` (default:
    the configured model, loaded at first use) and ``chat``, a language model that
    writes the answers, every sentence verified (default: none, answers are extractive).
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        chat: ChatModel | None = None,
        *,
        store: Store | None = None,
        verify_in_background: bool = True,
    ) -> None:
        self.settings = settings
        self.live = LiveSources(settings)
        self._writer = (
            LLMWriter(chat, settings.llm, settings.answer.max_sentences) if chat else None
        )
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        if store is None and settings.store.backend != "local":
            raise ValueError("the settings name a Milvus store: pass it in (open_store)")
        self.store: Store = store or LocalStore(settings.index.data_dir, settings.search)
        self._retriever: Retriever | None = None
        self._open_lock = threading.Lock()
        # A one-shot command would read the whole index for a verdict it exits before;
        # a process that keeps serving (the bot, the chat) checks what it opened.
        self.verification = BackgroundVerification(
            settings.index.data_dir, enabled=verify_in_background and self.store.name == "local"
        )

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings.model, self.settings.index.data_dir)
            return self._embedder

    def searcher(self) -> Retriever:
        """Retrieval over the current index, opening it (or a newer one, published since)
        as needed; IndexCorruptError once its background verification has found it
        damaged."""
        retriever = self._current_retriever()
        self.verification.refuse_damaged(retriever.name)
        return retriever

    def _current_retriever(self) -> Retriever:
        retriever = self._retriever
        current = self.store.current()
        if retriever is not None and retriever.name == current:
            return retriever
        with self._open_lock:
            if self._retriever is None or self._retriever.name != current:
                opened = self.store.open()
                self._check_model(opened.built_with)
                self._retriever = Retriever(opened, self.embedder, self.settings.search)
                log.info("opened index %s (%s store)", opened.name, self.store.name)
                self.verification.start(opened.name)
            return self._retriever

    def reindex(
        self, progress: ProgressCallback | None = None, *, fetch: bool = True
    ) -> ReindexSummary:
        """Fetch what is new in the web sources (unless ``fetch`` is off), then reindex."""
        fetched = None
        if fetch and self.live.has_any() and self.live.sources():
            report = progress or (lambda _: None)
            fetched = self.live.refresh(
                progress=lambda p: report(ReindexProgress("fetching", p.done, p.total))
            )
        previous, damage = self._previous_generation()
        try:
            summary = reindex(
                self.settings,
                lambda: self.embedder,
                previous,
                progress,
                self.live.stored_sources(),
                self.store,
            )
        finally:
            if previous is not None:
                previous.close()
        summary.fetched = fetched
        summary.repaired = damage
        if self._retriever is not None:
            self.searcher()  # in use: open the new index now, not on the next question
        return summary

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        *,
        as_of: date | None = None,
    ) -> list[Hit]:
        """The best passages for ``query``; asked ``as_of`` a day, later articles are left
        out and newer ones weigh more."""
        return self.searcher().search(checked_question(query), k, filters, mode=mode, as_of=as_of)

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        *,
        as_of: date,
        conversation: Sequence[Turn] = (),
        use_model: bool = True,
        on_progress: Callable[[Answer], None] | None = None,
    ) -> Answer:
        """Answer ``question`` as asked on the day ``as_of``: articles published later do
        not exist yet, newer ones weigh more. A follow-up in a ``conversation`` (its
        earlier turns, oldest first) is searched with the turns it continues, which the
        language model is shown too, when there is one and ``use_model`` is on; then
        ``on_progress`` gets the verified answer so far each time a sentence passes (in
        this thread). See ``index.answer.pipeline``."""
        question = checked_question(question)
        k = self.settings.answer.passages
        writer = self._writer if use_model else None
        if writer is not None:
            k = max(k, self.settings.llm.passages)
        found = retrieve(self.searcher(), question, filters, as_of, conversation, k)
        half_life = self.settings.search.recency_half_life_days
        return compose(found, self.settings.answer, as_of, writer, on_progress, half_life)

    def find_article(self, query_or_url: str, opening_chars: int = 600) -> ArticleDetail | None:
        """The article at this url, else the one whose passage best matches the words."""
        return self.searcher().find_article(checked_question(query_or_url), opening_chars)

    def indexed_articles(self, keys: Sequence[str]) -> list[ArticleInfo]:
        """The articles of the current index that were fetched under ``keys`` (the web
        store's keys, as a refresh reports new ones), in that order; others are left out."""
        return self.searcher().indexed_articles(keys)

    def stats(self) -> IndexStats:
        return self.searcher().stats()

    def check(self) -> IndexStats:
        """Verify the current index in full without changing anything: every file against
        its checksum and every part against the others. IndexCorruptError names the
        first damage; a reindex repairs it."""
        generation = open_current(self.settings.index.data_dir)
        try:
            check_generation(generation)
            return generation_stats(generation, "local")
        finally:
            generation.close()

    def _previous_generation(self) -> tuple[Generation | None, str | None]:
        """The generation a reindex builds on, checked in full (opened without the model,
        which an unchanged collection never needs); or None and the damage found, so
        that the reindex rebuilds from the sources, which is exactly what repairs it."""
        try:
            generation = open_current(self.settings.index.data_dir)
        except IndexNotFoundError:
            return None, None
        except IndexCorruptError as error:
            log.warning("rebuilding from scratch: %s", error)
            return None, str(error)
        try:
            check_generation(generation)
        except IndexCorruptError as error:
            generation.close()
            log.warning("rebuilding from scratch: %s", error)
            return None, str(error)
        return generation, None

    def _check_model(self, built: BuiltWith) -> None:
        if built.model != self.settings.model.name:
            raise IndexMismatchError(
                f"the index in {built.where} was built with model '{built.model}' "
                f"but the settings ask for '{self.settings.model.name}': run 'newsbot reindex'"
            )
        if built.backend != self.settings.model.backend:
            # Vectors of one model from two backends differ a little: never mix them.
            raise IndexMismatchError(
                f"the index in {built.where} was built with backend "
                f"'{built.backend}' but the settings ask for '{self.settings.model.backend}': "
                "run 'newsbot reindex'"
            )
        if built.dimension != self.embedder.dimension:
            raise IndexMismatchError(
                f"the index in {built.where} holds {built.dimension}-dimensional "
                f"vectors but model '{self.settings.model.name}' makes "
                f"{self.embedder.dimension}: run 'newsbot reindex'"
            )


QUESTION_LIMIT = 2000  # characters of a question or search, once spaces are collapsed


def checked_question(text: str, limit: int = QUESTION_LIMIT) -> str:
    """``text`` on one line; ``QuestionTooLong`` or ``InvalidQueryError`` when it is
    empty or over ``limit`` characters (front ends word the message their own way)."""
    text = " ".join(text.split())
    if not text:
        raise InvalidQueryError("the question is empty")
    if len(text) > limit:
        raise QuestionTooLong(len(text), limit)
    return text
