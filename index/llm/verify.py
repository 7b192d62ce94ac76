"""Sentence-level verification of the model's draft against the passages it was given.

A sentence is kept only if

1. it cites at least one passage, and every passage it cites was given;
2. it holds no link or address (a URL, a domain, a masked or image link, ``javascript:``):
   only the sources' own addresses are ever linked, by the front ends;
3. it does not address the reader (``index.injection``: "visit …", "you must …");
4. it is no longer than ``MAX_SENTENCE_CHARS`` (a run-on claims too much to check);
5. one passage it cites supports it as a statement (``index.llm.support``): one sentence
   of that passage, or two next to each other, or its title, holds its names as whole
   names, its numbers, times and quotes, its negation, its connectives of cause and
   time, its content words, and its actor in the same role. A sentence citing several
   passages is shown citing those that support it alone; a blend of passages fails;
6. it is among the first ``max_sentences`` sentences that pass.

Passage sentences that address a reader or a model support nothing, so a reply that
obeys an article is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.ingest.sentences import split_sentences
from index.injection import LINK, addresses_a_reader
from index.llm.draft import MARKER, cited_numbers, clean, without_markers
from index.llm.statements import WORD
from index.llm.support import Windows, best_problems, claim, windows
from index.records import DroppedSentence, Hit

MAX_SENTENCE_CHARS = 500

_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|`")
_LOWER_WORD = re.compile(r"(?<![\w\-./@])[a-z]+(?![\w\-/@]|\.\w)")


@dataclass(frozen=True, slots=True)
class Checked:
    """A kept sentence, without its markers, and the passages (1-based) it rests on."""

    text: str
    passages: tuple[int, ...]


def verify(
    draft: str, passages: Sequence[Hit], *, complete: bool = True, max_sentences: int | None = None
) -> tuple[list[Checked], list[DroppedSentence]]:
    """The sentences of ``draft`` that pass, and those that do not with the reason.
    ``passages`` are the hits given to the model, [1] first; an incomplete draft (cut
    at max_tokens) loses its last sentence unless that one ended; past ``max_sentences``
    kept sentences, the rest are dropped."""
    readings = _Passages(passages)
    openers = {word for hit in passages for word in _LOWER_WORD.findall(hit.text)}
    sentences = split_draft(draft)
    kept: list[Checked] = []
    dropped: list[DroppedSentence] = []
    for position, sentence in enumerate(sentences):
        if not complete and position == len(sentences) - 1 and not _ended(sentence):
            dropped.append(DroppedSentence(sentence, "cut off at max_tokens"))
            continue
        reason, supporting = _check(sentence, readings, openers)
        if reason is None and max_sentences is not None and len(kept) >= max_sentences:
            reason = f"past the {max_sentences} sentences asked for"
        if reason is not None:
            dropped.append(DroppedSentence(sentence, reason))
        else:
            kept.append(Checked(" ".join(without_markers(sentence).split()), supporting))
    return kept, dropped


def split_draft(draft: str) -> list[str]:
    """The draft's sentences with their markers; a marker that opens a sentence
    ("… out. [1] Netanyahu …") belongs to the one before it."""
    sentences: list[str] = []
    for line in clean(draft).splitlines():
        line = _EMPHASIS.sub("", _BULLET.sub("", line)).strip()
        for start, end in split_sentences(line):
            sentence = line[start:end]
            leading = re.match(rf"(?:\s*{MARKER.pattern})+", sentence)
            if leading and sentences:
                sentences[-1] += " " + leading.group().strip()
                sentence = sentence[leading.end() :].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def _check(
    sentence: str, readings: _Passages, openers: set[str]
) -> tuple[str | None, tuple[int, ...]]:
    """Why ``sentence`` may not be shown (None: it may), and the passages that support it."""
    cited = cited_numbers(sentence)
    if not cited:
        return "cites no passage", ()
    unknown = [n for n in cited if not 1 <= n <= len(readings)]
    if unknown:
        given = f"[1]-[{len(readings)}]" if readings else "none"
        return f"cites {_markers(unknown)}, not a passage given ({given})", ()
    if len(sentence) > MAX_SENTENCE_CHARS:
        return f"longer than {MAX_SENTENCE_CHARS} characters", ()
    text = without_markers(sentence)
    if LINK.search(text):
        return "holds a link or address", ()
    if addresses_a_reader(text):
        return "addresses the reader", ()
    if not WORD.search(text):
        return "says nothing", ()
    claimed = claim(text, openers)
    found = {n: best_problems(claimed, readings.windows(n)) for n in cited}
    supporting = tuple(n for n in cited if not found[n])
    if supporting:
        return None, supporting
    number, problems = min(found.items(), key=lambda item: len(item[1]))
    return f"{problems[0]}, not in [{number}]" + (
        f" (cited {_markers(cited)})" if len(cited) > 1 else ""
    ), ()


class _Passages:
    """The passages given, their windows read when a sentence first cites them."""

    def __init__(self, hits: Sequence[Hit]) -> None:
        self._hits = list(hits)
        self._windows: dict[int, Windows] = {}

    def __len__(self) -> int:
        return len(self._hits)

    def windows(self, number: int) -> Windows:
        if number not in self._windows:
            self._windows[number] = windows(self._hits[number - 1])
        return self._windows[number]


def _ended(sentence: str) -> bool:
    return bool(re.search(rf"(?:[.!?…]['\")\]]*|{MARKER.pattern})\s*$", sentence))


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)
