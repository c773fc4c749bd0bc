"""The ``casecheck`` command line: parses arguments, calls the library, prints.

Exit codes: 0 success; 1 internal error (a bug: please report it); 2 usage error (bad option,
unknown profile, invalid profile file); 3 unusable input (missing folder, table or column,
unreadable file); 4 a rule below ``--fail-under``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import functools
import os
import signal
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
from casecheck.calendar import Duration
from casecheck.changes import (
    Changes,
    changes,
    exceptions_of,
    read_previous_findings,
    with_change_counts,
)
from casecheck.chronology import child_chronology
from casecheck.config import load_config
from casecheck.dataset import Dataset, reason_kind
from casecheck.engine import FINDING_SCHEMA, AuditResult, audit, count_statuses, explain
from casecheck.errors import (
    EXIT_BELOW_TARGET,
    EXIT_INTERNAL,
    EXIT_USAGE,
    CasecheckError,
    InputError,
    UsageError,
)
from casecheck.outputs import (
    Terminated,
    check_format,
    check_outputs,
    extract_files,
    on_sigterm,
    same_file,
)
from casecheck.parse import parse_one_date
from casecheck.periods import PERIOD_KINDS, Period, period_for, resolve_as_at
from casecheck.privacy import KEY_ENV, load_key, pseudonymise
from casecheck.report import (
    STATUS_STYLE,
    findings_frame,
    format_from_path,
    profile_dict,
    render_breakdown,
    render_changes,
    render_dip_sample,
    render_due,
    render_profile,
    render_profile_list,
    render_quality,
    render_summary,
    render_tallies,
    render_trend,
    write_frame,
)
from casecheck.scorecards import audit_before, below, score, scorecard
from casecheck.sources import SOURCES, load_dataset
from casecheck.sources.returns import holds_returns
from casecheck.sources.ssd import is_ssd_folder
from casecheck.standards import list_profiles, load_profile, resolve_profile
from casecheck.views import (
    breakdown,
    caseloads,
    due_soon,
    exceptions,
    latest_record,
    month_ends,
    stale_note,
    with_caseloads,
    with_group,
)
from casecheck.views import trend as trend_view
from casecheck.workbook import (
    write_audit_workbook,
    write_child_workbook,
    write_team_workbooks,
    write_trend_workbook,
)

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
    if (sys.stdout is not None and sys.stdout.isatty()) or os.environ.get("COLUMNS"):
        return None
    return 160


class _Console(Console):
    """Rich's console, except that a closed pipe (``casecheck audit | head``) is reported as
    one line and exit 2 (handles_errors), not a silent exit 1."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


