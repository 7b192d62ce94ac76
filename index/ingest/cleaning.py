"""Reduce scraped article text to the article: no teaser tail, no photo credits, tidy spaces.

Everything here works line by line with precompiled patterns because it runs on every
article of a collection, thousands at a time.
"""

from __future__ import annotations

import re
import unicodedata

# A teaser heading this early is more likely a sidebar than the end of the article, and
# cutting there would throw most of the article away.
_MIN_CUT_FRACTION = 0.3
_MAX_HEADING_CHARS = 60
_MAX_CREDIT_CHARS = 120

_SPACE_LIKE = "\t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
# Zero-width space, word joiner, BOM and soft hyphen are invisible yet split words for search.
# ZWJ/ZWNJ stay: emoji sequences and several scripts need them.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"
# Later entries override earlier ones (tab and the line breaks among the controls).
_CHAR_MAP: dict[int, str | None] = {
    **{code: None for code in range(0x20) if chr(code) != "\n"},
    **{code: None for code in range(0x7F, 0xA0)},
    **{ord(char): " " for char in _SPACE_LIKE},
    **{ord(char): None for char in _INVISIBLE},
    # Vertical tab, form feed and the Unicode separators all end a line or paragraph.
    0x0B: "\n",
    0x0C: "\n",
    0x0D: "\n",
    0x85: "\n",
    0x2028: "\n",
    0x2029: "\n\n",
}
# Finds whether _CHAR_MAP has anything to do; translate() with a dict is slow, and most
# texts need nothing of it.
_NEEDS_MAPPING = re.compile("[" + re.escape("".join(chr(code) for code in _CHAR_MAP)) + "]")
_SPACE_RUN = re.compile(r" {2,}")

_TEASER_HEADING = re.compile(
    r"(?:more\s+from\s+[^.!?]{1,50}"
    r"|more\s+(?:stories|news|coverage|to\s+read)"
    r"|related(?:\s+(?:articles?|stories|story|coverage|content|news|reading|links|posts|topics))?"
    r"|read\s+(?:more|next|also)|see\s+also|further\s+reading|what\s+to\s+read\s+next"
    r"|recommended(?:\s+(?:for\s+you|stories|reading|articles))?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested\s+in)"
    r"|most\s+(?:popular|read|viewed|shared)"
    r"|trending(?:\s+(?:now|stories|news))?"
    r"|also\s+on\s+[^.!?]{1,50}"
    r"|top\s+stories|latest\s+(?:news|stories|headlines)"
    r"|don[’']?t\s+miss(?:\s+this)?)"
    r"\s*[:»›>\-–—]*",
    re.IGNORECASE,
)

_MORE_FROM = re.compile(
    r"more\s+from\s+(?:the\s+)?([^.!?:»›>]{2,50}?)\s*[:»›>\-–—]*", re.IGNORECASE
)

# Words that make a (lower-cased) line worth a closer look as a credit; most lines fail
# this at once. Lower-casing first is several times faster than re.IGNORECASE here.
_CREDIT_HINT = re.compile(r"photo|picture|image|illustration|graphic|credit|courtesy|/|via\s")
# "Photo: Jane Doe", "Image credit: ...", "Credit: ...", "Photo courtesy of ...".
_LABELLED_CREDIT = re.compile(
    r"(?:(?:photo(?:graph)?s?|pictures?|images?|illustrations?|graphics?|photo\s+illustration"
    r"|(?:top|header|main|lead|featured?|cover|hero)\s+(?:image|photo))"
    r"(?:\s+(?:credits?|courtesy(?:\s+of)?))?\s*[:|]"
    r"|(?:photo(?:graph)?s?|pictures?|images?)\s+courtesy(?:\s+of)?\s"
    r"|credits?\s*:|courtesy\s*:)"
    r"\s*\S.*",
    re.IGNORECASE,
)
# "Photo by Jane Doe", "Illustration by ...": the rest must look like names, so that a
# sentence such as "Photographs by the family were shown in court." survives.
_BY_CREDIT = re.compile(
    r"(?:photo(?:graph)?s?|pictures?|images?|illustrations?|graphics?|photo\s+illustration)"
    r"\s+by\s+(.+)",
    re.IGNORECASE,
)
_AGENCY = re.compile(
    r"\b(?:reuters|ap|afp|getty(?:\s+images)?|sipa(?:\s+usa)?|epa(?:-efe)?|efe|alamy|shutterstock"
    r"|xinhua|zuma|nurphoto|anadolu|dpa|picture\s+alliance|imago|kyodo|pa\s+(?:images|wire|media)"
    r"|roll\s+call|abaca(?:press)?|sopa\s+images|lightrocket|aap|redux|bloomberg|istock(?:photo)?"
    r"|imagn|wireimage|filmmagic|tass|sputnik|pool|ansa|yonhap|polaris|rex\s+features)\b",
    re.IGNORECASE,
)
# Agencies that only ever sell pictures, so their name alone on a line is a credit;
# "Reuters" or "AP" alone is usually a byline and stays.
_PICTURE_AGENCY_ONLY = re.compile(
    r"(?:getty\s+images|shutterstock|alamy(?:\s+(?:stock\s+photo|live\s+news))?|istock(?:photo)?"
    r"|sipa\s+usa|zuma\s+(?:press|wire)|ap\s+photo|reuters\s+pictures|epa(?:-efe)?)",
    re.IGNORECASE,
)
# Lower-case words a credit may contain: name particles and the joining words of agencies.
_CREDIT_LOWER_WORDS = frozenset(
    (
        *("via", "for", "and", "of", "the"),
        *("de", "da", "del", "di", "van", "von", "der", "den", "la", "le", "du", "dos", "das"),
        *("bin", "al", "el", "y", "e"),
        *("dpa", "picture", "alliance", "istock", "istockphoto"),
    )
)
_TOKEN_SPLIT = re.compile(r"[\s/]+")
# Where a caption's last sentence ends and a trailing credit may begin.
_SENTENCE_END = re.compile(r"[.!?][”\"’')\]]?\s+")
# A full stop after a lower-case word inside a phrase: a sentence ends there, so the phrase
# is a caption with a credit, not a credit alone. Initials ("Patrick T. Fallon") don't count.
_INNER_SENTENCE_END = re.compile(r"[a-z]{2}[.!?]\s")
_TRAILING_PARENTHESES = re.compile(r"\s*\(([^()]{3,120})\)$")


