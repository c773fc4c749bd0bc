"""Early help: team around the family meetings, managers' key reviews, the early help assessment
updated at each meeting, and the closure letter."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NEVER, NO_DATE, add_years, lag, lapse_now, recur
from casecheck.sample.tables import DOC, EH, MEET
from casecheck.sample.world import World


def early_help(w: World) -> None:
    """Early help episodes' own events (their visits, supervision, plans and first contact are
    drawn with everyone's in visits.py, supervisions.py, documents.py and contacts.py).

    * Team around the family (TAF) meetings every 4 to 6 weeks from 2 to 5 weeks after opening,
      sometimes late; before a closure, a last TAF 2 to 3 weeks before it for four in five, a
      later one (in the last fortnight) for some, none in the last month for one in eight; for
      one open episode in sixteen, overdue now.
    * The early help assessment updated at each TAF after the first (the update completed on
      the day for most), except at about one TAF in nine.
    * Managers' key reviews at 3 and 6 months: on time for most, some weeks late for some,
      missed for a few.
    * A closure letter to the child within a few days of closing for most, a few weeks later for
      some, none for one in ten.
    """
    rng = w.rng("early_help")
    ep, cal, A = w.ep, w.cal, w.A
    eh = ep.of(EH)
    s, e, closed = ep.s_idx[eh], ep.e_idx[eh], ~ep.open[eh]
    n = len(eh)

    # TAF meetings; the last before a closure 2-3 weeks before it (days, to a working day)
    band = lag(rng, n, [0.80, 0.08, 0.12], [(15, 19), (2, 9), (30, 60)])
    last = np.where(closed & (band < 30), cal.floor_idx(ep.end[eh] - band), -1)
    stop = np.where(closed, cal.floor_idx(ep.end[eh] - np.where(band < 30, 22, band)), e)
    stop = lapse_now(rng, s, stop, ~closed, 0.06, 30, w.A_idx)
    seg, t, k = recur(rng, s, stop, 10, 25, 20, 30, late_p=0.08, late_lo=5, late_hi=20)
    lk = np.nonzero(last > s)[0]
    taf_ep = np.concatenate([eh[seg], eh[lk]])
    taf_t = np.concatenate([t, last[lk]])
    taf_first = np.concatenate([k == 0, np.zeros(len(lk), bool)])
    taf_day = cal.day(taf_t)
    w.draft.add("meetings", child_id=ep.child[taf_ep], meeting_type=MEET["taf"], meeting_date=taf_day)

    # the early help assessment updated at the meeting
    up = np.nonzero(~taf_first & (rng.random(len(taf_t)) < 0.89))[0]
    done = cal.day(taf_t[up] + lag(rng, len(up), [0.7, 0.3], [(0, 0), (1, 3)]))
    auth = cal.add(done, lag(rng, len(up), [0.6, 0.4], [(0, 0), (1, 3)]))
    w.draft.add(
        "assessments",
        child_id=ep.child[taf_ep[up]],
        assessment_type=1,
        start_date=taf_day[up],
        completed_date=np.where(done > A, NO_DATE, done),
        authorised_date=np.where((done > A) | (auth > A), NO_DATE, auth),
    )

    # managers' key reviews at 3 and 6 months
    for months in (3, 6):
        due = add_years(ep.start[eh], 0, months)
        off = lag(rng, n, [0.85, 0.08, 0.07], [(-10, 7), (15, 45), None])
        day = due + off
        ok = (off != NEVER) & (day <= ep.end[eh]) & (day <= A)
        w.draft.add(
            "meetings",
            child_id=ep.child[eh[ok]],
            meeting_type=MEET["key_review"],
            meeting_date=cal.next(day[ok]),
        )

    # closure letters
    cl = np.nonzero(closed)[0]
    days = lag(rng, len(cl), [0.8, 0.1, 0.1], [(0, 5), (6, 20), None])
    when = ep.end[eh[cl]] + days
    ok = (days >= 0) & (when <= A)
    w.draft.add(
        "documents",
        child_id=ep.child[eh[cl[ok]]],
        document_type=DOC["closure_letter"],
        document_date=when[ok],
        created_date=when[ok],
    )

