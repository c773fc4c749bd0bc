"""Working days for England and the duration grammar used by every rule.

Durations
    ``10wd`` working days, ``7d`` calendar days, ``6w`` weeks (7 days each), ``3mo`` calendar
    months, ``1y`` years, ``48h`` hours. Case records hold dates without times, so an hour
    duration is rounded up to whole days (24h = 1d, 48h = 2d, 72h = 3d) and flagged approximate.

Working days
    Monday to Friday, except England's bank holidays (the ``holidays`` package, GB subdivision
    ENG, including one-off days such as coronations and state funerals) and any local closure
    days an authority lists (many close between Christmas and New Year).

Adding a duration to a date (the due-date rule)
    * ``date + Nwd`` is the N-th working day *after* ``date``. The date itself is day 0, whether
      or not it is a working day: an event on Saturday 19 April 2025 (Easter weekend) plus 1wd is
      due on Tuesday 22 April, the first working day after it. ``date + 0wd`` is the date itself.
    * Calendar durations (d, w, mo, y, h) are plain calendar arithmetic and are never moved off a
      weekend or holiday: the statutory timescales they come from count calendar time.
    * Months and years are end-of-month safe: 31 Jan + 1mo = 28 Feb (29 Feb in a leap year),
      29 Feb 2024 + 1y = 28 Feb 2025.
    * ``count_from="day1"`` (a profile option) treats the anchor as day 1 instead of day 0: the
      result is one day earlier, or for working days one working day earlier when the anchor is a
      working day (when it is not, day 1 is the next working day, which gives the day-0 answer).

Everything is available both as Polars expressions (vectorised over whole columns) and as scalar
helpers for explanations and tests; the scalar helpers run the same expressions.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

import holidays as _holidays
import polars as pl

from casecheck.errors import UsageError

UNITS = {
    "wd": "working days",
    "d": "days",
    "w": "weeks",
    "mo": "months",
    "y": "years",
    "h": "hours",
}
#: the longest duration accepted (100 years): date arithmetic beyond it overflows
MAX_DAYS = 36_525
_DURATION_RE = re.compile(r"^\s*(\d+)\s*(wd|mo|d|w|y|h)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time in one unit, parsed from text such as ``10wd`` or ``3mo``."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        """Parse ``10wd``, ``7d``, ``6w``, ``3mo``, ``1y`` or ``48h``."""
        if isinstance(text, Duration):
            return text
        m = _DURATION_RE.match(str(text))
        if not m:
            raise UsageError(
                f"'{text}' is not a duration: use a whole number and a unit, e.g. 10wd (working "
                "days), 7d (days), 6w (weeks), 3mo (months), 1y (years) or 48h (hours)"
            )
        out = cls(int(m.group(1)), m.group(2).lower())
        if out.approx_days > MAX_DAYS:
            raise UsageError(f"'{text}' is longer than 100 years: no standard's timescale is that long")
        return out

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        """Plain English, e.g. ``10 working days``."""
        name = UNITS[self.unit]
        if self.amount == 1:
            name = {"working days": "working day", "months": "month"}.get(name, name.rstrip("s"))
        return f"{self.amount} {name}"

    @property
    def approximate(self) -> bool:
        """True for hour durations, which date-only data can only check to the day."""
        return self.unit == "h"

    @property
    def calendar_days(self) -> int | None:
        """The fixed number of calendar days, or None for wd/mo/y."""
        if self.unit == "d":
            return self.amount
        if self.unit == "w":
            return 7 * self.amount
        if self.unit == "h":
            return math.ceil(self.amount / 24)
        return None

    @property
    def approx_days(self) -> float:
        """A rough length in calendar days, for ordering durations (strictest first)."""
        return {
            "wd": self.amount * 7 / 5,
            "mo": self.amount * 30.44,
            "y": self.amount * 365.25,
        }.get(self.unit, self.calendar_days or 0)


def parse_closure_days(items: Iterable[str | dt.date]) -> list[dt.date]:
    """Parse local closure days: ``"2025-12-29"`` or a range ``"2025-12-29..2025-12-31"``
    (years 1900 to 2100)."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise UsageError(
            "closure_days must be a list of dates or ranges in quotes, e.g. "
            '["2025-12-29..2025-12-31"]'
        )
    out: list[dt.date] = []
    for item in items:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            item = item.isoformat()
        if not isinstance(item, str):
            raise UsageError(f"closure day {item} is not a date in quotes (YYYY-MM-DD) or a range")
        text = item.strip()
        try:
            a, dots, b = (p.strip() for p in text.partition(".."))
            first = dt.date.fromisoformat(a)
            last = dt.date.fromisoformat(b) if dots else first
            if last < first or first.year < 1900 or last.year > 2100:
                raise ValueError
        except ValueError:
            raise UsageError(
                f"closure day '{text}' is not a date (YYYY-MM-DD) or a range "
                "(YYYY-MM-DD..YYYY-MM-DD) between 1900 and 2100"
            ) from None
        out.extend(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return sorted(set(out))


@cache
def _england_bank_holidays(first_year: int, last_year: int) -> tuple[tuple[dt.date, str], ...]:
    """England's bank holidays from ``first_year`` to ``last_year``, built once per process
    (about 30 ms each time: every audit makes a calendar)."""
    years = range(first_year, last_year + 1)
    return tuple(_holidays.country_holidays("GB", subdiv="ENG", years=years).items())


class WorkingCalendar:
    """England's working days (bank holidays from ``holidays``), plus local closure days."""

    def __init__(
        self,
        closure_days: Iterable[str | dt.date] = (),
        first_year: int = 1990,
        last_year: int = 2075,
    ) -> None:
        self.closure_days = parse_closure_days(closure_days)
        self.first_year = first_year
        self.last_year = last_year

    @cached_property
    def bank_holidays(self) -> dict[dt.date, str]:
        return dict(_england_bank_holidays(self.first_year, self.last_year))

    @cached_property
    def non_working_days(self) -> list[dt.date]:
        """Bank holidays and closure days (weekends are handled by the week mask)."""
        return sorted(set(self.bank_holidays) | set(self.closure_days))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in set(self.non_working_days)

    # -- vectorised -------------------------------------------------------------------------
    def add_expr(self, date: pl.Expr, duration: Duration | str, count_from: str = "day0") -> pl.Expr:
        """``date + duration`` as a Polars expression (see the module docstring for the rules)."""
        d = Duration.parse(duration)
        day1 = count_from == "day1"
        if d.unit == "wd":
            n = d.amount - 1 if day1 else d.amount
            if n <= 0 and not day1:
                return date
            if day1:
                # Day 1 is the anchor if it is a working day, else the next working day.
                rolled = date.dt.add_business_days(0, holidays=self.non_working_days, roll="forward")
                return rolled.dt.add_business_days(max(n, 0), holidays=self.non_working_days)
            # N-th working day after the date: step back to a working day, then forward N.
            return date.dt.add_business_days(n, holidays=self.non_working_days, roll="backward")
        if d.unit in ("mo", "y"):
            out = date.dt.offset_by(f"{d.amount}{d.unit}")
            return out.dt.offset_by("-1d") if day1 and d.amount else out
        days = d.calendar_days or 0
        if day1 and days:
            days -= 1
        return date + pl.duration(days=days)

    def working_days_after_expr(self, start: pl.Expr, end: pl.Expr) -> pl.Expr:
        """Working days in (start, end]; 0 when end <= start. E.g. days overdue at the audit date."""
        one = pl.duration(days=1)
        count = pl.business_day_count(start + one, end + one, holidays=self.non_working_days)
        return pl.when(end > start).then(count).otherwise(0).cast(pl.Int32)

    # -- scalar (same expressions, for explanations and tests) ------------------------------
    def add(self, day: dt.date, duration: Duration | str, count_from: str = "day0") -> dt.date:
        """``day + duration``, e.g. ``add(date(2025, 4, 17), "1wd") == date(2025, 4, 22)``."""
        frame = pl.DataFrame({"d": [day]}, schema={"d": pl.Date})
        return frame.select(self.add_expr(pl.col("d"), duration, count_from)).item()

    def working_days_after(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]."""
        frame = pl.DataFrame({"a": [start], "b": [end]}, schema={"a": pl.Date, "b": pl.Date})
        return frame.select(self.working_days_after_expr(pl.col("a"), pl.col("b"))).item()


_DEFAULT: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    """A shared England calendar with no local closure days."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = WorkingCalendar()
    return _DEFAULT
