"""Running an audit: each rule through its kind, the findings in the contract's order, the
per-rule summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from casecheck.calendar import WorkingCalendar
from casecheck.dataset import Dataset
from casecheck.engine import frequency, presence, recency, timescale
from casecheck.engine.context import RuleContext
from casecheck.engine.findings import (
    FINDING_COLUMNS,
    FINDING_SCHEMA,
    SUMMARY_SCHEMA,
    Detail,
    by_branch,
    count_statuses,
    pct_met_expr,
    rag_expr,
    sort_findings,
)
from casecheck.errors import UsageError
from casecheck.schema import TABLES
from casecheck.standards import Profile, Rule


@dataclass
class AuditResult:
    """Findings (one row per rule x child x episode in scope) and the per-rule summary."""

    findings: pl.DataFrame
    summary: pl.DataFrame
    profile: Profile
    as_at: dt.date
    since: dt.date | None = None
    not_assessed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def question(self) -> str:
        if self.since:
            return f"audit period {self.since.isoformat()} to {self.as_at.isoformat()}"
        return f"point in time at {self.as_at.isoformat()}"



#: each rule kind's check: one module per kind
KINDS: dict[str, Callable[[RuleContext], tuple[pl.DataFrame, Detail]]] = {
    "frequency": frequency.check,
    "recency": recency.check,
    "presence": presence.check,
    "timescale": timescale.check,
}


def missing_tables(ds: Dataset, rule: Rule) -> list[str]:
    """What the extract lacks for this rule: whole tables (``supervisions``), or optional date
    columns the source did not supply (``referrals.decision_date``: an Annex A or SSD extract has
    no decision dates, so the rule cannot be assessed rather than every case failing)."""
    missing = [t for t in rule.needs if not ds.has(t) and t != "placements"]
    for ref in (*rule.events, rule.start, rule.done):
        if ref is None or ref.table in missing or not ds.has(ref.table):
            continue
        report = ds.quality.reports.get(ref.table)
        required = TABLES[ref.table].column(ref.date).required
        if report is not None and not required and ref.date not in report.mapping:
            missing.append(f"{ref.table}.{ref.date}")
    return missing


def run_rule(ds: Dataset, rule: Rule, as_at: dt.date, since: dt.date | None = None,
             calendar: WorkingCalendar | None = None, cache: dict | None = None,
             due_from: dt.date | None = None) -> pl.DataFrame:
    """The findings of one rule (contract columns, unsorted).

    ``cache`` (a dict shared across the rules of one audit) keeps cohorts and event lists that
    several rules use.
    """
    ctx = RuleContext(ds, rule, calendar or WorkingCalendar(), as_at, since,
               {} if cache is None else cache, due_from)
    out, detail = KINDS[rule.kind](ctx)
    # The detail sentence is written after sorting: sorting moves only fixed-width values and
    # the few columns the sentence is made from, not millions of sentences.
    contract = FINDING_COLUMNS[1:-1]
    needed = {c for cond, expr in detail for e in (cond, expr) for c in e.meta.root_names()}
    helpers = [c for c in out.columns if c in needed and c not in contract]
    out = out.select(
        pl.lit(rule.id).alias("rule_id"),
        *[pl.col("anchor" if c == "anchor_date" else c).cast(FINDING_SCHEMA[c]).alias(c) for c in contract],
        *helpers,
    )
    out = fill_team(ds, out)
    # Contract order: rule_id, child_id, anchor_date; the other fixed-width columns make ties
    # deterministic, so two runs give byte-identical files (the detail follows from them).
    out = sort_findings(out)
    return out.select(*FINDING_COLUMNS[:-1]).with_columns(by_branch(out, detail))


def fill_team(ds: Dataset, findings: pl.DataFrame) -> pl.DataFrame:
    if not ds.has("workers"):
        return findings
    workers = ds.table("workers").select("worker_id", pl.col("team").alias("_wteam")).unique("worker_id")
    return (
        findings.join(workers, on="worker_id", how="left", maintain_order="left")
        .with_columns(team=pl.coalesce("team", "_wteam"))
        .drop("_wteam")
    )


def summarise(findings: pl.DataFrame, profile: Profile, not_assessed: dict[str, list[str]]) -> pl.DataFrame:
    counts = count_statuses(findings, ["rule_id"])
    rules = pl.DataFrame(
        {
            "rule_id": [r.id for r in profile.rules],
            "title": [r.title for r in profile.rules],
            "kind": [r.kind for r in profile.rules],
            "target_pct": [r.target for r in profile.rules],
            "note": [
                f"not assessed (needs: {', '.join(not_assessed[r.id])})" if r.id in not_assessed else ""
                for r in profile.rules
            ],
            "order": list(range(len(profile.rules))),
        },
        schema={"rule_id": pl.String, "title": pl.String, "kind": pl.String,
                "target_pct": pl.Float64, "note": pl.String, "order": pl.Int64},
    )
    out = rules.join(counts, on="rule_id", how="left").with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in ("in_scope", "met", "not_met", "pending")]
    )
    out = out.with_columns(pct_met_expr()).with_columns(
        rag=pl.when(pl.col("note") != "").then(pl.lit("not assessed")).otherwise(rag_expr(profile.amber_margin))
    )
    return out.sort("order").select(list(SUMMARY_SCHEMA)).cast(SUMMARY_SCHEMA)  # type: ignore[arg-type]


def audit(
    dataset: Dataset,
    profile: Profile,
    as_at: dt.date | None = None,
    since: dt.date | None = None,
    rules: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
    *,
    due_from: dt.date | None = None,
    progress: Callable[[Rule], None] | None = None,
    cache: dict | None = None,
) -> AuditResult:
    """Audit a dataset against a standards profile.

    ``as_at`` defaults to today. With ``since``, frequency/recency/presence rules ask the
    audit-period question and timescale rules cover anchors from ``since``;
    ``due_from`` limits timescale rules to the cases that fell due between it and the audit date
    (monthly trends: every such case is decided, none pending). ``progress`` is
    called with each rule before it runs. ``cache`` may be shared between audits of the same
    dataset (e.g. the month ends of a trend).
    """
    as_at = as_at or dt.date.today()
    if since is not None and since > as_at:
        raise UsageError(f"--since {since} is after the audit date {as_at}")
    profile = profile.select(rules)
    cal = calendar or profile.calendar()
    not_assessed: dict[str, list[str]] = {}
    cache = {} if cache is None else cache
    todo = []
    for rule in profile.rules:
        missing = missing_tables(dataset, rule)
        if missing:
            not_assessed[rule.id] = missing
            if progress is not None:
                progress(rule)
        else:
            todo.append(rule)

    def one(rule: Rule) -> pl.DataFrame:
        if progress is not None:
            progress(rule)
        return run_rule(dataset, rule, as_at, since, cal, cache, due_from)

    # Two rules at a time: Polars releases the GIL, and much of a rule's work (joins, sorts,
    # formatting) runs on one core. The calendar is built first, outside the threads.
    cal.non_working_days  # noqa: B018
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(one, todo))
    parts.sort(key=lambda part: part["rule_id"][0] if part.height else "")
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    summary = summarise(findings, profile, not_assessed)
    return AuditResult(findings, summary, profile, as_at, since, not_assessed)

