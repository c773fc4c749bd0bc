"""Misuse of the command line and bad values in files: every failure a user can cause is exit 2
(usage) or 3 (input) with one line on stderr, never an internal error (exit 1) or a hang; and
options that do nothing are refused rather than ignored."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "malformed"
CLEAN = FIXTURES / "clean"
AS_AT = ["--as-at", "2025-03-31"]
AUDIT = ["audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT]


def run(args: list[str], **kw):
    return CliRunner().invoke(app, [str(a) for a in args], **kw)


def one_line(result, code: int) -> str:
    """The single stderr line of a failed command (and nothing on stdout)."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("casecheck: error: "), lines[0]
    return lines[0]


# ---------------------------------------------------------------------------------------------
# due --by
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["team", "worker", "manager"])
@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_due_by_every_group_works(by, fmt):
    r = run(["due", CLEAN, "-s", "redcar-cleveland", *AS_AT, "--by", by, "--format", fmt])
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        header = r.stdout.splitlines()[0].split(",")
        assert header[0] == by and header.count(by) == 1
        if by == "team":  # the group is the team itself, "(no team)" where there is none
            assert "team" in header and "Children in Our Care" in r.stdout


def test_due_by_team_groups_rows_by_their_team():
    r = run(["due", CLEAN, "-s", "redcar-cleveland", *AS_AT, "--by", "team", "-f", "csv"])
    due = pl.read_csv(r.stdout.encode(), infer_schema=False)
    whole = pl.read_csv(run(["due", CLEAN, "-s", "redcar-cleveland", *AS_AT, "-f", "csv"]).stdout.encode(),
                        infer_schema=False)
    assert due.height == whole.height
    assert due["team"].to_list() == sorted(due["team"].to_list())


# ---------------------------------------------------------------------------------------------
# Options that conflict are refused before anything is read or written
# ---------------------------------------------------------------------------------------------
def test_fail_under_names_every_rule_below():
    r = run([*AUDIT, "--fail-under", "99", "--quiet"])
    assert r.exit_code == 4
    named = r.stderr.split("below threshold: ", 1)[1].split("; ")
    assert len(named) > 1 and named[0].startswith("referral-decision 60.0% < 99%")  # every one, not the first


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "101", "lots"])
def test_fail_under_must_be_a_percentage(value):
    line = one_line(run([*AUDIT, "--fail-under", value]), 2)
    assert "not a percentage from 0 to 100" in line


@pytest.mark.parametrize("top", ["-5", "99999999999999999999"])
@pytest.mark.parametrize("command", ["audit", "due"])
def test_top_is_bounded(command, top):
    r = run([command, CLEAN, "-s", "redcar-cleveland", *AS_AT, "--top", top])
    assert r.exit_code == 2 and "Invalid value for '--top'" in r.output


def test_a_usage_error_comes_before_anything_on_stdout():
    r = run([*AUDIT, "--format", "csv", "--summary-format", "json"])
    assert one_line(r, 2).endswith("findings already go to stdout: give --output PATH, or --summary-output PATH")


@pytest.mark.parametrize("extra", [["-o", "x.csv"], ["--changes-output", "c.csv"], ["--by", "team"], ["-f", "csv"],
                                   ["--summary-output", "s.csv"], ["--fail-under", "90"]])
def test_child_refuses_output_options(extra, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = one_line(run([*AUDIT, "--child", "0001479", *extra]), 2)
    assert "--child explains one child" in line and extra[0] in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", CLEAN, "-s", "redcar-cleveland", "--within", "99999999y"], "longer than 100 years"),
        (["trend", CLEAN, "-s", "redcar-cleveland", "--from", "0000-12", "--to", "2025-01"],
         "is not a month from 1900 to 2100"),
        (["audit", CLEAN, "-s", "redcar-cleveland", "--as-at", "31/02/2025"], "is not a date"),
    ],
)  # fmt: skip
def test_bad_values_are_usage_errors(args, message):
    assert message in one_line(run(args), 2)


def test_a_key_file_that_never_ends_is_refused_not_read_forever():
    line = one_line(run([*AUDIT, "--pseudonymise", "--key-file", "/dev/zero"]), 2)
    assert "holds more than 4,096 bytes" in line


def test_a_folder_named_like_a_bundled_profile_does_not_hide_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "torbay").mkdir()
    r = run(["audit", CLEAN, "-s", "torbay", *AS_AT, "--quiet"])
    assert r.exit_code == 0, r.output
    (tmp_path / "mine").mkdir()
    assert "profile mine is a folder" in one_line(run(["audit", CLEAN, "-s", "mine", *AS_AT]), 2)


