"""The casecheck benchmark harness (``make bench``).

    python benchmarks/run.py [--scales S,M] [--formats csv,parquet] [--reps 3] [--warmup 1] ...

For each scale (S = 10,000 children, M = 200,000, L = 2,000,000; about 62 input rows per child)
it generates ``casecheck sample`` data once into ``benchmarks/data/<scale>/{csv,parquet}`` (seed 1,
as at 2025-03-31; reused while ``marker.json`` records the same parameters), then times, each as
a separate process, in alternating rounds (A B C ... A B C ...), the median of ``--reps`` rounds
after ``--warmup`` untimed ones:

  audit           casecheck audit DATA -s redcar-cleveland --format parquet --output FILE
  audit_quiet     casecheck audit DATA -s redcar-cleveland --quiet (no findings written)
  parse_floor     read every table file with Polars and nothing else (parse_floor.py)
  six_casecheck   casecheck audit --rules <the six rules> --summary-format json
  six_duckdb      the same six rules as DuckDB SQL (duckdb_six_rules.py)
  six_pandas      the same six rules as an analyst's pandas script (pandas_six_rules.py)

It records wall time, peak memory (max RSS of the process), input rows per second and seconds
per million input rows; checks that casecheck, DuckDB and pandas give the same verdict counts for
the six rules at every scale run (and, on S, the same verdict for every child: rule, child,
anchor, due date, status); times reading a 200,000-row xlsx with openpyxl and with calamine
(fastexcel); and writes ``benchmarks/results.json`` and ``benchmarks/RESULTS.md``.

L (about 120 million rows) is run only when asked: ``--scales S,M,L`` or ``BENCH_SCALES=S,M,L``.
By default the casecheck in the working tree is measured; ``--casecheck-rev REV`` (or
``BENCH_REV``) measures a committed revision instead (``git archive`` into a temporary folder, put
first on ``PYTHONPATH``), unaffected by edits in progress.
Every process is watched: one whose resident memory passes ``--mem-cap`` (default 20 GiB) is
killed and reported as failed, so that an L run cannot take the machine down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from common import AS_AT, SIX_RULES, STATUSES, VERDICT_COLUMNS, source_hash

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCALES = {"S": 10_000, "M": 200_000, "L": 2_000_000}
#: scales above this many children are generated in chunks of this size (memory; see generate.py)
CHUNK_CHILDREN = 200_000
SEED = 1
YEARS = 6
PROFILE = "redcar-cleveland"
GiB = 1024**3
#: where the measured casecheck's source is (``ROOT / "src"`` or a ``git archive`` snapshot)
SRC = ROOT / "src"
#: the environment of every measured process
ENV = dict(os.environ)

BENCHMARKS = {
    "audit": "full redcar-cleveland audit, findings written as Parquet",
    "audit_quiet": "full redcar-cleveland audit, --quiet, no findings written",
    "parse_floor": "read every table file with Polars, nothing else",
    "six_casecheck": "casecheck audit --rules <six rules> --summary-format json",
    "six_duckdb": "the six rules in DuckDB SQL (duckdb_six_rules.py)",
    "six_pandas": "the six rules in pandas (pandas_six_rules.py)",
}

GOAL_AUDIT_VS_FLOOR = 1.5
GOAL_PANDAS_VS_SIX = 20.0
GOAL_L_RSS = 16 * GiB
GOAL_L_GROWTH_TOLERANCE = 1.10  # "no worse than M", allowing 10% for noise
GOAL_XLSX_SECONDS = 5.0


# ---------------------------------------------------------------------------------------------
# Running one process and measuring it
# ---------------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(cmd: list[str], mem_cap: int, timeout: float) -> dict:
    """Run ``cmd``; its wall time, peak RSS (from the kernel's rusage), exit code and output.

    A watchdog thread kills the process if its resident memory passes ``mem_cap`` bytes or it
    runs longer than ``timeout`` seconds.
    """
    cpu_before = _busy_cpu_seconds()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=ENV)
        done = threading.Event()
        killed: list[str] = []
        seen_rss = [0]

        def watch() -> None:
            try:
                ps = psutil.Process(proc.pid)
                while not done.wait(0.25):
                    rss = ps.memory_info().rss
                    seen_rss[0] = max(seen_rss[0], rss)
                    if rss > mem_cap:
                        killed.append(f"killed: resident memory passed {mem_cap / GiB:.0f} GiB")
                        proc.kill()
                        return
                    if time.perf_counter() - started > timeout:
                        killed.append(f"killed: ran longer than {timeout:.0f} s")
                        proc.kill()
                        return
            except psutil.Error:
                return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is in KiB on Linux, bytes on macOS
        rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        # CPU the rest of the machine used meanwhile, as a share of all cores: other work on a
        # shared machine slows the measurement down, so it is recorded (and a noisy run redone)
        others = _busy_cpu_seconds() - cpu_before - (usage.ru_utime + usage.ru_stime)
        background = max(0.0, others) / (wall * (os.cpu_count() or 1))
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result = {"wall_s": round(wall, 4), "max_rss": max(rss, seen_rss[0]), "rc": proc.returncode,
              "background_cpu": round(background, 3)}
    if killed or proc.returncode != 0:
        result["error"] = killed[0] if killed else (stderr.strip().splitlines() or ["(no message)"])[-1]
    result["stdout"] = stdout
    return result


def _busy_cpu_seconds() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def measure_quietly(cmd: list[str], args) -> dict:
    """``measure``, done again (up to ``--noise-retries`` times) while other processes on the
    machine used more than ``--max-background`` of its CPU during the run; the quietest is kept."""
    best = None
    for attempt in range(args.noise_retries + 1):
        m = measure(cmd, args.mem_cap_bytes, args.timeout)
        m["attempts"] = attempt + 1
        if "error" in m or m["background_cpu"] <= args.max_background:
            return m
        if best is None or m["background_cpu"] < best["background_cpu"]:
            best = m
        if attempt == args.noise_retries:
            break
        log(f"    (busy machine: {100 * m['background_cpu']:.0f}% of the CPU used by other processes; retrying)")
        time.sleep(args.noise_wait)
    return best  # type: ignore[return-value]


def casecheck_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("casecheck")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "casecheck.cli"]


def commands(data: Path, tmp: Path, tag: str) -> dict[str, list[str]]:
    # casecheck as a user runs it: `--chunks auto` (the default) audits S and M whole and L in
    # slices of children, so that memory stays bounded
    cc = casecheck_cmd()
    audit = [*cc, "audit", str(data), "--standards", PROFILE, "--as-at", AS_AT.isoformat()]
    py = sys.executable
    return {
        "audit": [*audit, "--format", "parquet", "--output", str(tmp / f"findings-{tag}.parquet")],
        "audit_quiet": [*audit, "--quiet"],
        "parse_floor": [py, str(HERE / "parse_floor.py"), str(data)],
        "six_casecheck": [*audit, "--rules", ",".join(SIX_RULES), "--summary-format", "json"],
        "six_duckdb": [py, str(HERE / "duckdb_six_rules.py"), str(data), "--as-at", AS_AT.isoformat()],
        "six_pandas": [py, str(HERE / "pandas_six_rules.py"), str(data), "--as-at", AS_AT.isoformat()],
    }


def counts_from(name: str, stdout: str) -> dict | None:
    """The six rules' verdict counts from a run's output (None for the other benchmarks)."""
    if name == "six_casecheck":
        rows = json.loads(stdout)
        return {r["rule_id"]: {s: r[s] for s in STATUSES} for r in rows}
    if name in ("six_duckdb", "six_pandas"):
        return json.loads(stdout.strip().splitlines()[-1])["counts"]
    return None


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def generator_hash() -> str:
    """As generate.py's: a short hash of the measured casecheck's generator source."""
    return source_hash(SRC / "casecheck" / "sample")


def use_revision(rev: str, tmp: Path) -> dict:
    """Measure casecheck as committed at ``rev``: extract src/ and standards/ (read-only git)."""
    global SRC
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    snap = tmp / "casecheck-src"
    snap.mkdir()
    archive = subprocess.run(["git", "archive", sha, "src", "standards"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(snap)], input=archive.stdout, check=True)
    SRC = snap / "src"
    ENV["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    log(f"Measuring casecheck as committed at {rev} ({sha[:10]}), from {SRC}")
    return {"source": f"git {rev}", "commit": sha}


def working_tree() -> dict:
    """Measure the working tree; say whether src/ has uncommitted changes."""
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "standards"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"source": "working tree", "commit": None, "uncommitted_changes": None}
    return {"source": "working tree", "commit": sha, "uncommitted_changes": bool(dirty)}


def ensure_data(scale: str, data_dir: Path, regenerate: bool, mem_cap: int) -> dict:
    """Generate the scale's data unless a marker with the same parameters is there."""
    children = SCALES[scale]
    out = data_dir / scale
    marker = out / "marker.json"
    chunk = CHUNK_CHILDREN if children > CHUNK_CHILDREN else None
    want = {"children": children, "seed": SEED, "as_at": AS_AT.isoformat(), "years": YEARS,
            "formats": ["csv", "parquet"], "chunk_children": chunk}
    if marker.exists() and not regenerate:
        info = json.loads(marker.read_text())
        if all(info.get(k) == v for k, v in want.items()) and all((out / f).is_dir() for f in want["formats"]):
            if info.get("generator_sha256") != generator_hash():
                log(f"  note: {out} was made by another version of casecheck/sample/; "
                    "reusing it (use --regenerate to make it again)")
            log(f"  reusing {out} ({info['total_rows']:,} rows)")
            info["reused"] = True
            return info
    log(f"  generating {scale}: {children:,} children into {out} ...")
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(HERE / "generate.py"), str(out), "--children", str(children),
           "--seed", str(SEED), "--as-at", AS_AT.isoformat(), "--years", str(YEARS),
           "--chunk-children", str(chunk or 0)]
    m = measure(cmd, mem_cap, timeout=6 * 3600)
    if "error" in m:
        raise SystemExit(f"generating {scale} failed: {m['error']}")
    info = json.loads(marker.read_text())
    info["reused"] = False
    info["generate_wall_s"] = m["wall_s"]
    info["generate_max_rss"] = m["max_rss"]
    log(f"  generated {info['total_rows']:,} rows in {m['wall_s']:.1f} s (peak {m['max_rss'] / GiB:.1f} GiB)")
    return info


