"""Auditing an extract too large for memory, a slice of children at a time.

Every rule and every data-quality check looks at one child's rows only (the workers table aside,
which is small and goes to every slice), so a native extract can be split by ``child_id`` into
contiguous ranges and each range loaded, checked and audited on its own:

1. each table file is read once and its rows are split by child range into temporary Parquet
   files (the values as read, untyped text from CSV, with their original row numbers);
2. each slice is typed, checked (``build_dataset``) and audited (``audit``) like a whole extract,
   and its findings are written to a temporary Parquet file;
3. each slice's findings are defused (as any output is) and written one file per rule; the files
   are then streamed to the output in the contract's order (rule, then child: the ranges are in
   child order), the summaries are added up and the data-quality records joined.

The result is the same as auditing the whole extract at once: the same findings, byte for byte,
and the same data-quality record. Peak memory is that of one slice plus the largest table file.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from casecheck import parse
from casecheck.changes import Changes, exceptions_of, merge_changes
from casecheck.changes import changes as find_changes
from casecheck.dataset import (
    DataQuality,
    Dataset,
    RawTable,
    TableReport,
    build_dataset,
    tallies_frame,
)
from casecheck.engine import (
    FINDING_COLUMNS,
    FINDING_SCHEMA,
    SUMMARY_SCHEMA,
    audit,
    basis_notes,
    pct_met_expr,
    rag_expr,
    resolve_period,
    summary_note,
)
from casecheck.errors import InputError, UsageError
from casecheck.outputs import atomic_write, scratch_dir, writing
from casecheck.periods import Period
from casecheck.report import defuse
from casecheck.sources.native import read_table_file, table_files
from casecheck.sources.readers import CSV_SUFFIXES, PARQUET_SUFFIXES
from casecheck.standards import Profile
from casecheck.views import latest_record


@dataclass
class ChunkedResult:
    """What a chunked audit leaves in memory: the summary and the data-quality record."""

    summary: pl.DataFrame
    quality: DataQuality
    findings: int  # rows written
    chunks: int
    files: list[Path]
    #: the summary of the previous period (direction of travel), when asked for
    previous: pl.DataFrame | None = None
    previous_as_at: dt.date | None = None
    period: Period | None = None  # the reporting period
    over_period: bool = False  # whether frequency, recency and presence rules asked over it
    latest: dt.date | None = None  # the latest record in the extract
    #: exceptions new, resolved and carried over since the previous period (with ``previous``)
    changes: Changes | None = None


def child_ranges(child_ids: pl.Series, chunks: int) -> list[tuple[str | None, str | None]]:
    """``chunks`` contiguous ranges ``[lo, hi)`` of child ids, of about equal size, covering
    every possible id (the first starts at nothing, the last ends at nothing)."""
    ids = child_ids.drop_nulls().unique().sort()
    if chunks <= 1 or len(ids) < 2:
        return [(None, None)]
    bounds = list(dict.fromkeys(ids[int(len(ids) * i / chunks)] for i in range(1, chunks)))
    edges: list[str | None] = [None, *bounds, None]
    return list(itertools.pairwise(edges))


#: an extract with more rows than this is audited in slices unless told otherwise (``--chunks
#: auto``): about 4 GiB of memory for 12 million rows audited whole, measured (benchmarks/)
AUTO_ROWS = 20_000_000
#: rows per slice when chunking automatically: measured fastest per row at 6 million (smaller
#: slices add fixed costs, larger ones cost more per row), and about 3 GiB of memory
SLICE_ROWS = 6_000_000


def estimate_rows(path: Path, tables: Collection[str] | None = None) -> int:
    """About how many data rows a native folder's table files hold, without reading them: exact
    for Parquet (from the file's metadata), estimated for CSV (file size over the mean length of
    the first lines). 0 for anything else (a workbook, a single file)."""
    path = Path(path)
    if not path.is_dir():
        return 0
    total = 0
    for file, _table in table_files(path, tables):
        suffix = file.suffix.lower()
        if suffix in PARQUET_SUFFIXES:
            try:
                total += pl.scan_parquet(file).select(pl.len()).collect().item()
            except pl.exceptions.PolarsError:
                continue  # reading it properly will say what is wrong
        elif suffix in CSV_SUFFIXES:
            with file.open("rb") as fh:
                head = fh.read(1 << 16)
            lines = head.count(b"\n")
            if lines > 1:
                total += int(file.stat().st_size / (len(head) / lines))
    return total


def auto_chunks(rows: int) -> int:
    """How many slices ``--chunks auto`` audits an extract of ``rows`` rows in (1: whole)."""
    return 1 if rows <= AUTO_ROWS else -(-rows // SLICE_ROWS)


def compact(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of ``frame`` that owns its text. A few rows filtered from a large frame keep the
    large frame's text buffers alive (Polars' text columns are views into shared buffers): kept
    from every slice, they would hold every slice in memory. (Copied through Polars' own IPC
    writer and reader: pyarrow is not a dependency.)"""
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="uncompressed")
    buffer.seek(0)
    return pl.read_ipc(buffer)


