"""Six redcar-cleveland rules written directly in DuckDB SQL: the hand-written-SQL baseline.

    python benchmarks/duckdb_six_rules.py DATA [--as-at 2025-03-31] [--period month|all]
        [--findings OUT.parquet]

``DATA`` is a folder written by ``casecheck sample`` (CSV or Parquet). Prints one JSON object with
the met / not_met / pending counts of each rule; ``--findings`` also writes one row per rule x
child x episode (rule_id, child_id, anchor_date, due_date, status) for the row-level cross-check
against casecheck.

``--period month`` (the default, as casecheck's) counts the timescale rule's requirements decided
in the audit date's calendar month; ``--period all`` every one up to the audit date. The harness
compares the default with casecheck's default: the monthly audit a QA officer runs.

The rules, as in standards/redcar-cleveland.toml and standards/README.md ("What each kind
counts"), asked as casecheck asks them by default (the point-in-time question at the audit date
for the first five, the requirements decided in the reporting period for the timescale):

* Episodes: a child's episodes of one type that overlap are one (first start to latest end). The
  cohorts hold the episodes open at the audit date (start <= as_at and no end or end > as_at).
* visits-cp (frequency): open CP episode; the first visit due 48h (2 calendar days) after the
  start, then every 10 working days after the latest visit since the start.
* visits-cin (frequency): open child in need or disabled children episode (children with
  disabilities are children in need), one finding per child (``per = "child"``: the earliest-
  starting open episode, child_in_need before disabled_children on the same day); a child with a
  CP or in-care episode open is left out; every 20 working days (the first 20 working days after
  the start). A due date that fell while a CP or in-care spell (those episodes merged where they
  overlap; the latest to have ended after the start) was open moves to the day it ended.
* supervision-cp (frequency): open CP episode; any supervision, whatever its type; every 4 weeks
  (28 days), the first 4 weeks after the start.
* chronology-updated (recency): one finding per child with an open EH/CIN/CP/CIC/DC/PF episode,
  through the earliest-starting one; the latest chronology, even from before the episode, + 1
  calendar month, but never due before the start + 45 working days.
* genogram-present (presence): the same cohort, but each episode anchored on the first assessment
  (any type) completed in its period of involvement (episodes of any type that overlap or follow
  on), on or before the audit date, so a CP or care episode that followed a child in need
  episode's assessment is anchored on it (``anchor_in = "case"``); an episode with none is not in
  scope.
  One finding per child, through the earliest such anchor; due that day (``within = "0d"``). Met
  if any genogram is dated on or before the audit date; else pending while the due date is on or
  after the audit date; else not met.
* assessment-completion (timescale): every assessment started on or before the audit date, due
  45 working days after its start. Met when completed by then; else, when the child's period of
  involvement open on the start day (episodes of any type that overlap or follow on, the next
  starting by the day after the last ended) closed on or before the due date (and by the audit
  date), out of scope (``closed_before_due``, not a finding); else not met when completed late or
  past due; else pending. Each is counted in the reporting period in which it was decided: a met
  one if completed in it, a not-met one if it fell overdue in it (the day after the due date),
  either if it started in it; a pending one in any period.

A frequency or recency rule's due date is the later of the first due date (anchor + ``first``)
and the day the latest counted event goes out of date (``in_date_until``). Not met when the due
date is before the audit date; met when ``in_date_until`` is on or after it; otherwise pending.
Visits count when ``seen`` is not N and ``visit_type`` is blank or starts with "statutory".

Working days: a calendar table (1990-2075) with a running index of working days (Monday to Friday
except England's bank holidays from ``holidays``). ``date + N wd`` is the working day whose index
is the date's index + N, where a non-working date has the index of the working day before it (the
N-th working day *after* the date, the date itself being day 0: casecheck's rule).

The rows casecheck would set aside as unusable and that could change one of these verdicts are
dropped here too: exact duplicate episodes and assessments, end dates before start dates
(episodes, assessments, visits' recorded_date), episodes and assessments of children not in the
children table, and rows whose event date is after the audit date (an episode or assessment
starting later, a visit, supervision or document dated later).
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
    PERIODS,
    SIX_RULES,
    bank_holidays,
    file_format,
    period_start,
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

SIX_TYPES = ("('early_help', 'child_in_need', 'child_protection', 'child_in_care', 'disabled_children', "
             "'private_fostering')")
OPEN = "DATE '9999-12-31'"  # an open end, later than any real one


def merged(source: str, by: str = "", follow_on_days: int | None = None) -> str:
    """SQL: each child's rows of ``source`` (child_id, ``by``, start_date, end_date) that overlap
    made one, from the first start to the latest end (NULL while any is open). A row joins the
    rows before it when it starts before the latest end so far; with ``follow_on_days``, also up
    to that many days after it."""
    keys = f"child_id{', ' + by if by else ''}"
    joins = f"start_date <= reach + {follow_on_days}" if follow_on_days is not None else "start_date < reach"
    return f"""(
    WITH r AS (
        SELECT {keys}, start_date, end_date,
               max(coalesce(end_date, {OPEN})) OVER (PARTITION BY {keys} ORDER BY start_date
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
        FROM {source}
    ), g AS (
        SELECT *, sum(CASE WHEN reach IS NOT NULL AND {joins} THEN 0 ELSE 1 END)
                  OVER (PARTITION BY {keys} ORDER BY start_date ROWS UNBOUNDED PRECEDING) AS grp
        FROM r
    )
    SELECT {keys}, min(start_date) AS start_date, nullif(max(coalesce(end_date, {OPEN})), {OPEN}) AS end_date
    FROM g GROUP BY {keys}, grp
)"""


# a point-in-time schedule's verdict: due (never before the first due date) is past: not met;
# the latest counted event is in date: met; else (the first period still runs, nothing in date) pending
SCHEDULE_STATUS = """CASE WHEN due < $as_at THEN 'not_met' WHEN in_date_until >= $as_at THEN 'met'
            ELSE 'pending' END"""

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

-- usable episodes (what casecheck sets aside is left out: duplicates, unknown children, an end
-- before the start, a start after the audit date)
CREATE OR REPLACE TEMP TABLE ep AS
SELECT DISTINCT child_id, episode_type, start_date, end_date
FROM episodes_raw
WHERE child_id IN (SELECT child_id FROM children_raw)
  AND start_date IS NOT NULL AND episode_type IS NOT NULL
  AND start_date <= $as_at
  AND (end_date IS NULL OR end_date >= start_date);

-- episodes of one type that overlap are one episode; those open at the audit date
CREATE OR REPLACE TEMP TABLE open_ep AS
SELECT child_id, episode_type, start_date AS anchor
FROM {merged("ep", "episode_type")}
WHERE end_date IS NULL OR end_date > $as_at;

-- periods of involvement: episodes of any type that overlap or follow on (by the next day)
CREATE OR REPLACE TEMP TABLE cases AS
SELECT child_id, start_date AS case_start, end_date AS case_end FROM {merged("ep", "", 1)};

-- visits-cin's excluding spells: CP or in care, merged where they overlap
CREATE OR REPLACE TEMP TABLE cin_excl AS
SELECT child_id, start_date AS ex_start, end_date AS ex_end
FROM {merged("(SELECT * FROM ep WHERE episode_type IN ('child_protection', 'child_in_care'))")};

CREATE OR REPLACE TEMP TABLE asmt AS
SELECT DISTINCT child_id, assessment_type, start_date, completed_date, authorised_date
FROM assessments_raw
WHERE child_id IN (SELECT child_id FROM children_raw)
  AND start_date IS NOT NULL AND start_date <= $as_at
  AND (completed_date IS NULL OR completed_date >= start_date);

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
-- visits-cp: first within 48h (2 calendar days), then every 10 working days; only visits from
-- the episode's start count
WITH cp AS (
    SELECT o.child_id, o.anchor, CASE WHEN v.latest >= o.anchor THEN v.latest END AS last
    FROM open_ep o LEFT JOIN last_visit v USING (child_id)
    WHERE o.episode_type = 'child_protection'
), cp_due AS (
    SELECT cp.child_id, cp.anchor, w.d AS in_date_until, greatest(CAST(cp.anchor + 2 AS DATE), w.d) AS due
    FROM cp LEFT JOIN cal c ON c.d = cp.last LEFT JOIN wdays w ON w.idx = c.idx + 10
),
-- visits-cin: child in need or disabled children, one finding per child (the earliest-starting
-- open episode); left out while a CP or in-care episode is open; every 20 working days, the
-- first 20 working days after the start; a due date that fell while a CP or in-care spell (since
-- ended) was open waits until it ended
cin_rows AS (
    SELECT o.child_id, o.anchor,
           (SELECT max_by(x, x.ex_end) FROM cin_excl x
             WHERE x.child_id = o.child_id AND x.ex_end <= $as_at AND x.ex_end > o.anchor) AS spell
    FROM open_ep o
    WHERE o.episode_type IN ('child_in_need', 'disabled_children')
      AND o.child_id NOT IN (SELECT child_id FROM cin_excl WHERE ex_end IS NULL OR ex_end > $as_at)
    QUALIFY row_number() OVER (PARTITION BY o.child_id ORDER BY o.anchor, o.episode_type) = 1
), cin AS (
    SELECT r.child_id, r.anchor, r.spell.ex_start AS excl_start, r.spell.ex_end AS excl_end,
           CASE WHEN v.latest >= r.anchor THEN v.latest END AS last
    FROM cin_rows r LEFT JOIN last_visit v USING (child_id)
), cin_due0 AS (
    SELECT cin.*, wl.d AS in_date_until, greatest(wa.d, wl.d) AS due0
    FROM cin
    JOIN cal ca ON ca.d = cin.anchor JOIN wdays wa ON wa.idx = ca.idx + 20
    LEFT JOIN cal cl ON cl.d = cin.last LEFT JOIN wdays wl ON wl.idx = cl.idx + 20
), cin_due AS (
    SELECT child_id, anchor, in_date_until,
           CASE WHEN due0 >= excl_start AND due0 < excl_end THEN excl_end ELSE due0 END AS due
    FROM cin_due0
),
-- supervision-cp: any supervision, every 4 weeks, the first 4 weeks after the start
sup AS (
    SELECT o.child_id, o.anchor,
           CAST(s.latest + 28 AS DATE) AS in_date_until,
           CAST(greatest(o.anchor, s.latest) + 28 AS DATE) AS due
    FROM open_ep o LEFT JOIN (SELECT * FROM last_sup) s ON s.child_id = o.child_id AND s.latest >= o.anchor
    WHERE o.episode_type = 'child_protection'
),
-- chronology-updated (recency): one finding per child, through the earliest-starting open
-- episode of the cohort; the latest chronology whenever it was + 1 month, but never due before
-- the episode start + 45 working days
chron AS (
    SELECT o.child_id, o.anchor, CAST(d.last_chron + INTERVAL 1 MONTH AS DATE) AS in_date_until, w.d AS first_due
    FROM open_ep o
    LEFT JOIN docs d USING (child_id)
    JOIN cal c ON c.d = o.anchor
    JOIN wdays w ON w.idx = c.idx + 45
    WHERE o.episode_type IN {SIX_TYPES}
    QUALIFY row_number() OVER (PARTITION BY o.child_id ORDER BY o.anchor, o.episode_type) = 1
),
-- genogram-present (presence): anchored on the first assessment completed in the episode's
-- period of involvement
-- (episodes with none yet are not in scope), due that day; one finding per child, through the
-- earliest such anchor; met by any genogram on file at the audit date
geno AS (
    SELECT o.child_id, min(a.completed_date) AS anchor, o.episode_type
    FROM open_ep o
    ASOF JOIN cases k ON k.child_id = o.child_id AND k.case_start <= o.anchor
    JOIN asmt a
      ON a.child_id = o.child_id AND a.completed_date >= k.case_start AND a.completed_date <= $as_at
    WHERE o.episode_type IN {SIX_TYPES}
    GROUP BY o.child_id, o.anchor, o.episode_type
    QUALIFY row_number() OVER (PARTITION BY o.child_id ORDER BY min(a.completed_date), o.episode_type, o.anchor) = 1
),
-- assessment-completion (timescale): completed within 45 working days of the start; the
-- assessment belongs to the period of involvement open on its start day: one that closed before
-- the due date takes an unfinished assessment out of scope; counted in the reporting period in
-- which it was decided (met: the completion day; not met: the day after the due date; pending:
-- open and not yet due)
a_due AS (
    SELECT a.child_id, a.start_date, w.d AS due,
           CASE WHEN a.completed_date <= $as_at THEN a.completed_date END AS done,
           CASE WHEN k.case_end > a.start_date AND k.case_end <= $as_at THEN k.case_end END AS closed
    FROM asmt a
    JOIN cal c ON c.d = a.start_date
    JOIN wdays w ON w.idx = c.idx + 45
    ASOF LEFT JOIN cases k ON k.child_id = a.child_id AND k.case_start <= a.start_date
), a_status AS (
    SELECT *, CASE WHEN done <= due THEN 'met'
                   WHEN closed IS NOT NULL AND due >= closed THEN 'closed_before_due'
                   WHEN done IS NOT NULL THEN 'not_met'
                   WHEN due >= $as_at THEN 'pending'
                   ELSE 'not_met' END AS status
    FROM a_due
)
SELECT 'visits-cp' AS rule_id, child_id, anchor AS anchor_date, due AS due_date, {SCHEDULE_STATUS} AS status
FROM cp_due
UNION ALL
SELECT 'visits-cin', child_id, anchor, due, {SCHEDULE_STATUS} FROM cin_due
UNION ALL
SELECT 'supervision-cp', child_id, anchor, due, {SCHEDULE_STATUS} FROM sup
UNION ALL
SELECT 'chronology-updated', child_id, anchor, greatest(first_due, in_date_until) AS due,
       CASE WHEN greatest(first_due, in_date_until) < $as_at THEN 'not_met'
            WHEN in_date_until >= $as_at THEN 'met' ELSE 'pending' END
FROM chron
UNION ALL
SELECT 'genogram-present', g.child_id, g.anchor, g.anchor,
       CASE WHEN coalesce(d.has_genogram, false) THEN 'met' WHEN g.anchor >= $as_at THEN 'pending'
            ELSE 'not_met' END
FROM geno g LEFT JOIN docs d USING (child_id)
UNION ALL
SELECT 'assessment-completion', child_id, start_date, due, status
FROM a_status
WHERE status = 'pending'
   OR (status = 'met' AND (CAST($since AS DATE) IS NULL OR done >= $since OR start_date >= $since))
   OR (status = 'not_met' AND (CAST($since AS DATE) IS NULL OR due >= CAST($since AS DATE) - 1
                               OR start_date >= $since));
"""


def _source(path: Path, table: str, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet('{path}')"
    types = ", ".join(f"'{c}': '{t}'" for c, t in CSV_TYPES[table].items())
    return f"read_csv('{path}', header = true, types = {{{types}}})"


def run(data: Path, as_at: dt.date, findings: Path | None = None,
        since: dt.date | None = None) -> dict[str, dict[str, int]]:
    """The verdict counts per rule; ``since``: the reporting period's first day for the timescale
    rule (None: all history)."""
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
            params = {k: v for k, v in (("as_at", as_at), ("since", since)) if f"${k}" in statement}
            con.execute(statement, params or None)
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
    ap.add_argument("--period", choices=PERIODS, default="month",
                    help="reporting period of the timescale rule, as casecheck's --period (default month)")
    args = ap.parse_args()
    started = time.perf_counter()
    counts = run(args.data, args.as_at, args.findings, period_start(args.as_at, args.period))
    print_counts(counts, time.perf_counter() - started, "duckdb")


if __name__ == "__main__":
    main()
