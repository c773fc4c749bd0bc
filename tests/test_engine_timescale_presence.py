"""Timescale, recency and presence rules, and the summary, hand-worked."""

from __future__ import annotations

import polars as pl

from engine_helpers import D, dataset, one, profile, run

ASSESSMENT = {
    "id": "assessment-completion",
    "kind": "timescale",
    "start": "assessments.start_date",
    "done": "assessments.completed_date",
    "within": "45wd",
}


def _assessment(completed, as_at):
    rows = [{"child_id": "001", "start_date": "2025-01-06", "completed_date": completed}]
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06", "team": "Assessment", "worker_id": "W9"}]
    return one(run(dataset(episodes=ep, assessments=rows), profile(ASSESSMENT), as_at))


def test_assessment_due_45_working_days_after_start():
    # Mon 6 Jan 2025 + 45wd: 19 working days left in January, 20 in February (39), then
    # 3, 4, 5, 6, 7, 10 March -> due Mon 10 Mar 2025.
    f = _assessment("2025-03-10", D(2025, 3, 31))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("met", D(2025, 3, 10), 0)
    assert f["anchor_date"] == D(2025, 1, 6)
    assert f["last_event_date"] == D(2025, 3, 10)
    # team and worker from the episode open at the start
    assert (f["episode_type"], f["team"], f["worker_id"]) == ("child_in_need", "Assessment", "W9")


def test_assessment_completed_late():
    f = _assessment("2025-03-12", D(2025, 3, 31))
    assert (f["status"], f["days_overdue"]) == ("not_met", 2)


def test_open_assessment_pending_until_due_then_overdue():
    f = _assessment(None, D(2025, 3, 10))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("pending", D(2025, 3, 10), 0)
    f = _assessment(None, D(2025, 3, 12))
    assert (f["status"], f["days_overdue"]) == ("not_met", 2)


def test_completion_after_the_audit_date_is_not_yet_done():
    # audit as at 7 Mar: the completion on 10 Mar has not happened yet -> pending
    f = _assessment("2025-03-10", D(2025, 3, 7))
    assert (f["status"], f["last_event_date"]) == ("pending", None)


def test_referral_decision_over_easter():
    rule = {"id": "referral-decision", "kind": "timescale", "start": "referrals.received_date",
            "done": "referrals.decision_date", "within": "1wd"}
    refs = [
        {"child_id": "001", "received_date": "2025-04-17", "decision_date": "2025-04-22"},
        {"child_id": "002", "received_date": "2025-04-17", "decision_date": "2025-04-23"},
        {"child_id": "003", "received_date": "2025-04-19", "decision_date": "2025-04-22"},
    ]
    result = run(dataset(referrals=refs), profile(rule), D(2025, 4, 30))
    # Thu 17 Apr + 1wd = Tue 22 Apr (Good Friday, weekend, Easter Monday)
    assert (one(result, child_id="001")["status"], one(result, child_id="001")["due_date"]) == ("met", D(2025, 4, 22))
    assert (one(result, child_id="002")["status"], one(result, child_id="002")["days_overdue"]) == ("not_met", 1)
    # received on Saturday 19 Apr: the first working day after it is Tue 22 Apr
    assert one(result, child_id="003")["due_date"] == D(2025, 4, 22)
    # no episode for these children: the cohort label is the start table
    assert one(result, child_id="001")["episode_type"] == "referral"


