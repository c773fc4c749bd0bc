"""Journeys: the order and timing of a child's episodes, from the referral to the last stage.

A journey is named by its *path*, its last stage. Every path starts at the front door (a
referral received, a decision a few working days later) and goes on:

* early help: an early help episode;
* child in need, disabled children: a CIN episode (held by the disabled children's team for a
  disabled child, some of whom are also recorded as child in need), sometimes with a section 47
  enquiry that led to no conference;
* child protection: CIN, a section 47 enquiry, an initial conference and a CP plan (with CIN
  alongside for some), and for some closed plans a step down to CIN;
* in care, care leaver, adoption: into care straight away, via CIN, or via a CP plan; a care
  leaver left care at 18, a child placed for adoption left care for an adoption placement;
* private fostering: the notification is the referral; a CIN plan alongside for some;
* short breaks: a disabled child in a series of short breaks, some also open to the disabled
  children's team.

:func:`place_journeys` draws every random quantity first, then finds dates so that an open
journey's last stage is open at the audit date and a closed one ended at a target date.
"""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import Calendar, exactly, pick, ri
from casecheck.sample.tables import ADOPT, CIN, CL, CLA, CP, DC, EH, PF, S47, SB

# paths, named by the last stage
P_EH, P_CIN, P_DC, P_CP, P_CLA, P_CL, P_PF, P_SB, P_ADOPT = range(9)
_CARE_PATHS = [P_CLA, P_CL, P_ADOPT]


def _draw(rng: np.random.Generator, path: np.ndarray, is_open: np.ndarray, years: int) -> dict:
    """Every random quantity a journey needs, before its dates are known."""
    n = len(path)
    p: dict[str, np.ndarray] = {"path": path, "open": is_open}
    # front door: decision the same day, the next, or a few days later
    p["dec_wd"] = np.choose(pick(rng, [0.35, 0.55, 0.10], n), [0, 1, ri(rng, 2, 5, n)])
    # into care via a CP plan, via CIN, or straight in (emergency / accommodation)
    route = pick(rng, [0.55, 0.25, 0.20], n)
    care = np.isin(path, _CARE_PATHS)
    p["via_cp"] = (path == P_CP) | (care & (route == 0))
    p["via_cin"] = care & (route == 1)
    p["direct"] = care & (route == 2)
    by = 2 * path + is_open  # exact shares of each path's open and closed journeys

    def some(of_path, share):
        return exactly(rng, np.where(path == of_path, by, -1), share)

    p["pf_cin"] = some(P_PF, 0.3)  # private fostering with a CIN plan
    p["sb_dc"] = some(P_SB, 0.4)  # short breaks, also open to the disabled children's team
    p["dc_cin"] = some(P_DC, 0.5)  # a disabled child also recorded as child in need
    p["has_cin1"] = (
        np.isin(path, [P_CIN, P_DC, P_CP]) | p["via_cp"] | p["via_cin"] | p["pf_cin"]
    )
    # section 47: soon after the referral (a strategy discussion on the concern), or a new
    # concern weeks into CIN work
    quick = rng.random(n) < 0.3
    p["pre_wd"] = np.where(quick, pick(rng, [0.5, 0.35, 0.15], n), ri(rng, 10, 130, n))
    p["s47_wd"] = np.where(rng.random(n) < 0.9, ri(rng, 5, 15, n), ri(rng, 16, 25, n))
    p["icpc_wd"] = np.where(rng.random(n) < 0.9, ri(rng, 8, 15, n), ri(rng, 16, 25, n))
    p["concurrent"] = p["via_cp"] & (rng.random(n) < 0.4)
    p["cp_dur"] = ri(rng, 60, 450, n)
    p["step_down"] = (path == P_CP) & ~is_open & (rng.random(n) < 0.5)
    p["nfa_s47"] = np.isin(path, [P_CIN, P_DC]) & (rng.random(n) < 0.12)
    p["nfa_frac"] = rng.uniform(0.1, 0.7, n)
    # time in care before the last stage: care leavers mostly came in as teenagers; children
    # placed for adoption after care proceedings
    p["cla_dur"] = np.where(
        path == P_ADOPT,
        150 + np.minimum(rng.exponential(250, n).astype(np.int64), 700),
        120 + np.minimum(rng.exponential(250, n).astype(np.int64), 6 * 365),
    )
    # the last stage: time so far if open, whole length if closed
    cap = max(int(years * 365 * 0.9), 60)

    def expo(mean, top):
        return np.minimum(rng.exponential(mean, n).astype(np.int64), top)

    so_far = np.select(
        [path == P_EH, np.isin(path, [P_CIN, P_DC]), path == P_CP, path == P_CLA,
         path == P_PF, path == P_SB, path == P_ADOPT],
        [ri(rng, 0, 240, n), expo(150, cap), expo(150, 700), expo(240, cap),
         expo(200, cap), expo(500, cap), ri(rng, 0, 330, n)],
        default=0,
    )  # fmt: skip
    closed_len = np.select(
        [path == P_EH, np.isin(path, [P_CIN, P_DC]), p["step_down"], path == P_CP,
         path == P_PF, path == P_SB, path == P_ADOPT],
        [ri(rng, 40, 300, n), 60 + expo(150, 540), ri(rng, 60, 240, n), ri(rng, 90, 450, n),
         40 + expo(200, 700), 120 + expo(300, 900), ri(rng, 100, 400, n)],
        default=30 + expo(200, 900),
    )  # fmt: skip
    # care leavers: aged 18-25 at the audit date, younger ones commoner
    age_cl = 18 + 6.9 * rng.random(n) ** 3.5
    p["final_dur"] = np.where(
        path == P_CL, (age_cl - 18) * 365.25, np.where(is_open, so_far, closed_len)
    ).astype(np.int64)
    # an enquiry that led nowhere happens inside a CIN episode, so only in the longer ones; for
    # an exact share of open CIN cases, a new concern in the last weeks (so that a month's audit
    # of a small sample has enquiries in it)
    p["nfa_s47"] &= p["final_dur"] > 90
    recent = some(P_CIN, 0.1) & is_open & (p["final_dur"] > 40)
    p["recent_wd"] = np.where(recent, ri(rng, 4, 18, n), -1)
    p["nfa_s47"] |= p["recent_wd"] >= 0
    return p


