"""Views of an audit that people act on: breakdowns by group, exceptions, due soon, trends.

All take the findings of :func:`casecheck.engine.audit` (or run it) and return Polars frames; the
CLI and the workbook render them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import polars as pl

from casecheck.calendar import Duration, WorkingCalendar
from casecheck.dataset import Dataset
from casecheck.engine import (
    COUNT_SCHEMA,
    AuditResult,
    audit,
    count_statuses,
    record_checks,
    summarise,
)
from casecheck.errors import UsageError
from casecheck.periods import add_months
from casecheck.schema import TABLES
from casecheck.scorecards import rate
from casecheck.standards import Profile, Rule

GROUPS = ("team", "worker", "manager")
#: the rating columns every per-rule frame carries after the counts (see casecheck.scorecards)
RATING_SCHEMA: dict[str, pl.DataType] = {"floor_pct": pl.Float64(), "rag_reason": pl.String()}

BREAKDOWN_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(), "rule_id": pl.String(), **COUNT_SCHEMA, **RATING_SCHEMA,
}


def with_group(findings: pl.DataFrame, dataset: Dataset, by: str) -> pl.DataFrame:
    """Add a ``group`` column: the team, the worker (name and id) or the worker's manager."""
    if by not in GROUPS:
        raise UsageError(f"--by must be one of {', '.join(GROUPS)}, not '{by}'")
    if by == "team":
        return findings.with_columns(group=pl.col("team").fill_null("(no team)"))
    workers = dataset.table("workers").select("worker_id", "worker_name", "manager").unique("worker_id")
    label = pl.when(pl.col("worker_name").is_not_null()).then(
        pl.format("{} ({})", pl.col("worker_name"), pl.col("worker_id"))
    ).otherwise(pl.col("worker_id"))
    names = workers.select("worker_id", label.alias("label"))
    if by == "worker":
        out = findings.join(names, on="worker_id", how="left")
        return out.with_columns(group=pl.col("label").fill_null("(unallocated)")).drop("label")
    managers = workers.select("worker_id", pl.col("manager").alias("manager_id")).join(
        names.rename({"worker_id": "manager_id"}), on="manager_id", how="left"
    )
    out = findings.join(managers, on="worker_id", how="left")
    group = pl.coalesce("label", "manager_id").fill_null("(no manager recorded)")
    return out.with_columns(group=group).drop("label", "manager_id")


def breakdown(result: AuditResult, dataset: Dataset, by: str) -> pl.DataFrame:
    """% met per rule per group (long form: one row per group x rule), rated as the scorecard
    rates (against each rule's target and floor; too few decided cases: not rated)."""
    grouped = with_group(result.findings, dataset, by)
    order = pl.DataFrame(
        {"rule_id": [r.id for r in result.profile.rules], "order": list(range(len(result.profile.rules)))},
        schema={"rule_id": pl.String, "order": pl.Int64},
    )
    counts = count_statuses(grouped, ["group", "rule_id"]).join(order, on="rule_id")
    out = rate(counts, result.profile)
    return out.sort("order", "group").select(list(BREAKDOWN_SCHEMA)).cast(BREAKDOWN_SCHEMA)  # type: ignore[arg-type]


def only_team(result: AuditResult, team: str) -> AuditResult:
    """The audit restricted to one team's findings (``(no team)``: those with none), its summary
    counted again."""
    findings = result.findings.filter(pl.col("team").fill_null("(no team)") == team)
    summary = summarise(findings, result.profile, result.not_assessed, None, result.period, result.over_period)
    return dataclasses.replace(result, findings=findings, summary=summary)


def exceptions(result: AuditResult, rule_id: str | None = None, include_pending: bool = False) -> pl.DataFrame:
    """Children out of timescale: what someone can still act on first (episodes open at the
    audit date), then closed ones (``closed_date`` says when); within each, not met first, the
    most working days overdue first."""
    f = result.findings
    if rule_id is not None:
        f = f.filter(pl.col("rule_id") == rule_id)
    keep = ["not_met", "pending"] if include_pending else ["not_met"]
    f = f.filter(pl.col("status").is_in(keep))
    return f.sort(
        [pl.col("closed_date").is_not_null(), pl.col("status") != "not_met", "days_overdue", "due_date", "child_id"],
        descending=[False, False, True, False, False],
        nulls_last=True,
    )


DUE_SCHEMA: dict[str, pl.DataType] = {
    "due_date": pl.Date(),
    "working_days_to_due": pl.Int32(),
    "rule_id": pl.String(),
    "title": pl.String(),
    "child_id": pl.String(),
    "episode_type": pl.String(),
    "team": pl.String(),
    "worker_id": pl.String(),
    "status": pl.String(),
    "last_event_date": pl.Date(),
    "detail": pl.String(),
}


