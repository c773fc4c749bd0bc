"""Properties over generated extracts (hypothesis): what holds whatever the data.

* loading and auditing raise nothing but CasecheckError (here: nothing at all);
* every input row is used or rejected: rows read = rows used + rows rejected, per table;
* every rule's summary adds up: met + not_met + pending = in_scope;
* adding a qualifying visit never turns a ``met`` finding into ``not_met``, at the audit date and
  over an audit period, for the bundled redcar-cleveland visit rules.

The last needs a schedule whose interval never shrinks as the clock runs on (later phases no
stricter than earlier ones). ``first`` longer than ``interval`` no longer breaks it: a requirement
is never due before the episode's first due date, so an early event cannot make a later one late
(tests at the end: ``review-early-help``, first TAF within 15 weeks then every 6, and
``chronology-updated``, a recency rule within 45 working days then monthly, which an early event
used to break).
"""

from __future__ import annotations

import datetime as dt
import os

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecheck.engine import STATUSES, audit
from casecheck.errors import CasecheckError
from casecheck.report import frame_bytes
from casecheck.sources import load_frames
from casecheck.standards import resolve_profile

from engine_helpers import CP_VISITS, dataset, frame, one, profile

AS_AT = dt.date(2025, 3, 31)
REDCAR = resolve_profile("redcar-cleveland")
#: the redcar rules a visit counts for, in the cohorts generated below (private fostering and
#: adoption visits have the same shape as these)
VISIT_RULES = ["visits-early-help", "visits-cin", "visits-cp", "visits-cla", "visits-s47",
               "visits-care-leaver", "visits-short-breaks"]  # fmt: skip
