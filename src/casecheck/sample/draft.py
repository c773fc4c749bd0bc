"""Rows collected as whole arrays while the authority is drawn, made into frames at the end.

Each part of the generator adds rows to a table with :meth:`Draft.add`: one array per column
(child and worker numbers, day numbers, code numbers, 0/1 flags), any column it leaves out blank.
:meth:`Draft.frames` joins the parts, sorts each table by child then date, and turns the numbers
into the strings, dates and labels of :data:`~casecheck.sample.tables.COLUMNS`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from casecheck.sample.draw import NO_DATE
from casecheck.sample.tables import COLUMNS, SORT_BY, Kind


def _blank(kind: Kind) -> int:
    return NO_DATE if kind.what == "date" else -1


class Draft:
    """The rows of every table so far, as lists of column arrays."""

    def __init__(self) -> None:
        self.parts: dict[str, list[tuple[int, dict[str, np.ndarray]]]] = {t: [] for t in COLUMNS}

    def add(self, table: str, **cols) -> None:
        """Add rows to ``table``: each keyword a column, an array (all the same length) or a
        scalar repeated; columns left out are blank. Date columns hold day numbers."""
        spec = COLUMNS[table]
        unknown = set(cols) - set(spec)
        if unknown:
            raise KeyError(f"{table} has no column {sorted(unknown)}")
        n = max((len(v) for v in cols.values() if np.ndim(v)), default=0)
        arrays = {
            c: np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)) if spec[c].what != "text" else v
            for c, v in cols.items()
        }
        if n:
            self.parts[table].append((n, arrays))

    def column(self, table: str, col: str) -> np.ndarray:
        """One column of the rows added so far, joined."""
        kind = COLUMNS[table][col]
        return np.concatenate(
            [a[col] if col in a else np.full(n, _blank(kind)) for n, a in self.parts[table]]
            or [np.zeros(0, np.int64)]
        )

    def take(self, table: str) -> dict[str, np.ndarray]:
        """Every column of the rows added to ``table`` so far, joined; the table is left empty
        (to add them back with more columns)."""
        cols = {c: self.column(table, c) for c, k in COLUMNS[table].items() if k.what != "text"}
        self.parts[table] = []
        return cols

    def frames(self, child_ids: pl.Series, worker_ids: pl.Series) -> dict[str, pl.DataFrame]:
        """Every table as a frame, sorted by child then date, ids and labels filled in."""
        return {t: self._frame(t, child_ids, worker_ids) for t in COLUMNS}

    def _frame(self, table: str, child_ids: pl.Series, worker_ids: pl.Series) -> pl.DataFrame:
        spec = COLUMNS[table]
        raw = {c: self.column(table, c) for c, k in spec.items() if k.what != "text"}
        order = _order([raw[c] for c in SORT_BY[table]])
        raw = {c: v[order] for c, v in raw.items()}
        if len(raw) == len(spec):  # drop exact duplicates (two episodes' events on one day)
            dup = _repeats(list(raw.values()), len(SORT_BY[table]))
            if dup.any():
                raw = {c: v[~dup] for c, v in raw.items()}
        cols = []
        for c, kind in spec.items():
            if kind.what == "text":  # (workers' names: never duplicated)
                parts = [a[c] for _, a in self.parts[table] if c in a]
                s = pl.concat(parts) if parts else pl.Series(c, [], pl.String)
                cols.append(s.gather(order).alias(c))
            else:
                cols.append(_series(c, kind, raw[c], child_ids, worker_ids))
        return pl.DataFrame(cols)


def _order(keys: list[np.ndarray]) -> np.ndarray:
    """The stable sort order of rows by ``keys`` (non-negative ints, or day numbers): packed with
    the row number into one int64 when they fit (a multi-threaded Polars sort), else lexsort."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.int64)
    lows = [int(k.min()) for k in keys]
    bits = [max(int(k.max()) - lo, 0).bit_length() for k, lo in zip(keys, lows, strict=True)]
    row_bits = max(n - 1, 0).bit_length()
    if sum(bits) + row_bits > 62:
        return np.lexsort(list(reversed(keys)))
    packed = np.zeros(n, dtype=np.int64)
    for k, lo, b in zip(keys, lows, bits, strict=True):
        packed = (packed << b) | (k - lo)
    packed = (packed << row_bits) | np.arange(n, dtype=np.int64)
    return pl.Series(packed).sort().to_numpy() & ((1 << row_bits) - 1)


def _repeats(cols: list[np.ndarray], n_keys: int) -> np.ndarray:
    """Rows (sorted by the first ``n_keys`` columns) equal in every column to an earlier row."""
    n = len(cols[0])
    same_key = np.ones(max(n - 1, 0), bool)  # same_key[m]: row m + 1 has row m's keys
    for c in cols[:n_keys]:
        same_key &= c[1:] == c[:-1]
    dup = np.zeros(n, bool)
    i = np.flatnonzero(same_key) + 1  # rows with the keys of the row ``back`` before
    back = 1
    while len(i):
        eq = np.ones(len(i), bool)
        for c in cols[n_keys:]:
            eq &= c[i] == c[i - back]
        dup[i[eq]] = True
        i = i[i - back - 1 >= 0]
        i = i[same_key[i - back - 1]]
        back += 1
    return dup


def _series(name: str, kind: Kind, v: np.ndarray, child_ids, worker_ids) -> pl.Series:
    if kind.what == "date":
        s = pl.Series(name, np.where(v == NO_DATE, 0, v).astype(np.int32)).cast(pl.Date)
        null = v == NO_DATE
    elif kind.what == "flag":
        s = pl.Series(name, v == 1)
        null = v < 0
    else:
        idx = pl.Series(name, np.maximum(v, 0).astype(np.int64))
        if kind.what == "child":
            s = child_ids.gather(idx) if len(v) else pl.Series(name, [], pl.String)
        elif kind.what == "worker":
            s = worker_ids.gather(idx) if len(v) else pl.Series(name, [], pl.String)
        elif kind.what == "code":
            s = pl.Series(name, kind.labels, dtype=pl.String).gather(idx)
        else:  # id: prefix + zero-padded number
            s = kind.prefix + idx.cast(pl.String).str.zfill(kind.width)
        null = v < 0
    s = s.alias(name).cast(kind.dtype)
    return s.set(pl.Series(null), None) if null.any() else s
