"""Errors the knowledge base raises, grouped by who has to act on them.

Every one carries a message written for the person running newsbot: front ends print
``str(error)`` and exit (CLI) or reply with it (Discord); no traceback is needed.
"""


class NewsbotError(Exception):
    """Base of every error a user can act on."""


class ConfigError(NewsbotError):
    """The settings file is missing, unreadable or invalid."""


class IndexNotFoundError(NewsbotError):
    """No index has been built yet in the data directory."""


class IndexMismatchError(NewsbotError):
    """The index was built with another model, backend or dimension than the settings ask
    for."""


class IndexCorruptError(NewsbotError):
    """An index file is truncated, altered or unreadable."""


class ModelCacheError(NewsbotError):
    """The cached int8 model is missing, truncated or altered; loading it rebuilds it."""


class ReindexBusyError(NewsbotError):
    """Another reindex holds the data directory's lock."""


class InvalidQueryError(NewsbotError, ValueError):
    """A question or search is empty, too long or otherwise unusable."""


class QuestionTooLong(InvalidQueryError):
    """A question or search over the length limit; front ends may word it their way."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the question is too long ({length:,} characters; limit {limit:,})")
        self.length = length
        self.limit = limit


class DateRangeError(InvalidQueryError):
    """A span whose first day (``first``) is after its last (``last``); front ends name
    their own options or flags around it."""

    def __init__(self, first: object, last: object) -> None:
        super().__init__(f"the first day ({first}) is after the last ({last})")
        self.first = first
        self.last = last
