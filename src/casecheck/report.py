"""Outputs: Rich tables for people, CSV/JSON/Parquet for machines, written safely.

* Machine formats follow data contract §3 exactly: the finding columns in order, ISO dates, rows
  sorted by rule_id, child_id, anchor_date, so two runs on the same input are byte-identical.
* No text cell is ever something a spreadsheet would run as a formula: text beginning with
  ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is prefixed with ``'``.
* Files are written atomically (a temporary file beside the target, then a rename), and never
  over one of the input files.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from casecheck.dataset import Dataset
from casecheck.engine import FINDING_COLUMNS, AuditResult
from casecheck.errors import UsageError
from casecheck.standards import Profile, Rule

FORMULA_START = r"^[=+\-@\t\r]"
RAG_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
STATUS_STYLE = {"met": "green", "not_met": "red", "pending": "yellow"}


# ---------------------------------------------------------------------------------------------
# Safe values and safe files
# ---------------------------------------------------------------------------------------------
def defuse(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text that a spreadsheet would execute (``=``, ``+``, ``-``, ``@``) with ``'``."""
    text_cols = [c for c, t in frame.schema.items() if t == pl.String]
    if not text_cols:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_cols
    )


def atomic_write(path: Path, write: Callable[[Path], None], protected: Iterable[Path] = ()) -> Path:
    """Write via a temporary file in the target's folder, then rename over the target."""
    path = Path(path)
    target = path.resolve()
    for p in protected:
        if Path(p).resolve() == target:
            raise UsageError(f"refusing to write over the input file {path}")
    if not target.parent.exists():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    defuse(frame).write_csv(buf, date_format="%Y-%m-%d", null_value="")
    return buf.getvalue()


