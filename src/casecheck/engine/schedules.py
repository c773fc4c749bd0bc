"""Schedules: the due dates of frequency and recency rules (first, phased, permanent) and the
intervals between an anchor, its events and the window end."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from casecheck.calendar import Duration
from casecheck.engine.context import RuleContext
from casecheck.engine.events import latest_event
from casecheck.engine.findings import OTHERWISE, Detail, fmt_date
from casecheck.engine.frames import per_row
from casecheck.standards import Phase


def step_due(ctx: RuleContext, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    """Due date of the next event after an event on ``prev``, the ``k``-th qualifying event."""
    rule = ctx.rule
    perm_ok = pl.col("perm").is_not_null() & (pl.col("perm") <= prev)

    def due_for(interval: Duration, permanent: Duration | None) -> pl.Expr:
        base = ctx.add(prev, interval)
        if permanent is None:
            return base
        return pl.when(perm_ok).then(ctx.add(prev, permanent)).otherwise(base)

    expr = due_for(rule.interval, rule.permanent_interval)  # type: ignore[arg-type]
    for phase in reversed(rule.phases):
        expr = pl.when(phase_holds(ctx, phase, prev, k)).then(
            due_for(phase.interval, phase.permanent_interval)
        ).otherwise(expr)
    return expr


def phase_holds(ctx: RuleContext, phase: Phase, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    if phase.until is not None:
        return prev < ctx.add(pl.col("anchor"), phase.until)
    if phase.until_age is not None:
        limit = pl.col("dob").dt.offset_by(f"{phase.until_age}y")
        return pl.col("dob").is_null() | (prev < limit)
    return k <= (phase.count or 0)


def first_due(ctx: RuleContext) -> pl.Expr:
    """When the first qualifying event is due (recency: no earlier than the prior event's due)."""
    rule = ctx.rule
    due = ctx.add(pl.col("anchor"), rule.first or rule.interval)
    if rule.kind == "recency":
        prior_due = ctx.add(pl.col("prior"), rule.interval)
        due = pl.when(pl.col("prior").is_not_null()).then(pl.max_horizontal(due, prior_due)).otherwise(due)
    return due


def with_prior(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Recency rules: the latest event before the anchor (an up-to-date document carries over)."""
    if ctx.rule.kind != "recency":
        return rows.with_columns(prior=pl.lit(None, dtype=pl.Date))
    return per_row(rows, events, pl.col("date") < pl.col("anchor"), pl.col("date").max().alias("prior"))



def gaps(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Every interval of a frequency/recency rule: anchor -> event -> ... -> window end.

    One row per (key, k): ``k`` = 1..n for the gap ending at the k-th event, and ``k = n + 1`` for
    the open gap from the last event to the window end (``final``). Columns: start, stop, due,
    late (stop after due; for the open gap, due before the window end).
    """
    rows = with_prior(ctx, rows, events)
    ev = (
        rows.lazy()
        .select("key", "child_id", "anchor", "end")
        .join(events.lazy(), on="child_id")
        .filter((pl.col("date") >= pl.col("anchor")) & (pl.col("date") <= pl.col("end")))
        .select("key", "date")
        .sort("key", "date")
        .with_columns(k=pl.int_range(1, pl.len() + 1).over("key").cast(pl.Int32))
    )
    counts = ev.group_by("key").agg(pl.len().cast(pl.Int32).alias("n"), pl.col("date").max().alias("last"))
    finals = (
        rows.lazy()
        .select("key")
        .join(counts, on="key", how="left")
        .select(
            "key",
            pl.col("last").alias("date"),
            (pl.col("n").fill_null(0) + 1).alias("k"),
            pl.lit(True).alias("final"),
        )
    )
    steps = (
        ev.with_columns(final=pl.lit(False))
        .with_columns(date=pl.col("date"))
        .select("key", "date", "k", "final")
    )
    # For event k the gap starts at event k-1; for the open gap it starts at the last event.
    g = pl.concat([steps, finals], how="vertical_relaxed").sort("key", "k")
    g = g.with_columns(
        start=pl.when(pl.col("final")).then(pl.col("date")).otherwise(pl.col("date").shift(1).over("key")),
    ).join(rows.lazy(), on="key", how="left")
    first = pl.col("k") == 1
    prev_k = pl.col("k") - 1
    due = pl.when(first).then(first_due(ctx)).otherwise(step_due(ctx, pl.col("start"), prev_k))
    stop = pl.when(pl.col("final")).then(pl.col("end")).otherwise(pl.col("date"))
    g = g.with_columns(
        start=pl.when(first).then(pl.col("anchor")).otherwise(pl.col("start")),
        stop=stop,
        due=due,
    ).with_columns(
        late=pl.when(pl.col("final"))
        .then(pl.col("due") < pl.col("end"))
        .otherwise(pl.col("stop") > pl.col("due")),
    )
    return g.select("key", "k", "final", "start", "stop", "due", "late").collect()


def count_since_anchor(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add ``n``: qualifying events from the anchor to the window end (for count phases)."""
    in_window = (pl.col("date") >= pl.col("anchor")) & (pl.col("date") <= pl.col("end"))
    counted = per_row(rows, events, in_window, pl.len().cast(pl.Int32).alias("n"))
    return counted.with_columns(pl.col("n").fill_null(0))


def point_in_time(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The point-in-time question: one as-of join, no per-event work.

    Due date: after the latest event since the anchor, the schedule's next step; with none yet,
    the first due date (for recency, no earlier than the latest event before the anchor allows).
    """
    rule = ctx.rule
    out = latest_event(ctx, rows)
    since_anchor = pl.col("latest").is_not_null() & (pl.col("latest") >= pl.col("anchor"))
    if any(p.count is not None for p in rule.phases):
        out = count_since_anchor(out, events)
    else:
        out = out.with_columns(n=pl.when(since_anchor).then(1).otherwise(0).cast(pl.Int32))
    out = out.with_columns(prior=pl.when(~since_anchor).then(pl.col("latest")))
    due = pl.when(since_anchor).then(step_due(ctx, pl.col("latest"), pl.col("n"))).otherwise(first_due(ctx))
    last = pl.col("latest") if rule.kind == "recency" else pl.when(since_anchor).then(pl.col("latest"))
    return out.with_columns(due=due, last_event_date=last)


def verdicts_at(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame) -> tuple[pl.DataFrame, Detail]:
    """The point-in-time question for a frequency or recency rule: in date at the audit date?"""
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    what = rule.events[0].describe() if len(rule.events) == 1 else "qualifying event"
    every = f"every {rule.interval.describe()}" if rule.interval else ""
    out = point_in_time(ctx, rows, events)
    status = (
        pl.when(pl.col("due") >= as_at)
        .then(pl.when(pl.col("last_event_date").is_not_null()).then(pl.lit("met")).otherwise(pl.lit("pending")))
        .otherwise(pl.lit("not_met"))
    )
    out = out.with_columns(status=status, due_date=pl.col("due"))
    out = out.with_columns(days_overdue=cal.working_days_after_expr(pl.col("due_date"), pl.lit(as_at)))
    last_txt = pl.format(f"last {what} {{}}", fmt_date(pl.col("last_event_date")))
    none_txt = pl.lit(f"no {what} yet")
    head = pl.when(pl.col("last_event_date").is_not_null()).then(last_txt).otherwise(none_txt)
    detail = [
        (pl.col("status") == "not_met",
         pl.format("Point in time: {}; due by {}, {} working days overdue ({}).", head, fmt_date(pl.col("due_date")), pl.col("days_overdue"), pl.lit(every))),
        (pl.col("status") == "pending",
         pl.format("Point in time: {}; first due by {}.", head, fmt_date(pl.col("due_date")))),
        (OTHERWISE, pl.format("Point in time: {}; next due by {} ({}).", head, fmt_date(pl.col("due_date")), pl.lit(every))),
    ]
    return out, detail


def verdicts_over_period(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame,
                         last: Callable[[RuleContext, pl.DataFrame, pl.DataFrame], pl.DataFrame] | None = None,
                         ) -> tuple[pl.DataFrame, Detail]:
    """The audit-period question for a frequency or recency rule: was every interval in the
    period within the limit? ``last`` replaces the last event date (recency: whenever it was)."""
    rule, cal = ctx.rule, ctx.cal
    every = f"every {rule.interval.describe()}" if rule.interval else ""
    g = gaps(ctx, rows, events)
    final = g.filter(pl.col("final")).select(
        "key", pl.col("k").alias("n_plus_1"), pl.col("start").alias("last_or_anchor"), "due"
    )
    n = pl.col("n_plus_1") - 1
    # Audit period: gaps that end in the period, plus the open gap to the window end.
    since = ctx.since
    assert since is not None
    in_period = g.filter((pl.col("stop") >= since) | pl.col("final"))
    in_period = in_period.with_columns(
        lateness=pl.when(pl.col("late"))
        .then(cal.working_days_after_expr(pl.col("due"), pl.col("stop")))
        .otherwise(0),
        length=(pl.col("stop") - pl.col("start")).dt.total_days().cast(pl.Int32),
    )
    agg = (
        in_period.sort("key", "lateness", "k", descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("late").any().alias("any_late"),
            pl.col("late").sum().cast(pl.Int32).alias("n_late"),
            pl.col("due").first().alias("worst_due"),
            pl.col("lateness").first().alias("worst_lateness"),
            pl.col("length").max().alias("longest"),
        )
    )
    longest = (
        in_period.sort("key", "length", "k", descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(pl.col("start").first().alias("gap_from"), pl.col("stop").first().alias("gap_to"))
    )
    out = rows.join(final, on="key").join(agg, on="key").join(longest, on="key")
    out = out.with_columns(last_event_date=pl.when(n > 0).then(pl.col("last_or_anchor")))
    if last is not None:
        out = last(ctx, out, events)
    status = (
        pl.when(pl.col("any_late"))
        .then(pl.lit("not_met"))
        .when(pl.col("last_event_date").is_null())
        .then(pl.lit("pending"))
        .otherwise(pl.lit("met"))
    )
    out = out.with_columns(
        status=status,
        due_date=pl.when(pl.col("any_late")).then(pl.col("worst_due")).otherwise(pl.col("due")),
        days_overdue=pl.col("worst_lateness").cast(pl.Int32),
    )
    detail = pl.format(
        "Audit period from {}: {} late interval(s); longest gap {} days ({} to {}); {}.",
        pl.lit(since.isoformat()),
        pl.col("n_late"),
        pl.col("longest"),
        fmt_date(pl.col("gap_from")),
        fmt_date(pl.col("gap_to")),
        pl.lit(every),
    )
    return out, [(OTHERWISE, detail)]

