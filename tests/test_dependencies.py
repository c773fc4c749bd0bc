"""Every module the installed package imports is a declared dependency.

A plain ``pip install casecheck`` brings casecheck's declared dependencies and theirs, nothing
else (no pyarrow, pandas or DuckDB, which only the dev and bench extras install). The test builds
exactly that: a folder holding only those distributions (links into this environment's
site-packages), and runs the commands in a Python started without site-packages (``-S``), so a
command that imports anything else fails here as it would for a user.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

FIXTURES = ROOT / "tests" / "fixtures" / "malformed"


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _applies(marker: str) -> bool:
    """Whether a requirement's environment marker holds here, with no extra asked for."""
    if "extra" in marker:
        return False
    try:
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - packaging comes with pip's build tools
        return "win32" not in marker and "Windows" not in marker
    return Marker(marker).evaluate()


def _closure(root: str) -> set[str]:
    """The distributions a plain install of ``root`` brings (extras left out)."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:  # not installed here, so nothing can import it
            continue
        for req in requires:
            _, _, marker = req.partition(";")
            if marker.strip() and not _applies(marker):
                continue
            todo.append(_name(req))
    return seen


def _plain_site(tmp: Path) -> Path:
    """A folder with links to the top-level modules (and metadata) of the closure only."""
    wanted = _closure("casecheck") - {"casecheck"}
    site = Path(sysconfig.get_paths()["purelib"])
    out = tmp / "site"
    out.mkdir()
    tops = md.packages_distributions()
    for top, dists in tops.items():
        if {d.lower().replace("_", "-") for d in dists} & wanted:
            for entry in site.glob(f"{top}*"):
                stem = entry.name.split(".")[0]
                if stem == top and not (out / entry.name).exists():
                    (out / entry.name).symlink_to(entry)
    for entry in site.iterdir():  # metadata, and the shared libraries wheels bundle
        base = entry.name.lower().replace("_", "-")
        if entry.name.endswith((".dist-info", ".libs")) and any(
            base.startswith(f"{w}-") or base.startswith(f"{w}.") for w in wanted
        ) and not (out / entry.name).exists():
            (out / entry.name).symlink_to(entry)
    for entry in site.glob("casecheck*.dist-info"):
        (out / entry.name).symlink_to(entry)
    return out


RUN = """
import sys
from casecheck.cli import main
for argv in ARGS:
    sys.argv = ["casecheck", *argv]
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            print("FAILED", argv, exc.code, file=sys.stderr)
            sys.exit(1)
for name in ("pyarrow", "pandas", "duckdb"):
    assert name not in sys.modules, name
"""


def test_the_commands_run_with_only_the_declared_dependencies(tmp_path):
    site = _plain_site(tmp_path)
    assert (site / "polars").exists() and not (site / "pyarrow").exists()
    clean = FIXTURES / "clean"
    book = FIXTURES / "variants" / "xlsx_workbook" / "extract.xlsx"
    parquet = FIXTURES / "variants" / "parquet"
    out = tmp_path / "out"
    out.mkdir()
    common = ["-s", "redcar-cleveland", "--as-at", "2025-03-31", "--quiet"]
    args = [
        ["audit", str(clean), *common, "--chunks", "2", "-o", str(out / "f.parquet")],
        ["audit", str(clean), *common, "--xlsx", str(out / "a.xlsx"), "--html", str(out / "a.html"),
         "-o", str(out / "g.parquet")],
        ["trend", str(clean), "-s", "redcar-cleveland", "--from", "2025-02", "--to", "2025-03",
         "--chunks", "2", "--xlsx", str(out / "t.xlsx"), "--quiet"],
        ["validate", str(book), "--as-at", "2025-03-31", "--quiet"],
        ["audit", str(parquet), *common],
        ["inspect", str(book), "--format", "json"],
    ]  # fmt: skip
    code = f"ARGS = {args!r}\n{RUN}"
    env = {"PYTHONPATH": f"{site}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "internal error" not in done.stderr
    assert (out / "f.parquet").exists() and (out / "t.xlsx").exists()
