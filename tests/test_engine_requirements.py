"""Timescales from a linked event, in a window, and at checkpoints, hand-worked: each test quotes
the document's words and works the dates out on a calendar in the comments."""

from __future__ import annotations

import pytest

from casecheck.changes import exceptions
from casecheck.errors import ProfileError
from casecheck.views import due_soon

from engine_helpers import D, dataset, one, profile, run

S47_VISIT = {"id": "visits-s47", "kind": "timescale", "start": "episode:s47", "from": "referral",
             "done": "visit", "within": "1wd"}


def test_a_visit_within_one_working_day_of_the_referral_that_led_to_the_enquiry():
    # Torbay: "visit within one working day for serious concerns"; the clock runs from the
    # referral, found by referral id where the data has it, else the latest before the enquiry
    episodes = [
        {"child_id": "1", "episode_type": "s47", "start_date": "2025-03-05", "referral_id": "R1"},
        {"child_id": "2", "episode_type": "s47", "start_date": "2025-03-04"},
        {"child_id": "3", "episode_type": "s47", "start_date": "2025-03-03"},
        {"child_id": "4", "episode_type": "s47", "start_date": "2025-03-04", "referral_id": "R9"},
    ]
    referrals = [
        {"child_id": "1", "referral_id": "R1", "received_date": "2025-03-03"},
        {"child_id": "2", "received_date": "2025-02-28"},
        {"child_id": "2", "received_date": "2025-03-03"},
        {"child_id": "4", "referral_id": "R9", "received_date": "2025-01-06"},
        {"child_id": "4", "referral_id": "R10", "received_date": "2025-03-03"},
    ]
    visits = [{"child_id": c, "visit_date": d} for c, d in
              (("1", "2025-03-04"), ("2", "2025-03-05"), ("3", "2025-03-04"), ("4", "2025-03-04"))]
    ds = dataset(episodes=episodes, referrals=referrals, visits=visits)
    res = run(ds, profile(S47_VISIT), D(2025, 3, 31), period="all")
    f = {c: one(res, child_id=c) for c in "1234"}
    # 1: referral Mon 3 Mar (R1, the enquiry's own): due Tue 4 Mar, seen that day
    assert (f["1"]["anchor_date"], f["1"]["status"]) == (D(2025, 3, 3), "met")
    assert f["1"]["detail"] == ("Visit (child seen) on 04/03/2025: within 1 working day of the referral on "
                                "03/03/2025 (the one that led to the section 47 enquiry on 05/03/2025, by "
                                "referral id).")
    # 2: no id: the latest referral on or before the enquiry (Mon 3 Mar): due Tue 4 Mar, seen
    # Wed 5 Mar, 1 working day late
    assert (f["2"]["anchor_date"], f["2"]["status"], f["2"]["days_overdue"]) == (D(2025, 3, 3), "not_met", 1)
    assert "(the latest before the section 47 enquiry on 04/03/2025)" in f["2"]["detail"]
    # 3: no referral at all: the clock runs from the enquiry (Mon 3 Mar), due Tue 4 Mar: met
    assert (f["3"]["anchor_date"], f["3"]["status"]) == (D(2025, 3, 3), "met")
    assert f["3"]["detail"].endswith("(no referral recorded before it, so from the section 47 enquiry itself).")
    # 4: linked by id to the January referral (Mon 6 Jan: due Tue 7 Jan), not the later one
    assert (f["4"]["anchor_date"], f["4"]["due_date"], f["4"]["status"]) == (D(2025, 1, 6), D(2025, 1, 7), "not_met")