# ---------------------------------------------------------------------------------------------
# The benchmark rounds
# ---------------------------------------------------------------------------------------------
def run_scale_format(scale: str, fmt: str, data: Path, rows: int, names: list[str], args, tmp: Path) -> dict:
    cmds = commands(data, tmp, f"{scale}-{fmt}")
    runs: dict[str, list[dict]] = {n: [] for n in names}
    failed: dict[str, str] = {}
    failed_after: dict[str, float] = {}
    counts: dict[str, dict] = {}
    reps = args.reps_large if scale == "L" else args.reps
    warmup = args.warmup_large if scale == "L" else args.warmup
    for rnd in range(warmup + reps):
        label = "warm-up" if rnd < warmup else f"round {rnd - warmup + 1}/{reps}"
        for name in names:
            if name in failed:
                continue
            m = measure_quietly(cmds[name], args)
            if "error" in m:
                failed[name] = m["error"]
                failed_after[name] = m["wall_s"]
                log(f"  {scale} {fmt:7} {label:11} {name:14} FAILED after {m['wall_s']:.1f} s: {m['error']}")
                continue
            c = counts_from(name, m["stdout"])
            if c is not None:
                counts[name] = c
            log(f"  {scale} {fmt:7} {label:11} {name:14} {m['wall_s']:8.2f} s  {m['max_rss'] / GiB:6.2f} GiB"
                f"  (others: {100 * m['background_cpu']:.0f}% CPU)")
            if rnd >= warmup:
                runs[name].append({"wall_s": m["wall_s"], "max_rss": m["max_rss"],
                                   "background_cpu": m["background_cpu"], "attempts": m["attempts"]})
    out: dict = {"benchmarks": {}}
    for name in names:
        r = runs[name]
        entry: dict = {"description": BENCHMARKS[name], "command": " ".join(cmds[name]), "runs": r}
        if name in failed:
            entry["error"] = failed[name]
            entry["failed_after_s"] = failed_after[name]
        if r and name not in failed:
            med = statistics.median(x["wall_s"] for x in r)
            entry |= {
                "median_s": round(med, 4),
                "min_s": round(min(x["wall_s"] for x in r), 4),
                "max_s": round(max(x["wall_s"] for x in r), 4),
                "max_rss": max(x["max_rss"] for x in r),
                "max_background_cpu": max(x.get("background_cpu", 0) for x in r),
                "rows_per_s": round(rows / med),
                "s_per_million_rows": round(med / (rows / 1e6), 4),
            }
        out["benchmarks"][name] = entry
    out["ratios"] = ratios(out["benchmarks"])
    out["counts"] = counts
    out["counts_agree"] = counts_agree(counts)
    return out


