"""Report exports (Liquid Logic LCS and EHM, or any system) read through a mapping file.

Report layouts differ between authorities, so a small TOML mapping says which report file holds
which native table, which heading holds which native column, and how report values translate to
native codes. Presets for typical LCS and EHM headings ship in ``presets/``; ``casecheck inspect``
proposes a mapping for an export it does not recognise (:func:`propose_mapping`). The format is
documented in ``docs/mappings.md``::

    [mapping]
    source = "lcs"                      # a label: lcs, ehm or your own word
    date_format = "%d/%m/%Y"            # optional: how every date is written (strftime codes)

    [[table]]
    table = "episodes"                  # the native table
    file = ["*steps*"]                  # report files or sheets (globs, case-insensitive)
    only_mapped_values = true           # leave out rows whose value is not in a value map
    where = { "Service" = ["Social Care"] }   # optional: only rows with these values
    date_format = "%Y-%m-%d"            # optional, this table only
    [table.columns]
    child_id = ["Person ID", "Child ID"]      # the first heading present is used
    episode_type = "Step Type"
    start_date = "Step Start Date"
    [table.values.episode_type]
    "Child Protection Plan" = "child_protection"
    "Contact" = ""                      # "" leaves these rows out
    [table.constants]
    visit_type = "statutory"            # the same value in every row
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from casecheck import parse, vocabulary
from casecheck.dataset import ROW, TALLY_SCHEMA
from casecheck.errors import InputError, UsageError
from casecheck.schema import DATE, TABLES
from casecheck.sources.common import (
    PROBLEM,
    VOCAB,
    Extract,
    Part,
    SourceTable,
    clean,
    norm,
    norm_expr,
    read_tables,
    table_files,
)

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
PRESETS = ("lcs", "ehm")


@dataclass
class TableMap:
    """One ``[[table]]`` of a mapping."""

    table: str
    files: tuple[str, ...] = ()
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # native -> {norm(value): code}
    constants: dict[str, str] = field(default_factory=dict)
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    only_mapped_values: bool = False
    date_format: str | None = None
    index: int = 0

    @property
    def what(self) -> str:
        return f"[[table]] #{self.index + 1} ({self.table})"

    def needed(self) -> list[str]:
        """Native columns that must come from a heading (required and not constant)."""
        return [c for c in TABLES[self.table].required_columns if c not in self.constants]


@dataclass
class Mapping:
    source: str
    description: str
    tables: list[TableMap]
    path: Path | None = None
    date_format: str | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else self.source


# ---------------------------------------------------------------------------------------------
# Loading and checking a mapping file
# ---------------------------------------------------------------------------------------------
def preset_path(name: str) -> Path:
    return PRESETS_DIR / f"{name}.toml"


def load_mapping(spec: str | Path) -> Mapping:
    """Load a mapping file, or a bundled preset by name (``lcs``, ``ehm``)."""
    path = Path(spec)
    if not path.exists():
        if str(spec).lower() in PRESETS:
            path = preset_path(str(spec).lower())
        else:
            raise UsageError(f"mapping file {spec} does not exist")
    from casecheck.tomlfile import read_toml

    return parse_mapping(read_toml(path, "mapping file"), path)


def _strs(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise UsageError(f"{what} must be a heading in quotes or a list of them")


def parse_mapping(data: dict, path: Path | None = None) -> Mapping:
    name = path.name if path else "the mapping"
    head = data.get("mapping", {})
    if not isinstance(head, dict):
        raise UsageError(f"{name}: [mapping] must be a table")
    extra = set(data) - {"mapping", "table"}
    if extra:
        raise UsageError(f"{name}: unknown section {sorted(extra)[0]!r} (use [mapping] and [[table]])")
    items = data.get("table", [])
    if not isinstance(items, list) or not items:
        raise UsageError(f"{name}: no [[table]] entries: add one per native table")
    tables = []
    for i, item in enumerate(items):
        tables.append(_table_map(item, i, name))
    present = {t.table for t in tables}
    for required in ("children", "episodes"):
        if required not in present:
            raise UsageError(f"{name}: no [[table]] for the {required} table, which casecheck needs")
    return Mapping(
        source=str(head.get("source", "lcs")),
        description=str(head.get("description", "")),
        tables=tables,
        path=path,
        date_format=head.get("date_format"),
    )


_TABLE_KEYS = {"table", "file", "columns", "values", "constants", "where", "only_mapped_values",
               "date_format"}


def _table_map(item: object, i: int, name: str) -> TableMap:
    where = f"{name}: [[table]] #{i + 1}"
    if not isinstance(item, dict):
        raise UsageError(f"{where} must be a table")
    native = item.get("table")
    if native not in TABLES:
        raise UsageError(f"{where}: table = {native!r} is not a casecheck table ({', '.join(TABLES)})")
    where = f"{where} ({native})"
    extra = set(item) - _TABLE_KEYS
    if extra:
        raise UsageError(f"{where}: unknown key {sorted(extra)[0]!r} (allowed: {', '.join(sorted(_TABLE_KEYS))})")
    spec = TABLES[native]
    cols = item.get("columns", {})
    if not isinstance(cols, dict):
        raise UsageError(f"{where}: columns must be a table of native column = \"Heading\"")
    columns: dict[str, tuple[str, ...]] = {}
    for col, headings in cols.items():
        if col not in spec.column_names:
            raise UsageError(
                f"{where}: {col!r} is not a column of {native} ({', '.join(spec.column_names)})"
            )
        columns[col] = _strs(headings, f"{where}: columns.{col}")
    constants = item.get("constants", {})
    if not isinstance(constants, dict) or not all(isinstance(v, str) for v in constants.values()):
        raise UsageError(f"{where}: constants must be a table of native column = \"value\"")
    for col in constants:
        if col not in spec.column_names:
            raise UsageError(f"{where}: constants.{col} is not a column of {native}")
    values_in = item.get("values", {})
    if not isinstance(values_in, dict):
        raise UsageError(f"{where}: values must be a table per column, e.g. [table.values.episode_type]")
    values: dict[str, dict[str, str]] = {}
    for col, vmap in values_in.items():
        if col not in columns:
            raise UsageError(f"{where}: values.{col} maps a column that columns does not name")
        if not isinstance(vmap, dict) or not all(isinstance(v, str) for v in vmap.values()):
            raise UsageError(f"{where}: values.{col} must map report values to native values in quotes")
        values[col] = {vocabulary.key(k): v for k, v in vmap.items()}
    missing = [c for c in spec.required_columns if c not in columns and c not in constants]
    if missing:
        raise UsageError(
            f"{where}: no heading for {', '.join(missing)}, which the {native} table needs "
            "(add it under columns, or under constants)"
        )
    files = _strs(item["file"], f"{where}: file") if "file" in item else ()
    wh = item.get("where", {})
    if not isinstance(wh, dict):
        raise UsageError(f"{where}: where must be a table such as {{ \"Step Type\" = [\"CP Plan\"] }}")
    only = item.get("only_mapped_values", False)
    if not isinstance(only, bool):
        raise UsageError(f"{where}: only_mapped_values must be true or false")
    fmt = item.get("date_format")
    if fmt is not None and not isinstance(fmt, str):
        raise UsageError(f"{where}: date_format must be a format in quotes, e.g. \"%d/%m/%Y\"")
    return TableMap(
        table=native,
        files=files,
        columns=columns,
        values=values,
        constants=dict(constants),
        where={k: _strs(v, f"{where}: where.{k}") for k, v in wh.items()},
        only_mapped_values=only,
        date_format=fmt,
        index=i,
    )


# ---------------------------------------------------------------------------------------------
# Reading an export through a mapping
# ---------------------------------------------------------------------------------------------
def read_sources(path: Path) -> tuple[list[SourceTable], list[Path]]:
    """Every file (and sheet) of an export: a folder of reports, or one file."""
    if not path.exists():
        raise InputError(f"{path} does not exist")
    files = table_files(path) if path.is_dir() else [path]
    sources: list[SourceTable] = []
    for f in files:
        sources += read_tables(f)
    return sources, files


def _names(st: SourceTable) -> list[str]:
    out = [st.name.lower()]
    if st.path is not None:
        out += [st.path.stem.lower(), st.path.name.lower()]
    return out


def _name_rank(st: SourceTable, patterns: tuple[str, ...]) -> int | None:
    for i, pat in enumerate(patterns):
        if any(fnmatch.fnmatchcase(n, pat.lower()) for n in _names(st)):
            return i
    return None


def _resolve(st: SourceTable, tm: TableMap) -> dict[str, str]:
    found = {}
    for col, headings in tm.columns.items():
        hit = st.find(*headings)
        if hit is not None:
            found[col] = hit
    return found


def _fits(st: SourceTable, tm: TableMap) -> tuple[bool, dict[str, str], list[str]]:
    """Whether a source has the headings the table needs; the headings; what is missing."""
    found = _resolve(st, tm)
    missing = [f"'{tm.columns[c][0]}'" for c in tm.needed() if c not in found]
    missing += [f"'{h}'" for h in tm.where if st.find(h) is None]
    return not missing, found, missing


def _candidates(sources: list[SourceTable], tm: TableMap) -> tuple[list[SourceTable], bool]:
    """Sources a table entry reads: by name, else by headings (its required headings, its
    where headings, and at least three of its headings, or all if it lists fewer)."""
    if tm.files:
        ranked = [(r, i, s) for i, s in enumerate(sources)
                  if (r := _name_rank(s, tm.files)) is not None]
        if ranked:
            return [s for _, _, s in sorted(ranked, key=lambda x: (x[0], x[1]))], True
    need = min(3, len(tm.columns))
    out = []
    for s in sources:
        ok, found, _ = _fits(s, tm)
        if ok and len(found) >= need:
            out.append(s)
    return out, False


def _date_text(expr: pl.Expr, fmt: str) -> pl.Expr:
    """Dates written in ``fmt`` as ISO text; cells not in that format are left as they are."""
    text = clean(expr)
    if "%H" in fmt or "%M" in fmt:
        parsed = text.str.strptime(pl.Datetime, fmt, strict=False).dt.date()
    else:
        parsed = text.str.strptime(pl.Date, fmt, strict=False)
    return pl.when(parsed.is_not_null()).then(parsed.cast(pl.String)).otherwise(expr.cast(pl.String))


@dataclass
class Claim:
    """How a ``[[table]]`` that takes only the rows its value map knows (``only_mapped_values``)
    shares a report with the others reading it (one LCS steps report feeds episodes, meetings
    and assessments): a value another entry's map names, or that another entry's column also
    knows, is not taken through casecheck's vocabulary: only a map decides it."""

    column: str | None = None  # the coded column whose vocabulary may take a value
    named_elsewhere: frozenset[str] = frozenset()  # keys other entries' value maps name
    rivals: tuple[str, ...] = ()  # other entries' coded columns on the same heading


