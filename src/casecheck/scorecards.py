"""The scorecard: one frame per audit, one row per rule, that every summary is drawn from.

The terminal summary, the CSV/JSON summary, the workbook's Summary sheet and the HTML report all
render :func:`scorecard`'s frame, so they cannot disagree. It follows the conventions English
children's services use for KPI scorecards:

* **target and floor**: green at or above the rule's target, amber from its floor up to the
  target, red below the floor. The floor is the profile's ``floor`` for the rule, else the
  target less the profile's ``amber_margin`` (:func:`casecheck.standards.with_floor`).
* **the counts behind every percentage**: met of decided (decided = met + not met), and pending
  (not yet due, so not in the percentage).
* **small numbers**: a figure with fewer than :data:`MIN_DECIDED` decided cases is shown but not
  rated (``rag`` is ``not rated``; ``rag_reason`` says why).
* **direction of travel**: the same rule's figure for the previous period, worked out from the
  same extract by auditing it again at the previous period's end (:func:`previous_audit`), and
  the change in percentage points with ▲ (up), ▼ (down) or ▶ (no change).

Library use::

    result = casecheck.audit(ds, profile, as_at, cache=cache)
    card = casecheck.scorecard(result, previous_audit(ds, result, cache=cache))
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.dataset import Dataset
from casecheck.engine import SUMMARY_SCHEMA, AuditResult, audit, pct_met_expr
from casecheck.errors import UsageError
from casecheck.periods import Period, period_for
from casecheck.standards import Profile, with_floor

#: fewer decided cases than this: the % is shown but not rated
MIN_DECIDED = 5
NOT_RATED = "not rated"
NOT_ASSESSED = "not assessed"
RAGS = ("green", "amber", "red", NOT_RATED, NOT_ASSESSED)
UP, DOWN, SAME = "▲", "▼", "▶"
#: the rating in words, for every scorecard's legend
LEGEND = (f"Green: at or above target · Amber: from the floor up to the target · Red: below the floor · "
          f"Not rated: fewer than {MIN_DECIDED} decided cases (met + not met); pending cases are not yet due")
_COUNTS = ("in_scope", "met", "not_met", "pending")

#: the summary's columns, in its order (scripts reading the summary keep working), then the
#: scorecard's own
SCORECARD_SCHEMA: dict[str, pl.DataType] = {
    **SUMMARY_SCHEMA,
    "floor_pct": pl.Float64(),
    "decided": pl.Int64(),
    "rag_reason": pl.String(),
    "prev_as_at": pl.Date(),
    "prev_met": pl.Int64(),
    "prev_decided": pl.Int64(),
    "prev_pending": pl.Int64(),
    "prev_pct_met": pl.Float64(),
    "prev_rag": pl.String(),
    "change_pts": pl.Float64(),
    "direction": pl.String(),
    "rule_note": pl.String(),
}


# ---------------------------------------------------------------------------------------------
# Rating
# ---------------------------------------------------------------------------------------------
def thresholds(profile: Profile) -> pl.DataFrame:
    """rule_id, target_pct and floor_pct of every rule of the profile."""
    rules = [with_floor(r, profile.amber_margin) for r in profile.rules]
    return pl.DataFrame(
        {"rule_id": [r.id for r in rules], "target_pct": [r.target for r in rules],
         "floor_pct": [r.floor for r in rules]},
        schema={"rule_id": pl.String, "target_pct": pl.Float64, "floor_pct": pl.Float64},
    )


def rag_expr(min_decided: int = MIN_DECIDED) -> pl.Expr:
    """green at or above ``target_pct``; amber from ``floor_pct``; red below it; ``not rated``
    with fewer than ``min_decided`` decided cases (or none)."""
    decided = pl.col("met") + pl.col("not_met")
    pct = pl.col("pct_met")
    return (
        pl.when(pct.is_null() | (decided < min_decided)).then(pl.lit(NOT_RATED))
        .when(pct >= pl.col("target_pct")).then(pl.lit("green"))
        .when(pct >= pl.col("floor_pct")).then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
        .alias("rag")
    )


def rag_reason_expr(min_decided: int = MIN_DECIDED) -> pl.Expr:
    """Why a figure is not rated, in words ('' when it is rated)."""
    decided = pl.col("met") + pl.col("not_met")
    return (
        pl.when(pl.col("in_scope") == 0).then(pl.lit("no cases in scope"))
        .when(decided == 0).then(pl.format("none decided yet ({} pending)", pl.col("pending")))
        .when(decided < min_decided).then(pl.format("too few to rate ({} decided)", decided))
        .otherwise(pl.lit(""))
        .alias("rag_reason")
    )


def rate(frame: pl.DataFrame, profile: Profile, min_decided: int = MIN_DECIDED) -> pl.DataFrame:
    """Counts per rule (a summary, a breakdown by group, a trend) with ``target_pct``,
    ``floor_pct``, ``pct_met``, ``rag`` and ``rag_reason`` worked out from them.

    A row already rated ``not assessed`` (the extract lacks what the rule needs) stays so.
    """
    was = frame["rag"] if "rag" in frame.columns else None
    out = frame.drop([c for c in ("target_pct", "floor_pct", "rag", "rag_reason") if c in frame.columns])
    out = out.join(thresholds(profile), on="rule_id", how="left", maintain_order="left")
    out = out.with_columns(pct_met_expr()).with_columns(rag_expr(min_decided), rag_reason_expr(min_decided))
    if was is not None:
        assessed = was != NOT_ASSESSED
        out = out.with_columns(
            rag=pl.when(assessed).then(pl.col("rag")).otherwise(pl.lit(NOT_ASSESSED)),
            rag_reason=pl.when(assessed).then(pl.col("rag_reason")).otherwise(pl.lit("")),
        )
    return out


# ---------------------------------------------------------------------------------------------
# The scorecard
# ---------------------------------------------------------------------------------------------
def score(
    summary: pl.DataFrame,
    profile: Profile,
    previous: pl.DataFrame | None = None,
    previous_as_at: dt.date | None = None,
    min_decided: int = MIN_DECIDED,
) -> pl.DataFrame:
    """The scorecard from per-rule counts (``rule_id, in_scope, met, not_met, pending``, and
    ``rag`` / ``note`` when the summary has them), with the previous period's counts if given.

    One row per rule of ``profile``, in its order (:data:`SCORECARD_SCHEMA`).
    """
    rules = profile.rules
    meta = pl.DataFrame(
        {"rule_id": [r.id for r in rules], "title": [r.title for r in rules],
         "kind": [r.kind for r in rules], "rule_note": [r.note for r in rules]},
        schema={"rule_id": pl.String, "title": pl.String, "kind": pl.String, "rule_note": pl.String},
    )
    current = _counts(summary, meta)
    out = meta.join(rate(current, profile, min_decided), on="rule_id", how="left", maintain_order="left")
    out = out.with_columns(decided=pl.col("met") + pl.col("not_met"))
    if previous is not None:
        prev = rate(_counts(previous, meta), profile, min_decided).select(
            "rule_id",
            pl.col("met").alias("prev_met"),
            (pl.col("met") + pl.col("not_met")).alias("prev_decided"),
            pl.col("pending").alias("prev_pending"),
            pl.col("pct_met").alias("prev_pct_met"),
            pl.col("rag").alias("prev_rag"),
        )
        out = out.join(prev, on="rule_id", how="left", maintain_order="left").with_columns(
            prev_as_at=pl.lit(previous_as_at, dtype=pl.Date))
    change = (pl.col("pct_met") - pl.col("prev_pct_met")).round(1) if previous is not None else pl.lit(None)
    out = out.with_columns(change_pts=change.cast(pl.Float64)).with_columns(
        direction=pl.when(pl.col("change_pts") > 0).then(pl.lit(UP))
        .when(pl.col("change_pts") < 0).then(pl.lit(DOWN))
        .when(pl.col("change_pts") == 0).then(pl.lit(SAME))
    )
    missing = [c for c in SCORECARD_SCHEMA if c not in out.columns]
    out = out.with_columns(pl.lit(None).cast(SCORECARD_SCHEMA[c]).alias(c) for c in missing)
    return out.select(list(SCORECARD_SCHEMA)).cast(SCORECARD_SCHEMA)  # type: ignore[arg-type]


def _counts(summary: pl.DataFrame, meta: pl.DataFrame) -> pl.DataFrame:
    """Every rule's counts (zeros for a rule the summary lacks), its rag if it has one, and its
    note: the summary's, else 'not assessed' for a rule it rates so."""
    derived = {"rule_id", *_COUNTS, *meta.columns, "pct_met", "target_pct"}
    keep = ["rule_id", *_COUNTS, *(c for c in summary.columns if c in SUMMARY_SCHEMA and c not in derived)]
    out = meta.select("rule_id").join(summary.select(keep), on="rule_id", how="left", maintain_order="left")
    out = out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in _COUNTS)
    if "note" not in out.columns and "rag" in out.columns:
        out = out.with_columns(note=pl.when(pl.col("rag") == NOT_ASSESSED).then(pl.lit(NOT_ASSESSED)))
    elif "note" not in out.columns:
        out = out.with_columns(note=pl.lit(""))
    return out.with_columns(pl.col("note").fill_null(""))


