"""Polars helpers the rule kinds share, knowing nothing of rules: sortedness, repeats, and each
row's own events."""

from __future__ import annotations

import polars as pl


def same_as_previous(*columns: str) -> pl.Expr:
    """True where a row holds the same values in ``columns`` as the row before (nulls equal)."""
    return pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in columns)


def in_order(frame: pl.DataFrame, a: str, b: str) -> bool:
    """Whether rows are already sorted by ``a`` then ``b`` (nulls of ``b`` last; ``a`` has none).

    One pass of comparisons with the previous row: several times cheaper than a sort, and rows
    that come from a source sorted by child and date (as most extracts are) need no sort.
    """
    if frame.height < 2:
        return True
    x, y = pl.col(a), pl.col(b)
    step = (x.shift(1) < x) | (x.eq_missing(x.shift(1)) & (y.shift(1).le(y) | y.is_null()))
    return bool(frame.select(step.fill_null(False).slice(1).all() & x.null_count().eq(0)).item())


def per_row(rows: pl.DataFrame, events: pl.DataFrame, when: pl.Expr, *aggs: pl.Expr) -> pl.DataFrame:
    """``rows`` with ``aggs`` over each row's own qualifying events: its child's events for which
    ``when`` holds (``when`` compares the event's ``date`` with the row's columns, such as
    ``anchor`` and ``end``). A row with no such event gets nulls."""
    columns = dict.fromkeys(["key", "child_id", *(c for c in when.meta.root_names() if c != "date")])
    found = (
        rows.lazy()
        .select(list(columns))
        .join(events.lazy(), on="child_id")
        .filter(when)
        .group_by("key")
        .agg(*aggs)
        .collect()
    )
    return rows.join(found, on="key", how="left")


def aligned(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column in one chunk when its columns' chunks differ (after a concat
    and a filter). Polars 2.1 can crash formatting text (``pl.format``) over such a frame."""
    return frame.rechunk() if len(set(frame.n_chunks("all"))) > 1 else frame