def _ratio(b: dict, top: str, bottom: str) -> float | None:
    a, c = b.get(top, {}).get("median_s"), b.get(bottom, {}).get("median_s")
    return round(a / c, 3) if a and c else None


def ratios(b: dict) -> dict:
    return {
        "audit_vs_parse_floor": _ratio(b, "audit", "parse_floor"),
        "audit_quiet_vs_parse_floor": _ratio(b, "audit_quiet", "parse_floor"),
        "six_casecheck_vs_duckdb": _ratio(b, "six_casecheck", "six_duckdb"),
        "pandas_vs_six_casecheck": _ratio(b, "six_pandas", "six_casecheck"),
    }


def counts_agree(counts: dict[str, dict]) -> dict:
    """Compare the engines' verdict counts with casecheck's, rule by rule."""
    ref = counts.get("six_casecheck")
    out: dict = {}
    for engine in ("six_duckdb", "six_pandas"):
        if ref is None or engine not in counts:
            continue
        diffs = {
            rule: {"casecheck": ref.get(rule), engine.removeprefix("six_"): counts[engine].get(rule)}
            for rule in SIX_RULES
            if ref.get(rule) != counts[engine].get(rule)
        }
        out[engine.removeprefix("six_")] = {"equal": not diffs, "mismatches": diffs}
    return out


