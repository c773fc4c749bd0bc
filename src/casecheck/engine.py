"""The audit engine: the four rule kinds, implemented once as vectorised Polars code.

``audit(dataset, profile, as_at)`` returns one finding per rule x child x episode in scope
(data contract §3) and a summary per rule.

Two questions, kept distinct (frequency and recency rules):

* **Point in time** (default): *is this child in date at the audit date?* The latest qualifying
  event (or the anchor, if there is none yet) plus the allowed interval is on or after the audit
  date.
* **Audit period** (``since``): *was every interval, from the start of the period (or the later
  anchor) through each event to the audit date, within the limit?* The clock at the start of the
  period carries on from the last event before it, so a visit that fell due in the period and was
  late counts as a lapse in the period. The longest gap is reported.

Cohorts: an episode is *open at the audit date* when it started on or before it and has no end
date or ends after it (an episode closed on the audit date is not open). In audit-period mode the
cohort is every episode open at some time in the period, and its clock stops at its end date.
Timescale rules cover every anchor event on or before the audit date (and on or after ``since``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from casecheck.calendar import Duration, WorkingCalendar
from casecheck.dataset import Dataset
from casecheck.errors import UsageError
from casecheck.schema import TABLES
from casecheck.standards import EventRef, Phase, Profile, Rule

STATUSES = ("met", "not_met", "pending")

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "child_id": pl.String(),
    "episode_type": pl.String(),
    "team": pl.String(),
    "worker_id": pl.String(),
    "status": pl.String(),
    "anchor_date": pl.Date(),
    "last_event_date": pl.Date(),
    "due_date": pl.Date(),
    "days_overdue": pl.Int32(),
    "detail": pl.String(),
}
FINDING_COLUMNS = list(FINDING_SCHEMA)
#: findings are sorted by rule, then these (data contract §3: rule_id, child_id, anchor_date)
SORT_KEYS = ["child_id", "anchor_date", "episode_type", "due_date", "last_event_date", "status",
             "days_overdue", "worker_id", "team"]

#: the counts every per-rule summary carries (summary, breakdowns, trends)
COUNT_SCHEMA: dict[str, pl.DataType] = {
    "in_scope": pl.Int64(),
    "met": pl.Int64(),
    "not_met": pl.Int64(),
    "pending": pl.Int64(),
    "pct_met": pl.Float64(),
    "target_pct": pl.Float64(),
    "rag": pl.String(),
}

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "title": pl.String(),
    "kind": pl.String(),
    **COUNT_SCHEMA,
    "note": pl.String(),
}


def count_statuses(findings: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of ``by``: in scope, met, not met and pending.

    Counted per (group, status) first: one group-by with a count is several times cheaper over
    millions of findings than comparing every status text three times.
    """
    per_status = findings.group_by(*by, "status").len()
    return per_status.group_by(by).agg(
        pl.col("len").sum().cast(pl.Int64).alias("in_scope"),
        *[pl.col("len").filter(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in STATUSES],
    )


def pct_met_expr() -> pl.Expr:
    """% met = met / (met + not met), one decimal; null when nothing has been decided."""
    decided = pl.col("met") + pl.col("not_met")
    return pl.when(decided > 0).then((100 * pl.col("met") / decided).round(1)).alias("pct_met")


def rag_expr(margin: float) -> pl.Expr:
    """green at or above target; amber within ``margin`` points below; red below; n/a if no %."""
    pct, target = pl.col("pct_met"), pl.col("target_pct")
    return (
        pl.when(pct.is_null()).then(pl.lit("n/a"))
        .when(pct >= target).then(pl.lit("green"))
        .when(pct >= target - margin).then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
        .alias("rag")
    )




@dataclass
class AuditResult:
    """Findings (one row per rule x child x episode in scope) and the per-rule summary."""

    findings: pl.DataFrame
    summary: pl.DataFrame
    profile: Profile
    as_at: dt.date
    since: dt.date | None = None
    not_assessed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def question(self) -> str:
        if self.since:
            return f"audit period {self.since.isoformat()} to {self.as_at.isoformat()}"
        return f"point in time at {self.as_at.isoformat()}"


@dataclass
class _Ctx:
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


# ---------------------------------------------------------------------------------------------
# Inputs: events and cohorts
# ---------------------------------------------------------------------------------------------
def _ref_filter(ref: EventRef) -> pl.Expr:
    cond = pl.col(ref.date).is_not_null()
    for col, values in ref.where:
        cond &= pl.col(col).is_in(list(values))
    if ref.seen:
        cond &= pl.col("seen").fill_null(True)
        cond &= pl.col("visit_type").is_null() | pl.col("visit_type").str.starts_with("statutory")
    if ref.seen_alone:
        cond &= pl.col("seen_alone").fill_null(False)
    return cond


def event_dates(ds: Dataset, refs: tuple[EventRef, ...], as_at: dt.date | None = None) -> pl.DataFrame:
    """Distinct (child_id, date) of the qualifying events (on or before ``as_at`` when given),
    sorted by child and date."""
    frames = [
        ds.table(ref.table)
        .lazy()
        .filter(_ref_filter(ref) & (pl.col(ref.date) <= as_at if as_at else pl.lit(True)))
        .select("child_id", pl.col(ref.date).alias("date"))
        for ref in refs
    ]
    if not frames:
        return pl.DataFrame(schema={"child_id": pl.String, "date": pl.Date})
    events = pl.concat(frames).collect()
    if not in_order(events, "child_id", "date"):
        events = events.sort("child_id", "date", nulls_last=True)
    # sorted by child and date, a repeated (child, date) is the row after its first
    return events.filter(~same_as_previous("child_id", "date").fill_null(False))


def _events(ctx: _Ctx, refs: tuple[EventRef, ...]) -> pl.DataFrame:
    """All qualifying events, sorted by child and date, whatever the audit date (callers stop at it).

    Cached for the audit (and across the month ends of a trend): several rules use the same
    events.
    """
    key = ("events", tuple(r.text for r in refs))
    if key not in ctx.cache:
        ctx.cache[key] = event_dates(ctx.ds, refs)
    return ctx.cache[key]


def cohort(ctx: _Ctx) -> pl.DataFrame:
    """The rule's cohort, shared between rules with the same cohort definition."""
    r = ctx.rule
    uses_perm = r.permanent_interval is not None or any(p.permanent_interval for p in r.phases)
    key = ("cohort", r.cohort, r.exclude, r.per, r.anchor, uses_perm, ctx.as_at, ctx.since)
    if key not in ctx.cache:
        ctx.cache[key] = _cohort(ctx)
    return ctx.cache[key]


def _cohort(ctx: _Ctx) -> pl.DataFrame:
    """The rule's cohort: one row per episode (or placement, or child) with its clock.

    Columns: key, child_id, episode_type, team, worker_id, anchor, end (the window end: the audit
    date, or the episode's end in audit-period mode), perm (permanence agreed date) and dob.
    """
    rule, as_at = ctx.rule, ctx.as_at
    lo = ctx.since or as_at
    ep = ctx.ds.table("episodes").lazy()
    open_in_window = (pl.col("start_date") <= as_at) & (
        pl.col("end_date").is_null() | (pl.col("end_date") > lo)
    )
    rows = ep.filter(open_in_window & pl.col("episode_type").is_in(list(rule.cohort)))
    if rule.exclude:
        excluded = ep.filter(open_in_window & pl.col("episode_type").is_in(list(rule.exclude)))
        rows = rows.join(excluded.select("child_id").unique(), on="child_id", how="anti")
    rows = rows.select(
        "child_id",
        "episode_type",
        "team",
        "worker_id",
        pl.col("start_date").alias("ep_start"),
        pl.col("end_date").alias("ep_end"),
    )
    uses_perm = rule.permanent_interval is not None or any(p.permanent_interval for p in rule.phases)
    placements = ctx.ds.table("placements").lazy().select(
        "child_id",
        pl.col("start_date").alias("p_start"),
        pl.col("end_date").alias("p_end"),
        pl.col("permanence_agreed_date").alias("perm"),
    )
    if rule.anchor == "placement":
        joined = rows.join(placements, on="child_id", how="inner").filter(
            (pl.col("p_start") <= as_at)
            & (pl.col("p_end").is_null() | (pl.col("p_end") > lo))
            & (pl.col("ep_end").is_null() | (pl.col("p_start") < pl.col("ep_end")))
            & (pl.col("p_end").is_null() | (pl.col("p_end") > pl.col("ep_start")))
        )
        joined = joined.with_columns(
            anchor=pl.max_horizontal("p_start", "ep_start"),
            row_end=pl.min_horizontal("p_end", "ep_end"),
        ).drop("p_start", "p_end")
        bare = rows.join(joined.select("child_id", "ep_start").unique(), on=["child_id", "ep_start"], how="anti")
        bare = bare.with_columns(
            anchor=pl.col("ep_start"), row_end=pl.col("ep_end"), perm=pl.lit(None, dtype=pl.Date)
        )
        rows = pl.concat([joined, bare], how="diagonal_relaxed")
    else:
        rows = rows.with_columns(anchor=pl.col("ep_start"), row_end=pl.col("ep_end"))
        if uses_perm:
            perm = (
                rows.select("child_id", "anchor")
                .join(placements, on="child_id")
                .filter(pl.col("perm").is_not_null() & (pl.col("p_start") <= as_at))
                .group_by("child_id", "anchor")
                .agg(pl.col("perm").min())
            )
            rows = rows.join(perm, on=["child_id", "anchor"], how="left")
        else:
            rows = rows.with_columns(perm=pl.lit(None, dtype=pl.Date))
    if ctx.period:
        end = pl.when(pl.col("row_end").is_not_null() & (pl.col("row_end") < as_at)).then(
            pl.col("row_end")
        ).otherwise(pl.lit(as_at))
    else:
        end = pl.lit(as_at)
    rows = rows.with_columns(end=end)
    if ctx.period:  # a placement that ended before the period starts is out of the window
        rows = rows.filter(pl.col("end") > lo)
    else:
        rows = rows.filter(pl.col("row_end").is_null() | (pl.col("row_end") > as_at))
    rows = rows.sort("child_id", "anchor", "episode_type", "ep_start", nulls_last=True)
    if rule.per == "child":
        rows = rows.unique("child_id", keep="first", maintain_order=True)
    dob = ctx.ds.table("children").lazy().select("child_id", pl.col("date_of_birth").alias("dob"))
    out = (
        rows.join(dob, on="child_id", how="left")
        .select("child_id", "episode_type", "team", "worker_id", "anchor", "end", "perm", "dob")
        .collect()
    )
    return out.with_row_index("key")


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------
def _step_due(ctx: _Ctx, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
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
        expr = pl.when(_phase_holds(ctx, phase, prev, k)).then(
            due_for(phase.interval, phase.permanent_interval)
        ).otherwise(expr)
    return expr


def _phase_holds(ctx: _Ctx, phase: Phase, prev: pl.Expr, k: pl.Expr) -> pl.Expr:
    if phase.until is not None:
        return prev < ctx.add(pl.col("anchor"), phase.until)
    if phase.until_age is not None:
        limit = pl.col("dob").dt.offset_by(f"{phase.until_age}y")
        return pl.col("dob").is_null() | (prev < limit)
    return k <= (phase.count or 0)


def _first_due(ctx: _Ctx) -> pl.Expr:
    """When the first qualifying event is due (recency: no earlier than the prior event's due)."""
    rule = ctx.rule
    due = ctx.add(pl.col("anchor"), rule.first or rule.interval)
    if rule.kind == "recency":
        prior_due = ctx.add(pl.col("prior"), rule.interval)
        due = pl.when(pl.col("prior").is_not_null()).then(pl.max_horizontal(due, prior_due)).otherwise(due)
    return due


def _with_prior(ctx: _Ctx, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Recency rules: the latest event before the anchor (an up-to-date document carries over)."""
    if ctx.rule.kind != "recency":
        return rows.with_columns(prior=pl.lit(None, dtype=pl.Date))
    return _per_row(rows, events, pl.col("date") < pl.col("anchor"), pl.col("date").max().alias("prior"))


def _per_row(rows: pl.DataFrame, events: pl.DataFrame, when: pl.Expr, *aggs: pl.Expr) -> pl.DataFrame:
    """``rows`` with ``aggs`` over each row's own qualifying events: its child's events for which
    ``when`` holds (``when`` compares the event's ``date`` with the row's columns, such as
    ``anchor`` and ``end``). A row with no such event gets nulls."""
    columns = dict.fromkeys(["key", "child_id", *(c for c in when.meta.root_names() if c != "date")])
    found = (
        rows.lazy()
        .select(list(columns))
        .join(events.lazy(), on="child_id")
        .filter(when)
        .group_by("key")
        .agg(*aggs)
        .collect()
    )
    return rows.join(found, on="key", how="left")


def gaps(ctx: _Ctx, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Every interval of a frequency/recency rule: anchor -> event -> ... -> window end.

    One row per (key, k): ``k`` = 1..n for the gap ending at the k-th event, and ``k = n + 1`` for
    the open gap from the last event to the window end (``final``). Columns: start, stop, due,
    late (stop after due; for the open gap, due before the window end).
    """
    rows = _with_prior(ctx, rows, events)
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
    due = pl.when(first).then(_first_due(ctx)).otherwise(_step_due(ctx, pl.col("start"), prev_k))
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


# ---------------------------------------------------------------------------------------------
# Rule kinds
# ---------------------------------------------------------------------------------------------
#: a finding's detail sentence: (condition, sentence) branches, the first that holds applies
Detail = list[tuple[pl.Expr, pl.Expr]]
OTHERWISE = pl.lit(True)


def by_branch(frame: pl.DataFrame, branches: Detail, name: str = "detail") -> pl.Series:
    """A text column from (condition, expression) branches, the first that holds giving the value.

    Unlike a ``when/then`` chain, which evaluates every branch over every row, the commonest
    branch is evaluated once over the whole frame and each other branch only over its own rows
    (millions of findings, a few sentence forms each made of dates).
    """
    if not frame.height:
        return pl.Series(name, [], dtype=pl.String)
    which = pl.lit(None, dtype=pl.Int32)
    for i, (cond, _) in reversed(list(enumerate(branches))):
        which = pl.when(cond).then(pl.lit(i, dtype=pl.Int32)).otherwise(which)
    choice = frame.select(which.alias("b")).to_series()
    counts = choice.value_counts(sort=True)
    order = [b for b in counts["b"].to_list() if b is not None]
    exprs = [expr.cast(pl.String).alias(name) for _, expr in branches]
    if not order:
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(name)
    out = frame.with_columns(exprs[order[0]]).get_column(name)  # (a constant is broadcast)
    if choice.null_count():
        out = out.scatter(choice.is_null().arg_true(), None)
    for i in order[1:]:
        idx = (choice == i).arg_true()
        roots = list(dict.fromkeys(exprs[i].meta.root_names()))
        if roots:
            values = frame.select(roots)[idx].select(exprs[i]).to_series()
        else:  # a constant sentence
            values = pl.repeat(pl.select(exprs[i]).item(), idx.len(), dtype=pl.String, eager=True)
        out = out.scatter(idx, values)
    return out


def same_as_previous(*columns: str) -> pl.Expr:
    """True where a row holds the same values in ``columns`` as the row before (nulls equal)."""
    return pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in columns)


def in_order(frame: pl.DataFrame, a: str, b: str) -> bool:
    """Whether rows are already sorted by ``a`` then ``b`` (nulls of ``b`` last; ``a`` has none).

    One pass of comparisons with the previous row: several times cheaper than a sort, and rows
    that come from a source sorted by child and date (as most extracts are) need no sort.
    """
    if frame.height < 2:
        return True
    x, y = pl.col(a), pl.col(b)
    step = (x.shift(1) < x) | (x.eq_missing(x.shift(1)) & (y.shift(1).le(y) | y.is_null()))
    return bool(frame.select(step.fill_null(False).slice(1).all() & x.null_count().eq(0)).item())


def sort_findings(frame: pl.DataFrame) -> pl.DataFrame:
    """Sort one rule's findings by ``SORT_KEYS`` (nulls last), stable.

    Sorting on nine keys costs several times a sort on the first two (child, anchor date), and
    rows that tie on those two are few: sort by the two, then re-sort only the runs of tied rows
    on all the keys, in place.
    """
    first = SORT_KEYS[:2]
    # rows built in order (most rules) skip the sort
    out = frame if in_order(frame, *first) else frame.sort(first, nulls_last=True, maintain_order=True)
    same = same_as_previous(*first)
    tied = out.select(same | same.shift(-1).fill_null(False)).to_series().fill_null(False)
    if not tied.any():
        return out
    idx = tied.arg_true()
    order = out[idx].select(pl.arg_sort_by(SORT_KEYS, nulls_last=True, maintain_order=True)).to_series()
    perm = pl.int_range(0, out.height, dtype=pl.UInt32, eager=True).scatter(idx, idx.gather(order))
    return out[perm]


def _fmt_date(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y-%m-%d")


def _latest_event(ctx: _Ctx, rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``latest``: each child's latest qualifying event on or before the audit date.

    Point-in-time rows all end at the audit date, so this is one cached aggregate per event list
    (shared by every rule that uses it), joined to the cohort.
    """
    refs = ctx.rule.events
    key = ("latest", tuple(r.text for r in refs), ctx.as_at)
    if key not in ctx.cache:
        ctx.cache[key] = (
            _events(ctx, refs)
            .lazy()
            .filter(pl.col("date") <= ctx.as_at)
            .group_by("child_id")
            .agg(pl.col("date").max().alias("latest"))
            .collect()
        )
    return rows.join(ctx.cache[key], on="child_id", how="left")


def _count_since_anchor(rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add ``n``: qualifying events from the anchor to the window end (for count phases)."""
    in_window = (pl.col("date") >= pl.col("anchor")) & (pl.col("date") <= pl.col("end"))
    counted = _per_row(rows, events, in_window, pl.len().cast(pl.Int32).alias("n"))
    return counted.with_columns(pl.col("n").fill_null(0))


def _point_in_time(ctx: _Ctx, rows: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The point-in-time question: one as-of join, no per-event work.

    Due date: after the latest event since the anchor, the schedule's next step; with none yet,
    the first due date (for recency, no earlier than the latest event before the anchor allows).
    """
    rule = ctx.rule
    out = _latest_event(ctx, rows)
    since_anchor = pl.col("latest").is_not_null() & (pl.col("latest") >= pl.col("anchor"))
    if any(p.count is not None for p in rule.phases):
        out = _count_since_anchor(out, events)
    else:
        out = out.with_columns(n=pl.when(since_anchor).then(1).otherwise(0).cast(pl.Int32))
    out = out.with_columns(prior=pl.when(~since_anchor).then(pl.col("latest")))
    due = pl.when(since_anchor).then(_step_due(ctx, pl.col("latest"), pl.col("n"))).otherwise(_first_due(ctx))
    last = pl.col("latest") if rule.kind == "recency" else pl.when(since_anchor).then(pl.col("latest"))
    return out.with_columns(due=due, last_event_date=last)


def _schedule_rule(ctx: _Ctx) -> tuple[pl.DataFrame, Detail]:
    """frequency and recency rules."""
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    rows = cohort(ctx)
    events = _events(ctx, rule.events)
    what = rule.events[0].describe() if len(rule.events) == 1 else "qualifying event"
    every = f"every {rule.interval.describe()}" if rule.interval else ""
    if not ctx.period:
        out = _point_in_time(ctx, rows, events)
        status = (
            pl.when(pl.col("due") >= as_at)
            .then(pl.when(pl.col("last_event_date").is_not_null()).then(pl.lit("met")).otherwise(pl.lit("pending")))
            .otherwise(pl.lit("not_met"))
        )
        out = out.with_columns(status=status, due_date=pl.col("due"))
        out = out.with_columns(days_overdue=cal.working_days_after_expr(pl.col("due_date"), pl.lit(as_at)))
        last_txt = pl.format(f"last {what} {{}}", _fmt_date(pl.col("last_event_date")))
        none_txt = pl.lit(f"no {what} yet")
        head = pl.when(pl.col("last_event_date").is_not_null()).then(last_txt).otherwise(none_txt)
        detail = [
            (pl.col("status") == "not_met",
             pl.format("Point in time: {}; due by {}, {} working days overdue ({}).", head, _fmt_date(pl.col("due_date")), pl.col("days_overdue"), pl.lit(every))),
            (pl.col("status") == "pending",
             pl.format("Point in time: {}; first due by {}.", head, _fmt_date(pl.col("due_date")))),
            (OTHERWISE, pl.format("Point in time: {}; next due by {} ({}).", head, _fmt_date(pl.col("due_date")), pl.lit(every))),
        ]
        return out, detail

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
    if rule.kind == "recency":
        out = _recency_last(ctx, out, events)
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
        _fmt_date(pl.col("gap_from")),
        _fmt_date(pl.col("gap_to")),
        pl.lit(every),
    )
    return out, [(OTHERWISE, detail)]


def _recency_last(ctx: _Ctx, out: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Recency rules report the latest event whenever it happened (it may predate the anchor)."""
    latest = _per_row(out, events, pl.col("date") <= pl.col("end"), pl.col("date").max().alias("latest"))
    return latest.with_columns(last_event_date=pl.col("latest")).drop("latest")


def _presence_rule(ctx: _Ctx) -> tuple[pl.DataFrame, Detail]:
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    rows = cohort(ctx)
    events = _events(ctx, rule.events)
    what = rule.events[0].describe() if len(rule.events) == 1 else "document"
    first_last = [pl.col("date").min().alias("first_doc"), pl.col("date").max().alias("last_event_date")]
    if ctx.period:  # each row's window ends at its own episode end
        out = _per_row(rows, events, pl.col("date") <= pl.col("end"), *first_last)
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
    args = [_fmt_date(pl.col("due_date"))] if rule.within else []
    detail = [
        (pl.col("status") == "met",
         pl.format(f"{what.capitalize()} on file, first dated {{}}.", _fmt_date(pl.col("first_doc")))),
        (pl.col("status") == "pending", pl.format(f"No {what} yet; due by {{}}.", _fmt_date(pl.col("due_date")))),
        (has, pl.format(f"{what.capitalize()} first dated {{}}, after its deadline {{}}.", _fmt_date(pl.col("first_doc")), _fmt_date(pl.col("due_date")))),
        (OTHERWISE, pl.format(f"No {what} on file{by}.", *args)),
    ]
    return out, detail


def _timescale_rule(ctx: _Ctx) -> tuple[pl.DataFrame, Detail]:
    rule, as_at, cal = ctx.rule, ctx.as_at, ctx.cal
    start, done = rule.start, rule.done
    assert start is not None and done is not None and rule.within is not None
    src = ctx.ds.table(start.table).lazy()
    cond = _ref_filter(start) & (pl.col(start.date) <= as_at)
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
        ev = _events(ctx, (done,))
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
         pl.format(f"{b_txt.capitalize()} on {{}}, within {rule.within.describe()} of {a_txt} on {{}}{approx}.", _fmt_date(pl.col("done_date")), _fmt_date(pl.col("anchor")))),
        (pl.col("status") == "pending",
         pl.format(f"{a_txt.capitalize()} on {{}}; {b_txt} not yet done, due by {{}}.", _fmt_date(pl.col("anchor")), _fmt_date(pl.col("due_date")))),
        (has,
         pl.format(f"{b_txt.capitalize()} on {{}}, {{}} working days after the due date {{}}{approx}.", _fmt_date(pl.col("done_date")), pl.col("days_overdue"), _fmt_date(pl.col("due_date")))),
        (OTHERWISE,
         pl.format(f"{a_txt.capitalize()} on {{}}; no {b_txt} by the audit date; due by {{}}, {{}} working days overdue.", _fmt_date(pl.col("anchor")), _fmt_date(pl.col("due_date")), pl.col("days_overdue"))),
    ]
    return rows, detail


_KINDS = {
    "frequency": _schedule_rule,
    "recency": _schedule_rule,
    "presence": _presence_rule,
    "timescale": _timescale_rule,
}


def missing_tables(ds: Dataset, rule: Rule) -> list[str]:
    """What the extract lacks for this rule: whole tables (``supervisions``), or optional date
    columns the source did not supply (``referrals.decision_date``: an Annex A or SSD extract has
    no decision dates, so the rule cannot be assessed rather than every case failing)."""
    missing = [t for t in rule.needs if not ds.has(t) and t != "placements"]
    for ref in (*rule.events, rule.start, rule.done):
        if ref is None or ref.table in missing or not ds.has(ref.table):
            continue
        report = ds.quality.reports.get(ref.table)
        required = TABLES[ref.table].column(ref.date).required
        if report is not None and not required and ref.date not in report.mapping:
            missing.append(f"{ref.table}.{ref.date}")
    return missing


def run_rule(ds: Dataset, rule: Rule, as_at: dt.date, since: dt.date | None = None,
             calendar: WorkingCalendar | None = None, cache: dict | None = None,
             due_from: dt.date | None = None) -> pl.DataFrame:
    """The findings of one rule (contract columns, unsorted).

    ``cache`` (a dict shared across the rules of one audit) keeps cohorts and event lists that
    several rules use.
    """
    ctx = _Ctx(ds, rule, calendar or WorkingCalendar(), as_at, since,
               {} if cache is None else cache, due_from)
    out, detail = _KINDS[rule.kind](ctx)
    # The detail sentence is written after sorting: sorting moves only fixed-width values and
    # the few columns the sentence is made from, not millions of sentences.
    contract = FINDING_COLUMNS[1:-1]
    needed = {c for cond, expr in detail for e in (cond, expr) for c in e.meta.root_names()}
    helpers = [c for c in out.columns if c in needed and c not in contract]
    out = out.select(
        pl.lit(rule.id).alias("rule_id"),
        *[pl.col("anchor" if c == "anchor_date" else c).cast(FINDING_SCHEMA[c]).alias(c) for c in contract],
        *helpers,
    )
    out = _fill_team(ds, out)
    # Contract order: rule_id, child_id, anchor_date; the other fixed-width columns make ties
    # deterministic, so two runs give byte-identical files (the detail follows from them).
    out = sort_findings(out)
    return out.select(*FINDING_COLUMNS[:-1]).with_columns(by_branch(out, detail))


def _fill_team(ds: Dataset, findings: pl.DataFrame) -> pl.DataFrame:
    if not ds.has("workers"):
        return findings
    workers = ds.table("workers").select("worker_id", pl.col("team").alias("_wteam")).unique("worker_id")
    return (
        findings.join(workers, on="worker_id", how="left", maintain_order="left")
        .with_columns(team=pl.coalesce("team", "_wteam"))
        .drop("_wteam")
    )


def summarise(findings: pl.DataFrame, profile: Profile, not_assessed: dict[str, list[str]]) -> pl.DataFrame:
    counts = count_statuses(findings, ["rule_id"])
    rules = pl.DataFrame(
        {
            "rule_id": [r.id for r in profile.rules],
            "title": [r.title for r in profile.rules],
            "kind": [r.kind for r in profile.rules],
            "target_pct": [r.target for r in profile.rules],
            "note": [
                f"not assessed (needs: {', '.join(not_assessed[r.id])})" if r.id in not_assessed else ""
                for r in profile.rules
            ],
            "order": list(range(len(profile.rules))),
        },
        schema={"rule_id": pl.String, "title": pl.String, "kind": pl.String,
                "target_pct": pl.Float64, "note": pl.String, "order": pl.Int64},
    )
    out = rules.join(counts, on="rule_id", how="left").with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in ("in_scope", "met", "not_met", "pending")]
    )
    out = out.with_columns(pct_met_expr()).with_columns(
        rag=pl.when(pl.col("note") != "").then(pl.lit("not assessed")).otherwise(rag_expr(profile.amber_margin))
    )
    return out.sort("order").select(list(SUMMARY_SCHEMA)).cast(SUMMARY_SCHEMA)  # type: ignore[arg-type]


def audit(
    dataset: Dataset,
    profile: Profile,
    as_at: dt.date | None = None,
    since: dt.date | None = None,
    rules: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
    *,
    due_from: dt.date | None = None,
    progress: Callable[[Rule], None] | None = None,
    cache: dict | None = None,
) -> AuditResult:
    """Audit a dataset against a standards profile.

    ``as_at`` defaults to today. With ``since``, frequency/recency/presence rules ask the
    audit-period question and timescale rules cover anchors from ``since``;
    ``due_from`` limits timescale rules to the cases that fell due between it and the audit date
    (monthly trends: every such case is decided, none pending). ``progress`` is
    called with each rule before it runs. ``cache`` may be shared between audits of the same
    dataset (e.g. the month ends of a trend).
    """
    as_at = as_at or dt.date.today()
    if since is not None and since > as_at:
        raise UsageError(f"--since {since} is after the audit date {as_at}")
    profile = profile.select(rules)
    cal = calendar or profile.calendar()
    not_assessed: dict[str, list[str]] = {}
    cache = {} if cache is None else cache
    todo = []
    for rule in profile.rules:
        missing = missing_tables(dataset, rule)
        if missing:
            not_assessed[rule.id] = missing
            if progress is not None:
                progress(rule)
        else:
            todo.append(rule)

    def one(rule: Rule) -> pl.DataFrame:
        if progress is not None:
            progress(rule)
        return run_rule(dataset, rule, as_at, since, cal, cache, due_from)

    # Two rules at a time: Polars releases the GIL, and much of a rule's work (joins, sorts,
    # formatting) runs on one core. The calendar is built first, outside the threads.
    cal.non_working_days  # noqa: B018
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(one, todo))
    parts.sort(key=lambda part: part["rule_id"][0] if part.height else "")
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    summary = summarise(findings, profile, not_assessed)
    return AuditResult(findings, summary, profile, as_at, since, not_assessed)


