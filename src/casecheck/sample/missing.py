"""Missing episodes of children in care, return interviews and the visits after return."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NO_DATE, exactly, lag, ri
from casecheck.sample.tables import CLA
from casecheck.sample.visits import AFTER_MISSING, record_visits
from casecheck.sample.world import World


def missing_episodes(w: World) -> None:
    """Missing episodes for about one in seven children in care (one to five each, back the same
    day, the next, or two or three days later; and for one in eight children in care for two
    months or more, one in the last four weeks, so that a month's audit of a small sample has
    some), with a return interview within 3 days for most, 4 to 10 days for one in twelve, none
    recorded for one in sixteen; and a visit after the return
    within 72 hours (any day of the week) for most, 4 to 8 days later for some, none for one in
    twelve."""
    rng = w.rng("missing")
    ep, A = w.ep, w.A
    cla = ep.of(CLA)
    who = cla[exactly(rng, np.zeros(len(cla), np.int64), 0.15)]
    m_ep = np.repeat(who, ri(rng, 1, 5, len(who)))
    start = ep.start[m_ep] + (rng.random(len(m_ep)) * (ep.end[m_ep] - ep.start[m_ep])).astype(np.int64)
    recent = cla[exactly(rng, np.where(ep.open[cla] & (ep.start[cla] < A - 60), 0, -1), 0.12)]
    m_ep = np.concatenate([m_ep, recent])
    start = np.concatenate([start, A - ri(rng, 4, 26, len(recent))])
    n = len(m_ep)
    ret = start + lag(rng, n, [0.4, 0.35, 0.25], [(0, 0), (1, 1), (2, 3)])
    interview = ret + lag(rng, n, [0.86, 0.08, 0.06], [(0, 3), (4, 10), None])
    ret_null = ret > A
    int_null = (interview < ret) | (interview > A) | ret_null
    w.draft.add(
        "missing_episodes",
        child_id=ep.child[m_ep],
        start_date=start,
        return_date=np.where(ret_null, NO_DATE, ret),
        return_interview_date=np.where(int_null, NO_DATE, interview),
    )
    after = ret + lag(rng, n, [0.85, 0.07, 0.08], [(0, 3), (4, 8), None])
    mv = np.nonzero(~ret_null & (after >= ret) & (after <= A))[0]
    record_visits(w, rng, m_ep[mv], after[mv], np.full(len(mv), AFTER_MISSING))
