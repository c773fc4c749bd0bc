"""Where a full audit's time goes: the CLI's steps, run one at a time and timed.

    python benchmarks/profile_audit.py DATA [--standards redcar-cleveland] [--as-at 2025-03-31]
                                            [--rules IDS] [--json OUT.json]

Does what ``casecheck audit DATA --standards ... --format parquet --output FILE`` does, in the same
order, timing each step (wall clock): importing, reading the files, typing and validating each
table (and inside that, the parse functions), each rule (with the cache of cohorts and event lists
shared as in ``engine.audit``, so a rule that first builds a shared cohort is charged for it),
assembling and sorting the findings and the summary, and writing the findings as Parquet.
Timers wrap library functions from the outside (nothing in casecheck is changed). For a flame
graph of the same run, use py-spy (see benchmarks/README.md).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import polars as pl  # noqa: E402

import casecheck  # noqa: E402
from casecheck import dataset as cc_dataset  # noqa: E402
from casecheck import engine, parse, report  # noqa: E402
from casecheck.sources import native, readers  # noqa: E402
from casecheck.standards import resolve_profile  # noqa: E402

IMPORTED = time.perf_counter()
TIMERS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(module, name: str, label: str | None = None, key=None) -> None:
    """Wrap ``module.name`` so that its calls add to TIMERS[label] (per table when ``key``)."""
    fn = getattr(module, name)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            what = label or name
            if key is not None:
                what = f"{what} [{key(*args, **kwargs)}]"
            TIMERS[what] += time.perf_counter() - started
            CALLS[what] += 1

    setattr(module, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--standards", default="redcar-cleveland")
    ap.add_argument("--as-at", type=dt.date.fromisoformat, default=dt.date(2025, 3, 31))
    ap.add_argument("--rules", help="only these rule ids, comma-separated (as audit --rules)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    # reading: the file readers and their post-processing
    timed(readers, "drop_blank_rows", "read: drop_blank_rows")
    timed(readers, "with_row_numbers", "read: with_row_numbers")
    timed(readers, "_sniff_delimiter", "read: sniff delimiter")
    timed(native, "map_headers", "read: map_headers")
    # typing: per table, and the parse functions inside it
    timed(cc_dataset, "type_table", "type: type_table", key=lambda raw: raw.table)
    for fn in ("parse_date", "parse_flag", "parse_id", "parse_code", "parse_text"):
        timed(parse, fn, f"type: parse.{fn}")

    steps: list[tuple[str, float]] = [("import casecheck, polars", IMPORTED - T0)]

    def step(label: str, started: float) -> float:
        now = time.perf_counter()
        steps.append((label, now - started))
        return now

    t = time.perf_counter()
    profile = resolve_profile(args.standards)
    if args.rules:
        profile = profile.select([r.strip() for r in args.rules.split(",") if r.strip()])
    t = step("resolve profile", t)
    raws, files = native.read_native_tables(args.data)
    t = step("load: read files", t)
    ds = cc_dataset.build_dataset(raws, as_at=args.as_at, source="native", path=args.data, files=files)
    t = step("load: type and validate (build_dataset)", t)

    cal = profile.calendar()
    cache: dict = {}
    parts = []
    rule_times: list[dict] = []
    for rule in profile.rules:
        if engine.missing_tables(ds, rule):
            continue
        started = time.perf_counter()
        part = engine.run_rule(ds, rule, args.as_at, None, cal, cache)
        seconds = time.perf_counter() - started
        parts.append(part)
        rule_times.append({"rule": rule.id, "kind": rule.kind, "seconds": round(seconds, 4), "findings": part.height})
    t = step(f"rules: run_rule x {len(rule_times)} (shared cache)", t)
    # as engine.audit: each rule's findings come sorted (team filled in); concatenated by rule id
    parts.sort(key=lambda part: part["rule_id"][0] if part.height else "")
    findings = pl.concat(parts)
    t = step("findings: concat in rule order", t)
    summary = engine.summarise(findings, profile, {})
    t = step("summary", t)
    result = engine.AuditResult(findings, summary, profile, args.as_at)
    with tempfile.TemporaryDirectory() as tmp:
        report.write_frame(report.findings_frame(result), Path(tmp) / "findings.parquet", "parquet", files)
    t = step("write findings (Parquet, defused)", t)

    total = time.perf_counter() - T0
    rows = sum(r.rows_read for r in ds.quality.reports.values())
    out = {
        "data": str(args.data),
        "casecheck": casecheck.__file__,
        "input_rows": rows,
        "findings": findings.height,
        "total_s": round(total, 3),
        "steps": [{"step": s, "seconds": round(x, 4)} for s, x in steps],
        "inner_timers": {k: {"seconds": round(v, 4), "calls": CALLS[k]} for k, v in sorted(TIMERS.items())},
        "rules": rule_times,
    }
    print(f"{args.data}: {rows:,} input rows, {findings.height:,} findings, {total:.2f} s in all\n")
    print("| step | seconds | share |\n|---|---:|---:|")
    for s, x in steps:
        print(f"| {s} | {x:.2f} | {100 * x / total:.0f}% |")
    print("\n| inside (wrapped functions) | seconds | calls |\n|---|---:|---:|")
    for k, v in sorted(TIMERS.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {v:.2f} | {CALLS[k]} |")
    print("\n| rule | kind | seconds | findings |\n|---|---|---:|---:|")
    for r in sorted(rule_times, key=lambda r: -r["seconds"]):
        print(f"| {r['rule']} | {r['kind']} | {r['seconds']:.2f} | {r['findings']:,} |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
