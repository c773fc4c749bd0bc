"""Reading the files exports arrive in: CSV (any common encoding and delimiter), xlsx/xls, Parquet.

Readers return untyped frames (text, or the cell types Excel and Parquet carry) with a ``_row``
column giving each row's number in the file as a spreadsheet shows it (header = row 1). Anything
that makes a file unreadable becomes an :class:`~casecheck.errors.InputError` naming the file.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import polars as pl

from casecheck.dataset import ROW
from casecheck.errors import InputError

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
TABLE_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def decode_bytes(data: bytes, label: str) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:20])
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def read_csv(path: Path, label: str | None = None) -> pl.DataFrame:
    """Read a delimited text file as all-text columns, with ``_row``.

    Plain UTF-8 files are handed straight to Polars' reader; files with a BOM, UTF-16 or
    Windows-1252 text are decoded first.
    """
    label = label or path.name
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise InputError(f"{label} is empty")
    if head.startswith(_OLE_MAGIC) or head.startswith(b"PK\x03\x04"):
        raise InputError(f"{label} is a spreadsheet saved with a .csv name; rename it .xlsx/.xls")
    head_text = decode_bytes(head, label)
    lead = head_text.lstrip("\ufeff \r\n\t")[:200].lower()
    if lead.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise InputError(
            f"{label} is a web page, not a CSV export (perhaps an error page saved by the "
            "reporting system): export the report again"
        )
    sep = _sniff_delimiter(head_text.replace("\r\n", "\n"))
    options = dict(
        separator=sep,
        infer_schema=False,
        truncate_ragged_lines=True,
    )
    source: Path | bytes = path
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        source = decode_bytes(path.read_bytes(), label).encode("utf-8")
    try:
        try:
            frame = pl.read_csv(source, **options)  # type: ignore[arg-type]
        except pl.exceptions.ComputeError as exc:
            if "utf" not in str(exc).lower() or not isinstance(source, Path):
                raise
            source = decode_bytes(path.read_bytes(), label).encode("utf-8")
            frame = pl.read_csv(source, **options)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{label} could not be read as CSV: {str(exc).splitlines()[0]}") from None
    return with_row_numbers(drop_blank_rows(frame))


def drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop trailing rows in which every cell is blank (exports and formatted sheets add them)."""
    if frame.height == 0 or frame.width == 0:
        return frame
    blank = pl.all_horizontal(
        pl.col(c).cast(pl.String).str.strip_chars().fill_null("") == "" for c in frame.columns
    )
    flags = frame.select(blank.alias("b"))["b"]
    # keep everything up to the last non-blank row; blank rows in the middle stay (and are
    # reported as rows with blank required fields), so nothing inside the data is lost silently
    nonblank = (~flags).arg_true()
    if nonblank.len() == 0:
        return frame.head(0)
    return frame.head(int(nonblank[-1]) + 1)


def with_row_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def excel_sheets(path: Path) -> dict[str, pl.DataFrame]:
    """Read every sheet of a workbook as text columns (dates as ISO text, serials as numbers)."""
    import fastexcel

    label = path.name
    head = path.read_bytes()[:8]
    if path.suffix.lower() in {".xlsx", ".xlsm"} and head.startswith(_OLE_MAGIC):
        raise InputError(
            f"{label} is encrypted (password-protected): remove the password in Excel and save it again"
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"} and not zipfile.is_zipfile(path):
        raise InputError(f"{label} is not a valid Excel workbook")
    try:
        reader = fastexcel.read_excel(str(path))
        out: dict[str, pl.DataFrame] = {}
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, dtypes="string")
            frame = sheet.to_polars()
            out[name] = with_row_numbers(drop_blank_rows(frame))
        return out
    except InputError:
        raise
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{label} could not be read as an Excel workbook: {first}") from None


def read_parquet(path: Path) -> pl.DataFrame:
    try:
        return with_row_numbers(pl.read_parquet(path))
    except Exception as exc:
        raise InputError(f"{path.name} could not be read as Parquet: {str(exc).splitlines()[0]}") from None
