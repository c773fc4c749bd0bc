"""The statutory returns in one folder: an SSDA903 set, CIN census files, and native table files.

``--source ssda903`` reads the 903 tables (CSV files recognised by their headings, or the XML
return) of a folder, its subfolders (one per year, say) or one file; ``--source cin`` the CIN
census files; ``--source returns`` both. Native table files in the same folder (``visits.csv``,
``supervisions.csv``: what the returns do not hold) are read alongside, as beside an SSD extract.

The sources are one extract: a child in several of them is one child (same id). Each child's
date of birth, gender and disability come from the first source that gives them (native
``children`` file, then the 903, latest year first, then the census); a source that says
otherwise gives a second row for that child, which the data-quality record lists ("repeats row
N with different details; the first is used"), naming both files and rows. A return's row that a
native file also holds (the same child, type and date) is read once, from the native file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck import parse
from casecheck.dataset import ROW
from casecheck.errors import InputError
from casecheck.schema import find_table
from casecheck.sources.common import (
    FILE,
    Contribution,
    Extract,
    Part,
    SourceTable,
    as_date,
    as_flag,
    code_column,
    count,
    native_beside,
)
from casecheck.sources.readers import CSV_SUFFIXES, TABLE_SUFFIXES

KINDS = ("ssda903", "cin")
NAMES = {"ssda903": "SSDA903", "cin": "CIN census"}
#: the columns that make two rows of a native table the same event
SAME = {
    "episodes": ("child_id", "episode_type", "start_date"),
    "placements": ("child_id", "start_date"),
    "meetings": ("child_id", "meeting_type", "meeting_date"),
    "missing_episodes": ("child_id", "start_date"),
    "assessments": ("child_id", "start_date"),
    "referrals": ("child_id", "received_date"),
    "workers": ("worker_id",),
}


@dataclass
class Found:
    """The files of a folder (or one file), by what they hold."""

    r903: dict[Path, str] = field(default_factory=dict)  # file -> evidence
    cin: dict[Path, str] = field(default_factory=dict)
    native: list[Path] = field(default_factory=list)
    other: list[Path] = field(default_factory=list)
    labels: dict[Path, str] = field(default_factory=dict)  # "2023-24/episodes.csv"


def _candidates(path: Path) -> list[tuple[Path, str]]:
    """The files of a folder and of its immediate subfolders (or the one file), with labels."""
    if path.is_file():
        return [(path, path.name)]
    out = []
    for p in sorted(path.iterdir()):
        if p.name.startswith((".", "~$")):
            continue
        if p.is_file():
            out.append((p, p.name))
        elif p.is_dir():
            out += [(q, f"{p.name}/{q.name}") for q in sorted(p.iterdir())
                    if q.is_file() and not q.name.startswith((".", "~$"))]
    return out


def scan(path: Path) -> Found:
    """Sort a folder's files cheaply: 903 CSV tables by their first line, XML by its root
    element (and collection), native tables by name. Excel and Parquet files not named after
    a native table are looked into only when a 903 set is being read."""
    from casecheck.sources.cin_census import is_cin_xml
    from casecheck.sources.ssda903 import file_table, is_903_xml

    found = Found()
    for p, label in _candidates(path):
        found.labels[p] = label
        suffix = p.suffix.lower()
        if suffix == ".xml":
            if is_903_xml(p):
                found.r903[p] = f"{label} (XML, root element EXPSSDA903)"
            elif is_cin_xml(p):
                found.cin[p] = f"{label} (XML, root element Message, collection CIN)"
            else:
                found.other.append(p)
            continue
        if suffix not in TABLE_SUFFIXES:
            continue
        table = file_table(p) if suffix in CSV_SUFFIXES else None
        if table is not None:
            found.r903[p] = f"{label} ({table}: headings {', '.join(_heads(p)[:4])}...)"
        elif find_table(p.stem) is not None and "/" not in label:
            found.native.append(p)
        else:
            found.other.append(p)
    return found


def _heads(p: Path) -> list[str]:
    from casecheck.sources.detect import peek_headings

    return [h.strip() for h in (peek_headings(p) or [])]


def detect_returns(path: Path) -> tuple[str, str] | None:
    """``(source, reason)`` when ``path`` holds statutory returns, else None."""
    found = scan(path)
    if not found.r903 and not found.cin:
        return None
    kinds = [k for k, files in (("ssda903", found.r903), ("cin", found.cin)) if files]
    source = "returns" if len(kinds) == 2 else kinds[0]
    what = []
    if found.r903:
        what.append("SSDA903 tables in " + _list(list(found.r903.values())))
    if found.cin:
        what.append("a CIN census in " + _list(list(found.cin.values())))
    where = "the file is" if path.is_file() else "the folder holds"
    reason = f"{where} " + " and ".join(what)
    if found.native:
        names = ", ".join(p.name for p in found.native[:4])
        reason += f"; native table files beside them are read too ({names})"
        if any(_native_core(p) for p in found.native):
            reason += "; --source native would read only the native files"
    if source == "returns":
        reason += "; --source ssda903 or --source cin would read only one of the returns"
    return source, reason


def holds_returns(path: Path) -> bool:
    """Whether a folder (or file) holds an SSDA903 table or a CIN census file."""
    found = scan(path)
    return bool(found.r903 or found.cin)


def _native_core(p: Path) -> bool:
    t = find_table(p.stem)
    return t is not None and t.name in ("children", "episodes")


def _list(items: list[str], n: int = 3) -> str:
    more = len(items) - n
    return "; ".join(items[:n]) + (f"; and {more} more" if more > 0 else "")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def read_returns(path: Path, kinds: tuple[str, ...] = KINDS, as_at: dt.date | None = None,
                 source: str | None = None) -> Extract:
    """Read the statutory returns of ``kinds`` in ``path`` (a folder or one file) and the native
    table files beside them, as one extract. The extract's default audit date is the latest
    return's natural one (31 March of the 903's latest collection year; the census
    ReferenceDate)."""
    from casecheck.sources import cin_census, ssda903

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    source = source or ("returns" if len(kinds) > 1 else kinds[0])
    found = scan(path)
    ignored: list[str] = []
    ret = ssda903.Return903()
    census = cin_census.Census()
    read_any = False
    for p, label in _candidates(path):
        if p in found.r903 and "ssda903" in kinds:
            read_any |= ssda903.read_file(ret, p, label)
        elif p in found.cin and "cin" in kinds:
            cin_census.read_file(census, p, label)
            read_any = True
        elif p in found.r903 or p in found.cin:
            other = "an SSDA903 file" if p in found.r903 else "a CIN census file"
            ignored.append(f"{label}: {other}, not read with --source {source} (--source returns "
                           "reads the 903 and the census together)")
        elif p in found.native:
            continue
        elif "ssda903" in kinds and p.suffix.lower() in TABLE_SUFFIXES and p.suffix.lower() not in CSV_SUFFIXES:
            if ssda903.read_file(ret, p, label):
                read_any = True
            else:
                ignored.append(f"{label}: not a 903 table or a native table file")
        elif p.suffix.lower() in (*TABLE_SUFFIXES, ".xml"):
            ignored.append(f"{label}: not {_wanted(kinds)} or a native table file")
    if not read_any:
        raise InputError(f"{path} holds no {_wanted(kinds)}: " + (
            "903 CSV files are recognised by their headings (CHILD, DECOM, RNE, ...), XML "
            "returns by their root element (EXPSSDA903; Message for the CIN census)"))
    ret.resolve_years()
    contributions: list[Contribution] = []
    pending = []
    if ret.tables:
        pending.append(("ssda903", ret))
    if census.kinds:
        pending.append(("cin", census))
    natural = [d for d in ([max((y for y in ret.years.values() if y), default=None)] if ret.tables else [])
               + [max((d for d in census.references.values() if d), default=None)] if d]
    today = dt.date.today()
    default = min(max(natural), today) if natural else None
    audit = as_at or default or today
    for kind, data in pending:
        contributions.append(ssda903.contribute(data, audit) if kind == "ssda903"
                             else cin_census.contribute(data))
    natives, native_children, native_sources, native_files = _read_native(found)
    return _assemble(path, source, contributions, natives, native_children, native_sources,
                     native_files, ignored + [i for c in contributions for i in c.ignored],
                     as_at, default)


def _wanted(kinds: tuple[str, ...]) -> str:
    return " or ".join(f"{NAMES[k]} files" for k in kinds)


def _read_native(found: Found):
    parts: list[Part] = []
    children: pl.DataFrame | None = None
    sources: list[SourceTable] = []
    seen: dict[str, str] = {}
    for p in found.native:
        part = native_beside(p, seen, "the returns")
        sources.append(part.source)
        if part.table == "children":
            frame = part.frame.with_columns(pl.lit(part.source.label).alias(FILE))
            for c in ("date_of_birth", "gender", "disability"):
                if c not in frame.columns:
                    frame = frame.with_columns(pl.lit(None, pl.String).alias(c))
            children = frame.select(ROW, FILE, "child_id", *[pl.col(c).cast(pl.String) for c in
                                                             ("date_of_birth", "gender", "disability")])
            continue
        parts.append(part)
    return parts, children, sources, list(found.native)


def _assemble(path: Path, source: str, contributions: list[Contribution], natives: list[Part],
              native_children: pl.DataFrame | None, native_sources: list[SourceTable],
              native_files: list[Path], ignored: list[str], as_at: dt.date | None,
              default: dt.date | None) -> Extract:
    frames: list[pl.DataFrame] = []
    labels: list[str] = []
    if native_children is not None:
        frames.append(native_children)
        labels.append(native_children[FILE][0] if native_children.height else "children")
    for c in contributions:
        frames += c.children
        labels += c.child_labels
    parts: list[Part] = []
    notes: list[str] = []
    if frames:
        parts.append(fold_children(frames, labels))
    native_by_table = {p.table: p for p in natives}
    for c in contributions:
        for part in c.parts:
            native = native_by_table.get(part.table)
            parts.append(_without(part, native) if native is not None else part)
        notes += c.notes
    parts += natives
    if not any(p.table == "episodes" for p in parts):
        raise InputError(
            f"{path} gives no episodes: the 903 episodes or OC3 tables, or the census's CIN "
            "plans, section 47 enquiries or child protection plans, are needed"
        )
    note = None
    if as_at is None and default is not None:
        whys = "; ".join(f"{NAMES[c.kind]}: {c.as_at_why}, {c.as_at.isoformat()}"
                         for c in contributions if c.as_at is not None)
        note = f"Audit date {default.isoformat()} taken from the returns ({whys}); give --as-at to set it."
    elif as_at is None:
        note = "No dates in the returns to take the audit date from: today is used; give --as-at to set it."
    files = [f for c in contributions for f in c.files] + native_files
    return Extract(
        source=source,
        path=path,
        parts=parts,
        sources=[s for c in contributions for s in c.sources] + native_sources,
        files=files,
        notes=notes,
        ignored=ignored,
        as_at=default,
        as_at_note=note,
    )


def _keys(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The columns that make two rows the same event, normalised (ids trimmed, dates parsed,
    codes tidied as casecheck tidies them)."""
    cols = []
    code = code_column(table)
    for c in SAME[table]:
        s = frame[c] if c in frame.columns else pl.Series(c, [None] * frame.height, dtype=pl.String)
        if c.endswith("_date"):
            cols.append(as_date(s).alias(c))
        elif c == code:
            cols.append(parse.parse_code(s).alias(c))
        else:
            cols.append(parse.parse_id(s).alias(c))
    return pl.DataFrame(cols)