def scorecard(result: AuditResult, previous: AuditResult | None = None,
              min_decided: int = MIN_DECIDED) -> pl.DataFrame:
    """The scorecard of an audit (see the module's doc), with direction of travel against
    ``previous`` (the audit of the previous period: :func:`previous_audit`) when given."""
    return score(result.summary, result.profile,
                 None if previous is None else previous.summary,
                 None if previous is None else previous.as_at, min_decided)


# ---------------------------------------------------------------------------------------------
# The previous period
# ---------------------------------------------------------------------------------------------
def current_period(result: AuditResult) -> Period:
    """The audit's reporting period: its own when it has one, else the month of its audit date
    (or, with ``since``, from that date)."""
    period = getattr(result, "period", None)
    return period if isinstance(period, Period) else period_for(result.as_at, "month", result.since)


def previous_period(result: AuditResult) -> Period:
    """The period direction of travel compares with: by default the month before."""
    return current_period(result).previous()


def previous_audit(dataset: Dataset, result: AuditResult, *, cache: dict | None = None) -> AuditResult:
    """The same audit (profile, rules, question) of the same extract at the end of the previous
    period. Pass the ``cache`` the first audit used: the events are then gathered only once."""
    return audit_before(dataset, result.profile, current_period(result),
                        over_period=getattr(result, "over_period", False), cache=cache)


