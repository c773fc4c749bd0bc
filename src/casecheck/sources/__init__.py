"""Sources: each reads one kind of extract and maps it onto the native tables.

``load_dataset(path, source="auto")`` is the one entry point: it picks the source (or detects it
from file, sheet and column names), reads the extract, and returns a typed :class:`Dataset` whose
``as_at`` is the audit date rows were checked against (given, or the source's default: the latest
date in the workbook for Annex A, today otherwise).

===========  ==================================================================================
source       what it reads
===========  ==================================================================================
native       a folder of table files, or one workbook with a sheet per table (data contract §1)
ssd          a folder of Standard Safeguarding Dataset exports (``ssd_*.csv``), plus any native
             table files beside them (:mod:`casecheck.sources.ssd`)
annex-a      Ofsted's Annex A workbook, lists 1 to 10 (:mod:`casecheck.sources.annex_a`)
ssda903      the SSDA903 return: its CSV tables (one year or several) or its XML
             (:mod:`casecheck.sources.ssda903`), with native table files beside it
cin          the Children in Need census XML, one year or several
             (:mod:`casecheck.sources.cin_census`), with native table files beside it
returns      a folder holding both, with native table files (:mod:`casecheck.sources.returns`)
lcs, ehm     Liquid Logic LCS / EHM report exports, through a mapping file or the bundled preset
             (:mod:`casecheck.sources.reports`)
===========  ==================================================================================

:func:`inspect_source` says what casecheck makes of an extract's layout without typing it, and
proposes a mapping for an export it does not recognise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

from casecheck.dataset import Dataset
from casecheck.errors import InputError, UsageError
from casecheck.sources.common import Extract
from casecheck.sources.inspection import SourceInspection
from casecheck.sources.native import load_frames, load_native

SOURCES = ("auto", "native", "ssd", "annex-a", "ssda903", "cin", "returns", "lcs", "ehm")
REPORTS = ("lcs", "ehm")
RETURNS = {"ssda903": ("ssda903",), "cin": ("cin",), "returns": ("ssda903", "cin")}

_HINT = (
    "; if it is another system's export, 'casecheck inspect {path}' shows what casecheck makes "
    "of it and proposes a mapping"
)


def _check(source: str, mapping: str | Path | None) -> None:
    if source not in SOURCES:
        raise UsageError(f"unknown source '{source}': choose one of {', '.join(SOURCES)}")
    if mapping is not None and source not in ("auto", *REPORTS):
        raise UsageError(
            f"--mapping is for LCS/EHM report exports: --source {source} needs no mapping"
        )


def _choose(path: Path, source: str, mapping: str | Path | None) -> tuple[str, str, bool, tuple | None]:
    """(source, reason, detected, files already read)."""
    from casecheck.sources.detect import detect_and_read

    if source != "auto":
        if not path.exists():
            raise InputError(f"{path} does not exist")
        return source, "", False, None
    found, reason, read = detect_and_read(path, mapping)
    return found, reason, True, read


def read_extract(
    path: Path,
    source: str,
    as_at: dt.date | None = None,
    mapping: str | Path | None = None,
    read: tuple | None = None,
) -> Extract:
    """Read a non-native extract into parts of native tables (not yet typed)."""
    if source == "ssd":
        from casecheck.sources.ssd import read_ssd

        return read_ssd(path, as_at=as_at)
    if source == "annex-a":
        from casecheck.sources.annex_a import read_annex_a

        return read_annex_a(path, as_at=as_at)
    if source in RETURNS:
        from casecheck.sources.returns import read_returns

        return read_returns(path, RETURNS[source], as_at=as_at, source=source)
    from casecheck.sources.reports import load_mapping, preset_path, read_reports

    if mapping is not None:
        m = load_mapping(mapping)
    elif source in REPORTS:
        m = load_mapping(preset_path(source))
    else:
        raise UsageError(
            f"casecheck cannot tell what {path} is: give --source, or --mapping FILE for a "
            f"report export ('casecheck inspect {path}' proposes one)"
        )
    return read_reports(path, m, read)


def load_dataset(
    path: str | Path,
    source: str = "auto",
    as_at: dt.date | None = None,
    mapping: str | Path | None = None,
    tables: Collection[str] | None = None,
) -> Dataset:
    """Load an extract from ``path`` with the named source (``auto`` detects it).

    ``as_at`` is the audit date (rows dated after it are set aside); when None, the source's
    default is used and recorded in ``Dataset.as_at`` (Annex A: the latest date in the workbook,
    with a note in ``Dataset.notes``; otherwise today). ``mapping`` is a mapping file for report
    exports (LCS/EHM); without one, ``--source lcs|ehm`` uses the bundled preset. ``tables``
    limits a native extract to the tables an audit needs (other sources read everything).
    """
    path = Path(path)
    _check(source, mapping)
    chosen, _reason, detected, read = _choose(path, source, mapping)
    if chosen in ("native", "unknown") and mapping is None:
        try:
            return load_native(path, as_at=as_at or dt.date.today(), tables=tables)
        except InputError as exc:
            if chosen == "unknown" and detected:
                raise InputError(exc.message + _HINT.format(path=path)) from None
            raise
    extract = read_extract(path, chosen, as_at, mapping, read)
    return extract.build(as_at)


def inspect_source(
    path: str | Path,
    source: str = "auto",
    mapping: str | Path | None = None,
) -> SourceInspection:
    """What casecheck makes of an extract's layout: the source (detected or given), per native
    table the files or sheets and how each column was mapped, the source columns nothing reads,
    row counts; for an export casecheck does not recognise, a proposed mapping."""
    from casecheck.sources.inspection import from_extract, from_native
    from casecheck.sources.reports import propose_mapping, read_sources

    path = Path(path)
    _check(source, mapping)
    chosen, reason, detected, read = _choose(path, source, mapping)
    if chosen == "native" and mapping is None:
        return from_native(path, detected, reason)
    if chosen == "unknown" and mapping is None:
        read = read or read_sources(path)
        sources = read[0]
        insp = SourceInspection(path, "unknown", detected, reason, [], [], sources=sources)
        insp.proposed_mapping = propose_mapping(path, sources)
        try:
            import tomllib

            from casecheck.sources.reports import parse_mapping, read_reports

            trial = read_reports(path, parse_mapping(tomllib.loads(insp.proposed_mapping)), read)
            done = from_extract(trial, detected, reason)
            insp.tables, insp.files = done.tables, done.files
            insp.notes.append(
                "Nothing fits a source casecheck knows: the tables above are what the proposed "
                "mapping below would read."
            )
        except (UsageError, InputError, ValueError) as exc:
            insp.notes.append(f"The proposed mapping cannot be used as it is: {exc}")
            insp.files = _bare_files(sources)
        return insp
    extract = read_extract(path, chosen, None, mapping, read)
    return from_extract(extract, detected, reason)


def _bare_files(sources) -> list:
    from casecheck.sources.inspection import FileInspection

    return [FileInspection(s.label, "?", s.rows, [], list(s.headers)) for s in sources]


__all__ = [
    "SOURCES",
    "Dataset",
    "SourceInspection",
    "inspect_source",
    "load_dataset",
    "load_frames",
    "load_native",
]
