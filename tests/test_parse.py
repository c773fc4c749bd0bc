"""Parsing the values case-record extracts hold (casecheck.parse): dates, flags, ids, codes."""

from __future__ import annotations

import datetime as dt
from datetime import date

import polars as pl
import pytest

from casecheck.parse import (
    parse_code,
    parse_date,
    parse_flag,
    parse_id,
    parse_one_date,
    parse_text,
)


def _dates(values, dtype=None) -> tuple[list, list]:
    series = pl.Series("d", values, dtype=dtype)
    dates, bad = parse_date(series)
    assert dates.dtype == pl.Date
    assert bad.dtype == pl.Boolean
    assert len(dates) == len(bad) == len(series)
    assert dates.name == bad.name == "d"
    return dates.to_list(), bad.to_list()


def _one(text: str) -> tuple[date | None, bool]:
    dates, bad = _dates([text])
    return dates[0], bad[0]


# ---------------------------------------------------------------------------------------------
# Dates as text: every style the data contract accepts
# ---------------------------------------------------------------------------------------------
MARCH_4 = date(2025, 3, 4)


@pytest.mark.parametrize(
    "text",
    [
        # ISO
        "2025-03-04",
        "2025-3-4",
        "2025/03/04",
        # UK, day first, always
        "04/03/2025",
        "4/3/2025",
        "04/03/25",
        "4/3/25",
        "04-03-2025",
        "04.03.2025",
        # datetimes, including SQL Server's default rendering and ISO 8601 with T and Z
        "2025-03-04 00:00:00.000",
        "2025-03-04 00:00:00",
        "2025-03-04 00:00:00.0000000",
        "2025-03-04 14:30",
        "2025-03-04T14:30:00",
        "2025-03-04T14:30:00Z",
        "2025-03-04T14:30:00.123Z",
        "2025-03-04T09:05",
        "04/03/2025 14:30",
        "04/03/2025 14:30:15",
        "4/3/2025 9:05",
        # Excel serials that arrived as text (CSV saved from a spreadsheet)
        "45720",
        "45720.0",
        "45720.75",
        # written-out months
        "4 Mar 2025",
        "04 Mar 2025",
        "4 mar 2025",
        "4 MAR 2025",
        "4 March 2025",
        "04-Mar-2025",
        "4-Mar-25",
        # stray spaces and non-breaking spaces from copy-and-paste
        "  04/03/2025 ",
        "\u00a004/03/2025\u00a0",
    ],
)
def test_date_text_styles(text):
    assert _one(text) == (MARCH_4, False)


def test_day_first_is_never_month_first():
    # 03/04/2025 is 3 April in England, never 4 March
    assert _one("03/04/2025") == (date(2025, 4, 3), False)
    assert _one("12/01/2025") == (date(2025, 1, 12), False)
    # 13 is not a month, but day first makes this valid
    assert _one("13/01/2025") == (date(2025, 1, 13), False)
    # ...and month 13 is not valid whichever way round
    assert _one("01/13/2025") == (None, True)


def test_two_digit_years():
    assert _one("1/1/00") == (date(2000, 1, 1), False)
    assert _one("31/12/99") == (date(1999, 12, 31), False)
    assert _one("15/06/15") == (date(2015, 6, 15), False)


@pytest.mark.parametrize(
    "text", ["", " ", "N/A", "n/a", "NA", "#N/A", "null", "NULL", "None", "-", "--", "nan", "NaT",
             "Unknown", "Not recorded"]
)
def test_blank_tokens_are_null_not_bad(text):
    assert _one(text) == (None, False)


@pytest.mark.parametrize("text", ["#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"])
def test_excel_error_cells_are_bad_never_blank(text):
    """An end date of ``#REF!`` read as blank would make a closed episode open."""
    assert _one(text) == (None, True)


