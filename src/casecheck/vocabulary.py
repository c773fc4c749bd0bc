"""The codes casecheck understands in each coded column, and the spellings real systems use.

Every coded value an extract holds (an episode's type, a meeting's, a document's, a visit's, a
supervision's, an assessment's, a placement's type, a referral's outcome) goes through
:func:`match`, which gives the canonical code casecheck's rules and profiles use, or reports the
value as unknown (with the nearest known code as a "did you mean"). The native reader
(:func:`casecheck.dataset.build_dataset`) and the report mappings (the LCS and EHM presets' value
maps, :mod:`casecheck.sources.reports`) both match through here: one matching path.

Matching ignores case, spaces and punctuation (``Child Protection (CP)``, ``child-protection``
and ``CHILD_PROTECTION`` are one spelling), an Annex A letter prefix (``b) Female``), and, when
nothing else fits, a bracketed part (``CIN Plan (open)``). Placement types are the SSDA903 codes
(``P1``, ``U1``..``U6``, ``K2``, ``R1``...), upper case, written alone, with their description
(``U4 - Foster placement with other foster carer``) or as the description only.

Matching is vectorised: the distinct values of a column are matched once (a column of ten
million rows holds a few dozen distinct codes) and mapped back. ``docs/codes.md`` lists every
code and spelling; keep it in step (``tests/test_vocabulary.py`` checks).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from casecheck import parse
from casecheck.schema import CODE_COLUMNS

#: column -> canonical code -> the spellings real systems use (the code itself always matches)
CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "episode_type": {
        "early_help": (
            "EH", "Early Help", "Early Help Episode", "Early Help Plan", "Early Help Support",
            "Early Help Assessment Episode", "Team Around the Family", "TAF",
            "Targeted Early Help", "EHM Episode",
        ),
        "child_in_need": (
            "CIN", "CiN", "Child in Need", "Children in Need", "CIN Plan", "Child in Need Plan",
            "CIN Episode", "Child in Need Episode", "Section 17", "S17", "CIN Case",
        ),
        "child_protection": (
            "CP", "CPP", "Child Protection", "Child Protection (CP)", "Child Protection Plan",
            "Child Protection Plan (CPP)", "CP Plan", "CP Episode", "Child Protection Episode",
            "Subject to a Child Protection Plan", "Child Protection Plan Episode",
        ),
        "child_in_care": (
            "CiC", "CIC", "LAC", "CLA", "Looked After", "Looked After Child",
            "Looked After Children", "Child Looked After", "Children Looked After",
            "Child in Care", "Children in Care", "Child in Our Care", "Children in Our Care",
            "Period of Care", "CLA Episode", "LAC Episode", "Care Episode", "In Care",
        ),
        "care_leaver": (
            "Care Leaver", "Care Leavers", "Leaving Care", "Leaving Care Service",
            "Care Leaver Episode", "After Care", "Aftercare", "Former Relevant Child",
            "Relevant Child",
        ),
        "disabled_children": (
            "CWD", "CWDT", "Disabled Children", "Disabled Child", "Disabled",
            "Children with Disabilities", "Child with Disabilities", "Children with a Disability",
            "Disabled Children's Team", "Disabled Children Service",
        ),
        "private_fostering": (
            "PF", "Private Fostering", "Privately Fostered", "Privately Fostered Child",
            "Private Fostering Arrangement",
        ),
        "short_breaks": ("Short Breaks", "Short Break", "Short Break Care", "Respite", "Respite Care"),
        "s47": (
            "S47", "S 47", "S.47", "Section 47", "S47 Enquiry", "Section 47 Enquiry",
            "Section 47 Enquiries", "S47 Enquiries", "S47 Investigation", "Child Protection Enquiry",
            "CP Enquiry",
        ),
        "adoption": (
            "Adoption", "Placed for Adoption", "Adoption Placement", "Adoption Episode",
            "Pre-Adoption",
        ),
    },
    "meeting_type": {
        "strategy_discussion": (
            "Strategy Discussion", "Strategy Meeting", "Strategy", "Strat Disc",
            "Strategy Discussion/Meeting", "Strategy Discussion (S47)", "S47 Strategy Discussion",
        ),
        "icpc": (
            "ICPC", "Initial Child Protection Conference", "Initial CP Conference",
            "Initial Case Conference", "ICPC Meeting", "Initial Child Protection Case Conference",
        ),
        "rcpc": (
            "RCPC", "Review Child Protection Conference", "Review CP Conference",
            "CP Review Conference", "Child Protection Review Conference", "Review Case Conference",
            "CP Review", "RCPC Meeting",
        ),
        "core_group": ("Core Group", "Core Group Meeting", "CGM", "Core Group Review"),
        "cin_review": (
            "CIN Review", "Child in Need Review", "CIN Meeting", "Child in Need Meeting",
            "CIN Plan Review", "Child in Need Plan Review", "CIN Review Meeting",
        ),
        "cla_review": (
            "CLA Review", "LAC Review", "CiC Review", "Looked After Review",
            "Looked After Child Review", "Child in Care Review", "Children in Care Review",
            "Statutory Review", "IRO Review", "Review of Arrangements", "Looked After Children Review",
        ),
        "taf": (
            "TAF", "TAF Meeting", "TAF Review", "Team Around the Family",
            "Team Around the Family Meeting", "Team Around the Family Review", "TAC",
            "Team Around the Child",
        ),
        "family_network": (
            "Family Network Meeting", "Family Network", "FNM", "Family Group Conference", "FGC",
        ),
        "pathway_plan_review": ("Pathway Plan Review", "Pathway Review", "PP Review"),
        "care_team": ("Care Team Meeting", "Care Team", "Care Team Review", "Team Around the Child in Care"),
        "key_review": ("Key Review", "Key Review Meeting", "Manager's Key Review", "Managers Key Review",
                       "Management Key Review"),
    },
    "document_type": {
        "chronology": ("Chronology", "Chronology Update", "Chronology Updated", "Case Chronology"),
        "genogram": ("Genogram", "Family Tree", "Genogram Updated"),
        "ecomap": ("Ecomap", "Eco-map", "Eco Map"),
        "case_summary": ("Case Summary", "Case Summary Update", "Summary", "Case / Summary"),
        "pen_picture": ("Pen Picture", "Pen Portrait"),
        "plan": (
            "Plan", "Child's Plan", "Childs Plan", "Care Plan", "CIN Plan", "Child in Need Plan",
            "CP Plan", "Child Protection Plan", "Care and Support Plan", "Family Plan",
            "Outline Child Protection Plan",
        ),
        "pathway_plan": ("Pathway Plan", "Pathway Plan Review Document"),
        "working_agreement": ("Working Agreement", "Written Agreement", "Family Agreement"),
        "health_assessment": (
            "Health Assessment", "Initial Health Assessment", "IHA", "Review Health Assessment",
            "RHA",
        ),
        "dental_check": ("Dental Check", "Dental", "Dental Check-up", "Dentist Visit"),
        "life_story": ("Life Story", "Life Story Work", "Life Story Book"),
        "direct_work": ("Direct Work", "Direct Work Session"),
        "personal_education_plan": ("Personal Education Plan", "PEP"),
        "permanence_plan": ("Permanence Plan", "Plan for Permanence", "Permanency Plan",
                            "Permanence Planning Report", "Permanence Report"),
        "closure_letter": ("Closure Letter", "Case Closure Letter", "Ending Letter", "Goodbye Letter",
                           "Closing Letter"),
        "preparing_for_adulthood": (
            "Preparing for Adulthood", "Preparing for Adulthood Plan", "Preparation for Adulthood",
            "PfA", "PfA Plan", "Preparation for Independence", "Independence Plan",
        ),
    },
    "visit_type": {
        "statutory": (
            "Statutory", "Statutory Visit", "Statutory Home Visit", "CP Statutory Visit",
            "CIN Statutory Visit", "CLA Statutory Visit", "LAC Statutory Visit",
            "Statutory Visit - CP", "Statutory Visit - CIN", "Statutory Visit - CLA",
            "Statutory Visit - LAC", "Statutory Visit (CP)", "Statutory Visit (CIN)",
            "Statutory Visit (CLA)", "CP Visit", "CIN Visit", "CLA Visit", "LAC Visit", "CiC Visit",
            "Child Protection Visit", "Child in Need Visit", "Looked After Child Visit",
            "Looked After Visit", "Child in Care Visit", "Unannounced Statutory Visit",
            "Care Leaver Visit", "Pathway Plan Visit", "Private Fostering Visit",
        ),
        "other": (
            "Other", "Other Visit", "Non-statutory", "Non Statutory", "Non-statutory Visit",
            "Additional Visit",
        ),
    },
    "supervision_type": {
        "allocation": ("Allocation", "Allocation Supervision", "Allocation Decision",
                       "Allocation Discussion"),
        "case": ("Case", "Case Supervision", "Supervision", "Individual Supervision",
                 "Reflective Supervision", "Case Discussion", "Formal Supervision"),
        "management_oversight": ("Management Oversight", "Manager Oversight", "Managerial Oversight",
                                 "Management Decision", "Management Review", "MO"),
        "joint": ("Joint", "Joint Supervision", "Joint Case Supervision", "Transition Supervision"),
        "service_manager_review": ("Service Manager Review", "Service Manager Oversight",
                                   "Service Manager Supervision", "Head of Service Review", "SM Review"),
    },
    "assessment_type": {
        "child_and_family": (
            "Child and Family Assessment", "Child & Family Assessment", "C&F Assessment", "CFA",
            "Single Assessment", "Assessment", "Social Work Assessment", "CIN Assessment",
            "Child in Need Assessment", "S17 Assessment", "Initial Assessment", "Core Assessment",
        ),
        "early_help": (
            "Early Help Assessment", "EHA", "Early Help Family Assessment", "CAF",
            "Common Assessment Framework",
        ),
    },
    # SSDA903 PLACE codes (the DfE's children looked after return, 2017-18 on) and descriptions
    "placement_type": {
        "A3": ("Placed for adoption with consent with current foster carers",),
        "A4": ("Placed for adoption with consent not with current foster carer",),
        "A5": ("Placed for adoption with placement order with current foster carers",),
        "A6": ("Placed for adoption with placement order not with current foster carer",),
        "H5": ("Semi-independent living accommodation not subject to children's homes regulations",
               "Semi-independent living", "Semi-independent accommodation"),
        "K1": ("Secure children's home", "Secure children's homes", "Secure unit"),
        "K2": ("Children's home subject to children's homes regulations",
               "Children's homes subject to children's homes regulations", "Children's home"),
        "K3": ("Registered supported accommodation", "Supported accommodation"),
        "P1": ("Placed with own parent(s) or other person(s) with parental responsibility",
               "Placed with own parents", "Placed with parents", "Placed with own parent",
               "Placed with parent(s)", "Home on trial"),
        "P2": ("Independent living", "Independent living, e.g. in a flat, lodgings, bedsit, B&B"),
        "P3": ("Residential employment",),
        "R1": ("Residential care home",),
        "R2": ("NHS/health trust or other establishment providing medical or nursing care",),
        "R3": ("Family centre or mother and baby unit", "Mother and baby unit", "Family centre"),
        "R5": ("Young offender institution or prison", "Young offender institution"),
        "S1": ("All residential schools, except where dual-registered as a school and children's home",
               "Residential school"),
        "T0": ("All types of temporary move",),
        "T1": ("Temporary periods in hospital",),
        "T2": ("Temporary absences of the child on holiday",),
        "T3": ("Temporary accommodation whilst normal foster carer is on holiday",),
        "T4": ("Temporary accommodation of seven days or less",),
        "U1": ("Foster placement with relative or friend - long term fostering",),
        "U2": ("Foster placement with relative(s) or friend(s) who is also an approved adopter - "
               "fostering for adoption / concurrent planning",),
        "U3": ("Foster placement with relative or friend who is not long term or FFA/concurrent "
               "planning", "Foster placement with relative or friend - not long term or FFA"),
        "U4": ("Foster placement with other foster carer - long term fostering",),
        "U5": ("Foster placement with other foster carer who is also an approved adopter - "
               "fostering for adoption / concurrent planning",),
        "U6": ("Foster placement with other foster carer - not long term or FFA/concurrent planning",
               "Foster placement with other foster carer - not long term or FFA"),
        "Z1": ("Other placements", "Other placement"),
        "Z11": (), "Z12": (), "Z13": (), "Z14": (),
    },
    # SSDA903 LS codes (the legal status during a placement) and descriptions
    "legal_status": {
        "C1": ("Interim care order", "ICO", "Interim Care Order (s38)"),
        "C2": ("Full care order", "Care order", "Care Order (s31)", "Full Care Order (s31)"),
        "D1": ("Freeing order granted", "Freeing order"),
        "E1": ("Placement order granted", "Placement order"),
        "J1": ("Remanded to the local authority or youth detention accommodation",
               "Remanded to local authority accommodation or to youth detention accommodation",
               "Remand"),
        "J2": ("Placed in the local authority accommodation under the Police and Criminal Evidence "
               "Act 1984", "PACE accommodation", "PACE"),
        "J3": ("Sentenced to youth rehabilitation order with residence or intensive fostering "
               "requirement", "Youth rehabilitation order"),
        "L1": ("Under police protection and in local authority accommodation", "Police protection"),
        "L2": ("Emergency protection order", "EPO"),
        "L3": ("Under child assessment order and in local authority accommodation",
               "Child assessment order"),
        "V2": ("Single period of accommodation under section 20", "Section 20", "S20",
               "Accommodated under section 20", "Voluntary accommodation"),
        "V3": ("Accommodated under an agreed series of short-term breaks, when individual episodes "
               "of care are recorded", "Short breaks (episodes recorded)"),
        "V4": ("Accommodated under an agreed series of short-term breaks, when agreements are "
               "recorded", "Short breaks (agreements recorded)"),
    },
    "contact_type": {
        "face_to_face": ("Face to Face", "Face-to-Face Contact", "In Person", "Office Visit",
                         "Office Appointment", "Home Visit (non-statutory)"),
        "phone": ("Phone", "Phone Call", "Telephone", "Telephone Call", "Telephone Contact", "Call"),
        "text": ("Text", "Text Message", "SMS", "WhatsApp", "Message"),
        "email": ("Email", "E-mail", "Email Contact"),
        "video": ("Video", "Video Call", "Teams Call", "Microsoft Teams", "Zoom", "Virtual",
                  "Virtual Contact"),
        "letter": ("Letter", "Letter Sent", "Written"),
        "other": ("Other", "Other Contact"),
    },
    "contact_by": {
        "social_worker": ("Social Worker", "SW", "Allocated Social Worker", "Allocated Worker",
                          "Case Worker", "Social Work"),
        "early_help_practitioner": ("Early Help Practitioner", "Lead Practitioner",
                                    "Family Support Worker", "Early Help Worker", "EH Practitioner"),
        "iro": ("IRO", "Independent Reviewing Officer", "Reviewing Officer", "CP Chair",
                "Child Protection Chair"),
        "personal_adviser": ("Personal Adviser", "Personal Advisor", "PA", "Leaving Care Worker",
                             "Leaving Care Personal Adviser"),
        "other": ("Other", "Other Professional"),
    },
    "outcome": {
        "nfa": ("NFA", "No Further Action", "No Further Action (NFA)", "Referral NFA", "Closed - NFA",
                "Close - No Further Action"),
        "information_advice": ("Information and Advice", "Advice and Information", "Information / Advice",
                               "Information Advice", "Advice Given", "Signposting", "Signposted"),
        "early_help": ("Early Help", "Step Down to Early Help", "Stepped Down to Early Help",
                       "Referred to Early Help", "Early Help Assessment"),
        "assessment": ("Assessment", "Single Assessment", "Child and Family Assessment",
                       "C&F Assessment", "CFA", "Progress to Assessment", "Proceed to Assessment",
                       "Social Work Assessment", "Assessment (S17)"),
        "s47": ("S47", "Section 47", "S47 Enquiry", "Section 47 Enquiry", "Strategy Discussion",
                "Strategy Discussion / S47", "Strategy Meeting"),
    },
}

CODED_COLUMNS = CODE_COLUMNS  # the coded columns of each native table
#: columns whose codes are written upper case (the DfE's), not as lower-case words
UPPER = {"placement_type", "legal_status"}
UNKNOWN_SCHEMA = {"value": pl.String, "rows": pl.Int64, "suggestion": pl.String}
_PREFIX = r"^[a-zA-Z]\)\s*"  # Annex A's "b) Female"
_LEADING_CODE = r"^([A-Za-z]\d{1,2})(?:\s*[-:.)]|\s+\S)"  # "U4 - Foster placement ..."


def key(text: str) -> str:
    """A spelling reduced for matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", re.sub(_PREFIX, "", str(text)).lower())


