"""Shared machinery for sources that map another system's layout onto the native tables.

A source (SSD, Annex A, an LCS/EHM report export) reads its files into :class:`SourceTable` s
(one per file or sheet, untyped, with ``_row`` = the row number a spreadsheet shows) and derives
:class:`Part` s from them: rows of one native table with native column names. One source row can
feed several native tables (an Annex A List 7 row gives a child protection episode, a visit and
a review conference), and one native table can be fed by several source tables (SSD visits come
from three tables).

:meth:`Extract.build` assembles the parts of each native table into one
:class:`~casecheck.dataset.RawTable` and types them with :func:`~casecheck.dataset.build_dataset`,
so every source gets the same data-quality record: per native table,
``rows read = rows used + rows rejected``, and every rejected row or blanked value names the
source file (or sheet) and the row in it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck import dataset as _dataset
from casecheck import parse
from casecheck.dataset import ROW, Dataset, RawTable, build_dataset, tallies_frame
from casecheck.errors import InputError, UsageError, describe_headings
from casecheck.schema import CODE_COLUMNS, DATE, TABLES

#: dates that close a timescale: a rule waits for them
DONE_DATES = (
    "referrals.decision_date",
    "visits.recorded_date",
    "assessments.completed_date",
    "assessments.authorised_date",
    "missing_episodes.return_date",
    "missing_episodes.return_interview_date",
)
SOURCE_NAMES = {"ssd": "SSD", "annex-a": "Annex A", "lcs": "LCS", "ehm": "EHM", "native": "native",
                "ssda903": "SSDA903", "cin": "CIN census", "returns": "statutory returns"}

FILE = "__file"  # per-row source label, for parts whose rows come from several files or sheets
#: the column a reader fills when it could not trust a row (the row is rejected with that reason)
PROBLEM = getattr(_dataset, "PROBLEM", "_problem")

# Codes the native tables use (data contract §1), for proposing value maps.
VOCAB: dict[str, tuple[str, ...]] = {
    "episode_type": (
        "early_help", "child_in_need", "child_protection", "child_in_care", "care_leaver",
        "disabled_children", "private_fostering", "short_breaks", "s47", "adoption",
    ),
    "document_type": (
        "chronology", "genogram", "ecomap", "case_summary", "pen_picture", "plan", "pathway_plan",
        "working_agreement", "health_assessment", "dental_check",
    ),
    "meeting_type": (
        "strategy_discussion", "icpc", "rcpc", "core_group", "cin_review", "cla_review", "taf",
        "family_network", "pathway_plan_review",
    ),
    "supervision_type": ("allocation", "case", "management_oversight"),
    "visit_type": ("statutory",),
    "assessment_type": ("child_and_family", "early_help"),
}


def norm(text: object) -> str:
    """A heading or code reduced for loose matching: case, spaces (also non-breaking),
    punctuation and underscores ignored (``"Was the Child Seen Alone? "`` -> ``wasthechildseenalone``)."""
    return re.sub(r"[^a-z0-9]+", "", str(text).replace("\u00a0", " ").lower())


def norm_expr(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "")


def clean(expr: pl.Expr) -> pl.Expr:
    """Cell text with spaces stripped; blanks, ``#N/A``, ``NULL``... as null."""
    return parse.clean_text(expr)


def strip_prefix(expr: pl.Expr) -> pl.Expr:
    """Annex A style coded values: ``"b) Female"`` -> ``"Female"``."""
    return clean(expr).str.replace(r"^[A-Za-z]\)\s*", "")


def as_date(series: pl.Series) -> pl.Series:
    """Dates of a raw column (null where blank or unreadable), for deriving rows."""
    return parse.parse_date(series)[0]


def as_flag(series: pl.Series) -> pl.Series:
    return parse.parse_flag(series)[0]


def flag_expr(expr: pl.Expr) -> pl.Expr:
    """Yes/no of a raw column as an expression (null where blank or not a yes/no)."""
    return expr.map_batches(as_flag, return_dtype=pl.Boolean)