def due_soon(
    result: AuditResult,
    within: Duration | str = "5wd",
    calendar: WorkingCalendar | None = None,
) -> pl.DataFrame:
    """Every child whose next visit, supervision, review, update or assessment falls due within
    the window after the audit date, or is already overdue, sorted by due date.

    Frequency and recency rules contribute their next due date; timescale and presence rules
    contribute only what is still outstanding (not yet done); a rule that judges each record's
    own row (a visit recorded without whether the child was seen alone) is a recording check,
    never "due", and is left out. Only episodes open at the audit date are listed: nothing can
    be done for a closed one. ``working_days_to_due`` is negative
    when overdue. (Audit with ``period="all"`` for every timescale still outstanding, not only
    those decided in the month.)
    """
    window = Duration.parse(within)
    cal = calendar or result.profile.calendar()
    as_at = result.as_at
    horizon = cal.add(as_at, window)
    rules = result.profile.rules
    kinds = pl.DataFrame(
        {"rule_id": [r.id for r in rules], "kind": [r.kind for r in rules], "title": [r.title for r in rules]},
        schema={"rule_id": pl.String, "kind": pl.String, "title": pl.String},
    )
    records = record_checks(rules)
    f = result.findings.filter(pl.col("closed_date").is_null() & ~pl.col("rule_id").is_in(records)).join(
        kinds, on="rule_id")
    outstanding = (
        pl.col("kind").is_in(["frequency", "recency"])
        | ((pl.col("kind") == "timescale") & pl.col("last_event_date").is_null())
        | ((pl.col("kind") == "presence") & (pl.col("status") != "met"))
    )
    f = f.filter(outstanding & pl.col("due_date").is_not_null() & (pl.col("due_date") <= horizon))
    overdue = cal.working_days_after_expr(pl.col("due_date"), pl.lit(as_at))
    ahead = cal.working_days_after_expr(pl.lit(as_at), pl.col("due_date"))
    f = f.with_columns(
        working_days_to_due=pl.when(pl.col("due_date") < as_at).then(-overdue).otherwise(ahead).cast(pl.Int32)
    )
    return f.sort("due_date", "rule_id", "child_id", maintain_order=True).select(list(DUE_SCHEMA)).cast(DUE_SCHEMA)  # type: ignore[arg-type]


def month_ends(start: str, end: str) -> list[dt.date]:
    """Month ends from ``YYYY-MM`` to ``YYYY-MM`` inclusive."""
    def parse(text: str, option: str) -> tuple[int, int]:
        try:
            y, m = (int(p) for p in text.strip().split("-")[:2])
            if not 1 <= m <= 12 or not 1900 <= y <= 2100:
                raise ValueError
            return y, m
        except ValueError:
            raise UsageError(f"{option} '{text}' is not a month from 1900 to 2100: use YYYY-MM, "
                             "e.g. 2024-04") from None

    y, m = parse(start, "--from")
    y2, m2 = parse(end, "--to")
    if (y, m) > (y2, m2):
        raise UsageError(f"--from {start} is after --to {end}")
    out = []
    while (y, m) <= (y2, m2):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
        y, m = nxt.year, nxt.month
    return out


TREND_SCHEMA: dict[str, pl.DataType] = {
    "month_end": pl.Date(), "rule_id": pl.String(), **COUNT_SCHEMA, **RATING_SCHEMA,
}


def trend(
    dataset: Dataset,
    profile: Profile,
    ends: list[dt.date],
    rules: list[str] | None = None,
    progress: Callable[[dt.date, Rule], None] | None = None,
) -> pl.DataFrame:
    """The audit as at each month end: one row per month x rule.

    Each month is exactly ``audit(..., as_at=month end)`` with its default period, the month:
    frequency, recency and presence rules ask the point-in-time question at the month end, and
    timescale rules count what was decided in the month. The extract is read once; the rules'
    events are gathered once and shared between the month ends.
    """
    cache: dict = {}
    parts = []
    for end in ends:
        hook = (lambda rule, end=end: progress(end, rule)) if progress else None
        result = audit(dataset, profile, end, rules=rules, period="month", progress=hook, cache=cache)
        parts.append(result.summary.with_columns(month_end=pl.lit(end)))
    return rated_trend(pl.concat(parts), profile)


def rated_trend(frame: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """Trend counts rated as the scorecard rates them, in :data:`TREND_SCHEMA`."""
    out = rate(frame, profile)
    return out.select(list(TREND_SCHEMA)).cast(TREND_SCHEMA)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Caseloads
# ---------------------------------------------------------------------------------------------
#: the cohorts a caseload is counted by (other episode types count in ``other``)
CASELOAD_COHORTS = {
    "child_in_need": "Child in need",
    "child_protection": "Child protection",
    "child_in_care": "In care",
    "care_leaver": "Care leaver",
    "early_help": "Early help",
}
CASELOAD_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),
    "children": pl.Int64(),
    **{c: pl.Int64() for c in CASELOAD_COHORTS},
    "other": pl.Int64(),
    "workers": pl.Int64(),
    "average_caseload": pl.Float64(),
    "unallocated": pl.Int64(),
}


