"""What a rule names: dated events (``visit where unannounced``, ``document:genogram``,
``assessments.completed_date:early_help``, ``meeting:cla_review#2``), conditions on a row
(``placement_type = P1 and legal_status = C2``), signed offsets (``-3w``) and ages (``15y8mo``).

The grammar is one for every table (``standards/README.md`` §3):

* an event is ``<kind>[:<codes>]`` or ``<table>.<date column>[:<codes>]``, where ``<codes>``
  (alternatives joined by ``|``) filter the table's type column;
* an event may carry ``where <condition> and <condition> ...``: a flag column alone
  (``unannounced``), negated (``not seen_alone``: recorded as no), or given values
  (``seen_alone = yes|no``: recorded either way), or a coded column with ``=`` or ``!=`` and
  values (``contact_by = iro|personal_adviser``). A blank value never matches;
* a cohort's placement filter is a condition alone, or a list of them (any may match).

Everything here is parsed once, when a profile is read; errors are plain sentences the profile
reader prefixes with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casecheck import words
from casecheck.calendar import Duration
from casecheck.errors import CasecheckError, ProfileError
from casecheck.schema import CODE_COLUMNS, DATE, FLAG, TABLES

#: a flag condition's values: what each spelling means
FLAG_VALUES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
#: codes written upper case (the DfE's)
UPPER_COLUMNS = {"placement_type", "legal_status"}
#: how a flag column reads in a sentence, when true and when false
FLAG_WORDS = {
    "seen": ("child seen", "child not seen"),
    "seen_alone": ("seen alone", "not seen alone"),
    "bedroom_seen": ("bedroom seen", "bedroom not seen"),
    "unannounced": ("unannounced", "announced"),
    "disability": ("disabled", "not disabled"),
}


@dataclass(frozen=True)
class Cond:
    """One condition on a row: ``column`` is (or, ``negate``, is not) one of ``values`` (codes,
    or True/False for a flag). A blank cell never matches."""

    column: str
    values: tuple[str | bool, ...]
    negate: bool = False

    def describe(self) -> str:
        """``unannounced``, ``seen alone recorded``, ``by IRO``, ``legal status not C1``."""
        col = self.column
        if all(isinstance(v, bool) for v in self.values):
            if set(self.values) == {True, False}:
                return f"{FLAG_WORDS.get(col, (col.replace('_', ' '),))[0]} recorded"
            yes, no = FLAG_WORDS.get(col, (col.replace("_", " "), "not " + col.replace("_", " ")))
            return yes if self.values[0] != self.negate else no
        values = words.either(tuple(str(v) for v in self.values))
        if col in ("contact_by", "contact_type"):
            return f"{'not ' if self.negate else ''}by {values}"
        return f"{col.replace('_', ' ')} {'not ' if self.negate else ''}{values}"


Condition = tuple[Cond, ...]  # all must hold


@dataclass(frozen=True)
class EventRef:
    """A kind of dated event: a table, its date column and a filter on its rows.

    Written in profiles as ``visit``, ``visit:any``, ``visit:seen_alone``, ``supervision``,
    ``supervision:case|allocation``, ``document:genogram``, ``meeting:cin_review|taf``,
    ``episode:s47``, ``placement``, ``referral``, ``family_contact:iro``,
    ``<table>.<date column>[:codes]``, any of them followed by ``where <conditions>``, and (where
    a rule counts occurrences) ``#n``.
    """

    text: str
    table: str
    date: str
    #: the type column (and other ``column = values`` conditions): the rows must be of these
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    seen: bool = False  # visits only: the child was seen (blank counts as seen) and statutory
    seen_alone: bool = False
    #: flag conditions and negations (``where unannounced``, ``where contact_by != other``)
    conds: Condition = ()
    #: the n-th such event (``meeting:cla_review#2``); 0 when not given
    nth: int = 0

    def describe(self) -> str:
        """The event in a social worker's words (:mod:`casecheck.words`): ``visit (child
        seen)``, ``initial child protection conference``, ``referral decision``,
        ``visit (child seen, unannounced)``."""
        extra = [c.describe() for c in self.conds]
        extra += [Cond(col, values).describe() for col, values in self.where if col != _type_column(self.table)]
        if self.table == "visits" and self.date == "visit_date" and not self.typed:
            inner = (["child seen alone"] if self.seen_alone else ["child seen"] if self.seen else []) + extra
            return "visit" + (f" ({', '.join(inner)})" if inner else "")
        return self._base() + (f" ({', '.join(extra)})" if extra else "")

    def condition_words(self) -> list[str]:
        """The event's conditions beyond its kind, in words: ``["seen alone", "bedroom seen"]``."""
        out = ["seen alone"] if self.seen_alone else []
        out += [Cond(col, values).describe() for col, values in self.where if col != _type_column(self.table)]
        return out + [c.describe() for c in self.conds]

    @property
    def typed(self) -> tuple[str, ...]:
        """The codes of the table's type column the event is limited to (empty: any)."""
        col = _type_column(self.table)
        return next((values for c, values in self.where if c == col), ())

    def _base(self) -> str:
        typed = self.typed
        if typed:
            if self.table == "episodes" and self.date == "start_date":
                return words.episode_start(typed)
            if self.table == "assessments" and self.date == "start_date":
                return f"{words.either(typed)} assessment start"
            if self.table == "family_contacts":
                return f"contact with the child or family by {words.either(typed)}"
            if self.date == TABLES[self.table].event_date:
                return words.either(typed)
            if self.table == "assessments":  # early help assessment completion
                return f"{words.either(typed)} {words.date_column(self.table, self.date)}"
            return f"{words.date_column(self.table, self.date)} ({words.either(typed)})"
        return words.date_column(self.table, self.date)

    @property
    def filtered(self) -> bool:
        """Whether the event is more than the date column: a type, a flag, a condition."""
        return bool(self.where or self.conds or self.seen)

    @property
    def columns(self) -> set[str]:
        """The columns the event reads besides child_id and its date."""
        cols = {c for c, _ in self.where} | {c.column for c in self.conds}
        if self.seen:
            cols |= {"seen", "visit_type"}
        if self.seen_alone:
            cols.add("seen_alone")
        return cols


