"""What changed since the previous period: exceptions that are new, resolved or carried over.

A QA officer's monthly question is not only "how many are out of timescale?" but "who is newly out
of timescale, who was put right, and who has been out of timescale for months?" An *exception* is
a child out of timescale on a rule at a period end:

* a frequency, recency or presence rule: the child's finding is ``not_met`` at that date (the
  point-in-time question: a visit, update or document due by then and not done);
* a timescale rule: a requirement that was due by then and is still not done (an assessment past
  its 45 working days and still open). A requirement done late in the month was an exception at the
  previous period end, if it was overdue then, and is resolved now.

Comparing two period ends, per rule and child: **new** (an exception now, not then), **resolved**
(an exception then, not now: done, in date again, or the case closed) and **carried over** (both),
with the number of consecutive month ends the child has been out of timescale. So
``carried over + resolved`` is the previous period's exceptions and ``carried over + new`` this
period's, for every rule.

The previous period's exceptions come from the same extract at the previous period's end (the
extract holds the history), or from a findings file saved then (``--previous FILE``), for
authorities whose extracts are not cumulative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from casecheck.dataset import Dataset
from casecheck.engine import AuditResult, audit, record_checks
from casecheck.errors import InputError, UsageError
from casecheck.standards import Profile

CHANGES = ("new", "resolved", "carried_over")

#: one row per rule x child that is an exception at either period end
CHANGE_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "child_id": pl.String(),
    "change": pl.String(),
    #: consecutive month ends out of timescale up to this period's end, counting it: those since
    #: the due date passed (0 for resolved)
    "months_out_of_timescale": pl.Int32(),
    "episode_type": pl.String(),
    "team": pl.String(),
    "worker_id": pl.String(),
    "due_date": pl.Date(),
    "days_overdue": pl.Int32(),
    #: resolved only: how (done or in date now, pending, the case closed, no longer in the cohort)
    "resolved_by": pl.String(),
    "detail": pl.String(),
}

CHANGE_SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "title": pl.String(),
    "previous": pl.Int64(),
    "current": pl.Int64(),
    "new": pl.Int64(),
    "resolved": pl.Int64(),
    "carried_over": pl.Int64(),
    #: carried over and out of timescale at three or more consecutive month ends: to escalate
    "three_months_or_more": pl.Int64(),
}

_EXCEPTION_COLUMNS = ["rule_id", "child_id", "episode_type", "team", "worker_id", "due_date",
                      "days_overdue", "detail"]


@dataclass
class Changes:
    """Exceptions compared between two period ends (see the module docstring)."""

    items: pl.DataFrame  # CHANGE_SCHEMA, sorted by rule (profile order), change, child
    summary: pl.DataFrame  # CHANGE_SUMMARY_SCHEMA, one row per rule in profile order
    current_end: dt.date
    previous_end: dt.date | None  # None when compared with a file of unknown date
    previous_source: str  # the previous period end ("28/02/2025") or the file's name


def exceptions(findings: pl.DataFrame, profile: Profile, as_at: dt.date | None = None) -> pl.DataFrame:
    """The exceptions in one audit's findings, one row per rule and child (its most overdue
    finding): not met now for frequency, recency and presence rules; due and still not done for
    timescale rules. A rule that judges each record's own row (a visit recorded without whether
    the child was seen alone) has an exception at ``as_at`` only for the records of the month
    ending then: a record is judged when it is made, and last year's does not stay "out of
    timescale" month after month."""
    timescale = [r.id for r in profile.rules if r.kind == "timescale"]
    out_of_timescale = (pl.col("status") == "not_met") & (
        ~pl.col("rule_id").is_in(timescale) | pl.col("last_event_date").is_null()
    )
    records = record_checks(profile.rules)
    if as_at is not None and records:
        out_of_timescale &= ~pl.col("rule_id").is_in(records) | (pl.col("due_date") >= as_at.replace(day=1))
    if "closed_date" in findings.columns:  # a closed case is no one's to act on
        out_of_timescale &= pl.col("closed_date").is_null()
    return (
        findings.filter(out_of_timescale)
        .sort("rule_id", "child_id", "days_overdue", descending=[False, False, True], nulls_last=True)
        .unique(["rule_id", "child_id"], keep="first", maintain_order=True)
        .select(_EXCEPTION_COLUMNS)
    )


def findings_at(dataset: Dataset, profile: Profile, as_at: dt.date, rules: list[str] | None = None,
                cache: dict | None = None) -> pl.DataFrame:
    """Every finding at one date, from the extract: the point-in-time audit at ``as_at``, with
    every timescale requirement whatever period it was decided in (one still open counts)."""
    return audit(dataset, profile, as_at, rules=rules, period="all", cache=cache).findings


