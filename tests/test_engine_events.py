"""Qualifying events filtered by their attributes, hand-worked: each test quotes the words it
checks and works the dates out on a calendar in the comments."""

from __future__ import annotations

import pytest

from casecheck.errors import ProfileError
from casecheck.references import parse_event

from engine_helpers import D, dataset, one, profile, run

SB = [{"child_id": "001", "episode_type": "short_breaks", "start_date": "2024-01-08"}]


def test_unannounced_visits_at_least_once_a_year():
    # Redcar & Cleveland, short breaks: "unannounced at least once a year"
    rule = {"kind": "frequency", "cohort": ["short_breaks"], "events": ["visit where unannounced"],
            "interval": "1y"}
    visits = [
        {"child_id": "001", "visit_date": "2024-05-10", "unannounced": "Y"},
        {"child_id": "001", "visit_date": "2025-01-15", "unannounced": "N"},
        {"child_id": "001", "visit_date": "2025-02-15"},  # not recorded: not unannounced
    ]
    ds = dataset(episodes=SB, visits=visits)
    f = one(run(ds, profile(rule), D(2025, 3, 31)))
    # the last unannounced visit was on Fri 10 May 2024: the next is due by Sat 10 May 2025
    assert (f["status"], f["last_event_date"], f["due_date"]) == ("met", D(2024, 5, 10), D(2025, 5, 10))
    assert f["detail"] == ("Last visit (child seen, unannounced) on 10/05/2024; next due by 10/05/2025 "
                           "(every year).")
    f = one(run(ds, profile(rule), D(2025, 5, 12)))
    # due Sat 10 May; at Mon 12 May: 1 working day overdue
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_bedroom_seen_and_a_negated_flag():
    # "The child or young person's sleeping arrangements should be seen at least annually"
    rule = {"kind": "recency", "cohort": ["short_breaks"], "events": ["visit where bedroom_seen"],
            "interval": "1y"}
    visits = [{"child_id": "001", "visit_date": "2024-03-04", "bedroom_seen": "Y"},
              {"child_id": "001", "visit_date": "2024-09-02", "bedroom_seen": "N"}]
    ds = dataset(episodes=SB, visits=visits)
    f = one(run(ds, profile(rule), D(2025, 3, 31)))
    # seen on Mon 4 Mar 2024: in date until Tue 4 Mar 2025, so out of date since then
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 4), 19)
    ref = parse_event("visit where not bedroom_seen")
    assert ref.describe() == "visit (child seen, bedroom not seen)"


def test_contacts_by_role():
    # Sandwell, IRO: "Have contact with the child - At least once every six months"
    rule = {"kind": "frequency", "cohort": ["child_in_care"], "events": ["family_contact:iro"],
            "interval": "6mo"}
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2024-06-03"}]
    contacts = [
        {"child_id": "001", "contact_date": "2024-07-01", "contact_type": "phone", "contact_by": "IRO"},
        {"child_id": "001", "contact_date": "2024-12-20", "contact_type": "phone",
         "contact_by": "Social Worker"},
    ]
    ds = dataset(episodes=ep, family_contacts=contacts)
    f = one(run(ds, profile(rule), D(2025, 1, 31)))
    # the IRO's contact on Mon 1 Jul 2024 + 6 months = Wed 1 Jan 2025; at Fri 31 Jan: 22 working
    # days overdue (the weekdays of Thu 2 to Fri 31 January); the social worker's call does not
    # count
    assert (f["status"], f["last_event_date"], f["due_date"], f["days_overdue"]) == (
        "not_met", D(2024, 7, 1), D(2025, 1, 1), 22)
    assert "contact with the child or family by IRO" in f["detail"]


def test_a_visit_judged_by_its_own_row():
    # Redcar & Cleveland: "We record if we have been able to see child or young person alone
    # and if their room has been seen": one finding per visit, met when both are recorded; the
    # sentence names what the record lacks.
    rule = {"kind": "timescale", "start": "visit",
            "done": "visit where seen_alone = yes|no and bedroom_seen = yes|no", "within": "0d"}
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    visits = [
        {"child_id": "001", "visit_date": "2025-03-03", "seen_alone": "N", "bedroom_seen": "Y"},
        {"child_id": "001", "visit_date": "2025-03-10", "seen_alone": "Y"},
    ]
    ds = dataset(episodes=ep, visits=visits)
    res = run(ds, profile(rule), D(2025, 3, 31))
    got = res.findings.select("anchor_date", "status", "detail").rows()
    assert got == [
        (D(2025, 3, 3), "met", "Visit (child seen) on 03/03/2025: seen alone recorded and bedroom seen recorded."),
        (D(2025, 3, 10), "not_met", "Visit (child seen) on 10/03/2025: the record does not show it "
                                    "(bedroom seen recorded)."),
    ]


def test_done_by_either_of_two_events():
    # Sandwell: "timely contact with the family by day 5 from allocation": a contact or a visit
    rule = {"kind": "timescale", "start": "episode:early_help", "done": ["family_contact", "visit"],
            "within": "5d"}
    ep = [{"child_id": "001", "episode_type": "early_help", "start_date": "2025-03-03"},
          {"child_id": "002", "episode_type": "early_help", "start_date": "2025-03-03"}]
    ds = dataset(episodes=ep,
                 family_contacts=[{"child_id": "001", "contact_date": "2025-03-06", "contact_type": "phone"}],
                 visits=[{"child_id": "002", "visit_date": "2025-03-11"}])
    res = run(ds, profile(rule), D(2025, 3, 31))
    f1, f2 = one(res, child_id="001"), one(res, child_id="002")
    # due Mon 3 Mar + 5 days = Sat 8 Mar: the call on Thu 6 Mar is on time; the visit on Tue
    # 11 Mar is late (Mon 10 and Tue 11: 2 working days)
    assert (f1["status"], f1["last_event_date"]) == ("met", D(2025, 3, 6))
    assert (f2["status"], f2["due_date"], f2["days_overdue"]) == ("not_met", D(2025, 3, 8), 2)
    assert f1["detail"].startswith("Contact with the child or family or visit (child seen) on 06/03/2025")


def test_a_condition_on_a_column_the_extract_lacks_is_not_assessed():
    rule = {"kind": "frequency", "cohort": ["short_breaks"], "events": ["visit where unannounced"],
            "interval": "1y"}
    ds = dataset(episodes=SB, visits=[{"child_id": "001", "visit_date": "2024-05-10"}])
    res = run(ds, profile(rule), D(2025, 3, 31))
    assert res.findings.is_empty()
    assert res.summary["note"][0] == "not assessed (needs: visits.unannounced)"


@pytest.mark.parametrize(("text", "message"), [
    ("visit where colour = red", "visits has no column 'colour'"),
    ("visit where unannounced = maybe", "unannounced is yes or no, not 'maybe'"),
    ("visit where visit_type", "visit_type is not a yes/no column"),
    ("meeting:cla_review#2", "only for an anchor"),
])
def test_bad_conditions_are_one_sentence_naming_the_line(text, message):
    with pytest.raises(ProfileError) as err:
        profile({"kind": "frequency", "cohort": ["short_breaks"], "events": [text], "interval": "1y"})
    assert message in str(err.value)
    assert "line " in str(err.value)


def test_references_read_as_words():
    assert parse_event("assessments.completed_date:early_help").describe() == "early help assessment completion"
    assert parse_event("family_contact where contact_type = phone|text").describe() == (
        "contact with the child or family (by phone or text)")
    assert parse_event("meeting:icpc").describe() == "initial child protection conference"
    assert parse_event("placement:p1").where == (("placement_type", ("P1",)),)