def _mapped(st: SourceTable, heading: str, vmap: dict[str, str], claim: Claim) -> pl.Expr:
    """The native code for a report value: the mapping's own value map first (``""`` leaves the
    row out), then, for a table that takes only the rows it knows, casecheck's vocabulary
    (:mod:`casecheck.vocabulary`: the spellings real systems use) where no other entry claims
    the value; null where neither knows it (the dataset then matches it, or counts it unknown).
    Worked out on the column's distinct values."""
    text = pl.col(heading).cast(pl.String)
    uniques = st.frame.select(text.unique().alias("u"))["u"].drop_nulls()
    cleaned = pl.select(clean(pl.lit(uniques)).alias("c"))["c"]
    codes = vocabulary.match_values(cleaned, None, extra=vmap).to_list() if vmap else [None] * len(uniques)
    codes = [c if c is not None and vocabulary.key(v or "") in vmap else None
             for v, c in zip(cleaned.to_list(), codes, strict=True)]
    if claim.column is not None:
        known = vocabulary.match_values(cleaned, claim.column).to_list()
        for i, v in enumerate(cleaned.to_list()):
            if codes[i] is not None or known[i] is None or v is None:
                continue
            k = vocabulary.key(v)
            if k in claim.named_elsewhere or any(k in vocabulary.lookup(r) for r in claim.rivals):
                continue
            codes[i] = known[i]
    mapped = pl.Series(codes, dtype=pl.String)
    return text.replace_strict(uniques, mapped, default=None, return_dtype=pl.String)


