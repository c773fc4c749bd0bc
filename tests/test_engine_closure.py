"""Closure, reporting periods, first periods and one row per episode, hand-worked.

Every expected date is worked out on a calendar in the comment. Working days: Monday to Friday
except England's bank holidays (Good Friday 7 Apr 2023 and 18 Apr 2025, Easter Monday 10 Apr 2023
and 21 Apr 2025, 1 Jan 2025).
"""

from __future__ import annotations

import polars as pl

from casecheck.engine import audit
from casecheck.views import due_soon, exceptions, trend

from engine_helpers import CP_VISITS, D, dataset, one, profile, run

REFERRAL_DECISION = {"id": "referral-decision", "kind": "timescale", "start": "referrals.received_date",
                     "done": "referrals.decision_date", "within": "1wd"}
ASSESSMENT = {"id": "assessment-completion", "kind": "timescale", "start": "assessments.start_date",
              "done": "assessments.completed_date", "within": "45wd"}
FAMILY_NETWORK = {"id": "family-network-meeting", "kind": "timescale", "start": "episodes.start_date",
                  "start_where": {"episode_type": ["child_in_need"]}, "done": "meeting:family_network",
                  "within": "10wd"}
CHRONOLOGY = {"id": "chronology-updated", "kind": "recency", "cohort": ["child_in_need", "child_in_care"],
              "events": ["document:chronology"], "first": "45wd", "interval": "1mo"}
VISITS_CIN = {"id": "visits-cin", "kind": "frequency", "cohort": ["child_in_need"],
              "exclude": ["child_protection", "child_in_care"], "events": ["visit"], "interval": "20wd"}
VISITS_CLA = {"id": "visits-cla", "kind": "frequency", "cohort": ["child_in_care"], "events": ["visit"],
              "anchor": "placement", "first": "0d", "interval": "6w",
              "phases": [{"until": "4w", "interval": "1w"}]}


def _rows(result, rule_id: str | None = None) -> list[tuple]:
    f = result.findings if rule_id is None else result.findings.filter(pl.col("rule_id") == rule_id)
    return f.select("child_id", "status").rows()


# --- the clock stops at closure --------------------------------------------------------------
def test_a_visit_due_after_closure_leaves_the_rule_scope():
    # CP plan Mon 6 Jan 2025, closed Tue 7 Jan with no visit: the first visit (48h = 2 days) was
    # due Wed 8 Jan, after the plan ended. Over January that is no breach: the episode leaves the
    # rule's scope and the summary says so.
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06",
           "end_date": "2025-01-07"}]
    result = run(dataset(episodes=ep, visits=[]), profile(CP_VISITS), D(2025, 1, 31), since=D(2025, 1, 1))
    assert result.findings.is_empty()
    s = result.summary.row(0, named=True)
    assert (s["in_scope"], s["closed_before_due"]) == (0, 1)
    assert s["note"] == "1 episode closed before its next due date: left out"


def test_a_visit_missed_while_open_counts_overdue_only_to_the_end():
    # CP plan Mon 6 Jan 2025, seen Tue 7 Jan, closed Mon 3 Mar. 7 Jan + 10wd = Tue 21 Jan; not
    # seen again, so late. Working days overdue stop at the closure: 22 Jan to 3 Mar = 8 in
    # January (22-24, 27-31) + 20 in February + 3 Mar = 29, not the 49 to 31 March.
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06",
           "end_date": "2025-03-03"}]
    visits = [{"child_id": "001", "visit_date": "2025-01-07"},
              {"child_id": "001", "visit_date": "2025-03-05"}]  # after the closure: not this episode's
    f = one(run(dataset(episodes=ep, visits=visits), profile(CP_VISITS), D(2025, 3, 31), since=D(2025, 1, 1)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 1, 21), 29)
    assert (f["closed_date"], f["last_event_date"]) == (D(2025, 3, 3), D(2025, 1, 7))
    assert f["detail"].endswith("Closed on 03/03/2025.")