@pytest.mark.parametrize(
    ("text", "how"),
    [("9999-12-31", "open"), ("31/12/9999", "open"), ("9999-12-31 00:00:00.000", "open"),
     ("2958465", "open"), ("1900-01-01", "placeholder"), ("01/01/1900", "placeholder"),
     ("1900-01-01 00:00:00", "placeholder")],
)  # fmt: skip
def test_placeholder_dates_are_blank_and_flagged(text, how):
    from casecheck.parse import PLACEHOLDER_DATES, parse_dates

    dates, bad, placeholder = parse_dates(pl.Series("end_date", [text, "2025-03-04"]))
    assert dates.to_list() == [None, MARCH_4]
    assert bad.to_list() == [False, False] and placeholder.is_not_null().to_list() == [True, False]
    assert how in " ".join(PLACEHOLDER_DATES.values())


def test_placeholder_dates_in_typed_columns_too():
    from casecheck.parse import parse_dates

    typed = pl.Series("d", [date(9999, 12, 31), date(1900, 1, 1), MARCH_4])
    dates, bad, placeholder = parse_dates(typed)
    assert dates.to_list() == [None, None, MARCH_4]
    assert placeholder.to_list() == ["9999-12-31", "1900-01-01", None]
    serials = pl.Series("d", [2958465.0, 2.0, 45720.0])
    dates, bad, placeholder = parse_dates(serials)
    assert dates.to_list() == [None, None, MARCH_4] and not bad.any()


def test_real_nulls_are_null_not_bad():
    assert _dates([None, "2025-03-04"]) == ([None, MARCH_4], [False, False])


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2025",
        "30/02/2024",
        "00/01/2025",
        "32/01/2025",
        "13/13/2025",
        "2025-02-30",
        "next week",
        "Tuesday",
        "TBC",
        "04/03/2025 extra",
        "20250304",  # compact yyyymmdd: not a style the contract accepts
        "2025-03-04+00:00",
        "1",  # Excel serial 1 is 31/12/1899: out of range
        "0",
        "31/12/1899",  # before 1900
        "01/01/2101",  # after 2100
    ],
)
def test_bad_date_text_is_flagged(text):
    assert _one(text) == (None, True)


def test_leap_days():
    assert _one("29/02/2024") == (date(2024, 2, 29), False)
    assert _one("2024-02-29") == (date(2024, 2, 29), False)
    assert _one("29/02/2000") == (date(2000, 2, 29), False)  # divisible by 400: leap
    assert _one("29/02/2025") == (None, True)
    assert _one("2025-02-29") == (None, True)
    assert _one("29/02/1900") == (None, True)  # divisible by 100, not 400: not leap
    assert _one("29/02/2100") == (None, True)


def test_mixed_column_keeps_row_order():
    values = ["04/03/2025", "", "2025-03-05", "31/02/2025", None, "04/03/2025", "45722", "N/A"]
    dates, bad = _dates(values)
    assert dates == [MARCH_4, None, date(2025, 3, 5), None, None, MARCH_4, date(2025, 3, 6), None]
    assert bad == [False, False, False, True, False, False, False, False]


def test_large_column_with_few_distinct_values():
    distinct = ["04/03/2025", "2025-03-05", "bad", ""]
    dates, bad = _dates(distinct * 25_000)
    assert len(dates) == 100_000
    assert dates[:4] == [MARCH_4, date(2025, 3, 5), None, None]
    assert dates[-4:] == [MARCH_4, date(2025, 3, 5), None, None]
    assert sum(bad) == 25_000


def test_empty_and_all_null_columns():
    assert _dates([], dtype=pl.String) == ([], [])
    assert _dates([None, None], dtype=pl.String) == ([None, None], [False, False])
    assert _dates([None, None]) == ([None, None], [False, False])  # pl.Null dtype
    assert _dates(["", "N/A"]) == ([None, None], [False, False])


# ---------------------------------------------------------------------------------------------
# Dates that are already typed: Excel serial numbers, real date and datetime columns
# ---------------------------------------------------------------------------------------------
def test_excel_serial_integers():
    # 45720 days after 30/12/1899 is 4 March 2025; 45658 is 1 Jan 2025; 45292 is 1 Jan 2024
    dates, bad = _dates([45720, 45658, 45292, None], dtype=pl.Int64)
    assert dates == [MARCH_4, date(2025, 1, 1), date(2024, 1, 1), None]
    assert bad == [False, False, False, False]


def test_excel_serial_floats_drop_the_time_of_day():
    dates, bad = _dates([45720.0, 45720.999, None], dtype=pl.Float64)
    assert dates == [MARCH_4, MARCH_4, None]
    assert bad == [False, False, False]