def _claims(tm: TableMap, st: SourceTable, found: dict[str, str],
            plan: list[tuple[TableMap, SourceTable, dict[str, str]]]) -> dict[str, Claim]:
    """For each coded column of an ``only_mapped_values`` entry, what the other entries reading
    the same heading of the same report claim (see :class:`Claim`)."""
    if not tm.only_mapped_values:
        return {}
    out: dict[str, Claim] = {}
    for col, heading in found.items():
        if col not in vocabulary.CODES:
            continue
        others = [(t, f) for t, s, f in plan if s is st and t is not tm]
        named = frozenset(k for t, f in others for c, h in f.items() if h == heading
                          for k in t.values.get(c, {}))
        rivals = tuple(c for t, f in others for c, h in f.items()
                       if h == heading and c in vocabulary.CODES and c != col)
        out[col] = Claim(col, named, rivals)
    return out


def _part(st: SourceTable, tm: TableMap, found: dict[str, str], mapping: Mapping,
          claims: dict[str, Claim] | None = None) -> tuple[Part, pl.Series]:
    exprs: list[pl.Expr] = [pl.col(ROW)]
    desc: dict[str, str] = {}
    keep = pl.lit(True)
    spec = TABLES[tm.table]
    for col, heading in found.items():
        e = st.use(heading)
        desc[col] = heading
        vmap = tm.values.get(col)
        claim = (claims or {}).get(col, Claim())
        if vmap or claim.column is not None:
            m = _mapped(st, heading, vmap or {}, claim)
            if tm.only_mapped_values:
                keep = keep & (m.is_not_null() & (m != "")).fill_null(False)
            else:
                keep = keep & (m.is_null() | (m != "")).fill_null(True)
            e = pl.when(m.is_not_null()).then(m).otherwise(e.cast(pl.String))
            desc[col] = f"{heading} (values mapped)" if vmap else heading
        fmt = tm.date_format or mapping.date_format
        if fmt and spec.column(col).kind == DATE:
            e = _date_text(e, fmt)
            desc[col] += f" (written {fmt})"
        exprs.append(e.alias(col))
    for col, value in tm.constants.items():
        if col not in found:
            exprs.append(pl.lit(value, dtype=pl.String).alias(col))
            desc[col] = f"always '{value}'"
    for heading, values in tm.where.items():
        h = st.find(heading)
        assert h is not None
        st.used.add(h)
        keep = keep & norm_expr(clean(pl.col(h))).is_in([norm(v) for v in values]).fill_null(False)
    exprs += [pl.col(c) for c in (PROBLEM,) if c in st.frame.columns]
    mask = st.frame.select(keep.fill_null(False).alias("k"))["k"]
    frame = st.frame.filter(mask).select(exprs) if not mask.all() else st.frame.select(exprs)
    part = Part(tm.table, st, frame, desc)
    left = st.rows - frame.height
    part.note = f"{_rows(frame.height)} from {st.label}"
    if left:
        part.note += f" ({_rows(left)} with other values left out)"
    return part, mask


