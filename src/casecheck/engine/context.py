"""The context one rule runs in: the dataset, the rule, the calendar, the audit date, the reporting
period and which question to ask, and the cache shared by the rules of one audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from casecheck.calendar import Duration, WorkingCalendar
from casecheck.dataset import Dataset
from casecheck.periods import Period, period_for
from casecheck.standards import Rule


@dataclass
class RuleContext:
    ds: Dataset
    rule: Rule
    cal: WorkingCalendar
    as_at: dt.date
    #: the reporting period (it ends at the audit date); default: the month of the audit date
    period: Period | None = None
    #: frequency, recency and presence rules: the audit-period question (every interval in the
    #: period) instead of the point-in-time one (in date at the audit date)
    over_period: bool = False
    cache: dict = field(default_factory=dict)  # shared by the rules of one audit (and a trend)

    def __post_init__(self) -> None:
        if self.period is None:
            self.period = period_for(self.as_at, "month")

    @property
    def start(self) -> dt.date | None:
        """The first day of the reporting period (None: the beginning of the extract)."""
        assert self.period is not None
        return self.period.start

    @property
    def window_start(self) -> dt.date | None:
        """From when a cohort row must be open to be checked: the period's start for the
        audit-period question (None: any time), the audit date for the point-in-time one."""
        return self.start if self.over_period else self.as_at

    def add(self, expr: pl.Expr, d: Duration | None) -> pl.Expr:
        assert d is not None
        return self.cal.add_expr(expr, d, self.rule.count_from)

    def cached(self, key: tuple, build):
        """``build()``, once per audit (and across the month ends of a trend) for ``key``."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]
