"""The tables the generator writes, their columns, and the codes it uses.

Every column has a *kind* that says how the generator holds it until the end (whole arrays of
integers) and what it becomes in the frame: a child or worker number becomes its id string, a day
number a ``pl.Date``, a code number its label, a flag 0/1 a nullable ``pl.Boolean``. A blank is
-1 (:data:`~casecheck.sample.draw.NO_DATE` for dates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from casecheck.schema import EPISODE_TYPES


@dataclass(frozen=True)
class Kind:
    """How a column is held (an integer array) and what it becomes."""

    what: str  # child | worker | date | flag | code | id | text
    labels: tuple[str, ...] = ()
    prefix: str = ""
    width: int = 0

    @property
    def dtype(self) -> pl.DataType:
        return {"date": pl.Date(), "flag": pl.Boolean()}.get(self.what, pl.String())


CHILD = Kind("child")
WORKER = Kind("worker")
DATE = Kind("date")
FLAG = Kind("flag")
TEXT = Kind("text")


def code(*labels: str) -> Kind:
    return Kind("code", labels)


def ident(prefix: str, width: int) -> Kind:
    """A numbered id, ``prefix`` + the number zero-padded to ``width``."""
    return Kind("id", prefix=prefix, width=width)


def index(labels: tuple[str, ...]) -> dict[str, int]:
    """``{label: code}`` for a code list."""
    return {label: i for i, label in enumerate(labels)}


# ---------------------------------------------------------------------------------------------
# codes

#: the episode types of the data contract; the short names the generator uses for their codes
_SHORT = {"eh": "early_help", "cin": "child_in_need", "cp": "child_protection",
          "cla": "child_in_care", "cl": "care_leaver", "dc": "disabled_children", "s47": "s47",
          "pf": "private_fostering", "sb": "short_breaks", "adopt": "adoption"}  # fmt: skip
EH, CIN, CP, CLA, CL, DC, S47, PF, SB, ADOPT = (EPISODE_TYPES.index(t) for t in _SHORT.values())

TEAMS = (
    "Early Help North",
    "Early Help South",
    "Assessment Team",
    "Safeguarding 1",
    "Safeguarding 2",
    "Children in Our Care",
    "Leaving Care",
    "Disabled Children",
    "Independent Reviewing",
)
T_EHN, T_EHS, T_ASSESS, T_SG1, T_SG2, T_CIC, T_LC, T_DC, T_IRO = range(len(TEAMS))
ROLES = (
    "Team Manager",
    "Social Worker",
    "Early Help Practitioner",
    "Personal Adviser",
    "Independent Reviewing Officer",
)

#: SSDA903 placement types (PLACE), canonical codes
PLACEMENT_TYPES = ("U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "P1", "A5", "A6")
PLACE = index(PLACEMENT_TYPES)
#: SSDA903 legal statuses (LS)
LEGAL_STATUSES = ("C1", "C2", "E1", "V2", "V3", "V4", "J1", "L1")
LS = index(LEGAL_STATUSES)

VISIT_TYPES = ("statutory", "other")
SUPERVISION_TYPES = (
    "allocation",
    "case",
    "management_oversight",
    "joint",
    "service_manager_review",
)
SUP = index(SUPERVISION_TYPES)
DOCUMENT_TYPES = (
    "chronology",
    "genogram",
    "ecomap",
    "case_summary",
    "pen_picture",
    "plan",
    "pathway_plan",
    "working_agreement",
    "health_assessment",
    "dental_check",
    "permanence_plan",
    "closure_letter",
    "life_story",
    "preparing_for_adulthood",
)
DOC = index(DOCUMENT_TYPES)
MEETING_TYPES = (
    "strategy_discussion",
    "icpc",
    "rcpc",
    "core_group",
    "cin_review",
    "cla_review",
    "taf",
    "family_network",
    "pathway_plan_review",
    "care_team",
    "key_review",  # a manager's key review: early help at 3 and 6 months, CIN every 6 months
)
MEET = index(MEETING_TYPES)
ASSESSMENT_TYPES = ("child_and_family", "early_help")
#: referral outcomes (s47: a strategy discussion, for a section 47 enquiry)
OUTCOMES = ("assessment", "early_help", "nfa", "information_advice", "s47")
OUTCOME = index(OUTCOMES)
CONTACT_TYPES = ("face_to_face", "phone", "text", "email", "video", "letter", "other")
CONTACT_BY = ("social_worker", "early_help_practitioner", "iro", "personal_adviser", "other")


def by_type(**values) -> np.ndarray:
    """A parameter per episode type, indexed by the type's code, from keywords named by the
    types' short names (eh=..., cin=...); types not named get ``other`` (default 10**6: never)."""
    other = values.pop("other", 10**6)
    assert set(values) <= set(_SHORT), values
    full = {t: values.get(short, other) for short, t in _SHORT.items()}
    return np.array([full[t] for t in EPISODE_TYPES], dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# tables

#: every table the generator writes: {table: {column: kind}}, in output order
COLUMNS: dict[str, dict[str, Kind]] = {
    "children": {
        "child_id": CHILD,
        "date_of_birth": DATE,
        "gender": code("Male", "Female"),
        "disability": FLAG,
    },
    "workers": {
        "worker_id": WORKER,
        "worker_name": TEXT,
        "team": code(*TEAMS),
        "manager": WORKER,
        "role": code(*ROLES),
    },
    "episodes": {
        "child_id": CHILD,
        "episode_type": code(*EPISODE_TYPES),
        "start_date": DATE,
        "end_date": DATE,
        "team": code(*TEAMS),
        "worker_id": WORKER,
        "allocated_date": DATE,
        "referral_id": ident("RF", 7),
    },
    "placements": {
        "child_id": CHILD,
        "placement_id": ident("PL", 7),
        "start_date": DATE,
        "end_date": DATE,
        "placement_type": code(*PLACEMENT_TYPES),
        "legal_status": code(*LEGAL_STATUSES),
        "permanence_agreed_date": DATE,
    },
    "visits": {
        "child_id": CHILD,
        "visit_date": DATE,
        "seen": FLAG,
        "seen_alone": FLAG,
        "bedroom_seen": FLAG,
        "unannounced": FLAG,
        "visit_type": code(*VISIT_TYPES),
        "worker_id": WORKER,
        "recorded_date": DATE,
    },
    "supervisions": {
        "child_id": CHILD,
        "supervision_date": DATE,
        "supervision_type": code(*SUPERVISION_TYPES),
        "worker_id": WORKER,
        "supervisor_id": WORKER,
    },
    "documents": {
        "child_id": CHILD,
        "document_type": code(*DOCUMENT_TYPES),
        "document_date": DATE,
        "created_date": DATE,
    },
    "assessments": {
        "child_id": CHILD,
        "assessment_type": code(*ASSESSMENT_TYPES),
        "start_date": DATE,
        "completed_date": DATE,
        "authorised_date": DATE,
    },
    "meetings": {
        "child_id": CHILD,
        "meeting_type": code(*MEETING_TYPES),
        "meeting_date": DATE,
        "plan_sent_date": DATE,
        "recommendations_date": DATE,
        "record_date": DATE,
    },
    "referrals": {
        "child_id": CHILD,
        "referral_id": ident("RF", 7),
        "received_date": DATE,
        "decision_date": DATE,
        "outcome": code(*OUTCOMES),
    },
    "missing_episodes": {
        "child_id": CHILD,
        "start_date": DATE,
        "return_date": DATE,
        "return_interview_date": DATE,
    },
    "family_contacts": {
        "child_id": CHILD,
        "contact_date": DATE,
        "contact_type": code(*CONTACT_TYPES),
        "contact_by": code(*CONTACT_BY),
        "worker_id": WORKER,
    },
}

#: the columns each table is sorted by (child first, then its date)
SORT_BY: dict[str, tuple[str, ...]] = {
    "children": ("child_id",),
    "workers": ("worker_id",),
    "episodes": ("child_id", "start_date"),
    "placements": ("child_id", "start_date"),
    "visits": ("child_id", "visit_date"),
    "supervisions": ("child_id", "supervision_date"),
    "documents": ("child_id", "document_date"),
    "assessments": ("child_id", "start_date"),
    "meetings": ("child_id", "meeting_date"),
    "referrals": ("child_id", "received_date"),
    "missing_episodes": ("child_id", "start_date"),
    "family_contacts": ("child_id", "contact_date"),
}

#: the columns and Polars types of every table :func:`~casecheck.sample.generate_sample` returns
TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    table: {col: kind.dtype for col, kind in cols.items()} for table, cols in COLUMNS.items()
}

FIRST_NAMES = (
    "Alex", "Amara", "Amy", "Ben", "Chloe", "Daniel", "Deepa", "Emma", "Fatima", "Georgia",
    "Hannah", "Imran", "James", "Jasmine", "Kate", "Kwame", "Laura", "Liam", "Megan", "Mohammed",
    "Natalie", "Nia", "Olivia", "Owen", "Priya", "Rachel", "Rhys", "Ruth", "Sam", "Sarah",
    "Simon", "Sophie", "Tariq", "Tom", "Una", "Victoria", "Wendy", "Yusuf", "Zara", "Joel",
)  # fmt: skip
SURNAMES = (
    "Ahmed", "Bailey", "Begum", "Brown", "Campbell", "Clarke", "Davies", "Edwards", "Evans",
    "Fletcher", "Green", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "Jones", "Kaur", "Khan",
    "Lewis", "Martin", "Morgan", "Mitchell", "Nowak", "Okafor", "Patel", "Price", "Roberts",
    "Robinson", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Turner", "Walker", "Ward", "White",
    "Wilson", "Wright",
)  # fmt: skip
