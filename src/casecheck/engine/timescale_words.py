"""The detail sentence of a timescale finding: what was done and when, against which limit, from
which event ("Visit (child seen) on 05/03/2025: within 1 working day of the referral on
04/03/2025 (the one that led to the section 47 enquiry, by referral id).")."""

from __future__ import annotations

import polars as pl

from casecheck import words
from casecheck.engine.context import RuleContext
from casecheck.engine.events import unmet_words
from casecheck.engine.requirements import ZERO, ends_case, own_row, same_row, specs
from casecheck.engine.sentences import OTHERWISE, Detail, capitalised, fmt_date, working_days
from casecheck.references import Offset


def detail(ctx: RuleContext) -> Detail:
    """The (condition, sentence) branches of a timescale finding."""
    rule = ctx.rule
    assert rule.start is not None and rule.done is not None
    if own_row(ctx):
        return _own_row_detail(ctx)
    b_txt = " or ".join(d.describe() for d in rule.dones)
    if rule.start.table == rule.done.table == "episodes" and same_row(ctx):
        b_txt = "end of the " + words.episode_start(_start_types(ctx)).removesuffix(" start")
    limit, how_due, tail = _limits(ctx)
    clock = pl.format("{}{}", _clock(ctx), tail)  # "the assessment start on 03/03/2025"
    approx, approx_in = ("", "")
    if any(d.approximate for d in rule.durations):
        approx, approx_in = " (hours counted as whole days)", ", hours counted as whole days"
    done, due = fmt_date(pl.col("done_date")), fmt_date(pl.col("due_date"))
    overdue = working_days(pl.col("days_overdue"))
    b = capitalised(b_txt)
    why = pl.format(f"{{}} {{}}{approx_in}", how_due, clock)
    # (a clock that starts at the closure runs after it: the closure stops nothing)
    closed = pl.col("closed_date").is_not_null()
    if ends_case(ctx):
        closed &= pl.col("due_date") < pl.col("closed_date")
    return [
        (pl.col("status") == "met", pl.format(f"{b} on {{}}: {{}} {{}}{approx}.", done, limit, clock)),
        (pl.col("status") == "pending", pl.format(f"{b} due by {{}} ({{}}): not done yet.", due, why)),
        # (done after the case closed, from the start's own row: overdue counts to the closure)
        (closed & pl.col("done_date").is_not_null() & (pl.col("done_date") > pl.col("closed_date")).fill_null(False),
         pl.format(f"{b} on {{}}, after the case closed on {{}}: due on {{}} ({{}}); {{}} overdue at closure.",
                   done, fmt_date(pl.col("closed_date")), due, why, overdue)),
        (pl.col("done_date").is_not_null(),
         pl.format(f"{b} on {{}}: {{}} after it was due on {{}} ({{}}).", done, overdue, due, why)),
        (closed,
         pl.format(f"{b} due by {{}} ({{}}): not done before the case closed on {{}}; {{}} overdue at closure.",
                   due, why, fmt_date(pl.col("closed_date")), overdue)),
        (OTHERWISE, pl.format(f"{b} due by {{}} ({{}}): not done, {{}} overdue.", due, why, overdue)),
    ]


def _limits(ctx: RuleContext) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(the limit, as met: ``within 45 working days of``; how the due date was set: ``45 working
    days after``, ``between 3 weeks before and 2 weeks before``, ``by``; and what follows the
    clock: for a checkpoint after the first, `` (after the checkpoint of 17/03/2025)``)."""
    rule = ctx.rule
    none = pl.lit("")
    if rule.checkpoints:
        cp = pl.col("checkpoint").replace_strict({str(d): d.describe() for d in rule.checkpoints},
                                                   default=pl.col("checkpoint"))
        after = pl.when(pl.col("earliest") > pl.col("anchor")).then(
            pl.format(", after the checkpoint of {}", fmt_date(pl.col("earliest") - pl.duration(days=1)))
        ).otherwise(none)
        return pl.format("within {} of", cp), pl.format("{} after", cp), after
    if rule.window:
        lo, hi = specs(ctx)[0].lo, specs(ctx)[0].hi
        end = "the day of" if hi.duration.amount == 0 else hi.describe()
        if lo == "case":
            text = f"by {end}"
        else:
            assert isinstance(lo, Offset)
            start = "the day of" if lo == ZERO or lo.duration.amount == 0 else lo.describe()
            text = f"between {start} and {end}"
        return pl.lit(text), pl.lit(text), none
    assert rule.within is not None
    within = rule.within.describe()
    return pl.lit(f"within {within} of"), pl.lit(f"{within} after"), none


def _clock(ctx: RuleContext) -> pl.Expr:
    """The event the clock runs from, with its date: ``the child and family assessment start on
    03/03/2025``; with ``from``, ``the referral on 03/03/2025 (the one that led to the section 47
    enquiry on 04/03/2025, by referral id)``."""
    a_words = _start_words(ctx)
    a_expr = pl.lit(a_words) if isinstance(a_words, str) else a_words
    start_on = pl.format("the {} on {}", a_expr, fmt_date(pl.col("start_date")))
    ref = ctx.rule.from_
    if ref is None:
        return start_on
    what = ref.describe()
    anchor = fmt_date(pl.col("anchor"))
    return (
        pl.when(pl.col("linked") == "id")
        .then(pl.format(f"the {what} on {{}} (the one that led to {{}}, by referral id)", anchor, start_on))
        .when(pl.col("linked") == "latest")
        .then(pl.format(f"the {what} on {{}} (the latest before {{}})", anchor, start_on))
        .otherwise(pl.format(f"{{}} (no {what} recorded before it, so from the {{}} itself)", start_on, a_expr))
    )


def _own_row_detail(ctx: RuleContext) -> Detail:
    """``Visit (child seen) on 04/03/2025: seen alone.`` / ``...: the record does not show
    it (seen alone).``"""
    rule = ctx.rule
    assert rule.start is not None and rule.done is not None
    a_words = _start_words(ctx)
    a_txt, a_args = (capitalised(a_words), []) if isinstance(a_words, str) else ("{}", [a_words])
    shown = rule.done.condition_words() or [rule.done.describe()]
    what = " and ".join(shown)
    start = fmt_date(pl.col("start_date"))
    return [
        (pl.col("status") == "met", pl.format(f"{a_txt} on {{}}: {what}.", *a_args, start)),
        (pl.col("status") == "pending", pl.format(f"{a_txt} on {{}}: not yet recorded ({what}).", *a_args, start)),
        (unmet_words(rule.done).is_not_null(),
         pl.format(f"{a_txt} on {{}}: the record does not show it ({{}}).", *a_args, start, unmet_words(rule.done))),
        (OTHERWISE, pl.format(f"{a_txt} on {{}}: the record does not show it ({what}).", *a_args, start)),
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
    need episode start``, ``section 47 enquiry``, ``end of the early help episode``); otherwise
    the event (with ``start_where``'s assessment types)."""
    start = ctx.rule.start
    assert start is not None
    if start.table == "episodes":
        if start.date == "start_date":
            starts = {code: words.episode_start((code,)) for code in words.EPISODE_TYPES}
        else:
            what = "end" if start.date == "end_date" else words.date_column("episodes", start.date)
            starts = {code: f"{what} of the {words.word(code)} episode" for code in words.EPISODE_TYPES}
        return pl.col("episode_type").replace_strict(starts, default=pl.lit(start.describe()))
    for col, values in ctx.rule.start_where:
        if col == "assessment_type":
            return f"{words.either(values)} assessment start"
    return start.describe()