# ---------------------------------------------------------------------------------------------
# Row-level cross-check (S)
# ---------------------------------------------------------------------------------------------
def crosscheck(scale: str, fmt: str, data: Path, tmp: Path, engines: list[str], args) -> dict:
    """Every verdict of the six rules, row by row: casecheck against DuckDB and pandas."""
    import polars as pl

    cc_out = tmp / f"xcheck-casecheck-{scale}-{fmt}.parquet"
    cmd = [*casecheck_cmd(), "audit", str(data), "--standards", PROFILE, "--as-at", AS_AT.isoformat(),
           "--rules", ",".join(SIX_RULES), "--format", "parquet", "--output", str(cc_out), "--quiet"]
    m = measure(cmd, args.mem_cap_bytes, args.timeout)
    if "error" in m:
        return {"error": f"casecheck: {m['error']}"}
    ref = pl.read_parquet(cc_out).select(VERDICT_COLUMNS)
    result: dict = {"scale": scale, "format": fmt, "casecheck_rows": ref.height}
    for engine in engines:
        path = tmp / f"xcheck-{engine}-{scale}-{fmt}.parquet"
        script = HERE / f"{engine}_six_rules.py"
        m = measure([sys.executable, str(script), str(data), "--as-at", AS_AT.isoformat(), "--findings", str(path)],
                    args.mem_cap_bytes, args.timeout)
        if "error" in m:
            result[engine] = {"error": m["error"]}
            continue
        other = pl.read_parquet(path).select(VERDICT_COLUMNS).cast({"anchor_date": pl.Date, "due_date": pl.Date})
        only_cc = ref.join(other, on=list(VERDICT_COLUMNS), how="anti", nulls_equal=True)
        only_other = other.join(ref, on=list(VERDICT_COLUMNS), how="anti", nulls_equal=True)
        result[engine] = {
            "rows": other.height,
            "only_in_casecheck": only_cc.height,
            "only_in_" + engine: only_other.height,
            "equal": only_cc.height == 0 and only_other.height == 0 and ref.height == other.height,
            "examples": only_cc.head(5).with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts()
            + only_other.head(5).with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts(),
        }
        log(f"  cross-check {scale} {fmt} {engine}: {'equal' if result[engine]['equal'] else 'MISMATCH'} "
            f"({other.height:,} verdicts; {only_cc.height} only in casecheck, {only_other.height} only in {engine})")
    return result


# ---------------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------------
def run_xlsx(args, data_dir: Path) -> dict:
    path = data_dir / "xlsx" / f"visits-{args.xlsx_rows}.xlsx"
    marker = path.with_suffix(".json")
    if not (path.exists() and marker.exists()):
        log(f"  writing {path} ...")
        m = measure([sys.executable, str(HERE / "xlsx_bench.py"), "write", str(path), "--rows", str(args.xlsx_rows)],
                    args.mem_cap_bytes, args.timeout)
        if "error" in m:
            return {"error": m["error"]}
        info = json.loads(m["stdout"].strip().splitlines()[-1]) | {"write_s": m["wall_s"]}
        marker.write_text(json.dumps(info) + "\n")
    info = json.loads(marker.read_text())
    readers = ["openpyxl", "fastexcel", "casecheck"]
    runs: dict[str, list[dict]] = {r: [] for r in readers}
    for rnd in range(args.warmup + args.xlsx_reps):
        for reader in readers:
            m = measure_quietly([sys.executable, str(HERE / "xlsx_bench.py"), "read", str(path), "--reader", reader],
                                args)
            if "error" in m:
                return {"error": f"{reader}: {m['error']}"}
            inner = json.loads(m["stdout"].strip().splitlines()[-1])
            log(f"  xlsx {reader:10} {m['wall_s']:7.2f} s (reading {inner['seconds_in_process']:.2f} s)")
            if rnd >= args.warmup:
                runs[reader].append({"wall_s": m["wall_s"], "read_s": inner["seconds_in_process"],
                                     "max_rss": m["max_rss"], "rows": inner["rows"]})
    out: dict = {"file": str(path.relative_to(ROOT)), "rows": info["rows"], "bytes": info["bytes"], "readers": {}}
    for reader, r in runs.items():
        out["readers"][reader] = {
            "median_s": round(statistics.median(x["wall_s"] for x in r), 3),
            "median_read_s": round(statistics.median(x["read_s"] for x in r), 3),
            "max_rss": max(x["max_rss"] for x in r),
            "runs": r,
        }
    return out


# ---------------------------------------------------------------------------------------------
# Machine, goals, reports
# ---------------------------------------------------------------------------------------------
def _version(mod: str) -> str:
    try:
        from importlib.metadata import version

        return version(mod)
    except Exception:
        return "not installed"


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / GiB, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {m: _version(m) for m in ("casecheck", "polars", "duckdb", "pandas", "numpy", "pyarrow",
                                              "fastexcel", "openpyxl", "holidays")},
        "git_commit": commit,
    }


