"""Pseudonymised outputs: child and worker ids replaced by keyed hashes before they are written.

``pseudonymise(frame, key)`` replaces each id with ``P-`` and the first 16 hex digits of
HMAC-SHA256(key, id). The same key gives the same pseudonym every run, so findings files from
month to month (and the findings and due lists of one month) still join on ``child_id``; without
the key nobody can go back from a pseudonym to the id, nor test a guessed id (child ids are short
numbers, so a plain unkeyed hash could be reversed by hashing every possible id).

Child ids and worker ids are hashed in separate name spaces (``child_id`` in one; ``worker_id``,
``supervisor_id`` and ``manager``, which all hold worker ids, in the other), so a child and a
worker who happen to share an id do not share a pseudonym.

The key comes from the environment variable ``CASECHECK_PSEUDONYMISE_KEY`` or from a key file,
never from the command line (where it would be kept in shell history and shown by ``ps``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from casecheck.errors import UsageError

KEY_ENV = "CASECHECK_PSEUDONYMISE_KEY"
#: a key shorter than this is refused: the ids are guessable, so the key is all the protection
MIN_KEY_CHARS = 32
#: a key file longer than this is not a key file (and a device such as /dev/zero never ends)
MAX_KEY_BYTES = 4096
PREFIX = "P-"
DIGITS = 16  # hex digits kept: 64 bits, so a million ids collide with odds of about 1 in 30 million
ID_COLUMNS = ("child_id", "worker_id", "supervisor_id", "manager")
#: columns holding the same kind of id share a name space (a worker is a supervisor is a manager)
NAMESPACES = {"child_id": "child", "worker_id": "worker", "supervisor_id": "worker", "manager": "worker"}


def load_key(key_file: Path | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` if given, else ``$CASECHECK_PSEUDONYMISE_KEY``.

    Surrounding white space (a key file's final newline) is ignored. Raises a UsageError when
    neither is there, the file cannot be read, or the key is shorter than 32 characters.
    """
    if key_file is not None:
        key_file = Path(key_file)
        try:
            with key_file.open("rb") as fh:  # at most a little more than any key: /dev/zero ends
                text = fh.read(MAX_KEY_BYTES + 1)
        except OSError as exc:
            raise UsageError(
                f"cannot read the pseudonymisation key file {key_file}: {exc.strerror or exc}"
            ) from None
        if len(text) > MAX_KEY_BYTES:
            raise UsageError(
                f"the pseudonymisation key file {key_file} holds more than {MAX_KEY_BYTES:,} bytes: "
                "it is not a key file (a key is one line of at least 32 characters)"
            )
        where = f"the key file {key_file}"
    else:
        value = os.environ.get(KEY_ENV)
        if value is None or not value.strip():
            raise UsageError(
                f"--pseudonymise needs a key: set {KEY_ENV} or give --key-file FILE (make one "
                "with: python -c \"import secrets; print(secrets.token_hex(32))\")"
            )
        text = value.encode("utf-8")
        where = KEY_ENV
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise UsageError(
            f"the pseudonymisation key in {where} is too short ({len(key)} characters): use at "
            f"least {MIN_KEY_CHARS} random characters, e.g. python -c \"import secrets; "
            "print(secrets.token_hex(32))\""
        )
    return key


def pseudonym(value: str, key: bytes, namespace: str = "child") -> str:
    """One id's pseudonym (``P-`` and 16 hex digits)."""
    digest = hmac.new(key, f"{namespace}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def pseudonymise(
    frame: pl.DataFrame, key: bytes, columns: Iterable[str] = ID_COLUMNS
) -> pl.DataFrame:
    """``frame`` with the id columns it has (of ``columns``) replaced by their pseudonyms.

    Vectorised: each column's distinct values are hashed once and mapped back. Blanks stay blank;
    other columns are untouched.
    """
    if len(key) < MIN_KEY_CHARS:
        raise UsageError(f"the pseudonymisation key is too short: use at least {MIN_KEY_CHARS} characters")
    if isinstance(columns, str):
        columns = (columns,)
    replaced = []
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column].cast(pl.String)
        distinct = values.drop_nulls().unique()
        namespace = NAMESPACES.get(column, column)
        hashed = pl.Series([pseudonym(v, key, namespace) for v in distinct], dtype=pl.String)
        if hashed.n_unique() != distinct.len():  # pragma: no cover - odds of 1 in 10**10 and more
            raise UsageError(f"two {column} values share a pseudonym; use a different key")
        replaced.append(
            values.replace_strict(distinct, hashed, default=None, return_dtype=pl.String).alias(column)
        )
    return frame.with_columns(replaced) if replaced else frame