def _key_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(_PREFIX, "").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "")


@cache
def lookup(column: str | None = None) -> dict[str, str]:
    """Every spelling's key -> its code, for one column (None: every column)."""
    columns = [column] if column is not None else list(CODES)
    out: dict[str, str] = {}
    for col in columns:
        for code, spellings in CODES.get(col, {}).items():
            for s in (code, *spellings):
                out.setdefault(key(s), code)
    return out


def codes(column: str) -> tuple[str, ...]:
    """The canonical codes of a column."""
    return tuple(CODES.get(column, {}))


def _tidy(expr: pl.Expr, column: str | None) -> pl.Expr:
    """What an unknown value is kept as: lower-case words joined by ``_`` (``Life Story Work`` ->
    ``life_story_work``, so a profile may still name it), or upper case for DfE codes."""
    text = expr.str.replace(_PREFIX, "")
    if column in UPPER:
        return text.str.to_uppercase()
    return text.str.to_lowercase().str.replace_all(r"[\s\-/]+", "_")


def match_values(values: pl.Series, column: str | None,
                 extra: dict[str, str] | None = None) -> pl.Series:
    """The code of each value (null where none is known): ``extra`` (a mapping's own value map,
    keyed by :func:`key`) first, then the vocabulary. Meant for distinct values."""
    table = {**lookup(column), **(extra or {})}
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    k = _key_expr(pl.col("v"))
    keys, vals = list(table), list(table.values())
    exact = k.replace_strict(keys, vals, default=None, return_dtype=pl.String)
    unbracketed = _key_expr(pl.col("v").str.replace_all(r"\s*[(\[][^)\]]*[)\]]\s*", " ")).replace_strict(
        keys, vals, default=None, return_dtype=pl.String)
    found = [exact, unbracketed]
    if column in UPPER:  # "U4 - Foster placement..." -> U4
        lead = pl.col("v").str.strip_chars().str.extract(_LEADING_CODE, 1).str.to_lowercase()
        found.append(lead.replace_strict(keys, vals, default=None, return_dtype=pl.String))
    return frame.select(pl.coalesce(found).alias("c"))["c"]