def test_first_qualifying_event_after_the_start_in_another_table():
    rule = {"id": "visits-s47", "kind": "timescale", "start": "episode:s47", "done": "visit", "within": "2wd"}
    ep = [{"child_id": "001", "episode_type": "s47", "start_date": "2025-03-07"},
          {"child_id": "002", "episode_type": "s47", "start_date": "2025-03-07"}]
    visits = [
        {"child_id": "001", "visit_date": "2025-03-06"},  # before the start: does not count
        {"child_id": "001", "visit_date": "2025-03-11"},
        {"child_id": "002", "visit_date": "2025-03-10", "seen": "N"},  # not seen: does not count
        {"child_id": "002", "visit_date": "2025-03-12"},
    ]
    result = run(dataset(episodes=ep, visits=visits), profile(rule), D(2025, 3, 31))
    # Fri 7 Mar + 2wd = Tue 11 Mar
    a, b = one(result, child_id="001"), one(result, child_id="002")
    assert (a["status"], a["due_date"], a["last_event_date"]) == ("met", D(2025, 3, 11), D(2025, 3, 11))
    assert (b["status"], b["last_event_date"], b["days_overdue"]) == ("not_met", D(2025, 3, 12), 1)
    assert a["episode_type"] == "s47"


def test_hours_on_date_only_data_are_whole_days():
    rule = {"id": "visits-after-missing", "kind": "timescale", "start": "missing_episodes.return_date",
            "done": "visit", "within": "72h"}
    missing = [{"child_id": "001", "start_date": "2025-03-06", "return_date": "2025-03-07"}]
    visits = [{"child_id": "001", "visit_date": "2025-03-10"}]
    f = one(run(dataset(missing_episodes=missing, visits=visits), profile(rule), D(2025, 3, 31)))
    # Fri 7 Mar + 72h = Mon 10 Mar (3 calendar days, not working days)
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 10))
    assert "hours counted as whole days" in f["detail"]


def test_still_missing_children_are_not_in_scope():
    rule = {"id": "visits-after-missing", "kind": "timescale", "start": "missing_episodes.return_date",
            "done": "visit", "within": "72h"}
    missing = [{"child_id": "001", "start_date": "2025-03-06"}]
    result = run(dataset(missing_episodes=missing, visits=[]), profile(rule), D(2025, 3, 31))
    assert result.findings.is_empty()


def test_unmatched_exclude_drops_starts_never_followed_once_past_due():
    rule = {"id": "icpc-timescale", "kind": "timescale", "start": "meeting:strategy_discussion",
            "done": "meeting:icpc", "within": "15wd", "unmatched": "exclude"}
    meetings = [
        {"child_id": "001", "meeting_type": "strategy_discussion", "meeting_date": "2025-01-06"},
        {"child_id": "001", "meeting_type": "icpc", "meeting_date": "2025-01-24"},
        {"child_id": "002", "meeting_type": "strategy_discussion", "meeting_date": "2025-01-06"},
        {"child_id": "003", "meeting_type": "strategy_discussion", "meeting_date": "2025-03-24"},
    ]
    result = run(dataset(meetings=meetings), profile(rule), D(2025, 3, 31), period="all")
    # 6 Jan + 15wd = Mon 27 Jan: 001 met; 002 never had a conference: left out; 003 pending
    assert result.findings.select("child_id", "status").rows() == [("001", "met"), ("003", "pending")]
    assert one(result, child_id="001")["due_date"] == D(2025, 1, 27)


def test_since_limits_timescale_anchors():
    rows = [{"child_id": "001", "start_date": "2024-06-03", "completed_date": "2024-07-01"},
            {"child_id": "001", "start_date": "2025-01-06", "completed_date": "2025-02-01"}]
    result = run(dataset(assessments=rows), profile(ASSESSMENT), D(2025, 3, 31), since=D(2025, 1, 1))
    assert result.findings["anchor_date"].to_list() == [D(2025, 1, 6)]


# --- recency ---------------------------------------------------------------------------------
CHRONOLOGY = {"id": "chronology-updated", "kind": "recency", "cohort": ["child_in_need"],
              "events": ["document:chronology"], "interval": "1mo"}


def _chron(dates, as_at, start="2023-06-01"):
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": start}]
    docs = [{"child_id": "001", "document_type": "chronology", "document_date": d} for d in dates]
    return one(run(dataset(episodes=ep, documents=docs), profile(CHRONOLOGY), as_at))


