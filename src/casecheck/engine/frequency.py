"""Frequency rules: qualifying events must follow the anchor and each other within an interval
(optionally phased, or longer once a placement is permanent), and the last must still be in date
("a child on a CP plan is seen at least every 10 working days").

Only events from the anchor to the row's end count: a visit before the plan started, or after
the episode closed, is not this episode's. Due dates and verdicts: :mod:`.schedules`.
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
    return ask(ctx, rows, events, carry_prior=False), schedule_words.detail(ctx)