def _fingerprint(m: dict) -> tuple:
    return (m.get("cpu"), m.get("logical_cores"), m.get("ram_gib"))


def goals(results: dict) -> list[dict]:
    out = []
    scales = results.get("scales", {})

    def fmt_entries(scale: str):
        return scales.get(scale, {}).get("formats", {}).items()

    def goal(name: str, checks: list[tuple[str, bool | None, str]]) -> None:
        known = [c for c in checks if c[1] is not None]
        if not known:
            out.append({"goal": name, "status": "not run", "detail": "not measured"})
            return
        status = "pass" if all(c[1] for c in known) else "fail"
        out.append({"goal": name, "status": status, "detail": "; ".join(f"{k}: {d}" for k, _, d in checks)})

    checks = []
    for fmt, f in fmt_entries("M"):
        r = f["ratios"]["audit_vs_parse_floor"]
        checks.append((fmt, None if r is None else r <= GOAL_AUDIT_VS_FLOOR, f"{r}x" if r else "n/a"))
    goal(f"M: full audit within {GOAL_AUDIT_VS_FLOOR}x the parse floor", checks)

    checks = []
    for fmt, f in fmt_entries("M"):
        r = f["ratios"]["six_casecheck_vs_duckdb"]
        checks.append((fmt, None if r is None else r < 1, f"casecheck/DuckDB {r}x" if r else "n/a"))
    goal("M: six rules faster in casecheck than in DuckDB", checks)

    checks = []
    for fmt, f in fmt_entries("M"):
        r = f["ratios"]["pandas_vs_six_casecheck"]
        checks.append((fmt, None if r is None else r >= GOAL_PANDAS_VS_SIX, f"pandas/casecheck {r}x" if r else "n/a"))
    goal(f"M: pandas at least {GOAL_PANDAS_VS_SIX:.0f}x slower than casecheck's six rules", checks)

    checks = []
    for fmt, f in fmt_entries("L"):
        a = f["benchmarks"].get("audit", {})
        m_audit = scales.get("M", {}).get("formats", {}).get(fmt, {}).get("benchmarks", {}).get("audit", {})
        if "error" in a or "median_s" not in a:
            checks.append((fmt, False, f"did not complete ({a.get('error', 'no run')})"))
            continue
        ok_mem = a["max_rss"] < GOAL_L_RSS
        per_l, per_m = a["s_per_million_rows"], m_audit.get("s_per_million_rows")
        ok_growth = per_m is not None and per_l <= per_m * GOAL_L_GROWTH_TOLERANCE
        checks.append((fmt, ok_mem and ok_growth,
                       f"peak {a['max_rss'] / GiB:.1f} GiB, {per_l:.2f} s per million rows (M: {per_m})"))
    goal("L: full audit completes under 16 GiB, time per million rows no worse than M", checks)

    x = results.get("xlsx", {})
    r = x.get("readers", {}).get("casecheck")
    goal(f"200,000-row xlsx read in a few seconds (<= {GOAL_XLSX_SECONDS:.0f} s, casecheck's reader)",
         [("casecheck reader", None if r is None else r["median_s"] <= GOAL_XLSX_SECONDS,
           f"{r['median_s']} s" if r else "n/a")])
    return out


def _gib(n: int | None) -> str:
    return f"{n / GiB:.2f}" if n else "–"


def _s(x: float | None, nd: int = 2) -> str:
    return f"{x:,.{nd}f}" if x is not None else "–"


def _method_text(method: dict | None) -> str:
    if not method:
        return ""
    redo = (f"; runs with other processes above {100 * method['max_background']:.0f}% CPU redone up to "
            f"{method['noise_retries']} time(s)" if method.get("noise_retries") else "; noisy runs not redone")
    return f"; median of {method['reps']} round(s) after {method['warmup']} warm-up{redo}"


