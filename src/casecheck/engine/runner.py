"""Running an audit: each rule through its kind, the findings in the contract's order, the
per-rule summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from casecheck.calendar import WorkingCalendar
from casecheck.coverage import unsupplied
from casecheck.dataset import Dataset
from casecheck.engine import frequency, presence, recency, timescale
from casecheck.engine.context import RuleContext
from casecheck.engine.findings import (
    FINDING_COLUMNS,
    FINDING_SCHEMA,
    LEFT,
    SUMMARY_SCHEMA,
    count_statuses,
    pct_met_expr,
    rag_expr,
    sort_findings,
    summary_note,
)
from casecheck.engine.sentences import Detail, by_branch, fmt_day
from casecheck.errors import UsageError
from casecheck.periods import Period, period_for, resolve_as_at
from casecheck.schema import TABLES
from casecheck.standards import Profile, Rule


@dataclass
class AuditResult:
    """Findings (one row per rule x child x episode in scope) and the per-rule summary.

    ``period`` is the reporting period (timescale rules count what was decided in it);
    ``over_period`` says whether frequency, recency and presence rules asked the audit-period
    question over it (else the point-in-time question at ``as_at``). ``since`` is the period's
    start when they did (as before periods had names).
    """

    findings: pl.DataFrame
    summary: pl.DataFrame
    profile: Profile
    as_at: dt.date
    since: dt.date | None = None
    not_assessed: dict[str, list[str]] = field(default_factory=dict)
    period: Period | None = None
    over_period: bool = False

    def __post_init__(self) -> None:
        if self.period is None:
            self.period = period_for(self.as_at, "month", self.since)
        if self.since is not None:
            self.over_period = True

    @property
    def question(self) -> str:
        """Which questions were asked, in words (for captions and About sheets)."""
        assert self.period is not None
        if self.over_period:
            return f"every interval, and timescales decided, in {self.period.label}"
        return f"in date at {fmt_day(self.as_at)}; timescales decided in {self.period.label}"


#: each rule kind's check: one module per kind
KINDS: dict[str, Callable[[RuleContext], tuple[pl.DataFrame, Detail]]] = {
    "frequency": frequency.check,
    "recency": recency.check,
    "presence": presence.check,
    "timescale": timescale.check,
}


def missing_tables(ds: Dataset, rule: Rule) -> list[str]:
    """What the extract lacks for this rule: whole tables (``supervisions``), optional date
    columns the source did not supply (``referrals.decision_date``: an Annex A or SSD extract has
    no decision dates), or events its source never holds (``meeting:core_group`` in a CIN census:
    :func:`casecheck.coverage.unsupplied`), so the rule cannot be assessed rather than every case
    failing."""
    missing = [t for t in rule.needs if not ds.has(t) and (t != "placements" or rule.placement_where)]
    for ref in rule.refs:
        if ref.table in missing or not ds.has(ref.table):
            continue
        for col in (ref.date, *sorted(ref.columns)):
            if not supplied(ds, ref.table, col) and f"{ref.table}.{col}" not in missing:
                missing.append(f"{ref.table}.{col}")
    # a rule for a kind of placement needs the columns that say what kind (a rule that only
    # leaves some kinds out runs without them, leaving no one out)
    for alt in rule.placement_where:
        for c in alt:
            if ds.has("placements") and not supplied(ds, "placements", c.column):
                missing.append(f"placements.{c.column}")
    missing = list(dict.fromkeys(missing))
    return missing + [n for n in unsupplied(ds, rule) if n not in missing]


#: columns a rule may read that count as supplied when blank (their blank has a meaning)
_BLANK_MEANS = {("visits", "seen"), ("visits", "visit_type")}


def supplied(ds: Dataset, table: str, column: str) -> bool:
    """Whether the extract's source gave ``table.column`` (a required column always; an
    optional one when the source mapped it)."""
    report = ds.quality.reports.get(table)
    if report is None or TABLES[table].column(column).required or (table, column) in _BLANK_MEANS:
        return True
    return column in report.mapping


def run_rule(ds: Dataset, rule: Rule, as_at: dt.date, since: dt.date | None = None,
             calendar: WorkingCalendar | None = None, cache: dict | None = None, *,
             period: str | Period = "month", over_period: bool | None = None) -> pl.DataFrame:
    """The findings of one rule in scope (contract columns, in the contract's order).

    ``cache`` (a dict shared across the rules of one audit) keeps cohorts and event lists that
    several rules use.
    """
    reporting, asks_over = resolve_period(as_at, period, since, over_period)
    ctx = RuleContext(ds, rule, calendar or WorkingCalendar(), as_at, reporting, asks_over,
                      {} if cache is None else cache)
    return check_rule(ctx)[0]


def check_rule(ctx: RuleContext) -> tuple[pl.DataFrame, int]:
    """The findings of one rule in scope, and how many rows left its scope (an episode that
    closed before its requirement fell due: counted in the summary note, not judged)."""
    rule, ds = ctx.rule, ctx.ds
    out, detail = KINDS[rule.kind](ctx)
    left = out.filter(pl.col("status") == LEFT).height
    if left:
        out = out.filter(pl.col("status") != LEFT)
    if "age_end" in out.columns and rule.until_age is not None:
        # a row the rule's age bound ended did not close: the sentence says so, not closed_date
        out = out.with_columns(closed_date=pl.when(pl.col("age_end").is_null()).then(pl.col("closed_date")))
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
    return out.select(*FINDING_COLUMNS[:-1]).with_columns(by_branch(out, detail)), left


def basis_notes(profile: Profile) -> dict[str, str]:
    """Rule id -> ``numbers: ...`` for the rules whose numbers are not all their document's."""
    return {r.id: note for r in profile.rules if (note := basis_note(r))}


def basis_note(rule: Rule) -> str:
    """``numbers: casecheck default`` (or ``numbers: first statutory, interval document``) for a
    rule whose numbers are not all its document's; blank otherwise (or when not stated)."""
    if not rule.basis or all(v == "document" for _k, v in rule.basis):
        return ""
    return f"numbers: {rule.basis_text()}"


def resolve_period(as_at: dt.date, period: str | Period = "month", since: dt.date | None = None,
                   over_period: bool | None = None) -> tuple[Period, bool]:
    """The reporting period and whether frequency, recency and presence rules ask the
    audit-period question over it (by default only when ``since`` is given)."""
    if isinstance(period, Period):
        if period.end != as_at:
            raise UsageError(f"the period {period.label} does not end at the audit date {fmt_day(as_at)}")
        reporting = period if since is None else period_for(as_at, period.kind, since)
    else:
        reporting = period_for(as_at, period, since)
    return reporting, (since is not None) if over_period is None else over_period


def fill_team(ds: Dataset, findings: pl.DataFrame) -> pl.DataFrame:
    if not ds.has("workers"):
        return findings
    workers = ds.table("workers").select("worker_id", pl.col("team").alias("_wteam")).unique("worker_id")
    return (
        findings.join(workers, on="worker_id", how="left", maintain_order="left")
        .with_columns(team=pl.coalesce("team", "_wteam"))
        .drop("_wteam")
    )


def summarise(findings: pl.DataFrame, profile: Profile, not_assessed: dict[str, list[str]],
              left: dict[str, int] | None = None, period: Period | None = None,
              over_period: bool = False) -> pl.DataFrame:
    """One row per rule: counts, % met, RAG, the note, which question it answered over which
    period, and how many episodes left its scope by closing before a requirement fell due."""
    counts = count_statuses(findings, ["rule_id"])
    left = left or {}
    asked = "audit_period" if over_period else "point_in_time"
    rules = pl.DataFrame(
        {
            "rule_id": [r.id for r in profile.rules],
            "title": [r.title for r in profile.rules],
            "kind": [r.kind for r in profile.rules],
            "target_pct": [r.target for r in profile.rules],
            "needs": [", ".join(not_assessed.get(r.id, [])) for r in profile.rules],
            "question": ["decided_in_period" if r.kind == "timescale" else asked for r in profile.rules],
            "closed_before_due": [left.get(r.id, 0) for r in profile.rules],
            "order": list(range(len(profile.rules))),
        },
        schema={"rule_id": pl.String, "title": pl.String, "kind": pl.String, "target_pct": pl.Float64,
                "needs": pl.String, "question": pl.String, "closed_before_due": pl.Int64, "order": pl.Int64},
    )
    out = rules.join(counts, on="rule_id", how="left").with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in ("in_scope", "met", "not_met", "pending")],
        period_start=pl.lit(period.start if period else None, dtype=pl.Date),
        period_end=pl.lit(period.end if period else None, dtype=pl.Date),
    )
    assessed = pl.col("needs") == ""
    out = out.with_columns(pct_met_expr()).with_columns(
        rag=pl.when(assessed).then(rag_expr(profile.amber_margin)).otherwise(pl.lit("not assessed")),
        note=pl.when(assessed).then(summary_note(basis_notes(profile)))
        .otherwise(pl.format("not assessed (needs: {})", pl.col("needs"))),
    )
    return out.sort("order").select(list(SUMMARY_SCHEMA)).cast(SUMMARY_SCHEMA)  # type: ignore[arg-type]


