"""casecheck: audit children's social care case records against practice standards.

The library behind the ``casecheck`` command. A notebook session looks like::

    import datetime as dt
    import casecheck

    ds = casecheck.load_dataset("sample_data")                  # typed tables + data quality
    profile = casecheck.resolve_profile("redcar-cleveland")     # a bundled profile, or a .toml
    result = casecheck.audit(ds, profile, as_at=dt.date(2025, 3, 31))
    result.summary      # one row per rule: in scope, met, not met, pending, % met, RAG
    casecheck.scorecard(result)   # the scorecard every summary draws: target, floor, counts, RAG
    result.findings     # one row per rule x child x episode (data contract §3)

Modules, in import order: ``errors``, ``calendar``, ``schema``, ``parse``, ``dataset``,
``sources``, ``standards``, ``engine``, ``periods``, ``scorecards``, ``views``, ``report``,
``about``, ``workbook``, ``html_report``, ``cli``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casecheck")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

from casecheck.calendar import Duration, WorkingCalendar
from casecheck.changes import Changes, changes
from casecheck.dataset import DataQuality, Dataset
from casecheck.dip_sample import DipSample, dip_sample
from casecheck.engine import AuditResult, audit, explain
from casecheck.errors import CasecheckError, InputError, ProfileError, UsageError
from casecheck.scorecards import scorecard
from casecheck.sources import inspect_source, load_dataset, load_frames
from casecheck.standards import Profile, Rule, load_profile, resolve_profile

__all__ = [
    "AuditResult",
    "CasecheckError",
    "Changes",
    "DataQuality",
    "Dataset",
    "DipSample",
    "Duration",
    "InputError",
    "Profile",
    "ProfileError",
    "Rule",
    "UsageError",
    "WorkingCalendar",
    "__version__",
    "audit",
    "changes",
    "dip_sample",
    "explain",
    "inspect_source",
    "load_dataset",
    "load_frames",
    "load_profile",
    "resolve_profile",
    "scorecard",
]
