"""Qualifying events: the rows of a table that an event reference (``visit``,
``document:chronology``, ``assessments.completed_date``) names, as (child, date) lists."""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.dataset import Dataset
from casecheck.engine.context import RuleContext
from casecheck.engine.frames import in_order, same_as_previous
from casecheck.references import Condition, EventRef


def ref_filter(ref: EventRef) -> pl.Expr:
    """The rows of ``ref``'s table that are qualifying events (dated, of the type, seen, and
    meeting its conditions: a blank value never meets one)."""
    return pl.col(ref.date).is_not_null() & row_filter(ref)


def row_filter(ref: EventRef) -> pl.Expr:
    """Whether a row meets ``ref``'s type and conditions (whatever its date)."""
    cond = pl.lit(True)
    for col, values in ref.where:
        cond &= pl.col(col).is_in(list(values))
    if ref.seen:
        cond &= pl.col("seen").fill_null(True)
        cond &= pl.col("visit_type").is_null() | pl.col("visit_type").str.starts_with("statutory")
    if ref.seen_alone:
        cond &= pl.col("seen_alone").fill_null(False)
    return cond & conditions(ref.conds)


def unmet_words(ref: EventRef) -> pl.Expr:
    """The conditions of ``ref`` beyond its kind that a row does not meet, in words (``bedroom
    seen recorded``; several joined by "and"; blank when it meets them all)."""
    parts: list[tuple[pl.Expr, str]] = []
    if ref.seen_alone:
        parts.append((pl.col("seen_alone").fill_null(False), "seen alone"))
    parts += [(conditions((c,)), c.describe()) for c in ref.conds]
    if not parts:
        return pl.lit(None, dtype=pl.String)
    listed = pl.concat_list([pl.when(~held).then(pl.lit(word)) for held, word in parts]).list.drop_nulls()
    return pl.when(listed.list.len() > 0).then(listed.list.join(" and "))


def conditions(conds: Condition) -> pl.Expr:
    """All of ``conds`` hold (a blank cell meets none)."""
    out = pl.lit(True)
    for c in conds:
        found = pl.col(c.column).is_in(list(c.values)).fill_null(False)
        if c.negate:
            found = pl.col(c.column).is_not_null() & ~found
        out &= found
    return out


def event_dates(ds: Dataset, refs: tuple[EventRef, ...], as_at: dt.date | None = None) -> pl.DataFrame:
    """Distinct (child_id, date) of the qualifying events (on or before ``as_at`` when given),
    sorted by child and date."""
    frames = [
        ds.table(ref.table)
        .lazy()
        .filter(ref_filter(ref) & (pl.col(ref.date) <= as_at if as_at else pl.lit(True)))
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


def qualifying_events(ctx: RuleContext, refs: tuple[EventRef, ...]) -> pl.DataFrame:
    """All qualifying events, sorted by child and date, whatever the audit date (callers stop at it).

    Cached for the audit (and across the month ends of a trend): several rules use the same
    events.
    """
    key = ("events", tuple(r.text for r in refs))
    if key not in ctx.cache:
        ctx.cache[key] = event_dates(ctx.ds, refs)
    return ctx.cache[key]


def latest_event(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``latest``: each child's latest qualifying event on or before the audit date.

    Point-in-time rows all end at the audit date, so this is one cached aggregate per event list
    (shared by every rule that uses it), joined to the cohort.
    """
    refs = ctx.rule.events
    key = ("latest", tuple(r.text for r in refs), ctx.as_at)
    if key not in ctx.cache:
        ctx.cache[key] = (
            qualifying_events(ctx, refs)
            .lazy()
            .filter(pl.col("date") <= ctx.as_at)
            .group_by("child_id")
            .agg(pl.col("date").max().alias("latest"))
            .collect()
        )
    return rows.join(ctx.cache[key], on="child_id", how="left")
