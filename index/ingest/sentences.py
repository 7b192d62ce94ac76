"""Rule-based sentence splitting with character offsets (no model, no downloads)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) before
# whitespace and an opening capital, digit or quote; paragraph breaks always end one.
# A match starts only where a run of end marks starts: trying again inside a run (say,
# a line of 100,000 dots) would make the search quadratic and could not match anyway.
_BOUNDARY = re.compile(r"""(?<![.!?…])[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])|\n\s*\n""")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen gov sen rep lt col sgt capt cmdr adm pres rev inc
    corp co ltd plc dept univ assn bros vs etc approx est fig jan feb mar apr jun jul
    aug sep sept oct nov dec mon tue wed thu fri sat sun u.s u.k u.n e.g i.e a.m p.m ave
    blvd rd mt ft """.split()
)
_LAST_WORD = re.compile(r"([\w.]+)[.!?…]*[\"'”’)\]]*$")
# How far back from a full stop the word before it is looked for: longer than any
# abbreviation, and a bound, so a huge "sentence" full of them stays linear.
_LAST_WORD_WINDOW = 32


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    sentence_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end() if not match.group().isspace() else match.start()
        window_start = max(sentence_start, match.start() + 1 - _LAST_WORD_WINDOW)
        if match.group()[0] == "." and _is_abbreviation(text[window_start : match.start() + 1]):
            continue
        _append_trimmed(text, sentence_start, cut, spans)
        sentence_start = match.end()
    _append_trimmed(text, sentence_start, end, spans)
    return spans


def _is_abbreviation(fragment: str) -> bool:
    word = _LAST_WORD.search(fragment)
    if word is None:
        return False
    token = word.group(1).rstrip(".")
    # Single initials ("George W. Bush") and known short forms do not end a sentence.
    return (len(token) == 1 and token.isupper()) or token.lower() in _ABBREVIATIONS


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
