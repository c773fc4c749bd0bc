"""Children in need and disabled children: child in need reviews, family network meetings and
managers' key reviews."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import lag, lapse_now, once, recur
from casecheck.sample.tables import CIN, DC, MEET
from casecheck.sample.world import World


def child_in_need(w: World) -> None:
    """Child in need (and disabled children's) episodes' own events; their visits, supervision
    and documents are drawn with everyone's. A disabled child also recorded as child in need, and
    a privately fostered child with a CIN plan, have their work recorded on one of the twin
    episodes (the other is a *shadow*).

    * A CIN review every 10 to 12 weeks from 8 to 12 weeks after opening (the plan review),
      sometimes a week or more late; for one open episode in fourteen (at least one of any
      three), overdue now.
    * A family network meeting within 10 working days of opening for most (even if the episode
      closed sooner), later (11 to 30 working days) for one in eleven, none for one in
      twenty-five.
    * A key review chaired by the team manager every 5 to 6 months, sometimes a few weeks late;
      for one open episode in sixteen (at least one of any three), overdue now.
    """
    rng = w.rng("child_in_need")
    ep, cal = w.ep, w.cal
    cin = ep.of(CIN, DC)
    end = lapse_now(rng, ep.s_idx[cin], ep.act_idx[cin], ep.open[cin], 0.07, 62, w.A_idx)
    seg, t, _ = recur(rng, ep.s_idx[cin], end, 40, 60, 50, 62, late_p=0.06, late_lo=5, late_hi=30)
    w.draft.add("meetings", child_id=ep.child[cin[seg]], meeting_type=MEET["cin_review"],
                meeting_date=cal.day(t))  # fmt: skip
    first = lag(rng, len(cin), [0.87, 0.09, 0.04], [(2, 10), (11, 30), None])
    has = np.nonzero(first >= 0)[0]
    # (held even if the episode closed first: the child came into care, or was stepped down)
    last = np.full(len(has), w.A_idx)
    seg, t = once(rng, ep.s_idx[cin[has]], last, first[has], first[has])
    w.draft.add("meetings", child_id=ep.child[cin[has[seg]]], meeting_type=MEET["family_network"],
                meeting_date=cal.day(t))  # fmt: skip
    end = lapse_now(rng, ep.s_idx[cin], ep.act_idx[cin], ep.open[cin], 0.06, 125, w.A_idx)
    seg, t, _ = recur(rng, ep.s_idx[cin], end, 100, 125, 105, 125, late_p=0.06, late_lo=5,
                      late_hi=20)  # fmt: skip
    w.draft.add("meetings", child_id=ep.child[cin[seg]], meeting_type=MEET["key_review"],
                meeting_date=cal.day(t))  # fmt: skip
