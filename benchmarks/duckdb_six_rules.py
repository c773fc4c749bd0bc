"""Six redcar-cleveland rules written directly in DuckDB SQL: the hand-written-SQL baseline.

    python benchmarks/duckdb_six_rules.py DATA [--as-at 2025-03-31] [--findings OUT.parquet]

``DATA`` is a folder written by ``casecheck sample`` (CSV or Parquet). Prints one JSON object with
the met / not_met / pending counts of each rule; ``--findings`` also writes one row per rule x
child x episode (rule_id, child_id, anchor_date, due_date, status) for the row-level cross-check
against casecheck.

The rules, as in standards/redcar-cleveland.toml, asked as casecheck asks them by default (the
point-in-time question at the audit date):

* visits-cp: open CP episode; first visit due 48h (2 calendar days) after the start, then every
  10 working days after the latest visit.
* visits-cin: open CIN episode, child not also open to CP or in care; every 20 working days
  (the first 20 working days after the start).
* supervision-cp: open CP episode; every 4 weeks (28 days), the first 4 weeks after the start.
* chronology-updated (recency): one finding per child with an open EH/CIN/CP/CIC/DC/PF episode
  (casecheck's default for recency and presence rules is ``per = "child"``: the child's
  earliest-starting open episode of the cohort is the anchor); latest chronology + 1 calendar
  month; with none since the start, due 45 working days after the start, or later if a chronology
  before the start is still in date (max of the two).
* genogram-present (presence): same cohort, one finding per child; met if any genogram is dated on or before the audit
  date; otherwise pending while start + 45 working days is on or after the audit date.
* assessment-completion (timescale): every assessment started on or before the audit date;
  completed on or before start + 45 working days is met; not completed (by the audit date) and not
  yet due is pending; otherwise not met.

A frequency rule is met when the due date (latest qualifying event since the start + interval, or
the start + first interval when there is none) is on or after the audit date and there is such an
event; pending when it is on or after the audit date and there is none; otherwise not met.
Episodes are open at the audit date when start <= as_at and (end is null or end > as_at). Visits
count when ``seen`` is not N and ``visit_type`` is blank or starts with "statutory".

Working days: a calendar table (1990-2075) with a running index of working days (Monday to Friday
except England's bank holidays from ``holidays``). ``date + N wd`` is the working day whose index
is the date's index + N, where a non-working date has the index of the working day before it (the
N-th working day *after* the date, the date itself being day 0: casecheck's rule).

The rows casecheck would set aside as unusable and that could change one of these verdicts are
dropped here too: exact duplicate episodes and assessments, end dates before start dates
(episodes, assessments, visits' recorded_date), episodes and assessments of children not in the
children table, and events dated after the audit date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import time
from pathlib import Path

import duckdb
from common import (
    AS_AT,
    CAL_FIRST_YEAR,
    CAL_LAST_YEAR,
    SIX_RULES,
    bank_holidays,
    file_format,
    print_counts,
    table_files,
)

# native column types for reading CSV (ids and flags as text, dates as dates)
CSV_TYPES = {
    "children": {"child_id": "VARCHAR", "date_of_birth": "DATE", "gender": "VARCHAR", "disability": "VARCHAR"},
    "episodes": {"child_id": "VARCHAR", "episode_type": "VARCHAR", "start_date": "DATE",
                 "end_date": "DATE", "team": "VARCHAR", "worker_id": "VARCHAR"},
    "visits": {"child_id": "VARCHAR", "visit_date": "DATE", "seen": "VARCHAR", "seen_alone": "VARCHAR",
               "bedroom_seen": "VARCHAR", "visit_type": "VARCHAR", "worker_id": "VARCHAR",
               "recorded_date": "DATE"},
    "supervisions": {"child_id": "VARCHAR", "supervision_date": "DATE", "supervision_type": "VARCHAR",
                     "worker_id": "VARCHAR", "supervisor_id": "VARCHAR"},
    "documents": {"child_id": "VARCHAR", "document_type": "VARCHAR", "document_date": "DATE",
                  "created_date": "DATE"},
    "assessments": {"child_id": "VARCHAR", "assessment_type": "VARCHAR", "start_date": "DATE",
                    "completed_date": "DATE", "authorised_date": "DATE"},
}

SIX_TYPES = "('early_help', 'child_in_need', 'child_protection', 'child_in_care', 'disabled_children', 'private_fostering')"

SQL = f"""
CREATE OR REPLACE TEMP TABLE cal AS
WITH days AS (
    SELECT CAST(d AS DATE) AS d
    FROM generate_series(DATE '{CAL_FIRST_YEAR}-01-01', DATE '{CAL_LAST_YEAR}-12-31', INTERVAL 1 DAY) t(d)
), flagged AS (
    SELECT d, (isodow(d) <= 5 AND d NOT IN (SELECT d FROM hol)) AS wd FROM days
)
SELECT d, wd, SUM(CASE WHEN wd THEN 1 ELSE 0 END) OVER (ORDER BY d) AS idx FROM flagged;