def exceptions_at(dataset: Dataset, profile: Profile, as_at: dt.date, rules: list[str] | None = None,
                  cache: dict | None = None) -> pl.DataFrame:
    """The exceptions at one date, from the extract (see :func:`findings_at`)."""
    return exceptions(findings_at(dataset, profile, as_at, rules, cache), profile, as_at)


def exceptions_of(result: AuditResult, dataset: Dataset | None = None, cache: dict | None = None) -> pl.DataFrame:
    """The exceptions at ``result``'s audit date (see :func:`exceptions`): its own point-in-time
    findings, and for timescale rules every requirement still open from the extract."""
    return exceptions(findings_as_at(result, dataset, {} if cache is None else cache), result.profile, result.as_at)


def changes(
    result: AuditResult,
    dataset: Dataset | None = None,
    *,
    before: pl.DataFrame | None = None,
    before_end: dt.date | None = None,
    previous: pl.DataFrame | None = None,
    previous_source: str | None = None,
    cache: dict | None = None,
) -> Changes:
    """What changed between the previous period's end and ``result``'s audit date.

    The previous exceptions are ``before`` (from :func:`exceptions_of` on the previous period's
    audit, at ``before_end``), else worked out from ``dataset`` at the end of
    ``result.period.previous()``. Or they come from ``previous``, findings saved then (the
    columns casecheck writes; ``previous_source`` names the file in outputs), when the extract
    holds no history. Each exception says for how many consecutive month ends it has been out
    of timescale: those since its due date passed.
    """
    profile = result.profile
    if dataset is None and previous is None:
        raise UsageError("changes need the extract (to audit the previous period) or a previous findings file")
    cache = {} if cache is None else cache
    # against a saved file, like with like: this run's own findings (a timescale decided in the
    # period and not done); from the extract, every timescale requirement still open
    current = findings_as_at(result, dataset if previous is None else None, cache)
    now = exceptions(current, profile, result.as_at)
    previous_end: dt.date | None
    if previous is not None:
        then = exceptions(_contract_findings(previous, previous_source or "the previous findings"), profile)
        previous_end, source = None, previous_source or "the previous findings"
    else:
        assert dataset is not None and result.period is not None
        previous_end = before_end or result.period.previous().end
        then = before if before is not None else exceptions_at(dataset, profile, previous_end, cache=cache)
        source = f"{previous_end:%d/%m/%Y}"
    items = _compare(now, then, current)
    if dataset is not None:
        items = _closures(items, dataset, previous_end, result.as_at)
    items = _count_months(items, result.as_at)
    items = _record_months(items, current, record_checks(profile.rules), result.as_at)
    items = _in_order(items.select(list(CHANGE_SCHEMA)).cast(CHANGE_SCHEMA), profile)  # type: ignore[arg-type]
    return Changes(items, _summary(items, profile), result.as_at, previous_end, source)


def merge_changes(parts: list[pl.DataFrame], profile: Profile, as_at: dt.date,
                  previous_end: dt.date | None) -> Changes:
    """The changes of an audit made a slice of children at a time: each slice's items (every
    child's in one slice), put together in the order one whole audit gives."""
    items = _in_order(pl.concat(parts), profile)
    return Changes(items, _summary(items, profile), as_at, previous_end,
                   f"{previous_end:%d/%m/%Y}" if previous_end else "the previous findings")


