"""Publisher names as people type them: the indexed one they mean, or an error that lists
the close matches."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from index.errors import InvalidQueryError

SUGGESTED = 3
_CUTOFF = 0.5


class UnknownPublisherError(InvalidQueryError):
    """A publisher the index does not know, with its ``close`` matches (maybe none):
    front ends add where their people can see the list."""

    def __init__(self, name: str, close: list[str]) -> None:
        hint = f" Did you mean {_either(close)}?" if close else ""
        super().__init__(f"No indexed publisher is called “{name}”.{hint}")
        self.name = name
        self.close = close


def resolve_publisher(name: str, known: Sequence[str]) -> str:
    """The indexed publisher ``name`` means (letter case aside); else
    ``UnknownPublisherError`` with up to ``SUGGESTED`` close matches."""
    wanted = " ".join(name.split()).casefold()
    by_key = {publisher.casefold(): publisher for publisher in known}
    if wanted in by_key:
        return by_key[wanted]
    close = [by_key[k] for k in difflib.get_close_matches(wanted, by_key, SUGGESTED, _CUTOFF)]
    close += [p for k, p in by_key.items() if wanted in k and p not in close][
        : SUGGESTED - len(close)
    ]
    raise UnknownPublisherError(name.strip(), close)


def matching_publishers(typed: str, known: Sequence[str], limit: int) -> list[str]:
    """Publishers for an autocomplete: those starting with ``typed``, then those
    containing it, then close spellings; all of them (up to ``limit``) when it is empty."""
    wanted = typed.strip().casefold()
    starts = [p for p in known if p.casefold().startswith(wanted)]
    contains = [p for p in known if wanted in p.casefold() and p not in starts]
    keys = {p.casefold(): p for p in known}
    close = [keys[k] for k in difflib.get_close_matches(wanted, keys, limit, _CUTOFF)]
    return list(dict.fromkeys([*starts, *contains, *close]))[:limit]


def _either(names: list[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
