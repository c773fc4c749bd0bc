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
from collections.abc import Iterable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from casecheck.changes import Changes
from casecheck.dataset import Dataset
from casecheck.dip_sample import DipSample
from casecheck.engine import FINDING_COLUMNS, AuditResult
from casecheck.errors import UsageError
from casecheck.outputs import atomic_write
from casecheck.references import describe_conditions
from casecheck.scorecards import MIN_DECIDED, period_line, scorecard
from casecheck.standards import Profile, Rule, with_floor
from casecheck.views import CASELOAD_COHORTS

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
        write_stdout(frame_bytes(frame, fmt))
        return
    if fmt == "parquet":
        atomic_write(path, lambda p: defuse(frame).write_parquet(p, statistics=False), protected)
    else:
        data = frame_bytes(frame, fmt)
        atomic_write(path, lambda p: p.write_bytes(data), protected)


def write_stdout(data: bytes) -> None:
    """Bytes to standard output; a closed stdout or a pipe whose reader has gone is one
    sentence, not a traceback."""
    try:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            raise OSError("standard output is closed")
        sys.stdout.flush()
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
            buffer.write(data)
            sys.stdout.flush()
            return
        view = memoryview(data)
        while view:  # every byte, or an error: a pipe whose reader has gone is not a silent loss
            view = view[os.write(fd, view):]
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot write to standard output: {why}") from None


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


def render_summary(result: AuditResult, console: Console, data_label: str = "",
                   card: pl.DataFrame | None = None, previous: str | None = None) -> None:
    """The scorecard: one row per rule with met of decided, pending, % met, target, floor, RAG,
    and (when ``card`` carries it) the previous period's figure and the change.

    ``card`` is :func:`casecheck.scorecards.scorecard`'s frame (worked out here, without the
    previous period, when not given).
    """
    card = scorecard(result) if card is None else card
    p = result.profile
    title = f"{p.authority}: {p.cited}"
    has_prev = card["prev_as_at"].drop_nulls().len() > 0
    caption = period_line(result) + (f" · {data_label}" if data_label else "")
    if has_prev:
        caption += f"\nPrevious: {previous or 'the same audit at'} {card['prev_as_at'].drop_nulls()[0]:%d/%m/%Y}"
    caption += (f"\nGreen at or above target, amber from floor to target, red below floor; "
                f"not rated: fewer than {MIN_DECIDED} decided cases.")
    wide = console.width >= 120
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    table.add_column("Rule", no_wrap=True)
    if wide:
        table.add_column("Standard", overflow="fold", ratio=1)
    # narrower terminals drop the counts, then the thresholds
    cols = ["met_of", "pending", "pct_met", "target_pct", "floor_pct", "rag", "prev", "change"]
    if console.width < 100:
        cols = ["pct_met", "rag", "change"]
    elif not wide:
        cols = ["met_of", "pct_met", "target_pct", "floor_pct", "rag", "change"]
    if not has_prev:
        cols = [c for c in cols if c not in ("prev", "change")]
    names = {"met_of": "Met / decided", "pending": "Pending", "pct_met": "% met", "target_pct": "Target",
             "floor_pct": "Floor", "rag": "RAG", "prev": "Previous", "change": "Change"}
    for c in cols:
        table.add_column(names[c], justify="left" if c == "rag" else "right", no_wrap=True)
    for row in card.iter_rows(named=True):
        title_cell = [row["title"]] if wide else []
        if row["rag"] == "not assessed":
            cells = [Text("") for _ in cols]
            if "rag" in cols:
                cells[cols.index("rag")] = Text(row["note"] if wide else "not assessed", style="dim")
            table.add_row(row["rule_id"], *title_cell, *cells)
            continue
        cells = {
            "met_of": f"{row['met']:,} / {row['decided']:,}", "pending": f"{row['pending']:,}",
            "pct_met": _pct(row["pct_met"]), "target_pct": f"{row['target_pct']:g}%",
            "floor_pct": f"{row['floor_pct']:g}%", "rag": _rag(row["rag"]),
            "prev": _previous(row), "change": _change(row),
        }
        table.add_row(row["rule_id"], *title_cell, *[cells[c] for c in cols])
    console.print(table)
    left = result.summary.filter(pl.col("closed_before_due") > 0) if "closed_before_due" in result.summary.columns else None
    if left is not None and left.height:
        counts = ", ".join(f"{r['rule_id']} {r['closed_before_due']:,}" for r in left.iter_rows(named=True))
        console.print(Text(f"Left out, as the episode closed before the requirement fell due: {counts}.",
                           style="dim"))


