"""The shortcuts taken for speed give what their plain definitions give (hypothesis).

Each fast function is compared with the straightforward Polars it replaces:

* ``engine.sort_findings`` (sort on two keys, re-sort runs of ties) = a sort on every key;
* ``engine.by_branch`` (each sentence form only over its rows) = a ``when/then`` chain;
* ``dataset.first_failure`` (reasons only for failing rows) = a ``coalesce`` of ``when/then``;
* ``dataset.repeats_of`` (hashes, then values) = the first row number per group of equal values;
* ``readers.drop_blank_rows`` (the tail only, in growing windows) = cutting after the last value.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from casecheck.dataset import ROW, first_failure, repeats_of
from casecheck.engine import SORT_KEYS, by_branch, sort_findings
from casecheck.sources.readers import drop_blank_rows

SETTINGS = settings(max_examples=60, deadline=None)
day = st.one_of(st.none(), st.dates(dt.date(2024, 2, 27), dt.date(2024, 3, 2)))
kid = st.one_of(st.none(), st.sampled_from(["1", "01", "2", "10", "B"]))
word = st.one_of(st.none(), st.sampled_from(["a", "b"]))
SCHEMA = {
    "child_id": pl.String, "anchor_date": pl.Date, "episode_type": pl.String,
    "due_date": pl.Date, "last_event_date": pl.Date, "status": pl.String,
    "days_overdue": pl.Int32, "worker_id": pl.String, "team": pl.String, "closed_date": pl.Date,
}
finding_rows = st.lists(
    st.tuples(kid, day, word, day, day, st.sampled_from(["met", "not_met", "pending"]),
              st.one_of(st.none(), st.integers(0, 3)), word, word, day),
    max_size=40,
)


def findings(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    return frame.with_row_index("n")  # tells apart rows that tie on every key


@SETTINGS
@given(finding_rows, st.booleans())
def test_sort_findings_equals_a_sort_on_every_key(rows, presort):
    frame = findings(rows)
    if presort:  # the shortcut for rows that come in (child, anchor) order
        frame = frame.sort(SORT_KEYS[:2], nulls_last=True, maintain_order=True)
    expected = frame.sort(SORT_KEYS, nulls_last=True, maintain_order=True)
    assert sort_findings(frame).equals(expected)


@SETTINGS
@given(finding_rows)
def test_by_branch_equals_a_when_then_chain(rows):
    frame = findings(rows)
    branches = [
        (pl.col("status") == "met", pl.format("met on {}", pl.col("due_date"))),
        (pl.col("days_overdue") > 1, pl.format("{} days late", pl.col("days_overdue"))),
        (pl.col("team").is_null(), pl.lit("no team")),
        (pl.col("status") == "pending", pl.format("{} / {}", pl.col("child_id"), pl.col("team"))),
    ]
    chain = pl.lit(None, dtype=pl.String)
    for cond, expr in reversed(branches):
        chain = pl.when(cond).then(expr).otherwise(chain)
    expected = frame.select(chain.alias("detail")).to_series()
    assert by_branch(frame, branches).equals(expected)


@SETTINGS
@given(finding_rows)
def test_first_failure_equals_a_coalesce_of_reasons(rows):
    frame = findings(rows)
    checks = [
        (pl.col("child_id").is_null(), pl.lit("child_id is blank")),
        (pl.col("due_date") < pl.col("anchor_date"),
         pl.format("due {} before {}", pl.col("due_date"), pl.col("anchor_date"))),
        (pl.col("status") == "pending", pl.format("pending for {}", pl.col("child_id"))),
    ]
    expected = frame.select(
        pl.coalesce([pl.when(c).then(r) for c, r in checks]).alias("__reject")
    ).to_series()
    assert first_failure(frame, checks).equals(expected)


@SETTINGS
@given(finding_rows, st.integers(1, 4))
def test_repeats_of_equals_the_first_row_with_the_same_values(rows, width):
    columns = list(SCHEMA)[:width]
    frame = findings(rows).with_columns((pl.col("n") + 2).cast(pl.Int64).alias(ROW))
    first = pl.col(ROW).min().over(columns)
    expected = frame.select(
        pl.when(pl.col(ROW) != first).then(first).alias("repeats")
    ).to_series()
    assert repeats_of(frame, columns).equals(expected)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["x", "", " ", None]), max_size=30), st.integers(0, 5000))
def test_drop_blank_rows_drops_only_the_trailing_blank_rows(cells, trailing):
    values = cells + [None if i % 2 else "  " for i in range(trailing)]
    frame = pl.DataFrame({"a": values, "b": [None] * len(values)}, schema={"a": pl.String, "b": pl.String})
    filled = [i for i, v in enumerate(values) if v is not None and v.strip()]
    expected = frame.head(filled[-1] + 1 if filled else 0)
    assert drop_blank_rows(frame).equals(expected)
