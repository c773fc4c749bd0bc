"""What an audit produces: the finding and summary schemas, the counts, % met and RAG, and the
order of findings."""

from __future__ import annotations

import polars as pl

from casecheck.engine.frames import in_order, same_as_previous

STATUSES = ("met", "not_met", "pending")

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "child_id": pl.String(),
    "episode_type": pl.String(),
    "team": pl.String(),
    "worker_id": pl.String(),
    "status": pl.String(),
    "anchor_date": pl.Date(),
    "last_event_date": pl.Date(),
    "due_date": pl.Date(),
    "days_overdue": pl.Int32(),
    "closed_date": pl.Date(),
    "detail": pl.String(),
}
FINDING_COLUMNS = list(FINDING_SCHEMA)
#: findings are sorted by rule, then these (data contract §3: rule_id, child_id, anchor_date)
SORT_KEYS = ["child_id", "anchor_date", "episode_type", "due_date", "last_event_date", "status",
             "days_overdue", "worker_id", "team", "closed_date"]
#: a rule's requirement that fell due after its episode closed: out of scope, only counted
LEFT = "closed_before_due"

#: the counts every per-rule summary carries (summary, breakdowns, trends)
COUNT_SCHEMA: dict[str, pl.DataType] = {
    "in_scope": pl.Int64(),
    "met": pl.Int64(),
    "not_met": pl.Int64(),
    "pending": pl.Int64(),
    "pct_met": pl.Float64(),
    "target_pct": pl.Float64(),
    "rag": pl.String(),
}

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "title": pl.String(),
    "kind": pl.String(),
    **COUNT_SCHEMA,
    "note": pl.String(),
    #: which question the rule answered: point_in_time (in date at the audit date),
    #: audit_period (every interval in the period) or decided_in_period (timescales)
    "question": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    #: episodes that closed before the requirement fell due (in the period): out of scope
    "closed_before_due": pl.Int64(),
}


def count_statuses(findings: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group of ``by``: in scope, met, not met and pending.

    Counted per (group, status) first: one group-by with a count is several times cheaper over
    millions of findings than comparing every status text three times.
    """
    per_status = findings.group_by(*by, "status").len()
    return per_status.group_by(by).agg(
        pl.col("len").sum().cast(pl.Int64).alias("in_scope"),
        *[pl.col("len").filter(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in STATUSES],
    )


def pct_met_expr() -> pl.Expr:
    """% met = met / (met + not met), one decimal; null when nothing has been decided."""
    decided = pl.col("met") + pl.col("not_met")
    return pl.when(decided > 0).then((100 * pl.col("met") / decided).round(1)).alias("pct_met")


def rag_expr(margin: float) -> pl.Expr:
    """green at or above target; amber within ``margin`` points below; red below; n/a if no %."""
    pct, target = pl.col("pct_met"), pl.col("target_pct")
    return (
        pl.when(pct.is_null()).then(pl.lit("n/a"))
        .when(pct >= target).then(pl.lit("green"))
        .when(pct >= target - margin).then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
        .alias("rag")
    )


def sort_findings(frame: pl.DataFrame) -> pl.DataFrame:
    """Sort one rule's findings by ``SORT_KEYS`` (nulls last), stable.

    Sorting on nine keys costs several times a sort on the first two (child, anchor date), and
    rows that tie on those two are few: sort by the two, then re-sort only the runs of tied rows
    on all the keys, in place.
    """
    first = SORT_KEYS[:2]
    # rows built in order (most rules) skip the sort
    out = frame if in_order(frame, *first) else frame.sort(first, nulls_last=True, maintain_order=True)
    same = same_as_previous(*first)
    tied = out.select(same | same.shift(-1).fill_null(False)).to_series().fill_null(False)
    if not tied.any():
        return out
    idx = tied.arg_true()
    order = out[idx].select(pl.arg_sort_by(SORT_KEYS, nulls_last=True, maintain_order=True)).to_series()
    perm = pl.int_range(0, out.height, dtype=pl.UInt32, eager=True).scatter(idx, idx.gather(order))
    return out[perm]


def summary_note(numbers: dict[str, str] | None = None) -> pl.Expr:
    """The note of an assessed rule: how many episodes left its scope by closing before a
    requirement fell due, and (``numbers``: rule id -> ``numbers: casecheck default``) where its
    numbers come from when not (all) its document's; blank when neither."""
    n = pl.col("closed_before_due")
    closed = (
        pl.when(n == 1).then(pl.lit("1 episode closed before its next due date: left out"))
        .when(n > 1).then(pl.format("{} episodes closed before their next due date: left out", n))
        .otherwise(pl.lit(""))
    )
    if not numbers:
        return closed
    basis = pl.col("rule_id").replace_strict(numbers, default=pl.lit(""), return_dtype=pl.String)
    return pl.when(basis == "").then(closed).when(closed == "").then(basis).otherwise(
        pl.format("{}; {}", closed, basis))
