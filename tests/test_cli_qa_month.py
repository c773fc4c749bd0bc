"""The QA officer's month, as she runs it: changes since last month, dip samples, a child's
timeline to take away, a worker's own list."""

from __future__ import annotations

import json

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app

from conftest import SAMPLE

runner = CliRunner()
AUDIT = ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31"]
DIP = ["dip-sample", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31"]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# --- changes since the previous period ----------------------------------------------------------
@pytest.fixture(scope="module")
def summary_with_changes():
    r = invoke(*AUDIT, "--summary-format", "json")
    assert r.exit_code == 0, r.output
    return pl.DataFrame(json.loads(r.stdout))


def test_changes_add_up_on_the_sample(summary_with_changes):
    s = summary_with_changes
    # carried over + resolved = last month's exceptions; carried over + new = this month's
    assert (s["carried_over"] + s["resolved"]).equals(s["exceptions_before"], check_names=False)
    assert (s["carried_over"] + s["new"]).equals(s["exceptions_now"], check_names=False)
    assert s["exceptions_now"].sum() > 0 and s["resolved"].sum() > 0 and s["carried_over"].sum() > 0
    # point-in-time rules: this month's exceptions are the not met
    visits = s.filter(pl.col("kind") == "frequency")
    assert visits["exceptions_now"].equals(visits["not_met"], check_names=False)


def test_changes_on_the_terminal_in_the_workbook_html_and_csv(tmp_path):
    book, page, items = tmp_path / "a.xlsx", tmp_path / "a.html", tmp_path / "changes.csv"
    r = invoke(*AUDIT, "--xlsx", str(book), "--html", str(page), "--changes-output", str(items))
    assert r.exit_code == 0, r.output
    assert "Changes since 28/02/2025: children out of timescale" in r.output
    wb = openpyxl.load_workbook(book, read_only=True)
    assert "Changes" in wb.sheetnames
    assert 'id="changes"' in page.read_text(encoding="utf-8")
    frame = pl.read_csv(items, infer_schema=False)
    assert set(frame["change"]) == {"new", "resolved", "carried_over"}
    carried = frame.filter(pl.col("change") == "carried_over")
    assert carried["months_out_of_timescale"].cast(pl.Int32).min() >= 2


def test_changes_against_a_saved_findings_file(tmp_path):
    feb = tmp_path / "february.csv"
    assert invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-02-28", "-f", "csv",
                  "-o", str(feb), "-q").exit_code == 0
    r = invoke(*AUDIT, "--previous", str(feb), "--rules", "visits-cla,visits-cp")
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "Changes since february.csv" in said
    assert "Previous: february.csv, findings saved for 28/02/2025" in said


def test_no_previous_refuses_a_changes_output(tmp_path):
    r = invoke(*AUDIT, "--no-previous", "--changes-output", str(tmp_path / "c.csv"))
    assert r.exit_code == 2
    assert "--no-previous" in r.output


# --- dip samples -------------------------------------------------------------------------------
def test_dip_sample_is_the_same_for_the_same_seed_and_three_per_team(tmp_path):
    first, again = tmp_path / "s1.csv", tmp_path / "s2.csv"
    for path in (first, again):
        r = invoke(*DIP, "--per", "team", "--size", "3", "--seed", "1", "-o", str(path))
        assert r.exit_code == 0, r.output
    assert first.read_bytes() == again.read_bytes()
    frame = pl.read_csv(first, infer_schema=False)
    assert set(frame.group_by("group").len()["len"]) == {3}
    assert frame.columns[-2:] == ["grade", "notes"]
    other = tmp_path / "s3.csv"
    invoke(*DIP, "--size", "3", "--seed", "2", "-o", str(other))
    assert other.read_bytes() != first.read_bytes()


def test_dip_sample_says_why_a_group_has_fewer(tmp_path):
    r = invoke(*DIP, "--per", "team", "--size", "20", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "fewer than 20: all taken" in " ".join(r.output.split())


def test_dip_sample_workbook_has_the_grade_list_and_html(tmp_path):
    book, page = tmp_path / "s.xlsx", tmp_path / "s.html"
    assert invoke(*DIP, "--seed", "7", "-o", str(book)).exit_code == 0
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:3] == ["Sample", "Verdicts", "Groups"]
    rules = wb["Sample"].data_validations.dataValidation
    assert any("Outstanding" in (v.formula1 or "") for v in rules)
    assert invoke(*DIP, "--seed", "7", "--per", "worker", "--size", "1", "-o", str(page)).exit_code == 0
    assert "dip sample for practice audits" in page.read_text(encoding="utf-8")


def test_dip_sample_prints_the_seed_it_drew():
    r = invoke(*DIP, "--size", "1")
    assert r.exit_code == 0, r.output
    assert "to draw the same cases again" in r.output


def test_dip_sample_refuses_an_unknown_cohort_and_format(tmp_path):
    assert invoke(*DIP, "--cohort", "cin").exit_code == 2
    r = invoke(*DIP, "-o", str(tmp_path / "s.parquet"))
    assert r.exit_code == 2


# --- a child's timeline to take away -----------------------------------------------------------
def test_child_timeline_workbook_and_page(tmp_path):
    book, page = tmp_path / "child.xlsx", tmp_path / "child.html"
    r = invoke(*AUDIT, "--child", "0001383", "--xlsx", str(book), "--html", str(page))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(book, read_only=True)
    assert wb.sheetnames[:3] == ["Verdicts", "Timeline", "Chronology"]
    events = [row[1] for row in wb["Chronology"].iter_rows(min_row=4, values_only=True)]
    assert "child protection plan started" in events and "visit" in events
    text = page.read_text(encoding="utf-8")
    assert 'id="chronology"' in text and "initial child protection conference" in text


def test_child_refuses_other_outputs_and_suggests_leading_zeros(tmp_path):
    r = invoke(*AUDIT, "--child", "0001383", "-o", str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and "--output" in r.output
    r = invoke(*AUDIT, "--child", "1383")
    assert r.exit_code == 2
    assert "did you mean 0001383?" in r.output


# --- a worker's own list -----------------------------------------------------------------------
def test_due_per_worker_writes_each_workers_own_list(tmp_path):
    folder = tmp_path / "workers"
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31", "--per-worker",
               str(folder), "-f", "csv", "-o", str(tmp_path / "due.csv"))
    assert r.exit_code == 0, r.output
    due = pl.read_csv(tmp_path / "due.csv", infer_schema=False)
    files = sorted(p.name for p in folder.glob("*.xlsx"))
    workers = sorted(f"{w}.xlsx" for w in due["worker_id"].drop_nulls().unique())
    assert files == workers or files == [*workers, "unallocated.xlsx"]
    one = openpyxl.load_workbook(folder / files[0], read_only=True)["Due soon"]
    column = [c.value for c in next(one.iter_rows(min_row=4, max_row=4))].index("Worker")
    listed = {row[column] for row in one.iter_rows(min_row=5, values_only=True) if row[column]}
    assert listed == {files[0].removesuffix(".xlsx")}
