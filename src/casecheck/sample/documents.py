"""Documents every open child has: chronologies, case summaries, plans, pen pictures, working
agreements, genograms and ecomaps. (Documents of one journey are drawn with it: pathway plans,
health and dental checks, permanence plans, life story work, preparing-for-adulthood plans and
closure letters.)"""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import lag, lapse_now, recur, ri
from casecheck.sample.tables import CIN, CP, DC, DOC, EH, S47, by_type
from casecheck.sample.world import World


def add_documents(w: World, rng, child: np.ndarray, day: np.ndarray, kind: str) -> None:
    """Add documents of one type (``day``: the document's date); each is created on its date
    for seven in ten, a few days later for the rest (never after the audit date)."""
    late = np.where(rng.random(len(day)) < 0.7, 0, ri(rng, 1, 5, len(day)))
    w.draft.add("documents", child_id=child, document_type=DOC[kind], document_date=day,
                created_date=np.minimum(day + late, w.A))  # fmt: skip


#: the first plan, working days after the episode starts (10**6: no plan of this kind)
_PLAN_LO = by_type(eh=5, cin=10, cp=0, cla=0, dc=10, pf=10, sb=10, adopt=0)
_PLAN_HI = by_type(eh=25, cin=45, cp=5, cla=20, dc=45, pf=45, sb=45, adopt=20)


def documents(w: World) -> None:
    """Documents drawn for every episode except enquiries (and shadow twins):

    * A chronology started within 3 working days of opening (at transfer from the front door)
      for most, within 3 weeks for the rest; then updated every month, sometimes late, and on
      one episode in ten stale (some gaps two to four times as long; on those open, no update
      for 2 to 7 months now).
    * A case summary within 4 to 12 weeks, then every 10 to 12 weeks.
    * A plan: early help within 25 working days, CIN and disabled children within 9 weeks, CP
      within a week, care within 4 weeks; reviewed every 5 to 6 months; some late.
    * For one open episode in twenty, the case summary overdue now, and for another the plan.
    * A pen picture for nine in ten, updated about yearly.
    * A working agreement at the start of early help, CIN, CP and disabled children's work, for
      most.
    * Once per child: a genogram for 94% (within 8 working days of the first episode for two in
      three, within 8 weeks for the rest) and an ecomap for 91%.
    """
    rng = w.rng("documents")
    ep, cal, A_idx = w.ep, w.cal, w.A_idx
    de = np.nonzero((ep.type != S47) & ~ep.shadow)[0]
    dt_ = ep.type[de]
    child = ep.child[de]
    d_s, d_e = ep.s_idx[de], ep.act_idx[de]

    def add(seg, t, kind):
        add_documents(w, rng, child[seg], cal.day(t), kind)

    # chronology: initiated at transfer, updated monthly, stale on some
    stale = ep.chron_stale[de]
    cut = ri(rng, 45, 160, len(de))
    chron_e = np.where(stale & ep.open[de], np.minimum(d_e, A_idx - cut), d_e)
    first = lag(rng, len(de), [0.85, 0.15], [(0, 3), (4, 15)])
    seg, t, _ = recur(
        rng, d_s, chron_e, first, first, 17, 21, late_p=0.03, late_lo=5, late_hi=15,
        lapse=stale, lapse_p=0.3, lapse_lo=2, lapse_hi=4,
    )  # fmt: skip
    add(seg, t, "chronology")
    end = lapse_now(rng, d_s, d_e, ep.open[de], 0.05, 62, A_idx)
    seg, t, _ = recur(rng, d_s, end, 20, 60, 50, 62, late_p=0.05, late_lo=5, late_hi=30)
    add(seg, t, "case_summary")
    end = lapse_now(rng, d_s, d_e, ep.open[de], 0.05, 125, A_idx)
    seg, t, _ = recur(
        rng, d_s, end, _PLAN_LO[dt_], _PLAN_HI[dt_], 105, 125, late_p=0.08, late_lo=1, late_hi=20
    )
    add(seg, t, "plan")
    pen = np.nonzero(rng.random(len(de)) < 0.9)[0]
    seg, t, _ = recur(rng, d_s[pen], d_e[pen], 5, 60, 240, 260, late_p=0.05, late_lo=5, late_hi=40)
    add(pen[seg], t, "pen_picture")
    wa = np.nonzero(np.isin(dt_, [EH, CIN, CP, DC]) & (rng.random(len(de)) < 0.85))[0]
    seg, t, _ = recur(rng, d_s[wa], d_e[wa], 0, 20, 1, 1, max_events=1)
    add(wa[seg], t, "working_agreement")

    # once per child: a genogram and an ecomap
    first_start = np.full(w.N, w.A + 1, dtype=np.int64)
    np.minimum.at(first_start, ep.child, ep.start)
    last_end = np.full(w.N, -(10**9), dtype=np.int64)
    np.maximum.at(last_end, ep.child, ep.end)
    kids = np.nonzero(first_start <= w.A)[0]
    c_open = np.zeros(w.N, bool)
    c_open[ep.child[ep.open]] = True
    c_s = cal.ceil_idx(first_start[kids])
    c_e = np.where(c_open[kids], A_idx, cal.floor_idx(last_end[kids]))
    for kind, present, bands in [
        ("genogram", 0.94, [(0, 8), (9, 40)]),
        ("ecomap", 0.91, [(0, 20), (21, 45)]),
    ]:
        ks = np.nonzero(rng.random(len(kids)) < present)[0]
        when = lag(rng, len(ks), [0.66, 0.34], bands)
        seg, t, _ = recur(rng, c_s[ks], c_e[ks], when, when, 1, 1, max_events=1)
        add_documents(w, rng, kids[ks[seg]], cal.day(t), kind)
