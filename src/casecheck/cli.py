"""The ``casecheck`` command line: parses arguments, calls the library, prints.

Exit codes: 0 success; 1 internal error (a bug: please report it); 2 usage error (bad option,
unknown profile, invalid profile file); 3 unusable input (missing folder, table or column,
unreadable file); 4 a rule below ``--fail-under``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from casecheck import __version__
from casecheck.config import load_config
from casecheck.dataset import Dataset, reason_kind
from casecheck.engine import FINDING_SCHEMA, AuditResult, audit, explain
from casecheck.errors import EXIT_BELOW_TARGET, EXIT_INTERNAL, CasecheckError, UsageError
from casecheck.parse import parse_one_date
from casecheck.periods import PERIOD_KINDS, resolve_as_at
from casecheck.privacy import KEY_ENV, load_key, pseudonymise
from casecheck.report import (
    STATUS_STYLE,
    findings_frame,
    format_from_path,
    profile_dict,
    render_breakdown,
    render_due,
    render_profile,
    render_profile_list,
    render_quality,
    render_summary,
    render_trend,
    write_frame,
)
from casecheck.sources import SOURCES, load_dataset
from casecheck.sources.ssd import is_ssd_folder
from casecheck.standards import list_profiles, load_profile, resolve_profile
from casecheck.views import (
    breakdown,
    due_soon,
    exceptions,
    latest_record,
    month_ends,
    stale_note,
    with_group,
)
from casecheck.views import trend as trend_view
from casecheck.workbook import write_audit_workbook, write_trend_workbook

app = typer.Typer(
    name="casecheck",
    help=(
        "Audit children's social care case records against practice standards.\n\n"
        "Loads case-record extracts (a folder of CSV/Excel/Parquet tables), checks every rule of "
        "an authority's standards profile, and prints or writes the findings."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
standards_app = typer.Typer(help="List, show and check standards profiles.", no_args_is_help=True)
app.add_typer(standards_app, name="standards")

def _console_width() -> int | None:
    """Terminals report their width; pipes and log files get a wide table rather than 80 columns."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return None
    return 160


out = Console(highlight=False, soft_wrap=False, width=_console_width())
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Fmt(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


class SummaryFmt(StrEnum):
    """table, csv or json (summaries, due lists, trends)."""

    table = "table"
    csv = "csv"
    json = "json"


class ShowFmt(StrEnum):
    table = "table"
    json = "json"


class Group(StrEnum):
    team = "team"
    worker = "worker"
    manager = "manager"


class SampleFmt(StrEnum):
    csv = "csv"
    parquet = "parquet"


PeriodKind = StrEnum("PeriodKind", {k: k for k in PERIOD_KINDS})  # month, quarter, year, 12m, all


@dataclasses.dataclass(frozen=True)
class Asked:
    """audit's --period, --since and --over-period: the reporting period and the question."""

    period: str
    since: dt.date | None
    over_period: bool | None  # None: only with --since


def _warn_stale(latest: dt.date | None, as_at: dt.date) -> None:
    """One line on stderr when the extract ends more than a month before the audit date."""
    note = stale_note(latest, as_at)
    if note:
        err.print(f"casecheck: warning: {note}", markup=False)


def _fail(exc: CasecheckError) -> typer.Exit:
    err.print(f"casecheck: error: {exc.message}", markup=False, highlight=False)
    return typer.Exit(exc.exit_code)


def handles_errors(fn):
    """Turn CasecheckError into one plain sentence on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CasecheckError as exc:
            raise _fail(exc) from None

    return wrapper


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    if value.lower() == "today":
        return dt.date.today()
    parsed = parse_one_date(value)
    if parsed is None:
        raise UsageError(f"{option} '{value}' is not a date: use YYYY-MM-DD or DD/MM/YYYY")
    return parsed


def _version(value: bool) -> None:
    if value:
        typer.echo(f"casecheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Audit children's social care case records against practice standards."""


DataArg = Annotated[Path, typer.Argument(help="Extract: a folder of table files, or one workbook.", show_default=False, metavar="DATA")]
AsAtOpt = Annotated[str | None, typer.Option("--as-at", metavar="DATE", help="Audit date: YYYY-MM-DD, DD/MM/YYYY, today or last-month-end (the month just ended, for a cron line on the 1st); default today.")]
SourceOpt = Annotated[str, typer.Option("--source", metavar="SOURCE", help=f"Input format: {', '.join(SOURCES)}.")]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", metavar="FILE", help="Mapping file for an LCS/EHM report export (TOML)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]


