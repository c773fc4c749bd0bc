"""Redcar & Cleveland, Children and Families Social Work & Early Help Practice Standards
(version 1, November 2023): the bundled profile's rules, hand-worked.

Each test quotes the words of the document it checks and states the expected date.
"""

from __future__ import annotations

from casecheck.standards import resolve_profile

from engine_helpers import D, dataset, one, run

REDCAR = resolve_profile("redcar-cleveland")


def rules(*ids: str):
    return REDCAR.select(list(ids))


CWD = [{"child_id": "R01", "episode_type": "disabled_children", "start_date": "2024-09-02"}]  # Monday


# ---------------------------------------------------------------------------------------------
# Children with disabilities are children in need
# ---------------------------------------------------------------------------------------------
def test_disabled_child_never_seen_for_six_months_is_not_met():
    # 'Child in Need: Children and young people are visited at least once every 20 working
    # days'; the Child in Need plans row names 'the children with disabilities service'.
    # Seen Mon 2 Sep 2024, then never. 20 working days after 2 Sep: 3-6 Sep (4), 9-13 (9),
    # 16-20 (14), 23-27 (19), Mon 30 Sep (20) -> due Mon 30 Sep 2024.
    ds = dataset(episodes=CWD, visits=[{"child_id": "R01", "visit_date": "2024-09-02"}])
    f = one(run(ds, rules("visits-cin"), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["episode_type"]) == ("not_met", D(2024, 9, 30), "disabled_children")


def test_disabled_child_plan_review_and_supervision():
    # 'Child in Need Plans are reviewed at least once every three months': review Mon 2 Dec 2024
    # -> next due Sun 2 Mar 2025. 'Child in need - 8 weekly' supervision: Mon 3 Feb 2025 + 8 weeks
    # = Mon 31 Mar 2025.
    ds = dataset(
        episodes=CWD,
        meetings=[{"child_id": "R01", "meeting_type": "cin_review", "meeting_date": "2024-12-02"}],
        supervisions=[{"child_id": "R01", "supervision_date": "2025-02-03", "supervision_type": "case"}],
    )
    result = run(ds, rules("review-cin", "supervision-cin"), D(2025, 3, 31))
    review = one(result, "review-cin")
    assert (review["status"], review["due_date"]) == ("not_met", D(2025, 3, 2))
    sup = one(result, "supervision-cin")
    assert (sup["status"], sup["due_date"]) == ("met", D(2025, 3, 31))


def test_child_open_to_cin_and_disabilities_is_one_child_in_need():
    ep = [*CWD, {"child_id": "R01", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    ds = dataset(episodes=ep, visits=[{"child_id": "R01", "visit_date": "2025-03-17"}])
    f = one(run(ds, rules("visits-cin"), D(2025, 3, 31)))
    # one finding, anchored on the earlier episode; 17 Mar + 20 working days = Mon 14 Apr 2025
    assert (f["status"], f["anchor_date"], f["due_date"]) == ("met", D(2024, 9, 2), D(2025, 4, 14))


def test_disabled_child_on_a_cp_plan_is_held_to_cp_visiting_instead():
    ep = [*CWD, {"child_id": "R01", "episode_type": "child_protection", "start_date": "2025-03-03"}]
    result = run(dataset(episodes=ep, visits=[]), rules("visits-cin", "visits-cp"), D(2025, 3, 31))
    assert result.findings["rule_id"].to_list() == ["visits-cp"]


def test_privately_fostered_disabled_child_follows_the_child_in_need_frequency():
    # 'If the child is also being supported with a child in need plan, then visiting frequency
    # must reflect this': a privately fostered child open to the disabilities service is held to
    # visits-cin, not visits-private-fostering.
    ep = [
        {"child_id": "R02", "episode_type": "private_fostering", "start_date": "2025-03-03"},
        {"child_id": "R02", "episode_type": "disabled_children", "start_date": "2025-03-03"},
        {"child_id": "R03", "episode_type": "private_fostering", "start_date": "2025-03-03"},
    ]
    result = run(dataset(episodes=ep, visits=[]), rules("visits-private-fostering", "visits-cin"), D(2025, 3, 7))
    got = sorted(zip(result.findings["rule_id"], result.findings["child_id"], strict=True))
    assert got == [("visits-cin", "R02"), ("visits-private-fostering", "R03")]
    # 'seen within 7-days from the date of notification': notified Mon 3 Mar -> due Mon 10 Mar
    assert one(result, "visits-private-fostering")["due_date"] == D(2025, 3, 10)


# ---------------------------------------------------------------------------------------------
# Recording and supervision at the start of the work
# ---------------------------------------------------------------------------------------------
EH = [{"child_id": "R04", "episode_type": "early_help", "start_date": "2025-03-03"}]


def test_chronology_initiated_at_the_point_of_transfer():
    # 'At the point of transfer from MACH - initiated for every child open to early help and
    # social care': transferred Mon 3 Mar 2025, so the chronology is due that day.
    ds = dataset(episodes=EH, documents=[])
    f = one(run(ds, rules("chronology-initiated"), D(2025, 3, 3)))
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 3, 3))
    f = one(run(ds, rules("chronology-initiated"), D(2025, 3, 4)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 3), 1)
    ds = dataset(episodes=EH, documents=[
        {"child_id": "R04", "document_type": "chronology", "document_date": "2025-03-03"}])
    f = one(run(ds, rules("chronology-initiated"), D(2025, 3, 4)))
    assert f["status"] == "met"


def test_allocation_supervision_must_be_recorded_as_allocation_supervision():
    # 'Allocation supervision - completed on the day of allocation whenever possible, and no
    # later than within 2 working days of allocation': allocated Mon 3 Mar 2025 -> due Wed 5 Mar.
    # A case supervision on 4 Mar is not the allocation supervision.
    ep = [{"child_id": "R05", "episode_type": "child_in_need", "start_date": "2025-03-03"}]
    sup = [
        {"child_id": "R05", "supervision_date": "2025-03-04", "supervision_type": "case"},
        {"child_id": "R05", "supervision_date": "2025-03-06", "supervision_type": "allocation"},
    ]
    f = one(run(dataset(episodes=ep, supervisions=sup), rules("supervision-allocation"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"], f["last_event_date"], f["days_overdue"]) == (
        "not_met", D(2025, 3, 5), D(2025, 3, 6), 1)
