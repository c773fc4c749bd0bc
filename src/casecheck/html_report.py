"""The HTML report: one self-contained file to open from a shared drive or an email.

``write_audit_html`` (``audit --html``): the scorecard with a chart of % met against target and
floor, the team-by-rule grid, caseloads, exceptions and due-soon lists that sort and filter, the
data-quality record and the About facts. ``write_trend_html`` (``trend --html``): the latest
month's scorecard against the month before, one small chart per rule and the trend table.
``write_child_html`` (``audit --child ID --html``): one child's verdicts and the timeline behind
each.

The page is the package's ``templates/report.html`` filled in with :class:`string.Template`:
inline CSS, inline SVG charts and a small inline script (sorting and filtering), no fonts,
scripts, styles or images from anywhere else, and a Content-Security-Policy that forbids the
page any network request. Every value from the data is escaped (``html.escape``); the frames it
is given are the ones every other output gets (pseudonymised when asked).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

import polars as pl

from casecheck import __version__
from casecheck.about import facts, input_files
from casecheck.changes import Changes
from casecheck.dataset import Dataset
from casecheck.dip_sample import DipSample
from casecheck.engine import AuditResult
from casecheck.report import atomic_write, change_text
from casecheck.scorecards import LEGEND, NOT_ASSESSED, period_line, score, scorecard
from casecheck.standards import Profile, with_floor
from casecheck.views import CASELOAD_COHORTS

#: longest list drawn in the page (the CSV/Parquet outputs have every row)
ROW_LIMIT = 5000
RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "not rated": 3, "not assessed": 4}
BAR_COLOURS = {"green": "#3f9c5a", "amber": "#e0a800", "red": "#d64545"}
STATUS_LABEL = {"met": "Met", "not_met": "Not met", "pending": "Pending"}


class Safe(str):
    """Markup built here from escaped parts: inserted as it is."""


def e(value: object) -> str:
    """A value as HTML text, escaped (quotes too: it may go in an attribute)."""
    if value is None:
        return ""
    if isinstance(value, Safe):
        return str(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return html.escape(str(value), quote=True)


def _pct(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value:.{decimals}f}%"


def _rag_class(rag: str | None) -> str:
    return "rag-" + re.sub(r"[^a-z]+", "-", (rag or "").lower()).strip("-")


def _badge(rag: str | None) -> Safe:
    return Safe(f'<span class="rag {_rag_class(rag)}">{e(rag)}</span>')


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Col:
    key: str
    label: str
    kind: str = "text"  # text | int | num | date | safe


def _cell(col: Col, row: dict) -> str:
    value = row.get(col.key)
    sort = row.get(f"{col.key}__v")
    attrs = f' data-v="{e(sort)}"' if sort is not None else ""
    cls = row.get(f"{col.key}__class")
    if col.kind in ("int", "num"):
        cls = f"num {cls or ''}".strip()
        if value is not None and sort is None:
            attrs = f' data-v="{e(value)}"'
        text = "" if value is None else (f"{value:,}" if col.kind == "int" else e(value))
    elif col.kind == "date":
        if value is not None:
            attrs = f' data-v="{value.isoformat()}"'
        text = e(value)
    else:
        text = e(value)
    title = row.get(f"{col.key}__title")
    if title:
        attrs += f' title="{e(title)}"'
    return f"<td{f' class={chr(34)}{e(cls)}{chr(34)}' if cls else ''}{attrs}>{text}</td>"


def table(table_id: str, cols: Sequence[Col], rows: Iterable[dict], *, filterable: bool = False,
          total: int | None = None, label: str = "rows", scroll: bool = True) -> str:
    """A sortable table (click a heading), optionally with a filter box; ``total``: how many
    rows there are in all when ``rows`` is the first of them."""
    rows = list(rows)
    head = "".join(f'<th scope="col" class="{"num" if c.kind in ("int", "num") else ""}">{e(c.label)}</th>' for c in cols)
    body = "\n".join("<tr>" + "".join(_cell(c, r) for c in cols) + "</tr>" for r in rows)
    tools = ""
    if filterable:
        tools = (f'<div class="tools"><label>Filter: <input class="filter" type="search" data-table="{e(table_id)}" '
                 f'data-count="{e(table_id)}-count" placeholder="words to look for" autocomplete="off"></label>'
                 f'<span class="count" id="{e(table_id)}-count">{len(rows):,} {e(label)}</span></div>')
    more = ""
    if total is not None and total > len(rows):
        more = (f'<p class="note">The first {len(rows):,} of {total:,} {e(label)}; the findings file '
                f"(--output) holds them all.</p>")
    html_table = (f'<table class="sortable" id="{e(table_id)}"><thead><tr>{head}</tr></thead>'
                  f"<tbody>\n{body}\n</tbody></table>")
    if scroll:
        html_table = f'<div class="scroll">{html_table}</div>'
    return tools + html_table + more


def _frame_rows(frame: pl.DataFrame, limit: int | None = ROW_LIMIT) -> tuple[list[dict], int]:
    total = frame.height
    return (frame.head(limit) if limit else frame).to_dicts(), total


# ---------------------------------------------------------------------------------------------
# The scorecard and its chart
# ---------------------------------------------------------------------------------------------
def _bar(pct: float | None, target: float, floor: float, rag: str | None) -> str:
    width = 0 if pct is None else max(0.0, min(pct, 100.0))
    colour = BAR_COLOURS.get(rag or "", "#9aa3ad")
    return (f'<span class="bar" aria-hidden="true"><i style="width:{width:.1f}%;background:{colour}"></i>'
            f'<s style="left:{floor:.1f}%"></s><b style="left:{target:.1f}%"></b></span>')


def scorecard_rows(card: pl.DataFrame) -> list[dict]:
    rows = []
    for n, r in enumerate(card.iter_rows(named=True), start=1):
        assessed = r["rag"] != NOT_ASSESSED
        direction = {"▲": "up", "▼": "down", "▶": "same"}.get(r["direction"] or "", "")
        rows.append({
            "n": n,
            "standard": Safe(f'{e(r["title"])} <span class="id">{e(r["rule_id"])}</span>'),
            "standard__v": r["title"], "standard__title": r["rule_note"],
            "target": f"{r['target_pct']:g}%", "target__v": r["target_pct"],
            "floor": f"{r['floor_pct']:g}%", "floor__v": r["floor_pct"],
            "met": r["met"] if assessed else None,
            "decided": r["decided"] if assessed else None,
            "pending": r["pending"] if assessed else None,
            "pct": Safe(_bar(r["pct_met"], r["target_pct"], r["floor_pct"], r["rag"]) + e(_pct(r["pct_met"])))
            if assessed else "", "pct__v": r["pct_met"], "pct__class": "num",
            "rag": _badge(r["rag"]), "rag__v": RAG_ORDER.get(r["rag"], 9),
            "prev": "–" if r["prev_pct_met"] is None else f"{r['prev_pct_met']:.1f}% ({r['prev_met']:,}/{r['prev_decided']:,})",
            "prev__v": r["prev_pct_met"], "prev__class": "num",
            "change": Safe(f'<span class="{direction}">{e(change_text(r["change_pts"], r["direction"]))}</span>'),
            "change__v": r["change_pts"], "change__class": "num",
            "note": r["note"] if not assessed else r["rag_reason"],
        })
    return rows


def _scorecard_section(card: pl.DataFrame, heading: str = "Scorecard") -> str:
    prev = card["prev_as_at"].drop_nulls()
    cols = [Col("n", "#", "int"), Col("standard", "Standard", "safe"), Col("target", "Target"),
            Col("floor", "Floor"), Col("met", "Met", "int"), Col("decided", "Decided", "int"),
            Col("pending", "Pending", "int"), Col("pct", "% met", "safe"), Col("rag", "RAG", "safe")]
    if prev.len():
        cols += [Col("prev", f"At {prev[0]:%d/%m/%Y} (met/decided)"), Col("change", "Change (points)", "safe")]
    cols += [Col("note", "Note")]
    compared = (f" ▲ ▼ ▶: change in percentage points since the same audit at {prev[0]:%d/%m/%Y}."
                if prev.len() else "")
    return (f'<section id="scorecard"><h2>{e(heading)}</h2>'
            f'<p class="legend">{e(LEGEND)}.{e(compared)} Bars: % met, with the target (blue) and '
            f"floor (red) marked.</p>"
            + table("scorecard-table", cols, scorecard_rows(card), scroll=False)
            + _summary_chart(card) + "</section>")


def _summary_chart(card: pl.DataFrame) -> str:
    """Horizontal bars of % met per rule, coloured by RAG, with target and floor ticks."""
    rows = list(card.iter_rows(named=True))
    if not rows:
        return ""
    left, right, step, top = 250, 60, 18, 28
    plot = 620
    height = top + step * len(rows) + 26
    width = left + plot + right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="% met by rule against target and floor" '
             'font-family="system-ui, sans-serif" font-size="11">']
    for tick in (0, 25, 50, 75, 100):
        x = left + plot * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 22}" stroke="#dfe3e8"/>'
                     f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#5a5a5a">{tick}%</text>')
    parts.append(f'<text x="{left}" y="14" font-weight="600" fill="#1f4e78">% met by rule</text>'
                 f'<rect x="{left + 120}" y="6" width="2" height="10" fill="#1f4e78"/>'
                 f'<text x="{left + 126}" y="15" fill="#5a5a5a">target</text>'
                 f'<rect x="{left + 170}" y="6" width="2" height="10" fill="#c00000"/>'
                 f'<text x="{left + 176}" y="15" fill="#5a5a5a">floor</text>')
    for i, r in enumerate(rows):
        y = top + i * step
        label = f"{i + 1}. {r['rule_id']}"
        parts.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end" fill="#1b1b1b">{e(label[:40])}</text>')
        tip = (f"{r['title']}: {_pct(r['pct_met'])} ({r['met']:,} of {r['decided']:,} decided), "
               f"target {r['target_pct']:g}%, floor {r['floor_pct']:g}%, {r['rag']}")
        if r["pct_met"] is not None and r["rag"] != NOT_ASSESSED:
            w = plot * max(0.0, min(r["pct_met"], 100.0)) / 100
            colour = BAR_COLOURS.get(r["rag"], "#9aa3ad")
            parts.append(f'<rect class="bar-rect" x="{left}" y="{y + 2}" width="{w:.1f}" height="{step - 5}" '
                         f'fill="{colour}"><title>{e(tip)}</title></rect>'
                         f'<text x="{left + w + 4:.1f}" y="{y + 11}" fill="#1b1b1b">{e(_pct(r["pct_met"]))}</text>')
        else:
            parts.append(f'<text x="{left + 4}" y="{y + 11}" fill="#5a5a5a">{e(r["rag"])}</text>')
        for level, colour in ((r["target_pct"], "#1f4e78"), (r["floor_pct"], "#c00000")):
            x = left + plot * level / 100
            parts.append(f'<rect x="{x - 1:.1f}" y="{y}" width="2" height="{step - 1}" fill="{colour}"/>')
    parts.append("</svg>")
    return (f'<figure class="chart" id="summary-chart">{"".join(parts)}'
            "<figcaption>Each bar: the rule's % met, coloured by its rating; blue tick: target; "
            "red tick: floor. Hover over a bar for the counts.</figcaption></figure>")


# ---------------------------------------------------------------------------------------------
# Team grid and caseloads
# ---------------------------------------------------------------------------------------------
def _grid_section(long: pl.DataFrame, profile: Profile, by: str) -> str:
    groups = sorted(set(long["group"].to_list()))
    cells = {(r["rule_id"], r["group"]): r for r in long.iter_rows(named=True)}
    present = set(long["rule_id"].to_list())
    cols = [Col("n", "#", "int"), Col("standard", "Standard", "safe"), Col("target", "Target"),
            Col("floor", "Floor")] + [Col(f"g{j}", g, "safe") for j, g in enumerate(groups)]
    rows = []
    for n, rule in enumerate(profile.rules, start=1):
        if rule.id not in present:
            continue
        floor = with_floor(rule, profile.amber_margin).floor or 0.0
        row: dict = {"n": n, "standard": Safe(f'{e(rule.title)} <span class="id">{e(rule.id)}</span>'),
                     "standard__v": rule.title, "target": f"{rule.target:g}%", "target__v": rule.target,
                     "floor": f"{floor:g}%", "floor__v": floor}
        for j, g in enumerate(groups):
            c = cells.get((rule.id, g))
            if c is None:
                continue
            decided = c["met"] + c["not_met"]
            row[f"g{j}"] = Safe(f"{e(_pct(c['pct_met'], 0))}<small>{c['met']:,}/{decided:,}</small>")
            row[f"g{j}__v"] = c["pct_met"]
            row[f"g{j}__class"] = f"cell {_rag_class(c['rag'])}"
            row[f"g{j}__title"] = (f"{g} · {rule.id}: {c['met']:,} of {decided:,} decided met, "
                                   f"{c['pending']:,} pending; {c['rag']}"
                                   + (f" ({c['rag_reason']})" if c["rag_reason"] else ""))
        rows.append(row)
    return (f'<section id="grid"><h2>% met by rule and {e(by)}</h2>'
            f'<p class="legend">Each cell is coloured against its rule\'s own target and floor, with met/decided '
            f"beneath. Grey: not rated (fewer than 5 decided). Blank: no cases. Click a heading to sort.</p>"
            + table("grid-table", cols, rows) + "</section>")


_CASELOAD_COLS = [Col("children", "Open children", "int")] + [
    Col(c, label, "int") for c, label in CASELOAD_COHORTS.items()] + [Col("other", "Other", "int")]


def _caseload_section(as_at: dt.date, teams: pl.DataFrame, workers: pl.DataFrame) -> str:
    totals = [Col("pct", "% met (all rules)", "num")]
    team_cols = [Col("group", "Team"), *_CASELOAD_COLS, Col("workers", "Workers with cases", "int"),
                 Col("average_caseload", "Average caseload", "num"), Col("unallocated", "No worker", "int"), *totals]
    worker_cols = [Col("group", "Worker"), *_CASELOAD_COLS, *totals]

    def rows(frame: pl.DataFrame) -> list[dict]:
        out = []
        for r in frame.iter_rows(named=True):
            r = dict(r)
            r["pct"] = _pct(r.get("pct_met"))
            r["pct__v"] = r.get("pct_met")
            out.append(r)
        return out

    return (f'<section id="caseloads"><h2>Caseloads at {e(as_at)}</h2>'
            '<p class="legend">Open children per team and worker by cohort: a child open in two cohorts '
            "counts in each, and once in Open children. Average caseload: the mean number of open children "
            "of the workers holding any in the team. % met: all rules' findings of the team or worker.</p>"
            + table("caseload-teams", team_cols, rows(teams), scroll=False)
            + "<h3>Per worker</h3>"
            + table("caseload-workers", worker_cols, rows(workers), filterable=True, label="workers")
            + "</section>")


# ---------------------------------------------------------------------------------------------
# Lists: exceptions, due soon, data quality
# ---------------------------------------------------------------------------------------------
def _status(rows: list[dict]) -> list[dict]:
    for r in rows:
        r["status"] = STATUS_LABEL.get(r.get("status") or "", r.get("status"))
    return rows


def _exceptions_section(result: AuditResult) -> str:
    from casecheck.views import exceptions

    rows, total = _frame_rows(exceptions(result, include_pending=True))
    cols = [Col("rule_id", "Rule"), Col("child_id", "Child ID"), Col("episode_type", "Cohort"), Col("team", "Team"),
            Col("worker_id", "Worker"), Col("status", "Status"), Col("days_overdue", "Working days overdue", "int"),
            Col("due_date", "Due", "date"), Col("last_event_date", "Last event", "date"),
            Col("closed_date", "Case closed", "date"), Col("detail", "Detail")]
    return ('<section id="exceptions"><h2>Exceptions</h2>'
            '<p class="legend">Not met first, the most working days overdue first; then pending (not yet due). '
            "Type in the box to filter (every word must appear); click a heading to sort.</p>"
            + table("exceptions-table", cols, _status(rows), filterable=True, total=total, label="exceptions")
            + "</section>")


_CHANGE_WORDS = {"new": "New", "resolved": "Resolved", "carried_over": "Carried over"}


def _changes_section(changes: Changes) -> str:
    """Exceptions new, resolved and carried over since the previous period: per rule, then
    every child (carried over first, longest out of timescale first)."""
    summary = changes.summary.filter(pl.sum_horizontal("previous", "current") > 0)
    cols = [Col("rule_id", "Rule"), Col("title", "Standard"), Col("previous", "Exceptions then", "int"),
            Col("current", "Exceptions now", "int"), Col("new", "New", "int"), Col("resolved", "Resolved", "int"),
            Col("carried_over", "Carried over", "int"), Col("three_months_or_more", "Carried over, 3+ month ends", "int")]
    order = pl.col("change").replace_strict({"carried_over": 0, "new": 1, "resolved": 2}, return_dtype=pl.Int8)
    items = changes.items.sort([order, "months_out_of_timescale", "rule_id", "child_id"],
                               descending=[False, True, False, False], nulls_last=True)
    rows, total = _frame_rows(items)
    for r in rows:
        r["change"] = _CHANGE_WORDS.get(r["change"], r["change"])
    item_cols = [Col("rule_id", "Rule"), Col("child_id", "Child ID"), Col("change", "Change"),
                 Col("months_out_of_timescale", "Month ends out of timescale", "int"), Col("team", "Team"),
                 Col("worker_id", "Worker"), Col("due_date", "Due", "date"), Col("days_overdue", "Working days overdue", "int"),
                 Col("resolved_by", "Resolved by"), Col("detail", "Detail")]
    return (f'<section id="changes"><h2>Changes since {e(changes.previous_source)}</h2>'
            '<p class="legend">An exception is a child out of timescale at the period end (for a timescale: due and '
            "not done). Carried over + resolved = the exceptions then; carried over + new = now. Carried over for "
            "three month ends or more: the ones to escalate.</p>"
            + table("changes-summary", cols, summary.to_dicts(), scroll=False)
            + table("changes-table", item_cols, rows, filterable=True, total=total, label="children")
            + "</section>")


def _due_section(due: pl.DataFrame, within: str) -> str:
    rows, total = _frame_rows(due)
    cols = [Col("due_date", "Due", "date"), Col("working_days_to_due", "Working days to due", "int"),
            Col("rule_id", "Rule"), Col("child_id", "Child ID"), Col("episode_type", "Cohort"), Col("team", "Team"),
            Col("worker_id", "Worker"), Col("status", "Status"), Col("last_event_date", "Last event", "date"),
            Col("detail", "Detail")]
    return (f'<section id="due"><h2>Due within {e(within)}, or overdue</h2>'
            '<p class="legend">Negative working days: overdue.</p>'
            + table("due-table", cols, _status(rows), filterable=True, total=total, label="items")
            + "</section>")


def _quality_section(dataset: Dataset) -> str:
    summary = dataset.quality.summary()
    cols = [Col("table", "Table"), Col("file", "File"), Col("rows_read", "Rows read", "int"),
            Col("rows_used", "Rows used", "int"), Col("rows_rejected", "Rows rejected", "int"),
            Col("blanked", "Values blanked", "int")]
    rows, total = _frame_rows(dataset.quality.issues.select("table", "file", "row", "column", "action", "value", "reason"))
    issue_cols = [Col("table", "Table"), Col("file", "File"), Col("row", "Row", "int"), Col("column", "Column"),
                  Col("action", "Action"), Col("value", "Value"), Col("reason", "Reason")]
    issues = (table("issues-table", issue_cols, rows, filterable=True, total=total, label="issues")
              if rows else '<p class="note">Every row was used; no value was blanked.</p>')
    return ('<section id="quality"><h2>Data quality</h2>'
            '<p class="legend">What casecheck made of the extract: every input row is used or listed.</p>'
            + table("quality-table", cols, summary.to_dicts(), scroll=False)
            + "<h3>Rejected rows and blanked values</h3>" + issues + "</section>")


def _about_section(profile: Profile, dataset: Dataset, as_at: dt.date, question: str, command: str | None,
                   compared: dt.date | None, data_label: str) -> str:
    items = []
    for k, v in facts(profile, dataset, as_at, question, command, compared, data_label):
        text = v.strftime("%d/%m/%Y %H:%M") if isinstance(v, dt.datetime) else (f"{v:,}" if isinstance(v, int) else v)
        items.append(f"<dt>{e(k)}</dt><dd>{e(text)}</dd>")
    file_cols = [Col("file", "File (in the extract)"), Col("rows", "Rows read", "int"), Col("sha256", "SHA-256")]
    rules = []
    for rule in (with_floor(r, profile.amber_margin) for r in profile.rules):
        reading = f"<details><summary>reading</summary><p>{e(rule.note)}</p></details>" if rule.note else ""
        rules.append({"rule_id": rule.id, "title": rule.title, "kind": rule.kind, "parameters": rule.parameters(),
                      "numbers": rule.basis_text(),
                      "target": f"{rule.target:g}%", "target__v": rule.target,
                      "floor": f"{rule.floor:g}%", "floor__v": rule.floor,
                      "source": Safe(e(rule.source) + reading), "source__v": rule.source})
    rule_cols = [Col("rule_id", "Rule"), Col("title", "Standard"), Col("kind", "Kind"), Col("parameters", "Parameters"),
                 Col("numbers", "Numbers"), Col("target", "Target"), Col("floor", "Floor"), Col("source", "Source and reading", "safe")]
    return ('<section id="about"><h2>About this report</h2>'
            f'<dl class="facts">{"".join(items)}</dl>'
            "<h3>Input files</h3>" + table("files-table", file_cols, input_files(dataset).to_dicts(), scroll=False)
            + "<h3>Rules</h3>" + table("rules-table", rule_cols, rules, scroll=False) + "</section>")


# ---------------------------------------------------------------------------------------------
# Trend: small multiples
# ---------------------------------------------------------------------------------------------
def _trend_chart(rule_id: str, title: str, months: list[dt.date], values: list[float | None],
                 target: float, floor: float) -> str:
    """One rule's % met at each month end, with its target and floor as dashed lines."""
    w, h, left, right, top, bottom = 300, 150, 34, 8, 8, 30
    known = [v for v in values if v is not None]
    low = max(0.0, (min([*known, floor]) // 10) * 10 - 10)
    span = 100 - low or 1

    def x(i: int) -> float:
        return left + (w - left - right) * (i / max(1, len(months) - 1))

    def y(v: float) -> float:
        return top + (h - top - bottom) * (100 - v) / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{e(rule_id)}: % met at each month end" font-family="system-ui, sans-serif" font-size="9">']
    for v in (low, (low + 100) / 2, 100):
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e8ec"/>'
                     f'<text x="{left - 3}" y="{y(v) + 3:.1f}" text-anchor="end" fill="#5a5a5a">{v:.0f}%</text>')
    for level, colour in ((target, "#1f4e78"), (floor, "#c00000")):
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="{colour}" '
                     'stroke-dasharray="4 3" stroke-width="1.2"/>')
    every = max(1, len(months) // 6)
    labelled = set(range(0, len(months), every))
    if len(months) - 1 - max(labelled) >= every:
        labelled.add(len(months) - 1)
    for i, m in enumerate(months):
        if i in labelled:
            parts.append(f'<text x="{x(i):.1f}" y="{h - bottom + 13}" text-anchor="middle" fill="#5a5a5a">'
                         f"{m:%b %y}</text>")
    segment: list[str] = []
    lines = []
    for i, v in enumerate(values):
        if v is None:
            if len(segment) > 1:
                lines.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(v):.1f}")
    if len(segment) > 1:
        lines.append(segment)
    for seg in lines:
        parts.append(f'<polyline class="trend-line" fill="none" stroke="#1b1b1b" stroke-width="1.8" points="{" ".join(seg)}"/>')
    for i, v in enumerate(values):
        if v is not None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.6" fill="#1b1b1b">'
                         f"<title>{e(f'{months[i]:%b %Y}: {v:.1f}%')}</title></circle>")
    parts.append("</svg>")
    return (f'<figure class="small-multiple"><figcaption><strong>{e(rule_id)}</strong> · {e(title)} '
            f"(target {target:g}%, floor {floor:g}%)</figcaption>{''.join(parts)}</figure>")


