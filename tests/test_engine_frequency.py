"""Frequency rules, hand-worked: every expected date is worked out on a calendar in the comment."""

from __future__ import annotations

from engine_helpers import CP_VISITS, D, dataset, one, profile, run

CP = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-03-03"}]


def test_in_date_on_the_due_day_itself():
    # Plan Mon 3 Mar 2025; seen Tue 4 Mar and Fri 14 Mar. 14 Mar + 10wd = Fri 28 Mar.
    ds = dataset(episodes=CP, visits=[{"child_id": "001", "visit_date": d} for d in ("2025-03-04", "2025-03-14")])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 28)))
    assert f["status"] == "met"
    assert f["last_event_date"] == D(2025, 3, 14)
    assert f["due_date"] == D(2025, 3, 28)
    assert f["days_overdue"] == 0
    assert f["anchor_date"] == D(2025, 3, 3)
    assert f["detail"] == "Last visit (child seen) on 14/03/2025; next due by 28/03/2025 (every 10 working days)."


def test_one_working_day_overdue_over_a_weekend():
    # Due Fri 28 Mar; at Mon 31 Mar the visit is 1 working day overdue.
    ds = dataset(episodes=CP, visits=[{"child_id": "001", "visit_date": d} for d in ("2025-03-04", "2025-03-14")])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 28), 1)


def test_easter_bank_holidays_extend_the_due_date():
    # Seen Thu 10 Apr 2025. Working days after: 11, 14, 15, 16, 17 (Good Friday 18 and Easter
    # Monday 21 skipped), 22, 23, 24, 25, 28 -> due Mon 28 Apr.
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-04-01"}]
    ds = dataset(episodes=ep, visits=[{"child_id": "001", "visit_date": "2025-04-10"}])
    f = one(run(ds, profile(CP_VISITS), D(2025, 4, 28)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 4, 28))
    f = one(run(ds, profile(CP_VISITS), D(2025, 4, 29)))
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_unseen_and_non_statutory_visits_do_not_count():
    # Seen 4 Mar (due 18 Mar); 14 Mar child not seen; 17 Mar visit_type "other": neither counts.
    visits = [
        {"child_id": "001", "visit_date": "2025-03-04", "seen": "Y"},
        {"child_id": "001", "visit_date": "2025-03-14", "seen": "N"},
        {"child_id": "001", "visit_date": "2025-03-17", "seen": "Y", "visit_type": "other"},
    ]
    ds = dataset(episodes=CP, visits=visits)
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 20)))
    assert f["last_event_date"] == D(2025, 3, 4)
    # 4 Mar + 10wd = Tue 18 Mar; at Thu 20 Mar: 19, 20 -> 2 working days overdue
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 18), 2)


def test_blank_seen_counts_as_seen():
    ds = dataset(episodes=CP, visits=[{"child_id": "001", "visit_date": "2025-03-14", "seen": None}])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 20)))
    assert f["status"] == "met"


def test_no_visit_yet_is_pending_until_the_first_is_due():
    # Plan Thu 27 Mar 2025; first visit within 48h = 2 calendar days -> due Sat 29 Mar.
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-03-27"}]
    ds = dataset(episodes=ep, visits=[])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 28)))
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("pending", D(2025, 3, 29), None)
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 31)))
    # due Sat 29 Mar; working days after it up to Mon 31 Mar: 1
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_visits_before_the_anchor_do_not_count():
    # Seen 28 Feb, before the plan started on 3 Mar: the plan's first visit is still due 5 Mar.
    ds = dataset(episodes=CP, visits=[{"child_id": "001", "visit_date": "2025-02-28"}])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 6)))
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("not_met", D(2025, 3, 5), None)


def test_visit_on_the_anchor_day_counts():
    cla = {
        "id": "visits-cla", "kind": "frequency", "cohort": ["child_in_care"], "events": ["visit"],
        "first": "0d", "interval": "6w", "anchor": "placement",
    }
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-03-03"}]
    pl_ = [{"child_id": "001", "start_date": "2025-03-03"}]
    ds = dataset(episodes=ep, placements=pl_, visits=[{"child_id": "001", "visit_date": "2025-03-03"}])
    f = one(run(ds, profile(cla), D(2025, 3, 4)))
    # seen the day placed; next due 3 Mar + 6w = 14 Apr
    assert (f["status"], f["due_date"]) == ("met", D(2025, 4, 14))


