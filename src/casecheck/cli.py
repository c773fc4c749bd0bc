"""The ``casecheck`` command line: parses arguments, calls the library, prints.

Exit codes: 0 success; 1 internal error (a bug: please report it); 2 usage error (bad option,
unknown profile, invalid profile file); 3 unusable input (missing folder, table or column,
unreadable file); 4 a rule below ``--fail-under``.
"""

from __future__ import annotations

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
from rich.table import Table
from rich.text import Text

from casecheck import __version__
from casecheck.engine import AuditResult, audit, explain
from casecheck.errors import EXIT_INTERNAL, CasecheckError, UsageError
from casecheck.parse import parse_one_date
from casecheck.report import (
    STATUS_STYLE,
    findings_frame,
    format_from_path,
    profile_dict,
    render_profile,
    render_profile_list,
    render_quality,
    render_summary,
    write_frame,
)
from casecheck.sources import SOURCES, load_dataset
from casecheck.standards import list_profiles, load_profile, resolve_profile

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
    table = "table"
    csv = "csv"
    json = "json"


class ShowFmt(StrEnum):
    table = "table"
    json = "json"


class SampleFmt(StrEnum):
    csv = "csv"
    parquet = "parquet"


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
AsAtOpt = Annotated[str | None, typer.Option("--as-at", metavar="DATE", help="Audit date (YYYY-MM-DD or DD/MM/YYYY); default today.")]
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
    quiet: QuietOpt = False,
) -> None:
    """Check an extract before auditing: rows read, used and rejected per table, and why."""
    ds = load_dataset(data, source=source, as_at=_date(as_at, "--as-at"), mapping=mapping)
    as_at_d = ds.as_at or dt.date.today()
    if issues:
        write_frame(ds.quality.issues, issues, "csv", protected=ds.files)
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
            t.add_row(str(s["step"]), str(s["from_date"]), str(s["to_date"] or ""), str(s["gap_days"] or 0),
                      str(s["due_date"]), mark, s["what"])
        out.print(t)
    for rid, needs in result.not_assessed.items():
        out.print(f"\n{rid}: not assessed (needs: {', '.join(needs)})")


@app.command(name="audit")
@handles_errors
def audit_cmd(
    data: DataArg,
    standards: Annotated[str, typer.Option("--standards", "-s", metavar="NAME|FILE", help="Profile name (see 'standards list') or a .toml file.")],
    as_at: AsAtOpt = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Ask the audit-period question from this date (and take timescale anchors from it)."),
    ] = None,
    rules: Annotated[str | None, typer.Option("--rules", metavar="IDS", help="Only these rule ids, comma-separated.")] = None,
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
    child: Annotated[str | None, typer.Option("--child", metavar="CHILD_ID", help="Explain one child: the timeline behind each verdict.")] = None,
    source: SourceOpt = "auto",
    mapping: MappingOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Audit an extract against a standards profile."""
    since_d = _date(since, "--since")
    profile = resolve_profile(standards)
    rule_ids = [r.strip() for r in rules.split(",") if r.strip()] if rules else None
    profile.select(rule_ids)  # unknown ids fail before loading data
    started = time.perf_counter()
    ds = load_dataset(data, source=source, as_at=_date(as_at, "--as-at"), mapping=mapping)
    as_at_d = ds.as_at or dt.date.today()
    if not quiet:
        for note in ds.notes:
            err.print(note, markup=False)
    if child is not None:
        result, timeline = explain(ds, profile, child, as_at_d, since_d, rule_ids)
        _print_explain(result, timeline, child)
        return
    result = audit(ds, profile, as_at_d, since_d, rule_ids)
    elapsed = time.perf_counter() - started
    findings = findings_frame(result)
    protected = ds.files
    findings_fmt = fmt.value
    if output is not None:
        if fmt == Fmt.table:
            findings_fmt = format_from_path(output, "csv")
        write_frame(findings, output, findings_fmt, protected)
    elif fmt in (Fmt.csv, Fmt.json):
        write_frame(findings, None, fmt.value)
    elif fmt == Fmt.parquet:
        raise UsageError("--format parquet needs --output PATH")
    if summary_output is not None:
        write_frame(result.summary, summary_output, format_from_path(summary_output, "csv"), protected)
    stdout_taken = output is None and fmt != Fmt.table
    sfmt = summary_format or (SummaryFmt.table if not stdout_taken else None)
    if sfmt in (SummaryFmt.csv, SummaryFmt.json):
        if stdout_taken:
            raise UsageError("findings already go to stdout: give --output PATH, or --summary-output PATH")
        write_frame(result.summary, None, sfmt.value)
    elif not quiet:
        console = out if not stdout_taken else err
        render_summary(result, console, data_label=str(data))
        rejected = ds.quality.rejected().height
        if rejected:
            console.print(
                f"[yellow]{rejected:,} input row(s) were set aside as unusable: run 'casecheck validate "
                f"{data}' to see why.[/yellow]"
            )
        n = findings.height
        where = f" written to {output}" if output else ""
        console.print(f"[dim]{n:,} finding(s){where} in {elapsed:.1f}s.[/dim]")


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

    as_at_d = _date(as_at, "--as-at") or dt.date.today()
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
