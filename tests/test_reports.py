"""Reports people act on: the workbook, breakdowns, due soon, trends, exit codes and config."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import warnings

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.views import breakdown, due_soon, month_ends, trend
from casecheck.workbook import write_audit_workbook

from conftest import SAMPLE, SAMPLE_AS_AT
from engine_helpers import CP_VISITS, D, dataset, profile, run

runner = CliRunner()
AS_AT = ["--as-at", "2025-03-31"]


def invoke(*args: str, **kw):
    return runner.invoke(app, list(args), catch_exceptions=False, **kw)


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl does not read conditional-format extensions
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, sample_dataset, sample_result):
    path = tmp_path_factory.mktemp("wb") / "audit.xlsx"
    write_audit_workbook(path, sample_result, sample_dataset, command="casecheck audit sample_data")
    return path


def test_workbook_sheets(workbook, sample_result):
    wb = _load(workbook)
    names = wb.sheetnames
    assert names[:3] == ["Summary", "By team", "Caseloads"]
    assert names[-3:] == ["Due soon", "Data quality", "About"]
    with_exceptions = sample_result.findings.filter(pl.col("status") != "met")["rule_id"].unique().to_list()
    assert set(names[3:-3]) == set(with_exceptions)
    assert all(len(n) <= 31 for n in names)


def test_summary_sheet_values_formats_and_rag(workbook, sample_result):
    ws = _load(workbook)["Summary"]
    header = [c.value for c in ws[5]][:9]
    assert header == ["#", "Standard", "Target", "Floor", "Met", "Decided", "Pending", "% met", "RAG"]
    first = sample_result.summary.row(0, named=True)
    row = [c for c in ws[6]]
    assert row[1].value == first["title"]  # plain English, not the rule id
    assert (row[4].value, row[5].value, row[6].value) == (first["met"], first["met"] + first["not_met"], first["pending"])
    assert row[7].value == pytest.approx(first["pct_met"] / 100)
    assert row[7].number_format == "0.0%"
    assert ws.freeze_panes == "A6"
    assert ws._charts, "a chart of % met by rule"
    # one A4 landscape page: everything in the print area, fitted to one page
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight or 1) == (1, 1)  # (1 is the default)


def test_exception_sheet_is_worst_first_with_real_dates(workbook):
    ws = _load(workbook)["visits-cp"]
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    statuses = [r[0] for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s != "Not met")
    overdue = [r[5] for r in rows if r[0] == "Not met"]
    assert overdue == sorted(overdue, reverse=True)
    assert isinstance(rows[0][6], dt.datetime)  # due date is a real Excel date
    assert ws.cell(5, 7).number_format == "dd/mm/yyyy"


def test_data_quality_and_about(workbook, sample_dataset):
    wb = _load(workbook)
    dq = wb["Data quality"]
    tables = [r[0] for r in dq.iter_rows(min_row=4, max_row=3 + len(sample_dataset.quality.reports), values_only=True)]
    assert tables == list(sample_dataset.quality.reports)
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=3, max_row=20, values_only=True)}
    assert about["Audit date"] == dt.datetime(2025, 3, 31)  # a real date
    assert about["Input rows read"] == sum(r.rows_read for r in sample_dataset.quality.reports.values())
    assert about["Command line"] == "casecheck audit sample_data"
    text = "\n".join(str(c) for row in wb["About"].iter_rows(values_only=True) for c in row if c)
    assert "SHA-256" in text and "visits.csv" in text
    assert str(SAMPLE) not in text  # input files named within the extract, not by absolute path


def test_workbook_never_writes_formulas(tmp_path):
    evil = "=HYPERLINK(\"http://x\",\"click\")"
    ep = [{"child_id": "=1+1", "episode_type": "child_protection", "start_date": "2025-03-03", "team": evil,
           "worker_id": "@SUM(A1)"}]
    ds = dataset(episodes=ep, visits=[])
    result = run(ds, profile(CP_VISITS), D(2025, 3, 31))
    path = tmp_path / "x.xlsx"
    write_audit_workbook(path, result, ds)
    wb = _load(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"], "no formula cells"
    assert evil in [c.value for c in cells]  # kept as text, exactly


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_workbook_opens_in_libreoffice(workbook, tmp_path):
    profile_dir = tmp_path / "lo"
    proc = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile_dir}", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(workbook)],
        capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "audit.pdf").stat().st_size > 10_000


def test_breakdown_by_team_adds_up(sample_dataset, sample_result):
    long = breakdown(sample_result, sample_dataset, "team")
    totals = long.group_by("rule_id").agg(pl.col("in_scope").sum())
    joined = sample_result.summary.join(totals, on="rule_id", suffix="_teams")
    assert (joined["in_scope"] == joined["in_scope_teams"]).all()
    manager = breakdown(sample_result, sample_dataset, "manager")
    assert manager["in_scope"].sum() == sample_result.findings.height


def test_due_soon_hand_worked():
    # seen Mon 24 Mar 2025 -> next CP visit due 7 Apr (10wd); another child overdue since 21 Mar
    ep = [{"child_id": c, "episode_type": "child_protection", "start_date": "2025-03-03"} for c in ("001", "002", "003")]
    visits = [{"child_id": "001", "visit_date": "2025-03-24"}, {"child_id": "002", "visit_date": "2025-03-07"},
              {"child_id": "003", "visit_date": "2025-03-28"}]
    result = run(dataset(episodes=ep, visits=visits), profile(CP_VISITS), D(2025, 3, 31))
    listing = due_soon(result, "5wd")
    # 5wd after Mon 31 Mar is Mon 7 Apr: 001 (due 7 Apr) is in, 003 (due 11 Apr) is out;
    # 002: 7 Mar + 10wd = 21 Mar, overdue by 6 working days (24-28, 31 Mar)
    assert listing.select("child_id", "due_date", "working_days_to_due").rows() == [
        ("002", D(2025, 3, 21), -6), ("001", D(2025, 4, 7), 5)]


def test_due_cli_by_worker_csv(tmp_path):
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--within", "5wd", "--by", "worker", "--format", "csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("worker,due_date,working_days_to_due,rule_id")
    assert len(lines) > 10
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--format", "json")
    rows = json.loads(r.stdout)
    dates = [row["due_date"] for row in rows]
    assert dates == sorted(dates)
    assert max(dates) <= "2025-04-07"


def test_due_table_on_the_terminal_shows_the_first_top_items(tmp_path):
    out = tmp_path / "due.csv"
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--top", "3", "--output", str(out))
    assert r.exit_code == 0, r.output
    n = len(out.read_text().splitlines()) - 1  # every item is in the file
    assert n > 3
    assert f"The first 3 of {n:,}: --output FILE writes them all" in " ".join(r.stdout.split())
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--top", "0")
    assert r.exit_code == 0 and "The first" not in r.stdout


def test_trend_month_ends_and_cli(tmp_path, sample_dataset):
    assert month_ends("2024-11", "2025-02") == [D(2024, 11, 30), D(2024, 12, 31), D(2025, 1, 31), D(2025, 2, 28)]
    from casecheck.standards import resolve_profile

    prof = resolve_profile("torbay")
    frame = trend(sample_dataset, prof, month_ends("2025-02", "2025-03"))
    assert frame.height == 2 * len(prof.rules)
    # the last month of a trend is the point-in-time audit at that date for frequency rules
    from casecheck.engine import audit

    march = audit(sample_dataset, prof, D(2025, 3, 31)).summary.filter(pl.col("kind") == "frequency")
    t_march = frame.filter(pl.col("month_end") == D(2025, 3, 31)).join(march.select("rule_id"), on="rule_id")
    assert t_march["pct_met"].to_list() == march["pct_met"].to_list()
    out = tmp_path / "trend.xlsx"
    r = invoke("trend", str(SAMPLE), "-s", "torbay", "--from", "2025-01", "--to", "2025-03", "--xlsx", str(out), "--quiet")
    assert r.exit_code == 0, r.output
    wb = _load(out)
    assert wb.sheetnames[:2] == ["Trend", "Trend charts"]
    # one small chart per rule with any decided case, not one chart of every rule
    three = trend(sample_dataset, prof, month_ends("2025-01", "2025-03"))
    decided = three.group_by("rule_id").agg((pl.col("met") + pl.col("not_met")).sum().alias("d"))
    assert len(wb["Trend charts"]._charts) == decided.filter(pl.col("d") > 0).height > 1
    r = invoke("trend", str(SAMPLE), "-s", "torbay", "--from", "2025-03", "--to", "2025-01")
    assert r.exit_code == 2 and "after --to" in r.stderr


def test_fail_under_exit_codes():
    base = ["audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--rules", "visits-cla", "--quiet"]
    assert invoke(*base).exit_code == 0
    assert invoke(*base, "--fail-under", "50").exit_code == 0
    r = invoke(*base, "--fail-under", "99")
    assert r.exit_code == 4 and "below threshold: visits-cla" in r.stderr
    assert invoke(*base, "--fail-under", "target").exit_code == 4  # 90.5% < 95%
    assert invoke(*base, "--fail-under", "lots").exit_code == 2


def test_config_file_defaults(tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (tmp_path / "casecheck.toml").write_text(
        f'data = "{SAMPLE}"\nstandards = "torbay"\noutput_dir = "out"\n'
    )
    monkeypatch.chdir(tmp_path)
    r = invoke("audit", *AS_AT, "--output", "findings.csv", "--quiet")
    assert r.exit_code == 0, r.output
    assert (out_dir / "findings.csv").read_text().startswith("rule_id,")
    (tmp_path / "other.toml").write_text(f'data = "{SAMPLE}"\nstandards = "nowhere-at-all"\n')
    r = invoke("audit", *AS_AT, "--config", str(tmp_path / "other.toml"))
    assert r.exit_code == 2 and "no standards profile" in r.stderr
    (tmp_path / "bad.toml").write_text('colour = "blue"\n')
    r = invoke("audit", *AS_AT, "--config", str(tmp_path / "bad.toml"))
    assert r.exit_code == 2 and "unknown setting 'colour'" in r.stderr


def test_by_team_on_terminal_and_xlsx_option(tmp_path):
    out = tmp_path / "a.xlsx"
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--by", "team", "--xlsx", str(out),
               "--rules", "visits-cp,genogram-present")
    assert r.exit_code == 0, r.output
    assert "% met by team" in r.stdout and "Safeguarding 1" in r.stdout
    assert "Top" in r.stdout and "exceptions" in r.stdout
    assert out.exists()


def test_quiet_prints_nothing():
    r = invoke("audit", str(SAMPLE), "-s", "torbay", *AS_AT, "--quiet")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""


def test_sample_as_at_constant():
    assert D(2025, 3, 31) == SAMPLE_AS_AT


def test_config_closure_days_reach_the_calendar(tmp_path):
    from casecheck.cli import Common

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'data = "{SAMPLE}"\nstandards = "torbay"\nclosure_days = ["2025-12-29..2025-12-31"]\n')
    common = Common(cfg, None, None, None, None)
    # 24 Dec 2025 + 1wd: 25/26 bank holidays, weekend, 29-31 closed, 1 Jan bank holiday -> 2 Jan
    assert common.profile.calendar().add(D(2025, 12, 24), "1wd") == D(2026, 1, 2)
    cfg.write_text('closure_days = ["Christmas"]\n')
    r = invoke("audit", str(SAMPLE), "-s", "torbay", "--config", str(cfg))
    assert r.exit_code == 2 and "closure day 'Christmas'" in r.stderr
