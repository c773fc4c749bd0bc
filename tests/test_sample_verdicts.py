"""Verdicts a QA officer can act on, checked on the bundled sample as at 31 March 2025 for every
bundled profile (issue 12's "done when"):

* the monthly audit and the trend's month give the same counts for every rule;
* no top exception and no due item is an episode closed before the audit date;
* no finding counts days overdue past its episode's end.
"""

from __future__ import annotations

import polars as pl
import pytest

from casecheck.engine import audit
from casecheck.standards import list_profiles
from casecheck.views import due_soon, exceptions, trend

from conftest import SAMPLE_AS_AT

PROFILES = [p.id for p in list_profiles()]
COUNTS = ["rule_id", "in_scope", "met", "not_met", "pending"]


@pytest.fixture(scope="module", params=PROFILES)
def audited(request, sample_dataset):
    from casecheck.standards import resolve_profile

    profile = resolve_profile(request.param)
    return profile, audit(sample_dataset, profile, SAMPLE_AS_AT)


def test_the_monthly_audit_is_the_trend_month_for_every_rule(audited, sample_dataset):
    profile, result = audited
    month = trend(sample_dataset, profile, [SAMPLE_AS_AT])
    assert result.summary.select(COUNTS).equals(month.select(COUNTS))
    assert result.period.label == "March 2025 (01/03/2025 to 31/03/2025)"


def test_no_top_exception_or_due_item_is_a_closed_case(audited, sample_dataset):
    profile, result = audited
    assert exceptions(result).head(10)["closed_date"].null_count() == min(10, exceptions(result).height)
    everything = audit(sample_dataset, profile, SAMPLE_AS_AT, period="all")
    due = due_soon(everything)
    assert due.height > 0
    listed = due.join(everything.findings, on=["rule_id", "child_id", "due_date"], how="left")
    assert listed["closed_date"].null_count() == listed.height


def test_no_finding_counts_days_overdue_past_its_episodes_end(audited, sample_dataset):
    profile, _ = audited
    f = audit(sample_dataset, profile, SAMPLE_AS_AT, period="all").findings
    # (except a clock that starts at the closure itself: Sandwell's closure letter, owed after it)
    after_closure = [r.id for r in profile.rules if r.kind == "timescale" and r.start.table == "episodes"
                     and r.start.date == "end_date"]
    closed = f.filter(pl.col("closed_date").is_not_null()
                      & ~(pl.col("rule_id").is_in(after_closure) & (pl.col("due_date") >= pl.col("closed_date"))))
    cal = profile.calendar()
    limit = cal.working_days_after_expr(pl.col("due_date"), pl.col("closed_date"))
    assert closed.filter(pl.col("days_overdue") > limit).is_empty()
    # and no event from another table dated after the end is reported as the episode's (B on
    # A's own row, an assessment's completion date, always belongs to A)
    own_row = [r.id for r in profile.rules if r.kind == "timescale" and r.done.table == r.start.table
               and not r.done.where and not r.done.seen]
    later = closed.filter(~pl.col("rule_id").is_in(own_row) & (pl.col("last_event_date") > pl.col("closed_date")))
    assert later.is_empty()


@pytest.mark.slow
@pytest.mark.parametrize("profile_id", ["redcar-cleveland", "sandwell"])
def test_timescale_months_add_up_to_the_financial_year(profile_id, sample_dataset):
    """Each requirement is decided once (met when done on time, not met when it fell overdue),
    so April to March's met and not met add up to the year's (--period year)."""
    profile = next(p for p in list_profiles() if p.id == profile_id)
    ids = [r.id for r in profile.rules if r.kind == "timescale"]
    ends = [d for d in (pl.date_range(pl.date(2024, 5, 1), pl.date(2025, 4, 1), "1mo", eager=True)
                        .dt.offset_by("-1d").to_list())]
    months = trend(sample_dataset, profile, ends, ids)
    summed = months.group_by("rule_id").agg(pl.col("met").sum(), pl.col("not_met").sum()).sort("rule_id")
    year = audit(sample_dataset, profile, SAMPLE_AS_AT, rules=ids, period="year").summary
    assert year.select("rule_id", "met", "not_met").sort("rule_id").equals(summed)