def _trend_section(trend: pl.DataFrame, profile: Profile) -> str:
    months = sorted(trend["month_end"].unique().to_list())
    cells = {(r["rule_id"], r["month_end"]): r for r in trend.iter_rows(named=True)}
    charts, rows = [], []
    for n, rule in enumerate(profile.rules, start=1):
        rule = with_floor(rule, profile.amber_margin)
        series = [cells.get((rule.id, m)) for m in months]
        values = [None if c is None or c["rag"] == NOT_ASSESSED else c["pct_met"] for c in series]
        if any(v is not None for v in values):
            charts.append(_trend_chart(rule.id, rule.title, months, values, rule.target, rule.floor or 0.0))
        row: dict = {"n": n, "rule": rule.id, "target": f"{rule.target:g}%", "target__v": rule.target}
        for j, c in enumerate(series):
            if c is None or c["rag"] == NOT_ASSESSED:
                continue
            decided = c["met"] + c["not_met"]
            row[f"m{j}"] = Safe(f"{e(_pct(c['pct_met'], 0))}<small>{c['met']:,}/{decided:,}</small>")
            row[f"m{j}__v"] = c["pct_met"]
            row[f"m{j}__class"] = f"cell {_rag_class(c['rag'])}"
        rows.append(row)
    cols = [Col("n", "#", "int"), Col("rule", "Rule"), Col("target", "Target")]
    cols += [Col(f"m{j}", f"{m:%b %Y}", "safe") for j, m in enumerate(months)]
    missing = len(profile.rules) - len(charts)
    return ('<section id="trend"><h2>Trend: % met at each month end</h2>'
            '<p class="legend">One chart per rule: solid line % met; dashed: target (blue) and floor (red). '
            "Timescale rules count the cases that fell due in each month."
            + (f" {missing} rule(s) with no decided case in any month have no chart." if missing else "") + "</p>"
            f'<div class="multiples">{"".join(charts)}</div>'
            "<h3>The figures</h3>" + table("trend-table", cols, rows) + "</section>")


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------
def _banner(pseudonymised: bool, ids: bool = True) -> str:
    if not ids:
        return "Counts only: no child or worker ids. Open offline; this file makes no network requests."
    if pseudonymised:
        return ("Child and worker ids are pseudonymised (keyed hashes): still personal data under UK GDPR; "
                "share only as your data protection policy allows.")
    return ("Contains children's personal data (child and worker ids): keep it on your authority's systems and "
            "share it only as your data protection policy allows.")


