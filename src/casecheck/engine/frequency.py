"""Frequency rules: qualifying events must follow the anchor and each other within an interval
(optionally phased, or longer once a placement is permanent), and the last must still be in date
at the audit date ("a child on a CP plan is seen at least every 10 working days")."""

from __future__ import annotations

import polars as pl

from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.engine.findings import Detail
from casecheck.engine.schedules import verdicts_at, verdicts_over_period


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    """One finding per cohort row: the point-in-time question, or the audit-period one."""
    rows = cohort(ctx)
    events = qualifying_events(ctx, ctx.rule.events)
    if not ctx.period:
        return verdicts_at(ctx, rows, events)
    return verdicts_over_period(ctx, rows, events)
