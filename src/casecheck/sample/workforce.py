"""Teams, workers and managers, and who holds each episode: allocation, and a change of worker
part-way through some long episodes."""

from __future__ import annotations

import numpy as np
import polars as pl

from casecheck.sample.draw import lag
from casecheck.sample.tables import (
    ADOPT,
    CIN,
    CL,
    CLA,
    CP,
    DC,
    EH,
    FIRST_NAMES,
    PF,
    S47,
    SB,
    SURNAMES,
    T_ASSESS,
    T_CIC,
    T_DC,
    T_EHN,
    T_EHS,
    T_IRO,
    T_LC,
    T_SG1,
    T_SG2,
    TEAMS,
    by_type,
)
from casecheck.sample.world import World

#: each team's practitioners' role (ROLES code) and caseload (open episodes per practitioner)
_TEAM_ROLE = np.array([2, 2, 1, 1, 1, 1, 3, 1, 4])
_TEAM_CASELOAD = np.array([16, 16, 12, 16, 16, 15, 20, 15, 50])
#: the team of each episode type (-1: drawn per child below)
_TYPE_TEAM = by_type(cla=T_CIC, cl=T_LC, dc=T_DC, s47=T_ASSESS, sb=T_DC, adopt=T_CIC, other=-1)
#: episode types long enough for a change of worker
_LONG = [CIN, CP, CLA, CL, DC, PF, SB, ADOPT]


def teams_and_workers(w: World) -> None:
    """Size each team by its open work, draw its workers (a manager for every eight
    practitioners, one team of independent reviewing officers), and give every episode a team, a
    worker, the worker's manager, an allocation date (mostly the day it opened) and, for a
    quarter of long open episodes, a change of worker part-way through (the allocation date is
    then the day the current worker took over)."""
    rng = w.rng("workforce")
    ep, N, A = w.ep, w.N, w.A
    jp = w.journeys["p"]
    n_j = len(w.journeys["child"])
    eh_team = np.where(rng.random(N) < 0.5, T_EHN, T_EHS)
    sg_team = np.where(rng.random(N) < 0.5, T_SG1, T_SG2)
    team = _TYPE_TEAM[ep.type]
    team = np.where(ep.type == EH, eh_team[ep.child], team)
    team = np.where(np.isin(ep.type, [CIN, CP, PF]), sg_team[ep.child], team)
    team = np.where((ep.type == CIN) & jp["dc_cin"][ep.journey], T_DC, team)
    open_per_team = np.bincount(team[ep.open], minlength=len(TEAMS))
    # s47 enquiries are never open for long: size the assessment team by a year's enquiries
    recent_s47 = int(((ep.type == S47) & (ep.start > A - 365)).sum())
    open_per_team[T_ASSESS] = max(open_per_team[T_ASSESS], recent_s47 // 2)
    open_per_team[T_IRO] = int((ep.open & np.isin(ep.type, [CLA, ADOPT])).sum())
    n_prac = np.maximum(2, -(-open_per_team // _TEAM_CASELOAD))
    n_mgr = np.maximum(1, -(-n_prac // 8))
    size = n_mgr + n_prac
    off = np.cumsum(size) - size
    n_workers = int(size.sum())
    w_team = np.repeat(np.arange(len(TEAMS)), size)
    w_pos = np.arange(n_workers) - off[w_team]
    w_is_mgr = w_pos < n_mgr[w_team]
    w_manager = np.where(w_is_mgr, -1, off[w_team] + (w_pos - n_mgr[w_team]) // 8)
    names = pl.Series(FIRST_NAMES).gather(rng.integers(0, len(FIRST_NAMES), n_workers))
    names = names + " " + pl.Series(SURNAMES).gather(rng.integers(0, len(SURNAMES), n_workers))
    w.draft.add(
        "workers",
        worker_id=np.arange(n_workers),
        worker_name=names.alias("worker_name"),
        team=w_team,
        manager=w_manager,
        role=np.where(w_is_mgr, 0, _TEAM_ROLE[w_team]),
    )

    def practitioner(teams, u):
        """The practitioner at fraction ``u`` of each team's list."""
        return off[teams] + n_mgr[teams] + (u * n_prac[teams]).astype(np.int64)

    # the same worker holds a journey's episodes within one team (twins included)
    j_u = rng.random(n_j)
    ep.team = team
    ep.worker = practitioner(team, j_u[ep.journey])
    ep.supervisor = w_manager[ep.worker]
    w.workers = {"manager": w_manager, "practitioner": practitioner}

    # allocation: mostly the day the episode opens (an enquiry always is)
    j_lag = lag(rng, n_j, [0.9, 0.07, 0.03], [(0, 0), (1, 2), (3, 8)])
    ep.first_alloc = np.minimum(w.cal.add(ep.start, np.where(ep.type == S47, 0, j_lag[ep.journey])), A)
    # a change of worker, the same day for a journey's open episodes
    long_open = ep.open & np.isin(ep.type, _LONG) & (ep.start < A - 270)
    latest = np.full(n_j, -(10**9), dtype=np.int64)
    np.maximum.at(latest, ep.journey[long_open], ep.start[long_open])
    moved_j = (rng.random(n_j) < 0.25) & (latest > -(10**9))
    when_j = latest + 120 + (rng.random(n_j) * np.maximum(A - 10 - latest - 120, 0)).astype(np.int64)
    moved = long_open & moved_j[ep.journey]
    ep.allocated = np.where(moved, w.cal.next(when_j[ep.journey]), ep.first_alloc)
    ep.allocated = np.minimum(ep.allocated, ep.end)  # (the audit date for an open episode)
    ep.first_alloc = np.minimum(ep.first_alloc, ep.end)
    # the worker before: another practitioner in the same team
    step = 1 + (rng.random(n_j)[ep.journey] * (n_prac[team] - 1)).astype(np.int64)
    pos = ep.worker - off[team] - n_mgr[team]
    ep.prev_worker = np.where(moved, off[team] + n_mgr[team] + (pos + step) % n_prac[team], ep.worker)
    # an independent reviewing officer for children in care (and placed for adoption)
    ep.iro = practitioner(np.full(len(ep), T_IRO), rng.random(len(ep)))
