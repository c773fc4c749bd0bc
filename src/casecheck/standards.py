"""Standards profiles: an authority's practice standards as data (``standards/*.toml``).

A profile is a list of rules (:mod:`casecheck.rules`), each one of four kinds implemented once in
:mod:`casecheck.engine` and parameterised by its keys (:mod:`casecheck.rule_parsing`).
``standards/README.md`` documents the format; :func:`load_profile` validates a file and points at
the line that is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from casecheck.calendar import WorkingCalendar, parse_closure_days
from casecheck.errors import CasecheckError, ProfileError
from casecheck.references import EventRef, parse_event
from casecheck.rule_parsing import Locator, parse_rule
from casecheck.rules import BASES, KINDS, Phase, Rule, with_floor
from casecheck.tomlfile import parse_toml, read_text

__all__ = ["BASES", "KINDS", "EventRef", "Phase", "Profile", "Rule", "list_profiles", "load_profile",
           "parse_event", "parse_profile", "profile_paths", "resolve_profile", "standards_dirs",
           "with_floor"]


def standards_dirs() -> list[Path]:
    """Where bundled profiles live: the package's copy, then the repository's ``standards/``."""
    here = Path(__file__).resolve().parent
    return [here / "profiles", here.parent.parent / "standards"]


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


def parse_profile(text: str, path: Path | None = None) -> Profile:
    """Parse and validate profile text; errors name the line that is wrong."""
    name = path.name if path else "profile"
    data = parse_toml(text, name, ProfileError)
    loc = Locator(text)
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
            rule = parse_rule(item, i, loc)
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
