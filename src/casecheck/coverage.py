"""What an extract can say at all: the events a rule needs that its source never holds.

A native extract can hold anything, so a table it has is a table a rule can use. A statutory
return or a fixed layout cannot: the SSDA903 holds looked-after reviews but no core groups, the CIN
census holds review conferences but no CIN reviews, an Annex A workbook without a "Latest Date of
Contact" column holds no care leaver's contact. Sources declare, per native table, the
``(code, cohort)`` pairs their rows can be (:attr:`casecheck.dataset.TableReport.supplies`: the
meeting, document or episode type, and the episode type of the children the rows are about; None
in a slot means any, and no declaration means anything). :func:`unsupplied` names what a rule
needs that the declarations rule out, so the rule is reported "not assessed (needs: ...)" rather
than finding every child not met.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casecheck.schema import CODE_COLUMNS

if TYPE_CHECKING:
    from casecheck.dataset import Dataset
    from casecheck.standards import EventRef, Rule

Pairs = frozenset[tuple[str | None, str | None]]


def supplies(ds: Dataset, table: str) -> Pairs | None:
    report = ds.quality.reports.get(table)
    return None if report is None else getattr(report, "supplies", None)


def _codes(table: str, wheres) -> set[str] | None:
    """The codes a reference asks for in the table's code column (None: any)."""
    col = CODE_COLUMNS.get(table, (None,))[0]
    for c, values in wheres:
        if c == col and values:
            return set(values)
    return None


def _fits(pairs: Pairs, codes: set[str] | None, cohorts: set[str] | None) -> tuple[bool, bool]:
    """(some pair has a wanted code, some such pair is about a wanted cohort)."""
    code_ok = [k for c, k in pairs if codes is None or c is None or c in codes]
    if not code_ok:
        return False, False
    return True, cohorts is None or any(k is None or k in cohorts for k in code_ok)


def _lacks(ds: Dataset, ref: EventRef, wheres, cohorts: set[str] | None) -> str:
    """What is missing for one event reference ('' if nothing, or nothing is known)."""
    if not ds.has(ref.table):
        return ""
    pairs = supplies(ds, ref.table)
    if pairs is None:
        return ""
    codes = _codes(ref.table, wheres)
    text = ref.text
    if ref.table == "episodes" and codes and ":" not in text:
        text = f"episode:{'|'.join(sorted(codes))}"
    code_ok, cohort_ok = _fits(pairs, codes, None if ref.table == "episodes" else cohorts)
    if not code_ok:
        return text
    if not cohort_ok:
        return f"{text} of {' or '.join(sorted(cohorts or ()))} episodes"
    return ""


def unsupplied(ds: Dataset, rule: Rule) -> list[str]:
    """What ``rule`` needs that the extract's sources say they never hold, in the words of the
    profile (``meeting:core_group``, ``visit of care_leaver episodes``, ``episode:child_protection``);
    empty when the rule can be assessed (or the extract can hold anything)."""
    needs: list[str] = []
    cohorts = set(rule.cohort) or None
    episodes = supplies(ds, "episodes") if ds.has("episodes") else None
    if cohorts and episodes is not None:
        have = {c for c, _k in episodes}
        if None not in have and not have & cohorts:
            return [" or ".join(f"episode:{c}" for c in rule.cohort)]
    # the events of a frequency, recency or presence rule are alternatives: one is enough
    events = [_lacks(ds, e, e.where, cohorts) for e in rule.events]
    if events and all(events):
        needs += [n for n in events if n]
    if rule.start is not None:
        wheres = tuple(rule.start.where) + tuple(rule.start_where)
        needs.append(_lacks(ds, rule.start, wheres, cohorts))
    dones = [_lacks(ds, d, d.where, cohorts) for d in rule.dones]
    if dones and all(dones):  # alternatives: one is enough
        needs += dones
    needs = [n for n in needs if n]
    return list(dict.fromkeys(needs))
