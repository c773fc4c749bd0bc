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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from casecheck import words
from casecheck.calendar import Duration, WorkingCalendar, parse_closure_days
from casecheck.errors import CasecheckError, ProfileError
from casecheck.schema import DATE, EPISODE_TYPES, TABLES
from casecheck.tomlfile import parse_toml, read_text

KINDS = ("frequency", "recency", "timescale", "presence")
_RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def standards_dirs() -> list[Path]:
    """Where bundled profiles live: the package's copy, then the repository's ``standards/``."""
    here = Path(__file__).resolve().parent
    return [here / "profiles", here.parent.parent / "standards"]


# ---------------------------------------------------------------------------------------------
# Event references
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventRef:
    """A kind of dated event: a table, its date column and a filter on its rows.

    Written in profiles as ``visit``, ``visit:any``, ``visit:seen_alone``, ``supervision``,
    ``supervision:case|allocation``, ``document:genogram``, ``meeting:cin_review|taf``,
    ``episode:s47``, ``placement``, or ``<table>.<date column>``.
    """

    text: str
    table: str
    date: str
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    seen: bool = False  # visits only: the child was seen (blank counts as seen) and statutory
    seen_alone: bool = False

    def describe(self) -> str:
        """The event in a social worker's words (:mod:`casecheck.words`): ``visit (child
        seen)``, ``initial child protection conference``, ``referral decision``."""
        if self.table == "visits" and self.date == "visit_date" and not self.where:
            if self.seen:
                return "visit (child seen alone)" if self.seen_alone else "visit (child seen)"
            return "visit"
        for col, values in self.where:
            if col == "episode_type":
                return words.episode_start(values)
            if col == "assessment_type":
                return f"{words.either(values)} assessment start"
            if col in ("document_type", "meeting_type", "supervision_type"):
                return words.either(values)
        return words.date_column(self.table, self.date)


_PREFIXES = {
    "supervision": ("supervisions", "supervision_date", "supervision_type"),
    "document": ("documents", "document_date", "document_type"),
    "meeting": ("meetings", "meeting_date", "meeting_type"),
    "episode": ("episodes", "start_date", "episode_type"),
    "assessment": ("assessments", "start_date", "assessment_type"),
}


def parse_event(text: str) -> EventRef:
    """Parse an event reference (see :class:`EventRef`)."""
    raw = str(text).strip()
    head, _, tail = raw.partition(":")
    values = tuple(v.strip() for v in tail.split("|") if v.strip())
    if head == "visit":
        if not tail:
            return EventRef(raw, "visits", "visit_date", seen=True)
        if tail == "any":
            return EventRef(raw, "visits", "visit_date")
        if tail == "seen_alone":
            return EventRef(raw, "visits", "visit_date", seen=True, seen_alone=True)
        raise ProfileError(f"'{raw}': visit takes ':any' or ':seen_alone'")
    if head in _PREFIXES:
        table, date, col = _PREFIXES[head]
        where = ((col, values),) if values else ()
        return EventRef(raw, table, date, where)
    if head == "placement" and not tail:
        return EventRef(raw, "placements", "start_date")
    if head == "referral" and not tail:
        return EventRef(raw, "referrals", "received_date")
    if "." in raw and not tail:
        table, _, col = raw.partition(".")
        if table not in TABLES:
            raise ProfileError(f"'{raw}': no table '{table}' (tables: {', '.join(TABLES)})")
        cols = {c.name: c for c in TABLES[table].columns}
        if col not in cols or cols[col].kind != DATE:
            dates = [c.name for c in TABLES[table].columns if c.kind == DATE]
            raise ProfileError(f"'{raw}': {table} has no date column '{col}' ({', '.join(dates)})")
        return EventRef(raw, table, col)
    raise ProfileError(
        f"'{raw}' is not an event: use visit, visit:any, supervision[:type], document:<type>, "
        "meeting:<type>, episode:<type>, placement, referral or <table>.<date column>"
    )


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
        if self.permanent_interval:
            tables.append("placements")
        for ref in (*self.events, self.start, self.done):
            if ref is not None:
                tables.append(ref.table)
        return tuple(dict.fromkeys(tables))

    @property
    def durations(self) -> list[Duration]:
        out = [d for d in (self.first, self.interval, self.permanent_interval, self.within) if d]
        for p in self.phases:
            out += [d for d in (p.interval, p.until, p.permanent_interval) if d]
        return out

    @property
    def approximate(self) -> bool:
        return any(d.approximate for d in self.durations)

    def parameters(self) -> str:
        """The rule's numbers in one line, e.g. ``first 48h, then every 10wd``."""
        if self.kind == "timescale":
            assert self.start and self.done and self.within
            return f"{self.done.text} within {self.within} of {self.start.text}"
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
        return Profile(
            self.id, self.authority, self.title, self.document,
            [r for r in self.rules if r.id in keep], self.amber_margin, self.closure_days, self.path,
        )


_COMMON = {"id", "title", "kind", "target", "floor", "source", "note", "count_from", "enabled"}
_ALLOWED = {
    "frequency": _COMMON | {"cohort", "exclude", "per", "anchor", "events", "first", "interval",
                            "permanent_interval", "phases"},
    "recency": _COMMON | {"cohort", "exclude", "per", "anchor", "events", "first", "interval",
                          "permanent_interval"},
    "presence": _COMMON | {"cohort", "exclude", "per", "anchor", "events", "within"},
    "timescale": _COMMON | {"start", "start_where", "done", "within", "unmatched"},
}
_REQUIRED = {
    "frequency": {"cohort", "events", "interval"},
    "recency": {"cohort", "events", "interval"},
    "presence": {"cohort", "events"},
    "timescale": {"start", "done", "within"},
}


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
    allowed = {"interval", "until", "until_age", "count", "permanent_interval"}
    extra = set(item) - allowed
    if extra:
        raise ProfileError(f"{what} has unknown key {sorted(extra)[0]!r} (allowed: {', '.join(sorted(allowed))})")
    if "interval" not in item:
        raise ProfileError(f"{what} needs an interval")
    bounds = [k for k in ("until", "until_age", "count") if k in item]
    if len(bounds) != 1:
        raise ProfileError(f"{what} needs exactly one of until, until_age or count")
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
        anchor=get("anchor", choice(("episode", "placement")), "episode"),
        events=get("events", events, ()),
        first=get("first", _duration),
        interval=get("interval", _duration),
        permanent_interval=get("permanent_interval", _duration),
        phases=get("phases", phases, ()),
        start=get("start", event),
        start_where=get("start_where", _where, ()),
        done=get("done", event),
        within=get("within", _duration),
        count_from=get("count_from", choice(("day0", "day1")), "day0"),
        unmatched=get("unmatched", choice(("not_met", "exclude")), "not_met"),
        line=loc.rule(index),
    )
    if rule.start_where:
        assert rule.start is not None
        cols = TABLES[rule.start.table].column_names
        for col, _ in rule.start_where:
            if col not in cols:
                raise fail("start_where", f"{rule.start.table} has no column '{col}'")
    if (
        kind == "timescale" and rule.done and rule.start and rule.done.table == rule.start.table
        and rule.done.date == rule.start.date and not rule.done.where
    ):
        raise fail("done", "done must differ from start")
    return rule


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
        return Profile(
            id=meta["id"].strip(),
            authority=meta["authority"].strip(),
            title=meta["title"].strip(),
            document=str(meta.get("document", "")),
            rules=rules,
            amber_margin=float(margin),
            closure_days=list(closure),
            path=path,
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
