"""Vectorised parsing of the values case-record extracts hold: dates, flags, ids and codes.

All parsers take a Polars Series of any dtype (strings from CSV, dates or numbers from Excel or
Parquet) and return a typed Series plus a boolean Series marking cells that held something that
could not be understood (blank cells are *unknown*, not errors).

Dates are parsed on the column's distinct values and mapped back, so a ten-million-row column
with a few thousand distinct dates costs a few thousand parses.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

#: cell text that means "no value" in real exports
BLANK_TOKENS = (
    "",
    "n/a",
    "na",
    "#n/a",
    "n\\a",
    "null",
    "none",
    "nil",
    "-",
    "--",
    "nan",
    "nat",
    "unknown",
    "not known",
    "not recorded",
    "#value!",
    "#ref!",
)

EXCEL_EPOCH = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1900, 2100
# Excel serials for 1900-01-01 .. 2100-12-31
_MIN_SERIAL, _MAX_SERIAL = 2, 73415

# (regex the text must match, strptime format, target dtype)
_DATE_FORMATS: list[tuple[str, str, pl.DataType]] = [
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d", pl.Date()),
    (r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(\.\d+)?(Z| ?[+-]\d{2}:?\d{2})?$", "%Y-%m-%d %H:%M:%S%.f", pl.Datetime()),
    (r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}$", "%Y-%m-%d %H:%M", pl.Datetime()),
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d", pl.Date()),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y", pl.Date()),
    (r"^\d{1,2}/\d{1,2}/\d{2}$", "%d/%m/%y", pl.Date()),
    (r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$", "%d/%m/%Y %H:%M", pl.Datetime()),
    (r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}$", "%d/%m/%Y %H:%M:%S", pl.Datetime()),
    (r"^\d{1,2}/\d{1,2}/\d{2} \d{1,2}:\d{2}$", "%d/%m/%y %H:%M", pl.Datetime()),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%d-%m-%Y", pl.Date()),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y", pl.Date()),
    (r"^\d{1,2} [A-Za-z]{3} \d{4}$", "%d %b %Y", pl.Date()),
    (r"^\d{1,2}-[A-Za-z]{3}-\d{4}$", "%d-%b-%Y", pl.Date()),
    (r"^\d{1,2}-[A-Za-z]{3}-\d{2}$", "%d-%b-%y", pl.Date()),
    (r"^\d{1,2} [A-Za-z]{4,9} \d{4}$", "%d %B %Y", pl.Date()),
]
# a trailing UTC marker or offset on an ISO datetime: "Z", "+01:00", " -0500"
_ZONE = r"(Z| ?[+-]\d{2}:?\d{2})$"
# Serial numbers written as text must have five digits (1927 onwards), so a bare year such as
# "2025" is not read as a day in 1905.
_SERIAL_RE = r"^\d{5}(\.\d+)?$"


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Strip spaces (including non-breaking ones); blank tokens such as N/A and #N/A become null."""
    text = expr.cast(pl.String).str.replace_all("\u00a0", " ").str.strip_chars()
    return pl.when(text.str.to_lowercase().is_in(BLANK_TOKENS)).then(None).otherwise(text)


def _parse_date_strings(values: pl.Series) -> pl.Series:
    """Parse distinct cleaned strings to Date (null where no format fits or the year is absurd)."""
    frame = pl.DataFrame({"v": values})
    v = pl.col("v")
    candidates = []
    for pattern, fmt, dtype in _DATE_FORMATS:
        # the clock time and any UTC offset are dropped: case records hold dates
        text = v.str.replace("T", " ").str.replace(_ZONE, "") if "%H" in fmt else v
        parsed = text.str.strptime(dtype, fmt, strict=False)
        if isinstance(dtype, pl.Datetime):
            parsed = parsed.dt.date()
        candidates.append(pl.when(v.str.contains(pattern)).then(parsed))
    serial = v.cast(pl.Float64, strict=False)
    candidates.append(
        pl.when(v.str.contains(_SERIAL_RE) & serial.is_between(_MIN_SERIAL, _MAX_SERIAL)).then(
            pl.lit(EXCEL_EPOCH) + pl.duration(days=serial.floor().cast(pl.Int64))
        )
    )
    d = pl.coalesce(candidates)
    return frame.select(pl.when(d.dt.year().is_between(_MIN_YEAR, _MAX_YEAR)).then(d).alias("d"))["d"]


def _clean(series: pl.Series) -> pl.Series:
    return pl.select(clean_text(pl.lit(series))).to_series().alias(series.name)


def by_unique(series: pl.Series, fn, dtype: pl.DataType) -> pl.Series:
    """Apply ``fn`` (Series -> Series) to the distinct values only, then map back.

    Extract columns repeat their values (dates, codes, flags, ids), so this is several times
    faster than transforming every cell.
    """
    uniques = series.unique()
    if len(uniques) * 2 > len(series):
        return fn(series).alias(series.name)
    mapped = fn(uniques)
    if mapped.dtype == series.dtype and mapped.equals(uniques):  # e.g. ids already clean
        return series
    return series.replace_strict(uniques, mapped, default=None, return_dtype=dtype).alias(
        series.name
    )


def none_bad(series: pl.Series) -> pl.Series:
    """An all-False "bad" mask for a column that is already typed (nothing in it can be bad)."""
    return pl.repeat(False, len(series), dtype=pl.Boolean, eager=True).alias(series.name)