def test_closed_episodes_are_out_of_scope():
    ep = [
        {"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06", "end_date": "2025-03-14"},
        {"child_id": "002", "episode_type": "child_protection", "start_date": "2025-01-06", "end_date": "2025-03-31"},
        {"child_id": "003", "episode_type": "child_protection", "start_date": "2025-01-06", "end_date": "2025-04-01"},
    ]
    ds = dataset(episodes=ep, visits=[])
    f = run(ds, profile(CP_VISITS), D(2025, 3, 31)).findings
    # closed before the audit date: out; closed on it: out (not open at the audit date); later: in
    assert f["child_id"].to_list() == ["003"]


def test_episode_starting_after_the_audit_date_is_out_of_scope():
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-04-01"}]
    ds = dataset(episodes=ep, visits=[])
    assert run(ds, profile(CP_VISITS), D(2025, 3, 31)).findings.is_empty()


def test_child_in_two_cohorts_is_checked_against_each():
    ep = [
        {"child_id": "001", "episode_type": "child_in_need", "start_date": "2024-11-04"},
        {"child_id": "001", "episode_type": "child_protection", "start_date": "2025-03-03"},
    ]
    cin = {"id": "visits-cin", "kind": "frequency", "cohort": ["child_in_need"], "events": ["visit"], "interval": "20wd"}
    ds = dataset(episodes=ep, visits=[{"child_id": "001", "visit_date": "2025-03-04"}])
    result = run(ds, profile(CP_VISITS, cin), D(2025, 3, 20))
    cp, cin_f = one(result, "visits-cp"), one(result, "visits-cin")
    assert (cp["episode_type"], cp["due_date"]) == ("child_protection", D(2025, 3, 18))
    assert cp["status"] == "not_met"
    # CIN: 4 Mar + 20wd = Tue 1 Apr
    assert (cin_f["episode_type"], cin_f["due_date"], cin_f["status"]) == ("child_in_need", D(2025, 4, 1), "met")
    # with exclude, the stricter CP rule alone covers the child
    strict = profile(CP_VISITS, cin | {"exclude": ["child_protection"]})
    result = run(ds, strict, D(2025, 3, 20))
    assert result.findings.filter(result.findings["rule_id"] == "visits-cin").is_empty()
    assert one(result, "visits-cp")["status"] == "not_met"


def test_team_comes_from_the_workers_table_when_the_episode_has_none():
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-03-03", "worker_id": "W1"}]
    ds = dataset(episodes=ep, visits=[], workers=[{"worker_id": "W1", "team": "Safeguarding 1"}])
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 4)))
    assert (f["worker_id"], f["team"]) == ("W1", "Safeguarding 1")


# --- the audit-period question -------------------------------------------------------------
PERIOD_VISITS = [{"child_id": "001", "visit_date": d} for d in ("2025-01-07", "2025-01-20", "2025-03-24")]
PERIOD_EP = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06"}]


def test_period_question_finds_a_lapse_the_point_in_time_question_does_not():
    ds = dataset(episodes=PERIOD_EP, visits=PERIOD_VISITS)
    point = one(run(ds, profile(CP_VISITS), D(2025, 3, 31)))
    # in date now: 24 Mar + 10wd = Mon 7 Apr
    assert (point["status"], point["due_date"]) == ("met", D(2025, 4, 7))
    period = one(run(ds, profile(CP_VISITS), D(2025, 3, 31), since=D(2025, 1, 1)))
    # 20 Jan + 10wd = Mon 3 Feb, but the next visit was 24 Mar: 35 working days late
    # (4-28 Feb: 19 working days; 3-24 Mar: 16).
    assert (period["status"], period["due_date"], period["days_overdue"]) == ("not_met", D(2025, 2, 3), 35)
    assert period["detail"].startswith("From 01/01/2025: 1 interval late, the worst due by 03/02/2025 and 35 working days late")
    assert "longest gap 63 days (20/01/2025 to 24/03/2025)" in period["detail"]


def test_period_question_ignores_gaps_that_ended_before_the_period():
    ds = dataset(episodes=PERIOD_EP, visits=[*PERIOD_VISITS, {"child_id": "001", "visit_date": "2025-04-01"}])
    f = one(run(ds, profile(CP_VISITS), D(2025, 4, 10), since=D(2025, 3, 25)))
    # the long Jan-Mar gap ended on 24 Mar, before the period; 24 Mar -> 1 Apr -> 10 Apr is fine
    assert f["status"] == "met"


