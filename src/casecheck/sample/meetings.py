"""Meeting records: when the plan, the chair's recommendations and the full record went out."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NEVER, NO_DATE, lag
from casecheck.sample.tables import MEET
from casecheck.sample.world import World

#: working days from the meeting to each record going out: (probabilities, bands); None: never
_SENT = {
    "plan_sent_date": {
        "icpc": ([0.55, 0.33, 0.08, 0.04], [(0, 0), (1, 1), (2, 4), None]),
        "rcpc": ([0.55, 0.33, 0.08, 0.04], [(0, 0), (1, 1), (2, 4), None]),
        "cin_review": ([0.86, 0.10, 0.04], [(0, 3), (4, 10), None]),
    },
    "recommendations_date": {
        "icpc": ([0.85, 0.10, 0.05], [(0, 2), (3, 6), None]),
        "rcpc": ([0.85, 0.10, 0.05], [(0, 2), (3, 6), None]),
        "cla_review": ([0.87, 0.09, 0.04], [(1, 5), (6, 12), None]),
    },
    "record_date": {
        "icpc": ([0.88, 0.09, 0.03], [(5, 20), (21, 35), None]),
        "rcpc": ([0.88, 0.09, 0.03], [(5, 20), (21, 35), None]),
        "cla_review": ([0.85, 0.12, 0.03], [(8, 20), (21, 40), None]),
    },
}


def meeting_records(w: World) -> None:
    """For the meetings drawn so far: the CP plan sent out after a conference (within a working
    day for most), the CIN plan after a CIN review (within 3 working days for most), the chair's
    recommendations after a conference or a review of a child in care (within 2 or 5 working
    days for most), and the full record (within 20 working days for most); later for about one
    in ten, never for a few; blank while not yet sent at the audit date."""
    rng = w.rng("meetings")
    cols = w.draft.take("meetings")
    keep = cols["meeting_date"] <= w.A
    cols = {c: v[keep] for c, v in cols.items()}
    kind, day = cols["meeting_type"], cols["meeting_date"]
    for col, by_type in _SENT.items():
        out = np.full(len(day), NO_DATE, dtype=np.int64)
        for mtype, (p, bands) in by_type.items():
            m = np.nonzero(kind == MEET[mtype])[0]
            wd = lag(rng, len(m), p, bands)
            sent = w.cal.add(day[m], np.maximum(wd, 0))
            out[m] = np.where((wd != NEVER) & (sent <= w.A), sent, NO_DATE)
        cols[col] = out
    w.draft.add("meetings", **cols)