def count(n: int, one: str, many: str | None = None) -> str:
    """``"1 row repeats"`` / ``"3 rows repeat"``: ``many`` defaults to ``one`` + s."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def null_text() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


# ---------------------------------------------------------------------------------------------
# Source tables and parts
# ---------------------------------------------------------------------------------------------
@dataclass
class SourceTable:
    """One file or sheet as read: untyped columns plus ``_row``."""

    name: str  # what the source calls it: "ssd_cp_visits", "List 7", "visits report"
    label: str  # for messages: "ssd_cp_visits.csv", "annex_a.xlsx [List 7]"
    frame: pl.DataFrame
    path: Path | None = None
    kind: str = ""  # what casecheck took it for, e.g. "SSD ssd_cp_visits", "Annex A List 7"
    used: set[str] = field(default_factory=set)  # headings some native column was taken from
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (ROW, PROBLEM, FILE)]

    @property
    def rows(self) -> int:
        return self.frame.height

    def find(self, *candidates: str) -> str | None:
        """The heading matching one of ``candidates`` loosely (first candidate first)."""
        keys: dict[str, str] = {}
        for h in self.headers:
            keys.setdefault(norm(h), h)
        for c in candidates:
            hit = keys.get(norm(c))
            if hit is not None:
                return hit
        return None

    def use(self, header: str | None) -> pl.Expr:
        """The column under ``header`` (null if None), remembered as used."""
        if header is None:
            return null_text()
        self.used.add(header)
        return pl.col(header)

    def need(self, candidates: tuple[str, ...] | str, what: str) -> str:
        """A heading that must be there, else an error naming the file and its headings."""
        cands = (candidates,) if isinstance(candidates, str) else candidates
        hit = self.find(*cands)
        if hit is None:
            raise InputError(
                f"{self.label} has no '{cands[0]}' column, needed for {what} "
                f"{describe_headings(self.headers)}"
            )
        return hit


@dataclass
class Part:
    """Rows of one native table derived from one source table (or, with ``__file``, several)."""

    table: str
    source: SourceTable
    frame: pl.DataFrame  # native columns (any subset) + ROW [+ FILE]
    mapping: dict[str, str]  # native column -> source heading, or how it was derived
    note: str = ""
    #: what rows the part can hold, as (code, cohort) pairs: the code in the table's code column
    #: (``meeting_type``...; for ``episodes`` the episode type) and the episode type of the
    #: children the rows are about; None in a slot means any. None: anything (a native file,
    #: a mapping the user wrote). See :mod:`casecheck.coverage`.
    supplies: frozenset[tuple[str | None, str | None]] | None = None


def code_column(table: str) -> str | None:
    """The column holding a table's coded type (``meetings`` -> ``meeting_type``), if any."""
    cols = CODE_COLUMNS.get(table, ())
    return cols[0] if cols else None


def supplying(part: Part, *cohorts: str, codes: tuple[str, ...] | None = None) -> Part:
    """``part`` declared to hold rows only about children of ``cohorts`` (and, with ``codes``,
    only those codes; otherwise the codes it already declares)."""
    if codes is None:
        codes = tuple(sorted({c for c, _k in part.supplies or ()} - {None}))  # type: ignore[arg-type]
    pairs = {(c, k) for c in (codes or (None,)) for k in (cohorts or (None,))}
    part.supplies = frozenset(pairs)
    return part


def make_part(
    table: str,
    source: SourceTable,
    columns: dict[str, str | tuple[pl.Expr, str] | None],
    keep: pl.Expr | None = None,
    note: str = "",
    frame: pl.DataFrame | None = None,
) -> Part:
    """Rows of ``table`` from ``source``: ``columns`` maps a native column to a source heading
    (taken as is), to ``(expression, description)``, or to None (not supplied)."""
    base = source.frame if frame is None else frame
    exprs: list[pl.Expr] = [pl.col(ROW)]
    mapping: dict[str, str] = {}
    for native, spec in columns.items():
        if spec is None:
            continue
        if isinstance(spec, str):
            exprs.append(source.use(spec).alias(native))
            mapping[native] = spec
        else:
            expr, desc = spec
            exprs.append(expr.alias(native))
            mapping[native] = desc
    exprs += [pl.col(c) for c in (FILE, PROBLEM) if c in base.columns]
    lazy = base.lazy()
    if keep is not None:
        lazy = lazy.filter(keep)
    part = Part(table, source, lazy.select(exprs).collect(), mapping, note)
    code = code_column(table)
    spec = columns.get(code) if code else None
    if isinstance(spec, tuple) and spec[1].startswith("always '"):
        part.supplies = frozenset({(spec[1][len("always '"):-1], None)})
    elif code is None or spec is None:
        part.supplies = frozenset({(None, None)})
    return part


