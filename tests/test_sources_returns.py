"""The statutory returns: SSDA903 (CSV over two years, and XML), the CIN census, and a folder that
holds both with native tables. The fixtures are written by tests/fixtures/returns/make_fixtures.py
from the DfE's specifications; each test states what a reader of the return would work out by
hand for its children (see the comments in that script).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.coverage import unsupplied
from casecheck.errors import InputError
from casecheck.sources import inspect_source, load_dataset
from casecheck.sources.detect import detect
from casecheck.standards import resolve_profile

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures" / "returns"
CSV903 = FIX / "ssda903_csv"
XML903 = FIX / "ssda903_2024-25.xml"
CIN = FIX / "cin_census" / "cin_census_2024-25.xml"
CINS = FIX / "cin_census"
COMBINED = FIX / "combined"
YEAR_END = dt.date(2025, 3, 31)
D = dt.date


def rows(ds, table: str, *cols: str) -> list[tuple]:
    return sorted(ds.table(table).select(cols).iter_rows(), key=lambda r: tuple(str(v) for v in r))


def test_fixtures_are_what_the_script_writes():
    done = subprocess.run([sys.executable, str(FIX / "make_fixtures.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------------
# SSDA903, CSV, two collection years
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def d903():
    return load_dataset(CSV903)


def test_903_folder_is_detected_by_its_headings_not_its_file_names():
    source, reason = detect(CSV903)
    assert source == "ssda903"
    assert "episodes: headings CHILD, DECOM, RNE" in reason


def test_903_audit_date_is_the_end_of_the_latest_collection_year(d903):
    assert d903.as_at == YEAR_END
    assert "taken from the returns" in d903.notes[0]


def test_903_periods_of_care_chain_episodes_across_years(d903):
    # C001: S 10/05/2023, P 01/09/2023, L 15/01/2024 (open at 31 March 2024, returned again in
    # 2024-25 with DEC 01/07/2024 X1), T 01/07/2024, T1 01/10/2024, P 05/10/2024 (open): one
    # period from 10 May 2023, still open. C002 came into care before the first return (RNE P
    # on 01/11/2022) and went home (E4A) on 15/12/2023. C004 left care on 20/08/2023 (E5).
    # C003's two V3 breaks are short_breaks. C007's DECOM 31/02/2025 is not a date (rejected).
    assert rows(d903, "episodes", "child_id", "episode_type", "start_date", "end_date") == [
        ("C001", "child_in_care", D(2023, 5, 10), None),
        ("C002", "child_in_care", D(2022, 11, 1), D(2023, 12, 15)),
        ("C003", "short_breaks", D(2024, 5, 3), D(2024, 5, 5)),
        ("C003", "short_breaks", D(2024, 8, 10), D(2024, 8, 12)),
        ("C004", "care_leaver", D(2023, 8, 20), None),
        ("C004", "child_in_care", D(2021, 3, 1), D(2023, 8, 20)),
        ("C005", "care_leaver", D(2022, 2, 11), None),  # 18th birthday: left care before 2023
        ("C009", "child_in_care", D(2025, 2, 1), None),
        ("C010", "child_in_care", D(2023, 10, 2), None),
    ]
    bad = d903.quality.rejected("episodes")
    assert bad["reason"].to_list() == ["start_date is not a date: '31/02/2025'"]
    assert bad["file"].to_list() == ["2024-25/SSDA903_2024-25_Episodes.csv"]


def test_903_placements_start_at_changes_of_placement_not_at_legal_status_or_temporary_moves(d903):
    # C001: a new placement on 01/09/2023 (RNE P) and 01/07/2024 (RNE T, same carers, new
    # address); not at the hospital stay 01/10/2024 (T1) and the return to the same placement on
    # 05/10/2024. On 15/01/2024 (RNE L: legal status only, to C2) the placement goes on: a new
    # row of the same placement (same placement_id), with the new legal status.
    got = rows(d903, "placements", "child_id", "placement_id", "start_date", "end_date",
               "placement_type", "legal_status")
    c001 = [r for r in got if r[0] == "C001"]
    assert c001[1][1] == c001[2][1] == "C001/2023-09-01"
    assert [r[2:] for r in c001[1:3]] == [(D(2023, 9, 1), D(2024, 1, 15), "U4", c001[1][5]),
                                         (D(2024, 1, 15), D(2024, 7, 1), "U4", "C2")]
    assert c001[1][5] != "C2"
    assert rows(d903, "placements", "child_id", "start_date", "end_date", "placement_type") == [
        ("C001", D(2023, 5, 10), D(2023, 9, 1), "U4"),
        ("C001", D(2023, 9, 1), D(2024, 1, 15), "U4"),
        ("C001", D(2024, 1, 15), D(2024, 7, 1), "U4"),
        ("C001", D(2024, 7, 1), None, "U4"),
        ("C002", D(2022, 11, 1), D(2023, 12, 15), "K2"),
        ("C004", D(2021, 3, 1), D(2023, 8, 20), "U6"),
        ("C009", D(2025, 2, 1), None, "U6"),
        ("C010", D(2023, 10, 2), None, "U5"),
    ]


def test_903_codes_are_shown_in_words(d903):
    insp = inspect_source(CSV903)
    text = "\n".join(insp.notes)
    assert "U4 fostered by another foster carer, long term (6)" in text
    assert "T1 temporary move: hospital (1)" in text
    assert "E4A returned home (planned) (1)" in text


def test_903_reviews_missing_and_social_workers(d903):
    assert len(rows(d903, "meetings", "child_id")) == 9
    assert set(d903.table("meetings")["meeting_type"]) == {"cla_review"}
    # the away (A) episode is left out; the episode open at 31 March 2024 is read once, from
    # the 2024-25 return that gives its end
    assert rows(d903, "missing_episodes", "child_id", "start_date", "return_date") == [
        ("C001", D(2024, 3, 28), D(2024, 4, 2)),
        ("C001", D(2024, 11, 14), D(2024, 11, 15)),
        ("C002", D(2023, 6, 1), D(2023, 6, 2)),
    ]
    # C001's period overlaps SW123456 (to 30/06/2024) and SW654321 (from 01/07/2024): the one
    # that started last is the period's worker
    workers = dict(d903.table("episodes").filter(pl.col("episode_type") == "child_in_care")
                   .select("child_id", "worker_id").iter_rows())
    assert workers["C001"] == "SW654321" and workers["C010"] == "SW777777"
    assert sorted(d903.table("workers")["worker_id"]) == ["SW123456", "SW654321", "SW777777"]


def test_903_children_one_row_each_the_latest_year_first(d903):
    kids = dict(d903.table("children").select("child_id", "date_of_birth").iter_rows())
    assert kids["C010"] == D(2012, 4, 15)  # 2024-25 says 15/04/2012, 2023-24 01/04/2012
    assert kids["C009"] is None  # only in episodes: added, with a note
    genders = dict(d903.table("children").select("child_id", "gender").iter_rows())
    assert genders["C002"] == "Female" and genders["C001"] == "Male"  # 2 (to 2023-24) and M
    rejected = d903.quality.rejected("children")
    assert rejected["reason"].to_list() == [
        "child_id C010 repeats row 8 of 2024-25/SSDA903_2024-25_Header.csv with different "
        "details; the first is used"
    ]


def test_903_every_row_is_accounted_for(d903):
    summary = {r["table"]: r for r in d903.quality.summary().iter_rows(named=True)}
    for r in summary.values():
        assert r["rows_read"] == r["rows_used"] + r["rows_rejected"]
    assert (summary["episodes"]["rows_read"], summary["episodes"]["rows_rejected"]) == (10, 1)
    assert (summary["children"]["rows_read"], summary["children"]["rows_rejected"]) == (10, 1)
    notes = " ".join(d903.quality.reports["episodes"].notes)
    assert "2 rows repeat an episode (same CHILD and DECOM)" in notes
    assert "1 with IN_TOUCH DIED gives none" in notes
    missing = " ".join(d903.quality.reports["missing_episodes"].notes)
    assert "1 absence (MISSING A, away from placement) left out" in missing


# ---------------------------------------------------------------------------------------------
# SSDA903, XML
# ---------------------------------------------------------------------------------------------
def _fixture_module():
    spec = importlib.util.spec_from_file_location("make_returns", FIX / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_903_xml_reads_as_the_same_return_written_as_csv(tmp_path):
    """The XML return and the same children written as the DfE's CSV tables give the same
    native tables (the reader converts element names CHILDID -> CHILD, PL -> PLACE)."""
    mod = _fixture_module()
    header, episodes, reviews, missing, oc3 = [], [], [], [], []
    for c in mod.XML_CHILDREN:
        h = c["HEADER"]
        header.append([h["CHILDID"], h["SEX"], h["DOB"], h["ETHNIC"], h["UPN"], "", ""])
        for e in c["EPISODE"]:
            episodes.append([h["CHILDID"], e["DECOM"], e["RNE"], e["LS"], e["CIN"], e["PL"],
                             e["PLACE_PROVIDER"], e["DEC"], e["REC"], e["REASON_PLACE_CHANGE"],
                             e["HOME_POST"], e["PL_POST"], e["URN"]])
        reviews += [[h["CHILDID"], h["DOB"], r["REVIEW"], r["REVIEW_CODE"]] for r in c.get("AREVIEW", [])]
        missing += [[h["CHILDID"], h["DOB"], m["MISSING"], m["MIS_START"], m["MIS_END"]]
                    for m in c.get("AMISSING", [])]
        if h.get("IN_TOUCH"):
            oc3.append([h["CHILDID"], h["DOB"], h["IN_TOUCH"], h["ACTIV"], h["ACCOM"]])
    for name, cols, data in (("header", mod.HEADER, header), ("episodes", mod.EPISODES, episodes),
                             ("reviews", mod.REVIEWS, reviews), ("missing", mod.MISSING, missing),
                             ("oc3", mod.OC3, oc3)):
        (tmp_path / f"{name}.csv").write_text(mod.csv_text(cols, data), encoding="utf-8")
    a, b = load_dataset(XML903), load_dataset(tmp_path)
    assert detect(XML903)[0] == "ssda903"
    for table in ("children", "episodes", "placements", "meetings", "missing_episodes"):
        assert a.table(table).drop("_row").sort(pl.all()).equals(
            b.table(table).drop("_row").sort(pl.all())), table
    # X01: S 25/04/2024 (U1), B 01/12/2024 (K2, open): one period, two placements; X02 stayed
    # put at 18 (E17) on 19/07/2024 and is a care leaver from then
    assert rows(a, "placements", "child_id", "start_date", "end_date", "placement_type")[:2] == [
        ("X01", D(2024, 4, 25), D(2024, 12, 1), "U1"), ("X01", D(2024, 12, 1), None, "K2")]
    assert ("X02", "care_leaver", D(2024, 7, 19)) in rows(a, "episodes", "child_id", "episode_type",
                                                          "start_date")


def test_903_xml_rows_point_at_lines_and_unread_elements_are_listed():
    insp = inspect_source(XML903)
    files = {f.file: f for f in insp.files}
    assert files["ssda903_2024-25.xml <EPISODE>"].tables == ["episodes", "placements"]
    assert any("AD_PLACED" in i and "placed_for_adoption not used" in i for i in insp.ignored)
    assert any("<OC2>" in i and "no date" in i for i in insp.ignored)
    ds = load_dataset(XML903)
    assert ds.table("meetings")["_row"].to_list() == [19, 23]  # the AREVIEW elements' lines


def test_xml_with_a_document_type_declaration_is_refused(tmp_path):
    bomb = tmp_path / "return.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>\n'
                    "<EXPSSDA903><CHILD><HEADER><CHILDID>&b;</CHILDID></HEADER></CHILD></EXPSSDA903>\n")
    with pytest.raises(InputError, match=r"return.xml is refused: document type declarations are not accepted"):
        load_dataset(bomb)
    broken = tmp_path / "broken.xml"
    broken.write_text("<EXPSSDA903><CHILD><HEADER><CHILDID>A</HEADER></CHILD></EXPSSDA903>")
    with pytest.raises(InputError, match=r"broken.xml is not well-formed XML \(line 1, column"):
        load_dataset(broken, source="ssda903")


# ---------------------------------------------------------------------------------------------
# CIN census
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dcin():
    return load_dataset(CIN)


def test_cin_census_is_detected_by_its_root_and_collection():
    source, reason = detect(CIN)
    assert source == "cin" and "root element Message, collection CIN" in reason


def test_cin_audit_date_is_the_reference_date(dcin):
    assert dcin.as_at == YEAR_END


def test_cin_episodes_plans_enquiries_and_protection(dcin):
    # K004's enquiry needed no conference (ICPCnotRequired 1) and has no end date in the
    # census: no s47 episode. K007's enquiry has neither a conference nor the flag: still open.
    assert rows(dcin, "episodes", "child_id", "episode_type", "start_date", "end_date") == [
        ("K001", "child_in_need", D(2024, 5, 21), None),
        ("K002", "child_protection", D(2024, 6, 20), None),
        ("K002", "s47", D(2024, 6, 5), D(2024, 6, 20)),
        ("K004", "child_in_need", D(2024, 11, 21), D(2025, 2, 28)),
        ("K005", "child_protection", D(2024, 11, 5), None),
        ("K007", "s47", D(2025, 3, 1), None),
    ]


def test_cin_meetings(dcin):
    # strategy discussions on every enquiry's start; ICPCs from the enquiry (K002) and the
    # transfer-in conference on K005's CIN episode; each CPPreviewDate a review conference
    assert rows(dcin, "meetings", "child_id", "meeting_type", "meeting_date") == [
        ("K002", "icpc", D(2024, 6, 20)),
        ("K002", "rcpc", D(2024, 9, 18)),
        ("K002", "rcpc", D(2025, 3, 10)),
        ("K002", "strategy_discussion", D(2024, 6, 5)),
        ("K004", "strategy_discussion", D(2024, 10, 2)),
        ("K005", "icpc", D(2024, 11, 5)),
        ("K005", "rcpc", D(2025, 2, 3)),
        ("K007", "strategy_discussion", D(2025, 3, 1)),
    ]


def test_cin_referrals_assessments_and_children(dcin):
    refs = dict(dcin.table("referrals").select("child_id", "outcome").iter_rows())
    assert refs["K003"] == "nfa" and refs["K001"] is None  # ReferralNFA 'true' and '0'
    assert "decision_date" not in dcin.quality.reports["referrals"].mapping
    a = rows(dcin, "assessments", "child_id", "start_date", "completed_date", "authorised_date")
    assert ("K001", D(2024, 4, 11), D(2024, 5, 20), D(2024, 5, 20)) in a
    assert ("K006", D(2025, 1, 16), None, None) in a  # in progress at 31 March
    kids = {r[0]: r[1:] for r in dcin.table("children").select(
        "child_id", "date_of_birth", "gender", "disability").iter_rows()}
    assert kids["K004"] == (D(2012, 7, 7), "Female", True)  # MOB, HAND
    assert kids["K001"][2] is False  # NONE
    assert kids["K003"][2] is None  # no Disability element
    assert kids["K006"][0] is None  # unborn: an expected date of birth is not one
    assert any("PreProceedingsandFGDM" in i for i in inspect_source(CIN).ignored)


def test_cin_several_censuses_older_without_plan_dates():
    ds = load_dataset(CINS)
    assert ds.source == "cin"
    # 2019-20: no CINPlanDates; K101's CIN episode (not NFA) stands for its plan, K102 was NFA
    assert ("K101", "child_in_need", D(2019, 6, 1), D(2019, 12, 1)) in rows(
        ds, "episodes", "child_id", "episode_type", "start_date", "end_date")
    assert "K102" not in set(ds.table("episodes")["child_id"])
    genders = dict(ds.table("children").select("child_id", "gender").iter_rows())
    assert genders["K101"] == "Female" and genders["K102"] == "Male"  # GenderCurrent 2 and 1


# ---------------------------------------------------------------------------------------------
# A folder holding a 903 set, a CIN census and native tables
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dall():
    return load_dataset(COMBINED)


def test_combined_folder_is_one_extract(dall):
    assert detect(COMBINED)[0] == "returns"
    reports = dall.quality.reports
    assert reports["supervisions"].file == "supervisions.csv"
    assert reports["placements"].file == "903_episodes.csv"
    assert "cin_census_2024-25.xml <Assessments>" in reports["assessments"].file
    assert set(dall.table("episodes")["episode_type"]) == {
        "child_in_care", "short_breaks", "care_leaver", "child_in_need", "s47", "child_protection"}


def test_combined_one_child_in_two_sources_and_conflicts_reported(dall):
    kids = dict(dall.table("children").select("child_id", "date_of_birth").iter_rows())
    assert kids["C001"] == D(2012, 2, 14)  # in the 903 and the census, the same date of birth
    assert kids["C010"] == D(2012, 4, 15)  # the 903's; the census says 2012-04-01
    bad = dall.quality.rejected("children")
    assert bad.select("file", "reason").row(0) == (
        "cin_census_2024-25.xml <Child>",
        "child_id C010 repeats row 8 of 903_header.csv with different details; the first is used")


def test_combined_rows_in_a_native_file_are_read_once(dall):
    # K002's review conference of 10/03/2025 is in the census and in meetings.csv
    rcpc = dall.table("meetings").filter((pl.col("child_id") == "K002") & (pl.col("meeting_type") == "rcpc"))
    assert sorted(rcpc["meeting_date"]) == [D(2024, 9, 18), D(2025, 3, 10)]
    assert any("also in meetings.csv" in n for n in dall.quality.reports["meetings"].notes)


# ---------------------------------------------------------------------------------------------
# What each return can tell: the rules it cannot assess
# ---------------------------------------------------------------------------------------------
def _lacking(ds, profile: str) -> dict[str, list[str]]:
    p = resolve_profile(profile)
    return {r.id: unsupplied(ds, r) for r in p.rules if unsupplied(ds, r)}


def test_what_the_903_cannot_tell(d903):
    lack = _lacking(d903, "england-statutory")
    assert lack["review-cp"] == ["episode:child_protection"]
    assert lack["icpc-timescale"] == ["meeting:strategy_discussion", "meeting:icpc"]
    # no reviews are returned for children on short breaks
    assert lack["review-short-breaks"] == ["meeting:cla_review|cin_review of short_breaks episodes"]
    assert "review-cla" not in lack
    red = _lacking(d903, "redcar-cleveland")
    assert red["review-cin"] == ["episode:child_in_need or episode:disabled_children"]
    assert red["family-network-meeting"] == ["episode:child_in_need|disabled_children",
                                             "meeting:family_network"]


def test_what_the_census_cannot_tell(dcin):
    red = _lacking(dcin, "redcar-cleveland")
    assert red["review-cp"] == ["meeting:core_group"]
    assert red["review-cin"] == ["meeting:cin_review"]
    assert red["family-network-meeting"] == ["meeting:family_network"]
    assert red["visits-cla"] == ["episode:child_in_care"]
    eng = _lacking(dcin, "england-statutory")
    assert eng["first-core-group"] == ["meeting:core_group"]
    assert "review-cp" not in eng and "assessment-completion" not in eng


def test_native_tables_beside_the_returns_make_the_rules_assessable(dall):
    # meetings.csv could hold any meeting: core groups and CIN reviews are looked for there
    red = _lacking(dall, "redcar-cleveland")
    assert "review-cp" not in red and "review-cin" not in red
    assert _lacking(dall, "england-statutory") == {
        "visits-private-fostering": ["episode:private_fostering"]}


def test_audit_says_not_assessed_for_what_the_source_never_holds(dcin):
    """A rule whose events the census never holds is "not assessed (needs: ...)", not every
    child not met (engine.missing_tables asks coverage.unsupplied)."""
    from casecheck import engine

    result = engine.audit(dcin, resolve_profile("redcar-cleveland"), YEAR_END)
    notes = dict(result.summary.select("rule_id", "note").iter_rows())
    assert notes["review-cp"] == "not assessed (needs: meeting:core_group)"
    assert notes["family-network-meeting"] == "not assessed (needs: meeting:family_network)"
    assert notes["s47-completion"] == ""
    assert result.findings.filter(pl.col("rule_id") == "review-cp").is_empty()


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [CSV903, XML903, CIN, COMBINED], ids=["903csv", "903xml", "cin", "combined"])
def test_cli_inspect_validate_audit(path):
    runner = CliRunner()
    r = runner.invoke(app, ["inspect", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    insp = json.loads(r.output)
    assert insp["source"] in ("ssda903", "cin", "returns") and insp["detected"]
    r = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    for t in json.loads(r.output)["tables"]:
        assert t["rows_read"] == t["rows_used"] + t["rows_rejected"]
    r = runner.invoke(app, ["audit", str(path), "-s", "england-statutory", "--summary-format", "json",
                            "--top", "0"])
    assert r.exit_code == 0, r.output


def test_source_given_reads_only_that_return(dall):
    ds = load_dataset(COMBINED, source="cin")
    assert "child_in_care" not in set(ds.table("episodes")["episode_type"])
    insp = inspect_source(COMBINED, source="ssda903")
    assert any("cin_census_2024-25.xml: a CIN census file, not read with --source ssda903" in i
               for i in insp.ignored)


def test_a_folder_with_no_returns_given_as_one_is_a_clear_error(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="holds no SSDA903 files"):
        load_dataset(tmp_path, source="ssda903")


def test_detection_names_the_other_reading_when_native_tables_sit_beside_a_return(tmp_path):
    for f in (CSV903 / "2024-25").iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "children.csv").write_text("child_id,date_of_birth\nN1,2015-01-01\n")
    (tmp_path / "episodes.csv").write_text("child_id,episode_type,start_date\nN1,early_help,2025-01-06\n")
    source, reason = detect(tmp_path)
    assert source == "ssda903"
    assert "native table files beside them are read too (children.csv, episodes.csv)" in reason
    assert "--source native would read only the native files" in reason
    ds = load_dataset(tmp_path)
    assert ("N1", "early_help") in set(ds.table("episodes").select("child_id", "episode_type").rows())
    assert load_dataset(tmp_path, source="native").table("episodes").height == 1


def test_a_native_folder_is_still_native():
    assert detect(HERE.parent / "sample_data")[0] == "native"