# ---------------------------------------------------------------------------------------------
# Bad values in profiles, mappings and config files: one line, never an internal error
# ---------------------------------------------------------------------------------------------
PROFILE = (Path(__file__).parents[1] / "standards" / "redcar-cleveland.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t + "\nx = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        (lambda t: t.replace("closure_days = []", "closure_days = 5", 1), "closure_days must be a list"),
        (lambda t: t.replace("closure_days = []", 'closure_days = ["0001-01-01..9999-12-31"]', 1),
         "between 1900 and 2100"),
        (lambda t: t.replace("closure_days = []", "closure_days = [1979-05-27T07:32:00+23:59]", 1),
         "is not a date in quotes"),
        (lambda t: t.replace("amber_margin = 10", "amber_margin = inf", 1), "amber_margin must be"),
        (lambda t: t.replace("until_age = 20", "until_age = 99999999999999999999", 1), "from 0 to 30"),
        (lambda t: t.replace('interval = "20wd"', 'interval = "99999999y"', 1), "longer than 100 years"),
        (lambda t: t.replace('id = "visits-cin"', 'id = "visits-cin"\nenabled = "no"', 1),
         "enabled must be true or false"),
    ],
)  # fmt: skip
def test_bad_profile_values_are_one_line(tmp_path, change, message):
    path = tmp_path / "p.toml"
    path.write_text(change(PROFILE), encoding="utf-8")
    assert message in one_line(run(["audit", CLEAN, "-s", path, *AS_AT]), 2)


def test_a_profile_saved_as_windows_1252_is_named():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_bytes(PROFILE.replace("Redcar", "Redcar £", 1).encode("cp1252"))
        line = one_line(run(["standards", "check", path]), 2)
    assert "p.toml is not UTF-8 text (byte 0xA3 on line 1)" in line


def test_a_bom_in_a_profile_or_config_is_accepted(tmp_path, monkeypatch):
    path = tmp_path / "p.toml"
    path.write_text(PROFILE, encoding="utf-8-sig")
    assert run(["standards", "check", path]).exit_code == 0
    (tmp_path / "casecheck.toml").write_text(f'data = "{CLEAN}"\nstandards = "torbay"\n', encoding="utf-8-sig")
    monkeypatch.chdir(tmp_path)
    assert run(["audit", *AS_AT, "--quiet"]).exit_code == 0


def test_enabled_false_leaves_a_rule_out(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(PROFILE.replace('id = "visits-cin"', 'id = "visits-cin"\nenabled = false', 1))
    r = run(["audit", CLEAN, "-s", path, *AS_AT, "--summary-format", "csv"])
    assert r.exit_code == 0 and "visits-cin," not in r.stdout and "visits-cp," in r.stdout


# ---------------------------------------------------------------------------------------------
# casecheck sample never writes over an extract unless told to
# ---------------------------------------------------------------------------------------------
def test_sample_refuses_a_folder_holding_table_files(tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "visits.csv").write_text("child_id,visit_date\n1,2025-01-01\n")
    line = one_line(run(["sample", folder, "--children", "5", "--quiet"]), 2)
    assert "already holds table files (visits.csv)" in line and "--force" in line
    assert (folder / "visits.csv").read_text().startswith("child_id,visit_date\n1,")
    assert run(["sample", folder, "--children", "5", "--quiet", "--force"]).exit_code == 0
    assert (folder / "children.csv").exists()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "readme.md").write_text("x")
    assert run(["sample", other, "--children", "5", "--quiet"]).exit_code == 0


# ---------------------------------------------------------------------------------------------
# stdout closed, or its reader gone: one line
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_closed_stdout_is_one_line(tmp_path):
    import subprocess
    import sys

    code = "import sys; from casecheck.cli import main; sys.argv = ['casecheck'] + sys.argv[1:]; main()"
    # (--no-previous: the last period's audits are not what fails here, the write to stdout is)
    args = [sys.executable, "-c", code, "audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT, "-f", "csv",
            "--no-previous"]
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          close_fds=True, pass_fds=(), preexec_fn=lambda: __import__("os").close(1))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "casecheck: error: cannot write to standard output: standard output is closed"
    sample = Path(__file__).parents[1] / "sample_data"  # findings larger than a pipe's buffer
    big = [*args[:4], str(sample), *args[5:]]
    piped = subprocess.Popen(big, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    piped.stdout.readline()
    piped.stdout.close()  # the reader goes away, as `| head -1` does
    piped.wait(timeout=120)
    assert piped.returncode == 2
    assert piped.stderr.read().strip() == "casecheck: error: cannot write to standard output: Broken pipe"
