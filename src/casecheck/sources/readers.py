"""Reading the files exports arrive in: CSV (any common encoding and delimiter), xlsx/xls, Parquet.

Readers return untyped frames (text, or the cell types Excel and Parquet carry) with a ``_row``
column giving each row's number in the file as a spreadsheet shows it (header = row 1). Anything
that makes a file unreadable becomes an :class:`~casecheck.errors.InputError` naming the file.

A row the reader could read but not trust (more values than the header has columns: an unquoted
separator has probably shifted its values) gets a reason in the ``_problem`` column; the dataset
sets it aside with that reason, so it is listed rather than silently truncated.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

from casecheck.dataset import PROBLEM, ROW
from casecheck.errors import InputError

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
TABLE_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# An encrypted (password-protected or sensitivity-labelled) Office file is an OLE compound file
# holding a stream with this name (stored as UTF-16LE in the directory).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
SEP_LINE = re.compile(r"^sep=(.)[ \t]*$")
_CONTROL_CHARS = [chr(i) for i in range(32) if chr(i) not in "\t\r\n"]
_WEB_PAGE = ("<!doctype html", "<html", "<head", "<body", "<table", "<meta")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when text has the tell-tale zero bytes of UTF-16 but no BOM."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, label: str = "") -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 (with or without BOM), else
    Windows-1252."""
    if data.startswith(_UTF8_BOM):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
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
    Windows-1252 text, or old Mac line ends are decoded first. A file Polars cannot split (a
    quote mark inside an unquoted value, rows longer than the header) is read again with Python's
    csv module, which accepts the first and reports the second row by row.
    """
    label = label or path.name
    head = _read_bytes(path, label, 65536)
    if not head.strip():
        raise InputError(f"{label} is empty")
    if head.startswith(_OLE_MAGIC) or head.startswith(b"PK\x03\x04"):
        raise InputError(f"{label} is a spreadsheet saved with a .csv name; rename it .xlsx/.xls")
    head_text = decode_bytes(head, label)
    if not head_text.strip("\ufeff \r\n\t"):
        raise InputError(f"{label} is empty")
    controls = sum(head_text.count(ch) for ch in _CONTROL_CHARS)
    if controls > 0.01 * len(head_text):
        raise InputError(
            f"{label} is not a text file (it holds binary data): export the table again as CSV"
        )
    lead = head_text.lstrip("\ufeff \r\n\t")[:200].lower()
    if lead.startswith((*_WEB_PAGE, "<?xml")):
        raise InputError(
            f"{label} is a web page, not a CSV export (perhaps an error page saved by the "
            "reporting system): export the report again"
        )
    first_line = head_text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    sep_line = SEP_LINE.match(first_line)  # Excel's "sep=;" hint line
    cr_only = "\n" not in head_text and "\r" in head_text  # classic Mac line ends
    sep = sep_line.group(1) if sep_line else _sniff_delimiter(head_text.replace("\r\n", "\n"))
    source: Path | bytes = path
    text: str | None = None
    decode = head.startswith((_UTF8_BOM, *_UTF16_BOMS)) or _utf16_without_bom(head) or cr_only
    if decode:
        text = _text(path, cr_only)
        source = text.encode("utf-8")
    options = dict(
        separator=sep,
        infer_schema=False,
        truncate_ragged_lines=False,
        skip_rows=1 if sep_line else 0,
    )
    try:
        try:
            frame = pl.read_csv(source, **options)  # type: ignore[arg-type]
        except pl.exceptions.ComputeError as exc:
            if "utf" not in str(exc).lower() or not isinstance(source, Path):
                raise
            text = _text(path, cr_only)
            source = text.encode("utf-8")
            frame = pl.read_csv(source, **options)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError:
        if text is None:
            text = _text(path, cr_only)
        if sep_line:
            text = text.split("\n", 1)[1] if "\n" in text else ""
        return _read_csv_python(text, sep, label)
    return _finish(frame, _short_row_problems(frame, source, sep, 2 if sep_line else 1))


def short_message(values: int, width: int) -> str:
    return (f"row has {values} value{'s' if values != 1 else ''} for {width} columns (the file cut "
            "short, or a line break inside a value?); not used")


def _short_row_problems(frame: pl.DataFrame, source: Path | bytes, sep: str,
                        header_records: int) -> pl.Series | None:
    """A ``_problem`` reason for each row with fewer values than the header has columns (Polars
    pads such rows with blanks without a word). Only looked for when the last column has blank
    cells, as every short row has; the file's bytes are then scanned once (vectorised, quotes
    respected)."""
    if frame.width < 2 or frame.height == 0 or frame[frame.columns[-1]].null_count() == 0:
        return None
    data = source if isinstance(source, bytes) else _read_bytes(source, source.name)
    counts = _values_per_record(data, sep)
    if counts is None:
        return None
    values, starts, ends = counts
    body = values[header_records:header_records + frame.height]
    if len(body) != frame.height:
        return None
    problems: list[str | None] = [None] * frame.height
    for i in np.flatnonzero(body < frame.width):  # a line of blanks and separators is blank
        at = header_records + i
        if data[starts[at]:ends[at]].replace(sep.encode(), b"").strip():
            problems[int(i)] = short_message(int(body[i]), frame.width)
    if not any(problems):
        return None
    return pl.Series(PROBLEM, problems, dtype=pl.String)


def _values_per_record(data: bytes, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For each CSV record (a line, or several when a quoted value holds line breaks): how many
    values it holds, where it starts and where it ends. None when the quotes do not pair up
    (the reader then has its own say)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    if not len(arr):
        return None
    newlines = np.flatnonzero(arr == 10)
    seps = np.flatnonzero(arr == ord(sep))
    quotes = np.flatnonzero(arr == 34)
    if len(quotes) % 2:
        return None
    if len(quotes):  # a newline or separator after an odd number of quotes is inside a value
        newlines = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]
    ends = newlines if arr[-1] == 10 else np.append(newlines, len(arr))
    starts = np.concatenate(([0], newlines + 1))[: len(ends)]
    values = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
    return values, starts, ends


def _read_bytes(path: Path, label: str, limit: int = -1) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(limit)
    except OSError as exc:
        raise InputError(f"{label} could not be opened: {exc.strerror or exc}") from None


def _text(path: Path, cr_only: bool) -> str:
    text = decode_bytes(_read_bytes(path, path.name)).lstrip("\ufeff")
    return text.replace("\r", "\n") if cr_only else text


_CSV_PROBLEMS = {
    "unexpected end of data": "a quoted value is never closed",
    "expected after": "a quote mark (\") is out of place",
    "new-line character seen in unquoted field": "a line ends in the middle of a value",
}


def _read_csv_python(text: str, sep: str, label: str) -> pl.DataFrame:
    """The slow, forgiving reader for files Polars rejects; rows longer than the header get a
    ``_problem`` reason instead of being cut short."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    line = 1
    try:
        for row in reader:
            rows.append(row)
            line = reader.line_num + 1
    except csv.Error as exc:
        what = next((v for k, v in _CSV_PROBLEMS.items() if k in str(exc)), "the text is malformed")
        raise InputError(
            f"{label} could not be read as CSV: {what} in the row starting on line {line}"
        ) from None
    if not rows or not any(v.strip() for v in rows[0]):
        raise InputError(f"{label} has no header row")
    header = _dedupe(rows[0])
    width = len(header)
    body = rows[1:]
    cells = {
        name: [(r[i] if i < len(r) and r[i] != "" else None) for r in body]
        for i, name in enumerate(header)
    }
    problems = [
        f"row has {len(r)} values for {width} columns (an unquoted separator?); not used"
        if len(r) > width and any(v.strip() for v in r[width:])
        else short_message(len(r), width)
        if len(r) < width and any(v.strip() for v in r)
        else None
        for r in body
    ]
    frame = pl.DataFrame(cells, schema={name: pl.String for name in header})
    extra = pl.Series(PROBLEM, problems, dtype=pl.String) if any(problems) else None
    return _finish(frame, extra)