# ---------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def validate(
    data: DataArg,
    as_at: AsAtOpt = None,
    source: SourceOpt = "auto",
    mapping: MappingOpt = None,
    fmt: Annotated[ShowFmt, typer.Option("--format", help="table or json.")] = ShowFmt.table,
    issues: Annotated[
        Path | None, typer.Option("--issues", metavar="PATH", help="Write every rejected row and blanked value to this CSV.")
    ] = None,
    chunks: CheckChunksOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Check an extract before auditing: rows read, used and rejected per table, and why."""
    as_at_given = resolve_as_at(as_at)
    n_chunks = _chunks(chunks, data, source, mapping, None, {}, quiet or fmt == ShowFmt.json, verb="check")
    if n_chunks > 1:
        from casecheck.chunked import validate_in_chunks

        with Progress(quiet) as progress:
            progress.step("Chunked check")
            ds = validate_in_chunks(data, as_at_given, n_chunks,
                                    progress=lambda msg: progress.step(msg))
    else:
        ds = load_dataset(data, source=source, as_at=as_at_given, mapping=mapping)
    as_at_d = ds.as_at or dt.date.today()
    if issues:
        named = [Path(mapping)] if mapping is not None else []
        write_frame(ds.quality.issues, issues, "csv", protected=[*ds.files, *named])
    if fmt == ShowFmt.json:
        import json

        payload = {
            "source": ds.source,
            "as_at": as_at_d.isoformat(),
            "tables": [
                {
                    **row,
                    "top_reasons": [
                        {"reason": r, "rows": n} for r, n in ds.quality.top_reasons(row["table"], 5)
                    ],
                    "columns": ds.quality.reports[row["table"]].mapping,
                    "unmapped": ds.quality.reports[row["table"]].unmapped,
                }
                for row in ds.quality.summary().iter_rows(named=True)
            ],
        }
        typer.echo(json.dumps(payload, indent=1))
        return
    if quiet:
        return
    for note in ds.notes:
        out.print(note, markup=False)
    render_quality(ds, out, title=f"What casecheck made of {data} (audit date {as_at_d.isoformat()})")
    rejected = ds.quality.rejected().height
    if rejected:
        hint = f" (listed in {issues})" if issues else "; use --issues FILE to list them"
        out.print(f"{rejected:,} row(s) set aside{hint}. The rest is usable.")
    else:
        out.print("Every row is usable.")


# ---------------------------------------------------------------------------------------------
def _print_explain(result: AuditResult, timeline: pl.DataFrame, child_id: str) -> None:
    out.print(f"[bold]Child {child_id}[/bold] · {result.question} · profile {result.profile.id}")
    f = result.findings
    if f.is_empty():
        out.print("No rule applies to this child at the audit date.")
    for row in f.iter_rows(named=True):
        status = Text(row["status"], style=STATUS_STYLE.get(row["status"], ""))
        out.print(Text.assemble("\n", (row["rule_id"], "bold"), f" ({row['episode_type']}): ", status))
        out.print(f"  {row['detail']}", markup=False)
        steps = timeline.filter(
            (pl.col("rule_id") == row["rule_id"]) & (pl.col("anchor_date") == row["anchor_date"])
        )
        if steps.is_empty():
            continue
        t = Table(show_edge=False, pad_edge=False, box=None)
        for col in ("#", "From", "To", "Days", "Due by", "", "Event"):
            t.add_column(col)
        for s in steps.iter_rows(named=True):
            mark = Text("late", style="red") if s["late"] else Text("ok", style="green")
            t.add_row(str(s["step"]), _uk(s["from_date"]), _uk(s["to_date"]), str(s["gap_days"] or 0),
                      _uk(s["due_date"]), mark, s["what"])
        out.print(t)
    for rid, needs in result.not_assessed.items():
        out.print(f"\n{rid}: not assessed (needs: {', '.join(needs)})")


class Progress:
    """A progress display on stderr for long runs: only on a terminal, never with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.live = None
        self.task = None
        if not quiet and err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.live = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err, transient=True,
            )

    def __enter__(self) -> Progress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()

    def step(self, description: str, total: int | None = None) -> None:
        if self.live is None:
            return
        if self.task is not None:
            self.live.remove_task(self.task)
        self.task = self.live.add_task(description, total=total)

    def advance(self, description: str) -> None:
        if self.live is not None and self.task is not None:
            self.live.update(self.task, advance=1, description=description)


