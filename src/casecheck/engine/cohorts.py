"""Cohorts: the episodes (or placements, or children) a rule checks, each with its clock.

A cohort row runs from its ``anchor`` (the episode's start, or the placement's) to its ``end``:
the audit date, or the day the episode (or placement) ended when that came first. Episodes of one
type that overlap are one episode, and a child is in one placement at a time
(:mod:`casecheck.overlaps`).

* Point in time: the rows open at the audit date.
* Audit period: the rows open at some time in the reporting period; a row that closed in it
  keeps ``closed_date``, and its clock stops there.
* ``exclude``: a row is left out while an excluding episode is open at its end (the audit date,
  or its own end). When an excluding episode ended before that, the row's requirements falling
  due while it was open wait until it ended (``excl_start``, ``excl_end``).
* ``per = "child"``: one row per child: the earliest-starting row open at the end; with none
  open (audit period), the one that closed last.
"""

from __future__ import annotations

import polars as pl

from casecheck.engine import anchors
from casecheck.engine.context import RuleContext
from casecheck.engine.placements import (
    at_end,
    episode_permanence,
    matches,
    placements,
    uses_permanence,
    uses_placement_at_end,
)
from casecheck.overlaps import group_overlaps, merged_episodes

COHORT_COLUMNS = ["child_id", "episode_type", "team", "worker_id", "anchor", "end", "closed_date",
                  "perm", "dob", "excl_start", "excl_end", "excl_placement", "age_end"]


def cohort(ctx: RuleContext) -> pl.DataFrame:
    """The rule's cohort (see the module doc), shared between rules with the same definition.

    Columns: key, child_id, episode_type, team, worker_id, anchor, end, closed_date (the row's
    end when it is on or before the audit date), perm (permanence agreed date), dob, excl_start
    and excl_end.
    """
    r = ctx.rule
    key = ("cohort", r.cohort, r.exclude, r.per, r.anchor, r.anchor_in, uses_permanence(ctx) and r.permanence,
           r.placement_where, r.exclude_placement, r.until_age, ctx.as_at, ctx.window_start,
           ctx.over_period)
    return ctx.cached(key, lambda: _build(ctx))


def episodes(ctx: RuleContext) -> pl.DataFrame:
    """The extract's episodes, those of one type that overlap merged into one."""
    return ctx.cached(("episodes",), lambda: merged_episodes(ctx.ds.table("episodes")).collect())


def _build(ctx: RuleContext) -> pl.DataFrame:
    rule, as_at, lo = ctx.rule, ctx.as_at, ctx.window_start
    ends_after = pl.lit(True) if lo is None else pl.col("end_date") > lo
    open_in_window = (pl.col("start_date") <= as_at) & (pl.col("end_date").is_null() | ends_after)
    dob = ctx.ds.table("children").lazy().select("child_id", pl.col("date_of_birth").alias("dob"))
    rows = (
        episodes(ctx).lazy()
        .filter(open_in_window & pl.col("episode_type").is_in(list(rule.cohort)))
        .select("child_id", "episode_type", "team", "worker_id",
                pl.col("start_date").alias("ep_start"), pl.col("end_date").alias("ep_end"))
        .join(dob, on="child_id", how="left")
    )
    rows = anchors.with_age_end(ctx, anchors.with_anchor(ctx, _with_anchor(ctx, rows)))
    ends_first = pl.col("row_end").is_not_null() & (pl.col("row_end") <= as_at)
    rows = rows.with_columns(
        end=pl.when(ends_first).then(pl.col("row_end")).otherwise(pl.lit(as_at)),
        closed_date=pl.when(ends_first).then(pl.col("row_end")),
    ).filter(pl.col("anchor") <= pl.col("end"))  # (an age or event anchor still to come: not yet)
    # the birthday ended the row (by the audit date), not the episode's end
    rows = rows.with_columns(age_end=pl.when(pl.col("age_end") == pl.col("closed_date")).then(pl.col("age_end")))
    if ctx.over_period:  # open at some time in the period (a row that ended on its first day is not)
        if lo is not None:
            rows = rows.filter(pl.col("end") > lo)
    else:
        rows = rows.filter(pl.col("closed_date").is_null())
    rows = _by_placement(ctx, rows)
    rows = rows.sort("child_id", "anchor", "episode_type", "ep_start", nulls_last=True)
    if rule.exclude:
        rows = _exclude(ctx, rows)
    else:
        rows = rows.with_columns(excl_start=pl.lit(None, dtype=pl.Date), excl_end=pl.lit(None, dtype=pl.Date))
    rows = _placement_wait(rows)
    if rule.per == "child":
        rows = _one_per_child(rows)
    return rows.select(COHORT_COLUMNS).collect().with_row_index("key")


