"""Dip samples: open cases drawn at random for practice audits (case file audits).

A QA officer audits a few open cases from each team (or each worker) every month. The draw must be
fair (plain random: an unbiased view of practice), repeatable (the same seed on the same extract
gives the same children, so the choice can be evidenced) and explained (how many open cases each
group had, and why a group yields fewer than asked).

``weight="overdue"`` favours children with current exceptions: a child with *k* rules not met is
*k + 1* times as likely to be drawn as a child with none (weighted sampling without replacement,
Efraimidis and Spirakis: each case's key is ``u ** (1 / weight)`` for a uniform ``u``, and each
group keeps its largest keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from casecheck.dataset import Dataset
from casecheck.engine import AuditResult
from casecheck.errors import UsageError
from casecheck.schema import EPISODE_TYPES

PER = ("team", "worker")
WEIGHTS = ("random", "overdue")
#: a child's verdict on a rule with several findings (two episodes, several referrals): the worst
STATUS_RANK = {"not_met": 0, "pending": 1, "met": 2}
#: grades a case file audit gives (Ofsted's four-point scale), offered in the workbook's grade column
GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")

CASE_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),
    "child_id": pl.String(),
    "team": pl.String(),
    "worker_id": pl.String(),
    "episode_type": pl.String(),
    "open_since": pl.Date(),
    "open_episodes": pl.String(),
    "rules_not_met": pl.Int32(),
}

GROUP_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),
    "open_cases": pl.Int32(),
    "sampled": pl.Int32(),
    "note": pl.String(),
}


@dataclass
class DipSample:
    """The drawn cases, each group's counts, and every sampled child's verdicts.

    ``cases``: one row per sampled child (:data:`CASE_SCHEMA`), by group then draw order.
    ``groups``: one row per group (:data:`GROUP_SCHEMA`): open cases, how many were drawn, and why
    fewer than ``size`` where that is so.
    ``verdicts``: one row per sampled child x rule with a finding: the child's worst status on the
    rule, its due date, working days overdue and the finding's detail.
    """

    cases: pl.DataFrame
    groups: pl.DataFrame
    verdicts: pl.DataFrame
    as_at: dt.date
    per: str
    size: int
    seed: int
    weight: str
    cohort: tuple[str, ...] = ()

    @property
    def how(self) -> str:
        """How the cases were drawn, in words: ``plain random`` or ``weighted towards children
        with exceptions``."""
        return "weighted towards children with exceptions" if self.weight == "overdue" else "plain random"

    @property
    def options(self) -> str:
        """The options of the draw, in words (``3 per team, seed 1, plain random``), for the
        outputs' About."""
        cohorts = f", cohorts {', '.join(self.cohort)}" if self.cohort else ""
        return f"{self.size} per {self.per}, seed {self.seed}, {self.how}{cohorts}"

    def wide(self, rule_ids: Sequence[str]) -> pl.DataFrame:
        """One row per sampled child with, for each rule, its verdict and due date, then empty
        ``grade`` and ``notes`` columns for the auditor (the CSV and the workbook's Sample sheet)."""
        out = self.cases
        for rule_id in rule_ids:
            one = self.verdicts.filter(pl.col("rule_id") == rule_id).select(
                "child_id",
                pl.col("status").alias(rule_id),
                pl.col("due_date").alias(f"{rule_id} due"),
            )
            out = out.join(one, on="child_id", how="left", maintain_order="left")
        return out.with_columns(grade=pl.lit(None, dtype=pl.String), notes=pl.lit(None, dtype=pl.String))


    def for_auditors(self) -> pl.DataFrame:
        """One row per sampled child that prints on a page: who, what and since when, the rules
        out of timescale now with their due dates in one column, then the auditor's grade and
        notes (the workbook's Sample sheet)."""
        out = (
            self.verdicts.filter(pl.col("status") == "not_met")
            .group_by("child_id", maintain_order=True)
            .agg(pl.format("{} (due {})", pl.col("rule_id"), pl.col("due_date").dt.strftime("%d/%m/%Y"))
                 .str.join("; ").alias("out_of_timescale"))
        )
        return (
            self.cases.join(out, on="child_id", how="left", maintain_order="left")
            .select("group", "child_id", "worker_id", "episode_type", "open_since", "rules_not_met",
                    "out_of_timescale")
            .with_columns(grade=pl.lit(None, dtype=pl.String), notes=pl.lit(None, dtype=pl.String))
        )


