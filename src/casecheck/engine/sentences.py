"""The pieces a finding's detail sentence is built from: branches chosen per row, dates as a
person reads them (dd/mm/yyyy), counts of working days, the anchor and the closure, in words."""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck import words
from casecheck.engine.frames import aligned
from casecheck.references import describe_conditions
from casecheck.standards import Rule

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
    frame = aligned(frame)
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


def fmt_date(expr: pl.Expr) -> pl.Expr:
    """A date as a person reads it in a detail sentence: dd/mm/yyyy."""
    return expr.dt.strftime("%d/%m/%Y")


def working_days(n: pl.Expr) -> pl.Expr:
    """``1 working day``, ``12 working days``."""
    return pl.when(n == 1).then(pl.lit("1 working day")).otherwise(pl.format("{} working days", n))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def fmt_day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def started(rule: Rule) -> pl.Expr:
    """``the child protection episode starting on 03/03/2025`` (or the placement's start, the
    day the child reached an age, the n-th event)."""
    if rule.anchor_age is not None:
        age = rule.anchor_age.describe()
        reached = pl.col("dob").dt.offset_by(rule.anchor_age.offset)
        return (
            pl.when(pl.col("dob").is_null())
            .then(_episode(f" (no date of birth recorded, so not from age {age})"))
            .when(reached == pl.col("anchor")).then(pl.format(f"reaching {age} on {{}}", fmt_date(pl.col("anchor"))))
            .otherwise(_episode(f" (the child was already {age})"))
        )
    if rule.anchor_event is not None:
        nth = ordinal(max(rule.anchor_event.nth, 1))
        of = "in this case" if rule.anchor_in == "case" else "of the episode"
        return pl.format(f"the {nth} {rule.anchor_event.describe()} {of}, on {{}}", fmt_date(pl.col("anchor")))
    if rule.anchor == "placement":
        if rule.placement_where:
            kind = describe_conditions(rule.placement_where)
            return pl.format(f"being placed ({kind}) on {{}}", fmt_date(pl.col("anchor")))
        return pl.format("the placement starting on {}", fmt_date(pl.col("anchor")))
    return _episode()


def _episode(extra: str = "") -> pl.Expr:
    """``the child protection episode starting on 03/03/2025``, the type from the row."""
    kind = pl.col("episode_type").replace_strict(words.EPISODE_TYPES, default=pl.col("episode_type"))
    return pl.format(f"the {{}} episode starting on {{}}{extra}", kind, fmt_date(pl.col("anchor")))


def ordinal(n: int) -> str:
    names = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    return names[n - 1] if 1 <= n <= len(names) else f"{n}th"


def closed_note(rule: Rule | None = None) -> pl.Expr:
    """`` Closed on 29/04/2023.`` for a finding whose episode closed by the audit date; for a rule
    that applies until an age, `` Turned 20 on 15/03/2026: the rule no longer applies.``"""
    closed = pl.when(pl.col("closed_date").is_not_null()).then(
        pl.format(" Closed on {}.", fmt_date(pl.col("closed_date")))
    ).otherwise(pl.lit(""))
    if rule is not None and rule.until_age is not None:
        closed = pl.when(pl.col("age_end").is_not_null()).then(pl.format(
            f" Turned {rule.until_age} on {{}}: the rule no longer applies.", fmt_date(pl.col("age_end")))
        ).otherwise(closed)
    return closed
