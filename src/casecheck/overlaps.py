"""Episodes and placements that overlap: how the rules count them, and the data-quality notes
that say so.

* **Episodes of one type.** Two episodes of the same type for one child that overlap (the second
  starts before the first has ended, or while it is still open) are one period of involvement
  for the rules: from the first start to the last end (open if any is open), with the team and
  worker of the latest to start. The child is counted once.
* **Placements.** A child is in one placement at a time. A placement that starts while an earlier
  one is still open ends that earlier one, for the rules: the latest start is the current
  placement. Rows with the same ``placement_id`` that follow on (a change of legal status during
  the placement) are one placement.
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
_SPAN = 10_000_000  # more days than from 1970 to OPEN
NOTED = "noted"  # a data-quality action: the row is used, as the reason says


def group_overlaps(frame: pl.DataFrame | pl.LazyFrame, by: list[str], start: str, end: str,
                   follow_on_days: int | None = None) -> pl.DataFrame | pl.LazyFrame:
    """``frame`` sorted by ``by`` and ``start``, the rows that overlap one another grouped.

    A row joins the group before it when it starts before the latest end so far in its ``by``
    group (an open end is later than any date); with ``follow_on_days``, also when it starts up
    to that many days after it (0: on the same day). Adds ``group`` (a number), ``group_start``
    (the first row's start), ``group_end`` (the latest end so far: on the group's last row, the
    group's end; null while open) and ``last`` (the group's last row).

    Written with running totals over the sorted rows rather than window functions or a group-by:
    hundreds of thousands of small groups make those slow.
    """
    sorted_ = frame.sort([*by, start], nulls_last=True, maintain_order=True)
    same_key = pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in by).fill_null(False)
    days = pl.col(end).fill_null(OPEN).cast(pl.Int64)
    # the latest end so far within each key: a running maximum that never reaches back into
    # the key before, each key being lifted above all earlier ones
    lift = (~same_key).cum_sum().cast(pl.Int64) * _SPAN
    marked = sorted_.with_columns(_same=same_key, _reach=(days + lift).cum_max() - lift)
    prev = pl.when(pl.col("_same")).then(pl.col("_reach").shift(1))
    joins = pl.col(start).cast(pl.Int64) < prev
    if follow_on_days is not None:
        joins = pl.col(start).cast(pl.Int64) <= prev + follow_on_days
    opens = ~joins.fill_null(False)
    grouped = marked.with_columns(group=opens.cum_sum().cast(pl.UInt32), _opens=opens)
    reach = pl.col("_reach").cast(pl.Int32).cast(pl.Date)
    return grouped.with_columns(
        group_start=pl.when(pl.col("_opens")).then(pl.col(start)).forward_fill(),
        group_end=pl.when(reach != OPEN).then(reach),
        last=(pl.col("group") != pl.col("group").shift(-1)).fill_null(True),
    ).drop("_same", "_reach", "_opens")


def merged_episodes(episodes: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each child's episodes of one type merged where they overlap: one row per period of
    involvement (child_id, episode_type, start_date, end_date, team, worker_id), with the team
    and worker (allocation date, referral) of the latest to start."""
    grouped = group_overlaps(
        episodes.lazy().select("child_id", "episode_type", "start_date", "end_date", "team", "worker_id",
                               *[c for c in ("allocated_date", "referral_id")
                                 if c in episodes.collect_schema().names()]),
        ["child_id", "episode_type"], "start_date", "end_date",
    )
    return grouped.filter(pl.col("last")).select(
        "child_id", "episode_type", pl.col("group_start").alias("start_date"),
        pl.col("group_end").alias("end_date"), "team", "worker_id",
        *[c for c in ("allocated_date", "referral_id") if c in episodes.collect_schema().names()],
    )


