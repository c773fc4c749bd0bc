"""Report exports (Liquid Logic LCS and EHM) read through a mapping file or a bundled preset,
and proposing a mapping for an export casecheck does not recognise."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.dataset import ROW
from casecheck.engine import audit
from casecheck.errors import InputError, UsageError
from casecheck.sample import generate_sample
from casecheck.sources import inspect_source, load_dataset, load_frames
from casecheck.sources.reports import load_mapping, parse_mapping, preset_path
from casecheck.standards import resolve_profile

from conftest import without_issue_13_additions

AS_AT = dt.date(2025, 3, 31)

EPISODE_STEPS = {
    "child_in_need": "Child in Need Plan", "child_protection": "Child Protection Plan",
    "child_in_care": "Looked After Child", "care_leaver": "Care Leaver",
    "disabled_children": "Children with Disabilities", "s47": "Section 47 Enquiry",
    "early_help": "Early Help",
}
MEETING_STEPS = {
    "strategy_discussion": "Strategy Discussion", "icpc": "Initial Child Protection Conference",
    "rcpc": "Review Child Protection Conference", "core_group": "Core Group",
    "cin_review": "CIN Review", "cla_review": "CLA Review", "taf": "TAF Meeting",
    "family_network": "Family Network Meeting", "pathway_plan_review": "Pathway Plan Review",
}
FORMS = {
    "chronology": "Chronology", "genogram": "Genogram", "ecomap": "Ecomap",
    "case_summary": "Case Summary", "pen_picture": "Pen Picture", "plan": "Care Plan",
    "pathway_plan": "Pathway Plan", "working_agreement": "Working Agreement",
}
SUPERVISION = {"allocation": "Allocation Supervision", "case": "Case Supervision",
               "management_oversight": "Management Oversight"}


def _uk(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%d/%m/%Y").fill_null("").alias(col)


def _named(col: str, names: dict[str, str]) -> pl.Expr:
    return pl.col(col).replace_strict(names, default=None, return_dtype=pl.String)


def _yn(col: str) -> pl.Expr:
    return pl.col(col).replace_strict({True: "Yes", False: "No"}, default="", return_dtype=pl.String)


def write_lcs(t: dict[str, pl.DataFrame], folder: Path) -> None:
    """The sample as LCS-style reports: a steps report for episodes, meetings and assessments,
    and one report each for people, workers, visits, supervision, forms, placements, referrals
    and missing episodes (UK dates, 'Yes'/'No' flags, LCS step names)."""
    folder.mkdir(parents=True, exist_ok=True)
    t["children"].select(
        pl.col("child_id").alias("Person ID"), _uk("date_of_birth").alias("Date of Birth"),
        pl.col("gender").alias("Gender"), _yn("disability").alias("Disability"),
    ).write_csv(folder / "Person Details.csv")
    t["workers"].select(
        pl.col("worker_id").alias("Worker ID"), pl.col("worker_name").alias("Worker Name"),
        pl.col("team").alias("Team"), pl.col("manager").alias("Manager ID"),
        pl.col("role").alias("Job Title"),
    ).write_csv(folder / "Workers.csv")
    blank = pl.lit("")
    steps = pl.concat([
        t["episodes"].select(
            pl.col("child_id").alias("Person ID"), _named("episode_type", EPISODE_STEPS).alias("Step Type"),
            _uk("start_date").alias("Step Start Date"), _uk("end_date").alias("Step End Date"),
            blank.alias("Step Completed Date"), blank.alias("Authorised Date"),
            pl.col("team").alias("Team"), pl.col("worker_id").alias("Worker ID"),
        ),
        t["meetings"].select(
            pl.col("child_id").alias("Person ID"), _named("meeting_type", MEETING_STEPS).alias("Step Type"),
            _uk("meeting_date").alias("Step Start Date"), blank.alias("Step End Date"),
            blank.alias("Step Completed Date"), blank.alias("Authorised Date"),
            blank.alias("Team"), blank.alias("Worker ID"),
        ),
        t["assessments"].select(
            pl.col("child_id").alias("Person ID"),
            _named("assessment_type", {"child_and_family": "Child and Family Assessment",
                                       "early_help": "Early Help Assessment"}).alias("Step Type"),
            _uk("start_date").alias("Step Start Date"), blank.alias("Step End Date"),
            _uk("completed_date").alias("Step Completed Date"), _uk("authorised_date").alias("Authorised Date"),
            blank.alias("Team"), blank.alias("Worker ID"),
        ),
    ])
    # a step type no table takes (contacts are recorded as steps too)
    steps = pl.concat([steps, steps.head(2).with_columns(pl.lit("Contact").alias("Step Type"))])
    steps.write_csv(folder / "CSC Steps.csv")
    t["visits"].select(
        pl.col("child_id").alias("Person ID"), _uk("visit_date").alias("Visit Date"),
        _yn("seen").alias("Child Seen"), _yn("seen_alone").alias("Seen Alone"),
        _yn("bedroom_seen").alias("Bedroom Seen"),
        _named("visit_type", {"statutory": "Statutory Visit", "other": "Other"}).alias("Visit Type"),
        pl.col("worker_id").alias("Worker ID"), _uk("recorded_date").alias("Date Recorded"),
    ).write_csv(folder / "Visits.csv")
    t["supervisions"].select(
        pl.col("child_id").alias("Person ID"), _uk("supervision_date").alias("Supervision Date"),
        _named("supervision_type", SUPERVISION).alias("Supervision Type"),
        pl.col("worker_id").alias("Worker ID"), pl.col("supervisor_id").alias("Supervisor ID"),
    ).write_csv(folder / "Case Supervision.csv")
    t["documents"].select(
        pl.col("child_id").alias("Person ID"), _named("document_type", FORMS).alias("Form Type"),
        _uk("document_date").alias("Completed Date"), _uk("created_date").alias("Created Date"),
    ).write_csv(folder / "Forms.csv")
    t["placements"].select(
        pl.col("child_id").alias("Person ID"), pl.col("placement_id").alias("Placement ID"),
        _uk("start_date").alias("Placement Start Date"), _uk("end_date").alias("Placement End Date"),
        pl.col("placement_type").alias("Placement Type"),
        _uk("permanence_agreed_date").alias("Permanence Agreed Date"),
    ).write_csv(folder / "Placements.csv")
    t["referrals"].select(
        pl.col("child_id").alias("Person ID"), _uk("received_date").alias("Referral Date"),
        _uk("decision_date").alias("Decision Date"), pl.col("outcome").alias("Outcome"),
    ).write_csv(folder / "Referrals.csv")
    t["missing_episodes"].select(
        pl.col("child_id").alias("Person ID"), _uk("start_date").alias("Missing Start Date"),
        _uk("return_date").alias("Return Date"), _uk("return_interview_date").alias("RHI Date"),
    ).write_csv(folder / "Missing Episodes.csv")


@pytest.fixture(scope="module")
def sample_tables():
    return without_issue_13_additions(generate_sample(children=120, seed=5, as_at=AS_AT, years=3))


@pytest.fixture(scope="module")
def lcs_folder(sample_tables, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lcs")
    write_lcs(sample_tables, folder)
    return folder


# ---------------------------------------------------------------------------------------------
# LCS through the bundled preset
# ---------------------------------------------------------------------------------------------
def test_lcs_export_is_detected_and_audits_like_the_native_tables(lcs_folder, sample_tables):
    ds = load_dataset(lcs_folder, as_at=AS_AT)
    assert ds.source == "lcs"
    native = load_frames(sample_tables, as_at=AS_AT)
    for profile in ("redcar-cleveland", "england-statutory"):
        a = audit(ds, resolve_profile(profile), as_at=AS_AT).findings
        b = audit(native, resolve_profile(profile), as_at=AS_AT).findings
        assert a.height > 100
        assert_frame_equal(a, b)
    for name in ds.quality.reports:
        rep = ds.quality.reports[name]
        assert rep.rows_read == rep.rows_used + rep.rows_rejected
    # one steps report feeds three tables; the rows no table takes are counted
    assert ds.quality.reports["episodes"].file == "CSC Steps.csv"
    assert any("CSC Steps.csv: 2 rows are used by no table" in n for n in ds.notes)


def test_lcs_preset_named_with_source(lcs_folder):
    ds = load_dataset(lcs_folder, source="lcs", as_at=AS_AT)
    assert ds.source == "lcs"
    visits = ds.quality.reports["visits"]
    assert visits.mapping["visit_type"] == "Visit Type (values mapped)"


def test_lcs_inspection(lcs_folder):
    insp = inspect_source(lcs_folder)
    assert insp.source == "lcs" and "LCS preset" in insp.reason
    tables = {t.table: t for t in insp.tables}
    assert tables["episodes"].files == ["CSC Steps.csv"]
    assert tables["episodes"].columns["episode_type"] == "Step Type (values mapped)"
    steps = next(f for f in insp.files if f.file == "CSC Steps.csv")
    assert steps.tables == ["episodes", "assessments", "meetings"]
    d = insp.to_dict()
    json.dumps(d)
    assert d["source"] == "lcs"


# ---------------------------------------------------------------------------------------------
# EHM: a small export written by hand
# ---------------------------------------------------------------------------------------------
def write_ehm(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "EH Episodes.csv").write_text(
        "EHM ID,Date of Birth,Gender,Episode Start,Episode End,Team,Lead Practitioner,Allocated Date\n"
        "E1,01/02/2015,Female,06/01/2025,,Early Help North,Sam,06/01/2025\n"
        "E2,03/04/2016,Male,02/12/2024,,Early Help North,Sam,02/12/2024\n"
        "E1,01/02/2015,Female,01/03/2023,30/06/2023,Early Help North,Ali,01/03/2023\n"
        "E3,05/06/2017,Male,10/03/2025,,Early Help South,Ali,10/03/2025\n",
        encoding="utf-8",
    )
    (folder / "Contacts.csv").write_text(
        "EHM ID,Contact Date,Contact Type,Child Seen\n"
        "E1,03/03/2025,Home Visit,Yes\n"
        "E2,20/02/2025,Telephone,No\n"
        "E2,10/03/2025,Home Visit,Yes\n"
        "E3,31/02/2025,Home Visit,Yes\n",
        encoding="utf-8",
    )
    (folder / "Forms.csv").write_text(
        "EHM ID,Form Type,Form Start Date,Completed Date\n"
        "E1,Early Help Assessment,06/01/2025,20/02/2025\n"
        "E1,Family Plan,21/02/2025,21/02/2025\n"
        "E2,Consent Form,02/12/2024,02/12/2024\n",
        encoding="utf-8",
    )
    (folder / "TAF Meetings.csv").write_text(
        "EHM ID,Meeting Type,Meeting Date\nE1,TAF Review,14/03/2025\n", encoding="utf-8"
    )
    return folder


def test_ehm_export_is_detected_and_mapped(tmp_path):
    folder = write_ehm(tmp_path / "ehm")
    ds = load_dataset(folder, as_at=AS_AT)
    assert ds.source == "ehm"
    kids = ds.tables["children"].drop(ROW).sort("child_id")
    assert kids["child_id"].to_list() == ["E1", "E2", "E3"]  # a child in two rows is read once
    assert any("1 row repeats a child" in n for n in ds.quality.reports["children"].notes)
    ep = ds.tables["episodes"]
    assert set(ep["episode_type"].to_list()) == {"early_help"} and ep.height == 4
    v = ds.tables["visits"].drop(ROW).sort("child_id", "visit_date")
    assert v.select("child_id", "visit_date", "visit_type").rows() == [
        ("E1", dt.date(2025, 3, 3), "statutory"),
        ("E2", dt.date(2025, 2, 20), "telephone"),  # not a visit that counts
        ("E2", dt.date(2025, 3, 10), "statutory"),
    ]
    assert ds.quality.rejected("visits")["reason"].to_list() == ["visit_date is not a date: '31/02/2025'"]
    assert ds.quality.rejected("visits")["file"].to_list() == ["Contacts.csv"]
    assert ds.tables["assessments"]["assessment_type"].to_list() == ["early_help"]
    assert ds.tables["documents"]["document_type"].to_list() == ["plan"]  # consent forms left out
    assert ds.tables["meetings"]["meeting_type"].to_list() == ["taf"]
    f = audit(ds, resolve_profile("redcar-cleveland"), as_at=AS_AT, rules=["visits-early-help"]).findings
    assert f.select("child_id", "status").sort("child_id").rows() == [
        ("E1", "met"), ("E2", "met"), ("E3", "pending"),
    ]


# ---------------------------------------------------------------------------------------------
# A mapping file written by the user
# ---------------------------------------------------------------------------------------------
MAPPING = """
[mapping]
source = "lcs"
date_format = "%m/%d/%Y"

