"""Timescale rules: event B within an interval of event A ("an assessment is completed within
45 working days of its start"), one finding per A."""

from __future__ import annotations

import polars as pl

from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events, ref_filter
from casecheck.engine.findings import OTHERWISE, Detail, fmt_date
from casecheck.schema import TABLES


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    start, done = rule.start, rule.done
    assert start is not None and done is not None and rule.within is not None
    src = ctx.ds.table(start.table).lazy()
    cond = ref_filter(start) & (pl.col(start.date) <= as_at)
    if ctx.since:
        cond &= pl.col(start.date) >= ctx.since
    for col, values in rule.start_where:
        cond &= pl.col(col).is_in(list(values))
    src = src.filter(cond)
    keep = ["child_id", pl.col(start.date).alias("anchor")]
    carried = [c for c in ("episode_type", "team", "worker_id") if c in TABLES[start.table].column_names]
    keep += carried
    same_row = done.table == start.table and not done.where and not done.seen
    if same_row:
        keep.append(
            pl.when(pl.col(done.date) <= as_at).then(pl.col(done.date)).alias("done_date")
        )
    rows = src.select(keep).sort("child_id", "anchor").collect()
    if not same_row:
        ev = qualifying_events(ctx, (done,))
        rows = rows.join_asof(
            ev.rename({"date": "done_date"}),
            left_on="anchor",
            right_on="done_date",
            by="child_id",
            strategy="forward",
            check_sortedness=False,
        ).with_columns(
            done_date=pl.when(pl.col("done_date") <= as_at).then(pl.col("done_date"))
        )
    if "episode_type" not in carried:
        # team and worker from the child's latest episode that started on or before the anchor
        wanted = [c for c in ("episode_type", "team", "worker_id") if c not in carried]
        ep = (
            ctx.ds.table("episodes")
            .select("child_id", pl.col("start_date").alias("ep_start"), *wanted)
            .sort("ep_start")
        )
        rows = rows.join_asof(
            ep, left_on="anchor", right_on="ep_start", by="child_id", strategy="backward",
            check_sortedness=False,
        ).drop("ep_start")
    label = start.table.rstrip("s").replace("_", " ")
    rows = rows.with_columns(pl.col("episode_type").fill_null(pl.lit(label.replace(" ", "_"))))
    # the due date is worked out once per distinct anchor date (a few thousand, not millions)
    dues = rows.select(pl.col("anchor").unique()).with_columns(
        due_date=ctx.add(pl.col("anchor"), rule.within)
    )
    rows = rows.join(dues, on="anchor", how="left", maintain_order="left")
    if ctx.due_from:  # trend months: the cases that fell due in the month
        rows = rows.filter(pl.col("due_date").is_between(ctx.due_from, as_at))
    has = pl.col("done_date").is_not_null()
    status = (
        pl.when(has & (pl.col("done_date") <= pl.col("due_date"))).then(pl.lit("met"))
        .when(~has & (pl.col("due_date") >= as_at)).then(pl.lit("pending"))
        .otherwise(pl.lit("not_met"))
    )
    until = pl.when(has).then(pl.col("done_date")).otherwise(pl.lit(as_at))
    rows = rows.with_columns(status=status)
    if rule.unmatched == "exclude":
        # A start never followed by `done` may rightly need none (a strategy discussion that
        # led to no conference): it stays in scope only while it is not yet due.
        rows = rows.filter(has | (pl.col("due_date") >= as_at))
    rows = rows.with_columns(
        days_overdue=pl.when(pl.col("status") == "not_met")
        .then(cal.working_days_after_expr(pl.col("due_date"), until))
        .otherwise(0)
        .cast(pl.Int32),
        last_event_date=pl.col("done_date"),
    )
    a_txt, b_txt = start.describe(), done.describe()
    approx = " (hours counted as whole days)" if rule.within.approximate else ""
    detail = [
        (pl.col("status") == "met",
         pl.format(f"{b_txt.capitalize()} on {{}}, within {rule.within.describe()} of {a_txt} on {{}}{approx}.", fmt_date(pl.col("done_date")), fmt_date(pl.col("anchor")))),
        (pl.col("status") == "pending",
         pl.format(f"{a_txt.capitalize()} on {{}}; {b_txt} not yet done, due by {{}}.", fmt_date(pl.col("anchor")), fmt_date(pl.col("due_date")))),
        (has,
         pl.format(f"{b_txt.capitalize()} on {{}}, {{}} working days after the due date {{}}{approx}.", fmt_date(pl.col("done_date")), pl.col("days_overdue"), fmt_date(pl.col("due_date")))),
        (OTHERWISE,
         pl.format(f"{a_txt.capitalize()} on {{}}; no {b_txt} by the audit date; due by {{}}, {{}} working days overdue.", fmt_date(pl.col("anchor")), fmt_date(pl.col("due_date")), pl.col("days_overdue"))),
    ]
    return rows, detail
