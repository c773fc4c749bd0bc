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
    "family_contacts",
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
    "family_contacts": "contact_date",
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
    ("episodes", "start_date", "allocated_date"),
    ("episodes", "allocated_date", "end_date"),
    ("meetings", "meeting_date", "plan_sent_date"),
    ("meetings", "meeting_date", "recommendations_date"),
    ("meetings", "meeting_date", "record_date"),
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
    for name in ("episodes", "visits", "supervisions", "family_contacts"):
        assert set(sample[name]["worker_id"].drop_nulls()) <= ids, name
    managers = workers.filter(pl.col("role") == "Team Manager")
    practitioners = workers.filter(pl.col("role") != "Team Manager")
    assert set(practitioners["role"]) <= {
        "Social Worker",
        "Early Help Practitioner",
        "Personal Adviser",
        "Independent Reviewing Officer",
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
        "Independent Reviewing",
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
    placed = ["child_in_care", "short_breaks", "adoption"]
    cla = sample["episodes"].filter(pl.col("episode_type").is_in(placed))
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
        "family_network",
        "care_team",
        "key_review",
    ]:
        assert m in meet, m


def test_supervision_types_and_gaps(sample):
    sup = sample["supervisions"]
    assert set(sup["supervision_type"]) == {
        "allocation",
        "case",
        "management_oversight",
        "joint",
        "service_manager_review",
    }
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


# --------------------------------------------------------------------------------------------
# issue 13: every cohort and event a shipped rule needs, with lapses


def _open(tables, episode_type: str) -> pl.DataFrame:
    eps = tables["episodes"]
    return eps.filter(pl.col("end_date").is_null() & (pl.col("episode_type") == episode_type))


def _current_care_placements(tables) -> pl.DataFrame:
    in_care = _open(tables, "child_in_care").select("child_id")
    return tables["placements"].filter(pl.col("end_date").is_null()).join(in_care, on="child_id")


NEW_DOCUMENTS = ["health_assessment", "dental_check", "permanence_plan", "closure_letter",
                 "life_story", "preparing_for_adulthood"]  # fmt: skip
NEW_MEETINGS = ["strategy_discussion", "family_network", "taf", "care_team", "key_review"]
SENT_COLUMNS = ["plan_sent_date", "recommendations_date", "record_date"]
CONTACT_ROLES = ["social_worker", "early_help_practitioner", "iro", "personal_adviser"]


def _rows(tables, table: str, col: str, value: str | None) -> int:
    """Rows of ``table`` whose ``col`` is ``value`` (or, with None, is filled in)."""
    c = tables[table][col]
    return int(c.is_not_null().sum() if value is None else (c == value).sum())


#: (what, how many children or rows of it a sample holds): a function of the tables, or
#: (table, column, value) counted by _rows
COVERAGE = {
    "open disabled_children": lambda t: _open(t, "disabled_children")["child_id"].n_unique(),
    "disabled children also child in need": lambda t: _open(t, "disabled_children")
    .join(_open(t, "child_in_need"), on="child_id")
    .height,
    "open private_fostering": lambda t: _open(t, "private_fostering").height,
    "private fostering without a CIN plan": lambda t: _open(t, "private_fostering")
    .join(_open(t, "child_in_need"), on="child_id", how="anti")
    .height,
    "open short_breaks": lambda t: _open(t, "short_breaks").height,
    "open adoption": lambda t: _open(t, "adoption").height,
    "short-break placements V3/V4": lambda t: t["placements"]
    .filter(pl.col("legal_status").is_in(["V3", "V4"]) & pl.col("end_date").is_null())
    .height,
    "placed at home under a care order (P1 + C2)": lambda t: _current_care_placements(t)
    .filter((pl.col("placement_type") == "P1") & (pl.col("legal_status") == "C2"))
    .height,
    "placed at home under an interim care order (P1 + C1)": lambda t: _current_care_placements(t)
    .filter((pl.col("placement_type") == "P1") & (pl.col("legal_status") == "C1"))
    .height,
    "temporarily approved connected carers (U3)": lambda t: _current_care_placements(t)
    .filter(pl.col("placement_type") == "U3")
    .height,
    "permanence agreed on the current placement": lambda t: _current_care_placements(t)
    .filter(pl.col("permanence_agreed_date").is_not_null())
    .height,
    "permanence agreed only on an earlier placement": lambda t: t["placements"]
    .filter(pl.col("end_date").is_not_null() & pl.col("permanence_agreed_date").is_not_null())
    .join(
        _current_care_placements(t).filter(pl.col("permanence_agreed_date").is_null()),
        on="child_id",
    )["child_id"]
    .n_unique(),
    "unannounced visits": lambda t: t["visits"].filter(pl.col("unannounced")).height,
    "bedroom seen in short breaks": lambda t: t["visits"]
    .join(_open(t, "short_breaks").select("child_id"), on="child_id")
    .filter(pl.col("bedroom_seen"))
    .height,
    "allocated after the start": lambda t: t["episodes"]
    .filter(pl.col("allocated_date") > pl.col("start_date"))
    .height,
    "enquiries linked to a referral": lambda t: t["episodes"]
    .filter((pl.col("episode_type") == "s47") & pl.col("referral_id").is_not_null())
    .height,
    **{f"document {d}": ("documents", "document_type", d) for d in NEW_DOCUMENTS},
    **{f"meeting {m}": ("meetings", "meeting_type", m) for m in NEW_MEETINGS},
    **{f"meetings.{c}": ("meetings", c, None) for c in SENT_COLUMNS},
    **{f"family contacts by {b}": ("family_contacts", "contact_by", b) for b in CONTACT_ROLES},
    "early help assessments": ("assessments", "assessment_type", "early_help"),
    "management oversight": ("supervisions", "supervision_type", "management_oversight"),
}


