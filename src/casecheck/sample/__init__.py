"""Synthetic case records for demos, tests and benchmarks (``casecheck sample``).

:func:`generate_sample` builds the native tables (data contract section 1, with the optional
columns and the ``family_contacts`` table) of an imaginary local authority: children on journeys
through the front door, early help, child in need (disabled children among them), section 47
enquiries and child protection, care and leaving care, private fostering, short breaks and
adoption, with the visits, contacts, supervision, documents, meetings, placements and missing
episodes that go with them. Practice is mostly compliant with the standards in the bundled
profiles, with a realistic mix of lapses so that every audit has something to find. No record
describes a real person.

The parts, in the order they are drawn (each a function with a docstring saying what it draws
and which lapses it plants):

==========================================  ===============================================
``population.children_and_episodes``        children, their journeys and episodes, dates of
                                            birth; lapse flags on episodes
``workforce.teams_and_workers``             teams, workers, managers; allocation and changes
                                            of worker
``front_door.front_door``                   referrals and their decisions, the referral behind
                                            each episode, assessments
``early_help.early_help``                   TAF meetings, key reviews, assessment updates,
                                            closure letters
``child_in_need.child_in_need``             CIN reviews, family network meetings
``protection.s47_and_child_protection``     strategy discussions, conferences, core groups
``placements.placements``                   placements in care, short breaks and adoption
``care.care``                               reviews, care team meetings, health and dental
                                            checks, permanence, life story, adulthood
``care.leaving_care``                       pathway plans and their reviews
``care.adoption``, ``care.short_breaks``    their reviews
``missing.missing_episodes``                missing episodes, return interviews, visits after
``visits.visits``                           every visiting schedule and what visits record
``supervisions.supervisions``               allocation, case and assessment supervision
``documents.documents``                     chronologies, summaries, plans, genograms...
``contacts.family_contacts``                contacts with the child or family
``meetings.meeting_records``                plans, recommendations and records sent out
``population.record_episodes``              the episodes table (with allocation and referral)
==========================================  ===============================================

The helpers: ``tables`` (columns, codes), ``draw`` (random draws, working days, recurring
events), ``world`` (what the parts share), ``draft`` (rows as arrays, made into frames at the
end), ``journeys`` (the order and timing of a child's episodes), ``output`` (writing).

Everything is drawn with whole-array NumPy operations (no loop over children or rows), each part
from its own random stream seeded by ``(seed, part)``, so the same ``(children, seed, as_at,
years)`` always gives identical frames, and drawing one more kind of event in one part leaves
the others' rows as they were. Working-day arithmetic uses England's bank holidays.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.sample.care import adoption, care, leaving_care, short_breaks
from casecheck.sample.child_in_need import child_in_need
from casecheck.sample.contacts import family_contacts
from casecheck.sample.documents import documents
from casecheck.sample.draw import Calendar, day
from casecheck.sample.early_help import early_help
from casecheck.sample.front_door import front_door
from casecheck.sample.meetings import meeting_records
from casecheck.sample.missing import missing_episodes
from casecheck.sample.output import write_sample
from casecheck.sample.placements import placements
from casecheck.sample.population import children_and_episodes, record_episodes
from casecheck.sample.protection import s47_and_child_protection
from casecheck.sample.supervisions import supervisions
from casecheck.sample.tables import TABLE_SCHEMAS
from casecheck.sample.visits import visits
from casecheck.sample.workforce import teams_and_workers
from casecheck.sample.world import World

__all__ = ["TABLE_SCHEMAS", "SampleTables", "generate_sample", "write_sample"]

#: the parts, in the order they are drawn
PARTS = [
    children_and_episodes,
    teams_and_workers,
    front_door,
    early_help,
    child_in_need,
    s47_and_child_protection,
    placements,
    care,
    leaving_care,
    adoption,
    short_breaks,
    missing_episodes,
    visits,
    supervisions,
    documents,
    family_contacts,
    meeting_records,
    record_episodes,
]


class SampleTables(dict):
    """The dict :func:`generate_sample` returns; ``params`` records how it was generated."""

    params: dict


def generate_sample(
    children: int = 300,
    seed: int = 0,
    as_at: dt.date | None = None,
    years: int = 6,
) -> dict[str, pl.DataFrame]:
    """Return the native tables of a synthetic authority: children, workers, episodes, placements,
    visits, supervisions, documents, assessments, meetings, referrals, missing_episodes and
    family_contacts.

    ``children`` children with ``years`` of history before ``as_at`` (default today): episodes
    that opened and closed in the past and those still open at ``as_at``. Deterministic for
    given arguments. All ids are strings (child ids zero-padded, worker ids ``W0042``, referral
    ids ``RF0000123``, placement ids ``PL0000123``), dates ``pl.Date``, flags nullable
    ``pl.Boolean``; nothing is dated after ``as_at``.
    """
    if children < 0:
        raise ValueError("children must be zero or more")
    if years < 1:
        raise ValueError("years must be at least 1")
    as_at = as_at or dt.date.today()
    if isinstance(as_at, dt.datetime):
        as_at = as_at.date()
    A = day(as_at)
    w = World(
        seed=seed,
        N=int(children),
        A=A,
        H=A - round(years * 365.25),
        years=years,
        cal=Calendar(A - 366 * (years + 18), A + 400),
    )
    for part in PARTS:
        part(w)
    # ids: children numbered upwards from 1000 with small gaps, zero-padded ("0001234");
    # workers W0001...
    rng = w.rng("ids")
    child_num = 1000 + rng.integers(1, 4, w.N).cumsum()
    width = max(7, len(str(int(child_num[-1]) if w.N else 0)))
    child_ids = pl.Series(child_num).cast(pl.String).str.zfill(width)
    n_workers = len(w.workers["manager"])
    worker_ids = "W" + pl.Series(range(1, n_workers + 1)).cast(pl.String).str.zfill(
        max(4, len(str(n_workers)))
    )
    out = SampleTables(w.draft.frames(child_ids, worker_ids))
    out.params = {"children": w.N, "seed": seed, "as_at": as_at, "years": years}
    return out
