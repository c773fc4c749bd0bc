"""Six redcar-cleveland rules as an analyst would write them in pandas: the do-it-yourself baseline.

    python benchmarks/pandas_six_rules.py DATA [--as-at 2025-03-31] [--period month|all]
        [--findings OUT.parquet]

Same rules, same verdicts and same output as ``duckdb_six_rules.py`` (see its docstring for the
rules, the episodes they count and ``--period``). Written the way a BI analyst typically writes a
compliance script: read each table into a DataFrame, merge overlapping episodes with a
``groupby().cummax()``, ``merge`` episodes with the latest event per child from a ``groupby``,
find each assessment's period of involvement with ``merge_asof``, add working days with
``np.busday_offset`` and England's bank holidays, and decide each case's verdict with a row-wise
``apply``. Nothing here is deliberately slow; nothing is tuned either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import (
    AS_AT,
    PERIODS,
    SIX_RULES,
    bank_holidays,
    file_format,
    period_start,
    print_counts,
    table_files,
)

DATE_COLUMNS = {
    "children": ["date_of_birth"],
    "episodes": ["start_date", "end_date"],
    "visits": ["visit_date", "recorded_date"],
    "supervisions": ["supervision_date"],
    "documents": ["document_date", "created_date"],
    "assessments": ["start_date", "completed_date", "authorised_date"],
}
SIX_TYPES = ["early_help", "child_in_need", "child_protection", "child_in_care",
             "disabled_children", "private_fostering"]
HOLIDAYS = np.array(bank_holidays(), dtype="datetime64[D]")
OPEN = pd.Timestamp("2200-01-01")  # an open end, later than any real one


def read_table(files: dict[str, Path], name: str) -> pd.DataFrame:
    path = files[name]
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    else:
        df = pd.read_parquet(path)
    for col in DATE_COLUMNS.get(name, []):
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d" if path.suffix == ".csv" else None)
    return df


def add_working_days(dates: pd.Series, n: int) -> pd.Series:
    """The n-th working day after each date (the date itself is day 0); NaT stays NaT."""
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[s]")
    known = dates.notna()
    days = dates[known].to_numpy(dtype="datetime64[D]")
    out[known] = np.busday_offset(days, n, roll="backward", holidays=HOLIDAYS).astype("datetime64[s]")
    return out


def latest_per_child(events: pd.DataFrame, date_col: str) -> pd.DataFrame:
    return events.groupby("child_id", as_index=False)[date_col].max().rename(columns={date_col: "latest"})


def merge_overlaps(df: pd.DataFrame, keys: list[str], follow_on_days: int | None = None) -> pd.DataFrame:
    """Rows of one ``keys`` group that overlap made one: from the first start to the latest end
    (NaT while any is open). A row joins those before it when it starts before the latest end so
    far (with ``follow_on_days``, also up to that many days after it)."""
    df = df.sort_values([*keys, "start_date"], kind="stable")
    reach = df["end_date"].fillna(OPEN).groupby([df[k] for k in keys]).cummax()
    before = reach.groupby([df[k] for k in keys]).shift(1)
    if follow_on_days is None:
        joins = df["start_date"] < before
    else:
        joins = df["start_date"] <= before + pd.Timedelta(days=follow_on_days)
    group = (~joins.fillna(False)).cumsum()
    out = df.assign(_end=df["end_date"].fillna(OPEN)).groupby(group).agg(
        **{k: (k, "first") for k in keys}, start_date=("start_date", "min"), end_date=("_end", "max"))
    out.loc[out["end_date"] == OPEN, "end_date"] = pd.NaT
    return out.reset_index(drop=True)


def schedule_status(row, as_at) -> str:
    """Point in time: due (never before the first due date) is past: not met; the latest counted
    event still in date: met; else the first period still runs: pending."""
    if row["due"] < as_at:
        return "not_met"
    if pd.notna(row["in_date_until"]) and row["in_date_until"] >= as_at:
        return "met"
    return "pending"


def run(data: Path, as_at_date: dt.date, findings: Path | None = None,
        since_date: dt.date | None = None) -> dict[str, dict[str, int]]:
    """The verdict counts per rule; ``since_date``: the reporting period's first day for the
    timescale rule (None: all history)."""
    as_at = pd.Timestamp(as_at_date)
    since = pd.Timestamp(since_date) if since_date else None
    files = table_files(data)
    children = read_table(files, "children")
    episodes = read_table(files, "episodes")
    visits = read_table(files, "visits")
    supervisions = read_table(files, "supervisions")
    documents = read_table(files, "documents")
    assessments = read_table(files, "assessments")

    # the rows casecheck would set aside and that could change these verdicts
    episodes = episodes[["child_id", "episode_type", "start_date", "end_date"]].drop_duplicates()
    episodes = episodes[episodes["child_id"].isin(children["child_id"]) & (episodes["start_date"] <= as_at)]
    episodes = episodes[episodes["end_date"].isna() | (episodes["end_date"] >= episodes["start_date"])]
    assessments = assessments.drop_duplicates()
    assessments = assessments[assessments["child_id"].isin(children["child_id"])
                              & (assessments["start_date"] <= as_at)]
    assessments = assessments[
        assessments["completed_date"].isna() | (assessments["completed_date"] >= assessments["start_date"])
    ]

    # episodes of one type that overlap are one; those open at the audit date
    merged = merge_overlaps(episodes, ["child_id", "episode_type"])
    open_ep = merged[merged["end_date"].isna() | (merged["end_date"] > as_at)][
        ["child_id", "episode_type", "start_date"]].rename(columns={"start_date": "anchor"})

    # qualifying visits: seen (blank counts as seen), statutory (blank counts as statutory)
    seen = visits["seen"]
    if not pd.api.types.is_bool_dtype(seen):  # CSV: Y / N / blank
        seen = seen.map({"Y": True, "N": False})
    vtype = visits["visit_type"]
    ok = (
        (visits["visit_date"] <= as_at)
        & (seen.isna() | (seen == True))  # noqa: E712 - nullable flags
        & (vtype.isna() | vtype.fillna("").str.startswith("statutory"))
        & (visits["recorded_date"].isna() | (visits["recorded_date"] >= visits["visit_date"]))
    )
    last_visit = latest_per_child(visits[ok], "visit_date")
    last_sup = latest_per_child(supervisions[supervisions["supervision_date"] <= as_at], "supervision_date")

    results = []

    def since_anchor(df: pd.DataFrame) -> pd.Series:
        """The latest event, when it is on or after the anchor (frequency rules count no other)."""
        return df["latest"].where(df["latest"] >= df["anchor"])

    # visits-cp: first within 48h (2 calendar days), then every 10 working days
    cp = open_ep[open_ep["episode_type"] == "child_protection"].merge(last_visit, on="child_id", how="left")
    cp["in_date_until"] = add_working_days(since_anchor(cp), 10)
    cp["due"] = np.maximum(cp["anchor"] + pd.Timedelta(days=2), cp["in_date_until"].fillna(cp["anchor"]))
    cp["status"] = cp.apply(schedule_status, axis=1, as_at=as_at)
    results.append(cp.assign(rule_id="visits-cp"))

    # visits-cin: child in need or disabled children; one finding per child (the earliest-starting
    # open episode); not while a CP or in-care episode is open; every 20 working days, the first 20
    # working days after the start; a due date that fell while such a spell (since ended) was
    # open waits until it ended
    spells = merge_overlaps(episodes[episodes["episode_type"].isin(["child_protection", "child_in_care"])],
                            ["child_id"])
    blocked = spells.loc[spells["end_date"].isna() | (spells["end_date"] > as_at), "child_id"]
    cin = (
        open_ep[open_ep["episode_type"].isin(["child_in_need", "disabled_children"])
                & ~open_ep["child_id"].isin(blocked)]
        .sort_values(["child_id", "anchor", "episode_type"])
        .drop_duplicates("child_id")
    )
    ended = cin[["child_id", "anchor"]].merge(spells, on="child_id")
    ended = ended[(ended["end_date"] <= as_at) & (ended["end_date"] > ended["anchor"])]
    ended = ended.sort_values("end_date").drop_duplicates("child_id", keep="last")
    cin = cin.merge(ended[["child_id", "start_date", "end_date"]].rename(
        columns={"start_date": "excl_start", "end_date": "excl_end"}), on="child_id", how="left")
    cin = cin.merge(last_visit, on="child_id", how="left")
    cin["in_date_until"] = add_working_days(since_anchor(cin), 20)
    cin["due"] = np.maximum(add_working_days(cin["anchor"], 20), cin["in_date_until"].fillna(cin["anchor"]))
    waits = (cin["due"] >= cin["excl_start"]) & (cin["due"] < cin["excl_end"])
    cin.loc[waits, "due"] = cin.loc[waits, "excl_end"]
    cin["status"] = cin.apply(schedule_status, axis=1, as_at=as_at)
    results.append(cin.assign(rule_id="visits-cin"))

    # supervision-cp: any supervision, every 4 weeks, the first 4 weeks after the start
    sup = open_ep[open_ep["episode_type"] == "child_protection"].merge(last_sup, on="child_id", how="left")
    sup["in_date_until"] = since_anchor(sup) + pd.Timedelta(weeks=4)
    sup["due"] = sup["in_date_until"].fillna(sup["anchor"] + pd.Timedelta(weeks=4))
    sup["status"] = sup.apply(schedule_status, axis=1, as_at=as_at)
    results.append(sup.assign(rule_id="supervision-cp"))

    six = open_ep[open_ep["episode_type"].isin(SIX_TYPES)]
    docs = documents[documents["document_date"] <= as_at]

    # chronology-updated (recency): one finding per child, through the child's earliest-starting
    # open episode (casecheck's per = "child" default); the latest chronology, whenever it was,
    # + 1 month, but never due before the start + 45 working days
    chron = six.sort_values(["child_id", "anchor", "episode_type"]).drop_duplicates("child_id")
    chron = chron.merge(latest_per_child(docs[docs["document_type"] == "chronology"], "document_date"),
                        on="child_id", how="left")
    chron["first_due"] = add_working_days(chron["anchor"], 45)

    chron["in_date_until"] = chron["latest"] + pd.DateOffset(months=1)
    chron["due"] = chron[["first_due", "in_date_until"]].max(axis=1)
    chron["status"] = chron.apply(schedule_status, axis=1, as_at=as_at)
    results.append(chron.assign(rule_id="chronology-updated"))

    # genogram-present (presence): anchored on the first assessment completed in the open
    # episode's period of involvement (episodes of any type that overlap or follow on; an episode
    # with none yet is not in scope) and due that day; one finding per child, through the
    # earliest such anchor; met by any genogram on file at the audit date
    cases = merge_overlaps(episodes, ["child_id"], follow_on_days=1).rename(
        columns={"start_date": "case_start", "end_date": "case_end"})
    completions = assessments.loc[assessments["completed_date"] <= as_at, ["child_id", "completed_date"]]
    in_case = pd.merge_asof(six.sort_values("anchor"), cases[["child_id", "case_start"]].sort_values("case_start"),
                            left_on="anchor", right_on="case_start", by="child_id", direction="backward")
    geno = in_case.merge(completions, on="child_id")
    geno = geno[geno["completed_date"] >= geno["case_start"]].drop(columns="case_start")
    geno = geno.groupby(["child_id", "episode_type", "anchor"], as_index=False)["completed_date"].min()
    geno = (geno.sort_values(["child_id", "completed_date", "episode_type", "anchor"])
            .drop_duplicates("child_id")
            .drop(columns="anchor").rename(columns={"completed_date": "anchor"}))
    geno["due"] = geno["anchor"]
    with_genogram = set(docs.loc[docs["document_type"] == "genogram", "child_id"])

    def genogram_status(row):
        if row["child_id"] in with_genogram:
            return "met"
        return "pending" if row["due"] >= as_at else "not_met"

    geno["status"] = geno.apply(genogram_status, axis=1)
    results.append(geno.assign(rule_id="genogram-present"))

    # assessment-completion (timescale): completed within 45 working days of the start. The
    # assessment belongs to the period of involvement (episodes of any type that overlap or
    # follow on) open on its start day; when that closed before the due date, an assessment not
    # done on time leaves the rule's scope. Counted in the period in which it was decided.
    asmt = pd.merge_asof(
        assessments.sort_values("start_date"), cases.sort_values("case_start"),
        left_on="start_date", right_on="case_start", by="child_id", direction="backward",
    )
    asmt["closed"] = asmt["case_end"].where((asmt["case_end"] > asmt["start_date"]) & (asmt["case_end"] <= as_at))
    asmt["anchor"] = asmt["start_date"]
    asmt["due"] = add_working_days(asmt["start_date"], 45)
    asmt["done"] = asmt["completed_date"].where(asmt["completed_date"] <= as_at)

    def timescale_status(row):
        if pd.notna(row["done"]) and row["done"] <= row["due"]:
            return "met"
        if pd.notna(row["closed"]) and row["due"] >= row["closed"]:
            return "closed_before_due"
        if pd.notna(row["done"]):
            return "not_met"
        return "pending" if row["due"] >= as_at else "not_met"

    asmt["status"] = asmt.apply(timescale_status, axis=1)
    asmt = asmt[asmt["status"] != "closed_before_due"]
    if since is not None:  # decided in the period: met the day it was done, not met the day after
        # the due date (or, either, started in it); pending in any period
        decided = asmt["status"].eq("pending") | (asmt["start_date"] >= since) | np.where(
            asmt["status"] == "met", asmt["done"] >= since, asmt["due"] >= since - pd.Timedelta(days=1))
        asmt = asmt[decided]
    results.append(asmt.assign(rule_id="assessment-completion"))

    verdicts = pd.concat(
        [r[["rule_id", "child_id", "anchor", "due", "status"]] for r in results], ignore_index=True
    ).rename(columns={"anchor": "anchor_date", "due": "due_date"})
    if findings is not None:
        out = verdicts.copy()
        for col in ("anchor_date", "due_date"):
            out[col] = pd.to_datetime(out[col]).dt.date
        out.to_parquet(findings, index=False)
    table = verdicts.groupby(["rule_id", "status"]).size()
    counts: dict[str, dict[str, int]] = {r: {} for r in SIX_RULES}
    for (rule, status), n in table.items():
        counts[rule][status] = int(n)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--as-at", type=dt.date.fromisoformat, default=AS_AT)
    ap.add_argument("--findings", type=Path, help="also write the row-level verdicts (Parquet)")
    ap.add_argument("--period", choices=PERIODS, default="month",
                    help="reporting period of the timescale rule, as casecheck's --period (default month)")
    args = ap.parse_args()
    if file_format(args.data) not in ("csv", "parquet"):
        raise SystemExit("DATA must hold CSV or Parquet files")
    started = time.perf_counter()
    counts = run(args.data, args.as_at, args.findings, period_start(args.as_at, args.period))
    print_counts(counts, time.perf_counter() - started, "pandas")


if __name__ == "__main__":
    main()
