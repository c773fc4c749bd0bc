"""The audit and standards commands, as a user (or a cron job) runs them."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.engine import audit
from casecheck.standards import list_profiles, resolve_profile

from conftest import SAMPLE, SAMPLE_AS_AT

runner = CliRunner()
AS_AT = ["--as-at", "2025-03-31"]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_audit_table_summary():
    r = invoke("audit", str(SAMPLE), "--standards", "redcar-cleveland", *AS_AT)
    assert r.exit_code == 0, r.output
    assert "visits-cp" in r.output
    said = " ".join(r.output.split())  # (the caption wraps at the terminal's width)
    assert "in date at 31/03/2025; timescales decided in March 2025 (01/03/2025 to 31/03/2025)" in said


@pytest.mark.parametrize("name", [p.id for p in list_profiles()])
def test_every_profile_audits_the_sample(name):
    r = invoke("audit", str(SAMPLE), "--standards", name, *AS_AT, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows, f"{name} produced no findings"
    assert {row["status"] for row in rows} <= {"met", "not_met", "pending"}


@pytest.mark.slow
def test_csv_to_stdout_is_the_contract_and_byte_identical_on_rerun():
    a = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--format", "csv")
    b = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--format", "csv")
    assert a.exit_code == 0
    assert a.stdout == b.stdout
    header = a.stdout.splitlines()[0]
    assert header == ("rule_id,child_id,episode_type,team,worker_id,status,anchor_date,"
                      "last_event_date,due_date,days_overdue,closed_date,detail")


def test_outputs_to_files(tmp_path):
    out = tmp_path / "findings.parquet"
    summary = tmp_path / "summary.json"
    r = invoke("audit", str(SAMPLE), "-s", "torbay", *AS_AT, "--format", "parquet",
               "--output", str(out), "--summary-output", str(summary), "--quiet")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    f = pl.read_parquet(out)
    assert f.columns[:6] == ["rule_id", "child_id", "episode_type", "team", "worker_id", "status"]
    assert f.schema["due_date"] == pl.Date
    s = json.loads(summary.read_text())
    assert [row["rule_id"] for row in s][:2] == ["visits-early-help", "visits-cin"]
    assert set(s[0]) >= {"rule_id", "title", "in_scope", "met", "not_met", "pending", "pct_met", "target_pct", "rag"}


def test_summary_format_json_on_stdout():
    r = invoke("audit", str(SAMPLE), "-s", "sandwell", *AS_AT, "--summary-format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert all(row["in_scope"] == row["met"] + row["not_met"] + row["pending"] for row in rows)


def test_rules_filter_and_unknown_rule():
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--rules", "visits-cp,genogram-present",
               "--summary-format", "csv")
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["visits-cp", "genogram-present"]
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", "--rules", "visits-xyz")
    assert r.exit_code == 2
    assert "no rule visits-xyz" in r.stderr


def test_not_assessed_when_a_table_is_missing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "supervisions.csv").unlink()
    r = invoke("audit", str(data), "-s", "redcar-cleveland", *AS_AT, "--summary-format", "csv")
    assert r.exit_code == 0
    row = next(line for line in r.stdout.splitlines() if line.startswith("supervision-cp,"))
    assert "not assessed (needs: supervisions)" in row


def test_explain_one_child(sample_result):
    child = sample_result.findings.filter(
        (pl.col("rule_id") == "visits-cp") & (pl.col("status") == "not_met")
    )["child_id"][0]
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--child", child, "--rules", "visits-cp")
    assert r.exit_code == 0, r.output
    assert f"Child {child}" in r.output
    assert "not_met" in r.output and "Due by" in r.output and "late" in r.output


def test_errors_are_one_line_with_distinct_exit_codes(tmp_path):
    r = invoke("audit", str(tmp_path / "nowhere"), "-s", "torbay")
    assert r.exit_code == 3
    assert r.stderr.strip().startswith("casecheck: error:") and "does not exist" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = invoke("audit", str(SAMPLE), "-s", "atlantis")
    assert r.exit_code == 2 and "no standards profile 'atlantis'" in r.stderr
    r = invoke("audit", str(SAMPLE), "-s", "torbay", "--as-at", "31/02/2025")
    assert r.exit_code == 2 and "not a date" in r.stderr
    r = invoke("audit", str(SAMPLE), "-s", "torbay", "--format", "parquet")
    assert r.exit_code == 2 and "--output" in r.stderr


def test_refuses_to_write_over_an_input(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    before = (data / "visits.csv").read_bytes()
    r = invoke("audit", str(data), "-s", "torbay", *AS_AT, "--output", str(data / "visits.csv"))
    assert r.exit_code == 2 and "refusing to write over the input file" in r.stderr
    assert (data / "visits.csv").read_bytes() == before


def test_standards_list_show_check(tmp_path):
    r = invoke("standards", "list", "--format", "json")
    ids = {p["id"] for p in json.loads(r.stdout)}
    assert ids == {"torbay", "redcar-cleveland", "sandwell", "rotherham", "south-tyneside", "england-statutory"}
    r = invoke("standards", "show", "redcar-cleveland", "--format", "json")
    prof = json.loads(r.stdout)
    visits_cp = next(rule for rule in prof["rules"] if rule["id"] == "visits-cp")
    assert visits_cp["interval"] == "10wd" and visits_cp["source"]
    r = invoke("standards", "show", "torbay")
    assert r.exit_code == 0 and "visits-cp" in r.output
    bad = tmp_path / "mine.toml"
    text = (SAMPLE.parent / "standards" / "torbay.toml").read_text()
    bad.write_text(text.replace('interval = "10wd"', 'interval = "10 working days"', 1))
    r = invoke("standards", "check", str(bad))
    assert r.exit_code == 2
    line_no = next(i + 1 for i, line in enumerate(bad.read_text().splitlines()) if line.startswith("interval = \"10 working days\""))
    assert f"line {line_no}:" in r.stderr and "not a duration" in r.stderr
    good = tmp_path / "ok.toml"
    good.write_text(text)
    r = invoke("standards", "check", str(good))
    assert r.exit_code == 0 and "OK" in r.stdout
    r = invoke("audit", str(SAMPLE), "-s", str(good), *AS_AT, "--summary-format", "json")
    assert r.exit_code == 0


def test_every_rule_cites_its_source():
    for prof in list_profiles():
        for rule in prof.rules:
            assert rule.source.strip(), f"{prof.id}:{rule.id} has no source"


def test_redcar_has_the_required_rules():
    ids = {r.id for r in resolve_profile("redcar-cleveland").rules}
    required = {
        "visits-early-help", "visits-cin", "visits-cp", "visits-cla", "visits-s47", "visits-after-missing",
        "visits-care-leaver", "referral-decision", "assessment-completion", "case-note-timeliness",
        "chronology-updated", "genogram-present", "case-summary-updated", "review-cin", "review-cla",
        "supervision-cin", "supervision-cp", "supervision-cla",
    }
    assert required <= ids


# --- reporting periods and the question asked --------------------------------------------------
def test_audit_and_the_trend_month_give_the_same_counts():
    # issue 12's "done when": audit --as-at 2025-03-31 (default period) and trend --from 2025-03
    # --to 2025-03 give the same in-scope, met, not met and pending counts for every rule
    a = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--summary-format", "csv")
    t = invoke("trend", str(SAMPLE), "-s", "redcar-cleveland", "--from", "2025-03", "--to", "2025-03", "-f", "csv")
    counts = ["rule_id", "in_scope", "met", "not_met", "pending"]
    summary = pl.read_csv(io.StringIO(a.stdout))
    assert summary.select(counts).equals(pl.read_csv(io.StringIO(t.stdout)).select(counts))
    # the summary says which question each rule answered, over which period
    timescale = summary.filter(pl.col("kind") == "timescale").row(0, named=True)
    visits = summary.filter(pl.col("rule_id") == "visits-cp").row(0, named=True)
    assert (timescale["question"], timescale["period_start"], timescale["period_end"]) == (
        "decided_in_period", "2025-03-01", "2025-03-31")
    assert visits["question"] == "point_in_time"


def test_period_and_over_period_options():
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--period", "quarter", "--over-period",
               "--summary-format", "json")
    rows = json.loads(r.stdout)
    assert {row["period_start"] for row in rows} == {"2025-01-01"}
    assert {row["question"] for row in rows} == {"audit_period", "decided_in_period"}
    r = invoke("audit", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--period", "fortnight")
    assert r.exit_code == 2


def test_as_at_last_month_end_and_a_stale_extract():
    from casecheck.periods import last_month_end

    end = last_month_end(dt.date.today())
    r = invoke("audit", str(SAMPLE), "-s", "torbay", "--as-at", "last-month-end", "--top", "0")
    assert r.exit_code == 0, r.output
    assert f"in date at {end:%d/%m/%Y}; timescales decided in {end:%B %Y}" in r.stdout
    # the sample ends on 31 March 2025: an audit date more than a month later gets one warning
    warnings = [line for line in r.stderr.splitlines() if line.startswith("casecheck: warning:")]
    assert warnings == ["casecheck: warning: the latest record in the extract is dated 31/03/2025, more than a "
                        f"month before the audit date {end:%d/%m/%Y}: is the extract out of date, or is "
                        "--as-at missing?"]
    r = invoke("audit", str(SAMPLE), "-s", "torbay", *AS_AT, "--top", "0")
    assert "warning" not in r.stderr


def test_due_lists_only_open_cases(sample_dataset):
    r = invoke("due", str(SAMPLE), "-s", "redcar-cleveland", *AS_AT, "--within", "10wd", "-f", "csv")
    due = pl.read_csv(io.StringIO(r.stdout), infer_schema_length=0)
    # every finding, whatever period it was decided in (audit --period all; in-process: the
    # command's own output is tested above)
    findings = audit(sample_dataset, resolve_profile("redcar-cleveland"), SAMPLE_AS_AT, period="all").findings
    closed = findings.filter(pl.col("closed_date").is_not_null()).select(
        pl.col("rule_id", "child_id"), pl.col("due_date").cast(pl.String))
    assert closed.height > 0  # the sample has cases that closed with something outstanding...
    assert due.join(closed, on=["rule_id", "child_id", "due_date"]).is_empty()  # ...and due lists none
