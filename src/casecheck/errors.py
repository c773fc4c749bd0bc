"""Errors a user can act on, and the exit codes the CLI maps them to.

Every error here carries one plain sentence that names the file, row and column where one is to
blame. The CLI prints that sentence and exits with the error's code; it never shows a traceback.
"""

from __future__ import annotations

# Exit codes (documented in the README; cron jobs alert on them).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug in casecheck: please report it
EXIT_USAGE = 2  # bad command line or bad standards profile / config
EXIT_INPUT = 3  # the input data cannot be used
EXIT_BELOW_TARGET = 4  # --fail-under: a rule is below the threshold


class CasecheckError(Exception):
    """Base class for errors shown to the user as one sentence."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
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
