"""Privacy: pseudonymised ids (casecheck.privacy), the key's handling, and no names in outputs."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from casecheck import privacy
from casecheck.cli import app
from casecheck.engine import FINDING_COLUMNS
from casecheck.errors import UsageError
from casecheck.privacy import KEY_ENV, load_key, pseudonym, pseudonymise

KEY = b"0123456789abcdef0123456789abcdef0123456789abcdef"
OTHER_KEY = b"fedcba9876543210fedcba9876543210fedcba9876543210"
PSEUDONYM = re.compile(r"^P-[0-9a-f]{16}$")
CLEAN = Path(__file__).parent / "fixtures" / "malformed" / "clean"


# ---------------------------------------------------------------------------------------------
# The key: from the environment or a key file, never the command line
# ---------------------------------------------------------------------------------------------
def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY.decode() + "\n")
    assert load_key(None) == KEY


def test_key_from_a_file_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, OTHER_KEY.decode())
    key_file = tmp_path / "casecheck.key"
    key_file.write_bytes(KEY + b"\r\n")  # a final newline (even a Windows one) is not the key
    assert load_key(key_file) == KEY


def test_no_key_is_a_usage_error_saying_where_to_put_one(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(UsageError) as info:
        load_key(None)
    assert KEY_ENV in str(info.value) and "--key-file" in str(info.value)
    assert info.value.exit_code == 2
    monkeypatch.setenv(KEY_ENV, "   ")
    with pytest.raises(UsageError, match=KEY_ENV):
        load_key(None)


@pytest.mark.parametrize("short", ["secret", "x" * 31])
def test_a_short_key_is_refused(monkeypatch, tmp_path, short):
    monkeypatch.setenv(KEY_ENV, short)
    with pytest.raises(UsageError, match="too short"):
        load_key(None)
    key_file = tmp_path / "k"
    key_file.write_text(short + "\n")
    with pytest.raises(UsageError, match=f"too short .{len(short)} characters"):
        load_key(key_file)
    with pytest.raises(UsageError, match="too short"):
        pseudonymise(pl.DataFrame({"child_id": ["1"]}), short.encode())


def test_a_missing_key_file_is_a_usage_error_naming_it(tmp_path):
    with pytest.raises(UsageError) as info:
        load_key(tmp_path / "nope.key")
    assert "nope.key" in str(info.value) and "\n" not in str(info.value)


def test_the_key_is_not_in_the_error_messages(monkeypatch, tmp_path):
    monkeypatch.setenv(KEY_ENV, "tooshort-but-secret")
    with pytest.raises(UsageError) as info:
        load_key(None)
    assert "tooshort-but-secret" not in str(info.value)


# ---------------------------------------------------------------------------------------------
# pseudonymise
# ---------------------------------------------------------------------------------------------
FINDINGS = pl.DataFrame(
    {
        "rule_id": ["visits-cp", "visits-cp", "genogram-present", "visits-cin"],
        "child_id": ["0001001", "007", "0001001", None],
        "team": ["Team A", "Team A", None, "Team B"],
        "worker_id": ["W01", None, "W01", "0001001"],
        "status": ["met", "not_met", "met", "pending"],
        "anchor_date": [date(2025, 1, 6)] * 4,
    }
)


def test_ids_become_keyed_hashes_and_nothing_else_changes():
    out = pseudonymise(FINDINGS, KEY)
    assert out.columns == FINDINGS.columns and out.height == FINDINGS.height
    assert out.schema == FINDINGS.schema
    assert_frame_equal(out.drop("child_id", "worker_id"), FINDINGS.drop("child_id", "worker_id"))
    for column in ("child_id", "worker_id"):
        values = out[column].drop_nulls().to_list()
        assert values and all(PSEUDONYM.match(v) for v in values)
        # blanks stay blank
        assert out[column].is_null().to_list() == FINDINGS[column].is_null().to_list()
    expected = "P-" + hmac.new(KEY, b"child\x1f0001001", hashlib.sha256).hexdigest()[:16]
    assert out["child_id"][0] == expected == pseudonym("0001001", KEY, "child")


def test_pseudonyms_are_stable_across_runs_and_keys_matter():
    a = pseudonymise(FINDINGS, KEY)
    b = pseudonymise(FINDINGS.reverse(), KEY).reverse()
    assert_frame_equal(a, b)  # the same id gets the same pseudonym, whatever else is in the frame
    assert a["child_id"][0] == a["child_id"][2]  # one child, one pseudonym
    c = pseudonymise(FINDINGS, OTHER_KEY)
    assert set(a["child_id"].drop_nulls()).isdisjoint(set(c["child_id"].drop_nulls()))


def test_leading_zeros_matter():
    out = pseudonymise(pl.DataFrame({"child_id": ["007", "7", "0007"]}), KEY)
    assert out["child_id"].n_unique() == 3


def test_children_and_workers_are_separate_name_spaces_and_workers_one():
    frame = pl.DataFrame(
        {"child_id": ["W01"], "worker_id": ["W01"], "supervisor_id": ["W01"], "manager": ["W01"]}
    )
    row = pseudonymise(frame, KEY).row(0, named=True)
    assert row["child_id"] != row["worker_id"]
    assert row["worker_id"] == row["supervisor_id"] == row["manager"]


def test_month_on_month_files_still_join():
    march = FINDINGS.with_columns(status=pl.lit("met"))
    april = FINDINGS.with_columns(status=pl.lit("not_met"))
    raw = march.join(april, on=["rule_id", "child_id"], how="inner", nulls_equal=False)
    hashed = pseudonymise(march, KEY).join(
        pseudonymise(april, KEY), on=["rule_id", "child_id"], how="inner", nulls_equal=False
    )
    assert hashed.height == raw.height == 3


def test_only_the_named_columns_are_replaced():
    out = pseudonymise(FINDINGS, KEY, columns=("worker_id",))
    assert out["child_id"].to_list() == FINDINGS["child_id"].to_list()
    assert PSEUDONYM.match(out["worker_id"][0])
    out = pseudonymise(FINDINGS, KEY, columns="child_id")  # one name, not its letters
    assert PSEUDONYM.match(out["child_id"][0])
    assert_frame_equal(pseudonymise(FINDINGS.drop("child_id", "worker_id"), KEY),
                       FINDINGS.drop("child_id", "worker_id"))


def test_ids_that_arrive_as_numbers_are_hashed_as_text():
    out = pseudonymise(pl.DataFrame({"child_id": [1001, 1001, None]}), KEY)
    assert out["child_id"].dtype == pl.String
    assert out["child_id"][0] == pseudonym("1001", KEY, "child") == out["child_id"][1]


def test_hashing_is_per_distinct_value_not_per_row(monkeypatch):
    calls = []

    def counting(value, key, namespace="child"):
        calls.append(value)
        return pseudonym(value, key, namespace)

    monkeypatch.setattr(privacy, "pseudonym", counting)
    n = 300_000
    frame = pl.DataFrame({"child_id": [f"{i % 2000:07d}" for i in range(n)]})
    started = time.perf_counter()
    out = pseudonymise(frame, KEY)
    assert time.perf_counter() - started < 2
    assert len(calls) == 2000
    assert out["child_id"].n_unique() == 2000 and out.height == n


def test_a_real_audit_pseudonymised_holds_no_id_of_the_input(sample_result, sample_dataset):
    findings = sample_result.findings.select(FINDING_COLUMNS)
    out = pseudonymise(findings, KEY)
    text = out.write_csv()
    for child in sample_dataset.tables["children"]["child_id"].to_list()[:50]:
        assert child not in text
    for worker in sample_dataset.tables["workers"]["worker_id"].to_list():
        assert worker not in text
    assert_frame_equal(out.drop("child_id", "worker_id"), findings.drop("child_id", "worker_id"))
    assert out["child_id"].n_unique() == findings["child_id"].n_unique()


# ---------------------------------------------------------------------------------------------
# Names are never copied to outputs
# ---------------------------------------------------------------------------------------------
def test_findings_and_summary_have_no_name_columns(sample_result):
    for frame in (sample_result.findings, sample_result.summary):
        assert not any("name" in c for c in frame.columns)
    assert FINDING_COLUMNS == [
        "rule_id", "child_id", "episode_type", "team", "worker_id", "status", "anchor_date",
        "last_event_date", "due_date", "days_overdue", "closed_date", "detail",
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_worker_names_never_reach_any_output(fmt, tmp_path):
    names = pl.read_csv(CLEAN / "workers.csv")["worker_name"].to_list()
    assert "Siân O’Brien" in names and "Smith, Jo" in names
    summary = tmp_path / f"summary.{fmt}"
    issues = tmp_path / "issues.csv"
    runner = CliRunner()
    r = runner.invoke(app, ["audit", str(CLEAN), "-s", "redcar-cleveland", "--as-at", "2025-03-31",
                            "--format", fmt, "--summary-output", str(summary)])
    assert r.exit_code == 0, r.output
    if fmt == "json":
        json.loads(r.stdout)
    v = runner.invoke(app, ["validate", str(CLEAN), "--as-at", "2025-03-31", "--issues", str(issues),
                            "--format", "json"])
    assert v.exit_code == 0, v.output
    outputs = r.stdout + summary.read_text(encoding="utf-8") + issues.read_text(encoding="utf-8") + v.stdout
    for name in names:
        assert name not in outputs
        surname = name.split()[-1]  # not even a surname (as a word: "Jo" is not in "Joint")
        assert not re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", outputs), surname


def test_names_of_workers_set_aside_are_not_in_the_issues_file(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id\n1\n")
    (folder / "episodes.csv").write_text("child_id,episode_type,start_date\n1,cp,2025-01-06\n")
    (folder / "workers.csv").write_text(
        "worker_id,worker_name,team\nW1,Olwen Pryce,A\nW1,Olwen Pryce-Jones,A\n,Bryn Evans,B\n"
    )
    issues = tmp_path / "issues.csv"
    r = CliRunner().invoke(app, ["validate", str(folder), "--as-at", "2025-03-31", "--issues", str(issues)])
    assert r.exit_code == 0, r.output
    text = issues.read_text()
    assert pl.read_csv(issues).height == 2
    assert "Olwen" not in text and "Bryn" not in text and "Pryce" not in text


def test_privacy_module_reads_no_key_from_argv(monkeypatch):
    """The key is never a command-line value: load_key has no such parameter."""
    import inspect

    assert list(inspect.signature(load_key).parameters) == ["key_file"]
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setattr("sys.argv", ["casecheck", "--key", KEY.decode()])
    with pytest.raises(UsageError):
        load_key(None)
    assert os.environ.get(KEY_ENV) is None