def const(value: str) -> tuple[pl.Expr, str]:
    return pl.lit(value, dtype=pl.String), f"always '{value}'"


def nonblank(header: str | None) -> pl.Expr:
    if header is None:
        return pl.lit(False)
    return clean(pl.col(header)).is_not_null()


def count_note(part: Part, source_rows: int | None = None, why: str = "") -> str:
    """``"80 rows from annex_a.xlsx [List 7] (3 of its rows have no 'X')"``: ``why`` may say
    ``{have}`` or ``{are}``, made singular or plural."""
    n = part.frame.height
    text = f"{n:,} row{'s' if n != 1 else ''} from {part.source.label}"
    if source_rows is not None and source_rows > n and why:
        gone = source_rows - n
        one = gone == 1
        reason = why.replace("{have}", "has" if one else "have").replace("{are}", "is" if one else "are")
        text += f" ({gone:,} of its rows {reason})"
    return text


def dates_of(frame: pl.DataFrame, column: str) -> pl.Series:
    """A raw column's dates (all null if the frame lacks the column)."""
    if column in frame.columns:
        return as_date(frame[column]).alias(column)
    return pl.Series(column, [None] * frame.height, dtype=pl.Date)


def allocate(part: Part, allocations: pl.DataFrame | None, source: str) -> Part:
    """Episodes without a worker take the worker (and team) of the child's allocation that
    overlaps the episode and started last.

    ``allocations``: ``child``, ``i_s``, ``i_e`` (dates), ``i_row``, ``i_worker``, ``i_team``;
    ``source`` names them in the mapping (``ssd_involvements``)."""
    if allocations is None:
        return part
    f = part.frame.with_row_index("__i")
    ep = _spans(f)
    far = pl.date(9999, 12, 31)
    best = (
        ep.join(allocations.select("child", "i_s", "i_e", "i_row", "i_worker", "i_team"), on="child")
        .filter(
            pl.col("s").is_not_null()
            & (pl.col("i_e").fill_null(far) > pl.col("s"))
            & (pl.col("i_s") < pl.col("e").fill_null(far))
        )
        .sort("__i", "i_s", "i_row")
        .group_by("__i")
        .agg(pl.col("i_worker").last(), pl.col("i_team").last(), pl.col("i_s").last().alias("i_alloc"))
    )
    f = f.join(best, on="__i", how="left")
    own = clean(pl.col("worker_id")) if "worker_id" in f.columns else null_text()
    own_team = pl.col("team") if "team" in f.columns else null_text()
    f = f.with_columns(
        pl.when(own.is_not_null()).then(own).otherwise(pl.col("i_worker")).alias("worker_id"),
        pl.when(own.is_not_null()).then(own_team.cast(pl.String))
        .otherwise(pl.col("i_team")).alias("team"),
    )
    mapping = dict(part.mapping)
    if "allocated_date" not in f.columns:  # the day the worker named was allocated
        f = f.with_columns(pl.when(own.is_null()).then(pl.col("i_alloc").cast(pl.String)).alias("allocated_date"))
        mapping["allocated_date"] = (f"the start of that allocation ({source}), where the episode's "
                                     "worker comes from it")
    f = f.drop("__i", "i_worker", "i_team", "i_alloc")
    for col in ("worker_id", "team"):
        was = mapping.get(col)
        mapping[col] = (f"{was}, else " if was else "") + (
            f"the child's latest overlapping allocation ({source})"
        )
    return Part(part.table, part.source, f, mapping, part.note, part.supplies)


