"""The scorecard: target and floor, the counts, small numbers, the previous period; and caseloads."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.errors import ProfileError
from casecheck.periods import Period
from casecheck.report import render_summary
from casecheck.scorecards import (
    SCORECARD_SCHEMA,
    below,
    previous_audit,
    previous_period,
    rate,
    scorecard,
)
from casecheck.views import breakdown, caseloads

from conftest import SAMPLE
from engine_helpers import CP_VISITS, D, dataset, profile, run

runner = CliRunner()

MONDAYS = [D(2025, 1, 13) + dt.timedelta(weeks=k) for k in range(11)]  # 13 Jan ... 24 Mar 2025


def _cp_children(n: int, stop_seeing: int) -> object:
    """``n`` children on CP plans from Mon 6 Jan 2025, seen on 7 Jan and every Monday to 24 March;
    the last ``stop_seeing`` of them are not seen after Mon 10 March."""
    ids = [f"{i:03d}" for i in range(1, n + 1)]
    episodes = [{"child_id": c, "episode_type": "child_protection", "start_date": "2025-01-06",
                 "team": "Team A" if i % 2 else "Team B", "worker_id": f"W{i % 3}"} for i, c in enumerate(ids)]
    visits = []
    for i, c in enumerate(ids):
        last = D(2025, 3, 10) if i >= n - stop_seeing else D(2025, 3, 24)
        visits += [{"child_id": c, "visit_date": str(d)} for d in [D(2025, 1, 7), *MONDAYS] if d <= last]
    return dataset(episodes=episodes, visits=visits)


def test_floor_defaults_to_target_less_amber_margin_and_can_be_set():
    prof = profile(CP_VISITS, {**CP_VISITS, "id": "visits-cp-2", "target": 95, "floor": 60})
    assert [r.floor for r in prof.rules] == [80.0, 60.0]  # 90 - 10 (default margin); as written
    with pytest.raises(ProfileError, match="floor must be a percentage from 0 up to the target"):
        profile({**CP_VISITS, "target": 80, "floor": 85})
    with pytest.raises(ProfileError, match=r"line .*floor"):
        profile({**CP_VISITS, "floor": "low"})
    shown = json.loads(runner.invoke(app, ["standards", "show", "redcar-cleveland", "--format", "json"]).stdout)
    by_id = {r["id"]: (r["target"], r["floor"]) for r in shown["rules"]}
    assert [by_id[i] for i in ("visits-early-help", "visits-cin", "visits-cp")] == [(90.0, 80.0), (90.0, 80.0), (95.0, 85.0)]


def test_rating_against_target_and_floor_with_small_numbers_not_rated():
    prof = profile({**CP_VISITS, "target": 90, "floor": 75})
    rows = pl.DataFrame(
        {"rule_id": ["visits-cp"] * 7,
         "in_scope": [10, 1000, 4, 1000, 5, 3, 0],
         "met": [9, 899, 3, 749, 3, 0, 0],
         "not_met": [1, 101, 1, 251, 2, 0, 0],
         "pending": [0, 0, 0, 0, 0, 3, 0]},
    )
    out = rate(rows, prof)
    # 90.0% = target: green; 89.9%: amber; 75%: amber (the floor is amber); 74.9%: red;
    # 4 decided, and none: not rated, saying why; 60% of 5 decided: rated (red)
    assert out["pct_met"].to_list() == [90.0, 89.9, 75.0, 74.9, 60.0, None, None]
    assert out["rag"].to_list() == ["green", "amber", "not rated", "red", "red", "not rated", "not rated"]
    assert out["rag_reason"].to_list() == ["", "", "too few to rate (4 decided)", "", "",
                                           "none decided yet (3 pending)", "no cases in scope"]
    assert set(out["floor_pct"].to_list()) == {75.0}


def test_scorecard_with_the_previous_month_hand_worked():
    # 6 children. At Fri 28 Feb 2025 each was seen on Mon 24 Feb: 6 of 6 in date (100%). At Mon
    # 31 Mar, 4 were seen on 24 Mar (next due 10 working days later, 7 Apr: met); 2 were last seen
    # on Mon 10 Mar, so due by Mon 24 Mar and 5 working days overdue: 4 of 6 = 66.7%, red
    # against target 90 and the default floor 80; 33.3 points down.
    ds = _cp_children(6, stop_seeing=2)
    prof = profile(CP_VISITS)
    cache: dict = {}
    result = run(ds, prof, D(2025, 3, 31))
    assert previous_period(result) == Period("month", D(2025, 2, 1), D(2025, 2, 28))
    before = previous_audit(ds, result, cache=cache)
    assert before.as_at == D(2025, 2, 28)
    card = scorecard(result, before)
    assert card.schema == pl.Schema(SCORECARD_SCHEMA)
    row = card.row(0, named=True)
    assert (row["met"], row["decided"], row["pending"], row["pct_met"]) == (4, 6, 0, 66.7)
    assert (row["target_pct"], row["floor_pct"], row["rag"]) == (90.0, 80.0, "red")
    assert (row["prev_as_at"], row["prev_met"], row["prev_decided"], row["prev_pct_met"]) == (D(2025, 2, 28), 6, 6, 100.0)
    assert (row["change_pts"], row["direction"]) == (-33.3, "▼")
    # the same figures with the floor at 60: amber
    amber = scorecard(run(ds, profile({**CP_VISITS, "floor": 60}), D(2025, 3, 31)))
    assert amber["rag"].to_list() == ["amber"] and amber["prev_as_at"].to_list() == [None]


def test_small_numbers_are_shown_but_not_rated():
    ds = _cp_children(4, stop_seeing=2)  # 2 of 4: 50%, but only 4 decided
    card = scorecard(run(ds, profile(CP_VISITS), D(2025, 3, 31)))
    row = card.row(0, named=True)
    assert (row["pct_met"], row["rag"], row["rag_reason"]) == (50.0, "not rated", "too few to rate (4 decided)")
    assert below(card, "target") == []  # a figure not rated never fails --fail-under


def test_previous_period_of_a_mid_month_and_an_audit_period():
    ds = _cp_children(6, stop_seeing=0)
    mid = run(ds, profile(CP_VISITS), D(2025, 3, 14))
    assert previous_period(mid).end == D(2025, 2, 28)
    since = run(ds, profile(CP_VISITS), D(2025, 3, 31), since=D(2025, 1, 1))
    prev = previous_period(since)
    assert (prev.start, prev.end) == (D(2024, 12, 1), D(2025, 2, 28))
    assert previous_audit(ds, since).since == D(2024, 12, 1)


def test_fail_under_target_floor_and_percentage():
    ds = _cp_children(6, stop_seeing=1)  # 5 of 6: 83.3%, amber against 90 / 80
    card = scorecard(run(ds, profile(CP_VISITS), D(2025, 3, 31)))
    assert below(card, "target") == ["visits-cp 83.3% < 90%"]
    assert below(card, "floor") == []
    assert below(card, "85%") == ["visits-cp 83.3% < 85%"]


def test_terminal_summary_shows_target_floor_counts_previous_and_change():
    ds = _cp_children(6, stop_seeing=2)
    result = run(ds, profile(CP_VISITS), D(2025, 3, 31))
    card = scorecard(result, previous_audit(ds, result))
    console = Console(width=160, record=True)
    render_summary(result, console, card=card)
    text = " ".join(console.export_text().split())
    for bit in ("Met / decided", "Floor", "4 / 6", "66.7%", "90%", "80%", "red", "100.0% (6 / 6)", "▼ 33.3",
                "Previous: the same audit at 28/02/2025", "not rated: fewer than 5 decided cases"):
        assert bit in text, bit


def test_cli_summary_csv_and_json_are_the_scorecard():
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31",
                            "--summary-format", "csv"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    header = r.stdout.splitlines()[0].split(",")
    old = ["rule_id", "title", "kind", "in_scope", "met", "not_met", "pending", "pct_met", "target_pct", "rag", "note"]
    assert header[:11] == old  # the summary's columns first, in their order
    # the scorecard's, then the changes since the previous period
    changes = ["exceptions_before", "exceptions_now", "new", "resolved", "carried_over", "carried_3_plus"]
    assert header == [*SCORECARD_SCHEMA, *changes]
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31",
                            "--rules", "visits-cp", "--summary-format", "json"], catch_exceptions=False)
    row = json.loads(r.stdout)[0]
    assert (row["met"], row["decided"], row["prev_as_at"], row["direction"]) == (25, 27, "2025-02-28", "▼")
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31",
                            "--rules", "visits-cp", "--summary-format", "json", "--no-previous"],
                      catch_exceptions=False)
    row = json.loads(r.stdout)[0]
    assert row["prev_as_at"] is None and row["change_pts"] is None


def test_fail_under_floor_on_the_command_line():
    base = ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31", "--rules", "visits-cp", "-q"]
    assert runner.invoke(app, [*base, "--fail-under", "floor"]).exit_code == 0  # 92.6% >= 85%
    r = runner.invoke(app, [*base, "--fail-under", "target"])
    assert r.exit_code == 4 and "visits-cp 92.6% < 95%" in r.stderr


# ---------------------------------------------------------------------------------------------
# Caseloads
# ---------------------------------------------------------------------------------------------
def test_caseloads_hand_worked():
    # at 31 Mar 2025: child 1 is CIN and CP with W1 (Team A): one child, in two cohorts; child 2 is
    # in care with W2 (Team A); child 3 is CIN with W1 but the episode closed on 31 Mar (not open);
    # child 4 is early help in Team B with no worker; child 5 is a care leaver with W3 (team from
    # the workers table).
    ds = dataset(
        episodes=[
            {"child_id": "1", "episode_type": "child_in_need", "start_date": "2024-10-01", "team": "Team A", "worker_id": "W1"},
            {"child_id": "1", "episode_type": "child_protection", "start_date": "2025-01-06", "team": "Team A", "worker_id": "W1"},
            {"child_id": "2", "episode_type": "child_in_care", "start_date": "2023-05-01", "team": "Team A", "worker_id": "W2"},
            {"child_id": "3", "episode_type": "child_in_need", "start_date": "2024-01-01", "end_date": "2025-03-31", "team": "Team A", "worker_id": "W1"},
            {"child_id": "4", "episode_type": "early_help", "start_date": "2025-02-01", "team": "Team B"},
            {"child_id": "5", "episode_type": "care_leaver", "start_date": "2022-02-01", "worker_id": "W3"},
        ],
        workers=[{"worker_id": "W1", "worker_name": "Ann", "team": "Team A"},
                 {"worker_id": "W2", "worker_name": "Bob", "team": "Team A"},
                 {"worker_id": "W3", "worker_name": "Cat", "team": "Leaving Care"}],
    )
    teams = {r["group"]: r for r in caseloads(ds, D(2025, 3, 31), "team").iter_rows(named=True)}
    a = teams["Team A"]
    assert (a["children"], a["child_in_need"], a["child_protection"], a["child_in_care"]) == (2, 1, 1, 1)
    assert (a["workers"], a["average_caseload"], a["unallocated"]) == (2, 1.0, 0)
    b = teams["Team B"]
    assert (b["children"], b["early_help"], b["workers"], b["average_caseload"], b["unallocated"]) == (1, 1, 0, None, 1)
    assert teams["Leaving Care"]["care_leaver"] == 1
    workers = {r["group"]: r["children"] for r in caseloads(ds, D(2025, 3, 31), "worker").iter_rows(named=True)}
    assert workers == {"Ann (W1)": 1, "Bob (W2)": 1, "Cat (W3)": 1, "(unallocated)": 1}
    # a day earlier child 3's episode is still open: W1 holds two children
    assert caseloads(ds, D(2025, 3, 30), "worker").filter(pl.col("group") == "Ann (W1)")["children"].item() == 2


def test_by_team_breakdown_is_rated_and_carries_caseloads(sample_dataset, sample_result):
    long = breakdown(sample_result, sample_dataset, "team")
    small = long.filter((pl.col("met") + pl.col("not_met")) < 5)
    assert small.height and set(small["rag"].to_list()) == {"not rated"}
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31", "--by", "team",
                            "--summary-format", "csv"], catch_exceptions=False)
    frame = pl.read_csv(r.stdout.encode())
    assert {"floor_pct", "rag_reason", "open_children", "open_child_protection", "average_caseload"} <= set(frame.columns)
    sg1 = frame.filter(pl.col("group") == "Safeguarding 1").row(0, named=True)
    loads = caseloads(sample_dataset, D(2025, 3, 31), "team").filter(pl.col("group") == "Safeguarding 1").row(0, named=True)
    assert (sg1["open_children"], sg1["average_caseload"]) == (loads["children"], loads["average_caseload"])
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31", "--by", "team",
                            "--rules", "visits-cp"], catch_exceptions=False)
    assert "Open children" in r.stdout and "Average caseload" in r.stdout
