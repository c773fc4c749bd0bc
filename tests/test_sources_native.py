"""Loading the native format (data contract §1) from CSV, Excel and Parquet files.

Every fixture file is written into ``tmp_path`` by the test itself, byte for byte, so each test
shows exactly what the file held.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from casecheck.dataset import ROW, Dataset
from casecheck.errors import InputError, UsageError
from casecheck.sources import load_dataset, load_frames, load_native
from casecheck.sources.readers import read_csv

AS_AT = date(2025, 3, 31)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def typed(ds: Dataset, table: str) -> pl.DataFrame:
    return ds.tables[table].drop(ROW)


def assert_counts_add_up(ds: Dataset) -> None:
    """rows read = rows used + rows rejected, for every table, and the issues agree."""
    for name, rep in ds.quality.reports.items():
        assert rep.rows_read == rep.rows_used + rep.rows_rejected, name
        assert rep.rows_used == ds.tables[name].height, name
        assert ds.quality.rejected(name).height == rep.rows_rejected, name


# ---------------------------------------------------------------------------------------------
# The same small extract, expected after loading
# ---------------------------------------------------------------------------------------------
EXPECTED = {
    "children": pl.DataFrame(
        {
            "child_id": ["007", "8", "0123"],
            "date_of_birth": [date(2015, 2, 1), date(2016, 5, 6), None],
            "gender": ["F", "M", None],
            "disability": [True, False, None],
        },
        schema={
            "child_id": pl.String,
            "date_of_birth": pl.Date,
            "gender": pl.String,
            "disability": pl.Boolean,
        },
    ),
    "episodes": pl.DataFrame(
        {
            "child_id": ["007", "8", "0123"],
            "episode_type": ["child_protection", "child_in_need", "child_in_care"],
            "start_date": [date(2025, 3, 4), date(2025, 1, 10), date(2024, 12, 20)],
            "end_date": [None, date(2025, 2, 1), None],
            "team": ["Team £A", "Team B", None],
            "worker_id": ["W01", None, "W02"],
        },
        schema={
            "child_id": pl.String,
            "episode_type": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "team": pl.String,
            "worker_id": pl.String,
        },
    ),
    "visits": pl.DataFrame(
        {
            "child_id": ["007", "8"],
            "visit_date": [date(2025, 3, 10), date(2025, 1, 20)],
            "seen": [True, None],
            "seen_alone": [False, None],
            "bedroom_seen": [None, True],
            "visit_type": ["statutory", None],
            "worker_id": ["W01", None],
            "recorded_date": [date(2025, 3, 11), None],
        },
        schema={
            "child_id": pl.String,
            "visit_date": pl.Date,
            "seen": pl.Boolean,
            "seen_alone": pl.Boolean,
            "bedroom_seen": pl.Boolean,
            "visit_type": pl.String,
            "worker_id": pl.String,
            "recorded_date": pl.Date,
        },
    ),
}


def assert_expected(ds: Dataset) -> None:
    assert list(ds.tables) == ["children", "episodes", "visits"]
    for name, frame in EXPECTED.items():
        got = typed(ds, name)
        # optional columns the files do not have are there, blank
        others = [c for c in got.columns if c not in frame.columns]
        assert all(got[c].null_count() == got.height for c in others), others
        assert_frame_equal(got.select(frame.columns), frame)
    assert_counts_add_up(ds)
    assert ds.quality.issues.is_empty()


def csv_comma(folder: Path) -> Path:
    """Plain UTF-8, comma, UK dates, Y/N flags."""
    write(folder, "children.csv",
          "child_id,date_of_birth,gender,disability\n"
          "007,01/02/2015,F,Y\n"
          "8,06/05/2016,M,N\n"
          "0123,,,\n")
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date,end_date,team,worker_id\n"
          "007,CP,04/03/2025,,Team £A,W01\n"
          "8,CIN,10/01/2025,01/02/2025,Team B,\n"
          "0123,LAC,20/12/2024,,,W02\n")
    write(folder, "visits.csv",
          "child_id,visit_date,seen,seen_alone,bedroom_seen,visit_type,worker_id,recorded_date\n"
          "007,10/03/2025,Y,N,,Statutory,W01,11/03/2025\n"
          "8,20/01/2025,,,Y,,,\n")
    return folder


def csv_semicolon_bom_crlf(folder: Path) -> Path:
    """Semicolons, UTF-8 with BOM, CRLF line ends, ISO dates, headers in odd case and spacing,
    Yes/No flags and trailing blank lines."""
    write(folder, "children.csv",
          "\ufeffChild-ID;Date Of Birth;GENDER;Disability\n"
          "007;2015-02-01;F;Yes\n"
          "8;2016-05-06;M;No\n"
          "0123;;;\n"
          ";;;\n"
          "\n", newline="\r\n")
    write(folder, "Episodes.CSV",
          "\ufeffChild ID;Episode-Type;START DATE;End_Date;Team;Worker ID\n"
          "007;Child Protection;2025-03-04;;Team £A;W01\n"
          "8;Child In Need;2025-01-10;2025-02-01;Team B;\n"
          "0123;Looked After;2024-12-20;;;W02\n"
          "\n\n", newline="\r\n")
    write(folder, "visits.csv",
          "\ufeffCHILD_ID;Visit Date;Seen;Seen Alone;Bedroom-Seen;Visit Type;Worker_Id;Recorded Date\n"
          "007;2025-03-10;Yes;No;;statutory;W01;2025-03-11\n"
          "8;2025-01-20;;;Yes;;;\n", newline="\r\n")
    return folder


def csv_tab_cp1252(folder: Path) -> Path:
    """Tab separated, Windows-1252 (the £ is one byte, 0xA3), written-out dates, Annex A flags."""
    write(folder, "children.csv",
          "child_id\tdate_of_birth\tgender\tdisability\n"
          "007\t1 Feb 2015\tF\ta) Yes\n"
          "8\t6 May 2016\tM\tb) No\n"
          "0123\t\t\t\n", encoding="cp1252")
    write(folder, "episodes.csv",
          "child_id\tepisode_type\tstart_date\tend_date\tteam\tworker_id\n"
          "007\tcp\t4 Mar 2025\t\tTeam £A\tW01\n"
          "8\tcin\t10 Jan 2025\t1 Feb 2025\tTeam B\t\n"
          "0123\tcla\t20 Dec 2024\t\t\tW02\n"
          "\t\t\t\t\t\n", encoding="cp1252")
    write(folder, "visits.tsv",
          "child_id\tvisit_date\tseen\tseen_alone\tbedroom_seen\tvisit_type\tworker_id\trecorded_date\n"
          "007\t10 Mar 2025\ta) Yes\tb) No\t\tstatutory\tW01\t11 Mar 2025\n"
          "8\t20 Jan 2025\t\t\ta) Yes\t\t\t\n", encoding="cp1252")
    return folder


def csv_utf16_sql_server(folder: Path) -> Path:
    """UTF-16 (with BOM, as Excel's "Unicode text" writes it), SQL Server datetimes, 1/0 and
    True/False flags, N/A for blanks."""
    write(folder, "children.csv",
          "child_id,date_of_birth,gender,disability\n"
          "007,2015-02-01 00:00:00.000,F,1\n"
          "8,2016-05-06 00:00:00.000,M,0\n"
          "0123,NULL,N/A,N/A\n", encoding="utf-16")
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date,end_date,team,worker_id\n"
          "007,child_protection,2025-03-04 00:00:00.000,NULL,Team £A,W01\n"
          "8,child_in_need,2025-01-10T09:30:00Z,2025-02-01T17:00:00Z,Team B,NULL\n"
          "0123,child_in_care,2024-12-20 00:00:00.000,NULL,NULL,W02\n", encoding="utf-16")
    write(folder, "visits.csv",
          "child_id,visit_date,seen,seen_alone,bedroom_seen,visit_type,worker_id,recorded_date\n"
          "007,2025-03-10 14:30:00.000,True,False,NULL,statutory,W01,2025-03-11 08:00:00.000\n"
          "8,2025-01-20 00:00:00.000,NULL,NULL,True,NULL,NULL,NULL\n", encoding="utf-16")
    return folder


def _fill_workbook(wb: openpyxl.Workbook, sheet_names: dict[str, str]) -> None:
    """Sheets with real date cells, Excel serial numbers and text dates, numeric and text ids."""
    ws = wb.create_sheet(sheet_names["children"])
    ws.append(["Child ID", "Date of Birth", "Gender", "Disability"])
    ws.append(["007", dt.date(2015, 2, 1), "F", "Y"])
    ws.append([8, dt.datetime(2016, 5, 6), "M", "No"])  # number id, datetime cell
    ws.append(["0123", None, None, None])
    ws = wb.create_sheet(sheet_names["episodes"])
    ws.append(["child_id", "episode_type", "start_date", "end_date", "team", "worker_id"])
    ws.append(["007", "CP", dt.datetime(2025, 3, 4, 14, 30), None, "Team £A", "W01"])
    ws.append([8.0, "CIN", 45667, "01/02/2025", "Team B", None])  # serial 45667 = 10 Jan 2025
    ws.append(["0123", "LAC", "2024-12-20", None, None, "W02"])
    ws = wb.create_sheet(sheet_names["visits"])
    ws.append(["child_id", "visit_date", "seen", "seen_alone", "bedroom_seen", "visit_type",
               "worker_id", "recorded_date"])
    ws.append(["007", dt.date(2025, 3, 10), True, False, None, "statutory", "W01", 45727])
    ws.append(["8", "20 Jan 2025", None, None, "Y", None, None, None])


def xlsx_workbook(folder: Path) -> Path:
    """One workbook, a sheet per table (plus an unrelated sheet and the default empty one)."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Read me"
    wb.active.append(["This workbook holds the extract"])
    _fill_workbook(wb, {"children": "Children", "episodes": "EPISODES", "visits": "visits"})
    path = folder / "extract.xlsx"
    wb.save(path)
    return path


def xlsx_per_table(folder: Path) -> Path:
    """A folder of workbooks, one per table, each with its data on the first sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = openpyxl.Workbook()
    _fill_workbook(tmp, {"children": "children", "episodes": "episodes", "visits": "visits"})
    for name in ("children", "episodes", "visits"):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Sheet1"
        for row in tmp[name].iter_rows(values_only=True):
            ws.append(list(row))
        wb.save(folder / f"{name}.xlsx")
    return folder


def parquet_typed(folder: Path) -> Path:
    """Parquet with real types: dates, datetimes, booleans, categoricals."""
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(
        {
            "ChildID": ["007", "8", "0123"],
            "date_of_birth": [date(2015, 2, 1), date(2016, 5, 6), None],
            "gender": ["F", "M", None],
            "disability": [True, False, None],
        }
    ).write_parquet(folder / "children.parquet")
    pl.DataFrame(
        {
            "child_id": ["007", "8", "0123"],
            "episode_type": pl.Series(["CP", "CIN", "LAC"], dtype=pl.Categorical),
            "start_date": [dt.datetime(2025, 3, 4, 14, 30), dt.datetime(2025, 1, 10), dt.datetime(2024, 12, 20)],
            "end_date": [None, date(2025, 2, 1), None],
            "team": ["Team £A", "Team B", None],
            "worker_id": ["W01", None, "W02"],
        }
    ).write_parquet(folder / "episodes.parquet")
    pl.DataFrame(
        {
            "child_id": ["007", "8"],
            "visit_date": [date(2025, 3, 10), date(2025, 1, 20)],
            "seen": [True, None],
            "seen_alone": [False, None],
            "bedroom_seen": [None, True],
            "visit_type": ["statutory", None],
            "worker_id": ["W01", None],
            "recorded_date": [date(2025, 3, 11), None],
        }
    ).write_parquet(folder / "visits.parquet")
    return folder


VARIANTS = {
    "csv_comma": csv_comma,
    "csv_semicolon_bom_crlf": csv_semicolon_bom_crlf,
    "csv_tab_cp1252": csv_tab_cp1252,
    "csv_utf16_sql_server": csv_utf16_sql_server,
    "xlsx_workbook": xlsx_workbook,
    "xlsx_per_table": xlsx_per_table,
    "parquet_typed": parquet_typed,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_format_variations_load_to_identical_tables(tmp_path, variant):
    path = VARIANTS[variant](tmp_path / variant)
    ds = load_native(path, as_at=AS_AT)
    assert_expected(ds)
    assert ds.source == "native"
    assert ds.path == path
    assert ds.as_at == AS_AT


def test_all_variations_agree_with_each_other(tmp_path):
    loaded = {
        name: load_native(make(tmp_path / name), as_at=AS_AT) for name, make in VARIANTS.items()
    }
    first = loaded.pop("csv_comma")
    for ds in loaded.values():
        for table in ("children", "episodes", "visits"):
            assert_frame_equal(typed(ds, table), typed(first, table), check_row_order=True)


def test_row_numbers_are_spreadsheet_rows(tmp_path):
    ds = load_native(csv_comma(tmp_path / "x"), as_at=AS_AT)
    assert ds.tables["episodes"][ROW].to_list() == [2, 3, 4]  # header is row 1
    ds = load_native(xlsx_workbook(tmp_path / "y"), as_at=AS_AT)
    assert ds.tables["children"][ROW].to_list() == [2, 3, 4]


def test_reports_name_the_files_and_columns(tmp_path):
    ds = load_native(csv_semicolon_bom_crlf(tmp_path / "x"), as_at=AS_AT)
    rep = ds.quality.reports["episodes"]
    assert rep.file == "Episodes.CSV"
    assert rep.mapping["child_id"] == "Child ID"
    assert rep.mapping["start_date"] == "START DATE"
    assert rep.mapping["episode_type"] == "Episode-Type"
    assert ds.quality.reports["children"].mapping["child_id"] == "Child-ID"
    assert [p.name for p in ds.files] == ["Episodes.CSV", "children.csv", "visits.csv"]
    ds = load_native(xlsx_workbook(tmp_path / "y"), as_at=AS_AT)
    assert ds.quality.reports["episodes"].file == "extract.xlsx [EPISODES]"
    assert [p.name for p in ds.files] == ["extract.xlsx"]


def test_absent_optional_tables(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "visits.csv").unlink()
    ds = load_native(folder, as_at=AS_AT)
    assert list(ds.tables) == ["children", "episodes"]
    assert not ds.has("visits")
    empty = ds.table("visits")
    assert empty.height == 0
    assert empty.schema["visit_date"] == pl.Date
    assert empty.schema["seen"] == pl.Boolean
    assert empty.schema["child_id"] == pl.String


def test_missing_columns_are_null_and_unknown_columns_are_reported(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id,Favourite Colour\n1,blue\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date,LA Code\n1,cp,2025-01-01,808\n")
    ds = load_native(folder, as_at=AS_AT)
    children = ds.tables["children"]
    assert children.columns == [ROW, "child_id", "date_of_birth", "gender", "disability"]
    assert children["date_of_birth"].to_list() == [None]
    assert children.schema["disability"] == pl.Boolean
    assert ds.quality.reports["children"].unmapped == ["Favourite Colour"]
    assert ds.quality.reports["episodes"].unmapped == ["LA Code"]
    assert "Favourite Colour" not in children.columns


def test_header_only_file_is_an_empty_table(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cp,2025-01-01\n")
    write(folder, "visits.csv", "child_id,visit_date\r\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.has("visits")
    assert ds.tables["visits"].height == 0
    assert ds.quality.reports["visits"].rows_read == 0


def test_files_that_are_not_tables_are_ignored(tmp_path):
    folder = csv_comma(tmp_path / "x")
    write(folder, "README.txt", "not a table\n")
    write(folder, "notes.csv", "a,b\n1,2\n")
    write(folder, ".children.csv", "garbage")
    (folder / "~$episodes.xlsx").write_bytes(b"owner file of an open workbook")
    (folder / "sub").mkdir()
    write(folder / "sub", "children.csv", "child_id\n999\n")
    ds = load_native(folder, as_at=AS_AT)
    assert_expected(ds)


def test_table_file_names_are_matched_loosely(tmp_path):
    folder = tmp_path / "x"
    write(folder, "CHILDREN.csv", "child_id\n1\n")
    write(folder, "Episodes.csv", "child_id,episode_type,start_date\n1,cp,2025-01-01\n")
    write(folder, "Missing Episodes.csv", "child_id,start_date,return_date\n1,2025-01-05,06/01/2025\n")
    write(folder, "case-supervisions.csv", "child_id,supervision_date\n1,2025-01-01\n")  # not a table
    ds = load_native(folder, as_at=AS_AT)
    assert list(ds.tables) == ["children", "episodes", "missing_episodes"]
    assert ds.tables["missing_episodes"]["return_date"].to_list() == [date(2025, 1, 6)]


def test_workbook_sheet_names_are_matched_loosely(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet"  # the default sheet, left empty
    ws = wb.create_sheet("CHILDREN")
    ws.append(["child_id"])
    ws.append(["1"])
    ws = wb.create_sheet("Episodes ")
    ws.append(["child_id", "episode_type", "start_date"])
    ws.append(["1", "cp", dt.date(2025, 1, 1)])
    ws = wb.create_sheet("Missing Episodes")
    ws.append(["Child ID", "Start Date", "Return Date"])
    ws.append(["1", dt.date(2025, 1, 5), "06/01/2025"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    ds = load_native(path, as_at=AS_AT)
    assert list(ds.tables) == ["children", "episodes", "missing_episodes"]
    assert ds.tables["missing_episodes"]["return_date"].to_list() == [date(2025, 1, 6)]
    assert ds.quality.reports["missing_episodes"].file == "book.xlsx [Missing Episodes]"


def test_repeated_header_first_wins_and_is_noted(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n")
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date,Start Date\n1,cp,2025-01-01,2025-02-02\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"]["start_date"].to_list() == [date(2025, 1, 1)]
    rep = ds.quality.reports["episodes"]
    assert rep.unmapped == ["Start Date"]
    assert any("Start Date" in n for n in rep.notes)


def test_quoted_fields_with_delimiters_inside(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n2\n")
    write(folder, "episodes.csv",
          'child_id,episode_type,start_date,team\n1,cp,2025-01-01,"Smith, J"\n2,cp,2025-01-01,"A; B"\n')
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"]["team"].to_list() == ["Smith, J", "A; B"]


def test_semicolon_file_with_commas_in_values(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n2\n")
    write(folder, "episodes.csv",
          "child_id;episode_type;start_date;team\n1;cp;04/03/2025;Smith, J\n2;cin;05/03/2025;Jones, K\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"]["team"].to_list() == ["Smith, J", "Jones, K"]
    assert ds.tables["episodes"]["start_date"].to_list() == [date(2025, 3, 4), date(2025, 3, 5)]


def test_cp1252_character_beyond_the_first_block_is_decoded(tmp_path):
    # The first 64 KB are plain ASCII; the £ (byte 0xA3, not UTF-8) comes at the very end.
    rows = "".join(f"{i},cp,2025-01-01,Team A\n" for i in range(1, 5000))
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n" + "".join(f"{i}\n" for i in range(1, 5001)))
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date,team\n" + rows + "5000,cp,2025-01-01,Team £\n",
          encoding="cp1252")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"].height == 5000
    assert ds.tables["episodes"]["team"][-1] == "Team £"


def test_utf16_big_endian(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "\ufeffchild_id,gender\n1,Ffŵ\n", encoding="utf-16-be")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cp,2025-01-01\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["children"]["gender"].to_list() == ["Ffŵ"]


def test_read_csv_keeps_everything_as_text(tmp_path):
    path = write(tmp_path, "children.csv", "child_id,date_of_birth,n\n007,2015-02-01,1.50\n")
    frame = read_csv(path)
    assert frame.columns == [ROW, "child_id", "date_of_birth", "n"]
    assert frame.row(0) == (2, "007", "2015-02-01", "1.50")
    assert frame.schema["child_id"] == pl.String


# ---------------------------------------------------------------------------------------------
# The data-quality record: what was set aside and why
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def messy(tmp_path) -> Dataset:
    folder = tmp_path / "messy"
    write(folder, "children.csv",
          "child_id,date_of_birth,disability\n"
          "1,31/02/2015,maybe\n"        # row 2: bad date and bad flag -> blanked, child kept
          "2,01/01/2016,Y\n"            # row 3
          ",01/01/2017,\n"              # row 4: blank id -> rejected
          "2,01/01/2016,Y\n"            # row 5: exact duplicate of row 3 -> rejected
          "3,,\n")                      # row 6
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date,end_date\n"
          "1,cp,2025-01-01,\n"          # row 2: fine
          "1,cp,next week,\n"           # row 3: unparseable start date
          "1,,2025-01-01,\n"            # row 4: blank required episode_type
          "1,cin,2025-02-01,2025-01-01\n"  # row 5: end before start
          "1,cp,2025-01-01,\n"          # row 6: duplicate of row 2
          "9,cp,2025-01-01,\n"          # row 7: unknown child
          "1,cp,2025-04-01,\n"          # row 8: after the audit date (31/03/2025)
          "1,cin,,\n"                   # row 9: blank required start date
          "1,cin,2025-01-02,31/02/2025\n"  # row 10: unparseable end date
          "2,cin,2025-01-02,2025-03-01\n"  # row 11: fine
          "N/A,cp,2025-01-01,\n")       # row 12: blank child id
    write(folder, "visits.csv",
          "child_id,visit_date,seen,recorded_date\n"
          "1,2025-03-01,sometimes,2025-03-02\n"  # row 2: bad flag -> blanked, row kept
          "1,2025-03-05,Y,2025-03-04\n"          # row 3: recorded before the visit
          "3,2025-03-31,N,\n"                    # row 4: on the audit date: kept
          "3,2025-04-01,Y,\n")                   # row 5: after the audit date
    return load_native(folder, as_at=AS_AT)


def _issues(ds: Dataset, table: str) -> list[tuple]:
    return ds.quality.issues.filter(pl.col("table") == table).select(
        "row", "column", "reason", "action"
    ).rows()


def test_rows_read_equal_used_plus_rejected(messy):
    assert_counts_add_up(messy)
    summary = {r["table"]: r for r in messy.quality.summary().iter_rows(named=True)}
    assert summary["children"] == {
        "table": "children", "file": "children.csv", "rows_read": 5, "rows_used": 3,
        "rows_rejected": 2, "blanked": 2,
    }
    assert summary["episodes"]["rows_read"] == 11
    assert summary["episodes"]["rows_used"] == 2
    assert summary["episodes"]["rows_rejected"] == 9
    assert summary["visits"]["rows_read"] == 4
    assert summary["visits"]["rows_used"] == 2
    assert summary["visits"]["rows_rejected"] == 2
    assert summary["visits"]["blanked"] == 1


def test_children_bad_cells_are_blanked_not_rejected(messy):
    assert _issues(messy, "children") == [
        (2, "date_of_birth", "date_of_birth is not a date", "blanked"),
        (2, "disability", "disability is not a yes/no value", "blanked"),
        (4, "child_id", "child_id is blank", "rejected"),
        (5, None, "duplicate of row 3", "rejected"),
    ]
    children = messy.tables["children"]
    assert children["child_id"].to_list() == ["1", "2", "3"]
    assert children.row(0, named=True)["date_of_birth"] is None
    assert children.row(0, named=True)["disability"] is None
    values = messy.quality.issues.filter(pl.col("table") == "children")["value"].to_list()
    assert values[:2] == ["31/02/2015", "maybe"]


def test_episode_rejection_reasons(messy):
    assert _issues(messy, "episodes") == [
        (3, "start_date", "start_date is not a date: 'next week'", "rejected"),
        (4, "episode_type", "episode_type is blank", "rejected"),
        (5, "end_date", "end_date 2025-01-01 is before start_date 2025-02-01", "rejected"),
        (6, None, "duplicate of row 2", "rejected"),
        (7, None, "unknown child: 9 is not in the children table", "rejected"),
        (8, "start_date", "start_date 2025-04-01 is after the audit date 2025-03-31", "rejected"),
        (9, "start_date", "start_date is blank", "rejected"),
        (10, "end_date", "end_date is not a date: '31/02/2025'", "rejected"),
        (12, "child_id", "child_id is blank", "rejected"),
    ]
    assert messy.tables["episodes"][ROW].to_list() == [2, 11]
    assert set(messy.quality.issues["file"].unique()) == {"children.csv", "episodes.csv", "visits.csv"}


def test_visit_reasons_and_blanked_flags(messy):
    assert _issues(messy, "visits") == [
        (2, "seen", "seen is not a yes/no value; counted as no", "blanked"),
        (3, "recorded_date", "recorded_date 2025-03-04 is before visit_date 2025-03-05", "rejected"),
        (5, "visit_date", "visit_date 2025-04-01 is after the audit date 2025-03-31", "rejected"),
    ]
    visits = messy.tables["visits"]
    assert visits[ROW].to_list() == [2, 4]
    assert visits["seen"].to_list() == [False, False]  # garbled seen counts as not seen


def test_top_reasons(messy):
    reasons = dict(messy.quality.top_reasons("episodes", 20))
    assert reasons == {
        "child_id is blank": 1,
        "duplicate row": 1,
        "end_date before start_date": 1,
        "end_date not a date": 1,
        "episode_type is blank": 1,
        "start_date after the audit date": 1,
        "start_date is blank": 1,
        "start_date not a date": 1,
        "unknown child": 1,
    }
    assert messy.quality.top_reasons("workers") == []
    assert dict(messy.quality.top_reasons("children", 5))["disability is not a yes/no value (blanked)"] == 1


def test_issues_schema(messy):
    assert messy.quality.issues.schema == pl.Schema(
        {
            "table": pl.String,
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "action": pl.String,
        }
    )


def test_a_child_listed_twice_with_different_details_is_kept_once(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id,gender\n1,F\n1,M\n2,F\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cin,2025-01-01\n")
    ds = load_native(folder, as_at=AS_AT)
    assert_counts_add_up(ds)
    assert ds.tables["children"]["child_id"].to_list() == ["1", "2"]  # one row per child
    assert ds.quality.reports["children"].rows_rejected == 1


def test_exact_duplicate_child_rows_are_set_aside(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id,gender\n1,F\n1,F\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cin,2025-01-01\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["children"]["child_id"].to_list() == ["1"]
    assert _issues(ds, "children") == [(3, None, "duplicate of row 2", "rejected")]


def test_without_an_audit_date_future_rows_are_kept(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cp,2099-01-01\n")
    ds = load_native(folder)
    assert ds.tables["episodes"]["start_date"].to_list() == [date(2099, 1, 1)]
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"].height == 0
    assert_counts_add_up(ds)


def test_a_child_rejected_from_children_makes_their_records_unknown(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n")
    write(folder, "episodes.csv", "child_id,episode_type,start_date\n1,cp,2025-01-01\n001,cp,2025-01-01\n")
    ds = load_native(folder, as_at=AS_AT)
    # "001" is not "1": ids are strings
    assert ds.tables["episodes"]["child_id"].to_list() == ["1"]
    assert _issues(ds, "episodes") == [
        (3, None, "unknown child: 001 is not in the children table", "rejected")
    ]


def test_blank_row_in_the_middle_is_reported_and_rows_keep_their_numbers(tmp_path):
    folder = tmp_path / "x"
    write(folder, "children.csv", "child_id\n1\n")
    write(folder, "episodes.csv",
          "child_id,episode_type,start_date\n1,cp,2025-01-01\n,,\n1,cin,2025-01-02\n\n\n")
    ds = load_native(folder, as_at=AS_AT)
    assert ds.tables["episodes"][ROW].to_list() == [2, 4]
    assert _issues(ds, "episodes") == [(3, "child_id", "child_id is blank", "rejected")]
    assert_counts_add_up(ds)


# ---------------------------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------------------------
def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_native(path, as_at=AS_AT)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 3
    return message


def test_missing_folder(tmp_path):
    message = _error(tmp_path / "no-such-folder")
    assert message == f"{tmp_path / 'no-such-folder'} does not exist"


def test_folder_without_tables(tmp_path):
    (tmp_path / "x").mkdir()
    write(tmp_path / "x", "notes.csv", "a,b\n1,2\n")
    assert "holds no table files" in _error(tmp_path / "x")


def test_no_children_table(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "children.csv").unlink()
    message = _error(folder)
    assert "has no children table" in message
    assert "children.csv" in message


def test_no_episodes_table(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "episodes.csv").unlink()
    message = _error(folder)
    assert "has no episodes table" in message
    assert "episodes.csv" in message


def test_missing_required_column_names_file_and_column(tmp_path):
    folder = csv_comma(tmp_path / "x")
    write(folder, "episodes.csv", "child_id,episode_type,Start\n1,cp,2025-01-01\n")
    message = _error(folder)
    assert message.startswith("episodes.csv has no 'start_date' column")
    assert "'Start'" in message  # the columns it does have


def test_missing_required_columns_plural(tmp_path):
    folder = csv_comma(tmp_path / "x")
    write(folder, "visits.csv", "child id,when\n1,2025-01-01\n")
    message = _error(folder)
    assert message.startswith("visits.csv has no 'visit_date' column")
    write(folder, "visits.csv", "kid,when\n1,2025-01-01\n")
    message = _error(folder)
    assert "visits.csv has no 'child_id', 'visit_date' columns" in message


def test_missing_required_column_in_a_workbook_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "children"
    wb.active.append(["child_id"])
    wb.active.append(["1"])
    ws = wb.create_sheet("episodes")
    ws.append(["child_id", "type", "start_date"])
    ws.append(["1", "cp", dt.date(2025, 1, 1)])
    wb.save(tmp_path / "book.xlsx")
    message = _error(tmp_path / "book.xlsx")
    assert message.startswith("book.xlsx [episodes] has no 'episode_type' column")


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", b"\n"])
def test_empty_file(tmp_path, content):
    folder = csv_comma(tmp_path / "x")
    (folder / "visits.csv").write_bytes(content)
    assert _error(folder) == "visits.csv is empty"


@pytest.mark.parametrize(
    "content",
    [
        "<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Session expired</body></html>",
        "<html><body>500</body></html>",
        "\ufeff\r\n  <HTML>\r\n<BODY>Login</BODY></HTML>",
    ],
)
def test_html_page_saved_as_csv(tmp_path, content):
    folder = csv_comma(tmp_path / "x")
    write(folder, "episodes.csv", content)
    message = _error(folder)
    assert message.startswith("episodes.csv is a web page")


def test_workbook_saved_as_csv(tmp_path):
    folder = csv_comma(tmp_path / "x")
    wb = openpyxl.Workbook()
    wb.active.append(["child_id"])
    wb.save(folder / "episodes.csv")
    assert "episodes.csv is a spreadsheet saved with a .csv name" in _error(folder)


def test_password_protected_xlsx_in_a_folder(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "visits.csv").unlink()
    # Excel saves a password-protected workbook as an OLE compound file, whatever its name
    (folder / "visits.xlsx").write_bytes(OLE_MAGIC + b"\x00" * 1024)
    message = _error(folder)
    assert message.startswith("visits.xlsx is encrypted (password-protected)")


def test_password_protected_workbook(tmp_path):
    path = tmp_path / "extract.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 1024)
    assert _error(path).startswith("extract.xlsx is encrypted (password-protected)")


def test_corrupt_xlsx(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "visits.csv").unlink()
    (folder / "visits.xlsx").write_bytes(b"this is not a workbook")
    assert _error(folder) == "visits.xlsx is not a valid Excel workbook"


def test_corrupt_parquet(tmp_path):
    folder = csv_comma(tmp_path / "x")
    (folder / "visits.csv").unlink()
    (folder / "visits.parquet").write_bytes(b"PAR1 truncated")
    assert _error(folder).startswith("visits.parquet could not be read as Parquet")


def test_single_csv_file_is_not_an_extract(tmp_path):
    folder = csv_comma(tmp_path / "x")
    message = _error(folder / "children.csv")
    assert "is a single .csv file" in message


def test_workbook_without_table_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active.append(["nothing here"])
    wb.save(tmp_path / "book.xlsx")
    assert _error(tmp_path / "book.xlsx").startswith("book.xlsx has no sheet named after a casecheck table")


def test_two_files_for_one_table(tmp_path):
    folder = csv_comma(tmp_path / "x")
    pl.DataFrame({"child_id": ["1"], "visit_date": ["2025-01-01"]}).write_parquet(
        folder / "visits.parquet"
    )
    message = _error(folder)
    assert "two inputs hold the visits table" in message
    assert "visits.csv" in message
    assert "visits.parquet" in message


def test_load_dataset_rejects_an_unknown_source(tmp_path):
    with pytest.raises(UsageError, match="unknown source 'ssd2'"):
        load_dataset(csv_comma(tmp_path / "x"), source="ssd2")


def test_load_dataset_auto_is_native(tmp_path):
    ds = load_dataset(csv_comma(tmp_path / "x"), as_at=AS_AT)
    assert_expected(ds)


# ---------------------------------------------------------------------------------------------
# load_frames: in-memory frames
# ---------------------------------------------------------------------------------------------
def test_load_frames_text():
    frames = {
        "Children": pl.DataFrame(
            {"Child ID": ["007", "8", "0123"], "DOB": ["01/02/2015", "2016-05-06", ""],
             "gender": ["F", "M", None], "disability": ["Y", "No", "N/A"]}
        ),
        "episodes": pl.DataFrame(
            {"child_id": ["007", "8", "0123"], "episode_type": ["CP", "CIN", "LAC"],
             "start_date": ["04/03/2025", "2025-01-10", "45646"],
             "end_date": [None, "01/02/2025", None], "team": ["Team £A", "Team B", None],
             "worker_id": ["W01", None, "W02"]}
        ),
        "VISITS": pl.DataFrame(
            {"child_id": ["007", "8"], "visit_date": ["10/03/2025", "20/01/2025"],
             "seen": ["Y", None], "seen_alone": ["N", None], "bedroom_seen": [None, "a) Yes"],
             "visit_type": ["statutory", None], "worker_id": ["W01", None],
             "recorded_date": ["11/03/2025", None]}
        ),
    }
    frames["Children"] = frames["Children"].rename({"DOB": "date_of_birth"})
    ds = load_frames(frames, as_at=AS_AT)
    assert_expected(ds)
    assert ds.source == "frames"
    assert ds.quality.reports["children"].file == "frame children"
    assert ds.tables["children"][ROW].to_list() == [2, 3, 4]


def test_load_frames_typed():
    frames = {
        "children": EXPECTED["children"],
        "episodes": EXPECTED["episodes"].with_columns(pl.col("start_date").cast(pl.Datetime("us"))),
        "visits": EXPECTED["visits"],
    }
    ds = load_frames(frames, as_at=AS_AT, label="sql")
    assert_expected(ds)
    assert ds.quality.reports["episodes"].file == "sql episodes"


def test_load_frames_numeric_ids_and_serials():
    ds = load_frames(
        {
            "children": pl.DataFrame({"child_id": [1, 2]}),
            "episodes": pl.DataFrame(
                {"child_id": [1.0, 2.0], "episode_type": ["cp", "cp"], "start_date": [45720.0, 45720.5]}
            ),
        }
    )
    assert ds.tables["children"]["child_id"].to_list() == ["1", "2"]
    assert ds.tables["episodes"]["child_id"].to_list() == ["1", "2"]
    assert ds.tables["episodes"]["start_date"].to_list() == [date(2025, 3, 4)] * 2


def test_load_frames_errors():
    children = pl.DataFrame({"child_id": ["1"]})
    with pytest.raises(InputError, match="'kids' is not a casecheck table"):
        load_frames({"kids": children})
    with pytest.raises(InputError, match="has no episodes table"):
        load_frames({"children": children})
    with pytest.raises(InputError, match="frame episodes has no 'start_date' column"):
        load_frames({"children": children,
                     "episodes": pl.DataFrame({"child_id": ["1"], "episode_type": ["cp"]})})