def _forward(cal: Calendar, J: np.ndarray, p: dict) -> dict[str, np.ndarray]:
    """Stage dates of every journey, its referral received on ``J``."""
    path, fd = p["path"], p["final_dur"]
    s: dict[str, np.ndarray] = {}
    # front door
    R = cal.next(J)
    dec = cal.add(R, p["dec_wd"])
    s["R"], s["dec"] = R, dec
    s["eh_end"] = dec + fd  # early help, private fostering, short breaks: one stage after dec
    # section 47 enquiry (strategy discussion on its first day), conference, CP plan
    nfa_wd = (p["nfa_frac"] * fd * 5 / 7).astype(np.int64)
    S = np.where(p["nfa_s47"], cal.add(dec, np.maximum(nfa_wd, 5)), cal.add(dec, p["pre_wd"]))
    # (a recent concern: a few working days before the end of the CIN stage, the audit date)
    S = np.where(p["recent_wd"] >= 0, cal.day(cal.floor_idx(dec + fd) - p["recent_wd"]), S)
    icpc = cal.add(S, p["icpc_wd"])
    s47_end = cal.add(S, p["s47_wd"])
    s["S"], s["icpc"] = S, icpc
    s["s47_end"] = np.where(p["via_cp"], np.minimum(s47_end, icpc), s47_end)
    cp_final = (path == P_CP) & ~p["step_down"]
    s["cp_end"] = cp_end = cal.next(icpc + np.where(cp_final, fd, p["cp_dur"]))
    s["cin2_end"] = cp_end + fd
    # care, then leaving care or adoption
    s["cla_start"] = cla_start = np.select(
        [p["via_cp"], p["via_cin"]], [cp_end, cal.add(dec, np.maximum(p["pre_wd"], 10))],
        default=dec,
    )
    s["cla_end"] = cla_end = cla_start + np.where(np.isin(path, [P_CL, P_ADOPT]), p["cla_dur"], fd)
    s["cl_end"] = cla_end + fd
    # child in need from the decision, until the case closes, the child comes into care or
    # (unless CIN carries on alongside) the CP plan starts
    s["cin1_end"] = np.select(
        [np.isin(path, [P_CIN, P_DC]) | p["pf_cin"], p["via_cin"], p["concurrent"]],
        [s["eh_end"], cla_start, cp_end],
        default=icpc,
    )
    # the last stage's (virtual, if open) end
    s["V"] = np.select(
        [np.isin(path, [P_EH, P_PF, P_SB]), np.isin(path, [P_CIN, P_DC]), p["step_down"],
         path == P_CP, path == P_CLA],
        [s["eh_end"], s["cin1_end"], s["cin2_end"], cp_end, cla_end],
        default=s["cl_end"],
    )  # fmt: skip
    return s


