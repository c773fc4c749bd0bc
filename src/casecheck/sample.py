"""Synthetic case records for demos, tests and benchmarks (``casecheck sample``).

:func:`generate_sample` builds the native tables (data contract section 1) of an imaginary local
authority: children with journeys through the front door (referral, assessment), early help,
child in need, section 47 enquiries, child protection plans, care and leaving care, and the
visits, supervisions, documents, meetings, placements and missing episodes that go with them.
Practice is mostly compliant with the standards in the catalogue, with a realistic mix of
lapses (gaps in visits, stale chronologies, late conferences, missing genograms, supervision
gaps...) so that every audit has something to find.

Everything is drawn from ``numpy.random.default_rng(seed)`` with whole-array operations, so the
same ``(children, seed, as_at, years)`` always gives identical frames; a million children (about
60 million rows) take about 35 seconds on two cores. No record describes a real person.

Working-day arithmetic uses England's bank holidays (``holidays``, GB subdivision ENG):
``d + N`` working days is the N-th working day after ``d``, as in :mod:`casecheck.calendar`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import numpy as np
import polars as pl

__all__ = ["TABLE_SCHEMAS", "SampleTables", "generate_sample", "write_sample"]

_EPOCH = dt.date(1970, 1, 1)

#: the columns and Polars types of every table :func:`generate_sample` returns
TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "children": {
        "child_id": pl.String(),
        "date_of_birth": pl.Date(),
        "gender": pl.String(),
        "disability": pl.Boolean(),
    },
    "workers": {
        "worker_id": pl.String(),
        "worker_name": pl.String(),
        "team": pl.String(),
        "manager": pl.String(),
        "role": pl.String(),
    },
    "episodes": {
        "child_id": pl.String(),
        "episode_type": pl.String(),
        "start_date": pl.Date(),
        "end_date": pl.Date(),
        "team": pl.String(),
        "worker_id": pl.String(),
    },
    "placements": {
        "child_id": pl.String(),
        "placement_id": pl.String(),
        "start_date": pl.Date(),
        "end_date": pl.Date(),
        "placement_type": pl.String(),
        "permanence_agreed_date": pl.Date(),
    },
    "visits": {
        "child_id": pl.String(),
        "visit_date": pl.Date(),
        "seen": pl.Boolean(),
        "seen_alone": pl.Boolean(),
        "bedroom_seen": pl.Boolean(),
        "visit_type": pl.String(),
        "worker_id": pl.String(),
        "recorded_date": pl.Date(),
    },
    "supervisions": {
        "child_id": pl.String(),
        "supervision_date": pl.Date(),
        "supervision_type": pl.String(),
        "worker_id": pl.String(),
        "supervisor_id": pl.String(),
    },
    "documents": {
        "child_id": pl.String(),
        "document_type": pl.String(),
        "document_date": pl.Date(),
        "created_date": pl.Date(),
    },
    "assessments": {
        "child_id": pl.String(),
        "assessment_type": pl.String(),
        "start_date": pl.Date(),
        "completed_date": pl.Date(),
        "authorised_date": pl.Date(),
    },
    "meetings": {
        "child_id": pl.String(),
        "meeting_type": pl.String(),
        "meeting_date": pl.Date(),
    },
    "referrals": {
        "child_id": pl.String(),
        "received_date": pl.Date(),
        "decision_date": pl.Date(),
        "outcome": pl.String(),
    },
    "missing_episodes": {
        "child_id": pl.String(),
        "start_date": pl.Date(),
        "return_date": pl.Date(),
        "return_interview_date": pl.Date(),
    },
}

# Episode types (codes index EPISODE_TYPES).
EH, CIN, CP, CLA, CL, DC, S47 = range(7)
EPISODE_TYPES = [
    "early_help",
    "child_in_need",
    "child_protection",
    "child_in_care",
    "care_leaver",
    "disabled_children",
    "s47",
]

# Journey paths.
P_EH, P_CIN, P_DC, P_CP, P_CLA, P_CL = range(6)

TEAMS = [
    "Early Help North",
    "Early Help South",
    "Assessment Team",
    "Safeguarding 1",
    "Safeguarding 2",
    "Children in Our Care",
    "Leaving Care",
    "Disabled Children",
]
T_EHN, T_EHS, T_ASSESS, T_SG1, T_SG2, T_CIC, T_LC, T_DC = range(8)
ROLES = ["Team Manager", "Social Worker", "Early Help Practitioner", "Personal Adviser"]
_TEAM_ROLE = np.array([2, 2, 1, 1, 1, 1, 3, 1])
_TEAM_CASELOAD = np.array([16, 16, 12, 16, 16, 15, 20, 15])

_FIRST_NAMES = [
    "Alex",
    "Amara",
    "Amy",
    "Ben",
    "Chloe",
    "Daniel",
    "Deepa",
    "Emma",
    "Fatima",
    "Georgia",
    "Hannah",
    "Imran",
    "James",
    "Jasmine",
    "Kate",
    "Kwame",
    "Laura",
    "Liam",
    "Megan",
    "Mohammed",
    "Natalie",
    "Nia",
    "Olivia",
    "Owen",
    "Priya",
    "Rachel",
    "Rhys",
    "Ruth",
    "Sam",
    "Sarah",
    "Simon",
    "Sophie",
    "Tariq",
    "Tom",
    "Una",
    "Victoria",
    "Wendy",
    "Yusuf",
    "Zara",
    "Joel",
]
_SURNAMES = [
    "Ahmed",
    "Bailey",
    "Begum",
    "Brown",
    "Campbell",
    "Clarke",
    "Davies",
    "Edwards",
    "Evans",
    "Fletcher",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "Jones",
    "Kaur",
    "Khan",
    "Lewis",
    "Martin",
    "Morgan",
    "Mitchell",
    "Nowak",
    "Okafor",
    "Patel",
    "Price",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Turner",
    "Walker",
    "Ward",
    "White",
    "Wilson",
    "Wright",
]

PLACEMENT_TYPES = ["U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "P1"]
_PLACEMENT_P = [0.05, 0.05, 0.10, 0.35, 0.15, 0.10, 0.12, 0.05, 0.03]

VISIT_TYPES = ["statutory", "other"]
SUPERVISION_TYPES = ["allocation", "case", "management_oversight"]
DOCUMENT_TYPES = [
    "chronology",
    "genogram",
    "ecomap",
    "case_summary",
    "pen_picture",
    "plan",
    "pathway_plan",
    "working_agreement",
]
(D_CHRON, D_GENO, D_ECO, D_SUMMARY, D_PEN, D_PLAN, D_PATHWAY, D_AGREEMENT) = range(8)
MEETING_TYPES = [
    "strategy_discussion",
    "icpc",
    "rcpc",
    "core_group",
    "cin_review",
    "cla_review",
    "taf",
    "family_network",
    "pathway_plan_review",
]
(M_STRAT, M_ICPC, M_RCPC, M_CORE, M_CIN, M_CLA, M_TAF, M_FNM, M_PPR) = range(9)
ASSESSMENT_TYPES = ["child_and_family", "early_help"]
OUTCOMES = ["assessment", "early_help", "nfa", "information_advice"]


class SampleTables(dict):
    """The dict :func:`generate_sample` returns; ``params`` records how it was generated."""

    params: dict


# --------------------------------------------------------------------------------------------
# small helpers


def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


def _ri(rng: np.random.Generator, lo, hi, size: int) -> np.ndarray:
    """Uniform integers in [lo, hi] (lo/hi scalars or arrays of ``size``), as int64."""
    u = rng.random(size)
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + (u * (hi - lo + 1)).astype(np.int64)


def _pick(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Category codes drawn with probabilities ``p``."""
    cp = np.cumsum(np.asarray(p, dtype=np.float64))
    cp /= cp[-1]
    return np.minimum(np.searchsorted(cp, rng.random(size), side="right"), len(cp) - 1)