CREATE OR REPLACE TEMP TABLE wdays AS SELECT idx, d FROM cal WHERE wd;

CREATE OR REPLACE TEMP TABLE ep AS
SELECT DISTINCT child_id, episode_type, start_date, end_date, team, worker_id
FROM episodes_raw
WHERE child_id IN (SELECT child_id FROM children_raw)
  AND start_date IS NOT NULL AND episode_type IS NOT NULL
  AND start_date <= $as_at
  AND (end_date IS NULL OR end_date >= start_date);

CREATE OR REPLACE TEMP TABLE open_ep AS
SELECT child_id, episode_type, start_date AS anchor
FROM ep
WHERE start_date <= $as_at AND (end_date IS NULL OR end_date > $as_at);

-- latest qualifying event per child, on or before the audit date
CREATE OR REPLACE TEMP TABLE last_visit AS
SELECT child_id, max(visit_date) AS latest
FROM visits_raw
WHERE visit_date <= $as_at
  AND (recorded_date IS NULL OR recorded_date >= visit_date)
  AND (seen IS NULL OR seen)
  AND (visit_type IS NULL OR starts_with(visit_type, 'statutory'))
GROUP BY child_id;

CREATE OR REPLACE TEMP TABLE last_sup AS
SELECT child_id, max(supervision_date) AS latest
FROM supervisions_raw WHERE supervision_date <= $as_at GROUP BY child_id;

CREATE OR REPLACE TEMP TABLE docs AS
SELECT child_id,
       max(document_date) FILTER (WHERE document_type = 'chronology') AS last_chron,
       bool_or(document_type = 'genogram') AS has_genogram
FROM documents_raw
WHERE document_date <= $as_at AND document_type IN ('chronology', 'genogram')
GROUP BY child_id;

