"""Where a cohort row's clock starts and where the rule stops applying, besides the episode and
the placement (:mod:`.cohorts`):

* ``anchor = "age:15y8mo"``: the day the child reaches that age ("prepared for adulthood by 15
  years 8 months"), or the episode's start for a child already older; a child with no date of
  birth is counted from the episode's start, and the finding says so. Until the child reaches the
  age, the rule does not apply to them.
* ``anchor = "meeting:cla_review#2"``: the n-th such event during the episode ("the permanence
  plan by the second review"); ``anchor = "document:plan"`` is the first. Until it happens, the
  rule does not apply to the episode.
* ``until_age = 20``: the rule applies until the child's 20th birthday ("seen at least every
  2 months until they are 20"): the row ends then, and a requirement falling due after it leaves
  the rule's scope, as at a closure (the finding keeps the case's own closure date).
"""

from __future__ import annotations

import polars as pl

from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events


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
        keyed = rows.with_row_index("_a")
        nth = (
            keyed.select("_a", "child_id", "ep_start", "ep_end")
            .join(events, on="child_id")
            .filter((pl.col("date") >= pl.col("ep_start"))
                    & (pl.col("ep_end").is_null() | (pl.col("date") <= pl.col("ep_end"))))
            .sort("_a", "date")
            .group_by("_a", maintain_order=True)
            .agg(pl.col("date").get(max(ref.nth, 1) - 1, null_on_oob=True).alias("anchor"))
            .filter(pl.col("anchor").is_not_null())
        )
        return keyed.drop("anchor", strict=False).join(nth, on="_a", how="inner", maintain_order="left").drop("_a").with_columns(
            row_end=pl.col("ep_end"))
    return rows


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
