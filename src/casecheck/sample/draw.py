"""Random draws over whole arrays, England's working days, and recurring events.

Everything here works on NumPy arrays of day numbers (days since 1970-01-01) or of working-day
indexes (positions in :attr:`Calendar.wd`), one element per child, episode or event: no Python
loop over rows.
"""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np

EPOCH = dt.date(1970, 1, 1)
#: the day number that stands for a blank date
NO_DATE = np.iinfo(np.int64).min
#: what :func:`lag` draws for "never happened"
NEVER = -(10**9)


def day(d: dt.date) -> int:
    """The day number of a date."""
    return (d - EPOCH).days


def ri(rng: np.random.Generator, lo, hi, size: int) -> np.ndarray:
    """Uniform integers in [lo, hi] (lo/hi scalars or arrays of ``size``), as int64."""
    u = rng.random(size)
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + (u * (hi - lo + 1)).astype(np.int64)


def pick(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Category codes 0, 1, ... drawn with probabilities ``p``."""
    cp = np.cumsum(np.asarray(p, dtype=np.float64))
    cp /= cp[-1]
    u = rng.random(size)
    out = np.zeros(size, dtype=np.int64)
    for c in cp[:-1]:
        out += u >= c
    return out


def shares(rng: np.random.Generator, n: int, p) -> np.ndarray:
    """Category codes for ``n`` items in exact proportions ``p`` (largest remainders), in a
    random order: a small sample still holds each category its share says."""
    p = np.asarray(p, dtype=np.float64) / np.sum(p)
    want = p * n
    counts = np.floor(want).astype(np.int64)
    rest = n - int(counts.sum())
    if rest:
        counts[np.argsort(-(want - counts), kind="stable")[:rest]] += 1
    return np.repeat(np.arange(len(p)), counts)[rng.permutation(n)]


def exactly(rng: np.random.Generator, groups: np.ndarray, p: float, min_one: int = 0) -> np.ndarray:
    """A random ``p`` share (rounded) of the items of each group (items of group -1 never); with
    ``min_one``, at least one item of every group of that size or more."""
    order = np.flatnonzero(groups >= 0)
    m = len(order)
    order = order[rng.permutation(m)]  # a random order, then stably by group (a radix sort)
    g = groups[order]
    order = order[np.argsort(g.astype(np.int16) if m and g.max() < 2**15 else g, kind="stable")]
    g = groups[order]
    starts = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]])) if m else np.zeros(0, int)
    sizes = np.diff(np.append(starts, m))
    rank = np.arange(m) - np.repeat(starts, sizes)
    quota = np.floor(p * sizes + 0.5)
    if min_one:
        quota = np.where(sizes >= min_one, np.maximum(quota, 1), quota)
    take = rank < np.repeat(quota, sizes)
    out = np.zeros(len(groups), bool)
    out[order] = take
    return out


def lag(rng: np.random.Generator, size: int, p, ranges) -> np.ndarray:
    """A delay drawn in two steps: a band in the shares ``p`` (exactly, :func:`shares`, for up to
    5,000 items, where chance would skew a small sample; drawn at random beyond), then uniformly
    within the band's ``(lo, hi)`` range; a band of ``None`` is :data:`NEVER` (never happened)."""
    band = shares(rng, size, p) if size <= 5000 else pick(rng, p, size)
    out = np.full(size, NEVER, dtype=np.int64)
    for b, r in enumerate(ranges):
        m = band == b
        if r is not None and m.any():
            out[m] = ri(rng, r[0], r[1], int(m.sum()))
    return out


def add_years(days: np.ndarray, years: int, months: int = 0) -> np.ndarray:
    """``days`` plus whole years and months (calendar arithmetic: 29 Feb + 1 year = 28 Feb)."""
    d = np.asarray(days, dtype="datetime64[D]")
    ym = d.astype("datetime64[M]")
    dom = (d - ym).astype(np.int64)
    ym2 = ym + np.timedelta64(12 * years + months, "M")
    last = ((ym2 + np.timedelta64(1, "M")).astype("datetime64[D]") - ym2.astype("datetime64[D]"))
    dom2 = np.minimum(dom, last.astype(np.int64) - 1)
    return (ym2.astype("datetime64[D]") + dom2).astype(np.int64)


class Calendar:
    """England's working days (bank holidays from ``holidays``, GB subdivision ENG) as a sorted
    array of day numbers, with index arithmetic: ``d + N`` working days is the N-th working day
    after ``d``, as in :mod:`casecheck.calendar`."""

    def __init__(self, lo: int, hi: int) -> None:
        days = np.arange(lo, hi + 1, dtype=np.int64)
        y0 = (EPOCH + dt.timedelta(days=int(lo))).year
        y1 = (EPOCH + dt.timedelta(days=int(hi))).year
        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(y0, y1 + 1))
        hol_days = np.array(sorted(day(d) for d in hol), dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.wd = days[(weekday < 5) & ~np.isin(days, hol_days)]
        self.n = len(self.wd)
        # look-up tables from day number to index (a gather is much faster than a search)
        self.lo, self.hi = int(lo), int(hi)
        self._ceil = np.searchsorted(self.wd, days, side="left")
        self._floor = np.searchsorted(self.wd, days, side="right") - 1

    def _lookup(self, table: np.ndarray, d, outside):
        d = np.asarray(d, dtype=np.int64)
        inside = (d >= self.lo) & (d <= self.hi)
        out = table[np.clip(d - self.lo, 0, len(table) - 1)]
        if np.all(inside):
            return out
        return np.where(inside, out, outside(d))

    def ceil_idx(self, d):
        """Index of the first working day on or after ``d``."""
        return self._lookup(self._ceil, d, lambda x: np.searchsorted(self.wd, x, side="left"))

    def floor_idx(self, d):
        """Index of the last working day on or before ``d``."""
        return self._lookup(
            self._floor, d, lambda x: np.searchsorted(self.wd, x, side="right") - 1
        )

    def day(self, i):
        """The day number of working-day index ``i``."""
        return self.wd[np.clip(i, 0, self.n - 1)]

    def next(self, d):
        """``d`` if it is a working day, else the next working day."""
        return self.day(self.ceil_idx(d))

    def add(self, d, n):
        """``d`` + ``n`` working days (``n`` >= 0; 0 leaves a working day as it is)."""
        n = np.asarray(n)
        base = np.where(n > 0, self.floor_idx(d), self.ceil_idx(d))
        return self.day(base + n)


def recur(
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
    late (``late_p``: a few days added), and in ``lapse`` segments sometimes two to four times as
    long (``lapse_p``); events after ``end[i]`` are dropped. Parameters are scalars or arrays
    aligned with the segments. Returns (segment index, event time, ordinal within segment).
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
    step = ri(rng, gap_lo[rep], gap_hi[rep], total)
    step[offs] = ri(rng, first_lo[segs], first_hi[segs], len(segs))
    if n_init:
        m = (ordinal >= 1) & (ordinal <= n_init)
        r = rep[m]
        step[m] = ri(rng, init_lo[r], init_hi[r], len(r))
    if late_p:
        late = rng.random(total) < late_p
        step[late] += ri(rng, late_lo, late_hi, int(late.sum()))
    if lapse is not None and lapse_p:
        m = lapse[rep] & (ordinal > 0) & (rng.random(total) < lapse_p)
        step[m] *= ri(rng, lapse_lo, lapse_hi, int(m.sum()))
    cs = np.cumsum(step)
    t = start[rep] + cs - np.repeat(cs[offs] - step[offs], kp)
    keep = t <= end[rep]
    return rep[keep], t[keep], ordinal[keep]


def lapse_now(rng, start, end, is_open, p: float, gap_hi, A_idx: int) -> np.ndarray:
    """``end`` cut back, for a share ``p`` (at least one of three or more) of the open segments
    that began before it, to one to one and a half intervals (``gap_hi``, plus two weeks) before the audit
    date: the next event is overdue now."""
    n = len(end)
    gap_hi = np.broadcast_to(np.asarray(gap_hi, dtype=np.int64), (n,))
    cut = ri(rng, gap_hi + 10, (3 * gap_hi) // 2 + 10, n)
    can = is_open & (end >= A_idx) & (start < A_idx - cut - 10)
    now = exactly(rng, np.where(can, 0, -1), p, min_one=3)
    return np.where(now, np.minimum(end, A_idx - cut), end)


def once(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, lo, hi):
    """One event per segment, ``lo``..``hi`` after ``start`` (arrays or scalars), dropped when
    after ``end``. Returns (segment index, event time)."""
    n = len(start)
    t = start + ri(rng, np.broadcast_to(lo, (n,)), np.broadcast_to(hi, (n,)), n)
    keep = np.nonzero(t <= end)[0]
    return keep, t[keep]
