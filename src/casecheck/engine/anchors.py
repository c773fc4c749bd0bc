"""Where a cohort row's clock starts and where the rule stops applying, besides the episode and
the placement (:mod:`.cohorts`):

* ``anchor = "age:15y8mo"``: the day the child reaches that age ("prepared for adulthood by 15
  years 8 months"), or the episode's start for a child already older; a child with no date of
  birth is counted from the episode's start, and the finding says so. Until the child reaches the
  age, the rule does not apply to them.
* ``anchor = "meeting:cla_review#2"``: the n-th such event during the episode ("the permanence
  plan by the second review"); ``anchor = "document:plan"`` is the first. Until it happens, the
  rule does not apply to the episode. With ``anchor_in = "case"`` the events are counted from
  the start of the child's period of involvement instead ("from the first visit to a family":
  a child whose child in need episode became a child protection one was visited first in it).
* ``until_age = 20``: the rule applies until the child's 20th birthday ("seen at least every
  2 months until they are 20"): the row ends then, and a requirement falling due after it leaves
  the rule's scope, as at a closure (the finding keeps the case's own closure date).
"""

from __future__ import annotations

import polars as pl

from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.overlaps import involvement_periods


def with_anchor(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Episode rows (``ep_start``, ``ep_end``, ``dob``) with ``anchor`` and ``row_end`` for an age
    or event anchor (rows whose event has not happened are left out); other rows as they are."""
    rule = ctx.rule
    if rule.anchor_age is not None:
        reached = pl.col("dob").dt.offset_by(rule.anchor_age.offset)
        return rows.with_columns(anchor=pl.max_horizontal("ep_start", reached), row_end=pl.col("ep_end"))
    if rule.anchor_event is not None:
        ref = rule.anchor_event
        events = qualifying_events(ctx, (ref,)).lazy().filter(pl.col("date") <= ctx.as_at)
        # (numbered once: a lazy frame numbered in each of the plans below could number its
        # rows in another order in each, since the joins before it keep no order)
        keyed = rows.with_row_index("_a").collect().lazy()
        counted_from = pl.col("ep_start")
        if rule.anchor_in == "case":
            keyed = _with_case_start(ctx, keyed)
            counted_from = pl.col("_case_start")
        nth = (
            keyed.select("_a", "child_id", "ep_start", "ep_end", counted_from.alias("_from"))
            .join(events, on="child_id")
            .filter((pl.col("date") >= pl.col("_from"))
                    & (pl.col("ep_end").is_null() | (pl.col("date") <= pl.col("ep_end"))))
            .sort("_a", "date")
            .group_by("_a", maintain_order=True)
            .agg(pl.col("date").get(max(ref.nth, 1) - 1, null_on_oob=True).alias("anchor"))
            .filter(pl.col("anchor").is_not_null())
        )
        return keyed.drop("anchor", "_case_start", strict=False).join(
            nth, on="_a", how="inner", maintain_order="left").drop("_a").with_columns(row_end=pl.col("ep_end"))
    return rows


def cases(ctx: RuleContext) -> pl.DataFrame:
    """Each child's periods of involvement (any episode type, overlapping or following on),
    sorted by start: child_id, case_start, case_end."""
    return ctx.cached(
        ("cases",),
        lambda: involvement_periods(ctx.ds.table("episodes")).sort("case_start").collect(),
    )


def _with_case_start(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """``_case_start``: the start of the period of involvement each episode row is part of (the
    latest to start on or before the episode: the periods are made of the episodes, so it holds
    the episode's start)."""
    found = (
        rows.select("_a", "child_id", "ep_start").sort("ep_start")
        .join_asof(cases(ctx).lazy().select("child_id", "case_start"), left_on="ep_start",
                   right_on="case_start", by="child_id", strategy="backward", check_sortedness=False)
        .select("_a", pl.col("case_start").alias("_case_start"))
    )
    return rows.join(found, on="_a", how="left", maintain_order="left").with_columns(
        _case_start=pl.coalesce("_case_start", "ep_start"))


def with_age_end(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """``row_end`` brought forward to the birthday that ends the rule (``until_age``), with
    ``age_end`` saying when it did."""
    limit = ctx.rule.until_age
    if limit is None:
        return rows.with_columns(age_end=pl.lit(None, dtype=pl.Date))
    birthday = pl.col("dob").dt.offset_by(f"{limit}y")
    sooner = birthday.is_not_null() & (pl.col("row_end").is_null() | (birthday < pl.col("row_end")))
    return rows.with_columns(
        age_end=pl.when(sooner).then(birthday),
        row_end=pl.when(sooner).then(birthday).otherwise(pl.col("row_end")),
    )
