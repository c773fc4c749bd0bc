"""The HTML report, the team workbooks and the printed Summary, checked as a person sees them:
in a real headless browser (Chromium) and printed by LibreOffice, where those are installed."""

from __future__ import annotations

import re
import warnings

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from casecheck.cli import app
from casecheck.html_report import write_audit_html
from casecheck.privacy import KEY_ENV
from casecheck.standards import resolve_profile
from casecheck.workbook import team_file_name

from browser_helpers import (
    CHROMIUM,
    PDFTOPPM,
    PDFTOTEXT,
    SOFFICE,
    Browser,
    ink,
    pdf_page_pixels,
    pdf_page_text,
    png_pixels,
    to_pdf,
)
from conftest import SAMPLE
from engine_helpers import CP_VISITS, D, dataset, profile, run

runner = CliRunner()
AUDIT = ["audit", str(SAMPLE), "-s", "redcar-cleveland", "--as-at", "2025-03-31"]
N_RULES = len(resolve_profile("redcar-cleveland").rules)

no_browser = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
no_office = pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None or PDFTOPPM is None,
                               reason="no LibreOffice or poppler-utils (apt-get install libreoffice-calc poppler-utils)")


def invoke(*args: str, **kw):
    return runner.invoke(app, list(args), catch_exceptions=False, **kw)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The issue's command: casecheck audit sample_data -s redcar-cleveland --as-at 2025-03-31
    --xlsx a.xlsx --html a.html"""
    folder = tmp_path_factory.mktemp("html")
    r = invoke(*AUDIT, "--xlsx", str(folder / "a.xlsx"), "--html", str(folder / "a.html"), "-q")
    assert r.exit_code == 0, r.output
    return folder


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


# ---------------------------------------------------------------------------------------------
# The file itself
# ---------------------------------------------------------------------------------------------
def test_audit_html_has_every_part_and_the_scorecard_conventions(outputs):
    text = (outputs / "a.html").read_text(encoding="utf-8")
    for part in ('id="scorecard-table"', 'id="summary-chart"', 'id="grid-table"', 'id="caseload-teams"',
                 'id="exceptions-table"', 'id="due-table"', 'id="quality-table"', 'id="about"'):
        assert part in text, part
    scorecard = text[text.index('id="scorecard-table"'):text.index("</table>", text.index('id="scorecard-table"'))]
    assert scorecard.count("<tr>") == N_RULES + 1  # the heading and one row per rule
    for heading in ("Target", "Floor", "Met", "Decided", "Pending", "% met", "RAG", "At 28/02/2025", "Change"):
        assert f">{heading}" in scorecard, heading
    assert "▼ 1.2" in scorecard  # visits-cp: 92.6% against 93.8% at the end of February


def test_html_is_self_contained_and_asks_for_nothing(outputs):
    text = (outputs / "a.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert text.count("<script") == 1 and "<script src" not in text
    assert not re.search(r"""(?:src|href|action|poster|data)\s*=\s*["']?(?!#)[a-z]+:""", text, re.I)
    assert "url(" not in text and "@import" not in text and "<link" not in text
    # the only address in the file is SVG's name space, which is never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}


def test_every_value_is_escaped(tmp_path):
    team = '<script>alert("team")</script>'
    worker = '"><img src=x onerror=alert(1)>'
    ep = [{"child_id": f"=cmd|' /C calc'!A{i}", "episode_type": "child_protection", "start_date": "2025-03-03",
           "team": team, "worker_id": worker} for i in range(6)]
    ds = dataset(episodes=ep, visits=[], workers=[{"worker_id": worker, "worker_name": "<b>name</b>", "team": team}])
    result = run(ds, profile(CP_VISITS), D(2025, 3, 31))
    path = write_audit_html(tmp_path / "r.html", result, ds)
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(&quot;team&quot;)&lt;/script&gt;" in text
    assert "<img src=x" not in text and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>name</b>" not in text
    assert "=cmd|&#x27; /C calc&#x27;!A0" in text  # shown as text, exactly
    assert text.count("<script") == 1


def test_pseudonymised_html_holds_no_ids(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "k" * 40)
    out = tmp_path / "p.html"
    r = invoke(*AUDIT, "--rules", "visits-cp,genogram-present", "--pseudonymise", "--html", str(out), "-q")
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    children = pl.read_csv(SAMPLE / "children.csv", infer_schema=False)["child_id"].to_list()
    workers = pl.read_csv(SAMPLE / "workers.csv", infer_schema=False)
    assert not [c for c in children if c in text]
    assert not [w for w in workers["worker_id"].to_list() if re.search(rf"\b{w}\b", text)]
    assert not [n for n in workers["worker_name"].to_list() if n in text]
    assert "P-" in text and "pseudonymised" in text


