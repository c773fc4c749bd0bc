"""Where a rule's numbers come from (``basis``) and the document's title and date: validated,
shown by ``standards show``, in the summary note and the workbook's About sheet."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.errors import ProfileError
from casecheck.standards import parse_profile

from engine_helpers import CP_VISITS, D, dataset, profile, run

PROFILE = """
[profile]
id = "basis-test"
authority = "Test Borough"
title = "Test standards"
document = "seeds/001_x.txt"
document_title = "Children and Families Practice Standards"
document_date = 2023-11-01

[[rule]]
id = "visits-cp"
title = "CP visits"
kind = "frequency"
cohort = ["child_protection"]
events = ["visit"]
first = "48h"
interval = "10wd"
target = 95
source = "Practice Standards"
basis = { first = "statutory", interval = "document" }

[[rule]]
id = "chronology-updated"
title = "Chronology up to date"
kind = "recency"
cohort = ["child_protection"]
events = ["document:chronology"]
interval = "3mo"
target = 90
source = "Practice Standards"
basis = "casecheck default"
"""


def test_basis_per_rule_or_per_number_and_the_document_by_title_and_date():
    prof = parse_profile(PROFILE)
    cp, chron = prof.rules
    assert cp.basis_text() == "first: statutory; interval: document" and cp.defaults == ()
    assert chron.basis_text() == "casecheck default" and chron.defaults == ("",)
    assert prof.cited == "Children and Families Practice Standards (1 November 2023)"


@pytest.mark.parametrize(("basis", "message"), [
    ('"guess"', "must be one of 'document', 'statutory', 'casecheck default'"),
    ('{ within = "document" }', "names 'within', which is not a number of this rule (its numbers: first, interval)"),
    ('{ first = "local" }', "basis.first must be one of"),
])
def test_a_bad_basis_names_the_line(basis, message):
    text = PROFILE.replace('basis = { first = "statutory", interval = "document" }', f"basis = {basis}")
    with pytest.raises(ProfileError) as err:
        parse_profile(text)
    assert message in str(err.value)
    assert "line 20:" in str(err.value)  # the basis line


def test_the_summary_note_says_where_numbers_are_not_the_document_s():
    ds = dataset(episodes=[{"child_id": "1", "episode_type": "child_protection", "start_date": "2025-03-03"}],
                 visits=[], documents=[])
    res = run(ds, parse_profile(PROFILE), D(2025, 3, 31))
    notes = dict(zip(res.summary["rule_id"], res.summary["note"], strict=True))
    assert notes == {"visits-cp": "numbers: first: statutory; interval: document",
                     "chronology-updated": "numbers: casecheck default"}
    # a rule whose basis is all the document's, or not stated, adds nothing
    assert run(ds, profile(CP_VISITS), D(2025, 3, 31)).summary["note"][0] == ""


def test_standards_show_gives_each_rule_s_basis(tmp_path):
    path = tmp_path / "basis-test.toml"
    path.write_text(PROFILE, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["standards", "show", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["cited"] == "Children and Families Practice Standards (1 November 2023)"
    assert [r["basis"] for r in data["rules"]] == [{"first": "statutory", "interval": "document"},
                                                   "casecheck default"]
    res = runner.invoke(app, ["standards", "show", str(path)])
    assert res.exit_code == 0, res.output
    # (the table's width is the terminal's: compare the words, not the wrapping)
    assert "Children and Families Practice Standards (1 November 2023)" in " ".join(res.output.split())


def test_the_workbook_about_sheet_lists_the_rules_whose_numbers_are_casecheck_defaults(tmp_path):
    import openpyxl

    from casecheck.workbook import write_audit_workbook

    ds = dataset(episodes=[{"child_id": "1", "episode_type": "child_protection", "start_date": "2025-03-03"}],
                 visits=[], documents=[])
    res = run(ds, parse_profile(PROFILE), D(2025, 3, 31))
    path = write_audit_workbook(tmp_path / "audit.xlsx", res, ds)
    rows = [r for r in openpyxl.load_workbook(path)["About"].iter_rows(values_only=True)]
    facts = {r[0]: r[1] for r in rows if r[0]}
    assert facts["Standards document"] == "Children and Families Practice Standards (1 November 2023)"
    i = next(n for n, r in enumerate(rows) if r[0] == "Casecheck defaults")
    assert rows[i + 1][:2] == ("chronology-updated", "every number (every 3mo)")
    assert not any(r[0] == "visits-cp" for r in rows[i + 1:i + 3])
    assert "seeds/001_x.txt" not in "\n".join(str(c) for r in rows for c in r if c)
