"""The audit workbook: what a manager opens before the performance meeting.

Sheets: *Summary* (one row per rule, red/amber/green, a bar chart of % met), *By team* (rules x
teams, colour scale), one exceptions sheet per rule that has any, *Due soon*, *Data quality*,
*About*; and *Trend* (with a line chart) for monthly trends.

Every text cell is written as a string, never as a formula (``strings_to_formulas`` is off and
each value goes through ``write_string``), dates are real Excel dates, header rows are frozen and
filterable, and the file is written atomically and never over an input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from casecheck import __version__
from casecheck.dataset import Dataset
from casecheck.engine import AuditResult
from casecheck.report import atomic_write
from casecheck.standards import Profile

#: Excel's serial number of 1970-01-01 (day 0 of Polars dates) in the 1900 date system
EXCEL_DAY_ZERO = 25569
EXCEL_MAX_ROWS = 1_048_576
RAG_COLOURS = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
    "not assessed": ("#EDEDED", "#595959"),
    "n/a": ("#EDEDED", "#595959"),
}
STATUS_LABEL = {"met": "Met", "not_met": "Not met", "pending": "Pending"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class _Book:
    """An xlsxwriter workbook with casecheck's formats and a table writer."""

    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": True,
                "default_date_format": "dd/mm/yyyy",
            },
        )
        wb = self.wb
        self.names: set[str] = set()
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#595959"})
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True,
             "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        )
        self.date = wb.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.int = wb.add_format({"num_format": "#,##0"})
        self.text = wb.add_format({})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.key = wb.add_format({"bold": True, "valign": "top"})
        self.rag = {
            k: wb.add_format({"bg_color": bg, "font_color": fg, "bold": True})
            for k, (bg, fg) in RAG_COLOURS.items()
        }

    def sheet(self, name: str) -> Worksheet:
        """A worksheet with a valid, unique name (31 characters at most, no []:*?/\\)."""
        base = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
        candidate, n = base, 2
        while candidate.lower() in self.names:
            suffix = f" ({n})"
            candidate = base[: 31 - len(suffix)] + suffix
            n += 1
        self.names.add(candidate.lower())
        ws = self.wb.add_worksheet(candidate)
        # print (and PDF) on A4 landscape, one page wide, so a manager can print it as it is
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        return ws

    def write_table(
        self,
        ws: Worksheet,
        frame: pl.DataFrame,
        first_row: int = 0,
        headers: dict[str, str] | None = None,
        pct_columns: Iterable[str] = (),
        widths: dict[str, float] | None = None,
        freeze: bool = True,
        autofilter: bool = True,
    ) -> int:
        """Write a frame as a header row plus rows; returns the number of data rows written."""
        headers = headers or {}
        pct_columns = set(pct_columns)
        room = EXCEL_MAX_ROWS - first_row - 2
        truncated = frame.height > room
        frame = frame.head(room)
        cols = frame.columns
        for j, col in enumerate(cols):
            ws.write_string(first_row, j, headers.get(col, col), self.header)
        # Each column is converted once to the values and the writer its cells take (dates as
        # Excel serial numbers in the date format, as write_datetime would store them):
        # a large authority's exception sheets hold hundreds of thousands of rows.
        columns: list[list] = []
        writers: list[tuple] = []
        for col in cols:
            s, dtype = frame[col], frame.schema[col]
            if col in pct_columns:  # (divided in Python: Polars' s / 100 can differ in the last bit)
                values, write, fmt = [None if v is None else v / 100 for v in s.to_list()], ws.write_number, self.pct
            elif dtype == pl.Date:
                serials = (s.cast(pl.Int32) + EXCEL_DAY_ZERO).cast(pl.Float64)
                values, write, fmt = serials.to_list(), ws.write_number, self.date
            elif isinstance(dtype, pl.Datetime):
                values, write, fmt = s.to_list(), ws.write_datetime, self.date
            elif dtype == pl.Boolean:
                yes_no = s.replace_strict({True: "Yes", False: "No"}, return_dtype=pl.String)
                values, write, fmt = yes_no.to_list(), ws.write_string, None
            elif dtype.is_numeric():
                values, write, fmt = s.to_list(), ws.write_number, self.int if dtype.is_integer() else None
            else:
                values, write, fmt = s.cast(pl.String).to_list(), ws.write_string, None
            columns.append(values)
            writers.append((write, fmt))
        for i, row in enumerate(zip(*columns, strict=True), start=first_row + 1):
            for j, value in enumerate(row):
                if value is not None:
                    write, fmt = writers[j]
                    write(i, j, value, fmt)
        if truncated:
            ws.write_string(first_row + room + 1, 0, f"(truncated at Excel's row limit; {room:,} rows shown)")
        last = first_row + frame.height
        if autofilter and cols:
            ws.autofilter(first_row, 0, max(last, first_row), len(cols) - 1)
        if freeze:
            ws.freeze_panes(first_row + 1, 0)
        self.set_widths(ws, frame, headers, widths or {})
        return frame.height

    @staticmethod
    def set_widths(ws: Worksheet, frame: pl.DataFrame, headers: dict[str, str], fixed: dict[str, float]) -> None:
        sample = frame.head(2000)
        for j, col in enumerate(frame.columns):
            if col in fixed:
                ws.set_column(j, j, fixed[col])
                continue
            dtype = frame.schema[col]
            if dtype == pl.Date:
                width = 11.0
            else:
                lengths = sample[col].cast(pl.String).str.len_chars().max() if sample.height else 0
                width = float(lengths or 0) + 2
            width = max(width, min(len(headers.get(col, col)), 24) + 2)
            ws.set_column(j, j, min(width, 60))

    def close(self) -> None:
        self.wb.close()


