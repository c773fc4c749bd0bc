"""The Children in Need census (XML): one file per census year, or several.

The DfE's CIN census holds, per child referred to or supported by children's social care in a
census year (1 April to the ``ReferenceDate``, 31 March), each CIN episode (``CINdetails``: the
referral and its closure) with its assessments, child in need plans, section 47 enquiries and
child protection plans. It maps onto the native tables like this
(``../shared/reference/cin-census.md`` holds the facts):

========================  =========================================================================
census element            native rows
========================  =========================================================================
Child                     children (LAchildID, PersonBirthDate, GenderCurrent or Sex, Disability:
                          any code but NONE is a disability)
CINdetails                referrals (received on CINreferralDate; outcome ``nfa`` when ReferralNFA
                          is 1 or true); a CINdetails-level DateOfInitialCPC (a transfer-in
                          conference) as an ``icpc`` meeting
CINPlanDates              episodes ``child_in_need`` (a census without CINPlanDates, before
                          2021-22: each CIN episode that was not NFA, referral to closure)
Assessments               assessments ``child_and_family``: started AssessmentActualStartDate,
                          completed and authorised AssessmentAuthorisationDate
Section47                 episodes ``s47`` (from S47ActualStartDate to the ICPC; an enquiry that
                          needed no conference, ICPCnotRequired, has no end date in the census and
                          gives no episode); a ``strategy_discussion`` meeting on its start date; an
                          ``icpc`` meeting on DateOfInitialCPC
ChildProtectionPlans      episodes ``child_protection``; each CPPreviewDate an ``rcpc`` meeting
========================  =========================================================================

The census holds no visits, supervision, documents, core groups, CIN reviews, referral decision
dates, workers or teams, and nothing about children in care. A record returned in more than one
census (an episode open at 31 March reappears the next year) is read once, from the latest.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck.dataset import ROW
from casecheck.errors import InputError
from casecheck.sources.common import (
    FILE,
    Contribution,
    Part,
    SourceTable,
    as_date,
    count,
    supplying,
)
from casecheck.sources.xmlread import ID, PARENT, SEP, read_xml, root_tag

RECORDS = {"Child", "CINdetails", "Assessments", "CINPlanDates", "Section47",
           "ChildProtectionPlans", "PreProceedingsandFGDM"}
GROUPS = {"Header", "CollectionDetails", "Source", "Children", "ChildIdentifiers",
          "ChildCharacteristics", "Disabilities", "Reviews", "FactorsIdentifiedAtAssessment"}
#: what each record kind gives, for the inspection
USED = {
    "Child": "children",
    "CINdetails": "referrals; meetings (icpc: transfer-in conferences)",
    "CINPlanDates": "episodes (child_in_need)",
    "Assessments": "assessments (child_and_family)",
    "Section47": "episodes (s47); meetings (strategy_discussion, icpc)",
    "ChildProtectionPlans": "episodes (child_protection); meetings (rcpc)",
}
SEX = {"1": "Male", "2": "Female", "M": "Male", "F": "Female", "9": "Indeterminate"}
SEX_UNKNOWN = ("0", "U")
TRUE = ("1", "TRUE", "T", "Y", "YES")
_COLLECTION = re.compile(rb"<(?:\w+:)?Collection>\s*CIN\s*</", re.IGNORECASE)


def is_cin_xml(path: Path) -> bool:
    """A CIN census file: root ``Message`` and collection ``CIN`` (or CIN elements) early on."""
    if path.suffix.lower() != ".xml" or root_tag(path) != "Message":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(262144)
    except OSError:
        return False
    return bool(_COLLECTION.search(head)) or b"CINdetails" in head or b"LAchildID" in head


@dataclass
class Census:
    """The census files read: per record kind, its frames (one per file)."""

    kinds: dict[str, list[SourceTable]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    references: dict[Path, dt.date | None] = field(default_factory=dict)
    plan_dates: bool = False  # some file has CINPlanDates elements (2021-22 on)
    elements: int = 0

    def stacked(self, kind: str) -> SourceTable | None:
        sts = self.kinds.get(kind)
        if not sts:
            return None
        frame = pl.concat([st.frame for st in sts], how="diagonal_relaxed")
        labels = [st.label for st in sts]
        out = SourceTable(kind, labels[0] if len(labels) == 1 else " + ".join(labels), frame,
                          sts[0].path, kind=f"CIN census {kind}"
                          + (f" ({len(sts)} censuses)" if len(sts) > 1 else ""))
        out.used |= {"CHILD", "__year", "__id", "__parent", "__plans"}
        return out


def read_file(census: Census, path: Path, label: str) -> None:
    """Read one census file: every record with the LAchildID of its child (``CHILD``), the
    file (``__file``) and its census year end (``__year``)."""
    doc = read_xml(path, RECORDS, GROUPS, label)
    census.elements += doc.elements
    ref = as_date(pl.Series([doc.leaves.get("ReferenceDate")], dtype=pl.String))[0]
    census.references[path] = ref
    child = doc.frame("Child")
    if child is None or "LAchildID" not in child.columns:
        raise InputError(f"{label} holds no Child elements with an LAchildID: is it a CIN census?")
    owner = child.select(pl.col(ID).alias("__owner"), pl.col("LAchildID").str.strip_chars().alias("CHILD"))
    details = doc.frame("CINdetails")
    # each record's child: directly (CINdetails) or through its CINdetails
    to_child = owner.rename({"__owner": PARENT})
    via = (details.select(pl.col(ID).alias(PARENT), pl.col(PARENT).alias("__owner"))
           .join(owner, on="__owner", how="left").drop("__owner")
           if details is not None else None)
    plans = bool(doc.records.get("CINPlanDates"))
    census.plan_dates |= plans
    year = ref
    for kind, rec in doc.records.items():
        frame = rec.frame()
        if kind == "Child":
            frame = frame.with_columns(pl.col("LAchildID").str.strip_chars().alias("CHILD"))
        elif kind == "CINdetails":
            frame = frame.join(to_child, on=PARENT, how="left").with_columns(
                pl.lit(plans).alias("__plans"))
        elif via is not None:
            frame = frame.join(via, on=PARENT, how="left")
        frame = frame.with_columns(pl.lit(f"{label} <{kind}>").alias(FILE),
                                   pl.lit(year, dtype=pl.Date).alias("__year"),
                                   pl.col(ID).alias("__id"), pl.col(PARENT).alias("__parent"))
        frame = frame.drop(ID, PARENT)
        st = SourceTable(kind, f"{label} <{kind}>", frame, path, kind=f"CIN census {kind}")
        st.used |= {"CHILD", "__year", "__id", "__parent", "__plans"}
        if kind not in USED:
            census.ignored.append(f"{label} <{kind}>: {frame.height:,} element(s) casecheck does "
                                  "not read")
        census.kinds.setdefault(kind, []).append(st)
    census.files.append(path)


def _col(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)


def _flag(frame: pl.DataFrame, name: str) -> pl.Expr:
    return _col(frame, name).str.strip_chars().str.to_uppercase().is_in(TRUE).fill_null(False)


def _once(frame: pl.DataFrame, *key: str) -> tuple[pl.DataFrame, int]:
    """Rows keyed by the child and ``key`` dates read once, from the latest census; rows
    without a readable key pass as they are (to be reported)."""
    k = [pl.col("CHILD").str.strip_chars()] + [
        pl.Series(f"__k{i}", as_date(frame[c])) if c in frame.columns
        else pl.lit(None, pl.Date).alias(f"__k{i}") for i, c in enumerate(key)
    ]
    f = frame.with_columns(k[0].alias("__kc"), *k[1:])
    keys = ["__kc", *[f"__k{i}" for i in range(len(key))]]
    full = pl.all_horizontal([pl.col(c).is_not_null() for c in keys])
    keyed = f.filter(full).sort("__year", descending=True, nulls_last=True).unique(
        keys, keep="first", maintain_order=True)
    out = pl.concat([keyed, f.filter(~full)], how="diagonal_relaxed").sort(FILE, ROW)
    return out.drop(keys), f.filter(full).height - keyed.height


def _episodes(st: SourceTable, f: pl.DataFrame, etype: str, start: str, end: str,
               end_desc: str | None = None) -> Part:
    """Episodes of one type from a record kind's start and end elements."""
    frame = f.select(ROW, FILE, pl.col("CHILD").alias("child_id"),
                     pl.lit(etype).alias("episode_type"),
                     _col(f, start).alias("start_date"), _col(f, end).alias("end_date"))
    part = Part("episodes", st, frame, {
        "child_id": "LAchildID (of the Child)", "episode_type": f"always '{etype}'",
        "start_date": start, "end_date": end_desc or end,
    })
    return supplying(part, codes=(etype,))