def open_episodes(dataset: Dataset, as_at: dt.date) -> pl.DataFrame:
    """Episodes open at the audit date (started on or before it, not ended by it: the engine's
    cohort definition), with the team from the workers table where the episode names none."""
    ep = dataset.table("episodes").filter(
        (pl.col("start_date") <= as_at) & (pl.col("end_date").is_null() | (pl.col("end_date") > as_at))
    ).select("child_id", "episode_type", "team", "worker_id")
    if dataset.has("workers"):
        teams = dataset.table("workers").select("worker_id", pl.col("team").alias("_wteam")).unique("worker_id")
        ep = ep.join(teams, on="worker_id", how="left").with_columns(
            team=pl.coalesce("team", "_wteam")).drop("_wteam")
    return ep


def caseloads(dataset: Dataset, as_at: dt.date, by: str = "team", team: str | None = None) -> pl.DataFrame:
    """Open children per team, worker or manager at the audit date, by cohort (with ``team``,
    of that team's episodes only).

    One row per group: ``children`` (distinct children with an open episode there), one column
    per cohort of :data:`CASELOAD_COHORTS` and ``other`` (a child open in two cohorts counts in
    each, and once in ``children``), ``workers`` (workers holding at least one of those
    children), ``average_caseload`` (the mean of those workers' own counts of children) and
    ``unallocated`` (children open there with no worker). Groups are labelled as in
    :func:`breakdown`, so the two join on ``group``.
    """
    ep = open_episodes(dataset, as_at)
    if team is not None:
        ep = ep.filter(pl.col("team").fill_null("(no team)") == team)
    ep = with_group(ep, dataset, by)
    cohort = pl.col("episode_type")
    other = ~cohort.is_in(list(CASELOAD_COHORTS))
    per_group = ep.group_by("group").agg(
        pl.col("child_id").n_unique().alias("children"),
        *[pl.col("child_id").filter(cohort == c).n_unique().alias(c) for c in CASELOAD_COHORTS],
        pl.col("child_id").filter(other).n_unique().alias("other"),
        pl.col("worker_id").drop_nulls().n_unique().alias("workers"),
    )
    held = ep.filter(pl.col("worker_id").is_not_null())
    per_worker = held.group_by("group", "worker_id").agg(pl.col("child_id").n_unique().alias("n"))
    average = per_worker.group_by("group").agg(pl.col("n").mean().round(1).alias("average_caseload"))
    allocated = held.select("group", "child_id").unique()
    unallocated = (
        ep.select("group", "child_id").unique()
        .join(allocated, on=["group", "child_id"], how="anti")
        .group_by("group").len("unallocated")
    )
    out = (
        per_group.join(average, on="group", how="left")
        .join(unallocated, on="group", how="left")
        .with_columns(pl.col("unallocated").fill_null(0))
    )
    return out.sort("group").select(list(CASELOAD_SCHEMA)).cast(CASELOAD_SCHEMA)  # type: ignore[arg-type]


def with_caseloads(long: pl.DataFrame, caseload: pl.DataFrame | None) -> pl.DataFrame:
    """A breakdown (long form) with each group's caseload beside it: ``open_children``,
    ``open_<cohort>``, ``open_other``, ``workers``, ``average_caseload``, ``unallocated``."""
    if caseload is None:
        return long
    names = {c: f"open_{c}" for c in ("children", *CASELOAD_COHORTS, "other")}
    return long.join(caseload.rename(names), on="group", how="left", maintain_order="left")


def with_totals(caseload: pl.DataFrame, long: pl.DataFrame) -> pl.DataFrame:
    """Each group's caseload beside its findings over all rules: ``met``, ``decided`` and
    ``pct_met`` (of a breakdown by the same grouping)."""
    totals = long.group_by("group").agg(
        pl.col("met").sum(), (pl.col("met") + pl.col("not_met")).sum().alias("decided"))
    out = caseload.join(totals, on="group", how="left")
    return out.with_columns(
        pct_met=pl.when(pl.col("decided") > 0).then((100 * pl.col("met") / pl.col("decided")).round(1)))


def latest_record(dataset: Dataset) -> dt.date | None:
    """The latest event date in the extract (visits, meetings, documents, episode starts...)."""
    dates = [
        frame[TABLES[name].event_date].max()
        for name, frame in dataset.tables.items()
        if TABLES[name].event_date and frame.height
    ]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None  # type: ignore[return-value]


def stale_note(latest: dt.date | None, as_at: dt.date) -> str | None:
    """A warning when the audit date is more than a month after the latest record: a forgotten
    --as-at, or an old export. None when the extract looks current."""
    if latest is None or as_at <= add_months(latest, 1):
        return None
    return (f"the latest record in the extract is dated {latest:%d/%m/%Y}, more than a month before "
            f"the audit date {as_at:%d/%m/%Y}: is the extract out of date, or is --as-at missing?")
