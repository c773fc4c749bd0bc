"""Sources: each reads one kind of extract and maps it onto the native tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casecheck.dataset import Dataset
from casecheck.errors import UsageError
from casecheck.sources.native import load_frames, load_native

SOURCES = ("auto", "native")


def load_dataset(path: str | Path, source: str = "auto", as_at: dt.date | None = None) -> Dataset:
    """Load an extract from ``path`` with the named source (``auto`` detects it)."""
    if source not in SOURCES:
        raise UsageError(f"unknown source '{source}': choose one of {', '.join(SOURCES)}")
    return load_native(path, as_at=as_at)


__all__ = ["SOURCES", "Dataset", "load_dataset", "load_frames", "load_native"]