def read_reports(
    path: Path, mapping: Mapping, read: tuple[list[SourceTable], list[Path]] | None = None
) -> Extract:
    """Read a report export through a mapping (``read``: its files, if already read)."""
    path = Path(path)
    sources, files = read or read_sources(path)
    if not sources:
        raise InputError(f"{path} holds no CSV, Excel or Parquet files")
    parts: list[Part] = []
    taken: dict[int, pl.Series] = {}
    readers: dict[int, list[tuple[TableMap, dict[str, str]]]] = {}
    problems: dict[str, list[str]] = {}
    plan: list[tuple[TableMap, SourceTable, dict[str, str]]] = []
    for tm in mapping.tables:
        cands, _by_name = _candidates(sources, tm)
        for st in cands:
            ok, found, missing = _fits(st, tm)
            if not ok:
                problems.setdefault(tm.table, []).append(
                    f"{st.label} has no {', '.join(missing)} heading"
                )
                continue
            plan.append((tm, st, found))
    for tm, st, found in plan:
        part, mask = _part(st, tm, found, mapping, _claims(tm, st, found, plan))
        st.kind = st.kind or f"{mapping.source} report"
        parts.append(part)
        readers.setdefault(id(st), []).append((tm, found))
        taken[id(st)] = taken[id(st)] | mask if id(st) in taken else mask
    for required in ("children", "episodes"):
        if not any(p.table == required for p in parts):
            tm = next(t for t in mapping.tables if t.table == required)
            why = "; ".join(problems.get(required, [])) or (
                "no file is named like " + " or ".join(repr(f) for f in tm.files)
                if tm.files else "no file has its headings"
            )
            heads = ", ".join(f"'{tm.columns[c][0]}'" for c in tm.needed())
            raise InputError(
                f"the mapping {mapping.name} finds no {required} table in {path} ({why}; it "
                f"needs the heading{'s' if len(tm.needed()) > 1 else ''} {heads}): edit the "
                f"mapping, or let 'casecheck inspect {path}' (without --source or --mapping) "
                "propose one"
            )
    notes: list[str] = []
    tallies: list[pl.DataFrame] = []
    for st in sources:
        mask = taken.get(id(st))
        if mask is None:
            notes.append(f"{st.label} is not used: no table of the mapping {mapping.name} reads it")
            continue
        left = int((~mask).sum())
        if left:
            verb = "is" if left == 1 else "are"
            notes.append(f"{st.label}: {_rows(left)} {verb} used by no table of the mapping")
            tallies.append(_left_out(st, ~mask, readers[id(st)]))
    parts = _dedupe_children(parts)
    return Extract(
        source=mapping.source,
        path=path,
        parts=parts,
        sources=sources,
        files=files,
        notes=notes,
        reason=f"mapping {mapping.name}",
        tallies=tallies,
    )


