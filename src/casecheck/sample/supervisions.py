"""Supervision: allocation, case supervision, management oversight (also at days 10, 25 and 35
of an assessment). (A CP plan's service manager review and the joint supervision at 17 are
drawn in protection.py and care.py.)"""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NEVER, NO_DATE, lag, recur, ri
from casecheck.sample.placements import current
from casecheck.sample.tables import CLA, EH, S47, SUP, by_type
from casecheck.sample.world import World

#: case supervision every GAP working days, by episode type (an enquiry has none)
_GAP_LO = by_type(eh=28, cin=28, cp=14, cla=14, cl=28, dc=28, pf=28, sb=50, adopt=50)
_GAP_HI = by_type(eh=39, cin=38, cp=20, cla=20, cl=38, dc=38, pf=38, sb=62, adopt=62)


def _add(w: World, eps: np.ndarray, t: np.ndarray, kind) -> None:
    day = w.cal.day(t)
    worker = w.ep.worker_at(eps, day)
    w.draft.add("supervisions", child_id=w.ep.child[eps], supervision_date=day,
                supervision_type=kind, worker_id=worker,
                supervisor_id=w.workers["manager"][worker])  # fmt: skip


def supervisions(w: World) -> None:
    """Supervision of every episode's worker by their manager.

    * Allocation supervision on the day of allocation for three in four, within 2 working days
      for most of the rest, up to 8 for one in twenty; again when a new worker takes over.
    * Case supervision: early help within 4 weeks of allocation then every 6 to 8 weeks; child
      in need, disabled children, private fostering and care leavers every 6 to 8 weeks; CP and
      children in care every 3 to 4 weeks (every 6 to 8 weeks once the current placement is
      agreed permanent); short breaks and adoption every 10 to 12 weeks. A child in care whose
      permanent placement broke down: every 4.5 to 7 weeks since the move (as if still
      permanent). Lapses: on about one episode in eight some gaps two or three times as long,
      and on one in seventeen of those open three months or more, none for two to four
      intervals now.
    * Management oversight every 6 to 14 months.
    * Oversight of each child and family assessment while it runs, at days 10, 25 and 35 (a
      day or two early for most, a week late for one in fourteen, missed for one in fourteen).
    """
    rng = w.rng("supervisions")
    ep, cal, A_idx = w.ep, w.cal, w.A_idx
    eps = np.nonzero(~ep.shadow)[0]
    et = ep.type[eps]
    s = ep.s_idx[eps]
    alloc = np.maximum(cal.ceil_idx(ep.first_alloc[eps]), s) - s
    alloc += lag(rng, len(eps), [0.75, 0.15, 0.05, 0.05], [(0, 0), (1, 1), (2, 2), (3, 8)])
    gap_lo, gap_hi = _GAP_LO[et], _GAP_HI[et]

    # children in care: 8-weekly once the current placement is permanent; too long since a
    # permanent placement broke down
    switch = np.full(len(eps), A_idx + 10**6)
    gap2_lo, gap2_hi = gap_lo.copy(), gap_hi.copy()
    cla = np.nonzero(et == CLA)[0]
    p = w.placements
    cur = current(w, eps[cla])
    perm_any = np.zeros(len(ep), bool)
    perm_any[p.episode[p.perm != NO_DATE]] = True
    cur_perm = np.where(cur >= 0, p.perm[np.maximum(cur, 0)], NO_DATE)
    is_perm = cur_perm != NO_DATE
    broke = perm_any[eps[cla]] & ~is_perm & (cur >= 0)
    switch[cla] = np.select(
        [is_perm, broke], [cal.ceil_idx(cur_perm), p.s_idx[np.maximum(cur, 0)]], switch[cla]
    )
    gap2_lo[cla] = np.select([is_perm, broke], [28, 22], gap_lo[cla])
    gap2_hi[cla] = np.select([is_perm, broke], [38, 36], gap_hi[cla])

    # allocation supervision, then case supervision (lapses as the docstring says)
    end = ep.act_idx[eps]
    cut = ri(rng, 2 * gap_hi, 4 * gap_hi, len(eps))
    now = ep.cur_sup_lapse[eps] & (et != S47)
    end = np.where(now, np.maximum(np.minimum(end, A_idx - cut), s + alloc), end)
    end = np.minimum(end, A_idx)
    init_lo = np.where(et == EH, 10, gap_lo)
    init_hi = np.where(et == EH, 20, gap_hi)
    seg, t, k = recur(
        rng, s, np.minimum(end, switch), alloc, alloc, gap_lo, gap_hi, n_init=1, init_lo=init_lo,
        init_hi=init_hi, late_p=0.04, late_lo=3, late_hi=12, lapse=ep.sup_lapse[eps],
        lapse_p=0.3, lapse_lo=2, lapse_hi=3,
    )  # fmt: skip
    _add(w, eps[seg], t, np.where(k == 0, SUP["allocation"], SUP["case"]))
    sw = np.nonzero(switch < end)[0]
    seg, t, _ = recur(rng, switch[sw], end[sw], 3, 15, gap2_lo[sw], gap2_hi[sw],
                      late_p=0.04, late_lo=3, late_hi=12)  # fmt: skip
    _add(w, eps[sw[seg]], t, SUP["case"])
    # a new worker's allocation supervision
    moved = np.nonzero(ep.allocated[eps] != ep.first_alloc[eps])[0]
    t = cal.ceil_idx(ep.allocated[eps[moved]]) + lag(rng, len(moved), [0.7, 0.3], [(0, 0), (1, 4)])
    ok = t <= A_idx
    _add(w, eps[moved[ok]], t[ok], SUP["allocation"])
    # management oversight
    mo = np.nonzero(et != S47)[0]
    seg, t, _ = recur(rng, s[mo], ep.act_idx[eps[mo]], 20, 180, 120, 300)
    _add(w, eps[mo[seg]], t, SUP["management_oversight"])

    # oversight of child and family assessments at days 10, 25 and 35
    a = w.assessments
    a_s, a_d = cal.ceil_idx(a["start"]), cal.ceil_idx(a["done"])
    for day in (10, 25, 35):
        off = lag(rng, len(a_s), [0.86, 0.07, 0.07], [(day - 2, day), (day + 1, day + 8), None])
        t = a_s + off
        ok = (off != NEVER) & (a_d > a_s + day - 3) & (t <= a_d + 2) & (t <= A_idx)
        _add(w, a["episode"][ok], t[ok], SUP["management_oversight"])
