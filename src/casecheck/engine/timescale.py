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

from casecheck.engine import requirements
from casecheck.engine.anchors import cases
from casecheck.engine.cohorts import episodes
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events, ref_filter, row_filter, unmet_words
from casecheck.engine.findings import LEFT
from casecheck.engine.frames import in_order
from casecheck.engine.sentences import Detail
from casecheck.engine.timescale_words import detail
from casecheck.schema import TABLES

CARRIED = ("episode_type", "team", "worker_id")


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    rule, as_at = ctx.rule, ctx.as_at
    rows = _with_case(ctx, requirements.linked(ctx, _starts(ctx)))
    rows = requirements.expand(ctx, rows.with_row_index("_s"))
    if requirements.ends_case(ctx):
        # the clock starts at the episode's own end ("a closure letter once we say goodbye"):
        # what is due after it is the point of the rule, not work the closure cancels
        # (the finding still says when the case closed: it is a closed case's, listed after the
        # open ones, on no one's due list and no exception carried month to month)
        rows = rows.with_columns(_case_closed=pl.col("closed_date"), closed_date=pl.when(
            pl.col("due_date") < pl.col("closed_date")).then(pl.col("closed_date")))
    rows = _with_done(ctx, rows)
    if ctx.start is not None:  # what cannot have been decided in the period, nor be pending
        rows = rows.filter((pl.col("done_date") >= ctx.start) | (pl.col("due_date") >= _day_before(ctx.start))
                           | (pl.col("start_date") >= ctx.start))
    has = pl.col("done_date").is_not_null()
    stop = pl.coalesce("closed_date", pl.lit(as_at))
    # (with while_open, a requirement due after the start's own record ended, such as a
    # checkpoint after the assessment was completed, was never owed)
    owed = pl.lit(True)
    if rule.while_open:
        owed = pl.col("own_end").is_null() | (pl.col("own_end") > pl.col("due_date"))
    status = (
        pl.when(has & (pl.col("done_date") <= pl.col("due_date"))).then(pl.lit("met"))
        .when(~owed).then(pl.lit(LEFT))
        .when(pl.col("closed_date").is_not_null() & (pl.col("due_date") >= pl.col("closed_date"))).then(pl.lit(LEFT))
        .when(has).then(pl.lit("not_met"))
        .when(pl.col("due_date") >= as_at).then(pl.lit("pending"))
        .otherwise(pl.lit("not_met"))
    )
    # the day a requirement left the rule's scope: the case closed, or the start's record ended
    left_on = pl.col("closed_date") if not rule.while_open else pl.when(~owed).then(
        pl.col("own_end")).otherwise(pl.col("closed_date"))
    rows = rows.with_columns(status=status, left_on=left_on)
    if rule.unmatched == "exclude":
        # A start never followed by `done` may rightly need none (a strategy discussion that
        # led to no conference): it stays in scope only while it is not yet due.
        rows = rows.filter(has | (pl.col("due_date") >= stop))
    if ctx.start is not None:
        rows = rows.filter(_decided_in(ctx.start, late_when_done=rule.unmatched == "exclude"))
    rows = _with_team(ctx, rows)
    until = pl.when(has).then(pl.min_horizontal("done_date", stop)).otherwise(stop)
    overdue = pl.col("status") == "not_met"
    if requirements.own_row(ctx):  # a record that lacks something grows no more overdue with time
        overdue = pl.lit(False)
    rows = rows.with_columns(
        days_overdue=pl.when(overdue)
        .then(ctx.cal.working_days_after_expr(pl.col("due_date"), until))
        .otherwise(0)
        .cast(pl.Int32),
        last_event_date=pl.col("done_date"),
    )
    if "_case_closed" in rows.columns:
        rows = rows.with_columns(closed_date=pl.coalesce("closed_date", "_case_closed")).drop("_case_closed")
    return rows, detail(ctx)


def _day_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


def _decided_in(start: dt.date, late_when_done: bool = False) -> pl.Expr:
    """Counted in a period from ``start`` (to the audit date): met in it (done on time), not met
    in it (fallen overdue in it, the day after the due date, whether done late since or not);
    pending; or (LEFT) closed in it. Never before the start event itself: a family network
    meeting held before the conference it had to precede is decided when the conference is.

    ``late_when_done`` (``unmatched = "exclude"``): a start may rightly need no B, so a lapse is
    known only when B comes, late: it is decided on that day."""
    status = pl.col("status")
    started = pl.col("start_date") >= start
    fell_overdue = (pl.col("due_date") >= _day_before(start)) | started
    late = ((pl.col("done_date") >= start) | started) if late_when_done else fell_overdue
    return (
        (status == "pending")
        | ((status == LEFT) & ((pl.col("left_on") >= start) | started))
        | ((status == "met") & ((pl.col("done_date") >= start) | started))
        | ((status == "not_met") & late)
    )


