"""Things the benchmark scripts share: the six rules, where the table files are, the output."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

#: the six rules compared with DuckDB and pandas (parameters from standards/redcar-cleveland.toml)
SIX_RULES = (
    "visits-cp",
    "visits-cin",
    "supervision-cp",
    "chronology-updated",
    "genogram-present",
    "assessment-completion",
)
STATUSES = ("met", "not_met", "pending")
AS_AT = dt.date(2025, 3, 31)
#: the years the working-day calendar covers (as casecheck.calendar.WorkingCalendar)
CAL_FIRST_YEAR, CAL_LAST_YEAR = 1990, 2075
#: the findings columns the cross-check compares, row by row
VERDICT_COLUMNS = ("rule_id", "child_id", "anchor_date", "due_date", "status")
#: the reporting periods the scripts know (casecheck's ``--period``; its default is month)
PERIODS = ("month", "all")


def period_start(as_at: dt.date, period: str) -> dt.date | None:
    """The reporting period's first day: the 1st of the audit date's month (``month``,
    casecheck's default), or None for ``all`` (every requirement up to the audit date)."""
    return as_at.replace(day=1) if period == "month" else None


def source_hash(package: Path) -> str:
    """The hash of a package folder's .py files (or of the single module ``package``.py, as the
    generator was before it became a package)."""
    files = sorted(package.glob("*.py")) if package.is_dir() else [package.with_suffix(".py")]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def table_files(data: Path) -> dict[str, Path]:
    """``{table: file}`` for the table files in a folder written by ``casecheck sample``."""
    out = {}
    for f in sorted(data.iterdir()):
        if f.suffix.lower() in (".csv", ".parquet"):
            out[f.stem] = f
    if not out:
        sys.exit(f"{data} holds no .csv or .parquet files")
    return out


def file_format(data: Path) -> str:
    """``csv`` or ``parquet``: the format of the folder's table files."""
    suffixes = {f.suffix.lower() for f in table_files(data).values()}
    if len(suffixes) != 1:
        sys.exit(f"{data} mixes file formats: {sorted(suffixes)}")
    return suffixes.pop().lstrip(".")


def bank_holidays() -> list[dt.date]:
    """England's bank holidays, as casecheck's calendar has them (``holidays``, GB/ENG)."""
    import holidays

    years = range(CAL_FIRST_YEAR, CAL_LAST_YEAR + 1)
    return sorted(holidays.country_holidays("GB", subdiv="ENG", years=years))


def print_counts(counts: dict[str, dict[str, int]], seconds: float, engine: str) -> None:
    """One JSON object on stdout: per-rule verdict counts (the cross-check reads it)."""
    payload = {
        "engine": engine,
        "seconds_in_process": round(seconds, 3),
        "counts": {r: {s: int(counts.get(r, {}).get(s, 0)) for s in STATUSES} for r in SIX_RULES},
    }
    print(json.dumps(payload))
