"""Placements: children in care, short-break arrangements and adoptive placements."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NO_DATE, pick, shares
from casecheck.sample.tables import ADOPT, CLA, LS, PLACE, SB
from casecheck.sample.world import Placements, World

#: placement types of children in care (SSDA903 PLACE) and how common; placed with parents (P1)
#: and with connected carers (U3) commoner than in life, so a small sample has some of each
_CARE_TYPES = {"U1": 0.05, "U2": 0.04, "U3": 0.12, "U4": 0.33, "U5": 0.13, "U6": 0.08,
               "K2": 0.11, "R1": 0.02, "P1": 0.12}  # fmt: skip
#: legal status (SSDA903 LS) for each placement type: placed with parents under a care order or
#: an interim care order; connected carers often under an interim order; the rest mostly full
#: care orders or s20
_LEGAL = {
    "P1": {"C2": 0.55, "C1": 0.45},
    "U3": {"C1": 0.45, "C2": 0.30, "V2": 0.25},
    "other": {"C2": 0.55, "C1": 0.15, "V2": 0.22, "E1": 0.04, "J1": 0.02, "L1": 0.02},
}


def _codes(table: dict[str, float], codes: dict[str, int]) -> np.ndarray:
    return np.array([codes[k] for k in table], dtype=np.int64)


def _draw_codes(rng, table: dict[str, float], codes: dict[str, int], n: int) -> np.ndarray:
    return _codes(table, codes)[pick(rng, list(table.values()), n)]


def placements(w: World) -> None:
    """Every placement, set as ``w.placements``.

    * Children in care: one to three placements per care episode (the first from the day care
      starts, the last open if the episode is); the type and legal status as above; permanence
      agreed for about a third of placements that lasted six months, between 4 and 18 months
      in; and for three in ten children who moved more than once, permanence agreed on an
      earlier placement that then broke down, none on the current one.
    * Short breaks: one arrangement per short-breaks episode, legal status V4 (agreement
      recorded) for most, V3 for the rest, in a children's home or with foster carers.
    * Adoption: the adoptive placement (A5/A6, placement order E1) from the day the adoption
      episode starts.
    """
    rng = w.rng("placements")
    ep, cal, A = w.ep, w.cal, w.A
    # children in care: split each care episode into one to three placements
    cla = np.nonzero(ep.type == CLA)[0]
    span = ep.end[cla] - ep.start[cla]
    n_pl = np.minimum(1 + pick(rng, [0.55, 0.30, 0.15], len(cla)), 1 + span // 60)
    pe = np.repeat(cla, n_pl)
    off = np.cumsum(n_pl) - n_pl
    k = np.arange(len(pe)) - np.repeat(off, n_pl)
    wgt = rng.gamma(2.0, 1.0, len(pe))
    cw = np.cumsum(wgt)
    if len(pe):
        total = np.add.reduceat(wgt, off)
        share = (cw - wgt - np.repeat(cw[off] - wgt[off], n_pl)) / np.repeat(total, n_pl)
    else:
        share = wgt
    pspan = np.repeat(span - 14 * (n_pl - 1), n_pl)
    start = ep.start[pe] + 14 * k + (share * pspan).astype(np.int64)
    start = np.minimum(np.where(k == 0, ep.start[pe], cal.next(start)), A)
    last = k == np.repeat(n_pl, n_pl) - 1
    end = np.where(last, ep.end[pe], np.append(start[1:], 0))
    is_open = last & ep.open[pe]
    ptype = _draw_codes(rng, _CARE_TYPES, PLACE, len(pe))
    op = np.nonzero(is_open)[0]  # the current placements: in exact shares
    ptype[op] = _codes(_CARE_TYPES, PLACE)[shares(rng, len(op), list(_CARE_TYPES.values()))]
    legal = np.full(len(pe), -1, dtype=np.int64)
    for kind, table in _LEGAL.items():
        m = ptype == PLACE[kind] if kind != "other" else ~np.isin(ptype, [PLACE["P1"], PLACE["U3"]])
        legal[m] = _draw_codes(rng, table, LS, int(m.sum()))
        mo = np.nonzero(m & is_open)[0]
        legal[mo] = _codes(table, LS)[shares(rng, len(mo), list(table.values()))]
    # permanence: agreed 4-18 months into a placement that lasted; or on an earlier placement that
    # broke down (the placement before the current one)
    length = np.where(is_open, A, end) - start
    perm = start + 120 + (rng.random(len(pe)) * (np.minimum(length, 548) - 120)).astype(np.int64)
    has_perm = (length > 180) & (rng.random(len(pe)) < 0.35) & (perm <= np.where(is_open, A, end))
    broke_ep = (n_pl >= 2) & (rng.random(len(cla)) < 0.3)
    before_last = np.repeat(broke_ep, n_pl) & (k == np.repeat(n_pl, n_pl) - 2) & (length >= 60)
    perm = np.where(before_last, start + (rng.random(len(pe)) * (length - 30)).astype(np.int64), perm)
    has_perm = (has_perm & ~(np.repeat(broke_ep, n_pl) & last)) | before_last

    # short breaks and adoption: one placement each, the length of the episode
    sb = ep.of(SB, active=False)
    ad = np.nonzero(ep.type == ADOPT)[0]
    one = np.concatenate([sb, ad])
    o_type = np.concatenate([
        _draw_codes(rng, {"K2": 0.4, "U4": 0.35, "U6": 0.25}, PLACE, len(sb)),
        _draw_codes(rng, {"A5": 0.45, "A6": 0.55}, PLACE, len(ad)),
    ])  # fmt: skip
    o_legal = np.concatenate([
        _draw_codes(rng, {"V4": 0.8, "V3": 0.2}, LS, len(sb)), np.full(len(ad), LS["E1"])
    ])  # fmt: skip

    p = Placements(
        episode=np.concatenate([pe, one]),
        start=np.concatenate([start, ep.start[one]]),
        end=np.concatenate([np.where(is_open, A, end), ep.end[one]]),
        open=np.concatenate([is_open, ep.open[one]]),
        type=np.concatenate([ptype, o_type]),
        legal=np.concatenate([legal, o_legal]),
        perm=np.concatenate([np.where(has_perm, perm, NO_DATE), np.full(len(one), NO_DATE)]),
        s_idx=np.zeros(0),
        e_idx=np.zeros(0),
    )
    p.s_idx = cal.ceil_idx(p.start)
    p.e_idx = np.where(p.open, w.A_idx, cal.floor_idx(p.end))
    w.placements = p
    # ids in order of the start date
    order = np.lexsort((ep.child[p.episode], p.start))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(1, len(order) + 1)
    w.draft.add(
        "placements",
        child_id=ep.child[p.episode],
        placement_id=number,
        start_date=p.start,
        end_date=np.where(p.open, NO_DATE, p.end),
        placement_type=p.type,
        legal_status=p.legal,
        permanence_agreed_date=p.perm,
    )


def current(w: World, eps: np.ndarray) -> np.ndarray:
    """The last placement of each of these episodes (index into ``w.placements``), -1 if none."""
    p = w.placements
    last = np.full(len(w.ep), -1, dtype=np.int64)
    np.maximum.at(last, p.episode, np.arange(len(p.episode)))
    return last[eps]