class _Map:
    def __init__(self, census: Census) -> None:
        self.c = census
        self.parts: list[Part] = []
        self.notes: list[str] = []
        self.sources: list[SourceTable] = []

    def get(self, kind: str) -> SourceTable | None:
        st = self.c.stacked(kind)
        if st is not None:
            self.sources.append(st)
        return st

    def add(self, part: Part, note: str, repeats: int = 0, what: str = "") -> None:
        if repeats:
            note += f" ({repeats:,} repeat{'s' if repeats != 1 else ''} of a later census read once)"
        part.note = note
        self.parts.append(part)

    def children(self) -> tuple[list[pl.DataFrame], list[str]]:
        st = self.get("Child")
        if st is None:
            return [], []
        f = st.frame.sort("__year", ROW, descending=[True, False], nulls_last=True)
        st.used |= {"LAchildID", "PersonBirthDate", "GenderCurrent", "Sex", "Disability"}
        sex = pl.coalesce(_col(f, "Sex"), _col(f, "GenderCurrent")).str.strip_chars().str.to_uppercase()
        dis = _col(f, "Disability").str.to_uppercase().str.split(SEP).list.eval(
            pl.element().str.strip_chars()).list.eval(pl.element().filter(pl.element() != ""))
        disability = (
            pl.when(dis.is_null() | (dis.list.len() == 0)).then(None)
            .when(dis.list.eval(pl.element() != "NONE").list.any()).then(pl.lit("Y"))
            .otherwise(pl.lit("N"))
        )
        frame = f.select(
            ROW, FILE, pl.col("CHILD").alias("child_id"),
            _col(f, "PersonBirthDate").alias("date_of_birth"),
            sex.replace_strict(SEX, default=pl.when(sex.is_in(SEX_UNKNOWN)).then(None).otherwise(sex))
            .alias("gender"),
            disability.alias("disability"),
        )
        unborn = int(f.select(_col(f, "PersonBirthDate").is_null()
                              & _col(f, "ExpectedPersonBirthDate").is_not_null()).to_series().sum())
        if unborn:
            st.used.add("ExpectedPersonBirthDate")
            self.notes.append(f"{st.label}: {count(unborn, 'unborn child', 'unborn children')} (an expected date of "
                              "birth only) " + ("has" if unborn == 1 else "have") + " no date of birth")
        return [frame], [st.label]

    def referrals(self) -> None:
        st = self.get("CINdetails")
        if st is None:
            return
        f, rep = _once(st.frame, "CINreferralDate")
        st.used |= {"CINreferralDate", "ReferralNFA"}
        nfa = _flag(f, "ReferralNFA")
        frame = f.select(ROW, FILE, pl.col("CHILD").alias("child_id"),
                         _col(f, "CINreferralDate").alias("received_date"),
                         pl.when(nfa).then(pl.lit("nfa")).otherwise(None).alias("outcome"))
        part = Part("referrals", st, frame, {
            "child_id": "LAchildID (of the Child)", "received_date": "CINreferralDate",
            "outcome": "'nfa' when ReferralNFA is 1 or true",
        })
        n_nfa = int(frame["outcome"].is_not_null().sum())
        self.add(supplying(part, codes=()), f"{frame.height:,} referrals from {st.label} "
                 f"({n_nfa:,} NFA); the census holds no decision dates", rep)
        if "__plans" in f.columns and not f["__plans"].all():
            # a census before 2021-22 has no CINPlanDates: its CIN episodes stand for the plans
            open_ = f.filter(~nfa & ~pl.col("__plans") & _col(f, "CINreferralDate").is_not_null())
            st.used |= {"CINclosureDate"}
            part = _episodes(st, open_, "child_in_need", "CINreferralDate", "CINclosureDate")
            frame = part.frame
            files = ", ".join(sorted({x.split(" <")[0] for x in open_[FILE].to_list()}))
            self.add(part,
                     f"{frame.height:,} child_in_need episodes from {files}: a census before "
                     "2021-22 has no CINPlanDates, so each of its CIN episodes that was not NFA "
                     "counts, from referral to closure")
        # transfer-in conferences: an ICPC recorded on the CIN episode, not on an enquiry
        if "DateOfInitialCPC" in f.columns:
            st.used.add("DateOfInitialCPC")
            self._icpc_transfer = f.filter(_col(f, "DateOfInitialCPC").str.strip_chars() != "")

    _icpc_transfer: pl.DataFrame | None = None

    def plans(self) -> None:
        st = self.get("CINPlanDates")
        if st is None:
            return
        f, rep = _once(st.frame, "CINPlanStartDate")
        st.used |= {"CINPlanStartDate", "CINPlanEndDate"}
        part = _episodes(st, f, "child_in_need", "CINPlanStartDate", "CINPlanEndDate")
        self.add(part, f"{part.frame.height:,} child in need plans from {st.label}", rep)

    def assessments(self) -> None:
        st = self.get("Assessments")
        if st is None:
            return
        f, rep = _once(st.frame, "AssessmentActualStartDate")
        st.used |= {"AssessmentActualStartDate", "AssessmentAuthorisationDate"}
        frame = f.select(ROW, FILE, pl.col("CHILD").alias("child_id"),
                         pl.lit("child_and_family").alias("assessment_type"),
                         _col(f, "AssessmentActualStartDate").alias("start_date"),
                         _col(f, "AssessmentAuthorisationDate").alias("completed_date"),
                         _col(f, "AssessmentAuthorisationDate").alias("authorised_date"))
        part = Part("assessments", st, frame, {
            "child_id": "LAchildID (of the Child)", "assessment_type": "always 'child_and_family'",
            "start_date": "AssessmentActualStartDate",
            "completed_date": "AssessmentAuthorisationDate (the census has no separate completion date)",
            "authorised_date": "AssessmentAuthorisationDate",
        })
        self.add(supplying(part, codes=("child_and_family",)),
                 f"{frame.height:,} assessments from {st.label}", rep)

    def section47(self) -> None:
        st = self.get("Section47")
        if st is None:
            self._meetings(None)
            return
        f, rep = _once(st.frame, "S47ActualStartDate")
        st.used |= {"S47ActualStartDate", "DateOfInitialCPC", "ICPCnotRequired"}
        not_required = _flag(f, "ICPCnotRequired") & _col(f, "DateOfInitialCPC").is_null()
        enq = f.filter(~not_required)
        part = _episodes(st, enq, "s47", "S47ActualStartDate", "DateOfInitialCPC",
                         "DateOfInitialCPC (the census holds no other end of the enquiry)")
        frame = part.frame
        skipped = f.height - enq.height
        note = f"{frame.height:,} section 47 enquiries from {st.label}"
        if skipped:
            note += (f"; {skipped:,} that needed no conference (ICPCnotRequired) give{'s' if skipped == 1 else ''} no s47 "
                     "episode: the census does not say when they ended")
        self.add(part, note, rep)
        strat = f.filter(_col(f, "S47ActualStartDate").is_not_null())
        part = Part("meetings", st, strat.select(
            ROW, FILE, pl.col("CHILD").alias("child_id"),
            pl.lit("strategy_discussion").alias("meeting_type"),
            _col(strat, "S47ActualStartDate").alias("meeting_date")), {
            "child_id": "LAchildID (of the Child)", "meeting_type": "always 'strategy_discussion'",
            "meeting_date": "S47ActualStartDate (read as the strategy discussion that started the "
                            "enquiry)",
        })
        self.add(supplying(part, codes=("strategy_discussion",)),
                 f"{part.frame.height:,} strategy discussions from {st.label}")
        self._meetings(f)

    def _meetings(self, s47: pl.DataFrame | None) -> None:
        """ICPCs from the enquiries, and transfer-in ICPCs from the CIN episodes that are not
        the same child and date as an enquiry's."""
        frames = []
        if s47 is not None:
            frames.append(s47.filter(_col(s47, "DateOfInitialCPC").is_not_null()))
        transfer = self._icpc_transfer
        dropped = 0
        if transfer is not None and transfer.height:
            if frames and frames[0].height:
                seen = frames[0].select(pl.col("CHILD"), pl.Series("__d", as_date(frames[0]["DateOfInitialCPC"])))
                t = transfer.with_columns(pl.Series("__d", as_date(transfer["DateOfInitialCPC"])))
                kept = t.join(seen, on=["CHILD", "__d"], how="anti").drop("__d")
                dropped = transfer.height - kept.height
                transfer = kept
            frames.append(transfer)
        if not frames:
            return
        icpc = pl.concat(frames, how="diagonal_relaxed")
        if icpc.height == 0:
            return
        labels = list(dict.fromkeys(icpc[FILE].to_list()))
        src = SourceTable("ICPC", " + ".join(labels), icpc, None, kind="CIN census ICPCs")
        frame = icpc.select(ROW, FILE, pl.col("CHILD").alias("child_id"),
                            pl.lit("icpc").alias("meeting_type"),
                            pl.col("DateOfInitialCPC").alias("meeting_date"))
        part = Part("meetings", src, frame, {
            "child_id": "LAchildID (of the Child)", "meeting_type": "always 'icpc'",
            "meeting_date": "DateOfInitialCPC (of the enquiry, or of the CIN episode for a "
                            "transfer-in conference)",
        })
        note = f"{frame.height:,} initial conferences from {src.label}"
        if dropped:
            note += f" ({dropped:,} recorded on both the episode and its enquiry read once)"
        self.add(supplying(part, codes=("icpc",)), note)

    def protection(self) -> None:
        st = self.get("ChildProtectionPlans")
        if st is None:
            return
        f, rep = _once(st.frame, "CPPstartDate")
        st.used |= {"CPPstartDate", "CPPendDate", "CPPreviewDate"}
        part = _episodes(st, f, "child_protection", "CPPstartDate", "CPPendDate")
        self.add(part, f"{part.frame.height:,} child protection plans from {st.label}", rep)
        reviews = (f.select(ROW, FILE, "CHILD", "__year", _col(f, "CPPreviewDate").alias("d"))
                   .with_columns(pl.col("d").str.split(SEP)).explode("d")
                   .with_columns(pl.col("d").str.strip_chars())
                   .filter(pl.col("d").is_not_null() & (pl.col("d") != "")))
        reviews, rrep = _once(reviews.rename({"d": "CPPreviewDate"}), "CPPreviewDate")
        frame = reviews.select(ROW, FILE, pl.col("CHILD").alias("child_id"),
                               pl.lit("rcpc").alias("meeting_type"),
                               pl.col("CPPreviewDate").alias("meeting_date"))
        part = Part("meetings", st, frame, {
            "child_id": "LAchildID (of the Child)", "meeting_type": "always 'rcpc'",
            "meeting_date": "each CPPreviewDate of the plan",
        })
        self.add(supplying(part, "child_protection", codes=("rcpc",)),
                 f"{frame.height:,} review conferences from {st.label}", rrep)


def contribute(census: Census) -> Contribution:
    m = _Map(census)
    children, labels = m.children()
    m.referrals()
    m.plans()
    m.assessments()
    m.section47()
    m.protection()
    refs = sorted(d for d in census.references.values() if d is not None)
    missing_ref = [p.name for p, d in census.references.items() if d is None]
    if missing_ref:
        m.notes.append(f"{', '.join(missing_ref)}: no readable ReferenceDate in the header")
    return Contribution(
        kind="cin",
        parts=m.parts,
        children=children,
        child_labels=labels,
        sources=m.sources,
        files=list(census.files),
        notes=m.notes,
        ignored=list(census.ignored),
        as_at=refs[-1] if refs else None,
        as_at_why="the ReferenceDate of the latest CIN census"
        + (f" ({len(refs)} censuses)" if len(refs) > 1 else ""),
    )
