"""casecheck.toml: every option a cron line sets, for every command that reads an extract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.config import SETTINGS, load_config
from casecheck.errors import UsageError

from conftest import ROOT

CLEAN = ROOT / "tests" / "fixtures" / "malformed" / "clean"
UNKNOWN = ROOT / "tests" / "fixtures" / "malformed" / "cases" / "unknown_codes"


def run(tmp_path, monkeypatch, text: str, *args: str):
    (tmp_path / "casecheck.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, list(args))


def test_validate_and_inspect_read_the_config(tmp_path, monkeypatch):
    text = f'data = "{CLEAN}"\nas_at = "2025-03-31"\n[validate]\nformat = "json"\n[inspect]\nformat = "json"\n'
    r = run(tmp_path, monkeypatch, text, "validate")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["as_at"] == "2025-03-31"
    r = CliRunner().invoke(app, ["inspect"])
    assert r.exit_code == 0 and json.loads(r.stdout)["source"] == "native"


def test_strict_and_issues_from_the_config(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    text = f'data = "{UNKNOWN}"\nas_at = 2025-03-31\nstrict = true\noutput_dir = "out"\n[validate]\nissues = "i.csv"\n'
    r = run(tmp_path, monkeypatch, text, "validate", "--quiet")
    assert r.exit_code == 3 and "--strict" in r.stderr
    assert (out / "i.csv").exists()  # (written before the verdict: it lists what was set aside)


def test_a_cron_line_s_options_all_come_from_the_config(tmp_path, monkeypatch):
    key = tmp_path / "key"
    key.write_text("k" * 40)
    text = (f'data = "{CLEAN}"\nstandards = "redcar-cleveland"\nas_at = "2025-03-31"\n'
            f'since = "2025-01-01"\nrules = ["visits-cp", "visits-cin"]\npseudonymise = true\n'
            f'key_file = "{key}"\nquiet = true\n'
            '[audit]\nformat = "csv"\noutput = "f.csv"\nsummary_output = "s.json"\ntop = 3\n'
            '[due]\nwithin = "2w"\nby = "team"\noutput = "due.csv"\n')
    assert run(tmp_path, monkeypatch, text, "audit").exit_code == 0
    findings = (tmp_path / "f.csv").read_text().splitlines()
    assert findings[0].startswith("rule_id,child_id") and len(findings) > 1
    assert {line.split(",")[0] for line in findings[1:]} == {"visits-cp", "visits-cin"}
    assert all(line.split(",")[1].startswith("P-") for line in findings[1:])  # pseudonymised
    (tmp_path / "empty.toml").write_text("")
    same = CliRunner().invoke(app, ["audit", str(CLEAN), "-s", "redcar-cleveland", "--as-at", "2025-03-31",
                                    "--since", "2025-01-01", "--rules", "visits-cp,visits-cin", "-f", "csv",
                                    "--pseudonymise", "--key-file", str(key), "--config",
                                    str(tmp_path / "empty.toml")])
    assert same.stdout.splitlines() == findings  # the same run, every option on the command line
    assert {r["rule_id"] for r in json.loads((tmp_path / "s.json").read_text())} == {"visits-cp", "visits-cin"}
    r = CliRunner().invoke(app, ["due"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "due.csv").read_text().startswith("team,")
    # the command line wins
    r = CliRunner().invoke(app, ["audit", "--rules", "visits-cp", "-o", "g.csv"])
    assert r.exit_code == 0 and "visits-cin" not in (tmp_path / "g.csv").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'blue'\n", "unknown setting 'colour'"),
        ("[audit]\ncolour = 'blue'\n", "[audit]: unknown setting 'colour'"),
        ("top = -1\n", "top must be a whole number"),
        ("top = true\n", "top must be a whole number"),
        ("strict = 'yes'\n", "strict must be true or false"),
        ("within = '99999999y'\n", "longer than 100 years"),
        ("by = 'colour'\n", 'by must be "team", "worker" or "manager"'),
        ("fail_under = nan\n", "fail_under must be a percentage"),
        ("chunks = 0\n", "chunks must be a whole number of slices"),
        ("audit = 5\n", "[audit] must be a table"),
        ("x = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ],
)  # fmt: skip
def test_bad_settings_are_usage_errors(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=None) as info:
        load_config(path)
    assert message in str(info.value)


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Cron: `casecheck.toml` and exit codes", 1)[1].split("### ", 1)[0]
    for key in SETTINGS:
        assert f"`{key}`" in section, key


def test_a_config_given_but_missing_or_a_folder(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(UsageError, match="is a folder"):
        load_config(tmp_path)


def test_config_values_are_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.toml"
    path.write_text('data = "extract"\nmapping = "m.toml"\nstandards = "mine.toml"\noutput = "f.csv"\n')
    c = load_config(path)
    assert c.data == tmp_path / "sub" / "extract" and c.mapping == tmp_path / "sub" / "m.toml"
    assert c.standards == str(tmp_path / "sub" / "mine.toml")
    assert c.get("output", "audit") == Path("f.csv")  # outputs go to output_dir, else the working folder
