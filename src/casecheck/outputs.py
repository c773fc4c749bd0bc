"""Where outputs may go, and writing them safely.

* **Never over an input.** :func:`check_outputs` refuses, before any work is done, an output that
  is one of the extract's files (every file of the extract folder, not only the tables a run
  reads), a profile, mapping, config or key file, however the path is spelled (``..``, a
  symbolic or hard link); a new file in the extract folder named like a table (next month's run
  would read it); two outputs at one path; and a file name whose extension names another format
  than the one that would be written (``-o findings.xlsx`` for CSV text).
* **Atomically, and nothing left behind.** :func:`atomic_write` writes to a hidden temporary
  file beside the target and renames it over the target once complete and on disk; on any
  failure (a full disk, a file-size limit, Ctrl-C, SIGTERM: the CLI turns it into an exception)
  the previous file is left as it was and the temporary file is removed. Only ``kill -9`` can
  leave a ``.NAME.*.tmp`` file behind.
* **Devices and pipes are written in place** (``/dev/stdout``, a FIFO): they are not replaced
  by a regular file.
* Failures the user can act on (no space, file too large, no permission) are one sentence
  (:class:`~casecheck.errors.UsageError`), never an internal error.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from casecheck.errors import UsageError

#: file extensions that name a format (the value: the format casecheck would write)
FORMAT_OF_SUFFIX = {
    ".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".tsv": "tsv", ".toml": "toml",
    ".html": "html", ".htm": "html",
}  # fmt: skip
#: files a native or SSD extract folder is read from: an output must not create one there
_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq"}


# ---------------------------------------------------------------------------------------------
# Which paths are inputs
# ---------------------------------------------------------------------------------------------
def extract_files(data: Path | None) -> list[Path]:
    """Every file of an extract: the workbook or file itself, or every file in the folder (and
    in its sub-folders one level down), whether or not a run reads it."""
    if data is None:
        return []
    data = Path(data)
    if data.is_file():
        return [data]
    if not data.is_dir():
        return []
    out: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in data.iterdir():
            if entry.is_file():
                out.append(entry)
            elif entry.is_dir():
                with contextlib.suppress(OSError):
                    out += [p for p in entry.iterdir() if p.is_file()]
    return out


def would_be_read(path: Path, data: Path | None) -> bool:
    """A new file in the extract folder that a later run would read as a table."""
    if data is None or not Path(data).is_dir():
        return False
    from casecheck.schema import find_table

    try:
        inside = path.resolve().parent == Path(data).resolve()
    except OSError:
        return False
    if not inside or path.suffix.lower() not in _TABLE_SUFFIXES:
        return False
    stem = path.stem.lower()
    return find_table(path.stem) is not None or stem.startswith("ssd_")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (``..``, symbolic and hard links, letter case where the
    disk ignores it)."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
    except OSError:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_outputs(outputs: Mapping[str, Path | None], inputs: Iterable[Path | None],
                  data: Path | None = None) -> None:
    """Refuse outputs that would write over an input, a new table file in the extract folder,
    or the same file twice. ``outputs`` maps the option (``--output``) to its path; ``inputs``
    are the files the run reads (None entries are skipped); ``data`` the extract, every file of
    which is protected."""
    protected = [Path(p) for p in inputs if p is not None] + extract_files(data)
    given = [(opt, Path(p)) for opt, p in outputs.items() if p is not None and str(p) != "-"]
    for opt, path in given:
        if is_device(path):
            continue
        for p in protected:
            if same_file(p, path):
                raise UsageError(f"refusing to write over the input file {path}")
        if would_be_read(path, data):
            raise UsageError(
                f"refusing to write {opt} {path} into the extract folder: a later run would "
                "read it as a table; write outputs elsewhere"
            )
    for i, (opt, path) in enumerate(given):
        for other, path2 in given[i + 1:]:
            if same_file(path, path2) or (not path.exists() and path.resolve() == path2.resolve()):
                raise UsageError(f"{opt} and {other} both name {path}: give each output its own file")


def check_format(path: Path | None, fmt: str, option: str, hint: str = "") -> None:
    """Refuse a file name whose extension names another format than ``fmt`` (a device, or a
    name with no or an unknown extension, is fine)."""
    if path is None or str(path) == "-" or is_device(Path(path)):
        return
    named = FORMAT_OF_SUFFIX.get(Path(path).suffix.lower())
    if named is None or named == fmt:
        return
    raise UsageError(
        f"{option} {path}: the name says {named} but casecheck would write {fmt} there"
        + (f"; {hint}" if hint else f": name it .{fmt}")
    )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def is_device(path: Path) -> bool:
    """An existing target that is not a regular file or folder: a device, FIFO or socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def os_error_text(exc: BaseException) -> str | None:
    """The plain reason of an I/O failure (``No space left on device``), whether Python raised
    it or a library reported it in its own exception (Polars: ``... (os error 28)``)."""
    m = _OS_ERROR.search(str(exc))
    if m:
        return os.strerror(int(m.group(1)))
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        return os_error_text(cause)
    if type(exc).__module__.startswith("xlsxwriter"):  # e.g. FileCreateError, FileSizeError
        return str(exc)
    return None