def _keep(quality: DataQuality) -> DataQuality:
    return DataQuality(quality.reports, compact(quality.issues), quality.tallies)


def child_ids(frame: pl.DataFrame) -> pl.Series:
    """A raw table's child ids as the dataset will read them (spaces trimmed, ``N/A`` blank,
    Excel's ``123.0`` as ``123``): rows are routed to slices by the id the audit sees, so that
    ``" 0001001"`` and ``"0001001"`` land in the same slice."""
    return parse.parse_id(frame["child_id"])


def _split(frame: pl.DataFrame, ranges: list[tuple[str | None, str | None]]) -> list[pl.DataFrame]:
    """A table's rows per child range, in one pass (a table without child ids goes to every
    range; rows with no child id go to the first range, where they are rejected)."""
    if "child_id" not in frame.columns or len(ranges) == 1:
        return [frame] * len(ranges)
    bounds = pl.Series([hi for _, hi in ranges[:-1]], dtype=pl.String)
    ids = child_ids(frame)
    which = bounds.search_sorted(ids, side="right").fill_null(0)  # the range of each row, once
    return [frame.filter(which == i) for i in range(len(ranges))]


def _merge_quality(parts: list[DataQuality]) -> DataQuality:
    reports: dict[str, TableReport] = {}
    for q in parts:
        for name, r in q.reports.items():
            if name not in reports:
                reports[name] = TableReport(name, r.file, r.rows_read, r.rows_used, r.rows_rejected,
                                            r.mapping, r.unmapped, r.notes)
            elif name != "workers":  # workers go to every slice: count them once
                acc = reports[name]
                acc.rows_read += r.rows_read
                acc.rows_used += r.rows_used
                acc.rows_rejected += r.rows_rejected
    issues = pl.concat([q.issues for q in parts]) if parts else parts[0].issues
    issues = issues.unique(maintain_order=True).sort(["table", "row", "column"], nulls_last=True)
    tallies = tallies_frame([q.tallies for q in parts])  # counts per slice, added up
    return DataQuality(reports=reports, issues=issues, tallies=tallies)


def _add_up(parts: list[pl.DataFrame], keys: list[str], profile: Profile) -> pl.DataFrame:
    """Per-slice counts (a summary, or a trend) added up per ``keys``, with % met and RAG worked
    out from the totals. A rule not assessed in a slice is not assessed in any (the same tables
    are missing from every slice): it stays so."""
    counts = [c for c in ("in_scope", "met", "not_met", "pending", "closed_before_due") if c in parts[0].columns]
    totals = pl.concat(parts).group_by(keys, maintain_order=True).agg(pl.col(counts).sum())
    out = parts[0].drop(counts, "pct_met").join(totals, on=keys, how="left", maintain_order="left")
    assessed = pl.col("rag") != "not assessed"
    out = out.with_columns(pct_met_expr()).with_columns(
        rag=pl.when(assessed).then(rag_expr(profile.amber_margin)).otherwise(pl.col("rag"))
    )
    if "note" in out.columns:  # (how many left the scope: from the totals; where the numbers come from)
        out = out.with_columns(note=pl.when(assessed).then(summary_note(basis_notes(profile))).otherwise(pl.col("note")))
    return out


