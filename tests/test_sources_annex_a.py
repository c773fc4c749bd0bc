"""The Annex A source: Ofsted's workbook of lists 1-11, mapped onto the native tables.

Every workbook here is written by the test with openpyxl, with the problems real ones have:
prefixed codes ("a) Yes", "b) Female"), "#N/A", formulas without cached values, free text in
date columns, non-breaking spaces in headings and names, trailing spaces, blank trailing rows,
a title row above the headings, headings that differ between years, fractional ages.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.dataset import ROW, Dataset
from casecheck.engine import audit
from casecheck.errors import InputError, UsageError
from casecheck.sources import inspect_source, load_dataset
from casecheck.standards import resolve_profile

NBSP = "\u00a0"

# The published headings, list by list (only those the tests fill in; others are blank columns)
HEADINGS = {
    "List 1": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Date of Contact", "Contact Source"],
    "List 2": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Assessment start date", "Assessment completion date",
               "Organisation completing assessment"],
    "List 3": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Date of referral", "Referral Source", "Referral NFA?",
               "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"],
    "List 4": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Does the Child have a Disability", "Continuous Assessment Start Date",
               "Child Seen During Continuous Assessment",
               "Continuous Assessment Date of Authorisation",
               "Was the child assessed as requiring LA children's social care support?",
               "Allocated Team", "Allocated Worker"],
    "List 5": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Does the Child have a Disability",
               "Strategy discussion initiating Section 47 Enquiry Start Date",
               "Was an Initial Child Protection Conference deemed unnecessary?",
               "Date of Initial Child Protection Conference",
               "Did the Initial Child Protection Conference Result in a Child Protection Plan",
               "Allocated Team", "Allocated Worker"],
    "List 6 - CIN": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                     "Age of Child (Years)", "Does the Child have a Disability", "CIN Start Date",
                     "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
                     "Reason for Closure", "Case Status", "Allocated Team", "Allocated Worker"],
    "List 7 - CP": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                    "Age of Child (Years)", "Does the Child have a Disability",
                    "Child Protection Plan Start Date", "Initial Category of Abuse",
                    "Latest Category of Abuse", "Date of the Last Statutory Visit",
                    "Was the Child Seen Alone?", "Date of latest review conference",
                    "Child Protection Plan End Date", "Allocated Team", "Allocated Worker"],
    "List 8 - CLA": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
                     "Age of Child (Years)", "Does the Child have a Disability",
                     "Date Started to be Looked After", "Child's Category of Need",
                     "Date of Latest Statutory Review", "Date of Last Social Work Visit",
                     "Date of Last IRO Visit / Contact to the Child",
                     "Date of Last Health Assessment", "Date of Last Dental Check",
                     "Date Ceased to be Looked After", "Start Date of Most Recent Placement",
                     "Placement Type", "Child's Legal Status", "Allocated Team", "Allocated Worker"],
    "List 9": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
               "Does the Child have a Disability", "Allocated Team", "Allocated Worker",
               "Eligibility Category", "LA in Touch", "Type of Accommodation",
               "Suitability of Accommodation", "Activity Status"],
    "List 11": ["Individual adopter identifier", "Family identifier", "Gender"],
}

# Another year's spellings of some headings (case, spacing, punctuation, words)
VARIANT = {
    "Child Unique ID": f"Child{NBSP}Unique ID ",
    "Date of Birth": "Date of birth",
    "Date of the Last Statutory Visit": "Date of last statutory visit",
    "Was the Child Seen Alone?": "Was the child seen alone (Y/N)?",
    "Date of latest review conference": "Date of Latest Review Conference",
    "Date Started to be Looked After": "Date started to be looked after ",
    "Date of Last Social Work Visit": "Date of last social work visit",
    "Start Date of Most Recent Placement": "Start date of most recent placement",
    "Continuous Assessment Date of Authorisation": "Continuous Assessment Date Of Authorisation",
    "Date Child Was Last Seen": "Date child was last seen",
    "Does the Child have a Disability": "Does the child have a disability?",
}

D = date


def rows() -> dict[str, list[dict]]:
    """The lists' rows: heading -> value (dates as date cells unless a string is the point)."""
    return {
        "List 1": [
            {"Child Unique ID": "C01", "Gender": "a) Male", "Date of Birth": D(2015, 5, 1),
             "Age of Child (Years)": 9.91, "Date of Contact": D(2025, 3, 3)},
            {"Child Unique ID": None, "Gender": "b) Female", "Date of Contact": D(2025, 3, 4)},
        ],
        "List 2": [
            {"Child Unique ID": "C09", "Date of Birth": D(2018, 1, 1), "Age of Child (Years)": 7.2,
             "Assessment start date": D(2025, 1, 6), "Assessment completion date": D(2025, 2, 3)},
        ],
        "List 3": [
            {"Child Unique ID": "C01", "Date of referral": D(2024, 6, 3), "Referral NFA?": "b) No",
             "Allocated Team": "Assessment", "Allocated Worker": "Jo Bloggs"},
            {"Child Unique ID": "C08", "Date of referral": D(2025, 2, 10), "Referral NFA?": "a) Yes"},
        ],
        "List 4": [
            {"Child Unique ID": "C01", "Continuous Assessment Start Date": D(2024, 6, 4),
             "Continuous Assessment Date of Authorisation": D(2024, 7, 19)},
            {"Child Unique ID": "C02", "Continuous Assessment Start Date": D(2025, 1, 13),
             "Continuous Assessment Date of Authorisation": "#N/A"},
        ],
        "List 5": [
            {"Child Unique ID": "C03", "Strategy discussion initiating Section 47 Enquiry Start Date": D(2024, 11, 11),
             "Date of Initial Child Protection Conference": D(2024, 12, 2)},
            {"Child Unique ID": "C02", "Strategy discussion initiating Section 47 Enquiry Start Date": D(2025, 3, 10),
             "Date of Initial Child Protection Conference": None},
        ],
        "List 6 - CIN": [
            {"Child Unique ID": "C01", "Gender": "a) Male", "Date of Birth": "01/05/2015",
             "Age of Child (Years)": 9.91, "Does the Child have a Disability": "b) No",
             "CIN Start Date": D(2024, 7, 19), "Date Child Was Last Seen": "see case notes",
             "Allocated Team": f"Team{NBSP}North", "Allocated Worker": f"Jo{NBSP}Bloggs "},
            {"Child Unique ID": "C02", "Gender": "b) Female", "Date of Birth": "#N/A",
             "Age of Child (Years)": 4.5, "Does the Child have a Disability": "a) Yes",
             "CIN Start Date": D(2024, 9, 2), "Date Child Was Last Seen": D(2025, 3, 20),
             "Allocated Team": "Team North", "Allocated Worker": "Ann Smith"},
        ],
        "List 7 - CP": [
            {"Child Unique ID": "C03", "Gender": "a) Male", "Date of Birth": D(2012, 1, 1),
             "Age of Child (Years)": 13.2, "Child Protection Plan Start Date": D(2024, 12, 2),
             "Date of the Last Statutory Visit": D(2025, 3, 24), "Was the Child Seen Alone?": "a) Yes",
             "Date of latest review conference": "=DATE(2025,3,3)",
             "Allocated Team": "Safeguarding", "Allocated Worker": "Kim Lee"},
            {"Child Unique ID": "C04", "Date of Birth": D(2019, 6, 30),
             "Child Protection Plan Start Date": D(2024, 6, 3),
             "Date of the Last Statutory Visit": "31/02/2025", "Was the Child Seen Alone?": "b) No",
             "Date of latest review conference": D(2024, 9, 2),
             "Allocated Team": "Safeguarding", "Allocated Worker": "Kim Lee"},
        ],
        "List 8 - CLA": [
            {"Child Unique ID": "C05", "Date of Birth": D(2021, 2, 2), "Age of Child (Years)": 4.1,
             "Date Started to be Looked After": D(2023, 1, 10),
             "Date of Latest Statutory Review": D(2025, 1, 15),
             "Date of Last Social Work Visit": D(2025, 3, 1),
             "Date of Last Health Assessment": D(2024, 9, 2),
             "Date of Last Dental Check": "not known",
             "Start Date of Most Recent Placement": D(2024, 2, 1),
             "Placement Type": "a) U1", "Child's Legal Status": "b) C2 - Full care order",
             "Allocated Team": "Children in Care", "Allocated Worker": "Lee"},
            {"Child Unique ID": "C06", "Date of Birth": D(2010, 4, 4), "Age of Child (Years)": 14.99,
             "Date Started to be Looked After": D(2020, 5, 5),
             "Date of Latest Statutory Review": D(2024, 12, 9),
             "Date of Last Social Work Visit": D(2025, 3, 14),
             "Date of Last Health Assessment": D(2024, 6, 3),
             "Date of Last Dental Check": D(2024, 11, 11),
             "Date of Last IRO Visit / Contact to the Child": D(2025, 2, 10),
             "Start Date of Most Recent Placement": D(2022, 8, 1),
             "Placement Type": "U4", "Allocated Team": "Children in Care", "Allocated Worker": "Lee"},
        ],
        "List 9": [
            {"Child Unique ID": "C07", "Date of Birth": D(2005, 10, 10),
             "Allocated Team": "Leaving Care", "Allocated Worker": "Pat"},
            {"Child Unique ID": "C10", "Date of Birth": D(2008, 1, 20),
             "Allocated Team": "Leaving Care", "Allocated Worker": "Pat"},
        ],
        "List 11": [{"Individual adopter identifier": "A1", "Family identifier": "F1"}],
    }


