"""Reporting periods and audit-date words, hand-worked (casecheck.periods)."""

import datetime as dt

import pytest

from casecheck.errors import UsageError
from casecheck.periods import Period, add_months, period_for, resolve_as_at

D = dt.date


@pytest.mark.parametrize(
    ("as_at", "kind", "start"),
    [
        (D(2025, 3, 31), "month", D(2025, 3, 1)),  # a month end: the month it ends
        (D(2025, 3, 15), "month", D(2025, 3, 1)),  # mid-month: the month so far
        (D(2025, 3, 1), "month", D(2025, 3, 1)),  # the 1st: a one-day period
        (D(2025, 3, 31), "quarter", D(2025, 1, 1)),
        (D(2025, 4, 1), "quarter", D(2025, 4, 1)),
        (D(2025, 3, 31), "year", D(2024, 4, 1)),  # the financial year from 1 April
        (D(2025, 4, 1), "year", D(2025, 4, 1)),
        (D(2025, 3, 31), "12m", D(2024, 4, 1)),
        (D(2024, 2, 29), "12m", D(2023, 3, 1)),  # a month end: whole months
        (D(2024, 2, 15), "12m", D(2023, 2, 16)),
        (D(2025, 3, 31), "all", None),
    ],
)
def test_period_for(as_at, kind, start):
    p = period_for(as_at, kind)
    assert (p.start, p.end) == (start, as_at)


def test_since_overrides_the_kind_and_must_not_follow_the_audit_date():
    assert period_for(D(2025, 3, 31), "month", since=D(2025, 1, 6)) == Period("since", D(2025, 1, 6), D(2025, 3, 31))
    with pytest.raises(UsageError):
        period_for(D(2025, 3, 31), since=D(2025, 4, 1))


def test_unknown_kind_is_a_usage_error():
    with pytest.raises(UsageError, match="--period"):
        period_for(D(2025, 3, 31), "fortnight")


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (period_for(D(2025, 3, 31), "month"), (D(2025, 2, 1), D(2025, 2, 28))),
        (period_for(D(2025, 3, 12), "month"), (D(2025, 2, 1), D(2025, 2, 28))),
        (period_for(D(2024, 3, 31), "month"), (D(2024, 2, 1), D(2024, 2, 29))),  # leap year
        (period_for(D(2025, 1, 31), "month"), (D(2024, 12, 1), D(2024, 12, 31))),  # year boundary
        (period_for(D(2025, 3, 31), "quarter"), (D(2024, 10, 1), D(2024, 12, 31))),
        (period_for(D(2025, 3, 31), "year"), (D(2023, 4, 1), D(2024, 3, 31))),
        (period_for(D(2025, 3, 31), "12m"), (D(2024, 3, 1), D(2025, 2, 28))),  # a month back
        (period_for(D(2025, 3, 31), "all"), (None, D(2025, 2, 28))),
        (period_for(D(2025, 3, 31), since=D(2025, 1, 6)), (D(2024, 12, 6), D(2025, 2, 28))),
    ],
)
def test_previous_period(period, previous):
    p = period.previous()
    assert (p.start, p.end) == previous
    assert p.kind == period.kind


def test_labels_are_in_words_with_uk_dates():
    assert period_for(D(2025, 3, 31)).label == "March 2025 (01/03/2025 to 31/03/2025)"
    assert period_for(D(2025, 3, 31), "year").label == "financial year 2024-25 (01/04/2024 to 31/03/2025)"
    assert period_for(D(2025, 3, 31), "all").label == "all records (up to 31/03/2025)"


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("2025-03-31", D(2026, 11, 30), D(2025, 3, 31)),
        ("31/03/2025", D(2026, 11, 30), D(2025, 3, 31)),
        ("today", D(2026, 11, 30), D(2026, 11, 30)),
        ("last-month-end", D(2026, 11, 30), D(2026, 10, 31)),
        ("last-month-end", D(2025, 3, 1), D(2025, 2, 28)),  # a cron line on the 1st
        ("LAST-MONTH-END", D(2025, 1, 1), D(2024, 12, 31)),
    ],
)
def test_resolve_as_at(text, today, expected):
    assert resolve_as_at(text, today) == expected


def test_resolve_as_at_refuses_text_that_is_no_date():
    with pytest.raises(UsageError, match="last-month-end"):
        resolve_as_at("next week")


def test_add_months_is_end_of_month_safe():
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    with pytest.raises(UsageError):
        add_months(D(1, 1, 1), -1)