def test_trend_and_child_html(tmp_path, sample_result):
    out = tmp_path / "t.html"
    r = invoke("trend", str(SAMPLE), "-s", "torbay", "--from", "2025-01", "--to", "2025-03", "--html", str(out), "-q")
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert 'id="trend"' in text and text.count('class="small-multiple"') > 1 and "Scorecard at 31/03/2025" in text
    child = sample_result.findings.filter(pl.col("rule_id") == "visits-cp")["child_id"][0]
    out = tmp_path / "c.html"
    r = invoke(*AUDIT, "--child", child, "--html", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert f"Child {child}" in text and "visits-cp" in text and "Due by" in text


# ---------------------------------------------------------------------------------------------
# Team workbooks
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_xlsx_per_team_writes_one_workbook_per_team_with_its_own_children(tmp_path, sample_result):
    folder = tmp_path / "teams"
    r = invoke(*AUDIT, "--xlsx-per-team", str(folder))
    assert r.exit_code == 0, r.output
    teams = sorted(sample_result.findings["team"].fill_null("no team").unique().to_list())
    assert sorted(p.name for p in folder.iterdir()) == sorted(team_file_name(t) for t in teams)
    assert "9 team workbook(s) in" in " ".join(r.stdout.split())
    wb = _load(folder / "Safeguarding 1.xlsx")
    summary = wb["Summary"]
    header = [c.value for c in summary[5]]
    assert "Authority % met (met/decided)" in header and header[0] == "#"
    assert summary["A1"].value.startswith("Safeguarding 1 (Redcar & Cleveland Borough Council)")
    assert "By worker" in wb.sheetnames and "By team" not in wb.sheetnames
    own = sample_result.findings.filter(pl.col("team") == "Safeguarding 1")
    for name in wb.sheetnames[3:-3]:  # the exception sheets: this team's children only
        rows = list(wb[name].iter_rows(min_row=5, values_only=True))
        assert rows and {r[3] for r in rows} == {"Safeguarding 1"}
        assert {r[1] for r in rows} <= set(own["child_id"].to_list())
    # Summary numbers are the team's: visits-cp met / decided
    cp = own.filter(pl.col("rule_id") == "visits-cp")
    number = [r.id for r in resolve_profile("redcar-cleveland").rules].index("visits-cp") + 1
    row = next(r for r in summary.iter_rows(min_row=6, values_only=True) if r[0] == number)
    assert (row[4], row[5]) == (cp.filter(pl.col("status") == "met").height,
                                cp.filter(pl.col("status") != "pending").height)


def test_team_file_names_are_safe():
    assert team_file_name("../../etc/passwd") == "etc_passwd.xlsx"
    assert team_file_name("<script>") == "script.xlsx"
    assert team_file_name("Early Help North") == "Early Help North.xlsx"


# ---------------------------------------------------------------------------------------------
# As a person sees them
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@no_browser
def test_html_report_in_a_real_browser(outputs):
    with Browser() as browser:
        page = browser.load((outputs / "a.html").as_uri())
        assert page.errors == [], page.errors
        assert [u for u in page.requests if not u.startswith("file://")] == []
        assert browser.evaluate("document.documentElement.getAttribute('data-ready')") == "yes"  # the script ran
        assert browser.evaluate("document.querySelectorAll('#scorecard-table tbody tr').length") == N_RULES
        assert browser.evaluate("document.querySelectorAll('#grid-table tbody tr').length") > 10
        assert browser.evaluate("document.querySelectorAll('#summary-chart rect.bar-rect').length") > 20
        # sorting: click "% met" twice (descending), the first row is a 100% rule
        browser.evaluate("(function(){var th=[...document.querySelectorAll('#scorecard-table th')]"
                         ".find(h=>h.textContent==='% met'); th.click(); th.click();})()")
        top = browser.evaluate("document.querySelector('#scorecard-table tbody tr').cells[7].textContent")
        assert top.endswith("100.0%")
        # filtering: only visits-cp's exceptions stay shown
        shown = browser.evaluate(
            "(function(){var i=document.querySelector('input[data-table=\"exceptions-table\"]');"
            "i.value='visits-cp'; i.dispatchEvent(new Event('input'));"
            "return [...document.querySelectorAll('#exceptions-table tbody tr')].filter(r=>!r.hidden)"
            ".map(r=>r.cells[0].textContent);})()")
        assert shown and set(shown) == {"visits-cp"}
        # the chart is drawn: the screenshot of its area is not blank
        width, height, pixels = png_pixels(browser.screenshot("#summary-chart svg"))
        share, colours = ink(pixels)
        assert width > 500 and height > 300
        assert share > 0.05 and colours > 20, (share, colours)


@pytest.mark.slow
@no_browser
def test_browser_check_sees_a_request_and_an_error(tmp_path):
    """The checks above can fail: a page asking for a remote image and throwing is caught (the
    request is blocked by the harness, never sent)."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><img src="https://example.invalid/x.png"><script>null.x</script>')
    with Browser() as browser:
        seen = browser.load(page.as_uri())
    assert any(u.startswith("https://example.invalid") for u in seen.requests)
    assert seen.errors


@pytest.mark.slow
@no_office
def test_printed_summary_is_one_a4_landscape_page_with_its_chart(outputs, tmp_path):
    pdf = to_pdf(outputs / "a.xlsx", tmp_path)
    first, second = pdf_page_text(pdf, 1), pdf_page_text(pdf, 2)
    assert "practice standards scorecard" in first
    assert "Short breaks case supervision at least every 3 months" in first  # the 37th rule, same page
    assert second.lstrip().startswith("% met by rule and team")  # page 2 is the next sheet
    width, height, pixels = pdf_page_pixels(pdf, 1)
    assert width > height  # landscape
    chart = pixels[int(height * 0.72) * width:int(height * 0.86) * width]  # the chart, below the table
    share, colours = ink(chart)
    assert share > 0.05 and colours > 10, (share, colours)


def test_xlsx_per_team_one_rule_in_brief(tmp_path):
    # the quick twin of the test above: one workbook per team that has findings
    folder = tmp_path / "teams"
    r = invoke("audit", str(SAMPLE), "-s", "torbay", "--as-at", "2025-03-31", "--rules", "visits-cp",
               "--no-previous", "--xlsx-per-team", str(folder))
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(n.endswith(".xlsx") for n in names)
    assert f"{len(names)} team workbook(s) in" in " ".join(r.stdout.split())
