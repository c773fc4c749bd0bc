"""The audit engine: the four rule kinds, implemented once as vectorised Polars code.

``audit(dataset, profile, as_at)`` returns one finding per rule x child x episode in scope
(data contract §3) and a summary per rule.

Two questions, kept distinct (frequency and recency rules):

* **Point in time** (default): *is this child in date at the audit date?* The latest qualifying
  event (or the anchor, if there is none yet) plus the allowed interval is on or after the audit
  date.
* **Audit period** (``since``): *was every interval, from the start of the period (or the later
  anchor) through each event to the audit date, within the limit?* The clock at the start of the
  period carries on from the last event before it, so a visit that fell due in the period and was
  late counts as a lapse in the period. The longest gap is reported.

Cohorts: an episode is *open at the audit date* when it started on or before it and has no end
date or ends after it (an episode closed on the audit date is not open). In audit-period mode the
cohort is every episode open at some time in the period, and its clock stops at its end date.
Timescale rules cover every anchor event on or before the audit date (and on or after ``since``).

The rooms, in import order:

``frames``      Polars helpers that know nothing of rules (sortedness, each row's own events)
``findings``    the finding and summary schemas, counts, RAG, order, the detail sentence
``context``     the context one rule runs in (dataset, rule, calendar, dates, shared cache)
``events``      qualifying events: the rows an event reference names, as (child, date)
``cohorts``     the episodes (or placements, or children) a rule checks, with their clocks
``schedules``   due dates and intervals shared by frequency and recency rules
``frequency``, ``recency``, ``timescale``, ``presence``: one module per rule kind, each with
                ``check(ctx) -> (findings, detail)``
``audit``       runs the rules (``run_rule``, ``audit``) and sums them up (``summarise``)
``explain``     one child's verdicts and the timeline behind them
"""

from casecheck.engine.audit import KINDS, AuditResult, audit, missing_tables, run_rule, summarise
from casecheck.engine.cohorts import cohort
from casecheck.engine.events import event_dates
from casecheck.engine.explain import TIMELINE_SCHEMA, explain, only_child
from casecheck.engine.findings import (
    COUNT_SCHEMA,
    FINDING_COLUMNS,
    FINDING_SCHEMA,
    SORT_KEYS,
    STATUSES,
    SUMMARY_SCHEMA,
    by_branch,
    count_statuses,
    pct_met_expr,
    rag_expr,
    sort_findings,
)
from casecheck.engine.frames import in_order, same_as_previous
from casecheck.engine.schedules import gaps

__all__ = [
    "COUNT_SCHEMA",
    "FINDING_COLUMNS",
    "FINDING_SCHEMA",
    "KINDS",
    "SORT_KEYS",
    "STATUSES",
    "SUMMARY_SCHEMA",
    "TIMELINE_SCHEMA",
    "AuditResult",
    "audit",
    "by_branch",
    "cohort",
    "count_statuses",
    "event_dates",
    "explain",
    "gaps",
    "in_order",
    "missing_tables",
    "only_child",
    "pct_met_expr",
    "rag_expr",
    "run_rule",
    "same_as_previous",
    "sort_findings",
    "summarise",
]
