"""The SSDA903 return (children looked after): its CSV tables, or its XML, for one year or many.

The DfE's 903 holds, per child looked after in a collection year (1 April to 31 March), the
episodes of care, statutory reviews, missing episodes, the outcomes of the year (OC2), care
leavers (OC3), social worker allocations (from 2023-24) and adoption decisions. Its tables map onto
the native tables like this (``../shared/reference/ssda903.md`` holds the facts):

=====================  ============================================================================
903 table              native rows
=====================  ============================================================================
header                 children (CHILD, DOB, SEX: ``1``/``M`` male, ``2``/``F`` female)
episodes               episodes ``child_in_care``: one per period of care, chained from the
                       episodes (a period starts where the reason for new episode is ``S``, and
                       continues while an episode ceases ``X1`` and the next starts that day);
                       ``short_breaks`` for a period whose episodes are all legal status V3/V4;
                       placements: one per placement within a period (RNE S, P, T, B or U starts
                       one; a temporary move, PLACE T0-T4, and the return from it do not),
                       placement_type the 903 PLACE code, legal_status the LS code (a change
                       of legal status during a placement starts a row with the same
                       placement_id)
reviews                meetings ``cla_review``
missing                missing_episodes (MISSING ``M``; ``A``, away from placement, left out)
oc3                    episodes ``care_leaver`` from the end of the young person's last period of
                       care in the data, else their 18th birthday (IN_TOUCH ``DIED``: none)
sw_episodes            workers (SW_ID), and the worker of each episode: the allocation that
                       overlaps it and started last by the audit date
=====================  ============================================================================

Not used, and said so: oc2 (its health and dental checks are yes/no flags with no date, so they
give no documents), uasc, ad1, placed_for_adoption, previous_permanence and dolo (no rule reads
them). The 903 holds no visits, supervision, documents, assessments, referrals or return
interview dates.

Files are recognised by their headings (the DfE's column lists, in any order and case), whatever
they are called; several years' files may sit in one folder or in its subfolders. An episode,
missing episode or care leaver returned in more than one year is read once, from the latest
return. The XML form (root ``EXPSSDA903``) is read into the same tables.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck.dataset import PROBLEM, ROW
from casecheck.errors import InputError
from casecheck.sources.common import (
    FILE,
    Part,
    SourceTable,
    as_date,
    clean,
    count,
    norm,
    read_tables,
    supplying,
)

#: the DfE's column lists (CSV form), by table
TABLES903: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2": ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
            "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
            "LS_ADOPTR"),
    "placed_for_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED",
                            "REASON_PLACED_CEASED"),
    "previous_permanence": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
#: the headings that identify each table (checked in this order)
SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("episodes", ("DECOM", "RNE")),
    ("header", ("SEX", "DOB", "ETHNIC")),
    ("reviews", ("REVIEW", "REVIEW_CODE")),
    ("missing", ("MIS_START",)),
    ("sw_episodes", ("SW_ID", "SW_DECOM")),
    ("oc2", ("HEALTH_ASSESSMENT", "TEETH_CHECK")),
    ("oc2", ("SDQ_SCORE", "SDQ_REASON")),
    ("oc3", ("IN_TOUCH", "ACCOM")),
    ("ad1", ("DATE_INT", "DATE_MATCH")),
    ("placed_for_adoption", ("DATE_PLACED",)),
    ("previous_permanence", ("PREV_PERM",)),
    ("dolo", ("DOLO_START",)),
    ("uasc", ("DUC",)),
)
#: XML element names that differ from the CSV headings
XML_NAMES = {"CHILDID": "CHILD", "PL": "PLACE"}
#: the date columns, for finding each file's collection year
DATE_COLUMNS = ("DECOM", "DEC", "REVIEW", "MIS_START", "MIS_END", "SW_DECOM", "SW_DEC")
#: tables read, and what they give
USED = {
    "header": "children",
    "episodes": "episodes (child_in_care, short_breaks), placements",
    "reviews": "meetings (cla_review)",
    "missing": "missing_episodes",
    "oc3": "episodes (care_leaver)",
    "sw_episodes": "workers, and the worker of each episode",
}
NOT_USED = {
    "oc2": "its health assessment and dental check items are yes/no flags for the year with no "
           "date, so they give no documents",
    "uasc": "no rule reads asylum-seeking status",
    "ad1": "no rule reads adoption decisions",
    "placed_for_adoption": "no rule reads adoption decisions",
    "previous_permanence": "no rule reads previous permanence",
    "dolo": "no rule reads deprivation of liberty orders",
}

# -- codes, in words --------------------------------------------------------------------------
PLACE = {
    "A3": "placed for adoption with consent, with current foster carers",
    "A4": "placed for adoption with consent, not with current foster carers",
    "A5": "placed for adoption with a placement order, with current foster carers",
    "A6": "placed for adoption with a placement order, not with current foster carers",
    "H5": "semi-independent living, not a children's home",
    "K1": "secure children's home",
    "K2": "children's home",
    "K3": "registered supported accommodation",
    "P1": "placed with parents or others with parental responsibility",
    "P2": "independent living",
    "P3": "residential employment",
    "R1": "residential care home",
    "R2": "NHS or health establishment",
    "R3": "family centre or mother and baby unit",
    "R5": "young offender institution",
    "S1": "residential school",
    "T0": "temporary move",
    "T1": "temporary move: hospital",
    "T2": "temporary move: the child's holiday",
    "T3": "temporary move: the carer's holiday",
    "T4": "temporary move of 7 days or less",
    "U1": "fostered by a relative or friend, long term",
    "U2": "fostered by a relative or friend, fostering for adoption or concurrent planning",
    "U3": "fostered by a relative or friend, other",
    "U4": "fostered by another foster carer, long term",
    "U5": "fostered by another foster carer, fostering for adoption or concurrent planning",
    "U6": "fostered by another foster carer, other",
    "Z1": "other placement",
    "Z11": "other placement (Z11)",
    "Z12": "other placement (Z12)",
    "Z13": "other placement (Z13)",
    "Z14": "other placement (Z14)",
}
LS = {
    "C1": "interim care order", "C2": "full care order", "D1": "freeing order",
    "E1": "placement order", "J1": "remanded to the local authority or youth detention",
    "J2": "PACE accommodation", "J3": "youth rehabilitation order with residence requirement",
    "L1": "police protection", "L2": "emergency protection order", "L3": "child assessment order",
    "V2": "single period of section 20 accommodation", "V3": "series of short breaks (each recorded)",
    "V4": "series of short breaks (agreements recorded)",
}
RNE = {
    "S": "started to be looked after", "L": "change of legal status only",
    "P": "change of placement and carers", "T": "change of placement, same carers",
    "B": "change of legal status and placement", "U": "change of legal status and placement, same carers",
}
REC = {
    "X1": "episode ends and a new one begins (still looked after)",
    "E11": "adopted (application unopposed)", "E12": "adopted (consent dispensed with)",
    "E2": "died", "E3": "care taken over by another local authority",
    "E4A": "returned home (planned)", "E4B": "returned home (unplanned)",
    "E13": "left to live with someone without parental responsibility",
    "E41": "residence or child arrangements order", "E45": "special guardianship order (former foster carers)",
    "E46": "special guardianship order (former foster carers, other)", "E47": "special guardianship order (other carers)",
    "E48": "special guardianship order (other carers, other)", "E5": "independent living with support",
    "E6": "independent living without support", "E7": "transferred to adult social care",
    "E9": "sentenced to custody", "E14": "remand ended", "E15": "age assessed as 18 or over",
    "E16": "moved abroad", "E17": "aged 18 or over, stayed with carers (staying put)", "E8": "other",
}
MISSING = {"M": "missing from care", "A": "away from placement without authorisation"}
IN_TOUCH = {"YES": "in touch", "NO": "not in touch", "DIED": "died", "REFU": "refuses contact",
            "NREQ": "no longer needs services", "RHOM": "returned home for 6 months or more"}
SEX = {"1": "Male", "2": "Female", "M": "Male", "F": "Female"}
SEX_UNKNOWN = ("U", "0", "9")
SHORT_BREAKS = ("V3", "V4")
NEW_PLACEMENT = ("S", "P", "T", "B", "U")


def identify(headings: list[str], need_child: bool = True) -> str | None:
    """The 903 table whose headings these are (any order and case), or None."""
    keys = {norm(XML_NAMES.get(h.strip().upper(), h)) for h in headings}
    if need_child and norm("CHILD") not in keys:
        return None
    for table, sig in SIGNATURES:
        if all(norm(c) in keys for c in sig):
            return table
    return None


def describe(codes: dict[str, str], counts: pl.DataFrame, what: str) -> str:
    """``"placement types: U4 fostered by another foster carer, long term (12); ..."`` from a
    frame of (code, n); unknown codes said so."""
    parts = []
    for code, n in counts.sort("n", "code", descending=[True, False]).iter_rows():
        if code is None:
            continue
        words = codes.get(code)
        parts.append(f"{code} {words} ({n:,})" if words else f"{code}: not a 903 code ({n:,})")
    return f"{what}: " + "; ".join(parts) if parts else ""


def year_end(day: dt.date) -> dt.date:
    """The 31 March that ends the collection year holding ``day``."""
    return dt.date(day.year if day.month <= 3 else day.year + 1, 3, 31)


@dataclass
class Return903:
    """The 903 tables found, each stacked over the files (years) that hold it."""

    tables: dict[str, list[SourceTable]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    years: dict[int, dt.date] = field(default_factory=dict)  # id(SourceTable) -> year end

    def add(self, table: str, st: SourceTable) -> None:
        st.kind = f"SSDA903 {table}"
        st.frame = _canonical(st.frame, table)
        self.tables.setdefault(table, []).append(st)
        self.years[id(st)] = _latest(st.frame)

    def year_of(self, st: SourceTable) -> dt.date:
        return self.years.get(id(st)) or dt.date.min

    def resolve_years(self) -> None:
        """A table with no dates of its own (header, oc3) takes its year from its name
        (``2023-24/header.csv``, ``header_2024-25.csv``), else from the dated tables of the same
        folder or XML file when they are all one year."""
        sts = [st for group in self.tables.values() for st in group]
        by_place: dict[str, set[dt.date]] = {}
        for st in sts:
            if self.years.get(id(st)) is not None:
                by_place.setdefault(_place(st.label), set()).add(self.years[id(st)])
        for st in sts:
            if self.years.get(id(st)) is not None:
                continue
            named = _year_in(st.label)
            same = by_place.get(_place(st.label), set())
            self.years[id(st)] = named or (next(iter(same)) if len(same) == 1 else None)

    def stacked(self, table: str) -> SourceTable | None:
        """One source for the table: its files' rows stacked (latest year first is not
        assumed; ``__year`` says which), each row with its file (``__file``)."""
        sts = self.tables.get(table)
        if not sts:
            return None
        frames = []
        for st in sts:
            f = st.frame.with_columns([pl.col(c).cast(pl.String) for c in st.frame.columns
                                       if c not in (ROW, PROBLEM)])
            frames.append(f.with_columns(
                pl.lit(st.label).alias(FILE), pl.lit(self.year_of(st)).alias("__year")
            ))
        frame = pl.concat(frames, how="diagonal_relaxed")
        labels = [st.label for st in sts]
        label = labels[0] if len(labels) == 1 else " + ".join(labels)
        out = SourceTable(table, label, frame, sts[0].path, kind=f"SSDA903 {table}"
                          + (f" ({len(sts)} returns)" if len(sts) > 1 else ""))
        out.used.add("__year")
        return out


def _canonical(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Headings renamed to the DfE's (``mis_start`` -> ``MIS_START``; XML ``PL`` -> ``PLACE``);
    others kept as they are."""
    want = {norm(c): c for c in TABLES903[table]}
    rename: dict[str, str] = {}
    for h in frame.columns:
        if h in (ROW, PROBLEM):
            continue
        target = want.get(norm(XML_NAMES.get(h.strip().upper(), h)))
        if target and target not in rename.values() and target not in frame.columns:
            rename[h] = target
    return frame.rename(rename) if rename else frame


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?:\s*[-_/ ]\s*(\d\d|20\d\d))?(?!\d)")