def clean_article(text: str) -> tuple[str, str | None]:
    """The cleaned text, and the publisher a "More from <publisher>" tail names, if any.

    A short heading such as "More from ..." or "Related stories" cuts itself and all that
    follows, once at least 30% of the text lies before it. Paragraphs come out separated
    by exactly one blank line; lines within a paragraph keep their single newline.
    """
    text = text.replace("\r\n", "\n")
    if _NEEDS_MAPPING.search(text):
        text = text.translate(_CHAR_MAP)
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACE_RUN.sub(" ", line.strip()) for line in text.split("\n")]
    lines, heading = _cut_teaser_tail(lines)
    publisher = _MORE_FROM.fullmatch(heading) if heading else None
    kept: list[str] = []
    for line in lines:
        if line and _CREDIT_HINT.search(line.lower()):
            line = _strip_credit(line)
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip(), publisher.group(1).strip() if publisher else None


def _cut_teaser_tail(lines: list[str]) -> tuple[list[str], str | None]:
    """The lines before a teaser heading, and that heading."""
    total = sum(len(line) + 1 for line in lines)
    offset = 0
    for number, line in enumerate(lines):
        if (
            offset >= _MIN_CUT_FRACTION * total
            and 0 < len(line) <= _MAX_HEADING_CHARS
            and _TEASER_HEADING.fullmatch(line)
        ):
            return lines[:number], line
        offset += len(line) + 1
    return lines, None


def _strip_credit(line: str) -> str:
    """``line`` without a credit: "" if it is one, else the line minus a trailing credit."""
    if _is_credit(line):
        return ""
    if (match := _TRAILING_PARENTHESES.search(line)) and _is_credit(match.group(1)):
        return line[: match.start()]
    # A caption ending in a credit: "... on Friday. Jane Doe/Reuters". The earliest such
    # split wins, so initials inside the credit ("Patrick T. Fallon") do not split it.
    for end in _SENTENCE_END.finditer(line):
        if len(line) - end.end() <= _MAX_CREDIT_CHARS and _is_credit(line[end.end() :]):
            return line[: end.end()].rstrip()
    return line


def _is_credit(phrase: str) -> bool:
    phrase = phrase.strip().strip("()[]").strip().rstrip(".")
    if not phrase or len(phrase) > _MAX_CREDIT_CHARS or _INNER_SENTENCE_END.search(phrase):
        return False
    if _LABELLED_CREDIT.fullmatch(phrase) or _PICTURE_AGENCY_ONLY.fullmatch(phrase):
        return True
    if match := _BY_CREDIT.fullmatch(phrase):
        return _looks_like_names(match.group(1))
    return (
        ("/" in phrase or " via " in phrase)
        and _AGENCY.search(phrase) is not None
        and _looks_like_names(phrase)
    )


def _looks_like_names(phrase: str) -> bool:
    """True if every word is capitalised, a number or symbol, or a name particle."""
    for token in _TOKEN_SPLIT.split(phrase.strip(" ()[],;")):
        token = token.strip(",;()[]")
        lower_case_word = token and token[0].isalpha() and not token[0].isupper()
        if lower_case_word and token.lower() not in _CREDIT_LOWER_WORDS:
            return False
    return True
