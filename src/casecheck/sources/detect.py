"""Which source an extract is, from its file, sheet and column names (``--source auto``).

* a folder holding ``ssd_*`` files: ``ssd``
* a folder (or file) holding SSDA903 tables (by their headings, or the XML root ``EXPSSDA903``)
  or CIN census XML (root ``Message``, collection ``CIN``): ``ssda903``, ``cin`` or, both,
  ``returns`` (:func:`casecheck.sources.returns.detect_returns`)
* a folder whose ``children`` or ``episodes`` file has the native columns: ``native``
* a workbook with sheets named ``List 1`` ... ``List 11``: ``annex-a``
* a workbook with sheets named after native tables: ``native``
* otherwise, report exports whose headings fit the LCS or EHM preset: ``lcs`` / ``ehm``
* otherwise a folder with files named after native tables: ``native`` (for its error messages)
* with ``--mapping FILE``: the mapping's source (a report export)
"""

from __future__ import annotations

from pathlib import Path

from casecheck.errors import InputError
from casecheck.schema import find_table, header_key
from casecheck.sources.common import table_files
from casecheck.sources.readers import EXCEL_SUFFIXES

UNKNOWN = "unknown"


def sheet_names(path: Path) -> list[str]:
    """A workbook's sheet names (empty if it cannot be opened: the reader will say why)."""
    try:
        import fastexcel

        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception:
        return []


def peek_headings(path: Path) -> list[str] | None:
    """The headings of a CSV file from its first line (None for other files, or if unreadable)."""
    import csv
    import io

    from casecheck.sources.readers import CSV_SUFFIXES, SEP_LINE, decode_bytes

    if path.suffix.lower() not in CSV_SUFFIXES:
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    lines = decode_bytes(head, path.name).lstrip("\ufeff").splitlines()
    hint = SEP_LINE.match(lines[0]) if lines else None  # Excel's "sep=;" line comes first
    if hint:
        lines = lines[1:]
    first = lines[0] if lines else ""
    counts = {d: first.count(d) for d in ",;\t|"}
    sep = hint.group(1) if hint else max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return next(csv.reader(io.StringIO(first), delimiter=sep), [])


def _native_headings(path: Path) -> bool:
    """A file named after a native table that has (as far as can be told cheaply) that
    table's required columns: a CSV's first line is read; other files are taken on trust."""
    table = find_table(path.stem)
    if table is None:
        return False
    heads = peek_headings(path)
    if heads is None:
        return True
    keys = {header_key(h) for h in heads}
    return all(header_key(c) in keys for c in table.required_columns)


def detect(path: Path, mapping: object | None = None) -> tuple[str, str]:
    """``(source, reason)``; source is ``unknown`` when nothing fits."""
    source, reason, _read = detect_and_read(path, mapping)
    return source, reason


def detect_and_read(path: Path, mapping: object | None = None) -> tuple[str, str, tuple | None]:
    """``(source, reason, files read)``: when telling report exports apart meant reading them,
    what was read (so it is not read twice)."""
    from casecheck.sources.annex_a import is_annex_a
    from casecheck.sources.ssd import is_ssd_folder

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if mapping is not None:
        from casecheck.sources.reports import load_mapping

        m = load_mapping(mapping)  # type: ignore[arg-type]
        return m.source, f"the mapping {m.name} was given", None
    if path.is_dir():
        ssd = is_ssd_folder(path)
        if ssd:
            names = ", ".join(p.name for p in ssd[:3]) + (f" and {len(ssd) - 3} more" if len(ssd) > 3 else "")
            return "ssd", f"the folder holds SSD table files ({names})", None
    if path.is_dir() or path.suffix.lower() in (".xml", ".csv", ".tsv", ".txt"):
        from casecheck.sources.returns import detect_returns

        found = detect_returns(path)
        if found is not None:
            return found[0], found[1], None
    if path.is_dir():
        files = table_files(path)
        native = [p for p in files if find_table(p.stem) is not None]
        core = [p for p in native if find_table(p.stem).name in ("children", "episodes")]  # type: ignore[union-attr]
        if any(_native_headings(p) for p in core):
            names = ", ".join(p.name for p in native[:3])
            return "native", f"the folder holds native table files ({names}...)", None
        if not files:
            return UNKNOWN, "the folder holds no CSV, Excel or Parquet files", None
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        sheets = sheet_names(path)
        if is_annex_a(sheets):
            lists = [s for s in sheets if "list" in s.lower()]
            return "annex-a", f"the workbook has Annex A list sheets ({', '.join(lists[:3])}...)", None
        if any(find_table(s) is not None for s in sheets):
            return "native", "the workbook has sheets named after native tables", None
    from casecheck.sources.reports import best_preset, read_sources

    try:
        read = read_sources(path)
    except InputError:
        return UNKNOWN, "its files could not be read", None
    hit = best_preset(read[0])
    if hit is not None:
        name, _m = hit
        return name, f"its headings fit the {name.upper()} preset", read
    if path.is_dir() and any(find_table(p.stem) is not None for p in table_files(path)):
        return "native", "the folder holds files named after native tables", None
    return UNKNOWN, "its file, sheet and column names fit no source casecheck knows", read
