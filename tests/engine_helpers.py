"""Small builders for hand-worked engine tests: a dataset from rows, a profile from rules."""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck.engine import AuditResult, audit
from casecheck.schema import TABLES
from casecheck.sources import load_frames
from casecheck.standards import parse_profile

D = dt.date


def frame(rows: list[dict], table: str | None = None) -> pl.DataFrame:
    """Rows as an all-text frame (as a CSV would give), None kept as blank.

    An empty list gives an empty table with the table's required columns.
    """
    cols: list[str] = list(TABLES[table].required_columns) if table and not rows else []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return pl.DataFrame(
        {c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in cols},
        schema={c: pl.String for c in cols},
    )


def dataset(as_at: dt.date | None = None, **tables: list[dict]):
    """A dataset from lists of row dicts; children are added for every child_id mentioned."""
    ids: set[str] = set()
    for rows in tables.values():
        ids |= {str(r["child_id"]) for r in rows if "child_id" in r}
    children = tables.pop("children", None) or [
        {"child_id": c, "date_of_birth": "2015-06-01"} for c in sorted(ids)
    ]
    frames = {"children": frame(children)}
    frames |= {name: frame(rows, name) for name, rows in tables.items()}
    if "episodes" not in frames:
        frames["episodes"] = frame([], "episodes")
    return load_frames(frames, as_at=as_at)


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def profile(*rules: dict, closure_days: list[str] | None = None):
    """A profile from rule dicts (id/title/target/source filled in when left out)."""
    lines = ['[profile]', 'id = "test"', 'authority = "Test"', 'title = "Test standards"']
    if closure_days:
        lines.append(f"closure_days = {_toml_value(closure_days)}")
    for i, rule in enumerate(rules):
        rule = {"id": f"rule-{i}", "title": "t", "target": 90, "source": "test"} | rule
        phases = rule.pop("phases", [])
        lines.append("[[rule]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in rule.items()]
        for p in phases:
            lines.append("[[rule.phases]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in p.items()]
    return parse_profile("\n".join(lines))


def run(ds, prof, as_at: dt.date, since: dt.date | None = None, **kw) -> AuditResult:
    """``audit`` as at ``as_at`` (``period="all"``, ``over_period=True``... as keywords)."""
    return audit(ds, prof, as_at=as_at, since=since, **kw)


def one(result: AuditResult, rule_id: str | None = None, child_id: str | None = None) -> dict:
    """The single finding (for a rule/child); fails if there is not exactly one."""
    f = result.findings
    if rule_id:
        f = f.filter(pl.col("rule_id") == rule_id)
    if child_id:
        f = f.filter(pl.col("child_id") == child_id)
    assert f.height == 1, f"expected one finding, got {f.height}: {f}"
    return f.row(0, named=True)


CP_VISITS = {
    "id": "visits-cp",
    "kind": "frequency",
    "cohort": ["child_protection"],
    "events": ["visit"],
    "first": "48h",
    "interval": "10wd",
}
