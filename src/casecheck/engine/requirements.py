"""When a timescale's requirement runs: from which event its clock starts, and the window (or
windows) in which ``done`` must fall.

The clock (``anchor``)
    The start event itself; or, with ``from``, the event it came from: the one linked to it by
    ``referral_id`` where both tables hold one (the referral that led to an s47 enquiry, SSD
    ``s47e_referral_id``), else the latest such event on or before the start. With none, the
    clock runs from the start itself. ``linked`` says which (``id``, ``latest`` or ``none``), and
    the finding says so.

The requirements
    ``within = "1wd"``: one, ``done`` from the clock's start up to ``within`` after it.
    ``window = ["-3w", "-2w"]``: one, ``done`` in that window around the clock's start ("a TAF
    meeting 2-3 weeks before closure"); the first bound may be ``"case"``, the start of the
    child's period of involvement ("a family network meeting before the initial conference").
    ``checkpoints = ["10wd", "25wd", "35wd"]``: one per checkpoint, each needing ``done`` after the
    checkpoint before ("management oversight at days 10, 25 and 35 of an assessment"): a row per
    checkpoint, so each is counted in the period in which it was decided, and the finding names
    it. ``due_date`` is the window's end, ``earliest`` its start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from casecheck.calendar import Duration
from casecheck.engine.context import RuleContext
from casecheck.engine.events import ref_filter
from casecheck.references import EventRef, Offset
from casecheck.rules import Rule
from casecheck.schema import TABLES

LINK = "referral_id"  # the column that links an event to the one it came from


@dataclass(frozen=True)
class Spec:
    """One requirement of a start: ``done`` in [lo, hi] after the clock's start. ``lo`` is an
    offset, ``"case"`` (the period of involvement's start) or ``"previous"`` (the day after the
    checkpoint before); ``label`` names a checkpoint."""

    lo: Offset | str
    hi: Offset
    label: str = ""


ZERO = Offset(False, Duration(0, "d"))


def specs(ctx: RuleContext) -> list[Spec]:
    rule = ctx.rule
    if rule.checkpoints:
        return [Spec(ZERO if i == 0 else "previous", Offset(False, d), label=str(d))
                for i, d in enumerate(rule.checkpoints)]
    if rule.window:
        return [Spec(*rule.window)]
    assert rule.within is not None
    return [Spec(ZERO, Offset(False, rule.within))]


def shift(ctx: RuleContext, expr: pl.Expr, offset: Offset) -> pl.Expr:
    """``expr`` moved by a signed offset (working days counted back for a negative one)."""
    d = offset.duration
    if not offset.before or d.amount == 0:
        return ctx.add(expr, d)
    if d.unit == "wd":
        return expr.dt.add_business_days(-d.amount, holidays=ctx.cal.non_working_days, roll="forward")
    if d.unit in ("mo", "y"):
        return expr.dt.offset_by(f"-{d.amount}{d.unit}")
    return expr - pl.duration(days=d.calendar_days or 0)


def linked(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``anchor`` (the clock's start) and ``linked``: the start itself, or with ``from`` the
    event it came from (by referral id, else the latest on or before the start)."""
    ref = ctx.rule.from_
    if ref is None:
        return rows.with_columns(anchor=pl.col("start_date"), linked=pl.lit(None, dtype=pl.String))
    cols = TABLES[ref.table].column_names
    source = ctx.ds.table(ref.table).lazy().filter(ref_filter(ref) & (pl.col(ref.date) <= ctx.as_at))
    events = source.select("child_id", pl.col(ref.date).alias("from_date"),
                           *([pl.col(LINK).alias("from_id")] if LINK in cols else [])).collect()
    out = rows.join_asof(
        events.select("child_id", "from_date").sort("from_date"), left_on="start_date", right_on="from_date",
        by="child_id", strategy="backward", check_sortedness=False,
    ).rename({"from_date": "latest"})
    by_id = LINK in cols and LINK in rows.columns
    if by_id:
        ids = events.drop_nulls("from_id").group_by("child_id", "from_id").agg(pl.col("from_date").min())
        out = out.join(ids, left_on=["child_id", LINK], right_on=["child_id", "from_id"], how="left",
                       maintain_order="left")
    else:
        out = out.with_columns(from_date=pl.lit(None, dtype=pl.Date))
    return out.with_columns(
        anchor=pl.coalesce("from_date", "latest", "start_date"),
        linked=pl.when(pl.col("from_date").is_not_null()).then(pl.lit("id"))
        .when(pl.col("latest").is_not_null()).then(pl.lit("latest")).otherwise(pl.lit("none")),
    ).drop("from_date", "latest")