def _year_in(label: str) -> dt.date | None:
    """The collection year a file's name gives: ``2023-24`` or ``2023_2024`` ends 31 March
    2024; a lone ``2024`` is taken as the return made for the year ending 31 March 2024."""
    found = _YEAR.findall(label)
    if not found:
        return None
    first, second = found[-1]
    year = int(first) + 1 if second else int(first)
    return dt.date(year, 3, 31)


def _place(label: str) -> str:
    """The folder (or XML file) a table's label puts it in."""
    if " <" in label:
        return label.split(" <", 1)[0]
    return label.rsplit("/", 1)[0] if "/" in label else ""


def _latest(frame: pl.DataFrame) -> dt.date | None:
    latest = None
    for c in DATE_COLUMNS:
        if c in frame.columns:
            d = as_date(frame[c]).max()
            if d is not None and (latest is None or d > latest):  # type: ignore[operator]
                latest = d
    return year_end(latest) if latest is not None else None  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Finding the files
# ---------------------------------------------------------------------------------------------
def file_table(path: Path) -> str | None:
    """The 903 table a CSV file holds, from its first line (None if not a 903 table)."""
    from casecheck.sources.detect import peek_headings

    heads = peek_headings(path)
    return identify(heads) if heads else None


def is_903_xml(path: Path) -> bool:
    from casecheck.sources.xmlread import root_tag

    return path.suffix.lower() == ".xml" and root_tag(path) == "EXPSSDA903"


