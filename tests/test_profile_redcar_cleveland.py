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


def test_child_opened_to_cin_and_disabilities_on_one_day_owes_one_meeting_and_one_supervision():
    # 'We hold a family network meeting within 10 days of a child or young person being opened
    # to children's social care' and 'Allocation supervision - ... no later than within 2 working
    # days of allocation': a child opened on Mon 3 Mar 2025 to child in need and to the
    # disabilities service (two episode rows, one referral) was opened and allocated once. The
    # meeting is due 10 days later (days: the document says "working days" where it means them),
    # Thu 13 Mar; the supervision 2 working days later,
    # Wed 5 Mar. Neither was held (a case supervision on 4 Mar is not the allocation
    # supervision): one finding each, not two for one missed event.
    ep = [{"child_id": "R01", "episode_type": t, "start_date": "2025-03-03", "allocated_date": "2025-03-03"}
          for t in ("child_in_need", "disabled_children")]
    sup = [{"child_id": "R01", "supervision_date": "2025-03-04", "supervision_type": "case"}]
    result = run(dataset(episodes=ep, meetings=[], supervisions=sup),
                 rules("family-network-meeting", "supervision-allocation"), D(2025, 3, 31))
    meeting = one(result, "family-network-meeting")
    assert (meeting["status"], meeting["due_date"]) == ("not_met", D(2025, 3, 13))
    sup = one(result, "supervision-allocation")
    assert (sup["status"], sup["due_date"]) == ("not_met", D(2025, 3, 5))


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
    ep = [{"child_id": "R05", "episode_type": "child_in_need", "start_date": "2025-03-03",
           "allocated_date": "2025-03-03"}]
    sup = [
        {"child_id": "R05", "supervision_date": "2025-03-04", "supervision_type": "case"},
        {"child_id": "R05", "supervision_date": "2025-03-06", "supervision_type": "allocation"},
    ]
    f = one(run(dataset(episodes=ep, supervisions=sup), rules("supervision-allocation"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"], f["last_event_date"], f["days_overdue"]) == (
        "not_met", D(2025, 3, 5), D(2025, 3, 6), 1)


# ---------------------------------------------------------------------------------------------
# Standards the contract extension made checkable
# ---------------------------------------------------------------------------------------------
EH_ALLOC = [{"child_id": "R06", "episode_type": "early_help", "start_date": "2025-03-03",
             "allocated_date": "2025-03-04"}]


def test_early_help_contact_within_5_working_days_of_allocation():
    # 'The child/family is contacted within 5 working days of allocation to arrange an initial
    # visit': allocated Tue 4 Mar 2025 -> due Tue 11 Mar. A phone call on 11 Mar counts.
    ds = dataset(episodes=EH_ALLOC, visits=[], family_contacts=[
        {"child_id": "R06", "contact_date": "2025-03-11", "contact_type": "phone", "contact_by": "early_help_practitioner"}])
    f = one(run(ds, rules("contact-early-help"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("met", D(2025, 3, 11), D(2025, 3, 11))
    # no contact, first seen at a visit on Wed 12 Mar: 1 working day late
    ds = dataset(episodes=EH_ALLOC, visits=[{"child_id": "R06", "visit_date": "2025-03-12"}], family_contacts=[])
    f = one(run(ds, rules("contact-early-help"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 11), 1)


SB = [{"child_id": "R07", "episode_type": "short_breaks", "start_date": "2024-01-08"}]


def test_short_breaks_unannounced_visit_once_a_year():
    # 'they should be seen as a minimum twice a year in that setting (at least once
    # unannounced)': seen unannounced Fri 10 May 2024, announced since -> next unannounced visit
    # due Sat 10 May 2025.
    visits = [
        {"child_id": "R07", "visit_date": "2024-05-10", "unannounced": "Y"},
        {"child_id": "R07", "visit_date": "2024-11-04", "unannounced": "N"},
        {"child_id": "R07", "visit_date": "2025-03-03"},
    ]
    ds = dataset(episodes=SB, visits=visits)
    f = one(run(ds, rules("visits-unannounced"), D(2025, 3, 31)))
    assert (f["status"], f["last_event_date"], f["due_date"]) == ("met", D(2024, 5, 10), D(2025, 5, 10))
    f = one(run(ds, rules("visits-unannounced"), D(2025, 5, 12)))
    # due Sat 10 May; working days after it to Mon 12 May: 1
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_short_breaks_sleeping_arrangements_seen_once_a_year():
    # 'The child or young person's sleeping arrangements should be seen at least annually': the
    # bedroom last seen Mon 4 Mar 2024 -> due Tue 4 Mar 2025; a visit with bedroom_seen blank
    # on 3 Mar 2025 does not count.
    visits = [
        {"child_id": "R07", "visit_date": "2024-03-04", "bedroom_seen": "Y"},
        {"child_id": "R07", "visit_date": "2025-03-03", "bedroom_seen": None},
    ]
    f = one(run(dataset(episodes=SB, visits=visits), rules("visits-bedroom-seen"), D(2025, 3, 31)))
    assert (f["status"], f["last_event_date"], f["due_date"]) == ("not_met", D(2024, 3, 4), D(2025, 3, 4))


def test_every_home_visit_records_seen_alone_and_room_seen():
    # 'We record if we have been able to see child or young person alone and if their room has
    # been seen': one finding per visit; a blank in either is not recorded.
    ep = [{"child_id": "R08", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    visits = [
        {"child_id": "R08", "visit_date": "2025-03-03", "seen_alone": "N", "bedroom_seen": "Y"},
        {"child_id": "R08", "visit_date": "2025-03-17", "seen_alone": "Y", "bedroom_seen": None},
    ]
    f = run(dataset(episodes=ep, visits=visits), rules("seen-alone-recorded"), D(2025, 3, 31)).findings
    got = dict(zip(f["anchor_date"].to_list(), f["status"].to_list(), strict=True))
    assert got == {D(2025, 3, 3): "met", D(2025, 3, 17): "not_met"}


def test_early_help_assessment_updated_every_8_weeks():
    # 'Early Help Assessments are updated: At every TAF meeting (6-8 weeks)': last early help
    # assessment completed Mon 6 Jan 2025 -> next update due Mon 3 Mar 2025. A child and family
    # assessment completed since is not an early help assessment.
    ep = [{"child_id": "R09", "episode_type": "early_help", "start_date": "2024-09-02"}]
    ass = [
        {"child_id": "R09", "assessment_type": "early_help", "start_date": "2024-12-02", "completed_date": "2025-01-06"},
        {"child_id": "R09", "assessment_type": "child_and_family", "start_date": "2025-02-03", "completed_date": "2025-03-10"},
    ]
    f = one(run(dataset(episodes=ep, assessments=ass), rules("eh-assessment-updated"), D(2025, 3, 31)))
    assert (f["status"], f["last_event_date"], f["due_date"]) == ("not_met", D(2025, 1, 6), D(2025, 3, 3))


def test_allocation_supervision_runs_from_the_allocation_date():
    # allocated Fri 7 Mar 2025, five days after the episode opened on Mon 3 Mar: due Tue 11 Mar.
    ep = [{"child_id": "R05", "episode_type": "child_in_need", "start_date": "2025-03-03",
           "allocated_date": "2025-03-07"}]
    sup = [{"child_id": "R05", "supervision_date": "2025-03-11", "supervision_type": "allocation"}]
    f = one(run(dataset(episodes=ep, supervisions=sup), rules("supervision-allocation"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["anchor_date"], f["due_date"]) == ("met", D(2025, 3, 7), D(2025, 3, 11))


# ---------------------------------------------------------------------------------------------
# Children in our care and placed for adoption: phases end where the words end
# ---------------------------------------------------------------------------------------------
def test_child_in_care_seen_weekly_for_four_weeks_then_six_weekly():
    # 'seen the day they are placed, then within 1 week of the beginning of the placement and
    # weekly for the first four weeks. Visits are then at least every six weeks'. Placed Mon
    # 6 Jan 2025 and seen that day, then 10, 17, 24, 31 Jan: after 31 Jan a weekly visit would
    # fall in week five (7 Feb; the four weeks end Mon 3 Feb), so the next is due Fri 14 Mar.
    ep = [{"child_id": "R10", "episode_type": "child_in_care", "start_date": "2025-01-06"}]
    pl = [{"child_id": "R10", "placement_id": "PL1", "start_date": "2025-01-06", "placement_type": "U4",
           "legal_status": "C2"}]
    days = ["2025-01-06", "2025-01-10", "2025-01-17", "2025-01-24", "2025-01-31"]
    ds = dataset(episodes=ep, placements=pl, visits=[{"child_id": "R10", "visit_date": d} for d in days])
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 14)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 14))
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 17)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 14), 1)


ADOPT = [{"child_id": "R11", "episode_type": "adoption", "start_date": "2025-01-06"}]
ADOPT_PL = [{"child_id": "R11", "placement_id": "PL9", "start_date": "2025-01-06", "placement_type": "A5",
             "legal_status": "E1"}]


def test_adoption_weekly_until_the_first_review():
    # 'Children are seen within the first week of the placement and weekly until the first
    # review ... if not specified it should be every 6 weeks'. Placed Mon 6 Jan 2025, seen 10, 17,
    # 24 and 31 Jan; first review Mon 3 Feb. A weekly visit after 31 Jan would fall after the
    # review, so the next is due six weeks later, Fri 14 Mar.
    days = ["2025-01-10", "2025-01-17", "2025-01-24", "2025-01-31"]
    ds = dataset(episodes=ADOPT, placements=ADOPT_PL, visits=[{"child_id": "R11", "visit_date": d} for d in days],
                 meetings=[{"child_id": "R11", "meeting_type": "cla_review", "meeting_date": "2025-02-03"}])
    f = one(run(ds, rules("visits-adoption"), D(2025, 3, 14)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 14))


def test_adoption_stays_weekly_while_no_review_is_held():
    # No review yet: seen 10 and 17 Jan, so the next visit was due Fri 24 Jan.
    days = ["2025-01-10", "2025-01-17"]
    ds = dataset(episodes=ADOPT, placements=ADOPT_PL, visits=[{"child_id": "R11", "visit_date": d} for d in days],
                 meetings=[])
    f = one(run(ds, rules("visits-adoption"), D(2025, 1, 31)))
    # due Fri 24 Jan; working days after it to Fri 31 Jan: 27-31 = 5
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 1, 24), 5)


# ---------------------------------------------------------------------------------------------
# Schedules chosen by the placement: at home under an order, temporarily approved carers
# ---------------------------------------------------------------------------------------------
HOME = [{"child_id": "R12", "episode_type": "child_in_care", "start_date": "2025-01-06"}]
AT_HOME_ICO = [{"child_id": "R12", "placement_id": "PL1", "start_date": "2025-01-06", "placement_type": "P1",
                "legal_status": "C1"}]


def test_at_home_under_an_interim_order_weekly_until_the_first_review_then_4_weekly():
    # 'Children with temporarily approved foster carers or parents under Interim Care Order:
    # seen weekly until the first review and then at least every 4-weeks'. At home from Mon
    # 6 Jan 2025; seen 10, 17, 24, 31 Jan and Fri 7 Feb, the day of the first review: weekly until
    # then (31 Jan + 1 week = 7 Feb, not after the review), then 7 Feb + 4 weeks = Fri 7 Mar.
    days = ["2025-01-10", "2025-01-17", "2025-01-24", "2025-01-31", "2025-02-07"]
    ds = dataset(episodes=HOME, placements=AT_HOME_ICO, visits=[{"child_id": "R12", "visit_date": d} for d in days],
                 meetings=[{"child_id": "R12", "meeting_type": "cla_review", "meeting_date": "2025-02-07"}])
    result = run(ds, rules("visits-temporary-approval", "visits-cla", "visits-placed-with-parents"), D(2025, 3, 10))
    f = one(result)
    assert (f["rule_id"], f["status"], f["due_date"], f["days_overdue"]) == (
        "visits-temporary-approval", "not_met", D(2025, 3, 7), 1)


def test_full_care_order_at_home_starts_the_placed_with_parents_clock():
    # 'Children subject to a Care Order and placed at home with parents: seen within the first
    # week of being placed at home and then at least every 6-weeks'. The full care order is made
    # on Mon 3 Mar 2025 while the child stays at home (the placement's next row, legal status
    # C2): due Mon 10 Mar; seen Fri 7 Mar, next due Fri 18 Apr.
    placements = [
        {**AT_HOME_ICO[0], "end_date": "2025-03-03"},
        {"child_id": "R12", "placement_id": "PL1", "start_date": "2025-03-03", "placement_type": "P1", "legal_status": "C2"},
    ]
    ds = dataset(episodes=HOME, placements=placements, visits=[{"child_id": "R12", "visit_date": "2025-03-07"}],
                 meetings=[])
    result = run(ds, rules("visits-temporary-approval", "visits-cla", "visits-placed-with-parents"), D(2025, 3, 31))
    f = one(result)
    assert (f["rule_id"], f["status"], f["anchor_date"], f["due_date"]) == (
        "visits-placed-with-parents", "met", D(2025, 3, 3), D(2025, 4, 18))


def test_connected_carers_after_the_final_hearing_follow_the_child_in_care_schedule():
    # '... seen weekly until the first review and then at least every 4-weeks until the carer is
    # approved, or final hearing completed'. Placed with connected carers (U3) from Mon 6 Jan
    # 2025 under an interim care order (C1): weekly. The final hearing makes a full care order
    # on Mon 3 Mar (the placement's next row, still U3, legal status C2): the temporary approval
    # schedule ends and the Children in Our Care one ('at least every six weeks') applies, from
    # the day of the order: seen Fri 7 Mar, next due Fri 18 Apr; nothing is due weekly any more.
    placements = [
        {"child_id": "R12", "placement_id": "PL1", "start_date": "2025-01-06", "end_date": "2025-03-03",
         "placement_type": "U3", "legal_status": "C1"},
        {"child_id": "R12", "placement_id": "PL1", "start_date": "2025-03-03", "placement_type": "U3",
         "legal_status": "C2"},
    ]
    ds = dataset(episodes=HOME, placements=placements, visits=[{"child_id": "R12", "visit_date": "2025-03-07"}],
                 meetings=[])
    result = run(ds, rules("visits-temporary-approval", "visits-cla", "visits-placed-with-parents"), D(2025, 3, 31))
    f = one(result)
    assert (f["rule_id"], f["status"], f["anchor_date"], f["due_date"]) == (
        "visits-cla", "met", D(2025, 1, 6), D(2025, 4, 18))
    # never seen at all: the visit due the day placed (6 Jan) waited for the order, Mon 3 Mar
    # (before it, the temporary approval schedule applied): 20 working days overdue at 31 Mar
    ds = dataset(episodes=HOME, placements=placements, visits=[], meetings=[])
    f = one(run(ds, rules("visits-cla"), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 3), 20)
    assert "The placement came under this schedule on 03/03/2025." in f["detail"]


def test_supervision_four_weekly_until_proceedings_conclude_then_eight_weekly():
    # 'Children in our care until permanence plan is made - 4 weekly'; 'following the conclusion
    # of care proceedings - 8 weekly'. Last supervision Mon 3 Feb 2025: under an interim order
    # (C1) the next was due Mon 3 Mar; under a full care order (C2) it is due Mon 31 Mar.
    ep = [{"child_id": c, "episode_type": "child_in_care", "start_date": "2024-09-02"} for c in ("R13", "R14")]
    pl = [{"child_id": c, "placement_id": f"PL{c}", "start_date": "2024-09-02", "placement_type": "U4", "legal_status": ls}
          for c, ls in (("R13", "C1"), ("R14", "C2"))]
    sup = [{"child_id": c, "supervision_date": "2025-02-03", "supervision_type": "case"} for c in ("R13", "R14")]
    result = run(dataset(episodes=ep, placements=pl, supervisions=sup),
                 rules("supervision-cla", "supervision-cla-permanence"), D(2025, 3, 31))
    interim = one(result, "supervision-cla")
    assert (interim["child_id"], interim["status"], interim["due_date"]) == ("R13", "not_met", D(2025, 3, 3))
    full = one(result, "supervision-cla-permanence")
    assert (full["child_id"], full["status"], full["due_date"]) == ("R14", "met", D(2025, 3, 31))


# ---------------------------------------------------------------------------------------------
# Care leavers: seen every 2 months until 20, then contact every 6 months
# ---------------------------------------------------------------------------------------------
def test_care_leaver_seen_every_two_months_until_20_then_contact_every_six():
    # 'Young People are seen at least every 2-months ... until they are 20 years old. After this,
    # we have contact with them at least once every 6 months ... via phone, text, email'.
    # R15 turned 20 on Fri 10 Jan 2025 and was last seen on Mon 2 Dec 2024: from the birthday
    # only the contact rule applies, the next contact due six months after the last, Mon 2 Jun
    # 2025; phoned Thu 1 May 2025, next due Sat 1 Nov 2025.
    # R16 (born 1 Jun 2005) was seen Mon 3 Feb 2025: next visit due Thu 3 Apr 2025.
    children = [{"child_id": "R15", "date_of_birth": "2005-01-10"}, {"child_id": "R16", "date_of_birth": "2005-06-01"}]
    ep = [{"child_id": c, "episode_type": "care_leaver", "start_date": "2023-03-01"} for c in ("R15", "R16")]
    visits = [{"child_id": "R15", "visit_date": "2024-12-02"}, {"child_id": "R16", "visit_date": "2025-02-03"}]
    contacts = [{"child_id": "R15", "contact_date": "2025-05-01", "contact_type": "phone", "contact_by": "personal_adviser"}]
    ds = dataset(children=children, episodes=ep, visits=visits, family_contacts=contacts)
    result = run(ds, rules("visits-care-leaver", "contact-care-leaver"), D(2025, 3, 31))
    f = one(result, child_id="R16")
    assert (f["rule_id"], f["status"], f["due_date"]) == ("visits-care-leaver", "met", D(2025, 4, 3))
    f = one(result, child_id="R15")
    assert (f["rule_id"], f["status"], f["last_event_date"], f["due_date"]) == (
        "contact-care-leaver", "met", D(2024, 12, 2), D(2025, 6, 2))
    f = one(run(ds, rules("visits-care-leaver", "contact-care-leaver"), D(2025, 6, 30)), child_id="R15")
    assert (f["rule_id"], f["status"], f["last_event_date"], f["due_date"]) == (
        "contact-care-leaver", "met", D(2025, 5, 1), D(2025, 11, 1))


# ---------------------------------------------------------------------------------------------
# Planning: the permanence plan by the second review, the care team meeting at the mid-point
# ---------------------------------------------------------------------------------------------
CARE = [{"child_id": "R17", "episode_type": "child_in_care", "start_date": "2024-10-01"}]
REVIEWS = [{"child_id": "R17", "meeting_type": "cla_review", "meeting_date": d} for d in ("2024-10-28", "2025-01-20")]


def test_permanence_plan_ready_at_the_second_review():
    # 'Children have a Permanence Plan ready for consideration at the 2nd Review': the second
    # review was on Mon 20 Jan 2025; with no plan on file on 31 Mar the plan is 50 working days
    # late (21-31 Jan: 9, February: 20, March: 21). With one review held, the rule does not apply
    # yet.
    f = one(run(dataset(episodes=CARE, meetings=REVIEWS, documents=[]), rules("permanence-plan"), D(2025, 3, 31)))
    assert (f["status"], f["anchor_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2025, 1, 20), D(2025, 1, 20), 50)
    result = run(dataset(episodes=CARE, meetings=REVIEWS[:1], documents=[]), rules("permanence-plan"), D(2025, 3, 31))
    assert result.findings.is_empty()


def test_care_team_meeting_at_the_three_month_mid_point():
    # 'Children in Care will have a Care Team meeting in-between Children in our Care Reviews,
    # taking place at the 3-month mid-point': the second review was Mon 20 Jan 2025, so the care
    # team meeting is due by Sun 20 Apr 2025; none held by Mon 21 Apr is 1 working day late.
    ds = dataset(episodes=CARE, meetings=REVIEWS)
    f = one(run(ds, rules("care-team-meeting"), D(2025, 3, 31)))
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 4, 20))
    f = one(run(ds, rules("care-team-meeting"), D(2025, 4, 22)))
    # due Sun 20 Apr; Mon 21 Apr is Easter Monday: working days after it to Tue 22 Apr = 1
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_joint_supervision_for_a_child_in_care_aged_17():
    # 'Joint supervisions are held between the children in our care and leaving care teams for
    # children in our care aged 17': 17 on Wed 15 Jan 2025; 8 weeks (casecheck default) -> due
    # Wed 12 Mar 2025.
    ds = dataset(children=[{"child_id": "R18", "date_of_birth": "2008-01-15"}],
                 episodes=[{"child_id": "R18", "episode_type": "child_in_care", "start_date": "2022-05-03"}],
                 supervisions=[{"child_id": "R18", "supervision_date": "2025-03-03", "supervision_type": "case"}])
    f = one(run(ds, rules("supervision-joint-17"), D(2025, 3, 31)))
    assert (f["status"], f["anchor_date"], f["due_date"]) == ("not_met", D(2025, 1, 15), D(2025, 3, 12))


# ---------------------------------------------------------------------------------------------
# Timed from the event the document names
# ---------------------------------------------------------------------------------------------
def test_strategy_discussion_within_2_working_days_of_the_referral():
    # 'If a child is suffering or likely to suffer significant harm: We hold a Strategy
    # Discussion/Meeting ... within a maximum of 2 working days'. Referral received Thu 17 Apr
    # 2025: 2 working days (Good Friday, Easter Monday skipped) -> due Wed 23 Apr; the discussion
    # on Thu 24 Apr is 1 working day late.
    ds = dataset(
        referrals=[{"child_id": "R19", "received_date": "2025-04-17", "decision_date": "2025-04-17"}],
        meetings=[{"child_id": "R19", "meeting_type": "strategy_discussion", "meeting_date": "2025-04-24"}],
    )
    f = one(run(ds, rules("strategy-discussion"), D(2025, 4, 30), period="all"))
    assert (f["status"], f["anchor_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2025, 4, 17), D(2025, 4, 23), 1)


def test_early_help_plan_reviewed_every_6_weeks_from_the_plan():
    # 'Plans are reviewed at least once every 6 weeks; this may be within a TAF meeting': plan
    # dated Mon 3 Feb 2025, so the first review is due Mon 17 Mar (not 15 weeks after the
    # episode started, as before); a TAF meeting on 14 Mar is on time, next due Fri 25 Apr.
    ep = [{"child_id": "R20", "episode_type": "early_help", "start_date": "2025-01-06"}]
    docs = [{"child_id": "R20", "document_type": "plan", "document_date": "2025-02-03"}]
    taf = [{"child_id": "R20", "meeting_type": "taf", "meeting_date": "2025-03-14"}]
    f = one(run(dataset(episodes=ep, documents=docs, meetings=taf), rules("review-early-help"), D(2025, 3, 31)))
    assert (f["status"], f["anchor_date"], f["due_date"]) == ("met", D(2025, 2, 3), D(2025, 4, 25))
    f = one(run(dataset(episodes=ep, documents=docs, meetings=[]), rules("review-early-help"), D(2025, 3, 31)))
    assert (f["status"], f["due_date"]) == ("not_met", D(2025, 3, 17))


def test_genogram_by_the_end_of_the_assessment():
    # 'Every child has a full and up to date genogram and ecomap recorded on their record by the
    # end of the Children and Family Assessment': the assessment was completed on Fri 14 Mar
    # 2025, so the genogram was due that day; none on file by 31 Mar is 11 working days late.
    ep = [{"child_id": "R21", "episode_type": "child_in_need", "start_date": "2025-02-03"}]
    ass = [{"child_id": "R21", "assessment_type": "child_and_family", "start_date": "2025-02-03",
            "completed_date": "2025-03-14"}]
    f = one(run(dataset(episodes=ep, assessments=ass, documents=[]), rules("genogram-present"), D(2025, 3, 31)))
    assert (f["status"], f["anchor_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2025, 3, 14), D(2025, 3, 14), 11)
    # before the assessment is completed the rule does not apply
    ass[0]["completed_date"] = None
    result = run(dataset(episodes=ep, assessments=ass, documents=[]), rules("genogram-present"), D(2025, 3, 31))
    assert result.findings.is_empty()


def test_assessment_updated_before_the_child_becomes_looked_after():
    # 'The assessment should also be updated: Prior to a child becoming looked after': in care
    # from Mon 3 Mar 2025. An assessment completed on 14 Feb 2025 (within the 3 months before,
    # a casecheck default) counts; one completed on 2 Oct 2024 does not.
    ep = [{"child_id": "R22", "episode_type": "child_in_care", "start_date": "2025-03-03"}]
    recent = [{"child_id": "R22", "assessment_type": "child_and_family", "start_date": "2025-01-20",
               "completed_date": "2025-02-14"}]
    f = one(run(dataset(episodes=ep, assessments=recent), rules("assessment-before-care"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("met", D(2025, 3, 3), D(2025, 2, 14))
    old = [{"child_id": "R22", "assessment_type": "child_and_family", "start_date": "2024-09-02",
            "completed_date": "2024-10-02"}]
    f = one(run(dataset(episodes=ep, assessments=old), rules("assessment-before-care"), D(2025, 3, 31), period="all"))
    assert (f["status"], f["due_date"]) == ("not_met", D(2025, 3, 3))


def test_genogram_of_a_child_in_care_is_due_at_the_assessment_of_the_earlier_episode():
    # 'Every child has a genogram on their file' ... 'by the end of the Children and Family
    # Assessment': child in need from Mon 16 Oct 2023, its assessment completed Fri 22 Dec 2023;
    # a CP plan from 14 May 2024; in care from Mon 2 Dec 2024 (both earlier episodes end that
    # day). At 31 Mar 2025 only the care episode is open and it has no assessment of its own:
    # the genogram was due on 22 Dec 2023, the end of the period's assessment, and none is on
    # file (the sample's 0001656 had no finding at all before anchor_in = "case").
    ep = [{"child_id": "R30", "episode_type": "child_in_need", "start_date": "2023-10-16", "end_date": "2024-12-02"},
          {"child_id": "R30", "episode_type": "child_protection", "start_date": "2024-05-14", "end_date": "2024-12-02"},
          {"child_id": "R30", "episode_type": "child_in_care", "start_date": "2024-12-02"}]
    asmt = [{"child_id": "R30", "assessment_type": "child_and_family", "start_date": "2023-10-23",
             "completed_date": "2023-12-22"}]
    f = one(run(dataset(episodes=ep, assessments=asmt, documents=[]), rules("genogram-present"), D(2025, 3, 31)))
    assert (f["episode_type"], f["status"], f["due_date"]) == ("child_in_care", "not_met", D(2023, 12, 22))