def _with_anchor(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Add anchor, row_end and perm: the episode's start and end, or (``anchor = "placement"``)
    each placement's within the episode (an episode without a placement keeps its own, unless the
    rule asks for a kind of placement)."""
    rule, as_at, lo = ctx.rule, ctx.as_at, ctx.window_start
    if rule.anchor != "placement":
        return rows.with_columns(anchor=pl.col("ep_start"), row_end=pl.col("ep_end"),
                                 perm=pl.lit(None, dtype=pl.Date))

    def overlapping(keep=(), drop=()) -> pl.LazyFrame:
        places = placements(ctx, keep, drop).lazy().select(
            "child_id", pl.col("start_date").alias("p_start"), pl.col("end_date").alias("p_end"),
            pl.col("permanence_agreed_date").alias("perm"),
        )
        return rows.join(places, on="child_id", how="inner").filter(
            (pl.col("p_start") <= as_at)
            & (pl.col("p_end").is_null() | (pl.lit(True) if lo is None else pl.col("p_end") > lo))
            & (pl.col("p_end").is_null() | (pl.col("p_end") > pl.col("p_start")))
            & (pl.col("ep_end").is_null() | (pl.col("p_start") < pl.col("ep_end")))
            & (pl.col("p_end").is_null() | (pl.col("p_end") > pl.col("ep_start")))
        )

    # the placements that meet the rule's placement filter (rows of one placement that meet it
    # and follow on are one)
    joined = overlapping(rule.placement_where, rule.exclude_placement).with_columns(
        anchor=pl.max_horizontal("p_start", "ep_start"),
        row_end=pl.min_horizontal("p_end", "ep_end"),
    ).drop("p_start", "p_end")
    if rule.placement_where:
        return joined
    placed = overlapping() if rule.exclude_placement else joined
    if rule.exclude_placement:
        joined = _placement_clock(joined, placed)
    bare = rows.join(placed.select("child_id", "ep_start").unique(), on=["child_id", "ep_start"], how="anti")
    bare = bare.with_columns(anchor=pl.col("ep_start"), row_end=pl.col("ep_end"), perm=pl.lit(None, dtype=pl.Date))
    return pl.concat([joined, bare], how="diagonal_relaxed")


def _placement_clock(rows: pl.LazyFrame, placed: pl.LazyFrame) -> pl.LazyFrame:
    """With ``exclude_placement``, a row that begins while its placement goes on (connected
    carers' placement under a full care order from the day of the final hearing) keeps the
    placement's clock: the anchor is the placement's start, and what fell due before the row
    began waits until it began (``excl_start``, ``excl_end``; ``excl_placement``), as for an
    excluding episode. The child was placed once, not again on the day of the order."""
    runs = placed.select("child_id", "ep_start", pl.max_horizontal("p_start", "ep_start").alias("_run_start"),
                         pl.min_horizontal("p_end", "ep_end").alias("_run_end")).unique()
    inside = (pl.col("_run_start") < pl.col("anchor")) & (
        pl.col("_run_end").is_null() | (pl.col("_run_end") > pl.col("anchor")))
    began = (
        rows.select("child_id", "ep_start", "anchor").unique()
        .join(runs, on=["child_id", "ep_start"]).filter(inside)
        .group_by("child_id", "ep_start", "anchor").agg(pl.col("_run_start").min())
    )
    rows = rows.join(began, on=["child_id", "ep_start", "anchor"], how="left")
    mid = pl.col("_run_start").is_not_null()
    return rows.with_columns(
        anchor=pl.when(mid).then(pl.col("_run_start")).otherwise(pl.col("anchor")),
        pl_excl_start=pl.when(mid).then(pl.col("_run_start")),
        pl_excl_end=pl.when(mid).then(pl.col("anchor")),
    ).drop("_run_start")


def _placement_wait(rows: pl.LazyFrame) -> pl.LazyFrame:
    """``excl_placement``: whether the row's wait (``excl_start``, ``excl_end``) is the time its
    placement went on before the row began (:func:`_placement_clock`) rather than an excluding
    episode (which, when both are there, is the later and wins)."""
    if "pl_excl_start" not in rows.collect_schema().names():
        return rows.with_columns(excl_placement=pl.lit(False))
    use = pl.col("excl_end").is_null() & pl.col("pl_excl_end").is_not_null()
    return rows.with_columns(
        excl_start=pl.when(use).then(pl.col("pl_excl_start")).otherwise(pl.col("excl_start")),
        excl_end=pl.when(use).then(pl.col("pl_excl_end")).otherwise(pl.col("excl_end")),
        excl_placement=use,
    ).drop("pl_excl_start", "pl_excl_end")


def _by_placement(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Episode-anchored rows: keep those whose current placement meets the rule's placement
    filter, and give them its permanence; either anchor: the episode's permanence, when the rule
    asks for it (:mod:`.placements`)."""
    rule = ctx.rule
    episode_perm = uses_permanence(ctx) and rule.permanence == "episode"
    if uses_placement_at_end(ctx):
        rows = at_end(ctx, rows)
        if rule.placement_where:
            rows = rows.filter(matches(rule.placement_where))
        if rule.exclude_placement:
            rows = rows.filter(~matches(rule.exclude_placement))
        rows = rows.with_columns(perm=pl.col("p_perm") if uses_permanence(ctx) else pl.lit(None, dtype=pl.Date))
    if episode_perm:
        rows = episode_permanence(ctx, rows)
    return rows


def _exclusions(ctx: RuleContext) -> pl.LazyFrame:
    """Each child's spells under an excluding episode (of any of the excluding types, merged
    where they overlap): child_id, ex_start, ex_end (null while open)."""
    types = ctx.rule.exclude

    def build() -> pl.DataFrame:
        ep = ctx.ds.table("episodes").lazy().filter(pl.col("episode_type").is_in(list(types)))
        grouped = group_overlaps(ep.select("child_id", "start_date", "end_date"), ["child_id"],
                                 "start_date", "end_date")
        return grouped.filter(pl.col("last")).select(
            "child_id", pl.col("group_start").alias("ex_start"), pl.col("group_end").alias("ex_end")
        ).collect()

    return ctx.cached(("exclusions", types), build).lazy()


def _exclude(ctx: RuleContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Leave out rows with an excluding episode open at their end; give the others the latest
    excluding spell that ended within them (``excl_start``, ``excl_end``)."""
    rows = rows.with_row_index("_k").collect().lazy()  # numbered once (see anchors.with_anchor)
    pairs = rows.select("_k", "child_id", "anchor", "end").join(_exclusions(ctx), on="child_id")
    open_at_end = (pl.col("ex_start") <= pl.col("end")) & (
        pl.col("ex_end").is_null() | (pl.col("ex_end") > pl.col("end"))
    )
    ended_within = (pl.col("ex_end") <= pl.col("end")) & (pl.col("ex_end") > pl.col("anchor"))
    blocked = pairs.filter(open_at_end).select("_k").unique()
    resumed = (
        pairs.filter(ended_within)
        .sort("_k", "ex_end")
        .group_by("_k", maintain_order=True)
        .agg(pl.col("ex_start").last().alias("excl_start"), pl.col("ex_end").last().alias("excl_end"))
    )
    return (
        rows.join(blocked, on="_k", how="anti", maintain_order="left")
        .join(resumed, on="_k", how="left", maintain_order="left")
        .drop("_k")
    )


def _one_per_child(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per child: the earliest anchor among the rows open at their end (the audit date);
    when none is open, the row that closed last. Rows stay in (child, anchor) order."""
    closed = pl.col("closed_date").is_not_null()
    rank = pl.when(closed).then(-pl.col("closed_date").cast(pl.Int32)).otherwise(pl.col("anchor").cast(pl.Int32))
    chosen = rows.with_columns(_closed=closed, _rank=rank).sort(
        "child_id", "_closed", "_rank", "episode_type", "ep_start", nulls_last=True, maintain_order=True
    )
    return chosen.unique("child_id", keep="first", maintain_order=True).drop("_closed", "_rank")
