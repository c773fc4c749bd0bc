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
)
#: Excel's error values: the cell held a formula that failed. ``#N/A`` (also what a failed lookup
#: gives) is read as blank, as exports use it for "not available"; the others are errors, reported
#: as such, never read as blank (an end date of ``#REF!`` must not make an episode open)
EXCEL_ERRORS = (
    "#null!", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#getting_data", "#spill!",
    "#calc!", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#python!", "#external!",
)  # fmt: skip
#: dates systems write for "none": SQL Server's 9999-12-31 end of time (an open episode) and the
#: 1900-01-01 of an empty date field. Both are read as blank and counted.
PLACEHOLDER_DATES = {dt.date(9999, 12, 31): "read as blank (no end: open)",
                     dt.date(1900, 1, 1): "read as blank (a placeholder, not a date)"}
_END_OF_TIME_SERIAL = 2958465  # 9999-12-31 as an Excel serial number

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
    candidates.append(pl.when(v == str(_END_OF_TIME_SERIAL)).then(pl.lit(dt.date(9999, 12, 31))))
    d = pl.coalesce(candidates)
    sane = d.dt.year().is_between(_MIN_YEAR, _MAX_YEAR) | (d == pl.lit(dt.date(9999, 12, 31)))
    return frame.select(pl.when(sane).then(d).alias("d"))["d"]


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


def _without_placeholders(dates: pl.Series, bad: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    name = dates.name
    hit = dates.is_in(list(PLACEHOLDER_DATES)).fill_null(False)
    if not hit.any():
        return dates, bad, pl.repeat(None, len(dates), dtype=pl.String, eager=True).alias(name)
    frame = pl.DataFrame({"d": dates, "h": hit})
    kept = frame.select(pl.when(~pl.col("h")).then(pl.col("d")))["d"]
    which = frame.select(pl.when(pl.col("h")).then(pl.col("d").cast(pl.String)))["d"]
    return kept.alias(name), bad, which.alias(name)


def parse_dates(series: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Parse a column of dates: ISO, UK day-first, datetimes, Excel serials, real date cells.

    Returns ``(dates, bad, placeholder)``: ``dates`` as pl.Date (null where blank, bad or a
    placeholder), ``bad`` True where the cell held text that is not a date (``31/02/2025``,
    ``next week``, ``#REF!``), ``placeholder`` the ISO date where the cell held one of
    :data:`PLACEHOLDER_DATES` (``9999-12-31``, ``1900-01-01``, read as blank), else null.
    """
    name = series.name
    dtype = series.dtype
    if dtype == pl.Date:
        return _without_placeholders(series, none_bad(series))
    if isinstance(dtype, pl.Datetime):
        return _without_placeholders(series.dt.date(), none_bad(series))
    if dtype.is_numeric():
        serial = series.cast(pl.Float64)
        end_of_time = serial == _END_OF_TIME_SERIAL
        good = serial.is_between(_MIN_SERIAL, _MAX_SERIAL) | end_of_time
        dates = pl.select(
            pl.when(end_of_time).then(pl.lit(dt.date(9999, 12, 31))).when(good).then(
                pl.lit(EXCEL_EPOCH) + pl.duration(days=serial.floor().cast(pl.Int64))
            )
        ).to_series()
        bad = (serial.is_not_null() & ~good).fill_null(False).alias(name)
        return _without_placeholders(dates.alias(name), bad)
    both = by_unique(series.cast(pl.String), _date_and_bad, pl.Struct({"d": pl.Date, "b": pl.Boolean}))
    dates = both.struct.field("d").alias(name)
    return _without_placeholders(dates, both.struct.field("b").fill_null(False).alias(name))


def parse_date(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """:func:`parse_dates` without the placeholder mask: ``(dates, bad)``."""
    dates, bad, _placeholder = parse_dates(series)
    return dates, bad


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


def parse_code(series: pl.Series) -> pl.Series:
    """Coded values of any coded column as their canonical codes (:mod:`casecheck.vocabulary`,
    every column's spellings together); unknown values tidied (lower case, ``_`` for spaces)."""
    from casecheck.vocabulary import tidy_codes

    return tidy_codes(series)


def parse_text(series: pl.Series) -> pl.Series:
    return by_unique(series.cast(pl.String), _clean, pl.String())


def parse_one_date(text: str) -> dt.date | None:
    """One date from text (ISO or UK day-first), or None if it is not a date."""
    cleaned = str(text).replace("\u00a0", " ").strip()
    if not cleaned:
        return None
    return _parse_date_strings(pl.Series([cleaned])).item()