def test_a_timescale_due_after_the_case_closed_leaves_scope_and_one_due_before_stops_counting():
    # Assessments started Mon 6 Jan 2025: due 10 Mar (45 working days). Child 001's only episode
    # closed Fri 28 Feb, before the due date: left out. Child 002's closed Fri 14 Mar: the
    # assessment fell overdue on 11 Mar while the case was open (not met), 4 working days overdue
    # at the closure (11-14 Mar), not 15 at 31 Mar.
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06", "end_date": "2025-02-28"},
          {"child_id": "002", "episode_type": "child_in_need", "start_date": "2025-01-06", "end_date": "2025-03-14"}]
    assessments = [{"child_id": c, "start_date": "2025-01-06", "completed_date": None} for c in ("001", "002")]
    result = run(dataset(episodes=ep, assessments=assessments), profile(ASSESSMENT), D(2025, 3, 31), period="all")
    f = one(result)
    assert (f["child_id"], f["status"], f["due_date"]) == ("002", "not_met", D(2025, 3, 10))
    assert (f["closed_date"], f["days_overdue"]) == (D(2025, 3, 14), 4)
    assert "not done before the case closed on 14/03/2025" in f["detail"]
    assert result.summary.row(0, named=True)["closed_before_due"] == 1
    # in March's audit 002 is counted (it fell overdue on 11 Mar); 001 closed in February
    march = run(dataset(episodes=ep, assessments=assessments), profile(ASSESSMENT), D(2025, 3, 31))
    assert _rows(march) == [("002", "not_met")]
    assert march.summary.row(0, named=True)["closed_before_due"] == 0


def test_a_record_made_after_the_case_closed_is_not_said_to_be_only_as_late_as_the_closure():
    # Visit Wed 5 Mar 2025, its case note due 5 working days later, Wed 12 Mar; the case closed
    # Mon 17 Mar and the note was recorded Mon 31 Mar (from the visit's own row, so it still
    # belongs to the visit). Overdue counts to the closure: 13, 14, 17 Mar = 3 working days. The
    # note itself was 13 working days late, so the sentence must not read "on 31/03/2025: 3
    # working days after it was due": it says the case closed first, and what was overdue then.
    case_notes = {"id": "case-note-timeliness", "kind": "timescale", "start": "visits.visit_date",
                  "done": "visits.recorded_date", "within": "5wd"}
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2024-10-02", "end_date": "2025-03-17"}]
    visits = [{"child_id": "001", "visit_date": "2025-03-05", "recorded_date": "2025-03-31"}]
    f = one(run(dataset(episodes=ep, visits=visits), profile(case_notes), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 12), 3)
    assert f["detail"] == (
        "Case note of the visit on 31/03/2025, after the case closed on 17/03/2025: due on 12/03/2025 "
        "(5 working days after the visit on 05/03/2025); 3 working days overdue at closure.")


def test_an_event_in_a_later_episode_does_not_count_for_an_earlier_one():
    # The issue's case: a child in need episode 6 Jan 2023 to Sat 29 Apr 2023, and a new one from
    # 31 Dec 2024 with a family network meeting on 13 Jan 2025.
    # 2023: due 6 Jan + 10wd = Fri 20 Jan 2023; no meeting while it was open: not met, overdue
    #   to the closure: 23-31 Jan (7) + Feb (20) + Mar (23) + 3-28 Apr without Good Friday and
    #   Easter Monday (18) = 68 working days, not "499 working days after the due date".
    # 2025: 31 Dec 2024 + 10wd (1 Jan a bank holiday) = 2, 3, 6-10, 13, 14, 15 -> Wed 15 Jan;
    #   met on 13 Jan.
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2023-01-06", "end_date": "2023-04-29"},
          {"child_id": "001", "episode_type": "child_in_need", "start_date": "2024-12-31"}]
    meetings = [{"child_id": "001", "meeting_type": "family_network", "meeting_date": "2025-01-13"}]
    ds = dataset(episodes=ep, meetings=meetings)
    result = run(ds, profile(FAMILY_NETWORK), D(2025, 3, 31), period="all")
    old, new = result.findings.rows(named=True)
    assert (old["status"], old["due_date"], old["last_event_date"]) == ("not_met", D(2023, 1, 20), None)
    assert (old["closed_date"], old["days_overdue"]) == (D(2023, 4, 29), 68)
    assert (new["status"], new["due_date"], new["last_event_date"]) == ("met", D(2025, 1, 15), D(2025, 1, 13))
    assert new["detail"] == ("Family network meeting on 13/01/2025: within 10 working days of the child in need "
                             "episode start on 31/12/2024.")
    # neither was decided in March 2025
    assert run(ds, profile(FAMILY_NETWORK), D(2025, 3, 31)).findings.is_empty()