def test_period_question_counts_a_lapse_that_ran_into_the_period():
    ds = dataset(episodes=PERIOD_EP, visits=PERIOD_VISITS)
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 31), since=D(2025, 3, 1)))
    # the visit due 3 Feb was only made on 24 Mar, inside the period from 1 Mar
    assert (f["status"], f["due_date"]) == ("not_met", D(2025, 2, 3))


def test_period_question_stops_the_clock_at_the_episode_end():
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06", "end_date": "2025-01-30"}]
    visits = [{"child_id": "001", "visit_date": d} for d in ("2025-01-07", "2025-01-20")]
    ds = dataset(episodes=ep, visits=visits)
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 31), since=D(2025, 1, 1)))
    # 20 Jan + 10wd = 3 Feb is after the plan ended on 30 Jan: nothing was late
    assert f["status"] == "met"
    # the point-in-time question does not see the closed plan at all
    assert run(ds, profile(CP_VISITS), D(2025, 3, 31)).findings.is_empty()


# --- phased schedules ------------------------------------------------------------------------
CLA = {
    "id": "visits-cla",
    "kind": "frequency",
    "cohort": ["child_in_care"],
    "events": ["visit"],
    "anchor": "placement",
    "first": "0d",
    "interval": "6w",
    "permanent_interval": "3mo",
    "phases": [{"until": "4w", "interval": "1w"}, {"until": "1y", "interval": "6w"}],
}


def _cla(visits, placements, as_at, since=None, start="2025-01-06"):
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": start}]
    ds = dataset(episodes=ep, placements=placements, visits=[{"child_id": "001", "visit_date": v} for v in visits])
    return run(ds, profile(CLA), as_at, since)