def _coverage(tables, what: str) -> int:
    how = COVERAGE[what]
    return _rows(tables, *how) if isinstance(how, tuple) else how(tables)


@pytest.mark.parametrize("what", list(COVERAGE))
def test_every_cohort_and_event_a_rule_needs(sample, what):
    assert _coverage(sample, what) >= 3, what


@pytest.mark.parametrize("what", list(COVERAGE))
def test_the_bundled_sample_has_every_cohort_and_event(bundled, what):
    assert _coverage(bundled, what) >= 1, what


@pytest.fixture(scope="module")
def bundled() -> dict[str, pl.DataFrame]:
    """sample_data/, as made by `make sample-data`."""
    return generate_sample(children=300, seed=42, as_at=AS_AT, years=3)


def test_sample_data_is_what_make_sample_data_makes(bundled, tmp_path):
    from conftest import SAMPLE

    write_sample(bundled, tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in SAMPLE.iterdir())
    for name in made:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_codes_are_the_contracts(sample):
    from casecheck.sample.tables import (
        CONTACT_BY,
        CONTACT_TYPES,
        DOCUMENT_TYPES,
        LEGAL_STATUSES,
        MEETING_TYPES,
        PLACEMENT_TYPES,
    )

    def values(table, col):
        return set(sample[table][col].drop_nulls())

    assert values("placements", "legal_status") <= set(LEGAL_STATUSES)
    assert values("placements", "placement_type") <= set(PLACEMENT_TYPES)
    assert values("documents", "document_type") == set(DOCUMENT_TYPES)
    assert values("meetings", "meeting_type") == set(MEETING_TYPES)
    assert values("family_contacts", "contact_type") == set(CONTACT_TYPES)
    assert values("family_contacts", "contact_by") <= set(CONTACT_BY)
    assert sample["family_contacts"]["worker_id"].null_count() == 0
    # the sent dates belong to the meetings that have them
    sent = sample["meetings"].filter(
        pl.any_horizontal(pl.col("plan_sent_date", "recommendations_date", "record_date").is_not_null())
    )
    assert set(sent["meeting_type"]) == {"icpc", "rcpc", "cin_review", "cla_review"}


def test_referral_ids_link_episodes_to_referrals(sample):
    refs = sample["referrals"]
    assert refs["referral_id"].is_unique().all()
    assert refs["referral_id"].str.contains(r"^RF\d{7}$").all()
    eps = sample["episodes"].filter(pl.col("referral_id").is_not_null())
    linked = eps.join(refs, on="referral_id", how="left", suffix="_ref")
    assert linked["received_date"].null_count() == 0  # every id is a referral in the extract
    assert (linked["child_id"] == linked["child_id_ref"]).all()
    assert (linked["received_date"] <= linked["start_date"]).all()
    # every enquiry has its referral, and a CP plan shares its enquiry's
    s47 = sample["episodes"].filter(pl.col("episode_type") == "s47")
    assert s47["referral_id"].null_count() == 0
    cp = sample["episodes"].filter(pl.col("episode_type") == "child_protection")
    assert set(cp["referral_id"].drop_nulls()) <= set(s47["referral_id"])


def _wd(start: pl.Series, end: pl.Series) -> np.ndarray:
    """Working days from start to end; a large number where either is blank (never done)."""
    blank = (start.is_null() | end.is_null()).to_numpy()
    far = dt.date(2100, 1, 1)
    days = working_days_after(start.fill_null(far).to_numpy(), end.fill_null(far).to_numpy())
    return np.where(blank, 10**6, days)


def _share(ok: pl.Series | np.ndarray) -> float:
    ok = np.asarray(ok)
    assert len(ok) > 20 and not ok.all(), "needs cases, and some lapses"
    return float(ok.mean())