# markup=False: a team called "[/]" or a profile note with "[bold" is text, never Rich markup
out = _Console(highlight=False, soft_wrap=False, width=_console_width(), markup=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


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


#: the most items --top shows (a larger number is all of them anyway)
MAX_TOP = 1_000_000_000


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

    def reporting(self, as_at: dt.date) -> Period:
        """The reporting period an audit at ``as_at`` with these options covers."""
        return period_for(as_at, self.period, self.since)

    @property
    def over(self) -> bool:
        return self.since is not None if self.over_period is None else self.over_period


def _warn_stale(latest: dt.date | None, as_at: dt.date) -> None:
    """One line on stderr when the extract ends more than a month before the audit date."""
    note = stale_note(latest, as_at)
    if note:
        err.print(f"casecheck: warning: {note}", markup=False)


def _uk(day: dt.date | None) -> str:
    """A date as people read it: dd/mm/yyyy (blank for none)."""
    return day.strftime("%d/%m/%Y") if day else ""


def _fail(exc: CasecheckError) -> typer.Exit:
    err.print(f"casecheck: error: {exc.message}", highlight=False)
    return typer.Exit(exc.exit_code)


def handles_errors(fn):
    """Turn CasecheckError into one plain sentence on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            done = fn(*args, **kwargs)
            if sys.stdout is not None:
                sys.stdout.flush()  # (a pipe that closed early says so here, not at exit)
            return done
        except CasecheckError as exc:
            raise _fail(exc) from None
        except OSError as exc:  # printing to a closed stdout, or a pipe whose reader has gone
            if exc.errno not in (errno.EPIPE, errno.EBADF):
                raise
            _stdout_gone()
            raise _fail(UsageError("standard output was closed before casecheck finished "
                                   "writing to it")) from None

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


AsAtOpt = Annotated[str | None, typer.Option("--as-at", metavar="DATE", help="Audit date: YYYY-MM-DD, DD/MM/YYYY, today or last-month-end (the month just ended, for a cron line on the 1st); default today.")]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", metavar="FILE", help="Mapping file for an LCS/EHM report export (TOML)."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]


# ---------------------------------------------------------------------------------------------
@app.command()
@handles_errors
def validate(
    data: OptDataArg = None,
    as_at: AsAtOpt = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    fmt: Annotated[ShowFmt | None, typer.Option("--format", help="table (default) or json.")] = None,
    issues: Annotated[
        Path | None, typer.Option("--issues", metavar="PATH", help="Write every rejected row and blanked value to this CSV.")
    ] = None,
    strict: StrictOpt = False,
    config: ConfigOpt = None,
    chunks: CheckChunksOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Check an extract before auditing: rows read, used and rejected per table, and why."""
    common = Common(config, data, None, source, mapping, command="validate", need_profile=False)
    as_at_given = resolve_as_at(common.pick(as_at, "as_at"))
    fmt = _choice(ShowFmt, common.pick(fmt, "format", ShowFmt.table), "--format")
    issues = common.out(common.pick(issues, "issues"))
    quiet, strict = common.flag(quiet, "quiet"), common.flag(strict, "strict")
    common.check_outputs({"--issues": issues})
    check_format(issues, "csv", "--issues")
    chunks = common.pick(chunks, "chunks", "auto")
    n_chunks = _chunks(chunks, common.data, common.source, common.mapping, None, {},
                       quiet or fmt == ShowFmt.json, verb="check")
    if n_chunks > 1:
        from casecheck.chunked import validate_in_chunks

        with Progress(quiet) as progress:
            progress.step("Chunked check")
            ds = validate_in_chunks(common.data, as_at_given, n_chunks,
                                    progress=lambda msg: progress.step(msg))
    else:
        ds = load_dataset(common.data, source=common.source, as_at=as_at_given, mapping=common.mapping)
    as_at_d = ds.as_at or dt.date.today()
    if issues:
        write_frame(ds.quality.issues, issues, "csv", protected=common.inputs(ds))
    if fmt == ShowFmt.json:
        typer.echo(_quality_json(ds, as_at_d))
    elif not quiet:
        _print_quality(ds, common.data, as_at_d, issues)
    _strict(ds, strict)


def _quality_json(ds: Dataset, as_at_d: dt.date) -> str:
    """``validate --format json``: every count, note and warning the table view shows."""
    import json

    q = ds.quality
    tables = [
        {
            **row,
            "top_reasons": [{"reason": r, "rows": n} for r, n in q.top_reasons(row["table"], 5)],
            "columns": q.reports[row["table"]].mapping,
            "unmapped": q.reports[row["table"]].unmapped,
            "notes": q.reports[row["table"]].notes,
        }
        for row in q.summary().iter_rows(named=True)
    ]
    payload = {
        "source": ds.source,
        "as_at": as_at_d.isoformat(),
        "tables": tables,
        "notes": [*ds.notes, *q.note_lines()],
        "unknown_codes": q.unknown_codes().to_dicts(),
        "rows_set_aside": q.rejected().height,
    }
    return json.dumps(payload, indent=1, ensure_ascii=False)


def _print_quality(ds: Dataset, data: Path, as_at_d: dt.date, issues: Path | None) -> None:
    for note in ds.notes:
        out.print(note)
    render_quality(ds, out, title=f"What casecheck made of {data} (audit date {as_at_d.isoformat()})")
    render_tallies(ds.quality, out)
    rejected = ds.quality.rejected().height
    unknown = ds.quality.unknown_codes()
    if rejected:
        hint = f" (listed in {issues})" if issues else "; use --issues FILE to list them"
        out.print(f"{rejected:,} row(s) set aside{hint}. The rest is usable.")
    elif unknown.is_empty():
        out.print("Every row is usable.")
    if not unknown.is_empty():
        out.print(f"{unknown['rows'].sum():,} row(s) hold a code casecheck does not know: no rule "
                  "matches them (see docs/codes.md; a --mapping can translate them).")


def _unknown_summary(unknown: pl.DataFrame, most: int = 5) -> str:
    """``episodes.episode_type 'Chlid Protection' (5 rows; did you mean child_protection?), ...``"""
    parts = []
    for r in unknown.head(most).iter_rows(named=True):
        guess = f"; did you mean {r['suggestion']}?" if r["suggestion"] else ""
        value = r["value"] if len(r["value"]) <= 60 else r["value"][:60] + "…"
        parts.append(f"{r['table']}.{r['column']} '{value}' ({r['rows']:,} row{'s' if r['rows'] != 1 else ''}{guess})")
    more = f" and {unknown.height - most} more" if unknown.height > most else ""
    return ", ".join(parts) + more


def _strict(ds: Dataset, strict: bool, known: dict[str, set[str]] | None = None) -> None:
    """--strict: a coded value casecheck does not know fails the run (exit 3)."""
    unknown = ds.quality.unknown_codes(known)
    if strict and not unknown.is_empty():
        raise InputError(f"--strict: {unknown.height} coded value(s) casecheck does not know: "
                         f"{_unknown_summary(unknown)}")


def _warn_unknown(ds: Dataset, common: Common, quiet: bool) -> None:
    """audit, due, trend: say which coded values match no rule (they are not silently dropped)."""
    from casecheck.vocabulary import referenced_codes

    unknown = ds.quality.unknown_codes(referenced_codes(common.profile))
    if quiet or unknown.is_empty():
        return
    err.print(f"casecheck: warning: {unknown['rows'].sum():,} row(s) hold a code casecheck does not "
              f"know, so no rule matches them: {_unknown_summary(unknown)}. 'casecheck validate "
              f"{common.data}' lists them; --strict makes this an error.")


# ---------------------------------------------------------------------------------------------
def _print_explain(result: AuditResult, timeline: pl.DataFrame, child_id: str) -> None:
    out.print(Text.assemble((f"Child {child_id}", "bold"), f" · {result.question} · profile {result.profile.id}"))
    f = result.findings
    if f.is_empty():
        out.print("No rule applies to this child at the audit date.")
    for row in f.iter_rows(named=True):
        status = Text(row["status"], style=STATUS_STYLE.get(row["status"], ""))
        out.print(Text.assemble("\n", (row["rule_id"], "bold"), f" ({row['episode_type']}): ", status))
        out.print(f"  {row['detail']}")
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
    """Options shared by the commands that read an extract, resolved against casecheck.toml
    (the command line wins; then the command's own table in the file, then its top level)."""

    def __init__(self, config: Path | None, data: Path | None, standards: str | None,
                 source: str | None, mapping: Path | None, *, command: str = "audit",
                 need_profile: bool = True) -> None:
        self.command = command
        self.config = load_config(config)
        where = self.config.path.name if self.config.path else "casecheck.toml"
        self.data = data or self.pick(None, "data")
        if self.data is None:
            raise UsageError(f"no DATA given (and no 'data' in {where})")
        self.profile = None
        if need_profile:
            name = standards or self.pick(None, "standards")
            if not name:
                raise UsageError(f"no --standards given (and no 'standards' in {where})")
            self.profile = resolve_profile(name)
            if self.config.closure_days:
                self.profile = self.profile.with_closure_days(self.config.closure_days)
        self.source = source or self.pick(None, "source") or "auto"
        self.mapping = mapping or self.pick(None, "mapping")

    def pick(self, given: object, key: str, default: object = None):
        """An option's value: the command line's if given, else the config file's, else ``default``."""
        return self.config.pick(given, key, self.command, default)

    def flag(self, given: bool, key: str) -> bool:
        """A flag: on if given on the command line or set true in the config file."""
        return bool(given or self.config.get(key, self.command, False))

    def out(self, path: Path | None) -> Path | None:
        return self.config.output_path(path)

    def named_inputs(self, key_file: Path | None = None) -> list[Path]:
        """The files the run reads besides the extract: profile, config, mapping, key."""
        named = [self.profile.path if self.profile else None, self.config.path, self.mapping, key_file]
        return [Path(p) for p in named if p is not None]

    def check_outputs(self, outputs: dict[str, Path | None], key_file: Path | None = None) -> None:
        """Before any work: no output over an input or into the extract folder, none twice."""
        check_outputs(outputs, self.named_inputs(key_file), Path(self.data))

    def inputs(self, ds: Dataset, hide: Hide | None = None) -> list[Path]:
        """Every file this run reads, and every file of the extract: outputs are never written
        over any of them."""
        keys = hide.inputs if hide is not None else []
        return [*ds.files, *extract_files(Path(self.data)), *self.named_inputs(), *keys]

    def load(self, as_at: dt.date | None, progress: Progress, rule_ids: list[str] | None = None) -> Dataset:
        """Read the extract: of a native one, only the tables the chosen rules need."""
        progress.step(f"Reading {self.data}")
        tables = self.profile.select(rule_ids).tables()
        return load_dataset(self.data, source=self.source, as_at=as_at, mapping=self.mapping, tables=tables)


def _choice(kind: type[StrEnum], value: object, option: str):
    """An option's value (from the command line or the config file) as one of its choices."""
    try:
        return kind(str(value))
    except ValueError:
        choices = ", ".join(k.value for k in kind)  # type: ignore[attr-defined]
        raise UsageError(f"{option} '{value}' is not one of: {choices}") from None


StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 3 if any coded value is one casecheck does not know (see docs/codes.md).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", metavar="FILE", help="Defaults file (default: ./casecheck.toml if present).")]
OptDataArg = Annotated[Path | None, typer.Argument(help="Extract: a folder of table files, one workbook, or one statutory return (903 or CIN census XML); default: 'data' in casecheck.toml.", show_default=False, metavar="DATA")]
StandardsOpt = Annotated[str | None, typer.Option("--standards", "-s", metavar="NAME|FILE", help="Profile name (see 'standards list') or a .toml file.")]
RulesOpt = Annotated[str | None, typer.Option("--rules", metavar="IDS", help="Only these rule ids, comma-separated.")]


def _chunks_option(what: str, findings: str = "") -> object:
    """``--chunks N|auto`` for a command that ``what``s an extract (one text for all four)."""
    return Annotated[str | None, typer.Option("--chunks", metavar="N|auto", help=(
        f"{what} a native folder N slices of children at a time, to bound memory{findings}; "
        "auto: slices of about 6 million rows when it holds over 20 million."))]


ChunksOpt = _chunks_option("Audit")
AuditChunksOpt = _chunks_option("Audit", " (findings as csv or parquet)")
CheckChunksOpt = _chunks_option("Check")
OptSourceOpt = Annotated[str | None, typer.Option("--source", metavar="SOURCE", help=f"Input format: {', '.join(SOURCES)} (default auto).")]


def _list_format(output: Path | None, fmt: SummaryFmt, option: str = "--output") -> str | None:
    """The format a due list or trend is written in to ``output`` (from --format, else the
    extension; a name that contradicts it is refused); None without an output."""
    if output is None:
        return None
    found = format_from_path(output, "csv") if fmt == SummaryFmt.table else fmt.value
    check_format(output, found, option)
    return found


def _emit(frame: pl.DataFrame, output: Path | None, fmt: SummaryFmt, protected: list[Path]) -> bool:
    """Write a due list or trend to --output (format from --format or the extension), or to
    stdout for csv/json; True when the table should still be shown on the terminal."""
    if output is not None:
        write_frame(frame, output, _list_format(output, fmt) or "csv", protected)
        return True
    if fmt != SummaryFmt.table:
        write_frame(frame, None, fmt.value)
        return False
    return True


def _rule_ids(rules: str | None) -> list[str] | None:
    return [r.strip() for r in rules.split(",") if r.strip()] if rules else None


def _threshold(threshold: str | None) -> None:
    """``--fail-under``, checked before any work: a percentage from 0 to 100, ``target`` or
    ``floor`` (each rule's own)."""
    if threshold is None or str(threshold).strip().lower() in ("target", "floor"):
        return
    try:
        value = float(str(threshold).strip().rstrip("%"))
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 100:  # (nan and inf fail here too)
        raise UsageError(f"--fail-under '{threshold}' is not a percentage from 0 to 100, 'target' or 'floor'")


def _fail_under(card: pl.DataFrame, threshold: str | None) -> list[str]:
    """Every rule below --fail-under (a percentage, 'target' or 'floor': each rule's own);
    figures not rated (too few decided cases) or not assessed never fail."""
    if threshold is None:
        return []
    _threshold(threshold)
    return below(card, str(threshold))


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

    def __init__(self, on: bool, key_file: Path | None, common: Common | None = None) -> None:
        if common is not None:  # (the config file may turn it on and name the key file)
            on = common.flag(on, "pseudonymise")
            key_file = key_file if key_file is not None else (
                common.pick(None, "key_file") if on else None)
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


@dataclasses.dataclass
class AuditPlan:
    """What an audit run will write and show, resolved and checked before any work is done."""

    fmt: Fmt
    output: Path | None
    findings_fmt: str
    summary_format: SummaryFmt | None
    summary_output: Path | None
    xlsx: Path | None
    by: Group | None
    top: int
    fail_under: str | None
    quiet: bool
    strict: bool
    html: Path | None = None
    xlsx_per_team: Path | None = None
    changes_output: Path | None = None
    previous_file: Path | None = None  # --previous FILE: compared with instead of the extract

    @property
    def stdout_taken(self) -> bool:
        """The findings go to stdout (csv or json without --output)."""
        return self.output is None and self.fmt in (Fmt.csv, Fmt.json)


_XLSX_HINT = "--output writes the findings as csv, json or parquet; for the audit workbook give --xlsx"


def _audit_plan(common: Common, hide: Hide, child: str | None, fmt: Fmt | None, output: Path | None,
                summary_format: SummaryFmt | None, summary_output: Path | None, xlsx: Path | None,
                by: Group | None, top: int | None, fail_under: str | None, quiet: bool,
                strict: bool, html: Path | None = None, xlsx_per_team: Path | None = None,
                changes_output: Path | None = None) -> AuditPlan:
    """Resolve audit's outputs against the config file and refuse, before reading anything, a
    combination that cannot work: --child with an output, a format the file name contradicts,
    two outputs at one path or over an input, the summary and findings both on stdout."""
    if child is not None:
        given = {"--output": output, "--summary-output": summary_output, "--by": by,
                 "--format": fmt if fmt not in (None, Fmt.table) else None,
                 "--summary-format": summary_format, "--fail-under": fail_under,
                 "--pseudonymise": hide.key, "--xlsx-per-team": xlsx_per_team,
                 "--changes-output": changes_output}
        clash = [opt for opt, v in given.items() if v is not None]
        if clash:
            raise UsageError(f"--child explains one child (on the terminal, and with --xlsx or --html "
                             f"in a file to take away): it cannot be combined with {', '.join(clash)}")
        html, xlsx = common.out(html), common.out(xlsx)
        common.check_outputs({"--html": html, "--xlsx": xlsx})
        check_format(html, "html", "--html")
        check_format(xlsx, "xlsx", "--xlsx")
        return AuditPlan(Fmt.table, None, "csv", None, None, xlsx, None, 0, None, quiet, strict, html)
    fmt = _choice(Fmt, common.pick(fmt, "format", Fmt.table), "--format")
    output = common.out(common.pick(output, "output"))
    summary_output = common.out(common.pick(summary_output, "summary_output"))
    xlsx = common.out(common.pick(xlsx, "xlsx"))
    html = common.out(common.pick(html, "html"))
    per_team = common.out(common.pick(xlsx_per_team, "xlsx_per_team"))
    changes_out = common.out(common.pick(changes_output, "changes_output"))
    common.check_outputs({"--output": output, "--summary-output": summary_output, "--xlsx": xlsx,
                          "--html": html, "--changes-output": changes_out}, *hide.inputs)
    if per_team is not None and same_file(per_team, Path(common.data)):
        raise UsageError(f"refusing to write team workbooks into the extract folder {per_team}")
    sfmt = common.pick(summary_format, "summary_format")
    group = common.pick(by, "by")
    plan = AuditPlan(
        fmt, output, fmt.value, _choice(SummaryFmt, sfmt, "--summary-format") if sfmt else None,
        summary_output, xlsx, _choice(Group, group, "--by") if group else None,
        int(common.pick(top, "top", 10)), common.pick(fail_under, "fail_under"), quiet, strict,
        html, per_team, changes_out)
    if changes_out is not None:
        check_format(changes_out, format_from_path(changes_out, "csv"), "--changes-output")
    if output is not None:
        plan.findings_fmt = format_from_path(output, "csv") if fmt == Fmt.table else fmt.value
        named = Path(output).suffix.lower()
        hint = f"{_XLSX_HINT} {Path(output).stem}.xlsx" if named in (".xlsx", ".xls", ".xlsm", ".ods") else ""
        check_format(output, plan.findings_fmt, "--output", hint)
    elif fmt == Fmt.parquet:
        raise UsageError("--format parquet needs --output PATH")
    if summary_output is not None:
        check_format(summary_output, format_from_path(summary_output, "csv"), "--summary-output")
    check_format(xlsx, "xlsx", "--xlsx")
    check_format(html, "html", "--html")
    if plan.stdout_taken and plan.summary_format in (SummaryFmt.csv, SummaryFmt.json):
        raise UsageError("findings already go to stdout: give --output PATH, or --summary-output PATH")
    _threshold(plan.fail_under)
    return plan


@app.command(name="audit")
@handles_errors
def audit_cmd(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    as_at: AsAtOpt = None,
    period: Annotated[
        PeriodKind | None,
        typer.Option("--period", help="Reporting period ending at the audit date: month (the default), quarter, year (financial, from 1 April), 12m or all. Timescale rules count what was decided in it."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Start the reporting period on DATE instead, and ask frequency, recency and presence rules the audit-period question over it."),
    ] = None,
    over_period: Annotated[
        bool,
        typer.Option("--over-period", help="Ask frequency, recency and presence rules whether every interval in the period was kept (the audit-period question), not whether the child is in date at the audit date."),
    ] = False,
    rules: RulesOpt = None,
    fmt: Annotated[Fmt | None, typer.Option("--format", "-f", help="Findings format: table (summary only; the default), csv, json or parquet.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the child-level findings here (format from --format or the extension).")
    ] = None,
    summary_format: Annotated[
        SummaryFmt | None, typer.Option("--summary-format", help="Print the per-rule summary as table, csv or json.")
    ] = None,
    summary_output: Annotated[
        Path | None, typer.Option("--summary-output", metavar="PATH", help="Write the per-rule summary to this file (csv or json).")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="PATH", help="Write the audit workbook (scorecard, by team, caseloads, exceptions, due soon, data quality).")] = None,
    xlsx_per_team: Annotated[Path | None, typer.Option("--xlsx-per-team", metavar="DIR", help="Write one workbook per team into DIR (made if missing): its own children only, the authority's figures beside the team's.")] = None,
    html: Annotated[Path | None, typer.Option("--html", metavar="PATH", help="Write one self-contained HTML report (scorecard, team grid, charts, exceptions, due soon, data quality); with --child, that child's explanation.")] = None,
    by: Annotated[Group | None, typer.Option("--by", help="Break the summary down by team, worker or manager, with open children and caseloads.")] = None,
    top: Annotated[int | None, typer.Option("--top", metavar="N", min=0, max=MAX_TOP, help="Show the N worst exceptions (default 10; 0 to hide).")] = None,
    fail_under: Annotated[
        str | None, typer.Option("--fail-under", metavar="PCT|target|floor", help="Exit 4 if any rated rule's % met is below PCT, or below its own target or floor.")
    ] = None,
    previous_file: Annotated[Path | None, typer.Option("--previous", metavar="FILE", help="Compare with the findings file casecheck wrote for the previous period (CSV or Parquet) instead of auditing this extract again at that period's end: for extracts that are not cumulative.")] = None,
    no_previous: Annotated[bool, typer.Option("--no-previous", help="Leave out the comparison with the previous period (direction of travel and changes): one audit instead of two.")] = False,
    changes_output: Annotated[Path | None, typer.Option("--changes-output", metavar="PATH", help="Write the exceptions new, resolved and carried over since the previous period, one row per rule and child (csv, json or parquet, from the extension).")] = None,
    child: Annotated[str | None, typer.Option("--child", metavar="CHILD_ID", help="Explain one child: the timeline behind each verdict.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    strict: StrictOpt = False,
    chunks: AuditChunksOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Audit an extract against a standards profile.

    Frequency, recency and presence rules ask whether each child is in date at the audit date
    (with --over-period or --since: whether every interval in the period was kept). Timescale
    rules count the requirements decided in the reporting period (--period, default the month of
    the audit date), each once: done on time in it, or fallen overdue in it.
    """
    common = Common(config, data, standards, source, mapping)
    hide = Hide(pseudonymise_ids, key_file, None if child is not None else common)
    since_d = _date(common.pick(since, "since"), "--since")
    asked = Asked(_choice(PeriodKind, common.pick(period, "period", "month"), "--period").value, since_d,
                  common.flag(over_period, "over_period") or None)
    as_at_given = resolve_as_at(common.pick(as_at, "as_at"))
    rule_ids = _rule_ids(common.pick(rules, "rules"))
    common.profile.select(rule_ids)  # unknown ids fail before loading data
    plan = _audit_plan(common, hide, child, fmt, output, summary_format, summary_output, xlsx, by, top,
                       fail_under, common.flag(quiet, "quiet"), common.flag(strict, "strict"), html,
                       xlsx_per_team, changes_output)
    compare = _Compare.plan(common, hide, previous_file, no_previous, plan)
    plan.previous_file = compare.file
    started = time.perf_counter()
    unsupported = {"--xlsx": plan.xlsx, "--xlsx-per-team": plan.xlsx_per_team, "--html": plan.html,
                   "--by": plan.by, "--child": child, "--pseudonymise": hide.key is not None or None,
                   "--previous": compare.file}
    whole_only = {**unsupported, "--format json": plan.fmt == Fmt.json or None,
                  "findings on stdout": plan.stdout_taken or None}
    n_chunks = _chunks(common.pick(chunks, "chunks", "auto"), common.data, common.source, common.mapping,
                       common.profile.select(rule_ids).tables(), whole_only, plan.quiet)
    if n_chunks > 1:
        _audit_chunked(common, n_chunks, as_at_given or dt.date.today(), asked, rule_ids, plan,
                       unsupported, compare.on)
        return
    with Progress(plan.quiet) as progress:
        ds = common.load(as_at_given, progress, rule_ids)
    as_at_d = ds.as_at or dt.date.today()
    if not plan.quiet:
        for note in ds.notes:
            err.print(note)
    _strict(ds, plan.strict, _referenced(common))
    _warn_unknown(ds, common, plan.quiet)
    _warn_stale(latest_record(ds), as_at_d)
    if child is not None:
        _explain_child(common, ds, child, as_at_d, since_d, rule_ids, asked, plan, hide)
        return
    with Progress(plan.quiet) as progress:
        n_rules = len(common.profile.select(rule_ids).rules)
        cache: dict = {}  # the events, gathered once for both audits
        profile = common.profile.select(rule_ids)
        # first, so that two audits' findings are never in memory at once
        before = compare.before(ds, profile, asked.reporting(as_at_d), asked.over, cache, progress,
                                keep_findings=plan.xlsx_per_team is not None)
        progress.step("Checking rules", total=n_rules)
        raw = audit(ds, common.profile, as_at_d, since_d, rule_ids, period=asked.period,
                    over_period=asked.over_period,
                    progress=lambda rule: progress.advance(f"Checking {rule.id}"), cache=cache)
        changed = compare.changes(raw, ds, cache, progress)
        del cache
        result = hide.result(raw)
        card = scorecard(result, before) if compare.file is None else compare.card(result)
        reports = _Reports(result, before, card, hide.dataset(ds), str(common.data),
                           common.inputs(ds, hide), pseudonymised=hide.key is not None, changes=changed)
        reports.write(progress, xlsx=plan.xlsx, per_team=plan.xlsx_per_team, html=plan.html)
    _audit_outputs(common, hide, ds, result, card, plan, time.perf_counter() - started, reports.team_files,
                   changed)


class _Compare:
    """The comparison with the previous period an audit makes: the same extract audited again at
    the previous period's end (the default), a findings file saved then (``--previous FILE``),
    or none (``--no-previous``, or a quiet run that only writes findings). It gives the scorecard
    its direction of travel and the exceptions new, resolved and carried over."""

    def __init__(self, on: bool, file: Path | None, hide: Hide, wanted_changes: bool) -> None:
        self.on, self.file, self.hide, self.wanted_changes = on, file, hide, wanted_changes
        self.previous_findings: pl.DataFrame | None = None
        self.before_exceptions: pl.DataFrame | None = None
        self.before_end: dt.date | None = None

    @classmethod
    def plan(cls, common: Common, hide: Hide, file: Path | None, no_previous: bool, plan: AuditPlan) -> _Compare:
        file = common.pick(file, "previous")
        off = common.flag(no_previous, "no_previous")
        if off and (file is not None or plan.changes_output is not None):
            raise UsageError("--no-previous leaves out the comparison: it cannot be combined with "
                             + ("--previous" if file is not None else "--changes-output"))
        if file is not None and not Path(file).is_file():
            raise UsageError(f"--previous {file}: no such file (give the findings file casecheck wrote last time)")
        # (only when a summary is shown or written: a quiet run that writes findings needs none)
        shown = bool(not plan.quiet or plan.summary_output or plan.summary_format or plan.xlsx
                     or plan.xlsx_per_team or plan.html or plan.changes_output)
        return cls(not off and shown, Path(file) if file is not None else None, hide,
                   plan.xlsx is not None or plan.html is not None or plan.changes_output is not None
                   or not plan.quiet or plan.summary_output is not None or plan.summary_format is not None)

    def before(self, ds: Dataset, profile, period, over: bool, cache: dict, progress: Progress,
               keep_findings: bool) -> AuditResult | None:
        """The previous period's audit (for direction of travel) and its exceptions (for the
        changes), from the extract; or the saved findings file."""
        if not self.on:
            return None
        if self.file is not None:
            self.previous_findings = read_previous_findings(self.file)
            return None
        progress.step("Auditing the previous period")
        before = audit_before(ds, profile, period, over_period=over, cache=cache)
        self.before_end = before.as_at
        if self.wanted_changes:
            self.before_exceptions = exceptions_of(before, ds, cache)
        if not keep_findings:  # only the team workbooks count its findings again
            before = dataclasses.replace(before, findings=before.findings.clear())
        return self.hide.result(before)

    def changes(self, result: AuditResult, ds: Dataset, cache: dict, progress: Progress) -> Changes | None:
        if not self.on or not self.wanted_changes:
            return None
        progress.step("Comparing exceptions with the previous period")
        if self.file is not None:
            # a pseudonymised file holds pseudonyms: compare with this run's, without the extract
            hidden = self.hide.key is not None
            current = self.hide.result(result) if hidden else result
            return changes(current, None if hidden else ds, previous=self.previous_findings,
                           previous_source=self.file.name, cache=cache)
        found = changes(result, ds, before=self.before_exceptions, before_end=self.before_end, cache=cache)
        return dataclasses.replace(found, items=self.hide.frame(found.items))

    def card(self, result: AuditResult) -> pl.DataFrame:
        """The scorecard against the saved findings' counts (``--previous FILE``)."""
        if self.previous_findings is None:
            return scorecard(result)
        counts = count_statuses(self.previous_findings, ["rule_id"])
        assert result.period is not None
        return score(result.summary, result.profile, counts, result.period.previous().end)


class _Reports:
    """The files an audit writes for people: the workbook, one workbook per team, the HTML."""

    def __init__(self, result: AuditResult, previous: AuditResult | None, card: pl.DataFrame,
                 dataset: Dataset, data_label: str, protected: list[Path], pseudonymised: bool = False,
                 changes: Changes | None = None) -> None:
        self.result, self.previous, self.card = result, previous, card
        self.dataset, self.data_label, self.protected = dataset, data_label, protected
        self.pseudonymised, self.changes = pseudonymised, changes
        self.team_files: list[Path] = []

    def write(self, progress: Progress, xlsx: Path | None, per_team: Path | None, html: Path | None) -> None:
        common = {"data_label": self.data_label, "protected": self.protected}
        due = due_soon(self.result) if (xlsx or html) else None
        if xlsx is not None:
            progress.step(f"Writing {xlsx}")
            write_audit_workbook(xlsx, self.result, self.dataset, card=self.card, due=due, changes=self.changes,
                                 **common)
        if per_team is not None:
            progress.step(f"Writing team workbooks to {per_team}")
            self.team_files = write_team_workbooks(per_team, self.result, self.dataset, previous=self.previous,
                                                   card=self.card, **common)
        if html is not None:
            from casecheck.html_report import write_audit_html

            progress.step(f"Writing {html}")
            write_audit_html(html, self.result, self.dataset, card=self.card, due=due,
                             pseudonymised=self.pseudonymised, changes=self.changes, **common)


def _explain_child(common: Common, ds: Dataset, child: str, as_at: dt.date, since: dt.date | None,
                   rule_ids: list[str] | None, asked: Asked, plan: AuditPlan, hide: Hide) -> None:
    """``audit --child ID``: the explanation on the terminal, and with --xlsx or --html in a file
    to take away (each rule's verdict and timeline, and the child's chronology)."""
    result, timeline = explain(ds, common.profile, child, as_at, since, rule_ids, period=asked.period,
                               over_period=asked.over_period)
    if not plan.quiet or (plan.xlsx is None and plan.html is None):
        _print_explain(result, timeline, child)
    if plan.xlsx is None and plan.html is None:
        return
    events = child_chronology(ds, child, as_at)
    files = {"data_label": str(common.data), "protected": common.inputs(ds, hide)}
    if plan.xlsx is not None:
        write_child_workbook(plan.xlsx, result, timeline, child, ds, events, **files)
    if plan.html is not None:
        from casecheck.html_report import write_child_html

        write_child_html(plan.html, result, timeline, child, ds, chronology=events, **files)
    if not plan.quiet:
        written = ", ".join(str(p) for p in (plan.xlsx, plan.html) if p is not None)
        out.print(Text(f"\nChild {child}'s verdicts, timeline and chronology written to {written}.", style="dim"))


def _referenced(common: Common) -> dict[str, set[str]]:
    from casecheck.vocabulary import referenced_codes

    return referenced_codes(common.profile)


def _audit_outputs(common: Common, hide: Hide, ds: Dataset, result: AuditResult, card: pl.DataFrame,
                   plan: AuditPlan, elapsed: float, team_files: list[Path],
                   changes: Changes | None = None) -> None:
    """Write the findings and summary where the plan says, print the summary, apply --fail-under."""
    protected = common.inputs(ds, hide)
    if changes is not None:
        card = with_change_counts(card, changes)
        if plan.changes_output is not None:
            write_frame(changes.items, plan.changes_output, format_from_path(plan.changes_output, "csv"), protected)
    findings = findings_frame(result)
    if plan.output is not None:
        write_frame(findings, plan.output, plan.findings_fmt, protected)
    elif plan.stdout_taken:
        write_frame(findings, None, plan.fmt.value)
    by = plan.by.value if plan.by else None
    caseload = caseloads(hide.dataset(ds), result.as_at, by) if by else None
    summary = with_caseloads(breakdown(result, hide.dataset(ds), by), caseload) if by else card
    if plan.summary_output is not None:
        write_frame(summary, plan.summary_output, format_from_path(plan.summary_output, "csv"), protected)
    sfmt = plan.summary_format or (SummaryFmt.table if not plan.stdout_taken else None)
    if sfmt in (SummaryFmt.csv, SummaryFmt.json):
        write_frame(summary, None, sfmt.value)
    elif not plan.quiet:
        console = out if not plan.stdout_taken else err
        render_summary(result, console, data_label=str(common.data), card=card,
                       previous=f"{plan.previous_file.name}, findings saved for" if plan.previous_file else None)
        if by:
            render_breakdown(summary, result, console, by, caseload)
        if changes is not None:
            render_changes(changes, console)
        _render_exceptions(result, console, plan.top)
        rejected = ds.quality.rejected().height
        if rejected:
            console.print(Text(
                f"{rejected:,} input row(s) were set aside as unusable: run 'casecheck validate "
                f"{common.data}' to see why.", style="yellow"))
        written = [str(p) for p in (plan.output, plan.summary_output, plan.xlsx, plan.html, plan.changes_output)
                   if p is not None]
        if plan.xlsx_per_team is not None:
            written.append(f"{len(team_files)} team workbook(s) in {plan.xlsx_per_team}")
        where = f"; written to {', '.join(written)}" if written else ""
        console.print(Text(f"{findings.height:,} finding(s) in {elapsed:.1f}s{where}.", style="dim"))
    _exit_if_below(card, plan.fail_under)


def _exit_if_below(summary: pl.DataFrame, fail_under: str | None) -> None:
    below = _fail_under(summary, fail_under)
    if below:
        err.print(f"casecheck: below threshold: {'; '.join(below)}")
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
            or (source == "auto" and (is_ssd_folder(path) or holds_returns(path)))):
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
                   rule_ids: list[str] | None, plan: AuditPlan, unsupported: dict[str, object],
                   previous: bool = True) -> None:
    """``audit --chunks N``: the same findings, a slice of children at a time (bounded memory)."""
    from casecheck.chunked import audit_in_chunks

    given = [name for name, value in unsupported.items() if value]
    if given:
        raise UsageError(f"{', '.join(given)} cannot be combined with --chunks")
    if common.source not in ("auto", "native") or common.mapping is not None:
        raise UsageError("--chunks reads a native folder extract (CSV or Parquet files)")
    if plan.output is None and plan.fmt != Fmt.table:
        raise UsageError("with --chunks, give --output PATH for the findings")
    if plan.output is not None and plan.findings_fmt not in ("csv", "parquet"):
        raise UsageError("with --chunks, findings are written as csv or parquet")
    started = time.perf_counter()
    protected = [*common.named_inputs(), *extract_files(Path(common.data))]
    with Progress(plan.quiet) as progress:
        progress.step("Chunked audit")
        result = audit_in_chunks(
            common.data, common.profile, as_at, chunks, plan.output, plan.findings_fmt, since=asked.since,
            period=asked.period, over_period=asked.over_period, rules=rule_ids, protected=protected, progress=lambda msg: progress.step(msg),
            previous=previous and (not plan.quiet or plan.summary_output is not None
                                   or plan.summary_format is not None or plan.changes_output is not None),
            changes=True,
        )
    elapsed = time.perf_counter() - started
    _warn_stale(result.latest, as_at)
    shell_ds = Dataset({}, result.quality)
    _strict(shell_ds, plan.strict, _referenced(common))
    _warn_unknown(shell_ds, common, plan.quiet)
    card = score(result.summary, common.profile.select(rule_ids), result.previous, result.previous_as_at)
    if result.changes is not None:
        card = with_change_counts(card, result.changes)
        if plan.changes_output is not None:
            write_frame(result.changes.items, plan.changes_output, format_from_path(plan.changes_output, "csv"),
                        [*protected, *result.files])
    if plan.summary_output is not None:
        write_frame(card, plan.summary_output, format_from_path(plan.summary_output, "csv"),
                    [*protected, *result.files])
    if plan.summary_format in (SummaryFmt.csv, SummaryFmt.json):
        write_frame(card, None, plan.summary_format.value)
    elif not plan.quiet:
        shell = AuditResult(pl.DataFrame(schema=FINDING_SCHEMA), result.summary, common.profile.select(rule_ids),
                            as_at, None, period=result.period, over_period=result.over_period)
        render_summary(shell, out, data_label=str(common.data), card=card)
        if result.changes is not None:
            render_changes(result.changes, out)
        out.print(Text(f"{result.findings:,} finding(s) in {result.chunks} slices in {elapsed:.1f}s"
                       + (f"; written to {plan.output}" if plan.output else "") + ".", style="dim"))
    _exit_if_below(card, plan.fail_under)


@app.command()
@handles_errors
def due(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    as_at: AsAtOpt = None,
    within: Annotated[str | None, typer.Option("--within", metavar="DURATION", help="Window after the audit date, e.g. 5wd (the default), 2w, 1mo.")] = None,
    by: Annotated[Group | None, typer.Option("--by", help="Group the list by worker, team or manager.")] = None,
    rules: RulesOpt = None,
    fmt: Annotated[SummaryFmt | None, typer.Option("--format", "-f", help="table (default), csv or json.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the list to this file (csv or json).")] = None,
    top: Annotated[int | None, typer.Option("--top", metavar="N", min=0, max=MAX_TOP, help="Show at most N items on the terminal (default 100; 0: all); --output and csv/json give every item.")] = None,
    per_worker: Annotated[Path | None, typer.Option("--per-worker", metavar="DIR", help="Also write one small workbook per worker into DIR (made if missing), named by worker id: that worker's overdue and due-soon children, for managers to send out.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    chunks: ChunksOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Children whose next visit, supervision, review, update or assessment is due soon or overdue."""
    common = Common(config, data, standards, source, mapping, command="due")
    hide = Hide(pseudonymise_ids, key_file, common)
    rule_ids = _rule_ids(common.pick(rules, "rules"))
    tables = common.profile.select(rule_ids).tables()
    within = str(common.pick(within, "within", "5wd"))
    Duration.parse(within)  # a bad window fails before any data is read
    group = common.pick(by, "by")
    by = _choice(Group, group, "--by") if group else None
    fmt = _choice(SummaryFmt, common.pick(fmt, "format", SummaryFmt.table), "--format")
    output = common.out(common.pick(output, "output"))
    top = int(common.pick(top, "top", 100))
    quiet = common.flag(quiet, "quiet")
    common.check_outputs({"--output": output}, *hide.inputs)
    _list_format(output, fmt)
    per_worker = common.out(common.pick(per_worker, "per_worker"))
    if per_worker is not None and same_file(per_worker, Path(common.data)):
        raise UsageError(f"refusing to write worker workbooks into the extract folder {per_worker}")
    as_at_given = resolve_as_at(common.pick(as_at, "as_at"))
    n_chunks = _chunks(common.pick(chunks, "chunks", "auto"), common.data, common.source, common.mapping,
                       tables, {"--per-worker": per_worker}, quiet)
    if n_chunks > 1 and per_worker is not None:
        raise UsageError("--per-worker cannot be combined with --chunks")
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
            with contextlib.closing(slices(common.data, as_at_d, n_chunks, tables,
                                           progress=progress.step)) as sliced:
                for _i, _n, ds in sliced:
                    parts.append(compact(due_list(ds, as_at_d, progress)))
                    protected = common.inputs(ds, hide)
                    del ds  # one slice in memory at a time
            listing = pl.concat(parts)
        else:
            ds = common.load(as_at_given, progress, rule_ids)
            as_at_d = ds.as_at or dt.date.today()
            _warn_unknown(ds, common, quiet)
            progress.step("Checking rules", total=len(common.profile.select(rule_ids).rules))
            listing = due_list(ds, as_at_d, progress)
            protected = common.inputs(ds, hide)
    _warn_stale(max(latest, default=None), as_at_d)
    keys = ["due_date", "rule_id", "child_id"]
    if by:
        listing = listing.sort("group", *keys, maintain_order=True).select(  # (--by team: the
            pl.col("group").alias(by.value), pl.exclude("group", by.value))  # group is the team)
    else:
        listing = listing.sort(keys, maintain_order=True)
    shown = _emit(listing, output, fmt, protected) and not quiet
    if per_worker is not None:
        from casecheck.workbook import write_worker_workbooks

        mine = listing.drop(by.value) if by is not None and by != Group.team else listing
        files = write_worker_workbooks(per_worker, mine, common.profile, hide.dataset(ds), as_at_d, within,
                                       data_label=str(common.data), protected=protected)
        if not quiet:
            err.print(f"casecheck: {len(files)} worker workbook(s) written to {per_worker}.")
    if shown:
        render_due(listing, out, as_at_d, within, by.value if by else None, limit=top or None)


@app.command()
@handles_errors
def trend(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    from_month: Annotated[str | None, typer.Option("--from", metavar="YYYY-MM", help="First month.")] = None,
    to_month: Annotated[str | None, typer.Option("--to", metavar="YYYY-MM", help="Last month.")] = None,
    rules: RulesOpt = None,
    fmt: Annotated[SummaryFmt | None, typer.Option("--format", "-f", help="table (default), csv or json.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the trend (one row per month x rule) to this file.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="PATH", help="Write a workbook with the trend table and one small chart per rule.")] = None,
    html: Annotated[Path | None, typer.Option("--html", metavar="PATH", help="Write one self-contained HTML report: the last month's scorecard, one chart per rule, the table.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    chunks: ChunksOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """% met per rule at each month end, from --from to --to."""
    common = Common(config, data, standards, source, mapping, command="trend")
    from_month, to_month = common.pick(from_month, "from"), common.pick(to_month, "to")
    if not from_month or not to_month:
        raise UsageError("trend needs --from YYYY-MM and --to YYYY-MM")
    hide = Hide(pseudonymise_ids, key_file, common)  # the trend holds no ids; its workbook's issues do
    ends = month_ends(str(from_month), str(to_month))
    rule_ids = _rule_ids(common.pick(rules, "rules"))
    common.profile.select(rule_ids)
    fmt = _choice(SummaryFmt, common.pick(fmt, "format", SummaryFmt.table), "--format")
    output, xlsx = common.out(common.pick(output, "output")), common.out(common.pick(xlsx, "xlsx"))
    html = common.out(common.pick(html, "html"))
    quiet = common.flag(quiet, "quiet")
    common.check_outputs({"--output": output, "--xlsx": xlsx, "--html": html}, *hide.inputs)
    _list_format(output, fmt)
    check_format(xlsx, "xlsx", "--xlsx")
    check_format(html, "html", "--html")
    tables = common.profile.select(rule_ids).tables()
    n_chunks = _chunks(common.pick(chunks, "chunks", "auto"), common.data, common.source, common.mapping,
                       tables, {}, quiet)
    with Progress(quiet) as progress:
        if n_chunks > 1:
            from casecheck.chunked import trend_in_chunks

            frame, ds = trend_in_chunks(common.data, common.profile, ends, n_chunks, rule_ids,
                                        progress=progress.step)
        else:
            ds = common.load(ends[-1], progress, rule_ids)
            _warn_unknown(ds, common, quiet)
            n = len(common.profile.select(rule_ids).rules) * len(ends)
            progress.step("Auditing month ends", total=n)
            frame = trend_view(ds, common.profile, ends, rule_ids,
                               progress=lambda end, rule: progress.advance(f"{end:%b %Y}: {rule.id}"))
            _warn_stale(latest_record(ds), ends[-1])
        if xlsx is not None:
            progress.step(f"Writing {xlsx}")
            write_trend_workbook(xlsx, frame, common.profile.select(rule_ids), hide.dataset(ds),
                                 protected=common.inputs(ds, hide), data_label=str(common.data))
        if html is not None:
            from casecheck.html_report import write_trend_html

            progress.step(f"Writing {html}")
            write_trend_html(html, frame, common.profile.select(rule_ids), hide.dataset(ds),
                             data_label=str(common.data), protected=common.inputs(ds, hide),
                             pseudonymised=hide.key is not None)
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
                 "document": p.document, "cited": p.cited} for p in profiles]
        typer.echo(json.dumps(rows, indent=1))
        return
    render_profile_list(profiles, out)


@standards_app.command("show")
@handles_errors
def standards_show(
    name: Annotated[str, typer.Argument(help="Profile name or .toml file.", metavar="NAME|FILE")],
    fmt: Annotated[ShowFmt, typer.Option("--format", help="table or json.")] = ShowFmt.table,
) -> None:
    """Each rule of a profile with its numbers, where they come from (the document, statute or a
    casecheck default) and its source."""
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
def _hide_sample(drawn, hide: Hide):
    """--pseudonymise on a dip sample: child and worker ids hashed, and a group named by a worker
    id (``--per worker``) with them."""
    if hide.key is None:
        return drawn
    cases, groups = hide.frame(drawn.cases), drawn.groups
    if drawn.per == "worker":
        cases = cases.with_columns(group=pl.col("worker_id"))
        groups = hide.frame(groups.rename({"group": "worker_id"})).rename({"worker_id": "group"})
    return dataclasses.replace(drawn, cases=cases, groups=groups, verdicts=hide.frame(drawn.verdicts))


class Per(StrEnum):
    team = "team"
    worker = "worker"


class Weight(StrEnum):
    random = "random"
    overdue = "overdue"


@app.command(name="dip-sample")
@handles_errors
def dip_sample_cmd(
    data: OptDataArg = None,
    standards: StandardsOpt = None,
    as_at: AsAtOpt = None,
    per: Annotated[Per | None, typer.Option("--per", help="Draw per team (the default) or per worker.")] = None,
    size: Annotated[int | None, typer.Option("--size", metavar="N", min=1, max=10_000, help="Cases to draw per group (default 3).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", metavar="S", min=0, help="The draw's seed: the same seed on the same extract gives the same cases (default: a new one, printed, to note in the audit record).")] = None,
    cohort: Annotated[str | None, typer.Option("--cohort", metavar="TYPES", help="Only open episodes of these types, comma-separated (e.g. child_protection,child_in_care).")] = None,
    weight: Annotated[Weight | None, typer.Option("--weight", help="random (the default: every open case equally likely, an unbiased view) or overdue (a child with k rules not met is k+1 times as likely).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="PATH", help="Write the sample: .csv (one row per child), .xlsx (with the auditor's grade and notes columns) or .html.")] = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    config: ConfigOpt = None,
    pseudonymise_ids: PseudonymiseOpt = False,
    key_file: KeyFileOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Pick open cases at random for practice audits (case file audits, dip sampling), N per team
    or worker, with every rule's current verdict for each."""
    import secrets

    from casecheck.dip_sample import dip_sample

    common = Common(config, data, standards, source, mapping, command="dip-sample")
    hide = Hide(pseudonymise_ids, key_file, common)
    output = common.out(common.pick(output, "output"))
    common.check_outputs({"--output": output}, *hide.inputs)
    kind = format_from_path(output, "csv") if output is not None else None
    if output is not None and Path(output).suffix.lower() in (".xlsx", ".html", ".htm"):
        kind = "xlsx" if Path(output).suffix.lower() == ".xlsx" else "html"
    if kind not in (None, "csv", "xlsx", "html"):
        raise UsageError(f"--output {Path(output).name}: write the sample as .csv, .xlsx or .html")  # type: ignore[arg-type]
    per_v = _choice(Per, common.pick(per, "per", "team"), "--per").value
    weight_v = _choice(Weight, common.pick(weight, "weight", "random"), "--weight").value
    size_v = int(common.pick(size, "size", 3))  # type: ignore[arg-type]
    drawn_seed = common.pick(seed, "seed")
    seed_v = int(drawn_seed) if drawn_seed is not None else secrets.randbelow(1_000_000)  # type: ignore[arg-type]
    cohorts = _rule_ids(common.pick(cohort, "cohort")) or []
    quiet = common.flag(quiet, "quiet")
    with Progress(quiet) as progress:
        ds = common.load(resolve_as_at(common.pick(as_at, "as_at")), progress)
        as_at_d = ds.as_at or dt.date.today()
        _warn_stale(latest_record(ds), as_at_d)
        progress.step("Checking rules", total=len(common.profile.rules))
        result = audit(ds, common.profile, as_at_d, progress=lambda rule: progress.advance(f"Checking {rule.id}"))
        drawn = dip_sample(result, ds, per=per_v, size=size_v, seed=seed_v, cohort=cohorts, weight=weight_v)
    drawn = _hide_sample(drawn, hide)
    protected = common.inputs(ds, hide)
    files = {"data_label": str(common.data), "protected": protected}
    if kind == "csv":
        rule_ids = [r.id for r in common.profile.rules if r.id in set(drawn.verdicts["rule_id"].to_list())]
        write_frame(drawn.wide(rule_ids), output, "csv", protected)
    elif kind == "xlsx":
        from casecheck.workbook import write_dip_sample_workbook

        write_dip_sample_workbook(output, drawn, common.profile, hide.dataset(ds), **files)  # type: ignore[arg-type]
    elif kind == "html":
        from casecheck.html_report import write_dip_sample_html

        write_dip_sample_html(output, drawn, common.profile, hide.dataset(ds), pseudonymised=hide.key is not None,
                              **files)  # type: ignore[arg-type]
    if not quiet:
        render_dip_sample(drawn, out)
        if drawn_seed is None:
            out.print(Text(f"Seed {seed_v}: give --seed {seed_v} to draw the same cases again.", style="bold"))
        if output is not None:
            out.print(Text(f"Written to {output}.", style="dim"))


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
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that already holds table files (replacing them).")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a synthetic authority (no real person's data) in the native format."""
    from casecheck.sample import generate_sample, write_sample

    _sample_folder_free(outdir, force)
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


def _sample_folder_free(outdir: Path, force: bool) -> None:
    """``casecheck sample`` never writes over an extract unless told to (``--force``)."""
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir} is a file: give a folder for the synthetic extract")
    if force or not outdir.is_dir():
        return
    from casecheck.outputs import would_be_read

    held = sorted(p.name for p in extract_files(outdir) if p.parent == outdir and would_be_read(p, outdir))
    if held:
        more = f" and {len(held) - 3} more" if len(held) > 3 else ""
        raise UsageError(f"{outdir} already holds table files ({', '.join(held[:3])}{more}): "
                         "give a new folder, or --force to replace them")


# ---------------------------------------------------------------------------------------------
@app.command(name="inspect")
@handles_errors
def inspect_cmd(
    data: OptDataArg = None,
    source: OptSourceOpt = None,
    mapping: MappingOpt = None,
    fmt: Annotated[str | None, typer.Option("--format", metavar="table|json", help="table (default) or json.")] = None,
    propose: Annotated[
        Path | None,
        typer.Option("--propose-mapping", metavar="FILE", help="Write a proposed mapping (TOML) for a report export to FILE, to edit."),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """How an extract maps onto the native tables: source, files, columns, row counts."""
    import json

    from casecheck.sources import inspect_source
    from casecheck.sources.common import write_text
    from casecheck.sources.inspection import render_inspection

    common = Common(config, data, None, source, mapping, command="inspect", need_profile=False)
    fmt = _choice(ShowFmt, common.pick(fmt, "format", ShowFmt.table), "--format")
    common.check_outputs({"--propose-mapping": propose})
    check_format(propose, "toml", "--propose-mapping")
    insp = inspect_source(common.data, source=common.source, mapping=common.mapping)
    if propose is not None:
        insp.proposed_mapping = insp.propose_mapping()
        inputs = [s.path for s in insp.sources if s.path is not None] + [Path(common.data)]
        write_text(propose, insp.proposed_mapping, protected=inputs + common.named_inputs())
    if fmt == ShowFmt.json:
        typer.echo(json.dumps(insp.to_dict(), indent=1, ensure_ascii=False))
        return
    render_inspection(insp, out, proposal_path=propose)


class _ClosedStdout:
    """Stands in for a standard output that was never open (``casecheck ... >&-``): writing to
    it is an error the user is told about, not a silent loss or a traceback."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _stdout_gone() -> None:
    """stdout was closed (``| head``) or never open (``>&-``): point it at /dev/null so that
    Python's own flush at exit does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)
    except (OSError, ValueError):
        pass


def main() -> None:
    """Entry point: never a traceback for a user's mistake; a short report for a bug."""
    signal.signal(signal.SIGTERM, on_sigterm)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()  # type: ignore[assignment]
    try:
        app()
    except CasecheckError as exc:  # pragma: no cover - commands handle these themselves
        err.print(f"casecheck: error: {exc.message}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("casecheck: interrupted")
        sys.exit(130)
    except Terminated:
        err.print("casecheck: terminated (SIGTERM); nothing half-written was left behind")
        sys.exit(143)
    except BrokenPipeError:
        _stdout_gone()
        err.print("casecheck: error: standard output was closed before casecheck finished writing")
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        if os.environ.get("CASECHECK_DEBUG"):
            raise
        err.print(
            f"casecheck: internal error: {type(exc).__name__}: {exc}. This is a bug in casecheck; "
            "set CASECHECK_DEBUG=1 for details and please report it.",
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()
