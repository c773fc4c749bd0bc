"""A loaded extract: typed native tables plus the data-quality record of what could not be used.

Every source (native files, SSD, Annex A, LCS/EHM) produces raw frames with native column names
and hands them to :func:`build_dataset`, which types each column, sets aside the rows that cannot
be used (with the reason), and checks the tables against each other. The invariant, per table::

    rows read = rows used + rows rejected
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck import parse, vocabulary
from casecheck.errors import InputError, describe_headings
from casecheck.overlaps import overlap_notes
from casecheck.schema import DATE, FLAG, ID, TABLES, Table

ROW = "_row"  # the row number in the source file (header = row 1)
#: optional column a reader fills with the reason it could not trust a row (the row is rejected)
PROBLEM = "_problem"
#: longest stretch of a cell's text quoted in a reason (a 1 MB cell is not repeated in messages)
QUOTE_CHARS = 60

ISSUE_SCHEMA = {
    "table": pl.String,
    "file": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "action": pl.String,  # rejected (row not used) | blanked (row used, value treated as blank,
    # or for `seen` as no: the reason says so) | noted (row used as the reason says: overlaps)
}


#: what was read but is worth a word, counted: a coded value casecheck does not know (``kind``
#: ``unknown_code``, ``detail`` the nearest known code), a placeholder date read as blank
#: (``placeholder``), rows that overlap another of the same child (``overlap``), rows a report
#: mapping leaves out (``left_out``)
TALLY_SCHEMA = {
    "table": pl.String,
    "column": pl.String,
    "kind": pl.String,
    "value": pl.String,
    "rows": pl.Int64,
    "detail": pl.String,
}


def tallies_frame(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Tally rows stacked, and the same (table, column, kind, value, detail) added up."""
    parts = [p.select(list(TALLY_SCHEMA)).cast(TALLY_SCHEMA) for p in parts if p.height]  # type: ignore[arg-type]
    if not parts:
        return pl.DataFrame(schema=TALLY_SCHEMA)
    keys = ["table", "column", "kind", "value", "detail"]
    return (
        pl.concat(parts).group_by(keys).agg(pl.col("rows").sum())
        .select(list(TALLY_SCHEMA))
        .sort(["table", "kind", "column", "rows", "value"], descending=[False, False, False, True, False],
              nulls_last=True)
    )


@dataclass
class RawTable:
    """One table as read from a file, columns renamed to native names, values untyped."""

    table: str
    frame: pl.DataFrame  # native column names (subset) + ROW; any dtypes
    file: str  # what to call the file in messages, e.g. "visits.csv" or "book.xlsx [visits]"
    mapping: dict[str, str] = field(default_factory=dict)  # native column -> header in the file
    unmapped: list[str] = field(default_factory=list)  # headers in the file not used
    notes: list[str] = field(default_factory=list)  # e.g. duplicate headers


@dataclass
class TableReport:
    table: str
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    mapping: dict[str, str]
    unmapped: list[str]
    notes: list[str]
    #: (code, cohort) pairs the source can give this table, None = anything (casecheck.coverage)
    supplies: frozenset[tuple[str | None, str | None]] | None = None