class _Calendar:
    """England working days as a sorted array of day numbers, with index arithmetic."""

    def __init__(self, lo: int, hi: int) -> None:
        days = np.arange(lo, hi + 1, dtype=np.int64)
        y0 = (_EPOCH + dt.timedelta(days=int(lo))).year
        y1 = (_EPOCH + dt.timedelta(days=int(hi))).year
        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(y0, y1 + 1))
        hol_days = np.array(sorted(_day(d) for d in hol), dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.wd = days[(weekday < 5) & ~np.isin(days, hol_days)]
        self.n = len(self.wd)

    def ceil_idx(self, d):
        """Index of the first working day on or after ``d``."""
        return np.searchsorted(self.wd, d, side="left")

    def floor_idx(self, d):
        """Index of the last working day on or before ``d``."""
        return np.searchsorted(self.wd, d, side="right") - 1

    def day(self, i):
        return self.wd[np.clip(i, 0, self.n - 1)]

    def next(self, d):
        """``d`` if it is a working day, else the next working day."""
        return self.day(self.ceil_idx(d))

    def add(self, d, n):
        """``d`` + ``n`` working days (``n`` >= 0; 0 leaves a working day as it is)."""
        n = np.asarray(n)
        base = np.where(n > 0, self.floor_idx(d), self.ceil_idx(d))
        return self.day(base + n)


def _recur(
    rng: np.random.Generator,
    start: np.ndarray,
    end: np.ndarray,
    first_lo,
    first_hi,
    gap_lo,
    gap_hi,
    *,
    n_init: int = 0,
    init_lo=0,
    init_hi=0,
    late_p: float = 0.0,
    late_lo: int = 0,
    late_hi: int = 0,
    lapse: np.ndarray | None = None,
    lapse_p: float = 0.0,
    lapse_lo: int = 2,
    lapse_hi: int = 4,
    max_events: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recurring events for many segments at once, in working-day index units.

    Each segment ``i`` gets a first event ``first`` after ``start[i]``, then events separated by
    gaps (the first ``n_init`` gaps drawn from ``init``, the rest from ``gap``), occasionally
    late, and in ``lapse`` segments sometimes two to four times as long; events after
    ``end[i]`` are dropped. Parameters are scalars or arrays aligned with the segments.
    Returns (segment index, event time, ordinal within segment) for every event.
    """
    n = len(start)

    def arr(x):
        return np.broadcast_to(np.asarray(x, dtype=np.int64), (n,))

    first_lo, first_hi, gap_lo, gap_hi = arr(first_lo), arr(first_hi), arr(gap_lo), arr(gap_hi)
    init_lo, init_hi = arr(init_lo), arr(init_hi)
    span = end - start
    min_gap = np.maximum(np.minimum(gap_lo, init_lo) if n_init else gap_lo, 1)
    k = np.where(span >= first_lo, 1 + (span - first_lo) // min_gap, 0)
    if max_events is not None:
        k = np.minimum(k, max_events)
    segs = np.nonzero(k)[0]
    kp = k[segs]
    total = int(kp.sum())
    rep = np.repeat(segs, kp)
    offs = np.cumsum(kp) - kp
    ordinal = np.arange(total, dtype=np.int64) - np.repeat(offs, kp)
    step = _ri(rng, gap_lo[rep], gap_hi[rep], total)
    step[offs] = _ri(rng, first_lo[segs], first_hi[segs], len(segs))
    if n_init:
        m = (ordinal >= 1) & (ordinal <= n_init)
        r = rep[m]
        step[m] = _ri(rng, init_lo[r], init_hi[r], len(r))
    if late_p:
        late = rng.random(total) < late_p
        step[late] += _ri(rng, late_lo, late_hi, int(late.sum()))
    if lapse is not None and lapse_p:
        m = lapse[rep] & (ordinal > 0) & (rng.random(total) < lapse_p)
        step[m] *= _ri(rng, lapse_lo, lapse_hi, int(m.sum()))
    cs = np.cumsum(step)
    t = start[rep] + cs - np.repeat(cs[offs] - step[offs], kp)
    keep = t <= end[rep]
    return rep[keep], t[keep], ordinal[keep]


# --------------------------------------------------------------------------------------------
# journeys: the order and timing of a child's episodes


def _draw_journeys(rng, path, is_open, years):
    """Draw every random quantity a journey needs (before its dates are known)."""
    n = len(path)
    p: dict[str, np.ndarray] = {"path": path, "open": is_open}
    p["dec_wd"] = np.choose(_pick(rng, [0.35, 0.55, 0.10], n), [0, 1, _ri(rng, 2, 5, n)])
    # CLA route in: via a CP plan, via CIN, or straight in (emergency / accommodation)
    route = _pick(rng, [0.55, 0.25, 0.20], n)
    p["via_cp"] = (path == P_CP) | ((path == P_CLA) & (route == 0))
    p["via_cin"] = (path == P_CLA) & (route == 1)
    p["has_cin1"] = np.isin(path, [P_CIN, P_DC, P_CP]) | p["via_cp"] | p["via_cin"]
    quick = rng.random(n) < 0.3
    p["pre_wd"] = np.where(quick, _ri(rng, 0, 2, n), _ri(rng, 10, 130, n))
    p["s47_wd"] = np.where(rng.random(n) < 0.9, _ri(rng, 5, 15, n), _ri(rng, 16, 25, n))
    p["icpc_wd"] = np.where(rng.random(n) < 0.85, _ri(rng, 8, 15, n), _ri(rng, 16, 25, n))
    p["concurrent"] = p["via_cp"] & (rng.random(n) < 0.4)
    p["cp_dur"] = _ri(rng, 60, 450, n)
    p["step_down"] = (path == P_CP) & ~is_open & (rng.random(n) < 0.5)
    p["nfa_s47"] = np.isin(path, [P_CIN, P_DC]) & (rng.random(n) < 0.12)
    p["nfa_frac"] = rng.uniform(0.1, 0.7, n)
    # care leavers' time in care before 18: mostly teenagers coming into care
    p["cla_dur"] = 120 + np.minimum(rng.exponential(250, n).astype(np.int64), 6 * 365)
    # duration of the final stage: time so far if open, whole length if closed
    cap = max(int(years * 365 * 0.9), 60)
    so_far = np.select(
        [path == P_EH, np.isin(path, [P_CIN, P_DC]), path == P_CP, path == P_CLA],
        [
            _ri(rng, 0, 240, n),
            np.minimum(rng.exponential(150, n).astype(np.int64), cap),
            np.minimum(rng.exponential(150, n).astype(np.int64), 700),
            np.minimum(rng.exponential(240, n).astype(np.int64), cap),
        ],
        default=0,
    )
    closed_len = np.select(
        [path == P_EH, np.isin(path, [P_CIN, P_DC]), p["step_down"], path == P_CP],
        [
            _ri(rng, 40, 300, n),
            60 + np.minimum(rng.exponential(150, n).astype(np.int64), 540),
            _ri(rng, 60, 240, n),
            _ri(rng, 90, 450, n),
        ],
        default=30 + np.minimum(rng.exponential(200, n).astype(np.int64), 900),
    )
    # care leavers: aged 18-25 at as_at, younger ones commoner
    age_cl = 18 + 6.9 * rng.random(n) ** 3.5
    p["final_dur"] = np.where(
        path == P_CL, (age_cl - 18) * 365.25, np.where(is_open, so_far, closed_len)
    ).astype(np.int64)
    # an enquiry that led nowhere happens inside a CIN episode, so only in the longer ones
    p["nfa_s47"] &= p["final_dur"] > 90
    return p


def _forward(cal: _Calendar, J: np.ndarray, p) -> dict[str, np.ndarray]:
    """Stage dates of every journey, referral received on ``J``."""
    path, fd = p["path"], p["final_dur"]
    s: dict[str, np.ndarray] = {}
    R = cal.next(J)
    dec = cal.add(R, p["dec_wd"])
    s["R"], s["dec"] = R, dec
    # strategy discussion / s47 start
    nfa_wd = (p["nfa_frac"] * fd * 5 / 7).astype(np.int64)
    S = np.where(p["nfa_s47"], cal.add(dec, np.maximum(nfa_wd, 5)), cal.add(dec, p["pre_wd"]))
    icpc = cal.add(S, p["icpc_wd"])
    s47_end = cal.add(S, p["s47_wd"])
    s47_end = np.where(p["via_cp"], np.minimum(s47_end, icpc), s47_end)
    s["S"], s["icpc"], s["s47_end"] = S, icpc, s47_end
    cp_final = (path == P_CP) & ~p["step_down"]
    cp_end = cal.next(icpc + np.where(cp_final, fd, p["cp_dur"]))
    s["cp_end"] = cp_end
    s["cin2_end"] = cp_end + fd
    cla_start = np.select(
        [p["via_cp"], p["via_cin"]],
        [cp_end, cal.add(dec, p["pre_wd"])],
        default=dec,
    )
    s["cla_start"] = cla_start
    cla_end = cla_start + np.where(path == P_CL, p["cla_dur"], fd)
    s["cla_end"] = cla_end
    s["cl_end"] = cla_end + fd
    cin1_end = np.select(
        [np.isin(path, [P_CIN, P_DC]), p["via_cin"], p["concurrent"]],
        [dec + fd, cla_start, cp_end],
        default=icpc,
    )
    s["cin1_end"] = cin1_end
    s["eh_end"] = dec + fd
    # the final stage's (virtual, if open) end
    s["V"] = np.select(
        [
            path == P_EH,
            np.isin(path, [P_CIN, P_DC]),
            p["step_down"],
            path == P_CP,
            path == P_CLA,
        ],
        [s["eh_end"], cin1_end, s["cin2_end"], cp_end, cla_end],
        default=s["cl_end"],
    )
    return s


def _journeys(rng, cal, path, is_open, A, years, target=None):
    """Place journeys in time: open ones so their final stage is open at ``A``; closed ones
    ending at ``target`` (drawn within the history when not given)."""
    n = len(path)
    p = _draw_journeys(rng, path, is_open, years)
    J0 = np.full(n, A - 4000, dtype=np.int64)
    L = _forward(cal, J0, p)["V"] - J0
    if target is None:
        room = np.maximum(years * 365 - 14 - L, 30)
        target = np.where(is_open, A, A - 1 - (rng.random(n) * room).astype(np.int64))
    J = target - L
    s = _forward(cal, J, p)
    over = s["V"] - target
    J = np.where(over > 0, J - 7 * ((over + 6) // 7), J)
    s = _forward(cal, J, p)
    return p, s


def _episodes_from_journeys(p, s, child, jid):
    """One row per episode: (child, journey, type, start, end, open, quiet_from)."""
    path, is_open = p["path"], p["open"]
    cp_final_open = is_open & (path == P_CP)
    big = np.iinfo(np.int64).max // 4
    rows = []

    def add(mask, etype, start, end, open_, quiet=None):
        idx = np.nonzero(mask)[0]
        et = etype[idx] if isinstance(etype, np.ndarray) else np.full(len(idx), etype)
        q = np.full(len(idx), big) if quiet is None else quiet[idx]
        rows.append((child[idx], jid[idx], et, start[idx], end[idx], open_[idx], q))

    add(path == P_EH, EH, s["dec"], s["eh_end"], is_open)
    cin_type = np.where(path == P_DC, DC, CIN)
    cin1_open = (np.isin(path, [P_CIN, P_DC]) & is_open) | (p["concurrent"] & cp_final_open)
    quiet = np.where(p["concurrent"], s["icpc"], big)
    add(p["has_cin1"], cin_type, s["dec"], s["cin1_end"], cin1_open, quiet)
    has_s47 = p["via_cp"] | p["nfa_s47"]
    add(has_s47, S47, s["S"], s["s47_end"], np.zeros_like(is_open))
    add(p["via_cp"], CP, s["icpc"], s["cp_end"], cp_final_open)
    add(p["step_down"], CIN, s["cp_end"], s["cin2_end"], np.zeros_like(is_open))
    has_cla = np.isin(path, [P_CLA, P_CL])
    add(has_cla, CLA, s["cla_start"], s["cla_end"], is_open & (path == P_CLA))
    add(path == P_CL, CL, s["cla_end"], s["cl_end"], is_open)
    return [np.concatenate(c) for c in zip(*rows, strict=True)]


# --------------------------------------------------------------------------------------------
# frames


def _date(name: str, days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(name, days.astype(np.int32)).cast(pl.Date)
    if null is not None and null.any():
        s = s.set(pl.Series(null), None)
    return s


def _bool(name: str, code: np.ndarray) -> pl.Series:
    """0 = False, 1 = True, 2 = blank."""
    s = pl.Series(name, code == 1)
    return s.set(pl.Series(code == 2), None) if (code == 2).any() else s


def _labels(name: str, labels: list[str], code: np.ndarray) -> pl.Series:
    """Strings from codes; a negative code is blank."""
    idx = pl.Series(name, code.astype(np.int32))
    if (code < 0).any():
        idx = idx.set(pl.Series(code < 0), None)
    return pl.Series(name, labels, dtype=pl.String).gather(idx).alias(name)


def _finish(
    table: str, cols: dict[str, pl.Series | np.ndarray], sort: list[str], ids
) -> pl.DataFrame:
    """Assemble, sort by child then date (integer keys), then turn id numbers into strings:
    ``ids`` maps a column either to a Series of id strings indexed by the column's numbers, or
    to (prefix, width) for zero-padded numbers."""
    df = pl.DataFrame(cols)
    df = df.sort(sort, maintain_order=True)
    exprs = []
    for col, how in ids.items():
        if col not in df.columns:
            continue
        if isinstance(how, pl.Series):
            exprs.append(pl.lit(how).gather(pl.col(col)).alias(col))
        else:
            prefix, width = how
            exprs.append((pl.lit(prefix) + pl.col(col).cast(pl.String).str.zfill(width)).alias(col))
    if exprs:
        df = df.with_columns(exprs)
    return df.select([pl.col(c).cast(t) for c, t in TABLE_SCHEMAS[table].items()])


# --------------------------------------------------------------------------------------------
# the generator


def generate_sample(
    children: int = 300,
    seed: int = 0,
    as_at: dt.date | None = None,
    years: int = 6,
) -> dict[str, pl.DataFrame]:
    """Return the native tables of a synthetic authority: children, workers, episodes, placements,
    visits, supervisions, documents, assessments, meetings, referrals, missing_episodes.

    ``children`` children with ``years`` of history before ``as_at`` (default today): episodes
    that opened and closed in the past and those still open at ``as_at``. Deterministic for
    given arguments. All ids are strings (child ids zero-padded, worker ids ``W0042``), dates
    ``pl.Date``, flags nullable ``pl.Boolean``; nothing is dated after ``as_at``.
    """
    if children < 0:
        raise ValueError("children must be zero or more")
    if years < 1:
        raise ValueError("years must be at least 1")
    as_at = as_at or dt.date.today()
    if isinstance(as_at, dt.datetime):
        as_at = as_at.date()
    rng = np.random.default_rng(seed)
    N = int(children)
    A = _day(as_at)
    H = A - round(years * 365.25)
    cal = _Calendar(A - 366 * (years + 18), A + 400)
    A_idx = int(cal.floor_idx(A))

    # ---- children and their journeys ---------------------------------------------------------
    # 0 closed history only, 1 EH, 2 CIN, 3 CP, 4 in care, 5 care leaver (open at as_at)
    cat = _pick(rng, [0.25, 0.225, 0.225, 0.09, 0.15, 0.06], N)
    dc = rng.random(N) < 0.12
    closed_path = np.choose(_pick(rng, [0.35, 0.35, 0.18, 0.12], N), [P_EH, P_CIN, P_CP, P_CLA])
    main_path = np.choose(np.maximum(cat - 1, 0), [P_EH, P_CIN, P_CP, P_CLA, P_CL])
    main_path = np.where(cat == 0, closed_path, main_path)
    main_path = np.where((main_path == P_CIN) & dc, P_DC, main_path)
    main_open = cat > 0
    child_ix = np.arange(N, dtype=np.int64)
    p_main, s_main = _journeys(rng, cal, main_path, main_open, A, years)

    # earlier, closed journeys (early help or CIN) for some children
    has_prior = (rng.random(N) < np.where(main_open, 0.18, 0.15)) & (main_path != P_CL)
    pc = np.nonzero(has_prior)[0]
    prior_path = np.where(rng.random(len(pc)) < 0.5, P_EH, P_CIN)
    prior_target = s_main["R"][pc] - _ri(rng, 60, 900, len(pc))
    p_prior, s_prior = _journeys(
        rng, cal, prior_path, np.zeros(len(pc), bool), A, years, target=prior_target
    )
    n_main = N
    jchild = np.concatenate([child_ix, pc])
    jp = {k: np.concatenate([p_main[k], p_prior[k]]) for k in p_main}
    js = {k: np.concatenate([s_main[k], s_prior[k]]) for k in s_main}
    n_j = len(jchild)
    jid = np.arange(n_j, dtype=np.int64)

    ep_child, ep_j, ep_type, ep_start, ep_end, ep_open, ep_quiet = _episodes_from_journeys(
        jp, js, jchild, jid
    )
    # guards: nothing after as_at
    ep_start = np.minimum(ep_start, A)
    ep_end = np.where(ep_open, A, np.minimum(np.maximum(ep_end, ep_start), A))
    # the history window: episodes that closed before it are not in the extract
    keep = ep_open | (ep_end >= H)
    ep_child, ep_j, ep_type = ep_child[keep], ep_j[keep], ep_type[keep]
    ep_start, ep_end, ep_open, ep_quiet = (
        ep_start[keep],
        ep_end[keep],
        ep_open[keep],
        ep_quiet[keep],
    )
    n_ep = len(ep_child)

    # ---- dates of birth ----------------------------------------------------------------------
    first_start = np.full(N, A, dtype=np.int64)
    np.minimum.at(first_start, ep_child, ep_start)
    last_end = np.full(N, -(10**9), dtype=np.int64)
    np.maximum.at(last_end, ep_child, ep_end)
    age_lo = np.maximum(A - first_start + 14, 1)
    age_hi = int(18 * 365.25) - 2
    dob = A - (age_lo + rng.random(N) * np.maximum(age_hi - age_lo, 0)).astype(np.int64)
    is_cl = main_path == P_CL
    if is_cl.any():
        cl_start = js["cla_end"][:n_main][is_cl]
        dob_cl = (
            _date("d", cl_start).dt.offset_by("-18y").cast(pl.Int32).to_numpy().astype(np.int64)
        )
        dob[is_cl] = dob_cl
    gender = _pick(rng, [0.51, 0.485, 0.005], N)
    disability = np.where(
        main_path == P_DC, 1, _pick(rng, [0.87, 0.08, 0.05], N)
    )  # 0 N, 1 Y, 2 blank

    # ---- teams and workers -------------------------------------------------------------------
    eh_team = np.where(rng.random(N) < 0.5, T_EHN, T_EHS)
    sg_team = np.where(rng.random(N) < 0.5, T_SG1, T_SG2)
    type_team = np.array([-1, -1, -1, T_CIC, T_LC, T_DC, T_ASSESS])
    ep_team = type_team[ep_type]
    ep_team = np.where(ep_type == EH, eh_team[ep_child], ep_team)
    ep_team = np.where(np.isin(ep_type, [CIN, CP]), sg_team[ep_child], ep_team)
    open_per_team = np.bincount(ep_team[ep_open], minlength=len(TEAMS))
    # s47 enquiries are never open for long: size the assessment team by a year's enquiries
    recent_s47 = int(((ep_type == S47) & (ep_start > A - 365)).sum())
    open_per_team[T_ASSESS] = max(open_per_team[T_ASSESS], recent_s47 // 2)
    n_prac = np.maximum(2, -(-open_per_team // _TEAM_CASELOAD))
    n_mgr = np.maximum(1, -(-n_prac // 8))
    team_size = n_mgr + n_prac
    team_off = np.cumsum(team_size) - team_size
    n_workers = int(team_size.sum())
    w_team = np.repeat(np.arange(len(TEAMS)), team_size)
    w_pos = np.arange(n_workers) - team_off[w_team]
    w_is_mgr = w_pos < n_mgr[w_team]
    w_role = np.where(w_is_mgr, 0, _TEAM_ROLE[w_team])
    w_manager = np.where(w_is_mgr, -1, team_off[w_team] + (w_pos - n_mgr[w_team]) // 8)
    w_first = rng.integers(0, len(_FIRST_NAMES), n_workers)
    w_last = rng.integers(0, len(_SURNAMES), n_workers)
    j_u = rng.random(n_j)
    ep_worker = team_off[ep_team] + n_mgr[ep_team] + (j_u[ep_j] * n_prac[ep_team]).astype(np.int64)
    ep_super = w_manager[ep_worker]

    # ---- per-episode lapses ------------------------------------------------------------------
    visit_lapse = rng.random(n_ep) < 0.13
    sup_lapse = rng.random(n_ep) < 0.10
    chron_stale = rng.random(n_ep) < 0.10
    cur_visit_lapse = visit_lapse & ep_open & (rng.random(n_ep) < 0.45)
    cur_sup_lapse = sup_lapse & ep_open & (rng.random(n_ep) < 0.4)

    ep_s_idx = cal.ceil_idx(ep_start)
    ep_e_idx = np.where(ep_open, A_idx, cal.floor_idx(ep_end))
    quiet_idx = np.where(
        ep_quiet < A + 10**6, cal.ceil_idx(np.minimum(ep_quiet, A + 300)) - 1, A_idx
    )
    act_e_idx = np.minimum(ep_e_idx, quiet_idx)  # CIN goes quiet while a CP plan runs

    tables: dict[str, pl.DataFrame] = {}
    # ids: children numbered upwards from 1000 with small gaps, zero-padded ("0001234");
    # workers W0001...; tables hold indexes until the end and look the strings up
    child_num = 1000 + np.cumsum(rng.integers(1, 4, N))
    w_child = max(7, len(str(int(child_num[-1]) if N else 0)))
    child_str = pl.Series(child_num).cast(pl.String).str.zfill(w_child)
    w_worker = max(4, len(str(n_workers)))
    worker_str = "W" + pl.Series(np.arange(1, n_workers + 1)).cast(pl.String).str.zfill(w_worker)
    ids = {
        "child_id": child_str,
        "worker_id": worker_str,
        "supervisor_id": worker_str,
        "manager": worker_str,
        "placement_id": ("PL", 7),
    }

    def cid(ix):
        return ix

    def wid(ix):
        return ix

    # ---- placements (children in care) --------------------------------------------------------
    cla_eps = np.nonzero(ep_type == CLA)[0]
    span = ep_end[cla_eps] - ep_start[cla_eps]
    n_pl = np.minimum(1 + _pick(rng, [0.55, 0.30, 0.15], len(cla_eps)), 1 + span // 60)
    pl_ep = np.repeat(cla_eps, n_pl)
    pl_off = np.cumsum(n_pl) - n_pl
    pl_k = np.arange(len(pl_ep)) - np.repeat(pl_off, n_pl)
    w = rng.gamma(2.0, 1.0, len(pl_ep))
    cw = np.cumsum(w)
    seg_total = np.add.reduceat(w, pl_off) if len(pl_off) else np.zeros(0)
    before = cw - w - np.repeat(cw[pl_off] - w[pl_off], n_pl) if len(pl_ep) else w
    share = before / np.repeat(seg_total, n_pl) if len(pl_ep) else w
    pspan = np.repeat(span - 14 * (n_pl - 1), n_pl)
    pl_start = ep_start[pl_ep] + 14 * pl_k + (share * pspan).astype(np.int64)
    pl_start = np.where(pl_k == 0, ep_start[pl_ep], cal.next(pl_start))
    pl_start = np.minimum(pl_start, A)
    nxt = np.append(pl_start[1:], 0)
    last = pl_k == np.repeat(n_pl, n_pl) - 1
    pl_end = np.where(last, ep_end[pl_ep], nxt)
    pl_open = last & ep_open[pl_ep]
    pl_type = _pick(rng, _PLACEMENT_P, len(pl_ep))
    pl_len = np.where(pl_open, A, pl_end) - pl_start
    perm_date = (
        pl_start + 365 + (rng.random(len(pl_ep)) * (np.minimum(pl_len, 548) - 365)).astype(np.int64)
    )
    has_perm = (
        (pl_len > 365)
        & (rng.random(len(pl_ep)) < 0.3)
        & (perm_date <= np.where(pl_open, A, pl_end))
    )
    pl_df = pl.DataFrame(
        {
            "child_id": cid(ep_child[pl_ep]),
            "start_date": _date("start_date", pl_start),
            "end_date": _date("end_date", pl_end, pl_open),
            "placement_type": _labels("placement_type", PLACEMENT_TYPES, pl_type),
            "permanence_agreed_date": _date("permanence_agreed_date", perm_date, ~has_perm),
        }
    ).sort(["child_id", "start_date"], maintain_order=True)
    pl_df = pl_df.with_row_index("placement_id", offset=1)
    tables["placements"] = _finish("placements", pl_df.to_dict(), ["child_id", "start_date"], ids)

    # ---- visits --------------------------------------------------------------------------------
    #                        EH  CIN  CP  CLA  CL  DC  S47
    v_first_lo = np.array([2, 2, 0, 0, 5, 2, 0])
    v_first_hi = np.array([10, 10, 2, 0, 20, 10, 1])
    v_gap_lo = np.array([10, 10, 6, 17, 20, 10, 3])
    v_gap_hi = np.array([20, 19, 10, 29, 40, 19, 8])
    ve = np.nonzero(ep_type != CLA)[0]
    vt = ep_type[ve]
    v_end = act_e_idx[ve]
    cut = _ri(rng, v_gap_hi[vt] + 1, 3 * v_gap_hi[vt], len(ve))
    v_end = np.where(cur_visit_lapse[ve], np.minimum(v_end, A_idx - cut), v_end)
    seg1, t1, _ = _recur(
        rng, ep_s_idx[ve], v_end, v_first_lo[vt], v_first_hi[vt], v_gap_lo[vt], v_gap_hi[vt],
        late_p=0.03, late_lo=2, late_hi=10, lapse=visit_lapse[ve], lapse_p=0.2,
    )  # fmt: skip
    v_ep1 = ve[seg1]
    # in care: the day placed, weekly until past four weeks, then every three to five weeks
    p_s = cal.ceil_idx(pl_start)
    p_e = np.where(pl_open, A_idx, cal.floor_idx(pl_end))
    pcut = _ri(rng, 30, 80, len(pl_ep))
    p_e = np.where(cur_visit_lapse[pl_ep] & pl_open, np.minimum(p_e, A_idx - pcut), p_e)
    seg2, t2, _ = _recur(
        rng, p_s, p_e, 0, 0, 17, 26, n_init=7, init_lo=3, init_hi=4,
        late_p=0.015, late_lo=1, late_hi=8, lapse=visit_lapse[pl_ep], lapse_p=0.2,
    )  # fmt: skip
    v_ep2 = pl_ep[seg2]

    # ---- missing episodes (some children in care) and the visits after return -----------------
    cla_child_eps = cla_eps[rng.random(len(cla_eps)) < 0.15]
    n_miss = _ri(rng, 1, 5, len(cla_child_eps))
    m_ep = np.repeat(cla_child_eps, n_miss)
    m_start = ep_start[m_ep] + (rng.random(len(m_ep)) * (ep_end[m_ep] - ep_start[m_ep])).astype(
        np.int64
    )
    m_ret = m_start + np.choose(
        _pick(rng, [0.4, 0.35, 0.25], len(m_ep)), [0, 1, _ri(rng, 2, 3, len(m_ep))]
    )
    nm = len(m_ep)
    ri_group = _pick(rng, [0.82, 0.10, 0.08], nm)  # prompt, late, never recorded
    m_int = m_ret + np.where(ri_group == 0, _ri(rng, 0, 3, nm), _ri(rng, 4, 10, nm))
    m_ret_null = m_ret > A
    m_int_null = (ri_group == 2) | (m_int > A) | m_ret_null
    tables["missing_episodes"] = _finish(
        "missing_episodes",
        {
            "child_id": cid(ep_child[m_ep]),
            "start_date": _date("start_date", m_start),
            "return_date": _date("return_date", m_ret, m_ret_null),
            "return_interview_date": _date("return_interview_date", m_int, m_int_null),
        },
        ["child_id", "start_date"],
        ids,
    )
    # a visit after the return: mostly within 72 hours (any day of the week), some later, some never
    mgroup = _pick(rng, [0.85, 0.07, 0.08], nm)
    mv = ~m_ret_null & (mgroup < 2)
    day3 = m_ret[mv] + np.where(
        mgroup[mv] == 0, _ri(rng, 0, 3, int(mv.sum())), _ri(rng, 4, 8, int(mv.sum()))
    )
    v_ep3 = m_ep[mv]
    keep3 = day3 <= A
    day3, v_ep3 = day3[keep3], v_ep3[keep3]

    # the statutory visits above form the schedule; around them, a few failed attempts (child
    # not seen, a day or three before a visit) and a few extra visits of another type
    c_ep = np.concatenate([v_ep1, v_ep2])
    c_t = np.concatenate([t1, t2])
    c_lo = np.concatenate([ep_s_idx[v_ep1], p_s[seg2]])
    c_hi = np.concatenate([v_end[seg1], p_e[seg2]])
    nc = len(c_ep)
    att = np.nonzero(rng.random(nc) < 0.05)[0]
    att_t = np.maximum(c_t[att] - _ri(rng, 1, 3, len(att)), c_lo[att])
    oth = np.nonzero(rng.random(nc) < 0.05)[0]
    oth_t = c_t[oth] + _ri(rng, 1, 5, len(oth))
    ok = oth_t <= c_hi[oth]
    oth, oth_t = oth[ok], oth_t[ok]
    # kind: 0 scheduled, 1 after a missing episode, 2 failed attempt, 3 other
    kind = np.repeat(np.arange(4), [nc, len(v_ep3), len(att), len(oth)])
    v_ep = np.concatenate([c_ep, v_ep3, c_ep[att], c_ep[oth]])
    v_t = np.concatenate([c_t, cal.ceil_idx(day3), att_t, oth_t])  # working-day base
    v_day = np.concatenate([cal.day(c_t), day3, cal.day(att_t), cal.day(oth_t)])
    nv = len(v_ep)
    v_child = ep_child[v_ep]
    age = (v_day - dob[v_child]) / 365.25
    seen = np.select(
        [kind == 0, kind == 2, kind == 3],
        [np.where(rng.random(nv) < 0.03, 2, 1), 0, np.where(rng.random(nv) < 0.1, 2, 1)],
        default=1,
    )  # 0 N, 1 Y, 2 blank
    alone = np.select(
        [age < 4, age < 8],
        [np.where(rng.random(nv) < 0.8, 0, 2), _pick(rng, [0.45, 0.45, 0.10], nv)],
        default=_pick(rng, [0.10, 0.85, 0.05], nv),
    )
    bedroom = _pick(rng, [0.30, 0.55, 0.15], nv)
    alone = np.where(seen == 0, 2, alone)
    bedroom = np.where(seen == 0, 2, bedroom)
    vtype = np.select(
        [kind == 0, kind == 2, kind == 3],
        [np.where(rng.random(nv) < 0.68, 0, -1), np.where(rng.random(nv) < 0.5, 0, -1), 1],
        default=-1,
    )  # 0 statutory, 1 other, -1 blank
    rec_wd = np.choose(
        _pick(rng, [0.45, 0.25, 0.22, 0.08], nv), [0, 1, _ri(rng, 2, 5, nv), _ri(rng, 6, 25, nv)]
    )
    rec_t = v_t + rec_wd
    rec_t = np.minimum(rec_t, A_idx)  # recorded by the extract at the latest
    vk = v_t <= A_idx
    tables["visits"] = _finish(
        "visits",
        {
            "child_id": cid(v_child[vk]),
            "visit_date": _date("visit_date", v_day[vk]),
            "seen": _bool("seen", seen[vk]),
            "seen_alone": _bool("seen_alone", alone[vk]),
            "bedroom_seen": _bool("bedroom_seen", bedroom[vk]),
            "visit_type": _labels("visit_type", VISIT_TYPES, vtype[vk]),
            "worker_id": wid(ep_worker[v_ep[vk]]),
            "recorded_date": _date("recorded_date", cal.day(rec_t[vk])),
        },
        ["child_id", "visit_date"],
        ids,
    )

    # ---- supervisions ------------------------------------------------------------------------
    #                        EH  CIN  CP  CLA  CL  DC  S47
    s_gap_lo = np.array([45, 28, 14, 14, 28, 28, 1000])
    s_gap_hi = np.array([60, 38, 20, 20, 38, 38, 1000])
    s_init_lo = np.where(np.arange(7) == EH, 10, s_gap_lo)
    s_init_hi = np.where(np.arange(7) == EH, 20, s_gap_hi)
    alloc = np.choose(
        _pick(rng, [0.5, 0.38, 0.12], n_ep), [0, _ri(rng, 1, 2, n_ep), _ri(rng, 3, 10, n_ep)]
    )
    s_end = act_e_idx.copy()
    scut = _ri(rng, s_gap_hi[ep_type] + 1, (s_gap_hi[ep_type] * 5) // 2, n_ep)
    s_end = np.where(
        cur_sup_lapse & (ep_type != S47),
        np.maximum(np.minimum(s_end, A_idx - scut), ep_s_idx + alloc),
        s_end,
    )
    s_end = np.minimum(s_end, A_idx)
    sseg, st, sord = _recur(
        rng, ep_s_idx, s_end, alloc, alloc, s_gap_lo[ep_type], s_gap_hi[ep_type],
        n_init=1, init_lo=s_init_lo[ep_type], init_hi=s_init_hi[ep_type],
        late_p=0.04, late_lo=3, late_hi=12, lapse=sup_lapse, lapse_p=0.3, lapse_lo=2, lapse_hi=3,
    )  # fmt: skip
    mo_e = np.nonzero(ep_type != S47)[0]
    mseg, mt, _ = _recur(rng, ep_s_idx[mo_e], act_e_idx[mo_e], 20, 180, 120, 300)
    sup_ep = np.concatenate([sseg, mo_e[mseg]])
    sup_t = np.concatenate([st, mt])
    sup_type = np.concatenate([np.where(sord == 0, 0, 1), np.full(len(mt), 2)])
    tables["supervisions"] = _finish(
        "supervisions",
        {
            "child_id": cid(ep_child[sup_ep]),
            "supervision_date": _date("supervision_date", cal.day(sup_t)),
            "supervision_type": _labels("supervision_type", SUPERVISION_TYPES, sup_type),
            "worker_id": wid(ep_worker[sup_ep]),
            "supervisor_id": wid(ep_super[sup_ep]),
        },
        ["child_id", "supervision_date"],
        ids,
    )

    # ---- documents ---------------------------------------------------------------------------
    d_child, d_type, d_t = [], [], []

    def add_docs(eps, seg, t, code):
        d_child.append(ep_child[eps[seg]])
        d_type.append(np.full(len(seg), code))
        d_t.append(t)

    de = np.nonzero(ep_type != S47)[0]
    dt_ = ep_type[de]
    d_s, d_e = ep_s_idx[de], act_e_idx[de]
    stale_cut = _ri(rng, 45, 160, len(de))
    chron_e = np.where(chron_stale[de] & ep_open[de], np.minimum(d_e, A_idx - stale_cut), d_e)
    seg, t, _ = _recur(
        rng, d_s, chron_e, 0, 10, 17, 21, late_p=0.03, late_lo=5, late_hi=15,
        lapse=chron_stale[de], lapse_p=0.3, lapse_lo=2, lapse_hi=4,
    )  # fmt: skip
    add_docs(de, seg, t, D_CHRON)
    seg, t, _ = _recur(rng, d_s, d_e, 20, 60, 50, 62, late_p=0.05, late_lo=5, late_hi=30)
    add_docs(de, seg, t, D_SUMMARY)
    #                   EH  CIN  CP  CLA  CL  DC
    plan_lo = np.array([5, 10, 0, 0, 10**6, 10, 0])
    plan_hi = np.array([25, 45, 5, 20, 10**6, 45, 0])
    seg, t, _ = _recur(
        rng, d_s, d_e, plan_lo[dt_], plan_hi[dt_], 105, 125, late_p=0.08, late_lo=1, late_hi=20
    )
    add_docs(de, seg, t, D_PLAN)
    cle = de[dt_ == CL]
    seg, t, _ = _recur(
        rng, ep_s_idx[cle], ep_e_idx[cle], 0, 40, 105, 125, late_p=0.05, late_lo=5, late_hi=30
    )
    add_docs(cle, seg, t, D_PATHWAY)
    pen = np.nonzero(rng.random(len(de)) < 0.9)[0]
    seg, t, _ = _recur(rng, d_s[pen], d_e[pen], 5, 60, 240, 260, late_p=0.05, late_lo=5, late_hi=40)
    add_docs(de[pen], seg, t, D_PEN)
    wae = de[np.isin(dt_, [EH, CIN, CP, DC]) & (rng.random(len(de)) < 0.85)]
    seg, t, _ = _recur(rng, ep_s_idx[wae], act_e_idx[wae], 0, 20, 1, 1, max_events=1)
    add_docs(wae, seg, t, D_AGREEMENT)
    # child-level: a genogram and an ecomap, once
    has_ep = last_end > -(10**9)
    kids = np.nonzero(has_ep)[0]
    c_s = cal.ceil_idx(first_start[kids])
    c_open = np.zeros(N, bool)
    c_open[ep_child[ep_open]] = True
    c_e = np.where(c_open[kids], A_idx, cal.floor_idx(last_end[kids]))
    for code, present, hi in [(D_GENO, 0.92, 40), (D_ECO, 0.88, 45)]:
        ks = np.nonzero(rng.random(len(kids)) < present)[0]
        seg, t, _ = _recur(
            rng, c_s[ks], c_e[ks], 0, hi, 1, 1, late_p=0.05, late_lo=5, late_hi=60, max_events=1
        )
        d_child.append(kids[ks[seg]])
        d_type.append(np.full(len(seg), code))
        d_t.append(t)
    doc_child = np.concatenate(d_child)
    doc_type = np.concatenate(d_type)
    doc_day = cal.day(np.concatenate(d_t))
    created = doc_day + np.where(rng.random(len(doc_day)) < 0.7, 0, _ri(rng, 1, 5, len(doc_day)))
    tables["documents"] = _finish(
        "documents",
        {
            "child_id": cid(doc_child),
            "document_type": _labels("document_type", DOCUMENT_TYPES, doc_type),
            "document_date": _date("document_date", doc_day),
            "created_date": _date("created_date", np.minimum(created, A)),
        },
        ["child_id", "document_date"],
        ids,
    )

    # ---- meetings ----------------------------------------------------------------------------
    m_child, m_type, m_t = [], [], []

    def add_meet(eps, seg, t, code):
        m_child.append(ep_child[eps[seg]])
        m_type.append(np.full(len(seg), code))
        m_t.append(t)

    s47e = np.nonzero(ep_type == S47)[0]
    add_meet(s47e, np.arange(len(s47e)), ep_s_idx[s47e], M_STRAT)
    cpe = np.nonzero(ep_type == CP)[0]
    add_meet(cpe, np.arange(len(cpe)), ep_s_idx[cpe], M_ICPC)
    s, e = ep_s_idx[cpe], ep_e_idx[cpe]
    first_cg = np.where(
        rng.random(len(cpe)) < 0.9, _ri(rng, 3, 10, len(cpe)), _ri(rng, 11, 18, len(cpe))
    )
    seg, t, _ = _recur(rng, s, e, first_cg, first_cg, 14, 20, late_p=0.05, late_lo=3, late_hi=15)
    add_meet(cpe, seg, t, M_CORE)
    seg, t, _ = _recur(rng, s, e, 55, 62, 105, 122, late_p=0.08, late_lo=5, late_hi=25)
    add_meet(cpe, seg, t, M_RCPC)
    cine = np.nonzero(np.isin(ep_type, [CIN, DC]))[0]
    # family network meeting soon after opening to social care: mostly within 10 WD
    fgroup = _pick(rng, [0.85, 0.08, 0.07], len(cine))
    fn = fgroup < 2
    first_fn = np.where(fgroup == 0, _ri(rng, 2, 10, len(cine)), _ri(rng, 11, 30, len(cine)))[fn]
    seg, t, _ = _recur(
        rng, ep_s_idx[cine[fn]], ep_e_idx[cine[fn]], first_fn, first_fn, 1, 1, max_events=1
    )
    add_meet(cine[fn], seg, t, M_FNM)
    seg, t, _ = _recur(
        rng, ep_s_idx[cine], act_e_idx[cine], 40, 60, 50, 62, late_p=0.06, late_lo=5, late_hi=30
    )
    add_meet(cine, seg, t, M_CIN)
    clae = cla_eps
    first_cla = np.where(
        rng.random(len(clae)) < 0.9, _ri(rng, 10, 20, len(clae)), _ri(rng, 21, 30, len(clae))
    )
    seg, t, _ = _recur(
        rng, ep_s_idx[clae], ep_e_idx[clae], first_cla, first_cla, 105, 122,
        n_init=1, init_lo=50, init_hi=60, late_p=0.06, late_lo=5, late_hi=25,
    )  # fmt: skip
    add_meet(clae, seg, t, M_CLA)
    ehe = np.nonzero(ep_type == EH)[0]
    seg, t, _ = _recur(
        rng, ep_s_idx[ehe], ep_e_idx[ehe], 10, 25, 20, 30, late_p=0.08, late_lo=5, late_hi=20
    )
    add_meet(ehe, seg, t, M_TAF)
    seg, t, _ = _recur(
        rng, ep_s_idx[cle], ep_e_idx[cle], 30, 60, 105, 122, late_p=0.06, late_lo=5, late_hi=25
    )
    add_meet(cle, seg, t, M_PPR)
    meet_day = cal.day(np.concatenate(m_t))
    mk = meet_day <= A
    tables["meetings"] = _finish(
        "meetings",
        {
            "child_id": cid(np.concatenate(m_child)[mk]),
            "meeting_type": _labels("meeting_type", MEETING_TYPES, np.concatenate(m_type)[mk]),
            "meeting_date": _date("meeting_date", meet_day[mk]),
        },
        ["child_id", "meeting_date"],
        ids,
    )

    # ---- referrals and assessments (one per journey whose first episode is in the window) ----
    # episodes are appended stage by stage, so a journey's first stage has its lowest index
    first_ep = np.full(n_j, n_ep, dtype=np.int64)
    np.minimum.at(first_ep, ep_j, np.arange(n_ep))
    has_first = first_ep < n_ep
    jk = np.nonzero(has_first)[0]
    jk = jk[ep_start[first_ep[jk]] == np.minimum(js["dec"][jk], A)]
    j_child = jchild[jk]
    j_path = jp["path"][jk]
    r_recv, r_dec = js["R"][jk], js["dec"][jk]
    r_out = np.where(j_path == P_EH, 1, 0)
    # further contacts that went no further
    n_extra = _pick(rng, [0.65, 0.27, 0.08], N)
    x_child = np.repeat(child_ix, n_extra)
    lo = np.maximum(H, dob[x_child] + 30)
    x_recv = cal.next(lo + (rng.random(len(x_child)) * np.maximum(A - lo, 0)).astype(np.int64))
    x_dec_wd = np.choose(
        _pick(rng, [0.35, 0.55, 0.10], len(x_child)), [0, 1, _ri(rng, 2, 5, len(x_child))]
    )
    x_dec = cal.add(x_recv, x_dec_wd)
    x_out = np.where(rng.random(len(x_child)) < 0.55, 2, 3)
    xk = x_recv <= A
    rc = np.concatenate([j_child, x_child[xk]])
    rr = np.concatenate([r_recv, x_recv[xk]])
    rd = np.concatenate([r_dec, x_dec[xk]])
    ro = np.concatenate([r_out, x_out[xk]])
    tables["referrals"] = _finish(
        "referrals",
        {
            "child_id": cid(rc),
            "received_date": _date("received_date", np.minimum(rr, A)),
            "decision_date": _date("decision_date", rd, rd > A),
            "outcome": _labels("outcome", OUTCOMES, ro),
        },
        ["child_id", "received_date"],
        ids,
    )
    na = len(jk)
    a_start = cal.add(r_dec, _ri(rng, 0, 3, na))
    a_dur = np.choose(
        _pick(rng, [0.7, 0.2, 0.1], na),
        [_ri(rng, 10, 40, na), _ri(rng, 41, 45, na), _ri(rng, 46, 75, na)],
    )
    a_done = cal.add(a_start, a_dur)
    a_auth = cal.add(
        a_done,
        np.choose(_pick(rng, [0.6, 0.3, 0.1], na), [0, _ri(rng, 1, 3, na), _ri(rng, 4, 10, na)]),
    )
    stuck = jp["open"][jk] & (a_start > A - 150) & (rng.random(na) < 0.06)
    done_null = (a_done > A) | stuck
    a_keep = a_start <= A
    a_type = np.where(j_path == P_EH, 1, 0)
    # social care assessments are updated about every 11 months while the child stays open
    sc = (ep_type != EH) & (ep_type != CL) & (ep_type != S47)
    j_last = np.full(n_j, -1, dtype=np.int64)
    np.maximum.at(j_last, ep_j[sc], ep_e_idx[sc])
    ra = np.nonzero((a_type == 0) & ~done_null)[0]
    rseg, rt, _ = _recur(
        rng, cal.floor_idx(a_done[ra]), j_last[jk[ra]], 185, 215, 185, 215,
        late_p=0.06, late_lo=20, late_hi=60,
    )  # fmt: skip
    nr = len(rseg)
    r_start = cal.day(rt)
    r_done = cal.day(rt + _ri(rng, 10, 30, nr))
    r_auth = cal.add(r_done, _ri(rng, 0, 3, nr))
    a_child = np.concatenate([j_child[a_keep], j_child[ra[rseg]]])
    a_start = np.concatenate([a_start[a_keep], r_start])
    a_done = np.concatenate([a_done[a_keep], r_done])
    a_auth = np.concatenate([a_auth[a_keep], r_auth])
    a_type = np.concatenate([a_type[a_keep], np.zeros(nr, np.int64)])
    done_null = np.concatenate([done_null[a_keep], r_done > A])
    tables["assessments"] = _finish(
        "assessments",
        {
            "child_id": cid(a_child),
            "assessment_type": _labels("assessment_type", ASSESSMENT_TYPES, a_type),
            "start_date": _date("start_date", a_start),
            "completed_date": _date("completed_date", a_done, done_null),
            "authorised_date": _date("authorised_date", a_auth, done_null | (a_auth > A)),
        },
        ["child_id", "start_date"],
        ids,
    )

    # ---- episodes, children, workers -----------------------------------------------------------
    tables["episodes"] = _finish(
        "episodes",
        {
            "child_id": cid(ep_child),
            "episode_type": _labels("episode_type", EPISODE_TYPES, ep_type),
            "start_date": _date("start_date", ep_start),
            "end_date": _date("end_date", ep_end, ep_open),
            "team": _labels("team", TEAMS, ep_team),
            "worker_id": wid(ep_worker),
        },
        ["child_id", "start_date"],
        ids,
    )
    tables["children"] = _finish(
        "children",
        {
            "child_id": cid(child_ix),
            "date_of_birth": _date("date_of_birth", dob),
            "gender": _labels("gender", ["Male", "Female"], np.where(gender == 2, -1, gender)),
            "disability": _bool("disability", disability),
        },
        ["child_id"],
        ids,
    )
    first = pl.Series(_FIRST_NAMES).gather(w_first)
    last = pl.Series(_SURNAMES).gather(w_last)
    wdf = pl.DataFrame(
        {
            "worker_id": wid(np.arange(n_workers)),
            "worker_name": first + " " + last,
            "team": _labels("team", TEAMS, w_team),
            "manager": pl.Series("manager", wid(w_manager)).set(pl.Series(w_manager < 0), None),
            "role": _labels("role", ROLES, w_role),
        }
    )
    tables["workers"] = _finish("workers", wdf.to_dict(), ["worker_id"], ids)

    out = SampleTables((name, tables[name]) for name in TABLE_SCHEMAS)
    out.params = {"children": N, "seed": seed, "as_at": as_at, "years": years}
    return out


# --------------------------------------------------------------------------------------------
# writing


def write_sample(
    tables: dict[str, pl.DataFrame], outdir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write one <table>.<fmt> per table (fmt 'csv' or 'parquet'); create outdir; return the paths
    written. CSV dates as ISO yyyy-mm-dd, booleans as Y/N, blanks empty. Also write a README.txt
    saying the data is SYNTHETIC (generated by `casecheck sample` with the seed/as_at/children
    used) and contains no real person's data."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use 'csv' or 'parquet'")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            flags = [c for c, t in df.schema.items() if t == pl.Boolean]
            csv = df.with_columns(
                pl.when(pl.col(c)).then(pl.lit("Y")).when(~pl.col(c)).then(pl.lit("N")).alias(c)
                for c in flags
            )
            csv.write_csv(path, date_format="%Y-%m-%d", null_value="")
        else:
            df.write_parquet(path)
        written.append(path)
    written.append(_write_readme(tables, out, fmt))
    return written


def _write_readme(tables: dict[str, pl.DataFrame], out: Path, fmt: str) -> Path:
    params = dict(getattr(tables, "params", {}) or {})
    if "children" not in params and "children" in tables:
        params["children"] = tables["children"].height
    how = ", ".join(f"{k}={v}" for k, v in params.items()) or "parameters not recorded"
    counts = "\n".join(f"  {name}.{fmt}: {df.height} rows" for name, df in tables.items())
    text = (
        "SYNTHETIC DATA - NOT REAL CASE RECORDS\n"
        "=====================================\n\n"
        "Every record in this folder was generated at random by `casecheck sample`\n"
        f"({how}).\n"
        "It contains no real person's data: the children, workers, names, dates and ids are\n"
        "invented, and any resemblance to a real person or case is coincidence.\n\n"
        "It follows the casecheck native data contract (one file per table) and is meant for\n"
        "demonstrations, tests and benchmarks. Practice in it is mostly compliant with the\n"
        "standards, with deliberate lapses (missed visits, stale chronologies, late meetings,\n"
        "supervision gaps, missing genograms) so that audits have something to find.\n\n"
        f"Tables:\n{counts}\n\n"
        "CSV files: dates are ISO yyyy-mm-dd, flags Y/N, blank means unknown; ids are text and\n"
        "keep their leading zeros.\n"
    )
    path = out / "README.txt"
    path.write_text(text, encoding="utf-8")
    return path
