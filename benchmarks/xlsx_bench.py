"""Reading a large xlsx: openpyxl (the usual pure-Python route) against calamine (fastexcel).

    python benchmarks/xlsx_bench.py write PATH [--rows 200000]
    python benchmarks/xlsx_bench.py read PATH --reader openpyxl|fastexcel|casecheck

``write`` makes a one-sheet workbook ``visits`` of the synthetic visits table (``casecheck sample``
data, seed 1, as at 2025-03-31, cut to ``--rows`` rows) with xlsxwriter, dates as real Excel date
cells, as a case-management system's export would hold them.

``read`` reads it back into a DataFrame, once, and prints the rows and seconds:

* ``openpyxl``: ``load_workbook(read_only=True)``, iterating ``iter_rows(values_only=True)`` into a
  pandas DataFrame (what an analyst's script usually does);
* ``fastexcel``: the calamine (Rust) reader casecheck uses, ``load_sheet(0).to_polars()``;
* ``casecheck``: casecheck's own workbook reader (fastexcel with every column as text, blank
  trailing rows dropped, row numbers added), ``casecheck.sources.readers.excel_sheets``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path


def write(path: Path, rows: int) -> None:
    import xlsxwriter

    from casecheck.sample import generate_sample

    children = max(100, rows // 15)
    while True:
        visits = generate_sample(children=children, seed=1, as_at=dt.date(2025, 3, 31))["visits"]
        if visits.height >= rows:
            break
        children = int(children * 1.3)
    visits = visits.head(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("visits")
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, visits.columns)
    dates = {i for i, (_, t) in enumerate(visits.schema.items()) if t.is_temporal()}
    flags = {i for i, (_, t) in enumerate(visits.schema.items()) if str(t) == "Boolean"}
    for r, row in enumerate(visits.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if c in dates:
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif c in flags:
                sheet.write_string(r, c, "Y" if value else "N")
            else:
                sheet.write(r, c, value)
    book.close()
    tmp.replace(path)
    print(json.dumps({"rows": visits.height, "bytes": path.stat().st_size}))


def read(path: Path, reader: str) -> None:
    started = time.perf_counter()
    if reader == "openpyxl":
        import openpyxl
        import pandas as pd

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = next(it)
        frame = pd.DataFrame(list(it), columns=header)
        book.close()
        rows = len(frame)
    elif reader == "fastexcel":
        import fastexcel

        rows = fastexcel.read_excel(str(path)).load_sheet(0).to_polars().height
    elif reader == "casecheck":
        from casecheck.sources.readers import excel_sheets

        rows = sum(f.height for f in excel_sheets(path).values())
    else:
        raise SystemExit(f"unknown reader {reader!r}")
    print(json.dumps({"reader": reader, "rows": rows, "seconds_in_process": round(time.perf_counter() - started, 3)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("path", type=Path)
    w.add_argument("--rows", type=int, default=200_000)
    r = sub.add_parser("read")
    r.add_argument("path", type=Path)
    r.add_argument("--reader", choices=("openpyxl", "fastexcel", "casecheck"), required=True)
    args = ap.parse_args()
    if args.cmd == "write":
        write(args.path, args.rows)
    else:
        read(args.path, args.reader)


if __name__ == "__main__":
    main()