def _previous(row: dict) -> str:
    if row["prev_pct_met"] is None:
        return "–"
    return f"{row['prev_pct_met']:.1f}% ({row['prev_met']:,} / {row['prev_decided']:,})"


def change_text(change: float | None, direction: str | None) -> str:
    """``▲ 2.3`` / ``▼ 0.4`` / ``▶ 0.0`` (percentage points), or ``–``."""
    if change is None or direction is None:
        return "–"
    return f"{direction} {abs(change):.1f}"


def _change(row: dict) -> Text:
    style = {"▲": "green", "▼": "red"}.get(row["direction"] or "", "")
    return Text(change_text(row["change_pts"], row["direction"]), style=style)


def _pct_cell(row: dict, counts: bool = False) -> Text:
    pct = row["pct_met"]
    text = Text("–" if pct is None else f"{pct:.0f}%", style=RAG_STYLE.get(row["rag"], "dim"))
    if counts:
        text.append(f" {row['met']}/{row['met'] + row['not_met']}", style="dim")
    return text


def render_breakdown(long: pl.DataFrame, result: AuditResult, console: Console, by: str,
                     caseload: pl.DataFrame | None = None) -> None:
    """% met per rule per group: rules x groups when there are few groups, else groups x totals;
    with each group's open children and caseload (``views.caseloads``) beside them."""
    groups = sorted(set(long["group"].to_list()) | set(caseload["group"].to_list() if caseload is not None else []))
    title = (f"% met by {by} (coloured against each rule's target and floor; "
             f"not rated under {MIN_DECIDED} decided cases)")
    if len(groups) <= 12:
        cell = long.select((pl.col("met").cast(pl.String).str.len_chars() * 2 + 6).max()).item() or 0
        counts = 28 + (cell + 3) * len(groups) <= console.width  # room for "93% 28/30" in each
        table = Table(title=title, title_justify="left")
        table.add_column("Rule", no_wrap=True)
        for g in groups:
            table.add_column(g, justify="right", overflow="fold")
        _add_pct_rows(table, long, "group", groups, [rule.id for rule in result.profile.rules], counts)
        if caseload is not None:
            _add_caseload_rows(table, caseload, groups, by)
        console.print(table)
        return
    totals = (
        long.group_by("group")
        .agg(pl.col("in_scope").sum(), pl.col("met").sum(), pl.col("not_met").sum(),
             pl.struct("rule_id", "pct_met").filter(pl.col("rag") != "not rated")
             .sort_by("pct_met").head(3).alias("worst"))
        .with_columns(pct=pl.when(pl.col("met") + pl.col("not_met") > 0)
                      .then(100 * pl.col("met") / (pl.col("met") + pl.col("not_met"))))
    )
    if caseload is not None:
        totals = totals.join(caseload, on="group", how="full", coalesce=True)
    totals = totals.sort("pct", "group", nulls_last=True)
    table = Table(title=f"{title}: {len(groups)} groups, lowest first", title_justify="left")
    cols = [(by.capitalize(), "left"), ("Met / decided", "right"), ("% met", "right")]
    if caseload is not None:
        cols += [("Open children", "right"), ("CIN · CP · CiC · CL · EH", "right")]
        if by != "worker":
            cols += [("Average caseload", "right")]
    cols += [("Lowest rated rules", "left")]
    for col, justify in cols:
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in totals.iter_rows(named=True):
        worst = ", ".join(f"{w['rule_id']} {w['pct_met']:.0f}%" for w in r["worst"] or [] if w["pct_met"] is not None)
        met, not_met = r["met"] or 0, r["not_met"] or 0
        row = [r["group"], f"{met:,} / {met + not_met:,}", _pct(r["pct"])]
        if caseload is not None:
            row += [f"{r['children'] or 0:,}", " · ".join(f"{r[c] or 0}" for c in CASELOAD_COHORTS)]
            if by != "worker":
                row += ["–" if r["average_caseload"] is None else f"{r['average_caseload']:.1f}"]
        table.add_row(*row, worst)
    console.print(table)


