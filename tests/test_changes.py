"""Changes since the previous period (casecheck.changes), hand-worked.

visits-cp: "seen ... then at least once every 10 working days" (first visit within 48 hours).
Audit date Mon 31 Mar 2025; the previous period ended Fri 28 Feb 2025.
"""

from __future__ import annotations

import polars as pl

from casecheck.changes import changes, exceptions

from engine_helpers import CP_VISITS, D, dataset, profile, run

AS_AT = D(2025, 3, 31)


def _cp(child, start, end=None):
    return {"child_id": child, "episode_type": "child_protection", "start_date": start, "end_date": end,
            "team": "A", "worker_id": "W1"}


def _seen(child, *days):
    return [{"child_id": child, "visit_date": d} for d in days]


def _world():
    episodes = [
        _cp("C1", "2025-01-06"),
        _cp("C2", "2025-01-06"),
        _cp("C3", "2025-01-06", "2025-03-10"),
        _cp("C4", "2024-12-02"),
        _cp("C5", "2025-01-06"),
    ]
    visits = (
        # C1: in date at 28 Feb (last seen 17 Feb, due 3 Mar); last seen 3 Mar, due 17 Mar: new
        _seen("C1", "2025-01-07", "2025-01-20", "2025-02-03", "2025-02-17", "2025-03-03")
        # C2: last seen 20 Jan, due 3 Feb: out at 28 Feb; seen 25 Mar, due 8 Apr: resolved by a visit
        + _seen("C2", "2025-01-07", "2025-01-20", "2025-03-25")
        # C3: last seen 7 Jan, due 21 Jan: out at 28 Feb; the plan ended 10 Mar: resolved by closure
        + _seen("C3", "2025-01-07")
        # C4: last seen Mon 16 Dec 2024; + 10wd (Christmas, Boxing Day and New Year's Day are not
        # working days) = Thu 2 Jan 2025: in date at 31 Dec, out at 31 Jan, 28 Feb and 31 Mar
        + _seen("C4", "2024-12-03", "2024-12-16")
        # C5: seen every fortnight: never an exception
        + _seen("C5", "2025-01-07", "2025-01-20", "2025-02-03", "2025-02-17", "2025-03-03", "2025-03-17", "2025-03-28")
    )
    ds = dataset(episodes=episodes, visits=visits)
    return run(ds, profile(CP_VISITS), AS_AT), ds


def _by_child(ch):
    return {r["child_id"]: r for r in ch.items.iter_rows(named=True)}


def test_new_resolved_and_carried_over():
    result, ds = _world()
    ch = changes(result, ds)
    rows = _by_child(ch)
    assert set(rows) == {"C1", "C2", "C3", "C4"}
    assert (rows["C1"]["change"], rows["C1"]["months_out_of_timescale"], rows["C1"]["due_date"]) == ("new", 1, D(2025, 3, 17))
    assert (rows["C2"]["change"], rows["C2"]["resolved_by"]) == ("resolved", "done: in date now")
    assert rows["C3"]["change"] == "resolved"
    assert rows["C3"]["resolved_by"] == "the case closed (10/03/2025)"
    assert (rows["C4"]["change"], rows["C4"]["months_out_of_timescale"]) == ("carried_over", 3)
    assert rows["C4"]["due_date"] == D(2025, 1, 2)
    assert (ch.previous_end, ch.previous_source) == (D(2025, 2, 28), "28/02/2025")


def test_counts_add_up():
    result, ds = _world()
    s = changes(result, ds).summary.row(0, named=True)
    assert (s["new"], s["resolved"], s["carried_over"], s["three_months_or_more"]) == (1, 2, 1, 1)
    # carried over + resolved = last month's exceptions; carried over + new = this month's
    assert s["previous"] == s["carried_over"] + s["resolved"] == 3
    assert s["current"] == s["carried_over"] + s["new"] == 2
    assert s["current"] == exceptions(result.findings, result.profile).height == result.summary["not_met"][0]


def test_compared_with_a_saved_findings_file(tmp_path):
    result, ds = _world()
    before = run(ds, profile(CP_VISITS), D(2025, 2, 28))
    path = tmp_path / "february.csv"
    before.findings.write_csv(path)
    from casecheck.changes import read_previous_findings

    ch = changes(result, previous=read_previous_findings(path), previous_source=path.name)
    rows = _by_child(ch)
    assert {c: r["change"] for c, r in rows.items()} == {
        "C1": "new", "C2": "resolved", "C3": "resolved", "C4": "carried_over"}
    # the months out of timescale come from the due date: the same as from the extract
    assert rows["C4"]["months_out_of_timescale"] == 3
    assert ch.previous_source == "february.csv"


