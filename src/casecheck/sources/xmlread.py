"""Reading a statutory return's XML (SSDA903, CIN census) into column lists, then Polars frames.

The walk is one streaming pass of the standard library's expat parser (the parser ElementTree
uses), defused: a document type declaration or an entity declaration is refused before any
entity could be expanded, so a file cannot blow up in memory or reach for another file.

The caller names the *record* elements (an ``EPISODE``, a ``CINdetails``) and the *groups* whose
leaves belong to the enclosing record (``HEADER``, ``ChildIdentifiers``). Every other element with
element children is a record too, of its own kind, so nothing in the file is silently skipped:
the reader reports the kinds it does not use. A record's leaves become its columns (a leaf that
repeats, such as ``CPPreviewDate``, keeps every value, joined by ``|``); each record keeps the line
it starts on (``_row``, so a message can point at it), its own number (``_id``) and the number of
the record it sits in (``_parent``). Leaves outside any record (the census ``ReferenceDate``) are
the document's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import polars as pl

from casecheck.dataset import ROW
from casecheck.errors import InputError

ID = "_id"
PARENT = "_parent"
#: separator for the values of a leaf that repeats inside one record
SEP = "|"


def local(tag: str) -> str:
    """A tag without its namespace prefix (``cin:Child`` -> ``Child``)."""
    return tag.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def root_tag(path: Path, limit: int = 65536) -> str | None:
    """The name of an XML file's root element, read from its first bytes (None if it is not
    XML or the root does not start there). The walk stops at the root's start tag, before any
    entity could be used; the reader itself refuses a file that declares any."""
    try:
        with path.open("rb") as fh:
            head = fh.read(limit)
    except OSError:
        return None
    found: list[str] = []

    def start(name, _attrs):
        found.append(local(name))
        raise _Stop

    p = expat.ParserCreate()
    p.StartElementHandler = start
    try:
        p.Parse(head, False)
    except _Stop:
        return found[0]
    except (expat.ExpatError, InputError, ValueError, LookupError):
        return None
    return None


class _Stop(Exception):
    pass


def _refuse_doctype(name, *_args):
    raise InputError("document type declarations are not accepted")


def _refuse_entity(name, *_args):
    raise InputError("entity declarations are not accepted")


@dataclass
class Records:
    """The records of one kind: column lists, one value per record."""

    tag: str
    columns: dict[str, list] = field(default_factory=dict)
    n: int = 0

    def add(self, values: dict[str, object]) -> None:
        for key in values:
            if key not in self.columns:
                self.columns[key] = [None] * self.n
        for key, col in self.columns.items():
            col.append(values.get(key))
        self.n += 1

    def frame(self) -> pl.DataFrame:
        schema = {k: (pl.Int64 if k in (ROW, ID, PARENT) else pl.String) for k in self.columns}
        return pl.DataFrame(self.columns, schema=schema)


@dataclass
class Document:
    path: Path
    root: str
    records: dict[str, Records]  # by record tag, in the order first met
    leaves: dict[str, str]  # leaves outside any record (e.g. Header/CollectionDetails/ReferenceDate)
    elements: int = 0  # elements read

    def frame(self, tag: str) -> pl.DataFrame | None:
        rec = self.records.get(tag)
        return rec.frame() if rec is not None else None


def read_xml(path: Path, records: set[str], groups: set[str], label: str | None = None) -> Document:
    """Walk ``path`` once. ``records``: element names that start a record; ``groups``: element
    names whose leaves belong to the enclosing record. An element with element children that is
    in neither set starts a record of its own kind."""
    label = label or path.name
    out: dict[str, Records] = {}
    doc_leaves: dict[str, str] = {}
    # the open elements: [tag, values of the record it starts or None, had element children,
    # text parts]
    stack: list[list] = []
    open_records: list[dict] = []  # values of the records now open, innermost last
    state = {"serial": 0, "count": 0, "root": ""}
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(name, _attrs):
        state["count"] += 1
        tag = local(name)
        if not stack:
            state["root"] = tag
            stack.append([tag, None, False, []])
            return
        stack[-1][2] = True  # the parent has element children
        values = None
        if tag not in groups:  # a record, or (until it shows children) perhaps a leaf
            state["serial"] += 1
            values = {ROW: parser.CurrentLineNumber, ID: state["serial"],
                      PARENT: open_records[-1][ID] if open_records else None}
            open_records.append(values)
        stack.append([tag, values, False, []])

    def text(data):
        if stack:
            stack[-1][3].append(data)

    def end(_name):
        tag, values, had_children, parts = stack.pop()
        if values is not None:
            open_records.pop()
            if had_children or tag in records:
                out.setdefault(tag, Records(tag)).add(values)
                return
        elif had_children or not stack or tag in groups:
            return  # a group (its leaves went to the enclosing record), even empty, or the root
        value = "".join(parts).strip() or None
        target = open_records[-1] if open_records else doc_leaves
        if target.get(tag) not in (None, ""):
            if value is not None:
                target[tag] = f"{target[tag]}{SEP}{value}"
        else:
            target[tag] = value

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    try:
        with path.open("rb") as fh:
            parser.ParseFile(fh)
    except InputError as exc:
        raise InputError(f"{label} is refused: {exc.message} (line {parser.CurrentLineNumber})") from None
    except expat.ExpatError as exc:
        raise InputError(
            f"{label} is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}): "
            f"{expat.ErrorString(exc.code)}"
        ) from None
    except OSError as exc:
        raise InputError(f"{label} could not be read: {exc.strerror or exc}") from None
    return Document(path, state["root"], out, doc_leaves, state["count"])
