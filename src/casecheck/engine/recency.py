"""Recency rules: the latest event of a type is no older than an interval ("the chronology is
updated at least monthly").

Unlike a frequency rule, an up-to-date event from before the anchor counts (a chronology carried
over from an earlier episode), but a new episode always has its first period (``first``) before
it can be late; a child whose latest event is out of date while that first period runs is
``pending``. Due dates and verdicts: :mod:`.schedules`.
"""

from __future__ import annotations

import polars as pl

from casecheck.engine import schedule_words, schedules
from casecheck.engine.cohorts import cohort
from casecheck.engine.context import RuleContext
from casecheck.engine.events import qualifying_events
from casecheck.engine.sentences import Detail


def check(ctx: RuleContext) -> tuple[pl.DataFrame, Detail]:
    """One finding per cohort row: the point-in-time question, or the audit-period one."""
    rows = cohort(ctx)
    events = qualifying_events(ctx, ctx.rule.events)
    ask = schedules.over_period if ctx.over_period else schedules.point_in_time
    return ask(ctx, rows, events, carry_prior=True), schedule_words.detail(ctx)
