"""Anchors besides the episode and the placement, hand-worked: an age ("prepared for adulthood
by 15 years 8 months"), the n-th event of the episode ("by the second review"), and a rule that
applies until an age ("until they are 20")."""

from __future__ import annotations

from engine_helpers import D, dataset, one, profile, run

ADULTHOOD = {"id": "preparing-for-adulthood", "kind": "presence", "cohort": ["child_in_care"],
             "events": ["document:preparing_for_adulthood"], "anchor": "age:15y8mo"}


def test_prepared_for_adulthood_by_15_years_8_months():
    # Sandwell: "Make sure the child is prepared for adulthood and independence before they leave
    # care - Young Person is 15years/8 months"
    children = [
        {"child_id": "A", "date_of_birth": "2009-06-10"},  # 15y8mo on Mon 10 Feb 2025
        {"child_id": "B", "date_of_birth": "2010-01-05"},  # 15y8mo on 5 Sep 2025: not yet
        {"child_id": "C", "date_of_birth": "2008-01-01"},  # already 16 when the episode began
        {"child_id": "D"},  # no date of birth
    ]
    ep = [{"child_id": c, "episode_type": "child_in_care", "start_date": "2024-06-03"} for c in "ABCD"]
    docs = [{"child_id": "C", "document_type": "preparing_for_adulthood", "document_date": "2024-07-01"}]
    res = run(dataset(children=children, episodes=ep, documents=docs), profile(ADULTHOOD), D(2025, 3, 31))
    assert res.findings["child_id"].to_list() == ["A", "C", "D"]
    a = one(res, child_id="A")
    # due on 10 Feb 2025; at Mon 31 Mar: 35 working days (11 Feb to 31 Mar) overdue
    assert (a["status"], a["anchor_date"], a["due_date"], a["days_overdue"]) == ("not_met", D(2025, 2, 10), D(2025, 2, 10), 35)
    assert a["detail"] == "No preparing for adulthood plan on file."
    c = one(res, child_id="C")
    assert (c["status"], c["anchor_date"]) == ("met", D(2024, 6, 3))
    d = one(res, child_id="D")
    assert (d["status"], d["anchor_date"]) == ("not_met", D(2024, 6, 3))


def test_the_age_anchor_in_words():
    rule = dict(ADULTHOOD, within="4w")
    children = [{"child_id": "A", "date_of_birth": "2009-06-10"}, {"child_id": "D"}]
    ep = [{"child_id": c, "episode_type": "child_in_care", "start_date": "2024-06-03"} for c in "AD"]
    res = run(dataset(children=children, episodes=ep, documents=[]), profile(rule), D(2025, 2, 20))
    assert one(res, child_id="A")["detail"] == (
        "No preparing for adulthood plan yet; due by 10/03/2025 (within 4 weeks of reaching 15 years "
        "8 months on 10/02/2025).")
    assert one(res, child_id="D")["detail"].startswith(
        "No preparing for adulthood plan on file; due by 01/07/2024 (within 4 weeks of the child in care "
        "episode starting on 03/06/2024 (no date of birth recorded, so not from age 15 years 8 months))")


PERMANENCE = {"id": "permanence-plan", "kind": "presence", "cohort": ["child_in_care"],
              "events": ["document:permanence_plan"], "anchor": "meeting:cla_review#2", "within": "0d"}


