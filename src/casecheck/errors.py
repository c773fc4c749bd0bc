"""Errors a user can act on, and the exit codes the CLI maps them to.

Every error here carries one plain sentence that names the file, row and column where one is to
blame. The CLI prints that sentence and exits with the error's code; it never shows a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Exit codes (documented in the README; cron jobs alert on them).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug in casecheck: please report it
EXIT_USAGE = 2  # bad command line or bad standards profile / config
EXIT_INPUT = 3  # the input data cannot be used
EXIT_BELOW_TARGET = 4  # --fail-under: a rule is below the threshold

#: the most of any cell (or heading) an error message quotes
QUOTE_CHARS = 60
#: the longest error message: one line in a cron log, whatever the input holds
MAX_MESSAGE = 1000


class CasecheckError(Exception):
    """Base class for errors shown to the user as one sentence."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        message = " ".join(str(message).split("\n"))  # one line
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(CasecheckError):
    """The command line, a profile or a config file is wrong."""

    exit_code = EXIT_USAGE


class InputError(CasecheckError):
    """The input extract cannot be used (missing file, table or column; unreadable file)."""

    exit_code = EXIT_INPUT


class ProfileError(UsageError):
    """A standards profile is invalid; the message points at the file and line."""


def quote(text: object, limit: int = QUOTE_CHARS) -> str:
    """A cell or heading for a message: in quotes, at most ``limit`` characters of it."""
    value = str(text)
    return f"'{value[:limit]}…'" if len(value) > limit else f"'{value}'"


#: a heading that is really a value: a date, a number, an id with digits, a postcode
_DATA_LIKE = re.compile(
    r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*|[-+]?\d[\d\s.,]*|[A-Za-z]{0,3}\d{3,}\w*|"
    r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2})\s*$"
)


def describe_headings(headings: Iterable[str], most: int = 12) -> str:
    """``(its columns are: 'a', 'b', ... and 30 more)`` for an error message, each heading cut
    to 60 characters; when the headings look like data (dates, numbers, ids: a file exported
    without its heading row, whose first row is a child's record), none is quoted."""
    names = [str(h) for h in headings]
    if not names:
        return "(it has no columns)"
    data_like = sum(bool(_DATA_LIKE.match(h)) for h in names)
    if data_like >= max(1, len(names) // 3):
        return ("(its first line holds values such as dates or numbers, not column names: it "
                "seems to have been exported without its heading row)")
    shown = ", ".join(quote(h) for h in names[:most])
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return f"(its columns are: {shown}{more})"
