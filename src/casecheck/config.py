"""``casecheck.toml``: defaults for a cron job, so the crontab line stays short.

Found in the working directory, or given with ``--config FILE``::

    # casecheck.toml
    data = "/srv/extracts/latest"        # the DATA argument when none is given
    standards = "redcar-cleveland"       # --standards
    output_dir = "/srv/audits"           # relative --output, --xlsx, ... paths are written here
    source = "auto"                      # --source
    mapping = "lcs-mapping.toml"         # --mapping
    fail_under = "target"                # --fail-under (a percentage, "target" or "floor")
    closure_days = ["2025-12-29..2025-12-31"]   # local closure days, added to the profile's

Relative paths in the file are relative to the file's folder. Options on the command line win.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from casecheck.calendar import parse_closure_days
from casecheck.errors import UsageError

CONFIG_NAME = "casecheck.toml"
_KEYS = {"data", "standards", "output_dir", "source", "mapping", "fail_under", "key_file", "closure_days"}


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    data: Path | None = None
    standards: str | None = None
    output_dir: Path | None = None
    source: str | None = None
    mapping: Path | None = None
    fail_under: str | None = None
    key_file: Path | None = None
    closure_days: tuple[str, ...] = ()

    def output_path(self, path: Path | None) -> Path | None:
        """A relative output path placed in ``output_dir`` (when the config sets one)."""
        if path is None or str(path) == "-" or self.output_dir is None or path.is_absolute():
            return path
        return self.output_dir / path


def load_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """Read ``--config FILE``, else ``casecheck.toml`` in the working directory, else defaults."""
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    elif not path.is_file():
        raise UsageError(f"config file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    data = data.get("casecheck", data)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown setting '{unknown[0]}' (settings: {', '.join(sorted(_KEYS))})")
    base = path.parent

    def p(key: str) -> Path | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise UsageError(f"{path}: {key} must be a path in quotes")
        q = Path(value).expanduser()
        return q if q.is_absolute() else base / q

    def s(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float):
            raise UsageError(f"{path}: {key} must be text")
        return str(value)

    standards = s("standards")
    if standards and standards.endswith(".toml") and not Path(standards).is_absolute():
        standards = str(base / standards)
    out_dir = p("output_dir")
    if out_dir is not None and not out_dir.is_dir():
        raise UsageError(f"{path}: output_dir {out_dir} is not a folder")
    closure = data.get("closure_days", [])
    if not isinstance(closure, list) or not all(isinstance(c, str) for c in closure):
        raise UsageError(f"{path}: closure_days must be a list of dates or ranges in quotes")
    parse_closure_days(closure)
    return Config(path, p("data"), standards, out_dir, s("source"), p("mapping"), s("fail_under"),
                  p("key_file"), tuple(closure))