def slices(
    path: str | Path,
    as_at: dt.date | None,
    chunks: int,
    tables: Collection[str] | None = None,
    tmp: Path | None = None,
    progress: Callable[[str], None] | None = None,
    verb: str = "Auditing",
) -> Iterator[tuple[int, int, Dataset]]:
    """Split a native folder extract into ``chunks`` slices of children and yield each slice's
    dataset, typed and checked: ``(slice number, number of slices, dataset)``.

    Each table file is read once and split into Parquet files in ``tmp`` (a temporary folder of
    its own when not given); only one slice's tables are in memory at a time. ``tables`` limits
    the tables read (``children`` and ``episodes`` are always read).
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path} is not a folder: a chunked run reads a folder of table files")
    wanted = None if tables is None else {*tables, "children", "episodes"}
    found = table_files(path, wanted)
    if not any(t.name == "children" for _f, t in found):
        raise InputError(f"{path} has no children table: casecheck needs children.csv, .xlsx or .parquet")
    note = progress or (lambda _msg: None)
    with scratch_dir(tmp) as work:  # (removed whatever happens, a SIGTERM included)
        meta: dict[str, RawTable] = {}
        ranges: list[tuple[str | None, str | None]] = []
        # children first: its ids set the ranges
        for file, table in sorted(found, key=lambda ft: ft[1].name != "children"):
            note(f"Splitting {file.name}")
            raw = read_table_file(file, table)
            if not ranges:
                ranges = child_ranges(child_ids(raw.frame), chunks)
                for i in range(len(ranges)):
                    (work / f"slice{i}").mkdir()
            meta[table.name] = RawTable(table.name, raw.frame.head(0), raw.file, raw.mapping, raw.unmapped, raw.notes)
            frame = raw.frame  # as read: a typed Parquet column stays typed (no re-parsing)
            with writing("the temporary slices of the extract", work):
                for i, part in enumerate(_split(frame, ranges)):
                    part.write_parquet(work / f"slice{i}" / f"{table.name}.parquet", compression="lz4")
            del raw, frame
        files = [f for f, _ in found]
        for i in range(len(ranges)):
            note(f"{verb} slice {i + 1} of {len(ranges)}")
            raws = [
                RawTable(name, pl.read_parquet(work / f"slice{i}" / f"{name}.parquet"), m.file, m.mapping,
                         m.unmapped, m.notes)
                for name, m in meta.items()
            ]
            ds = build_dataset(raws, as_at=as_at, source="native", path=path, files=files)
            del raws
            yield i, len(ranges), ds
            del ds  # (so that two slices are never in memory at once: callers drop theirs too)


def validate_in_chunks(
    path: str | Path,
    as_at: dt.date | None,
    chunks: int,
    progress: Callable[[str], None] | None = None,
) -> Dataset:
    """Check a native folder extract a slice of children at a time: the same data-quality record
    as checking it whole (rows read, used and rejected per table, every issue), in bounded memory.

    The dataset returned holds that record and no tables.
    """
    qualities: list[DataQuality] = []
    files: list[Path] = []
    for _i, _n, ds in slices(path, as_at, chunks, progress=progress, verb="Checking"):
        qualities.append(_keep(ds.quality))
        files = ds.files
        del ds
    return Dataset({}, _merge_quality(qualities), "native", Path(path), as_at, files)


def trend_in_chunks(
    path: str | Path,
    profile: Profile,
    ends: list[dt.date],
    chunks: int,
    rules: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pl.DataFrame, Dataset]:
    """``views.trend`` a slice of children at a time: each slice's counts per month end and rule
    are added up, and % met and RAG worked out from the totals (the same trend as the whole).

    Returns the trend and a dataset holding the whole data-quality record (no tables).
    """
    from casecheck.views import rated_trend, trend

    profile = profile.select(rules)
    parts: list[pl.DataFrame] = []
    qualities: list[DataQuality] = []
    files: list[Path] = []
    for _i, _n, ds in slices(path, ends[-1], chunks, profile.tables(), progress=progress):
        parts.append(trend(ds, profile, ends))
        qualities.append(_keep(ds.quality))
        files = ds.files
        del ds
    frame = rated_trend(_add_up(parts, ["month_end", "rule_id"], profile), profile)
    quality = _merge_quality(qualities)
    return frame, Dataset({}, quality, "native", Path(path), ends[-1], files)


def audit_in_chunks(
    path: str | Path,
    profile: Profile,
    as_at: dt.date,
    chunks: int,
    output: Path | None,
    fmt: str = "parquet",
    *,
    since: dt.date | None = None,
    period: str | Period = "month",
    over_period: bool | None = None,
    rules: list[str] | None = None,
    tables: Collection[str] | None = None,
    protected: Collection[Path] = (),
    progress: Callable[[str], None] | None = None,
    previous: bool = False,
    changes: bool = False,
) -> ChunkedResult:
    """Audit a native folder extract ``chunks`` slices of children at a time (see module doc).

    Findings go to ``output`` as ``csv`` or ``parquet`` (None: not written), in the same order
    and with the same bytes as an audit of the whole extract would write. With ``previous``,
    each slice is audited at the previous period's end too (``scorecards.audit_before``)
    and those counts added up too; with ``changes`` as well, each slice's exceptions new,
    resolved and carried over since then (a child's are all in one slice) are put together.
    """
    from casecheck.scorecards import audit_before

    if output is not None and fmt not in ("csv", "parquet"):
        raise UsageError("a chunked audit writes findings as csv or parquet")
    profile = profile.select(rules)
    note = progress or (lambda _msg: None)
    summaries: list[pl.DataFrame] = []
    earlier: list[pl.DataFrame] = []
    earlier_as_at = None
    changed: list[pl.DataFrame] = []
    qualities: list[DataQuality] = []
    position = {rule.id: n for n, rule in enumerate(sorted(profile.rules, key=lambda r: r.id))}
    n = count = 0
    files: list[Path] = []
    latest: list[dt.date] = []
    reporting, asks_over = resolve_period(as_at, period, since, over_period)
    with scratch_dir() as tmp:
        for i, n_slices, ds in slices(path, as_at, chunks, tables or profile.tables(), tmp, note):
            count = n_slices
            cache: dict = {}
            if previous:  # first: its findings are gone before the slice's own are made
                before = audit_before(ds, profile, reporting, over_period=asks_over, cache=cache)
                earlier.append(before.summary)
                earlier_as_at = before.as_at
                then = exceptions_of(before, ds, cache) if changes else None
                del before
            result = audit(ds, profile, as_at, since, period=reporting, over_period=asks_over, cache=cache)
            if previous and changes:
                found = find_changes(result, ds, before=then, before_end=earlier_as_at, cache=cache)
                changed.append(compact(found.items))
            summaries.append(result.summary)
            latest += [d for d in [latest_record(ds)] if d is not None]
            del cache
            qualities.append(_keep(ds.quality))
            files = ds.files
            if output is not None:
                # each rule's findings of this slice in a file of its own, named so that the
                # files sort in the output's order (rule, then child: the slices are in child order)
                findings = defuse(result.findings.select(FINDING_COLUMNS))
                n += findings.height
                runs = findings.select(pl.col("rule_id").rle()).unnest("rule_id")
                start = 0
                with writing("the temporary findings", tmp):
                    for length, rule_id in runs.iter_rows():  # findings come grouped by rule
                        part = findings.slice(start, length)
                        part.write_parquet(tmp / f"{position[rule_id]:04d}-{i:06d}.parquet",
                                           compression="lz4")
                        start += length
            del ds, result
        summary = _add_up(summaries, ["rule_id"], profile).select(list(SUMMARY_SCHEMA)).cast(SUMMARY_SCHEMA)  # type: ignore[arg-type]
        before_summary = _add_up(earlier, ["rule_id"], profile) if earlier else None
        quality = _merge_quality(qualities)
        if output is not None:
            note(f"Writing {output}")
            parts = sorted(tmp.glob("*.parquet"))
            ordered = (
                pl.scan_parquet(parts).cast(FINDING_SCHEMA)  # type: ignore[arg-type]
                if parts else pl.LazyFrame(schema=FINDING_SCHEMA)
            )
            _write_ordered(ordered, output, fmt, protected)
    merged = None
    if changed:
        merged = merge_changes(changed, profile, as_at, earlier_as_at)
    return ChunkedResult(summary, quality, n, count, files, before_summary, earlier_as_at, reporting, asks_over,
                         max(latest, default=None), merged)


def _write_ordered(frame: pl.LazyFrame, output: Path, fmt: str, protected: Collection[Path]) -> None:
    """Stream the merged (already defused) findings to the output, in order; atomically."""

    def write(tmp: Path) -> None:
        if fmt == "parquet":
            frame.sink_parquet(tmp, statistics=False)
        else:
            frame.sink_csv(tmp, date_format="%Y-%m-%d", null_value="")

    atomic_write(output, write, protected)


__all__ = ["ChunkedResult", "audit_in_chunks", "auto_chunks", "child_ranges", "compact", "estimate_rows", "slices",
           "trend_in_chunks", "validate_in_chunks"]