@dataclass
class Matched:
    """A coded column matched: the codes (unknown values kept, tidied) and what was unknown."""

    codes: pl.Series
    unknown: pl.DataFrame  # UNKNOWN_SCHEMA: each unknown value (as written), its rows, a guess


def match(series: pl.Series, column: str | None) -> Matched:
    """Match a coded column (any dtype) through the vocabulary of ``column``.

    Blank cells (and ``N/A``...) are null. A value the vocabulary does not know is kept, tidied
    (``Life Story Work`` -> ``life_story_work``), and listed in ``unknown`` with its row count and
    the nearest known code.
    """
    name = series.name
    raw = series.cast(pl.String)
    counts = raw.value_counts(name="rows").drop_nulls(name)  # each distinct cell text, once
    cells = counts[name]
    text = pl.select(parse.clean_text(pl.lit(cells))).to_series()  # N/A, #N/A, "" -> null
    code = match_values(text, column)
    tidy = pl.select(_tidy(pl.lit(text), column)).to_series()
    kept = pl.select(pl.coalesce(pl.lit(code), pl.lit(tidy))).to_series()
    out = raw.replace_strict(cells, kept, default=None, return_dtype=pl.String).alias(name)
    unknown = (
        counts.with_columns(text.alias("value"), code.alias("code"))
        .filter(pl.col("value").is_not_null() & pl.col("code").is_null())
        .group_by("value").agg(pl.col("rows").sum())
    )
    guesses = [suggest(v, column) for v in unknown["value"].to_list()]
    unknown = unknown.with_columns(pl.Series("suggestion", guesses, dtype=pl.String))
    unknown = unknown.select(list(UNKNOWN_SCHEMA)).cast(UNKNOWN_SCHEMA).sort(  # type: ignore[arg-type]
        ["rows", "value"], descending=[True, False])
    return Matched(out, unknown)