def audit_before(dataset: Dataset, profile: Profile, period: Period, *, over_period: bool = False,
                 cache: dict | None = None) -> AuditResult:
    """The audit of ``profile`` over the period before ``period`` (for direction of travel),
    asking the same question (``over_period``). It can run before the audit of ``period``
    itself, sharing its ``cache``: a caller that keeps only this one's summary then never holds
    two audits' findings at once."""
    return audit(dataset, profile, period=period.previous(), over_period=over_period, cache=cache)


def period_line(result: AuditResult) -> str:
    """The audit's questions and period in words, for the line under a summary's title: ``in
    date at 31/03/2025; timescales decided in March 2025 (01/03/2025 to 31/03/2025)``."""
    return result.question


def below(card: pl.DataFrame, threshold: str) -> list[str]:
    """Rules whose % met is below ``threshold``: a percentage, ``target`` (each rule's own
    target) or ``floor`` (its own floor: red). A figure not rated (too few decided cases) or not
    assessed never counts. Each rule as ``visits-cp 93.1% < 95%``."""
    word = threshold.strip().lower()
    if word in ("target", "floor"):
        limit = pl.col(f"{word}_pct")
    else:
        try:
            limit = pl.lit(float(word.rstrip("%")))
        except ValueError:
            raise UsageError(
                f"--fail-under '{threshold}' is not a percentage, 'target' or 'floor'") from None
    rated = pl.col("rag").is_in(["green", "amber", "red"])
    hits = card.filter(rated & (pl.col("pct_met") < limit)).select("rule_id", "pct_met", limit.alias("limit"))
    return [f"{r} {p:.1f}% < {lim:g}%" for r, p, lim in hits.iter_rows()]
