"""The audit workbook: what a manager opens, or prints, before the performance meeting.

Sheets: *Summary* (the scorecard, and below it a chart of % met against target; one A4
landscape page), *By team* (rules x teams coloured against each rule's own target and floor,
with counts, and each team's caseload), *Caseloads*, one exceptions sheet per rule that has any,
*Due soon*, *Data quality*, *About*; and for monthly trends *Trend* (the table) and *Trend
charts* (one small chart per rule with its target and floor).

Every text cell is written as a string, never as a formula (``strings_to_formulas`` is off and
each value goes through ``write_string``), dates are real Excel dates, header rows are frozen,
filterable and repeated on every printed page, and the file is written atomically and never over
an input. :func:`write_team_workbooks` writes one workbook per team (its own children only) with
the authority's figures beside the team's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from casecheck import words
from casecheck.about import facts, input_files
from casecheck.changes import Changes
from casecheck.dataset import Dataset
from casecheck.dip_sample import GRADES, DipSample
from casecheck.engine import AuditResult
from casecheck.errors import UsageError
from casecheck.outputs import atomic_write, scratch_dir
from casecheck.report import change_text
from casecheck.scorecards import LEGEND, NOT_ASSESSED, period_line, scorecard
from casecheck.standards import Profile, with_floor
from casecheck.views import CASELOAD_COHORTS

#: Excel's serial number of 1970-01-01 (day 0 of Polars dates) in the 1900 date system
EXCEL_DAY_ZERO = 25569
EXCEL_MAX_ROWS = 1_048_576
RAG_COLOURS = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
    "not rated": ("#EDEDED", "#595959"),
    "not assessed": ("#EDEDED", "#595959"),
    "n/a": ("#EDEDED", "#595959"),
}
BAR_COLOURS = {"green": "#63BE7B", "amber": "#FFC000", "red": "#E46C6C"}
STATUS_LABEL = {"met": "Met", "not_met": "Not met", "pending": "Pending"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class _Book:
    """An xlsxwriter workbook with casecheck's formats and a table writer."""

    def __init__(self, path: Path, tmpdir: Path) -> None:
        # xlsxwriter's own temporary files (rows, and each part before it is zipped) go in
        # ``tmpdir``, a private folder the caller removes whatever happens: never in /tmp
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "tmpdir": str(tmpdir),
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": True,
                "default_date_format": "dd/mm/yyyy",
            },
        )
        wb = self.wb
        self.names: set[str] = set()
        self.widths: dict[str, dict[int, float]] = {}
        self._formats: dict[tuple, object] = {}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#595959"})
        self.small = wb.add_format({"font_size": 8, "font_color": "#595959"})
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True,
             "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        )
        self.date = wb.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
        self.datetime = wb.add_format({"num_format": "dd/mm/yyyy hh:mm", "align": "left"})
        self.pct = wb.add_format({"num_format": "0.0%"})
        self.int = wb.add_format({"num_format": "#,##0"})
        self.dec = wb.add_format({"num_format": "#,##0.0"})
        self.int_left = wb.add_format({"num_format": "#,##0", "align": "left"})
        self.text = wb.add_format({})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.key = wb.add_format({"bold": True, "valign": "top"})
        self.rag = {
            k: wb.add_format({"bg_color": bg, "font_color": fg, "bold": True})
            for k, (bg, fg) in RAG_COLOURS.items()
        }

    def top(self, base: object, text_wrap: bool = False) -> object:
        """``base`` (one of this book's formats, or None) aligned to the top, optionally wrapped."""
        number = {self.date: "dd/mm/yyyy", self.datetime: "dd/mm/yyyy hh:mm", self.pct: "0.0%",
                  self.int: "#,##0", self.dec: "#,##0.0"}.get(base)  # type: ignore[call-overload]
        props: dict = {"valign": "top", **({"num_format": number} if number else {})}
        if base is self.date or base is self.datetime:
            props["align"] = "left"
        if text_wrap:
            props["text_wrap"] = True
        return self.fmt(**props)

    def fmt(self, **props) -> object:
        """A format with these properties (one per distinct set: Excel's limit is 64,000)."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, name: str, repeat: int | None = None) -> Worksheet:
        """A worksheet with a valid, unique name (31 characters at most, no []:*?/\\), set to print
        on A4 landscape one page wide, with the sheet's name and page numbers in the footer."""
        base = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
        candidate, n = base, 2
        while candidate.lower() in self.names:
            suffix = f" ({n})"
            candidate = base[: 31 - len(suffix)] + suffix
            n += 1
        self.names.add(candidate.lower())
        ws = self.wb.add_worksheet(candidate)
        self.widths[ws.name] = {}
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer("&L&8&A&R&8Page &P of &N", {"margin": 0.25})
        if repeat is not None:
            ws.repeat_rows(repeat)
        return ws

    def width(self, ws: Worksheet, col: int, width: float) -> None:
        """Widen a column to ``width`` (never narrow it: two tables on one sheet share columns)."""
        widths = self.widths[ws.name]
        if width > widths.get(col, 0):
            widths[col] = width
            ws.set_column(col, col, width)

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
        wrap: Iterable[str] = (),
    ) -> int:
        """Write a frame as a header row plus rows; returns the number of data rows written.

        ``wrap``: text columns whose long values wrap onto more lines in the cell (the row grows
        when the file is opened), so a sheet with a sentence column prints readably; every cell
        of such a table is aligned to the top."""
        headers = headers or {}
        wrap = set(wrap)
        pct_columns = set(pct_columns)
        room = EXCEL_MAX_ROWS - first_row - 2
        truncated = frame.height > room
        frame = frame.head(room)
        cols = frame.columns
        widths = self.set_widths(ws, frame, headers, widths or {}, autofilter)
        lines = max((_lines(headers.get(c, c), w - (3 if autofilter else 0)) for c, w in zip(cols, widths, strict=True)),
                    default=1)
        ws.set_row(first_row, 15 * lines)
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
                values, write, fmt = s.to_list(), ws.write_number, self.int if dtype.is_integer() else self.dec
            else:
                values, write, fmt = s.cast(pl.String).to_list(), ws.write_string, None
            if wrap:  # (a table with wrapped columns reads from the top of each row)
                fmt = self.top(fmt, text_wrap=col in wrap)
            columns.append(values)
            writers.append((write, fmt))
        wrapped = [(j, w) for j, (c, w) in enumerate(zip(cols, widths, strict=True)) if c in wrap]
        for i, row in enumerate(zip(*columns, strict=True), start=first_row + 1):
            if wrapped:  # (rows are sized here: a reader does not always fit them on opening)
                lines = max(_lines(str(row[j]), w * 1.1) if row[j] is not None else 1 for j, w in wrapped)
                if lines > 1:
                    ws.set_row(i, 15 * lines)
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
        return frame.height

    def set_widths(self, ws: Worksheet, frame: pl.DataFrame, headers: dict[str, str],
                   fixed: dict[str, float], autofilter: bool = False) -> list[float]:
        """Columns wide enough for their values and their heading's longest word (the heading
        wraps onto more lines), plus room for the filter button; returns the widths."""
        sample = frame.head(2000)
        button = 3 if autofilter else 0
        out = []
        for j, col in enumerate(frame.columns):
            if col in fixed:
                width = fixed[col]
            else:
                dtype = frame.schema[col]
                if dtype == pl.Date:
                    width = 11.0
                else:
                    lengths = sample[col].cast(pl.String).str.len_chars().max() if sample.height else 0
                    width = float(lengths or 0) + 2  # type: ignore[arg-type]
                heading = headers.get(col, col)
                longest_word = max((len(w) for w in heading.split()), default=0)
                width = min(max(width, min(len(heading), 10) + 2, longest_word + 2) + button, 60)
            self.width(ws, j, width)
            out.append(self.widths[ws.name].get(j, width))
        return out

    def write_title(self, ws: Worksheet, lines: list[str]) -> int:
        """A title (first line) and subtitles; returns the next free row."""
        for i, text in enumerate(lines):
            ws.write_string(i, 0, text, self.title if i == 0 else self.subtitle)
        return len(lines)

    def close(self) -> None:
        self.wb.close()


