"""Ofsted's Annex A: one workbook, a sheet per list (``List 1`` ... ``List 11``).

Annex A is a snapshot: each list holds, per child, the latest dates at the extract date. So the
audit is a point-in-time one at the extract date (``--as-at``, or the latest date in the
workbook), and each list row is spread over the native tables it has dates for:

=======  ==========================================================================================
list     native rows
=======  ==========================================================================================
1        children only (contacts are not audited)
2        assessments (early_help: start, completion)
3        referrals (date of referral; outcome ``nfa`` when Referral NFA? is yes)
4        assessments (child_and_family: start; completed and authorised on the authorisation date)
5        meetings strategy_discussion (the strategy discussion that started the s47 enquiry) and
         icpc
6        episodes child_in_need; visits (the date the child was last seen)
7        episodes child_protection; visits (last statutory visit, seen alone); meetings rcpc
         (latest review conference)
8        episodes child_in_care; placements (most recent placement); visits (last social work
         visit); meetings cla_review (latest statutory review); documents health_assessment and
         dental_check
9        episodes care_leaver (from the young person's 18th birthday, or their 16th while under
         18; worker the allocated worker, else the personal adviser); visits and meetings
         pathway_plan_review where the sheet has those dates (templates from 2023 on)
10       children only
11       not read (adopters are not children)
=======  ==========================================================================================

Every list gives the children table its child ids, dates of birth, gender and disability (the
first list with a readable value wins). Each list row counts once in its first table (the
episode, referral, assessment or strategy discussion); it gives a row in the other tables only
where the list has a date for it, so a bad date in one column loses only the row that column
gives. Headings are matched loosely (case, spacing, punctuation, non-breaking spaces, and
close spellings), and a title row above the headings is skipped. Each list's visits, reviews
and documents declare the episodes they are about (``Part.supplies``), so a rule whose column
the workbook lacks is "not assessed" rather than a finding against every child.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from casecheck.dataset import ROW
from casecheck.errors import InputError, describe_headings
from casecheck.sources.common import (
    FILE,
    Extract,
    Part,
    SourceTable,
    as_date,
    clean,
    const,
    count_note,
    flag_expr,
    make_part,
    nonblank,
    norm,
    read_tables,
    resolve_roles,
    strip_prefix,
    supplying,
)

LIST_RE = re.compile(r"(?:^|[^a-z])list\s*[_\-.]?\s*(\d{1,2})(?!\d)", re.IGNORECASE)

# Headings of every published template since 2015 (the SIF's and ILACS's), of common local
# variants, and of the SSD's own Annex A script (PascalCase, with its spellings: "Loooked",
# "Strat"). Matching ignores case, spaces and punctuation, so "ChildUniqueID" is
# "Child Unique ID"; close spellings are matched too (resolve_roles).
COMMON: dict[str, tuple[str, ...]] = {
    "child_id": ("Child Unique ID", "Child ID", "Unique Child ID", "Child Unique Identifier",
                 "Child Identifier", "Child Unique Reference", "ChildUniqueID"),
    "date_of_birth": ("Date of Birth", "DOB", "Child's Date of Birth", "DateOfBirth"),
    "gender": ("Gender", "Sex"),
    "disability": ("Does the Child have a Disability", "Disability", "Disabled", "HasDisability",
                   "Does the child have a disability (Y/N)", "Child has a disability"),
    "team": ("Allocated Team", "Team", "AllocatedTeam"),
    "worker": ("Allocated Worker", "Allocated Social Worker", "Worker", "AllocatedWorker",
               "Allocated Social Worker Name"),
}

LISTS: dict[int, dict[str, tuple[str, ...]]] = {
    1: {"contact": ("Date of Contact", "Contact Date", "DateOfContact")},
    2: {
        "start": ("Assessment start date", "Date assessment started", "Early Help Assessment Start Date",
                  "AssessmentStartDate", "Date of Early Help Assessment"),
        "completed": ("Assessment completion date", "Assessment completed date",
                      "Date assessment completed", "AssessmentCompletionDate",
                      "Early Help Assessment Completion Date"),
    },
    3: {
        "received": ("Date of referral", "Referral date", "ReferralDate", "Date referral received"),
        "nfa": ("Referral NFA?", "Referral NFA", "Was the referral NFA?", "ReferralNFA",
                "Referral resulted in NFA?"),
    },
    4: {
        "start": ("Continuous Assessment Start Date", "Assessment Start Date",
                  "Date assessment started", "ContinuousAssessmentStart",
                  "ContinuousAssessmentStartDate", "Date of Assessment Start",
                  "Single Assessment Start Date"),
        "authorised": ("Continuous Assessment Date of Authorisation",
                       "Assessment Date of Authorisation", "Date of Authorisation",
                       "Assessment Authorisation Date", "Date assessment authorised",
                       "ContinuousAssessmentAuthDate", "Continuous Assessment Authorisation Date",
                       "Single Assessment Date of Authorisation", "Date assessment completed"),
    },
    5: {
        "strategy": ("Strategy discussion initiating Section 47 Enquiry Start Date",
                     "Section 47 Enquiry Start Date", "Strategy Discussion Date", "S47 Start Date",
                     "StratDiscussionDate", "StrategyDiscussionDate", "Date of strategy discussion",
                     "Date Section 47 enquiry started", "Start date of Section 47 enquiry"),
        "icpc": ("Date of Initial Child Protection Conference", "Initial Child Protection Conference Date",
                 "ICPC Date", "Date of ICPC", "InitialCPConfDate", "Date of initial CP conference"),
    },
    6: {
        "start": ("CIN Start Date", "Child in Need Start Date", "CINStartDate",
                  "CIN Episode Start Date", "Date CIN episode started"),
        "last_seen": ("Date Child Was Last Seen", "Date Child Last Seen", "Date Last Seen",
                      "DateChildLastSeen", "Date child last seen by social worker",
                      "Date of last visit"),
        "end": ("CIN Closure Date", "CIN End Date", "Child in Need Closure Date", "CINClosureDate",
                "CIN Episode End Date"),
    },
    7: {
        "start": ("Child Protection Plan Start Date", "CP Plan Start Date",
                  "ChildProtectionPlanStartDate", "Date CP plan started"),
        "last_visit": ("Date of the Last Statutory Visit", "Date of Last Statutory Visit",
                       "Last Statutory Visit Date", "DateOfLastStatutoryVisit",
                       "Date of last visit", "Date of last CP visit"),
        "seen_alone": ("Was the Child Seen Alone?", "Child Seen Alone", "Seen Alone",
                       "Was the child seen alone at the last statutory visit?", "ChildSeenAlone"),
        "rcpc": ("Date of latest review conference", "Latest Review Conference Date",
                 "Date of Last Review Conference", "Date of latest review child protection conference",
                 "DateOfLatestReviewConf", "Date of last child protection review conference",
                 "Date of latest RCPC"),
        "end": ("Child Protection Plan End Date", "CP Plan End Date", "ChildProtectionPlanEndDate"),
    },
    8: {
        "start": ("Date Started to be Looked After", "Date Started Looked After",
                  "Date Became Looked After", "Date child started to be looked after",
                  "LoookedAfterStartDate", "LookedAfterStartDate", "Date entered care",
                  "Date started to be looked after (current episode)"),
        "review": ("Date of Latest Statutory Review", "Date of Last Statutory Review",
                   "Latest Statutory Review Date", "LatestStatutoryReviewDate",
                   "Date of last LAC review", "Date of last CLA review", "Date of latest review",
                   "Date of last review"),
        "visit": ("Date of Last Social Work Visit", "Date of Last Social Worker Visit",
                  "Last Social Work Visit Date", "LastSocialWorkVisitDate",
                  "Date of last statutory visit", "Date of last visit"),
        "health": ("Date of Last Health Assessment", "Last Health Assessment Date",
                   "Date of Latest Health Assessment", "LastHealthAssessmentDate"),
        "dental": ("Date of Last Dental Check", "Last Dental Check Date",
                   "Date of Latest Dental Check", "LastDentalCheckDate"),
        "ceased": ("Date Ceased to be Looked After", "Date Ceased Looked After",
                   "CeasedLookedAfterDate", "Date ceased care"),
        "placement_start": ("Start Date of Most Recent Placement", "Start Date of Current Placement",
                            "Most Recent Placement Start Date", "MostRecentPlacementStartDate",
                            "Date of current placement"),
        "placement_type": ("Placement Type", "PlacementType"),
        "legal_status": ("Child's Legal Status", "Childs Legal Status", "Legal Status",
                         "LegalStatus", "Child's legal status (current)"),
        "iro_contact": ("Date of Last IRO Visit / Contact to the Child",
                        "Date of Last IRO Visit/Contact to the Child", "Date of Last IRO Contact",
                        "Date of last IRO visit", "LastIROContact", "LastIROContactDate"),
    },
    9: {
        "latest_contact": ("Date of Latest Contact", "Latest Contact Date", "Date of Last Contact",
                           "Latest Date of Contact", "LatestContact", "LatestContactDate",
                           "Date of latest contact with young person"),
        "pathway_review": ("Date of Latest Pathway Plan Review", "Pathway Plan Review Date",
                           "Date Pathway Plan Last Reviewed", "Latest Pathway Plan Review Date",
                           "LatestPathwayPlan", "LatestPathwayPlanReviewDate",
                           "Date of latest pathway plan"),
        "adviser": ("Allocated Personal Adviser", "Allocated Personal Advisor", "Personal Adviser",
                    "Personal Advisor", "AllocatedPersonalAdvisor", "AllocatedPersonalAdviser",
                    "Allocated PA"),
    },
    10: {},
}
#: the date roles, for inferring the extract date (dates of birth are left out)
DATE_ROLES = {
    "contact", "start", "completed", "received", "authorised", "strategy", "icpc", "last_seen",
    "end", "last_visit", "rcpc", "review", "visit", "health", "dental", "ceased",
    "placement_start", "latest_contact", "pathway_review", "iro_contact",
}
#: the episodes whose visits and reviews each list's dates are about
COHORTS = {6: "child_in_need", 7: "child_protection", 8: "child_in_care", 9: "care_leaver"}
TITLES = {
    1: "contacts", 2: "early help assessments", 3: "referrals", 4: "assessments",
    5: "section 47 enquiries and ICPCs", 6: "children in need", 7: "child protection plans",
    8: "children in care", 9: "care leavers", 10: "adoption", 11: "adopters",
}


def list_number(sheet: str) -> int | None:
    m = LIST_RE.search(sheet.replace("\u00a0", " "))
    return int(m.group(1)) if m else None


def is_annex_a(sheets: list[str]) -> bool:
    return sum(1 for s in sheets if list_number(s) is not None) >= 1


def _find_heading_row(st: SourceTable) -> SourceTable:
    """Skip title rows above the headings: the heading row is the first holding a child id
    heading (within the first 15 rows)."""
    if resolve_roles(st.headers, {"child_id": COMMON["child_id"]}, cutoff=0.9):
        return st
    wanted = {norm(c) for c in COMMON["child_id"]}
    head = st.frame.head(15)
    cols = st.headers
    for i, values in enumerate(head.select(cols).iter_rows()):
        if any(v is not None and norm(v) in wanted for v in values):
            names: list[str] = []
            for j, v in enumerate(values):
                name = str(v).replace("\u00a0", " ").strip() if v is not None else ""
                name = name or f"column {j + 1}"
                while name in names:
                    name += " (2)"
                names.append(name)
            extra = [c for c in st.frame.columns if c not in cols]
            body = st.frame.slice(i + 1).select(*extra, *cols)
            body = body.rename(dict(zip(cols, names, strict=True)))
            st.frame = body
            st.notes.append(f"headings taken from row {head[ROW][i]} (rows above it skipped)")
            return st
    return st


class _List:
    def __init__(self, number: int, st: SourceTable) -> None:
        self.n = number
        self.st = st
        roles = dict(COMMON) | LISTS.get(number, {})
        self.h = resolve_roles(st.headers, roles)
        if "child_id" not in self.h:
            seen = describe_headings(st.headers)
            raise InputError(
                f"{st.label} has no 'Child Unique ID' column {seen}"
            )

    def col(self, role: str) -> str | None:
        return self.h.get(role)

    def child(self) -> str:
        return self.h["child_id"]


def _infer_as_at(lists: list[_List], today: dt.date) -> tuple[dt.date | None, int]:
    latest: dt.date | None = None
    later = 0
    for lst in lists:
        for role, header in lst.h.items():
            if role not in DATE_ROLES:
                continue
            dates = as_date(lst.st.frame[header]).drop_nulls()
            if dates.is_empty():
                continue
            later += int((dates > today).sum())
            ok = dates.filter(dates <= today)
            if ok.len():
                top = ok.max()
                if latest is None or top > latest:  # type: ignore[operator]
                    latest = top  # type: ignore[assignment]
    return latest, later


def _children(lists: list[_List], book: str) -> Part:
    frames = []
    for lst in lists:
        st = lst.st

        def raw(role: str, st: SourceTable = st, lst: _List = lst) -> pl.Expr:
            h = lst.col(role)
            return st.use(h).cast(pl.String) if h else pl.lit(None, dtype=pl.String)

        frames.append(
            st.frame.select(
                pl.col(ROW),
                pl.lit(st.label).alias(FILE),
                pl.lit(lst.n).alias("__order"),
                clean(st.use(lst.child())).alias("child_id"),
                raw("date_of_birth").alias("date_of_birth"),
                strip_prefix(raw("gender")).alias("gender"),
                raw("disability").alias("disability"),
            )
        )
    allc = pl.concat(frames)
    allc = allc.with_columns(
        pl.Series("__dob", as_date(allc["date_of_birth"])),
        flag_expr(pl.col("disability")).is_not_null().alias("__dis_ok"),
    ).with_columns(pl.col("__dob").is_not_null().alias("__dob_ok"))
    known = (
        allc.filter(pl.col("child_id").is_not_null())
        .sort("__order", ROW)
        .group_by("child_id", maintain_order=True)
        .agg(
            pl.col(ROW).first(),
            pl.col(FILE).first(),
            pl.coalesce(
                pl.col("date_of_birth").filter(pl.col("__dob_ok")).first(),
                pl.col("date_of_birth").drop_nulls().first(),
            ).alias("date_of_birth"),
            pl.col("gender").drop_nulls().first(),
            pl.coalesce(
                pl.col("disability").filter(pl.col("__dis_ok")).first(),
                pl.col("disability").drop_nulls().first(),
            ).alias("disability"),
            pl.col("__dob").drop_nulls().n_unique().alias("__dobs"),
        )
    )
    # rows without a child id in lists that give no other table are reported here
    blank = allc.filter(pl.col("child_id").is_null() & pl.col("__order").is_in([1, 10])).select(
        ROW, FILE, "child_id", "date_of_birth", "gender", "disability"
    )
    frame = pl.concat([known.drop("__dobs"), blank], how="diagonal_relaxed")
    sheets = [lst.st.name for lst in lists]
    pseudo = SourceTable("every list", f"{book} [{', '.join(sheets)}]", frame, lists[0].st.path)
    mapping = {
        "child_id": "Child Unique ID (every list)",
        "date_of_birth": "Date of Birth (the first list with a readable date)",
        "gender": "Gender (the first list that gives one; 'a) ' prefixes dropped)",
        "disability": "Does the Child have a Disability (the first list with a yes or no)",
    }
    part = Part("children", pseudo, frame, mapping)
    conflicts = int((known["__dobs"] > 1).sum())
    note = (
        f"{known.height:,} children: every distinct Child Unique ID in "
        f"{', '.join(sheets)} ({allc.height:,} list rows)"
    )
    if blank.height:
        one = blank.height == 1
        note += (f"; {blank.height:,} row{'' if one else 's'} of List 1 or List 10 with no Child "
                 f"Unique ID {'is' if one else 'are'} reported")
    if conflicts:
        note += (f"; {conflicts:,} {'child has' if conflicts == 1 else 'children have'} different "
                 "dates of birth in different lists (the first list's is used)")
    part.note = note
    return part


def _care_leaver_start(lst: _List, children: Part, as_at: dt.date) -> pl.Expr:
    """Care-leaver episodes start on the 18th birthday, or the 16th while the young person is
    under 18 (a 'relevant' child who has left care)."""
    dob = children.frame.select(
        "child_id", pl.col("date_of_birth")
    ).filter(pl.col("child_id").is_not_null())
    dob = dob.with_columns(pl.Series("d", as_date(dob["date_of_birth"])))
    d = clean(pl.col(lst.child())).replace_strict(
        dob["child_id"], dob["d"], default=None, return_dtype=pl.Date
    )
    eighteen = d.dt.offset_by("18y")
    return (
        pl.when(eighteen <= pl.lit(as_at)).then(eighteen).otherwise(d.dt.offset_by("16y"))
    ).cast(pl.String)


def _parts(lst: _List, children: Part, as_at: dt.date) -> list[Part]:
    st, n, c = lst.st, lst.n, lst.col
    child = lst.child()
    common = {"child_id": child}
    staff = {"team": c("team"), "worker_id": c("worker")}
    out: list[tuple[Part, str]] = []

    cohort = COHORTS.get(n)

    def secondary(table: str, role: str, columns: dict) -> None:
        h = c(role)
        if h is None:
            return
        part = make_part(table, st, common | columns, keep=nonblank(h))
        if cohort:
            supplying(part, cohort)
        out.append((part, f"{{have}} no '{h}'"))

    if n == 2:
        out.append((make_part("assessments", st, common | {
            "assessment_type": const("early_help"),
            "start_date": c("start") or _missing(st, "Assessment start date"),
            "completed_date": c("completed"),
        }), ""))
    elif n == 3:
        nfa = c("nfa")
        outcome = (
            (pl.when(flag_expr(st.use(nfa))).then(pl.lit("nfa")).otherwise(None),
             f"'nfa' when {nfa} is yes")
            if nfa else None
        )
        out.append((make_part("referrals", st, common | {
            "received_date": c("received") or _missing(st, "Date of referral"),
            "outcome": outcome,
        }), ""))
    elif n == 4:
        auth = c("authorised")
        out.append((make_part("assessments", st, common | {
            "assessment_type": const("child_and_family"),
            "start_date": c("start") or _missing(st, "Continuous Assessment Start Date"),
            "completed_date": auth,
            "authorised_date": auth,
        }), ""))
    elif n == 5:
        h = c("strategy") or _missing(st, "Strategy discussion initiating Section 47 Enquiry Start Date")
        out.append((make_part("meetings", st, common | {
            "meeting_type": const("strategy_discussion"),
            "meeting_date": h,
        }), ""))
        secondary("meetings", "icpc", {"meeting_type": const("icpc"), "meeting_date": c("icpc")})
    elif n == 6:
        out.append((make_part("episodes", st, common | staff | {
            "episode_type": const("child_in_need"),
            "start_date": c("start") or _missing(st, "CIN Start Date"),
            "end_date": c("end"),
        }), ""))
        secondary("visits", "last_seen", {"visit_date": c("last_seen")})
    elif n == 7:
        out.append((make_part("episodes", st, common | staff | {
            "episode_type": const("child_protection"),
            "start_date": c("start") or _missing(st, "Child Protection Plan Start Date"),
            "end_date": c("end"),
        }), ""))
        secondary("visits", "last_visit", {"visit_date": c("last_visit"), "seen_alone": c("seen_alone")})
        secondary("meetings", "rcpc", {"meeting_type": const("rcpc"), "meeting_date": c("rcpc")})
    elif n == 8:
        out.append((make_part("episodes", st, common | staff | {
            "episode_type": const("child_in_care"),
            "start_date": c("start") or _missing(st, "Date Started to be Looked After"),
            "end_date": c("ceased"),
        }), ""))
        ptype = c("placement_type")
        secondary("placements", "placement_start", {
            "start_date": c("placement_start"),
            "end_date": c("ceased"),
            "placement_type": (strip_prefix(st.use(ptype)), ptype) if ptype else None,
            "legal_status": (strip_prefix(st.use(c("legal_status"))), c("legal_status")) if c("legal_status") else None,
        })
        secondary("family_contacts", "iro_contact", {
            "contact_date": c("iro_contact"), "contact_by": const("iro"),
        })
        secondary("visits", "visit", {"visit_date": c("visit")})
        secondary("meetings", "review", {"meeting_type": const("cla_review"), "meeting_date": c("review")})
        secondary("documents", "health", {
            "document_type": const("health_assessment"), "document_date": c("health"),
        })
        secondary("documents", "dental", {
            "document_type": const("dental_check"), "document_date": c("dental"),
        })
    elif n == 9:
        adviser = c("adviser")
        worker: str | tuple[pl.Expr, str] | None = staff["worker_id"]
        if adviser and worker:
            worker = (pl.coalesce(clean(st.use(worker)), clean(st.use(adviser))),
                      f"{worker}, else {adviser}")
        elif adviser:
            worker = adviser
        out.append((make_part("episodes", st, common | staff | {
            "worker_id": worker,
            "episode_type": const("care_leaver"),
            "start_date": (
                _care_leaver_start(lst, children, as_at),
                "the young person's 18th birthday (their 16th while under 18), from Date of Birth",
            ),
        }), ""))
        secondary("visits", "latest_contact", {"visit_date": c("latest_contact")})
        secondary("family_contacts", "latest_contact", {
            "contact_date": c("latest_contact"), "contact_by": const("personal_adviser"),
        })
        secondary("meetings", "pathway_review", {
            "meeting_type": const("pathway_plan_review"), "meeting_date": c("pathway_review"),
        })
    parts = []
    for part, why in out:
        part.note = count_note(part, st.rows, why)
        parts.append(part)
    return parts


def _missing(st: SourceTable, heading: str) -> str:
    raise InputError(f"{st.label} has no '{heading}' column {describe_headings(st.headers)}")


def read_annex_a(path: Path, as_at: dt.date | None = None, today: dt.date | None = None) -> Extract:
    """Read an Annex A workbook. The extract's default audit date is ``as_at`` if given, else
    the latest date in the workbook (not after today)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        books = [p for p in path.iterdir() if p.suffix.lower() in {".xlsx", ".xlsm", ".xls"}
                 and not p.name.startswith(("~$", "."))]
        if len(books) != 1:
            raise InputError(
                f"{path} is a folder: give the Annex A workbook itself (one .xlsx file)"
            )
        path = books[0]
    sheets = read_tables(path)
    lists: list[_List] = []
    ignored: list[str] = []
    for st in sheets:
        n = list_number(st.name)
        if n is None:
            ignored.append(f"{st.label}: not an Annex A list")
            continue
        if n == 11:
            ignored.append(f"{st.label}: List 11 (adopters) is not read: adopters are not children")
            continue
        if n not in LISTS:
            ignored.append(f"{st.label}: not an Annex A list number casecheck knows")
            continue
        if st.frame.height == 0 and not st.headers:
            ignored.append(f"{st.label}: empty")
            continue
        st.kind = f"Annex A List {n} ({TITLES[n]})"
        lists.append(_List(n, _find_heading_row(st)))
    if not lists:
        raise InputError(f"{path.name} has no sheets named 'List 1' to 'List 10': is it Annex A?")
    lists.sort(key=lambda lst: lst.n)
    today = today or dt.date.today()
    inferred, later = _infer_as_at(lists, today)
    note = None
    if as_at is None:
        if inferred is None:
            note = (
                f"No dates in {path.name} to infer the audit date from: today "
                f"({today.isoformat()}) is used; give --as-at to set it."
            )
            inferred = today
        else:
            note = (
                f"Audit date {inferred.isoformat()} inferred from the latest date in {path.name}; "
                "give --as-at to set it."
            )
            if later:
                note += f" ({later:,} dates after today were taken as mistakes and not used.)"
    audit_date = as_at or inferred or today
    children = _children(lists, path.name)
    parts = [children]
    for lst in lists:
        parts += _parts(lst, children, audit_date)
    for st in (lst.st for lst in lists):
        for n in st.notes:
            children.note += f"; {st.label}: {n}"
    notes: list[str] = []
    by_n = {lst.n: lst for lst in lists}
    if 8 in by_n and by_n[8].col("review"):
        notes.append(
            "Annex A holds only each child's latest review: a schedule that counts reviews (such "
            "as a second looked-after review within 3 months of the first) takes the latest as "
            "the first, so a child may show as overdue where a later, longer interval applies."
        )
    if 9 in by_n:
        lacking = [what for role, what in (("latest_contact", "contact"),
                                           ("pathway_review", "pathway plan review"))
                   if not by_n[9].col(role)]
        if lacking:
            notes.append(
                f"{by_n[9].st.label} has no date of the latest {' or '.join(lacking)}: rules on "
                "care leavers' visits and pathway plan reviews find every care leaver not met."
            )
    if not any(p.table == "episodes" for p in parts):
        raise InputError(
            f"{path.name} has no List 6, 7, 8 or 9 (children in need, on a child protection "
            "plan, in care, leaving care): there are no episodes to audit"
        )
    extract = Extract(
        source="annex-a",
        path=path,
        parts=parts,
        sources=[lst.st for lst in lists],
        files=[path],
        notes=notes,
        ignored=ignored,
        as_at=inferred if as_at is None else as_at,
        as_at_note=note,
    )
    return extract
