"""The audit engine: the four rule kinds, implemented once as vectorised Polars code.

``audit(dataset, profile, as_at)`` returns one finding per rule x child x episode in scope
(data contract §3) and a summary per rule.

Every audit has an audit date and a reporting period that ends at it (:mod:`casecheck.periods`:
the month by default). Two questions, kept distinct:

* **Point in time** (frequency, recency and presence rules, by default): *is this child in date
  at the audit date?*
* **Audit period** (``over_period``, or ``since``): *was every interval in the period within the
  limit?* The clock at the start of the period carries on from the last event before it.
* Timescale rules count the requirements **decided in the period**, each once: done on time in
  it, or falling overdue in it (done late afterwards or not); those still open and not yet due
  are pending.

The clock stops at closure: events after an episode ended are not its own, a requirement that
would fall due after it ended leaves the rule's scope (counted in the summary note), and
``days_overdue`` never counts past the end. Cohorts: an episode is *open at the audit date* when
it started on or before it and has no end date or ends after it (an episode closed on the audit
date is not open); episodes of one type that overlap are one episode, and a child is in one
placement at a time (:mod:`casecheck.overlaps`).

The rooms, in import order:

``frames``      Polars helpers that know nothing of rules (sortedness, each row's own events)
``findings``    the finding and summary schemas, counts, RAG, order
``sentences``   the pieces of the detail sentence (branches, dates in words, the anchor)
``context``     the context one rule runs in (dataset, rule, calendar, period, shared cache)
``events``      qualifying events: the rows an event reference names, as (child, date), and the
                conditions on a row (``where``)
``placements``  the placements a rule reads: rows of one placement, the placement filters
                (``placement_where``, ``exclude_placement``), permanence
``anchors``     age and event anchors (``age:15y8mo``, ``meeting:cla_review#2``), ``until_age``
``cohorts``     the episodes (or placements, or children) a rule checks, with their clocks,
                and the periods of involvement timescale rules close with
``schedules``   due dates and intervals shared by frequency and recency rules
``schedule_words`` their detail sentence
``requirements`` a timescale's clock (``from``) and windows (``within``, ``window``,
                ``checkpoints``), and how its ``done`` is read
``timescale_words`` a timescale's detail sentence
``frequency``, ``recency``, ``timescale``, ``presence``: one module per rule kind, each with
                ``check(ctx) -> (findings, detail)``
``runner``      runs the rules (``run_rule``, ``audit``) and sums them up (``summarise``)
``explain``     one child's verdicts and the timeline behind them
"""

from casecheck.engine.cohorts import cohort
from casecheck.engine.events import event_dates
from casecheck.engine.explain import TIMELINE_SCHEMA, explain, only_child
from casecheck.engine.findings import (
    COUNT_SCHEMA,
    FINDING_COLUMNS,
    FINDING_SCHEMA,
    LEFT,
    SORT_KEYS,
    STATUSES,
    SUMMARY_SCHEMA,
    count_statuses,
    pct_met_expr,
    rag_expr,
    sort_findings,
    summary_note,
)
from casecheck.engine.frames import in_order, same_as_previous
from casecheck.engine.requirements import record_checks
from casecheck.engine.runner import (
    KINDS,
    AuditResult,
    audit,
    basis_notes,
    check_rule,
    missing_tables,
    resolve_period,
    run_rule,
    summarise,
)
from casecheck.engine.schedules import gaps
from casecheck.engine.sentences import by_branch

__all__ = [
    "COUNT_SCHEMA",
    "FINDING_COLUMNS",
    "FINDING_SCHEMA",
    "KINDS",
    "LEFT",
    "SORT_KEYS",
    "STATUSES",
    "SUMMARY_SCHEMA",
    "TIMELINE_SCHEMA",
    "AuditResult",
    "audit",
    "basis_notes",
    "by_branch",
    "check_rule",
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
    "record_checks",
    "resolve_period",
    "run_rule",
    "same_as_previous",
    "sort_findings",
    "summarise",
    "summary_note",
]