def _in_order(items: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """By rule (profile order), change (new, resolved, carried over), child."""
    order = {r.id: i for i, r in enumerate(profile.rules)}
    change_order = {c: i for i, c in enumerate(CHANGES)}
    return items.sort(
        pl.col("rule_id").replace_strict(order, return_dtype=pl.Int32, default=None),
        pl.col("change").replace_strict(change_order, return_dtype=pl.Int8),
        "child_id",
    )


def with_change_counts(card: pl.DataFrame, found: Changes) -> pl.DataFrame:
    """A per-rule summary (the scorecard) with the change counts after its own columns:
    ``exceptions_before``, ``exceptions_now``, ``new``, ``resolved``, ``carried_over`` and
    ``carried_3_plus`` (carried over at three month ends or more)."""
    counts = found.summary.select(
        "rule_id",
        pl.col("previous").alias("exceptions_before"),
        pl.col("current").alias("exceptions_now"),
        "new", "resolved", "carried_over",
        pl.col("three_months_or_more").alias("carried_3_plus"),
    )
    return card.join(counts, on="rule_id", how="left", maintain_order="left")


def findings_as_at(result: AuditResult, dataset: Dataset | None, cache: dict) -> pl.DataFrame:
    """The findings exceptions are read from at ``result``'s audit date: its own point-in-time
    findings, and for timescale rules every requirement (audited over all periods, so one that
    fell overdue earlier and is still open, or was done late since, is there)."""
    profile = result.profile
    if dataset is None:
        return result.findings
    if result.over_period:  # the audit-period question: ask the point-in-time one again
        return findings_at(dataset, profile, result.as_at, cache=cache)
    timescale = [r.id for r in profile.rules if r.kind == "timescale" and r.id not in result.not_assessed]
    others = result.findings.filter(~pl.col("rule_id").is_in(timescale))
    if not timescale:
        return others
    return pl.concat([others, findings_at(dataset, profile, result.as_at, timescale, cache)])


def _compare(now: pl.DataFrame, before: pl.DataFrame, current: pl.DataFrame) -> pl.DataFrame:
    """Outer-join the two exception lists per rule and child, and say how each one resolved."""
    key = ["rule_id", "child_id"]
    joined = now.join(before, on=key, how="full", coalesce=True, suffix="_before")
    is_now = pl.col("detail").is_not_null()
    was = pl.col("detail_before").is_not_null()
    change = (
        pl.when(is_now & was).then(pl.lit("carried_over"))
        .when(is_now).then(pl.lit("new"))
        .otherwise(pl.lit("resolved"))
    )
    # each side's details where it has them: resolved rows keep last period's
    cols = {c: pl.coalesce(c, f"{c}_before") for c in _EXCEPTION_COLUMNS if c not in key}
    joined = joined.with_columns(change=change, **cols)
    verdict_now = (
        current.select("rule_id", "child_id", "status", *(["closed_date"] if "closed_date" in current.columns else []))
        .with_columns(_rank=pl.col("status").replace_strict({"not_met": 0, "pending": 1, "met": 2}, return_dtype=pl.Int8, default=3))
        .sort("_rank", descending=True)
        .unique(key, keep="first")
    )
    joined = joined.join(verdict_now, on=key, how="left")
    closed = pl.col("closed_date").is_not_null() if "closed_date" in verdict_now.columns else pl.lit(False)
    resolved_by = (
        pl.when(pl.col("change") != "resolved").then(pl.lit(None, dtype=pl.String))
        .when(pl.col("status").is_null()).then(pl.lit("no longer in the rule's cohort (the case closed or moved on)"))
        .when(closed).then(pl.lit("the case closed"))
        .when(pl.col("status") == "met").then(pl.lit("done: in date now"))
        .when(pl.col("status") == "pending").then(pl.lit("a new period is running (not yet due)"))
        .otherwise(pl.lit("done, late"))
    )
    return joined.with_columns(resolved_by=resolved_by)


def _closures(items: pl.DataFrame, dataset: Dataset, since: dt.date | None, as_at: dt.date) -> pl.DataFrame:
    """A resolved exception that left the rule's cohort because its episode closed says when."""
    ended = (
        dataset.table("episodes")
        .filter(pl.col("end_date").is_not_null() & (pl.col("end_date") <= as_at)
                & (pl.col("end_date") > since if since is not None else pl.lit(True)))
        .group_by("child_id", "episode_type")
        .agg(pl.col("end_date").max().alias("_closed"))
    )
    out = items.join(ended, on=["child_id", "episode_type"], how="left")
    left_cohort = (pl.col("change") == "resolved") & pl.col("status").is_null() & pl.col("_closed").is_not_null()
    return out.with_columns(
        resolved_by=pl.when(left_cohort)
        .then(pl.format("the case closed ({})", pl.col("_closed").dt.strftime("%d/%m/%Y")))
        .otherwise(pl.col("resolved_by"))
    ).drop("_closed")


def _count_months(items: pl.DataFrame, as_at: dt.date) -> pl.DataFrame:
    """Consecutive month ends out of timescale: the month ends since the exception's due date
    passed, up to the audit date (which counts as a period end). An exception is the same one
    all that time: nothing was done since it fell due (a visit, an update, the document, the
    assessment's completion would have ended it), so it was out of timescale at every month end
    after its due date. Resolved exceptions: 0."""
    def month_ends_by(day: pl.Expr) -> pl.Expr:  # month ends on or before ``day`` (from year 0)
        return (day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32)
                - (day != day.dt.month_end()).cast(pl.Int32))

    audit_date = pl.lit(as_at)
    since_due = month_ends_by(audit_date) - month_ends_by(pl.col("due_date"))
    count = since_due + (audit_date != audit_date.dt.month_end()).cast(pl.Int32)  # the audit date itself
    months = pl.when(pl.col("change") == "resolved").then(0).otherwise(pl.max_horizontal(count, pl.lit(1)))
    return items.with_columns(months_out_of_timescale=months.cast(pl.Int32))