[[table]]
table = "children"
file = "kids"
[table.columns]
child_id = "Ref"
date_of_birth = "Born"

[[table]]
table = "episodes"
file = "work*"
where = { "Service" = ["Social Care"] }
[table.columns]
child_id = "Ref"
episode_type = "Kind"
start_date = "Opened"
end_date = ["Closed", "End"]
[table.values.episode_type]
"CP" = "child_protection"
"Assessment only" = ""
"""


def test_user_mapping_with_us_dates_where_and_values(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "kids.csv").write_text("Ref,Born\n001,12/31/2014\n002,01/02/2016\n", encoding="utf-8")
    (folder / "work items.csv").write_text(
        "Ref,Kind,Opened,Closed,Service\n"
        "001,CP,01/13/2025,,Social Care\n"
        "002,Assessment only,01/14/2025,,Social Care\n"
        "002,Family Support,02/03/2025,,Social Care\n"
        "001,CP,01/13/2024,,Early Help\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mine.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ds = load_dataset(folder, mapping=mapping, as_at=AS_AT)
    assert ds.source == "lcs"
    kids = ds.tables["children"].drop(ROW).sort("child_id")
    assert kids["date_of_birth"].to_list() == [dt.date(2014, 12, 31), dt.date(2016, 1, 2)]
    ep = ds.tables["episodes"].drop(ROW).sort("child_id")
    assert ep.select("child_id", "episode_type", "start_date").rows() == [
        ("001", "child_protection", dt.date(2025, 1, 13)),
        ("002", "family_support", dt.date(2025, 2, 3)),  # not in the value map: kept, tidied
    ]
    assert ds.quality.reports["episodes"].notes == [
        "2 rows from work items.csv (2 rows with other values left out)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[table]]\ntable = 'kids'\n", "table = 'kids' is not a casecheck table"),
        ("[[table]]\ntable = 'children'\ncolumns.child = 'X'\n", "'child' is not a column of children"),
        ("[[table]]\ntable = 'children'\ncolumns.child_id = 'X'\n", "no [[table]] for the episodes table"),
        ("[[table]]\ntable = 'episodes'\ncolumns.child_id = 'X'\n[[table]]\ntable='children'\n"
         "columns.child_id='X'\n", "no heading for episode_type, start_date"),
        ("[[table]\n", "not valid TOML"),
    ],
)
def test_bad_mappings_are_usage_errors(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_mapping(path)
    assert message in str(info.value)


def test_presets_are_valid_and_say_they_are_typical():
    for name in ("lcs", "ehm"):
        text = preset_path(name).read_text(encoding="utf-8")
        assert "TYPICAL" in text
        m = load_mapping(name)
        assert m.source == name and {t.table for t in m.tables} >= {"children", "episodes", "visits"}


def test_mapping_that_finds_no_episodes_says_what_it_looked_for(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "kids.csv").write_text("Ref,Born\n001,12/31/2014\n", encoding="utf-8")
    mapping = tmp_path / "mine.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    with pytest.raises(InputError, match=r"finds no episodes table .*no file is named like 'work\*'"):
        load_dataset(folder, mapping=mapping)


# ---------------------------------------------------------------------------------------------
# An export casecheck does not recognise: a proposed mapping
# ---------------------------------------------------------------------------------------------
def write_unknown(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(
        "Client Ref,Birth Date,Sex\nP1,01/02/2015,F\nP2,03/04/2016,M\n", encoding="utf-8"
    )
    (folder / "cases.csv").write_text(
        "Client Ref,Case Type,Case Start Date,Case End Date,Allocated Worker\n"
        "P1,Child Protection Plan,06/01/2025,,W1\nP2,CIN Plan,02/12/2024,,W2\n"
        "P2,Something Else,02/12/2024,,W2\n",
        encoding="utf-8",
    )
    (folder / "visit log.csv").write_text(
        "Client Ref,Date of Visit,Was Child Seen\nP1,10/03/2025,Y\n", encoding="utf-8"
    )
    return folder


def test_unknown_export_gets_a_proposed_mapping(tmp_path):
    folder = write_unknown(tmp_path / "x")
    with pytest.raises(InputError, match="casecheck inspect"):
        load_dataset(folder)
    insp = inspect_source(folder)
    assert insp.source == "unknown"
    proposal = insp.proposed_mapping
    assert proposal is not None
    data = tomllib.loads(proposal)
    tables = {t["table"]: t for t in data["table"]}
    assert tables["children"]["columns"] == {"child_id": "Client Ref", "date_of_birth": "Birth Date",
                                             "gender": "Sex"}
    assert tables["episodes"]["columns"]["start_date"] == "Case Start Date"
    assert tables["episodes"]["values"]["episode_type"] == {
        "CIN Plan": "child_in_need", "Child Protection Plan": "child_protection", "Something Else": "",
    }
    assert tables["visits"]["columns"] == {"child_id": "Client Ref", "visit_date": "Date of Visit",
                                           "seen": "Was Child Seen"}
    # the proposal works as it is
    m = parse_mapping(data)
    assert m.source == "lcs"
    path = tmp_path / "proposed.toml"
    path.write_text(proposal, encoding="utf-8")
    ds = load_dataset(folder, mapping=path, as_at=AS_AT)
    assert ds.tables["episodes"].height == 2
    assert ds.tables["visits"].height == 1


def test_cli_inspect_writes_a_proposed_mapping_and_never_overwrites(tmp_path):
    folder = write_unknown(tmp_path / "x")
    out = tmp_path / "proposed.toml"
    runner = CliRunner()
    r = runner.invoke(app, ["inspect", str(folder), "--propose-mapping", str(out)])
    assert r.exit_code == 0, r.output
    assert "source unknown" in r.output and "Proposed mapping written to" in r.output
    assert tomllib.loads(out.read_text(encoding="utf-8"))["mapping"]["source"] == "lcs"
    r = runner.invoke(app, ["inspect", str(folder), "--propose-mapping", str(out)])
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["inspect", str(folder), "--propose-mapping", str(folder / "people.csv")])
    assert r.exit_code == 2
    r = runner.invoke(app, ["validate", str(folder), "--mapping", str(out), "--as-at", "2025-03-31"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["inspect", str(folder), "--format", "yaml"])
    assert r.exit_code == 2


def test_cli_inspect_json_for_unknown_includes_the_proposal(tmp_path):
    folder = write_unknown(tmp_path / "x")
    r = CliRunner().invoke(app, ["inspect", str(folder), "--format", "json"])
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["source"] == "unknown"
    assert payload["proposed_mapping"].startswith("# casecheck mapping proposed")


def test_inspect_native_sample():
    from conftest import SAMPLE

    insp = inspect_source(SAMPLE)
    assert insp.source == "native" and insp.detected
    tables = {t.table: t for t in insp.tables}
    assert tables["episodes"].columns["episode_type"] == "episode_type"
    assert tables["episodes"].not_supplied == []
    assert any(line.startswith("README.txt") for line in insp.ignored)


def test_mapping_with_another_source_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(app, ["inspect", str(tmp_path), "--source", "native", "--mapping", "lcs"])
    assert r.exit_code == 2 and "needs no mapping" in r.output
