"""A chunked audit (bounded memory) gives exactly what a whole-extract audit gives."""

from __future__ import annotations

import functools
import itertools
import json
import shutil

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from casecheck.chunked import (
    audit_in_chunks,
    auto_chunks,
    child_ranges,
    estimate_rows,
    validate_in_chunks,
)
from casecheck.cli import app
from casecheck.engine import audit
from casecheck.report import write_frame
from casecheck.sources import load_dataset
from casecheck.sources.native import table_files
from casecheck.standards import resolve_profile

from conftest import ROOT, SAMPLE, SAMPLE_AS_AT

DAMAGED = ROOT / "tests" / "fixtures" / "malformed" / "cases" / "damaged_rows"


def test_child_ranges_cover_every_id_in_order():
    ids = pl.Series(["003", "001", "002", "010", "004", None])
    ranges = child_ranges(ids, 3)
    assert ranges[0][0] is None and ranges[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert child_ranges(ids, 1) == [(None, None)]


@functools.cache
def _whole(data):
    """The whole extract's dataset and redcar-cleveland audit, made once for every slice count
    (nothing here changes either)."""
    ds = load_dataset(data, as_at=SAMPLE_AS_AT)
    return ds, audit(ds, resolve_profile("redcar-cleveland"), SAMPLE_AS_AT)


@pytest.mark.parametrize("data", [SAMPLE, DAMAGED], ids=["sample", "damaged_rows"])
@pytest.mark.parametrize("chunks", [2, pytest.param(5, marks=pytest.mark.slow)])
def test_chunked_findings_summary_and_quality_equal_the_whole(tmp_path, data, chunks):
    prof = resolve_profile("redcar-cleveland")
    ds, whole = _whole(data)
    write_frame(whole.findings, tmp_path / "whole.csv", "csv")
    result = audit_in_chunks(data, prof, SAMPLE_AS_AT, chunks, tmp_path / "chunked.csv", "csv")
    assert (tmp_path / "chunked.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert result.summary.equals(whole.summary)
    # (a chunked audit reads only the tables the profile's rules read)
    read = pl.col("table").is_in(sorted(prof.tables()))
    assert result.quality.summary().equals(ds.quality.summary().filter(read))
    assert result.quality.issues.equals(ds.quality.issues.filter(read))
    assert result.findings == whole.findings.height


def test_chunked_cli_parquet_and_refusals(tmp_path, sample_dataset):
    runner = CliRunner()
    out = tmp_path / "f.parquet"
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31", "--chunks", "3",
                            "-o", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    whole = audit(sample_dataset, resolve_profile("torbay"), SAMPLE_AS_AT)
    assert pl.read_parquet(out).equals(whole.findings)
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--chunks", "3", "--xlsx", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and "cannot be combined with --chunks" in r.stderr
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--chunks", "3", "-f", "json", "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "csv or parquet" in r.stderr
    book = tmp_path / "book"
    shutil.copytree(SAMPLE, book)
    r = runner.invoke(app, ["audit", str(book / "visits.csv"), "-s", "torbay", "--chunks", "2", "-o", str(tmp_path / "y.csv")])
    assert r.exit_code == 3 and "is not a folder" in r.stderr


def test_rows_are_estimated_without_reading_the_files(tmp_path):
    # Parquet: exact, from the metadata; CSV: the file size over the mean length of its lines
    # (of the files of casecheck's tables: a file of no table is left aside)
    shutil.copytree(SAMPLE, tmp_path / "csv")
    files = [f for f, _table in table_files(tmp_path / "csv")]
    exact = sum(pl.read_csv(f, infer_schema=False).height for f in files)
    estimate = estimate_rows(tmp_path / "csv")
    assert abs(estimate - exact) < 0.05 * exact
    (tmp_path / "pq").mkdir()
    for f in files:
        pl.read_csv(f, infer_schema=False).write_parquet(tmp_path / "pq" / f"{f.stem}.parquet")
    assert estimate_rows(tmp_path / "pq") == exact
    assert estimate_rows(tmp_path / "pq", {"children"}) == pl.read_parquet(tmp_path / "pq" / "children.parquet").height
    assert estimate_rows(SAMPLE / "visits.csv") == 0  # a single file is never sliced


def test_auto_chunks_slices_only_what_does_not_fit():
    assert auto_chunks(12_300_000) == 1  # a large authority's six years: whole
    assert auto_chunks(20_000_000) == 1
    assert auto_chunks(20_000_001) == 4  # slices of at most 6 million rows
    assert auto_chunks(123_800_000) == 21  # a national collection


@pytest.mark.slow
def test_auto_chunks_from_the_cli_give_the_whole_audit(tmp_path, monkeypatch, sample_dataset):
    import casecheck.chunked as chunked

    monkeypatch.setattr(chunked, "AUTO_ROWS", 1000)  # the sample "does not fit"
    monkeypatch.setattr(chunked, "SLICE_ROWS", 5000)
    runner = CliRunner()
    out = tmp_path / "f.parquet"
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31", "-o", str(out)])
    assert r.exit_code == 0, r.output
    n = auto_chunks(estimate_rows(SAMPLE, {*resolve_profile("torbay").tables(), "children", "episodes"}))
    assert n > 1 and f"rows: auditing it in {n} slices of children" in r.stderr
    assert f"finding(s) in {n} slices" in r.stdout
    whole = audit(sample_dataset, resolve_profile("torbay"), SAMPLE_AS_AT)
    assert pl.read_parquet(out).equals(whole.findings)
    # an option that needs the whole extract in memory: audited whole, with a warning
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31", "--by", "team"])
    assert r.exit_code == 0 and "with --by it is audited whole" in r.stderr
    # --chunks 1 turns it off; a bad count is a usage error
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31", "--chunks", "1", "--quiet"])
    assert r.exit_code == 0 and "slices" not in r.stderr
    r = runner.invoke(app, ["audit", str(SAMPLE), "-s", "torbay", "--chunks", "some"])
    assert r.exit_code == 2 and "--chunks takes a whole number" in r.stderr


@pytest.mark.slow
def test_chunked_summary_only_runs_need_no_findings_output():
    # the summary printed (or as json) without writing the findings: a cron job's check (two
    # slices: the counts are added up; the other tests cut middle slices too)
    runner = CliRunner()
    base = ["audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31"]
    r = runner.invoke(app, [*base, "--chunks", "2", "--quiet"])
    assert r.exit_code == 0 and r.stdout == ""
    chunked = runner.invoke(app, [*base, "--chunks", "2", "--summary-format", "json"])
    whole = runner.invoke(app, [*base, "--chunks", "1", "--summary-format", "json"])
    assert chunked.exit_code == 0 and whole.exit_code == 0
    assert chunked.stdout == whole.stdout
    # the scorecard's previous month too, each slice audited at 28 February and the counts added up
    assert {row["prev_as_at"] for row in json.loads(chunked.stdout)} == {"2025-02-28"}


@pytest.mark.slow
def test_chunked_changes_are_the_whole_audits(tmp_path):
    # (two slices: a child's exceptions are all in one; each slice audits two month ends twice)
    runner = CliRunner()
    base = ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31", "--quiet"]
    for n in ("1", "2"):
        r = runner.invoke(app, [*base, "--chunks", n, "--changes-output", str(tmp_path / f"changes-{n}.csv")])
        assert r.exit_code == 0, r.output
    assert (tmp_path / "changes-1.csv").read_bytes() == (tmp_path / "changes-2.csv").read_bytes()



@pytest.mark.parametrize("data", [pytest.param(SAMPLE, marks=pytest.mark.slow), DAMAGED], ids=["sample", "damaged_rows"])
def test_chunked_validate_gives_the_whole_data_quality_record(tmp_path, data, monkeypatch):
    import casecheck.chunked as chunked

    whole = load_dataset(data, as_at=SAMPLE_AS_AT)
    sliced = validate_in_chunks(data, SAMPLE_AS_AT, 4)
    assert sliced.quality.summary().equals(whole.quality.summary())
    assert sliced.quality.issues.equals(whole.quality.issues)
    # from the command line: --chunks auto when the folder is "large", the same issues file
    rows = chunked.estimate_rows(data)
    monkeypatch.setattr(chunked, "AUTO_ROWS", rows // 4)
    monkeypatch.setattr(chunked, "SLICE_ROWS", rows // 3)
    runner = CliRunner()
    args = ["validate", str(data), "--as-at", "2025-03-31", "--issues"]
    r = runner.invoke(app, [*args, str(tmp_path / "sliced.csv")])
    assert r.exit_code == 0, r.output
    assert "checking it in" in r.stderr and "slices of children" in r.stderr
    r = runner.invoke(app, [*args, str(tmp_path / "whole.csv"), "--chunks", "1"])
    assert r.exit_code == 0 and "slices" not in r.stderr
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    r = runner.invoke(app, ["validate", str(data), "--as-at", "2025-03-31", "--format", "json"])
    whole_json = runner.invoke(app, ["validate", str(data), "--as-at", "2025-03-31", "--format", "json",
                                     "--chunks", "1"])
    assert r.exit_code == 0 and r.stdout == whole_json.stdout


@pytest.mark.parametrize(("by", "standards"), [
    ([], "torbay"),  # (ten rules: the slicing is the point, not the rules)
    pytest.param(["--by", "worker"], "redcar-cleveland", marks=pytest.mark.slow),
], ids=["list", "by-worker"])
def test_chunked_due_gives_the_whole_list(tmp_path, monkeypatch, by, standards):
    import casecheck.chunked as chunked

    rows = chunked.estimate_rows(SAMPLE)
    monkeypatch.setattr(chunked, "AUTO_ROWS", rows // 4)
    monkeypatch.setattr(chunked, "SLICE_ROWS", rows // 3)
    runner = CliRunner()
    args = ["due", str(SAMPLE), "-s", standards, "--as-at", "2025-03-31", "--within", "2w", *by]
    sliced = runner.invoke(app, [*args, "-o", str(tmp_path / "sliced.csv")])
    assert sliced.exit_code == 0, sliced.output
    assert "auditing it in" in sliced.stderr
    whole = runner.invoke(app, [*args, "-o", str(tmp_path / "whole.csv"), "--chunks", "1"])
    assert whole.exit_code == 0 and "slices" not in whole.stderr
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert len((tmp_path / "whole.csv").read_text().splitlines()) > 20


@pytest.mark.slow
def test_chunked_trend_gives_the_whole_trend(tmp_path, monkeypatch):
    import casecheck.chunked as chunked

    # three slices (a first, a middle and a last) over three month ends (the events shared
    # between month ends within each slice): every slice audit costs about half a second
    rows = chunked.estimate_rows(SAMPLE)
    monkeypatch.setattr(chunked, "AUTO_ROWS", rows // 4)
    monkeypatch.setattr(chunked, "SLICE_ROWS", rows // 3 + 1)
    runner = CliRunner()
    args = ["trend", str(SAMPLE), "-s", "redcar-cleveland", "--from", "2025-01", "--to", "2025-03"]
    sliced = runner.invoke(app, [*args, "-o", str(tmp_path / "sliced.csv"), "--xlsx", str(tmp_path / "t.xlsx")])
    assert sliced.exit_code == 0, sliced.output
    assert "auditing it in 3 slices" in sliced.stderr
    whole = runner.invoke(app, [*args, "-o", str(tmp_path / "whole.csv"), "--chunks", "1"])
    assert whole.exit_code == 0 and "slices" not in whole.stderr
    assert (tmp_path / "sliced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    n_rules = len(resolve_profile("redcar-cleveland").rules)
    assert len((tmp_path / "whole.csv").read_text().splitlines()) == 1 + 3 * n_rules
    assert (tmp_path / "t.xlsx").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# Slices are cut on the id the audit sees, not the text in the file
# ---------------------------------------------------------------------------------------------
#: ids that differ only in case or leading zeros are different children; spaces around an id
#: (SQL Server CHAR columns) are not part of it
_IDS = ["7", "07", "007", "A1", "a1", "B2", "b02", "10", "010", "Z9", "z9", "0001001"]
_PADS = ["{}", " {}", "{}  ", "  {}  ", "{}\u00a0"]


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.sampled_from(_IDS), min_size=3, max_size=len(_IDS), unique=True),
       data=st.data(), chunks=st.integers(2, 4))
def test_chunked_equals_whole_on_ids_with_spaces_case_and_leading_zeros(tmp_path_factory, ids, data, chunks):
    folder = tmp_path_factory.mktemp("ids")
    pad = lambda i: data.draw(st.sampled_from(_PADS)).format(i)  # noqa: E731
    children = pl.DataFrame({"child_id": [pad(i) for i in ids]})
    episodes = pl.DataFrame({"child_id": [pad(i) for i in ids], "episode_type": "child_protection",
                             "start_date": "2025-01-06"})
    visit_ids = [i for i in ids for _ in range(data.draw(st.integers(0, 3)))]
    visits = pl.DataFrame({"child_id": [pad(i) for i in visit_ids],
                           "visit_date": [f"2025-03-{10 + n % 18:02d}" for n in range(len(visit_ids))]},
                          schema={"child_id": pl.String, "visit_date": pl.String})
    for name, frame in {"children": children, "episodes": episodes, "visits": visits}.items():
        frame.write_csv(folder / f"{name}.csv")
    prof = resolve_profile("redcar-cleveland").select(["visits-cp"])
    ds = load_dataset(folder, as_at=SAMPLE_AS_AT)
    whole = audit(ds, prof, SAMPLE_AS_AT)
    write_frame(whole.findings, folder / "whole.out", "csv")
    result = audit_in_chunks(folder, prof, SAMPLE_AS_AT, chunks, folder / "chunked.out", "csv")
    assert (folder / "chunked.out").read_bytes() == (folder / "whole.out").read_bytes()
    assert result.summary.equals(whole.summary)
    assert result.quality.summary().equals(ds.quality.summary())


def test_chunked_terminal_changes_and_trend_on_a_small_extract(tmp_path):
    # The quick twin of the slow tests above (make test covers the same code): a small damaged
    # extract in two slices, printed on the terminal, gives the whole run's changes and trend.
    runner = CliRunner()
    base = ["audit", str(DAMAGED), "-s", "torbay", "--as-at", "2025-03-31"]
    for n in ("1", "2"):
        r = runner.invoke(app, [*base, "--chunks", n, "--changes-output", str(tmp_path / f"changes-{n}.csv")])
        assert r.exit_code == 0, r.output
        assert "Changes since 28/02/2025" in r.stdout
    assert "in 2 slices" in " ".join(r.stdout.split())
    assert (tmp_path / "changes-1.csv").read_bytes() == (tmp_path / "changes-2.csv").read_bytes()
    trend = ["trend", str(DAMAGED), "-s", "torbay", "--from", "2025-02", "--to", "2025-03"]
    whole = runner.invoke(app, [*trend, "--chunks", "1"])
    sliced = runner.invoke(app, [*trend, "--chunks", "2"])
    assert whole.exit_code == sliced.exit_code == 0, sliced.output
    assert "% met at each month end" in sliced.stdout
    assert sliced.stdout.splitlines()[:4] == whole.stdout.splitlines()[:4]


def test_chunk_options_in_brief(tmp_path, monkeypatch):
    # the quick twin of test_auto_chunks_from_the_cli_give_the_whole_audit: a bad count, and
    # an extract "too large" with an option that needs it whole, on the small damaged extract
    import casecheck.chunked as chunked

    runner = CliRunner()
    for bad in ("some", "0"):
        r = runner.invoke(app, ["audit", str(DAMAGED), "-s", "torbay", "--chunks", bad])
        assert r.exit_code == 2 and "--chunks takes a whole number" in r.stderr
    monkeypatch.setattr(chunked, "AUTO_ROWS", 10)  # the small extract "does not fit"
    monkeypatch.setattr(chunked, "SLICE_ROWS", 20)
    r = runner.invoke(app, ["audit", str(DAMAGED), "-s", "torbay", "--as-at", "2025-03-31", "--by", "team",
                            "--no-previous"])
    assert r.exit_code == 0 and "with --by it is audited whole" in r.stderr
    r = runner.invoke(app, ["audit", str(DAMAGED), "-s", "torbay", "--as-at", "2025-03-31", "--chunks", "2",
                            "--summary-format", "csv", "--no-previous"])
    assert r.exit_code == 0 and r.stdout.startswith("rule_id,title,kind,in_scope")