def test_a_child_who_comes_into_care_still_owes_the_family_network_meeting():
    # Opened to child in need Mon 3 Mar 2025, in care from Wed 5 Mar (the child in need episode
    # ends that day). The case is still open: the meeting due 3 Mar + 10wd = Mon 17 Mar is owed,
    # and at 31 Mar 10 working days overdue (18-21, 24-28, 31 Mar).
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-03-03", "end_date": "2025-03-05"},
          {"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-03-05"}]
    f = one(run(dataset(episodes=ep, meetings=[]), profile(FAMILY_NETWORK), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["days_overdue"], f["closed_date"]) == ("not_met", D(2025, 3, 17), 10, None)


def test_an_assessment_carries_on_when_the_child_steps_up_but_stops_when_the_case_closes():
    # Assessment started Mon 6 Jan 2025, due Mon 10 Mar. Child 001: child in need until 20 Jan,
    # then a CP plan (one period of involvement, still open): not met, 15 working days overdue at
    # 31 Mar (11-14 Mar, 17-21, 24-28, 31). Child 002: child in need until 20 Jan and nothing
    # after: the case closed before the due date, left out. Child 003 is not known (no episode):
    # the clock runs to the audit date.
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-02", "end_date": "2025-01-20"},
          {"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-20"},
          {"child_id": "002", "episode_type": "child_in_need", "start_date": "2025-01-02", "end_date": "2025-01-20"}]
    assessments = [{"child_id": c, "start_date": "2025-01-06", "completed_date": None} for c in ("001", "002", "003")]
    ds = dataset(episodes=ep, assessments=assessments)
    result = run(ds, profile(ASSESSMENT), D(2025, 3, 31))
    assert _rows(result) == [("001", "not_met"), ("003", "not_met")]
    assert {f["days_overdue"] for f in result.findings.rows(named=True)} == {15}
    assert result.findings["closed_date"].null_count() == 2
    # 002 closed in January: counted as left out in a period that holds the closure
    assert result.summary.row(0, named=True)["closed_before_due"] == 0
    assert run(ds, profile(ASSESSMENT), D(2025, 3, 31), period="all").summary.row(0, named=True)["closed_before_due"] == 1


# --- the reporting period ----------------------------------------------------------------------
REFERRALS = [
    # received Wed 26 Feb: due Thu 27 Feb; decided Mon 3 Mar, late
    {"child_id": "001", "received_date": "2025-02-26", "decision_date": "2025-03-03"},
    # received Thu 27 Feb: due Fri 28 Feb; never decided
    {"child_id": "002", "received_date": "2025-02-27", "decision_date": None},
    # received Fri 28 Feb: due Mon 3 Mar; decided that day, on time
    {"child_id": "003", "received_date": "2025-02-28", "decision_date": "2025-03-03"},
    # received Tue 4 Feb: due Wed 5 Feb; decided Wed 5 Feb, on time
    {"child_id": "004", "received_date": "2025-02-04", "decision_date": "2025-02-05"},
]


def test_a_period_boundary_on_the_first_of_the_month():
    ds = dataset(referrals=REFERRALS)
    prof = profile(REFERRAL_DECISION)
    feb = run(ds, prof, D(2025, 2, 28))
    # February (to Fri 28 Feb): 004 met on 5 Feb; 001 fell overdue on Fri 28 Feb (the day after
    # its due date) and is 1 working day overdue; 002 is due that day and 003 on 3 Mar: pending.
    assert _rows(feb) == [("001", "not_met"), ("002", "pending"), ("003", "pending"), ("004", "met")]
    assert one(feb, child_id="001")["days_overdue"] == 1
    mar = run(ds, prof, D(2025, 3, 31))
    # March: 002 fell overdue on Sat 1 Mar, the first of the month, and is 21 working days
    # overdue at Mon 31 Mar; 003 met on 3 Mar. 001 was decided in February, when it fell
    # overdue: its late decision on 3 Mar does not count it again; 004 was met in February.
    assert _rows(mar) == [("002", "not_met"), ("003", "met")]
    assert one(mar, child_id="002")["days_overdue"] == 21
    # the trend's months are the same audits, and each case is counted in one month only
    months = trend(ds, prof, [D(2025, 2, 28), D(2025, 3, 31)])
    assert months.select("month_end", "in_scope", "met", "not_met", "pending").rows() == [
        (D(2025, 2, 28), 4, 1, 1, 2), (D(2025, 3, 31), 2, 1, 1, 0)]
    # --since gives any other start: from 1 Feb to 31 Mar, each case once; 001 decided late
    # on 3 Mar (28 Feb and 3 Mar: 2 working days overdue)
    both = run(ds, prof, D(2025, 3, 31), since=D(2025, 2, 1))
    assert _rows(both) == [("001", "not_met"), ("002", "not_met"), ("003", "met"), ("004", "met")]
    assert one(both, child_id="001")["days_overdue"] == 2
    assert both.period.label == "01/02/2025 to 31/03/2025"