def render_page(title: str, heading: str, subtitle: list[str], sections: list[tuple[str, str, str]],
                banner: str) -> str:
    """The whole page: ``sections`` as (id, contents label, html)."""
    template = Template(files("casecheck").joinpath("templates/report.html").read_text(encoding="utf-8"))
    nav = "".join(f'<a href="#{e(sid)}">{e(label)}</a>' for sid, label, _ in sections)
    return template.substitute(
        version=e(__version__),
        title=e(title),
        heading=e(heading),
        subtitle="".join(f"<p>{e(line)}</p>" for line in subtitle if line),
        banner=e(banner),
        nav=nav,
        sections="\n".join(body for _, _, body in sections),
        footer=e(f"casecheck {__version__} · generated {dt.datetime.now():%d/%m/%Y %H:%M} · "
                 "one self-contained file: no network requests, no external fonts, scripts or images"),
    )


def _write(path: str | Path, text: str, protected: Iterable[Path]) -> Path:
    data = text.encode("utf-8")
    return atomic_write(Path(path), lambda p: p.write_bytes(data), protected)


def write_audit_html(
    path: str | Path,
    result: AuditResult,
    dataset: Dataset,
    *,
    card: pl.DataFrame | None = None,
    due: pl.DataFrame | None = None,
    due_within: str = "5wd",
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
    pseudonymised: bool = False,
    changes: Changes | None = None,
) -> Path:
    """The audit as one self-contained HTML file (atomically; never over an input file);
    ``changes`` adds the exceptions new, resolved and carried over since the previous period."""
    from casecheck.views import breakdown, caseloads, due_soon, with_totals

    card = scorecard(result) if card is None else card
    due = due_soon(result, due_within) if due is None else due
    p = result.profile
    prev = card["prev_as_at"].drop_nulls()
    compared = prev[0] if prev.len() else None
    long = breakdown(result, dataset, "team")
    loads = {by: with_totals(caseloads(dataset, result.as_at, by), breakdown(result, dataset, by))
             for by in ("team", "worker")}
    sections = [
        ("scorecard", "Scorecard", _scorecard_section(card)),
        ("grid", "By team", _grid_section(long, p, "team")),
        ("caseloads", "Caseloads", _caseload_section(result.as_at, loads["team"], loads["worker"])),
        *([("changes", "Changes", _changes_section(changes))] if changes is not None else []),
        ("exceptions", "Exceptions", _exceptions_section(result)),
        ("due", "Due soon", _due_section(due, due_within)),
        ("quality", "Data quality", _quality_section(dataset)),
        ("about", "About", _about_section(p, dataset, result.as_at, period_line(result), command, compared, data_label)),
    ]
    subtitle = [f"Audit date {result.as_at:%d/%m/%Y} · {period_line(result)}"
                + (f" · compared with {compared:%d/%m/%Y}" if compared else "") + (f" · {data_label}" if data_label else ""),
                p.cited]
    text = render_page(f"{p.authority}: practice standards audit {result.as_at:%d/%m/%Y}",
                       f"{p.authority}: practice standards scorecard", subtitle, sections, _banner(pseudonymised))
    return _write(path, text, protected)


