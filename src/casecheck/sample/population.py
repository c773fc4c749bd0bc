"""The children: which journey each is on, their episodes, dates of birth, and the lapses planted
on their episodes."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NO_DATE, add_years, exactly, pick, ri, shares
from casecheck.sample.journeys import (
    P_ADOPT,
    P_CIN,
    P_CL,
    P_CLA,
    P_CP,
    P_DC,
    P_EH,
    P_PF,
    P_SB,
    episodes_from_journeys,
    place_journeys,
)
from casecheck.sample.world import Episodes, World

#: what each child is open to at the audit date (or "closed": history only), and how common;
#: private fostering, short breaks and adoption are rarer in life than here, so that a sample of
#: a few hundred children has some of each
MIX = {
    "closed": 0.235,
    P_EH: 0.205,
    P_CIN: 0.205,
    P_CP: 0.09,
    P_CLA: 0.14,
    P_CL: 0.055,
    P_PF: 0.02,
    P_SB: 0.025,
    P_ADOPT: 0.025,
}
#: the share of children in need who are disabled (held by the disabled children's team)
DISABLED_CIN = 0.15


def children_and_episodes(w: World) -> None:
    """Draw each child's journeys (one ending in what the child is open to now, or a closed one;
    an earlier closed early help or CIN journey for some), their episodes within the history
    window, dates of birth that fit them, gender and disability; set ``w.ep``."""
    rng = w.rng("children")
    N, A, H = w.N, w.A, w.H
    kinds = list(MIX)
    cat = shares(rng, N, list(MIX.values()))
    closed_path = np.choose(pick(rng, [0.35, 0.35, 0.18, 0.12], N), [P_EH, P_CIN, P_CP, P_CLA])
    main_path = np.array([-1 if k == "closed" else k for k in kinds])[cat]
    main_open = main_path >= 0
    main_path = np.where(main_open, main_path, closed_path)
    cin = np.where(main_path == P_CIN, main_open.astype(np.int64), -1)
    main_path = np.where(exactly(rng, cin, DISABLED_CIN), P_DC, main_path)
    child = np.arange(N, dtype=np.int64)
    p_main, s_main = place_journeys(rng, w.cal, main_path, main_open, A, w.years)

    # earlier, closed journeys (early help or CIN) for some children
    fresh = ~np.isin(main_path, [P_CL, P_ADOPT, P_PF])
    has_prior = (rng.random(N) < np.where(main_open, 0.18, 0.15)) & fresh
    pc = np.nonzero(has_prior)[0]
    prior_path = np.where(rng.random(len(pc)) < 0.5, P_EH, P_CIN)
    prior_target = s_main["R"][pc] - ri(rng, 60, 900, len(pc))
    p_prior, s_prior = place_journeys(
        rng, w.cal, prior_path, np.zeros(len(pc), bool), A, w.years, target=prior_target
    )
    jchild = np.concatenate([child, pc])
    jp = {k: np.concatenate([p_main[k], p_prior[k]]) for k in p_main}
    js = {k: np.concatenate([s_main[k], s_prior[k]]) for k in s_main}
    w.journeys = {"p": jp, "s": js, "child": jchild}
    w.child, w.main_path = child, main_path

    e = episodes_from_journeys(jp, js, jchild, np.arange(len(jchild), dtype=np.int64))
    # nothing after the audit date; episodes that closed before the window are not in the extract
    e["start"] = np.minimum(e["start"], A)
    e["end"] = np.where(e["open"], A, np.minimum(np.maximum(e["end"], e["start"]), A))
    keep = e["open"] | (e["end"] >= H)
    ep = Episodes(**{k: v[keep] for k, v in e.items()})
    w.ep = ep

    # dates of birth: old enough for the first episode, under 18 unless a care leaver (who left
    # care on the 18th birthday); children placed for adoption came into care young
    first_start = np.full(N, A, dtype=np.int64)
    np.minimum.at(first_start, ep.child, ep.start)
    age_lo = np.maximum(A - first_start + 14, 1)
    age_hi = int(18 * 365.25) - 2
    dob = A - (age_lo + rng.random(N) * np.maximum(age_hi - age_lo, 0)).astype(np.int64)
    young = main_path == P_ADOPT
    dob[young] = first_start[young] - ri(rng, 14, 900, int(young.sum()))
    is_cl = main_path == P_CL
    dob[is_cl] = add_years(js["cla_end"][:N][is_cl], -18)
    w.dob = dob
    gender = pick(rng, [0.51, 0.485, 0.005], N)
    disabled = np.isin(main_path, [P_DC, P_SB])
    disability = np.where(disabled, 1, pick(rng, [0.87, 0.08, 0.05], N))
    w.draft.add(
        "children",
        child_id=child,
        date_of_birth=dob,
        gender=np.where(gender == 2, -1, gender),
        disability=np.where(disability == 2, -1, disability),
    )

    # working-day indexes
    cal, A_idx = w.cal, w.A_idx
    ep.s_idx = cal.ceil_idx(ep.start)
    ep.e_idx = np.where(ep.open, A_idx, cal.floor_idx(ep.end))
    quiet_idx = np.where(
        ep.quiet < A + 10**6, cal.ceil_idx(np.minimum(ep.quiet, A + 300)) - 1, A_idx
    )
    ep.act_idx = np.minimum(ep.e_idx, quiet_idx)  # CIN goes quiet while a CP plan runs

    # lapses, in exact shares of each type of episode (at least one of three or more): those open
    # for three months or more (not shadows) where visits or supervision have slipped now, and
    # those (open or not) where they sometimes slipped; chronologies stale
    open_type = np.where(ep.open & ~ep.shadow & (ep.start <= A - 90), ep.type, -1)
    ep.cur_visit_lapse = exactly(rng, open_type, 0.065, min_one=3)
    ep.visit_lapse = ep.cur_visit_lapse | exactly(rng, ep.type, 0.07)
    ep.cur_sup_lapse = exactly(rng, open_type, 0.06, min_one=3)
    ep.sup_lapse = ep.cur_sup_lapse | exactly(rng, ep.type, 0.06)
    ep.chron_stale = exactly(rng, ep.type, 0.10)


def record_episodes(w: World) -> None:
    """Add the episodes table (once the front door has linked each episode to its referral)."""
    ep = w.ep
    w.draft.add(
        "episodes",
        child_id=ep.child,
        episode_type=ep.type,
        start_date=ep.start,
        end_date=np.where(ep.open, NO_DATE, ep.end),
        team=ep.team,
        worker_id=ep.worker,
        allocated_date=ep.allocated,
        referral_id=ep.referral,
    )
