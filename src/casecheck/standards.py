"""Standards profiles: an authority's practice standards as data (``standards/*.toml``).

A profile is a list of rules. Each rule is one of four kinds, implemented once in
:mod:`casecheck.engine` and parameterised here:

``frequency``  qualifying events must follow the anchor and each other within an interval
               (optionally phased), and the last must still be in date at the audit date.
``recency``    the latest event of a type is no older than an interval.
``timescale``  event B within an interval of event A (assessment completed within 45wd).
``presence``   a document exists, optionally by a deadline from the anchor.

``standards/README.md`` documents the format; :func:`load_profile` validates a file and points at
the line that is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from casecheck.calendar import Duration, WorkingCalendar, parse_closure_days
from casecheck.errors import CasecheckError, ProfileError
from casecheck.references import (
    Age,
    Condition,
    EventRef,
    Offset,
    describe_conditions,
    parse_conditions,
    parse_event,
)
from casecheck.schema import EPISODE_TYPES, TABLES
from casecheck.tomlfile import parse_toml, read_text

KINDS = ("frequency", "recency", "timescale", "presence")
_RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def standards_dirs() -> list[Path]:
    """Where bundled profiles live: the package's copy, then the repository's ``standards/``."""
    here = Path(__file__).resolve().parent
    return [here / "profiles", here.parent.parent / "standards"]


# ---------------------------------------------------------------------------------------------
# Rules and profiles
# ---------------------------------------------------------------------------------------------
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


@dataclass
class Profile:
    id: str
    authority: str
    title: str
    document: str
    rules: list[Rule]
    amber_margin: float = 10.0
    closure_days: list[str] = field(default_factory=list)
    path: Path | None = None
    #: the standards document's own title and date, as outputs name it
    document_title: str = ""
    document_date: str = ""

    @property
    def cited(self) -> str:
        """The standards document by its title and date: ``Practice Standards (2023)`` (the
        profile's title when the document's is not given)."""
        title = self.document_title or self.title
        return f"{title} ({self.document_date})" if self.document_date else title

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(closure_days=self.closure_days)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def tables(self) -> set[str]:
        """Every table the profile's rules read (children, episodes and workers included)."""
        out = {"children", "episodes", "workers"}
        for rule in self.rules:
            out |= set(rule.needs) | {"placements"}
        return out

    def with_closure_days(self, days: Iterable[str]) -> Profile:
        """A copy with more local closure days (e.g. from casecheck.toml)."""
        return replace(self, closure_days=[*self.closure_days, *days])

    def select(self, ids: list[str] | None) -> Profile:
        """A copy with only the named rules (in profile order); unknown ids are an error."""
        if not ids:
            return self
        known = {r.id for r in self.rules}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ProfileError(
                f"profile {self.id} has no rule {', '.join(unknown)} (rules: {', '.join(sorted(known))})"
            )
        keep = set(ids)
        return replace(self, rules=[r for r in self.rules if r.id in keep])


_COMMON = {"id", "title", "kind", "target", "floor", "source", "note", "count_from", "enabled", "basis"}
#: where a rule's numbers come from
BASES = ("document", "statutory", "casecheck default")
#: the parameters a per-parameter basis may name (those the rule has)
_NUMBERS = ("first", "interval", "permanent_interval", "phases", "within", "window", "checkpoints",
            "anchor", "until_age")
_COHORT = {"cohort", "exclude", "per", "anchor", "events", "placement_where", "exclude_placement",
           "until_age"}
_ALLOWED = {
    "frequency": _COMMON | _COHORT | {"first", "interval", "permanent_interval", "phases", "permanence"},
    "recency": _COMMON | _COHORT | {"first", "interval", "permanent_interval", "permanence"},
    "presence": _COMMON | _COHORT | {"within"},
    "timescale": _COMMON | {"start", "start_where", "done", "within", "unmatched", "from", "window",
                            "checkpoints", "while_open"},
}
_REQUIRED = {
    "frequency": {"cohort", "events", "interval"},
    "recency": {"cohort", "events", "interval"},
    "presence": {"cohort", "events"},
    "timescale": {"start", "done"},
}
#: a timescale's time limit: exactly one of these
_LIMITS = ("within", "window", "checkpoints")