def _dedupe(names: list[str]) -> list[str]:
    """Header names made unique the way Polars does it (``name_duplicated_0``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        if name in seen:
            out.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            seen[name] = 0
            out.append(name)
    return out


def _finish(frame: pl.DataFrame, problems: pl.Series | None = None) -> pl.DataFrame:
    frame = _rename_reserved(frame)
    if problems is not None:
        frame = frame.with_columns(problems)
    return _index(drop_blank_rows(frame))


def _rename_reserved(frame: pl.DataFrame) -> pl.DataFrame:
    """A column in the file named like one casecheck adds (``_row``) is kept under another name."""
    clash = {c: f"{c} (in file)" for c in (ROW, PROBLEM) if c in frame.columns}
    return frame.rename(clash) if clash else frame


def drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop trailing rows in which every cell is blank (exports and formatted sheets add them).

    Blank rows in the middle stay (and are reported as rows with blank required fields), so
    nothing inside the data is lost silently. Only the tail is examined: the last row first,
    then windows 64 times larger until a row with a value is found.
    """
    if frame.height == 0 or frame.width == 0:
        return frame
    blank = pl.all_horizontal(
        pl.col(c).cast(pl.String).str.strip_chars().fill_null("") == "" for c in frame.columns
    )
    window = 1
    while True:
        start = max(0, frame.height - window)
        nonblank = (~frame.slice(start).select(blank.alias("b"))["b"]).arg_true()
        if nonblank.len():
            return frame.head(start + int(nonblank[-1]) + 1)
        if start == 0:
            return frame.head(0)
        window *= 64