@dataclass
class DataQuality:
    """What casecheck made of each table, and every row or cell it could not use."""

    reports: dict[str, TableReport]
    issues: pl.DataFrame  # ISSUE_SCHEMA, sorted by table, row
    tallies: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TALLY_SCHEMA))

    def unknown_codes(self, known: dict[str, set[str]] | None = None) -> pl.DataFrame:
        """Coded values casecheck does not know: table, column, value (as written), rows and
        the nearest known code (``suggestion``). ``known``: codes to accept besides the
        vocabulary's (per column: the codes a profile's rules name)."""
        out = self.tallies.filter(pl.col("kind") == "unknown_code")
        for column, codes in (known or {}).items():
            tidy = vocabulary.tidy_codes(out["value"]) if out.height else out["value"]
            out = out.filter(~((pl.col("column") == column) & tidy.is_in(sorted(codes))))
        return out.select("table", "column", "value", "rows", pl.col("detail").alias("suggestion"))

    def note_lines(self) -> list[str]:
        """One sentence per placeholder, overlap and left-out count (tables in order)."""
        lines = []
        for r in self.tallies.filter(pl.col("kind") != "unknown_code").iter_rows(named=True):
            n = f"{r['rows']:,} row{'s' if r['rows'] != 1 else ''}"
            if r["kind"] == "placeholder":
                lines.append(f"{r['table']}: {r['column']} {r['value']} in {n}, {r['detail']}")
            elif r["kind"] == "left_out":
                value = f" '{r['value']}'" if r["value"] is not None else ""
                lines.append(f"{r['table']}: {n} with {r['column']}{value} {r['detail']}")
            else:
                lines.append(f"{r['table']}: {n} {r['detail']}")
        return lines

    def rejected(self, table: str | None = None) -> pl.DataFrame:
        out = self.issues.filter(pl.col("action") == "rejected")
        return out if table is None else out.filter(pl.col("table") == table)

    def top_reasons(self, table: str, n: int = 3) -> list[tuple[str, int]]:
        """The commonest reasons rows were rejected or values blanked, most frequent first."""
        sub = self.issues.filter(pl.col("table") == table)
        if sub.is_empty():
            return []
        kinds = sub.select(reason_kind(pl.col("reason")).alias("reason"), pl.col("action"))
        counts = (
            kinds.group_by("reason", "action")
            .len()
            .sort(["len", "reason"], descending=[True, False])
            .head(n)
        )
        return [
            (f"{r} ({a})" if a != "rejected" else r, c)
            for r, a, c in counts.iter_rows()
        ]

    def summary(self) -> pl.DataFrame:
        """One row per table: rows read, used, rejected and cells blanked."""
        blanked = (
            self.issues.filter(pl.col("action") == "blanked").group_by("table").len("blanked")
        )
        rows = [
            {
                "table": r.table,
                "file": r.file,
                "rows_read": r.rows_read,
                "rows_used": r.rows_used,
                "rows_rejected": r.rows_rejected,
            }
            for r in self.reports.values()
        ]
        frame = pl.DataFrame(
            rows,
            schema={
                "table": pl.String,
                "file": pl.String,
                "rows_read": pl.Int64,
                "rows_used": pl.Int64,
                "rows_rejected": pl.Int64,
            },
        )
        return frame.join(blanked, on="table", how="left").with_columns(
            pl.col("blanked").fill_null(0).cast(pl.Int64)
        )


@dataclass
class Dataset:
    """Typed native tables (only rows that can be used) and the data-quality record."""

    tables: dict[str, pl.DataFrame]
    quality: DataQuality
    source: str = "native"
    path: Path | None = None
    as_at: dt.date | None = None
    files: list[Path] = field(default_factory=list)
    #: what the user should be told about how the extract was read (e.g. an inferred audit date)
    notes: list[str] = field(default_factory=list)

    def has(self, table: str) -> bool:
        return table in self.tables

    def table(self, name: str) -> pl.DataFrame:
        """The typed table, or an empty frame with the native schema when the extract lacks it."""
        if name in self.tables:
            return self.tables[name]
        return empty_table(TABLES[name])


#: flags where an unreadable value must not count in the child's favour: a blank ``seen`` counts
#: as seen (exports often omit it), but a garbled one ("maybe") is counted as not seen
BAD_FLAG_MEANS_NO = {("visits", "seen")}


def reason_kind(reason: pl.Expr) -> pl.Expr:
    """Group detailed reasons into kinds for counting ("end_date before start_date")."""
    return (
        reason.str.replace(r"(?s)^(\w+) is not a date.*$", "${1} not a date")
        .str.replace(r"(?s)^(\w+) \S+ is before (\w+) .*$", "${1} before ${2}")
        .str.replace(r"(?s)^duplicate of row.*$", "duplicate row")
        .str.replace(r"(?s)^(\w+) \S+ repeats row .*$", "${1} repeated")
        .str.replace(r"(?s)^unknown child.*$", "unknown child")
        .str.replace(r"(?s)^(\w+) \S+ is after the audit date.*$", "${1} after the audit date")
        .str.replace(r"(?s)^row has \d+ values? for \d+ columns \(an unquoted.*$", "row has too many values")
        .str.replace(r"(?s)^row has \d+ values? for \d+ columns.*$", "row cut short")
        .str.replace(r"(?s)^(\w+) is an Excel error.*$", "${1} Excel error")
        .str.replace(r"(?s)^overlaps another (.+?) episode of the same child.*$", "overlapping ${1} episodes, counted as one")
        .str.replace(r"(?s)^starts on \S+ while the placement .*$", "placements open at once, the later one current")
    )


