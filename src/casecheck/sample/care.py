"""Children in care, care leavers, adoption and short breaks: their reviews, plans and checks.

Their placements are drawn in placements.py; their visits, case supervision and the documents
every child has in visits.py, supervisions.py and documents.py.
"""

from __future__ import annotations

import numpy as np

from casecheck.sample.documents import add_documents
from casecheck.sample.draw import NEVER, add_years, lag, lapse_now, recur, ri
from casecheck.sample.tables import ADOPT, CL, CLA, MEET, SB, SUP
from casecheck.sample.world import World


def _meetings(w: World, eps, seg, t, kind: str) -> None:
    w.draft.add("meetings", child_id=w.ep.child[eps[seg]], meeting_type=MEET[kind],
                meeting_date=w.cal.day(t))  # fmt: skip


def _reviews(w, rng, eps, first_lo, first_hi, second_lo, second_hi, gap_lo, gap_hi, kind):
    """Statutory-style reviews: the first ``first`` working days in (one in ten up to 10 days
    later), the second ``second`` after it, then every ``gap``; about one in 16 a week or more
    late, and for one open episode in sixteen overdue now. Returns (segment, time, ordinal)."""
    ep = w.ep
    n = len(eps)
    first = np.where(rng.random(n) < 0.9, ri(rng, first_lo, first_hi, n),
                     ri(rng, first_hi + 1, first_hi + 10, n))  # fmt: skip
    end = lapse_now(rng, ep.s_idx[eps], ep.e_idx[eps], ep.open[eps], 0.06, gap_hi, w.A_idx)
    seg, t, k = recur(
        rng, ep.s_idx[eps], end, first, first, gap_lo, gap_hi,
        n_init=1, init_lo=second_lo, init_hi=second_hi, late_p=0.06, late_lo=5, late_hi=25,
    )  # fmt: skip
    _meetings(w, eps, seg, t, kind)
    return seg, t, k


def _assessment_before(w: World, rng, eps: np.ndarray, when: np.ndarray, share: float) -> None:
    """For a ``share`` of these episodes, a child and family assessment updated shortly before
    ``when`` (completed 1 to 8 weeks before it, begun 2 to 6 weeks earlier)."""
    cal = w.cal
    some = np.nonzero(rng.random(len(eps)) < share)[0]
    n = len(some)
    done = cal.day(cal.floor_idx(when[some]) - ri(rng, 5, 40, n))
    start = cal.day(cal.floor_idx(done) - ri(rng, 10, 30, n))
    auth = cal.add(done, ri(rng, 0, 3, n))
    ok = (start >= w.ep.start[eps[some]] - 365) & (auth <= w.A)
    w.draft.add("assessments", child_id=w.ep.child[eps[some[ok]]], assessment_type=0,
                start_date=start[ok], completed_date=done[ok], authorised_date=auth[ok])  # fmt: skip
    # (overseen by a manager while it runs: supervisions.py)
    a = w.assessments
    for key, v in [("episode", eps[some[ok]]), ("start", start[ok]), ("done", done[ok])]:
        a[key] = np.concatenate([a[key], v])