def _spans(f: pl.DataFrame) -> pl.DataFrame:
    """Each row's number (``__i``), child (``child``, cleaned) and dates (``s``, ``e``), for
    joining a part's rows to another table's spans by child and overlap."""
    return pl.DataFrame({
        "__i": f["__i"],
        "child": f.select(clean(pl.col("child_id")).alias("c"))["c"],
        "s": dates_of(f, "start_date"),
        "e": dates_of(f, "end_date"),
    })


def split_by_status(part: Part, statuses: pl.DataFrame, source: str) -> tuple[Part, int]:
    """Placements with the child's legal status: each placement row takes the status in force
    on its start date, and a status that begins while the placement is open starts a new row of
    the same placement (same ``placement_id``, so the placement's clock does not restart).

    ``statuses``: ``child``, ``l_s``, ``l_e`` (dates), ``l_code``. Returns the part and how many
    rows the changes of status added."""
    f = part.frame.with_row_index("__i")
    places = _spans(f)
    far = pl.date(9999, 12, 31)
    within = (
        places.join(statuses.select("child", "l_s"), on="child")
        .filter(pl.col("s").is_not_null() & (pl.col("l_s") > pl.col("s")) & (pl.col("l_s") < pl.col("e").fill_null(far)))
        .select("__i", pl.col("l_s").alias("piece"))
        .unique()
    )
    pieces = pl.concat([places.select("__i", pl.col("s").alias("piece")), within]).sort("__i", "piece")
    pieces = pieces.with_columns(stop=pl.col("piece").shift(-1).over("__i"))
    code = (
        pieces.join(places.select("__i", "child"), on="__i")
        .join(statuses.select("child", "l_s", "l_e", "l_code"), on="child")
        .filter((pl.col("l_s") <= pl.col("piece")) & (pl.col("l_e").fill_null(far) > pl.col("piece")))
        .sort("__i", "piece", "l_s")
        .group_by("__i", "piece", maintain_order=True)
        .agg(pl.col("l_code").last().alias("legal_status"))
    )
    pieces = pieces.join(code, on=["__i", "piece"], how="left")
    out = f.join(pieces, on="__i", how="left").with_columns(
        start_date=pl.when(pl.col("piece").is_not_null()).then(pl.col("piece").cast(pl.String))
        .otherwise(pl.col("start_date")),
        end_date=pl.when(pl.col("stop").is_not_null()).then(pl.col("stop").cast(pl.String))
        .otherwise(pl.col("end_date") if "end_date" in f.columns else null_text()),
    ).drop("__i", "piece", "stop")
    mapping = dict(part.mapping)
    mapping["legal_status"] = f"the legal status in force on the row's start date ({source})"
    added = out.height - part.frame.height
    if added:
        mapping["start_date"] = f"{mapping.get('start_date', 'start_date')}, or the day a new legal status began"
        mapping["end_date"] = f"{mapping.get('end_date', 'end_date')}, or the day the legal status changed"
    return Part(part.table, part.source, out, mapping, part.note, part.supplies), added


@dataclass
class Contribution:
    """What one statutory return (or a folder's native files) gives a combined extract."""

    kind: str  # ssda903 | cin | native
    parts: list[Part]  # rows of native tables other than children
    children: list[pl.DataFrame]  # ROW, FILE, child_id, date_of_birth, gender, disability
    child_labels: list[str]  # where the children rows come from, for the note
    sources: list[SourceTable]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    as_at: dt.date | None = None  # the return's natural audit date
    as_at_why: str = ""  # "the end of the collection year of the latest episode date"