class _Locator:
    """Finds the line of a rule's key in the TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.rule_lines = [i + 1 for i, line in enumerate(self.lines) if line.strip() == "[[rule]]"]

    def rule(self, index: int) -> int:
        return self.rule_lines[index] if index < len(self.rule_lines) else 0

    def key(self, index: int, key: str) -> int:
        start = self.rule(index)
        end = self.rule_lines[index + 1] if index + 1 < len(self.rule_lines) else len(self.lines) + 1
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, end - 1):
            if pat.match(self.lines[n]):
                return n + 1
        return start


def _strs(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProfileError(f"{what} must be a string or a list of strings")


def _duration(value: object, what: str) -> Duration:
    if not isinstance(value, str):
        raise ProfileError(f"{what} must be a duration in quotes, e.g. \"10wd\"")
    try:
        return Duration.parse(value)
    except CasecheckError as exc:
        raise ProfileError(f"{what}: {exc}") from None


def _where(value: object, what: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ProfileError(f"{what} must be a table such as {{ assessment_type = [\"early_help\"] }}")
    return tuple((str(k), _strs(v, f"{what}.{k}")) for k, v in value.items())


def _phase(item: object, what: str) -> Phase:
    if not isinstance(item, dict):
        raise ProfileError(f"{what} must be a table")
    allowed = {"interval", "until", "until_age", "count", "permanent_interval", "until_event"}
    extra = set(item) - allowed
    if extra:
        raise ProfileError(f"{what} has unknown key {sorted(extra)[0]!r} (allowed: {', '.join(sorted(allowed))})")
    if "interval" not in item:
        raise ProfileError(f"{what} needs an interval")
    bounds = [k for k in ("until", "until_age", "count", "until_event") if k in item]
    if len(bounds) != 1:
        raise ProfileError(f"{what} needs exactly one of until, until_age, until_event or count")
    until_event = None
    if "until_event" in item:
        if not isinstance(item["until_event"], str):
            raise ProfileError(f"{what}.until_event must be one event reference, e.g. \"meeting:cla_review\"")
        until_event = parse_event(item["until_event"])
    for k, most in (("until_age", 30), ("count", 10_000)):
        if k in item and (not isinstance(item[k], int) or isinstance(item[k], bool)
                          or not 0 <= item[k] <= most):
            raise ProfileError(f"{what}.{k} must be a whole number from 0 to {most:,}")
    return Phase(
        interval=_duration(item["interval"], f"{what}.interval"),
        until=_duration(item["until"], f"{what}.until") if "until" in item else None,
        until_age=item.get("until_age"),
        count=item.get("count"),
        permanent_interval=(
            _duration(item["permanent_interval"], f"{what}.permanent_interval")
            if "permanent_interval" in item else None
        ),
        until_event=until_event,
    )


def _rule(item: dict, index: int, loc: _Locator) -> Rule:
    rid = item.get("id")
    label = f"rule {rid!r}" if rid else f"rule #{index + 1}"

    def fail(key: str | None, message: str) -> ProfileError:
        line = loc.key(index, key) if key else loc.rule(index)
        return ProfileError(f"line {line}: {label}: {message}")

    for key in ("id", "title", "kind", "target", "source"):
        if key not in item:
            return_error = fail(None, f"missing '{key}'")
            raise return_error
    if not isinstance(rid, str) or not _RULE_ID.match(rid):
        raise fail("id", "id must be lower-case words joined by hyphens, e.g. visits-cp")
    kind = item["kind"]
    if kind not in KINDS:
        raise fail("kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    extra = set(item) - _ALLOWED[kind]
    if extra:
        key = sorted(extra)[0]
        raise fail(key, f"unknown key '{key}' for a {kind} rule (allowed: {', '.join(sorted(_ALLOWED[kind]))})")
    missing = _REQUIRED[kind] - set(item)
    if missing:
        raise fail(None, f"a {kind} rule needs '{sorted(missing)[0]}'")
    if not isinstance(item.get("enabled", True), bool):
        raise fail("enabled", "enabled must be true or false (without quotes)")
    target = item["target"]
    if not isinstance(target, int | float) or not 0 <= target <= 100:
        raise fail("target", "target must be a percentage from 0 to 100")
    floor = item.get("floor")
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, int | float)
                              or not 0 <= floor <= target):
        raise fail("floor", f"floor must be a percentage from 0 up to the target ({target:g})")
    for key in ("title", "source"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise fail(key, f"{key} must be non-empty text")

    def get(key: str, conv, default=None):
        if key not in item:
            return default
        try:
            return conv(item[key], key)
        except ProfileError as exc:
            raise fail(key, str(exc)) from None

    def events(value, what):
        return tuple(parse_event(e) for e in _strs(value, what))

    def event(value, what):
        if not isinstance(value, str):
            raise ProfileError(f"{what} must be one event reference")
        return parse_event(value)

    def events_or_one(value, what):
        if isinstance(value, list) and value:
            return events(value, what)
        return (event(value, what),)

    def episode_types(value, what):
        types = _strs(value, what)
        bad = [t for t in types if t not in EPISODE_TYPES]
        if bad:
            raise ProfileError(f"unknown episode type {bad[0]!r} (known: {', '.join(EPISODE_TYPES)})")
        return types

    def choice(options):
        def conv(value, what):
            if value not in options:
                raise ProfileError(f"{what} must be one of {', '.join(options)}")
            return value
        return conv

    def anchor_text(value, what):
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{what} must be \"episode\", \"placement\", an age such as "
                               "\"age:15y8mo\", or an event such as \"meeting:cla_review#2\"")
        value = value.strip()
        if value not in ("episode", "placement"):
            anchor_age(value, what)
            anchor_event(value, what)
        return value

    def anchor_age(value, what):
        text = str(value).strip()
        return Age.parse(text.removeprefix("age:")) if text.startswith("age:") else None

    def anchor_event(value, what):
        text = str(value).strip()
        if text in ("episode", "placement") or text.startswith("age:"):
            return None
        return parse_event(text, allow_nth=True)

    def whole(lo, hi):
        def conv(value, what):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ProfileError(f"{what} must be a whole number from {lo} to {hi}")
            return value
        return conv

    def basis(value, what):
        def one(v, where):
            if v not in BASES:
                raise ProfileError(f"{where} must be one of {', '.join(repr(b) for b in BASES)}, not {v!r}")
            return v
        if isinstance(value, str):
            return (("", one(value, what)),)
        if isinstance(value, dict) and value:
            numbers = [k for k in _NUMBERS if k in item]
            for k in value:
                if k not in numbers:
                    raise ProfileError(f"{what} names '{k}', which is not a number of this rule "
                                       f"(its numbers: {', '.join(numbers) or 'none'})")
            return tuple((k, one(v, f"{what}.{k}")) for k, v in value.items())
        raise ProfileError(f"{what} must be \"document\", \"statutory\" or \"casecheck default\", or a "
                           "table of them by parameter, e.g. { first = \"statutory\", interval = \"document\" }")

    def window(value, what):
        if not isinstance(value, list) or len(value) != 2:
            raise ProfileError(f"{what} must be two durations, e.g. [\"-3w\", \"-2w\"] (or [\"case\", \"0d\"])")
        lo = "case" if value[0] == "case" else Offset.parse(value[0], f"{what}[0]")
        hi = Offset.parse(value[1], f"{what}[1]")
        return lo, hi

    def checkpoints(value, what):
        if not isinstance(value, list) or not value or len(value) > 12:
            raise ProfileError(f"{what} must be a list of durations, e.g. [\"10wd\", \"25wd\", \"35wd\"]")
        return tuple(_duration(v, f"{what}[{i}]") for i, v in enumerate(value))

    def flag(value, what):
        if not isinstance(value, bool):
            raise ProfileError(f"{what} must be true or false (without quotes)")
        return value

    def placement_conditions(value, what):
        return parse_conditions(value, "placements", what)

    def phases(value, what):
        if not isinstance(value, list):
            raise ProfileError("phases must be an array of tables ([[rule.phases]])")
        return tuple(_phase(p, f"{what}[{i}]") for i, p in enumerate(value))

    default_per = "episode" if kind == "frequency" else "child"
    rule = Rule(
        id=rid,
        title=item["title"].strip(),
        kind=kind,
        target=float(target),
        floor=None if floor is None else float(floor),
        source=item["source"].strip(),
        note=str(item.get("note", "")).strip(),
        cohort=get("cohort", episode_types, ()),
        exclude=get("exclude", episode_types, ()),
        per=get("per", choice(("episode", "child")), default_per),
        anchor=get("anchor", anchor_text, "episode"),
        anchor_age=get("anchor", anchor_age, None),
        anchor_event=get("anchor", anchor_event, None),
        until_age=get("until_age", whole(0, 30), None),
        from_=get("from", event, None),
        window=get("window", window, None),
        checkpoints=get("checkpoints", checkpoints, ()),
        while_open=get("while_open", flag, False),
        basis=get("basis", basis, ()),
        events=get("events", events, ()),
        first=get("first", _duration),
        interval=get("interval", _duration),
        permanent_interval=get("permanent_interval", _duration),
        phases=get("phases", phases, ()),
        start=get("start", event),
        start_where=get("start_where", _where, ()),
        done=get("done", events_or_one, (None,))[0],
        done_also=get("done", events_or_one, (None,))[1:],
        within=get("within", _duration),
        count_from=get("count_from", choice(("day0", "day1")), "day0"),
        placement_where=get("placement_where", placement_conditions, ()),
        exclude_placement=get("exclude_placement", placement_conditions, ()),
        permanence=get("permanence", choice(("placement", "episode")), "placement"),
        unmatched=get("unmatched", choice(("not_met", "exclude")), "not_met"),
        line=loc.rule(index),
    )
    if kind == "timescale":
        limits = [k for k in _LIMITS if k in item]
        if len(limits) != 1:
            raise fail(limits[1] if len(limits) > 1 else None,
                       "a timescale rule needs exactly one of within, window or checkpoints")
        if rule.window and rule.window[0] != "case":
            lo, hi = rule.window
            if _signed_days(lo) > _signed_days(hi):
                raise fail("window", "the window's first bound must come before its second")
        if rule.checkpoints and [d.approx_days for d in rule.checkpoints] != sorted(
                d.approx_days for d in rule.checkpoints):
            raise fail("checkpoints", "checkpoints must be in order, earliest first")
        if rule.done_also and rule.checkpoints:
            raise fail("checkpoints", "checkpoints take one done event")
    if rule.start_where:
        assert rule.start is not None
        cols = TABLES[rule.start.table].column_names
        for col, _ in rule.start_where:
            if col not in cols:
                raise fail("start_where", f"{rule.start.table} has no column '{col}'")
    if (
        kind == "timescale" and rule.done and rule.start and not rule.done_also and rule.from_ is None
        and rule.done.table == rule.start.table and rule.done.date == rule.start.date
        and not rule.done.filtered
    ):
        raise fail("done", "done must differ from start (or, to judge the start's own row, give "
                           "it a condition: \"visit where seen_alone\")")
    return rule


def _signed_days(offset: Offset) -> float:
    return -offset.duration.approx_days if offset.before else offset.duration.approx_days


def with_floor(rule: Rule, amber_margin: float) -> Rule:
    """The rule with its floor filled in: the profile's own, else the target less
    ``amber_margin`` (never below 0)."""
    if rule.floor is not None:
        return rule
    return replace(rule, floor=max(0.0, rule.target - amber_margin))


def parse_profile(text: str, path: Path | None = None) -> Profile:
    """Parse and validate profile text; errors name the line that is wrong."""
    name = path.name if path else "profile"
    data = parse_toml(text, name, ProfileError)
    loc = _Locator(text)
    try:
        meta = data.get("profile")
        if not isinstance(meta, dict):
            raise ProfileError("line 1: no [profile] table (id, authority, title, document)")
        for key in ("id", "authority", "title"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                raise ProfileError(f"[profile] needs '{key}'")
        rules_raw = data.get("rule")
        if not isinstance(rules_raw, list) or not rules_raw:
            raise ProfileError("no rules: add [[rule]] tables")
        rules = []
        seen: dict[str, int] = {}
        for i, item in enumerate(rules_raw):
            rule = _rule(item, i, loc)
            if rule.id in seen:
                raise ProfileError(
                    f"line {rule.line}: rule {rule.id!r} is defined twice (first at line {seen[rule.id]})"
                )
            seen[rule.id] = rule.line
            if item.get("enabled", True):
                rules.append(rule)
        closure = meta.get("closure_days", [])
        parse_closure_days(closure)
        margin = meta.get("amber_margin", 10)
        if not isinstance(margin, int | float) or isinstance(margin, bool) or not 0 <= margin <= 100:
            raise ProfileError("[profile] amber_margin must be a number of percentage points (0 to 100)")
        rules = [with_floor(r, float(margin)) for r in rules]
        if isinstance(meta.get("document_date"), dt.date):  # an unquoted TOML date
            meta["document_date"] = f"{meta['document_date']:%-d %B %Y}"
        for key in ("document_title", "document_date"):
            if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
                raise ProfileError(f"[profile] {key} must be non-empty text"
                                   + (", e.g. \"November 2023\"" if key == "document_date" else ""))
        return Profile(
            id=meta["id"].strip(),
            authority=meta["authority"].strip(),
            title=meta["title"].strip(),
            document=str(meta.get("document", "")),
            rules=rules,
            amber_margin=float(margin),
            closure_days=list(closure),
            path=path,
            document_title=str(meta.get("document_title", "")).strip(),
            document_date=str(meta.get("document_date", "")).strip(),
        )
    except CasecheckError as exc:
        raise ProfileError(f"{name}: {exc}") from None


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    return parse_profile(read_text(path, "profile", ProfileError), path)


def profile_paths() -> dict[str, Path]:
    """Bundled profiles by id."""
    found: dict[str, Path] = {}
    for folder in standards_dirs():
        if folder.is_dir():
            for p in sorted(folder.glob("*.toml")):
                found.setdefault(p.stem, p)
    return found


def resolve_profile(name_or_path: str) -> Profile:
    """A bundled profile by name (``redcar-cleveland``) or a user's TOML file."""
    candidate = Path(name_or_path)
    paths = profile_paths()
    if candidate.suffix == ".toml" or candidate.is_file() or (
        candidate.exists() and name_or_path not in paths
    ):
        if not candidate.exists():
            raise ProfileError(f"profile file {candidate} does not exist")
        return load_profile(candidate)  # (a folder is refused there, with its name)
    if name_or_path not in paths:
        raise ProfileError(
            f"no standards profile '{name_or_path}': choose one of {', '.join(paths) or '(none found)'} "
            "or give a .toml file"
        )
    return load_profile(paths[name_or_path])


def list_profiles() -> list[Profile]:
    return [load_profile(p) for p in profile_paths().values()]
