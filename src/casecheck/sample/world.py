"""What every part of the generator shares: the audit date, the calendar, the children, their
episodes and workers, and the rows drawn so far."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from casecheck.sample.draft import Draft
from casecheck.sample.draw import Calendar


@dataclass
class Episodes:
    """Every episode, one element per episode in each array (day numbers for dates)."""

    child: np.ndarray
    journey: np.ndarray
    type: np.ndarray
    start: np.ndarray
    end: np.ndarray  # the audit date for an open episode
    open: np.ndarray
    quiet: np.ndarray  # the day its own work stops (CIN while a CP plan runs); far future if never
    shadow: np.ndarray  # a twin whose work is recorded on the other episode
    ref: np.ndarray  # journeys.REF_*: which referral led to it
    # working-day indexes: start, end (the audit date if open), end of its own work
    s_idx: np.ndarray = field(default=None)
    e_idx: np.ndarray = field(default=None)
    act_idx: np.ndarray = field(default=None)
    # the workforce (workforce.py): team, worker, the worker's manager, allocation
    team: np.ndarray = field(default=None)
    worker: np.ndarray = field(default=None)
    supervisor: np.ndarray = field(default=None)
    first_alloc: np.ndarray = field(default=None)  # day first allocated
    allocated: np.ndarray = field(default=None)  # day allocated to the current worker
    prev_worker: np.ndarray = field(default=None)  # worker before a transfer, else the worker
    iro: np.ndarray = field(default=None)  # independent reviewing officer (children in care)
    # lapses planted on the episode (population.py)
    visit_lapse: np.ndarray = field(default=None)
    sup_lapse: np.ndarray = field(default=None)
    chron_stale: np.ndarray = field(default=None)
    cur_visit_lapse: np.ndarray = field(default=None)
    cur_sup_lapse: np.ndarray = field(default=None)
    referral: np.ndarray = field(default=None)  # referral number, -1 if none (front_door.py)

    def __len__(self) -> int:
        return len(self.child)

    def of(self, *types: int, active: bool = True) -> np.ndarray:
        """Indexes of the episodes of these types (``active``: leaving out shadow twins)."""
        m = np.isin(self.type, types)
        if active:
            m &= ~self.shadow
        return np.nonzero(m)[0]

    def at(self, journeys: np.ndarray, days: np.ndarray, among: np.ndarray) -> np.ndarray:
        """For each (journey, day), the episode of ``among`` (indexes) in that journey that
        started last on or before the day; -1 if none."""
        big = np.int64(1) << 32
        order = among[np.lexsort((self.start[among], self.journey[among]))]
        keys = self.journey[order] * big + self.start[order]
        pos = np.searchsorted(keys, journeys * big + days, side="right") - 1
        found = order[np.maximum(pos, 0)] if len(order) else np.zeros(len(days), np.int64)
        ok = (pos >= 0) & (self.journey[found] == journeys) if len(order) else pos < -1
        return np.where(ok, found, -1)

    def worker_at(self, eps: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The worker of episode ``eps`` on ``days``: the previous one before a transfer."""
        return np.where(days < self.allocated[eps], self.prev_worker[eps], self.worker[eps])


@dataclass
class Placements:
    """Placements of children in care, in short breaks and placed for adoption."""

    episode: np.ndarray
    start: np.ndarray
    end: np.ndarray  # the audit date if open
    open: np.ndarray
    type: np.ndarray  # PLACEMENT_TYPES code
    legal: np.ndarray  # LEGAL_STATUSES code
    perm: np.ndarray  # permanence agreed (day), NO_DATE if not
    s_idx: np.ndarray
    e_idx: np.ndarray


@dataclass
class World:
    """The synthetic authority as it is drawn."""

    seed: int
    N: int  # children
    A: int  # the audit date (day number)
    H: int  # start of the history window
    years: int
    cal: Calendar
    draft: Draft = field(default_factory=Draft)
    child: np.ndarray = field(default=None)  # 0..N-1
    dob: np.ndarray = field(default=None)
    main_path: np.ndarray = field(default=None)
    journeys: dict = field(default=None)  # p (random quantities), s (stage dates), child
    ep: Episodes = field(default=None)
    placements: Placements = field(default=None)
    workers: dict = field(default=None)  # workforce.py
    assessments: dict = field(default=None)  # front_door.py: child & family assessments

    @property
    def A_idx(self) -> int:
        """The audit date's working-day index (the last working day on or before it)."""
        return int(self.cal.floor_idx(self.A))

    def rng(self, part: str) -> np.random.Generator:
        """The random stream of one part of the generator: seeded by the seed and the part's
        name, so drawing one more kind of event in one part leaves the others as they were."""
        return np.random.default_rng([self.seed, zlib.crc32(part.encode())])
