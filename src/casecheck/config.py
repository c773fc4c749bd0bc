"""``casecheck.toml``: defaults for a cron job, so the crontab line stays short.

Found in the working directory, or given with ``--config FILE``. Every option a scheduled run
sets can live here; options on the command line win. Settings at the top apply to every command
that has that option; a ``[audit]``, ``[due]``, ``[trend]``, ``[validate]`` or ``[inspect]``
table holds settings for that command only (and wins over the top)::

    # casecheck.toml
    data = "/srv/extracts/latest"        # the DATA argument when none is given
    standards = "redcar-cleveland"       # --standards
    as_at = "today"                      # --as-at (a date, "today" or "last-month-end")
    output_dir = "/srv/audits"           # relative output paths are written here
    pseudonymise = true                  # --pseudonymise
    key_file = "/etc/casecheck/key"      # --key-file
    strict = true                        # --strict: unknown codes fail the run (exit 3)
    fail_under = "target"                # --fail-under (a percentage, "target" or "floor")
    closure_days = ["2025-12-29..2025-12-31"]   # local closure days, added to the profile's

    [audit]
    xlsx = "audit.xlsx"                  # --xlsx
    output = "findings.parquet"          # --output
    top = 20                             # --top

    [due]
    within = "2w"                        # --within
    by = "worker"                        # --by
    output = "due.csv"

Relative paths in the file are relative to the file's folder; relative output paths (output,
summary_output, xlsx, issues, on the command line or here) go to ``output_dir`` when it is set.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from casecheck.calendar import Duration, parse_closure_days
from casecheck.errors import UsageError
from casecheck.tomlfile import read_toml

CONFIG_NAME = "casecheck.toml"
COMMANDS = ("audit", "due", "trend", "validate", "inspect", "dip-sample")

#: every setting, and the kind of value it takes
SETTINGS: dict[str, str] = {
    "data": "path", "standards": "text", "source": "text", "mapping": "path",
    "output_dir": "folder", "key_file": "path", "closure_days": "closure",
    "as_at": "date", "since": "date", "period": "text", "over_period": "flag", "rules": "rules",
    "top": "count", "within": "duration",
    "by": "group", "fail_under": "threshold", "pseudonymise": "flag", "strict": "flag",
    "chunks": "chunks", "quiet": "flag", "format": "text", "summary_format": "text",
    "output": "output", "summary_output": "output", "xlsx": "output", "issues": "output",
    "html": "output", "xlsx_per_team": "output", "changes_output": "output", "per_worker": "output",
    "previous": "path", "no_previous": "flag", "per": "text", "size": "count", "seed": "count",
    "cohort": "rules", "weight": "text",
    "from": "month", "to": "month",
}  # fmt: skip
_KEYS = set(SETTINGS)  # (kept for callers of the earlier module)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    values: dict[str, object] = field(default_factory=dict)  # top-level settings, converted
    sections: dict[str, dict[str, object]] = field(default_factory=dict)

    def get(self, key: str, command: str | None = None, default: object = None) -> object:
        """A setting for ``command``: its own table's, else the top-level one, else ``default``."""
        if command is not None and key in self.sections.get(command, {}):
            return self.sections[command][key]
        return self.values.get(key, default)

    def pick(self, given: object, key: str, command: str | None = None, default: object = None) -> object:
        """The command line's value when given (not None), else the setting, else ``default``."""
        return given if given is not None else self.get(key, command, default)

    # the settings every command shares, as attributes (top-level values)
    data = property(lambda self: self.values.get("data"))
    standards = property(lambda self: self.values.get("standards"))
    output_dir = property(lambda self: self.values.get("output_dir"))
    source = property(lambda self: self.values.get("source"))
    mapping = property(lambda self: self.values.get("mapping"))
    fail_under = property(lambda self: self.values.get("fail_under"))
    key_file = property(lambda self: self.values.get("key_file"))
    closure_days = property(lambda self: self.values.get("closure_days", ()))

    def output_path(self, path: Path | None) -> Path | None:
        """A relative output path placed in ``output_dir`` (when the config sets one)."""
        if path is None or str(path) == "-" or self.output_dir is None or Path(path).is_absolute():
            return path
        return self.output_dir / path


def load_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """Read ``--config FILE``, else ``casecheck.toml`` in the working directory, else defaults."""
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    elif not Path(path).exists():
        raise UsageError(f"config file {path} does not exist")
    path = Path(path)
    data = read_toml(path, "config file")
    data = data.get("casecheck", data)
    top = {k: v for k, v in data.items() if k not in COMMANDS}
    values = _convert(top, path, path.name)
    sections = {}
    for command in COMMANDS:
        table = data.get(command, {})
        if not isinstance(table, dict):
            raise UsageError(f"{path.name}: [{command}] must be a table of settings")
        sections[command] = _convert(table, path, f"{path.name} [{command}]")
    out_dir = values.get("output_dir")
    if out_dir is not None and not Path(out_dir).is_dir():  # type: ignore[arg-type]
        raise UsageError(f"{path}: output_dir {out_dir} is not a folder")
    return Config(path, values, sections)


def _convert(table: dict, path: Path, where: str) -> dict[str, object]:
    unknown = sorted(set(table) - set(SETTINGS))
    if unknown:
        raise UsageError(
            f"{where}: unknown setting '{unknown[0]}' (settings: {', '.join(sorted(SETTINGS))}; "
            f"tables: {', '.join(f'[{c}]' for c in COMMANDS)})"
        )
    return {key: _value(key, value, path, where) for key, value in table.items()}


def _value(key: str, value: object, path: Path, where: str) -> object:
    kind = SETTINGS[key]
    base = path.parent

    def fail(what: str) -> UsageError:
        return UsageError(f"{where}: {key} must be {what}")

    if kind in ("path", "folder", "output"):
        if not isinstance(value, str) or not value.strip():
            raise fail("a path in quotes")
        p = Path(value).expanduser()
        if kind == "output" or p.is_absolute():
            return p  # outputs go to output_dir (or the working directory), like the options
        return base / p
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise fail("text in quotes")
        if key == "standards" and value.endswith(".toml") and not Path(value).is_absolute():
            return str(base / value)
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise fail("true or false (without quotes)")
        return value
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if not isinstance(value, str):
            raise fail('a date in quotes ("2025-03-31") or "today"')
        return value
    if kind == "month":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return f"{value:%Y-%m}"
        if not isinstance(value, str):
            raise fail('a month in quotes, e.g. "2024-04"')
        return value
    if kind == "rules":
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        raise fail('a list of rule ids, e.g. ["visits-cp", "visits-cin"]')
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000_000:
            raise fail("a whole number (0 or more)")
        return value
    if kind == "duration":
        if not isinstance(value, str):
            raise fail('a duration in quotes, e.g. "5wd"')
        Duration.parse(value)
        return value
    if kind == "group":
        if value not in ("team", "worker", "manager"):
            raise fail('"team", "worker" or "manager"')
        return value
    if kind == "threshold":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise fail('a percentage or "target"')
        if isinstance(value, float) and not math.isfinite(value):
            raise fail('a percentage or "target"')
        return str(value)
    if kind == "chunks":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return str(value)
        if value == "auto":
            return value
        raise fail('a whole number of slices (1 or more) or "auto"')
    if kind == "closure":
        if not isinstance(value, list):
            raise fail("a list of dates or ranges in quotes")
        parse_closure_days(value)
        return tuple(value)
    raise AssertionError(kind)  # pragma: no cover
