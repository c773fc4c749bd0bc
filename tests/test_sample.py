"""The synthetic data generator (casecheck.sample)."""

from __future__ import annotations

import datetime as dt
import re

import holidays
import numpy as np
import polars as pl
import pytest

from casecheck.sample import TABLE_SCHEMAS, generate_sample, write_sample

AS_AT = dt.date(2025, 3, 31)

TABLES = [
    "children",
    "workers",
    "episodes",
    "placements",
    "visits",
    "supervisions",
    "documents",
    "assessments",
    "meetings",
    "referrals",
    "missing_episodes",
]

#: the date each table is sorted by after child_id
SORT_DATE = {
    "episodes": "start_date",
    "placements": "start_date",
    "visits": "visit_date",
    "supervisions": "supervision_date",
    "documents": "document_date",
    "assessments": "start_date",
    "meetings": "meeting_date",
    "referrals": "received_date",
    "missing_episodes": "start_date",
}

#: (start, end) pairs where the end must not be before the start
INTERVALS = [
    ("episodes", "start_date", "end_date"),
    ("placements", "start_date", "end_date"),
    ("placements", "start_date", "permanence_agreed_date"),
    ("visits", "visit_date", "recorded_date"),
    ("documents", "document_date", "created_date"),
    ("assessments", "start_date", "completed_date"),
    ("assessments", "completed_date", "authorised_date"),
    ("referrals", "received_date", "decision_date"),
    ("missing_episodes", "start_date", "return_date"),
    ("missing_episodes", "return_date", "return_interview_date"),
]

MAIN_TYPES = ["early_help", "child_in_need", "child_protection", "child_in_care", "care_leaver"]

_HOLIDAYS = np.array(
    sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2010, 2027))),
    dtype="datetime64[D]",
)