def place_journeys(rng, cal: Calendar, path, is_open, A: int, years: int, target=None):
    """Draw journeys and place them in time: open ones so their last stage is open at ``A``;
    closed ones ending at ``target`` (drawn within the history when not given).
    Returns (random quantities, stage dates)."""
    n = len(path)
    p = _draw(rng, path, is_open, years)
    J0 = np.full(n, A - 4000, dtype=np.int64)
    L = _forward(cal, J0, p)["V"] - J0
    if target is None:
        room = np.maximum(years * 365 - 14 - L, 30)
        target = np.where(is_open, A, A - 1 - (rng.random(n) * room).astype(np.int64))
    J = target - L
    s = _forward(cal, J, p)
    over = s["V"] - target
    J = np.where(over > 0, J - 7 * ((over + 6) // 7), J)
    return p, _forward(cal, J, p)


#: how an episode links to a referral: none, the journey's, or the one behind its s47 enquiry
REF_NONE, REF_JOURNEY, REF_S47 = 0, 1, 2


def episodes_from_journeys(p, s, child, jid) -> dict[str, np.ndarray]:
    """One row per episode: child, journey, type, start, end, open, quiet (the day it goes quiet:
    CIN while a CP plan runs), shadow (a twin episode whose work is recorded on the other: the
    private fostering beside a CIN plan, the CIN record of a disabled child), ref (REF_*)."""
    path, is_open = p["path"], p["open"]
    cp_final_open = is_open & (path == P_CP)
    big = np.iinfo(np.int64).max // 4
    rows = []
    no = np.zeros(len(path), bool)

    def add(mask, etype, start, end, open_, ref, quiet=None, shadow=None):
        i = np.nonzero(mask)[0]
        m = len(i)

        def col(x, fill):
            return np.full(m, fill) if x is None else (x[i] if np.ndim(x) else np.full(m, x))

        rows.append((child[i], jid[i], col(etype, 0), start[i], end[i], open_[i],
                     col(quiet, big), col(shadow, False), col(ref, 0)))  # fmt: skip

    add(path == P_EH, EH, s["dec"], s["eh_end"], is_open, REF_JOURNEY)
    cin1_open = (
        (np.isin(path, [P_CIN, P_DC]) & is_open)
        | (p["concurrent"] & cp_final_open)
        | (p["pf_cin"] & is_open)
    )
    quiet = np.where(p["concurrent"], s["icpc"], big)
    add(p["has_cin1"], np.where(path == P_DC, DC, CIN), s["dec"], s["cin1_end"], cin1_open,
        REF_JOURNEY, quiet)  # fmt: skip
    add(p["dc_cin"], CIN, s["dec"], s["cin1_end"], cin1_open, REF_JOURNEY, shadow=True)
    add(p["via_cp"] | p["nfa_s47"], S47, s["S"], s["s47_end"], no, REF_S47)
    add(p["via_cp"], CP, s["icpc"], s["cp_end"], cp_final_open, REF_S47)
    add(p["step_down"], CIN, s["cp_end"], s["cin2_end"], no, REF_NONE)
    add(np.isin(path, _CARE_PATHS), CLA, s["cla_start"], s["cla_end"], is_open & (path == P_CLA),
        np.where(p["direct"], REF_JOURNEY, REF_NONE))  # fmt: skip
    add(path == P_CL, CL, s["cla_end"], s["cl_end"], is_open, REF_NONE)
    add(path == P_ADOPT, ADOPT, s["cla_end"], s["cl_end"], is_open, REF_NONE)
    add(path == P_PF, PF, s["R"], s["eh_end"], is_open, REF_JOURNEY, shadow=p["pf_cin"])
    add(path == P_SB, SB, s["dec"], s["eh_end"], is_open, REF_JOURNEY, shadow=p["sb_dc"])
    add(p["sb_dc"], DC, s["dec"], s["eh_end"], is_open, REF_JOURNEY)
    names = ["child", "journey", "type", "start", "end", "open", "quiet", "shadow", "ref"]
    return {k: np.concatenate(c) for k, c in zip(names, zip(*rows, strict=True), strict=True)}