def test_a_timescale_still_open_is_carried_over_and_one_done_late_is_resolved():
    # assessment-completion, 45wd. A1 started Mon 6 Jan 2025: due Mon 10 Mar; not done by 31 Mar:
    # new (it fell overdue in March). A2 started Mon 2 Dec 2024: due Thu 6 Feb 2025 (19 working
    # days left in December after the 2nd, without 25 and 26 Dec; 22 in January without the 1st;
    # then 3, 4, 5, 6 Feb), still open at 28 Feb and at 31 Mar: carried over. A3 started Mon 2 Dec 2024, completed Wed 12 Mar 2025: out of
    # timescale at 28 Feb, done late in March: resolved.
    rule = {"id": "assessment-completion", "kind": "timescale", "start": "assessments.start_date",
            "done": "assessments.completed_date", "within": "45wd"}
    ep = [{"child_id": c, "episode_type": "child_in_need", "start_date": "2024-11-04"} for c in ("A1", "A2", "A3")]
    assessments = [
        {"child_id": "A1", "start_date": "2025-01-06"},
        {"child_id": "A2", "start_date": "2024-12-02"},
        {"child_id": "A3", "start_date": "2024-12-02", "completed_date": "2025-03-12"},
    ]
    ds = dataset(episodes=ep, assessments=assessments)
    result = run(ds, profile(rule), AS_AT)
    rows = _by_child(changes(result, ds))
    assert (rows["A1"]["change"], rows["A1"]["due_date"]) == ("new", D(2025, 3, 10))
    assert (rows["A2"]["change"], rows["A2"]["months_out_of_timescale"]) == ("carried_over", 2)
    assert (rows["A3"]["change"], rows["A3"]["resolved_by"]) == ("resolved", "done, late")
    assert rows["A2"]["due_date"] == D(2025, 2, 6)
    assert pl.DataFrame(list(rows.values()))["rule_id"].unique().to_list() == ["assessment-completion"]


SEEN_ALONE_RECORDED = {
    # Redcar & Cleveland, 'Voice of the child': "We record if we have been able to see child or
    # young person alone and if their room has been seen"
    "id": "seen-alone-recorded", "kind": "timescale", "start": "visit",
    "done": "visit where seen_alone = yes|no and bedroom_seen = yes|no", "within": "0d",
}


def _recorded_world():
    ep = [{"child_id": c, "episode_type": "child_in_need", "start_date": "2024-01-08", "team": "A",
           "worker_id": "W1"} for c in ("R1", "R2", "R3", "R4")]
    visits = [
        # R1: a visit of June 2024 recorded without either answer, none since: judged in June 2024
        {"child_id": "R1", "visit_date": "2024-06-10"},
        # R2: February's record lacks it, March's has it: an exception at 28 Feb, resolved at 31 Mar
        {"child_id": "R2", "visit_date": "2025-02-10"},
        {"child_id": "R2", "visit_date": "2025-03-10", "seen_alone": "yes", "bedroom_seen": "no"},
        # R3: March's record lacks whether the bedroom was seen: new at 31 Mar
        {"child_id": "R3", "visit_date": "2025-03-12", "seen_alone": "no"},
        # R4: January's, February's and March's records all lack both: carried over, 3 months running
        {"child_id": "R4", "visit_date": "2025-01-13"},
        {"child_id": "R4", "visit_date": "2025-02-10"},
        {"child_id": "R4", "visit_date": "2025-03-10"},
    ]
    return dataset(episodes=ep, visits=visits)


def test_a_record_check_is_an_exception_only_in_the_month_of_the_record():
    ds = _recorded_world()
    result = run(ds, profile(SEEN_ALONE_RECORDED), AS_AT)
    rows = _by_child(changes(result, ds))
    assert "R1" not in rows  # last June's visit is not "out of timescale" every month since
    assert rows["R2"]["change"] == "resolved"  # February's record was February's exception
    assert (rows["R3"]["change"], rows["R3"]["due_date"], rows["R3"]["months_out_of_timescale"]) == (
        "new", D(2025, 3, 12), 1)
    assert (rows["R4"]["change"], rows["R4"]["months_out_of_timescale"]) == ("carried_over", 3)
    # the findings themselves keep every record's verdict: March's records are decided in March
    assert sorted(result.findings.select("child_id", "status").rows()) == [
        ("R2", "met"), ("R3", "not_met"), ("R4", "not_met")]


def test_a_record_check_is_never_due():
    from casecheck.views import due_soon

    ds = _recorded_world()
    result = run(ds, profile(SEEN_ALONE_RECORDED), AS_AT, period="all")
    assert result.findings.filter(pl.col("status") == "not_met").height == 6  # R1, R2 (February), R3, R4 (three)
    assert due_soon(result).is_empty()  # a record to put right, not a visit that falls due
