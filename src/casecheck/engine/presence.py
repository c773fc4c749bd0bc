"""Presence rules: a document is on file, optionally by a deadline from the anchor ("every child
has a genogram by the end of the assessment").

Point in time: any such document on or before the audit date counts, whenever it was made (a
genogram from an earlier episode is on file). Audit period: the first document must be dated by
the deadline, and only documents up to the row's end count. Without a deadline a missing
document is not met at once; with one it is pending until the deadline, and an episode that
closed before its deadline leaves the rule's scope.
"""

from __future__ import annotations

import polars as pl

from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.engine.findings import LEFT
from casecheck.engine.frames import per_row
from casecheck.engine.schedules import excused
from casecheck.engine.sentences import (
    OTHERWISE,
    Detail,
    capitalised,
    closed_note,
    fmt_date,
    started,
    working_days,
)


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    rule, cal = ctx.rule, ctx.cal
    out = _documents(ctx, cohort(ctx))
    deadline = excused(ctx.add(pl.col("anchor"), rule.within)) if rule.within else pl.col("anchor")
    out = out.with_columns(due_date=deadline)
    has, end = pl.col("first_doc").is_not_null(), pl.col("end")
    late = has & (pl.col("first_doc") > pl.col("due_date")) if ctx.over_period and rule.within else pl.lit(False)
    status = pl.when(has & ~late).then(pl.lit("met")).when(has).then(pl.lit("not_met"))
    if rule.within:
        not_yet_due = pl.col("due_date") >= end
        status = status.when(not_yet_due & pl.col("closed_date").is_not_null()).then(pl.lit(LEFT))
        status = status.when(not_yet_due).then(pl.lit("pending"))
    out = out.with_columns(status=status.otherwise(pl.lit("not_met")))
    overdue_to = pl.when(has).then(pl.min_horizontal("first_doc", "end")).otherwise(end)
    out = out.with_columns(
        days_overdue=pl.when(pl.col("status") == "not_met")
        .then(cal.working_days_after_expr(pl.col("due_date"), overdue_to))
        .otherwise(0)
        .cast(pl.Int32)
    )
    return out, _detail(ctx)


def _documents(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """Add first_doc and last_event_date: each row's first and latest document."""
    rule, as_at = ctx.rule, ctx.as_at
    events = qualifying_events(ctx, rule.events)
    first_last = [pl.col("date").min().alias("first_doc"), pl.col("date").max().alias("last_event_date")]
    if ctx.over_period:  # each row's window ends at its own end
        return per_row(rows, events, pl.col("date") <= pl.col("end"), *first_last)
    # every row ends at the audit date: one cached aggregate per child
    per_child = ctx.cached(
        ("first_last", tuple(r.text for r in rule.events), as_at),
        lambda: events.lazy().filter(pl.col("date") <= as_at).group_by("child_id").agg(first_last).collect(),
    )
    return rows.join(per_child, on="child_id", how="left")


def _detail(ctx: RuleContext) -> Detail:
    rule = ctx.rule
    what = " or ".join(e.describe() for e in rule.events)
    first, due = fmt_date(pl.col("first_doc")), fmt_date(pl.col("due_date"))
    has = pl.col("first_doc").is_not_null()
    closed = closed_note(rule)
    if not rule.within:
        return [
            (pl.col("status") == "met", pl.format(f"{capitalised(what)} on file, first dated {{}}.", first)),
            (OTHERWISE, pl.format(f"No {what} on file.{{}}", closed)),
        ]
    by = "the day of {}" if rule.within.amount == 0 else f"within {rule.within.describe()} of {{}}"
    return [
        (pl.col("status") == "met", pl.format(f"{capitalised(what)} on file, first dated {{}}.", first)),
        (pl.col("status") == "pending", pl.format(f"No {what} yet; due by {{}} ({by}).", due, started(rule))),
        (has, pl.format(f"{capitalised(what)} first dated {{}}, {{}} after it was due on {{}}.{{}}", first,
                        working_days(pl.col("days_overdue")), due, closed)),
        (OTHERWISE, pl.format(f"No {what} on file; due by {{}} ({by}): {{}} overdue.{{}}", due, started(rule),
                              working_days(pl.col("days_overdue")), closed)),
    ]
