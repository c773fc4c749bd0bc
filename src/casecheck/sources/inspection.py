"""What casecheck makes of an extract's layout, before typing any value (``casecheck inspect``).

:class:`SourceInspection` says which source was detected (and why), which file or sheet feeds
each native table and how each native column was mapped, which source columns nothing reads,
and row counts; for an export casecheck does not recognise it carries a proposed mapping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casecheck.schema import TABLES
from casecheck.sources.common import Extract, SourceTable


@dataclass
class PartInspection:
    """The rows of a native table that come from one file or sheet."""

    file: str
    rows: int
    columns: dict[str, str]  # native column -> source heading (or how it is derived)
    note: str = ""


@dataclass
class TableInspection:
    """One native table: where its rows come from and how its columns were mapped."""

    table: str
    files: list[str]  # file or sheet labels
    columns: dict[str, str]  # native column -> source heading(s), all parts together
    not_supplied: list[str]  # native columns nothing supplies
    rows: int  # rows read into the table (before typing)
    notes: list[str] = field(default_factory=list)
    parts: list[PartInspection] = field(default_factory=list)


@dataclass
class FileInspection:
    """One file or sheet of the extract."""

    file: str
    read_as: str  # what casecheck took it for
    rows: int
    tables: list[str]  # native tables it feeds
    unmapped: list[str]  # its columns nothing reads


@dataclass
class SourceInspection:
    path: Path
    source: str  # native, ssd, annex-a, lcs, ehm (or the mapping's label), or "unknown"
    detected: bool  # True when --source was auto
    reason: str  # why this source
    tables: list[TableInspection]
    files: list[FileInspection]
    ignored: list[str] = field(default_factory=list)  # files or sheets not read, and why
    notes: list[str] = field(default_factory=list)
    as_at: dt.date | None = None  # the source's default audit date (Annex A: inferred)
    proposed_mapping: str | None = None  # for an export casecheck does not recognise
    sources: list[SourceTable] = field(default_factory=list, repr=False)

    def propose_mapping(self) -> str:
        """A mapping TOML for this export (fuzzy heading match), for the user to edit."""
        if self.proposed_mapping is not None:
            return self.proposed_mapping
        from casecheck.sources.reports import propose_mapping, read_sources

        sources = self.sources or read_sources(self.path)[0]
        label = self.source if self.source in ("lcs", "ehm") else "lcs"
        return propose_mapping(self.path, sources, label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": self.source,
            "detected": self.detected,
            "reason": self.reason,
            "as_at": self.as_at.isoformat() if self.as_at else None,
            "tables": [
                {
                    "table": t.table,
                    "files": t.files,
                    "rows": t.rows,
                    "columns": t.columns,
                    "not_supplied": t.not_supplied,
                    "notes": t.notes,
                    "parts": [
                        {"file": p.file, "rows": p.rows, "columns": p.columns, "note": p.note}
                        for p in t.parts
                    ],
                }
                for t in self.tables
            ],
            "files": [
                {"file": f.file, "read_as": f.read_as, "rows": f.rows, "tables": f.tables,
                 "unmapped": f.unmapped}
                for f in self.files
            ],
            "ignored": self.ignored,
            "notes": self.notes,
            "proposed_mapping": self.proposed_mapping,
        }


def from_extract(extract: Extract, detected: bool, reason: str) -> SourceInspection:
    tables = []
    for name in extract.tables():
        parts = extract.parts_of(name)
        mapping = extract.mapping(name)
        tables.append(
            TableInspection(
                table=name,
                files=list(dict.fromkeys(p.source.label for p in parts)),
                columns=mapping,
                not_supplied=[c for c in TABLES[name].column_names if c not in mapping],
                rows=sum(p.frame.height for p in parts),
                notes=[p.note for p in parts if p.note],
                parts=[PartInspection(p.source.label, p.frame.height, dict(p.mapping), p.note)
                       for p in parts],
            )
        )
    files = []
    for st in extract.sources:
        mine = set(st.label.split(" + "))
        feeds = list(dict.fromkeys(
            p.table for p in extract.parts if p.source is st or mine & _labels(p)
        ))
        files.append(
            FileInspection(
                file=st.label,
                read_as=st.kind or extract.source,
                rows=st.rows,
                tables=[t for t in TABLES if t in feeds],
                unmapped=[h for h in st.headers if h not in st.used],
            )
        )
    notes = list(extract.notes)
    for st in extract.sources:
        notes += [f"{st.label}: {n}" for n in st.notes]
    return SourceInspection(
        path=extract.path,
        source=extract.source,
        detected=detected,
        reason=reason or extract.reason,
        tables=tables,
        files=files,
        ignored=list(extract.ignored),
        notes=notes,
        as_at=extract.as_at,
        sources=list(extract.sources),
    )


def _labels(part) -> set[str]:
    from casecheck.sources.common import FILE

    if FILE in part.frame.columns:
        return set(part.frame[FILE].unique().to_list())
    return set()


def from_native(path: Path, detected: bool, reason: str) -> SourceInspection:
    from casecheck.sources.common import table_files
    from casecheck.sources.native import read_native_tables

    raws, files = read_native_tables(path)
    tables = [
        TableInspection(
            table=r.table,
            files=[r.file],
            columns=dict(r.mapping),
            not_supplied=[c for c in TABLES[r.table].column_names if c not in r.mapping],
            rows=r.frame.height,
            notes=list(r.notes),
            parts=[PartInspection(r.file, r.frame.height, dict(r.mapping))],
        )
        for r in sorted(raws, key=lambda r: list(TABLES).index(r.table))
    ]
    finfo = [
        FileInspection(r.file, f"native {r.table}", r.frame.height, [r.table], list(r.unmapped))
        for r in raws
    ]
    ignored = []
    if path.is_dir():
        read = {f.resolve() for f in files}
        ignored = [f"{f.name}: not named after a casecheck table" for f in table_files(path)
                   if f.resolve() not in read]
    return SourceInspection(path, "native", detected, reason, tables, finfo, ignored)


def render_inspection(insp: SourceInspection, console, proposal_path: Path | None = None) -> None:
    """Print an inspection as Rich tables."""
    from rich.table import Table
    from rich.text import Text

    how = "detected" if insp.detected else "given"
    reason = f": {insp.reason})" if insp.reason else ")"
    console.print(Text.assemble((str(insp.path), "bold"), ": source ", (insp.source, "bold"),
                                f" ({how}{reason}"))
    if insp.as_at:
        console.print(f"Default audit date: {insp.as_at.isoformat()}")
    if insp.tables:
        t = Table(title="Native tables", title_justify="left", show_lines=True)
        for col, justify in (("Table", "left"), ("From", "left"), ("Rows", "right"),
                             ("Columns (native ← source)", "left"), ("Not supplied", "left")):
            t.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for ti in insp.tables:
            parts = ti.parts or [PartInspection(", ".join(ti.files), ti.rows, ti.columns)]
            for i, p in enumerate(parts):
                cols = "\n".join(f"{k} ← {v}" for k, v in p.columns.items())
                t.add_row(Text(ti.table if i == 0 else ""), Text(p.file), f"{p.rows:,}", Text(cols),
                          Text(", ".join(ti.not_supplied) if i == 0 else ""),
                          end_section=i == len(parts) - 1)
        console.print(t)
    if insp.files:
        f = Table(title="Files and sheets", title_justify="left")
        for col, justify in (("File", "left"), ("Read as", "left"), ("Rows", "right"),
                             ("Feeds", "left"), ("Columns not used", "left")):
            f.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for fi in insp.files:
            f.add_row(Text(fi.file), Text(fi.read_as), f"{fi.rows:,}", Text(", ".join(fi.tables) or "-"),
                      Text(", ".join(fi.unmapped)))
        console.print(f)
    for line in insp.ignored:
        console.print(Text(f"Not read: {line}", style="dim"))
    for ti in insp.tables:
        for n in ti.notes:
            console.print(Text(f"{ti.table}: {n}", style="dim"))
    for n in insp.notes:
        console.print(Text(n))
    if insp.proposed_mapping is not None:
        if proposal_path is not None:
            console.print(Text(f"Proposed mapping written to {proposal_path}: edit it, then run "
                               f"casecheck validate {insp.path} --mapping {proposal_path}"))
        else:
            console.print(Text("Proposed mapping (save it with --propose-mapping FILE and edit it):",
                               style="bold"))
            console.print(Text(insp.proposed_mapping))
