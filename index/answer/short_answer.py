"""The short answer: the thing a question asks for, found in the passages that answer it.

Candidates of the asked kind (``index.answer.answer_types``) are read from every
sentence of the top passages (``index.answer.candidates``), leaving out what the question
already says. Each occurrence counts by how much of the question its sentence holds, how
close it stands to the question's words there, how high its passage ranks and how fresh
its article is on the day asked (news quizzes ask about the week's news; last year's
winner is not this year's); a candidate's support adds up over sentences and articles
(news repeats answers: Brill et al.'s AskMSR). When the best is not supported well
enough, there is no short answer.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answer.answer_types import AnswerType, answer_type
from index.answer.candidates import Mention, mentions, untitled
from index.answer.places import PLACES, place_pattern
from index.ingest.answer_kinds import QUESTION_WORDS
from index.ingest.sentences import split_sentences
from index.ingest.terms import STOPWORDS, lexical_tokens, stems
from index.records import ArticleInfo, Hit
from index.search.recency import Freshness

_SPACES = re.compile(r"\s+")
_SITE_SUFFIX = re.compile(r"\s+\|[^|]*$")
_RANK_DECAY = 0.8  # each further passage counts this much of the one before
_NEAR_WORDS = 8.0  # a candidate this many words from the question's words counts half
_TITLE_WEIGHT = 1.5
_COVERAGE_POWER = 1.0
# Calibrated on the development sets (see CHANGELOG): the best candidate has at least
# this support, and this share of the support of all candidates (they agree on it).
_MIN_SUPPORT = 0.3
_MIN_SHARE = 0.3
_MIN_LEAD = 2.0  # and this times the support of the next one
_ACTORS_SHARE = 0.5  # a further actor has at least this share of the first one's support
_MAX_ACTORS = 3


@dataclass(frozen=True, slots=True)
class Supported:
    """A short answer found in the passages: ``text``, the sentences that say it best
    (one per actor for several actors) and the articles they come from."""

    text: str
    names: tuple[str, ...]  # each actor's name; the one name otherwise
    sentences: tuple[str, ...]
    articles: tuple[ArticleInfo, ...]


@dataclass
class Candidate:
    """A candidate short answer and its support in the passages; ``sentence`` is the one
    that supports it best, in ``article``."""

    text: str
    words: frozenset[str]
    support: float = 0.0
    best: float = 0.0  # the support of its best sentence
    sentence: str = ""
    coverage: float = 0.0  # the share of the question in that sentence
    titled: bool = False  # named by office somewhere
    article: ArticleInfo | None = None
    by_article: dict[str, float] = field(default_factory=dict)  # best support in each


@dataclass(frozen=True, slots=True)
class Offered:
    """What the passages offer a question: the kind it asks for (None: no thing) and
    the candidates of that kind, most supported first."""

    wanted: AnswerType | None
    ranked: list[Candidate]


def offered(question: str, hits: Sequence[Hit], freshness: Freshness | None = None) -> Offered:
    """The candidates of ``hits`` (best first) for ``question``; with ``freshness``, each
    occurrence counts as much as its article is news on the day asked."""
    wanted = answer_type(question)
    ranked = ranked_candidates(question, wanted, hits, freshness) if wanted else []
    return Offered(wanted, ranked)


def find_short_answer(
    question: str, hits: Sequence[Hit], freshness: Freshness | None = None
) -> Supported | None:
    """The short answer to ``question`` in ``hits`` (best first), or None when the
    question asks for no thing or the passages do not support one well enough."""
    return chosen(offered(question, hits, freshness))


def chosen(offer: Offered) -> Supported | None:
    """The short answer among what is offered, when it is supported well enough."""
    wanted, ranked = offer.wanted, offer.ranked
    if wanted is None or not ranked:
        return None
    best = ranked[0]
    if wanted.kind == "actors":
        return _actors(ranked)
    runner_up = ranked[1].support if len(ranked) > 1 else 0.0
    if (
        best.support < _MIN_SUPPORT
        or best.support < _MIN_SHARE * sum(c.support for c in ranked)
        or best.support < _MIN_LEAD * runner_up
    ):
        return None
    return _supported([best])


def _actors(ranked: list[Candidate]) -> Supported | None:
    """Every actor the passages name well enough: those named by office ("Prime
    Minister Benjamin Netanyahu") when there are, since who wants or opposes something
    is a government or its leader more often than a place named beside them."""
    titled = [c for c in ranked if c.titled]
    pool = titled if titled else ranked
    best = pool[0]
    if best.support < _MIN_SUPPORT:
        return None
    others = [c for c in pool[1:] if c.support >= _ACTORS_SHARE * best.support]
    return _supported([best, *others][:_MAX_ACTORS])


def ranked_candidates(
    question: str, wanted: AnswerType, hits: Sequence[Hit], freshness: Freshness | None = None
) -> list[Candidate]:
    """The candidates, from the list of the asked place when there is one and the
    passages name any of it."""
    listed = place_pattern(wanted.noun)
    ranked = rank_candidates(question, wanted, hits, freshness, listed) if listed else []
    return ranked or rank_candidates(question, wanted, hits, freshness)


def rank_candidates(
    question: str,
    wanted: AnswerType,
    hits: Sequence[Hit],
    freshness: Freshness | None = None,
    names: re.Pattern[str] | None = None,
) -> list[Candidate]:
    """The candidates of the wanted kind (the ``names`` of a list, given one), most
    supported first."""
    terms = set(lexical_tokens(question)) - QUESTION_WORDS
    if not terms:
        return []
    said = _Said(terms)
    found: dict[str, Candidate] = {}
    kind = "name" if wanted.kind == "actors" else wanted.kind
    for rank, hit in enumerate(hits):
        weight = _RANK_DECAY**rank * (freshness(hit.article.published) if freshness else 1.0)
        for number, sentence in enumerate(_sentences(hit)):
            found_here = mentions(sentence, kind, names)
            if not found_here:
                continue
            words = _words(sentence)
            matched = [i for i, (_, stem) in enumerate(words) if said(stem)]
            coverage = len({said.term(words[i][1]) for i in matched}) / len(terms)
            if coverage == 0:
                continue
            title = _TITLE_WEIGHT if number == 0 and hit.start == 0 else 1.0
            starts = [start for start, _ in words]
            for mention in found_here:
                first = bisect_left(starts, mention.start)
                last = bisect_left(starts, mention.end)
                own = frozenset(stem for _, stem in words[first:last])
                if not own or all(said(w) for w in own) or _byline(mention, sentence, hit):
                    continue  # the question's own words answer nothing
                if not fits(wanted, mention):
                    continue
                if wanted.kind == "actors":  # whoever the sentence makes the actor
                    near = 1.0 + mention.titled
                else:
                    near = _nearness(first, last, matched)
                score = title * weight * coverage**_COVERAGE_POWER * near
                key = " ".join(sorted(own))
                candidate = found.setdefault(key, Candidate(mention.text, own))
                candidate.titled |= mention.titled
                article = hit.article.id
                candidate.by_article[article] = candidate.by_article.get(article, 0.0) + score
                candidate.support = sum(candidate.by_article.values())
                if score > candidate.best:
                    candidate.best, candidate.sentence = score, sentence
                    candidate.coverage, candidate.article = coverage, hit.article
                    candidate.text = untitled(mention.text)
    return sorted(_merged(list(found.values())), key=lambda c: -c.support)


def _merged(candidates: list[Candidate]) -> list[Candidate]:
    """A candidate whose words are all in a longer one ("Putin", "Vladimir Putin") adds
    its support to the longer one."""
    candidates.sort(key=lambda c: -len(c.words))
    kept: list[Candidate] = []
    for candidate in candidates:
        longer = [k for k in kept if candidate.words < k.words]
        if longer:
            target = max(longer, key=lambda k: k.support)
            for article, score in candidate.by_article.items():
                target.by_article[article] = target.by_article.get(article, 0.0) + score
            target.support = sum(target.by_article.values())
            target.titled |= candidate.titled
            continue
        kept.append(candidate)
    return kept


def _supported(chosen: list[Candidate]) -> Supported:
    sentences: list[str] = []
    articles: list[ArticleInfo] = []
    for candidate in chosen:
        assert candidate.article is not None
        if candidate.sentence not in sentences:
            sentences.append(candidate.sentence)
        if candidate.article not in articles:
            articles.append(candidate.article)
    names = [c.text for c in chosen]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Supported(text[:60].strip(), tuple(names), tuple(sentences), tuple(articles))


def fits(wanted: AnswerType, mention: Mention) -> bool:
    """Whether ``mention`` can be what is asked: a number in the unit asked for, a
    person is no country or state, and whoever is named by office is the answer to who,
    not to which thing."""
    if wanted.kind == "number" and wanted.unit is not None:
        return _unit_of(mention.text) == wanted.unit
    if wanted.kind == "person":
        return mention.text.casefold() not in PLACES
    if wanted.kind in ("name", "place"):
        return not mention.titled
    return True


def _unit_of(number: str) -> str:
    """What a number found in a passage counts in: "3.75%", "$96,390", "84,000"."""
    if "%" in number or "percent" in number.casefold():
        return "percent"
    return "money" if number[:1] in "$€£¥" else "count"


def _byline(mention: Mention, sentence: str, hit: Hit) -> bool:
    """Whether ``mention`` is the publisher or a dateline, not news: "(CNN)",
    "NASHVILLE, Tenn. –"."""
    if hit.article.source and mention.text.casefold() in hit.article.source.casefold():
        return True
    before = sentence[: mention.start]
    dateline = "(" in before[-2:] and mention.start < 30
    return dateline or (mention.text.isupper() and len(mention.text) > 5)


def _sentences(hit: Hit) -> list[str]:
    title = _SITE_SUFFIX.sub("", hit.article.title)
    texts = [title] if hit.start == 0 else []
    texts += [hit.text[start:end] for start, end in split_sentences(hit.text)]
    return [_SPACES.sub(" ", t).strip() for t in texts if t.strip()]


_WORD = re.compile(r"\w+")


def _words(sentence: str) -> list[tuple[int, str]]:
    """Each lexical token of ``sentence`` with where its word starts."""
    spans = [(m.start(), m.group().lower()) for m in _WORD.finditer(sentence)]
    spans = [(start, word) for start, word in spans if word not in STOPWORDS]
    tokens = stems([word for _, word in spans])
    return [(start, stem) for (start, _), stem in zip(spans, tokens, strict=True)]


class _Said:
    """Whether a word is one of the question's ("Syrian" for "Syria"), and which."""

    def __init__(self, terms: set[str]) -> None:
        self._prefixes = tuple(t for t in terms if len(t) >= 4)
        self._exact = frozenset(terms)

    def __call__(self, word: str) -> bool:
        return word in self._exact or word.startswith(self._prefixes)

    def term(self, word: str) -> str:
        if word in self._exact:
            return word
        return next(t for t in self._prefixes if word.startswith(t))


def _nearness(first: int, last: int, matched: list[int]) -> float:
    """1 next to a word of the question, half at ``_NEAR_WORDS`` words from it."""
    distances = [first - i if i < first else i - last + 1 for i in matched if not first <= i < last]
    if not distances:
        return 0.25
    return 1.0 / (1.0 + max(min(distances), 0) / _NEAR_WORDS)