def test_periods_name_the_month_quarter_year_and_go_back_one():
    ds = dataset(referrals=REFERRALS)
    result = run(ds, profile(REFERRAL_DECISION), D(2025, 3, 31), period="quarter")
    assert result.period.label == "quarter to March 2025 (01/01/2025 to 31/03/2025)"
    assert len(result.findings) == 4
    s = result.summary.row(0, named=True)
    assert (s["question"], s["period_start"], s["period_end"]) == ("decided_in_period", D(2025, 1, 1), D(2025, 3, 31))
    # the previous period, as a scorecard asks for it: the quarter to December 2024
    before = audit(ds, profile(REFERRAL_DECISION), period=result.period.previous())
    assert (before.as_at, before.period.start, before.findings.height) == (D(2024, 12, 31), D(2024, 10, 1), 0)
    assert audit(ds, profile(REFERRAL_DECISION), "2025-04-01", period="year").period.start == D(2025, 4, 1)


# --- first periods ---------------------------------------------------------------------------
def _chronology(docs: list[str], as_at, start: str = "2025-01-28"):
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": start}]
    documents = [{"child_id": "001", "document_type": "chronology", "document_date": d} for d in docs]
    return one(run(dataset(episodes=ep, documents=documents), profile(CHRONOLOGY), as_at))


def test_a_first_period_with_an_older_document():
    # Placed Tue 28 Jan 2025. The first chronology is due 45 working days later: 29-31 Jan (3),
    # February (20), 3-31 Mar (21), Tue 1 Apr -> 1 Apr 2025.
    # With no chronology, at 31 Mar: pending until 1 Apr.
    f = _chronology([], D(2025, 3, 31))
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 4, 1))
    # A chronology written the day after placement (29 Jan, out of date since 28 Feb) must not
    # leave the child worse off than none at all: pending, due 1 Apr (it was not_met, due 28 Feb).
    f = _chronology(["2025-01-29"], D(2025, 3, 31))
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("pending", D(2025, 4, 1), D(2025, 1, 29))
    # An older one, from an earlier episode (15 Dec 2024, out of date since 15 Jan): pending too.
    f = _chronology(["2024-12-15"], D(2025, 3, 31))
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 4, 1))
    # An update on 20 Mar is in date: met, next due 20 Apr.
    f = _chronology(["2025-01-29", "2025-03-20"], D(2025, 3, 31))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 4, 20))
    # Once the first period has run out the 29 Jan chronology is late: due 1 Apr, at Wed 2 Apr
    # 1 working day overdue.
    f = _chronology(["2025-01-29"], D(2025, 4, 2))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 4, 1), 1)


# --- one row per rule x child x episode ------------------------------------------------------
def test_two_open_placements_give_one_row_for_the_current_placement():
    # In care from Mon 6 Jan 2025; placement P1 from 6 Jan never ended in the extract, P2 from
    # Mon 10 Mar. The current placement is P2, the latest start: the child must be seen on the
    # day placed (first 0d), so at Tue 11 Mar, not seen since, 1 working day overdue. One row.
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-01-06"}]
    places = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-01-06"},
              {"child_id": "001", "placement_id": "P2", "start_date": "2025-03-10"}]
    visits = [{"child_id": "001", "visit_date": "2025-03-03"}]
    ds = dataset(episodes=ep, placements=places, visits=visits)
    f = one(run(ds, profile(VISITS_CLA), D(2025, 3, 11)))
    assert (f["anchor_date"], f["due_date"], f["status"], f["days_overdue"]) == (D(2025, 3, 10), D(2025, 3, 10), "not_met", 1)
    # the overlap is in the data-quality record, against P2's row (row 3 of placements.csv)
    note = ds.quality.issues.filter(pl.col("table") == "placements").row(0, named=True)
    assert (note["row"], note["action"]) == (3, "noted")
    assert "still open: the later one is taken as the current placement from 10/03/2025" in note["reason"]