def test_permanence_plan_by_the_second_review():
    # Redcar & Cleveland: "Permanence Plan ready for consideration at the 2nd Review"
    ep = [{"child_id": c, "episode_type": "child_in_care", "start_date": "2024-10-01"} for c in ("1", "2", "3")]
    meetings = [{"child_id": c, "meeting_type": "cla_review", "meeting_date": d}
                for c in ("1", "2", "3") for d in ("2024-10-28", "2025-01-20") if not (c == "2" and d > "2025")]
    # an earlier episode's review does not count as this one's first
    meetings.append({"child_id": "3", "meeting_type": "cla_review", "meeting_date": "2023-05-02"})
    docs = [{"child_id": "1", "document_type": "permanence_plan", "document_date": "2025-01-15"},
            {"child_id": "3", "document_type": "permanence_plan", "document_date": "2025-02-03"}]
    ds = dataset(episodes=ep, meetings=meetings, documents=docs)
    res = run(ds, profile(PERMANENCE), D(2025, 3, 31))
    # 2 has had one review: the rule does not apply yet
    assert res.findings["child_id"].to_list() == ["1", "3"]
    assert (one(res, child_id="1")["anchor_date"], one(res, child_id="1")["status"]) == (D(2025, 1, 20), "met")
    # over the quarter, 3's plan (3 Feb) came after the second review (20 Jan): late
    res = run(ds, profile(PERMANENCE), D(2025, 3, 31), since=D(2025, 1, 1))
    f = one(res, child_id="3")
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 1, 20), 10)


CARE_LEAVER = {"id": "visits-care-leaver", "kind": "frequency", "cohort": ["care_leaver"],
               "events": ["visit"], "interval": "2mo", "until_age": 20}
CONTACT_20 = {"id": "contact-care-leaver-20", "kind": "recency", "cohort": ["care_leaver"],
              "events": ["visit", "family_contact"], "anchor": "age:20y", "interval": "6mo"}


def test_care_leavers_seen_every_two_months_until_20_then_in_contact_every_six():
    # Redcar & Cleveland: "seen at least every 2-months ... until they are 20. After this, we have
    # contact with them at least once every 6 months" (phone, text, email or video call)
    children = [{"child_id": "A", "date_of_birth": "2005-01-10"}, {"child_id": "B", "date_of_birth": "2006-03-15"}]
    ep = [{"child_id": c, "episode_type": "care_leaver", "start_date": "2023-06-01"} for c in "AB"]
    visits = [{"child_id": c, "visit_date": "2024-12-02"} for c in "AB"]
    contacts = [{"child_id": "A", "contact_date": "2025-05-01", "contact_type": "phone"}]
    ds = dataset(children=children, episodes=ep, visits=visits, family_contacts=contacts)
    res = run(ds, profile(CARE_LEAVER, CONTACT_20), D(2025, 6, 30))
    # A turned 20 on 10 Jan 2025: no longer in the 2-monthly rule; in contact on 1 May (a phone
    # call), next due by 1 Nov 2025
    a = one(res, "contact-care-leaver-20", "A")
    assert (a["status"], a["anchor_date"], a["due_date"]) == ("met", D(2025, 1, 10), D(2025, 11, 1))
    assert res.findings.filter((res.findings["rule_id"] == "visits-care-leaver")
                               & (res.findings["child_id"] == "A")).is_empty()
    # B is 19: seen 2 Dec 2024, due 2 Feb 2025, missed
    b = one(res, "visits-care-leaver", "B")
    assert (b["status"], b["due_date"]) == ("not_met", D(2025, 2, 2))
    # over the year to 31 Mar 2025, A was seen within every 2 months to 22 Nov 2024; the row in
    # the 2-monthly rule ended on the 20th birthday (10 Jan 2025), before the next visit was due
    # (22 Jan): every interval kept. The case did not close: closed_date stays blank.
    two_monthly = [{"child_id": "A", "visit_date": d} for d in
                   ("2024-02-01", "2024-03-29", "2024-05-28", "2024-07-26", "2024-09-25", "2024-11-22")]
    ds = dataset(children=children, episodes=ep, visits=two_monthly)
    a = one(run(ds, profile(CARE_LEAVER), D(2025, 3, 31), since=D(2024, 4, 1)), child_id="A")
    assert (a["status"], a["closed_date"]) == ("met", None)
    assert a["detail"].endswith(" Turned 20 on 10/01/2025: the rule no longer applies.")
