"""A child's events across every table, in date order: the chronology a case auditor reads beside
the verdicts (``audit --child ID --xlsx|--html``).

Every dated column of every native table the extract holds gives one event per row where it is
filled: an episode's start and end, a placement's start, end and permanence agreement, a visit
and its case note, a supervision, a document, an assessment's start, completion and sign-off, a
meeting, a referral and its decision, going missing, returning and the return interview (and the
tables issue 13 adds, by the same rule). Each event is said in words ("child protection plan
started", "core group meeting", "visit: seen, seen alone"), never in codes.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from casecheck import words
from casecheck.dataset import Dataset
from casecheck.schema import CODE_COLUMNS, DATE, TABLES

CHRONOLOGY_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "event": pl.String(),
    "detail": pl.String(),
    "source": pl.String(),  # table.column the date comes from
}

#: (table, date column) -> what happened, after the row's coded value in words (``{}``) where the
#: table has one; a date column not listed is said by ``words.date_column``
PHRASES: dict[tuple[str, str], str] = {
    ("episodes", "start_date"): "{} started",
    ("episodes", "end_date"): "{} ended",
    ("placements", "start_date"): "placement started",
    ("placements", "end_date"): "placement ended",
    ("placements", "permanence_agreed_date"): "placement agreed as permanent",
    ("visits", "visit_date"): "visit",
    ("visits", "recorded_date"): "visit recorded (case note)",
    ("supervisions", "supervision_date"): "{}",
    ("documents", "document_date"): "{}",
    ("documents", "created_date"): "{} created on the system",
    ("assessments", "start_date"): "{} assessment started",
    ("assessments", "completed_date"): "{} assessment completed",
    ("assessments", "authorised_date"): "{} assessment signed off",
    ("meetings", "meeting_date"): "{}",
    ("referrals", "received_date"): "referral received",
    ("referrals", "decision_date"): "referral decided",
    ("missing_episodes", "start_date"): "went missing",
    ("missing_episodes", "return_date"): "returned from missing",
    ("missing_episodes", "return_interview_date"): "return home interview",
}

#: flags said in the detail when yes (and for ``seen``, when no)
_FLAG_WORDS = {"seen_alone": "seen alone", "bedroom_seen": "bedroom seen", "unannounced": "unannounced"}


def _code_words(table: str, frame: pl.DataFrame) -> pl.Expr:
    """The row's coded value in words (episode, meeting, document... type), or the table's name."""
    fallback = pl.lit(table.rstrip("s").replace("_", " "))
    for col in CODE_COLUMNS.get(table, ()):
        if col in frame.columns and col != "placement_type":
            nouns = words.EPISODE_NOUNS if col == "episode_type" else {}
            mapping = {v: nouns.get(v, words.word(v)) for v in frame[col].drop_nulls().unique().to_list()}
            return pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String).fill_null(fallback)
    return fallback


def _in_words(frame: pl.DataFrame, col: str, mapping: dict[str, str]) -> pl.Expr:
    """A coded column's values said in words where the mapping knows them."""
    values = {v: mapping.get(v, v) for v in frame[col].drop_nulls().unique().to_list()}
    return pl.col(col).replace_strict(values, default=None, return_dtype=pl.String)


def _detail(table: str, frame: pl.DataFrame) -> pl.Expr:
    """Facts a reader needs beside the event: whether a visit saw the child (alone, the bedroom),
    a placement's type, a referral's outcome, the worker."""
    parts: list[pl.Expr] = []
    if table == "visits" and "seen" in frame.columns:
        parts.append(pl.when(pl.col("seen").eq(False)).then(pl.lit("not seen")).otherwise(pl.lit("seen")))
    for col, said in _FLAG_WORDS.items():
        if col in frame.columns:
            parts.append(pl.when(pl.col(col).eq(True)).then(pl.lit(said)))
    said = {"placement_type": placement_words(), "outcome": words.OUTCOMES}
    for col, label in (("placement_type", "placement"), ("legal_status", "legal status"),
                       ("outcome", "outcome"), ("visit_type", "visit type"), ("contact_type", "by"),
                       ("worker_id", "worker")):
        if col in frame.columns:
            value = _in_words(frame, col, said[col]) if col in said else pl.col(col)
            parts.append(pl.when(pl.col(col).is_not_null()).then(pl.format(f"{label} {{}}", value)))
    if not parts:
        return pl.lit(None, dtype=pl.String)
    return pl.concat_str(parts, separator=", ", ignore_nulls=True)


def placement_words() -> dict[str, str]:
    """SSDA903 placement codes with their description: ``U4 (Foster placement with other foster
    carer - long term fostering)``."""
    from casecheck.vocabulary import CODES

    return {code: f"{code} ({spellings[0]})" if spellings else code
            for code, spellings in CODES.get("placement_type", {}).items()}


#: events of one day in the order they happen (an episode starts before its first visit)
_TABLE_ORDER = ("referrals", "episodes", "missing_episodes", "placements", "assessments", "meetings",
                "visits", "family_contacts", "supervisions", "documents")
_ORDER = {f"{t}.{c}": i for i, (t, c) in enumerate(
    sorted(PHRASES, key=lambda tc: _TABLE_ORDER.index(tc[0]) if tc[0] in _TABLE_ORDER else len(_TABLE_ORDER)))}


def child_chronology(dataset: Dataset, child_id: str, as_at: dt.date | None = None) -> pl.DataFrame:
    """Every dated event of one child, oldest first (events after ``as_at`` left out)."""
    parts = []
    for name, table in TABLES.items():
        if name == "children" or not dataset.has(name) or "child_id" not in table.column_names:
            continue
        # (one chunk per column: Polars cannot format over columns chunked differently)
        rows = dataset.table(name).filter(pl.col("child_id") == child_id).rechunk()
        if rows.is_empty():
            continue
        what, detail = _code_words(name, rows), _detail(name, rows)
        for col in table.columns:
            if col.kind != DATE or col.name not in rows.columns:
                continue
            phrase = PHRASES.get((name, col.name), words.date_column(name, col.name))
            event = pl.format(phrase, what) if "{}" in phrase else pl.lit(phrase)
            parts.append(
                rows.filter(pl.col(col.name).is_not_null())
                .select(
                    pl.col(col.name).alias("date"),
                    event.alias("event"),
                    detail.alias("detail"),
                    pl.lit(f"{name}.{col.name}").alias("source"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=CHRONOLOGY_SCHEMA)
    out = pl.concat(parts, how="vertical_relaxed").cast(CHRONOLOGY_SCHEMA)  # type: ignore[arg-type]
    if as_at is not None:
        out = out.filter(pl.col("date") <= as_at)
    order = pl.col("source").replace_strict(_ORDER, default=len(_ORDER), return_dtype=pl.Int32)
    return out.sort([pl.col("date"), order, pl.col("event")], maintain_order=True)


def did_you_mean(dataset: Dataset, child_id: str) -> list[str]:
    """Ids the child may have meant: the same id with the leading zeros Excel drops (``1095`` for
    ``0001095``), or with spaces or a different case."""
    wanted = child_id.strip().lstrip("0").lower()
    ids = dataset.table("children").select("child_id")
    key = pl.col("child_id").str.strip_chars().str.strip_chars_start("0").str.to_lowercase()
    return ids.filter(key == wanted)["child_id"].sort().to_list()[:5]