# ---------------------------------------------------------------------------------------------
# Explaining one child
# ---------------------------------------------------------------------------------------------
TIMELINE_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "episode_type": pl.String(),
    "anchor_date": pl.Date(),
    "step": pl.Int32(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),
    "due_date": pl.Date(),
    "gap_days": pl.Int32(),
    "late": pl.Boolean(),
    "what": pl.String(),
}


def only_child(dataset: Dataset, child_id: str) -> Dataset:
    """The dataset restricted to one child (for explanations)."""
    tables = {name: t.filter(pl.col("child_id") == child_id) if "child_id" in t.columns else t
              for name, t in dataset.tables.items()}
    return Dataset(tables, dataset.quality, dataset.source, dataset.path, dataset.as_at, dataset.files)


def explain(
    dataset: Dataset,
    profile: Profile,
    child_id: str,
    as_at: dt.date | None = None,
    since: dt.date | None = None,
    rules: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
) -> tuple[AuditResult, pl.DataFrame]:
    """One child's findings and the timeline behind each: anchor, every event, every gap, due dates.

    For frequency and recency rules the timeline lists each interval (from the anchor or the
    previous qualifying event to the next, or to the audit date for the open interval) with the
    date it was due and whether it ran late.
    """
    as_at = as_at or dt.date.today()
    if child_id not in set(dataset.table("children")["child_id"].to_list()):
        raise UsageError(f"child {child_id!r} is not in the children table")
    ds = only_child(dataset, child_id)
    result = audit(ds, profile, as_at, since, rules, calendar)
    profile = profile.select(rules)
    cal = calendar or profile.calendar()
    parts = []
    for rule in profile.rules:
        if rule.kind not in ("frequency", "recency") or rule.id in result.not_assessed:
            continue
        ctx = _Ctx(ds, rule, cal, as_at, since)
        rows = cohort(ctx)
        if rows.is_empty():
            continue
        events = event_dates(ds, rule.events, as_at)
        g = gaps(ctx, rows, events).join(rows.select("key", "episode_type", "anchor"), on="key")
        what = rule.events[0].describe() if len(rule.events) == 1 else "qualifying event"
        parts.append(
            g.select(
                pl.lit(rule.id).alias("rule_id"),
                "episode_type",
                pl.col("anchor").alias("anchor_date"),
                pl.col("k").alias("step"),
                pl.col("start").alias("from_date"),
                pl.col("stop").alias("to_date"),
                pl.col("due").alias("due_date"),
                (pl.col("stop") - pl.col("start")).dt.total_days().cast(pl.Int32).alias("gap_days"),
                "late",
                pl.when(pl.col("final")).then(pl.lit("open interval to the audit date / end"))
                .otherwise(pl.lit(what)).alias("what"),
            ).cast(TIMELINE_SCHEMA)  # type: ignore[arg-type]
        )
    timeline = pl.concat(parts) if parts else pl.DataFrame(schema=TIMELINE_SCHEMA)
    return result, timeline.sort("rule_id", "anchor_date", "step")
