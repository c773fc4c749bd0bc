"""``casecheck validate``: the command line check of an extract before auditing.

This Typer version's CliRunner keeps stdout and stderr apart (``result.stdout``,
``result.stderr``) and also offers both interleaved as ``result.output``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app

AS_AT = "2025-03-31"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def good(tmp_path) -> Path:
    folder = tmp_path / "good"
    _write(folder, "children.csv", "child_id,date_of_birth\n001,01/02/2015\n002,2016-05-06\n")
    _write(folder, "episodes.csv",
           "Child ID,Episode Type,Start Date,End Date\n"
           "001,CP,04/03/2025,\n"
           "002,CIN,10/01/2025,01/02/2025\n")
    _write(folder, "visits.csv", "child_id,visit_date,seen\n001,10/03/2025,Y\n002,2025-01-20,N\n")
    return folder


@pytest.fixture
def messy(tmp_path) -> Path:
    folder = tmp_path / "messy"
    _write(folder, "children.csv", "child_id,disability\n1,maybe\n2,Y\n")
    _write(folder, "episodes.csv",
           "child_id,episode_type,start_date,end_date\n"
           "1,cp,2025-01-01,\n"              # row 2: fine
           "1,cp,31/02/2025,\n"              # row 3: not a date
           "9,cp,2025-01-01,\n"              # row 4: unknown child
           "2,cin,2025-02-01,2025-01-01\n"   # row 5: end before start
           "2,cp,2025-04-01,\n")             # row 6: after the audit date
    return folder


def _invoke(runner: CliRunner, *args: str):
    return runner.invoke(app, ["validate", *[str(a) for a in args]])


def _assert_one_line_error(result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("casecheck: error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


# ---------------------------------------------------------------------------------------------
# Success
# ---------------------------------------------------------------------------------------------
def test_good_folder_table_output(runner, good):
    result = _invoke(runner, good, "--as-at", AS_AT)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    out = result.stdout
    for word in ("children", "episodes", "visits", "children.csv", "Read", "Used", "Rejected"):
        assert word in out
    assert "2025-03-31" in out
    assert "Every row is usable." in out


def test_messy_folder_table_output_says_rows_were_set_aside(runner, messy):
    result = _invoke(runner, messy, "--as-at", AS_AT)
    assert result.exit_code == 0, result.output
    assert "4 row(s) set aside; use --issues FILE to list them." in result.stdout


def test_json_output(runner, good):
    result = _invoke(runner, good, "--as-at", AS_AT, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["source"] == "native"
    assert payload["as_at"] == "2025-03-31"
    tables = {t["table"]: t for t in payload["tables"]}
    assert list(tables) == ["children", "episodes", "visits"]
    ep = tables["episodes"]
    assert ep["file"] == "episodes.csv"
    assert (ep["rows_read"], ep["rows_used"], ep["rows_rejected"], ep["blanked"]) == (2, 2, 0, 0)
    assert ep["top_reasons"] == []
    assert ep["columns"]["start_date"] == "Start Date"
    assert ep["unmapped"] == []
    assert tables["visits"]["rows_used"] == 2


def test_json_output_counts_and_reasons(runner, messy):
    result = _invoke(runner, messy, "--as-at", "31/03/2025", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["as_at"] == "2025-03-31"  # UK date accepted, echoed as ISO
    tables = {t["table"]: t for t in payload["tables"]}
    for t in tables.values():
        assert t["rows_read"] == t["rows_used"] + t["rows_rejected"]
    assert tables["children"]["rows_used"] == 2
    assert tables["children"]["blanked"] == 1
    ep = tables["episodes"]
    assert (ep["rows_read"], ep["rows_used"], ep["rows_rejected"]) == (5, 1, 4)
    reasons = {r["reason"]: r["rows"] for r in ep["top_reasons"]}
    assert reasons == {
        "start_date not a date": 1,
        "unknown child": 1,
        "end_date before start_date": 1,
        "start_date after the audit date": 1,
    }


def test_audit_date_decides_what_is_in_the_future(runner, messy):
    later = json.loads(_invoke(runner, messy, "--as-at", "2025-04-30", "--format", "json").stdout)
    ep = {t["table"]: t for t in later["tables"]}["episodes"]
    assert ep["rows_rejected"] == 3  # the 1 April episode is no longer in the future


def test_workbook_input(runner, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "children"
    wb.active.append(["child_id"])
    wb.active.append(["007"])
    ws = wb.create_sheet("episodes")
    ws.append(["child_id", "episode_type", "start_date"])
    ws.append(["007", "CP", dt.date(2025, 3, 4)])
    path = tmp_path / "extract.xlsx"
    wb.save(path)
    result = _invoke(runner, path, "--as-at", AS_AT, "--format", "json")
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    assert [t["file"] for t in tables] == ["extract.xlsx [children]", "extract.xlsx [episodes]"]


def test_quiet_prints_nothing(runner, good):
    result = _invoke(runner, good, "--as-at", AS_AT, "--quiet")
    assert result.exit_code == 0
    assert result.output == ""


# ---------------------------------------------------------------------------------------------
# --issues FILE
# ---------------------------------------------------------------------------------------------
def test_issues_file_lists_every_rejected_row_and_blanked_value(runner, messy, tmp_path):
    # Regression: report.defuse() once left its when/then expressions unnamed ('literal'), so
    # writing any frame with two text columns raised ComputeError and this exited 1.
    target = tmp_path / "issues.csv"
    result = _invoke(runner, messy, "--as-at", AS_AT, "--issues", target)
    assert result.exit_code == 0, result.output
    assert f"(listed in {target})" in result.stdout.replace("\n", "")
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["table", "file", "row", "column", "value", "reason", "action"]
    got = [(r["table"], r["row"], r["column"], r["reason"], r["action"]) for r in rows]
    assert got == [
        ("children", "2", "disability", "disability is not a yes/no value", "blanked"),
        ("episodes", "3", "start_date", "start_date is not a date: '31/02/2025'", "rejected"),
        ("episodes", "4", "", "unknown child: 9 is not in the children table", "rejected"),
        ("episodes", "5", "end_date", "end_date 2025-01-01 is before start_date 2025-02-01", "rejected"),
        ("episodes", "6", "start_date", "start_date 2025-04-01 is after the audit date 2025-03-31", "rejected"),
    ]


def test_issues_file_for_a_clean_extract_has_only_the_header(runner, good, tmp_path):
    target = tmp_path / "issues.csv"
    result = _invoke(runner, good, "--as-at", AS_AT, "--issues", target, "--quiet")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").splitlines() == [
        "table,file,row,column,value,reason,action"
    ]


def test_issues_file_values_that_look_like_formulas_are_defused(runner, tmp_path):
    folder = tmp_path / "x"
    _write(folder, "children.csv", "child_id\n1\n")
    _write(folder, "episodes.csv", "child_id,episode_type,start_date\n=HYPERLINK(1),cp,2025-01-01\n")
    target = tmp_path / "issues.csv"
    result = _invoke(runner, folder, "--as-at", AS_AT, "--issues", target, "--quiet")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 1
    assert rows[0]["reason"].startswith("unknown child")
    assert not rows[0]["reason"].startswith("=")
    assert rows[0]["value"].startswith("'=HYPERLINK(1)")


def test_issues_file_is_not_written_when_the_input_is_unusable(runner, tmp_path):
    target = tmp_path / "issues.csv"
    result = _invoke(runner, tmp_path / "missing", "--as-at", AS_AT, "--issues", target)
    _assert_one_line_error(result, 3)
    assert not target.exists()


# ---------------------------------------------------------------------------------------------
# Errors: one sentence on stderr, no traceback, the documented exit code
# ---------------------------------------------------------------------------------------------
def test_missing_folder_exits_3(runner, tmp_path):
    missing = tmp_path / "no-such-folder"
    line = _assert_one_line_error(_invoke(runner, missing, "--as-at", AS_AT), 3)
    assert line == f"casecheck: error: {missing} does not exist"


def test_missing_required_column_exits_3(runner, good):
    _write(good, "episodes.csv", "child_id,episode_type,Start\n001,cp,2025-01-01\n")
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", AS_AT), 3)
    assert "episodes.csv" in line
    assert "'start_date'" in line


def test_missing_required_column_exits_3_with_json_too(runner, good):
    _write(good, "visits.csv", "child_id,date\n001,2025-01-01\n")
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", AS_AT, "--format", "json"), 3)
    assert "visits.csv has no 'visit_date' column" in line


def test_no_episodes_table_exits_3(runner, good):
    (good / "episodes.csv").unlink()
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", AS_AT), 3)
    assert "has no episodes table" in line


def test_html_saved_as_csv_exits_3(runner, good):
    _write(good, "visits.csv", "<!DOCTYPE html><html><body>Your session has expired</body></html>")
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", AS_AT), 3)
    assert "visits.csv is a web page" in line


def test_password_protected_workbook_exits_3(runner, tmp_path):
    path = tmp_path / "extract.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    line = _assert_one_line_error(_invoke(runner, path, "--as-at", AS_AT), 3)
    assert "extract.xlsx is encrypted" in line


def test_bad_audit_date_exits_2(runner, good):
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", "31/02/2025"), 2)
    assert "--as-at '31/02/2025' is not a date" in line


def test_unknown_source_exits_2(runner, good):
    line = _assert_one_line_error(_invoke(runner, good, "--as-at", AS_AT, "--source", "nope"), 2)
    assert "unknown source 'nope'" in line