def test_phased_weekly_then_six_weekly():
    placements = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-01-06"}]
    weekly = ["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]
    # After the visit on 27 Jan (3 weeks in, still inside the first 4 weeks) the next is due
    # within 1 week: 3 Feb.
    f = one(_cla(weekly, placements, D(2025, 2, 3)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 2, 3))
    # The visit on 3 Feb is exactly 4 weeks in: the 4-week phase is over, so 6 weeks: 17 Mar.
    f = one(_cla([*weekly, "2025-02-03"], placements, D(2025, 3, 17)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 17))
    f = one(_cla([*weekly, "2025-02-03"], placements, D(2025, 3, 18)))
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_seen_in_each_of_the_first_four_weeks_then_within_six_weeks():
    # Torbay: "Initial visit within one week, then weekly for the first four weeks, and every
    # six weeks thereafter". Placed Mon 6 Jan 2025, seen 10, 17, 24 and 31 Jan (once in each of
    # the four weeks), then Mon 10 Mar. The weekly phase ends with week four (Mon 3 Feb): after
    # the visit on Fri 31 Jan a weekly visit would be due Fri 7 Feb, past the end of week four,
    # so the next is due in six weeks: Fri 14 Mar. 10 Mar is on time.
    placements = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-01-06"}]
    rule = dict(CLA, first="1w", phases=[{"until": "4w", "interval": "1w"}])
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-01-06"}]
    visits = [{"child_id": "001", "visit_date": d} for d in
              ("2025-01-10", "2025-01-17", "2025-01-24", "2025-01-31", "2025-03-10")]
    ds = dataset(episodes=ep, placements=placements, visits=visits)
    f = one(run(ds, profile(rule), D(2025, 3, 10), since=D(2025, 1, 6)))
    assert f["status"] == "met"  # every interval kept
    # the point-in-time question on 12 Feb: in date until 14 Mar, "every 6 weeks after the first
    # 4 weeks of the placement"
    f = one(run(ds, profile(rule), D(2025, 2, 12)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 14))
    assert f["detail"] == ("Last visit (child seen) on 31/01/2025; next due by 14/03/2025 (every 6 weeks "
                           "after the first 4 weeks of the placement).")
    # a visit on Mon 27 Jan leaves the next due Mon 3 Feb: the end of week four, still weekly
    ds = dataset(episodes=ep, placements=placements,
                 visits=[{"child_id": "001", "visit_date": d} for d in ("2025-01-10", "2025-01-17", "2025-01-27")])
    f = one(run(ds, profile(rule), D(2025, 2, 4)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 2, 3), 1)


def test_weekly_until_the_first_review():
    # Redcar & Cleveland: "Children with temporarily approved foster carers ... seen weekly until
    # the first review and then at least every 4-weeks". Placed Mon 3 Feb 2025; first review on
    # Thu 27 Feb. Seen weekly: 3, 10, 17, 24 Feb; after 24 Feb a weekly visit (3 Mar) would fall
    # after the review, so the next is due in 4 weeks: Mon 24 Mar.
    rule = {"kind": "frequency", "cohort": ["child_in_care"], "events": ["visit"], "anchor": "placement",
            "first": "1w", "interval": "4w", "phases": [{"until_event": "meeting:cla_review", "interval": "1w"}]}
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-02-03"}]
    placements = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-02-03"}]
    visits = [{"child_id": "001", "visit_date": d} for d in ("2025-02-03", "2025-02-10", "2025-02-17", "2025-02-24")]
    meetings = [{"child_id": "001", "meeting_type": "cla_review", "meeting_date": "2025-02-27"}]
    ds = dataset(episodes=ep, placements=placements, visits=visits, meetings=meetings)
    f = one(run(ds, profile(rule), D(2025, 3, 5)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 24))
    assert "(every 4 weeks after the first child in care review)" in f["detail"]
    # with no review yet, the child is still seen weekly: due Mon 3 Mar, 2 working days late on 5 Mar
    ds = dataset(episodes=ep, placements=placements, visits=visits, meetings=[])
    f = one(run(ds, profile(rule), D(2025, 3, 5)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 3, 3), 2)
    assert "(every week until the first child in care review)" in f["detail"]


def test_phased_audit_period_finds_a_missed_weekly_visit():
    placements = [{"child_id": "001", "placement_id": "P1", "start_date": "2025-01-06"}]
    # 13 Jan visit missed: 6 Jan -> 20 Jan is a 2-week gap in the weekly phase (due 13 Jan)
    f = one(_cla(["2025-01-06", "2025-01-20", "2025-01-27", "2025-02-03"], placements, D(2025, 2, 10), since=D(2025, 1, 1)))
    assert (f["status"], f["due_date"]) == ("not_met", D(2025, 1, 13))
    # 13 Jan -> 20 Jan: 5 working days late
    assert f["days_overdue"] == 5


def test_new_placement_restarts_the_schedule():
    placements = [
        {"child_id": "001", "placement_id": "P1", "start_date": "2025-01-06", "end_date": "2025-03-10"},
        {"child_id": "001", "placement_id": "P2", "start_date": "2025-03-10"},
    ]
    visits = ["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27", "2025-02-03", "2025-03-03"]
    f = one(_cla(visits, placements, D(2025, 3, 11)))
    # new placement on 10 Mar: seen the day placed was due 10 Mar, and no visit since
    assert (f["anchor_date"], f["due_date"], f["status"]) == (D(2025, 3, 10), D(2025, 3, 10), "not_met")
    f = one(_cla([*visits, "2025-03-10"], placements, D(2025, 3, 11)))
    # seen on the day; weekly phase again: due 17 Mar
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 17))


def test_permanent_placement_after_a_year_is_three_monthly():
    placements = [{"child_id": "001", "placement_id": "P1", "start_date": "2023-01-09",
                   "permanence_agreed_date": "2024-02-01"}]
    f = one(_cla(["2024-03-01"], placements, D(2024, 5, 31), start="2023-01-09"))
    # 1 Mar 2024 is over a year in and after permanence was agreed: 1 Mar + 3mo = 1 Jun 2024
    assert (f["status"], f["due_date"]) == ("met", D(2024, 6, 1))
    not_perm = [{"child_id": "001", "placement_id": "P1", "start_date": "2023-01-09"}]
    f = one(_cla(["2024-03-01"], not_perm, D(2024, 5, 31), start="2023-01-09"))
    # not permanent: every 6 weeks: 1 Mar 2024 (leap year) + 42 days = 12 Apr 2024
    assert (f["status"], f["due_date"]) == ("not_met", D(2024, 4, 12))


