"""Section 47 enquiries and child protection: strategy discussions, family network meetings
before the conference, conferences, core groups, and service managers' reviews of long plans."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NEVER, add_years, lag, lapse_now, recur, ri
from casecheck.sample.tables import CP, MEET, S47, SUP
from casecheck.sample.world import World


def s47_and_child_protection(w: World) -> None:
    """Enquiries' and CP plans' own events (visits, supervision and documents are drawn with
    everyone's; the referral behind an enquiry in front_door.py).

    * A strategy discussion on the day each enquiry starts.
    * A family network meeting between the strategy discussion and the initial conference for
      most children who get a conference, none for about one in seven.
    * The initial conference (ICPC) on the day the plan starts (its lateness is in the gap from
      the strategy discussion, drawn with the journey).
    * Core groups: the first within 10 working days of the conference for nine in ten, later for
      the rest; then every 3 to 4 weeks, sometimes late; for one open plan in sixteen, overdue
      now.
    * Review conferences: the first at about 3 months, then every 5 to 6 months, sometimes late;
      for one open plan in twenty, overdue now.
    * A service manager's review of a plan that reaches 9 months, within three weeks of it for
      four in five.
    """
    rng = w.rng("protection")
    ep, cal, A = w.ep, w.cal, w.A
    add = w.draft.add
    s47 = ep.of(S47)
    add("meetings", child_id=ep.child[s47], meeting_type=MEET["strategy_discussion"],
        meeting_date=ep.start[s47])  # fmt: skip
    cp = ep.of(CP)
    n = len(cp)
    add("meetings", child_id=ep.child[cp], meeting_type=MEET["icpc"], meeting_date=ep.start[cp])
    # a family network meeting before the conference
    S = cal.ceil_idx(w.journeys["s"]["S"][ep.journey[cp]])
    gap = ep.s_idx[cp] - S
    fn = np.nonzero((rng.random(n) < 0.86) & (gap >= 2))[0]
    t = S[fn] + ri(rng, 1, gap[fn] - 1, len(fn))
    add("meetings", child_id=ep.child[cp[fn]], meeting_type=MEET["family_network"],
        meeting_date=cal.day(t))  # fmt: skip
    # core groups and review conferences
    s = ep.s_idx[cp]
    e = lapse_now(rng, s, ep.e_idx[cp], ep.open[cp], 0.06, 20, w.A_idx)
    first_cg = np.where(rng.random(n) < 0.9, ri(rng, 3, 10, n), ri(rng, 11, 18, n))
    seg, t, _ = recur(rng, s, e, first_cg, first_cg, 14, 20, late_p=0.05, late_lo=3, late_hi=15)
    add("meetings", child_id=ep.child[cp[seg]], meeting_type=MEET["core_group"],
        meeting_date=cal.day(t))  # fmt: skip
    e = lapse_now(rng, s, ep.e_idx[cp], ep.open[cp], 0.05, 122, w.A_idx)
    seg, t, _ = recur(rng, s, e, 55, 62, 105, 122, late_p=0.08, late_lo=5, late_hi=25)
    add("meetings", child_id=ep.child[cp[seg]], meeting_type=MEET["rcpc"],
        meeting_date=cal.day(t))  # fmt: skip
    # a service manager's review at 9 months
    off = lag(rng, n, [0.8, 0.2], [(0, 20), None])
    day = cal.next(add_years(ep.start[cp], 0, 9) + off)
    ok = (off != NEVER) & (day <= ep.end[cp]) & (day <= A)
    worker = ep.worker_at(cp[ok], day[ok])
    add("supervisions", child_id=ep.child[cp[ok]], supervision_date=day[ok],
        supervision_type=SUP["service_manager_review"], worker_id=worker,
        supervisor_id=w.workers["manager"][worker])  # fmt: skip