def quote(value: pl.Expr, limit: int = QUOTE_CHARS) -> pl.Expr:
    """A cell's text for a message, cut to ``limit`` characters (with an ellipsis)."""
    return (
        pl.when(value.str.len_chars() > limit)
        .then(value.str.slice(0, limit) + pl.lit("…"))
        .otherwise(value)
    )


def polars_type(kind: str) -> pl.DataType:
    return {ID: pl.String(), DATE: pl.Date(), FLAG: pl.Boolean()}.get(kind, pl.String())


def empty_table(table: Table) -> pl.DataFrame:
    schema = {ROW: pl.Int64} | {c.name: polars_type(c.kind) for c in table.columns}
    return pl.DataFrame(schema=schema)


def _issues_frame(rows: list[pl.DataFrame]) -> pl.DataFrame:
    rows = [r.select(list(ISSUE_SCHEMA)).cast(ISSUE_SCHEMA) for r in rows if r.height]  # type: ignore[arg-type]
    if not rows:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat(rows)


def _nulls(name: str, n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, n, dtype=dtype, eager=True).alias(name)


def _type_columns(
    raw: RawTable, table: Table
) -> tuple[pl.DataFrame, list[tuple[str, pl.Series]], list[pl.DataFrame]]:
    """Type every native column; return the frame, per date/flag column its 'bad' mask, and
    the tallies (unknown codes, placeholder dates)."""
    src = raw.frame
    cols: list[pl.Series] = [src[ROW].cast(pl.Int64)]
    bad: list[tuple[str, pl.Series]] = []
    tallies: list[pl.DataFrame] = []
    codes = vocabulary.CODED_COLUMNS.get(table.name, ())
    for col in table.columns:
        if col.name not in src.columns:
            cols.append(_nulls(col.name, src.height, polars_type(col.kind)))
            continue
        s = src[col.name]
        if col.kind == DATE:
            typed, mask, placeholder = parse.parse_dates(s)
            bad.append((col.name, mask))
            tallies.append(_placeholders(table.name, col.name, placeholder))
        elif col.kind == FLAG:
            typed, mask = parse.parse_flag(s)
            bad.append((col.name, mask))
        elif col.kind == ID:
            typed = parse.parse_id(s)
        elif col.name in codes:
            matched = vocabulary.match(s, col.name)
            typed = matched.codes
            tallies.append(matched.unknown.select(
                pl.lit(table.name).alias("table"), pl.lit(col.name).alias("column"),
                pl.lit("unknown_code").alias("kind"), "value", "rows",
                pl.col("suggestion").alias("detail"),
            ))
        else:
            typed = parse.parse_text(s)
        cols.append(typed.alias(col.name))
    return pl.DataFrame(cols), bad, tallies


def _placeholders(table: str, column: str, placeholder: pl.Series) -> pl.DataFrame:
    """How many cells of a date column held each placeholder date (read as blank)."""
    if placeholder.null_count() == len(placeholder):
        return pl.DataFrame(schema=TALLY_SCHEMA)
    counts = placeholder.drop_nulls().value_counts(name="rows")
    return counts.select(
        pl.lit(table).alias("table"), pl.lit(column).alias("column"),
        pl.lit("placeholder").alias("kind"), pl.col(placeholder.name).alias("value"), "rows",
        pl.col(placeholder.name).replace_strict(
            {str(d): how for d, how in parse.PLACEHOLDER_DATES.items()}, return_dtype=pl.String
        ).alias("detail"),
    )


def _excel_errors(raw: RawTable, table: Table) -> dict[str, pl.Series]:
    """Per text, id or code column, the cells holding an Excel error value (``#REF!``): only
    columns that hold any (a cheap scan for a leading ``#`` first)."""
    out: dict[str, pl.Series] = {}
    for col in table.columns:
        if col.kind in (DATE, FLAG) or col.name not in raw.frame.columns:
            continue
        s = raw.frame[col.name]
        if s.dtype != pl.String or not s.str.starts_with("#").any():
            continue
        mask = s.str.strip_chars().str.to_lowercase().is_in(parse.EXCEL_ERRORS).fill_null(False)
        if mask.any():
            out[col.name] = mask
    return out


