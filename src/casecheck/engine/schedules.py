"""Schedules: when the events of a frequency or recency rule fall due, and the verdicts on them.

Due dates
    The first event is due ``first`` (default ``interval``) after the anchor. Each later one is
    due a step after the event before: the first phase whose bound still holds, else
    ``interval``; ``permanent_interval`` once the placement is permanent. A requirement is never
    due before the first due date: a new episode always has its first period, whatever happened
    before it. A requirement falling due while an excluding episode was open waits until that
    episode ended.

Verdicts (both questions)
    ``met``: the last counted event is in date at the row's end (the audit date, or the day the
    episode closed); ``pending``: nothing is late, but nothing is in date either, because the
    first period has not run out; ``not_met``: a requirement fell due and was missed while the
    episode was open. A closed row whose next requirement fell due on or after its end left the
    rule's scope (:data:`~casecheck.engine.findings.LEFT`): it is counted, not judged.

The kinds differ in which events count: frequency rules count events from the anchor, recency
rules also the latest before it (an up-to-date document carries over). ``carry_prior`` says so.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from casecheck.calendar import Duration
from casecheck.engine.context import RuleContext
from casecheck.engine.events import latest_event, qualifying_events
from casecheck.engine.findings import LEFT
from casecheck.engine.frames import per_row
from casecheck.standards import Phase, Rule

# ---------------------------------------------------------------------------------------------
# Due dates and the words for the interval applied
# ---------------------------------------------------------------------------------------------
Branch = Callable[[Duration, bool, Phase | None], pl.Expr]


def _by_schedule(ctx: RuleContext, prev: pl.Expr, k: pl.Expr, branch: Branch) -> pl.Expr:
    """``branch(interval, permanent, phase)`` for the step that applies after an event on
    ``prev``, the ``k``-th qualifying event (phases first, then the rule's own interval)."""
    rule = ctx.rule
    perm_ok = pl.col("perm").is_not_null() & (pl.col("perm") <= prev)

    def one(interval: Duration, permanent: Duration | None, phase: Phase | None) -> pl.Expr:
        base = branch(interval, False, phase)
        if permanent is None:
            return base
        return pl.when(perm_ok).then(branch(permanent, True, phase)).otherwise(base)

    expr = one(rule.interval, rule.permanent_interval, None)  # type: ignore[arg-type]
    for phase in reversed(rule.phases):
        expr = pl.when(phase_holds(ctx, phase, prev, k)).then(
            one(phase.interval, phase.permanent_interval, phase)
        ).otherwise(expr)
    return expr


def phase_holds(ctx: RuleContext, phase: Phase, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    """Whether ``phase`` applies to the step after an event on ``prev`` (the ``k``-th).

    A phase bounded in time (``until``, ``until_age``, ``until_event``) applies while the step
    it would give ends within it: ``prev + interval <= bound``. "Weekly for the first four weeks,
    then every six weeks": a visit on day 25 would put the next weekly visit past the end of week
    four, so the next is due in six weeks. A child with no date of birth is held to an age phase
    (the younger schedule); a phase until an event that has not happened yet holds."""
    if phase.count is not None:
        return k <= phase.count
    step = ctx.add(prev, phase.interval)
    if phase.until is not None:
        return step <= ctx.add(pl.col("anchor"), phase.until)
    if phase.until_age is not None:
        limit = pl.col("dob").dt.offset_by(f"{phase.until_age}y")
        return pl.col("dob").is_null() | (step <= limit)
    bound = pl.col(bound_column(ctx, phase))
    return bound.is_null() | (step <= bound)


def bound_column(ctx: RuleContext, phase: Phase) -> str:
    """The column holding a phase's event bound (the first such event on or after the anchor)."""
    return f"_until_{ctx.rule.phases.index(phase)}"


def with_phase_bounds(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with a column per ``until_event`` phase: the first such event from the anchor to
    the row's end (null: none yet)."""
    for phase in ctx.rule.phases:
        if phase.until_event is None:
            continue
        events = qualifying_events(ctx, (phase.until_event,))
        in_row = (pl.col("date") >= pl.col("anchor")) & (pl.col("date") <= pl.col("end"))
        rows = per_row(rows, events, in_row, pl.col("date").min().alias(bound_column(ctx, phase)))
    return rows


def step_due(ctx: RuleContext, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    """Due date of the next event after an event on ``prev``, the ``k``-th qualifying event."""
    return _by_schedule(ctx, prev, k, lambda d, _perm, _phase: ctx.add(prev, d))


def step_words(ctx: RuleContext, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    """The interval that step applies, in words: ``every 2 months until age 20``."""
    rule = ctx.rule

    def branch(d: Duration, permanent: bool, phase: Phase | None) -> pl.Expr:
        text = interval_words(rule, d, permanent, phase)
        if phase is not None and phase.until_age is not None:
            unknown = (f"{every(d)}: the under-{phase.until_age} schedule, as the date of birth "
                       "is not recorded")
            return pl.when(pl.col("dob").is_null()).then(pl.lit(unknown)).otherwise(pl.lit(text))
        return pl.lit(text)

    return _by_schedule(ctx, prev, k, branch)


def every(d: Duration) -> str:
    """``every 10 working days``, ``every week``, ``every 3 months``."""
    if d.amount == 1 and d.unit in ("d", "w", "mo", "y"):
        return f"every {d.describe().removeprefix('1 ')}"
    return f"every {d.describe()}"


def interval_words(rule: Rule, d: Duration, permanent: bool = False, phase: Phase | None = None) -> str:
    """One step of a schedule in words, from the rule's parameters: ``every week in the first 4
    weeks of the placement``, ``every 2 months until age 20``, ``3 months after the first child
    in care review``, ``every 3 months once the placement is permanent``."""
    if permanent:
        return f"{every(d)} once the placement is permanent"
    anchor = "placement" if rule.anchor == "placement" else "episode"
    what = " or ".join(e.describe() for e in rule.events)
    if phase is not None:
        if phase.until is not None:
            return f"{every(d)} in the first {_span(phase.until)} of the {anchor}"
        if phase.until_age is not None:
            return f"{every(d)} until age {phase.until_age}"
        if phase.until_event is not None:
            return f"{every(d)} until the first {phase.until_event.describe()}"
        if phase.count == 1:
            return f"{d.describe()} after the first {what}"
        return f"{every(d)} after each of the first {phase.count} ({what})"
    if any(p.until_age is not None for p in rule.phases):
        return f"{every(d)} from age {max(p.until_age or 0 for p in rule.phases)}"
    events = [p.until_event for p in rule.phases if p.until_event is not None]
    if events:
        return f"{every(d)} after the first {events[-1].describe()}"
    untils = [p.until for p in rule.phases if p.until is not None]
    if untils:
        return f"{every(d)} after the first {_span(max(untils, key=lambda u: u.approx_days))} of the {anchor}"
    counts = [p.count for p in rule.phases if p.count]
    if counts:
        return f"{every(d)} from the {_ordinal(max(counts) + 1)} {what}"
    return every(d)


def _span(d: Duration) -> str:
    """``4 weeks``, ``year`` (for "the first year")."""
    return d.describe().removeprefix("1 ") if d.amount == 1 else d.describe()


def _ordinal(n: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    return words[n - 1] if 1 <= n <= len(words) else f"{n}th"


def first_due(ctx: RuleContext) -> pl.Expr:
    """When the first qualifying event is due: ``first`` (default ``interval``) after the anchor."""
    return ctx.add(pl.col("anchor"), ctx.rule.first or ctx.rule.interval)


def first_words(ctx: RuleContext) -> str:
    d = ctx.rule.first or ctx.rule.interval
    assert d is not None
    return "on the day" if d.amount == 0 else f"within {d.describe()}"


def excused(due: pl.Expr) -> pl.Expr:
    """A due date that fell while an excluding episode was open moves to the day it ended."""
    during = pl.col("excl_start").is_not_null() & (due >= pl.col("excl_start")) & (due < pl.col("excl_end"))
    return pl.when(during).then(pl.col("excl_end")).otherwise(due)


# ---------------------------------------------------------------------------------------------
# The point-in-time question
# ---------------------------------------------------------------------------------------------
def point_in_time(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame, carry_prior: bool) -> pl.DataFrame:
    """In date at the audit date? One cached aggregate per event list, no per-event work.

    Adds last_event_date, due_date (the next due date: overdue since it when not met), status,
    days_overdue, in_date_until (when the last event goes out of date) and applied (the
    interval, in words).
    """
    as_at, cal = ctx.as_at, ctx.cal
    out = latest_event(ctx, with_phase_bounds(ctx, rows))
    since_anchor = pl.col("latest").is_not_null() & (pl.col("latest") >= pl.col("anchor"))
    if any(p.count is not None for p in ctx.rule.phases):
        out = _count_since_anchor(out, events)
    else:
        out = out.with_columns(n=pl.when(since_anchor).then(1).otherwise(0).cast(pl.Int32))
    last = pl.col("latest") if carry_prior else pl.when(since_anchor).then(pl.col("latest"))
    out = out.with_columns(last_event_date=last)
    last = pl.col("last_event_date")
    has = last.is_not_null()
    # each date worked out once (adding working days is the costly part)
    out = out.with_columns(_first=first_due(ctx), in_date_until=pl.when(has).then(step_due(ctx, last, pl.col("n"))))
    out = out.with_columns(
        due_date=excused(pl.max_horizontal("_first", "in_date_until")),
        applied=pl.when(has).then(step_words(ctx, last, pl.col("n"))).otherwise(pl.lit(first_words(ctx))),
    ).drop("_first")
    status = (
        pl.when(pl.col("due_date") < as_at).then(pl.lit("not_met"))
        .when(pl.col("in_date_until") >= as_at).then(pl.lit("met"))
        .otherwise(pl.lit("pending"))
    )
    return out.with_columns(status=status).with_columns(
        days_overdue=pl.when(pl.col("status") == "not_met")
        .then(cal.working_days_after_expr(pl.col("due_date"), pl.lit(as_at)))
        .otherwise(0)
        .cast(pl.Int32)
    )


def _count_since_anchor(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add ``n``: qualifying events from the anchor to the window end (for count phases)."""
    in_window = (pl.col("date") >= pl.col("anchor")) & (pl.col("date") <= pl.col("end"))
    counted = per_row(rows, events, in_window, pl.len().cast(pl.Int32).alias("n"))
    return counted.with_columns(pl.col("n").fill_null(0))


# ---------------------------------------------------------------------------------------------
# The audit-period question
# ---------------------------------------------------------------------------------------------
def gaps(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame, carry_prior: bool = False) -> pl.DataFrame:
    """Every interval of a frequency/recency rule: anchor -> event -> ... -> window end.

    One row per (key, k): ``k`` = 1..n for the gap ending at the k-th event, and ``k = n + 1`` for
    the open gap from the last event to the window end (``final``). Only events from the anchor
    to the row's end count (an event after an episode closed is not this episode's). Columns:
    start, stop, due, late (stop after due; for the open gap, due before the window end) and, for
    the open gap, in_date_until (when its event goes out of date). With ``carry_prior`` (recency),
    the latest event before the anchor sets the first due date when it is later.
    """
    rows = with_phase_bounds(ctx, rows)
    if carry_prior:
        rows = per_row(rows, events, pl.col("date") < pl.col("anchor"), pl.col("date").max().alias("prior"))
    else:
        rows = rows.with_columns(prior=pl.lit(None, dtype=pl.Date))
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
    steps = ev.with_columns(final=pl.lit(False)).select("key", "date", "k", "final")
    # For event k the gap starts at event k-1; for the open gap it starts at the last event.
    g = pl.concat([steps, finals], how="vertical_relaxed").sort("key", "k")
    g = g.with_columns(
        start=pl.when(pl.col("final")).then(pl.col("date")).otherwise(pl.col("date").shift(1).over("key")),
    ).join(rows.lazy(), on="key", how="left")
    first = pl.col("k") == 1
    prev_k = pl.col("k") - 1
    # the event the gap runs from: the one before (for the first gap, the prior event, if any)
    run_from = pl.when(first).then(pl.col("prior")).otherwise(pl.col("start"))
    stop = pl.when(pl.col("final")).then(pl.col("end")).otherwise(pl.col("date"))
    # each date worked out once: the step after the event the gap runs from, the first due date
    g = g.with_columns(_step=step_due(ctx, run_from, prev_k), _first=first_due(ctx))
    g = g.with_columns(
        start=pl.when(first).then(pl.col("anchor")).otherwise(pl.col("start")),
        stop=stop,
        due=excused(pl.max_horizontal("_first", "_step")),
        in_date_until=pl.when(pl.col("final")).then(pl.col("_step")),
        applied=pl.when(run_from.is_not_null()).then(step_words(ctx, run_from, prev_k)).otherwise(pl.lit(first_words(ctx))),
    ).with_columns(
        late=pl.when(pl.col("final"))
        .then(pl.col("due") < pl.col("end"))
        .otherwise(pl.col("stop") > pl.col("due")),
    )
    return g.select("key", "k", "final", "start", "stop", "due", "late", "in_date_until", "applied").collect()


def over_period(ctx: RuleContext, rows: pl.DataFrame, events: pl.DataFrame, carry_prior: bool) -> pl.DataFrame:
    """Was every interval in the reporting period within the limit?

    Adds last_event_date, status (or LEFT), due_date (the worst late interval's, else the next),
    days_overdue (the worst lateness, to the event or the row's end), n_late, longest gap
    (longest, gap_from, gap_to), in_date_until and applied.
    """
    cal = ctx.cal
    g = gaps(ctx, rows, events, carry_prior)
    final = g.filter(pl.col("final")).select(
        "key", pl.col("k").alias("n_plus_1"), pl.col("start").alias("last_or_anchor"), "due",
        "in_date_until", "applied",
    )
    # the gaps that end in the period, and the open gap to the window end
    in_period = g.filter(pl.col("final") | (pl.lit(True) if ctx.start is None else pl.col("stop") >= ctx.start))
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
    if carry_prior:  # the latest event whenever it was (it may predate the anchor)
        out = per_row(out, events, pl.col("date") <= pl.col("end"), pl.col("date").max().alias("last_event_date"))
    else:
        out = out.with_columns(last_event_date=pl.when(pl.col("n_plus_1") > 1).then(pl.col("last_or_anchor")))
    status = (
        pl.when(pl.col("any_late")).then(pl.lit("not_met"))
        .when(pl.col("in_date_until") >= pl.col("end")).then(pl.lit("met"))
        .when(pl.col("closed_date").is_not_null()).then(pl.lit(LEFT))
        .otherwise(pl.lit("pending"))
    )
    return out.with_columns(
        status=status,
        due_date=pl.when(pl.col("any_late")).then(pl.col("worst_due")).otherwise(pl.col("due")),
        days_overdue=pl.col("worst_lateness").cast(pl.Int32),
    )