def test_recency_month_end_into_a_leap_february():
    # 31 Jan 2024 + 1 month = 29 Feb 2024 (leap year)
    f = _chron(["2024-01-31"], D(2024, 2, 29))
    assert (f["status"], f["due_date"]) == ("met", D(2024, 2, 29))
    f = _chron(["2024-01-31"], D(2024, 3, 1))
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_recency_in_an_ordinary_february():
    f = _chron(["2025-01-31"], D(2025, 3, 3))
    # 31 Jan 2025 + 1mo = Fri 28 Feb; at Mon 3 Mar: 1 working day overdue
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 2, 28), 1)


def test_recency_counts_a_document_from_before_the_episode_with_a_grace_period():
    # new episode 10 Mar; chronology last updated 1 Feb: due max(1 Feb + 1mo, 10 Mar + 1mo) = 10 Apr.
    # On 20 Mar the 1 Feb update is out of date (since 1 Mar) but the episode's first month runs
    # to 10 Apr: pending, not met (and not late).
    f = _chron(["2025-02-01"], D(2025, 3, 20), start="2025-03-10")
    assert (f["status"], f["due_date"], f["last_event_date"]) == ("pending", D(2025, 4, 10), D(2025, 2, 1))
    assert f["detail"] == ("Last chronology on 01/02/2025, out of date since 01/03/2025; the first of this "
                           "episode is due by 10/04/2025 (within 1 month of the child in need episode starting "
                           "on 10/03/2025).")
    # an update on 25 Feb is still in date on 20 Mar (25 Feb + 1mo = 25 Mar): met
    f = _chron(["2025-02-25"], D(2025, 3, 20), start="2025-03-10")
    assert (f["status"], f["due_date"]) == ("met", D(2025, 4, 10))


def test_recency_without_any_document_is_pending_then_overdue():
    f = _chron([], D(2025, 3, 20), start="2025-03-10")
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 4, 10))
    f = _chron([], D(2025, 4, 11), start="2025-03-10")
    assert f["status"] == "not_met"


# --- presence --------------------------------------------------------------------------------
GENOGRAM = {"id": "genogram-present", "kind": "presence", "cohort": ["child_in_need", "child_protection"],
            "events": ["document:genogram"], "within": "45wd"}


def test_presence_one_finding_per_child_in_two_cohorts():
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2024-01-08"},
          {"child_id": "001", "episode_type": "child_protection", "start_date": "2025-01-06"}]
    docs = [{"child_id": "001", "document_type": "genogram", "document_date": "2024-02-01"}]
    f = one(run(dataset(episodes=ep, documents=docs), profile(GENOGRAM), D(2025, 3, 31)))
    assert (f["status"], f["episode_type"], f["anchor_date"]) == ("met", "child_in_need", D(2024, 1, 8))


def test_presence_pending_before_the_deadline_and_missing_after():
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    ds = dataset(episodes=ep, documents=[{"child_id": "002", "document_type": "genogram", "document_date": "2025-01-01"}])
    f = one(run(ds, profile(GENOGRAM), D(2025, 3, 10)), child_id="001")
    # deadline 6 Jan + 45wd = 10 Mar
    assert (f["status"], f["due_date"]) == ("pending", D(2025, 3, 10))
    f = one(run(ds, profile(GENOGRAM), D(2025, 3, 11)), child_id="001")
    assert (f["status"], f["days_overdue"]) == ("not_met", 1)


def test_presence_late_document_fails_the_period_question_only():
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    docs = [{"child_id": "001", "document_type": "genogram", "document_date": "2025-03-20"}]
    ds = dataset(episodes=ep, documents=docs)
    assert one(run(ds, profile(GENOGRAM), D(2025, 3, 31)))["status"] == "met"
    f = one(run(ds, profile(GENOGRAM), D(2025, 3, 31), since=D(2025, 1, 1)))
    # 10 Mar deadline, filed 20 Mar: 8 working days late
    assert (f["status"], f["days_overdue"]) == ("not_met", 8)


