"""Sources: each reads one kind of extract and maps it onto the native tables.

``load_dataset(path, source="auto")`` is the one entry point: it picks the source (or detects it
from file, sheet and column names), reads the extract, and returns a typed :class:`Dataset` whose
``as_at`` is the audit date rows were checked against (given, or the source's default: today for
native files).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casecheck.dataset import Dataset
from casecheck.errors import UsageError
from casecheck.sources.native import load_frames, load_native

SOURCES = ("auto", "native")


def load_dataset(
    path: str | Path,
    source: str = "auto",
    as_at: dt.date | None = None,
    mapping: str | Path | None = None,
) -> Dataset:
    """Load an extract from ``path`` with the named source (``auto`` detects it).

    ``as_at`` is the audit date (rows dated after it are set aside); when None, the source's
    default is used and recorded in ``Dataset.as_at``. ``mapping`` is a mapping file for report
    exports (LCS/EHM).
    """
    if source not in SOURCES:
        raise UsageError(f"unknown source '{source}': choose one of {', '.join(SOURCES)}")
    if mapping is not None:
        raise UsageError("--mapping is for LCS/EHM report exports, which this version cannot read yet")
    return load_native(path, as_at=as_at or dt.date.today())


__all__ = ["SOURCES", "Dataset", "load_dataset", "load_frames", "load_native"]