#: examples per property: a few dozen keeps the suite fast; set CASECHECK_EXAMPLES=1000 for a
#: thorough run
EXAMPLES = int(os.environ.get("CASECHECK_EXAMPLES", "30"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Strategies: extracts as text frames, with the mess real exports hold
# ---------------------------------------------------------------------------------------------
CHILD_IDS = ["0001", "001", "1", "0002", "A-7", "=1"]
UNKNOWN_IDS = ["9", "0009", ""]
EXCEL_EPOCH = dt.date(1899, 12, 30)

dates = st.dates(dt.date(2022, 6, 1), dt.date(2025, 6, 30))
DATE_STYLES = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: f"{d.day}/{d.month}/{d:%y}",
    lambda d: f"{d.isoformat()} 00:00:00.000",
    lambda d: str((d - EXCEL_EPOCH).days),
    lambda d: f"{d.day} {d:%b %Y}",
]
JUNK = ["", None, "N/A", "#N/A", "NULL", "31/02/2025", "next week", "2025-13-01", "=1+1", "45"]


@st.composite
def date_cell(draw, junk: float = 0.1) -> str | None:
    if draw(st.floats(0, 1)) < junk:
        return draw(st.one_of(st.sampled_from(JUNK), st.text(max_size=12)))
    return draw(st.sampled_from(DATE_STYLES))(draw(dates))


def child_cell(unknown: bool = True):
    return st.sampled_from(CHILD_IDS + (UNKNOWN_IDS if unknown else []))


flag_cell = st.sampled_from(["Y", "N", "Yes", "no", "a) Yes", "1", "0", "", None, "maybe"])
episode_type = st.sampled_from(
    ["cp", "child_protection", "CIN", "child_in_need", "LAC", "child_in_care", "care_leaver",
     "early_help", "EH", "s47", "disabled_children", "short_breaks", "junk", "", None]
)  # fmt: skip
document_type = st.sampled_from(
    ["chronology", "genogram", "ecomap", "case_summary", "plan", "pathway_plan", "x", None]
)
meeting_type = st.sampled_from(
    ["strategy_discussion", "icpc", "rcpc", "core_group", "cin_review", "cla_review", "taf",
     "family_network", "pathway_plan_review", None]
)  # fmt: skip


def rows(**cells) -> st.SearchStrategy[list[dict]]:
    return st.lists(st.fixed_dictionaries(cells), max_size=8)


@st.composite
def extracts(draw) -> dict[str, pl.DataFrame]:
    """A messy native extract: every table, ids with and without zeros, dates in every style,
    junk cells, unknown children, duplicates."""
    tables = {
        "children": draw(rows(child_id=child_cell(False), date_of_birth=date_cell(0.3),
                              disability=flag_cell).filter(bool)),
        "workers": draw(rows(worker_id=st.sampled_from(["W1", "W2", None]),
                             team=st.sampled_from(["T1", "+T", None]))),
        "episodes": draw(rows(child_id=child_cell(), episode_type=episode_type,
                              start_date=date_cell(), end_date=st.one_of(st.none(), date_cell()),
                              team=st.sampled_from(["A", "B", None]),
                              worker_id=st.sampled_from(["W1", "W2", None]))),
        "placements": draw(rows(child_id=child_cell(), start_date=date_cell(),
                                end_date=st.one_of(st.none(), date_cell()),
                                permanence_agreed_date=st.one_of(st.none(), date_cell()))),
        "visits": draw(rows(child_id=child_cell(), visit_date=date_cell(), seen=flag_cell,
                            seen_alone=flag_cell,
                            visit_type=st.sampled_from(["statutory", None, "other"]),
                            recorded_date=st.one_of(st.none(), date_cell()))),
        "supervisions": draw(rows(child_id=child_cell(), supervision_date=date_cell())),
        "documents": draw(rows(child_id=child_cell(), document_type=document_type,
                               document_date=date_cell())),
        "assessments": draw(rows(child_id=child_cell(), start_date=date_cell(),
                                 completed_date=st.one_of(st.none(), date_cell()),
                                 authorised_date=st.one_of(st.none(), date_cell()))),
        "meetings": draw(rows(child_id=child_cell(), meeting_type=meeting_type,
                              meeting_date=date_cell())),
        "referrals": draw(rows(child_id=child_cell(), received_date=date_cell(),
                               decision_date=st.one_of(st.none(), date_cell()))),
        "missing_episodes": draw(rows(child_id=child_cell(), start_date=date_cell(),
                                      return_date=st.one_of(st.none(), date_cell()),
                                      return_interview_date=st.one_of(st.none(), date_cell()))),
    }  # fmt: skip
    # a copy of a row here and there, as exports repeat them
    for name in draw(st.lists(st.sampled_from(list(tables)), max_size=3)):
        if tables[name]:
            tables[name].append(dict(tables[name][0]))
    keep = draw(st.sets(st.sampled_from(list(tables)[2:])))  # optional tables may be missing
    return {
        name: frame(r, name)
        for name, r in tables.items()
        if name in ("children", "episodes") or name in keep
    }


def load(frames: dict[str, pl.DataFrame]):
    try:
        return load_frames(frames, as_at=AS_AT)
    except CasecheckError:  # an extract casecheck refuses, in one sentence: allowed
        return None


# ---------------------------------------------------------------------------------------------
# No unexpected exception; every row accounted for; every summary adds up
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@settings(FAST, max_examples=EXAMPLES + 20)
@given(extracts())
def test_rows_read_equal_rows_used_plus_rows_rejected(frames):
    ds = load(frames)
    if ds is None:
        return
    for name, rep in ds.quality.reports.items():
        assert rep.rows_read == frames[name].height, name
        assert rep.rows_read == rep.rows_used + rep.rows_rejected, name
        assert rep.rows_used == ds.tables[name].height, name
        rejected = ds.quality.rejected(name)
        assert rejected.height == rep.rows_rejected, name
        assert rejected["row"].n_unique() == rejected.height  # one reason per rejected row
        used = set(ds.tables[name]["_row"])
        assert used.isdisjoint(set(rejected["row"]))
        assert used | set(rejected["row"]) == set(range(2, rep.rows_read + 2))


@pytest.mark.slow
@FAST
@given(extracts(), st.one_of(st.none(), dates))
def test_load_and_audit_raise_nothing_and_every_summary_adds_up(frames, since):
    ds = load(frames)
    if ds is None:
        return
    try:
        result = audit(ds, REDCAR, AS_AT, since)
    except CasecheckError as exc:  # e.g. --since after the audit date
        assert since is not None and since > AS_AT, exc
        return
    s = result.summary
    assert s.height == len(REDCAR.rules)
    assert (s["met"] + s["not_met"] + s["pending"] == s["in_scope"]).all()
    counts = result.findings.group_by("rule_id").len()
    joined = s.join(counts, on="rule_id", how="left").with_columns(pl.col("len").fill_null(0))
    assert (joined["len"] == joined["in_scope"]).all()
    assert set(result.findings["status"]) <= set(STATUSES)
    assert (result.findings["days_overdue"] >= 0).all()
    for fmt in ("csv", "json"):
        frame_bytes(result.findings, fmt)  # and the outputs can be written


# ---------------------------------------------------------------------------------------------
# Adding a qualifying visit never turns met into not_met (for rules where that is true)
# ---------------------------------------------------------------------------------------------
COHORTS = ["child_protection", "child_in_need", "child_in_care", "early_help", "care_leaver",
           "s47", "short_breaks"]  # fmt: skip
KIDS = ["1", "2", "3"]


@st.composite
def cp_extracts(draw) -> dict[str, list[dict]]:
    """Clean rows (no junk: the point is the verdicts) for a few children in the CP cohort and
    others, with visits, seen or not, statutory or not."""
    iso = dates.map(dt.date.isoformat)
    episodes = []
    for child in KIDS:
        for kind in draw(st.sets(st.sampled_from(COHORTS), min_size=1, max_size=2)):
            start = draw(dates.filter(lambda d: d <= AS_AT))
            end = draw(st.one_of(st.none(), st.dates(start, dt.date(2025, 6, 30))))
            episodes.append({"child_id": child, "episode_type": kind, "start_date": start.isoformat(),
                             "end_date": end and end.isoformat()})
    episodes[0]["episode_type"] = "child_protection"
    visits = draw(st.lists(st.fixed_dictionaries({
        "child_id": st.sampled_from(KIDS), "visit_date": iso,
        "seen": st.sampled_from(["Y", "N", None]), "visit_type": st.sampled_from(["statutory", None, "phone"]),
    }), max_size=10))  # fmt: skip
    placements = draw(st.lists(st.fixed_dictionaries({
        "child_id": st.sampled_from(KIDS), "start_date": iso,
        "permanence_agreed_date": st.one_of(st.none(), iso),
    }), max_size=2))  # fmt: skip
    children = [{"child_id": c, "date_of_birth": draw(st.sampled_from(
        ["2006-01-01", "2010-06-01", "2020-02-29", None]))} for c in KIDS]  # fmt: skip
    return {"children": children, "episodes": episodes, "visits": visits, "placements": placements}


KEY = ["rule_id", "child_id", "episode_type", "anchor_date"]


def _unique_verdicts(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings whose key is unique (a visit dated like another can add a same-key finding)."""
    return findings.filter(pl.len().over(KEY) == 1).select(*KEY, "status")


def _never_met_to_not_met(before, after) -> None:
    joined = _unique_verdicts(before.findings).join(
        _unique_verdicts(after.findings), on=KEY, suffix="_after", nulls_equal=True
    )
    broken = joined.filter((pl.col("status") == "met") & (pl.col("status_after") == "not_met"))
    assert broken.is_empty(), broken
    # the cohorts do not depend on visits: every finding is still there
    assert before.findings.select(KEY).unique().join(
        after.findings.select(KEY).unique(), on=KEY, how="anti", nulls_equal=True
    ).is_empty()


@pytest.mark.slow
@FAST
@given(cp_extracts(), st.sampled_from(KIDS), dates.filter(lambda d: d <= AS_AT),
       st.one_of(st.none(), st.dates(dt.date(2023, 1, 1), AS_AT)))  # fmt: skip
def test_adding_a_seen_visit_never_turns_met_into_not_met(tables, child, day, since):
    """At the audit date (since None) and over an audit period, for every redcar visit rule."""
    before = audit(dataset(AS_AT, **{k: list(v) for k, v in tables.items()}), REDCAR, AS_AT, since,
                   rules=VISIT_RULES)
    visit = {"child_id": child, "visit_date": day.isoformat(), "seen": "Y", "visit_type": "statutory"}
    tables = {**tables, "visits": [*tables["visits"], visit]}
    after = audit(dataset(AS_AT, **tables), REDCAR, AS_AT, since, rules=VISIT_RULES)
    _never_met_to_not_met(before, after)


@pytest.mark.slow
@FAST
@given(st.integers(0, 30), st.integers(1, 30), st.sampled_from(["d", "wd", "w"]),
       st.lists(dates.filter(lambda d: d <= AS_AT), max_size=6), dates.filter(lambda d: d <= AS_AT),
       dates.filter(lambda d: d <= AS_AT))  # fmt: skip
def test_point_in_time_frequency_rules_hold_it_whatever_first_and_interval(
    first, interval, unit, visit_days, start, day
):
    """At the audit date only the latest event counts, so even ``first > interval`` is safe."""
    rule = {**CP_VISITS, "first": f"{first}{unit}", "interval": f"{interval}{unit}"}
    prof = profile(rule)
    episodes = [{"child_id": "1", "episode_type": "cp", "start_date": start.isoformat()}]
    visits = [{"child_id": "1", "visit_date": d.isoformat()} for d in visit_days]
    before = audit(dataset(AS_AT, episodes=episodes, visits=visits), prof, AS_AT)
    visits.append({"child_id": "1", "visit_date": day.isoformat()})
    after = audit(dataset(AS_AT, episodes=episodes, visits=visits), prof, AS_AT)
    if one(before)["status"] == "met":
        assert one(after)["status"] == "met"


# ---------------------------------------------------------------------------------------------
# ... including when first is longer than interval (an early event used to break it)
# ---------------------------------------------------------------------------------------------
def test_an_early_event_keeps_the_first_period_over_the_audit_period():
    """A review rule (as Redcar's review-early-help was written before issue 13): first TAF
    within 15 weeks, then every 6 weeks. Meetings on 20 Dec,
    31 Jan and 14 Mar meet it. An extra one on 8 Oct is early: the next is due 6 weeks later
    (19 Nov), but never before the episode's first due date (1 Oct + 15 weeks = 14 Jan), so the
    meeting on 20 Dec is on time and the period is still met."""
    episodes = [{"child_id": "1", "episode_type": "early_help", "start_date": "2024-10-01"}]
    meetings = [{"child_id": "1", "meeting_type": "taf", "meeting_date": d}
                for d in ("2024-12-20", "2025-01-31", "2025-03-14")]  # fmt: skip
    early = {"child_id": "1", "meeting_type": "taf", "meeting_date": "2024-10-08"}
    since = dt.date(2024, 10, 1)
    rule = profile({"id": "review-early-help", "kind": "frequency", "cohort": ["early_help"],
                    "events": ["meeting:taf"], "first": "15w", "interval": "6w"})

    def status(extra: list[dict], since: dt.date | None) -> str:
        ds = dataset(AS_AT, episodes=episodes, meetings=meetings + extra)
        return one(audit(ds, rule, AS_AT, since))["status"]

    assert status([], since) == status([early], since) == "met"
    assert status([], None) == status([early], None) == "met"


def test_an_early_update_does_not_make_a_recency_rule_late_in_its_first_period():
    """chronology-updated: within 45 working days of the episode (3 Feb + 45wd = 7 Apr), then
    monthly. At 31 Mar a chronology from 15 Jan (out of date since 15 Feb) leaves the child
    pending: the first period runs to 7 Apr. One written a week into the episode (10 Feb, out of
    date since 10 Mar) does too: it is not late before 7 Apr either."""
    episodes = [{"child_id": "1", "episode_type": "child_in_need", "start_date": "2025-02-03"}]
    old = {"child_id": "1", "document_type": "chronology", "document_date": "2025-01-15"}
    early = {"child_id": "1", "document_type": "chronology", "document_date": "2025-02-10"}

    def finding(docs: list[dict]) -> dict:
        ds = dataset(AS_AT, episodes=episodes, documents=docs)
        return one(audit(ds, REDCAR, AS_AT, None, ["chronology-updated"]))

    for docs in ([old], [old, early]):
        f = finding(docs)
        assert (f["status"], f["due_date"]) == ("pending", dt.date(2025, 4, 7))