def test_presence_due_on_the_anchor_day_says_so_not_within_0_days():
    # 'by the end of the Children and Family Assessment' (within = "0d" from the assessment's
    # completion): completed Mon 3 Feb 2025, no genogram by 31 Mar -> due Mon 3 Feb; overdue the
    # working days after it, 4-28 Feb (19) and 3-31 Mar (21) = 40. The sentence names the day,
    # not "within 0 days of".
    rule = {**GENOGRAM, "anchor": "assessments.completed_date", "within": "0d"}
    ep = [{"child_id": "001", "episode_type": "child_in_need", "start_date": "2025-01-06"}]
    asm = [{"child_id": "001", "start_date": "2025-01-07", "completed_date": "2025-02-03"}]
    f = one(run(dataset(episodes=ep, assessments=asm, documents=[]), profile(rule), D(2025, 3, 31)))
    assert (f["status"], f["due_date"], f["days_overdue"]) == ("not_met", D(2025, 2, 3), 40)
    assert f["detail"] == ("No genogram on file; due by 03/02/2025 (the day of the first assessment "
                           "completion of the episode, on 03/02/2025): 40 working days overdue.")


# --- summary ---------------------------------------------------------------------------------
def test_summary_counts_percent_rag_and_not_assessed():
    rule = {"id": "assessment-completion", "kind": "timescale", "start": "assessments.start_date",
            "done": "assessments.completed_date", "within": "45wd", "target": 80}
    sup = {"id": "supervision-cp", "kind": "frequency", "cohort": ["child_protection"],
           "events": ["supervision"], "interval": "4w"}
    rows = [{"child_id": c, "start_date": "2025-01-06", "completed_date": d}
            for c, d in [("001", "2025-02-01"), ("002", "2025-02-01"), ("003", "2025-02-01"),
                         ("004", "2025-03-20"), ("005", None)]]
    result = run(dataset(assessments=rows), profile(rule, sup), D(2025, 3, 31), period="all")
    s = result.summary.row(0, named=True)
    # 3 met, 2 not met (one late, one open and overdue): 60% against 80 -> red (amber from 70)
    assert (s["in_scope"], s["met"], s["not_met"], s["pending"]) == (5, 3, 2, 0)
    assert (s["pct_met"], s["target_pct"], s["rag"]) == (60.0, 80.0, "red")
    s2 = result.summary.row(1, named=True)
    assert (s2["rule_id"], s2["rag"], s2["note"]) == ("supervision-cp", "not assessed", "not assessed (needs: supervisions)")
    assert result.not_assessed == {"supervision-cp": ["supervisions"]}


def test_findings_are_sorted_and_statuses_add_up(sample_result):
    f = sample_result.findings
    assert f.columns == ["rule_id", "child_id", "episode_type", "team", "worker_id", "status",
                         "anchor_date", "last_event_date", "due_date", "days_overdue", "closed_date", "detail"]
    assert f.equals(f.sort(["rule_id", "child_id", "anchor_date"], maintain_order=True, nulls_last=True))
    assert set(f["status"].unique()) <= {"met", "not_met", "pending"}
    s = sample_result.summary
    assert (s["met"] + s["not_met"] + s["pending"] == s["in_scope"]).all()
    assert f.filter(pl.col("status") != "not_met")["days_overdue"].max() in (0, None)


def test_a_date_column_the_extract_lacks_means_not_assessed():
    rule = {"id": "referral-decision", "kind": "timescale", "start": "referrals.received_date",
            "done": "referrals.decision_date", "within": "1wd"}
    result = run(dataset(referrals=[{"child_id": "001", "received_date": "2025-03-03"}]), profile(rule), D(2025, 3, 31))
    assert result.findings.is_empty()
    assert result.not_assessed == {"referral-decision": ["referrals.decision_date"]}
    # a blank decision date in a column that exists is a real "not decided": not met
    refs = [{"child_id": "001", "received_date": "2025-03-03", "decision_date": None}]
    result = run(dataset(referrals=refs), profile(rule), D(2025, 3, 31))
    assert one(result)["status"] == "not_met"