def working_days_after(start, end) -> np.ndarray:
    """Working days after ``start`` up to and including ``end``."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    return np.busday_count(start + 1, end + 1, holidays=_HOLIDAYS)


@pytest.fixture(scope="module")
def sample() -> dict[str, pl.DataFrame]:
    return generate_sample(children=1500, seed=7, as_at=AS_AT)


def test_deterministic_for_a_seed():
    a = generate_sample(children=200, seed=11, as_at=AS_AT)
    b = generate_sample(children=200, seed=11, as_at=AS_AT)
    assert list(a) == list(b)
    for name in a:
        assert a[name].equals(b[name]), name


def test_different_seeds_differ():
    a = generate_sample(children=200, seed=1, as_at=AS_AT)
    b = generate_sample(children=200, seed=2, as_at=AS_AT)
    assert not a["visits"].equals(b["visits"])
    assert not a["episodes"].equals(b["episodes"])


def test_tables_columns_and_types(sample):
    assert list(sample) == TABLES
    for name in TABLES:
        df = sample[name]
        assert df.schema == pl.Schema(TABLE_SCHEMAS[name]), name
        assert df.height > 0, name
    assert sample["children"].height == 1500


def test_ids_are_padded_strings(sample):
    ids = sample["children"]["child_id"]
    assert ids.is_unique().all()
    assert ids.str.len_chars().n_unique() == 1
    assert ids.str.starts_with("0").all()
    assert sample["workers"]["worker_id"].str.contains(r"^W\d{4,}$").all()
    assert sample["placements"]["placement_id"].is_unique().all()


def test_no_date_after_as_at(sample):
    for name, df in sample.items():
        for col, dtype in df.schema.items():
            if dtype == pl.Date:
                latest = df[col].max()
                assert latest is None or latest <= AS_AT, (name, col, latest)


def test_ends_not_before_starts(sample):
    for name, start, end in INTERVALS:
        df = sample[name]
        bad = df.filter(pl.col(end) < pl.col(start))
        assert bad.height == 0, (name, start, end, bad.head())


def test_every_child_id_exists_in_children(sample):
    children = set(sample["children"]["child_id"])
    for name, df in sample.items():
        if "child_id" in df.columns and name != "children":
            assert set(df["child_id"]) <= children, name
    # every child has at least one episode
    assert set(sample["episodes"]["child_id"]) == children


def test_workers_and_managers(sample):
    workers = sample["workers"]
    ids = set(workers["worker_id"])
    for name in ("episodes", "visits", "supervisions"):
        assert set(sample[name]["worker_id"].drop_nulls()) <= ids, name
    managers = workers.filter(pl.col("role") == "Team Manager")
    practitioners = workers.filter(pl.col("role") != "Team Manager")
    assert set(practitioners["role"]) <= {
        "Social Worker",
        "Early Help Practitioner",
        "Personal Adviser",
    }
    assert set(practitioners["manager"]) <= set(managers["worker_id"])
    assert set(sample["episodes"]["worker_id"]) <= set(practitioners["worker_id"])
    sup = sample["supervisions"].join(
        workers.select("worker_id", "manager"), on="worker_id", how="left"
    )
    assert (sup["supervisor_id"] == sup["manager"]).all()
    assert set(workers["team"]) == {
        "Early Help North",
        "Early Help South",
        "Assessment Team",
        "Safeguarding 1",
        "Safeguarding 2",
        "Children in Our Care",
        "Leaving Care",
        "Disabled Children",
    }


def test_sorted_by_child_then_date(sample):
    for name, col in SORT_DATE.items():
        df = sample[name]
        assert df.select(["child_id", col]).equals(
            df.select(["child_id", col]).sort(["child_id", col])
        ), name


def test_open_episodes_for_each_main_type(sample):
    open_eps = sample["episodes"].filter(pl.col("end_date").is_null())
    counts = dict(open_eps["episode_type"].value_counts().iter_rows())
    for t in MAIN_TYPES:
        assert counts.get(t, 0) > 0, t
    # the mix of open work: roughly 30% EH, 30% CIN, 12% CP, 20% CLA, 8% care leavers
    n_open = open_eps["child_id"].n_unique()
    assert 0.65 < n_open / 1500 < 0.85
    kids_cla = open_eps.filter(pl.col("episode_type") == "child_in_care")["child_id"].n_unique()
    assert 0.13 < kids_cla / n_open < 0.27
    # some children are open to CIN and CP at once
    both = (
        open_eps.group_by("child_id")
        .agg(pl.col("episode_type"))
        .filter(
            pl.col("episode_type").list.contains("child_protection")
            & pl.col("episode_type").list.contains("child_in_need")
        )
    )
    assert both.height > 0
    # closed episodes exist too, and s47 enquiries
    assert sample["episodes"]["end_date"].is_not_null().sum() > 0
    assert (sample["episodes"]["episode_type"] == "s47").sum() > 0


def test_ages_fit_episode_types(sample):
    kids = sample["children"].select("child_id", "date_of_birth")
    eps = sample["episodes"].join(kids, on="child_id")
    assert (eps["start_date"] >= eps["date_of_birth"]).all()
    open_eps = eps.filter(pl.col("end_date").is_null()).with_columns(
        adult=pl.col("date_of_birth").dt.offset_by("18y") <= AS_AT,
        over_25=pl.col("date_of_birth").dt.offset_by("26y") <= AS_AT,
    )
    leavers = open_eps.filter(pl.col("episode_type") == "care_leaver")
    assert leavers["adult"].all() and not leavers["over_25"].any()
    others = open_eps.filter(pl.col("episode_type") != "care_leaver")
    assert not others["adult"].any()
    assert (sample["children"]["date_of_birth"] <= AS_AT).all()


def test_placements_belong_to_care_episodes(sample):
    cla = sample["episodes"].filter(pl.col("episode_type") == "child_in_care")
    pl_ = sample["placements"].join(
        cla.select("child_id", ep_start="start_date", ep_end="end_date"), on="child_id"
    )
    inside = (pl.col("start_date") >= pl.col("ep_start")) & (
        pl.col("ep_end").is_null() | (pl.col("start_date") <= pl.col("ep_end"))
    )
    matched = pl_.filter(inside).select("placement_id").unique()
    assert matched.height == sample["placements"].height


def test_lapses_exist(sample):
    eps, visits, docs = sample["episodes"], sample["visits"], sample["documents"]
    # an open CP plan whose child was last seen more than 10 working days before as_at
    cp_open = eps.filter(
        (pl.col("episode_type") == "child_protection") & pl.col("end_date").is_null()
    )
    seen = visits.filter(pl.col("seen").fill_null(True))
    last = cp_open.join(
        seen.group_by("child_id").agg(last=pl.col("visit_date").max()), on="child_id", how="left"
    ).with_columns(pl.col("last").fill_null(pl.col("start_date")))
    gap = working_days_after(last["last"].to_numpy(), np.full(last.height, AS_AT))
    assert (gap > 10).any()
    assert (gap <= 10).mean() > 0.6  # but mostly compliant
    # children with no genogram
    with_geno = set(docs.filter(pl.col("document_type") == "genogram")["child_id"])
    assert len(with_geno) < sample["children"].height
    assert len(with_geno) > 0.75 * sample["children"].height
    # stale chronologies among children open at as_at
    open_kids = eps.filter(pl.col("end_date").is_null()).select("child_id").unique()
    chron = (
        docs.filter(pl.col("document_type") == "chronology")
        .group_by("child_id")
        .agg(last=pl.col("document_date").max())
    )
    stale = open_kids.join(chron, on="child_id", how="left").filter(
        pl.col("last") < AS_AT - dt.timedelta(days=62)
    )
    assert 0 < stale.height < 0.3 * open_kids.height
    # late visit recording, unseen visits, overdue assessments and late decisions
    assert (visits["seen"] == False).sum() > 0  # noqa: E712
    rec = working_days_after(visits["visit_date"].to_numpy(), visits["recorded_date"].to_numpy())
    assert 0.8 < (rec <= 5).mean() < 1
    assert sample["assessments"]["completed_date"].is_null().any()
    meet = sample["meetings"]["meeting_type"].unique().to_list()
    for m in [
        "strategy_discussion",
        "icpc",
        "core_group",
        "rcpc",
        "cin_review",
        "cla_review",
        "taf",
        "pathway_plan_review",
    ]:
        assert m in meet, m


def test_supervision_types_and_gaps(sample):
    sup = sample["supervisions"]
    assert set(sup["supervision_type"]) == {"allocation", "case", "management_oversight"}
    eps = sample["episodes"].filter(
        pl.col("end_date").is_null()
        & pl.col("episode_type").is_in(["child_protection", "child_in_care"])
    )
    last = eps.join(
        sup.filter(pl.col("supervision_type") != "management_oversight")
        .group_by("child_id")
        .agg(last=pl.col("supervision_date").max()),
        on="child_id",
        how="left",
    )
    late = last.filter(pl.col("last") < AS_AT - dt.timedelta(days=35))
    assert 0 < late.height < 0.4 * last.height


def test_csv_round_trip_keeps_leading_zeros(sample, tmp_path):
    small = generate_sample(children=120, seed=3, as_at=AS_AT)
    paths = write_sample(small, tmp_path / "out", fmt="csv")
    names = {p.name for p in paths}
    assert names == {f"{t}.csv" for t in TABLES} | {"README.txt"}
    for t in TABLES:
        back = pl.read_csv(tmp_path / "out" / f"{t}.csv", infer_schema=False)
        assert back.columns == small[t].columns, t
        assert back.height == small[t].height, t
        if "child_id" in back.columns:
            assert back["child_id"].to_list() == small[t]["child_id"].to_list(), t
    kids = pl.read_csv(tmp_path / "out" / "children.csv", infer_schema=False)
    assert kids["child_id"].str.starts_with("0").all()
    visits = pl.read_csv(tmp_path / "out" / "visits.csv", infer_schema=False)
    assert set(visits["seen"].drop_nulls()) <= {"Y", "N"}
    assert visits["visit_date"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    eps = pl.read_csv(tmp_path / "out" / "episodes.csv", infer_schema=False)
    assert eps["end_date"].is_null().any()  # blanks stay blank
    raw = (tmp_path / "out" / "workers.csv").read_text()
    assert re.search(r"^W\d{4},", raw, re.M)


def test_write_parquet_and_readme(tmp_path):
    small = generate_sample(children=80, seed=9, as_at=AS_AT)
    paths = write_sample(small, tmp_path, fmt="parquet")
    assert all(p.exists() for p in paths)
    for t in TABLES:
        back = pl.read_parquet(tmp_path / f"{t}.parquet")
        assert back.equals(small[t]), t
    readme = (tmp_path / "README.txt").read_text()
    assert "SYNTHETIC" in readme
    assert "no real person" in readme
    assert "seed=9" in readme and "2025-03-31" in readme and "children=80" in readme
    assert "casecheck sample" in readme
    with pytest.raises(ValueError):
        write_sample(small, tmp_path, fmt="xml")


def test_edge_sizes_and_defaults():
    empty = generate_sample(children=0, seed=0, as_at=AS_AT)
    for name, df in empty.items():
        assert df.schema == pl.Schema(TABLE_SCHEMAS[name]), name
    assert empty["children"].height == 0
    one = generate_sample(children=1, seed=0, as_at=AS_AT, years=1)
    assert one["children"].height == 1
    today = generate_sample(children=30, seed=0)
    assert today["visits"]["visit_date"].max() <= dt.date.today()


@pytest.mark.parametrize(
    ("as_at", "years", "seed"),
    [
        (dt.date(2024, 12, 29), 1, 1),  # a Sunday in the Christmas break
        (dt.date(2025, 4, 18), 3, 2),  # Good Friday
        (dt.date(2023, 1, 1), 10, 3),
    ],
)
def test_invariants_hold_for_other_dates_and_histories(as_at, years, seed):
    tables = generate_sample(children=400, seed=seed, as_at=as_at, years=years)
    children = set(tables["children"]["child_id"])
    for name, df in tables.items():
        assert df.schema == pl.Schema(TABLE_SCHEMAS[name]), name
        if "child_id" in df.columns:
            assert set(df["child_id"]) <= children, name
        for col, dtype in df.schema.items():
            if dtype == pl.Date and df.height:
                assert df[col].max() <= as_at, (name, col)
    for name, start, end in INTERVALS:
        assert tables[name].filter(pl.col(end) < pl.col(start)).height == 0, (name, end)
    open_types = set(tables["episodes"].filter(pl.col("end_date").is_null())["episode_type"])
    assert set(MAIN_TYPES) <= open_types
    # `years` of history: every episode was open at some point in the window (an episode that
    # was open in it keeps its whole story, so its start may be earlier)
    window_start = as_at - dt.timedelta(days=round(365.25 * years))
    ends = tables["episodes"]["end_date"].drop_nulls()
    assert ends.min() >= window_start
    closed_only = (
        tables["episodes"]
        .group_by("child_id")
        .agg(pl.col("end_date").is_not_null().all().alias("closed"))
    )
    assert closed_only["closed"].any()