def _left_out(st: SourceTable, left: pl.Series, readers: list[tuple[TableMap, dict[str, str]]]) -> pl.DataFrame:
    """The rows of a report no table of the mapping takes, counted by the value of the coded
    heading that decided it: values the mapping maps to ``""`` or that a ``where`` filter keeps
    out are left out on purpose; a value neither the mapping nor casecheck's vocabulary knows is
    an unknown code (with a "did you mean"), so a step type spelled a new way is never dropped
    without a word."""
    coded = [(tm, col, found[col]) for tm, found in readers for col in tm.columns
             if col in vocabulary.CODES and col in found]
    tables = "/".join(dict.fromkeys(tm.table for tm, _ in readers))
    if not coded:
        return pl.DataFrame({"table": [tables], "column": [None], "kind": ["left_out"], "value": [None],
                             "rows": [int(left.sum())], "detail": [f"in {st.label}, used by no table of the mapping"]},
                            schema=TALLY_SCHEMA)
    heading = coded[0][2]
    counts = (st.frame.filter(left).select(clean(pl.col(heading)).alias("value"))
              .group_by("value").len("rows").sort("rows", "value", descending=[True, False]))
    rows = []
    for value, n in counts.iter_rows():
        codes = {vocabulary.match_values(pl.Series([value]), col, extra=tm.values.get(col, {})).item()
                 for tm, col, _ in coded} if value is not None else {None}
        if "" in codes:
            kind, detail = "left_out", f"in {st.label}, mapped to \"\" (left out on purpose)"
        elif codes - {None} or value is None:
            kind, detail = "left_out", f"in {st.label}, kept out by the mapping's where or value maps"
        else:
            kind = "unknown_code"
            detail = next((g for g in (vocabulary.suggest(value, col) for _, col, _ in coded) if g), None)
        rows.append({"table": tables, "column": heading, "kind": kind, "value": value, "rows": n,
                     "detail": detail})
    return pl.DataFrame(rows, schema=TALLY_SCHEMA)


