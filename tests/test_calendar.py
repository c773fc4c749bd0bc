"""Working days and durations (casecheck.calendar).

Every expected date below was worked out by hand against a printed calendar and the published
list of bank holidays in England; the comment on each line shows the working.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

import holidays
import polars as pl
import pytest

from casecheck.calendar import Duration, WorkingCalendar, default_calendar, parse_closure_days
from casecheck.errors import UsageError


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


@pytest.fixture(scope="module")
def closed_xmas() -> WorkingCalendar:
    """An authority that closes 29-31 December 2025."""
    return WorkingCalendar(closure_days=["2025-12-29..2025-12-31"])


# ---------------------------------------------------------------------------------------------
# Bank holidays themselves (independent of the holidays package: typed from gov.uk's list)
# ---------------------------------------------------------------------------------------------
ENGLAND_WEEKDAY_BANK_HOLIDAYS = {
    2020: ["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31",
           "2020-12-25", "2020-12-28"],
    2021: ["2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30",
           "2021-12-27", "2021-12-28"],
    2022: ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03",
           "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"],
    2023: ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29",
           "2023-08-28", "2023-12-25", "2023-12-26"],
    2024: ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
           "2024-12-25", "2024-12-26"],
    2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
           "2025-12-25", "2025-12-26"],
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
           "2026-12-25", "2026-12-28"],
}


@pytest.mark.parametrize("year", sorted(ENGLAND_WEEKDAY_BANK_HOLIDAYS))
def test_weekday_bank_holidays_match_gov_uk(cal, year):
    got = sorted(
        d.isoformat() for d in cal.non_working_days if d.year == year and d.weekday() < 5
    )
    assert got == ENGLAND_WEEKDAY_BANK_HOLIDAYS[year]


def test_is_working_day(cal):
    assert cal.is_working_day(date(2025, 4, 17))  # Thursday before Easter
    assert not cal.is_working_day(date(2025, 4, 18))  # Good Friday
    assert not cal.is_working_day(date(2025, 4, 19))  # Saturday
    assert not cal.is_working_day(date(2025, 4, 20))  # Easter Sunday
    assert not cal.is_working_day(date(2025, 4, 21))  # Easter Monday
    assert cal.is_working_day(date(2025, 4, 22))  # Tuesday
    assert not cal.is_working_day(date(2020, 12, 28))  # Boxing Day observed (26th was a Saturday)
    assert not cal.is_working_day(date(2022, 12, 27))  # Christmas observed (25th was a Sunday)
    assert not cal.is_working_day(date(2022, 1, 3))  # New Year observed (1st was a Saturday)
    assert cal.is_working_day(date(2025, 12, 29))  # Monday: no closure in the default calendar


# ---------------------------------------------------------------------------------------------
# Working days: Easter
# ---------------------------------------------------------------------------------------------
def test_easter_2025(cal):
    # Good Friday 18 Apr, Easter Monday 21 Apr 2025
    assert cal.add(date(2025, 4, 17), "1wd") == date(2025, 4, 22)  # Thu -> skip Fri(GF), Sat, Sun, Mon(EM) -> Tue
    assert cal.add(date(2025, 4, 17), "2wd") == date(2025, 4, 23)  # Tue 22 (1), Wed 23 (2)
    assert cal.add(date(2025, 4, 16), "2wd") == date(2025, 4, 22)  # Thu 17 (1), Tue 22 (2)
    assert cal.add(date(2025, 4, 18), "1wd") == date(2025, 4, 22)  # Good Friday is day 0 -> Tue
    assert cal.add(date(2025, 4, 21), "1wd") == date(2025, 4, 22)  # Easter Monday is day 0 -> Tue
    assert cal.add(date(2025, 4, 14), "5wd") == date(2025, 4, 23)  # Tue15 Wed16 Thu17 Tue22 Wed23


def test_easter_2024(cal):
    # Good Friday 29 Mar, Easter Monday 1 Apr 2024
    assert cal.add(date(2024, 3, 28), "1wd") == date(2024, 4, 2)  # Thu -> Tue 2 Apr
    assert cal.add(date(2024, 3, 27), "3wd") == date(2024, 4, 3)  # Thu28 (1), Tue2 (2), Wed3 (3)
    assert cal.add(date(2024, 3, 29), "1wd") == date(2024, 4, 2)  # from Good Friday
    assert cal.add(date(2024, 4, 1), "1wd") == date(2024, 4, 2)  # from Easter Monday


def test_saturday_of_easter_weekend_is_day_zero(cal):
    # The module docstring's own example: Sat 19 Apr 2025 + 1wd = Tue 22 Apr
    assert cal.add(date(2025, 4, 19), "1wd") == date(2025, 4, 22)
    assert cal.add(date(2025, 4, 19), "2wd") == date(2025, 4, 23)
    assert cal.add(date(2025, 4, 20), "1wd") == date(2025, 4, 22)  # Easter Sunday


# ---------------------------------------------------------------------------------------------
# Working days: Christmas and New Year, including substitute ("observed") days
# ---------------------------------------------------------------------------------------------
def test_christmas_2020_boxing_day_observed_monday_28(cal):
    # Fri 25 Dec, Sat 26 (Boxing Day) -> observed Mon 28 Dec 2020
    assert cal.add(date(2020, 12, 24), "1wd") == date(2020, 12, 29)  # Thu -> Fri25 Sat Sun Mon28 -> Tue 29
    assert cal.add(date(2020, 12, 24), "2wd") == date(2020, 12, 30)
    assert cal.add(date(2020, 12, 23), "1wd") == date(2020, 12, 24)  # Wed -> Thu 24 (a working day)


def test_christmas_2022_christmas_observed_tuesday_27(cal):
    # Sun 25 Dec -> observed Tue 27; Boxing Day Mon 26 Dec 2022
    assert cal.add(date(2022, 12, 23), "1wd") == date(2022, 12, 28)  # Fri -> Sat Sun Mon26 Tue27 -> Wed 28
    assert cal.add(date(2022, 12, 22), "2wd") == date(2022, 12, 28)  # Fri23 (1), Wed28 (2)


def test_christmas_2024_and_new_year_2025(cal):
    # Wed 25 + Thu 26 Dec 2024, Wed 1 Jan 2025
    assert cal.add(date(2024, 12, 24), "1wd") == date(2024, 12, 27)  # Tue -> Fri 27
    assert cal.add(date(2024, 12, 31), "1wd") == date(2025, 1, 2)  # Tue -> Thu 2 Jan


def test_new_year_observed(cal):
    # 1 Jan 2022 was a Saturday -> observed Mon 3 Jan 2022
    assert cal.add(date(2021, 12, 31), "1wd") == date(2022, 1, 4)  # Fri -> Sat Sun Mon3 -> Tue 4
    # 1 Jan 2023 was a Sunday -> observed Mon 2 Jan 2023
    assert cal.add(date(2022, 12, 30), "1wd") == date(2023, 1, 3)  # Fri -> Sat Sun Mon2 -> Tue 3


def test_ten_working_days_across_christmas_2024(cal):
    # Fri 20 Dec 2024: Mon23 (1) Tue24 (2) [Wed25 Thu26 hol] Fri27 (3) Mon30 (4) Tue31 (5)
    # [Wed 1 Jan hol] Thu2 (6) Fri3 (7) Mon6 (8) Tue7 (9) Wed8 (10)
    assert cal.add(date(2024, 12, 20), "10wd") == date(2025, 1, 8)


# ---------------------------------------------------------------------------------------------
# Working days: May bank holidays and one-off days
# ---------------------------------------------------------------------------------------------
def test_may_bank_holidays_2025(cal):
    assert cal.add(date(2025, 5, 2), "1wd") == date(2025, 5, 6)  # Fri -> [Mon 5 May early May] -> Tue 6
    assert cal.add(date(2025, 5, 23), "1wd") == date(2025, 5, 27)  # Fri -> [Mon 26 May spring] -> Tue 27
    assert cal.add(date(2025, 5, 5), "1wd") == date(2025, 5, 6)  # from the bank holiday itself


def test_platinum_jubilee_2022(cal):
    # Thu 2 Jun (spring bank holiday, moved) and Fri 3 Jun 2022 (Platinum Jubilee)
    assert cal.add(date(2022, 6, 1), "1wd") == date(2022, 6, 6)  # Wed -> Mon 6
    assert cal.add(date(2022, 5, 31), "2wd") == date(2022, 6, 6)  # Wed1 (1), Mon6 (2)


def test_state_funeral_2022(cal):
    # Mon 19 Sep 2022: state funeral of Queen Elizabeth II
    assert cal.add(date(2022, 9, 16), "1wd") == date(2022, 9, 20)  # Fri -> Tue 20
    assert cal.add(date(2022, 9, 15), "2wd") == date(2022, 9, 20)  # Fri16 (1), Tue20 (2)


def test_coronation_2023(cal):
    # Mon 1 May 2023 (early May) and Mon 8 May 2023 (coronation of King Charles III)
    assert cal.add(date(2023, 5, 5), "1wd") == date(2023, 5, 9)  # Fri -> Tue 9
    # Fri 28 Apr: [Mon1 hol] Tue2 (1) Wed3 (2) Thu4 (3) Fri5 (4) [Mon8 hol] Tue9 (5)
    assert cal.add(date(2023, 4, 28), "5wd") == date(2023, 5, 9)


# ---------------------------------------------------------------------------------------------
# Working days: ordinary weeks, weekend anchors, 0wd
# ---------------------------------------------------------------------------------------------
def test_weekends(cal):
    # March 2025: Mon 3, Fri 7, Sat 8, Sun 9, Mon 10 (no bank holidays)
    assert cal.add(date(2025, 3, 7), "1wd") == date(2025, 3, 10)  # Fri -> Mon
    assert cal.add(date(2025, 3, 3), "1wd") == date(2025, 3, 4)  # Mon -> Tue
    assert cal.add(date(2025, 3, 3), "4wd") == date(2025, 3, 7)  # Mon -> Fri
    assert cal.add(date(2025, 3, 3), "5wd") == date(2025, 3, 10)  # Mon -> next Mon
    assert cal.add(date(2025, 3, 3), "10wd") == date(2025, 3, 17)  # two weeks
    assert cal.add(date(2025, 3, 6), "3wd") == date(2025, 3, 11)  # Thu -> Fri7 Mon10 Tue11


def test_weekend_anchor_is_day_zero(cal):
    assert cal.add(date(2025, 3, 8), "1wd") == date(2025, 3, 10)  # Sat -> Mon
    assert cal.add(date(2025, 3, 9), "1wd") == date(2025, 3, 10)  # Sun -> Mon
    assert cal.add(date(2025, 3, 8), "2wd") == date(2025, 3, 11)  # Sat -> Mon (1), Tue (2)
    assert cal.add(date(2025, 3, 9), "5wd") == date(2025, 3, 14)  # Sun -> Mon..Fri


def test_zero_working_days_is_the_date_itself(cal):
    assert cal.add(date(2025, 3, 5), "0wd") == date(2025, 3, 5)  # Wednesday
    assert cal.add(date(2025, 3, 8), "0wd") == date(2025, 3, 8)  # Saturday: not moved
    assert cal.add(date(2025, 12, 25), "0wd") == date(2025, 12, 25)  # Christmas: not moved


# ---------------------------------------------------------------------------------------------
# Local closure days
# ---------------------------------------------------------------------------------------------
def test_closure_days_between_christmas_and_new_year(cal, closed_xmas):
    # Wed 24 Dec 2025; Thu 25 + Fri 26 bank holidays; Sat 27, Sun 28; Mon 29 - Wed 31 closed;
    # Thu 1 Jan 2026 bank holiday -> first working day Fri 2 Jan, second Mon 5 Jan.
    assert closed_xmas.add(date(2025, 12, 24), "1wd") == date(2026, 1, 2)
    assert closed_xmas.add(date(2025, 12, 24), "2wd") == date(2026, 1, 5)
    assert closed_xmas.add(date(2025, 12, 30), "1wd") == date(2026, 1, 2)  # anchor on a closure day
    # Without the closure the same dates fall in the Christmas week
    assert cal.add(date(2025, 12, 24), "1wd") == date(2025, 12, 29)
    assert cal.add(date(2025, 12, 24), "2wd") == date(2025, 12, 30)
    assert not closed_xmas.is_working_day(date(2025, 12, 30))
    assert closed_xmas.is_working_day(date(2026, 1, 2))


def test_closure_days_do_not_change_calendar_durations(closed_xmas):
    assert closed_xmas.add(date(2025, 12, 24), "7d") == date(2025, 12, 31)
    assert closed_xmas.add(date(2025, 12, 24), "48h") == date(2025, 12, 26)


def test_closure_days_count_in_working_days_after(cal, closed_xmas):
    # (24 Dec 2025, 5 Jan 2026]: working days are Fri 2 and Mon 5 Jan with closures...
    assert closed_xmas.working_days_after(date(2025, 12, 24), date(2026, 1, 5)) == 2
    # ...and Mon 29, Tue 30, Wed 31 Dec, Fri 2, Mon 5 Jan without
    assert cal.working_days_after(date(2025, 12, 24), date(2026, 1, 5)) == 5


def test_closure_days_given_as_dates():
    c = WorkingCalendar(closure_days=[date(2025, 3, 10)])  # close Mon 10 Mar 2025
    assert c.add(date(2025, 3, 7), "1wd") == date(2025, 3, 11)  # Fri -> Tue


# ---------------------------------------------------------------------------------------------
# Calendar durations: days, weeks, months, years, hours
# ---------------------------------------------------------------------------------------------
def test_days_are_never_moved_off_weekends_or_holidays(cal):
    assert cal.add(date(2025, 3, 3), "5d") == date(2025, 3, 8)  # Mon + 5 = Sat
    assert cal.add(date(2025, 3, 3), "7d") == date(2025, 3, 10)
    assert cal.add(date(2025, 4, 11), "7d") == date(2025, 4, 18)  # lands on Good Friday, stays
    assert cal.add(date(2024, 12, 18), "7d") == date(2024, 12, 25)  # lands on Christmas, stays
    assert cal.add(date(2025, 3, 3), "0d") == date(2025, 3, 3)
    assert cal.add(date(2024, 2, 28), "1d") == date(2024, 2, 29)  # leap day
    assert cal.add(date(2025, 2, 28), "1d") == date(2025, 3, 1)


def test_weeks(cal):
    assert cal.add(date(2025, 3, 3), "1w") == date(2025, 3, 10)
    assert cal.add(date(2025, 3, 3), "6w") == date(2025, 4, 14)  # 42 days: 3 Mar + 28 = 31 Mar, + 14 = 14 Apr
    assert cal.add(date(2024, 12, 20), "2w") == date(2025, 1, 3)  # across the year end
    assert cal.add(date(2025, 3, 8), "1w") == date(2025, 3, 15)  # Sat -> Sat


def test_months_end_of_month_safe(cal):
    assert cal.add(date(2024, 1, 31), "1mo") == date(2024, 2, 29)  # leap year
    assert cal.add(date(2025, 1, 31), "1mo") == date(2025, 2, 28)
    assert cal.add(date(2025, 8, 31), "3mo") == date(2025, 11, 30)
    assert cal.add(date(2025, 3, 31), "1mo") == date(2025, 4, 30)
    assert cal.add(date(2025, 1, 15), "1mo") == date(2025, 2, 15)
    assert cal.add(date(2025, 11, 30), "3mo") == date(2026, 2, 28)  # across the year end
    assert cal.add(date(2025, 3, 4), "6mo") == date(2025, 9, 4)
    assert cal.add(date(2025, 3, 1), "1mo") == date(2025, 4, 1)  # Saturday: not moved
    assert cal.add(date(2025, 3, 18), "1mo") == date(2025, 4, 18)  # lands on Good Friday, stays


def test_years(cal):
    assert cal.add(date(2024, 2, 29), "1y") == date(2025, 2, 28)
    assert cal.add(date(2024, 2, 29), "4y") == date(2028, 2, 29)
    assert cal.add(date(2025, 3, 4), "1y") == date(2026, 3, 4)
    assert cal.add(date(2023, 3, 1), "1y") == date(2024, 3, 1)


def test_hours_round_up_to_whole_days(cal):
    assert cal.add(date(2025, 3, 3), "24h") == date(2025, 3, 4)
    assert cal.add(date(2025, 3, 3), "48h") == date(2025, 3, 5)
    assert cal.add(date(2025, 3, 3), "72h") == date(2025, 3, 6)
    assert cal.add(date(2025, 3, 3), "36h") == date(2025, 3, 5)  # 1.5 days -> 2
    assert cal.add(date(2025, 3, 3), "25h") == date(2025, 3, 5)  # just over 1 day -> 2
    assert cal.add(date(2025, 3, 3), "1h") == date(2025, 3, 4)
    assert cal.add(date(2025, 3, 7), "24h") == date(2025, 3, 8)  # Fri -> Sat: not moved
    assert cal.add(date(2025, 12, 24), "72h") == date(2025, 12, 27)


# ---------------------------------------------------------------------------------------------
# count_from="day1"
# ---------------------------------------------------------------------------------------------
def test_count_from_day1_working_days(cal):
    day1 = "day1"
    assert cal.add(date(2025, 3, 3), "10wd", day1) == date(2025, 3, 14)  # Mon 3 is day 1 -> Fri 14 is day 10
    assert cal.add(date(2025, 3, 3), "10wd") == date(2025, 3, 17)  # day 0 counting: one wd later
    assert cal.add(date(2025, 4, 17), "1wd", day1) == date(2025, 4, 17)  # Thu is day 1 itself
    assert cal.add(date(2025, 4, 17), "2wd", day1) == date(2025, 4, 22)  # Thu (1), Tue (2)
    # 15wd from Fri 20 Dec 2024 counting it as day 1:
    # Fri20 (1) Mon23 (2) Tue24 (3) Fri27 (4) Mon30 (5) Tue31 (6) Thu2 (7) Fri3 (8) Mon6 (9)
    # Tue7 (10) Wed8 (11) Thu9 (12) Fri10 (13) Mon13 (14) Tue14 (15)
    assert cal.add(date(2024, 12, 20), "15wd", day1) == date(2025, 1, 14)
    assert cal.add(date(2024, 12, 20), "15wd") == date(2025, 1, 15)


def test_count_from_day1_on_a_non_working_anchor_starts_at_the_next_working_day(cal):
    # Sat 19 Apr 2025: day 1 is the next working day, Tue 22 Apr
    assert cal.add(date(2025, 4, 19), "1wd", "day1") == date(2025, 4, 22)
    assert cal.add(date(2025, 4, 19), "2wd", "day1") == date(2025, 4, 23)


def test_count_from_day1_calendar_durations_one_day_earlier(cal):
    day1 = "day1"
    assert cal.add(date(2025, 3, 3), "7d", day1) == date(2025, 3, 9)
    assert cal.add(date(2025, 3, 3), "1w", day1) == date(2025, 3, 9)
    assert cal.add(date(2025, 3, 3), "6w", day1) == date(2025, 4, 13)
    assert cal.add(date(2025, 3, 3), "1mo", day1) == date(2025, 4, 2)
    assert cal.add(date(2025, 3, 3), "48h", day1) == date(2025, 3, 4)
    assert cal.add(date(2025, 3, 4), "1y", day1) == date(2026, 3, 3)
    assert cal.add(date(2024, 1, 31), "1mo", day1) == date(2024, 2, 28)
    assert cal.add(date(2025, 3, 3), "0d", day1) == date(2025, 3, 3)


# ---------------------------------------------------------------------------------------------
# working_days_after (days overdue)
# ---------------------------------------------------------------------------------------------
def test_working_days_after(cal):
    assert cal.working_days_after(date(2025, 3, 7), date(2025, 3, 10)) == 1  # Fri -> Mon
    assert cal.working_days_after(date(2025, 3, 7), date(2025, 3, 9)) == 0  # Fri -> Sun
    assert cal.working_days_after(date(2025, 3, 7), date(2025, 3, 7)) == 0  # same day
    assert cal.working_days_after(date(2025, 3, 10), date(2025, 3, 7)) == 0  # end before start
    assert cal.working_days_after(date(2025, 3, 8), date(2025, 3, 9)) == 0  # Sat -> Sun
    assert cal.working_days_after(date(2025, 3, 8), date(2025, 3, 10)) == 1  # Sat -> Mon
    assert cal.working_days_after(date(2025, 3, 3), date(2025, 3, 14)) == 9  # Mon -> Fri next week
    assert cal.working_days_after(date(2025, 4, 17), date(2025, 4, 22)) == 1  # over Easter
    assert cal.working_days_after(date(2020, 12, 24), date(2020, 12, 29)) == 1  # Christmas 2020
    assert cal.working_days_after(date(2024, 12, 20), date(2025, 1, 8)) == 10
    assert cal.working_days_after(date(2025, 3, 7), date(2025, 3, 8)) == 0  # Fri -> Sat
    # (Fri 28 Feb 2025, Mon 31 Mar 2025]: 21 weekdays in March, no bank holidays
    assert cal.working_days_after(date(2025, 2, 28), date(2025, 3, 31)) == 21


def test_working_days_after_inverts_add(cal):
    for start in [date(2025, 4, 17), date(2025, 4, 19), date(2024, 12, 20), date(2022, 6, 1)]:
        for n in range(0, 12):
            due = cal.add(start, f"{n}wd")
            assert cal.working_days_after(start, due) == n, (start, n, due)


# ---------------------------------------------------------------------------------------------
# Duration grammar
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("10wd", 10, "wd"),
        ("7d", 7, "d"),
        ("6w", 6, "w"),
        ("3mo", 3, "mo"),
        ("1y", 1, "y"),
        ("48h", 48, "h"),
        ("0wd", 0, "wd"),
        (" 10 wd ", 10, "wd"),
        ("10WD", 10, "wd"),
        ("3MO", 3, "mo"),
    ],
)
def test_duration_parse(text, amount, unit):
    d = Duration.parse(text)
    assert (d.amount, d.unit) == (amount, unit)
    assert str(d) == f"{amount}{unit}"


def test_duration_parse_passes_a_duration_through():
    d = Duration(5, "wd")
    assert Duration.parse(d) is d


@pytest.mark.parametrize(
    "text", ["10 days", "wd10", "", "   ", "10", "wd", "-1wd", "1.5wd", "10m", "10 working days", "2x"]
)
def test_duration_parse_errors(text):
    with pytest.raises(UsageError, match="is not a duration"):
        Duration.parse(text)


def test_duration_error_is_one_sentence_naming_the_text():
    with pytest.raises(UsageError) as info:
        Duration.parse("10 days")
    assert "'10 days'" in str(info.value)
    assert "\n" not in str(info.value)


def test_duration_describe():
    assert Duration.parse("10wd").describe() == "10 working days"
    assert Duration.parse("1wd").describe() == "1 working day"
    assert Duration.parse("3mo").describe() == "3 months"
    assert Duration.parse("1mo").describe() == "1 month"
    assert Duration.parse("1y").describe() == "1 year"
    assert Duration.parse("6w").describe() == "6 weeks"
    assert Duration.parse("1w").describe() == "1 week"
    assert Duration.parse("7d").describe() == "7 days"
    assert Duration.parse("1d").describe() == "1 day"
    assert Duration.parse("48h").describe() == "48 hours"


def test_duration_properties():
    assert Duration.parse("48h").approximate
    assert not Duration.parse("2d").approximate
    assert Duration.parse("7d").calendar_days == 7
    assert Duration.parse("6w").calendar_days == 42
    assert Duration.parse("36h").calendar_days == 2
    assert Duration.parse("72h").calendar_days == 3
    assert Duration.parse("10wd").calendar_days is None
    assert Duration.parse("3mo").calendar_days is None
    assert Duration.parse("1y").calendar_days is None
    ordered = sorted(["1y", "3mo", "10wd", "7d", "48h", "6w"], key=lambda t: Duration.parse(t).approx_days)
    assert ordered == ["48h", "7d", "10wd", "6w", "3mo", "1y"]


def test_add_rejects_a_bad_duration(cal):
    with pytest.raises(UsageError):
        cal.add(date(2025, 3, 3), "ten days")


# ---------------------------------------------------------------------------------------------
# Closure-day parsing
# ---------------------------------------------------------------------------------------------
def test_parse_closure_days():
    assert parse_closure_days(["2025-12-29..2025-12-31"]) == [
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
    ]
    # single days, date objects, duplicates and overlap; sorted and de-duplicated
    assert parse_closure_days(
        [" 2025-12-31 ", date(2025, 12, 24), "2025-12-30..2025-12-31", "2025-12-24"]
    ) == [date(2025, 12, 24), date(2025, 12, 30), date(2025, 12, 31)]
    assert parse_closure_days(["2025-12-29..2025-12-29"]) == [date(2025, 12, 29)]
    assert parse_closure_days([]) == []


@pytest.mark.parametrize(
    "item",
    [
        "29/12/2025",
        "2025-13-01",
        "2025-02-29",
        "2025-12-31..2025-12-29",  # reversed range
        "2025-12-29..",
        "..2025-12-29",
        "Christmas",
        "",
    ],
)
def test_parse_closure_days_errors(item):
    with pytest.raises(UsageError, match="closure day"):
        parse_closure_days([item])


def test_working_calendar_rejects_bad_closure_days():
    with pytest.raises(UsageError, match="'next week'"):
        WorkingCalendar(closure_days=["next week"])


# ---------------------------------------------------------------------------------------------
# The vectorised expressions agree with a slow pure-Python reference
# ---------------------------------------------------------------------------------------------
def _reference_non_working(closures=()) -> set[date]:
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2028))
    return set(bank) | set(closures)


def _ref_is_working(day: date, off: set[date]) -> bool:
    return day.weekday() < 5 and day not in off


def _ref_add_wd(day: date, n: int, off: set[date]) -> date:
    """The n-th working day after ``day`` (day itself is day 0), one day at a time."""
    cur, count = day, 0
    while count < n:
        cur += dt.timedelta(days=1)
        if _ref_is_working(cur, off):
            count += 1
    return cur


def _ref_working_days_after(a: date, b: date, off: set[date]) -> int:
    return sum(
        _ref_is_working(a + dt.timedelta(days=i), off) for i in range(1, (b - a).days + 1)
    )


def _days(start: date, end: date) -> pl.DataFrame:
    return pl.DataFrame({"d": pl.date_range(start, end, "1d", eager=True)})


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20])
def test_vectorised_add_matches_reference_every_day_of_2024(cal, n):
    frame = _days(date(2024, 1, 1), date(2024, 12, 31))
    got = frame.select(cal.add_expr(pl.col("d"), f"{n}wd").alias("due"))["due"].to_list()
    off = _reference_non_working()
    expected = [_ref_add_wd(d, n, off) for d in frame["d"]]
    assert len(got) == 366
    assert got == expected


def test_vectorised_add_matches_reference_2020_to_2026_with_closures():
    closures = parse_closure_days(
        ["2020-12-29..2020-12-31", "2022-12-28..2022-12-30", "2025-12-29..2025-12-31"]
    )
    c = WorkingCalendar(closure_days=closures)
    frame = _days(date(2020, 1, 1), date(2026, 11, 30))
    off = _reference_non_working(closures)
    for n in (1, 3, 10):
        got = frame.select(c.add_expr(pl.col("d"), f"{n}wd").alias("due"))["due"].to_list()
        expected = [_ref_add_wd(d, n, off) for d in frame["d"]]
        assert got == expected, n


def test_vectorised_add_matches_scalar_helper(cal):
    frame = _days(date(2025, 3, 1), date(2025, 5, 31))
    for dur in ("1wd", "10wd", "7d", "6w", "3mo", "1y", "48h"):
        for count_from in ("day0", "day1"):
            got = frame.select(cal.add_expr(pl.col("d"), dur, count_from).alias("due"))["due"].to_list()
            expected = [cal.add(d, dur, count_from) for d in frame["d"]]
            assert got == expected, (dur, count_from)


def test_vectorised_working_days_after_matches_reference(cal):
    starts = _days(date(2024, 12, 1), date(2025, 1, 15))["d"]
    off = _reference_non_working()
    rows = [(a, a + dt.timedelta(days=k)) for a in starts for k in (-3, 0, 1, 2, 3, 7, 14, 30)]
    frame = pl.DataFrame({"a": [r[0] for r in rows], "b": [r[1] for r in rows]})
    got = frame.select(cal.working_days_after_expr(pl.col("a"), pl.col("b")).alias("n"))["n"].to_list()
    expected = [_ref_working_days_after(a, b, off) for a, b in rows]
    assert got == expected


def test_vectorised_nulls_stay_null(cal):
    frame = pl.DataFrame({"d": [date(2025, 3, 7), None]}, schema={"d": pl.Date})
    for dur in ("1wd", "7d", "3mo", "48h"):
        out = frame.select(cal.add_expr(pl.col("d"), dur).alias("due"))["due"].to_list()
        assert out[1] is None, dur
    assert frame.select(cal.add_expr(pl.col("d"), "1wd").alias("due"))["due"][0] == date(2025, 3, 10)