def _add_caseload_rows(table: Table, caseload: pl.DataFrame, groups: list, by: str) -> None:
    """Below a rules x groups table: open children (by cohort) and the caseload per worker."""
    rows = {r["group"]: r for r in caseload.iter_rows(named=True)}

    def line(label: str, value) -> None:
        cells = [value(rows[g]) if g in rows else "" for g in groups]
        table.add_row(Text(label, style="bold" if not label.startswith(" ") else "dim"), *cells)

    table.add_section()
    line("Open children", lambda r: f"{r['children']:,}")
    for col, label in {**CASELOAD_COHORTS, "other": "Other"}.items():
        if any(rows[g][col] for g in groups if g in rows):
            line(f"  {label.lower()}", lambda r, col=col: f"{r[col]:,}" if r[col] else "")
    if by != "worker":
        line("Workers with cases", lambda r: f"{r['workers']:,}")
        line("Average caseload", lambda r: "–" if r["average_caseload"] is None else f"{r['average_caseload']:.1f}")
    if any(rows[g]["unallocated"] for g in groups if g in rows):
        line("Unallocated", lambda r: f"{r['unallocated']:,}" if r["unallocated"] else "")


def render_changes(changes: Changes, console: Console) -> None:
    """One line per rule with exceptions then or now: how many are new, resolved and carried over
    since the previous period, and how many have been out of timescale for three month ends."""
    rows = changes.summary.filter(pl.sum_horizontal("previous", "current") > 0)
    title = f"Changes since {changes.previous_source}: children out of timescale"
    if rows.is_empty():
        console.print(Text(f"{title}: none then or now."))
        return
    table = Table(title=title, title_justify="left", caption=(
        "Carried over + resolved = then; carried over + new = now. 3+: out of timescale at three "
        "month ends or more (to escalate)."), caption_justify="left")
    for col, justify in [("Rule", "left"), ("Then", "right"), ("Now", "right"), ("New", "right"),
                         ("Resolved", "right"), ("Carried over", "right"), ("3+", "right")]:
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in rows.iter_rows(named=True):
        long = r["three_months_or_more"]
        escalate = Text(f"{long:,}", style="red" if long else "")
        table.add_row(r["rule_id"], f"{r['previous']:,}", f"{r['current']:,}", f"{r['new']:,}",
                      f"{r['resolved']:,}", f"{r['carried_over']:,}", escalate)
    t = rows.select(pl.col("previous", "current", "new", "resolved", "carried_over").sum()).row(0)
    total = f"{rows['three_months_or_more'].sum():,}"
    table.add_row(Text("all rules", style="bold"), *(Text(f"{v:,}", style="bold") for v in t), Text(total, style="bold"))
    console.print(table)


def render_dip_sample(sample: DipSample, console: Console) -> None:
    """The dip sample: each group's open cases and how many were drawn (and why fewer), then the
    drawn cases with how many rules each is out of timescale on."""
    groups = Table(title=f"Open cases per {sample.per} at {sample.as_at:%d/%m/%Y}: {sample.size} drawn from each",
                   title_justify="left")
    for col, justify in [(sample.per.capitalize(), "left"), ("Open cases", "right"), ("Drawn", "right")]:
        groups.add_column(col, justify=justify)  # type: ignore[arg-type]
    short = []
    for g in sample.groups.iter_rows(named=True):
        groups.add_row(g["group"], f"{g['open_cases']:,}", f"{g['sampled']:,}")
        if g["open_cases"] < sample.size:
            short.append(f"{g['group']}: {g['note']}.")
    console.print(groups)
    for line in short:
        console.print(Text(line, style="yellow"))
    cases = Table(title=f"Drawn: {sample.cases.height} case(s), seed {sample.seed}, {sample.how}",
                  title_justify="left")
    for col in ("Group", "Child", "Worker", "Cohort", "Open since", "Rules not met"):
        cases.add_column(col, justify="right" if col == "Rules not met" else "left", no_wrap=True)
    for c in sample.cases.iter_rows(named=True):
        cases.add_row(c["group"], c["child_id"], c["worker_id"] or "", c["episode_type"].replace("_", " "),
                      f"{c['open_since']:%d/%m/%Y}", f"{c['rules_not_met']:,}")
    console.print(cases)


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


def _add_pct_rows(table: Table, frame: pl.DataFrame, column: str, values: list, rule_ids: list[str],
                  counts: bool = False) -> None:
    """A row per rule: its % met (coloured by RAG) for each of ``values`` of ``column`` (blank
    where the frame has none), with met / decided beside it when ``counts``."""
    cells = {(r["rule_id"], r[column]): r for r in frame.iter_rows(named=True)}
    for rule_id in rule_ids:
        row: list = [rule_id]
        for v in values:
            c = cells.get((rule_id, v))
            row.append(_pct_cell(c, counts) if c else Text(""))
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