def _dedupe_children(parts: list[Part]) -> list[Part]:
    """A report lists a child in many rows: the children table keeps each child's first row."""
    kids = [p for p in parts if p.table == "children"]
    if not kids:
        return parts
    out = [p for p in parts if p.table != "children"]
    seen = pl.Series("child_id", [], dtype=pl.String)
    for p in kids:
        f = p.frame.with_columns(clean(pl.col("child_id")).alias("__id"))
        first = f["__id"].is_null() | (f["__id"].is_first_distinct() & ~f["__id"].is_in(seen.implode()))
        kept = f.filter(first).drop("__id")
        seen = pl.concat([seen, f["__id"].drop_nulls().unique()])
        repeats = f.height - kept.height
        note = p.note
        if repeats:
            note = (f"{kept.height:,} children from {p.source.label} ({_rows(repeats)} "
                    f"{'repeats' if repeats == 1 else 'repeat'} a child already read)")
        out.append(Part("children", p.source, kept, p.mapping, note))
    return out


# ---------------------------------------------------------------------------------------------
# Which preset fits, and proposing a mapping for an unknown export
# ---------------------------------------------------------------------------------------------
def fit_score(sources: list[SourceTable], mapping: Mapping) -> tuple[bool, int]:
    """(usable, number of headings matched): usable when children and episodes are found."""
    found_tables: set[str] = set()
    score = 0
    for tm in mapping.tables:
        cands, _ = _candidates(sources, tm)
        for st in cands:
            ok, found, _ = _fits(st, tm)
            if ok:
                found_tables.add(tm.table)
                score += len(found)
    return {"children", "episodes"} <= found_tables, score


def best_preset(sources: list[SourceTable]) -> tuple[str, Mapping] | None:
    best: tuple[int, str, Mapping] | None = None
    for name in PRESETS:
        m = load_mapping(preset_path(name))
        usable, score = fit_score(sources, m)
        if usable and (best is None or score > best[0]):
            best = (score, name, m)
    return (best[1], best[2]) if best else None


def _aliases() -> dict[str, dict[str, set[str]]]:
    """Headings known for each native column: its own name and every preset heading."""
    out: dict[str, dict[str, set[str]]] = {
        t: {c: {c, c.replace("_", " ")} for c in TABLES[t].column_names} for t in TABLES
    }
    for name in PRESETS:
        for tm in load_mapping(preset_path(name)).tables:
            for col, headings in tm.columns.items():
                out[tm.table][col].update(headings)
    return out


def _known_values() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name in PRESETS:
        for tm in load_mapping(preset_path(name)).tables:
            for col, vmap in tm.values.items():
                out.setdefault(col, {}).update(vmap)
    return out


