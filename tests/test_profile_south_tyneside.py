"""South Tyneside, Children & Families Social Care Practice Standards: the bundled profile's
rules, hand-worked. Each test quotes the words of the document it checks and states the expected
date; where the document refers to statutory timescales, the statute's words too.
"""

from __future__ import annotations

from casecheck.standards import resolve_profile

from engine_helpers import D, dataset, one, run

SOUTH_TYNESIDE = resolve_profile("south-tyneside")


def rules(*ids: str):
    return SOUTH_TYNESIDE.select(list(ids))


def test_assessments_completed_within_timescale_is_45_working_days():
    # Standard 3: 'Assessments are completed within timescale'; Working Together 2023: no longer
    # than 45 working days. Started Mon 3 Mar 2025: 45 working days, skipping Good Friday 18 Apr
    # and Easter Monday 21 Apr 2025 -> due Thu 8 May 2025. An early help assessment is no finding.
    ass = [
        {"child_id": "T01", "assessment_type": "child_and_family", "start_date": "2025-03-03",
         "completed_date": "2025-05-09"},
        {"child_id": "T01", "assessment_type": "early_help", "start_date": "2025-03-03"},
    ]
    f = one(run(dataset(assessments=ass), rules("assessment-completion"), D(2025, 5, 30), period="all"))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 5, 8), 1)


def test_children_in_care_are_seen_within_the_statutory_week():
    # Standard 1: 'Children are seen ... ensuring we meet statutory timescales'; reg 28(2)(a):
    # 'within one week of the start of any placement'. Placed Mon 3 Mar 2025 -> due Mon 10 Mar.
    ep = [{"child_id": "T02", "episode_type": "child_in_care", "start_date": "2025-03-03"}]
    pl = [{"child_id": "T02", "placement_id": "P1", "start_date": "2025-03-03", "placement_type": "U4"}]
    f = one(run(dataset(episodes=ep, placements=pl, visits=[]), rules("visits-cla"), D(2025, 3, 11)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 10), 1)


def test_private_fostering_first_visit_within_seven_working_days():
    # Regs 4 and 7 of the Children (Private Arrangements for Fostering) Regulations 2005: visit
    # 'within seven working days'. Notified Thu 17 Apr 2025: 22, 23, 24, 25, 28, 29, 30 Apr
    # (Good Friday and Easter Monday skipped) -> due Wed 30 Apr 2025.
    ep = [{"child_id": "T03", "episode_type": "private_fostering", "start_date": "2025-04-17"}]
    f = one(run(dataset(episodes=ep, visits=[]), rules("visits-private-fostering"), D(2025, 4, 30)))
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 4, 30))