def audit(
    dataset: Dataset,
    profile: Profile,
    as_at: dt.date | str | None = None,
    since: dt.date | None = None,
    rules: list[str] | None = None,
    calendar: WorkingCalendar | None = None,
    *,
    period: str | Period = "month",
    over_period: bool | None = None,
    progress: Callable[[Rule], None] | None = None,
    cache: dict | None = None,
) -> AuditResult:
    """Audit a dataset against a standards profile.

    ``as_at`` (a date, ``today`` or ``last-month-end``; default today, or the end of ``period``
    when that is a :class:`~casecheck.periods.Period`) is the audit date. ``period`` is the
    reporting period: ``month`` (default), ``quarter``, ``year`` (financial, from 1 April),
    ``12m`` or ``all`` ending at the audit date, or a Period (``result.period.previous()``);
    ``since`` starts it on another date. Timescale rules count the requirements decided in it.
    Frequency, recency and presence rules ask the point-in-time question at the audit date, or
    with ``over_period`` (the default when ``since`` is given) the audit-period question over the
    period. ``progress`` is called with each rule before it runs. ``cache`` may be shared between
    audits of the same dataset (e.g. the month ends of a trend).
    """
    if isinstance(period, Period) and as_at is None:
        as_at = period.end
    as_at_d = resolve_as_at(as_at) or dt.date.today()
    reporting, asks_over = resolve_period(as_at_d, period, since, over_period)
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

    def one(rule: Rule) -> tuple[pl.DataFrame, int]:
        if progress is not None:
            progress(rule)
        return check_rule(RuleContext(dataset, rule, cal, as_at_d, reporting, asks_over, cache))

    # Two rules at a time: Polars releases the GIL, and much of a rule's work (joins, sorts,
    # formatting) runs on one core. The calendar is built first, outside the threads.
    cal.non_working_days  # noqa: B018
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(one, todo))
    left = {rule.id: n for rule, (_part, n) in zip(todo, done, strict=True)}
    parts = sorted((part for part, _n in done), key=lambda part: part["rule_id"][0] if part.height else "")
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    summary = summarise(findings, profile, not_assessed, left, reporting, asks_over)
    since_d = reporting.start if asks_over else None
    return AuditResult(findings, summary, profile, as_at_d, since_d, not_assessed, reporting, asks_over)