def _record_months(items: pl.DataFrame, findings: pl.DataFrame, records: list[str], as_at: dt.date) -> pl.DataFrame:
    """For a rule that judges each record's own row, consecutive months up to the audit date's
    with a record not met (each month's are other records, so the due date says nothing):
    at least 2 when carried over from the previous period."""
    if not records:
        return items
    month = pl.col("due_date").dt.year().cast(pl.Int32) * 12 + pl.col("due_date").dt.month().cast(pl.Int32)
    now = as_at.year * 12 + as_at.month
    bad = (
        findings.filter(pl.col("rule_id").is_in(records) & (pl.col("status") == "not_met"))
        .select("rule_id", "child_id", month.alias("_m")).unique()
        .filter(pl.col("_m") <= now)
        .with_columns(_back=pl.col("_m").rank("ordinal", descending=True).over("rule_id", "child_id") - 1)
        .filter(pl.lit(now) - pl.col("_m") == pl.col("_back"))
        .group_by("rule_id", "child_id").agg(_run=pl.len().cast(pl.Int32))
    )
    floor = pl.when(pl.col("change") == "carried_over").then(2).otherwise(1)
    run = pl.max_horizontal(pl.col("_run").fill_null(1), floor)
    months = pl.when(pl.col("rule_id").is_in(records) & (pl.col("change") != "resolved")).then(run).otherwise(
        pl.col("months_out_of_timescale"))
    return (items.join(bad, on=["rule_id", "child_id"], how="left", maintain_order="left")
            .with_columns(months_out_of_timescale=months.cast(pl.Int32)).drop("_run"))


def _summary(items: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    rules = pl.DataFrame(
        {"rule_id": [r.id for r in profile.rules], "title": [r.title for r in profile.rules]},
        schema={"rule_id": pl.String, "title": pl.String},
    )
    counts = items.group_by("rule_id").agg(
        *[(pl.col("change") == c).sum().cast(pl.Int64).alias(c) for c in CHANGES],
        ((pl.col("change") == "carried_over") & (pl.col("months_out_of_timescale") >= 3))
        .sum().cast(pl.Int64).alias("three_months_or_more"),
    )
    out = rules.join(counts, on="rule_id", how="left", maintain_order="left").with_columns(
        [pl.col(c).fill_null(0) for c in (*CHANGES, "three_months_or_more")]
    )
    out = out.with_columns(
        previous=pl.col("carried_over") + pl.col("resolved"),
        current=pl.col("carried_over") + pl.col("new"),
    )
    return out.select(list(CHANGE_SUMMARY_SCHEMA)).cast(CHANGE_SUMMARY_SCHEMA)  # type: ignore[arg-type]


def read_previous_findings(path: Path) -> pl.DataFrame:
    """A findings file casecheck wrote (CSV or Parquet), for ``--previous FILE``."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix in (".csv", ".txt"):
            frame = pl.read_csv(path, infer_schema=False)
        else:
            raise UsageError(f"--previous {path.name}: give a findings file casecheck wrote (.csv or .parquet)")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"--previous {path.name} could not be read: {str(exc)[:200]}") from None
    return _contract_findings(frame, path.name)


def _contract_findings(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Findings columns typed as the engine writes them (a CSV holds text)."""
    needed = ["rule_id", "child_id", "status", "last_event_date", "due_date", "days_overdue"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} is not a casecheck findings file: it has no {', '.join(missing)} column(s)"
        )
    cols = {
        "rule_id": pl.String, "child_id": pl.String, "episode_type": pl.String, "team": pl.String,
        "worker_id": pl.String, "status": pl.String, "last_event_date": pl.Date, "due_date": pl.Date,
        "days_overdue": pl.Int32, "detail": pl.String, "closed_date": pl.Date,
    }
    out = frame.select([
        (pl.col(c).cast(pl.String).str.strip_chars().str.to_date(strict=False)
         if t == pl.Date and frame.schema[c] == pl.String else pl.col(c).cast(t, strict=False)).alias(c)
        if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in cols.items()
    ])
    # a CSV casecheck wrote prefixes formula-like text with ' (the ids stay as they were)
    return out.with_columns(pl.col("child_id").str.strip_prefix("'"))
