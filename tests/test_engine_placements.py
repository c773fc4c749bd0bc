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


AT_HOME = {
    "id": "visits-placed-with-parents", "kind": "frequency", "cohort": ["child_in_care"],
    "events": ["visit"], "anchor": "placement", "placement_where": "placement_type = P1 and legal_status = C2",
    "first": "1w", "interval": "6w",
}
CLA_NOT_AT_HOME = dict(CLA, exclude_placement=["placement_type = P1 and legal_status = C1|C2",
                                               "placement_type = U3"])


def _two_children():
    ep = [{"child_id": c, "episode_type": "child_in_care", "start_date": "2025-01-06"} for c in ("001", "002")]
    placements = [
        # 001: at home (P1) under an interim care order, then (same placement) a full care order
        {"child_id": "001", "placement_id": "PA", "start_date": "2025-01-06", "end_date": "2025-03-03",
         "placement_type": "P1", "legal_status": "C1"},
        {"child_id": "001", "placement_id": "PA", "start_date": "2025-03-03", "placement_type": "P1",
         "legal_status": "C2"},
        # 002: in foster care under a care order
        {"child_id": "002", "placement_id": "PB", "start_date": "2025-01-06", "placement_type": "U4",
         "legal_status": "C2"},
    ]
    visits = [{"child_id": c, "visit_date": d} for c in ("001", "002")
              for d in ("2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27", "2025-03-07")]
    return dataset(episodes=ep, placements=placements, visits=visits)


def test_a_child_placed_at_home_under_a_care_order_has_a_rule_of_their_own():
    # Redcar & Cleveland: "Children subject to a Care Order and placed at home with parents: seen
    # within the first week of being placed at home and then at least every 6-weeks for the
    # first year". 001 is at home under a full care order from Mon 3 Mar 2025 (the order made
    # during the placement): seen Fri 7 Mar, within the week; next due 7 Mar + 6 weeks = 18 Apr.
    res = run(_two_children(), profile(AT_HOME, CLA_NOT_AT_HOME), D(2025, 3, 10))
    f = one(res, "visits-placed-with-parents")
    assert (f["child_id"], f["anchor_date"], f["status"], f["due_date"]) == ("001", D(2025, 3, 3), "met", D(2025, 4, 18))
    # visits-cla leaves 001 out (at home under an interim or full care order), and holds 002 to
    # its own schedule: placed 6 Jan, seen 7 Mar, next due in 6 weeks
    g = one(res, "visits-cla")
    assert (g["child_id"], g["anchor_date"], g["due_date"]) == ("002", D(2025, 1, 6), D(2025, 4, 18))


def test_the_interim_order_at_home_is_a_row_that_ends_when_the_full_order_is_made():
    # Redcar & Cleveland: "parents under Interim Care Order: seen weekly until the first review".
    ico = {"id": "visits-temporary-approval", "kind": "frequency", "cohort": ["child_in_care"],
           "events": ["visit"], "anchor": "placement", "first": "1w", "interval": "1w",
           "placement_where": ["placement_type = P1 and legal_status = C1", "placement_type = U3"]}
    res = run(_two_children(), profile(ico), D(2025, 2, 28))
    f = one(res)
    # 001 at home under the ICO from Mon 6 Jan: seen weekly to 27 Jan, next due Mon 3 Feb, missed
    assert (f["child_id"], f["status"], f["due_date"], f["days_overdue"]) == ("001", "not_met", D(2025, 2, 3), 19)
    # once the full order is made (3 Mar) the child is no longer in this rule's cohort
    assert run(_two_children(), profile(ico), D(2025, 3, 10)).findings.is_empty()


def test_an_episode_rule_reads_the_placement_current_at_the_audit_date():
    rule = {"id": "visits-home", "kind": "frequency", "cohort": ["child_in_care"], "events": ["visit"],
            "interval": "6w", "placement_where": "placement_type = P1"}
    res = run(_two_children(), profile(rule), D(2025, 3, 10))
    assert res.findings["child_id"].to_list() == ["001"]
    # a rule for a kind of placement cannot be asked of an extract that does not say the kind
    ds = dataset(episodes=[{"child_id": "001", "episode_type": "child_in_care", "start_date": "2025-01-06"}],
                 placements=[{"child_id": "001", "start_date": "2025-01-06"}], visits=[])
    res = run(ds, profile(rule), D(2025, 3, 10))
    assert res.summary["note"][0] == "not assessed (needs: placements.placement_type)"


SUPERVISION = {"id": "supervision-cla", "kind": "frequency", "cohort": ["child_in_care"],
               "events": ["supervision"], "interval": "4w", "permanent_interval": "8w"}


def _moved_on(current_perm=None):
    ep = [{"child_id": "001", "episode_type": "child_in_care", "start_date": "2023-01-09"}]
    placements = [
        {"child_id": "001", "placement_id": "P1", "start_date": "2023-01-09", "end_date": "2024-06-03",
         "permanence_agreed_date": "2023-06-01"},
        {"child_id": "001", "placement_id": "P2", "start_date": "2024-06-03",
         "permanence_agreed_date": current_perm},
    ]
    sup = [{"child_id": "001", "supervision_date": "2025-03-03"}]
    return dataset(episodes=ep, placements=placements, supervisions=sup)


def test_permanence_is_the_current_placement_s():
    # Redcar & Cleveland: "Children in our care until permanence plan is made - 4 weekly". The
    # permanent placement broke down on 3 Jun 2024; the current one is not permanent: supervised
    # Mon 3 Mar 2025, next due in 4 weeks, Mon 31 Mar (not in 8, as the old placement's
    # permanence would give).
    f = one(run(_moved_on(), profile(SUPERVISION), D(2025, 3, 20)))
    assert (f["status"], f["due_date"]) == ("met", D(2025, 3, 31))
    assert "(every 4 weeks)" in f["detail"]
    # permanence agreed for the current placement on 15 Jan 2025: 8-weekly, due Mon 28 Apr
    f = one(run(_moved_on("2025-01-15"), profile(SUPERVISION), D(2025, 3, 20)))
    assert (f["due_date"], f["detail"].endswith("(every 8 weeks once the placement is permanent).")) == (
        D(2025, 4, 28), True)


def test_permanence_of_the_episode_when_the_rule_says_so():
    # permanence = "episode": agreed (for the first placement) during this period of care, it
    # holds after the move: 8-weekly, due Mon 28 Apr 2025
    f = one(run(_moved_on(), profile(dict(SUPERVISION, permanence="episode")), D(2025, 3, 20)))
    assert f["due_date"] == D(2025, 4, 28)
