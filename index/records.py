"""Typed records that cross module boundaries: articles, chunks, hits, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from index.errors import DateRangeError


@dataclass(frozen=True, slots=True)
class Reprint:
    """Another place that published the same story: a syndicated copy."""

    source: str | None
    url: str | None
    title: str


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article, ready to chunk.

    ``id`` is stable across runs for the same source location (file path, record id or
    url), so a changed article replaces its previous version instead of adding a copy.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: date | None = None
    author: str | None = None
    origin: str = ""  # where it was read from: "path" or "path#record", for reports
    also_reported_by: tuple[Reprint, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that could not be turned into an article, and why."""

    origin: str
    reason: str


@dataclass(frozen=True, slots=True)
class Truncated:
    """An article longer than the per-article limit: only its first ``kept`` characters
    (cut at a sentence end or a space) of ``chars`` were indexed."""

    origin: str
    chars: int
    kept: int

    @property
    def reason(self) -> str:
        return f"kept the first {self.kept:,} of {self.chars:,} characters"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of an article; ``start``/``end`` are offsets into ``Article.text``."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    token_count: int


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What a search result or an answer says about the article a passage came from."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: date | None
    author: str | None
    also_reported_by: tuple[Reprint, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved passage with the scores that ranked it."""

    article: ArticleInfo
    chunk_id: str  # "<segment>:<chunk>", unique within a generation
    start: int
    end: int
    text: str
    score: float  # fused score used for ranking
    dense_score: float | None = None  # cosine similarity, when the dense side saw it
    lexical_score: float | None = None  # BM25 score, when the lexical side saw it
    # Bit i set when sentence i of ``text`` addresses a reader or a model (stored when it
    # was indexed; None: not stored, see index.ingest.sentence_terms.addressed).
    addressing: int | None = None

    @property
    def passage(self) -> str:
        """The passage as retrieved: its article's title, then the text (both are indexed)."""
        return f"{self.article.title}\n{self.text}"


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """An article as a lookup shows it: what is known of it and its opening."""

    article: ArticleInfo
    opening: str


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source of an answer: marker ``[number]`` points here."""

    number: int
    article: ArticleInfo


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """A sentence of an answer and the sources it rests on (``Citation.number``s)."""

    text: str
    citations: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.citations:
            raise ValueError(f"an answer sentence needs a source: {self.text!r}")

    @property
    def markers(self) -> str:
        """``[1]``, or ``[1][3]`` for a sentence that rests on two sources."""
        return "".join(f"[{number}]" for number in self.citations)


SHORT_ANSWER_CHARS = 60


@dataclass(frozen=True, slots=True)
class ShortAnswer:
    """The thing a question asks for, in a few words ("Adrien Brody", "$96,390"), taken
    from ``sentence`` of the passages, which rests on the sources ``citations``."""

    text: str
    citations: tuple[int, ...]
    sentence: str

    def __post_init__(self) -> None:
        if not self.text or len(self.text) > SHORT_ANSWER_CHARS:
            raise ValueError(
                f"a short answer has 1 to {SHORT_ANSWER_CHARS} characters: {self.text!r}"
            )
        if not self.citations:
            raise ValueError(f"a short answer needs a source: {self.text!r}")


AnswerMode = Literal["llm", "extractive"]
# Why a deployment with a language model answered extractively: the model did not
# finish in time, failed (an HTTP error, unreachable, a reply cut off), found no answer
# in the passages, or wrote no sentence that its sources support.
Fallback = Literal["timeout", "error", "declined", "unverified"]


@dataclass(frozen=True, slots=True)
class DroppedSentence:
    """A sentence of the model's draft that verification left out, and why."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ModelRun:
    """How the language model's draft went: what it wrote, what verification kept and
    dropped, and how long it took (None: no text came)."""

    draft: str
    kept: int
    dropped: tuple[DroppedSentence, ...]
    first_text_seconds: float | None
    seconds: float


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to ``question`` as asked ``as_of`` a day.

    ``latest_coverage`` is set when the question asks about the present and the newest
    article the answer rests on is more than a week older than ``as_of``: that
    article's date, so that the reply can say how current it is.

    ``mode`` says how it was written: by a language model (every sentence verified
    against the passages it cites) or from the passages' own sentences. ``fallback`` says
    why a deployment with a language model answered extractively; ``model_run`` how the
    model's draft went, when there was one. ``short_answer`` is the thing the question
    asks for, when the passages say it clearly enough; ``lead`` the line shown first.
    """

    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...] = field(default=())
    as_of: date | None = None
    latest_coverage: date | None = None
    mode: AnswerMode = "extractive"
    fallback: Fallback | None = None
    model_run: ModelRun | None = None
    short_answer: ShortAnswer | None = None
    lead: str | None = None

    @property
    def answered(self) -> bool:
        return bool(self.sentences)

    @property
    def text(self) -> str:
        """The answer as prose with ``[n]`` markers after each sentence."""
        return " ".join(f"{s.text} {s.markers}" for s in self.sentences)


@dataclass(frozen=True, slots=True)
class Turn:
    """An earlier exchange of a conversation: a question and the answer it was given."""

    question: str
    answer: str = ""


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Optional restrictions on which articles a search may return."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise DateRangeError(self.since, self.until)
