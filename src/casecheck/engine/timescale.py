"""Timescale rules: event B within an interval of event A ("an assessment is completed within
45 working days of its start"), one finding per A.

Closure
    A requirement belongs to the child's period of involvement open at its start: the child's
    episodes of any type that overlap or follow on (:func:`casecheck.overlaps.involvement_periods`).
    For a start that is itself an episode (``episode:s47``, ``episodes.start_date``), the period it
    opens or belongs to; for a referral, an assessment, a meeting, a visit or a return from
    missing, the period open that day. A child in need episode that becomes a child protection
    plan, or a child who comes into care, is still open: the family network meeting or the
    assessment is still owed. A child whose case closed and who is referred again later starts a
    new period: nothing from it counts for the old one. When that period closed by the audit date:

    * an event in another table dated after the closure does not count (it belongs to the episode
      open at the time, if any); B read from A's own row (an assessment's completion date) always
      belongs to A;
    * a requirement due on or after the closure date left the rule's scope unless met on time
      (counted in the summary note, not judged);
    * ``days_overdue`` counts to B, or to the closure, never past it.

    A start with no open episode (a referral for a child not yet known) has no closure.

The reporting period
    A finding is counted once, in the period in which it was decided: the day B was done on time
    (``met``), or the day the requirement fell overdue, the day after its due date (``not_met``,
    whether B was done late later or not at all; with ``unmatched = "exclude"``, where a start may
    rightly need no B, the day B was done late). So a month's figures add up to the year's. A
    requirement still open and not yet due at the audit date is ``pending`` in every period that
    ends while it is so (not in % met). ``--period all`` counts everything up to the audit date.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck import words
from casecheck.engine.cohorts import cases, episodes
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events, ref_filter
from casecheck.engine.findings import LEFT
from casecheck.engine.sentences import OTHERWISE, Detail, capitalised, fmt_date, working_days
from casecheck.schema import TABLES

CARRIED = ("episode_type", "team", "worker_id")


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    rule, as_at = ctx.rule, ctx.as_at
    assert rule.within is not None
    rows = _with_done(ctx, _starts(ctx))
    # the due date is worked out once per distinct anchor date (a few thousand, not millions)
    dues = rows.select(pl.col("anchor").unique()).with_columns(due_date=ctx.add(pl.col("anchor"), rule.within))
    rows = rows.join(dues, on="anchor", how="left", maintain_order="left")
    if ctx.start is not None:  # what cannot have been decided in the period, nor be pending
        rows = rows.filter((pl.col("done_date") >= ctx.start) | (pl.col("due_date") >= _day_before(ctx.start)))
    rows = _with_closure(ctx, rows)
    has = pl.col("done_date").is_not_null()
    stop = pl.coalesce("closed_date", pl.lit(as_at))
    status = (
        pl.when(has & (pl.col("done_date") <= pl.col("due_date"))).then(pl.lit("met"))
        .when(pl.col("closed_date").is_not_null() & (pl.col("due_date") >= pl.col("closed_date"))).then(pl.lit(LEFT))
        .when(has).then(pl.lit("not_met"))
        .when(pl.col("due_date") >= as_at).then(pl.lit("pending"))
        .otherwise(pl.lit("not_met"))
    )
    rows = rows.with_columns(status=status)
    if rule.unmatched == "exclude":
        # A start never followed by `done` may rightly need none (a strategy discussion that
        # led to no conference): it stays in scope only while it is not yet due.
        rows = rows.filter(has | (pl.col("due_date") >= stop))
    if ctx.start is not None:
        rows = rows.filter(_decided_in(ctx.start, late_when_done=rule.unmatched == "exclude"))
    rows = _with_team(ctx, rows)
    until = pl.when(has).then(pl.min_horizontal("done_date", stop)).otherwise(stop)
    rows = rows.with_columns(
        days_overdue=pl.when(pl.col("status") == "not_met")
        .then(ctx.cal.working_days_after_expr(pl.col("due_date"), until))
        .otherwise(0)
        .cast(pl.Int32),
        last_event_date=pl.col("done_date"),
    )
    return rows, _detail(ctx)


def _day_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


def _decided_in(start: dt.date, late_when_done: bool = False) -> pl.Expr:
    """Counted in a period from ``start`` (to the audit date): met in it (done on time), not met
    in it (fallen overdue in it, the day after the due date, whether done late since or not);
    pending; or (LEFT) closed in it.

    ``late_when_done`` (``unmatched = "exclude"``): a start may rightly need no B, so a lapse is
    known only when B comes, late: it is decided on that day."""
    status = pl.col("status")
    fell_overdue = pl.col("due_date") >= _day_before(start)
    late = (pl.col("done_date") >= start) if late_when_done else fell_overdue
    return (
        (status == "pending")
        | ((status == LEFT) & (pl.col("closed_date") >= start))
        | ((status == "met") & (pl.col("done_date") >= start))
        | ((status == "not_met") & late)
    )


def _starts(ctx: RuleContext) -> pl.DataFrame:
    """One row per start event on or before the audit date: child_id, anchor, the episode
    columns its table has, and done_date when B is a column of the same row."""
    rule, as_at = ctx.rule, ctx.as_at
    start, done = rule.start, rule.done
    assert start is not None and done is not None
    cond = ref_filter(start) & (pl.col(start.date) <= as_at)
    for col, values in rule.start_where:
        cond &= pl.col(col).is_in(list(values))
    keep = ["child_id", pl.col(start.date).alias("anchor")]
    keep += [c for c in CARRIED if c in TABLES[start.table].column_names]
    if _same_row(ctx):
        keep.append(pl.when(pl.col(done.date) <= as_at).then(pl.col(done.date)).alias("done_date"))
    # one start per episode (those of a type that overlap are one)
    source = episodes(ctx).lazy() if start.table == "episodes" else ctx.ds.table(start.table).lazy()
    return source.filter(cond).select(keep).sort("child_id", "anchor").collect()


def _same_row(ctx: RuleContext) -> bool:
    start, done = ctx.rule.start, ctx.rule.done
    assert start is not None and done is not None
    return done.table == start.table and not done.where and not done.seen


def _with_done(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """B from another table: the child's first qualifying event on or after the start (and on or
    before the audit date; whether it came before the closure is checked with the closure)."""
    if _same_row(ctx):
        return rows
    assert ctx.rule.done is not None
    ev = qualifying_events(ctx, (ctx.rule.done,))
    return rows.join_asof(
        ev.rename({"date": "done_date"}), left_on="anchor", right_on="done_date", by="child_id",
        strategy="forward", check_sortedness=False,
    ).with_columns(done_date=pl.when(pl.col("done_date") <= ctx.as_at).then(pl.col("done_date")))


def _with_closure(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """Add closed_date: the end of the period of involvement open at the start, when it ended on
    or before the audit date. B from another table dated after it no longer counts. (An episode
    that starts and ends on one day is in the period it belongs to: its start is on or after the
    period's start, and on or before its end.)"""
    found = rows.join_asof(
        cases(ctx), left_on="anchor", right_on="case_start", by="child_id", strategy="backward",
        check_sortedness=False,
    ).drop("case_start")
    in_case = pl.col("case_end").is_null() | (pl.col("anchor") < pl.col("case_end"))
    if ctx.rule.start is not None and ctx.rule.start.table == "episodes":
        in_case = pl.lit(True)  # an episode's start is always in its own period
    closed = pl.when(in_case & (pl.col("case_end") <= ctx.as_at)).then(pl.col("case_end"))
    found = found.with_columns(closed_date=closed).drop("case_end")
    if _same_row(ctx):
        return found
    return found.with_columns(
        done_date=pl.when(pl.col("closed_date").is_null() | (pl.col("done_date") <= pl.col("closed_date")))
        .then(pl.col("done_date"))
    )


def _with_team(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """episode_type, team and worker for starts that are not episodes: from the child's latest
    episode that started on or before the start (labelled with the start's table if none)."""
    start = ctx.rule.start
    assert start is not None
    wanted = [c for c in CARRIED if c not in rows.columns]
    if wanted:
        ep = ctx.ds.table("episodes").select("child_id", pl.col("start_date").alias("ep_start"), *wanted).sort("ep_start")
        # (rows are still in child and anchor order: filters and as-of joins keep it)
        rows = rows.join_asof(
            ep, left_on="anchor", right_on="ep_start", by="child_id", strategy="backward", check_sortedness=False,
        ).drop("ep_start")
    label = start.table.rstrip("s")
    return rows.with_columns(pl.col("episode_type").fill_null(pl.lit(label)))


def _detail(ctx: RuleContext) -> Detail:
    rule = ctx.rule
    assert rule.start is not None and rule.done is not None and rule.within is not None
    a_words, b_txt = _start_words(ctx), rule.done.describe()
    if rule.start.table == rule.done.table == "episodes" and _same_row(ctx):
        b_txt = "end of the " + words.episode_start(_start_types(ctx)).removesuffix(" start")
    # a start named by the rule is written into the sentence once; an episode's own type is
    # a value of each row
    a_txt, a_args = (a_words, []) if isinstance(a_words, str) else ("{}", [a_words])
    within = rule.within.describe()
    approx, approx_in = ("", "")
    if rule.within.approximate:
        approx, approx_in = " (hours counted as whole days)", ", hours counted as whole days"
    after = f"{within} after the {a_txt} on {{}}{approx_in}"
    done, due, anchor = fmt_date(pl.col("done_date")), fmt_date(pl.col("due_date")), fmt_date(pl.col("anchor"))
    overdue = working_days(pl.col("days_overdue"))
    b = capitalised(b_txt)
    return [
        (pl.col("status") == "met",
         pl.format(f"{b} on {{}}: within {within} of the {a_txt} on {{}}{approx}.", done, *a_args, anchor)),
        (pl.col("status") == "pending", pl.format(f"{b} due by {{}} ({after}): not done yet.", due, *a_args, anchor)),
        (pl.col("done_date").is_not_null(),
         pl.format(f"{b} on {{}}: {{}} after it was due on {{}} ({after}).", done, overdue, due, *a_args, anchor)),
        (pl.col("closed_date").is_not_null(),
         pl.format(f"{b} due by {{}} ({after}): not done before the case closed on {{}}; {{}} overdue at closure.",
                   due, *a_args, anchor, fmt_date(pl.col("closed_date")), overdue)),
        (OTHERWISE, pl.format(f"{b} due by {{}} ({after}): not done, {{}} overdue.", due, *a_args, anchor, overdue)),
    ]


def _start_types(ctx: RuleContext) -> tuple[str, ...]:
    """The episode types a start on the episodes table is limited to (by the event or start_where)."""
    start = ctx.rule.start
    assert start is not None
    for col, values in (*start.where, *ctx.rule.start_where):
        if col == "episode_type":
            return tuple(values)
    return ()


def _start_words(ctx: RuleContext) -> str | pl.Expr:
    """The start event in words: for an episode, its own type, a value of each row (``child in
    need episode start``, ``section 47 enquiry``); otherwise the event (with ``start_where``'s
    assessment types)."""
    start = ctx.rule.start
    assert start is not None
    if start.table == "episodes":
        starts = {code: words.episode_start((code,)) for code in words.EPISODE_TYPES}
        return pl.col("episode_type").replace_strict(starts, default=pl.lit("episode start"))
    for col, values in ctx.rule.start_where:
        if col == "assessment_type":
            return f"{words.either(values)} assessment start"
    return start.describe()