# ---------------------------------------------------------------------------------------------
# Loose heading resolution (Annex A headings differ slightly between years)
# ---------------------------------------------------------------------------------------------
def resolve_roles(
    headers: list[str], roles: dict[str, tuple[str, ...]], cutoff: float = 0.82
) -> dict[str, str]:
    """Find each role's heading: exact loose matches first, then close ones (difflib), each
    heading used once."""
    keys: dict[str, str] = {}
    for h in headers:
        keys.setdefault(norm(h), h)
    found: dict[str, str] = {}
    taken: set[str] = set()
    for role, cands in roles.items():
        for c in cands:
            k = norm(c)
            if k in keys and k not in taken:
                found[role] = keys[k]
                taken.add(k)
                break
    for role, cands in roles.items():
        if role in found:
            continue
        free = [k for k in keys if k not in taken]
        best: tuple[float, str] | None = None
        for c in cands:
            for k in difflib.get_close_matches(norm(c), free, n=1, cutoff=cutoff):
                score = difflib.SequenceMatcher(None, norm(c), k).ratio()
                if best is None or score > best[0]:
                    best = (score, k)
        if best is not None:
            found[role] = keys[best[1]]
            taken.add(best[1])
    return found


# ---------------------------------------------------------------------------------------------
# The extract: parts assembled into raw tables, typed, issues pointed back at the source
# ---------------------------------------------------------------------------------------------
@dataclass
class Extract:
    """Everything a source read, before typing."""

    source: str
    path: Path
    parts: list[Part]
    sources: list[SourceTable]
    files: list[Path] = field(default_factory=list)  # files on disk read (never overwritten)
    notes: list[str] = field(default_factory=list)  # for Dataset.notes
    ignored: list[str] = field(default_factory=list)  # files or sheets present but not read
    as_at: dt.date | None = None  # the source's default audit date
    as_at_note: str | None = None  # said when the default is used
    reason: str = ""  # why this source was chosen
    tallies: list[pl.DataFrame] = field(default_factory=list)  # e.g. rows a mapping left out

    def tables(self) -> list[str]:
        present = {p.table for p in self.parts}
        return [t for t in TABLES if t in present]

    def parts_of(self, table: str) -> list[Part]:
        return [p for p in self.parts if p.table == table]

    def label(self, table: str) -> str:
        parts = self.parts_of(table)
        labels = list(dict.fromkeys(x for p in parts for x in p.source.label.split(" + ")))
        if len(labels) == 1:
            return labels[0]
        books = {p.source.path for p in parts}
        if len(books) == 1 and all(" [" in lab for lab in labels):
            book = labels[0].split(" [", 1)[0]
            sheets = [lab.split(" [", 1)[1].rstrip("]") for lab in labels]
            return f"{book} [{', '.join(sheets)}]"
        return " + ".join(labels)

    def mapping(self, table: str) -> dict[str, str]:
        parts = self.parts_of(table)
        out: dict[str, list[str]] = {}
        for p in parts:
            for native, desc in p.mapping.items():
                out.setdefault(native, []).append(
                    f"{p.source.name}: {desc}" if len(parts) > 1 else desc
                )
        cols = TABLES[table].column_names
        return {c: "; ".join(dict.fromkeys(out[c])) for c in cols if c in out}

    def raw_tables(self) -> tuple[list[RawTable], pl.DataFrame]:
        """One RawTable per native table, rows numbered 2.. in order, and the lookup from those
        numbers to (source label, row in the source)."""
        raws: list[RawTable] = []
        lookups: list[pl.DataFrame] = []
        known = {id(st) for st in self.sources}
        feeding = {id(p.source) for p in self.parts}
        listed: set[int] = set()
        for table in self.tables():
            parts = self.parts_of(table)
            # a source's unused columns are listed once, under the first table it feeds
            unmapped: list[str] = []
            if table == "children":  # sources that feed only the children (Annex A lists 1, 10)
                for st in self.sources:
                    if id(st) not in feeding and id(st) not in listed:
                        listed.add(id(st))
                        unmapped += [f"{st.name}: {h}" for h in st.headers if h not in st.used]
            for p in parts:
                st = p.source
                if id(st) in known and id(st) not in listed:
                    listed.add(id(st))
                    unused = [h for h in st.headers if h not in st.used]
                    unmapped += [f"{st.name}: {h}" if len(parts) > 1 else h for h in unused]
            frames = [
                p.frame if FILE in p.frame.columns
                else p.frame.with_columns(pl.lit(p.source.label).alias(FILE))
                for p in parts
            ]
            frame = _concat(frames).with_row_index("__syn", offset=2).with_columns(
                pl.col("__syn").cast(pl.Int64)
            )
            lookups.append(
                frame.select(
                    pl.lit(table).alias("table"),
                    pl.col("__syn").alias("row"),
                    pl.col(FILE).alias("src_file"),
                    pl.col(ROW).cast(pl.Int64).alias("src_row"),
                )
            )
            data = frame.drop(ROW, FILE).rename({"__syn": ROW})
            notes = [p.note for p in parts if p.note]
            raws.append(
                RawTable(
                    table=table,
                    frame=data.select(ROW, *[c for c in data.columns if c != ROW]),
                    file=self.label(table),
                    mapping=self.mapping(table),
                    unmapped=unmapped,
                    notes=notes,
                )
            )
        lookup = (
            pl.concat(lookups)
            if lookups
            else pl.DataFrame(schema={"table": pl.String, "row": pl.Int64, "src_file": pl.String,
                                      "src_row": pl.Int64})
        )
        return raws, lookup

    def build(self, as_at: dt.date | None) -> Dataset:
        """Type the tables, set aside unusable rows, and point every issue at its source row.

        ``as_at`` None means the source's default audit date (``self.as_at``), else today."""
        raws, lookup = self.raw_tables()
        as_at_used = as_at or self.as_at or dt.date.today()
        ds = build_dataset(raws, as_at=as_at_used, source=self.source, path=self.path,
                           files=self.files)
        for table, report in ds.quality.reports.items():
            report.supplies = self.supplies(table)
        ds.quality.issues = _repoint_issues(ds.quality.issues, lookup)
        if self.tallies:
            ds.quality.tallies = tallies_frame([ds.quality.tallies, *self.tallies])
        for name, frame in ds.tables.items():
            rows = lookup.filter(pl.col("table") == name)
            ds.tables[name] = frame.with_columns(
                pl.col(ROW).replace_strict(rows["row"], rows["src_row"], default=pl.col(ROW))
            )
        notes = list(self.notes)
        absent = self.absent_dates()
        name = SOURCE_NAMES.get(self.source, self.source)
        waits = [a for a in absent if a in DONE_DATES]
        if waits:
            notes.append(
                f"Not in this {name} extract: {', '.join(waits)}. A rule that waits for one of "
                "these dates is not assessed (needs: ...); supply it in a native table file if "
                "you have it."
            )
        if "placements.permanence_agreed_date" in absent:
            notes.append(
                f"Not in this {name} extract: placements.permanence_agreed_date, so no placement "
                "counts as agreed permanent (the longer visiting interval never applies)."
            )
        if as_at is None and self.as_at_note:
            notes.insert(0, self.as_at_note)
        ds.notes = notes
        return ds

    def supplies(self, table: str) -> frozenset[tuple[str | None, str | None]] | None:
        """What the table's rows can be, all parts together (None: anything)."""
        out: set[tuple[str | None, str | None]] = set()
        for p in self.parts_of(table):
            if p.supplies is None:
                return None
            out |= p.supplies
        return frozenset(out)

    def absent_dates(self) -> list[str]:
        """``table.column`` for the date columns (other than dates of birth) of the tables this
        extract holds that no part supplies."""
        out = []
        for table in self.tables():
            mapped = self.mapping(table)
            for col in TABLES[table].columns:
                if col.kind == DATE and col.name != "date_of_birth" and col.name not in mapped:
                    out.append(f"{table}.{col.name}")
        return out


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Stack parts: a column whose type differs between parts is stacked as text."""
    if len(frames) == 1:
        return frames[0]
    types: dict[str, set] = {}
    for f in frames:
        for c, t in f.schema.items():
            types.setdefault(c, set()).add(t)
    mixed = [c for c, ts in types.items() if len(ts) > 1 and c not in (ROW, FILE)]
    if mixed:
        frames = [f.with_columns([pl.col(c).cast(pl.String) for c in mixed if c in f.columns])
                  for f in frames]
    return pl.concat(frames, how="diagonal_relaxed")


_REF = r"(?:duplicate of row|repeats row) (\d+)"


def _repoint_issues(issues: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """Issues name the source file (or sheet) and its row, not the assembled table's row."""
    if issues.is_empty() or lookup.is_empty():
        return issues
    out = issues.join(lookup, on=["table", "row"], how="left")
    refs = lookup.rename({"row": "ref", "src_file": "ref_file", "src_row": "ref_row"})
    out = out.with_columns(
        pl.col("reason").str.extract(_REF, 1).cast(pl.Int64).alias("ref")
    ).join(refs, on=["table", "ref"], how="left")
    where = pl.when(pl.col("ref_file") != pl.col("src_file")).then(
        pl.format(" of {}", pl.col("ref_file"))
    ).otherwise(pl.lit(""))
    reason = pl.when(pl.col("ref_row").is_not_null()).then(
        pl.concat_str(
            pl.col("reason").str.extract(r"^(.*?(?:duplicate of row|repeats row) )\d+", 1),
            pl.col("ref_row").cast(pl.String),
            where,
            pl.col("reason").str.extract(r"(?:duplicate of row|repeats row) \d+(.*)$", 1),
        )
    ).otherwise(pl.col("reason"))
    return (
        out.with_columns(
            file=pl.coalesce("src_file", "file"),
            row=pl.coalesce("src_row", "row"),
            reason=reason,
        )
        .select(issues.columns)
        .sort(["table", "file", "row", "column"], nulls_last=True)
    )


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
def write_text(path: Path, text: str, protected: list[Path] | None = None) -> None:
    """Write a text file atomically, never over an input file or an existing file."""
    from casecheck.outputs import atomic_write, is_device

    path = Path(path)
    if path.exists() and not is_device(path) and not path.is_dir():
        raise UsageError(
            f"{path} already exists: give a new file name (casecheck does not overwrite a mapping "
            "you may have edited)"
        )
    data = text.encode("utf-8")
    atomic_write(path, lambda tmp: tmp.write_bytes(data), protected or [])


