"""Reading one ``[[rule]]`` table of a profile: every key checked, every error one sentence that
names the line (``standards/README.md`` documents the keys)."""

from __future__ import annotations

import re

from casecheck.calendar import Duration
from casecheck.errors import CasecheckError, ProfileError
from casecheck.references import Age, Offset, parse_conditions, parse_event
from casecheck.rules import BASES, KINDS, Phase, Rule
from casecheck.schema import EPISODE_TYPES, TABLES

_RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_COMMON = {"id", "title", "kind", "target", "floor", "source", "note", "count_from", "enabled", "basis"}
#: the parameters a per-parameter basis may name (those the rule has)
_NUMBERS = ("first", "interval", "permanent_interval", "phases", "within", "window", "checkpoints",
            "anchor", "until_age")
_COHORT = {"cohort", "exclude", "per", "anchor", "anchor_in", "events", "placement_where", "exclude_placement",
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


class Locator:
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


def _events(value, what):
    return tuple(parse_event(e) for e in _strs(value, what))


def _event(value, what):
    if not isinstance(value, str):
        raise ProfileError(f"{what} must be one event reference")
    return parse_event(value)


def _events_or_one(value, what):
    if isinstance(value, list) and value:
        return _events(value, what)
    return (_event(value, what),)


def _episode_types(value, what):
    types = _strs(value, what)
    bad = [t for t in types if t not in EPISODE_TYPES]
    if bad:
        raise ProfileError(f"unknown episode type {bad[0]!r} (known: {', '.join(EPISODE_TYPES)})")
    return types


def _choice(options):
    def conv(value, what):
        if value not in options:
            raise ProfileError(f"{what} must be one of {', '.join(options)}")
        return value
    return conv


def _anchor_text(value, what):
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{what} must be \"episode\", \"placement\", an age such as "
                           "\"age:15y8mo\", or an event such as \"meeting:cla_review#2\"")
    value = value.strip()
    if value not in ("episode", "placement"):
        _anchor_age(value, what)
        _anchor_event(value, what)
    return value


def _anchor_age(value, what):
    text = str(value).strip()
    return Age.parse(text.removeprefix("age:")) if text.startswith("age:") else None


def _anchor_event(value, what):
    text = str(value).strip()
    if text in ("episode", "placement") or text.startswith("age:"):
        return None
    return parse_event(text, allow_nth=True)


def _whole(lo, hi):
    def conv(value, what):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ProfileError(f"{what} must be a whole number from {lo} to {hi}")
        return value
    return conv


def _basis(item: dict):
    """The converter for ``basis``, which may name only the numbers ``item`` has."""

    def conv(value, what):
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

    return conv


def _window(value, what):
    if not isinstance(value, list) or len(value) != 2:
        raise ProfileError(f"{what} must be two durations, e.g. [\"-3w\", \"-2w\"] (or [\"case\", \"0d\"])")
    lo = "case" if value[0] == "case" else Offset.parse(value[0], f"{what}[0]")
    hi = Offset.parse(value[1], f"{what}[1]")
    return lo, hi


def _checkpoints(value, what):
    if not isinstance(value, list) or not value or len(value) > 12:
        raise ProfileError(f"{what} must be a list of durations, e.g. [\"10wd\", \"25wd\", \"35wd\"]")
    return tuple(_duration(v, f"{what}[{i}]") for i, v in enumerate(value))


def _flag(value, what):
    if not isinstance(value, bool):
        raise ProfileError(f"{what} must be true or false (without quotes)")
    return value


def _placement_conditions(value, what):
    return parse_conditions(value, "placements", what)


def _phases(value, what):
    if not isinstance(value, list):
        raise ProfileError("phases must be an array of tables ([[rule.phases]])")
    return tuple(_phase(p, f"{what}[{i}]") for i, p in enumerate(value))


def parse_rule(item: dict, index: int, loc: Locator) -> Rule:
    """One ``[[rule]]`` table as a :class:`Rule`; a bad key is a ProfileError naming its line."""
    rid = item.get("id")
    label = f"rule {rid!r}" if rid else f"rule #{index + 1}"

    def fail(key: str | None, message: str) -> ProfileError:
        line = loc.key(index, key) if key else loc.rule(index)
        return ProfileError(f"line {line}: {label}: {message}")

    _check_common(item, fail)
    kind = item["kind"]

    def get(key: str, conv, default=None):
        if key not in item:
            return default
        try:
            return conv(item[key], key)
        except ProfileError as exc:
            raise fail(key, str(exc)) from None

    floor = item.get("floor")
    default_per = "episode" if kind == "frequency" else "child"
    rule = Rule(
        id=rid,
        title=item["title"].strip(),
        kind=kind,
        target=float(item["target"]),
        floor=None if floor is None else float(floor),
        source=item["source"].strip(),
        note=str(item.get("note", "")).strip(),
        cohort=get("cohort", _episode_types, ()),
        exclude=get("exclude", _episode_types, ()),
        per=get("per", _choice(("episode", "child")), default_per),
        anchor=get("anchor", _anchor_text, "episode"),
        anchor_age=get("anchor", _anchor_age, None),
        anchor_event=get("anchor", _anchor_event, None),
        anchor_in=get("anchor_in", _choice(("episode", "case")), "episode"),
        until_age=get("until_age", _whole(0, 30), None),
        from_=get("from", _event, None),
        window=get("window", _window, None),
        checkpoints=get("checkpoints", _checkpoints, ()),
        while_open=get("while_open", _flag, False),
        basis=get("basis", _basis(item), ()),
        events=get("events", _events, ()),
        first=get("first", _duration),
        interval=get("interval", _duration),
        permanent_interval=get("permanent_interval", _duration),
        phases=get("phases", _phases, ()),
        start=get("start", _event),
        start_where=get("start_where", _where, ()),
        done=get("done", _events_or_one, (None,))[0],
        done_also=get("done", _events_or_one, (None,))[1:],
        within=get("within", _duration),
        count_from=get("count_from", _choice(("day0", "day1")), "day0"),
        placement_where=get("placement_where", _placement_conditions, ()),
        exclude_placement=get("exclude_placement", _placement_conditions, ()),
        permanence=get("permanence", _choice(("placement", "episode")), "placement"),
        unmatched=get("unmatched", _choice(("not_met", "exclude")), "not_met"),
        line=loc.rule(index),
    )
    _check_timescale(rule, item, fail)
    return rule


def _check_common(item: dict, fail) -> None:
    """The keys every rule has: present, of the right kind, for this kind of rule."""
    for key in ("id", "title", "kind", "target", "source"):
        if key not in item:
            raise fail(None, f"missing '{key}'")
    rid = item.get("id")
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


def _check_timescale(rule: Rule, item: dict, fail) -> None:
    """What only the whole rule can show wrong (a timescale's limit, its start's filter, a done
    that is its start)."""
    kind = rule.kind
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


def _signed_days(offset: Offset) -> float:
    return -offset.duration.approx_days if offset.before else offset.duration.approx_days
