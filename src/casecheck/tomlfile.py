"""Reading the TOML files a user gives casecheck (profiles, mappings, ``casecheck.toml``).

Whatever is wrong with such a file is one sentence naming it, never an internal error: not a
file (a folder, a device), too large, not UTF-8 (a Windows-1252 ``£``), TOML syntax, nesting too
deep for the parser, or a value out of range (a date such as ``1979-05-27T07:32:00+25:00``). A
UTF-8 byte-order mark, which Windows editors add, is accepted.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from casecheck.errors import CasecheckError, UsageError

#: larger than any profile, mapping or config could sensibly be (the bundled profiles are 30 KB)
MAX_BYTES = 4 << 20


def read_text(path: Path, what: str, error: type[CasecheckError] = UsageError,
              limit: int = MAX_BYTES) -> str:
    """The text of a small UTF-8 file (a BOM is dropped), or ``error`` saying why not."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):
                kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
                raise error(f"{what} {path} is {kind}")
            data = fh.read(limit + 1)
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {path} is larger than {limit >> 20} MB: it is not a casecheck file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path.name} is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line}): save it "
            "as UTF-8 (in Notepad: Save as, Encoding UTF-8)"
        ) from None


def parse_toml(text: str, name: str, error: type[CasecheckError] = UsageError) -> dict:
    """Parse TOML text; any failure is ``error`` naming ``name``."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{name}: not valid TOML: values are nested too deeply") from None
    except (ValueError, OverflowError) as exc:
        raise error(f"{name}: not valid TOML: a value is out of range ({exc})") from None


def read_toml(path: Path, what: str, error: type[CasecheckError] = UsageError) -> dict:
    """Read and parse a TOML file (see the module docstring for what is refused)."""
    return parse_toml(read_text(path, what, error), Path(path).name, error)