def _date_and_bad(values: pl.Series) -> pl.Series:
    text = _clean(values)
    uniques = text.drop_nulls().unique()
    dates = text.replace_strict(
        uniques, _parse_date_strings(uniques), default=None, return_dtype=pl.Date
    )
    return pl.DataFrame({"d": dates, "b": text.is_not_null() & dates.is_null()}).to_struct("v")


def parse_date(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse a column of dates: ISO, UK day-first, datetimes, Excel serials, real date cells.

    Returns ``(dates, bad)``: ``dates`` as pl.Date (null where blank or bad), ``bad`` True where
    the cell held text that is not a date (``31/02/2025``, ``next week``).
    """
    name = series.name
    dtype = series.dtype
    if dtype == pl.Date:
        return series, none_bad(series)
    if isinstance(dtype, pl.Datetime):
        return series.dt.date(), none_bad(series)
    if dtype.is_numeric():
        serial = series.cast(pl.Float64)
        good = serial.is_between(_MIN_SERIAL, _MAX_SERIAL)
        dates = pl.select(
            pl.when(good).then(
                pl.lit(EXCEL_EPOCH) + pl.duration(days=serial.floor().cast(pl.Int64))
            )
        ).to_series()
        return dates.alias(name), (serial.is_not_null() & ~good).fill_null(False).alias(name)
    both = by_unique(series.cast(pl.String), _date_and_bad, pl.Struct({"d": pl.Date, "b": pl.Boolean}))
    return both.struct.field("d").alias(name), both.struct.field("b").fill_null(False).alias(name)


_TRUE = ("y", "yes", "true", "t", "1", "1.0", "seen", "x")
_FALSE = ("n", "no", "false", "f", "0", "0.0", "not seen")


def _flag_and_bad(values: pl.Series) -> pl.Series:
    text = clean_text(pl.lit(values)).str.to_lowercase().str.replace(r"^[a-z]\)\s*", "")
    t = pl.col("t")
    return (
        pl.select(text.alias("t"))
        .select(
            pl.when(t.is_in(_TRUE)).then(True).when(t.is_in(_FALSE)).then(False).alias("v"),
            (t.is_not_null() & ~t.is_in(_TRUE) & ~t.is_in(_FALSE)).alias("b"),
        )
        .to_struct("s")
    )


def parse_flag(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Y/N, Yes/No, True/False, 1/0 and Annex A style "a) Yes" / "b) No" to Boolean.

    Blank and "unknown" are null (unknown). Returns ``(flags, bad)``.
    """
    name = series.name
    if series.dtype == pl.Boolean:
        return series, none_bad(series)
    both = by_unique(series.cast(pl.String), _flag_and_bad, pl.Struct({"v": pl.Boolean, "b": pl.Boolean}))
    return both.struct.field("v").alias(name), both.struct.field("b").fill_null(False).alias(name)


def parse_id(series: pl.Series) -> pl.Series:
    """Identifiers as strings, leading zeros kept; Excel's ``123.0`` becomes ``123``."""
    if series.dtype.is_float():
        as_int = series.cast(pl.Int64, strict=False)
        text = pl.select(
            pl.when(series == as_int.cast(pl.Float64))
            .then(as_int.cast(pl.String))
            .otherwise(series.cast(pl.String))
        ).to_series()
    else:
        text = series.cast(pl.String)
    return by_unique(text.alias(series.name), _clean, pl.String())


# Synonyms seen in real exports for the coded columns.
CODE_SYNONYMS: dict[str, str] = {
    "eh": "early_help",
    "earlyhelp": "early_help",
    "cin": "child_in_need",
    "childinneed": "child_in_need",
    "cp": "child_protection",
    "cpp": "child_protection",
    "childprotection": "child_protection",
    "child_protection_plan": "child_protection",
    "cla": "child_in_care",
    "lac": "child_in_care",
    "looked_after": "child_in_care",
    "looked_after_child": "child_in_care",
    "child_looked_after": "child_in_care",
    "children_in_care": "child_in_care",
    "child_in_our_care": "child_in_care",
    "care_leavers": "care_leaver",
    "leaving_care": "care_leaver",
    "section_47": "s47",
    "s_47": "s47",
    "section47": "s47",
    "disabled": "disabled_children",
    "cwd": "disabled_children",
    "family_tree": "genogram",
    "chronology_update": "chronology",
    "icpc_meeting": "icpc",
    "initial_child_protection_conference": "icpc",
    "review_child_protection_conference": "rcpc",
    "strategy_meeting": "strategy_discussion",
    "strategy": "strategy_discussion",
    "core_group_meeting": "core_group",
    "looked_after_review": "cla_review",
    "lac_review": "cla_review",
}


def parse_code(series: pl.Series) -> pl.Series:
    """Coded values tidied: lower case, spaces and hyphens to ``_``, known synonyms mapped."""

    def tidy(values: pl.Series) -> pl.Series:
        text = (
            clean_text(pl.lit(values))
            .str.to_lowercase()
            .str.replace(r"^[a-z]\)\s*", "")
            .str.replace_all(r"[\s\-/]+", "_")
        )
        return pl.select(text.alias("c")).to_series().replace(CODE_SYNONYMS)

    return by_unique(series.cast(pl.String).alias(series.name), tidy, pl.String())


def parse_text(series: pl.Series) -> pl.Series:
    return by_unique(series.cast(pl.String), _clean, pl.String())


def parse_one_date(text: str) -> dt.date | None:
    """One date from text (ISO or UK day-first), or None if it is not a date."""
    cleaned = str(text).replace("\u00a0", " ").strip()
    if not cleaned:
        return None
    return _parse_date_strings(pl.Series([cleaned])).item()