class Common:
    """Options shared by audit, due and trend, resolved against casecheck.toml."""

    def __init__(self, config: Path | None, data: Path | None, standards: str | None,
                 source: str | None, mapping: Path | None) -> None:
        self.config = load_config(config)
        where = self.config.path.name if self.config.path else "casecheck.toml"
        self.data = data or self.config.data
        if self.data is None:
            raise UsageError(f"no DATA given (and no 'data' in {where})")
        name = standards or self.config.standards
        if not name:
            raise UsageError(f"no --standards given (and no 'standards' in {where})")
        self.profile = resolve_profile(name)
        if self.config.closure_days:
            self.profile = self.profile.with_closure_days(self.config.closure_days)
        self.source = source or self.config.source or "auto"
        self.mapping = mapping or self.config.mapping

    def out(self, path: Path | None) -> Path | None:
        return self.config.output_path(path)

    def inputs(self, ds: Dataset, hide: Hide) -> list[Path]:
        """Every file this run reads: outputs are never written over any of them."""
        named = [self.profile.path, self.config.path, self.mapping]
        return [*ds.files, *hide.inputs, *(Path(p) for p in named if p is not None)]

    def load(self, as_at: dt.date | None, progress: Progress, rule_ids: list[str] | None = None) -> Dataset:
        """Read the extract: of a native one, only the tables the chosen rules need."""
        progress.step(f"Reading {self.data}")
        tables = self.profile.select(rule_ids).tables()
        return load_dataset(self.data, source=self.source, as_at=as_at, mapping=self.mapping, tables=tables)


ConfigOpt = Annotated[Path | None, typer.Option("--config", metavar="FILE", help="Defaults file (default: ./casecheck.toml if present).")]
OptDataArg = Annotated[Path | None, typer.Argument(help="Extract: a folder of table files, or one workbook (default: 'data' in casecheck.toml).", show_default=False, metavar="DATA")]
StandardsOpt = Annotated[str | None, typer.Option("--standards", "-s", metavar="NAME|FILE", help="Profile name (see 'standards list') or a .toml file.")]
RulesOpt = Annotated[str | None, typer.Option("--rules", metavar="IDS", help="Only these rule ids, comma-separated.")]


def _chunks_option(what: str, findings: str = "") -> object:
    """``--chunks N|auto`` for a command that ``what``s an extract (one text for all four)."""
    return Annotated[str, typer.Option("--chunks", metavar="N|auto", help=(
        f"{what} a native folder N slices of children at a time, to bound memory{findings}; "
        "auto: slices of about 6 million rows when it holds over 20 million."))]


ChunksOpt = _chunks_option("Audit")
AuditChunksOpt = _chunks_option("Audit", " (findings as csv or parquet)")
CheckChunksOpt = _chunks_option("Check")
OptSourceOpt = Annotated[str | None, typer.Option("--source", metavar="SOURCE", help=f"Input format: {', '.join(SOURCES)} (default auto).")]


def _emit(frame: pl.DataFrame, output: Path | None, fmt: SummaryFmt, protected: list[Path]) -> bool:
    """Write a due list or trend to --output (format from --format or the extension), or to
    stdout for csv/json; True when the table should still be shown on the terminal."""
    if output is not None:
        default = "csv" if fmt == SummaryFmt.table else fmt.value
        write_frame(frame, output, format_from_path(output, default), protected)
        return True
    if fmt != SummaryFmt.table:
        write_frame(frame, None, fmt.value)
        return False
    return True


def _rule_ids(rules: str | None) -> list[str] | None:
    return [r.strip() for r in rules.split(",") if r.strip()] if rules else None


def _fail_under(summary: pl.DataFrame, threshold: str | None) -> list[str]:
    """Rules below --fail-under (a percentage, or 'target' for each rule's own target)."""
    if threshold is None:
        return []
    if threshold.strip().lower() == "target":
        limit = pl.col("target_pct")
    else:
        try:
            value = float(threshold.strip().rstrip("%"))
        except ValueError:
            raise UsageError(f"--fail-under '{threshold}' is not a percentage or 'target'") from None
        limit = pl.lit(value)
    below = summary.filter(pl.col("pct_met").is_not_null() & (pl.col("pct_met") < limit))
    return [f"{r['rule_id']} {r['pct_met']:.1f}% < {lim:g}%" for r, lim in zip(
        below.iter_rows(named=True), below.select(limit.alias("l"))["l"].to_list() if below.height else [], strict=False)]


def _render_exceptions(result: AuditResult, console: Console, top: int) -> None:
    exc = exceptions(result).head(top)
    if top <= 0 or exc.is_empty():
        return
    table = Table(title=f"Top {exc.height} exceptions (open cases first, most working days overdue)",
                  title_justify="left")
    for col, justify in [("Rule", "left"), ("Child", "left"), ("Days overdue", "right"), ("Due", "left"),
                         ("Worker", "left"), ("Team", "left"), ("Case", "left")]:
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in exc.iter_rows(named=True):
        closed = Text(f"closed {_uk(r['closed_date'])}", style="dim") if r["closed_date"] else Text("open")
        table.add_row(r["rule_id"], r["child_id"], f"{r['days_overdue']:,}", _uk(r["due_date"]),
                      r["worker_id"] or "", r["team"] or "", closed)
    console.print(table)