# ---------------------------------------------------------------------------------------------
def _summary_sheet(book: _Book, result: AuditResult, data_label: str) -> None:
    ws = book.sheet("Summary")
    p = result.profile
    ws.write_string(0, 0, f"{p.authority}: {p.title}", book.title)
    ws.write_string(1, 0, f"Audit date {result.as_at:%d/%m/%Y} · {result.question} · {data_label}", book.subtitle)
    frame = result.summary.select(
        "rule_id", "title", "kind", "in_scope", "met", "not_met", "pending", "pct_met", "target_pct", "rag", "note"
    )
    headers = {"rule_id": "Rule", "title": "Standard", "kind": "Kind", "in_scope": "In scope", "met": "Met",
               "not_met": "Not met", "pending": "Pending", "pct_met": "% met", "target_pct": "Target",
               "rag": "RAG", "note": "Note"}
    top = 3
    n = book.write_table(ws, frame, top, headers, pct_columns=("pct_met", "target_pct"),
                         widths={"title": 80, "rag": 13, "note": 34, "kind": 11})
    rag_col = frame.columns.index("rag")
    for value, fmt in book.rag.items():
        ws.conditional_format(top + 1, rag_col, top + n, rag_col,
                              {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": fmt})
    pct_col = frame.columns.index("pct_met")
    if n:
        ws.conditional_format(top + 1, pct_col, top + n, pct_col,
                              {"type": "data_bar", "bar_color": "#9BC2E6", "bar_solid": True,
                               "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 1})
        chart = book.wb.add_chart({"type": "bar"})
        bar_colours = {"green": "#63BE7B", "amber": "#FFC000", "red": "#E46C6C"}
        points = [{"fill": {"color": bar_colours.get(rag, "#BFBFBF")}} for rag in frame["rag"].to_list()]
        chart.add_series({
            "name": "% met (coloured by RAG against each rule's target)",
            "categories": ["Summary", top + 1, 0, top + n, 0],
            "values": ["Summary", top + 1, pct_col, top + n, pct_col],
            "points": points,
            "gap": 40,
            "data_labels": {"value": True, "num_format": "0%", "font": {"size": 8}},
        })
        chart.set_title({"name": "% met by rule"})
        chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": max(320, 22 * n + 80)})
        ws.insert_chart(top, len(frame.columns) + 1, chart)


def _by_team_sheet(book: _Book, result: AuditResult, dataset: Dataset) -> None:
    from casecheck.views import breakdown

    long = breakdown(result, dataset, "team")
    ws = book.sheet("By team")
    ws.write_string(0, 0, "% met by rule and team (blank: no children in scope)", book.title)
    if long.is_empty():
        ws.write_string(2, 0, "No findings.")
        return
    teams = sorted(long["group"].unique().to_list())
    wide = long.pivot(on="group", index="rule_id", values="pct_met").select(["rule_id", *teams])
    order = [r.id for r in result.profile.rules]
    wide = wide.with_columns(o=pl.col("rule_id").replace_strict(order, list(range(len(order))), default=len(order))).sort("o").drop("o")
    titles = {r.id: r.target for r in result.profile.rules}
    wide = wide.with_columns(target=pl.col("rule_id").replace_strict(titles, default=None, return_dtype=pl.Float64))
    wide = wide.select(["rule_id", "target", *teams])
    top = 2
    n = book.write_table(ws, wide, top, {"rule_id": "Rule", "target": "Target"},
                         pct_columns=["target", *teams], widths={t: max(12, min(len(t) + 2, 24)) for t in teams})
    if n and teams:
        ws.conditional_format(top + 1, 2, top + n, 1 + len(teams), {
            "type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B",
            "min_type": "num", "min_value": 0.5, "mid_type": "num", "mid_value": 0.8,
            "max_type": "num", "max_value": 1,
        })


_EXC_HEADERS = {"status": "Status", "child_id": "Child ID", "episode_type": "Cohort", "team": "Team",
                "worker_id": "Worker", "days_overdue": "Working days overdue", "due_date": "Due date",
                "last_event_date": "Last event", "anchor_date": "Anchor date",
                "closed_date": "Case closed (blank: open)", "detail": "Detail"}


def _exception_sheets(book: _Book, result: AuditResult) -> None:
    from casecheck.views import exceptions

    exc = exceptions(result, include_pending=True)
    if exc.is_empty():
        return
    for rule in result.profile.rules:
        sub = exc.filter(pl.col("rule_id") == rule.id)
        if sub.is_empty():
            continue
        ws = book.sheet(rule.id)
        ws.write_string(0, 0, f"{rule.id}: {rule.title}", book.title)
        ws.write_string(1, 0, f"{rule.parameters()} · source: {rule.source} · open cases first", book.subtitle)
        frame = sub.select(list(_EXC_HEADERS)).with_columns(
            pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status"))
        )
        book.write_table(ws, frame, 3, _EXC_HEADERS, widths={"detail": 90})


def _due_sheet(book: _Book, due: pl.DataFrame, within: str) -> None:
    ws = book.sheet("Due soon")
    ws.write_string(0, 0, f"Due within {within} of the audit date, or overdue (negative = working days overdue)", book.title)
    headers = {"due_date": "Due date", "working_days_to_due": "Working days to due", "rule_id": "Rule",
               "title": "Standard", "child_id": "Child ID", "episode_type": "Cohort", "team": "Team",
               "worker_id": "Worker", "status": "Status", "last_event_date": "Last event", "detail": "Detail"}
    frame = due.with_columns(pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status")))
    book.write_table(ws, frame, 2, headers, widths={"title": 50, "detail": 90})


def _quality_sheet(book: _Book, dataset: Dataset) -> None:
    ws = book.sheet("Data quality")
    ws.write_string(0, 0, "What casecheck made of the extract: every input row is used or listed below", book.title)
    summary = dataset.quality.summary()
    headers = {"table": "Table", "file": "File", "rows_read": "Rows read", "rows_used": "Rows used",
               "rows_rejected": "Rows rejected", "blanked": "Values blanked"}
    n = book.write_table(ws, summary, 2, headers, freeze=False, autofilter=False)
    start = 2 + n + 3
    ws.write_string(start - 1, 0, "Rejected rows and blanked values", book.key)
    issues = dataset.quality.issues.select("table", "file", "row", "column", "value", "reason", "action")
    book.write_table(ws, issues, start, {"table": "Table", "file": "File", "row": "Row", "column": "Column",
                                         "value": "Value", "reason": "Reason", "action": "Action"},
                     widths={"reason": 70, "value": 40}, freeze=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _about_sheet(book: _Book, profile: Profile, dataset: Dataset, as_at: dt.date, question: str,
                 command: str | None, period: str = "") -> None:
    from casecheck.views import latest_record, stale_note

    ws = book.sheet("About")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 100)
    ws.write_string(0, 0, "About this audit", book.title)
    latest = latest_record(dataset)
    stale = stale_note(latest, as_at)
    rows = [
        ("Audit date", as_at.strftime("%d/%m/%Y")),
        ("Reporting period", period),
        ("Question", question),
        ("Latest record", (latest.strftime("%d/%m/%Y") if latest else "(not known)")
         + (f". Warning: {stale}" if stale else "")),
        ("Standards profile", f"{profile.id}: {profile.authority}, {profile.title}"),
        ("Profile document", profile.document),
        ("Profile file", str(profile.path or "")),
        ("Input", str(dataset.path or "")),
        ("Source format", dataset.source),
        ("casecheck version", __version__),
        ("Command line", command or " ".join(sys.argv)),
        ("Generated", dt.datetime.now().strftime("%d/%m/%Y %H:%M")),
        ("Working days", "Monday to Friday except England bank holidays"
         + (f" and local closure days {', '.join(map(str, profile.closure_days))}" if profile.closure_days else "")),
        ("Data", "Children's personal data: handle under your authority's data protection policy."),
    ]
    for i, (k, v) in enumerate(rows, start=2):
        ws.write_string(i, 0, k, book.key)
        ws.write_string(i, 1, v, book.wrap)
    r = len(rows) + 3
    ws.write_string(r, 0, "Input files", book.key)
    rows_by_file = {rep.file: rep.rows_read for rep in dataset.quality.reports.values()}
    files = pl.DataFrame(
        {
            "file": [str(p) for p in dataset.files],
            "rows": [sum(n for f, n in rows_by_file.items() if f == p.name or f.startswith(f"{p.name} [")) for p in dataset.files],
            "sha256": [_sha256(p) for p in dataset.files],
        },
        schema={"file": pl.String, "rows": pl.Int64, "sha256": pl.String},
    )
    n = book.write_table(ws, files, r + 1, {"file": "File", "rows": "Rows read", "sha256": "SHA-256"},
                         freeze=False, autofilter=False, widths={"file": 26, "sha256": 100})
    r = r + n + 4
    ws.write_string(r, 0, "Rules", book.key)
    rules = pl.DataFrame(
        {
            "rule_id": [x.id for x in profile.rules],
            "parameters": [f"{x.title} — {x.kind}: {x.parameters()}; target {x.target:g}%" for x in profile.rules],
            "source": [x.source + (f" Note: {x.note}" if x.note else "") for x in profile.rules],
        }
    )
    book.write_table(ws, rules.select("rule_id", "parameters"), r + 1, {"rule_id": "Rule", "parameters": "Parameters"},
                     freeze=False, autofilter=False, widths={"rule_id": 26, "parameters": 100})
    r = r + rules.height + 4
    book.write_table(ws, rules.select("rule_id", "source"), r, {"rule_id": "Rule", "source": "Source and reading"},
                     freeze=False, autofilter=False, widths={"rule_id": 26, "source": 100})


def _trend_sheet(book: _Book, trend: pl.DataFrame, profile: Profile) -> None:
    ws = book.sheet("Trend")
    ws.write_string(0, 0, "% met per rule at each month end", book.title)
    months = sorted(trend["month_end"].unique().to_list())
    labels = [m.strftime("%b %Y") for m in months]
    wide = (
        trend.with_columns(month=pl.col("month_end").dt.strftime("%b %Y"))
        .pivot(on="month", index="rule_id", values="pct_met")
    )
    order = [r.id for r in profile.rules]
    wide = wide.with_columns(o=pl.col("rule_id").replace_strict(order, list(range(len(order))), default=len(order)))
    wide = wide.sort("o").drop("o").select(["rule_id", *labels])
    top = 2
    n = book.write_table(ws, wide, top, {"rule_id": "Rule"}, pct_columns=labels,
                         widths={m: 10 for m in labels})
    if not n or not labels:
        return
    chart = book.wb.add_chart({"type": "line"})
    for i in range(n):
        chart.add_series({
            "name": ["Trend", top + 1 + i, 0],
            "categories": ["Trend", top, 1, top, len(labels)],
            "values": ["Trend", top + 1 + i, 1, top + 1 + i, len(labels)],
            "marker": {"type": "circle", "size": 4},
        })
    chart.set_title({"name": "% met by month end"})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 900, "height": 480})
    ws.insert_chart(top + n + 2, 0, chart)


def write_audit_workbook(
    path: str | Path,
    result: AuditResult,
    dataset: Dataset,
    *,
    due: pl.DataFrame | None = None,
    due_within: str = "5wd",
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> Path:
    """Write the audit workbook (atomically; never over an input file)."""
    from casecheck.views import due_soon

    if due is None:
        due = due_soon(result, due_within)

    def write(tmp: Path) -> None:
        book = _Book(tmp)
        _summary_sheet(book, result, data_label or str(dataset.path or ""))
        _by_team_sheet(book, result, dataset)
        _exception_sheets(book, result)
        _due_sheet(book, due, due_within)
        _quality_sheet(book, dataset)
        _about_sheet(book, result.profile, dataset, result.as_at, result.question, command,
                     result.period.label if result.period else "")
        book.close()

    return atomic_write(Path(path), write, protected)


def write_trend_workbook(
    path: str | Path,
    trend: pl.DataFrame,
    profile: Profile,
    dataset: Dataset,
    *,
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> Path:
    """Write the trend workbook: the Trend sheet with its line chart, and About."""
    ends = trend["month_end"]

    def write(tmp: Path) -> None:
        book = _Book(tmp)
        _trend_sheet(book, trend, profile)
        _quality_sheet(book, dataset)
        first, last = ends.min(), ends.max()
        question = ("at each month end: frequency, recency and presence rules in date at the month end; "
                    "timescale rules decided in the month")
        period = f"{first:%B %Y} to {last:%B %Y}"  # type: ignore[union-attr]
        _about_sheet(book, profile, dataset, last, question, command, period)  # type: ignore[arg-type]
        book.close()

    return atomic_write(Path(path), write, protected)