def _json_bytes(frame: pl.DataFrame) -> bytes:
    rows = defuse(frame).with_columns(
        pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date
    ).to_dicts()
    return (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def frame_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return _csv_bytes(frame)
    if fmt == "json":
        return _json_bytes(frame)
    raise UsageError(f"cannot print {fmt} to the terminal: give --output PATH")


def format_from_path(path: Path, default: str) -> str:
    ext = path.suffix.lower().lstrip(".")
    return {"csv": "csv", "json": "json", "parquet": "parquet", "pq": "parquet"}.get(ext, default)


def write_frame(
    frame: pl.DataFrame, path: Path | None, fmt: str, protected: Iterable[Path] = ()
) -> None:
    """Write a frame as csv, json or parquet to ``path``, or to stdout when path is None."""
    if path is None or str(path) == "-":
        sys.stdout.buffer.write(frame_bytes(frame, fmt))
        sys.stdout.flush()
        return
    if fmt == "parquet":
        atomic_write(path, lambda p: defuse(frame).write_parquet(p, statistics=False), protected)
    else:
        data = frame_bytes(frame, fmt)
        atomic_write(path, lambda p: p.write_bytes(data), protected)


def findings_frame(result: AuditResult) -> pl.DataFrame:
    return result.findings.select(FINDING_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Terminal rendering
# ---------------------------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _rag(rag: str) -> Text:
    return Text(rag, style=RAG_STYLE.get(rag, "dim"))


def render_summary(result: AuditResult, console: Console, data_label: str = "") -> None:
    """The audit summary: one row per rule with counts, % met and RAG."""
    p = result.profile
    title = f"{p.authority}: {p.title}"
    caption = f"{result.question}" + (f" · {data_label}" if data_label else "")
    wide = console.width >= 120
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    table.add_column("Rule", no_wrap=True)
    if wide:
        table.add_column("Standard", overflow="fold", ratio=1)
    # narrow terminals (under 100 columns) drop the pending and target columns
    cols = ["in_scope", "met", "not_met", "pending", "pct_met", "target_pct"]
    if console.width < 100:
        cols = ["in_scope", "met", "not_met", "pct_met"]
    names = {"in_scope": "In scope", "met": "Met", "not_met": "Not met", "pending": "Pending",
             "pct_met": "% met", "target_pct": "Target"}
    for c in cols:
        table.add_column(names[c], justify="right", no_wrap=True)
    table.add_column("RAG", no_wrap=not wide)
    for row in result.summary.iter_rows(named=True):
        title_cell = [row["title"]] if wide else []
        if row["note"]:
            blanks = ["" for _ in cols]
            table.add_row(row["rule_id"], *title_cell, *blanks,
                          Text(row["note"] if wide else "not assessed", style="dim"))
            continue
        cells = {
            "in_scope": f"{row['in_scope']:,}", "met": f"{row['met']:,}",
            "not_met": f"{row['not_met']:,}", "pending": f"{row['pending']:,}",
            "pct_met": _pct(row["pct_met"]), "target_pct": f"{row['target_pct']:.0f}%",
        }
        table.add_row(row["rule_id"], *title_cell, *[cells[c] for c in cols], _rag(row["rag"]))
    console.print(table)


def render_quality(dataset: Dataset, console: Console, title: str = "What casecheck made of the extract") -> None:
    """One row per table: rows read, used, rejected, values blanked and the top reasons."""
    q = dataset.quality
    table = Table(title=title, title_justify="left")
    for name, justify in [("Table", "left"), ("File", "left"), ("Read", "right"), ("Used", "right"),
                          ("Rejected", "right"), ("Blanked", "right"), ("Top reasons", "left")]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    summary = q.summary()
    for row in summary.iter_rows(named=True):
        reasons = "; ".join(f"{r}: {n:,}" for r, n in q.top_reasons(row["table"], 3))
        table.add_row(
            row["table"], row["file"], f"{row['rows_read']:,}", f"{row['rows_used']:,}",
            Text(f"{row['rows_rejected']:,}", style="red" if row["rows_rejected"] else ""),
            Text(f"{row['blanked']:,}", style="yellow" if row["blanked"] else ""),
            reasons,
        )
    console.print(table)
    for rep in q.reports.values():
        extras = []
        if rep.unmapped:
            extras.append("columns not used: " + ", ".join(rep.unmapped))
        extras += rep.notes
        for line in extras:
            console.print(f"  [dim]{rep.file}: {line}[/dim]")


def render_profile_list(profiles: list[Profile], console: Console) -> None:
    table = Table(title="Standards profiles", title_justify="left")
    for col in ("Profile", "Authority", "Rules", "Document"):
        table.add_column(col, overflow="fold")
    for p in profiles:
        table.add_row(p.id, p.authority, str(len(p.rules)), p.document)
    console.print(table)


def render_profile(profile: Profile, console: Console) -> None:
    table = Table(title=f"{profile.id}: {profile.authority}, {profile.title}", title_justify="left",
                  show_lines=True)
    for col in ("Rule", "Kind", "Cohort", "Parameters", "Target", "Source"):
        table.add_column(col, overflow="fold")
    for r in profile.rules:
        params = r.parameters() + (f"\n[dim]{r.note}[/dim]" if r.note else "")
        cohort = ", ".join(r.cohort) if r.cohort else (r.start.text if r.start else "")
        table.add_row(f"{r.id}\n[dim]{r.title}[/dim]", r.kind, cohort, params, f"{r.target:.0f}%", r.source)
    console.print(table)


def rule_dict(rule: Rule) -> dict:
    """A rule as plain data (``standards show --format json``)."""
    def dur(d):
        return str(d) if d else None

    return {
        "id": rule.id,
        "title": rule.title,
        "kind": rule.kind,
        "cohort": list(rule.cohort),
        "exclude": list(rule.exclude),
        "per": rule.per,
        "anchor": rule.anchor,
        "events": [e.text for e in rule.events],
        "first": dur(rule.first),
        "interval": dur(rule.interval),
        "permanent_interval": dur(rule.permanent_interval),
        "phases": [
            {"interval": dur(p.interval), "until": dur(p.until), "until_age": p.until_age,
             "count": p.count, "permanent_interval": dur(p.permanent_interval)}
            for p in rule.phases
        ],
        "start": rule.start.text if rule.start else None,
        "done": rule.done.text if rule.done else None,
        "within": dur(rule.within),
        "count_from": rule.count_from,
        "target": rule.target,
        "parameters": rule.parameters(),
        "source": rule.source,
        "note": rule.note,
    }


def profile_dict(profile: Profile) -> dict:
    return {
        "id": profile.id,
        "authority": profile.authority,
        "title": profile.title,
        "document": profile.document,
        "amber_margin": profile.amber_margin,
        "closure_days": profile.closure_days,
        "rules": [rule_dict(r) for r in profile.rules],
    }