def expand(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """One row per requirement of each start (one, or one per checkpoint): ``checkpoint`` (its
    label), ``due_date`` (the window's end) and ``earliest`` (its start). Dates are worked out
    once per distinct anchor (a few thousand, not millions)."""
    parts = []
    anchors = rows.select(pl.col("anchor").unique())
    his = [shift(ctx, pl.col("anchor"), s.hi).alias(f"_hi{i}") for i, s in enumerate(specs(ctx))]
    los = [shift(ctx, pl.col("anchor"), s.lo).alias(f"_lo{i}") for i, s in enumerate(specs(ctx))
           if isinstance(s.lo, Offset) and s.lo != ZERO]
    table = anchors.with_columns(*his, *los)
    dated = rows.join(table, on="anchor", how="left", maintain_order="left")
    for i, s in enumerate(specs(ctx)):
        if s.lo == "case":
            lo = pl.col("case_start")
        elif s.lo == "previous":
            lo = pl.col(f"_hi{i - 1}") + dt.timedelta(days=1)
        elif s.lo == ZERO:
            lo = pl.col("anchor")
        else:
            lo = pl.col(f"_lo{i}")
        parts.append(dated.with_columns(
            checkpoint=pl.lit(s.label or None, dtype=pl.String), due_date=pl.col(f"_hi{i}"), earliest=lo,
            _k=pl.lit(i, dtype=pl.Int32),
        ))
    out = pl.concat(parts) if len(parts) > 1 else parts[0]
    return out.drop([c for c in out.columns if c.startswith(("_hi", "_lo"))])


# ---------------------------------------------------------------------------------------------
# How done is read: from the start's own row, or from the child's events
# ---------------------------------------------------------------------------------------------

def is_start(ctx: RuleContext) -> bool:
    """Whether B is A itself, its clock running from an earlier event (``start =
    "meeting:strategy_discussion"``, ``from = "referral"``, ``done`` the same)."""
    return starts_itself(ctx.rule)


def same_row(ctx: RuleContext) -> bool:
    """Whether B is read from A's own row: another date column of it (an assessment's
    completion), or A itself judged by B's conditions (:func:`own_row`)."""
    return reads_own_row(ctx.rule)


def own_row(ctx: RuleContext) -> bool:
    """Whether B is A's own row meeting B's conditions (``start = "visit"``, ``done = "visit
    where seen_alone"``: each visit, met when the child was seen alone at it)."""
    return judges_own_record(ctx.rule)


def ends_case(ctx: RuleContext) -> bool:
    """Whether the clock starts at an episode's own end (``episodes.end_date``: a closure
    letter): what falls due after it is owed, though the case has closed."""
    start = ctx.rule.start
    return start is not None and start.table == "episodes" and start.date == "end_date"


def starts_itself(rule: Rule) -> bool:
    """:func:`is_start` of a rule."""
    start, done = rule.start, rule.done
    if start is None or done is None:
        return False
    return (rule.from_ is not None and not rule.done_also and done.table == start.table
            and done.date == start.date and done.where == start.where and done.conds == start.conds
            and done.seen == start.seen)


def reads_own_row(rule: Rule) -> bool:
    """:func:`same_row` of a rule."""
    start, done = rule.start, rule.done
    if start is None or done is None or rule.done_also or done.table != start.table:
        return False
    if done.date == start.date:
        return narrows(start, done) or starts_itself(rule)
    return not done.filtered


def judges_own_record(rule: Rule) -> bool:
    """Whether a timescale rule judges each start's own record (:func:`own_row`): a record
    that lacks something is decided on its date and is nothing anyone can do "by" a date
    later, so it is no item of the due list and an exception only in the month it was made."""
    start, done = rule.start, rule.done
    return (rule.kind == "timescale" and start is not None and done is not None
            and reads_own_row(rule) and done.date == start.date and not starts_itself(rule))


def record_checks(rules: Iterable[Rule]) -> list[str]:
    """The ids of the rules that judge each record's own row (:func:`judges_own_record`)."""
    return [r.id for r in rules if judges_own_record(r)]


def narrows(start: EventRef, done: EventRef) -> bool:
    """Whether ``done`` is ``start`` with conditions of its own (of the start's type, or any):
    ``visit where seen_alone`` of ``visit``, not ``meeting:icpc`` of ``meeting:strategy_discussion``."""
    typed_ok = not done.typed or (bool(start.typed) and set(done.typed) <= set(start.typed))
    return typed_ok and bool(done.condition_words())