def suggest(value: str, column: str | None) -> str | None:
    """The nearest known code for an unknown value (a "did you mean"), or None."""
    table = lookup(column)
    k = key(value)
    if not k:
        return None
    hits = difflib.get_close_matches(k, list(table), n=1, cutoff=0.75)
    if hits:
        return table[hits[0]]
    for spelling, code in sorted(table.items(), key=lambda kv: -len(kv[0])):  # a word inside it
        if len(spelling) >= 4 and spelling in k:
            return code
    return None


def tidy_codes(series: pl.Series) -> pl.Series:
    """Codes of any coded column (the vocabularies of every column together), unknown values
    tidied; for callers that do not know the column."""
    return parse.by_unique(series.cast(pl.String).alias(series.name),
                           lambda s: match(s, None).codes, pl.String())


def referenced_codes(profile) -> dict[str, set[str]]:
    """Codes a profile's rules name, per column (a profile may use a code of its own, which is
    then known for that audit)."""
    out: dict[str, set[str]] = {}
    for rule in profile.rules:
        out.setdefault("episode_type", set()).update(rule.cohort, rule.exclude)
        wheres = [w for r in rule.refs for w in r.where] + list(rule.start_where)
        wheres += [(c.column, c.values) for r in rule.refs for c in r.conds]
        wheres += [(c.column, c.values) for alt in rule.placement_conditions for c in alt]
        for col, values in wheres:
            if col in CODES:
                out.setdefault(col, set()).update(v for v in values if isinstance(v, str))
    return out


__all__ = ["CODED_COLUMNS", "CODES", "Matched", "codes", "key", "lookup", "match", "match_values",
           "referenced_codes", "suggest", "tidy_codes"]
