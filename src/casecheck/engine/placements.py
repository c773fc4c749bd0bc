"""What a rule reads from the child's placements: the placement rows a cohort is anchored on,
the placement that chooses the rule (``placement_where``, ``exclude_placement``: Redcar &
Cleveland's children placed at home under a care order have a schedule of their own), and the
date permanence was agreed.

* A child is in one placement at a time (:func:`casecheck.overlaps.current_placements`), and rows
  of one placement (same ``placement_id``, following on: a change of legal status) are one
  placement (:func:`casecheck.overlaps.placement_runs`).
* With ``anchor = "placement"``, the placement filter chooses the rows: a placement that meets it
  is a row of its own, from the day it began to meet it (a placement at home that becomes one
  under a full care order starts that rule's clock on the day of the order); rows that meet it
  and follow on are one.
* Otherwise the filter is asked of the placement current on the row's last day (the audit date,
  or the day before the episode closed).
* Permanence (``permanent_interval``) is that of the placement current at the row's end
  (``permanence = "placement"``, the default; with ``anchor = "placement"``, the row's own), or
  (``permanence = "episode"``) the first agreed for any placement during the episode. Either way
  it counts from the later of the day it was agreed and the day that placement began.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.engine.context import RuleContext
from casecheck.engine.events import conditions
from casecheck.overlaps import current_placements, placement_runs
from casecheck.references import Condition


def matches(alternatives: tuple[Condition, ...]) -> pl.Expr:
    """Any of the alternatives holds."""
    out = pl.lit(False)
    for alt in alternatives:
        out |= conditions(alt)
    return out


def placements(ctx: RuleContext, keep: tuple[Condition, ...] = (), drop: tuple[Condition, ...] = ()) -> pl.DataFrame:
    """The child's placements (one at a time, rows of one placement joined), only those rows
    meeting one of ``keep`` (when given) and none of ``drop``, then joined where they follow on."""

    def build() -> pl.DataFrame:
        rows = current_placements(ctx.ds.table("placements"))
        if keep:
            rows = rows.filter(matches(keep))
        if drop:
            rows = rows.filter(~matches(drop))
        return placement_runs(rows).collect()

    return ctx.cached(("placements", keep, drop), build)


def uses_placement_at_end(ctx: RuleContext) -> bool:
    """Whether an episode-anchored rule reads the placement current at each row's end."""
    r = ctx.rule
    return r.anchor != "placement" and (bool(r.placement_conditions) or uses_permanence(ctx))


def uses_permanence(ctx: RuleContext) -> bool:
    r = ctx.rule
    return r.permanent_interval is not None or any(p.permanent_interval for p in r.phases)


def at_end(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """``rows`` (episode rows with end and closed_date) with the placement current on each row's
    last day: p_start, p_type (placement_type), legal_status... and p_perm (the permanence agreed
    for it, from the day the placement began), or nulls when there is none."""
    places = placements(ctx).lazy().rename(
        {"start_date": "p_start", "end_date": "p_end", "permanence_agreed_date": "p_perm"})
    last_day = pl.when(pl.col("closed_date").is_not_null()).then(pl.col("end") - dt.timedelta(days=1)).otherwise(
        pl.col("end"))
    rows = rows.with_columns(_last=last_day).sort("_last")
    found = rows.join_asof(places.sort("p_start"), left_on="_last", right_on="p_start", by="child_id",
                           strategy="backward", check_sortedness=False)
    current = pl.col("p_start").is_not_null() & (pl.col("p_end").is_null() | (pl.col("p_end") > pl.col("_last")))
    cols = [c for c in places.collect_schema().names() if c != "child_id"]
    return found.with_columns(
        [pl.when(current).then(pl.col(c)).alias(c) for c in cols]
    ).with_columns(
        p_perm=pl.when(pl.col("p_perm").is_not_null()).then(pl.max_horizontal("p_perm", "p_start")),
    ).drop("_last")


def episode_permanence(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """``perm``: the first permanence agreed for any of the child's placements during the row's
    episode (from the later of the agreement and the placement's start), up to the row's end."""
    places = placements(ctx).lazy().select(
        "child_id", pl.col("start_date").alias("q_start"), pl.col("end_date").alias("q_end"),
        pl.col("permanence_agreed_date").alias("q_perm")).filter(pl.col("q_perm").is_not_null())
    keyed = rows.with_row_index("_r").collect().lazy()  # numbered once (see anchors.with_anchor)
    perm = (
        keyed.select("_r", "child_id", "ep_start", "end")
        .join(places, on="child_id")
        .with_columns(eff=pl.max_horizontal("q_perm", "q_start", "ep_start"))
        .filter((pl.col("q_end").is_null() | (pl.col("q_end") > pl.col("ep_start")))
                & (pl.col("q_start") <= pl.col("end")) & (pl.col("eff") <= pl.col("end")))
        .group_by("_r").agg(pl.col("eff").min().alias("perm"))
    )
    return keyed.drop("perm", strict=False).join(perm, on="_r", how="left", maintain_order="left").drop("_r")
