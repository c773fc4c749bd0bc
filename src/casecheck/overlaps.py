"""Episodes and placements that overlap: how the rules count them, and the data-quality notes
that say so.

* **Episodes of one type.** Two episodes of the same type for one child that overlap (the second
  starts before the first has ended, or while it is still open) are one period of involvement
  for the rules: from the first start to the last end (open if any is open), with the team and
  worker of the latest to start. The child is counted once.
* **Placements.** A child is in one placement at a time. A placement that starts while an earlier
  one is still open ends that earlier one, for the rules: the latest start is the current
  placement.
* **Periods of involvement** (for timescale rules, whose start is a referral, an assessment or a
  meeting rather than an episode): the child's episodes of any type that overlap or follow on,
  the next starting no later than the day after the last one ended, are one period; the case
  closes when the last of them ends.

Each overlap is noted in the data-quality record (``casecheck validate``): the row is used, as
the reason says.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.words import EPISODE_TYPES

#: an open end, for comparing ends (later than any real date)
OPEN = dt.date(9999, 12, 31)
NOTED = "noted"  # a data-quality action: the row is used, as the reason says


def group_overlaps(frame: pl.DataFrame | pl.LazyFrame, by: list[str], start: str, end: str,
                   follow_on_days: int | None = None, name: str = "group") -> pl.DataFrame | pl.LazyFrame:
    """``frame`` sorted by ``by`` and ``start``, with ``name``: a number shared by the rows that
    overlap one another (a row starting before the latest end so far in its ``by`` group; an
    open end is later than any date). With ``follow_on_days``, a row starting up to that many
    days after the latest end so far joins too (0: on the same day)."""
    reach = pl.col(end).fill_null(OPEN)
    sorted_ = frame.sort([*by, start], nulls_last=True, maintain_order=True)
    marked = sorted_.with_columns(_reach=reach.cum_max().over(by))
    prev = pl.col("_reach").shift(1).over(by)
    joins = pl.col(start) < prev
    if follow_on_days is not None:
        joins = pl.col(start) <= (prev.dt.offset_by(f"{follow_on_days}d"))
    return marked.with_columns(
        (~joins.fill_null(False)).cum_sum().cast(pl.UInt32).alias(name)
    ).drop("_reach")


def merged_episodes(episodes: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each child's episodes of one type merged where they overlap: one row per period of
    involvement (child_id, episode_type, start_date, end_date, team, worker_id)."""
    grouped = group_overlaps(
        episodes.lazy().select("child_id", "episode_type", "start_date", "end_date", "team", "worker_id"),
        ["child_id", "episode_type"], "start_date", "end_date",
    )
    return grouped.group_by("group", maintain_order=True).agg(
        pl.col("child_id").first(),
        pl.col("episode_type").first(),
        pl.col("start_date").first(),
        pl.when(pl.col("end_date").is_null().any()).then(None).otherwise(pl.col("end_date").max()).alias("end_date"),
        pl.col("team").last(),
        pl.col("worker_id").last(),
    ).drop("group")


def involvement_periods(episodes: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each child's periods of involvement: episodes of any type that overlap or follow on (the
    next starting by the day after the last ended). Columns: child_id, case_start, case_end
    (null while open)."""
    grouped = group_overlaps(
        episodes.lazy().select("child_id", "start_date", "end_date"),
        ["child_id"], "start_date", "end_date", follow_on_days=1,
    )
    return grouped.group_by("group", maintain_order=True).agg(
        pl.col("child_id").first(),
        pl.col("start_date").first().alias("case_start"),
        pl.when(pl.col("end_date").is_null().any()).then(None).otherwise(pl.col("end_date").max()).alias("case_end"),
    ).drop("group")


def current_placements(placements: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Placements with ``end_date`` cut at the start of the child's next placement when that
    comes first (one placement at a time: the latest start is the current one)."""
    ordered = placements.lazy().sort("child_id", "start_date", "placement_id", "_row", nulls_last=True)
    nxt = pl.col("start_date").shift(-1).over("child_id")
    return ordered.with_columns(
        end_date=pl.when(nxt.is_not_null() & (pl.col("end_date").is_null() | (nxt < pl.col("end_date"))))
        .then(nxt)
        .otherwise(pl.col("end_date"))
    )


def overlap_notes(tables: dict[str, pl.DataFrame], files: dict[str, str]) -> list[pl.DataFrame]:
    """Data-quality notes (issue rows: table, file, row, column, value, reason, action) for
    episodes of one type that overlap and for placements open at the same time."""
    notes = []
    if "episodes" in tables and tables["episodes"].height:
        notes.append(_episode_notes(tables["episodes"], files.get("episodes", "episodes")))
    if "placements" in tables and tables["placements"].height:
        notes.append(_placement_notes(tables["placements"], files.get("placements", "placements")))
    return [n for n in notes if n.height]


def _uk(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%d/%m/%Y")


def _episode_notes(episodes: pl.DataFrame, file: str) -> pl.DataFrame:
    grouped = group_overlaps(episodes, ["child_id", "episode_type"], "start_date", "end_date")
    first = pl.col("_row").first().over("group")
    first_start = pl.col("start_date").first().over("group")
    later = grouped.with_columns(first_row=first, first_start=first_start).filter(pl.col("_row") != pl.col("first_row"))
    return later.select(
        pl.lit("episodes").alias("table"),
        pl.lit(file).alias("file"),
        pl.col("_row").alias("row"),
        pl.lit("start_date").alias("column"),
        pl.concat_str([pl.col("child_id"), pl.col("episode_type"), pl.col("start_date").cast(pl.String)],
                      separator=" | ").alias("value"),
        pl.format(
            "overlaps another {} episode of the same child (row {}, from {}): the two are counted "
            "as one episode from {}",
            pl.col("episode_type").replace_strict(EPISODE_TYPES, default=pl.col("episode_type")),
            pl.col("first_row"), _uk("first_start"), _uk("first_start"),
        ).alias("reason"),
        pl.lit(NOTED).alias("action"),
    )


def _placement_notes(placements: pl.DataFrame, file: str) -> pl.DataFrame:
    ordered = placements.sort("child_id", "start_date", "placement_id", "_row", nulls_last=True)
    prev_end = pl.col("end_date").shift(1).over("child_id")
    prev_start = pl.col("start_date").shift(1).over("child_id")
    prev_row = pl.col("_row").shift(1).over("child_id")
    overlapping = ordered.with_columns(prev_start=prev_start, prev_end=prev_end, prev_row=prev_row).filter(
        pl.col("prev_row").is_not_null()
        & (pl.col("prev_end").is_null() | (pl.col("prev_end") > pl.col("start_date")))
    )
    return overlapping.select(
        pl.lit("placements").alias("table"),
        pl.lit(file).alias("file"),
        pl.col("_row").alias("row"),
        pl.lit("start_date").alias("column"),
        pl.concat_str([pl.col("child_id"), pl.col("placement_id").fill_null(""),
                       pl.col("start_date").cast(pl.String)], separator=" | ").alias("value"),
        pl.format(
            "starts on {} while the placement from {} (row {}) is still open: the later one is "
            "taken as the current placement from {}",
            _uk("start_date"), _uk("prev_start"), pl.col("prev_row"), _uk("start_date"),
        ).alias("reason"),
        pl.lit(NOTED).alias("action"),
    )
