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
