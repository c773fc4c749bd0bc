"""Visits: every episode's visiting schedule, the attempts and extra visits around it, and what
each visit record says (seen, seen alone, bedroom seen, unannounced, when recorded)."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import add_years, lag, pick, recur, ri
from casecheck.sample.tables import ADOPT, CIN, CL, CLA, CP, DC, EH, LS, PF, PLACE, S47, SB, by_type
from casecheck.sample.world import World

# kinds of visit record
SCHEDULED, AFTER_MISSING, ATTEMPT, OTHER = range(4)


class _Schedules:
    """Scheduled visits drawn so far: (episode, working-day index, segment bounds)."""

    def __init__(self, w: World, rng) -> None:
        self.w, self.rng = w, rng
        self.ep, self.t, self.lo, self.hi = [], [], [], []

    def draw(self, eps, start, end, first_lo, first_hi, gap_lo, gap_hi, **kw) -> None:
        """Visits every ``gap`` working days after a first one ``first`` after ``start``; on an
        episode with a lapse some gaps two to four times as long, and on one with a lapse now,
        none for one to three intervals before the audit date."""
        w, rng = self.w, self.rng
        n = len(eps)
        gap_hi = np.broadcast_to(gap_hi, (n,))
        cut = ri(rng, gap_hi + 1, np.maximum(3 * gap_hi, 40), n)
        now = w.ep.cur_visit_lapse[eps] & (end >= w.A_idx)
        end = np.where(now, np.minimum(end, w.A_idx - cut), end)
        seg, t, _ = recur(
            rng, start, end, first_lo, first_hi, gap_lo, gap_hi, late_p=0.03, late_lo=2,
            late_hi=10, lapse=w.ep.visit_lapse[eps], lapse_p=0.2, **kw,
        )  # fmt: skip
        self.ep.append(eps[seg])
        self.t.append(t)
        self.lo.append(start[seg])
        self.hi.append(end[seg])

    def joined(self):
        return [np.concatenate(x) for x in (self.ep, self.t, self.lo, self.hi)]


#: the episode-anchored schedules (working days): first visit, then the gap between visits
_FIRST = {  # (probability, (lo, hi)) bands
    EH: ([0.88, 0.12], [(1, 6), (7, 12)]),  # the first visit by day 10
    CIN: ([0.85, 0.15], [(0, 3), (4, 10)]),  # a home visit by day 5 of allocation
    DC: ([0.85, 0.15], [(0, 3), (4, 10)]),
    CP: ([0.92, 0.08], [(0, 1), (2, 3)]),  # within 48 hours of the plan
    S47: ([0.70, 0.23, 0.07], [(0, 0), (1, 1), (2, 3)]),  # the day of the strategy discussion
    CL: ([1.0], [(5, 20)]),
    PF: ([0.88, 0.12], [(1, 4), (5, 8)]),  # within 7 days of the notification
    SB: ([0.88, 0.12], [(0, 4), (5, 8)]),  # within 7 days of the first placement day
}
_GAP_LO = by_type(eh=6, cin=10, cp=6, cl=20, dc=10, s47=3, pf=15, sb=80)
_GAP_HI = by_type(eh=10, cin=19, cp=10, cl=40, dc=19, s47=8, pf=27, sb=120)


def visits(w: World) -> None:
    """Every visit.

    * Early help every 6 to 10 working days (about fortnightly) from a first visit within 6
      working days of allocation; child in need and disabled children every 10 to 19 from a
      home visit within 3 working days of allocation (later for one in seven); CP every 6 to 10
      from a visit within a day of the plan; an enquiry's child seen the day it starts for seven
      in ten, the next day or later for the rest.
    * Care leavers every 4 to 8 weeks until 20, then every 10 to 22 weeks.
    * Private fostering within 4 working days of the notification for most, then every 3 to 5
      weeks in the first year, every 8 to 11 weeks after.
    * Short breaks: in the setting within 4 working days for most, again within 3 months, then
      every 4 to 6 months; unannounced and the bedroom seen more often than other visits.
    * Children in care, from each placement: seen the day placed (a few days later for one in
      twelve) and weekly for about five weeks, then every 3.5 to 5 weeks; placed at home under an
      interim care order, or with connected carers, weekly until the first review then every 2.5
      to 4 weeks; placed at home under a care order within a week, then every 4 to 6 weeks.
      Placed for adoption: within 4 working days, weekly until the first review, then every 4
      to 6 weeks.
    * Lapses: on about one episode in eight some gaps two to four times as long; on one in
      fifteen of those open three months or more (at least one of any three), no visit for one
      to three intervals (at least 8 weeks) before the audit date; a few visits a little late
      anywhere. Around the scheduled visits, a failed attempt (child not seen) a day or three
      before one visit in twenty, and another kind of visit after one in twenty.
    """
    rng = w.rng("visits")
    ep, cal, A_idx = w.ep, w.cal, w.A_idx
    sch = _Schedules(w, rng)
    first_alloc = cal.ceil_idx(ep.first_alloc)

    # episode-anchored schedules
    for etype, (p, bands) in _FIRST.items():
        eps = ep.of(etype, active=etype != SB)  # short breaks: visits in the setting
        start = ep.s_idx[eps]
        if etype in (EH, CIN, DC, SB):  # from the allocation
            start = np.maximum(first_alloc[eps], start)
        first = lag(rng, len(eps), p, bands)
        end = ep.act_idx[eps]
        if etype == CL:  # every 4-8 weeks until 20, then every 10-22 weeks
            b20 = cal.ceil_idx(add_years(w.dob[ep.child[eps]], 20))
            sch.draw(eps, start, np.minimum(end, b20), first, first, 20, 40)
            later = np.maximum(b20, start)
            sch.draw(eps, later, end, np.where(b20 > start, 5, first), 30, 50, 110)
        elif etype == PF:  # every 3-5 weeks in the first year, then every 8-11 weeks
            y1 = cal.ceil_idx(add_years(ep.start[eps], 1))
            sch.draw(eps, start, np.minimum(end, y1), first, first, 15, 27)
            sch.draw(eps, y1, end, 5, 25, 40, 55)
        elif etype == SB:  # within 7 days, within 3 months, then at most 6 months apart
            sch.draw(eps, start, end, first, first, 80, 120, n_init=1, init_lo=35, init_hi=60)
        else:
            sch.draw(eps, start, end, first, first, _GAP_LO[etype], _GAP_HI[etype])

    # placement-anchored schedules: in care and placed for adoption
    p = w.placements
    pe = np.nonzero(np.isin(ep.type[p.episode], [CLA, ADOPT]))[0]
    eps = p.episode[pe]
    home = p.type[pe] == PLACE["P1"]
    interim = (home & (p.legal[pe] == LS["C1"])) | (p.type[pe] == PLACE["U3"])
    order = home & (p.legal[pe] == LS["C2"])
    adopt = ep.type[eps] == ADOPT
    first_hi = np.select([order, adopt], [4, 4], default=np.where(rng.random(len(pe)) < 0.92, 0, 3))
    first_lo = np.where(adopt, 1, 0)
    n_init = np.select([order, interim, adopt], [0, 4, 4], default=6)
    gap_lo = np.select([order, interim], [20, 12], default=17)
    gap_hi = np.select([order, interim], [29, 19], default=np.where(adopt, 29, 26))
    for k in np.unique(n_init):
        m = n_init == k
        sch.draw(eps[m], p.s_idx[pe][m], p.e_idx[pe][m], first_lo[m], first_hi[m], gap_lo[m],
                 gap_hi[m], n_init=int(k), init_lo=3, init_hi=5)  # fmt: skip

    # failed attempts and other visits around the schedule
    v_ep, v_t, lo, hi = sch.joined()
    n = len(v_ep)
    att = np.nonzero(rng.random(n) < 0.05)[0]
    att_t = np.maximum(v_t[att] - ri(rng, 1, 3, len(att)), lo[att])
    oth = np.nonzero(rng.random(n) < 0.05)[0]
    oth_t = v_t[oth] + ri(rng, 1, 5, len(oth))
    ok = oth_t <= hi[oth]
    oth, oth_t = oth[ok], oth_t[ok]
    eps = np.concatenate([v_ep, v_ep[att], v_ep[oth]])
    t = np.concatenate([v_t, att_t, oth_t])
    kind = np.repeat([SCHEDULED, ATTEMPT, OTHER], [n, len(att), len(oth)])
    keep = t <= A_idx
    record_visits(w, rng, eps[keep], cal.day(t[keep]), kind[keep])


def record_visits(w: World, rng, eps: np.ndarray, day: np.ndarray, kind: np.ndarray) -> None:
    """Add visits (``kind``: SCHEDULED, AFTER_MISSING, ATTEMPT or OTHER) with what each record
    says: seen (not on an attempt; blank on a few), seen alone by age (rarely under 4, about
    half of 4 to 7 year olds, most older children), bedroom seen (more often in short breaks),
    unannounced (about one visit in eight, six in ten in short breaks), the visit type (blank on
    a third of scheduled visits), the worker, and when recorded (the same day for 45%, within 5
    working days for 92%)."""
    ep, cal = w.ep, w.cal
    n = len(eps)
    child = ep.child[eps]
    sb = ep.type[eps] == SB
    age = (day - w.dob[child]) / 365.25
    blank = -1
    seen = np.select(
        [kind == SCHEDULED, kind == ATTEMPT, kind == OTHER],
        [np.where(rng.random(n) < 0.03, blank, 1), 0, np.where(rng.random(n) < 0.1, blank, 1)],
        default=1,
    )
    alone = pick(rng, [0.10, 0.85, 0.05], n)
    mid = (age >= 4) & (age < 8)
    alone[mid] = pick(rng, [0.45, 0.45, 0.10], int(mid.sum()))
    young = age < 4
    alone[young] = np.where(rng.random(int(young.sum())) < 0.8, 0, blank)
    bedroom = pick(rng, [0.30, 0.55, 0.15], n)
    bedroom[sb] = pick(rng, [0.15, 0.80, 0.05], int(sb.sum()))
    unannounced = pick(rng, [0.83, 0.12, 0.05], n)
    unannounced[sb] = pick(rng, [0.35, 0.60, 0.05], int(sb.sum()))
    alone, bedroom, unannounced = (np.where(x == 2, blank, x) for x in (alone, bedroom, unannounced))
    alone = np.where(seen == 0, blank, alone)
    bedroom = np.where(seen == 0, blank, bedroom)
    vtype = np.select(
        [kind == SCHEDULED, kind == ATTEMPT, kind == OTHER],
        [np.where(rng.random(n) < 0.68, 0, blank), np.where(rng.random(n) < 0.5, 0, blank), 1],
        default=blank,
    )
    rec = lag(rng, n, [0.45, 0.25, 0.22, 0.08], [(0, 0), (1, 1), (2, 5), (6, 25)])
    recorded = cal.day(np.minimum(cal.ceil_idx(day) + rec, w.A_idx))
    w.draft.add(
        "visits",
        child_id=child,
        visit_date=day,
        seen=seen,
        seen_alone=alone,
        bedroom_seen=bedroom,
        unannounced=unannounced,
        visit_type=vtype,
        worker_id=ep.worker_at(eps, day),
        recorded_date=np.maximum(recorded, day),
    )
