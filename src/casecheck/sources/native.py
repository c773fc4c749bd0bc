"""The native input format (data contract §1).

A folder holding one file per table (``visits.csv``, ``episodes.xlsx``, ``documents.parquet``),
or one workbook with a sheet per table. Headers are matched ignoring case, spaces, hyphens and
underscores; unknown columns are kept aside and reported, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

import polars as pl

from casecheck.dataset import PROBLEM, ROW, Dataset, RawTable, build_dataset
from casecheck.errors import InputError
from casecheck.schema import TABLES, Table, find_table, header_key
from casecheck.sources.readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    TABLE_SUFFIXES,
    excel_sheets,
    read_csv,
    read_parquet,
)


def map_headers(
    frame: pl.DataFrame,
    table: Table,
    file: str,
    aliases: dict[str, str] | None = None,
) -> RawTable:
    """Rename a raw frame's headers to the table's native columns.

    ``aliases`` maps other header spellings (already passed through :func:`header_key`) to native
    column names; sources such as SSD or LCS exports use it. The first matching header wins; a
    second one is reported in the notes and left unused.
    """
    wanted = {header_key(c): c for c in table.column_names}
    for alias, native in (aliases or {}).items():
        wanted.setdefault(header_key(alias), native)
    mapping: dict[str, str] = {}
    unmapped: list[str] = []
    notes: list[str] = []
    select: list[pl.Series] = [frame[c] for c in (ROW, PROBLEM) if c in frame.columns]
    for header in frame.columns:
        if header in (ROW, PROBLEM):
            continue
        key = header_key(header.split("_duplicated_")[0])
        native = wanted.get(key)
        if native is None:
            unmapped.append(header)
        elif native in mapping:
            notes.append(f"column '{header}' repeats '{mapping[native]}'; the first is used")
            unmapped.append(header)
        else:
            mapping[native] = header
            select.append(frame[header].alias(native))
    return RawTable(
        table=table.name,
        frame=pl.DataFrame(select),
        file=file,
        mapping=mapping,
        unmapped=unmapped,
        notes=notes,
    )


def read_native_tables(
    path: Path, tables: Collection[str] | None = None
) -> tuple[list[RawTable], list[Path]]:
    """Find and read the native tables in a folder or workbook (no typing yet).

    ``tables`` limits reading to those tables (an audit of a few rules need not read the rest).
    """
    if not path.exists():
        raise InputError(f"{path} does not exist")
    raws: list[RawTable] = []
    files: list[Path] = []
    if path.is_file():
        if path.suffix.lower() not in EXCEL_SUFFIXES:
            raise InputError(
                f"{path} is a single {path.suffix or 'extensionless'} file: give a folder of "
                "table files or one workbook with a sheet per table"
            )
        files.append(path)
        for sheet, frame in excel_sheets(path).items():
            table = find_table(sheet)
            if table is not None and (tables is None or table.name in tables):
                raws.append(map_headers(_not_empty(frame, f"{path.name} [{sheet}]"), table,
                                        f"{path.name} [{sheet}]"))
        if not raws:
            raise InputError(
                f"{path.name} has no sheet named after a casecheck table (children, episodes, "
                "visits, ...)"
            )
        return raws, files
    for file, table in table_files(path, tables):
        files.append(file)
        raws.append(read_table_file(file, table))
    return raws, files


def table_files(path: Path, tables: Collection[str] | None = None) -> list[tuple[Path, Table]]:
    """The files of a native folder that hold casecheck tables, with their table."""
    out = []
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        if file.suffix.lower() not in TABLE_SUFFIXES or file.name.startswith(("~$", ".")):
            continue
        table = find_table(file.stem)
        if table is not None and (tables is None or table.name in tables):
            out.append((file, table))
    return out


def read_table_file(file: Path, table: Table) -> RawTable:
    """Read one table file (CSV, Parquet or a workbook's matching sheet), headers mapped."""
    suffix = file.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return map_headers(read_csv(file), table, file.name)
    if suffix in PARQUET_SUFFIXES:
        return map_headers(read_parquet(file), table, file.name)
    sheets = excel_sheets(file)
    if not sheets:
        raise InputError(f"{file.name} has no sheets")
    name = next((s for s in sheets if find_table(s) == table), next(iter(sheets)))
    return map_headers(_not_empty(sheets[name], file.name), table, file.name)


def _not_empty(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """A sheet with no header row is an empty file, said so plainly (as for an empty CSV)."""
    if all(c in (ROW, PROBLEM) for c in frame.columns):
        raise InputError(f"{label} is empty")
    return frame


def load_native(
    path: str | Path, as_at: dt.date | None = None, tables: Collection[str] | None = None
) -> Dataset:
    """Load a native extract: a folder of table files or one workbook with a sheet per table.

    ``tables``: read only these tables (``children`` and ``episodes`` are always read).
    """
    path = Path(path)
    if tables is not None:
        tables = {*tables, "children", "episodes"}
    raws, files = read_native_tables(path, tables)
    if path.is_dir() and not raws:
        known = ", ".join(TABLES)
        raise InputError(f"{path} holds no table files (expected files named {known})")
    return build_dataset(raws, as_at=as_at, source="native", path=path, files=files)


def load_frames(
    frames: dict[str, pl.DataFrame],
    as_at: dt.date | None = None,
    label: str = "frame",
) -> Dataset:
    """Build a dataset from in-memory frames keyed by table name (e.g. from a notebook or SQL).

    Values may be text (parsed as in files) or already typed; headers are matched as for files.
    """
    from casecheck.sources.readers import with_row_numbers

    raws = []
    for name, frame in frames.items():
        table = find_table(name)
        if table is None:
            raise InputError(f"'{name}' is not a casecheck table ({', '.join(TABLES)})")
        raws.append(map_headers(with_row_numbers(frame), table, f"{label} {table.name}"))
    return build_dataset(raws, as_at=as_at, source="frames")