#: hand-checkable standards on the new data, each mostly but not always met
RATES = {
    # a strategy discussion within 2 working days of the referral behind the enquiry
    "strategy discussion": lambda t: _wd(
        *t["episodes"]
        .filter(pl.col("episode_type") == "s47")
        .join(t["referrals"], on=["child_id", "referral_id"])
        .select("received_date", "start_date")
    )
    <= 2,
    # the CP plan sent within one working day of a conference
    "CP plan sent": lambda t: (
        lambda m: (_wd(m["meeting_date"], m["plan_sent_date"]) <= 1) & m["plan_sent_date"].is_not_null().to_numpy()
    )(t["meetings"].filter(pl.col("meeting_type").is_in(["icpc", "rcpc"]) & (pl.col("meeting_date") < AS_AT - dt.timedelta(days=14)))),
    # a child in care review's recommendations within 5 working days
    "review recommendations": lambda t: (
        lambda m: (_wd(m["meeting_date"], m["recommendations_date"]) <= 5) & m["recommendations_date"].is_not_null().to_numpy()
    )(t["meetings"].filter((pl.col("meeting_type") == "cla_review") & (pl.col("meeting_date") < AS_AT - dt.timedelta(days=30)))),
    # early help: the family contacted within 5 working days of allocation
    "early help first contact": lambda t: (
        lambda j: (_wd(j["allocated_date"], j["first"]) <= 5) & j["first"].is_not_null().to_numpy()
    )(
        t["episodes"]
        .filter((pl.col("episode_type") == "early_help") & (pl.col("start_date") < AS_AT - dt.timedelta(days=30)))
        .join(
            t["family_contacts"].filter(pl.col("contact_by") == "early_help_practitioner"),
            on="child_id",
            how="left",
        )
        .filter(pl.col("contact_date").is_null() | (pl.col("contact_date") >= pl.col("allocated_date")))
        .group_by("child_id", "allocated_date", maintain_order=True)
        .agg(first=pl.col("contact_date").min())
    ),
    # a family network meeting between the strategy discussion and the initial conference
    "family network before ICPC": lambda t: (
        lambda j: j["n"].to_numpy() > 0
    )(
        t["episodes"]
        .filter(pl.col("episode_type") == "child_protection")
        .join(t["meetings"].filter(pl.col("meeting_type") == "strategy_discussion"), on="child_id")
        .filter(pl.col("meeting_date") < pl.col("start_date"))
        .group_by("child_id", "start_date")
        .agg(strategy=pl.col("meeting_date").max())
        .join(t["meetings"].filter(pl.col("meeting_type") == "family_network"), on="child_id", how="left")
        .group_by("child_id", "start_date", "strategy")
        .agg(n=((pl.col("meeting_date") >= pl.col("strategy")) & (pl.col("meeting_date") < pl.col("start_date"))).sum())
    ),
    # a TAF meeting 2-3 weeks before early help closes
    "TAF before closure": lambda t: (
        lambda j: j["n"].to_numpy() > 0
    )(
        t["episodes"]
        .filter((pl.col("episode_type") == "early_help") & pl.col("end_date").is_not_null())
        .join(t["meetings"].filter(pl.col("meeting_type") == "taf"), on="child_id", how="left")
        .group_by("child_id", "end_date")
        .agg(n=((pl.col("end_date") - pl.col("meeting_date")).dt.total_days().is_between(14, 21)).sum())
    ),
    # a health assessment within 20 working days of coming into care
    "initial health assessment": lambda t: (
        lambda j: (_wd(j["start_date"], j["first"]) <= 20) & j["first"].is_not_null().to_numpy()
    )(
        t["episodes"]
        .filter((pl.col("episode_type") == "child_in_care") & (pl.col("start_date") < AS_AT - dt.timedelta(days=60)))
        .join(t["documents"].filter(pl.col("document_type") == "health_assessment"), on="child_id", how="left")
        .filter(pl.col("document_date").is_null() | (pl.col("document_date") >= pl.col("start_date")))
        .group_by("child_id", "start_date", maintain_order=True)
        .agg(first=pl.col("document_date").min())
    ),
    # an independent reviewing officer's contact in the last six months (children in care a year)
    "IRO contact": lambda t: (
        lambda j: j["last"].is_not_null().to_numpy() & (j["last"] >= AS_AT - dt.timedelta(days=183)).fill_null(False).to_numpy()
    )(
        _open(t, "child_in_care")
        .filter(pl.col("start_date") < AS_AT - dt.timedelta(days=365))
        .join(t["family_contacts"].filter(pl.col("contact_by") == "iro"), on="child_id", how="left")
        .group_by("child_id")
        .agg(last=pl.col("contact_date").max())
    ),
}


@pytest.mark.parametrize("what", list(RATES))
def test_new_standards_are_mostly_met_with_lapses(sample, what):
    assert 0.75 <= _share(RATES[what](sample)) <= 0.98, what
