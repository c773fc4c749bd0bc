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
import stat
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

#: text a spreadsheet may run as a formula: a formula sign (also the full-width forms some
#: locales accept), perhaps after spaces a spreadsheet trims, or a leading tab, line end or NUL
FORMULA_START = r"^(?:[\s\x00]*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r\n\x00])"
RAG_STYLE = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
STATUS_STYLE = {"met": "green", "not_met": "red", "pending": "yellow"}


# ---------------------------------------------------------------------------------------------
# Safe values and safe files
# ---------------------------------------------------------------------------------------------
def defuse(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text that a spreadsheet would execute (``=``, ``+``, ``-``, ``@``) with ``'``.

    Also text starting with a tab, carriage return, line feed or NUL, and formula signs after
    leading spaces or in their full-width forms (``＝``), which some spreadsheets accept.
    """
    text_cols = [c for c, t in frame.schema.items() if t == pl.String]
    if not text_cols:
        return frame
    risky = frame.select(pl.col(c).str.contains(FORMULA_START).any() for c in text_cols).row(0)
    text_cols = [c for c, hit in zip(text_cols, risky, strict=True) if hit]
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
    """Write via a temporary file in the target's folder, then rename over the target.

    Refuses a target that is one of ``protected`` (the input files) however it is spelled: with
    ``..``, through a symbolic or hard link, or in other letter case on a case-insensitive disk.
    If anything fails the previous file is left as it was and the temporary file is removed. The
    new file keeps the mode of the one it replaces; a new file gets the usual mode (umask).
    """
    path = Path(path)
    target = path.resolve()
    for p in protected:
        if _same_file(Path(p), target):
            raise UsageError(f"refusing to write over the input file {path}")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    mode = _file_mode(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as fh:  # on disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return path


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


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


def _uk(day) -> str:
    """A date as people read it: dd/mm/yyyy (blank for none)."""
    return day.strftime("%d/%m/%Y") if day else ""


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
        if row["rag"] == "not assessed":
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
    left = result.summary.filter(pl.col("closed_before_due") > 0) if "closed_before_due" in result.summary.columns else None
    if left is not None and left.height:
        counts = ", ".join(f"{r['rule_id']} {r['closed_before_due']:,}" for r in left.iter_rows(named=True))
        console.print(Text(f"Left out, as the episode closed before the requirement fell due: {counts}.",
                           style="dim"))


def _pct_cell(pct: float | None, rag: str) -> Text:
    return Text("–" if pct is None else f"{pct:.0f}%", style=RAG_STYLE.get(rag, "dim"))


def render_breakdown(long: pl.DataFrame, result: AuditResult, console: Console, by: str) -> None:
    """% met per rule per group: rules x groups when there are few groups, else groups x totals."""
    groups = long["group"].unique().sort().to_list()
    title = f"% met by {by} (coloured against each rule's target)"
    if len(groups) <= 12:
        table = Table(title=title, title_justify="left")
        table.add_column("Rule", no_wrap=True)
        for g in groups:
            table.add_column(g, justify="right", overflow="fold")
        _add_pct_rows(table, long, "group", groups, [rule.id for rule in result.profile.rules])
        console.print(table)
        return
    totals = (
        long.group_by("group")
        .agg(pl.col("in_scope").sum(), pl.col("met").sum(), pl.col("not_met").sum(),
             pl.struct("rule_id", "pct_met").sort_by("pct_met").head(3).alias("worst"))
        .with_columns(pct=pl.when(pl.col("met") + pl.col("not_met") > 0)
                      .then(100 * pl.col("met") / (pl.col("met") + pl.col("not_met"))))
        .sort("pct", "group", nulls_last=True)
    )
    table = Table(title=f"{title}: {len(groups)} groups, lowest first", title_justify="left")
    for col, justify in [(by.capitalize(), "left"), ("In scope", "right"), ("Met", "right"),
                         ("Not met", "right"), ("% met", "right"), ("Lowest rules", "left")]:
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in totals.iter_rows(named=True):
        worst = ", ".join(f"{w['rule_id']} {w['pct_met']:.0f}%" for w in r["worst"] if w["pct_met"] is not None)
        table.add_row(r["group"], f"{r['in_scope']:,}", f"{r['met']:,}", f"{r['not_met']:,}",
                      _pct(r["pct"]), worst)
    console.print(table)


def render_due(listing: pl.DataFrame, console: Console, as_at, within: str, by: str | None,
               limit: int | None = None) -> None:
    """The due-soon list: overdue first, then by due date (grouped when --by is given).

    At most ``limit`` rows are drawn (a whole authority's list can hold 100,000 items: a table
    that long takes a minute to draw and cannot be read); the caption says how many more there are.
    """
    title = f"Due within {within} of {as_at:%d/%m/%Y}, or overdue: {listing.height:,} item(s) (open cases)"
    if listing.is_empty():
        console.print(f"{title}.")
        return
    caption = None
    if limit is not None and listing.height > limit:
        caption = (f"The first {limit:,} of {listing.height:,}: --output FILE writes them all "
                   "(or --top 0 shows them all).")
        listing = listing.head(limit)
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    cols = ([by.capitalize()] if by else []) + ["Due", "Working days", "Rule", "Child", "Worker", "Team", "Last event"]
    for c in cols:
        table.add_column(c, no_wrap=c not in (by.capitalize() if by else "",), justify="right" if c == "Working days" else "left")
    for r in listing.iter_rows(named=True):
        wd = r["working_days_to_due"]
        when = Text(f"{-wd} overdue" if wd < 0 else ("today" if wd == 0 else f"in {wd}"),
                    style="red" if wd < 0 else ("yellow" if wd <= 2 else ""))
        row = ([r[by]] if by else []) + [_uk(r["due_date"]), when, r["rule_id"], r["child_id"],
                                          r["worker_id"] or "", r["team"] or "", _uk(r["last_event_date"])]
        table.add_row(*row)
    console.print(table)


def _add_pct_rows(table: Table, frame: pl.DataFrame, column: str, values: list, rule_ids: list[str]) -> None:
    """A row per rule: its % met (coloured by RAG) for each of ``values`` of ``column`` (blank
    where the frame has none)."""
    cells = {(r["rule_id"], r[column]): r for r in frame.iter_rows(named=True)}
    for rule_id in rule_ids:
        row: list = [rule_id]
        for v in values:
            c = cells.get((rule_id, v))
            row.append(_pct_cell(c["pct_met"], c["rag"]) if c else Text(""))
        table.add_row(*row)


def render_trend(frame: pl.DataFrame, profile: Profile, console: Console) -> None:
    """% met per rule (rows) at each month end (columns)."""
    months = frame["month_end"].unique().sort().to_list()
    table = Table(title=f"{profile.authority}: % met at each month end", title_justify="left")
    table.add_column("Rule", no_wrap=True)
    for m in months:
        table.add_column(m.strftime("%b %y"), justify="right", no_wrap=True)
    present = set(frame["rule_id"].to_list())
    _add_pct_rows(table, frame, "month_end", months, [r.id for r in profile.rules if r.id in present])
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
            row["table"], Text(row["file"]), f"{row['rows_read']:,}", f"{row['rows_used']:,}",
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
            console.print(Text(f"  {rep.file}: {line}", style="dim"))


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