#: a row check: (the row fails when this is true, the reason to give when it does)
Check = tuple[pl.Expr, pl.Expr]


def first_failure(frame: pl.DataFrame, checks: list[Check], name: str = "__reject") -> pl.Series:
    """Per row, the reason of the first check it fails (null when it passes them all).

    The conditions are evaluated over every row, but the reason text only for the rows that
    fail: a ``when/then`` would format a sentence for each of millions of good rows.
    """
    out = _nulls(name, frame.height, pl.String())
    if not checks or not frame.height:
        return out
    failing = frame.select(
        pl.any_horizontal([cond.fill_null(False) for cond, _ in checks])
    ).to_series()
    if not failing.any():
        return out
    idx = failing.arg_true()
    reasons = frame[idx].select(
        pl.coalesce([pl.when(cond.fill_null(False)).then(reason) for cond, reason in checks])
    ).to_series()
    return out.scatter(idx, reasons)


def repeats_of(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """For each row that repeats an earlier row's values in ``columns``, that earlier row's number.

    Candidates come from a 64-bit hash of each row's values (one fast pass, then a sort of the
    hashes); the few candidates are then compared on the values themselves, so a hash collision
    can never reject a row.
    """
    out = _nulls("repeats", frame.height, pl.Int64())
    if frame.height < 2:
        return out
    hashes = frame.select(columns).hash_rows(seed=0)
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    if repeated.is_empty():
        return out
    idx = hashes.is_in(repeated.unique().implode()).arg_true()
    sub = frame[idx].select(ROW, pl.col(ROW).min().over(columns).alias("first"))
    first = sub.select(pl.when(pl.col(ROW) != pl.col("first")).then(pl.col("first"))).to_series()
    return out.scatter(idx, first.cast(pl.Int64))


def type_table(raw: RawTable) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Type a raw table; return (typed rows with a ``__reject`` reason column, blanked-cell
    issues, tallies)."""
    table = TABLES[raw.table]
    missing = [c for c in table.required_columns if c not in raw.frame.columns]
    if missing:
        cols = ", ".join(f"'{c}'" for c in missing)
        seen = describe_headings(list(raw.mapping.values()) + raw.unmapped)
        raise InputError(
            f"{raw.file} has no {cols} column{'s' if len(missing) > 1 else ''}, required for the "
            f"{table.name} table {seen}"
        )
    typed, bad_masks, tallies = _type_columns(raw, table)
    # Cells that are not values of their type: in `children` they are blanked (rejecting a
    # child would orphan all their records); flags are blanked everywhere (blank = unknown);
    # any other bad date rejects its row, because a guessed date would change a verdict.
    checks: list[Check] = []
    blanked_parts: list[pl.DataFrame] = []
    extra_cols: list[pl.Series] = []
    bad_dates: set[str] = set()
    for name, mask in bad_masks:
        kind = table.column(name).kind
        if not mask.any():  # the common case (and always for typed Parquet/Excel date columns)
            continue
        sel = mask.fill_null(False)
        value = raw.frame[name].filter(sel).cast(pl.String)
        if kind == FLAG or table.name == "children":
            what = "a yes/no value" if kind == FLAG else "a date"
            as_no = (table.name, name) in BAD_FLAG_MEANS_NO
            if as_no:
                typed = typed.with_columns(pl.when(sel).then(False).otherwise(pl.col(name)).alias(name))
            blanked_parts.append(
                pl.DataFrame(
                    {
                        "row": typed[ROW].filter(sel),
                        "column": name,
                        "value": value,
                        "reason": f"{name} is not {what}" + ("; counted as no" if as_no else ""),
                    }
                )
            )
            continue
        flag = f"__bad_{name}"
        bad_dates.add(name)
        extra_cols.append(sel.alias(flag))
        extra_cols.append(
            _nulls(f"__raw_{name}", typed.height, pl.String()).scatter(sel.arg_true(), value)
        )
        cell = pl.col(f"__raw_{name}")
        error = cell.str.strip_chars().str.to_lowercase().is_in(parse.EXCEL_ERRORS)
        checks.append((pl.col(flag), pl.when(error).then(
            pl.format(f"{name} is an Excel error: '{{}}'", quote(cell))
        ).otherwise(pl.format(f"{name} is not a date: '{{}}'", quote(cell)))))
    for name, sel in _excel_errors(raw, table).items():
        value = raw.frame[name].filter(sel).cast(pl.String)
        if table.column(name).required:  # the row cannot be used without it
            extra_cols.append(sel.alias(f"__bad_{name}"))
            extra_cols.append(
                _nulls(f"__raw_{name}", typed.height, pl.String()).scatter(sel.arg_true(), value)
            )
            bad_dates.add(name)
            checks.append((pl.col(f"__bad_{name}"),
                           pl.format(f"{name} is an Excel error: '{{}}'", quote(pl.col(f"__raw_{name}")))))
            continue
        typed = typed.with_columns(pl.when(sel).then(None).otherwise(pl.col(name)).alias(name))
        blanked_parts.append(pl.DataFrame({
            "row": typed[ROW].filter(sel), "column": name, "value": value,
            "reason": f"{name} is an Excel error cell; read as blank",
        }))
    if PROBLEM in raw.frame.columns:  # the reader could not trust the row (e.g. too many values)
        extra_cols.append(raw.frame[PROBLEM].cast(pl.String).alias("__problem"))
        checks.insert(0, (pl.col("__problem").is_not_null(), pl.col("__problem")))
    frame = typed.with_columns(extra_cols) if extra_cols else typed
    for col in table.required_columns:
        blank = pl.col(col).is_null()
        if col in bad_dates:  # a bad date is reported as such, not as blank
            blank &= ~pl.col(f"__bad_{col}")
        checks.append((blank, pl.lit(f"{col} is blank")))
    if table.interval:
        a, b = table.interval
        checks.append(
            (pl.col(b) < pl.col(a), pl.format(f"{b} {{}} is before {a} {{}}", pl.col(b), pl.col(a)))
        )
    native = table.column_names
    frame = frame.with_columns(__dup_of=repeats_of(frame, native))
    checks.append(
        (pl.col("__dup_of").is_not_null(), pl.format("duplicate of row {}", pl.col("__dup_of")))
    )
    if table.key:
        key = list(table.key)
        frame = frame.with_columns(__key_of=repeats_of(frame, key))
        checks.append(
            (
                pl.col(key[0]).is_not_null() & pl.col("__key_of").is_not_null(),
                pl.format(
                    f"{'/'.join(key)} {{}} repeats row {{}} with different details; the first is used",
                    quote(pl.col(key[0])), pl.col("__key_of"),
                ),
            )
        )
    out = frame.with_columns(first_failure(frame, checks))
    out = out.drop([c for c in out.columns if c.startswith(("__bad_", "__raw_", "__problem", "__dup_of", "__key_of"))])
    blanked = _issues_frame(
        [
            p.with_columns(
                table=pl.lit(raw.table), file=pl.lit(raw.file), action=pl.lit("blanked")
            )
            for p in blanked_parts
        ]
    )
    return out, blanked, tallies_frame(tallies)


def _reject_value(table: Table) -> pl.Expr:
    """The value to show for a rejected row: the row's key fields, compactly."""
    cols = [c.name for c in table.columns if c.required]
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator=" | ")


