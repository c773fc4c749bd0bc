"""One vocabulary of codes and the spellings real systems use (casecheck.vocabulary)."""

from __future__ import annotations

import polars as pl
import pytest

from casecheck import vocabulary
from casecheck.schema import CODE_COLUMNS

from conftest import ROOT


@pytest.mark.parametrize(
    ("column", "text", "code"),
    [
        ("episode_type", "Children in Need", "child_in_need"),
        ("episode_type", "CIN Plan", "child_in_need"),
        ("episode_type", "CP Plan", "child_protection"),
        ("episode_type", "CiC", "child_in_care"),
        ("episode_type", "Children Looked After", "child_in_care"),
        ("episode_type", "S47 Enquiry", "s47"),
        ("episode_type", "Section 47 Enquiry", "s47"),
        ("episode_type", "Child Protection (CP)", "child_protection"),
        ("episode_type", "  child-protection ", "child_protection"),
        ("episode_type", "CIN Plan (open)", "child_in_need"),  # a bracketed part, when nothing else fits
        ("visit_type", "CP Statutory Visit", "statutory"),
        ("meeting_type", "b) LAC Review", "cla_review"),  # Annex A's letter prefix
        ("placement_type", "U4 - Foster placement with other foster carer - long term fostering", "U4"),
        ("placement_type", "Placed with own parents", "P1"),
        ("placement_type", "p1", "P1"),
        ("placement_type", "Z12", "Z12"),
        ("outcome", "No Further Action", "nfa"),
        ("supervision_type", "Management Oversight", "management_oversight"),
        ("assessment_type", "Single Assessment", "child_and_family"),
        ("document_type", "Eco-map", "ecomap"),
    ],
)  # fmt: skip
def test_spellings_real_systems_use(column, text, code):
    m = vocabulary.match(pl.Series(column, [text, None, "N/A"]), column)
    assert m.codes.to_list() == [code, None, None]
    assert m.unknown.is_empty()


def test_unknown_values_are_kept_tidied_and_counted_with_a_guess():
    m = vocabulary.match(pl.Series("episode_type", ["Chlid Protection"] * 3 + ["Life Story Work", "CP"]),
                         "episode_type")
    assert m.codes.to_list() == ["chlid_protection"] * 3 + ["life_story_work", "child_protection"]
    assert m.unknown.rows() == [("Chlid Protection", 3, "child_protection"), ("Life Story Work", 1, None)]
    placements = vocabulary.match(pl.Series("placement_type", ["x9 ", "U4"]), "placement_type")
    assert placements.codes.to_list() == ["X9", "U4"] and placements.unknown["value"].to_list() == ["x9"]


def test_every_coded_column_has_a_vocabulary_and_each_spelling_one_code():
    coded = {c for cols in CODE_COLUMNS.values() for c in cols}
    assert coded == set(vocabulary.CODES)
    for column, codes in vocabulary.CODES.items():
        seen: dict[str, str] = {}
        for code, spellings in codes.items():
            for s in (code, *spellings):
                k = vocabulary.key(s)
                assert seen.setdefault(k, code) == code, (column, s, seen[k], code)


def test_placement_codes_are_the_ssda903_codes():
    assert {"P1", "U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "A3", "T0", "Z1"} <= set(vocabulary.codes("placement_type"))
    assert all(c == c.upper() for c in vocabulary.codes("placement_type"))


def test_docs_codes_lists_every_code_and_spelling():
    text = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    for column, codes in vocabulary.CODES.items():
        assert f"## `{column}`" in text, column
        for code, spellings in codes.items():
            assert f"| `{code}` |" in text, code
            for s in spellings:
                assert f"`{s}`" in text, s


def test_matching_is_per_distinct_value(monkeypatch):
    calls = []
    real = vocabulary.match_values

    def spy(values, column, extra=None):
        calls.append(len(values))
        return real(values, column, extra)

    monkeypatch.setattr(vocabulary, "match_values", spy)
    vocabulary.match(pl.Series("episode_type", ["CP", "CIN", "LAC"] * 100_000), "episode_type")
    assert calls == [3]


def test_a_profile_s_own_codes_are_not_unknown_to_its_audit():
    from casecheck.dataset import DataQuality
    from casecheck.standards import resolve_profile

    tallies = pl.DataFrame({"table": ["documents"], "column": ["document_type"], "kind": ["unknown_code"],
                            "value": ["Memory Box"], "rows": [4], "detail": [None]})
    q = DataQuality({}, pl.DataFrame(), tallies)
    assert q.unknown_codes().height == 1
    assert q.unknown_codes({"document_type": {"memory_box"}}).is_empty()
    refs = vocabulary.referenced_codes(resolve_profile("redcar-cleveland"))
    assert "genogram" in refs["document_type"] and "child_protection" in refs["episode_type"]


def test_lcs_steps_report_spelled_another_way_is_read_or_reported(tmp_path):
    """The LCS preset's value map no longer drops a step type it does not list: one the
    vocabulary knows is read, one nobody knows is counted with a guess."""
    from casecheck.sources import load_dataset

    folder = tmp_path / "lcs"
    folder.mkdir()
    (folder / "Person Details.csv").write_text("Person ID,Date of Birth\n1,01/02/2015\n2,03/04/2016\n")
    (folder / "CSC Steps.csv").write_text(
        "Person ID,Step Type,Step Start Date,Step End Date\n"
        "1,Children in Need,06/01/2025,\n"  # not in the preset's map: the vocabulary knows it
        "2,CP Plan Reveiw,06/01/2025,\n"  # nobody knows it
        "2,Contact,06/01/2025,\n"  # the preset leaves contacts out on purpose
        "2,Strategy Discussion,07/01/2025,\n"
    )
    ds = load_dataset(folder, source="lcs")
    assert ds.tables["episodes"]["episode_type"].to_list() == ["child_in_need"]
    assert ds.tables["meetings"]["meeting_type"].to_list() == ["strategy_discussion"]
    unknown = ds.quality.unknown_codes()
    assert unknown.select("column", "value", "rows").rows() == [("Step Type", "CP Plan Reveiw", 1)]
    assert any("Contact" in line and "left out on purpose" in line for line in ds.quality.note_lines())
