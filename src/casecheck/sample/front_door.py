"""The front door: referrals and their decisions, the referral behind each episode, and
assessments."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NO_DATE, lag, lapse_now, pick, recur, ri
from casecheck.sample.journeys import P_EH, REF_JOURNEY, REF_S47
from casecheck.sample.tables import CL, EH, OUTCOME, PF, S47
from casecheck.sample.world import World


def _decision_lag(rng, n: int) -> np.ndarray:
    """Working days from a contact to its decision: mostly the same or the next day."""
    return lag(rng, n, [0.35, 0.55, 0.10], [(0, 0), (1, 1), (2, 5)])


def front_door(w: World) -> None:
    """Referrals and assessments.

    Draws one referral per journey whose first stage is in the extract (its decision as the
    journey was placed: about one in ten later than the next working day), a referral for each
    section 47 enquiry that did not follow its journey's referral within three working days (a
    new concern: received the day of the strategy discussion for three in four, a day or more
    before it for the rest), and one or two contacts that went no further for a third of
    children. Numbers every referral in order of receipt and links each episode to the referral
    that led to it (an enquiry and its CP plan to the enquiry's). Draws an assessment per
    journey (early help or child and family): most complete within 45 working days, one in ten
    later, a few open children's stuck; authorised on the day for most, later for some; and a
    child and family assessment updated about every 11 months while social care stays open
    (occasionally a month or two late; for one open case in sixteen, overdue now).
    """
    rng = w.rng("front_door")
    ep, cal, A, H = w.ep, w.cal, w.A, w.H
    jp, js, jchild = w.journeys["p"], w.journeys["s"], w.journeys["child"]
    n_j = len(jchild)

    # journeys whose first stage is in the extract
    stage0 = (ep.start == np.minimum(js["dec"][ep.journey], A)) | (ep.type == PF)
    first_ep = np.full(n_j, len(ep), dtype=np.int64)
    np.minimum.at(first_ep, ep.journey[stage0], np.nonzero(stage0)[0])
    jk = np.nonzero(first_ep < len(ep))[0]
    j_path = jp["path"][jk]
    recv, dec = js["R"][jk], js["dec"][jk]

    # the referral behind each section 47 enquiry
    s47 = np.nonzero(ep.type == S47)[0]
    sj = ep.journey[s47]
    has_ref = first_ep < len(ep)
    near = has_ref[sj] & (cal.ceil_idx(ep.start[s47]) - cal.ceil_idx(js["R"][sj]) <= 3)
    new = s47[~near]
    c_lag = lag(rng, len(new), [0.75, 0.18, 0.04, 0.03], [(0, 0), (1, 1), (2, 2), (3, 5)])
    c_recv = cal.day(cal.ceil_idx(ep.start[new]) - c_lag)
    c_dec = np.minimum(cal.add(c_recv, np.where(rng.random(len(new)) < 0.85, 0, 1)), ep.start[new])

    # contacts that went no further
    n_extra = pick(rng, [0.65, 0.27, 0.08], w.N)
    x_child = np.repeat(w.child, n_extra)
    lo = np.maximum(H, w.dob[x_child] + 30)
    x_recv = cal.next(lo + (rng.random(len(x_child)) * np.maximum(A - lo, 0)).astype(np.int64))
    x_dec = cal.add(x_recv, _decision_lag(rng, len(x_child)))
    # (not on a day the child already has a referral)
    taken = np.concatenate([jchild[jk], ep.child[new]]) * (1 << 32) + np.concatenate([recv, c_recv])
    key = x_child * (1 << 32) + x_recv
    first = np.zeros(len(key), bool)
    first[np.unique(key, return_index=True)[1]] = True
    xk = (x_recv <= A) & first & ~np.isin(key, taken)
    x_out = np.where(rng.random(len(x_child)) < 0.55, OUTCOME["nfa"], OUTCOME["information_advice"])

    child = np.concatenate([jchild[jk], ep.child[new], x_child[xk]])
    received = np.concatenate([recv, c_recv, x_recv[xk]])
    decided = np.concatenate([dec, c_dec, x_dec[xk]])
    outcome = np.concatenate([
        np.where(j_path == P_EH, OUTCOME["early_help"], OUTCOME["assessment"]),
        np.full(len(new), OUTCOME["s47"]),
        x_out[xk],
    ])  # fmt: skip
    received = np.minimum(received, A)
    # referral numbers in order of receipt
    order = np.lexsort((child, received))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(1, len(order) + 1)
    w.draft.add(
        "referrals",
        child_id=child,
        referral_id=number,
        received_date=received,
        decision_date=np.where(decided > A, NO_DATE, decided),
        outcome=outcome,
    )

    # each episode's referral
    j_ref = np.full(n_j, -1, dtype=np.int64)
    j_ref[jk] = number[: len(jk)]
    j_s47_ref = np.full(n_j, -1, dtype=np.int64)
    j_s47_ref[sj[near]] = j_ref[sj[near]]
    j_s47_ref[ep.journey[new]] = number[len(jk) : len(jk) + len(new)]
    ep.referral = np.select(
        [ep.ref == REF_JOURNEY, ep.ref == REF_S47], [j_ref[ep.journey], j_s47_ref[ep.journey]], -1
    )

    _assessments(w, rng, jk, first_ep[jk])


def _assessments(w: World, rng, jk: np.ndarray, j_ep: np.ndarray) -> None:
    """An assessment per journey with a referral in the extract, and yearly updates of child and
    family assessments while the child stays open to social care."""
    ep, cal, A = w.ep, w.cal, w.A
    jp, js = w.journeys["p"], w.journeys["s"]
    n_j = len(w.journeys["child"])
    na = len(jk)
    start = cal.add(js["dec"][jk], ri(rng, 0, 3, na))
    dur = lag(rng, na, [0.7, 0.2, 0.1], [(10, 40), (41, 45), (46, 75)])
    done = cal.add(start, dur)
    auth = cal.add(done, lag(rng, na, [0.6, 0.3, 0.1], [(0, 0), (1, 3), (4, 10)]))
    stuck = jp["open"][jk] & (start > A - 150) & (rng.random(na) < 0.06)
    done_null = (done > A) | stuck
    keep = start <= A
    a_type = np.where(jp["path"][jk] == P_EH, 1, 0)  # 1 early help, 0 child and family
    # social care assessments are updated about every 11 months while the child stays open
    sc = np.nonzero(~np.isin(ep.type, [EH, CL, S47]) & ~ep.shadow)[0]
    j_last = np.full(n_j, -1, dtype=np.int64)
    np.maximum.at(j_last, ep.journey[sc], ep.e_idx[sc])
    j_open = np.zeros(n_j, bool)
    j_open[ep.journey[sc[ep.open[sc]]]] = True
    ra = np.nonzero((a_type == 0) & ~done_null)[0]
    r_s = cal.floor_idx(done[ra])
    r_e = lapse_now(rng, r_s, j_last[jk[ra]], j_open[jk[ra]], 0.06, 215, w.A_idx)
    seg, t, _ = recur(
        rng, r_s, r_e, 185, 215, 185, 215,
        late_p=0.06, late_lo=20, late_hi=60,
    )  # fmt: skip
    nr = len(seg)
    r_start = cal.day(t)
    r_done = cal.day(t + ri(rng, 10, 30, nr))
    r_auth = cal.add(r_done, ri(rng, 0, 3, nr))
    r_ep = ep.at(jk[ra[seg]], r_start, sc)
    r_ep = np.where(r_ep >= 0, r_ep, j_ep[ra[seg]])
    child = np.concatenate([w.journeys["child"][jk[keep]], w.journeys["child"][jk[ra[seg]]]])
    start = np.concatenate([start[keep], r_start])
    done = np.concatenate([done[keep], r_done])
    auth = np.concatenate([auth[keep], r_auth])
    a_type = np.concatenate([a_type[keep], np.zeros(nr, np.int64)])
    done_null = np.concatenate([done_null[keep], r_done > A])
    no = NO_DATE
    w.draft.add(
        "assessments",
        child_id=child,
        assessment_type=a_type,
        start_date=start,
        completed_date=np.where(done_null, no, done),
        authorised_date=np.where(done_null | (auth > A), no, auth),
    )
    # child and family assessments, for management oversight while they run (supervisions.py)
    cf = a_type == 0
    a_ep = np.concatenate([j_ep[keep], r_ep])
    w.assessments = {
        "episode": a_ep[cf],
        "start": start[cf],
        "done": np.where(done_null, A + 1, done)[cf],
    }
