"""The native tables casecheck audits (data contract §1): names, columns and types.

Every source (native files, SSD, Annex A, LCS/EHM exports) is a mapping onto these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ID = "id"
TEXT = "text"
DATE = "date"
FLAG = "flag"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | text | date | flag
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: the event date that must not be after the audit date (rows later are set aside)
    event_date: str | None = None
    #: (start, end) date columns where end must not be before start
    interval: tuple[str, str] | None = None
    description: str = ""
    required: bool = False
    #: columns that identify a row: a second row with the same key is set aside
    key: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _t(name: str, spec: str, **kw) -> Table:
    cols = []
    for item in spec.split():
        col, kind = item.split(":")
        req = col.endswith("*")
        cols.append(Column(col.rstrip("*"), kind, req))
    return Table(name, tuple(cols), **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "children",
            "child_id*:id date_of_birth:date gender:text disability:flag",
            required=True,
            key=("child_id",),
            description="one row per child",
        ),
        _t(
            "workers",
            "worker_id*:id worker_name:text team:text manager:id role:text",
            key=("worker_id",),
            description="workers, their team and manager",
        ),
        _t(
            "episodes",
            "child_id*:id episode_type*:text start_date*:date end_date:date team:text worker_id:id "
            "allocated_date:date referral_id:id",
            required=True,
            event_date="start_date",
            interval=("start_date", "end_date"),
            description="periods of involvement: early help, CIN, CP, in care, care leaver...",
        ),
        _t(
            "placements",
            "child_id*:id placement_id:id start_date*:date end_date:date placement_type:text "
            "legal_status:text permanence_agreed_date:date",
            event_date="start_date",
            interval=("start_date", "end_date"),
            description="placements of children in care (a row per placement, or per legal status "
            "within it: rows with the same placement_id that follow on are one placement)",
        ),
        _t(
            "visits",
            "child_id*:id visit_date*:date seen:flag seen_alone:flag bedroom_seen:flag "
            "unannounced:flag visit_type:text worker_id:id recorded_date:date",
            event_date="visit_date",
            interval=("visit_date", "recorded_date"),
            description="visits to the child (only visits where the child was seen count)",
        ),
        _t(
            "supervisions",
            "child_id*:id supervision_date*:date supervision_type:text worker_id:id supervisor_id:id",
            event_date="supervision_date",
            description="case supervision and management oversight",
        ),
        _t(
            "documents",
            "child_id*:id document_type*:text document_date*:date created_date:date",
            event_date="document_date",
            description="chronology updates, genograms, case summaries, plans...",
        ),
        _t(
            "assessments",
            "child_id*:id assessment_type:text start_date*:date completed_date:date "
            "authorised_date:date",
            event_date="start_date",
            interval=("start_date", "completed_date"),
            description="early help and social care assessments",
        ),
        _t(
            "meetings",
            "child_id*:id meeting_type*:text meeting_date*:date plan_sent_date:date "
            "recommendations_date:date record_date:date",
            event_date="meeting_date",
            description="strategy discussions, conferences, core groups, reviews...",
        ),
        _t(
            "referrals",
            "child_id*:id referral_id:id received_date*:date decision_date:date outcome:text",
            event_date="received_date",
            interval=("received_date", "decision_date"),
            description="contacts and referrals to children's social care",
        ),
        _t(
            "missing_episodes",
            "child_id*:id start_date*:date return_date:date return_interview_date:date",
            event_date="start_date",
            interval=("start_date", "return_date"),
            description="episodes of a child missing from home or care",
        ),
        _t(
            "family_contacts",
            "child_id*:id contact_date*:date contact_type:text contact_by:text worker_id:id",
            event_date="contact_date",
            description="contacts with the child or family other than a statutory visit (phone, "
            "text, video, office, face to face), by a social worker, IRO, personal adviser...",
        ),
    ]
}

EPISODE_TYPES = (
    "early_help",
    "child_in_need",
    "child_protection",
    "child_in_care",
    "care_leaver",
    "disabled_children",
    "private_fostering",
    "short_breaks",
    "s47",
    "adoption",
)

#: coded columns: each value is matched to a canonical code through casecheck.vocabulary (the
#: codes and the spellings real systems use; docs/codes.md), or counted as unknown
CODE_COLUMNS = {
    "episodes": ("episode_type",),
    "documents": ("document_type",),
    "meetings": ("meeting_type",),
    "supervisions": ("supervision_type",),
    "visits": ("visit_type",),
    "assessments": ("assessment_type",),
    "placements": ("placement_type", "legal_status"),
    "referrals": ("outcome",),
    #: the first is the column an event reference's ``:<code>`` filters (``family_contact:iro``)
    "family_contacts": ("contact_by", "contact_type"),
}

_HEADER_JUNK = re.compile(r"[\s_\-\u00a0]+")


def header_key(name: str) -> str:
    """Normalise a header for matching: case, spaces, hyphens and underscores ignored."""
    return _HEADER_JUNK.sub("", str(name)).lower().lstrip("\ufeff")


def table_key(name: str) -> str:
    return header_key(name)


def find_table(name: str) -> Table | None:
    """The native table a file or sheet name stands for (``Missing Episodes`` -> missing_episodes)."""
    key = table_key(name)
    for t in TABLES.values():
        if table_key(t.name) == key:
            return t
    return None
