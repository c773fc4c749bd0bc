"""Six redcar-cleveland rules as an analyst would write them in pandas: the do-it-yourself baseline.

    python benchmarks/pandas_six_rules.py DATA [--as-at 2025-03-31] [--findings OUT.parquet]

Same rules, same verdicts and same output as ``duckdb_six_rules.py`` (see its docstring for the
rules). Written the way a BI analyst typically writes a compliance script: read each table into
a DataFrame, ``merge`` episodes with the latest event per child from a ``groupby``, add working
days with ``np.busday_offset`` and England's bank holidays, and decide each case's verdict with
a row-wise ``apply``. Nothing here is deliberately slow; nothing is tuned either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import AS_AT, SIX_RULES, bank_holidays, file_format, print_counts, table_files

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
    """The n-th working day after each date (the date itself is day 0)."""
    days = dates.to_numpy(dtype="datetime64[D]")
    out = np.busday_offset(days, n, roll="backward", holidays=HOLIDAYS)
    return pd.Series(out, index=dates.index).astype("datetime64[s]")


def latest_per_child(events: pd.DataFrame, date_col: str) -> pd.DataFrame:
    return events.groupby("child_id", as_index=False)[date_col].max().rename(columns={date_col: "latest"})


def frequency_status(row, as_at) -> str:
    if row["due"] >= as_at:
        return "met" if row["since_anchor"] else "pending"
    return "not_met"


def run(data: Path, as_at_date: dt.date, findings: Path | None = None) -> dict[str, dict[str, int]]:
    as_at = pd.Timestamp(as_at_date)
    files = table_files(data)
    children = read_table(files, "children")
    episodes = read_table(files, "episodes")
    visits = read_table(files, "visits")
    supervisions = read_table(files, "supervisions")
    documents = read_table(files, "documents")
    assessments = read_table(files, "assessments")

    # the rows casecheck would set aside and that could change these verdicts
    episodes = episodes.drop_duplicates()
    episodes = episodes[episodes["child_id"].isin(children["child_id"])]
    episodes = episodes[episodes["end_date"].isna() | (episodes["end_date"] >= episodes["start_date"])]
    assessments = assessments.drop_duplicates()
    assessments = assessments[assessments["child_id"].isin(children["child_id"])]
    assessments = assessments[
        assessments["completed_date"].isna() | (assessments["completed_date"] >= assessments["start_date"])
    ]

    open_ep = episodes[
        (episodes["start_date"] <= as_at) & (episodes["end_date"].isna() | (episodes["end_date"] > as_at))
    ][["child_id", "episode_type", "start_date"]].rename(columns={"start_date": "anchor"})

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

    # visits-cp: first within 48h (2 calendar days), then every 10 working days
    cp = open_ep[open_ep["episode_type"] == "child_protection"].merge(last_visit, on="child_id", how="left")
    cp["since_anchor"] = cp["latest"].notna() & (cp["latest"] >= cp["anchor"])
    cp["due"] = cp["anchor"] + pd.Timedelta(days=2)
    cp.loc[cp["since_anchor"], "due"] = add_working_days(cp.loc[cp["since_anchor"], "latest"], 10)
    cp["status"] = cp.apply(frequency_status, axis=1, as_at=as_at)
    results.append(cp.assign(rule_id="visits-cp"))

    # visits-cin: every 20 working days; not for children also open to CP or in care
    stricter = open_ep[open_ep["episode_type"].isin(["child_protection", "child_in_care"])]["child_id"]
    cin = open_ep[(open_ep["episode_type"] == "child_in_need") & ~open_ep["child_id"].isin(stricter)]
    cin = cin.merge(last_visit, on="child_id", how="left")
    cin["since_anchor"] = cin["latest"].notna() & (cin["latest"] >= cin["anchor"])
    cin["due"] = add_working_days(cin["latest"].where(cin["since_anchor"], cin["anchor"]), 20)
    cin["status"] = cin.apply(frequency_status, axis=1, as_at=as_at)
    results.append(cin.assign(rule_id="visits-cin"))

    # supervision-cp: every 4 weeks
    sup = open_ep[open_ep["episode_type"] == "child_protection"].merge(last_sup, on="child_id", how="left")
    sup["since_anchor"] = sup["latest"].notna() & (sup["latest"] >= sup["anchor"])
    sup["due"] = sup["latest"].where(sup["since_anchor"], sup["anchor"]) + pd.Timedelta(weeks=4)
    sup["status"] = sup.apply(frequency_status, axis=1, as_at=as_at)
    results.append(sup.assign(rule_id="supervision-cp"))

    # chronology-updated and genogram-present: one finding per child, through the child's
    # earliest-starting open episode (casecheck's per = "child" default for these kinds)
    per_child = (
        open_ep[open_ep["episode_type"].isin(SIX_TYPES)]
        .sort_values(["child_id", "anchor", "episode_type"])
        .drop_duplicates("child_id")
    )
    per_child = per_child.assign(deadline=add_working_days(per_child["anchor"], 45))
    docs = documents[documents["document_date"] <= as_at]

    # chronology-updated (recency): latest + 1 month; with none since the start, start + 45wd or
    # the earlier chronology + 1 month, whichever is later
    last_chron = latest_per_child(docs[docs["document_type"] == "chronology"], "document_date")
    chron = per_child.merge(last_chron, on="child_id", how="left")

    def chronology_due(row):
        if pd.isna(row["latest"]):
            return row["deadline"]
        month_on = row["latest"] + pd.DateOffset(months=1)
        if row["latest"] >= row["anchor"]:
            return month_on
        return max(row["deadline"], month_on)

    chron["due"] = chron.apply(chronology_due, axis=1)
    chron["since_anchor"] = chron["latest"].notna()  # recency: any chronology counts as the last
    chron["status"] = chron.apply(frequency_status, axis=1, as_at=as_at)
    results.append(chron.assign(rule_id="chronology-updated"))

    # genogram-present (presence): any genogram on file by the audit date; else pending until
    # start + 45 working days
    with_genogram = set(docs.loc[docs["document_type"] == "genogram", "child_id"])
    geno = per_child.copy()
    geno["due"] = geno["deadline"]

    def genogram_status(row):
        if row["child_id"] in with_genogram:
            return "met"
        return "pending" if row["deadline"] >= as_at else "not_met"

    geno["status"] = geno.apply(genogram_status, axis=1)
    results.append(geno.assign(rule_id="genogram-present"))

    # assessment-completion (timescale): completed within 45 working days of the start
    asmt = assessments[assessments["start_date"] <= as_at].copy()
    asmt["anchor"] = asmt["start_date"]
    asmt["due"] = add_working_days(asmt["start_date"], 45)
    asmt["done"] = asmt["completed_date"].where(asmt["completed_date"] <= as_at)

    def timescale_status(row):
        if pd.notna(row["done"]) and row["done"] <= row["due"]:
            return "met"
        if pd.isna(row["done"]) and row["due"] >= as_at:
            return "pending"
        return "not_met"

    asmt["status"] = asmt.apply(timescale_status, axis=1)
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
    args = ap.parse_args()
    if file_format(args.data) not in ("csv", "parquet"):
        raise SystemExit("DATA must hold CSV or Parquet files")
    started = time.perf_counter()
    counts = run(args.data, args.as_at, args.findings)
    print_counts(counts, time.perf_counter() - started, "pandas")


if __name__ == "__main__":
    main()
