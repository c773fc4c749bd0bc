"""The context one rule runs in: the dataset, the rule, the calendar, the audit date and period,
and the cache shared by the rules of one audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from casecheck.calendar import Duration, WorkingCalendar
from casecheck.dataset import Dataset
from casecheck.standards import Rule


@dataclass
class RuleContext:
    ds: Dataset
    rule: Rule
    cal: WorkingCalendar
    as_at: dt.date
    since: dt.date | None
    cache: dict = field(default_factory=dict)  # shared by the rules of one audit
    due_from: dt.date | None = None  # timescale: only cases due from this date (trend months)

    @property
    def period(self) -> bool:
        return self.since is not None

    def add(self, expr: pl.Expr, d: Duration | None) -> pl.Expr:
        assert d is not None
        return self.cal.add_expr(expr, d, self.rule.count_from)