#: what the rules make of rows of one child (and type) that overlap in time (casecheck.overlaps)
_OVERLAP_SAYS = {
    "episodes": "start before an earlier episode of the same child and type has ended: the rules "
                "count them as one episode (each is listed with --issues)",
    "placements": "start before the child's previous placement has ended: the rules take the later "
                  "one as the current placement (each is listed with --issues)",
}


def _overlap_tally(notes: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """The overlap notes counted per table, for the data-quality record's note lines."""
    return [
        pl.DataFrame({"table": [n["table"][0]], "column": ["start_date"], "kind": ["overlap"], "value": [None],
                      "rows": [n.height], "detail": [_OVERLAP_SAYS[n["table"][0]]]}, schema=TALLY_SCHEMA)
        for n in notes if n.height
    ]


def build_dataset(
    raws: list[RawTable],
    as_at: dt.date | None = None,
    source: str = "native",
    path: Path | None = None,
    files: list[Path] | None = None,
) -> Dataset:
    """Type the raw tables, set aside unusable rows with reasons, and cross-check the tables."""
    by_table: dict[str, RawTable] = {}
    for raw in raws:
        if raw.table in by_table:
            raise InputError(
                f"two inputs hold the {raw.table} table ({by_table[raw.table].file} and "
                f"{raw.file}); keep one"
            )
        by_table[raw.table] = raw
    where = str(path) if path else "the input"
    for required in ("children", "episodes"):
        if required not in by_table:
            raise InputError(
                f"{where} has no {required} table: casecheck needs {required}.csv, "
                f"{required}.xlsx or {required}.parquet (or a sheet named '{required}')"
            )

    typed: dict[str, pl.DataFrame] = {}
    blanked: list[pl.DataFrame] = []
    tallies: list[pl.DataFrame] = []
    # Tables are typed two at a time: much of the work (hashing and matching text) runs on one
    # core per column, and Polars releases the GIL while it works.
    with ThreadPoolExecutor(max_workers=2) as pool:
        largest_first = sorted(by_table.values(), key=lambda raw: -raw.frame.height)
        futures = {raw.table: pool.submit(type_table, raw) for raw in largest_first}
        for name in by_table:  # results (and the first error) in the order of the files
            frame, cells, counted = futures[name].result()
            typed[name] = frame
            blanked.append(cells)
            tallies.append(counted)

    children = typed["children"].filter(pl.col("__reject").is_null())["child_id"].unique()
    reports: dict[str, TableReport] = {}
    tables: dict[str, pl.DataFrame] = {}
    rejected_parts: list[pl.DataFrame] = []
    for name, frame in typed.items():
        table = TABLES[name]
        checks: list[Check] = [(pl.col("__reject").is_not_null(), pl.col("__reject"))]
        if name != "children" and "child_id" in table.column_names:
            checks.append(
                (
                    ~pl.col("child_id").is_in(children.implode()),
                    pl.format(
                        "unknown child: {} is not in the children table", quote(pl.col("child_id"))
                    ),
                )
            )
        if as_at is not None and table.event_date:
            col = table.event_date
            checks.append(
                (
                    pl.col(col) > pl.lit(as_at),
                    pl.format(f"{col} {{}} is after the audit date {as_at.isoformat()}", pl.col(col)),
                )
            )
        if len(checks) > 1:
            frame = frame.with_columns(first_failure(frame, checks))
        bad = frame.filter(pl.col("__reject").is_not_null())
        good = frame.filter(pl.col("__reject").is_null()).drop("__reject")
        raw = by_table[name]
        if bad.height:
            rejected_parts.append(
                bad.select(
                    pl.lit(name).alias("table"),
                    pl.lit(raw.file).alias("file"),
                    pl.col(ROW).alias("row"),
                    pl.col("__reject")
                    .str.extract(r"^(\w+) ", 1)
                    .replace_strict(
                        {c: c for c in table.column_names}, default=None, return_dtype=pl.String
                    )
                    .alias("column"),
                    _reject_value(table).alias("value"),
                    pl.col("__reject").alias("reason"),
                    pl.lit("rejected").alias("action"),
                )
            )
        tables[name] = good
        reports[name] = TableReport(
            table=name,
            file=raw.file,
            rows_read=frame.height,
            rows_used=good.height,
            rows_rejected=bad.height,
            mapping=raw.mapping,
            unmapped=raw.unmapped,
            notes=raw.notes,
        )
    notes = overlap_notes(tables, {name: raw.file for name, raw in by_table.items()})
    tallies += _overlap_tally(notes)
    issues = _issues_frame(rejected_parts + blanked + notes).sort(["table", "row", "column"], nulls_last=True)
    order = [t for t in TABLES if t in reports]
    reports = {t: reports[t] for t in order}
    return Dataset(
        tables={t: tables[t] for t in order},
        quality=DataQuality(reports=reports, issues=issues, tallies=tallies_frame(tallies)),
        source=source,
        path=path,
        as_at=as_at,
        files=files or [],
    )