def render_tallies(quality, console: Console) -> None:
    """What was read but is worth a word: placeholder dates, overlaps, rows a mapping left out
    (one line each), and the coded values casecheck does not know (a table, with a guess)."""
    for line in quality.note_lines():
        console.print(Text(f"  {line}", style="dim"))
    unknown = quality.unknown_codes()
    if unknown.is_empty():
        return
    table = Table(title="Codes casecheck does not know (no rule matches these rows)", title_justify="left")
    for name, justify in [("Table", "left"), ("Column", "left"), ("Value", "left"), ("Rows", "right"),
                          ("Did you mean", "left")]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in unknown.iter_rows(named=True):
        table.add_row(Text(r["table"]), Text(r["column"]), Text(r["value"]), f"{r['rows']:,}",
                      Text(r["suggestion"] or ""))
    console.print(table)


def render_profile_list(profiles: list[Profile], console: Console) -> None:
    table = Table(title="Standards profiles", title_justify="left")
    for col in ("Profile", "Authority", "Rules", "Document"):
        table.add_column(col, overflow="fold")
    for p in profiles:
        table.add_row(p.id, p.authority, str(len(p.rules)), p.cited)
    console.print(table)


def render_profile(profile: Profile, console: Console) -> None:
    table = Table(title=f"{profile.id}: {profile.authority}, {profile.cited}", title_justify="left",
                  show_lines=True)
    for col in ("Rule", "Kind", "Cohort", "Parameters", "Numbers", "Target", "Source"):
        table.add_column(col, overflow="fold")
    for r in profile.rules:
        params = Text(r.parameters())
        if r.note:  # (Text, not markup: a note may hold "[" and "]")
            params.append(f"\n{r.note}", style="dim")
        cohort = r.scope() if r.cohort else (r.start.text if r.start else "")
        floor = with_floor(r, profile.amber_margin).floor
        rule = Text.assemble(r.id, (f"\n{r.title}", "dim"))
        target = Text.assemble(f"{r.target:g}%", (f"\nfloor {floor:g}%", "dim"))
        numbers = Text(r.basis_text(), style="bold" if r.defaults else "")
        table.add_row(rule, Text(r.kind), Text(cohort), params, numbers, target, Text(r.source))
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
        "anchor_in": rule.anchor_in,
        "events": [e.text for e in rule.events],
        "first": dur(rule.first),
        "interval": dur(rule.interval),
        "permanent_interval": dur(rule.permanent_interval),
        "phases": [
            {"interval": dur(p.interval), "until": dur(p.until), "until_age": p.until_age,
             "until_event": p.until_event.text if p.until_event else None,
             "count": p.count, "permanent_interval": dur(p.permanent_interval)}
            for p in rule.phases
        ],
        "placement_where": [describe_conditions((alt,)) for alt in rule.placement_where],
        "exclude_placement": [describe_conditions((alt,)) for alt in rule.exclude_placement],
        "permanence": rule.permanence,
        "until_age": rule.until_age,
        "start": rule.start.text if rule.start else None,
        "from": rule.from_.text if rule.from_ else None,
        "done": (rule.done.text if len(rule.dones) == 1 else [d.text for d in rule.dones]) if rule.done else None,
        "within": dur(rule.within),
        "window": [str(w) for w in rule.window] if rule.window else None,
        "checkpoints": [str(c) for c in rule.checkpoints],
        "while_open": rule.while_open,
        "count_from": rule.count_from,
        "target": rule.target,
        "floor": rule.floor,
        "parameters": rule.parameters(),
        "basis": dict(rule.basis) if len(rule.basis) > 1 or (rule.basis and rule.basis[0][0])
        else (rule.basis[0][1] if rule.basis else None),
        "source": rule.source,
        "note": rule.note,
    }


def profile_dict(profile: Profile) -> dict:
    return {
        "id": profile.id,
        "authority": profile.authority,
        "title": profile.title,
        "document": profile.document,
        "document_title": profile.document_title or None,
        "document_date": profile.document_date or None,
        "cited": profile.cited,
        "amber_margin": profile.amber_margin,
        "closure_days": profile.closure_days,
        "rules": [rule_dict(r) for r in profile.rules],
    }