def _without(part: Part, native: Part) -> Part:
    """``part`` without the rows ``native`` also holds (the native row is used)."""
    if part.table not in SAME or part.frame.height == 0 or native.frame.height == 0:
        return part
    mine = _keys(part.frame, part.table)
    theirs = _keys(native.frame, part.table).unique()
    cols = list(SAME[part.table])
    dup = mine.with_row_index("__i").join(theirs, on=cols, how="semi", nulls_equal=False)["__i"]
    if dup.is_empty():
        return part
    keep = ~pl.Series(range(part.frame.height)).is_in(dup.implode())
    out = Part(part.table, part.source, part.frame.filter(keep), part.mapping, part.note, part.supplies)
    n = dup.len()
    out.note += (f"; {count(n, 'of its rows is', 'of its rows are')} also in {native.source.label} (the same "
                 f"{', '.join(c.replace('_', ' ') for c in cols)}): the native row is used")
    return out


# ---------------------------------------------------------------------------------------------
# One child, several sources
# ---------------------------------------------------------------------------------------------
def fold_children(frames: list[pl.DataFrame], labels: list[str]) -> Part:
    """One row per child from every source's children (in order of priority), and a second
    row for each source that gives a different date of birth, gender or disability (the
    data-quality record lists it as a repeat with different details)."""
    allc = pl.concat(
        [f.select(ROW, FILE, *[pl.col(c).cast(pl.String) for c in
                               ("child_id", "date_of_birth", "gender", "disability")])
         .with_columns(pl.lit(i).alias("__order")) for i, f in enumerate(frames)],
        how="diagonal_relaxed",
    ).with_row_index("__seq")
    dob = as_date(allc["date_of_birth"])
    g = allc["gender"].str.strip_chars().str.to_lowercase()
    allc = allc.with_columns(
        pl.col("child_id").str.strip_chars(),
        pl.when(dob.is_not_null()).then(pl.Series(dob).cast(pl.String))
        .otherwise(pl.col("date_of_birth")).alias("date_of_birth"),
        pl.Series("__g", g).replace({"m": "male", "f": "female"}),
        pl.Series("__d", as_flag(allc["disability"])),
    )
    allc = allc.with_columns(pl.when(pl.col("child_id") == "").then(None)
                             .otherwise(pl.col("child_id")).alias("child_id"))
    known = allc.filter(pl.col("child_id").is_not_null()).sort("__order", "__seq")
    first = known.group_by("child_id", maintain_order=True).agg(
        pl.col(ROW).first(), pl.col(FILE).first(), pl.col("__seq").first(),
        pl.col("date_of_birth").drop_nulls().first(),
        pl.col("gender").drop_nulls().first(),
        pl.col("disability").drop_nulls().first(),
        pl.col("__g").drop_nulls().first().alias("__g0"),
        pl.col("__d").drop_nulls().first().alias("__d0"),
        pl.len().alias("__n"),
    )
    chosen = first.select("child_id", pl.col("date_of_birth").alias("__dob0"), "__g0", "__d0",
                          pl.col("__seq").alias("__first"))
    rest = known.join(chosen, on="child_id").filter(pl.col("__seq") != pl.col("__first"))
    differs = (
        (pl.col("date_of_birth").is_not_null() & (pl.col("date_of_birth") != pl.col("__dob0")))
        | (pl.col("__g").is_not_null() & (pl.col("__g") != pl.col("__g0")))
        | (pl.col("__d").is_not_null() & (pl.col("__d") != pl.col("__d0")))
    ).fill_null(False)
    conflicts = rest.filter(differs)
    blank = allc.filter(pl.col("child_id").is_null())
    cols = [ROW, FILE, "child_id", "date_of_birth", "gender", "disability"]
    frame = pl.concat([first.sort("__seq").select(cols), conflicts.sort("__seq").select(cols),
                       blank.select(cols)], how="diagonal_relaxed")
    label = " + ".join(dict.fromkeys(labels))
    pseudo = SourceTable("children", label, frame, None, kind="children of every source")
    part = Part("children", pseudo, frame, {
        "child_id": "the child's id in every source (903 CHILD, census LAchildID, native child_id)",
        "date_of_birth": "the first source that gives one (native children, the 903 header, "
                         "latest year first, then the census)",
        "gender": "likewise (903 SEX and census GenderCurrent or Sex in words)",
        "disability": "likewise (census Disability: any code but NONE)",
    })
    multi = int((first["__n"] > 1).sum())
    note = f"{first.height:,} children from {label} ({allc.height:,} rows)"
    if multi:
        note += f"; {count(multi, 'is', 'are')} in more than one source or year, each read as one child"
    if conflicts.height:
        n = conflicts.height
        note += (f"; {n:,} row{'s' if n != 1 else ''} give{'' if n != 1 else 's'} a different date "
                 "of birth, gender or disability for a child already read: listed as repeats (the "
                 "first source's is used)")
    if blank.height:
        note += f"; {count(blank.height, 'row with no child id is', 'rows with no child id are')} reported"
    part.note = note
    return part