def write_trend_html(
    path: str | Path,
    trend: pl.DataFrame,
    profile: Profile,
    dataset: Dataset,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
    pseudonymised: bool = False,
) -> Path:
    """The trend as one self-contained HTML file: the last month's scorecard against the month
    before, one small chart per rule, the table and the About facts."""
    months = sorted(trend["month_end"].unique().to_list())
    last = months[-1]
    before = months[-2] if len(months) > 1 else None
    card = score(trend.filter(pl.col("month_end") == last), profile,
                 trend.filter(pl.col("month_end") == before) if before else None, before)
    question = f"point in time at each month end, {months[0]:%d/%m/%Y} to {last:%d/%m/%Y}"
    sections = [
        ("scorecard", "Scorecard", _scorecard_section(card, f"Scorecard at {last:%d/%m/%Y}")),
        ("trend", "Trend", _trend_section(trend, profile)),
        ("quality", "Data quality", _quality_section(dataset)),
        ("about", "About", _about_section(profile, dataset, last, question, command, before, data_label)),
    ]
    subtitle = [f"Month ends {months[0]:%B %Y} to {last:%B %Y}" + (f" · {data_label}" if data_label else ""),
                profile.cited]
    text = render_page(f"{profile.authority}: practice standards trend to {last:%d/%m/%Y}",
                       f"{profile.authority}: practice standards trend", subtitle, sections,
                       _banner(pseudonymised, ids=not dataset.quality.issues.is_empty()))
    return _write(path, text, protected)