def _starts(ctx: RuleContext) -> pl.DataFrame:
    """One row per start event on or before the audit date: child_id, start_date, the episode
    columns its table has, done_date when B is a column of the same row (or the start itself),
    the start's referral_id (for ``from``) and own_end (for ``while_open``)."""
    rule, as_at = ctx.rule, ctx.as_at
    start, done = rule.start, rule.done
    assert start is not None and done is not None
    cond = ref_filter(start) & (pl.col(start.date) <= as_at)
    for col, values in rule.start_where:
        cond &= pl.col(col).is_in(list(values))
    cols = TABLES[start.table].column_names
    keep = ["child_id", pl.col(start.date).alias("start_date")]
    keep += [c for c in CARRIED if c in cols]
    if requirements.is_start(ctx):  # B is the start itself (its clock runs from an earlier event)
        keep.append(pl.col(start.date).alias("done_date"))
    elif requirements.own_row(ctx):  # the start's own row meets done's conditions, or not
        keep.append(pl.when(row_filter(done)).then(pl.col(start.date)).alias("done_date"))
        # (the columns its conditions read, for the sentence of a record that lacks them: the
        # words are written for those rows only, not for millions of records)
        named = {k for k in keep if isinstance(k, str)}
        keep += [c for c in dict.fromkeys(unmet_words(done).meta.root_names()) if c not in named]
    elif requirements.same_row(ctx):
        keep.append(pl.when(pl.col(done.date) <= as_at).then(pl.col(done.date)).alias("done_date"))
    if rule.from_ is not None and requirements.LINK in cols:
        keep.append(requirements.LINK)
    if rule.while_open:
        interval = TABLES[start.table].interval
        own = interval[1] if interval and interval[0] == start.date else None
        keep.append((pl.when(pl.col(own) <= as_at).then(pl.col(own)) if own else pl.lit(None, dtype=pl.Date))
                    .alias("own_end"))
    # one start per episode (those of a type that overlap are one)
    source = episodes(ctx).lazy() if start.table == "episodes" else ctx.ds.table(start.table).lazy()
    rows = source.filter(cond).select(keep)
    if start.table == "episodes":
        # episodes of two of the rule's types that start (or are allocated) on the same day are
        # one opening: a child opened to child in need and to the disabilities service at once
        # owes one family network meeting, not two (the first type, alphabetically, is named)
        rows = rows.sort("child_id", "start_date", "episode_type").unique(
            ["child_id", "start_date"], keep="first", maintain_order=True)
    return rows.sort("child_id", "start_date").collect()




def _with_done(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """B from another table: the child's first qualifying event on or after the requirement's
    earliest day (the clock's start, for ``within``), on or before the audit date, and not after
    the period of involvement closed. At checkpoints, an event that met one checkpoint (late)
    does not meet the next as well."""
    if requirements.same_row(ctx):
        return rows.drop("case_start", "_s", "_k")
    assert ctx.rule.done is not None
    ev = qualifying_events(ctx, ctx.rule.dones).rename({"date": "done_date"})

    def first_after(part: pl.DataFrame) -> pl.DataFrame:
        if not in_order(part, "child_id", "earliest"):
            part = part.sort("child_id", "earliest")
        found = part.join_asof(ev, left_on="earliest", right_on="done_date", by="child_id",
                               strategy="forward", check_sortedness=False)
        in_time = (pl.col("done_date") <= ctx.as_at) & (
            pl.col("closed_date").is_null() | (pl.col("done_date") <= pl.col("closed_date")))
        return found.with_columns(done_date=pl.when(in_time).then(pl.col("done_date")))

    if not ctx.rule.checkpoints:
        return first_after(rows).drop("case_start", "_s", "_k")
    parts: list[pl.DataFrame] = []
    used: pl.DataFrame | None = None  # per start, the latest event a checkpoint so far has used
    for k in range(len(ctx.rule.checkpoints)):
        part = rows.filter(pl.col("_k") == k)
        if used is not None:  # after the events the checkpoints before used, late or not
            part = part.join(used, on="_s", how="left").with_columns(
                earliest=pl.max_horizontal("earliest", pl.col("_used") + dt.timedelta(days=1))).drop("_used")
        parts.append(first_after(part))
        done = parts[-1].select("_s", pl.col("done_date").alias("_now"))
        used = done.rename({"_now": "_used"}) if used is None else used.join(done, on="_s", how="left").select(
            "_s", pl.max_horizontal("_used", "_now").alias("_used"))
    return pl.concat(parts).sort("child_id", "start_date", "_k").drop("case_start", "_s", "_k")


def _with_case(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """Add case_start and closed_date: the start and (when it ended on or before the audit date)
    the end of the period of involvement open at the start event. B from another table dated
    after it does not count. (An episode that starts and ends on one day is in the period it
    belongs to: its start is on or after the period's start, and on or before its end.)"""
    found = rows.join_asof(
        cases(ctx), left_on="start_date", right_on="case_start", by="child_id", strategy="backward",
        check_sortedness=False,
    )
    in_case = pl.col("case_end").is_null() | (pl.col("start_date") < pl.col("case_end"))
    if ctx.rule.start is not None and ctx.rule.start.table == "episodes":
        in_case = pl.lit(True)  # an episode's start is always in its own period
    closed = pl.when(in_case & (pl.col("case_end") <= ctx.as_at)).then(pl.col("case_end"))
    return found.with_columns(
        closed_date=closed, case_start=pl.when(in_case).then(pl.col("case_start"))).drop("case_end")


def _with_team(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """episode_type, team and worker for starts that are not episodes: from the child's latest
    episode that started on or before the start (labelled with the start's table if none)."""
    start = ctx.rule.start
    assert start is not None
    wanted = [c for c in CARRIED if c not in rows.columns]
    if wanted:
        ep = ctx.ds.table("episodes").select("child_id", pl.col("start_date").alias("ep_start"), *wanted).sort("ep_start")
        if not in_order(rows, "child_id", "start_date"):
            rows = rows.sort("child_id", "start_date")
        rows = rows.join_asof(
            ep, left_on="start_date", right_on="ep_start", by="child_id", strategy="backward", check_sortedness=False,
        ).drop("ep_start")
    label = start.table.rstrip("s")
    return rows.with_columns(pl.col("episode_type").fill_null(pl.lit(label)))
