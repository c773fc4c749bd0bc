"""Reporting periods and audit dates: the one definition ``audit``, ``trend`` and the reports share.

A monthly audit asks two kinds of question (README, "Two questions"):

* frequency, recency and presence rules: *is this child in date at the audit date?*
* timescale rules: *of the requirements decided in the reporting period, how many were met?*

The reporting period is named by a kind and the audit date:

``month``    the calendar month that contains the audit date (it ends at the audit date when the
             audit date is a month end): 2025-03-01 to 2025-03-31
``quarter``  the calendar quarter that contains it (England's financial quarters: Apr-Jun,
             Jul-Sep, Oct-Dec, Jan-Mar)
``year``     the financial year from 1 April that contains it: 2024-04-01 to 2025-03-31
``12m``      the twelve months that end at the audit date: 2024-04-01 to 2025-03-31
``all``      everything in the extract up to the audit date (no start)

A period always ends at the audit date. ``since`` gives any other start. The previous period (for
direction of travel and "changes since last month") ends the day before the period starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casecheck.errors import UsageError
from casecheck.parse import parse_one_date

PERIOD_KINDS = ("month", "quarter", "year", "12m", "all")
#: the audit-date words the command line and casecheck.toml accept besides a date
AS_AT_WORDS = ("today", "last-month-end")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, end-of-month safe (31 Mar - 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise UsageError(f"{day.isoformat()} moved by {months} months is out of the calendar")
    last = month_end(dt.date(year, month + 1, 1)).day
    return dt.date(year, month + 1, min(day.day, last))


def last_month_end(today: dt.date) -> dt.date:
    """The last day of the month before ``today``'s (for a cron line on the 1st)."""
    return month_start(today) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A reporting period: from ``start`` (None: the beginning of the extract) to ``end``, the
    audit date, both inclusive. ``kind`` is one of :data:`PERIOD_KINDS`, or ``since`` when the
    start was given as a date."""

    kind: str
    start: dt.date | None
    end: dt.date

    @property
    def label(self) -> str:
        """In words, for summaries and About sheets: ``March 2025 (01/03/2025 to 31/03/2025)``."""
        span = f"{_uk(self.start)} to {_uk(self.end)}" if self.start else f"up to {_uk(self.end)}"
        if self.kind == "month":
            return f"{self.end:%B %Y} ({span})"
        if self.kind == "quarter":
            return f"quarter to {self.end:%B %Y} ({span})"
        if self.kind == "year":
            first = self.start.year if self.start else self.end.year
            return f"financial year {first}-{(first + 1) % 100:02d} ({span})"
        if self.kind == "12m":
            return f"12 months ({span})"
        if self.kind == "all":
            return f"all records ({span})"
        return span

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and day <= self.end

    def previous(self) -> Period:
        """The period before this one, of the same kind, ending the day before this one starts.

        ``12m`` and ``all`` (and a ``since`` period) step back one month: the figure a month ago,
        which is what direction of travel compares with.
        """
        if self.kind in ("month", "quarter", "year") and self.start is not None:
            return period_for(self.start - dt.timedelta(days=1), self.kind)
        end = last_month_end(self.end) if self.end == month_end(self.end) else add_months(self.end, -1)
        if self.kind == "since" and self.start is not None:
            return Period("since", add_months(self.start, -1), end)
        return period_for(end, self.kind)


def period_for(as_at: dt.date, kind: str = "month", since: dt.date | None = None) -> Period:
    """The reporting period of ``kind`` that ends at ``as_at``; ``since`` overrides its start."""
    if since is not None:
        if since > as_at:
            raise UsageError(f"--since {since.isoformat()} is after the audit date {as_at.isoformat()}")
        return Period("since", since, as_at)
    if kind == "month":
        start: dt.date | None = month_start(as_at)
    elif kind == "quarter":
        first_month = (as_at.month - 1) // 3 * 3 + 1
        start = dt.date(as_at.year, first_month, 1)
    elif kind == "year":
        start = dt.date(as_at.year if as_at.month >= 4 else as_at.year - 1, 4, 1)
    elif kind == "12m":  # to a month end: whole months (1 March to 28 February)
        if as_at == month_end(as_at):
            start = month_start(add_months(as_at, -11))
        else:
            start = add_months(as_at, -12) + dt.timedelta(days=1)
    elif kind == "all":
        start = None
    else:
        raise UsageError(f"--period must be one of {', '.join(PERIOD_KINDS)}, not '{kind}'")
    return Period(kind, start, as_at)


def resolve_as_at(value: str | dt.date | None, today: dt.date | None = None) -> dt.date | None:
    """An audit date from the command line or casecheck.toml: a date (``YYYY-MM-DD`` or
    ``DD/MM/YYYY``), ``today`` or ``last-month-end``. None stays None (the caller's default)."""
    if value is None or isinstance(value, dt.date):
        return value
    today = today or dt.date.today()
    word = value.strip().lower()
    if word == "today":
        return today
    if word in ("last-month-end", "last_month_end"):
        return last_month_end(today)
    parsed = parse_one_date(value)
    if parsed is None:
        raise UsageError(
            f"--as-at '{value[:60]}' is not a date: use YYYY-MM-DD, DD/MM/YYYY, today or last-month-end"
        )
    return parsed


def _uk(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