def table_files(folder: Path) -> list[Path]:
    """The files in a folder that could hold a table (CSV, Excel, Parquet), by name."""
    from casecheck.sources.readers import TABLE_SUFFIXES

    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def native_beside(file: Path, seen: dict[str, str], beside: str) -> Part:
    """A native table file read beside another source's files (``supervisions.csv`` beside an
    SSD or a return): its rows as a part of its table. ``seen`` (table -> file name) refuses a
    second file for the same table."""
    from casecheck.schema import find_table
    from casecheck.sources.native import map_headers

    table = find_table(file.stem)
    assert table is not None
    if table.name in seen:
        raise InputError(
            f"two inputs hold the {table.name} table ({seen[table.name]} and {file.name}); keep one"
        )
    seen[table.name] = file.name
    sheets = read_tables(file)
    st = next((s for s in sheets if find_table(s.name) == table), sheets[0])
    raw = map_headers(st.frame, table, st.label)
    st.name, st.kind = file.stem, f"native {table.name}"
    st.used = set(raw.mapping.values())
    part = Part(table.name, st, raw.frame, dict(raw.mapping))
    part.note = count_note(part) + f" (a native table file beside {beside})"
    return part


def read_tables(path: Path, name: str | None = None) -> list[SourceTable]:
    """Read a file: one SourceTable for a CSV or Parquet file, one per sheet of a workbook."""
    from casecheck.sources.readers import (
        CSV_SUFFIXES,
        PARQUET_SUFFIXES,
        excel_sheets,
        read_csv,
        read_parquet,
    )

    suffix = path.suffix.lower()
    stem = name or path.stem
    if suffix in CSV_SUFFIXES:
        return [SourceTable(stem, path.name, read_csv(path), path)]
    if suffix in PARQUET_SUFFIXES:
        return [SourceTable(stem, path.name, read_parquet(path), path)]
    return [
        SourceTable(sheet, f"{path.name} [{sheet}]", frame, path)
        for sheet, frame in excel_sheets(path).items()
    ]