def _uk(day: dt.date | None) -> str:
    """A date as people read it: dd/mm/yyyy (blank for none)."""
    return day.strftime("%d/%m/%Y") if day else ""


# ---------------------------------------------------------------------------------------------
# --pseudonymise: child and worker ids replaced by keyed hashes in everything written or shown
# ---------------------------------------------------------------------------------------------
PseudonymiseOpt = Annotated[
    bool,
    typer.Option("--pseudonymise", help=f"Replace child and worker ids in every output with keyed hashes (key from ${KEY_ENV} or --key-file)."),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option("--key-file", metavar="FILE", help=f"File holding the --pseudonymise key (else ${KEY_ENV}); never give the key itself on the command line."),
]


class Hide:
    """What --pseudonymise does to the frames, datasets and results that reach an output."""

    def __init__(self, on: bool, key_file: Path | None) -> None:
        if key_file is not None and not on:
            raise UsageError("--key-file goes with --pseudonymise")
        # a missing or short key fails here, before any data is read
        self.key = load_key(key_file) if on else None
        self.inputs = [key_file] if key_file is not None else []  # never written over

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame if self.key is None else pseudonymise(frame, self.key)

    def result(self, result: AuditResult) -> AuditResult:
        if self.key is None:
            return result
        return dataclasses.replace(result, findings=self.frame(result.findings))

    def dataset(self, ds: Dataset) -> Dataset:
        """For --by groups and the workbooks' data-quality sheet: worker ids hashed, worker
        names dropped, and the issues without values (their reasons reduced to the kind)."""
        if self.key is None:
            return ds
        tables = dict(ds.tables)
        if "workers" in tables:
            tables["workers"] = self.frame(
                tables["workers"].with_columns(worker_name=pl.lit(None, dtype=pl.String))
            )
        issues = ds.quality.issues.with_columns(
            value=pl.lit(None, dtype=pl.String), reason=reason_kind(pl.col("reason"))
        )
        return dataclasses.replace(
            ds, tables=tables, quality=dataclasses.replace(ds.quality, issues=issues)
        )