def read_file(ret: Return903, path: Path, label: str) -> bool:
    """Read one file into ``ret`` if it holds 903 tables; False if it holds none."""
    if path.suffix.lower() == ".xml":
        if not is_903_xml(path):
            return False
        read_xml_903(ret, path, label)
        ret.files.append(path)
        return True
    found = False
    for st in read_tables(path):
        table = identify(st.headers)
        if table is None:
            if found or path.suffix.lower() not in (".csv", ".tsv", ".txt"):
                ret.ignored.append(f"{st.label}: not a 903 table")
            continue
        if path.suffix.lower() in (".csv", ".tsv", ".txt"):
            st.label = label
        st.name = table
        ret.add(table, st)
        found = True
    if found:
        ret.files.append(path)
    return found


# ---------------------------------------------------------------------------------------------
# The XML form
# ---------------------------------------------------------------------------------------------
RECORDS_XML = {"CHILD", "EPISODE", "AREVIEW", "AMISSING", "AD_PLACED", "OC2", "PERMANENCE"}
GROUPS_XML = {"HEADER"}
#: header items that become rows of another table when they hold a value
INLINE = {
    "uasc": ("UASC", ("SEX", "DOB", "DUC")),
    "oc3": ("IN_TOUCH", ("DOB", "IN_TOUCH", "ACTIV", "ACCOM")),
    "ad1": ("DATE_INT", ("DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
                         "SEX_ADOPTR", "LS_ADOPTR")),
}