def test_a_strategy_discussion_within_two_working_days_of_the_referral():
    # Redcar & Cleveland: "We hold a Strategy Discussion/Meeting ... within a maximum of 2 working
    # days": one finding per strategy discussion, from the latest referral on or before it
    rule = {"id": "strategy-discussion", "kind": "timescale", "start": "meeting:strategy_discussion",
            "from": "referral", "done": "meeting:strategy_discussion", "within": "2wd"}
    referrals = [{"child_id": c, "received_date": "2025-03-06"} for c in "12"]
    meetings = [{"child_id": "1", "meeting_type": "strategy_discussion", "meeting_date": "2025-03-10"},
                {"child_id": "2", "meeting_type": "strategy_discussion", "meeting_date": "2025-03-11"}]
    res = run(dataset(referrals=referrals, meetings=meetings), profile(rule), D(2025, 3, 31), period="all")
    # referral Thu 6 Mar + 2 working days = Mon 10 Mar
    assert (one(res, child_id="1")["status"], one(res, child_id="1")["due_date"]) == ("met", D(2025, 3, 10))
    f = one(res, child_id="2")
    assert (f["status"], f["last_event_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 11), 1)
    assert f["detail"] == ("Strategy discussion on 11/03/2025: 1 working day after it was due on 10/03/2025 "
                           "(2 working days after the referral on 06/03/2025 (the latest before the strategy "
                           "discussion on 11/03/2025)).")


TAF_BEFORE_CLOSURE = {"id": "taf-before-closure", "kind": "timescale", "start": "episodes.end_date",
                      "start_where": {"episode_type": ["early_help"]}, "done": "meeting:taf",
                      "window": ["-3w", "-2w"]}


def test_a_meeting_two_to_three_weeks_before_closure():
    # Sandwell: "a Team Around the Family Meeting is held 2-3 weeks before we are due to complete
    # our involvement". Each early help episode ends Fri 28 Mar 2025: the window is Fri 7 to Fri
    # 14 Mar.
    episodes = [{"child_id": c, "episode_type": "early_help", "start_date": "2024-11-04", "end_date": "2025-03-28"}
                for c in "ABC"]
    meetings = [{"child_id": c, "meeting_type": "taf", "meeting_date": d} for c, d in
                (("A", "2025-03-10"), ("B", "2025-03-21"), ("C", "2025-03-03"))]
    res = run(dataset(episodes=episodes, meetings=meetings), profile(TAF_BEFORE_CLOSURE), D(2025, 3, 31),
              period="all")
    a, b, c = (one(res, child_id=x) for x in "ABC")
    assert (a["status"], a["anchor_date"], a["due_date"]) == ("met", D(2025, 3, 28), D(2025, 3, 14))
    assert a["detail"] == ("Team around the family meeting on 10/03/2025: between 3 weeks before and 2 weeks "
                           "before the end of the early help episode on 28/03/2025.")
    # B's meeting on Fri 21 Mar was a week late (17-21 Mar: 5 working days)
    assert (b["status"], b["days_overdue"]) == ("not_met", 5)
    # C's meeting on 3 Mar was before the window: none in it, 10 working days overdue at closure
    assert (c["status"], c["last_event_date"], c["days_overdue"]) == ("not_met", None, 10)
    assert "not done before the case closed on 28/03/2025" in c["detail"]


def test_a_meeting_before_the_conference_in_the_same_period_of_involvement():
    # Sandwell: "A family network meeting/discussion takes place ... prior to the Initial Child
    # Protection Conference"
    rule = {"id": "family-network-before-icpc", "kind": "timescale", "start": "meeting:icpc",
            "done": "meeting:family_network", "window": ["case", "0d"]}
    episodes = [
        {"child_id": "1", "episode_type": "child_in_need", "start_date": "2025-01-06"},
        {"child_id": "2", "episode_type": "child_in_need", "start_date": "2024-05-01", "end_date": "2024-08-01"},
        {"child_id": "2", "episode_type": "child_in_need", "start_date": "2025-01-06"},
        {"child_id": "3", "episode_type": "child_in_need", "start_date": "2025-01-06"},
    ]
    meetings = [
        {"child_id": "1", "meeting_type": "family_network", "meeting_date": "2025-02-03"},
        {"child_id": "2", "meeting_type": "family_network", "meeting_date": "2024-06-01"},  # earlier case
        {"child_id": "3", "meeting_type": "family_network", "meeting_date": "2025-02-24"},  # after the ICPC
    ] + [{"child_id": c, "meeting_type": "icpc", "meeting_date": "2025-02-20"} for c in "123"]
    res = run(dataset(episodes=episodes, meetings=meetings), profile(rule), D(2025, 3, 31), period="all")
    assert one(res, child_id="1")["status"] == "met"
    assert one(res, child_id="1")["detail"] == ("Family network meeting on 03/02/2025: by the day of the initial "
                                                "child protection conference on 20/02/2025.")
    # 2's meeting belonged to a case that closed in August 2024; none since: due on the day of
    # the ICPC (Thu 20 Feb), 27 working days overdue at 31 Mar
    f2 = one(res, child_id="2")
    assert (f2["status"], f2["last_event_date"], f2["due_date"], f2["days_overdue"]) == (
        "not_met", None, D(2025, 2, 20), 27)
    # 3's meeting came after the conference: late
    assert (one(res, child_id="3")["status"], one(res, child_id="3")["last_event_date"]) == ("not_met", D(2025, 2, 24))


OVERSIGHT = {"id": "assessment-oversight", "kind": "timescale", "start": "assessment",
             "done": "supervision:management_oversight", "checkpoints": ["10wd", "25wd", "35wd"],
             "while_open": True}


def test_oversight_at_days_10_25_and_35_of_an_assessment():
    # Sandwell: "All our single assessments benefit from Day 10; Day 25 & Day 35 management
    # oversight/ supervision". Assessment started Mon 3 Mar 2025, completed Wed 16 Apr.
    # Day 10 is Mon 17 Mar; day 25 Mon 7 Apr; day 35 Wed 23 Apr (Good Friday 18 and Easter
    # Monday 21 April are not working days): after the assessment was completed, so not owed.
    assessments = [{"child_id": "1", "start_date": "2025-03-03", "completed_date": "2025-04-16"}]
    sup = [{"child_id": "1", "supervision_date": d, "supervision_type": "management_oversight"}
           for d in ("2025-03-14", "2025-04-10")]
    res = run(dataset(assessments=assessments, supervisions=sup), profile(OVERSIGHT), D(2025, 4, 30),
              period="all")
    rows = res.findings.select("due_date", "status", "last_event_date", "days_overdue").rows()
    # day 10: 14 Mar, on time; day 25: the first oversight after 17 Mar is 10 Apr, 3 working days late
    assert rows == [(D(2025, 3, 17), "met", D(2025, 3, 14), 0), (D(2025, 4, 7), "not_met", D(2025, 4, 10), 3)]
    assert res.summary["closed_before_due"][0] == 1
    late = res.findings.row(1, named=True)["detail"]
    assert late == ("Management oversight on 10/04/2025: 3 working days after it was due on 07/04/2025 (25 working "
                    "days after the assessment start on 03/03/2025, after the checkpoint of 17/03/2025).")


@pytest.mark.parametrize(("extra", "message"), [
    ({"within": "1wd", "window": ["-3w", "-2w"]}, "exactly one of within, window or checkpoints"),
    ({}, "exactly one of within, window or checkpoints"),
    ({"window": ["-2w", "-3w"]}, "the window's first bound must come before its second"),
    ({"checkpoints": ["25wd", "10wd"]}, "checkpoints must be in order"),
    ({"window": ["-3w"]}, "window must be two durations"),
])
def test_timescale_limits_are_validated(extra, message):
    rule = {"kind": "timescale", "start": "meeting:icpc", "done": "meeting:family_network"} | extra
    with pytest.raises(ProfileError, match=message):
        profile(rule)


def test_one_late_event_does_not_meet_two_checkpoints():
    # Sandwell: "managers' key reviews process, at 3 and 6 months". Allocated Thu 22 Aug 2024:
    # due by 22 Nov and 22 Feb. One key review, on Fri 29 Nov: late for the first; it is not also
    # the second, which is then missed.
    rule = {"id": "key-review", "kind": "timescale", "start": "episode:early_help",
            "done": "meeting:key_review", "checkpoints": ["3mo", "6mo"]}
    ep = [{"child_id": "1", "episode_type": "early_help", "start_date": "2024-08-22"}]
    meetings = [{"child_id": "1", "meeting_type": "key_review", "meeting_date": "2024-11-29"}]
    res = run(dataset(episodes=ep, meetings=meetings), profile(rule), D(2025, 3, 31), period="all")
    rows = res.findings.select("due_date", "status", "last_event_date").rows()
    assert rows == [(D(2024, 11, 22), "not_met", D(2024, 11, 29)), (D(2025, 2, 22), "not_met", None)]


def test_a_letter_after_closure_is_owed():
    # Sandwell: "a closure letter is written ... once our service says 'goodbye'" (within 5
    # working days of the end, a casecheck default): the clock starts at the episode's own end,
    # so the letter due after it is owed, not cancelled by the closure; an event after the end
    # counts
    rule = {"id": "closure-letter", "kind": "timescale", "start": "episodes.end_date",
            "start_where": {"episode_type": ["early_help"]}, "done": "document:closure_letter",
            "window": ["case", "5wd"]}
    ep = [{"child_id": c, "episode_type": "early_help", "start_date": "2024-11-04", "end_date": "2025-03-14"}
          for c in "12"]
    docs = [{"child_id": "1", "document_type": "closure_letter", "document_date": "2025-03-18"}]
    res = run(dataset(episodes=ep, documents=docs), profile(rule), D(2025, 3, 31), period="all")
    # ended Fri 14 Mar + 5 working days = Fri 21 Mar: 1's letter (Tue 18 Mar) on time; 2 has
    # none, 6 working days overdue at 31 Mar
    assert (one(res, child_id="1")["status"], one(res, child_id="1")["due_date"]) == ("met", D(2025, 3, 21))
    f = one(res, child_id="2")
    assert (f["status"], f["days_overdue"]) == ("not_met", 6)
    assert f["detail"] == ("Closure letter due by 21/03/2025 (by 5 working days after the end of the "
                           "early help episode on 14/03/2025): not done, 6 working days overdue.")
    # the finding still says the case closed: shown after open cases, on no one's due list
    # ("casecheck due" lists open cases only) and no exception carried from month to month
    assert f["closed_date"] == D(2025, 3, 14)
    assert due_soon(res).is_empty()
    assert exceptions(res.findings, res.profile, res.as_at).is_empty()


def test_an_own_row_check_grows_no_more_overdue():
    rule = {"kind": "timescale", "start": "visit", "done": "visit where seen_alone = yes|no", "within": "0d"}
    ds = dataset(episodes=[{"child_id": "1", "episode_type": "child_in_need", "start_date": "2024-06-03"}],
                 visits=[{"child_id": "1", "visit_date": "2024-07-16", "seen_alone": None}])
    f = one(run(ds, profile(rule), D(2025, 3, 31), period="all"))
    assert (f["status"], f["days_overdue"]) == ("not_met", 0)


def test_an_allocation_start_in_words():
    rule = {"kind": "timescale", "start": "episodes.allocated_date", "start_where": {"episode_type": ["early_help"]},
            "done": ["family_contact", "visit"], "within": "5d"}
    ep = [{"child_id": "1", "episode_type": "early_help", "start_date": "2024-12-02", "allocated_date": "2024-12-04"}]
    ds = dataset(episodes=ep, visits=[{"child_id": "1", "visit_date": "2024-12-06"}], family_contacts=[])
    f = one(run(ds, profile(rule), D(2025, 3, 31), period="all"))
    assert f["detail"] == ("Contact with the child or family or visit (child seen) on 06/12/2024: within 5 days "
                           "of the allocation of the early help episode on 04/12/2024.")


@pytest.mark.parametrize("rule", [
    {"id": "fnm", "kind": "timescale", "start": "meeting:icpc", "done": "meeting:family_network",
     "window": ["case", "0d"]},
    {"id": "taf", "kind": "timescale", "start": "episodes.end_date", "start_where": {"episode_type": ["early_help"]},
     "done": "meeting:taf", "window": ["-3w", "-2w"]},
    {"id": "oversight", "kind": "timescale", "start": "assessment", "done": "supervision:management_oversight",
     "checkpoints": ["10wd", "25wd", "35wd"], "while_open": True},
    {"id": "s47-visit", "kind": "timescale", "start": "episode:s47", "from": "referral", "done": "visit",
     "within": "1wd"},
], ids=lambda r: r["id"])
def test_windows_checkpoints_and_links_add_up_month_by_month(rule, sample_dataset):
    # each requirement is decided once, never before its start event happened: the months of a
    # financial year add up to the year
    import polars as pl

    from casecheck.views import trend

    prof = profile(rule)
    ends = pl.date_range(pl.date(2024, 5, 1), pl.date(2025, 4, 1), "1mo", eager=True).dt.offset_by("-1d").to_list()
    months = trend(sample_dataset, prof, ends, [rule["id"]])
    year = run(sample_dataset, prof, D(2025, 3, 31), period="year").summary
    assert (months["met"].sum(), months["not_met"].sum()) == (year["met"][0], year["not_met"][0])
    assert year["met"][0] + year["not_met"][0] > 0