def _limits_reached(folder: Path, file: Path | None = None) -> str | None:
    """Why a write in ``folder`` may have failed when the library that failed did not say: the
    disk is full, or ``file`` reached the process's file-size limit (``ulimit -f``)."""
    try:
        st = os.statvfs(folder)
        if st.f_bavail == 0 or st.f_favail == 0:
            return os.strerror(28)  # No space left on device
    except OSError:
        pass
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY and file is not None and file.stat().st_size >= soft:
            return os.strerror(27)  # File too large
    except (ImportError, OSError, ValueError):
        pass
    return None


def write_failure(exc: BaseException, folder: Path, file: Path | None = None) -> str | None:
    """The plain reason a write failed when it is the disk or the system's to blame (full, too
    large, no permission), else None (a bug, to be reported as one)."""
    if not isinstance(exc, Exception):
        return None
    return os_error_text(exc) or _limits_reached(folder, file)


@contextlib.contextmanager
def writing(what: str, folder: Path) -> Iterator[None]:
    """Turn an I/O failure while writing ``what`` in ``folder`` (temporary slices, say) into one
    sentence; anything else goes on as it is."""
    try:
        yield
    except Exception as exc:
        why = write_failure(exc, folder)
        if why is None:
            raise
        raise UsageError(f"cannot write {what} in {folder}: {why}") from None


class Terminated(BaseException):
    """SIGTERM (``kill``, a cron or service manager stopping the run), raised in the main thread
    so that every ``finally`` runs: temporary files and folders are removed, a half-written
    output never replaces the previous one."""


_GUARD = {"depth": 0, "pending": False}


def on_sigterm(signum, frame) -> None:
    """The CLI's SIGTERM handler: raise :class:`Terminated`, or, while a temporary file or
    folder is being made or removed (:func:`uninterrupted`), as soon as that is done, so that
    none is left made and not yet known, or half removed."""
    if _GUARD["depth"]:
        _GUARD["pending"] = True
        return
    raise Terminated()


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold a SIGTERM until the block is done (see :func:`on_sigterm`)."""
    _GUARD["depth"] += 1
    try:
        yield
    finally:
        _GUARD["depth"] -= 1
        if not _GUARD["depth"] and _GUARD["pending"]:
            _GUARD["pending"] = False
            raise Terminated()


def atomic_write(path: Path, write: Callable[[Path], None], protected: Iterable[Path] = ()) -> Path:
    """Write via a temporary file in the target's folder, then rename over the target.

    Refuses a target that is one of ``protected`` (the input files) however it is spelled: with
    ``..``, through a symbolic or hard link, or in other letter case on a case-insensitive disk.
    If anything fails the previous file is left as it was and the temporary file is removed. The
    new file keeps the mode of the one it replaces; a new file gets the usual mode (umask). A
    device or FIFO (``/dev/stdout``) is written in place, through a private temporary folder.
    """
    path = Path(path)
    if is_device(path):
        return _write_in_place(path, write)
    target = path.resolve()
    for p in protected:
        if same_file(Path(p), target):
            raise UsageError(f"refusing to write over the input file {path}")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    mode = _file_mode(target)
    tmp: str | None = None
    try:
        with uninterrupted():
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
            os.close(fd)
        write(Path(tmp))
        with open(tmp, "rb+") as fh:  # on disk before the rename makes it visible
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is None:
            raise
        why = write_failure(exc, target.parent, Path(tmp))
        with uninterrupted():
            Path(tmp).unlink(missing_ok=True)
        if why is not None:
            raise UsageError(f"cannot write {path}: {why}") from None
        raise
    return path


def _write_in_place(path: Path, write: Callable[[Path], None]) -> Path:
    """A device or FIFO: the output is made in a private temporary folder, then copied in."""
    try:
        with scratch_dir() as tmp:
            made = tmp / f"out{''.join(path.suffixes)}"
            write(made)
            with made.open("rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    except Exception as exc:
        why = write_failure(exc, path.parent)
        if why is not None:
            raise UsageError(f"cannot write {path}: {why}") from None
        raise
    return path


@contextlib.contextmanager
def scratch_dir(near: Path | None = None) -> Iterator[Path]:
    """A private temporary folder (mode 0700), removed with everything in it on every exit
    path (errors, Ctrl-C, and SIGTERM, which the CLI turns into an exception); beside ``near``
    when given (so a large temporary file stays on the target's disk), else in the system's
    temporary folder."""
    where = None if near is None else Path(near)
    name: str | None = None
    try:
        with uninterrupted():  # (a SIGTERM now comes once the folder is known, and removed)
            name = tempfile.mkdtemp(prefix=".casecheck-" if where else "casecheck-", dir=where)
        yield Path(name)
    finally:
        if name is not None:
            with uninterrupted():
                shutil.rmtree(name, ignore_errors=True)


def _file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


__all__ = ["atomic_write", "check_format", "check_outputs", "extract_files", "is_device",
           "os_error_text", "same_file", "scratch_dir", "would_be_read"]
