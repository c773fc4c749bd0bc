"""Recency rules: the latest event of a type is no older than an interval ("the chronology is
updated at least monthly"). An up-to-date event from before the anchor carries over."""

from __future__ import annotations

import polars as pl

from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.engine.findings import Detail
from casecheck.engine.frames import per_row
from casecheck.engine.schedules import verdicts_at, verdicts_over_period


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    """One finding per cohort row: the point-in-time question, or the audit-period one."""
    rows = cohort(ctx)
    events = qualifying_events(ctx, ctx.rule.events)
    if not ctx.period:
        return verdicts_at(ctx, rows, events)
    return verdicts_over_period(ctx, rows, events, last=latest_whenever)


def latest_whenever(ctx: RuleContext, out: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Recency rules report the latest event whenever it happened (it may predate the anchor)."""
    latest = per_row(out, events, pl.col("date") <= pl.col("end"), pl.col("date").max().alias("latest"))
    return latest.with_columns(last_event_date=pl.col("latest")).drop("latest")
