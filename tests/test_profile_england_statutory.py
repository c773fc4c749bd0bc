"""England statutory baseline: the bundled profile's rules, hand-worked. Each test quotes the
regulation or guidance it checks and states the expected date.
"""

from __future__ import annotations

from casecheck.standards import resolve_profile

from engine_helpers import D, dataset, one, run

ENGLAND = resolve_profile("england-statutory")
CLA_RULES = ENGLAND.select(["visits-cla", "visits-placed-with-parents", "visits-temporary-approval"])

EP = [{"child_id": "E01", "episode_type": "child_in_care", "start_date": "2025-01-06"}]


def test_care_order_made_while_at_home_visit_within_a_week_of_the_order():
    # CPPCR reg 28(5): 'Where a care order has been made ... and C is living with P ... within
    # one week of the making of the care order, and thereafter at intervals of not more than six
    # weeks'. At home under an interim order from Mon 6 Jan 2025; the care order is made on Mon
    # 3 Mar 2025: a visit is due by Mon 10 Mar.
    placements = [
        {"child_id": "E01", "placement_id": "PL1", "start_date": "2025-01-06", "end_date": "2025-03-03",
         "placement_type": "P1", "legal_status": "C1"},
        {"child_id": "E01", "placement_id": "PL1", "start_date": "2025-03-03", "placement_type": "P1", "legal_status": "C2"},
    ]
    ds = dataset(episodes=EP, placements=placements, visits=[{"child_id": "E01", "visit_date": "2025-02-28"}], meetings=[])
    f = one(run(ds, CLA_RULES, D(2025, 3, 11)))
    assert (f["rule_id"], f["anchor_date"], f["due_date"], f["status"], f["days_overdue"]) == (
        "visits-placed-with-parents", D(2025, 3, 3), D(2025, 3, 10), "not_met", 1)


def test_temporarily_approved_carer_weekly_until_the_first_review():
    # CPPCR reg 28(4): 'Where regulation 24 applies ... at least once a week until the first
    # review ... and thereafter at intervals of not more than four weeks'. With connected carers
    # (U3) from Mon 6 Jan 2025, seen 13 and 20 Jan, no review yet: the next visit was due Mon
    # 27 Jan.
    placements = [{"child_id": "E01", "placement_id": "PL1", "start_date": "2025-01-06", "placement_type": "U3",
                   "legal_status": "C1"}]
    visits = [{"child_id": "E01", "visit_date": d} for d in ("2025-01-13", "2025-01-20")]
    f = one(run(dataset(episodes=EP, placements=placements, visits=visits, meetings=[]), CLA_RULES, D(2025, 1, 31)))
    assert (f["rule_id"], f["due_date"], f["days_overdue"]) == ("visits-temporary-approval", D(2025, 1, 27), 4)