def _guess_code(value: str, col: str, known: dict[str, dict[str, str]]) -> str | None:
    k = norm(value)
    if k in known.get(col, {}):
        return known[col][k]
    vocab = VOCAB.get(col, ())
    tidy = parse.parse_code(pl.Series([value])).item()
    if tidy in vocab:
        return tidy
    close = difflib.get_close_matches(str(tidy), list(vocab), n=1, cutoff=0.8)
    return close[0] if close else None


@dataclass
class Proposal:
    source: SourceTable
    table: str | None
    columns: dict[str, tuple[str, float]]  # native -> (heading, score)
    missing: list[str]
    score: float


_MATCH_CUTOFF = 0.8
_GUESS = 0.75  # the score of a heading guessed from its words

_WHO = r"(child|client|person|subject|pupil|cyp|youngperson|individual|case)"
_KEY = r"(id|ref|reference|identifier|number|no)"
#: words that give a heading away when no known heading is close (matched on norm(heading))
HINTS: dict[str, str] = {
    "child_id": rf"^({_WHO}{_KEY}|{_KEY}{_WHO}?|{_WHO}\w*{_KEY})$",
    "worker_id": r"(worker|practitioner|keyworker|staff|professional|allocated)(?!.*(team|date))",
    "allocated_date": r"allocat\w*date|date\w*allocat",
    "team": r"(team|locality|unit|servicearea)",
    "episode_type": r"(type|kind|category)$",
    "meeting_type": r"(type|kind|category)$",
    "document_type": r"(type|kind|category|form)$",
    "date_of_birth": r"(birth|dob)",
    "gender": r"(gender|sex)$",
    "start_date": r"(start|open|began|begin|commenced)",
    "end_date": r"(end|clos|ceased|finish)",
    "visit_date": r"(visit|contact|seen)\w*date|date\w*(visit|contact)",
    "seen": r"seen(?!.*alone)",
    "seen_alone": r"alone",
    "meeting_date": r"(meeting|conference|review)\w*date|date\w*(meeting|conference|review)",
    "document_date": r"(complet|document|form)\w*date|date\w*(complet|document)",
    "received_date": r"(referral|received|contact)\w*date|date\w*(referral|received)",
    "decision_date": r"(decision|outcome)\w*date|date\w*decision",
    "supervision_date": r"(supervision|oversight)\w*date|date\w*supervision",
    "return_date": r"return\w*date|date\w*return",
    "return_interview_date": r"(interview|rhi)",
}


def _match_table(st: SourceTable, table: str, aliases: dict[str, set[str]]) -> Proposal:
    heads = {norm(h): h for h in st.headers}
    free = dict(heads)
    cols: dict[str, tuple[str, float]] = {}
    spec = TABLES[table]
    order = spec.required_columns + [c for c in spec.column_names if c not in spec.required_columns]
    for col in order:
        best: tuple[float, str] | None = None
        for alias in aliases[col]:
            a = norm(alias)
            for k in free:
                r = 1.0 if a == k else difflib.SequenceMatcher(None, a, k).ratio()
                if r >= _MATCH_CUTOFF and (best is None or r > best[0]):
                    best = (r, k)
        if best is None and col in HINTS:
            hint = re.compile(HINTS[col])
            hit = next((k for k in free if hint.search(k)), None)
            if hit is not None:
                best = (_GUESS, hit)
        if best is not None:
            cols[col] = (free.pop(best[1]), best[0])
    optional_type = {"episode_type", "meeting_type", "document_type"}
    missing = [c for c in spec.required_columns if c not in cols and c not in optional_type]
    score = sum(s for _, s in cols.values()) + (0 if missing else 1)
    return Proposal(st, table, cols, missing, score)


