"""Presence rules: a document exists, optionally by a deadline from the anchor ("every child has
a genogram by the end of the assessment")."""

from __future__ import annotations

import polars as pl

from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.engine.findings import OTHERWISE, Detail, fmt_date
from casecheck.engine.frames import per_row


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    rows = cohort(ctx)
    events = qualifying_events(ctx, rule.events)
    what = rule.events[0].describe() if len(rule.events) == 1 else "document"
    first_last = [pl.col("date").min().alias("first_doc"), pl.col("date").max().alias("last_event_date")]
    if ctx.period:  # each row's window ends at its own episode end
        out = per_row(rows, events, pl.col("date") <= pl.col("end"), *first_last)
    else:  # every row ends at the audit date: one cached aggregate per child
        key = ("first_last", tuple(r.text for r in rule.events), as_at)
        if key not in ctx.cache:
            ctx.cache[key] = (
                events.lazy().filter(pl.col("date") <= as_at).group_by("child_id").agg(first_last).collect()
            )
        out = rows.join(ctx.cache[key], on="child_id", how="left")
    deadline = ctx.add(pl.col("anchor"), rule.within) if rule.within else pl.col("anchor")
    out = out.with_columns(due_date=deadline)
    has = pl.col("first_doc").is_not_null()
    if ctx.period and rule.within:
        on_time = has & (pl.col("first_doc") <= pl.col("due_date"))
        status = (
            pl.when(on_time).then(pl.lit("met"))
            .when(~has & (pl.col("due_date") >= pl.col("end"))).then(pl.lit("pending"))
            .otherwise(pl.lit("not_met"))
        )
        overdue_to = pl.when(has).then(pl.col("first_doc")).otherwise(pl.col("end"))
    else:
        pending = ~has & (pl.col("due_date") >= as_at) if rule.within else pl.lit(False)
        status = pl.when(has).then(pl.lit("met")).when(pending).then(pl.lit("pending")).otherwise(pl.lit("not_met"))
        overdue_to = pl.lit(as_at)
    out = out.with_columns(status=status).with_columns(
        days_overdue=pl.when(pl.col("status") == "not_met")
        .then(cal.working_days_after_expr(pl.col("due_date"), overdue_to))
        .otherwise(0)
        .cast(pl.Int32)
    )
    by = " (due by {})" if rule.within else ""
    args = [fmt_date(pl.col("due_date"))] if rule.within else []
    detail = [
        (pl.col("status") == "met",
         pl.format(f"{what.capitalize()} on file, first dated {{}}.", fmt_date(pl.col("first_doc")))),
        (pl.col("status") == "pending", pl.format(f"No {what} yet; due by {{}}.", fmt_date(pl.col("due_date")))),
        (has, pl.format(f"{what.capitalize()} first dated {{}}, after its deadline {{}}.", fmt_date(pl.col("first_doc")), fmt_date(pl.col("due_date")))),
        (OTHERWISE, pl.format(f"No {what} on file{by}.", *args)),
    ]
    return out, detail