def involvement_periods(episodes: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each child's periods of involvement: episodes of any type that overlap or follow on (the
    next starting by the day after the last ended). Columns: child_id, case_start, case_end
    (null while open)."""
    grouped = group_overlaps(
        episodes.lazy().select("child_id", "start_date", "end_date"),
        ["child_id"], "start_date", "end_date", follow_on_days=1,
    )
    return grouped.filter(pl.col("last")).select(
        "child_id", pl.col("group_start").alias("case_start"), pl.col("group_end").alias("case_end")
    )


def current_placements(placements: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Placements with ``end_date`` cut at the start of the child's next placement when that
    comes first (one placement at a time: the latest start is the current one)."""
    ordered = placements.lazy().sort("child_id", "start_date", "placement_id", "_row", nulls_last=True)
    nxt = pl.when(pl.col("child_id") == pl.col("child_id").shift(-1)).then(pl.col("start_date").shift(-1))
    return ordered.with_columns(
        end_date=pl.when(nxt.is_not_null() & (pl.col("end_date").is_null() | (nxt < pl.col("end_date"))))
        .then(nxt)
        .otherwise(pl.col("end_date"))
    )


def placement_runs(placements: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Placements (as :func:`current_placements` gives them) with the rows of one placement
    joined: rows of a child with the same ``placement_id`` that follow on (the next starts the
    day the one before ends) are one placement, from the first row's start to the last row's
    end, with the last row's type and legal status and the first permanence date recorded. (A
    change of legal status during a placement is a new row of it, as the SSDA903 records it.)"""
    ordered = placements.lazy().sort("child_id", "start_date", nulls_last=True, maintain_order=True)
    same = (pl.col("child_id") == pl.col("child_id").shift(1)) & (
        pl.col("placement_id") == pl.col("placement_id").shift(1)) & (
        pl.col("start_date") == pl.col("end_date").shift(1))
    runs = ordered.with_columns(_run=(~same.fill_null(False)).cum_sum())
    extra = [c for c in placements.collect_schema().names()
             if c not in ("child_id", "placement_id", "start_date", "end_date", "permanence_agreed_date", "_run")]
    return runs.group_by("_run", maintain_order=True).agg(
        pl.col("child_id").first(), pl.col("placement_id").first(), pl.col("start_date").first(),
        pl.col("end_date").last(), pl.col("permanence_agreed_date").drop_nulls().first(),
        *[pl.col(c).last() for c in extra],
    ).drop("_run")


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
    opens = (pl.col("group") != pl.col("group").shift(1)).fill_null(True)  # a group's first row
    later = grouped.with_columns(
        first_row=pl.when(opens).then(pl.col("_row")).forward_fill(), first_start=pl.col("group_start"),
    ).filter(pl.col("_row") != pl.col("first_row")).rechunk().with_columns(_from=_uk("first_start"))
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
            pl.col("first_row"), pl.col("_from"), pl.col("_from"),
        ).alias("reason"),
        pl.lit(NOTED).alias("action"),
    )


def _placement_notes(placements: pl.DataFrame, file: str) -> pl.DataFrame:
    ordered = placements.sort("child_id", "start_date", "placement_id", "_row", nulls_last=True)
    same = pl.col("child_id") == pl.col("child_id").shift(1)
    prev_end = pl.when(same).then(pl.col("end_date").shift(1))
    prev_start = pl.when(same).then(pl.col("start_date").shift(1))
    prev_row = pl.when(same).then(pl.col("_row").shift(1))
    overlapping = ordered.with_columns(prev_start=prev_start, prev_end=prev_end, prev_row=prev_row).filter(
        pl.col("prev_row").is_not_null()
        & (pl.col("prev_end").is_null() | (pl.col("prev_end") > pl.col("start_date")))
    )
    # (in one chunk: Polars 2.1 can crash formatting over columns chunked differently)
    overlapping = overlapping.rechunk().with_columns(_from=_uk("start_date"), _prev=_uk("prev_start"))
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
            pl.col("_from"), pl.col("_prev"), pl.col("prev_row"), pl.col("_from"),
        ).alias("reason"),
        pl.lit(NOTED).alias("action"),
    )