def propose(sources: list[SourceTable]) -> list[Proposal]:
    """For each file or sheet, the native table its headings fit best (None if none fits)."""
    aliases = _aliases()
    out = []
    for st in sources:
        best: Proposal | None = None
        for table in TABLES:
            p = _match_table(st, table, aliases[table])
            if p.missing or len(p.columns) < 2:
                continue
            if best is None or p.score > best.score:
                best = p
        out.append(best or Proposal(st, None, {}, [], 0.0))
    if not any(p.table == "children" for p in out):
        # no person file: the children come from the file that fits them best (their first row)
        kids = [
            _match_table(p.source, "children", aliases["children"])
            for p in out if p.table is not None
        ]
        kids = [k for k in kids if not k.missing]
        if kids:
            out.append(max(kids, key=lambda k: k.score))
    return out


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _q(text: str) -> str:
    import json

    return json.dumps(str(text), ensure_ascii=False)


def propose_mapping(path: Path, sources: list[SourceTable], source: str = "lcs") -> str:
    """A mapping TOML for an export, from each heading's closeness to headings casecheck knows."""
    proposals = propose(sources)
    known = _known_values()
    lines = [
        f"# casecheck mapping proposed by 'casecheck inspect' for {path.name}.",
        "# Headings were matched by their closeness to headings casecheck knows: check every",
        "# line, fill in the TODOs and delete what is wrong, then run",
        f"#   casecheck validate {path} --mapping THIS_FILE",
        "# The format is described in docs/mappings.md.",
        "",
        "[mapping]",
        f"source = {_q(source)}   # a label: lcs, ehm or a word of your own",
        f"description = {_q('Proposed for ' + path.name)}",
        "",
    ]
    tables = {p.table for p in proposals if p.table}
    for p in proposals:
        st = p.source
        if p.table is None:
            lines += [
                f"# {st.label} ({_rows(st.rows)}): its headings fit no casecheck table",
                f"#   headings: {', '.join(st.headers)}",
                "",
            ]
            continue
        spec = TABLES[p.table]
        lines += [
            f"# {st.label}: {_rows(st.rows)}, read as the {p.table} table"
            + (" (a child in several rows is read once)" if p.table == "children" else ""),
            "[[table]]",
            f"table = {_q(p.table)}",
            f"file = {_q(st.name)}",
            "[table.columns]",
        ]
        for col in spec.column_names:
            if col in p.columns:
                heading, score = p.columns[col]
                lines.append(f"{col} = {_q(heading)}   # matched {score:.0%}")
        for col in spec.column_names:
            if col not in p.columns and not (col.endswith("_type") and col in spec.required_columns):
                lines.append(f"# {col} = \"?\"   # TODO: the heading that holds it, if there is one")
        type_col = next((c for c in spec.required_columns if c.endswith("_type")), None)
        if type_col and type_col not in p.columns:
            guess = "early_help" if p.table == "episodes" else "?"
            lines += [
                "[table.constants]",
                f"{type_col} = {_q(guess)}   # TODO: no heading holds the {type_col}: the value "
                "for every row of this file",
            ]
        for col, (heading, _) in p.columns.items():
            if col not in VOCAB:
                continue
            counts = (
                st.frame.select(clean(pl.col(heading)).alias("v"))
                .drop_nulls()
                .group_by("v").len()
                .sort(["len", "v"], descending=[True, False])
                .head(60)
            )
            if counts.is_empty():
                continue
            lines.append(f"[table.values.{col}]   # values seen under '{heading}': \"\" leaves "
                         "those rows out")
            for value, n in counts.iter_rows():
                code = _guess_code(value, col, known)
                if code is None:
                    todo = "" if col != "visit_type" else parse.parse_code(pl.Series([value])).item()
                    lines.append(f"{_q(value)} = {_q(todo)}   # TODO ({_rows(n)}): not a code "
                                 "casecheck knows")
                else:
                    lines.append(f"{_q(value)} = {_q(code)}   # {_rows(n)}")
        lines.append("")
    for required in ("children", "episodes"):
        if required not in tables:
            lines += [
                f"# TODO: no file fits the {required} table, which casecheck needs: add a",
                f"# [[table]] for it (table = {_q(required)}).",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"