def read_xml_903(ret: Return903, path: Path, label: str) -> None:
    """The XML return as the CSV tables: one header row per CHILD, one row per EPISODE,
    AREVIEW, AMISSING..., the child's CHILDID and DOB copied into each."""
    from casecheck.sources.xmlread import ID, PARENT, read_xml

    doc = read_xml(path, RECORDS_XML, GROUPS_XML, label)
    child = doc.frame("CHILD")
    if child is None or child.height == 0:
        raise InputError(f"{label} holds no CHILD elements: is it an SSDA903 return?")
    child = child.rename({k: v for k, v in XML_NAMES.items() if k in child.columns})
    if "CHILD" not in child.columns:
        raise InputError(f"{label}: its CHILD elements have no CHILDID")
    ids = child.select(pl.col(ID).alias(PARENT), "CHILD",
                       pl.col("DOB") if "DOB" in child.columns else pl.lit(None, pl.String).alias("DOB"))
    inline = {c for _flag, cols in INLINE.values() for c in cols} | {"UASC"}
    header_cols = [c for c in child.columns
                   if c not in (ROW, ID, PARENT) and (c in TABLES903["header"] or c not in inline)]
    ret.add("header", SourceTable("CHILD", f"{label} <CHILD>",
                                  child.select(ROW, *header_cols), path))
    for table, (flag, cols) in INLINE.items():
        if flag not in child.columns:
            continue
        rows = child.filter(clean(pl.col(flag)).is_not_null())
        if rows.height:
            keep = [c for c in ("CHILD", *cols) if c in rows.columns]
            ret.add(table, SourceTable("CHILD", f"{label} <CHILD> ({table} items)",
                                       rows.select(ROW, *keep), path))
    for tag, rec in doc.records.items():
        if tag == "CHILD":
            continue
        frame = rec.frame()
        frame = frame.rename({k: v for k, v in XML_NAMES.items() if k in frame.columns})
        heads = [c for c in frame.columns if c not in (ROW, ID, PARENT)]
        table = identify(heads, need_child=False)
        if table is None:
            ret.ignored.append(f"{label} <{tag}>: {frame.height:,} element(s) casecheck does not read")
            continue
        frame = frame.join(ids, on=PARENT, how="left", suffix="_child")
        if "DOB_child" in frame.columns:
            frame = frame.with_columns(pl.coalesce("DOB", "DOB_child").alias("DOB")).drop("DOB_child")
        if "DOB" not in TABLES903[table]:
            frame = frame.drop("DOB")
        frame = frame.select(ROW, "CHILD", *[c for c in frame.columns
                                             if c not in (ROW, "CHILD", ID, PARENT)])
        ret.add(table, SourceTable(tag, f"{label} <{tag}>", frame, path))


# ---------------------------------------------------------------------------------------------
# Onto the native tables
# ---------------------------------------------------------------------------------------------
def _col(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)


def _code(frame: pl.DataFrame, name: str) -> pl.Expr:
    return clean(_col(frame, name)).str.to_uppercase()


def _next(col: str, by: str) -> pl.Expr:
    """The next row's value when it has the same ``by`` (rows sorted by ``by``), else null."""
    return pl.when(pl.col(by) == pl.col(by).shift(-1)).then(pl.col(col).shift(-1))


def _prev(col: str, by: str) -> pl.Expr:
    return pl.when(pl.col(by) == pl.col(by).shift(1)).then(pl.col(col).shift(1))


def _counts(frame: pl.DataFrame, expr: pl.Expr) -> pl.DataFrame:
    return frame.select(expr.alias("code")).group_by("code").len("n")


