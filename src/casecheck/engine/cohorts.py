"""Cohorts: the episodes (or placements, or children) a rule checks, each with its clock."""

from __future__ import annotations

import polars as pl

from casecheck.engine.context import RuleContext


def cohort(ctx: RuleContext) -> pl.DataFrame:
    """The rule's cohort, shared between rules with the same cohort definition."""
    r = ctx.rule
    uses_perm = r.permanent_interval is not None or any(p.permanent_interval for p in r.phases)
    key = ("cohort", r.cohort, r.exclude, r.per, r.anchor, uses_perm, ctx.as_at, ctx.since)
    if key not in ctx.cache:
        ctx.cache[key] = _build(ctx)
    return ctx.cache[key]


def _build(ctx: RuleContext) -> pl.DataFrame:
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