CREATE OR REPLACE TEMP TABLE verdicts AS
-- visits-cp: first within 2 calendar days (48h), then every 10 working days
WITH cp AS (
    SELECT o.child_id, o.anchor, v.latest, v.latest >= o.anchor AS since_anchor
    FROM open_ep o LEFT JOIN last_visit v USING (child_id)
    WHERE o.episode_type = 'child_protection'
), cp_due AS (
    SELECT cp.*, CASE WHEN since_anchor THEN w.d ELSE CAST(anchor + 2 AS DATE) END AS due
    FROM cp LEFT JOIN cal c ON c.d = cp.latest LEFT JOIN wdays w ON w.idx = c.idx + 10
),
-- visits-cin: every 20 working days; not for children also open to CP or in care
cin AS (
    SELECT o.child_id, o.anchor, v.latest, coalesce(v.latest >= o.anchor, false) AS since_anchor
    FROM open_ep o LEFT JOIN last_visit v USING (child_id)
    WHERE o.episode_type = 'child_in_need'
      AND o.child_id NOT IN (
          SELECT child_id FROM open_ep WHERE episode_type IN ('child_protection', 'child_in_care'))
), cin_due AS (
    SELECT cin.*, w.d AS due
    FROM cin
    JOIN cal c ON c.d = CASE WHEN since_anchor THEN cin.latest ELSE cin.anchor END
    JOIN wdays w ON w.idx = c.idx + 20
),
-- supervision-cp: every 4 weeks
sup AS (
    SELECT o.child_id, o.anchor, s.latest, s.latest >= o.anchor AS since_anchor,
           CAST(CASE WHEN s.latest >= o.anchor THEN s.latest ELSE o.anchor END + 28 AS DATE) AS due
    FROM open_ep o LEFT JOIN last_sup s USING (child_id)
    WHERE o.episode_type = 'child_protection'
),
-- recency and presence rules give one finding per child (casecheck's default `per = "child"`),
-- through the child's earliest-starting open episode of the cohort
six_child AS (
    SELECT child_id, anchor FROM open_ep
    WHERE episode_type IN {SIX_TYPES}
    QUALIFY row_number() OVER (PARTITION BY child_id ORDER BY anchor, episode_type) = 1
),
six AS (
    SELECT o.child_id, o.anchor, w.d AS deadline, d.last_chron, coalesce(d.has_genogram, false) AS has_genogram
    FROM six_child o
    LEFT JOIN docs d USING (child_id)
    JOIN cal c ON c.d = o.anchor
    JOIN wdays w ON w.idx = c.idx + 45
),
-- chronology-updated (recency): latest + 1 month. With none since the start: start + 45wd,
-- or the earlier chronology + 1 month if that is later
chron AS (
    SELECT child_id, anchor, last_chron,
           CASE WHEN last_chron >= anchor THEN CAST(last_chron + INTERVAL 1 MONTH AS DATE)
                WHEN last_chron IS NOT NULL THEN greatest(deadline, CAST(last_chron + INTERVAL 1 MONTH AS DATE))
                ELSE deadline END AS due
    FROM six
),
-- assessment-completion (timescale): completed within 45 working days of the start
asmt AS (
    SELECT a.child_id, a.start_date AS anchor, w.d AS due,
           CASE WHEN a.completed_date <= $as_at THEN a.completed_date END AS done
    FROM (SELECT DISTINCT * FROM assessments_raw) a
    JOIN cal c ON c.d = a.start_date
    JOIN wdays w ON w.idx = c.idx + 45
    WHERE a.start_date <= $as_at
      AND (a.completed_date IS NULL OR a.completed_date >= a.start_date)
      AND a.child_id IN (SELECT child_id FROM children_raw)
)
SELECT 'visits-cp' AS rule_id, child_id, anchor AS anchor_date, due AS due_date,
       CASE WHEN due >= $as_at THEN CASE WHEN since_anchor THEN 'met' ELSE 'pending' END
            ELSE 'not_met' END AS status
FROM cp_due
UNION ALL
SELECT 'visits-cin', child_id, anchor, due,
       CASE WHEN due >= $as_at THEN CASE WHEN since_anchor THEN 'met' ELSE 'pending' END
            ELSE 'not_met' END
FROM cin_due
UNION ALL
SELECT 'supervision-cp', child_id, anchor, due,
       CASE WHEN due >= $as_at THEN CASE WHEN since_anchor THEN 'met' ELSE 'pending' END
            ELSE 'not_met' END
FROM sup
UNION ALL
SELECT 'chronology-updated', child_id, anchor, due,
       CASE WHEN due >= $as_at THEN CASE WHEN last_chron IS NOT NULL THEN 'met' ELSE 'pending' END
            ELSE 'not_met' END
FROM chron
UNION ALL
SELECT 'genogram-present', child_id, anchor, deadline,
       CASE WHEN has_genogram THEN 'met' WHEN deadline >= $as_at THEN 'pending' ELSE 'not_met' END
FROM six
UNION ALL
SELECT 'assessment-completion', child_id, anchor, due,
       CASE WHEN done IS NOT NULL AND done <= due THEN 'met'
            WHEN done IS NULL AND due >= $as_at THEN 'pending'
            ELSE 'not_met' END
FROM asmt;
"""


def _source(path: Path, table: str, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet('{path}')"
    types = ", ".join(f"'{c}': '{t}'" for c, t in CSV_TYPES[table].items())
    return f"read_csv('{path}', header = true, types = {{{types}}})"


def run(data: Path, as_at: dt.date, findings: Path | None = None) -> dict[str, dict[str, int]]:
    files = table_files(data)
    fmt = file_format(data)
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE hol (d DATE)")
    con.executemany("INSERT INTO hol VALUES (?)", [(d,) for d in bank_holidays()])
    for table in ("children", "episodes", "supervisions", "documents", "assessments"):
        con.execute(f"CREATE TEMP VIEW {table}_raw AS SELECT * FROM {_source(files[table], table, fmt)}")
    seen = "seen" if fmt == "parquet" else "CASE seen WHEN 'Y' THEN true WHEN 'N' THEN false END"
    con.execute(
        f"CREATE TEMP VIEW visits_raw AS SELECT * REPLACE ({seen} AS seen) "
        f"FROM {_source(files['visits'], 'visits', fmt)}"
    )
    for statement in re.split(r";\s*$", SQL, flags=re.MULTILINE):
        if statement.strip():
            con.execute(statement, {"as_at": as_at} if "$as_at" in statement else None)
    rows = con.execute("SELECT rule_id, status, count(*) FROM verdicts GROUP BY ALL").fetchall()
    if findings is not None:
        con.execute(
            f"COPY (SELECT * FROM verdicts ORDER BY ALL) TO '{findings}' (FORMAT parquet)"
        )
    counts: dict[str, dict[str, int]] = {r: {} for r in SIX_RULES}
    for rule, status, n in rows:
        counts[rule][status] = n
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--as-at", type=dt.date.fromisoformat, default=AS_AT)
    ap.add_argument("--findings", type=Path, help="also write the row-level verdicts (Parquet)")
    args = ap.parse_args()
    started = time.perf_counter()
    counts = run(args.data, args.as_at, args.findings)
    print_counts(counts, time.perf_counter() - started, "duckdb")


if __name__ == "__main__":
    main()
