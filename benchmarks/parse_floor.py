"""The parse floor: read every table file of an extract with Polars and nothing else.

    python benchmarks/parse_floor.py DATA

CSV with ``pl.read_csv(path, infer_schema=False)`` (every column as text, as casecheck reads it),
Parquet with ``pl.read_parquet(path)``. No typing, no validation, no rules: the least any tool
that reads these files with Polars must spend. Prints the rows read.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import polars as pl


def main() -> None:
    data = Path(sys.argv[1])
    started = time.perf_counter()
    rows = {}
    for f in sorted(data.iterdir()):
        if f.suffix == ".csv":
            rows[f.stem] = pl.read_csv(f, infer_schema=False).height
        elif f.suffix == ".parquet":
            rows[f.stem] = pl.read_parquet(f).height
    if not rows:
        sys.exit(f"{data} holds no .csv or .parquet files")
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": sum(rows.values()), "tables": rows, "seconds_in_process": round(seconds, 3)}))


if __name__ == "__main__":
    main()
