"""Torbay Council, Ways of Working Policy (undated): the bundled profile's rules, hand-worked.

Each test quotes the words of the document it checks and states the expected date.
"""

from __future__ import annotations

from casecheck.standards import resolve_profile

from engine_helpers import D, dataset, one, run

TORBAY = resolve_profile("torbay")


def rules(*ids: str):
    return TORBAY.select(list(ids))


CLA = [{"child_id": "T02", "episode_type": "child_in_care", "start_date": "2025-01-06"}]  # Monday
PLACED = [{"child_id": "T02", "placement_id": "PL1", "start_date": "2025-01-06", "placement_type": "U4"}]


def visits(*days: str) -> list[dict]:
    return [{"child_id": "T02", "visit_date": d} for d in days]


def test_seen_in_each_of_the_first_four_weeks_then_within_six_weeks():
    # 'Cared for Child: Initial visit within one week, then weekly for the first four weeks, and
    # every six weeks thereafter'. Placed Mon 6 Jan 2025 (the first four weeks end Mon 3 Feb);
    # seen 10, 17, 24 and 31 Jan, then Mon 10 Mar. After 31 Jan a weekly visit would fall on
    # 7 Feb, in week five, so the next is due six weeks later, Fri 14 Mar: every step met.
    ds = dataset(episodes=CLA, placements=PLACED,
                 visits=visits("2025-01-10", "2025-01-17", "2025-01-24", "2025-01-31", "2025-03-10"))
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 31), since=D(2025, 1, 6)))
    assert f["status"] == "met"
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 31)))
    # point in time: 10 Mar + 6 weeks = Mon 21 Apr 2025
    assert (f["status"], f["due_date"]) == ("met", D(2025, 4, 21))


def test_a_missed_weekly_visit_in_week_three_is_late():
    # Seen 10 and 17 Jan, then not until 31 Jan: the visit due by Fri 24 Jan (a week after
    # 17 Jan, within the first four weeks) was late.
    ds = dataset(episodes=CLA, placements=PLACED, visits=visits("2025-01-10", "2025-01-17", "2025-01-31", "2025-03-10"))
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 31), since=D(2025, 1, 6)))
    assert (f["status"], f["due_date"]) == ("not_met", D(2025, 1, 24))


def test_initial_visit_within_one_week_of_a_new_placement():
    # 'Initial visit within one week': a move on Mon 3 Mar 2025 restarts the schedule; the first
    # visit in the new placement is due Mon 10 Mar.
    placements = [
        {"child_id": "T02", "placement_id": "PL1", "start_date": "2025-01-06", "end_date": "2025-03-03", "placement_type": "U4"},
        {"child_id": "T02", "placement_id": "PL2", "start_date": "2025-03-03", "placement_type": "K2"},
    ]
    ds = dataset(episodes=CLA, placements=placements, visits=visits("2025-02-28"))
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 11)))
    assert (f["status"], f["anchor_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2025, 3, 3), D(2025, 3, 10), 1)


def test_serious_concerns_visit_within_one_working_day_of_the_referral():
    # 'MASH: ... visit within one working day for serious concerns': referral R1 received Mon
    # 3 Mar 2025 led to the section 47 enquiry started Wed 5 Mar (referral_id R1): the visit was
    # due Tue 4 Mar; a visit on 5 Mar is 1 working day late.
    ds = dataset(
        referrals=[{"child_id": "T03", "referral_id": "R1", "received_date": "2025-03-03", "decision_date": "2025-03-03"}],
        episodes=[{"child_id": "T03", "episode_type": "s47", "start_date": "2025-03-05", "referral_id": "R1"}],
        visits=[{"child_id": "T03", "visit_date": "2025-03-05"}],
    )
    f = one(run(ds, rules("visits-s47"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["anchor_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2025, 3, 3), D(2025, 3, 4), 1)