def test_excel_serials_out_of_range_are_bad():
    dates, bad = _dates([1, 0, -5, 100_000, 45720], dtype=pl.Int64)
    assert dates == [None, None, None, None, MARCH_4]
    assert bad == [True, True, True, True, False]


def test_real_date_column_passes_through():
    dates, bad = _dates([MARCH_4, None, date(2024, 2, 29)], dtype=pl.Date)
    assert dates == [MARCH_4, None, date(2024, 2, 29)]
    assert bad == [False, False, False]


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_real_datetime_column_becomes_its_date(unit):
    values = [dt.datetime(2025, 3, 4, 0, 0), dt.datetime(2025, 3, 4, 23, 59, 59), None]
    dates, bad = _dates(values, dtype=pl.Datetime(unit))
    assert dates == [MARCH_4, MARCH_4, None]
    assert bad == [False, False, False]


def test_categorical_date_column():
    dates, bad = _dates(["04/03/2025", None, "2025-03-04", "nope"], dtype=pl.Categorical)
    assert dates == [MARCH_4, None, MARCH_4, None]
    assert bad == [False, False, False, True]


def test_parse_one_date():
    assert parse_one_date("2025-03-04") == MARCH_4
    assert parse_one_date(" 04/03/2025 ") == MARCH_4
    assert parse_one_date("4 Mar 2025") == MARCH_4
    assert parse_one_date("") is None
    assert parse_one_date("   ") is None
    assert parse_one_date("rubbish") is None
    assert parse_one_date("31/02/2025") is None


# ---------------------------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Y", True), ("N", False), ("y", True), ("n", False),
        ("Yes", True), ("No", False), ("YES", True), ("no", False), (" yes ", True),
        ("True", True), ("False", False), ("TRUE", True), ("false", False),
        ("T", True), ("F", False),
        ("1", True), ("0", False), ("1.0", True), ("0.0", False),
        ("a) Yes", True), ("b) No", False), ("a)Yes", True), ("B) NO", False),
        ("Seen", True), ("Not seen", False),
    ],
)
def test_flag_values(text, value):
    flags, bad = parse_flag(pl.Series("f", [text]))
    assert flags.dtype == pl.Boolean
    assert (flags[0], bad[0]) == (value, False)


@pytest.mark.parametrize("text", [None, "", " ", "N/A", "#N/A", "unknown", "Not recorded"])
def test_flag_blank_is_unknown_not_bad(text):
    flags, bad = parse_flag(pl.Series("f", [text], dtype=pl.String))
    assert (flags[0], bad[0]) == (None, False)


@pytest.mark.parametrize("text", ["maybe", "2", "Yes please", "c) Declined", "sometimes"])
def test_flag_unknown_text_is_bad(text):
    flags, bad = parse_flag(pl.Series("f", [text]))
    assert (flags[0], bad[0]) == (None, True)


def test_flag_typed_columns():
    flags, bad = parse_flag(pl.Series("f", [True, False, None]))
    assert flags.to_list() == [True, False, None]
    assert bad.to_list() == [False, False, False]
    flags, bad = parse_flag(pl.Series("f", [1, 0, None], dtype=pl.Int64))
    assert flags.to_list() == [True, False, None]
    assert bad.to_list() == [False, False, False]
    flags, bad = parse_flag(pl.Series("f", [1.0, 0.0, 2.0], dtype=pl.Float64))
    assert flags.to_list() == [True, False, None]
    assert bad.to_list() == [False, False, True]
    assert flags.name == bad.name == "f"


# ---------------------------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------------------------
def test_ids_keep_leading_zeros():
    out = parse_id(pl.Series("child_id", ["007", "7", " 007 ", "0001234", "A123", "CHI-00042"]))
    assert out.dtype == pl.String
    assert out.name == "child_id"
    assert out.to_list() == ["007", "7", "007", "0001234", "A123", "CHI-00042"]


def test_ids_blank_are_null():
    out = parse_id(pl.Series("child_id", ["", "  ", None, "N/A", "#N/A"], dtype=pl.String))
    assert out.to_list() == [None, None, None, None, None]


