"""The model's short answer: the first line of its reply, ``Answer: <the thing> [n]``,
asked for when the question asks for a thing (a person, place, date, number or name).

It is verified like every sentence, and more strictly: it must cite a passage it was
given, and stand word for word (case and spacing aside) in that passage's text or title,
with something the question does not already say. A line that fails is dropped and the
answer's short answer is found in the articles instead (``index.answer.leading``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.ingest.sentences import split_sentences
from index.ingest.terms import lexical_tokens
from index.injection import LINK, addresses_a_reader
from index.llm.draft import cited_numbers, clean, without_markers
from index.records import SHORT_ANSWER_CHARS, Hit

LABEL = "Answer:"
# "Answer: Adrien Brody [2]", also in bold or as "**Answer:** …", as models write it.
_LINE = re.compile(r"^[\s*_#>]*answer[\s*_]*:[\s*_]*(?P<rest>.*)$", re.IGNORECASE)
_PARTS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_EDGE = re.compile(r"^[\s\"“”'‘’*_]+|[\s\"“”'‘’*_.,;:]+$")


@dataclass(frozen=True, slots=True)
class ModelShortAnswer:
    """A verified short answer: its text, the passages (1-based) that hold it and the
    sentence of the first of them that says it."""

    text: str
    passages: tuple[int, ...]
    sentence: str


def split_short_line(draft: str, *, complete: bool) -> tuple[str | None, str]:
    """The reply's short-answer line (None when it has none, or has not finished it) and
    the rest of the reply. While the reply streams (``complete`` False), a line counts
    once a newline ends it; an unfinished one is held back, never read as a sentence."""
    text = draft.lstrip()
    first, newline, rest = text.partition("\n")
    if not _LINE.match(first):
        return None, draft
    if not newline and not complete:
        return None, ""
    return first.strip(), rest


def verify_short_line(
    line: str, question: str, passages: Sequence[Hit]
) -> tuple[ModelShortAnswer | None, str | None]:
    """The short answer of ``line`` when it passes, else None and why not."""
    match = _LINE.match(clean(line))
    if match is None:
        return None, "not an answer line"
    cited = cited_numbers(match["rest"])
    text = " ".join(_EDGE.sub("", _plain(without_markers(match["rest"]))).split())
    if not cited:
        return None, "cites no passage"
    if not text:
        return None, "says nothing"
    if len(text) > SHORT_ANSWER_CHARS:
        return None, f"longer than {SHORT_ANSWER_CHARS} characters"
    if LINK.search(text) or addresses_a_reader(text):
        return None, "holds a link or addresses the reader"
    if not set(lexical_tokens(text)) - set(lexical_tokens(question)):
        return None, "only repeats the question"
    given = [n for n in cited if 1 <= n <= len(passages)]
    if len(given) < len(cited):
        return None, "cites a passage not given"
    found = _held(text, given, passages) or _held_in_parts(text, given, passages)
    if found is None:
        return None, f"not word for word in {''.join(f'[{n}]' for n in cited)}"
    numbers, sentences = found
    return ModelShortAnswer(text, numbers, " ".join(sentences)), None


_Held = tuple[tuple[int, ...], tuple[str, ...]]  # the passages holding it, sentences saying it


def _held(text: str, cited: list[int], passages: Sequence[Hit]) -> _Held | None:
    """The cited passages holding ``text`` and the first one's sentence saying it."""
    holding = [(n, s) for n in cited if (s := _sentence_holding(text, passages[n - 1]))]
    if not holding:
        return None
    return tuple(n for n, _ in holding), (holding[0][1],)


def actors_of(text: str) -> list[str]:
    """The names a short answer of several actors lists: "A, B and C"."""
    return [part for part in _PARTS.split(text) if part]


def _held_in_parts(text: str, cited: list[int], passages: Sequence[Hit]) -> _Held | None:
    """Several actors ("Vladimir Putin and Benjamin Netanyahu"), each in a cited passage."""
    parts = actors_of(text)
    held = [_held(part, cited, passages) for part in parts]
    if len(parts) < 2 or not all(held):
        return None
    found = [h for h in held if h is not None]
    numbers = tuple(dict.fromkeys(n for passages_, _ in found for n in passages_))
    sentences = tuple(dict.fromkeys(s for _, said in found for s in said))
    return numbers, sentences


def _sentence_holding(text: str, hit: Hit) -> str | None:
    """The sentence of ``hit`` (or its title) that holds ``text`` as whole words."""
    pattern = re.compile(
        r"(?<!\w)" + r"\s+".join(re.escape(w) for w in text.split()) + r"(?!\w)", re.IGNORECASE
    )
    sentences = [hit.article.title, *(hit.text[a:b] for a, b in split_sentences(hit.text))]
    found = next((s for s in sentences if pattern.search(_plain(s))), None)
    return " ".join(found.split()) if found else None


def _plain(text: str) -> str:
    """Curly quotes as straight ones: a model may write either."""
    return text.translate(str.maketrans("“”‘’", "\"\"''"))
