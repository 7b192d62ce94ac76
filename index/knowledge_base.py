"""The knowledge base as front ends see it: reindex, search, ask, stats."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from index.config import Settings
from index.embedding import Embedder, load_embedder
from index.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidQueryError,
)
from index.indexer import ProgressCallback, ReindexProgress, ReindexSummary, reindex
from index.llm.client import ChatModel
from index.llm.compose import LLMWriter
from index.records import Answer, ArticleDetail, ArticleInfo, Hit, SearchFilters, Turn
from index.search.answer import compose_answer, evidence_strength
from index.search.followup import stands_alone
from index.search.recency import outdated_coverage
from index.search.retrieval import Mode
from index.store.backend import BuiltWith, Index, IndexStats, Store, open_store
from index.store.checks import check_generation
from index.store.generations import Generation, open_current
from index.store.local import generation_stats
from index.store.verification import BackgroundVerification
from index.web.live import LiveSources

__all__ = ["IndexStats", "KnowledgeBase"]

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Owns the model and the current index; safe to share between threads.

    Queries always run against one whole index: a reindex builds the next one aside, its
    store (``[store]``: local files or Milvus) publishes it, and each reader swaps it in
    with a single assignment when it notices, at its next question.

    With ``chat`` (built from ``[llm]`` by the composition root), a language model
    writes the answers and every sentence is verified; without, answers are extractive.
    """

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, chat: ChatModel | None = None
    ) -> None:
        self.settings = settings
        self.live = LiveSources(settings)
        self._writer = (
            LLMWriter(chat, settings.llm, settings.answer.max_sentences) if chat else None
        )
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.store: Store = open_store(settings)
        self._index: Index | None = None
        self._open_lock = threading.Lock()
        self.verification = BackgroundVerification(
            settings.index.data_dir, enabled=self.store.name == "local"
        )

    @property
    def embedder(self) -> Embedder:
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings.model, self.settings.index.data_dir)
            return self._embedder

    def searcher(self) -> Index:
        """The current index, opening it (or a newer one, published since) as needed;
        IndexCorruptError once its background verification has found it damaged."""
        index = self._current_index()
        self.verification.refuse_damaged(index.name)
        return index

    def _current_index(self) -> Index:
        index = self._index
        current = self.store.current()
        if index is not None and index.name == current:
            return index
        with self._open_lock:
            if self._index is None or self._index.name != current:
                opened = self.store.open(self.embedder, self.settings.search)
                self._check_model(opened.built_with)
                self._index = opened
                log.info("opened index %s (%s store)", opened.name, self.store.name)
                self.verification.start(opened.name)
            return self._index

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
        if self._index is not None:
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
        return self.searcher().search(_checked(query), k, filters, mode=mode, as_of=as_of)

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        earlier_questions: Sequence[str] = (),
        *,
        as_of: date,
        conversation: Sequence[Turn] = (),
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``question`` as asked on the day ``as_of``: articles published later do
        not exist yet, newer ones weigh more. Earlier questions of a conversation steer
        retrieval; its earlier turns (questions and answers) are shown to the language
        model, when there is one, which passes each piece of its draft to ``on_text`` as
        it writes (in this thread). A question that stands on its own
        (``index.search.followup``) is answered without the earlier ones."""
        question = _checked(question)
        searcher = self.searcher()
        k = self.settings.answer.passages
        if self._writer is not None:
            k = max(k, self.settings.llm.passages)
        search = functools.partial(
            searcher.search, k=k, filters=filters, as_of=as_of, max_per_article=_ANSWER_PER_ARTICLE
        )
        query = question
        vector = searcher.embed_query(query)
        hits = search(query, query_vector=vector)
        if earlier_questions and not stands_alone(question, evidence_strength(hits)):
            query = " ".join([*earlier_questions[-2:], question])
            vector = searcher.embed_query(query)
            hits = search(query, query_vector=vector)
        elif earlier_questions:
            conversation = ()  # a new topic: the earlier turns would only mislead
        answer = self._compose(question, query, hits, as_of, conversation, on_text)
        published = [c.article.published for c in answer.citations]
        coverage = outdated_coverage(query, as_of, published) if answer.answered else None
        return replace(answer, as_of=as_of, latest_coverage=coverage)

    def _compose(
        self,
        question: str,
        query: str,
        hits: list[Hit],
        as_of: date,
        conversation: Sequence[Turn],
        on_text: Callable[[str], None] | None,
    ) -> Answer:
        """The model's verified answer when there is a model and the evidence is strong
        enough to answer at all; else, or when it cannot be used, the extractive one."""
        settings = self.settings.answer
        writer = self._writer
        if writer is None or evidence_strength(hits[: settings.passages]) < settings.min_relevance:
            return compose_answer(question, hits, settings, query)
        written = writer.write(question, hits, as_of, conversation, on_text)
        if written.answer is not None:
            return written.answer
        answer = compose_answer(question, hits, settings, query)
        return replace(answer, fallback=written.fallback, model_run=written.run)

    def find_article(self, query_or_url: str, opening_chars: int = 600) -> ArticleDetail | None:
        """The article at this url, else the one whose passage best matches the words."""
        return self.searcher().find_article(_checked(query_or_url), opening_chars)

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
# Passages an answer may take from one article: the one article that answers gives its
# key paragraphs rather than ceding places to barely related ones.
_ANSWER_PER_ARTICLE = 3


def _checked(text: str, limit: int = QUESTION_LIMIT) -> str:
    text = " ".join(text.split())
    if not text:
        raise InvalidQueryError("the question is empty")
    if len(text) > limit:
        raise InvalidQueryError(f"the question is too long ({len(text)} characters; limit {limit})")
    return text
