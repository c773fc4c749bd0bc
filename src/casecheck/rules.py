"""A rule of a standards profile: its kind, who it is about, what counts, the numbers and where
they come from (parsed from a profile's ``[[rule]]`` by :mod:`casecheck.rule_parsing`).

Four kinds, implemented once in :mod:`casecheck.engine`:

``frequency``  qualifying events must follow the anchor and each other within an interval
               (optionally phased), and the last must still be in date at the audit date.
``recency``    the latest event of a type is no older than an interval.
``timescale``  event B within an interval (or window, or at checkpoints) of event A.
``presence``   a document exists, optionally by a deadline from the anchor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from casecheck.calendar import Duration
from casecheck.references import Age, Condition, EventRef, Offset, describe_conditions

KINDS = ("frequency", "recency", "timescale", "presence")
#: where a rule's numbers come from
BASES = ("document", "statutory", "casecheck default")


@dataclass(frozen=True)
class Phase:
    """One step of a phased schedule: applies to the gap after an event while its bound holds."""

    interval: Duration
    until: Duration | None = None  # time since the anchor
    until_age: int | None = None  # the child's age in years
    count: int | None = None  # the first N qualifying events
    permanent_interval: Duration | None = None
    #: the first such event on or after the anchor (``meeting:cla_review``: "until the first review")
    until_event: EventRef | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: str
    target: float
    source: str
    note: str = ""
    #: below this % met the rule is red (amber from the floor up to the target); None until the
    #: profile fills in its default, the target less the profile's ``amber_margin``
    floor: float | None = None
    cohort: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per: str = "episode"
    anchor: str = "episode"
    events: tuple[EventRef, ...] = ()
    first: Duration | None = None
    interval: Duration | None = None
    permanent_interval: Duration | None = None
    phases: tuple[Phase, ...] = ()
    start: EventRef | None = None
    start_where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    done: EventRef | None = None
    #: more events that count as ``done`` (``done = ["family_contact", "visit"]``): any of them
    done_also: tuple[EventRef, ...] = ()
    #: the row's placement must meet one of these (``placement_where``)
    placement_where: tuple[Condition, ...] = ()
    #: rows whose placement meets one of these are left out (``exclude_placement``)
    exclude_placement: tuple[Condition, ...] = ()
    #: whose permanence agreement changes the schedule: the current placement's, or any
    #: placement's during the episode
    permanence: str = "placement"
    #: ``anchor = "age:15y8mo"``: the day the child reaches this age
    anchor_age: Age | None = None
    #: ``anchor = "meeting:cla_review#2"``: the n-th such event of the episode
    anchor_event: EventRef | None = None
    #: an event anchor counted in the episode (default) or in the child's period of involvement
    #: (``anchor_in = "case"``: "from the first visit to a family", whichever episode it was in)
    anchor_in: str = "episode"
    #: the rule applies until the child's birthday of this age
    until_age: int | None = None
    #: timescale: the clock runs from the latest such event on or before the start (``from``)
    from_: EventRef | None = None
    #: timescale: done must fall in this window around the clock's start (instead of ``within``);
    #: the first may be "case" (the start of the period of involvement)
    window: tuple[Offset | str, Offset] | None = None
    #: timescale: one requirement per checkpoint, each after the one before (instead of ``within``)
    checkpoints: tuple[Duration, ...] = ()
    #: timescale: a requirement due after the start's own record ended (an assessment completed)
    #: is not required
    while_open: bool = False
    #: where the rule's numbers come from: ``(("", "document"),)`` for the whole rule, or per
    #: parameter (``(("first", "statutory"), ("interval", "document"))``); empty: not stated
    basis: tuple[tuple[str, str], ...] = ()

    def basis_text(self) -> str:
        """``document``, ``casecheck default``, ``first: statutory; interval: document``, or
        ``not stated``."""
        if not self.basis:
            return "not stated"
        if len(self.basis) == 1 and not self.basis[0][0]:
            return self.basis[0][1]
        return "; ".join(f"{k}: {v}" for k, v in self.basis)

    @property
    def defaults(self) -> tuple[str, ...]:
        """The parameters whose numbers are casecheck's own (``("",)`` for the whole rule)."""
        return tuple(k for k, v in self.basis if v == "casecheck default")
    within: Duration | None = None
    count_from: str = "day0"
    unmatched: str = "not_met"  # timescale: a start never followed by done, once past due
    line: int = 0

    @property
    def needs(self) -> tuple[str, ...]:
        """The tables this rule reads (besides children)."""
        tables: list[str] = []
        if self.kind != "timescale" or self.cohort:
            tables.append("episodes")
        if self.anchor == "placement" or any(p.permanent_interval for p in self.phases):
            tables.append("placements")
        if self.permanent_interval or self.placement_conditions:
            tables.append("placements")
        for ref in self.refs:
            if ref is not self.from_:  # (without it, the clock runs from the start, and says so)
                tables.append(ref.table)
        return tuple(dict.fromkeys(tables))

    def scope(self) -> str:
        """Who the rule is about, in one line: ``child_in_care; placement type P1 and legal status
        C2``, ``care_leaver, until age 20``, ``child_in_need, not child_protection``."""
        parts = [", ".join(self.cohort)]
        if self.exclude:
            parts[0] += f", not {', '.join(self.exclude)}"
        if self.until_age is not None:
            parts[0] += f", until age {self.until_age}"
        if self.placement_where:
            parts.append(describe_conditions(self.placement_where))
        if self.exclude_placement:
            parts.append("not " + describe_conditions(self.exclude_placement))
        if self.anchor not in ("episode", "placement"):
            parts.append(f"from {self.anchor}")
        return "; ".join(parts)

    @property
    def placement_conditions(self) -> tuple[Condition, ...]:
        """Every placement condition the rule names (to include or to leave out)."""
        return self.placement_where + self.exclude_placement

    @property
    def dones(self) -> tuple[EventRef, ...]:
        """The events that stop a timescale's clock (any of them)."""
        return () if self.done is None else (self.done, *self.done_also)

    @property
    def refs(self) -> tuple[EventRef, ...]:
        """Every event the rule names (its events, start and done, its anchor and phase bounds)."""
        bounds = [p.until_event for p in self.phases]
        return tuple(r for r in (*self.events, self.start, *self.dones, self.anchor_event, self.from_, *bounds)
                     if r is not None)

    @property
    def durations(self) -> list[Duration]:
        out = [d for d in (self.first, self.interval, self.permanent_interval, self.within) if d]
        out += list(self.checkpoints)
        if self.window:
            out += [o.duration for o in self.window if isinstance(o, Offset)]
        for p in self.phases:
            out += [d for d in (p.interval, p.until, p.permanent_interval) if d]
        return out

    @property
    def approximate(self) -> bool:
        return any(d.approximate for d in self.durations)

    def parameters(self) -> str:
        """The rule's numbers in one line, e.g. ``first 48h, then every 10wd``."""
        if self.kind == "timescale":
            assert self.start and self.done
            done = " or ".join(d.text for d in self.dones)
            start = self.start.text + (f" (from the {self.from_.text} before it)" if self.from_ else "")
            if self.checkpoints:
                limit = f"by {', '.join(str(c) for c in self.checkpoints)} after"
            elif self.window:
                lo, hi = self.window
                limit = f"from {lo} to {hi} of"
            else:
                limit = f"within {self.within} of"
            return f"{done} {limit} {start}" + (" while it is open" if self.while_open else "")
        if self.kind == "presence":
            ev = " or ".join(e.text for e in self.events)
            return f"{ev} on file" + (f" within {self.within} of the anchor" if self.within else "")
        parts = []
        if self.first and self.first != self.interval:
            parts.append(f"first within {self.first}")
        for p in self.phases:
            bound = (
                f"until {p.until}" if p.until else
                f"until age {p.until_age}" if p.until_age is not None else
                f"until the first {p.until_event.text}" if p.until_event is not None else
                f"for the first {p.count}"
            )
            perm = f" ({p.permanent_interval} if permanent)" if p.permanent_interval else ""
            parts.append(f"every {p.interval} {bound}{perm}")
        perm = f" ({self.permanent_interval} if permanent)" if self.permanent_interval else ""
        parts.append(f"{'then ' if parts else ''}every {self.interval}{perm}")
        return ", ".join(parts)


def with_floor(rule: Rule, amber_margin: float) -> Rule:
    """The rule with its floor filled in: the profile's own, else the target less
    ``amber_margin`` (never below 0)."""
    if rule.floor is not None:
        return rule
    return replace(rule, floor=max(0.0, rule.target - amber_margin))