def open_cases(dataset: Dataset, as_at: dt.date, cohort: Sequence[str] = ()) -> pl.DataFrame:
    """Children with an episode open at ``as_at`` (started on or before it, not ended by it), one
    row each: the most recently opened such episode gives the child's cohort, team, worker and
    ``open_since``; ``open_episodes`` lists every open episode type. ``cohort`` keeps only
    episodes of those types."""
    bad = [c for c in cohort if c not in EPISODE_TYPES]
    if bad:
        raise UsageError(f"--cohort '{bad[0]}' is not an episode type ({', '.join(EPISODE_TYPES)})")
    ep = dataset.table("episodes").filter(
        (pl.col("start_date") <= as_at) & (pl.col("end_date").is_null() | (pl.col("end_date") > as_at))
    )
    if cohort:
        ep = ep.filter(pl.col("episode_type").is_in(list(cohort)))
    if dataset.has("workers"):
        teams = dataset.table("workers").select("worker_id", pl.col("team").alias("_wteam")).unique("worker_id")
        ep = ep.join(teams, on="worker_id", how="left").with_columns(team=pl.coalesce("team", "_wteam"))
    types = ep.group_by("child_id").agg(
        pl.col("episode_type").unique().sort().str.join(", ").alias("open_episodes")
    )
    latest = (
        ep.sort("child_id", "start_date", "episode_type", descending=[False, True, False])
        .unique("child_id", keep="first", maintain_order=True)
        .select("child_id", "team", "worker_id", "episode_type", pl.col("start_date").alias("open_since"))
    )
    return latest.join(types, on="child_id", how="left").sort("child_id")


def child_verdicts(findings: pl.DataFrame) -> pl.DataFrame:
    """Each child's verdict per rule: the worst status of its findings (not met, then pending,
    then met), and of those the one due earliest."""
    rank = pl.col("status").replace_strict(STATUS_RANK, return_dtype=pl.Int8, default=3)
    return (
        findings.sort([rank, "due_date"], nulls_last=True)
        .unique(["child_id", "rule_id"], keep="first", maintain_order=True)
        .select("child_id", "rule_id", "status", "due_date", "days_overdue", "detail")
    )


def dip_sample(
    result: AuditResult,
    dataset: Dataset,
    *,
    per: str = "team",
    size: int = 3,
    seed: int = 0,
    cohort: Sequence[str] = (),
    weight: str = "random",
) -> DipSample:
    """Draw ``size`` open cases per team (or worker) for practice audits.

    Reproducible: the same extract, audit date, options and ``seed`` give the same children
    (uniform numbers from NumPy's PCG64 generator, one per open case in child id order).
    """
    if per not in PER:
        raise UsageError(f"--per must be one of {', '.join(PER)}, not '{per}'")
    if weight not in WEIGHTS:
        raise UsageError(f"--weight must be one of {', '.join(WEIGHTS)}, not '{weight}'")
    if size < 1:
        raise UsageError(f"--size must be 1 or more, not {size}")
    if not 0 <= seed < 2**63:
        raise UsageError(f"--seed must be a whole number from 0 to {2**63 - 1:,}")
    verdicts = child_verdicts(result.findings)
    not_met = (
        verdicts.filter(pl.col("status") == "not_met").group_by("child_id").len("rules_not_met")
    )
    cases = open_cases(dataset, result.as_at, cohort).join(not_met, on="child_id", how="left")
    cases = cases.with_columns(pl.col("rules_not_met").fill_null(0).cast(pl.Int32))
    missing = "(no team)" if per == "team" else "(unallocated)"
    cases = cases.with_columns(group=pl.col("team" if per == "team" else "worker_id").fill_null(missing))
    u = np.random.default_rng(seed).random(cases.height)
    key = pl.Series("key", u)
    if weight == "overdue":
        key = key.pow(1 / (cases["rules_not_met"].cast(pl.Float64) + 1))
    drawn = (
        cases.with_columns(key)
        .with_columns(draw=pl.col("key").rank("ordinal", descending=True).over("group"))
        .filter(pl.col("draw") <= size)
        .sort("group", "draw")
    )
    groups = _group_counts(cases, drawn, size)
    picked = drawn.select(list(CASE_SCHEMA)).cast(CASE_SCHEMA)  # type: ignore[arg-type]
    sampled_verdicts = verdicts.join(picked.select("child_id"), on="child_id", how="semi")
    order = {r.id: i for i, r in enumerate(result.profile.rules)}
    sampled_verdicts = (
        picked.select("child_id").with_row_index("_draw")
        .join(sampled_verdicts, on="child_id")
        .with_columns(_rule=pl.col("rule_id").replace_strict(order, return_dtype=pl.Int32, default=None))
        .sort("_draw", "_rule")
        .drop("_draw", "_rule")
    )
    return DipSample(picked, groups, sampled_verdicts, result.as_at, per, size, seed, weight, tuple(cohort))


def _group_counts(cases: pl.DataFrame, drawn: pl.DataFrame, size: int) -> pl.DataFrame:
    counts = cases.group_by("group").len("open_cases").join(
        drawn.group_by("group").len("sampled"), on="group", how="left"
    ).with_columns(pl.col("sampled").fill_null(0))
    note = (
        pl.when(pl.col("open_cases") < size)
        .then(pl.format("only {} open case(s), fewer than {}: all taken", pl.col("open_cases"), pl.lit(size)))
        .otherwise(pl.format("{} of {} open cases", pl.col("sampled"), pl.col("open_cases")))
    )
    return counts.with_columns(note=note).sort("group").select(list(GROUP_SCHEMA)).cast(GROUP_SCHEMA)  # type: ignore[arg-type]
