"""Placements the rules read, hand-worked: rows of one placement, the placement's type and legal
status choosing the rule (Redcar & Cleveland's children placed at home), and permanence from the
current placement."""

from __future__ import annotations

from engine_helpers import D, dataset, one, profile, run

CLA = {
    "id": "visits-cla",
    "kind": "frequency",
    "cohort": ["child_in_care"],
    "events": ["visit"],
    "anchor": "placement",
    "first": "0d",
    "interval": "6w",
    "phases": [{"until": "4w", "interval": "1w"}, {"until": "1y", "interval": "6w"}],
}
EP = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-01-06"}]


def test_a_change_of_legal_status_during_a_placement_does_not_restart_its_clock():
    # "at least every six weeks for at least the first year of any placement": placed Mon 6 Jan
    # 2025 under an interim care order (C1); the full care order (C2) on 3 Mar 2025 is a new row
    # of the same placement (as the SSDA903 records it), not a new placement.
    placements = [
        {"child_id": "001", "placement_id": "PL1", "start_date": "2025-01-06", "end_date": "2025-03-03",
         "placement_type": "U4", "legal_status": "C1"},
        {"child_id": "001", "placement_id": "PL1", "start_date": "2025-03-03", "placement_type": "U4",
         "legal_status": "C2"},
    ]
    visits = [{"child_id": "001", "visit_date": d} for d in
              ("2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27", "2025-02-24")]
    ds = dataset(episodes=EP, placements=placements, visits=visits)
    f = one(run(ds, profile(CLA), D(2025, 3, 5)))
    # one placement from 6 Jan: last seen 24 Feb, then every 6 weeks: due 7 Apr (a new placement
    # on 3 Mar would have wanted a visit that day)
    assert (f["anchor_date"], f["status"], f["due_date"]) == (D(2025, 1, 6), "met", D(2025, 4, 7))
