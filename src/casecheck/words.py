"""The words a social worker uses for casecheck's codes, in one place.

Detail sentences, explanations and summaries say "child in need", "initial child protection
conference" and "case summary", never ``child_in_need``, ``icpc`` or ``documents.document_date``.
A code without an entry here is shown with its underscores as spaces.

These are the words casecheck *writes*; :mod:`casecheck.vocabulary` holds the spellings it
*reads* (``CP Plan``, ``Section 47 Enquiry``) and matches them to the same codes. The two stay
apart on purpose: a reader's spellings are many per code and grow with every system met, an
output's words are one per code and chosen for the sentence.
"""

from __future__ import annotations

#: episode types (the cohort a rule applies through)
EPISODE_TYPES = {
    "early_help": "early help",
    "child_in_need": "child in need",
    "child_protection": "child protection",
    "child_in_care": "child in care",
    "care_leaver": "care leaver",
    "disabled_children": "disabled children's service",
    "private_fostering": "private fostering",
    "short_breaks": "short breaks",
    "s47": "section 47 enquiry",
    "adoption": "adoption",
}

#: episode types as the thing that starts and ends ("child protection plan started")
EPISODE_NOUNS = {
    "early_help": "early help episode",
    "child_in_need": "child in need episode",
    "child_protection": "child protection plan",
    "child_in_care": "period of care",
    "care_leaver": "care leaver support",
    "disabled_children": "disabled children's service episode",
    "private_fostering": "private fostering arrangement",
    "short_breaks": "short breaks",
    "s47": "section 47 enquiry",
    "adoption": "adoption placement",
}

#: referral outcomes
OUTCOMES = {
    "nfa": "no further action",
    "information_advice": "information and advice",
    "early_help": "early help",
    "assessment": "assessment",
    "s47": "section 47 enquiry",
}

#: assessment types (an assessment event reads "<words> assessment start")
ASSESSMENT_TYPES = {"child_and_family": "child and family"}

#: meeting, document, supervision and assessment types
TYPES = {
    # meetings
    "strategy_discussion": "strategy discussion",
    "icpc": "initial child protection conference",
    "rcpc": "review child protection conference",
    "core_group": "core group meeting",
    "cin_review": "child in need review",
    "cla_review": "child in care review",
    "taf": "team around the family meeting",
    "family_network": "family network meeting",
    "pathway_plan_review": "pathway plan review",
    "care_team": "care team meeting",
    "key_review": "manager's key review",
    # documents
    "chronology": "chronology",
    "genogram": "genogram",
    "ecomap": "ecomap",
    "case_summary": "case summary",
    "pen_picture": "pen picture",
    "plan": "plan",
    "pathway_plan": "pathway plan",
    "working_agreement": "working agreement",
    "health_assessment": "health assessment",
    "dental_check": "dental check",
    "permanence_plan": "permanence plan",
    "closure_letter": "closure letter",
    "life_story": "life story work",
    "preparing_for_adulthood": "preparing for adulthood plan",
    # supervision
    "case": "case supervision",
    "allocation": "allocation supervision",
    "management_oversight": "management oversight",
    "joint": "joint supervision",
    "service_manager_review": "service manager review",
    # contacts: who was in touch
    "social_worker": "social worker",
    "early_help_practitioner": "early help practitioner",
    "iro": "IRO",
    "personal_adviser": "personal adviser",
    # contacts: how
    "face_to_face": "face to face",
    "phone": "phone",
    "video": "video call",
} | EPISODE_TYPES | ASSESSMENT_TYPES

#: dated columns named directly in a rule (``assessments.completed_date``), as the event they
#: record
DATE_COLUMNS = {
    ("episodes", "start_date"): "episode start",
    ("episodes", "end_date"): "episode end",
    ("placements", "start_date"): "placement",
    ("placements", "end_date"): "placement end",
    ("placements", "permanence_agreed_date"): "agreement that the placement is permanent",
    ("visits", "visit_date"): "visit",
    ("visits", "recorded_date"): "case note of the visit",
    ("supervisions", "supervision_date"): "supervision",
    ("documents", "document_date"): "document",
    ("documents", "created_date"): "document",
    ("assessments", "start_date"): "assessment start",
    ("assessments", "completed_date"): "assessment completion",
    ("assessments", "authorised_date"): "assessment sign-off",
    ("meetings", "meeting_date"): "meeting",
    ("referrals", "received_date"): "referral",
    ("referrals", "decision_date"): "referral decision",
    ("missing_episodes", "start_date"): "going missing",
    ("missing_episodes", "return_date"): "return from missing",
    ("missing_episodes", "return_interview_date"): "return home interview",
    ("children", "date_of_birth"): "birth",
    ("episodes", "allocated_date"): "allocation",
    ("meetings", "plan_sent_date"): "plan sent out",
    ("meetings", "recommendations_date"): "recommendations sent out",
    ("meetings", "record_date"): "meeting record",
    ("family_contacts", "contact_date"): "contact with the child or family",
}


def word(code: str) -> str:
    """The plain words for a coded value: ``icpc`` -> ``initial child protection conference``."""
    return TYPES.get(code, code.replace("_", " "))


def either(codes: tuple[str, ...] | list[str]) -> str:
    """Several codes as alternatives: ``cin_review|cla_review`` -> ``child in need review or
    child in care review``."""
    return " or ".join(word(c) for c in codes)


def episode_start(types: tuple[str, ...] | list[str]) -> str:
    """The start of an episode of these types, as an event: ``section 47 enquiry``,
    ``child in need episode start``."""
    if tuple(types) == ("s47",):
        return word("s47")
    return f"{either(types)} episode start"


def date_column(table: str, column: str) -> str:
    """The event a dated column records: ``referrals.decision_date`` -> ``referral decision``."""
    if (table, column) in DATE_COLUMNS:
        return DATE_COLUMNS[(table, column)]
    return f"{table.rstrip('s').replace('_', ' ')} {column.removesuffix('_date').replace('_', ' ')}"