def test_excel_float_ids_lose_the_point_zero():
    out = parse_id(pl.Series("child_id", [123.0, 7.0, 1_234_567.0, None]))
    assert out.to_list() == ["123", "7", "1234567", None]


def test_non_integral_float_id_is_kept_as_written():
    assert parse_id(pl.Series("x", [7.5])).to_list() == ["7.5"]


def test_integer_ids():
    assert parse_id(pl.Series("x", [123, 7, None], dtype=pl.Int64)).to_list() == ["123", "7", None]


# ---------------------------------------------------------------------------------------------
# Codes and text
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CP", "child_protection"),
        ("cp", "child_protection"),
        ("CPP", "child_protection"),
        ("Child Protection", "child_protection"),
        ("child-protection", "child_protection"),
        ("Child Protection Plan", "child_protection"),
        ("a) CP", "child_protection"),
        ("CIN", "child_in_need"),
        ("Child In Need", "child_in_need"),
        ("LAC", "child_in_care"),
        ("CLA", "child_in_care"),
        ("Looked After", "child_in_care"),
        ("Looked After Child", "child_in_care"),
        ("Child in Care", "child_in_care"),
        ("EH", "early_help"),
        ("Early Help", "early_help"),
        ("  early_help ", "early_help"),
        ("Care Leavers", "care_leaver"),
        ("S47", "s47"),
        ("Section 47", "s47"),
        ("Section-47", "s47"),
        ("CWD", "disabled_children"),
        ("Private Fostering", "private_fostering"),
        ("Family Tree", "genogram"),
        ("Strategy Meeting", "strategy_discussion"),
        ("Initial Child Protection Conference", "icpc"),
        ("ICPC", "icpc"),
        ("LAC Review", "cla_review"),
        ("Core Group Meeting", "core_group"),
        ("Case / Summary", "case_summary"),
        ("something else", "something_else"),  # unknown codes are tidied, kept
    ],
)
def test_codes(text, code):
    assert parse_code(pl.Series("episode_type", [text])).to_list() == [code]


def test_codes_blank_are_null():
    out = parse_code(pl.Series("episode_type", ["", "N/A", None], dtype=pl.String))
    assert out.to_list() == [None, None, None]
    assert out.name == "episode_type"


def test_text_is_stripped_and_blank_tokens_are_null():
    out = parse_text(pl.Series("team", [" Team A ", "N/A", "", None, "x\u00a0", "Team £1"]))
    assert out.to_list() == ["Team A", None, None, None, "x", "Team £1"]


# ---------------------------------------------------------------------------------------------
# Columns that repeat a few values (parsed once per distinct value) keep every row's own value
# ---------------------------------------------------------------------------------------------
def test_repeated_values_with_nulls_keep_row_order():
    n = 50
    dates, bad = _dates(["2025-01-01", None, "31/02/2025", "04/03/2025", "N/A"] * n)
    assert dates == [date(2025, 1, 1), None, None, MARCH_4, None] * n
    assert bad == [False, False, True, False, False] * n
    flags, fbad = parse_flag(pl.Series("f", ["Y", None, "maybe", "No", "a) Yes"] * n))
    assert flags.to_list() == [True, None, None, False, True] * n
    assert fbad.to_list() == [False, False, True, False, False] * n
    assert parse_id(pl.Series("i", ["007", None, " 8 ", "N/A"] * n)).to_list() == [
        "007", None, "8", None
    ] * n
    assert parse_code(pl.Series("c", ["CP", None, "LAC", ""] * n)).to_list() == [
        "child_protection", None, "child_in_care", None
    ] * n
    assert parse_text(pl.Series("t", [" A ", None, "B", "-"] * n)).to_list() == [
        "A", None, "B", None
    ] * n


def test_every_distinct_value_maps_to_its_own_date():
    # 400 distinct dates in shuffled order, each repeated: each row must get its own date back
    days = [date(2024, 1, 1) + dt.timedelta(days=(i * 37) % 400) for i in range(400)]
    text = [d.strftime("%d/%m/%Y") for d in days] * 3
    dates, bad = _dates(text)
    assert dates == days * 3
    assert not any(bad)
