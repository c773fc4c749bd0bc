"""Shared fixtures: the bundled synthetic sample and its redcar-cleveland audit."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SAMPLE_AS_AT = dt.date(2025, 3, 31)
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def sample_dataset():
    from casecheck.sources import load_dataset

    return load_dataset(SAMPLE, as_at=SAMPLE_AS_AT)


@pytest.fixture(scope="session")
def sample_result(sample_dataset):
    from casecheck.engine import audit
    from casecheck.standards import resolve_profile

    return audit(sample_dataset, resolve_profile("redcar-cleveland"), as_at=SAMPLE_AS_AT)