def test_count_phases_review_schedule():
    review = {
        "id": "review-cla", "kind": "frequency", "cohort": ["child_in_care"], "events": ["meeting:cla_review"],
        "first": "20wd", "interval": "6mo", "phases": [{"count": 1, "interval": "3mo"}],
    }
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2024-11-29"}]
    meetings = [{"child_id": "001", "meeting_type": "cla_review", "meeting_date": "2024-12-20"}]
    ds = dataset(episodes=ep, meetings=meetings)
    f = one(run(ds, profile(review), D(2025, 1, 10)))
    # first review: 29 Nov 2024 + 20wd (Christmas, Boxing Day, New Year skipped) = Tue 31 Dec;
    # it was held 20 Dec, then the second is due 3 months later: 20 Mar 2025
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 20))
    ds = dataset(episodes=ep, meetings=[*meetings, {"child_id": "001", "meeting_type": "cla_review", "meeting_date": "2025-03-14"}])
    f = one(run(ds, profile(review), D(2025, 3, 31)))
    # after the second review: every 6 months -> 14 Sep 2025
    assert f["due_date"] == D(2025, 9, 14)


def test_age_phase_care_leaver():
    rule = {
        "id": "visits-care-leaver", "kind": "frequency", "cohort": ["care_leaver"], "events": ["visit"],
        "interval": "6mo", "phases": [{"until_age": 20, "interval": "2mo"}],
    }
    children = [{"child_id": "001", "date_of_birth": "2005-03-15"}, {"child_id": "002", "date_of_birth": "2006-03-15"}]
    ep = [{"child_id": c, "episode_type": "care_leaver", "start_date": "2024-01-01"} for c in ("001", "002")]
    visits = [{"child_id": c, "visit_date": "2025-04-30"} for c in ("001", "002")]
    ds = dataset(children=children, episodes=ep, visits=visits)
    result = run(ds, profile(rule), D(2025, 5, 1))
    # 001 turned 20 on 15 Mar 2025: 6-monthly -> 30 Oct 2025; 002 is 19: 2-monthly -> 30 Jun 2025
    assert one(result, child_id="001")["due_date"] == D(2025, 10, 30)
    assert one(result, child_id="002")["due_date"] == D(2025, 6, 30)
    # "seen at least every 2-months ... until they are 20": 002 turns 20 on 15 Mar 2026. Seen
    # 30 Jan 2026, the next 2-monthly visit (30 Mar 2026) would be after the birthday: the
    # next is due in 6 months, 30 Jul 2026. Seen 15 Jan 2026: 15 Mar 2026 is the birthday
    # itself, still within the phase.
    for seen, due in (("2026-01-30", D(2026, 7, 30)), ("2026-01-15", D(2026, 3, 15))):
        ds = dataset(children=children, episodes=ep, visits=[{"child_id": "002", "visit_date": seen}])
        assert one(run(ds, profile(rule), D(2026, 2, 1)), child_id="002")["due_date"] == due


def test_local_closure_days_are_not_working_days():
    ep = [{"child_id": "001", "episode_type": "child_protection", "start_date": "2025-12-01"}]
    ds = dataset(episodes=ep, visits=[{"child_id": "001", "visit_date": "2025-12-19"}])
    # 19 Dec 2025 (Fri) + 10wd: 22, 23, 24 (25, 26 bank holidays; 29-31 closed; 1 Jan bank
    # holiday), 2, 5, 6, 7, 8, 9, 12 Jan -> 12 Jan 2026
    prof = profile(CP_VISITS, closure_days=["2025-12-29..2025-12-31"])
    assert one(run(ds, prof, D(2025, 12, 22)))["due_date"] == D(2026, 1, 12)
    # without the closure: 22, 23, 24, 29, 30, 31, 2, 5, 6, 7 -> 7 Jan
    assert one(run(ds, profile(CP_VISITS), D(2025, 12, 22)))["due_date"] == D(2026, 1, 7)


def test_a_garbled_seen_value_counts_as_not_seen():
    visits = [{"child_id": "001", "visit_date": "2025-03-04", "seen": "Y"},
              {"child_id": "001", "visit_date": "2025-03-14", "seen": "maybe"}]
    ds = dataset(episodes=CP, visits=visits)
    f = one(run(ds, profile(CP_VISITS), D(2025, 3, 20)))
    assert (f["last_event_date"], f["status"]) == (D(2025, 3, 4), "not_met")
    issue = ds.quality.issues.row(0, named=True)
    assert (issue["column"], issue["value"], issue["reason"]) == ("seen", "maybe", "seen is not a yes/no value; counted as no")
