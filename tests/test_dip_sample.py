"""Dip samples for practice audits (casecheck.dip_sample), hand-worked."""

from __future__ import annotations

import polars as pl
import pytest

from casecheck.dip_sample import dip_sample, open_cases
from casecheck.errors import UsageError

from engine_helpers import CP_VISITS, D, dataset, profile, run

AS_AT = D(2025, 3, 31)


def _episodes():
    """Team A: five open CP cases (C1-C5); team B: two open CIN cases (C6, C7) and one closed
    (C8, closed 2025-03-31: not open at the audit date); C9 open in A on CIN and CP."""
    rows = [
        {"child_id": f"C{i}", "episode_type": "child_protection", "start_date": "2025-01-06",
         "team": "A", "worker_id": "W1"}
        for i in range(1, 6)
    ]
    rows += [
        {"child_id": "C6", "episode_type": "child_in_need", "start_date": "2024-06-03", "team": "B", "worker_id": "W2"},
        {"child_id": "C7", "episode_type": "child_in_need", "start_date": "2024-09-02", "team": "B", "worker_id": "W2"},
        {"child_id": "C8", "episode_type": "child_in_need", "start_date": "2024-09-02", "end_date": "2025-03-31", "team": "B", "worker_id": "W2"},
        {"child_id": "C9", "episode_type": "child_in_need", "start_date": "2024-01-08", "team": "B", "worker_id": "W2"},
        {"child_id": "C9", "episode_type": "child_protection", "start_date": "2025-02-03", "team": "A", "worker_id": "W1"},
    ]
    return rows


def _audit(visits=()):
    ds = dataset(episodes=_episodes(), visits=list(visits))
    return run(ds, profile(CP_VISITS), AS_AT), ds


def test_open_cases_one_row_per_child_from_the_latest_open_episode():
    _, ds = _audit()
    cases = open_cases(ds, AS_AT)
    assert cases["child_id"].to_list() == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C9"]  # not C8
    c9 = cases.filter(pl.col("child_id") == "C9").row(0, named=True)
    # C9's CP plan (3 Feb 2025) is later than its CIN episode: team A, open since 3 Feb
    assert (c9["team"], c9["episode_type"], c9["open_since"]) == ("A", "child_protection", D(2025, 2, 3))
    assert c9["open_episodes"] == "child_in_need, child_protection"


def test_same_seed_same_sample_and_size_per_team():
    result, ds = _audit()
    first = dip_sample(result, ds, per="team", size=3, seed=1)
    again = dip_sample(result, ds, per="team", size=3, seed=1)
    assert first.cases.equals(again.cases)
    counts = dict(first.cases.group_by("group").len().iter_rows())
    # team A has six open cases (C1-C5, C9): three drawn; team B has two (C6, C7): both taken
    assert counts == {"A": 3, "B": 2}
    groups = {r["group"]: r for r in first.groups.iter_rows(named=True)}
    assert (groups["A"]["open_cases"], groups["A"]["sampled"]) == (6, 3)
    assert groups["A"]["note"] == "3 of 6 open cases"
    assert groups["B"]["note"] == "only 2 open case(s), fewer than 3: all taken"
    # another seed draws from the same open cases
    other = dip_sample(result, ds, size=3, seed=2)
    assert set(other.cases["child_id"]) <= {f"C{i}" for i in (1, 2, 3, 4, 5, 6, 7, 9)}


def test_draw_covers_every_open_case_over_seeds():
    result, ds = _audit()
    drawn = set()
    for seed in range(40):
        drawn |= set(dip_sample(result, ds, size=1, seed=seed).cases["child_id"])
    assert drawn == {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C9"}


def test_per_worker_and_cohort():
    result, ds = _audit()
    s = dip_sample(result, ds, per="worker", size=10, seed=3, cohort=["child_in_need"])
    # only open CIN episodes: C6, C7 and C9 (W2); C9's CP plan is not in the cohort
    assert sorted(s.cases["child_id"]) == ["C6", "C7", "C9"]
    assert set(s.cases["group"]) == {"W2"}


@pytest.mark.slow
def test_weight_overdue_favours_children_with_exceptions():
    # visits-cp: first visit within 48h of the plan (6 Jan 2025), then every 10wd. C1 and C2 are
    # seen every week; C3, C4 and C5 never: not met. Weighted, the overdue children are drawn
    # twice as often as the others.
    weekly = [{"child_id": c, "visit_date": f"2025-{m:02d}-{d:02d}"}
              for c in ("C1", "C2") for m, d in [(1, 7), (1, 14), (1, 21), (1, 28), (2, 4), (2, 11),
                                                  (2, 18), (2, 25), (3, 4), (3, 11), (3, 18), (3, 25)]]
    result, ds = _audit(weekly)
    overdue = {"C3", "C4", "C5", "C9"}
    plain = weighted = 0
    for seed in range(300):
        plain += len(overdue & set(dip_sample(result, ds, size=1, seed=seed).cases["child_id"]))
        weighted += len(overdue & set(dip_sample(result, ds, size=1, seed=seed, weight="overdue").cases["child_id"]))
    assert weighted > plain * 1.1


def test_verdicts_and_wide_sheet():
    result, ds = _audit()
    s = dip_sample(result, ds, size=10, seed=0, cohort=["child_protection"])
    assert set(s.verdicts["rule_id"]) == {"visits-cp"}
    wide = s.wide(["visits-cp"])
    assert wide.columns[-4:] == ["visits-cp", "visits-cp due", "grade", "notes"]
    c1 = wide.filter(pl.col("child_id") == "C1").row(0, named=True)
    # never seen: the first visit was due 48 hours after 6 Jan 2025
    assert (c1["visits-cp"], c1["visits-cp due"], c1["rules_not_met"]) == ("not_met", D(2025, 1, 8), 1)
    assert c1["grade"] is None and c1["notes"] is None


@pytest.mark.parametrize(("kw", "message"), [
    ({"per": "manager"}, "--per"), ({"weight": "heavy"}, "--weight"), ({"size": 0}, "--size"),
    ({"seed": -1}, "--seed"), ({"cohort": ["cin"]}, "--cohort"),
])
def test_bad_options_are_usage_errors(kw, message):
    result, ds = _audit()
    with pytest.raises(UsageError, match=message):
        dip_sample(result, ds, **kw)


def test_weight_overdue_in_brief(tmp_path):
    # the quick twin of the test above: with weight = overdue the draw is still at most two per
    # team, from the open cases, and the same for the same seed
    result, ds = _audit()
    a = dip_sample(result, ds, size=2, seed=3, weight="overdue")
    b = dip_sample(result, ds, size=2, seed=3, weight="overdue")
    assert a.cases["child_id"].to_list() == b.cases["child_id"].to_list()
    assert a.cases.group_by("group").len()["len"].max() <= 2
    assert set(a.cases["child_id"]) <= set(open_cases(ds, AS_AT)["child_id"])
