"""Explaining one child: each verdict with the timeline behind it (anchor, every event, every
interval, due dates)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.calendar import WorkingCalendar
from casecheck.chronology import did_you_mean
from casecheck.dataset import Dataset
from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import event_dates
from casecheck.engine.runner import AuditResult, audit
from casecheck.engine.schedules import gaps
from casecheck.errors import UsageError
from casecheck.periods import Period
from casecheck.standards import Profile

TIMELINE_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "episode_type": pl.String(),
    "anchor_date": pl.Date(),
    "step": pl.Int32(),
    "from_date": pl.Date(),
    "to_date": pl.Date(),
    "due_date": pl.Date(),
    "gap_days": pl.Int32(),
    "late": pl.Boolean(),
    "what": pl.String(),
}


def only_child(dataset: Dataset, child_id: str) -> Dataset:
    """The dataset restricted to one child (for explanations)."""
    tables = {name: t.filter(pl.col("child_id") == child_id) if "child_id" in t.columns else t
              for name, t in dataset.tables.items()}
    return Dataset(tables, dataset.quality, dataset.source, dataset.path, dataset.as_at, dataset.files)


def explain(
    dataset: Dataset,
    profile: Profile,
    child_id: str,
    as_at: dt.date | None = None,
    since: dt.date | None = None,
    rules: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
    *,
    period: str | Period = "month",
    over_period: bool | None = None,
) -> tuple[AuditResult, pl.DataFrame]:
    """One child's findings and the timeline behind each: anchor, every event, every gap, due dates.

    For frequency and recency rules the timeline lists each interval (from the anchor or the
    previous qualifying event to the next, or to the audit date for the open interval) with the
    date it was due and whether it ran late. The questions and period are those of :func:`audit`.
    """
    if child_id not in set(dataset.table("children")["child_id"].to_list()):
        near = did_you_mean(dataset, child_id)
        hint = f": did you mean {' or '.join(near)}? (a spreadsheet may have dropped its leading zeros)" if near else ""
        raise UsageError(f"child {child_id[:60]!r} is not in the children table{hint}")
    ds = only_child(dataset, child_id)
    result = audit(ds, profile, as_at, since, rules, calendar, period=period, over_period=over_period)
    as_at = result.as_at
    profile = profile.select(rules)
    cal = calendar or profile.calendar()
    parts = []
    for rule in profile.rules:
        if rule.kind not in ("frequency", "recency") or rule.id in result.not_assessed:
            continue
        ctx = RuleContext(ds, rule, cal, as_at, result.period, result.over_period)
        rows = cohort(ctx)
        if rows.is_empty():
            continue
        events = event_dates(ds, rule.events, as_at)
        g = gaps(ctx, rows, events, carry_prior=rule.kind == "recency")
        g = g.join(rows.select("key", "episode_type", "anchor"), on="key")
        what = " or ".join(e.describe() for e in rule.events)
        parts.append(
            g.select(
                pl.lit(rule.id).alias("rule_id"),
                "episode_type",
                pl.col("anchor").alias("anchor_date"),
                pl.col("k").alias("step"),
                pl.col("start").alias("from_date"),
                pl.col("stop").alias("to_date"),
                pl.col("due").alias("due_date"),
                (pl.col("stop") - pl.col("start")).dt.total_days().cast(pl.Int32).alias("gap_days"),
                "late",
                pl.when(pl.col("final")).then(pl.lit("open interval, to the audit date or the episode's end"))
                .otherwise(pl.lit(what)).alias("what"),
            ).cast(TIMELINE_SCHEMA)  # type: ignore[arg-type]
        )
    timeline = pl.concat(parts) if parts else pl.DataFrame(schema=TIMELINE_SCHEMA)
    return result, timeline.sort("rule_id", "anchor_date", "step")
