"""The detail sentence of a frequency or recency finding, for either question, from the rule's
parameters and each row's dates (the interval applied is worked out with the due date:
:func:`.schedules.step_words`)."""

from __future__ import annotations

import polars as pl

from casecheck import words
from casecheck.engine.context import RuleContext
from casecheck.engine.schedules import first_words
from casecheck.engine.sentences import (
    OTHERWISE,
    Detail,
    capitalised,
    closed_note,
    fmt_date,
    fmt_day,
    started,
    working_days,
)


def detail(ctx: RuleContext) -> Detail:
    """The detail sentence of a frequency or recency finding, for either question."""
    rule = ctx.rule
    what = " or ".join(e.describe() for e in rule.events)
    since = started(rule)
    last = fmt_date(pl.col("last_event_date"))
    due = fmt_date(pl.col("due_date"))
    has = pl.col("last_event_date").is_not_null()
    closed = closed_note(rule)
    resumed = _resumed(ctx)
    if ctx.over_period:
        period = f"From {fmt_day(ctx.start)}" if ctx.start else "Over all the records"
        gap = pl.format("longest gap {} days ({} to {})", pl.col("longest"), fmt_date(pl.col("gap_from")),
                        fmt_date(pl.col("gap_to")))
        late = pl.when(pl.col("n_late") == 1).then(pl.lit("1 interval late")).otherwise(
            pl.format("{} intervals late", pl.col("n_late")))
        return [
            (pl.col("status") == "not_met",
             pl.format(f"{period}: {{}}, the worst due by {{}} and {{}} late; {{}}; {{}}.{{}}{{}}", late, due,
                       working_days(pl.col("days_overdue")), gap, pl.col("applied"), resumed, closed)),
            (pl.col("status") == "pending",
             pl.format(f"{period}: nothing late yet; {{}}, first due by {{}} ({{}} of {{}}).{{}}",
                       _last_or_none(what, has, last), due, pl.col("applied"), since, closed)),
            (OTHERWISE,
             pl.format(f"{period}: every interval kept; {{}}; last {what} on {{}}, next due by {{}} ({{}}).{{}}",
                       gap, last, due, pl.col("applied"), closed)),
        ]
    return [
        (pl.col("status") == "not_met",
         pl.format("{}; due by {} ({}): {} overdue.{}", _last_or_none(what, has, last, since), due,
                   pl.col("applied"), working_days(pl.col("days_overdue")), resumed)),
        (pl.col("status") == "pending",
         pl.when(has).then(pl.format(
             f"Last {what} on {{}}, out of date since {{}}; the first of this {_anchor_noun(ctx)} is due by {{}} "
             f"({first_words(ctx)} of {{}}).", last, fmt_date(pl.col("in_date_until")), due, since))
         .otherwise(pl.format(f"No {what} yet; first due by {{}} ({first_words(ctx)} of {{}}).", due, since))),
        (OTHERWISE, pl.format(f"Last {what} on {{}}; next due by {{}} ({{}}).", last, due, pl.col("applied"))),
    ]


def _anchor_noun(ctx: RuleContext) -> str:
    return "placement" if ctx.rule.anchor == "placement" else "episode"


def _last_or_none(what: str, has: pl.Expr, last: pl.Expr, since: pl.Expr | None = None) -> pl.Expr:
    """``last visit (child seen) on 04/03/2025`` or ``no visit (child seen) since ...``."""
    none = pl.lit(f"no {what} yet") if since is None else pl.format(f"No {what} since {{}}", since)
    text = capitalised if since is not None else (lambda t: t)
    return pl.when(has).then(pl.format(text(f"last {what} on {{}}"), last)).otherwise(none)


def _resumed(ctx: RuleContext) -> pl.Expr:
    """`` The schedule resumed on ..., when the child protection episode ended.`` where the due
    date waited for an excluding episode to end."""
    if not ctx.rule.exclude and not ctx.rule.exclude_placement:
        return pl.lit("")
    waited = pl.col("excl_end").is_not_null() & (pl.col("due_date") == pl.col("excl_end"))
    placement = pl.format(" The placement came under this schedule on {}.", fmt_date(pl.col("excl_end")))
    if not ctx.rule.exclude:
        return pl.when(waited).then(placement).otherwise(pl.lit(""))
    which = words.either(ctx.rule.exclude)
    return pl.when(waited & pl.col("excl_placement")).then(placement).when(waited).then(
        pl.format(f" The schedule resumed on {{}}, when the {which} episode ended.", fmt_date(pl.col("excl_end")))
    ).otherwise(pl.lit(""))