def with_row_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_row`` (header = row 1, so the first data row is 2)."""
    return _index(_rename_reserved(frame))


def _index(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


def _not_a_workbook(path: Path, data: bytes) -> str | None:
    """Why a file with an Excel name is not a workbook Excel saved, or None if it may be one."""
    label = path.name
    if data.startswith(b"PK\x03\x04") or data.startswith(_OLE_MAGIC):
        return None
    text = decode_bytes(data[:4096]).lstrip("\ufeff \r\n\t")[:400].lower()
    if text.startswith(_WEB_PAGE) or (text.startswith("<?xml") and "<html" in text):
        return (
            f"{label} is a web page (HTML) saved with an Excel name, as some reporting systems "
            "export 'Excel' reports: open it in Excel and save it as .xlsx, or export it as CSV"
        )
    if text.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return (
            f"{label} is an Excel 2003 XML spreadsheet, which casecheck cannot read: open it in "
            "Excel and save it as .xlsx"
        )
    sample = decode_bytes(data[:4096])
    first = sample.lstrip("\ufeff").split("\n", 1)[0]
    controls = sum(sample.count(ch) for ch in _CONTROL_CHARS)
    if controls == 0 and any(d in first for d in ",;\t|"):
        return f"{label} is a text file with an Excel name: if it is a CSV export, rename it .csv"
    return None


def excel_sheets(path: Path) -> dict[str, pl.DataFrame]:
    """Read every sheet of a workbook as text columns (dates as ISO text, serials as numbers)."""
    import fastexcel

    label = path.name
    suffix = path.suffix.lower()
    data = _read_bytes(path, label)
    if not data.strip():
        raise InputError(f"{label} is empty")
    why = _not_a_workbook(path, data)
    if why:
        raise InputError(why)
    encrypted = (
        f"{label} is encrypted (password-protected): remove the password in Excel and save it "
        "again"
    )
    source: str | bytes = str(path)
    if suffix in {".xlsx", ".xlsm"} and data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise InputError(encrypted)
        source = data  # perhaps an old .xls workbook renamed .xlsx: let the reader sniff it
    else:
        old_excel = suffix == ".xls" and data.startswith(_OLE_MAGIC)
        zipped = zipfile.is_zipfile(io.BytesIO(data))
        if not (old_excel or zipped):
            raise InputError(f"{label} is not a valid Excel workbook")
        if zipped and suffix == ".xls":
            source = data  # an .xlsx workbook renamed .xls: let the reader sniff it
    try:
        reader = fastexcel.read_excel(source)
        out: dict[str, pl.DataFrame] = {}
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, dtypes="string")
            out[name] = _finish(sheet.to_polars())
        return out
    except Exception as exc:
        if isinstance(source, bytes):  # an OLE file that is not a readable .xls either
            raise InputError(encrypted) from None
        if data.startswith(_OLE_MAGIC):
            raise InputError(
                f"{label} could not be read as an Excel 97-2003 workbook (it may be damaged or "
                "password-protected): open it in Excel and save it as .xlsx"
            ) from None
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{label} could not be read as an Excel workbook: {first}") from None


def read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise InputError(f"{path.name} could not be read as Parquet: {str(exc).splitlines()[0]}") from None
    return with_row_numbers(_rename_reserved(frame))
