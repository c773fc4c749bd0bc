"""What every report's About part states: the audit date, the question, the profile, the input
files (named as within the extract, with their rows read and SHA-256), casecheck's version and
the command line. The workbook and the HTML report both render these facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path

import polars as pl

from casecheck import __version__
from casecheck.dataset import Dataset
from casecheck.scorecards import LEGEND
from casecheck.standards import Profile, standards_dirs


def relative_name(path: Path, extract: Path | None) -> str:
    """An input file named as within the extract (``visits.csv``), not by its absolute path."""
    if extract is not None and Path(extract).is_dir():
        try:
            return Path(path).resolve().relative_to(Path(extract).resolve()).as_posix()
        except ValueError:
            pass
    return Path(path).name


def profile_file(profile: Profile) -> str:
    """The profile's file: its name when it is bundled with casecheck, else its path."""
    if profile.path is None:
        return ""
    path = Path(profile.path)
    if any(path.resolve().parent == d.resolve() for d in standards_dirs() if d.is_dir()):
        return f"{path.name} (bundled with casecheck)"
    return str(path)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def facts(profile: Profile, dataset: Dataset, as_at: dt.date, question: str, command: str | None = None,
          compared: dt.date | None = None, data_label: str = "", period: str = "") -> list[tuple[str, object]]:
    """(label, value) pairs: values are dates, datetimes, whole numbers or text; a fact that does
    not apply (no previous period) is left out."""
    from casecheck.views import latest_record, stale_note

    latest = latest_record(dataset)
    stale = stale_note(latest, as_at)
    rows: list[tuple[str, object]] = [
        ("Audit date", as_at),
        ("Reporting period", period or None),
        ("Question", question),
        ("Latest record", None if latest is None else latest.strftime("%d/%m/%Y")
         + (f". Warning: {stale[:1].upper()}{stale[1:]}" if stale else "")),
        ("Compared with", compared),
        ("Standards profile", f"{profile.id}: {profile.authority}, {profile.title}"),
        ("Standards document", profile.cited),
        ("Profile file", profile_file(profile)),
        ("Input", data_label or (Path(dataset.path).name if dataset.path else "")),
        ("Source format", dataset.source),
        ("Input files", len(dataset.files)),
        ("Input rows read", sum(rep.rows_read for rep in dataset.quality.reports.values())),
        ("Input rows set aside", dataset.quality.rejected().height),
        ("casecheck version", __version__),
        ("Command line", command or " ".join(sys.argv)),
        ("Generated", dt.datetime.now().replace(microsecond=0)),
        ("Working days", "Monday to Friday except England bank holidays"
         + (f" and local closure days {', '.join(map(str, profile.closure_days))}" if profile.closure_days else "")),
        ("Rating", LEGEND),
        ("Data", "Children's personal data: handle under your authority's data protection policy."),
    ]
    return [(k, v) for k, v in rows if v is not None]


def input_files(dataset: Dataset) -> pl.DataFrame:
    """One row per input file: its name within the extract, SHA-256 and rows read."""
    rows_by_file = {rep.file: rep.rows_read for rep in dataset.quality.reports.values()}
    return pl.DataFrame(
        {
            "file": [relative_name(p, dataset.path) for p in dataset.files],
            "sha256": [sha256(p) for p in dataset.files],
            "rows": [sum(n for f, n in rows_by_file.items() if f == p.name or f.startswith(f"{p.name} ["))
                     for p in dataset.files],
        },
        schema={"file": pl.String, "sha256": pl.String, "rows": pl.Int64},
    )