def care(w: World) -> None:
    """Children in care (episodes of care).

    * Reviews (IRO): the first within 20 working days, the second 3 months later, then every 6
      months; some late.
    * A care team meeting at the 3-month mid-point between six-monthly reviews, missed for about
      one in seven.
    * Health assessments: the first within 20 working days of coming into care for most,
      later for the rest; then every 6 months for a child under 5 at the start, every 12 months
      for an older child; some late, and for one open episode in twelve overdue now.
    * Dental checks: the first within 3 months for most, then every 10 to 11 months; some late,
      and for one open episode in twelve overdue now.
    * A permanence plan before the second review for most, after it for about one in eleven, none
      for one in sixteen.
    * Life story work from the first fortnight for four in five, later for some, none for one
      in twelve; then added to every 3 to 6 months.
    * A preparing-for-adulthood plan by the time the child is 15 years 8 months (or soon after
      coming into care later), late for one in ten, none for one in twelve.
    * A joint supervision with the leaving care team in the year the child is 17, for four in
      five.
    * For four in five children who came into care from child in need or child protection
      work, the assessment updated in the two months before.
    """
    rng = w.rng("care")
    ep, cal, A = w.ep, w.cal, w.A
    cla = ep.of(CLA)
    n = len(cla)
    known = cla[~w.journeys["p"]["direct"][ep.journey[cla]]]
    _assessment_before(w, rng, known, ep.start[known], 0.8)
    seg, t, k = _reviews(w, rng, cla, 10, 20, 50, 60, 105, 122, "cla_review")
    # care team meetings between six-monthly reviews
    ct = np.nonzero((k >= 1) & (rng.random(len(t)) < 0.86))[0]
    tc = t[ct] + ri(rng, 55, 65, len(ct))
    ok = tc <= ep.e_idx[cla[seg[ct]]]
    _meetings(w, cla, seg[ct][ok], tc[ok], "care_team")

    child, s, e = ep.child[cla], ep.s_idx[cla], ep.e_idx[cla]
    # health assessments and dental checks
    young = (ep.start[cla] - w.dob[child]) < 5 * 365.25
    first = lag(rng, n, [0.88, 0.12], [(5, 20), (21, 45)])
    gap_hi = np.where(young, 122, 245)
    end = lapse_now(rng, s, e, ep.open[cla], 0.08, gap_hi, w.A_idx)
    seg, t, _ = recur(
        rng, s, end, first, first, np.where(young, 105, 215), gap_hi,
        late_p=0.08, late_lo=10, late_hi=60,
    )  # fmt: skip
    add_documents(w, rng, child[seg], cal.day(t), "health_assessment")
    first = lag(rng, n, [0.85, 0.15], [(20, 60), (61, 120)])
    end = lapse_now(rng, s, e, ep.open[cla], 0.08, 250, w.A_idx)
    seg, t, _ = recur(rng, s, end, first, first, 200, 230, late_p=0.1, late_lo=10, late_hi=60)
    add_documents(w, rng, child[seg], cal.day(t), "dental_check")
    # permanence plan before the second review
    when = lag(rng, n, [0.85, 0.09, 0.06], [(35, 70), (95, 160), None])
    ok = (when != NEVER) & (s + when <= e)
    add_documents(w, rng, child[ok], cal.day(s[ok] + when[ok]), "permanence_plan")
    # life story work
    first = lag(rng, n, [0.8, 0.12, 0.08], [(0, 10), (11, 40), None])
    has = np.nonzero(first != NEVER)[0]
    seg, t, _ = recur(rng, s[has], e[has], first[has], first[has], 60, 130)
    add_documents(w, rng, child[has[seg]], cal.day(t), "life_story")
    # preparing for adulthood by 15 years 8 months
    due = add_years(w.dob[child], 15, 8)
    base = np.where(due >= ep.start[cla], due - ri(rng, 0, 90, n), ep.start[cla] + ri(rng, 10, 60, n))
    off = lag(rng, n, [0.82, 0.10, 0.08], [(0, 0), (10, 120), None])
    day = np.maximum(base, ep.start[cla]) + off
    ok = (off != NEVER) & (day <= ep.end[cla]) & (day <= A) & (ep.start[cla] < add_years(w.dob[child], 18))
    add_documents(w, rng, child[ok], day[ok], "preparing_for_adulthood")
    # joint supervision with the leaving care team at 17
    lo = np.maximum(add_years(w.dob[child], 17), ep.start[cla])
    hi = np.minimum(np.minimum(add_years(w.dob[child], 18), ep.end[cla]), A)
    day = cal.next(lo + ri(rng, 0, 60, n))
    ok = (day <= hi) & (rng.random(n) < 0.8)
    worker = ep.worker_at(cla[ok], day[ok])
    w.draft.add("supervisions", child_id=child[ok], supervision_date=day[ok],
                supervision_type=SUP["joint"], worker_id=worker,
                supervisor_id=w.workers["manager"][worker])  # fmt: skip


def leaving_care(w: World) -> None:
    """Care leavers: a pathway plan within 2 months of leaving care, then every 5 to 6 months,
    and pathway plan reviews from 6 to 12 weeks, then every 5 to 6 months; some late, and for
    one open episode in sixteen both overdue now; for four in five, the assessment updated in the
    two months before the first pathway plan. (Their
    personal advisers' visits and contacts are in visits.py and contacts.py.)"""
    rng = w.rng("leaving_care")
    ep = w.ep
    cl = ep.of(CL)
    s = ep.s_idx[cl]
    e = lapse_now(rng, s, ep.e_idx[cl], ep.open[cl], 0.06, 125, w.A_idx)
    seg, t, k = recur(rng, s, e, 0, 40, 105, 125, late_p=0.05, late_lo=5, late_hi=30)
    add_documents(w, rng, ep.child[cl[seg]], w.cal.day(t), "pathway_plan")
    first = k == 0
    _assessment_before(w, rng, cl[seg[first]], w.cal.day(t[first]), 0.8)
    seg, t, _ = recur(rng, s, e, 30, 60, 105, 122, late_p=0.06, late_lo=5, late_hi=25)
    _meetings(w, cl, seg, t, "pathway_plan_review")


def adoption(w: World) -> None:
    """Children placed for adoption: adoption reviews (recorded as reviews of a child in care)
    4 weeks after placement, 3 months after that, then every 6 months; some late. (Visits:
    weekly until the first review, then every 6 weeks, in visits.py.)"""
    _reviews(w, w.rng("adoption"), w.ep.of(ADOPT), 15, 20, 50, 62, 105, 122, "cla_review")


def short_breaks(w: World) -> None:
    """Children in a series of short breaks: the plan reviewed (a child in need review) within 3
    months, then every 5 to 6 months; some late. A child also open to the disabled children's
    team has the plan reviewed at their CIN reviews instead. (Visits in the setting, with
    unannounced ones and the bedroom seen, in visits.py; supervision every 3 months in
    supervisions.py.)"""
    _reviews(w, w.rng("short_breaks"), w.ep.of(SB), 40, 55, 100, 122, 100, 122, "cin_review")