def _type_column(table: str) -> str | None:
    cols = CODE_COLUMNS.get(table, ())
    return cols[0] if cols else None


#: event kinds: (table, date column); the type column is the table's first coded column
_KINDS = {
    "supervision": ("supervisions", "supervision_date"),
    "document": ("documents", "document_date"),
    "meeting": ("meetings", "meeting_date"),
    "episode": ("episodes", "start_date"),
    "assessment": ("assessments", "start_date"),
    "family_contact": ("family_contacts", "contact_date"),
    "placement": ("placements", "start_date"),
    "referral": ("referrals", "received_date"),
}
_WHERE = re.compile(r"\s+where\s+", re.IGNORECASE)
_NTH = re.compile(r"#(\d+)\s*$")
_HINT = ("use visit, visit:any, supervision[:type], document:<type>, meeting:<type>, "
         "episode:<type>, assessment[:type], family_contact[:role], placement, referral or "
         "<table>.<date column>, optionally followed by 'where <condition>'")


def parse_event(text: str, allow_nth: bool = False) -> EventRef:
    """Parse an event reference (see :class:`EventRef` and the module doc)."""
    raw = str(text).strip()
    head_text, *rest = _WHERE.split(raw, maxsplit=1)
    nth = 0
    m = _NTH.search(head_text)
    if m:
        if not allow_nth:
            raise ProfileError(f"'{raw}': '#{m.group(1)}' (the n-th event) is only for an anchor")
        nth = int(m.group(1))
        if not 1 <= nth <= 100:
            raise ProfileError(f"'{raw}': the n-th event must be from #1 to #100")
        head_text = head_text[: m.start()].rstrip()
    head, _, tail = head_text.partition(":")
    head, tail = head.strip(), tail.strip()
    codes = tuple(v.strip() for v in tail.split("|") if v.strip())
    seen = seen_alone = False
    if head == "visit":
        table, date = "visits", "visit_date"
        if not tail:
            seen = True
        elif tail == "seen_alone":
            seen = seen_alone = True
        elif tail != "any":
            raise ProfileError(f"'{raw}': visit takes ':any' or ':seen_alone' (or 'where ...')")
        codes = ()
    elif head in _KINDS:
        table, date = _KINDS[head]
    elif "." in head:
        table, _, date = head.partition(".")
        if table not in TABLES:
            raise ProfileError(f"'{raw}': no table '{table}' (tables: {', '.join(TABLES)})")
        cols = {c.name: c for c in TABLES[table].columns}
        if date not in cols or cols[date].kind != DATE:
            dates = [c.name for c in TABLES[table].columns if c.kind == DATE]
            raise ProfileError(f"'{raw}': {table} has no date column '{date}' ({', '.join(dates)})")
    else:
        raise ProfileError(f"'{raw}' is not an event: {_HINT}")
    where: list[tuple[str, tuple[str, ...]]] = []
    if codes:
        col = _type_column(table)
        if col is None:
            raise ProfileError(f"'{raw}': {table} has no type to filter with ':{tail}'")
        where.append((col, _codes(col, codes)))
    conds: list[Cond] = []
    if rest:
        try:
            for cond in parse_condition(rest[0], table):
                if not cond.negate and not isinstance(cond.values[0], bool):
                    where.append((cond.column, tuple(str(v) for v in cond.values)))
                else:
                    conds.append(cond)
        except ProfileError as exc:
            raise ProfileError(f"'{raw}': {exc}") from None
    return EventRef(raw, table, date, tuple(where), seen, seen_alone, tuple(conds), nth)


def _codes(column: str, values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.upper() for v in values) if column in UPPER_COLUMNS else values


_TERM = re.compile(r"^(not\s+)?([a-z_]+)\s*(?:(!=|=)\s*(.+))?$", re.IGNORECASE)