# ---------------------------------------------------------------------------------------------
# Cell helpers
# ---------------------------------------------------------------------------------------------
def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps onto in a column ``width`` characters wide (bold headings:
    a character is a little wider than the column's unit); each line break starts a line."""
    room, lines = max(1, int(width / 1.1)), 0
    for paragraph in text.split("\n"):
        lines, used = lines + 1, 0
        for word in paragraph.split():
            if used and used + 1 + len(word) > room:
                lines, used = lines + 1, len(word)
            else:
                used += (1 if used else 0) + len(word)
    return lines


def _counts_format(pct_decimals: int, met: int | None, decided: int | None) -> str:
    """A number format showing a percentage with its counts beside it: ``92.9% (13/14)``; the
    cell's value stays the number."""
    pct = "0." + "0" * pct_decimals + "%" if pct_decimals else "0%"
    if met is None or decided is None:
        return pct
    return f'{pct}" ({met:,}/{decided:,})"'


def _rag_props(rag: str | None) -> dict:
    bg, fg = RAG_COLOURS.get(rag or "", ("#FFFFFF", "#000000"))
    return {"bg_color": bg, "font_color": fg} if rag in RAG_COLOURS else {}


def _write_pct(book: _Book, ws: Worksheet, row: int, col: int, pct: float | None, rag: str | None,
               met: int | None = None, decided: int | None = None, decimals: int = 1, **props) -> None:
    """A % met cell: the number (as a fraction), its counts in the format, coloured by RAG."""
    fmt = book.fmt(num_format=_counts_format(decimals, met, decided), **_rag_props(rag), **props)
    if pct is None:
        ws.write_string(row, col, "–", book.fmt(align="right", **_rag_props(rag), **props))
    else:
        ws.write_number(row, col, pct / 100, fmt)


def _order(profile: Profile) -> dict[str, int]:
    return {r.id: i for i, r in enumerate(profile.rules)}


def _uk(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _prev_date(card: pl.DataFrame) -> dt.date | None:
    dates = card["prev_as_at"].drop_nulls()
    return dates[0] if dates.len() else None


# ---------------------------------------------------------------------------------------------
# Summary: the scorecard on one A4 landscape page, the chart below the table
# ---------------------------------------------------------------------------------------------
_SUMMARY_ROW_HEIGHT = 13.5


def _summary_sheet(book: _Book, result: AuditResult, card: pl.DataFrame, data_label: str,
                   authority: pl.DataFrame | None = None, team: str | None = None) -> None:
    """The scorecard. ``authority`` (a team workbook): the authority's % met and RAG beside the
    team's."""
    ws = book.sheet("Summary")
    p = result.profile
    prev = _prev_date(card)
    who = f"{team} ({p.authority})" if team else p.authority
    lines = [
        f"{who}: practice standards scorecard",
        f"Audit date {_uk(result.as_at)} · {period_line(result)}"
        + (f" · compared with the same audit at {_uk(prev)} (▲ up, ▼ down, ▶ no change, in percentage points)"
           if prev else "") + (f" · {data_label}" if data_label else ""),
        LEGEND,
    ]
    top = book.write_title(ws, lines) + 1
    # one line per rule at 9 points: the Standard column as wide as the longest title needs
    longest = max((len(t) for t in card["title"].to_list()), default=20)
    columns: list[tuple[str, str, float]] = [
        ("n", "#", 3.5), ("title", "Standard", min(74.0, max(30.0, longest * 0.7 + 2))),
        ("target_pct", "Target", 6.5), ("floor_pct", "Floor", 6), ("met", "Met", 6.5),
        ("decided", "Decided", 7.5), ("pending", "Pending", 7.5), ("pct_met", "% met", 7), ("rag", "RAG", 9),
    ]
    if prev:
        columns += [("prev", f"At {_uk(prev)} (met/decided)", 14.5), ("change", "Change (points)", 8)]
    if authority is not None:
        columns += [("authority", "Authority % met (met/decided)", 17)]
    columns += [("note", "Note", 24)]
    cols = [c for c, _, _ in columns]
    for j, (_, heading, width) in enumerate(columns):
        ws.write_string(top, j, heading, book.header)
        book.width(ws, j, width)
    ws.set_row(top, 27)
    others = {} if authority is None else {r["rule_id"]: r for r in authority.iter_rows(named=True)}
    base = {"font_size": 9, "valign": "vcenter"}
    plain, intf = book.fmt(**base), book.fmt(num_format="#,##0", **base)
    pctf = book.fmt(num_format="0%", **base)
    for i, row in enumerate(card.iter_rows(named=True), start=1):
        r = top + i
        ws.set_row(r, _SUMMARY_ROW_HEIGHT)
        rag = row["rag"]
        cells = {
            "n": (i, intf), "title": (row["title"], plain),
            "target_pct": (row["target_pct"] / 100, pctf), "floor_pct": (row["floor_pct"] / 100, pctf),
        }
        if rag != NOT_ASSESSED:
            cells |= {"met": (row["met"], intf), "decided": (row["decided"], intf), "pending": (row["pending"], intf)}
        for col, (value, fmt) in cells.items():
            j = cols.index(col)
            (ws.write_string if isinstance(value, str) else ws.write_number)(r, j, value, fmt)
        if rag != NOT_ASSESSED:
            _write_pct(book, ws, r, cols.index("pct_met"), row["pct_met"], None, **base)
        ws.write_string(r, cols.index("rag"), rag, book.fmt(bold=True, **_rag_props(rag), **base))
        if prev:
            if row["prev_pct_met"] is not None:
                _write_pct(book, ws, r, cols.index("prev"), row["prev_pct_met"], None, row["prev_met"],
                           row["prev_decided"], **base)
            colour = {"▲": "#006100", "▼": "#9C0006"}.get(row["direction"] or "", "#595959")
            ws.write_string(r, cols.index("change"), change_text(row["change_pts"], row["direction"]),
                            book.fmt(align="right", font_color=colour, **base))
        if authority is not None and row["rule_id"] in others:
            a = others[row["rule_id"]]
            _write_pct(book, ws, r, cols.index("authority"), a["pct_met"], a["rag"], a["met"], a["decided"], **base)
        note = row["note"] if rag == NOT_ASSESSED else row["rag_reason"]
        if note:
            ws.write_string(r, cols.index("note"), note, book.fmt(font_color="#595959", **base))
    n = card.height
    last_col = len(columns) - 1
    ws.freeze_panes(top + 1, 0)
    chart_row = top + n + 2
    if n:
        pixels = sum(int(w * 7 + 0.5) + 5 for _, _, w in columns) - 8
        ws.insert_chart(chart_row, 0, _summary_chart(book, ws.name, card, top, cols, pixels),
                        {"x_offset": 4, "y_offset": 4})
    # the chart is 280 pixels (210 points) high: 16 rows of 13.5 points below the table
    ws.print_area(0, 0, chart_row + 16, last_col)
    ws.fit_to_pages(1, 1)


def _summary_chart(book: _Book, sheet: str, card: pl.DataFrame, top: int, cols: list[str], width: int):
    """% met per rule (bars coloured by RAG), with each rule's target and floor as markers; the
    categories are the rules' numbers in the table's first column."""
    n = card.height
    first, last = top + 1, top + n
    chart = book.wb.add_chart({"type": "column"})
    points = [{"fill": {"color": BAR_COLOURS.get(rag, "#BFBFBF")}, "border": {"none": True}}
              for rag in card["rag"].to_list()]
    chart.add_series({
        "name": "% met",
        "categories": [sheet, first, 0, last, 0],
        "values": [sheet, first, cols.index("pct_met"), last, cols.index("pct_met")],
        "points": points,
        "gap": 60,
    })
    line = book.wb.add_chart({"type": "line"})
    for col, name, colour in (("target_pct", "Target", "#1F4E78"), ("floor_pct", "Floor", "#C00000")):
        line.add_series({
            "name": name,
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, cols.index(col), last, cols.index(col)],
            "line": {"none": True},
            "marker": {"type": "dash", "size": 9, "border": {"color": colour}, "fill": {"color": colour}},
        })
    chart.combine(line)
    chart.set_title({"name": "% met by rule (numbered as in the table), against target and floor",
                     "name_font": {"size": 10, "bold": True}})
    chart.set_x_axis({"num_font": {"size": 7}, "major_tick_mark": "none"})
    chart.set_y_axis({"min": 0, "max": 1, "major_unit": 0.25, "num_format": "0%", "num_font": {"size": 7},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "right", "font": {"size": 8}, "delete_series": [0]})
    chart.set_size({"width": width, "height": 280})
    return chart


# ---------------------------------------------------------------------------------------------
# By team (or by worker, in a team's workbook): rules x groups
# ---------------------------------------------------------------------------------------------
def _rule_grid(book: _Book, ws: Worksheet, top: int, profile: Profile, frame: pl.DataFrame, column: str,
               keys: list, labels: list[str]) -> tuple[int, list[str]]:
    """Rules (rows: numbered as on the Summary, by title, with target and floor) x ``keys`` of
    ``column`` (teams, workers, month ends): each cell the % met with met/decided beside it,
    coloured against the rule's own target and floor. Returns the last row written and the
    rules shown."""
    headers = ["#", "Standard (numbered as on the Summary)", "Target", "Floor", *labels]
    present = set(frame["rule_id"].to_list())
    shown = [(n, rule) for n, rule in enumerate(profile.rules, start=1) if rule.id in present]
    longest = max((len(rule.title) for _, rule in shown), default=20)
    widths = [3.5, min(74.0, max(30.0, longest * 0.7 + 2)), 6.5, 6]
    text = frame.select(column, pl.format("{}% ({}/{})", pl.col("pct_met").round(0), pl.col("met"),
                                          pl.col("met") + pl.col("not_met")).str.len_chars().alias("n"))
    cell = dict(text.group_by(column).agg(pl.col("n").max()).iter_rows())
    widths += [max(10.0, (cell.get(k) or 0) * 0.85 + 2.5, min(max((len(w) for w in label.split()), default=0) + 2, 24))
               for k, label in zip(keys, labels, strict=True)]
    for j, w in enumerate(widths):
        book.width(ws, j, w)
    ws.set_row(top, 15 * max(_lines(h, w) for h, w in zip(headers, widths, strict=True)))
    for j, heading in enumerate(headers):
        ws.write_string(top, j, heading, book.header)
    ws.repeat_rows(top)
    ws.freeze_panes(top + 1, 2)
    cells = {(r["rule_id"], r[column]): r for r in frame.iter_rows(named=True)}
    plain = book.fmt(font_size=9)
    pctf = book.fmt(num_format="0%", font_size=9)
    r = top
    for n, rule in shown:
        r += 1
        ws.write_number(r, 0, n, plain)
        ws.write_string(r, 1, rule.title, plain)
        ws.write_number(r, 2, rule.target / 100, pctf)
        ws.write_number(r, 3, with_floor(rule, profile.amber_margin).floor / 100, pctf)  # type: ignore[operator]
        for j, k in enumerate(keys, start=4):
            c = cells.get((rule.id, k))
            if c is not None and c["rag"] != NOT_ASSESSED:
                _write_pct(book, ws, r, j, c["pct_met"], c["rag"], c["met"], c["met"] + c["not_met"],
                           decimals=0, font_size=9)
    return r, [rule.id for _, rule in shown]


def _grid_sheet(book: _Book, name: str, by: str, long: pl.DataFrame, profile: Profile,
                caseload: pl.DataFrame | None) -> None:
    """% met per rule (rows, in the profile's order, by title) and group (columns), each cell
    coloured against the rule's own target and floor and showing met/decided; the groups'
    caseloads below."""
    groups = sorted(set(long["group"].to_list()) | set(caseload["group"].to_list() if caseload is not None else []))
    ws = book.sheet(name)
    top = book.write_title(ws, [
        f"% met by rule and {by} (met/decided beside each %)",
        "Each cell coloured against its rule's own target and floor; " + LEGEND.split(" · ", 3)[-1]
        + ". Blank: no cases of that rule.",
    ]) + 1
    if not groups:
        ws.write_string(top, 0, "No findings.")
        return
    r, _ = _rule_grid(book, ws, top, profile, long, "group", groups, groups)
    if caseload is None:
        return
    rows = {row["group"]: row for row in caseload.iter_rows(named=True)}
    r += 1
    lines: list[tuple[str, str, str]] = [("Open children at the audit date", "children", "int")]
    lines += [(f"  {label}", col, "int") for col, label in {**CASELOAD_COHORTS, "other": "Other"}.items()]
    if by != "worker":
        lines += [("Workers with cases", "workers", "int"), ("Average caseload (children per worker)", "average_caseload", "avg")]
    lines += [("Open children with no worker", "unallocated", "int")]
    bold = book.fmt(bold=True, font_size=9)
    for k, (label, col, kind) in enumerate(lines):
        r += 1
        ws.write_string(r, 1, label, bold if k == 0 else book.fmt(font_size=9))
        for j, g in enumerate(groups, start=4):
            if g in rows and rows[g][col] is not None:
                fmt = book.fmt(num_format="0.0" if kind == "avg" else "#,##0", bold=k == 0, font_size=9)
                ws.write_number(r, j, rows[g][col], fmt)


# ---------------------------------------------------------------------------------------------
# Caseloads
# ---------------------------------------------------------------------------------------------
_CASELOAD_HEADERS = {"group": "Team", "children": "Open children", **CASELOAD_COHORTS, "other": "Other",
                     "workers": "Workers with cases", "average_caseload": "Average caseload",
                     "unallocated": "No worker", "met": "Met (all rules)", "decided": "Decided (all rules)",
                     "pct_met": "% met (all rules)"}


def _caseload_sheet(book: _Book, as_at: dt.date, teams: pl.DataFrame, workers: pl.DataFrame) -> None:
    ws = book.sheet("Caseloads")
    top = book.write_title(ws, [
        f"Caseloads at {_uk(as_at)}: open children per team and per worker, by cohort",
        "A child open in two cohorts counts in each, and once in 'Open children'. Average caseload: "
        "the mean number of open children of the workers holding any in the team. % met: all "
        "rules' findings of the team or worker.",
    ]) + 1
    n = book.write_table(ws, teams, top, _CASELOAD_HEADERS, pct_columns=["pct_met"], freeze=False,
                         autofilter=False, widths={"group": 24})
    start = top + n + 3
    ws.write_string(start - 1, 0, "Per worker", book.key)
    frame = workers.with_columns(workers=None, average_caseload=None)  # (the same columns as above)
    book.write_table(ws, frame, start, {**_CASELOAD_HEADERS, "group": "Worker"}, pct_columns=["pct_met"],
                     freeze=False, widths={"group": 24})
    ws.repeat_rows(start)


# ---------------------------------------------------------------------------------------------
# Exceptions, due soon, data quality
# ---------------------------------------------------------------------------------------------
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
        ws = book.sheet(rule.id, repeat=3)
        ws.write_string(0, 0, f"{rule.title} ({rule.id})", book.title)
        ws.write_string(1, 0, f"{rule.parameters()} · source: {rule.source} · open cases first", book.subtitle)
        frame = sub.select(list(_EXC_HEADERS)).with_columns(
            pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status")), _cohort_words()
        )
        book.write_table(ws, frame, 3, _EXC_HEADERS, widths={"detail": 90})


def _cohort_words() -> pl.Expr:
    """The cohort as people say it: ``child in need``, not ``child_in_need``."""
    return pl.col("episode_type").replace_strict(words.EPISODE_TYPES, default=pl.col("episode_type"))


_CHANGE_HEADERS = {"rule_id": "Rule", "title": "Standard", "previous": "Exceptions then",
                   "current": "Exceptions now", "new": "New", "resolved": "Resolved",
                   "carried_over": "Carried over", "three_months_or_more": "Carried over, 3+ month ends"}
_CHANGE_ITEM_HEADERS = {"rule_id": "Rule", "child_id": "Child ID", "change": "Change",
                        "months_out_of_timescale": "Month ends out of timescale", "episode_type": "Cohort",
                        "team": "Team", "worker_id": "Worker", "due_date": "Due date",
                        "days_overdue": "Working days overdue", "resolved_by": "Resolved by", "detail": "Detail"}
CHANGE_WORDS = {"new": "New", "resolved": "Resolved", "carried_over": "Carried over"}


def _changes_sheet(book: _Book, changes: Changes) -> None:
    """Exceptions new, resolved and carried over since the previous period: the per-rule counts,
    then every child, carried-over ones first (longest out of timescale first: to escalate)."""
    ws = book.sheet("Changes", repeat=None)
    since = changes.previous_source
    lines = [f"Changes since {since}: exceptions new, resolved and carried over",
             "An exception is a child out of timescale at the period end (a timescale: due and not done). "
             "Carried over + resolved = then; carried over + new = now."]
    top = book.write_title(ws, lines) + 1
    summary = changes.summary.filter(pl.sum_horizontal("previous", "current") > 0)
    n = book.write_table(ws, summary, top, _CHANGE_HEADERS, widths={"title": 50}, freeze=False, autofilter=False)
    start = top + n + 3
    ws.write_string(start - 1, 0, "Every child (carried over first, longest first; then new; then resolved)", book.key)
    order = pl.col("change").replace_strict({"carried_over": 0, "new": 1, "resolved": 2}, return_dtype=pl.Int8)
    items = (
        changes.items.sort([order, "months_out_of_timescale", "rule_id", "child_id"],
                           descending=[False, True, False, False], nulls_last=True)
        .with_columns(pl.col("change").replace_strict(CHANGE_WORDS, default=pl.col("change")), _cohort_words())
        .select(list(_CHANGE_ITEM_HEADERS))
    )
    book.write_table(ws, items, start, _CHANGE_ITEM_HEADERS, widths={"detail": 80, "resolved_by": 36},
                     freeze=False)
    ws.repeat_rows(start)


_DUE_HEADERS = {"due_date": "Due date", "working_days_to_due": "Working days to due", "rule_id": "Rule",
                "title": "Standard", "child_id": "Child ID", "episode_type": "Cohort", "team": "Team",
                "worker_id": "Worker", "status": "Status", "last_event_date": "Last event", "detail": "Detail"}


def _due_sheet(book: _Book, due: pl.DataFrame, within: str) -> None:
    ws = book.sheet("Due soon", repeat=2)
    ws.write_string(0, 0, f"Due within {within} of the audit date, or overdue (negative = working days overdue)", book.title)
    _due_table(book, ws, due, 2)


def _due_table(book: _Book, ws: Worksheet, due: pl.DataFrame, top: int) -> None:
    frame = due.with_columns(pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status")), _cohort_words())
    book.write_table(ws, frame.select([c for c in _DUE_HEADERS if c in frame.columns]), top, _DUE_HEADERS,
                     widths={"title": 50, "detail": 90})


def _quality_sheet(book: _Book, dataset: Dataset, rows: bool = True) -> None:
    """Rows read, used and rejected per table; with ``rows``, every rejected row and blanked
    value (a team's workbook leaves them out: they may be other teams' children)."""
    ws = book.sheet("Data quality")
    ws.write_string(0, 0, "What casecheck made of the extract: every input row is used or listed below", book.title)
    summary = dataset.quality.summary()
    headers = {"table": "Table", "file": "File", "rows_read": "Rows read", "rows_used": "Rows used",
               "rows_rejected": "Rows rejected", "blanked": "Values blanked"}
    n = book.write_table(ws, summary, 2, headers, freeze=False, autofilter=False)
    start = 2 + n + 3
    if not rows:
        ws.write_string(start - 1, 0, "The rejected rows and blanked values are listed in the authority's "
                        "workbook (they may be other teams' children).", book.subtitle)
        return
    ws.write_string(start - 1, 0, "Rejected rows and blanked values", book.key)
    issues = dataset.quality.issues.select("table", "file", "row", "column", "action", "value", "reason")
    book.write_table(ws, issues, start, {"table": "Table", "file": "File", "row": "Row", "column": "Column",
                                         "value": "Value", "reason": "Reason", "action": "Action"},
                     widths={"reason": 70, "value": 30}, freeze=False)
    ws.repeat_rows(start)


# ---------------------------------------------------------------------------------------------
# About
# ---------------------------------------------------------------------------------------------
def _about_sheet(book: _Book, profile: Profile, dataset: Dataset, as_at: dt.date, question: str,
                 command: str | None, compared: dt.date | None = None, data_label: str = "",
                 period: str = "") -> None:
    ws = book.sheet("About")
    book.width(ws, 0, 26)
    book.width(ws, 1, 100)
    book.width(ws, 2, 11)
    ws.write_string(0, 0, "About this audit", book.title)
    key, wrap = book.key, book.fmt(text_wrap=True, valign="top", align="left")
    r = 2
    for k, v in facts(profile, dataset, as_at, question, command, compared, data_label, period):
        ws.write_string(r, 0, k, key)
        if isinstance(v, dt.datetime):
            ws.write_datetime(r, 1, v, book.datetime)
        elif isinstance(v, dt.date):
            ws.write_datetime(r, 1, dt.datetime.combine(v, dt.time()), book.date)
        elif isinstance(v, int):
            ws.write_number(r, 1, v, book.int_left)
        else:
            ws.set_row(r, 15 * _lines(str(v), 100 * 1.1))
            ws.write_string(r, 1, str(v), wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, "Input files", book.key)
    n = book.write_table(ws, input_files(dataset), r + 1, {"file": "File (in the extract)", "rows": "Rows read", "sha256": "SHA-256"},
                         freeze=False, autofilter=False, widths={"file": 26, "sha256": 100, "rows": 11})
    r = r + n + 3
    rules = [with_floor(x, profile.amber_margin) for x in profile.rules]
    r = _defaults_block(book, ws, r, rules)
    sections = [
        ("Rules: what each checks", "Standard and parameters",
         [f"{x.title} — {x.kind}: {x.parameters()}; target {x.target:g}%, floor {x.floor:g}%; numbers: "
          f"{x.basis_text()}" for x in rules]),
        ("Rules: where each comes from", "Source and reading",
         [x.source + (f"\nReading: {x.note}" if x.note else "") for x in rules]),
    ]
    for title, heading, texts in sections:
        ws.write_string(r, 0, title, book.key)
        ws.write_string(r + 1, 0, "Rule", book.header)
        ws.write_string(r + 1, 1, heading, book.header)
        r += 2
        for rule, text in zip(rules, texts, strict=True):
            ws.set_row(r, 13 * _lines(text, 100 * 1.05) + 3)
            ws.write_string(r, 0, rule.id, book.fmt(valign="top"))
            ws.write_string(r, 1, text, wrap)
            r += 1
        r += 1
    ws.print_area(0, 0, r, 2)


def _defaults_block(book: _Book, ws, r: int, rules: list) -> int:
    """The rules whose numbers are casecheck's defaults rather than the document's or statute's
    (so no one mistakes them for the authority's standard), and those whose basis the profile
    does not state. Returns the next free row."""
    intro = ("Numbers casecheck supplies where the document gives none: not the authority's standard "
             "(targets are casecheck's defaults for every rule)")
    ws.set_row(r, 15 * _lines(intro, 100 * 1.1))
    ws.write_string(r, 0, "Casecheck defaults", book.key)
    ws.write_string(r, 1, intro, book.fmt(text_wrap=True, valign="top"))
    r += 1
    defaults = [x for x in rules if x.defaults]
    unstated = [x.id for x in rules if not x.basis]
    for x in defaults:
        which = "every number" if "" in x.defaults else ", ".join(x.defaults)
        ws.write_string(r, 0, x.id, book.fmt(valign="top"))
        ws.write_string(r, 1, f"{which} ({x.parameters()})", book.fmt(text_wrap=True, valign="top"))
        r += 1
    if not defaults:
        ws.write_string(r, 1, "None: the profile gives every rule's numbers as the document's or statute's"
                        if not unstated else "None stated")
        r += 1
    if unstated:
        text = f"Not stated for {len(unstated)} rule{'s' if len(unstated) > 1 else ''}: {', '.join(unstated)}"
        ws.set_row(r, 15 * _lines(text, 100 * 1.1))
        ws.write_string(r, 1, text, book.fmt(text_wrap=True, valign="top"))
        r += 1
    return r + 1


# ---------------------------------------------------------------------------------------------
# Trend: the table, and one small chart per rule
# ---------------------------------------------------------------------------------------------
def _trend_sheet(book: _Book, trend: pl.DataFrame, profile: Profile) -> tuple[list[str], list[str]]:
    """% met per rule at each month end, coloured by RAG, counts in each cell; returns the month
    labels and the rules in the table's row order."""
    months = sorted(trend["month_end"].unique().to_list())
    labels = [m.strftime("%b %Y") for m in months]
    ws = book.sheet("Trend")
    top = book.write_title(ws, [
        f"{profile.authority}: % met per rule at each month end (met/decided beside each %)",
        LEGEND + ". Timescale rules count the cases that fell due in each month.",
    ]) + 1
    _, order = _rule_grid(book, ws, top, profile, trend, "month_end", months, labels)
    return labels, order


def _trend_charts(book: _Book, trend: pl.DataFrame, profile: Profile, labels: list[str], rule_ids: list[str]) -> None:
    """One small line chart per rule (three across): % met at each month end, with the rule's
    target and floor as lines. Rules with no decided case in any month get no chart."""
    decided = trend.group_by("rule_id").agg((pl.col("met") + pl.col("not_met")).sum().alias("d"))
    with_data = set(decided.filter(pl.col("d") > 0)["rule_id"].to_list())
    charted = [r for r in rule_ids if r in with_data]
    ws = book.sheet("Trend charts")
    # the lines' values live in a hidden sheet (a chart draws cells, not lists)
    data = book.wb.add_worksheet("Chart data")
    data.hide()
    for j, label in enumerate(labels):
        data.write_string(0, 1 + j, label)
    top = book.write_title(ws, [
        f"{profile.authority}: % met at each month end, one chart per rule",
        "Solid line: % met. Dashed: the rule's target (blue) and floor (red). "
        + (f"No chart for {len(rule_ids) - len(charted)} rule(s) with no decided case in any month."
           if len(charted) < len(rule_ids) else ""),
    ]) + 1
    months = sorted(trend["month_end"].unique().to_list())
    cells = {(r["rule_id"], r["month_end"]): r["pct_met"] for r in trend.iter_rows(named=True)}
    rules = {r.id: with_floor(r, profile.amber_margin) for r in profile.rules}
    per_row, width, height = 3, 340, 200
    rows_per_chart = math.ceil(height / 20) + 1
    for k, rule_id in enumerate(charted):
        rule = rules[rule_id]
        base = 1 + 3 * k
        values = [cells.get((rule_id, m)) for m in months]
        data.write_string(base, 0, rule_id)  # row by row: the workbook is written in constant memory
        for j, v in enumerate(values):
            if v is not None:
                data.write_number(base, 1 + j, v / 100)
        for offset, level in ((1, rule.target), (2, rule.floor or 0)):
            for j in range(len(months)):
                data.write_number(base + offset, 1 + j, level / 100)
        known = [v for v in values if v is not None] + [rule.floor or 0]
        low = max(0.0, math.floor(min(known) / 10) * 10 - 10) / 100
        chart = book.wb.add_chart({"type": "line"})
        cats = ["Chart data", 0, 1, 0, len(labels)]
        chart.add_series({"name": "% met", "categories": cats,
                          "values": ["Chart data", base, 1, base, len(labels)],
                          "line": {"color": "#1F1F1F", "width": 2},
                          "marker": {"type": "circle", "size": 4, "fill": {"color": "#1F1F1F"},
                                     "border": {"color": "#1F1F1F"}}})
        for offset, name, colour in ((1, "Target", "#1F4E78"), (2, "Floor", "#C00000")):
            chart.add_series({"name": name, "categories": cats,
                              "values": ["Chart data", base + offset, 1, base + offset, len(labels)],
                              "line": {"color": colour, "width": 1.25, "dash_type": "dash"}})
        chart.set_title({"name": f"{rule_id} (target {rule.target:g}%)", "name_font": {"size": 9, "bold": True}})
        chart.set_y_axis({"min": low, "max": 1, "major_unit": 0.1 if low >= 0.5 else 0.25,
                          "num_format": "0%", "num_font": {"size": 7},
                          "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_x_axis({"num_font": {"size": 7, "rotation": -45}})
        chart.set_legend({"none": True})
        chart.set_size({"width": width, "height": height})
        row = top + (k // per_row) * rows_per_chart
        col = (k % per_row) * 6
        ws.insert_chart(row, col, chart, {"x_offset": 2, "y_offset": 2})
    for j in range(per_row * 6):
        ws.set_column(j, j, 8.3)
    # three rows of charts to a printed page, none cut in two
    rows = math.ceil(len(charted) / per_row)
    ws.set_h_pagebreaks([top + k * rows_per_chart for k in range(3, rows, 3)])


# ---------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------
def write_audit_workbook(
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
    team: str | None = None,
    authority: pl.DataFrame | None = None,
    changes: Changes | None = None,
) -> Path:
    """Write the audit workbook (atomically; never over an input file).

    ``card`` is the audit's scorecard (``scorecards.scorecard``; worked out here without the
    previous period when not given). A team's workbook (``team``) has its own scorecard with
    ``authority``, the authority's scorecard, beside it, a By worker sheet instead of By team,
    and no rejected-row list. ``changes`` adds the Changes sheet (exceptions new, resolved and
    carried over since the previous period).
    """
    from casecheck.views import breakdown, caseloads, due_soon, with_totals

    card = scorecard(result) if card is None else card
    if due is None:
        due = due_soon(result, due_within)
    by = "worker" if team else "team"
    loads = {g: with_totals(caseloads(dataset, result.as_at, g, team), breakdown(result, dataset, g))
             for g in ("team", "worker")}

    def write(tmp: Path) -> None:
        with scratch_dir(tmp.parent) as scratch:
            book = _Book(tmp, scratch)
            _summary_sheet(book, result, card, data_label, authority, team)
            _grid_sheet(book, "By worker" if team else "By team", by, breakdown(result, dataset, by),
                        result.profile, loads[by])
            _caseload_sheet(book, result.as_at, loads["team"], loads["worker"])
            if changes is not None:
                _changes_sheet(book, changes)
            _exception_sheets(book, result)
            _due_sheet(book, due, due_within)
            _quality_sheet(book, dataset, rows=team is None)
            _about_sheet(book, result.profile, dataset, result.as_at, result.question, command,
                         _prev_date(card), data_label, result.period.label if result.period else "")
            book.close()

    return atomic_write(Path(path), write, protected)


def team_file_name(team: str) -> str:
    """A safe file name for a team's workbook: letters, digits, spaces, hyphens, underscores."""
    stem = re.sub(r"[^A-Za-z0-9 _-]+", "_", team).strip(" ._-") or "team"
    return stem[:80] + ".xlsx"


def _unused_file_name(label: str, used: set[str]) -> str:
    """:func:`team_file_name` of ``label``, numbered (``Safeguarding 1 (2).xlsx``) when another
    label of ``used`` (lower case, added to) came out the same, as on a case-insensitive disk."""
    name = team_file_name(label)
    stem, n = name[:-5], 2
    while name.lower() in used:
        name, n = f"{stem} ({n}).xlsx", n + 1
    used.add(name.lower())
    return name


def _output_folder(folder: str | Path, option: str) -> Path:
    """The folder for one workbook per team or worker, made if missing (not its parents)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {folder} is a file: give a folder")
    try:
        folder.mkdir(parents=False, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    return folder


def write_team_workbooks(
    folder: str | Path,
    result: AuditResult,
    dataset: Dataset,
    *,
    previous: AuditResult | None = None,
    card: pl.DataFrame | None = None,
    due_within: str = "5wd",
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> list[Path]:
    """One workbook per team in ``folder`` (made if missing): the team's own findings, scorecard
    (against its own previous figures), exceptions, due soon and caseloads, with the authority's
    figures (``card``) beside the team's. Findings with no team go to ``no team.xlsx``."""
    from casecheck.views import due_soon, only_team

    folder = _output_folder(folder, "--xlsx-per-team")
    card = scorecard(result, previous) if card is None else card
    due_all = due_soon(result, due_within)
    teams = sorted(set(result.findings["team"].fill_null("(no team)").to_list()))
    used: set[str] = set()
    written = []
    for team in teams:
        name = _unused_file_name("no team" if team == "(no team)" else team, used)
        own = only_team(result, team)
        own_prev = only_team(previous, team) if previous is not None else None
        due = due_all.filter(pl.col("team").fill_null("(no team)") == team)
        written.append(write_audit_workbook(
            folder / name, own, dataset, card=scorecard(own, own_prev), due=due, due_within=due_within,
            data_label=data_label, command=command, protected=protected, team=team, authority=card,
        ))
    return written


def write_trend_workbook(
    path: str | Path,
    trend: pl.DataFrame,
    profile: Profile,
    dataset: Dataset,
    *,
    command: str | None = None,
    protected: Iterable[Path] = (),
    data_label: str = "",
) -> Path:
    """Write the trend workbook: the Trend table, one small chart per rule, data quality, About."""
    ends = trend["month_end"]

    def write(tmp: Path) -> None:
        with scratch_dir(tmp.parent) as scratch:
            book = _Book(tmp, scratch)
            labels, rule_ids = _trend_sheet(book, trend, profile)
            if labels and rule_ids:
                _trend_charts(book, trend, profile, labels, rule_ids)
            _quality_sheet(book, dataset)
            question = ("at each month end: frequency, recency and presence rules in date at the month end, "
                        "timescale rules decided in the month")
            period = f"{_uk(ends.min())} to {_uk(ends.max())}, month by month"  # type: ignore[arg-type]
            _about_sheet(book, profile, dataset, ends.max(), question, command, data_label=data_label,  # type: ignore[arg-type]
                         period=period)
            book.close()

    return atomic_write(Path(path), write, protected)


# ---------------------------------------------------------------------------------------------
# One child (audit --child ID --xlsx), and one worker's list (due --per-worker)
# ---------------------------------------------------------------------------------------------
_VERDICT_HEADERS = {"rule_id": "Rule", "title": "Standard", "status": "Verdict", "due_date": "Due date",
                    "days_overdue": "Working days overdue", "detail": "What the records show"}
_STEP_HEADERS = {"rule_id": "Rule", "anchor_date": "Anchor date", "step": "#", "from_date": "From",
                 "to_date": "To", "gap_days": "Days", "due_date": "Due by", "late": "Late?", "what": "Event"}
_CHRONOLOGY_HEADERS = {"date": "Date", "event": "Event", "detail": "Detail"}


def write_child_workbook(
    path: str | Path,
    result: AuditResult,
    timeline: pl.DataFrame,
    child_id: str,
    dataset: Dataset,
    chronology: pl.DataFrame,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> Path:
    """One child's compliance history to audit against (``audit --child ID --xlsx``): each
    rule's verdict, the timeline behind it (every interval with its due date and whether it ran
    late), and the chronology of all the child's events across the tables."""
    titles = {r.id: r.title for r in result.profile.rules}
    verdicts = result.findings.with_columns(
        title=pl.col("rule_id").replace_strict(titles, default=None, return_dtype=pl.String),
        status=pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status")),
    ).with_columns(_cohort_words()).select(list(_VERDICT_HEADERS))

    def write(tmp: Path) -> None:
        with scratch_dir(tmp.parent) as scratch:
            book = _Book(tmp, scratch)
            ws = book.sheet("Verdicts", repeat=3)
            book.write_title(ws, [f"Child {child_id}: the verdict on each standard",
                                  f"Audit date {_uk(result.as_at)} · {period_line(result)} · {result.profile.authority}"])
            book.write_table(ws, verdicts, 3, _VERDICT_HEADERS, widths={"title": 34, "detail": 60},
                             wrap=("title", "detail"))
            ws = book.sheet("Timeline", repeat=2)
            ws.write_string(0, 0, "Each interval: from the anchor or an event to the next, with the date it was due", book.title)
            book.write_table(ws, timeline.select(list(_STEP_HEADERS)), 2, _STEP_HEADERS, widths={"what": 50})
            ws = book.sheet("Chronology", repeat=2)
            ws.write_string(0, 0, f"Child {child_id}: every recorded event, oldest first", book.title)
            book.write_table(ws, chronology.select(list(_CHRONOLOGY_HEADERS)), 2, _CHRONOLOGY_HEADERS,
                             widths={"event": 40, "detail": 70}, wrap=("detail",))
            _about_sheet(book, result.profile, dataset, result.as_at, result.question, command,
                         data_label=data_label, period=result.period.label if result.period else "")
            book.close()

    return atomic_write(Path(path), write, protected)


def write_worker_workbooks(
    folder: str | Path,
    due: pl.DataFrame,
    profile: Profile,
    dataset: Dataset,
    as_at: dt.date,
    within: str,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> list[Path]:
    """One small workbook per worker in ``folder`` (made if missing), named after the worker id
    (``W0014.xlsx``; items with no worker in ``unallocated.xlsx``): the worker's own overdue and
    due-soon children, for a manager to send on. Each holds only that worker's children."""
    folder = _output_folder(folder, "--per-worker")
    written = []
    used: set[str] = set()
    key = pl.col("worker_id").fill_null("(unallocated)")
    for worker in sorted(set(due.select(key)["worker_id"].to_list())):
        name = _unused_file_name("unallocated" if worker == "(unallocated)" else worker, used)
        own = due.filter(key == worker)

        def write(tmp: Path, own: pl.DataFrame = own, worker: str = worker) -> None:
            with scratch_dir(tmp.parent) as scratch:
                book = _Book(tmp, scratch)
                ws = book.sheet("Due soon", repeat=3)
                overdue = own.filter(pl.col("working_days_to_due") < 0).height
                book.write_title(ws, [f"{worker}: children due within {within} of {_uk(as_at)}, or overdue",
                                      f"{overdue} overdue, {own.height - overdue} due soon · {profile.authority}: {profile.title}"])
                _due_table(book, ws, own, 3)
                _about_sheet(book, profile, dataset, as_at, f"due within {within} of the audit date, or overdue",
                             command, data_label=data_label)
                book.close()

        written.append(atomic_write(folder / name, write, protected))
    return written


def write_dip_sample_workbook(
    path: str | Path,
    sample: DipSample,
    profile: Profile,
    dataset: Dataset,
    *,
    data_label: str = "",
    command: str | None = None,
    protected: Iterable[Path] = (),
) -> Path:
    """A dip sample for practice audits: the sampled children (one row each, every rule's
    verdict and due date, and the auditor's grade and notes to fill in, the grade from a list),
    every verdict in full, each group's count, and About (the seed and options, so the draw can
    be evidenced and repeated)."""
    sheet = sample.for_auditors().with_columns(_cohort_words())
    headers = {"group": sample.per.capitalize(), "child_id": "Child ID", "worker_id": "Worker",
               "episode_type": "Cohort", "open_since": "Open since", "rules_not_met": "Rules not met",
               "out_of_timescale": "Out of timescale now (due date)", "grade": "Auditor's grade",
               "notes": "Auditor's notes"}
    titles = {r.id: r.title for r in profile.rules}
    verdicts = sample.verdicts.with_columns(
        title=pl.col("rule_id").replace_strict(titles, default=None, return_dtype=pl.String),
        status=pl.col("status").replace_strict(STATUS_LABEL, default=pl.col("status")),
    ).select("child_id", "rule_id", "title", "status", "due_date", "days_overdue", "detail")
    options = sample.options

    def write(tmp: Path) -> None:
        with scratch_dir(tmp.parent) as scratch:
            book = _Book(tmp, scratch)
            ws = book.sheet("Sample", repeat=3)
            book.write_title(ws, [f"Dip sample for practice audits: {sample.cases.height} open case(s) at {_uk(sample.as_at)}",
                                  f"{options} · {profile.authority} · the same seed on the same extract gives the same children"])
            n = book.write_table(ws, sheet, 3, headers, widths={"out_of_timescale": 44, "notes": 40, "grade": 16,
                                                                 "group": 20}, wrap=("out_of_timescale", "group"))
            grade_col = sheet.columns.index("grade")
            if n:
                ws.data_validation(4, grade_col, 3 + n, grade_col,
                                   {"validate": "list", "source": list(GRADES), "ignore_blank": True})
            ws = book.sheet("Verdicts", repeat=2)
            ws.write_string(0, 0, "Every sampled child's verdict on each standard", book.title)
            book.write_table(ws, verdicts, 2, {"child_id": "Child ID", **_VERDICT_HEADERS},
                             widths={"title": 34, "detail": 60}, wrap=("title", "detail"))
            ws = book.sheet("Groups", repeat=2)
            ws.write_string(0, 0, f"Open cases per {sample.per} and how many were drawn", book.title)
            book.write_table(ws, sample.groups, 2, {"group": sample.per.capitalize(), "open_cases": "Open cases",
                                                    "sampled": "Drawn", "note": "Note"}, widths={"note": 50})
            _about_sheet(book, profile, dataset, sample.as_at, f"dip sample: {options}", command,
                         data_label=data_label)
            book.close()

    return atomic_write(Path(path), write, protected)