@app.command(name="audit")
@handles_errors
def audit_cmd(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    as_at: AsAtOpt = None,
    period: Annotated[
        PeriodKind,
        typer.Option("--period", help="Reporting period ending at the audit date: month (default), quarter, year (financial, from 1 April), 12m or all. Timescale rules count what was decided in it."),
    ] = PeriodKind.month,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Start the reporting period on DATE instead, and ask frequency, recency and presence rules the audit-period question over it."),
    ] = None,
    over_period: Annotated[
        bool,
        typer.Option("--over-period", help="Ask frequency, recency and presence rules whether every interval in the period was kept (the audit-period question), not whether the child is in date at the audit date."),
    ] = False,
    rules: RulesOpt = None,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="Findings format: table (summary only), csv, json or parquet.")] = Fmt.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the child-level findings here (format from --format or the extension).")
    ] = None,
    summary_format: Annotated[
        SummaryFmt | None, typer.Option("--summary-format", help="Print the per-rule summary as table, csv or json.")
    ] = None,
    summary_output: Annotated[
        Path | None, typer.Option("--summary-output", metavar="PATH", help="Write the per-rule summary to this file (csv or json).")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="PATH", help="Write the audit workbook (summary, by team, exceptions, due soon, data quality).")] = None,
    by: Annotated[Group | None, typer.Option("--by", help="Break the summary down by team, worker or manager.")] = None,
    top: Annotated[int, typer.Option("--top", metavar="N", help="Show the N worst exceptions (0 to hide).")] = 10,
    fail_under: Annotated[
        str | None, typer.Option("--fail-under", metavar="PCT|target", help="Exit 4 if any rule's % met is below PCT, or below its own target.")
    ] = None,
    child: Annotated[str | None, typer.Option("--child", metavar="CHILD_ID", help="Explain one child: the timeline behind each verdict.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    chunks: AuditChunksOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Audit an extract against a standards profile.

    Frequency, recency and presence rules ask whether each child is in date at the audit date
    (with --over-period or --since: whether every interval in the period was kept). Timescale
    rules count the requirements decided in the reporting period (--period, default the month of
    the audit date): done in it, on time or late, or fallen overdue in it.
    """
    common = Common(config, data, standards, source, mapping)
    hide = Hide(pseudonymise_ids, key_file)
    if child is not None and hide.key is not None:
        raise UsageError("--child explains one child by id: it cannot be used with --pseudonymise")
    since_d = _date(since, "--since")
    asked = Asked(period.value, since_d, over_period or None)
    rule_ids = _rule_ids(rules)
    common.profile.select(rule_ids)  # unknown ids fail before loading data
    output, summary_output, xlsx = common.out(output), common.out(summary_output), common.out(xlsx)
    started = time.perf_counter()
    unsupported = {"--xlsx": xlsx, "--by": by, "--child": child, "--pseudonymise": pseudonymise_ids or None}
    whole_only = {**unsupported, "--format json": fmt == Fmt.json or None,
                  "findings on stdout": (output is None and fmt == Fmt.csv) or None}
    n_chunks = _chunks(chunks, common.data, common.source, common.mapping,
                       common.profile.select(rule_ids).tables(), whole_only, quiet)
    if n_chunks > 1:
        _audit_chunked(common, n_chunks, resolve_as_at(as_at) or dt.date.today(), asked, rule_ids, fmt,
                       output, summary_output, summary_format, fail_under, quiet, unsupported)
        return
    with Progress(quiet) as progress:
        ds = common.load(resolve_as_at(as_at), progress, rule_ids)
        as_at_d = ds.as_at or dt.date.today()
        if not quiet:
            for note in ds.notes:
                err.print(note, markup=False)
        _warn_stale(latest_record(ds), as_at_d)
        if child is not None:
            explained = explain(ds, common.profile, child, as_at_d, since_d, rule_ids, period=asked.period,
                                over_period=asked.over_period)
        else:
            explained = None
    if explained is not None:
        _print_explain(*explained, child)  # type: ignore[arg-type]
        return
    with Progress(quiet) as progress:
        n_rules = len(common.profile.select(rule_ids).rules)
        progress.step("Checking rules", total=n_rules)
        result = hide.result(audit(ds, common.profile, as_at_d, since_d, rule_ids, period=asked.period,
                                   over_period=asked.over_period,
                                   progress=lambda rule: progress.advance(f"Checking {rule.id}")))
        protected = common.inputs(ds, hide)
        if xlsx is not None:
            progress.step(f"Writing {xlsx}")
            write_audit_workbook(xlsx, result, hide.dataset(ds), data_label=str(common.data),
                                 protected=protected)
    elapsed = time.perf_counter() - started
    findings = findings_frame(result)
    findings_fmt = fmt.value
    if output is not None:
        if fmt == Fmt.table:
            findings_fmt = format_from_path(output, "csv")
        write_frame(findings, output, findings_fmt, protected)
    elif fmt in (Fmt.csv, Fmt.json):
        write_frame(findings, None, fmt.value)
    elif fmt == Fmt.parquet:
        raise UsageError("--format parquet needs --output PATH")
    summary = breakdown(result, hide.dataset(ds), by.value) if by else result.summary
    if summary_output is not None:
        write_frame(summary, summary_output, format_from_path(summary_output, "csv"), protected)
    stdout_taken = output is None and fmt != Fmt.table
    sfmt = summary_format or (SummaryFmt.table if not stdout_taken else None)
    if sfmt in (SummaryFmt.csv, SummaryFmt.json):
        if stdout_taken:
            raise UsageError("findings already go to stdout: give --output PATH, or --summary-output PATH")
        write_frame(summary, None, sfmt.value)
    elif not quiet:
        console = out if not stdout_taken else err
        render_summary(result, console, data_label=str(common.data))
        if by:
            render_breakdown(summary, result, console, by.value)
        _render_exceptions(result, console, top)
        rejected = ds.quality.rejected().height
        if rejected:
            console.print(
                f"[yellow]{rejected:,} input row(s) were set aside as unusable: run 'casecheck validate "
                f"{common.data}' to see why.[/yellow]"
            )
        written = [str(p) for p in (output, summary_output, xlsx) if p is not None]
        where = f"; written to {', '.join(written)}" if written else ""
        console.print(f"[dim]{findings.height:,} finding(s) in {elapsed:.1f}s{where}.[/dim]")
    below = _fail_under(result.summary, fail_under or common.config.fail_under)
    if below:
        err.print(f"casecheck: below threshold: {'; '.join(below)}", markup=False)
        raise typer.Exit(EXIT_BELOW_TARGET)


def _chunks(value: str, path: Path, source: str, mapping: object, tables: set[str] | None,
            unsupported: dict[str, object], quiet: bool, verb: str = "audit") -> int:
    """The number of slices for ``--chunks N|auto``. ``auto`` slices a native folder holding more
    rows (in ``tables``; None: all) than fit comfortably in memory (see ``chunked.auto_chunks``),
    unless an option that needs the whole extract in memory was given (then it says so, and
    works on it whole)."""
    from casecheck.chunked import auto_chunks, estimate_rows

    if value.strip().lower() != "auto":
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise UsageError(f"--chunks takes a whole number of slices (1 or more) or auto, not '{value}'")
        return n
    path = Path(path)
    if (not path.is_dir() or source not in ("auto", "native") or mapping is not None
            or (source == "auto" and is_ssd_folder(path))):
        return 1
    rows = estimate_rows(path, None if tables is None else {*tables, "children", "episodes"})
    n = auto_chunks(rows)
    if n == 1:
        return 1
    about = f"about {rows / 1e6:.1f} million" if rows >= 1e6 else f"about {rows:,}"
    blockers = [name for name, v in unsupported.items() if v]
    if blockers:
        if not quiet:
            err.print(f"casecheck: {path} holds {about} rows; with "
                      f"{', '.join(blockers)} it is {verb}ed whole, which may need much memory "
                      "(without them it would be done in slices).", markup=False)
        return 1
    if not quiet:
        err.print(f"casecheck: {path} holds {about} rows: {verb}ing it in {n} "
                  f"slices of children to bound memory (--chunks 1 {verb}s it whole).", markup=False)
    return n


def _audit_chunked(common: Common, chunks: int, as_at: dt.date, asked: Asked,
                   rule_ids: list[str] | None, fmt: Fmt, output: Path | None,
                   summary_output: Path | None, summary_format: SummaryFmt | None,
                   fail_under: str | None, quiet: bool, unsupported: dict[str, object]) -> None:
    """``audit --chunks N``: the same findings, a slice of children at a time (bounded memory)."""
    from casecheck.chunked import audit_in_chunks

    given = [name for name, value in unsupported.items() if value]
    if given:
        raise UsageError(f"{', '.join(given)} cannot be combined with --chunks")
    if common.source not in ("auto", "native") or common.mapping is not None:
        raise UsageError("--chunks reads a native folder extract (CSV or Parquet files)")
    findings_fmt = format_from_path(output, "csv") if output is not None and fmt == Fmt.table else fmt.value
    if output is None and fmt != Fmt.table:
        raise UsageError("with --chunks, give --output PATH for the findings")
    if output is not None and findings_fmt not in ("csv", "parquet"):
        raise UsageError("with --chunks, findings are written as csv or parquet")
    started = time.perf_counter()
    named = [common.profile.path, common.config.path]
    with Progress(quiet) as progress:
        progress.step("Chunked audit")
        result = audit_in_chunks(
            common.data, common.profile, as_at, chunks, output, findings_fmt, since=asked.since,
            period=asked.period, over_period=asked.over_period, rules=rule_ids,
            protected=[Path(p) for p in named if p is not None],
            progress=lambda msg: progress.step(msg),
        )
    elapsed = time.perf_counter() - started
    _warn_stale(result.latest, as_at)
    if summary_output is not None:
        write_frame(result.summary, summary_output, format_from_path(summary_output, "csv"), result.files)
    if summary_format in (SummaryFmt.csv, SummaryFmt.json):
        write_frame(result.summary, None, summary_format.value)
    elif not quiet:
        shell = AuditResult(pl.DataFrame(schema=FINDING_SCHEMA), result.summary, common.profile.select(rule_ids),
                            as_at, None, period=result.period, over_period=result.over_period)
        render_summary(shell, out, data_label=str(common.data))
        out.print(f"[dim]{result.findings:,} finding(s) in {result.chunks} slices in {elapsed:.1f}s"
                  + (f"; written to {output}" if output else "") + ".[/dim]")
    below = _fail_under(result.summary, fail_under or common.config.fail_under)
    if below:
        err.print(f"casecheck: below threshold: {'; '.join(below)}", markup=False)
        raise typer.Exit(EXIT_BELOW_TARGET)


@app.command()
@handles_errors
def due(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    as_at: AsAtOpt = None,
    within: Annotated[str, typer.Option("--within", metavar="DURATION", help="Window after the audit date, e.g. 5wd, 2w, 1mo.")] = "5wd",
    by: Annotated[Group | None, typer.Option("--by", help="Group the list by worker, team or manager.")] = None,
    rules: RulesOpt = None,
    fmt: Annotated[SummaryFmt, typer.Option("--format", "-f", help="table, csv or json.")] = SummaryFmt.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the list to this file (csv or json).")] = None,
    top: Annotated[int, typer.Option("--top", metavar="N", min=0, help="Show at most N items on the terminal (0: all); --output and csv/json give every item.")] = 100,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    chunks: ChunksOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Children whose next visit, supervision, review, update or assessment is due soon or overdue."""
    common = Common(config, data, standards, source, mapping)
    hide = Hide(pseudonymise_ids, key_file)
    rule_ids = _rule_ids(rules)
    tables = common.profile.select(rule_ids).tables()
    output = common.out(output)
    as_at_given = resolve_as_at(as_at)
    n_chunks = _chunks(chunks, common.data, common.source, common.mapping, tables, {}, quiet)
    latest: list[dt.date] = []

    def due_list(ds: Dataset, as_at_d: dt.date, progress: Progress) -> pl.DataFrame:
        latest.extend(d for d in [latest_record(ds)] if d is not None)
        # every timescale still outstanding, whenever it started (period all); open cases only
        result = hide.result(audit(ds, common.profile, as_at_d, rules=rule_ids, period="all",
                                   progress=lambda rule: progress.advance(f"Checking {rule.id}")))
        listing = due_soon(result, within)
        return with_group(listing, hide.dataset(ds), by.value) if by else listing

    with Progress(quiet) as progress:
        if n_chunks > 1:  # each child's items come from one slice: the lists join up
            from casecheck.chunked import compact, slices

            as_at_d = as_at_given or dt.date.today()
            parts = []
            for _i, _n, ds in slices(common.data, as_at_d, n_chunks, tables, progress=progress.step):
                parts.append(compact(due_list(ds, as_at_d, progress)))
                protected = common.inputs(ds, hide)
                del ds  # one slice in memory at a time
            listing = pl.concat(parts)
        else:
            ds = common.load(as_at_given, progress, rule_ids)
            as_at_d = ds.as_at or dt.date.today()
            progress.step("Checking rules", total=len(common.profile.select(rule_ids).rules))
            listing = due_list(ds, as_at_d, progress)
            protected = common.inputs(ds, hide)
    _warn_stale(max(latest, default=None), as_at_d)
    keys = ["due_date", "rule_id", "child_id"]
    if by:
        listing = listing.sort("group", *keys, maintain_order=True).select(
            pl.col("group").alias(by.value), pl.exclude("group"))
    else:
        listing = listing.sort(keys, maintain_order=True)
    if _emit(listing, output, fmt, protected) and not quiet:
        render_due(listing, out, as_at_d, within, by.value if by else None, limit=top or None)


@app.command()
@handles_errors
def trend(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    from_month: Annotated[str, typer.Option("--from", metavar="YYYY-MM", help="First month.")] = "",
    to_month: Annotated[str, typer.Option("--to", metavar="YYYY-MM", help="Last month.")] = "",
    rules: RulesOpt = None,
    fmt: Annotated[SummaryFmt, typer.Option("--format", "-f", help="table, csv or json.")] = SummaryFmt.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the trend (one row per month x rule) to this file.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="PATH", help="Write a workbook with the trend table and a line chart.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    chunks: ChunksOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """% met per rule at each month end, from --from to --to."""
    if not from_month or not to_month:
        raise UsageError("trend needs --from YYYY-MM and --to YYYY-MM")
    common = Common(config, data, standards, source, mapping)
    hide = Hide(pseudonymise_ids, key_file)  # the trend holds no ids; its workbook's issues do
    ends = month_ends(from_month, to_month)
    rule_ids = _rule_ids(rules)
    common.profile.select(rule_ids)
    output, xlsx = common.out(output), common.out(xlsx)
    tables = common.profile.select(rule_ids).tables()
    n_chunks = _chunks(chunks, common.data, common.source, common.mapping, tables, {}, quiet)
    with Progress(quiet) as progress:
        if n_chunks > 1:
            from casecheck.chunked import trend_in_chunks

            frame, ds = trend_in_chunks(common.data, common.profile, ends, n_chunks, rule_ids,
                                        progress=progress.step)
        else:
            ds = common.load(ends[-1], progress, rule_ids)
            n = len(common.profile.select(rule_ids).rules) * len(ends)
            progress.step("Auditing month ends", total=n)
            frame = trend_view(ds, common.profile, ends, rule_ids,
                               progress=lambda end, rule: progress.advance(f"{end:%b %Y}: {rule.id}"))
        _warn_stale(latest_record(ds) if ds.tables else None, ends[-1])
        if xlsx is not None:
            progress.step(f"Writing {xlsx}")
            write_trend_workbook(xlsx, frame, common.profile, hide.dataset(ds),
                                 protected=common.inputs(ds, hide))
    if _emit(frame, output, fmt, common.inputs(ds, hide)) and not quiet:
        render_trend(frame, common.profile, out)


# ---------------------------------------------------------------------------------------------
@standards_app.command("list")
@handles_errors
def standards_list(
    fmt: Annotated[ShowFmt, typer.Option("--format", help="table or json.")] = ShowFmt.table,
) -> None:
    """The bundled standards profiles and their rule counts."""
    profiles = list_profiles()
    if fmt == ShowFmt.json:
        import json

        rows = [{"id": p.id, "authority": p.authority, "title": p.title, "rules": len(p.rules),
                 "document": p.document} for p in profiles]
        typer.echo(json.dumps(rows, indent=1))
        return
    render_profile_list(profiles, out)


@standards_app.command("show")
@handles_errors
def standards_show(
    name: Annotated[str, typer.Argument(help="Profile name or .toml file.", metavar="NAME|FILE")],
    fmt: Annotated[ShowFmt, typer.Option("--format", help="table or json.")] = ShowFmt.table,
) -> None:
    """Each rule of a profile with its numbers and source."""
    profile = resolve_profile(name)
    if fmt == ShowFmt.json:
        import json

        typer.echo(json.dumps(profile_dict(profile), indent=1, ensure_ascii=False))
        return
    render_profile(profile, out)


@standards_app.command("check")
@handles_errors
def standards_check(
    file: Annotated[Path, typer.Argument(help="A profile .toml file (e.g. your edited copy).", metavar="FILE")],
) -> None:
    """Validate a profile file; points at the line that is wrong."""
    profile = load_profile(file)
    kinds: dict[str, int] = {}
    for r in profile.rules:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    out.print(f"{file}: OK: profile '{profile.id}', {len(profile.rules)} rules ({summary}).")


# ---------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def sample(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the synthetic extract into.", metavar="OUTDIR")],
    children: Annotated[int, typer.Option("--children", "-n", min=1, metavar="N", help="Number of children.")] = 300,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Random seed (same seed, same data).")] = 0,
    as_at: AsAtOpt = None,
    years: Annotated[int, typer.Option("--years", min=1, max=20, metavar="Y", help="Years of history before --as-at.")] = 6,
    fmt: Annotated[SampleFmt, typer.Option("--format", help="csv or parquet.")] = SampleFmt.csv,
    quiet: QuietOpt = False,
) -> None:
    """Write a synthetic authority (no real person's data) in the native format."""
    from casecheck.sample import generate_sample, write_sample

    as_at_d = resolve_as_at(as_at) or dt.date.today()
    started = time.perf_counter()
    tables = generate_sample(children=children, seed=seed, as_at=as_at_d, years=years)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = write_sample(tables, outdir, fmt=fmt.value)
    if not quiet:
        rows = sum(t.height for t in tables.values())
        out.print(
            f"Wrote {len(paths)} files ({rows:,} rows, {children:,} synthetic children, as at "
            f"{as_at_d.isoformat()}) to {outdir} in {time.perf_counter() - started:.1f}s."
        )


# ---------------------------------------------------------------------------------------------
@app.command(name="inspect")
@handles_errors
def inspect_cmd(
    data: DataArg,
    source: SourceOpt = "auto",
    mapping: MappingOpt = None,
    fmt: Annotated[str, typer.Option("--format", metavar="table|json", help="table or json.")] = "table",
    propose: Annotated[
        Path | None,
        typer.Option("--propose-mapping", metavar="FILE", help="Write a proposed mapping (TOML) for a report export to FILE, to edit."),
    ] = None,
) -> None:
    """How an extract maps onto the native tables: source, files, columns, row counts."""
    import json

    from casecheck.sources import inspect_source
    from casecheck.sources.common import write_text
    from casecheck.sources.inspection import render_inspection

    if fmt not in ("table", "json"):
        raise UsageError(f"--format '{fmt}' is not one of: table, json")
    insp = inspect_source(data, source=source, mapping=mapping)
    if propose is not None:
        insp.proposed_mapping = insp.propose_mapping()
        inputs = [s.path for s in insp.sources if s.path is not None] + [data]
        write_text(propose, insp.proposed_mapping, protected=inputs)
    if fmt == "json":
        typer.echo(json.dumps(insp.to_dict(), indent=1, ensure_ascii=False))
        return
    render_inspection(insp, out, proposal_path=propose)


def main() -> None:
    """Entry point: never a traceback for a user's mistake; a short report for a bug."""
    try:
        app()
    except CasecheckError as exc:  # pragma: no cover - commands handle these themselves
        err.print(f"casecheck: error: {exc.message}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("casecheck: interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CASECHECK_DEBUG"):
            raise
        err.print(
            f"casecheck: internal error: {type(exc).__name__}: {exc}. This is a bug in casecheck; "
            "set CASECHECK_DEBUG=1 for details and please report it.",
            markup=False,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()