def parse_condition(text: str, table: str) -> Condition:
    """``placement_type = P1 and legal_status = C2``, ``unannounced``, ``not seen_alone``,
    ``seen_alone = yes|no``, ``contact_by != other``: the conditions (all must hold) on a row of
    ``table``."""
    if not isinstance(text, str) or not text.strip():
        raise ProfileError("a condition must be text such as \"placement_type = P1 and legal_status = C2\"")
    cols = {c.name: c for c in TABLES[table].columns}
    out = []
    for term in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        m = _TERM.match(term.strip())
        if not m:
            raise ProfileError(f"'{term.strip()}' is not a condition: write 'column', 'not column', "
                               "'column = value|value' or 'column != value'")
        negate, col, op, values = bool(m.group(1)), m.group(2).lower(), m.group(3), m.group(4)
        if col not in cols or col == "child_id" or cols[col].kind == DATE:
            usable = [c for c, k in cols.items() if c != "child_id" and k.kind != DATE]
            raise ProfileError(f"{table} has no column '{col}' to filter on ({', '.join(usable)})")
        kind = cols[col].kind
        if op is None:
            if kind != FLAG:
                raise ProfileError(f"'{term.strip()}': {col} is not a yes/no column: give its values, "
                                   f"e.g. '{col} = ...'")
            out.append(Cond(col, (not negate,)))
            continue
        if negate:
            raise ProfileError(f"'{term.strip()}': write '{col} != ...' rather than 'not {col} = ...'")
        items = tuple(v.strip() for v in values.split("|") if v.strip())
        if not items:
            raise ProfileError(f"'{term.strip()}' gives no value")
        if kind == FLAG:
            bad = [v for v in items if v.lower() not in FLAG_VALUES]
            if bad:
                raise ProfileError(f"'{term.strip()}': {col} is yes or no, not '{bad[0]}'")
            flags = tuple(dict.fromkeys(FLAG_VALUES[v.lower()] for v in items))
            if op == "!=":
                flags = tuple({True, False} - set(flags)) or flags
                if len(flags) == 2:
                    raise ProfileError(f"'{term.strip()}' can never hold")
            out.append(Cond(col, flags))
            continue
        out.append(Cond(col, _codes(col, items), negate=op == "!="))
    return tuple(out)


def parse_conditions(value: object, table: str, what: str) -> tuple[Condition, ...]:
    """A condition, or a list of them (alternatives: any may hold)."""
    if isinstance(value, str):
        return (parse_condition(value, table),)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(parse_condition(v, table) for v in value)
    raise ProfileError(f"{what} must be a condition in quotes, or a list of them, e.g. "
                       "\"placement_type = P1 and legal_status = C2\"")


def describe_conditions(alternatives: tuple[Condition, ...]) -> str:
    """``placement type P1 and legal status C2``, alternatives joined by ``or``."""
    return " or ".join(" and ".join(c.describe() for c in alt) for alt in alternatives)


# ---------------------------------------------------------------------------------------------
# Signed offsets and ages
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Offset:
    """A signed duration: ``-3w`` (three weeks before), ``2wd``, ``0d``."""

    before: bool
    duration: Duration

    @classmethod
    def parse(cls, text: object, what: str) -> Offset:
        if not isinstance(text, str):
            raise ProfileError(f"{what} must be a duration in quotes, e.g. \"-3w\" or \"10wd\"")
        t = text.strip()
        before = t.startswith("-")
        try:
            d = Duration.parse(t.lstrip("+-"))
        except CasecheckError as exc:
            raise ProfileError(f"{what}: {exc}") from None
        return cls(before and d.amount > 0, d)

    def __str__(self) -> str:
        return f"{'-' if self.before else ''}{self.duration}"

    def describe(self) -> str:
        """``3 weeks before``, ``10 working days after``, ``the same day``."""
        if self.duration.amount == 0:
            return "the same day"
        return f"{self.duration.describe()} {'before' if self.before else 'after'}"


_AGE = re.compile(r"^\s*(\d+)\s*y(?:ears?)?\s*(?:(\d+)\s*(?:mo|m|months?))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Age:
    """An age in years and months: ``15y8mo`` (also ``15y8m``, ``16y``, ``16``)."""

    years: int
    months: int = 0

    @classmethod
    def parse(cls, text: object) -> Age:
        t = str(text).strip()
        if t.isdigit():
            t += "y"
        m = _AGE.match(t)
        if not m or int(m.group(2) or 0) > 11 or int(m.group(1)) > 30:
            raise ProfileError(f"'{text}' is not an age: write years and months, e.g. 15y8mo or 16y")
        return cls(int(m.group(1)), int(m.group(2) or 0))

    @property
    def offset(self) -> str:
        """For ``dt.offset_by``: ``15y8mo``."""
        return f"{self.years}y{self.months}mo" if self.months else f"{self.years}y"

    def __str__(self) -> str:
        return f"{self.years}y{self.months}mo" if self.months else f"{self.years}y"

    def describe(self) -> str:
        """``15 years 8 months``, ``16``."""
        if not self.months:
            return str(self.years)
        return f"{self.years} years {self.months} month{'s' if self.months > 1 else ''}"
