"""Shared fixtures: the bundled synthetic sample and its redcar-cleveland audit."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SAMPLE_AS_AT = dt.date(2025, 3, 31)
sys.path.insert(0, str(Path(__file__).parent))


#: the optional columns and table ``casecheck sample`` makes since issue 13 (data contract
#: extension), which the SSD and LCS writers in the source tests do not carry
ISSUE_13_ADDITIONS = {
    "episodes": ("allocated_date", "referral_id"),
    "placements": ("legal_status",),
    "visits": ("unannounced",),
    "meetings": ("plan_sent_date", "recommendations_date", "record_date"),
    "referrals": ("referral_id",),
}


#: episode types the generator makes since issue 13, which those writers do not carry either
ISSUE_13_COHORTS = ("private_fostering", "short_breaks", "adoption")
#: codes the generator uses since issue 13: {table: (column, codes)}
ISSUE_13_CODES = {
    "documents": ("document_type", ("health_assessment", "dental_check", "permanence_plan",
                                    "closure_letter", "life_story", "preparing_for_adulthood")),
    "meetings": ("meeting_type", ("care_team", "key_review")),
    "supervisions": ("supervision_type", ("joint", "service_manager_review")),
    "referrals": ("outcome", ("s47",)),
}


def without_issue_13_additions(tables: dict) -> dict:
    """Generated tables with only what the generator made before issue 13: without
    ISSUE_13_ADDITIONS' columns, the family_contacts table, the rows with ISSUE_13_CODES, and
    the ISSUE_13_COHORTS' episodes and placements."""
    import polars as pl

    out = {
        name: frame.drop(ISSUE_13_ADDITIONS.get(name, ()), strict=False)
        for name, frame in tables.items()
        if name != "family_contacts"
    }
    for name, (col, codes) in ISSUE_13_CODES.items():
        out[name] = out[name].filter(~pl.col(col).is_in(codes))
    new = out["episodes"]["episode_type"].is_in(ISSUE_13_COHORTS)
    in_care = out["episodes"].filter(pl.col("episode_type") == "child_in_care")
    out["episodes"] = out["episodes"].filter(~new)
    # placements of the new cohorts: those that do not start within an episode of care
    placed = out["placements"].join(
        in_care.select("child_id", ep_start="start_date", ep_end="end_date"), on="child_id"
    ).filter(
        (pl.col("start_date") >= pl.col("ep_start"))
        & (pl.col("ep_end").is_null() | (pl.col("start_date") <= pl.col("ep_end")))
    )
    out["placements"] = out["placements"].filter(
        pl.col("placement_id").is_in(placed["placement_id"].implode())
    )
    return out


@pytest.fixture(scope="session")
def sample_dataset():
    from casecheck.sources import load_dataset

    return load_dataset(SAMPLE, as_at=SAMPLE_AS_AT)


@pytest.fixture(scope="session")
def sample_result(sample_dataset):
    from casecheck.engine import audit
    from casecheck.standards import resolve_profile

    return audit(sample_dataset, resolve_profile("redcar-cleveland"), as_at=SAMPLE_AS_AT)