def test_two_overlapping_episodes_of_one_type_are_one_episode():
    # Child in need from Thu 2 Jan 2025 (open) and again from Mon 3 Feb (open): one period of
    # involvement from 2 Jan. Seen Mon 3 Mar: next due 3 Mar + 20wd = Mon 31 Mar. One row.
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-02"},
          {"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-02-03"}]
    ds = dataset(episodes=ep, visits=[{"child_id": "001", "visit_date": "2025-03-03"}])
    f = one(run(ds, profile(VISITS_CIN), D(2025, 3, 31)))
    assert (f["anchor_date"], f["due_date"], f["status"]) == (D(2025, 1, 2), D(2025, 3, 31), "met")
    note = ds.quality.issues.row(0, named=True)
    assert (note["table"], note["row"], note["action"]) == ("episodes", 3, "noted")
    assert note["reason"] == ("overlaps another child in need episode of the same child (row 2, from 02/01/2025): "
                              "the two are counted as one episode from 02/01/2025")


# --- the audit-period question follows the child --------------------------------------------
STEPPED_DOWN = [
    {"child_id": "001", "episode_type": "child_in_need", "start_date": "2024-12-02"},
    {"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06", "end_date": "2025-03-14"},
    # still on a plan at the audit date: left out of visits-cin
    {"child_id": "002", "episode_type": "child_in_need", "start_date": "2024-12-02"},
    {"child_id": "002", "episode_type": "child_protection", "start_date": "2025-01-06"},
]


def test_a_child_stepped_down_from_cp_to_cin_then_not_seen_is_a_cin_breach():
    # Last seen Fri 3 Jan 2025. The CIN visit would have been due 3 Jan + 20wd = Fri 31 Jan, but
    # the CP plan (6 Jan to Fri 14 Mar) left the child out of visits-cin while it was open: the
    # CIN visit is due when the plan ended, 14 Mar. Not seen since: at Mon 31 Mar 11 working days
    # overdue (17-21, 24-28 Mar, 31 Mar).
    visits = [{"child_id": c, "visit_date": "2025-01-03"} for c in ("001", "002")]
    ds = dataset(episodes=STEPPED_DOWN, visits=visits)
    point = run(ds, profile(VISITS_CIN), D(2025, 3, 31))
    over = run(ds, profile(VISITS_CIN), D(2025, 3, 31), since=D(2025, 1, 1))
    for result in (point, over):
        f = one(result)  # 002 is still on a plan: out of scope
        assert (f["child_id"], f["status"], f["due_date"], f["days_overdue"]) == ("001", "not_met", D(2025, 3, 14), 11)
        assert "The schedule resumed on 14/03/2025, when the child protection or child in care episode ended." in f["detail"]


def test_a_child_reopened_in_the_period_is_checked_on_the_episode_open_now():
    # Genogram per child: a child in need episode from 6 Jan 2025 closed Fri 31 Jan, and another
    # from Mon 3 Mar (open). Over the quarter the child is checked once, on the open episode:
    # 3 Mar + 45wd is in May, so pending (not the closed episode's deadline of 10 Mar).
    rule = {"id": "genogram-present", "kind": "presence", "cohort": ["child_in_need"],
            "events": ["document:genogram"], "within": "45wd"}
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06", "end_date": "2025-01-31"},
          {"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-03-03"}]
    f = one(run(dataset(episodes=ep, documents=[]), profile(rule), D(2025, 3, 31), period="quarter", over_period=True))
    assert (f["anchor_date"], f["status"], f["closed_date"]) == (D(2025, 3, 3), "pending", None)