def write_annex(path: Path, variant: bool = False, title_row: bool = True,
                extra: dict[str, list[dict]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    data = rows()
    for sheet, items in (extra or {}).items():
        data[sheet] = data.get(sheet, []) + items
    for sheet, headings in HEADINGS.items():
        ws = wb.create_sheet(sheet)
        if title_row and sheet.startswith("List 6"):
            ws.append([f"Annex A {sheet}: children in need, as at the extract date"])
        shown = [VARIANT.get(h, h) if variant else h for h in headings]
        ws.append(shown)
        for item in data.get(sheet, []):
            ws.append([item.get(h) for h in headings])
        for _ in range(3):  # formatted blank rows at the end
            ws.append([None] * len(headings))
    wb.save(path)
    return path


@pytest.fixture
def annex(tmp_path) -> Path:
    return write_annex(tmp_path / "annex_a.xlsx")


def table(ds: Dataset, name: str) -> pl.DataFrame:
    return ds.tables[name].drop(ROW).sort(pl.all(), nulls_last=True)


def counts_add_up(ds: Dataset) -> None:
    for name, rep in ds.quality.reports.items():
        assert rep.rows_read == rep.rows_used + rep.rows_rejected, name
        assert ds.quality.rejected(name).height == rep.rows_rejected, name


# ---------------------------------------------------------------------------------------------
def test_detected_and_audit_date_inferred_from_the_latest_date(annex):
    ds = load_dataset(annex)
    assert ds.source == "annex-a"
    assert ds.as_at == date(2025, 3, 24)  # the latest visit; the free-text dates count for nothing
    assert ds.notes[0] == (
        "Audit date 2025-03-24 inferred from the latest date in annex_a.xlsx; give --as-at to set it."
    )
    counts_add_up(ds)


def test_given_audit_date_is_used_without_a_note(annex):
    ds = load_dataset(annex, source="annex-a", as_at=date(2025, 3, 31))
    assert ds.as_at == date(2025, 3, 31)
    assert not any("inferred" in n for n in ds.notes)


def test_dates_after_today_do_not_set_the_audit_date(tmp_path):
    future = dt.date.today() + dt.timedelta(days=400)
    path = write_annex(tmp_path / "a.xlsx", extra={"List 3": [
        {"Child Unique ID": "C01", "Date of referral": future}]})
    ds = load_dataset(path)
    assert ds.as_at == date(2025, 3, 24)
    assert "1 dates after today were taken as mistakes" in ds.notes[0]
    # the row itself is set aside as after the audit date, and reported
    assert ds.quality.rejected("referrals")["reason"].str.contains("after the audit date").any()


def test_children_come_from_every_list_first_readable_value_wins(annex):
    ds = load_dataset(annex)
    kids = table(ds, "children")
    assert kids["child_id"].to_list() == [f"C{i:02d}" for i in range(1, 11)]
    c01 = kids.row(by_predicate=pl.col("child_id") == "C01", named=True)
    assert c01 == {"child_id": "C01", "date_of_birth": date(2015, 5, 1), "gender": "Male",
                   "disability": False}
    c02 = kids.row(by_predicate=pl.col("child_id") == "C02", named=True)
    assert c02["date_of_birth"] is None and c02["gender"] == "Female" and c02["disability"] is True
    # the List 1 row with no child id is reported, once, against its sheet and row
    bad = ds.quality.rejected("children")
    assert bad.select("file", "row", "reason").rows() == [
        ("annex_a.xlsx [List 1]", 3, "child_id is blank")
    ]
    # the same date of birth written two ways is not a conflict
    assert "different dates of birth" not in " ".join(ds.quality.reports["children"].notes)


def test_list_rows_spread_over_native_tables(annex):
    ds = load_dataset(annex, as_at=date(2025, 3, 31))
    ep = table(ds, "episodes")
    assert ep.select("child_id", "episode_type", "start_date", "end_date").rows() == [
        ("C01", "child_in_need", date(2024, 7, 19), None),
        ("C02", "child_in_need", date(2024, 9, 2), None),
        ("C03", "child_protection", date(2024, 12, 2), None),
        ("C04", "child_protection", date(2024, 6, 3), None),
        ("C05", "child_in_care", date(2023, 1, 10), None),
        ("C06", "child_in_care", date(2020, 5, 5), None),
        ("C07", "care_leaver", date(2023, 10, 10), None),  # 18th birthday
        ("C10", "care_leaver", date(2024, 1, 20), None),  # under 18: the 16th birthday
    ]
    c01 = ep.row(0, named=True)
    assert (c01["team"], c01["worker_id"]) == ("Team North", "Jo Bloggs")  # non-breaking spaces
    visits = table(ds, "visits").select("child_id", "visit_date", "seen", "seen_alone")
    assert visits.rows() == [
        ("C02", date(2025, 3, 20), None, None),
        ("C03", date(2025, 3, 24), None, True),
        ("C05", date(2025, 3, 1), None, None),
        ("C06", date(2025, 3, 14), None, None),
    ]
    meetings = table(ds, "meetings").select("child_id", "meeting_type", "meeting_date")
    assert meetings.rows() == [
        ("C02", "strategy_discussion", date(2025, 3, 10)),
        ("C03", "icpc", date(2024, 12, 2)),
        ("C03", "strategy_discussion", date(2024, 11, 11)),
        ("C04", "rcpc", date(2024, 9, 2)),  # C03's review date is a formula with no value
        ("C05", "cla_review", date(2025, 1, 15)),
        ("C06", "cla_review", date(2024, 12, 9)),
    ]
    assert table(ds, "documents").select("child_id", "document_type", "document_date").rows() == [
        ("C05", "health_assessment", date(2024, 9, 2)),  # C05's dental check is 'not known'
        ("C06", "dental_check", date(2024, 11, 11)),
        ("C06", "health_assessment", date(2024, 6, 3)),
    ]
    assert table(ds, "placements").select("child_id", "start_date", "placement_type", "legal_status").rows() == [
        ("C05", date(2024, 2, 1), "U1", "C2"), ("C06", date(2022, 8, 1), "U4", None),
    ]
    # the last IRO contact is a contact with the child by the IRO
    assert table(ds, "family_contacts").select("child_id", "contact_date", "contact_by").rows() == [
        ("C06", date(2025, 2, 10), "iro"),
    ]
    assert table(ds, "assessments").rows() == [
        ("C01", "child_and_family", date(2024, 6, 4), date(2024, 7, 19), date(2024, 7, 19)),
        ("C02", "child_and_family", date(2025, 1, 13), None, None),  # #N/A: not yet authorised
        ("C09", "early_help", date(2025, 1, 6), date(2025, 2, 3), None),
    ]
    assert table(ds, "referrals").select("child_id", "received_date", "outcome").rows() == [
        ("C01", date(2024, 6, 3), None), ("C08", date(2025, 2, 10), "nfa"),
    ]
    assert "missing_episodes" not in ds.tables  # Annex A holds counts, not dates
    counts_add_up(ds)


def test_a_bad_date_loses_only_the_row_it_gives(annex):
    ds = load_dataset(annex, as_at=date(2025, 3, 31))
    issues = ds.quality.issues.select("table", "file", "row", "reason")
    assert issues.filter(pl.col("table") == "visits").rows() == [
        ("visits", "annex_a.xlsx [List 6 - CIN]", 3, "visit_date is not a date: 'see case notes'"),
        ("visits", "annex_a.xlsx [List 7 - CP]", 3, "visit_date is not a date: '31/02/2025'"),
    ]
    # C01's CIN episode and C04's CP plan and review conference are still there
    ep = ds.tables["episodes"]
    assert {"C01", "C04"} <= set(ep["child_id"].to_list())
    assert ds.tables["meetings"].filter(pl.col("child_id") == "C04").height == 1
    rep = ds.quality.reports["visits"]
    assert rep.rows_read == 6 and rep.rows_rejected == 2
    assert rep.file == "annex_a.xlsx [List 6 - CIN, List 7 - CP, List 8 - CLA]"
    assert any("List 7 - CP" in n for n in rep.notes)


def test_headings_that_differ_between_years_give_the_same_tables(tmp_path):
    a = load_dataset(write_annex(tmp_path / "a.xlsx"), as_at=date(2025, 3, 31))
    b = load_dataset(write_annex(tmp_path / "b.xlsx", variant=True, title_row=False),
                     as_at=date(2025, 3, 31))
    assert set(a.tables) == set(b.tables)
    for name in a.tables:
        assert table(a, name).equals(table(b, name)), name


def test_list_11_and_other_sheets_are_not_read(annex):
    insp = inspect_source(annex)
    assert insp.source == "annex-a" and insp.detected
    assert any("List 11" in line for line in insp.ignored)
    assert insp.as_at == date(2025, 3, 24)
    files = {f.file: f for f in insp.files}
    l7 = files["annex_a.xlsx [List 7 - CP]"]
    assert l7.tables == ["children", "episodes", "visits", "meetings"]
    assert "Initial Category of Abuse" in l7.unmapped
    assert "Date of the Last Statutory Visit" not in l7.unmapped
    visits = next(t for t in insp.tables if t.table == "visits")
    assert "recorded_date" in visits.not_supplied
    assert [p.file for p in visits.parts] == [
        "annex_a.xlsx [List 6 - CIN]", "annex_a.xlsx [List 7 - CP]", "annex_a.xlsx [List 8 - CLA]"
    ]
    assert any("headings taken from row 2" in n for n in insp.notes)


def test_point_in_time_audit_at_the_extract_date(annex):
    ds = load_dataset(annex)
    result = audit(ds, resolve_profile("england-statutory"), as_at=ds.as_at)
    f = result.findings
    # C05 is under 5: health assessments every 6 months; 2024-09-02 + 6 months is past
    c05 = f.filter((pl.col("rule_id") == "health-assessment-updated") & (pl.col("child_id") == "C05"))
    assert c05["status"].to_list() == ["not_met"]
    assert c05["due_date"].to_list() == [date(2025, 3, 2)]
    # C06 is 14: every 12 months; 2024-06-03 + 12 months is still to come
    c06 = f.filter((pl.col("rule_id") == "health-assessment-updated") & (pl.col("child_id") == "C06"))
    assert c06["status"].to_list() == ["met"]
    dental = f.filter(pl.col("rule_id") == "dental-check-updated").select("child_id", "status")
    assert dental.sort("child_id").rows() == [("C05", "not_met"), ("C06", "met")]
    # the ICPC came 15 working days after the strategy discussion: decided before the month of
    # the extract date, so counted with the period of all records
    every = audit(ds, resolve_profile("england-statutory"), as_at=ds.as_at, period="all").findings
    icpc = every.filter(pl.col("rule_id") == "icpc-timescale").select("child_id", "status")
    assert ("C03", "met") in icpc.rows()


def test_missing_child_id_column_is_a_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "List 6"
    wb.active.append(["CIN Start Date"])
    wb.active.append([date(2025, 1, 1)])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(InputError, match=r"a.xlsx \[List 6\] has no 'Child Unique ID' column"):
        load_dataset(tmp_path / "a.xlsx")


def test_a_workbook_without_episode_lists_is_a_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "List 1"
    wb.active.append(["Child Unique ID", "Date of Contact"])
    wb.active.append(["C1", date(2025, 1, 1)])
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(InputError, match="no List 6, 7, 8 or 9"):
        load_dataset(tmp_path / "a.xlsx")


def test_mapping_is_refused_for_annex_a(annex):
    with pytest.raises(UsageError, match="--source annex-a needs no mapping"):
        load_dataset(annex, source="annex-a", mapping="lcs")


def test_cli_validate_and_inspect(annex):
    runner = CliRunner()
    r = runner.invoke(app, ["validate", str(annex)])
    assert r.exit_code == 0, r.output
    assert "Audit date 2025-03-24 inferred from the latest date in annex_a.xlsx" in r.output
    r = runner.invoke(app, ["inspect", str(annex), "--format", "json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["source"] == "annex-a" and payload["as_at"] == "2025-03-24"
    tables = {t["table"]: t for t in payload["tables"]}
    assert tables["episodes"]["rows"] == 8
    r = runner.invoke(app, ["inspect", str(annex)])
    assert r.exit_code == 0, r.output
    assert "source annex-a (detected" in r.output


# ---------------------------------------------------------------------------------------------
# Every year's template (tests/fixtures/returns/make_fixtures.py writes them)
# ---------------------------------------------------------------------------------------------
TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "returns" / "annex_a"
#: columns a template has that no rule reads
NOT_READ = {"Ethnicity", "Age", "Age of Child (Years)", "Eligibility Category", "LA in Touch"}


@pytest.mark.parametrize("book", sorted(p.name for p in TEMPLATES.glob("*.xlsx")))
def test_every_template_year_is_read_with_no_needed_column_unused(book):
    insp = inspect_source(TEMPLATES / book)
    assert insp.source == "annex-a"
    for f in insp.files:
        assert set(f.unmapped) <= NOT_READ, (f.file, f.unmapped)
    ds = load_dataset(TEMPLATES / book, as_at=date(2025, 3, 31))
    # the same dates in every template: A1's assessment authorised on 20 February 2025, A2's
    # strategy discussion and ICPC, A3's looked-after review, visit, health and dental checks
    assert ds.table("assessments").select("child_id", "start_date", "authorised_date").rows() == [
        ("A1", date(2025, 1, 7), date(2025, 2, 20))]
    meetings = set(ds.table("meetings").select("child_id", "meeting_type", "meeting_date").rows())
    assert {("A2", "strategy_discussion", date(2025, 2, 3)), ("A2", "icpc", date(2025, 2, 21)),
            ("A3", "cla_review", date(2025, 1, 10))} <= meetings
    docs = set(ds.table("documents").select("document_type", "document_date").rows())
    assert docs == {("health_assessment", date(2024, 11, 1)), ("dental_check", date(2024, 9, 9))}
    visits = set(ds.table("visits").select("child_id", "visit_date").rows())
    assert {("A1", date(2025, 3, 20)), ("A2", date(2025, 3, 24)), ("A3", date(2025, 3, 3))} <= visits


@pytest.mark.parametrize("book", ["annex_a_2015_sif.xlsx", "annex_a_2024_ilacs.xlsx",
                                  "annex_a_ssd_script.xlsx"])
def test_list_9_contact_and_pathway_plan_review_where_the_template_has_them(book):
    ds = load_dataset(TEMPLATES / book, as_at=date(2025, 3, 31))
    assert ("A4", date(2025, 3, 14)) in set(ds.table("visits").select("child_id", "visit_date").rows())
    assert ("A4", "pathway_plan_review", date(2025, 1, 28)) in set(
        ds.table("meetings").select("child_id", "meeting_type", "meeting_date").rows())


def test_list_9_personal_adviser_is_the_care_leavers_worker_when_no_worker_is_named():
    ds = load_dataset(TEMPLATES / "annex_a_2024_ilacs.xlsx", as_at=date(2025, 3, 31))
    leaver = ds.table("episodes").filter(pl.col("episode_type") == "care_leaver")
    assert leaver.select("child_id", "worker_id").rows() == [("A4", "PA Jones")]


def test_a_missing_list_9_column_makes_its_rules_not_assessed_not_not_met():
    """The 2019 template's List 9 has no contact or pathway plan dates: the care leaver rules
    that need them cannot be assessed (the other lists' visits and meetings are not care
    leavers')."""
    from casecheck.coverage import unsupplied

    ds = load_dataset(TEMPLATES / "annex_a_2019_ilacs.xlsx", as_at=date(2025, 3, 31))
    red = resolve_profile("redcar-cleveland")
    assert unsupplied(ds, red.rule("visits-care-leaver")) == ["visit of care_leaver episodes"]
    assert unsupplied(ds, red.rule("review-pathway-plan")) == [
        "meeting:pathway_plan_review", "document:pathway_plan"]
    assert unsupplied(ds, red.rule("visits-cla")) == []
    newer = load_dataset(TEMPLATES / "annex_a_2024_ilacs.xlsx", as_at=date(2025, 3, 31))
    assert unsupplied(newer, red.rule("visits-care-leaver")) == []
    assert unsupplied(newer, red.rule("review-pathway-plan")) == []