def _source_text(src: dict) -> str:
    commit = (src.get("commit") or "?")[:10]
    if src.get("source", "").startswith("git"):
        return f"{src['source']} (commit {commit}), extracted with git archive"
    dirty = {True: ", with uncommitted changes in src/", False: ", clean"}.get(src.get("uncommitted_changes"), "")
    return f"the working tree at commit {commit}{dirty}"


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    v = m["versions"]
    lines = [
        "# casecheck benchmark results",
        "",
        "Generated by `make bench` (`benchmarks/run.py`); see `benchmarks/README.md` for what each",
        "measurement means. Synthetic data from `casecheck sample` (seed 1, as at 2025-03-31, 6 years).",
        "",
        f"- Date: {results['generated']}",
        f"- Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['physical_cores']} physical), "
        f"{m['ram_gib']} GiB RAM, {m['os']}",
        f"- casecheck measured: {_source_text(results.get('casecheck_source', {}))}",
        f"- Python {m['python']}; casecheck {v['casecheck']}; Polars {v['polars']}; "
        f"DuckDB {v['duckdb']}; pandas {v['pandas']}; NumPy {v['numpy']}; PyArrow {v['pyarrow']}; "
        f"fastexcel {v['fastexcel']}; openpyxl {v['openpyxl']}",
        "- Method: each measurement is a separate process, in alternating rounds; the median of the rounds "
        "(how many: under each scale); wall time from start to exit; peak memory is the process's max RSS. "
        "\"Others' CPU\" is the share of the machine's CPU that other processes used during a run: a high "
        "figure marks a measurement slowed by other work.",
        "- casecheck runs as a user runs it, with the default `--chunks auto`: S and M (under 20 million "
        "rows) are audited whole, L in slices of about 6 million rows (21 slices for the full audit, 19 "
        "for the six rules' tables).",
        "",
        "## Goals",
        "",
        "| goal | result | detail |",
        "|---|---|---|",
    ]
    for g in results["goals"]:
        lines.append(f"| {g['goal']} | **{g['status'].upper()}** | {g['detail']} |")
    lines += ["", "## Ratios", "",
              "| scale | format | input rows | audit / parse floor | audit (quiet) / parse floor | "
              "six rules: casecheck / DuckDB | six rules: pandas / casecheck | audit s per million rows |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for scale, s in results["scales"].items():
        for fmt, f in s["formats"].items():
            r = f["ratios"]
            per = f["benchmarks"].get("audit", {}).get("s_per_million_rows")
            lines.append(
                f"| {scale} | {fmt} | {s['input_rows']:,} | {_s(r['audit_vs_parse_floor'])} | "
                f"{_s(r['audit_quiet_vs_parse_floor'])} | {_s(r['six_casecheck_vs_duckdb'])} | "
                f"{_s(r['pandas_vs_six_casecheck'])} | {_s(per)} |"
            )
    lines += ["", "Ratios above 1 mean the first is slower.", ""]
    scale_names = list(results["scales"])
    lines += ["## How cost grows: seconds per million input rows", "",
              "Flat from S to M to L means cost grows linearly with the extract; S includes a fixed "
              "start-up cost (imports, profile, calendar) spread over few rows.", "",
              "| benchmark | format | " + " | ".join(scale_names) + " |",
              "|---|---|" + "---:|" * len(scale_names)]
    for fmt in results["config"]["formats"]:
        for name in BENCHMARKS:
            cells = []
            for sc in scale_names:
                b = results["scales"][sc]["formats"].get(fmt, {}).get("benchmarks", {}).get(name)
                cells.append("–" if not b else _s(b.get("s_per_million_rows"), 3) if "median_s" in b
                             else "failed")
            if any(c != "–" for c in cells):
                lines.append(f"| {name} | {fmt} | " + " | ".join(cells) + " |")
    lines.append("")
    for scale, s in results["scales"].items():
        d = s["data"]
        chunks = f" in chunks of {d['chunk_children']:,} children" if d.get("chunk_children") else ""
        lines += [
            f"## Scale {scale}: {d['children']:,} children, {s['input_rows']:,} input rows",
            "",
            f"Data: CSV {d['bytes']['csv'] / 1e6:,.0f} MB, Parquet {d['bytes']['parquet'] / 1e6:,.0f} MB; "
            f"generated in {d.get('generate_and_write_seconds', '?')} s{chunks}"
            f"{' (reused from an earlier run)' if d.get('reused') else ''}; measured {s['measured']} "
            f"from {_source_text(s.get('casecheck_source', {}))}{_method_text(s.get('method'))}.",
            "",
            "| benchmark | format | median s | min–max s | peak RSS GiB | rows/s | s per million rows | others' CPU (max) |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for fmt, f in s["formats"].items():
            for name, b in f["benchmarks"].items():
                if "median_s" in b:
                    lines.append(
                        f"| {name} | {fmt} | {_s(b['median_s'])} | {_s(b['min_s'])}–{_s(b['max_s'])} | "
                        f"{_gib(b['max_rss'])} | {b['rows_per_s']:,} | {_s(b['s_per_million_rows'], 3)} | "
                        f"{100 * b.get('max_background_cpu', 0):.0f}% |"
                    )
                else:
                    after = f" after {b['failed_after_s']:.0f} s" if b.get("failed_after_s") else ""
                    lines.append(f"| {name} | {fmt} | **failed**{after}: {b.get('error', '')} | | | | | |")
        lines.append("")
        noisy = max((b.get("max_background_cpu", 0) for f in s["formats"].values()
                     for b in f["benchmarks"].values()), default=0)
        if noisy > 0.25:
            lines += [f"Other processes used up to {100 * noisy:.0f}% of the machine's CPU during some of these "
                      "runs: their times are inflated (the ratios less so, as the rounds alternate).", ""]
        for fmt, f in s["formats"].items():
            if "six_duckdb" in f.get("counts", {}) and "six_casecheck" not in f.get("counts", {}):
                lines.append(f"- {fmt}: verdict counts not compared (casecheck's six-rule run did not complete).")
            for engine, c in f.get("counts_agree", {}).items():
                verdict = "equal to casecheck's" if c["equal"] else f"DIFFERENT from casecheck's: {c['mismatches']}"
                lines.append(f"- {fmt}: {engine} verdict counts for the six rules {verdict}.")
        lines.append("")
    xc = results.get("crosscheck", [])
    if xc:
        lines += ["## Cross-check: every verdict of the six rules", "",
                  "casecheck (`--rules ... --format parquet`) against the DuckDB and pandas scripts' "
                  "`--findings`, compared on (rule_id, child_id, anchor_date, due_date, status).", "",
                  "| scale | format | engine | verdicts | only in casecheck | only in engine | equal |",
                  "|---|---|---|---:|---:|---:|---|"]
        for x in xc:
            for engine in ("duckdb", "pandas"):
                e = x.get(engine)
                if not e:
                    continue
                if "error" in e:
                    lines.append(f"| {x['scale']} | {x['format']} | {engine} | error: {e['error']} | | | |")
                    continue
                lines.append(
                    f"| {x['scale']} | {x['format']} | {engine} | {e['rows']:,} | {e['only_in_casecheck']} | "
                    f"{e['only_in_' + engine]} | {'yes' if e['equal'] else '**NO**'} |"
                )
        lines.append("")
        counts = next((f["counts"].get("six_casecheck") for s in results["scales"].values()
                       for f in s["formats"].values() if f["counts"].get("six_casecheck")), None)
        first = next(iter(results["scales"]), None)
        if counts and first:
            lines += [f"Verdict counts at {first} (casecheck; DuckDB and pandas agree where marked above):", "",
                      "| rule | met | not met | pending |", "|---|---:|---:|---:|"]
            for rule in SIX_RULES:
                c = counts.get(rule, {})
                lines.append(f"| {rule} | {c.get('met', 0):,} | {c.get('not_met', 0):,} | {c.get('pending', 0):,} |")
            lines.append("")
    x = results.get("xlsx")
    if x and "readers" in x:
        lines += [f"## Reading a {x['rows']:,}-row xlsx ({x['bytes'] / 1e6:.1f} MB, one sheet)", "",
                  "| reader | median s (process) | median s (reading only) | peak RSS GiB |",
                  "|---|---:|---:|---:|"]
        names = {"openpyxl": "openpyxl read_only, rows into a pandas DataFrame",
                 "fastexcel": "fastexcel (calamine) to Polars",
                 "casecheck": "casecheck's reader (fastexcel, all text, row numbers)"}
        for reader, r in x["readers"].items():
            lines.append(f"| {names[reader]} | {_s(r['median_s'])} | {_s(r['median_read_s'])} | {_gib(r['max_rss'])} |")
        o, c = x["readers"].get("openpyxl"), x["readers"].get("casecheck")
        if o and c:
            lines += ["", f"openpyxl takes {o['median_read_s'] / c['median_read_s']:.0f}x as long as casecheck's reader."]
        lines.append("")
    elif x:
        lines += ["## xlsx", "", f"failed: {x.get('error')}", ""]
    path.write_text("\n".join(lines))


# ---------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "S,M"),
                    help="comma-separated scales from S, M, L (default S,M or $BENCH_SCALES; L only when asked)")
    ap.add_argument("--formats", default=os.environ.get("BENCH_FORMATS", "csv,parquet"))
    ap.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", 3)),
                    help="timed rounds per scale and format (median reported; default 3)")
    ap.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 1)),
                    help="untimed rounds first (default 1)")
    ap.add_argument("--reps-large", type=int, default=int(os.environ.get("BENCH_REPS_L", 1)),
                    help="timed rounds at L (default 1)")
    ap.add_argument("--warmup-large", type=int, default=int(os.environ.get("BENCH_WARMUP_L", 0)),
                    help="untimed rounds at L (default 0)")
    ap.add_argument("--only", help="comma-separated benchmarks to run (default all): " + ", ".join(BENCHMARKS))
    ap.add_argument("--pandas-scales", default=os.environ.get("BENCH_PANDAS_SCALES", "S,M"),
                    help="scales at which to run the pandas script (default S,M)")
    ap.add_argument("--crosscheck-scales", default="S", help="scales for the row-by-row cross-check (default S)")
    ap.add_argument("--xlsx-rows", type=int, default=200_000)
    ap.add_argument("--xlsx-reps", type=int, default=3)
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--mem-cap", type=float, default=float(os.environ.get("BENCH_MEM_CAP_GIB", 20)),
                    help="kill a process whose RSS passes this many GiB (default 20)")
    ap.add_argument("--timeout", type=float, default=3600, help="kill a process after this many seconds")
    ap.add_argument("--max-background", type=float, default=0.25,
                    help="redo a run during which other processes used more than this share of the CPU")
    ap.add_argument("--noise-retries", type=int, default=int(os.environ.get("BENCH_NOISE_RETRIES", 1)),
                    help="how many times to redo a noisy run (default 1; 0 to only record the noise)")
    ap.add_argument("--noise-wait", type=float, default=5.0, help="seconds to wait before redoing it")
    ap.add_argument("--casecheck-rev", default=os.environ.get("BENCH_REV"),
                    help="measure casecheck as committed at this git revision (default: the working tree)")
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--regenerate", action="store_true", help="generate the data again even if present")
    ap.add_argument("--results", type=Path, default=HERE / "results.json")
    ap.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--report-only", action="store_true",
                    help="measure nothing: rewrite RESULTS.md (and the goals) from results.json")
    args = ap.parse_args()
    if args.report_only:
        results = json.loads(args.results.read_text())
        results["goals"] = goals(results)
        args.results.write_text(json.dumps(results, indent=1) + "\n")
        write_markdown(results, args.markdown)
        log(f"Wrote {args.markdown} from {args.results}")
        return
    args.mem_cap_bytes = int(args.mem_cap * GiB)
    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    if bad := [s for s in scales if s not in SCALES]:
        raise SystemExit(f"unknown scale(s) {bad}: choose from {', '.join(SCALES)}")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    only = [b.strip() for b in args.only.split(",")] if args.only else list(BENCHMARKS)
    pandas_scales = {s.strip().upper() for s in args.pandas_scales.split(",")}
    if "L" not in scales:
        log("Scales: " + ",".join(scales) + " (L, about 120 million rows, runs only with --scales S,M,L "
            "or BENCH_SCALES=S,M,L)")

    mach = machine()
    previous = json.loads(args.results.read_text()) if args.results.exists() else {}
    keep = previous.get("scales", {}) if _fingerprint(previous.get("machine", {})) == _fingerprint(mach) else {}
    results: dict = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": mach,
        "config": {"reps": args.reps, "warmup": args.warmup, "reps_large": args.reps_large,
                   "warmup_large": args.warmup_large, "formats": formats, "as_at": AS_AT.isoformat(),
                   "seed": SEED, "years": YEARS, "profile": PROFILE, "six_rules": list(SIX_RULES),
                   "max_background": args.max_background, "noise_retries": args.noise_retries},
        "scales": {},
        "crosscheck": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="casecheck-bench-"))
    try:
        results["casecheck_source"] = use_revision(args.casecheck_rev, tmp) if args.casecheck_rev else working_tree()
        for scale in SCALES:
            if scale not in scales:
                if scale in keep:
                    results["scales"][scale] = keep[scale]  # measured earlier on this machine
                continue
            log(f"Scale {scale} ({SCALES[scale]:,} children)")
            info = ensure_data(scale, args.data_dir, args.regenerate, args.mem_cap_bytes)
            rows = info["total_rows"]
            names = [n for n in only if n != "six_pandas" or scale in pandas_scales]
            entry = {"children": SCALES[scale], "input_rows": rows, "data": info,
                     "casecheck_source": results["casecheck_source"],
                     "method": {"reps": args.reps_large if scale == "L" else args.reps,
                                "warmup": args.warmup_large if scale == "L" else args.warmup,
                                "noise_retries": args.noise_retries, "max_background": args.max_background},
                     "measured": dt.datetime.now().isoformat(timespec="seconds"), "formats": {}}
            for fmt in formats:
                entry["formats"][fmt] = run_scale_format(scale, fmt, args.data_dir / scale / fmt, rows, names, args, tmp)
                for f in tmp.glob("findings-*"):
                    f.unlink()
            results["scales"][scale] = entry
            if scale in {s.strip().upper() for s in args.crosscheck_scales.split(",")}:
                engines = ["duckdb"] + (["pandas"] if scale in pandas_scales else [])
                for fmt in formats:
                    results["crosscheck"].append(crosscheck(scale, fmt, args.data_dir / scale / fmt, tmp, engines, args))
        if not results["crosscheck"] and previous.get("crosscheck") and keep:
            results["crosscheck"] = previous["crosscheck"]
        if not args.skip_xlsx:
            log("xlsx")
            results["xlsx"] = run_xlsx(args, args.data_dir)
        elif previous.get("xlsx") and keep:
            results["xlsx"] = previous["xlsx"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["goals"] = goals(results)
    args.results.write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(results, args.markdown)
    log(f"Wrote {args.results} and {args.markdown}")
    for g in results["goals"]:
        log(f"  {g['status'].upper():7} {g['goal']}: {g['detail']}")


if __name__ == "__main__":
    main()