class _Map:
    def __init__(self, ret: Return903, as_at: dt.date | None) -> None:
        self.ret = ret
        self.as_at = as_at
        self.parts: list[Part] = []
        self.notes: list[str] = []
        self.sources: list[SourceTable] = []
        self.periods: pl.DataFrame | None = None  # child_id, start, end (every period)
        self.dob: pl.DataFrame | None = None  # child_id, dob

    def get(self, table: str) -> SourceTable | None:
        st = self.ret.stacked(table)
        if st is not None:
            self.sources.append(st)
        return st

    def used(self, st: SourceTable, *cols: str) -> None:
        st.used |= {c for c in cols if c in st.frame.columns}

    def add(self, part: Part, note: str) -> None:
        part.note = note
        self.parts.append(part)

    # -- children -------------------------------------------------------------------------
    def children(self) -> tuple[list[pl.DataFrame], list[str]]:
        frames: list[pl.DataFrame] = []
        labels: list[str] = []
        st = self.get("header")
        if st is not None:
            f = st.frame
            self.used(st, "CHILD", "DOB", "SEX")
            sex = _code(f, "SEX")
            frames.append(f.sort("__year", ROW, descending=[True, False]).select(
                ROW, FILE,
                clean(pl.col("CHILD")).alias("child_id") if "CHILD" in f.columns
                else pl.lit(None, pl.String).alias("child_id"),
                _col(f, "DOB").alias("date_of_birth"),
                sex.replace_strict(SEX, default=pl.when(sex.is_in(SEX_UNKNOWN)).then(None)
                                   .otherwise(sex)).alias("gender"),
                pl.lit(None, dtype=pl.String).alias("disability"),
            ))
            labels.append(st.label)
            odd = _counts(f, sex).filter(pl.col("code").is_not_null()
                                         & ~pl.col("code").is_in([*SEX, *SEX_UNKNOWN]))
            if odd.height:
                self.notes.append(
                    f"{st.label}: SEX codes that are not 903 codes, kept as they are: "
                    + ", ".join(f"'{c}' ({n:,})" for c, n in odd.iter_rows())
                )
        # children in other tables but not in header (the DfE requires them there)
        known = set(frames[0]["child_id"].drop_nulls().to_list()) if frames else set()
        extra = []
        for table in ("episodes", "reviews", "missing", "oc3", "sw_episodes", "oc2", "uasc",
                      "ad1", "placed_for_adoption", "previous_permanence", "dolo"):
            for src in self.ret.tables.get(table, []):
                f = src.frame
                if "CHILD" not in f.columns:
                    continue
                rows = f.select(
                    pl.col(ROW), pl.lit(src.label).alias(FILE),
                    clean(pl.col("CHILD")).alias("child_id"),
                    _col(f, "DOB").alias("date_of_birth"),
                ).filter(pl.col("child_id").is_not_null() & ~pl.col("child_id").is_in(list(known)))
                if rows.height:
                    extra.append(rows)
        if extra:
            rows = pl.concat(extra, how="diagonal_relaxed").unique("child_id", keep="first",
                                                                 maintain_order=True)
            known_n = rows.height
            frames.append(rows.with_columns(pl.lit(None, pl.String).alias("gender"),
                                            pl.lit(None, pl.String).alias("disability")))
            labels.append(" + ".join(dict.fromkeys(rows[FILE].to_list())))
            self.notes.append(
                f"{known_n:,} child{'' if known_n == 1 else 'ren'} in 903 tables but not in a "
                "header table (the DfE requires every child there): taken from those tables, with "
                "the date of birth where the table has one"
            )
        allc = pl.concat(frames, how="diagonal_relaxed") if frames else None
        if allc is not None:
            d = allc.select("child_id", pl.Series("dob", as_date(allc["date_of_birth"])))
            self.dob = d.drop_nulls().unique("child_id", keep="first")
        return frames, labels

    # -- episodes and placements -----------------------------------------------------------
    def episodes(self) -> None:
        st = self.get("episodes")
        if st is None:
            return
        f = st.frame
        self.used(st, "CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC", "URN", "PL_POST",
                  "PLACE_PROVIDER")
        problem = [pl.col(PROBLEM)] if PROBLEM in f.columns else []
        w = f.select(
            ROW, FILE, "__year", *problem,
            clean(_col(f, "CHILD")).alias("child_id"),
            _col(f, "DECOM").alias("raw_s"), _col(f, "DEC").alias("raw_e"),
            _code(f, "RNE").alias("rne"), _code(f, "REC").alias("rec"),
            _code(f, "LS").alias("ls"), _code(f, "PLACE").alias("place"),
            pl.concat_str([clean(_col(f, c)).fill_null("") for c in
                           ("PLACE", "URN", "PL_POST", "PLACE_PROVIDER")], separator="|").alias("key"),
        )
        w = w.with_columns(pl.Series("s", as_date(w["raw_s"])), pl.Series("e", as_date(w["raw_e"])))
        ok = (
            pl.col("child_id").is_not_null() & pl.col("s").is_not_null()
            & (clean(pl.col("raw_e")).is_null() | pl.col("e").is_not_null())
            & (pl.col("e").is_null() | (pl.col("e") >= pl.col("s")))
        )
        if problem:
            ok = ok & pl.col(PROBLEM).is_null()
        good = w.filter(ok)
        bad = w.filter(~ok)
        # an episode returned in several years: the latest return's row (it has the end date)
        good = good.sort(["child_id", "s", "__year", "e"], descending=[False, False, True, False],
                         nulls_last=True).unique(["child_id", "s"], keep="first", maintain_order=True)
        repeats = w.height - bad.height - good.height
        by = "child_id"
        # rows sorted by child and date: the next and previous row of the same child (a shift
        # over the whole frame, masked where the child changes, is much faster than .over())
        nxt_s, nxt_rne = _next("s", by), _next("rne", by)
        good = good.sort(by, "s").with_columns(
            filled=pl.col("e").is_null() & nxt_s.is_not_null(),
            e=pl.coalesce("e", nxt_s),
            rec=pl.when(pl.col("e").is_null() & nxt_s.is_not_null())
            .then(pl.when(nxt_rne == "S").then(pl.lit("?")).otherwise(pl.lit("X1")))
            .otherwise(pl.col("rec")),
        )
        prev_e, prev_rec = _prev("e", by), _prev("rec", by)
        cont = (
            (pl.col("rne") != "S").fill_null(True)
            & (prev_e == pl.col("s")).fill_null(False)
            & ((prev_rec == "X1") | prev_rec.is_null())
        )
        # a period number unique over all children (rows are in child order)
        good = good.with_columns((~cont).cast(pl.Int64).cum_sum().alias("period"))
        periods = (
            good.group_by(by, "period", maintain_order=True)
            .agg(
                pl.col(ROW).first(), pl.col(FILE).first(),
                pl.col("s").first().alias("start"), pl.col("e").last().alias("end"),
                pl.col("rne").first().alias("first_rne"), pl.col("rec").last().alias("last_rec"),
                pl.col("ls").is_in(SHORT_BREAKS).all().alias("breaks"),
                pl.len().alias("n"),
            )
        )
        self.periods = periods.select(by, "start", "end", "breaks")
        etype = pl.when(pl.col("breaks")).then(pl.lit("short_breaks")).otherwise(pl.lit("child_in_care"))
        frame = pl.concat([
            periods.select(ROW, FILE, by, etype.alias("episode_type"),
                           pl.col("start").cast(pl.String).alias("start_date"),
                           pl.col("end").cast(pl.String).alias("end_date")),
            bad.select(ROW, FILE, *problem, by, pl.lit("child_in_care").alias("episode_type"),
                       pl.col("raw_s").alias("start_date"), pl.col("raw_e").alias("end_date")),
        ], how="diagonal_relaxed").sort(FILE, ROW)
        part = Part("episodes", st, frame, {
            "child_id": "CHILD",
            "episode_type": "'child_in_care'; 'short_breaks' when every episode of the period "
                            "has legal status V3 or V4",
            "start_date": "DECOM of the period's first episode",
            "end_date": "DEC of the period's last episode",
        })
        supplying(part, codes=("child_in_care", "short_breaks"))
        n_cic = int((~periods["breaks"]).sum())
        before = int(((periods["first_rne"] != "S") | periods["first_rne"].is_null()).sum())
        dangling = int(((periods["last_rec"] == "X1") & periods["end"].is_not_null()).sum())
        note = (
            f"{frame.height:,} rows from {st.label}: its {good.height:,} usable episodes make "
            f"{periods.height:,} periods of care ({n_cic:,} child_in_care, "
            f"{periods.height - n_cic:,} short_breaks)"
        )
        extras = []
        if repeats:
            extras.append(count(repeats, "row repeats", "rows repeat") + " an episode (same CHILD and DECOM) of a later "
                          "return or of the same file, read once")
        if before:
            extras.append(count(before, "period begins", "periods begin") + " with an episode whose RNE is not S (the "
                          "child entered care before the first return given, or the return is "
                          "wrong): their start is that episode's DECOM")
            self.notes.append(
                f"{count(before, 'period of care began', 'periods of care began')} before the "
                "returns given: each starts at its first episode in them, so a schedule counted "
                "from the start of care (the first looked-after review within 20 working days, "
                "the second within 3 months) counts from that date and may find a child overdue "
                "whom a longer interval covers; give the earlier years' returns too to place them."
            )
        filled = int(good["filled"].sum())
        if filled:
            extras.append(count(filled, "episode") + " open in an older return but followed by a later "
                          "episode are taken to end where the next begins")
        if dangling:
            extras.append(count(dangling, "period ends", "periods end") + " with an episode that ceased X1 (a new "
                          "episode should follow) and none follows: ended at its DEC")
        if bad.height:
            extras.append(count(bad.height, "row that cannot be read is", "rows that cannot be read are") + " reported")
        self.add(part, note + ("; " + "; ".join(extras) if extras else ""))
        for codes, col, what in ((PLACE, "place", "placement types (PLACE)"),
                                 (LS, "ls", "legal statuses (LS)"),
                                 (RNE, "rne", "reasons for new episode (RNE)"),
                                 (REC, "rec", "reasons episode ceased (REC)")):
            text = describe(codes, _counts(w, pl.col(col)), what)
            if text:
                self.notes.append(f"{st.label}: {text}")
        self.placements(st, good, periods)

    def placements(self, st: SourceTable, good: pl.DataFrame, periods: pl.DataFrame) -> None:
        grp = "period"
        temp = pl.col("temp")
        care = periods.filter(~pl.col("breaks")).select("child_id", grp, "end")
        g = good.join(care, on=["child_id", grp], how="inner").sort(grp, "s").with_columns(
            pl.col("place").str.contains(r"^T[0-4]$").fill_null(False).alias("temp")
        )
        # the placement before a temporary move: the key of the last episode (of the same
        # period) that was not one
        g = g.with_columns(
            pl.when(~temp).then(pl.col("key")).forward_fill().alias("__held"),
            pl.when(~temp).then(pl.col(grp)).forward_fill().alias("__held_in"),
        ).with_columns(
            pl.when(_prev("__held_in", grp) == pl.col(grp)).then(_prev("__held", grp)).alias("__before"),
            _prev("temp", grp).fill_null(False).alias("__after_temp"),
        )
        returning = pl.col("__after_temp") & (pl.col("key") == pl.col("__before")).fill_null(False)
        first = (pl.col(grp) != pl.col(grp).shift(1)).fill_null(True)
        starts = first | (pl.col("rne").is_in(NEW_PLACEMENT).fill_null(False) & ~temp & ~returning)
        g = g.with_columns(starts.cast(pl.Int64).cum_sum().alias("placement"))
        # a change of legal status during a placement (RNE L, or the LS of a later episode of
        # it) starts a new row of the same placement: the rows share its placement_id
        ls_change = (pl.col("ls") != _prev("ls", "placement")).fill_null(False)
        g = g.with_columns((starts | ls_change).cast(pl.Int64).cum_sum().alias("piece"))
        pls = (
            g.group_by(grp, "placement", "piece", maintain_order=True)
            .agg(pl.col(ROW).first(), pl.col(FILE).first(), pl.col("child_id").first(),
                 pl.col("s").first().alias("start"), pl.col("place").first(), pl.col("ls").first(),
                 pl.col("end").first().alias("period_end"))
            .with_columns(_next("start", grp).alias("next"),
                          pl.col("start").first().over("placement").alias("placed"))
            .with_columns(pl.coalesce("next", "period_end").alias("stop"))
        )
        frame = pls.select(
            ROW, FILE, "child_id",
            pl.format("{}/{}", "child_id", pl.col("placed").cast(pl.String)).alias("placement_id"),
            pl.col("start").cast(pl.String).alias("start_date"),
            pl.col("stop").cast(pl.String).alias("end_date"),
            pl.col("place").alias("placement_type"),
            pl.col("ls").alias("legal_status"),
        )
        temps = int(g.select(temp.sum()).item())
        pieces = frame.height - pls["placement"].n_unique()
        part = Part("placements", st, frame, {
            "child_id": "CHILD",
            "placement_id": "CHILD/DECOM of the placement's first episode",
            "start_date": "DECOM of the episode that began the placement (RNE S, P, T, B or U), "
                          "or that changed its legal status",
            "end_date": "the next placement's (or legal status's) start, else the end of the period of care",
            "placement_type": "PLACE (the 903 code)",
            "legal_status": "LS (the 903 code) of the row's first episode",
        })
        note = (f"{frame.height:,} placement rows from the {g.height:,} episodes of {st.label} in "
                "periods of care (short breaks have none)")
        if pieces:
            note += (f"; {count(pieces, 'row begins', 'rows begin')} where the legal status changed during a "
                     "placement (same placement_id)")
        if temps:
            note += (f"; {count(temps, 'episode is a temporary move', 'episodes are temporary moves')} (PLACE T0-T4): neither they nor "
                     "the return to the same placement start a placement")
        self.add(supplying(part, codes=()), note)

    # -- care leavers ----------------------------------------------------------------------
    def care_leavers(self) -> None:
        st = self.get("oc3")
        if st is None:
            return
        f = st.frame
        self.used(st, "CHILD", "IN_TOUCH", "DOB")
        touch = _code(f, "IN_TOUCH")
        rows = f.with_columns(touch.alias("__touch"), clean(_col(f, "CHILD")).alias("child_id"))
        rows = rows.sort("__year", descending=True).unique("child_id", keep="first", maintain_order=True)
        repeats = f.height - rows.height
        died = rows.filter(pl.col("__touch") == "DIED")
        rows = rows.filter((pl.col("__touch") != "DIED").fill_null(True))
        last = (self.periods.filter(~pl.col("breaks")).group_by("child_id")
                .agg(pl.col("end").max(), pl.col("end").null_count().alias("open"))
                if self.periods is not None
                else pl.DataFrame(schema={"child_id": pl.String, "end": pl.Date, "open": pl.UInt32}))
        dob = self.dob if self.dob is not None else pl.DataFrame(schema={"child_id": pl.String, "dob": pl.Date})
        own_dob = pl.Series("own_dob", as_date(rows["DOB"])) if "DOB" in rows.columns else None
        rows = rows.join(last, on="child_id", how="left").join(dob, on="child_id", how="left")
        if own_dob is not None:
            rows = rows.with_columns(pl.coalesce("dob", own_dob).alias("dob"))
        left = pl.when(pl.col("open").fill_null(1) == 0).then(pl.col("end"))
        frame = rows.select(
            ROW, FILE, "child_id", pl.lit("care_leaver").alias("episode_type"),
            pl.coalesce(left, pl.col("dob").dt.offset_by("18y")).cast(pl.String).alias("start_date"),
        )
        part = Part("episodes", st, frame, {
            "child_id": "CHILD",
            "episode_type": "always 'care_leaver'",
            "start_date": "the end of the young person's last period of care in the data, else "
                          "their 18th birthday (DOB)",
        })
        note = f"{count(frame.height, 'care leaver')} from {st.label}"
        extras = []
        if died.height:
            extras.append(f"{died.height:,} with IN_TOUCH DIED give{'s' if died.height == 1 else ''} none")
        if repeats:
            extras.append(count(repeats, "row repeats", "rows repeat") + " a young person of a later return, read once")
        text = describe(IN_TOUCH, _counts(rows, pl.col("__touch")), "in touch (IN_TOUCH)")
        self.add(supplying(part, codes=("care_leaver",)),
                 note + ("; " + "; ".join(extras) if extras else "") + (f"; {text}" if text else ""))

    # -- reviews, missing, social workers --------------------------------------------------
    def reviews(self) -> None:
        st = self.get("reviews")
        if st is None:
            return
        f = st.frame
        self.used(st, "CHILD", "REVIEW")
        frame = f.select(ROW, FILE, clean(_col(f, "CHILD")).alias("child_id"),
                         pl.lit("cla_review").alias("meeting_type"),
                         _col(f, "REVIEW").alias("meeting_date"))
        part = Part("meetings", st, frame, {"child_id": "CHILD", "meeting_type": "always 'cla_review'",
                                            "meeting_date": "REVIEW"})
        # the 903 returns no reviews for children on short breaks (V3/V4): only children in care
        self.add(supplying(part, "child_in_care", codes=("cla_review",)),
                 f"{count(frame.height, 'looked-after review')} from {st.label} (the 903 returns none for "
                 "short breaks)")

    def missing(self) -> None:
        st = self.get("missing")
        if st is None:
            return
        f = st.frame
        self.used(st, "CHILD", "MISSING", "MIS_START", "MIS_END")
        kind = _code(f, "MISSING")
        rows = f.with_columns(kind.alias("__kind"), clean(_col(f, "CHILD")).alias("child_id"),
                              pl.Series("__s", as_date(f["MIS_START"])) if "MIS_START" in f.columns
                              else pl.lit(None, pl.Date).alias("__s"))
        away = rows.filter(pl.col("__kind") == "A")
        rows = rows.filter((pl.col("__kind") != "A").fill_null(True))
        keyed = rows.filter(pl.col("child_id").is_not_null() & pl.col("__s").is_not_null())
        loose = rows.filter(pl.col("child_id").is_null() | pl.col("__s").is_null())
        once = keyed.sort("__year", descending=True).unique(["child_id", "__s"], keep="first",
                                                           maintain_order=True)
        repeats = keyed.height - once.height
        rows = pl.concat([once, loose], how="diagonal_relaxed").sort(FILE, ROW)
        frame = rows.select(ROW, FILE, "child_id", _col(rows, "MIS_START").alias("start_date"),
                            _col(rows, "MIS_END").alias("return_date"))
        part = Part("missing_episodes", st, frame, {"child_id": "CHILD", "start_date": "MIS_START",
                                                    "return_date": "MIS_END"})
        note = f"{count(frame.height, 'missing episode')} from {st.label}"
        extras = []
        if away.height:
            extras.append(count(away.height, "absence", "absences") + " (MISSING A, away from placement) left out")
        if repeats:
            extras.append(count(repeats, "row repeats", "rows repeat") + " an episode of a later return, read once")
        odd = _counts(rows, pl.col("__kind")).filter(pl.col("code").is_not_null()
                                                    & ~pl.col("code").is_in(list(MISSING)))
        if odd.height:
            extras.append("MISSING codes that are not 903 codes, read as missing: "
                          + ", ".join(f"'{c}' ({n:,})" for c, n in odd.iter_rows()))
        extras.append("the 903 holds no return interview dates")
        self.add(supplying(part, "child_in_care", codes=()), note + "; " + "; ".join(extras))

    def social_workers(self) -> pl.DataFrame | None:
        st = self.get("sw_episodes")
        if st is None:
            return None
        f = st.frame
        self.used(st, "CHILD", "SW_ID", "SW_DECOM", "SW_DEC")
        w = f.select(
            ROW, FILE, clean(_col(f, "CHILD")).alias("child"), clean(_col(f, "SW_ID")).alias("i_worker"),
            pl.Series("i_s", as_date(f["SW_DECOM"])) if "SW_DECOM" in f.columns else pl.lit(None, pl.Date).alias("i_s"),
            pl.Series("i_e", as_date(f["SW_DEC"])) if "SW_DEC" in f.columns else pl.lit(None, pl.Date).alias("i_e"),
        )
        workers = w.filter(pl.col("i_worker").is_not_null()).sort(FILE, ROW).unique(
            "i_worker", keep="first", maintain_order=True)
        part = Part("workers", st, workers.select(ROW, FILE, pl.col("i_worker").alias("worker_id")),
                    {"worker_id": "SW_ID (each social worker once; the 903 has no names or teams)"})
        self.add(supplying(part, codes=()), f"{count(workers.height, 'social worker')} from {st.label}")
        alloc = w.with_columns(pl.col(ROW).alias("i_row"), pl.lit(None, pl.String).alias("i_team"))
        if self.as_at is not None:
            alloc = alloc.filter(pl.col("i_s") <= pl.lit(self.as_at))
        return alloc.filter(pl.col("child").is_not_null() & pl.col("i_s").is_not_null())

    def unused(self) -> list[str]:
        out = []
        for table, why in NOT_USED.items():
            for st in self.ret.tables.get(table, []):
                out.append(f"{st.label}: {table} not used ({why})")
        return out


def contribute(ret: Return903, as_at: dt.date | None = None):
    """The native rows a 903 return gives (children separately, to be merged with other
    sources'), with notes on what was read and what was left out."""
    from casecheck.sources.common import Contribution, allocate

    m = _Map(ret, as_at)
    children, labels = m.children()
    m.episodes()
    m.care_leavers()
    m.reviews()
    m.missing()
    alloc = m.social_workers()
    if alloc is not None:
        m.parts = [allocate(p, alloc, "sw_episodes") if p.table == "episodes" else p
                   for p in m.parts]
    years = sorted({d for d in ret.years.values() if d is not None})
    latest = years[-1] if years else None
    return Contribution(
        kind="ssda903",
        parts=m.parts,
        children=children,
        child_labels=labels,
        sources=m.sources,
        files=list(ret.files),
        notes=m.notes,
        ignored=list(ret.ignored) + m.unused(),
        as_at=latest,
        as_at_why="the end of the 903 collection year of its latest date"
        + (f" (returns for years ending {', '.join(str(y.year) for y in years)})" if len(years) > 1 else ""),
    )