def write_child_html(
    path: str | Path,
    result: AuditResult,
    timeline: pl.DataFrame,
    child_id: str,
    dataset: Dataset,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
    chronology: pl.DataFrame | None = None,
) -> Path:
    """One child's explanation (``audit --child``): each rule's verdict, its detail, and the
    timeline behind it (anchor, every qualifying event, every gap and its due date); with
    ``chronology``, every event of the child across the tables, oldest first."""
    p = result.profile
    titles = {r.id: r.title for r in p.rules}
    blocks = []
    step_cols = [Col("step", "#", "int"), Col("from_date", "From", "date"), Col("to_date", "To", "date"),
                 Col("gap_days", "Days", "int"), Col("due_date", "Due by", "date"), Col("late", "On time?", "safe"),
                 Col("what", "Event")]
    for i, f in enumerate(result.findings.iter_rows(named=True)):
        status = STATUS_LABEL.get(f["status"], f["status"])
        rag = {"met": "green", "not_met": "red", "pending": "amber"}.get(f["status"], "")
        steps = timeline.filter((pl.col("rule_id") == f["rule_id"]) & (pl.col("anchor_date") == f["anchor_date"]))
        rows = []
        for s in steps.iter_rows(named=True):
            s = dict(s)
            s["late"] = Safe('<span class="rag rag-red">late</span>' if s["late"] else '<span class="rag rag-green">ok</span>')
            rows.append(s)
        blocks.append(
            f'<h3><span class="rag {_rag_class(rag)}">{e(status)}</span> {e(titles.get(f["rule_id"], ""))} '
            f'<span class="id">{e(f["rule_id"])}</span></h3>'
            f'<p>{e(f["detail"])}</p><p class="note">Cohort {e(f["episode_type"])} · anchor {e(f["anchor_date"])} · '
            f'due {e(f["due_date"])} · team {e(f["team"])} · worker {e(f["worker_id"])}</p>'
            + (table(f"timeline-{i}", step_cols, rows, scroll=False) if rows else "")
        )
    if not blocks:
        blocks.append('<p class="note">No rule applies to this child at the audit date.</p>')
    for rid, needs in result.not_assessed.items():
        blocks.append(f'<p class="note">{e(rid)}: not assessed (needs: {e(", ".join(needs))})</p>')
    sections = [
        ("child", f"Child {child_id}", f'<section id="child"><h2>Child {e(child_id)}</h2>{"".join(blocks)}</section>'),
        *([("chronology", "Chronology", _chronology_section(chronology))] if chronology is not None else []),
        ("about", "About", _about_section(p, dataset, result.as_at, period_line(result), command, None, data_label)),
    ]
    text = render_page(f"Child {child_id}: {p.authority} practice standards", f"Child {child_id}: the verdict behind each standard",
                       [f"Audit date {result.as_at:%d/%m/%Y} · {period_line(result)} · profile {p.id}"], sections,
                       _banner(False))
    return _write(path, text, protected)