# --- plain English, true to the rule ---------------------------------------------------------
def test_a_care_leaver_with_no_date_of_birth_is_held_to_the_under_20_schedule():
    rule = {"id": "visits-care-leaver", "kind": "frequency", "cohort": ["care_leaver"], "events": ["visit"],
            "first": "2mo", "interval": "6mo", "phases": [{"until_age": 20, "interval": "2mo"}]}
    children = [{"child_id": "001", "date_of_birth": None}, {"child_id": "002", "date_of_birth": "2004-03-15"}]
    ep = [{"child_id": c, "episode_type": "care_leaver", "start_date": "2024-01-01"} for c in ("001", "002")]
    visits = [{"child_id": c, "visit_date": "2025-04-30"} for c in ("001", "002")]
    result = run(dataset(children=children, episodes=ep, visits=visits), profile(rule), D(2025, 5, 1))
    # no date of birth: 30 Apr + 2 months = 30 Jun 2025, and the detail says why
    unknown = one(result, child_id="001")
    assert unknown["due_date"] == D(2025, 6, 30)
    assert unknown["detail"] == ("Last visit (child seen) on 30/04/2025; next due by 30/06/2025 (every 2 months: "
                                 "the under-20 schedule, as the date of birth is not recorded).")
    # 21 years old: 30 Apr + 6 months = 30 Oct 2025, "every 6 months from age 20", not "(every 6 months)"
    older = one(result, child_id="002")
    assert older["detail"] == ("Last visit (child seen) on 30/04/2025; next due by 30/10/2025 (every 6 months "
                               "from age 20).")


def test_details_name_the_interval_applied_and_use_uk_dates():
    # visits-cla in its first 4 weeks: weekly. Placed Mon 3 Mar 2025, seen 3 Mar: due Mon 10 Mar.
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-03-03"}]
    places = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-03-03"}]
    ds = dataset(episodes=ep, placements=places, visits=[{"child_id": "001", "visit_date": "2025-03-03"}])
    f = one(run(ds, profile(VISITS_CLA), D(2025, 3, 4)))
    assert f["detail"] == ("Last visit (child seen) on 03/03/2025; next due by 10/03/2025 (every week in the "
                           "first 4 weeks of the placement).")
    # a referral decision: "1 working day", the words a social worker uses, no table.column names
    f = one(run(dataset(referrals=REFERRALS[3:]), profile(REFERRAL_DECISION), D(2025, 2, 28)))
    assert f["detail"] == "Referral decision on 05/02/2025: within 1 working day of the referral on 04/02/2025."


# --- what someone can act on -----------------------------------------------------------------
def test_due_lists_open_cases_only_and_exceptions_put_them_first():
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06", "end_date": "2025-03-14"},
          {"child_id": "002", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    assessments = [{"child_id": c, "start_date": "2025-01-06", "completed_date": None} for c in ("001", "002")]
    result = run(dataset(episodes=ep, assessments=assessments), profile(ASSESSMENT), D(2025, 3, 31), period="all")
    # both missed 10 Mar; 001's case closed on 14 Mar (4 working days overdue), 002's is open (15)
    assert exceptions(result)["child_id"].to_list() == ["002", "001"]
    assert due_soon(result)["child_id"].to_list() == ["002"]


def test_due_leaves_out_what_a_visit_record_lacks_but_keeps_what_is_still_to_do():
    # 'We record if we have been able to see child or young person alone and if their room has
    # been seen' (Redcar): a visit on Thu 2 Aug 2018 recorded neither. That is a gap in a record
    # already made, which no working day brings nearer: `due` does not list it as "1682 working
    # days overdue" (the audit keeps it not met, 0 days overdue). The child's next visit, due
    # 20 working days after the last on Mon 3 Mar 2025 (Mon 31 Mar), is listed.
    record = {"id": "seen-alone-recorded", "kind": "timescale", "start": "visit",
              "done": "visit where seen_alone = yes|no and bedroom_seen = yes|no", "within": "0d"}
    visits_cin = {**VISITS_CIN, "interval": "20wd"}
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2018-07-02"}]
    visits = [{"child_id": "001", "visit_date": "2018-08-02", "seen_alone": None, "bedroom_seen": None},
              {"child_id": "001", "visit_date": "2025-03-03", "seen_alone": "Y", "bedroom_seen": "Y"}]
    result = run(dataset(episodes=ep, visits=visits), profile(record, visits_cin), D(2025, 3, 31), period="all")
    missed = result.findings.filter((pl.col("rule_id") == "seen-alone-recorded") & (pl.col("status") == "not_met"))
    assert missed.select("anchor_date", "days_overdue").rows() == [(D(2018, 8, 2), 0)]
    listed = due_soon(result)
    assert listed.select("rule_id", "due_date").rows() == [("visits-cin", D(2025, 3, 31))]