def _chronology_section(chronology: pl.DataFrame) -> str:
    cols = [Col("date", "Date", "date"), Col("event", "Event"), Col("detail", "Detail")]
    return ('<section id="chronology"><h2>Chronology</h2>'
            '<p class="legend">Every recorded event of the child across the extract\'s tables, oldest first.</p>'
            + table("chronology-table", cols, chronology.to_dicts(), filterable=True, label="events")
            + "</section>")


def write_dip_sample_html(
    path: str | Path,
    sample: DipSample,
    profile: Profile,
    dataset: Dataset,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
    pseudonymised: bool = False,
) -> Path:
    """A dip sample as one self-contained HTML file: the sampled children with every rule's
    verdict, each group's count, and About (seed and options)."""
    titles = {r.id: r.title for r in profile.rules}
    options = sample.options
    case_cols = [Col("group", sample.per.capitalize()), Col("child_id", "Child ID"), Col("worker_id", "Worker"),
                 Col("episode_type", "Cohort"), Col("open_since", "Open since", "date"),
                 Col("open_episodes", "Open episodes"), Col("rules_not_met", "Rules not met", "int")]
    verdicts = sample.verdicts.with_columns(
        title=pl.col("rule_id").replace_strict(titles, default=None, return_dtype=pl.String))
    verdict_cols = [Col("child_id", "Child ID"), Col("rule_id", "Rule"), Col("title", "Standard"),
                    Col("status", "Verdict"), Col("due_date", "Due", "date"),
                    Col("days_overdue", "Working days overdue", "int"), Col("detail", "Detail")]
    group_cols = [Col("group", sample.per.capitalize()), Col("open_cases", "Open cases", "int"),
                  Col("sampled", "Drawn", "int"), Col("note", "Note")]
    sections = [
        ("sample", "Sample", '<section id="sample"><h2>Sampled cases</h2>'
         f'<p class="legend">{e(options)}. The same seed on the same extract gives the same children.</p>'
         + table("sample-table", case_cols, sample.cases.to_dicts(), filterable=True, label="cases") + "</section>"),
        ("verdicts", "Verdicts", '<section id="verdicts"><h2>Each sampled child\'s verdicts</h2>'
         + table("verdict-table", verdict_cols, _status(verdicts.to_dicts()), filterable=True, label="verdicts")
         + "</section>"),
        ("groups", "Groups", f'<section id="groups"><h2>Open cases per {e(sample.per)}</h2>'
         + table("group-table", group_cols, sample.groups.to_dicts(), scroll=False) + "</section>"),
        ("about", "About", _about_section(profile, dataset, sample.as_at, f"dip sample: {options}", command, None,
                                          data_label)),
    ]
    text = render_page(f"{profile.authority}: dip sample {sample.as_at:%d/%m/%Y}",
                       f"{profile.authority}: dip sample for practice audits",
                       [f"Open cases at {sample.as_at:%d/%m/%Y} · {options}" + (f" · {data_label}" if data_label else "")],
                       sections, _banner(pseudonymised))
    return _write(path, text, protected)
