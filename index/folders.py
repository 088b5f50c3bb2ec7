"""Index folders on disk: which files are the project's, who is writing, and the staged swap of a new index.

The rule: the project deletes or replaces only what it created. An index folder is replaced only
when every entry in it is a file an index is made of (a folder holding a user's `thesis.txt` is
refused, whole), and a file named like a vector segment counts as the index's only when its
database records it (its generation in use, or the file retired); a build's staging folder, `.NAME.qa-build-*` beside the index, is removed only
when no live process holds its lock. Locks are `flock`s, so a killed process releases them and
"abandoned" never depends on a clock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from qa.errors import IndexStoreError

DATABASE = "index.sqlite"
WRITER_LOCK = "writer.lock"  # held by the one process updating an index, for the whole update
BUILD_LOCK = "build.lock"  # held by the process filling a staging folder
BUILD_PREFIX = ".{name}.qa-build-"
JOURNAL_PREFIX = "compaction-"  # compaction-G.json: what a compaction in progress has created (index/compaction.py)
UNLOCKED_GRACE_SECONDS = 60  # a staging folder this young may not have taken its lock yet
APPLICATION_ID = 0x51414958  # "QAIX": written into every index database's header (offset 68) at its creation
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DATABASE_COMPANION = re.compile(r"index\.sqlite-(?:wal|shm|journal)")
_SEGMENT_FILE = re.compile(r"(?:ids|vectors)-(\d+)\.npy|ann-(\d+)\.faiss")
_OLD_JSON_INDEX = ("manifest.json", "documents.json", "sentences.json", "vectors.faiss")  # format 1, before SQLite
_META_KEYS = {"format_version", "model", "dimension", "generation"}
T = TypeVar("T")


def foreign_entries(directory: Path, ask_database: bool = True) -> list[str]:
    """Names in `directory` that no index of ours is made of (sub-folders included), sorted.

    Files are the index's only on evidence in them, never by their names alone: a database that
    proves to be an index's (`is_index_database`) with its companions (WAL, lock), the segment files
    it records (the generation in use, or retired) and those a killed compaction left (`compaction.py`
    journal, matched by inode); or the four files of a format-1 JSON index that prove to be one. With
    `ask_database` off (a build's own staging folder, which the project made), names are enough."""
    if not directory.is_dir():
        return []
    entries = list(directory.iterdir())
    if not ask_database:
        return sorted(e.name for e in entries if e.is_dir() or not _named_like_index_file(e.name))
    ours = index_files(directory)
    return sorted(e.name for e in entries if e.name not in ours or e.is_dir() or e.is_symlink())


def _named_like_index_file(name: str) -> bool:
    return bool(name in (DATABASE, WRITER_LOCK) or _DATABASE_COMPANION.fullmatch(name) or _SEGMENT_FILE.fullmatch(name)
                or name.startswith(JOURNAL_PREFIX))


def index_files(directory: Path) -> set[str]:
    """The names in `directory` that are proven to be an index's own files (see `foreign_entries`)."""
    if is_old_json_index(directory):
        return set(_OLD_JSON_INDEX)
    if not is_index_database(directory / DATABASE):
        return set()
    names = {DATABASE, WRITER_LOCK} | {e.name for e in directory.iterdir() if _DATABASE_COMPANION.fullmatch(e.name)}
    recorded = _recorded_segments(directory)
    if recorded is not None:
        generation, retired = recorded
        names |= {f.name for f in segment_files(Path(), generation) if generation} | retired
    from qa.index.compaction import abandoned_files  # the journal's own module; imported late (it imports this one)

    names |= {path.name for path in abandoned_files(directory)}
    return {name for name in names if (directory / name).is_file() and not (directory / name).is_symlink()}


def segment_files(directory: Path, generation: int) -> list[Path]:
    """The files a base segment of this generation may have."""
    return [directory / f"ids-{generation}.npy", directory / f"vectors-{generation}.npy", directory / f"ann-{generation}.faiss"]


def is_index_database(path: Path) -> bool:
    """Is `path` an index database of ours? Its header carries APPLICATION_ID (read from the bytes, so a
    damaged index is still known); one made before that mark proves it by its meta table's keys."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except OSError:
        return False
    if not header.startswith(_SQLITE_MAGIC):
        return False
    if len(header) == 100 and int.from_bytes(header[68:72], "big") == APPLICATION_ID:
        return True
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)  # creates nothing beside it
        try:
            keys = {key for (key,) in db.execute("SELECT key FROM meta")}
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return _META_KEYS <= keys


def is_old_json_index(directory: Path) -> bool:
    """Does `directory` hold a complete format-1 index (its four files, the manifest as that version wrote it)?"""
    files = [directory / name for name in _OLD_JSON_INDEX]
    if any(path.is_symlink() or not path.is_file() for path in files):
        return False
    try:
        manifest = json.loads(files[0].read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return (isinstance(manifest, dict) and set(manifest) == {"format_version", "model", "documents", "sentences"}
            and manifest["format_version"] == 1 and isinstance(manifest["model"], str)
            and all(isinstance(manifest[key], int) and manifest[key] >= 0 for key in ("documents", "sentences")))


def stored_meta(directory: Path, keys: tuple[str, ...]) -> dict:
    """These keys' values (JSON-decoded) from the meta table of the index database in `directory`, read
    only; empty when there is no database that can be read (a missing key is simply absent)."""
    database = directory / DATABASE
    if not database.is_file():
        return {}
    try:
        db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(keys))})", keys).fetchall()
        finally:
            db.close()
        return {key: json.loads(value) for key, value in rows}
    except (sqlite3.Error, ValueError):
        return {}


def _recorded_segments(directory: Path) -> tuple[int, set[str]] | None:
    """The generation in use and the retired segment files, as the index's database records them;
    None when there is no database that can be read."""
    meta = stored_meta(directory, ("generation", "retired"))
    try:
        return int(meta["generation"]), {str(name) for name in meta.get("retired", [])}
    except (KeyError, ValueError, TypeError):
        return None


def new_folder_hint(directory: Path) -> str:
    return f"give --index a new or empty folder, such as {directory.with_name(directory.name + '-index')}"


def check_replaceable(directory: Path) -> None:
    """IndexStoreError unless `directory` is missing, empty, or holds only index files (a link is
    the user's: replacing it would replace the link, so it is refused too)."""
    if directory.is_symlink():
        raise IndexStoreError(f"{directory} is a link; it is left as it is: give --index the folder it points to, "
                              f"or {new_folder_hint(directory).removeprefix('give --index ')}")
    if directory.exists() and not directory.is_dir():
        raise IndexStoreError(f"{directory} is a file, not an index folder; it is left as it is: {new_folder_hint(directory)}")
    if directory.is_dir() and (os.path.ismount(directory) or directory.stat().st_dev != directory.parent.stat().st_dev):
        raise IndexStoreError(f"{directory} is a mount point: a new index is built beside its folder and moved into place, "
                              f"which a mount point does not allow; nothing was changed: give --index a folder inside it, "
                              f"such as {directory / 'index'}")
    beside = next(folder for folder in directory.parents if folder.exists())  # where the new index is built
    if not os.access(beside, os.W_OK):
        raise IndexStoreError(f"cannot write in {beside}, where a new index at {directory} is built; nothing was changed: "
                              f"give --index a folder you can write")
    foreign = foreign_entries(directory)
    if foreign:
        foreign.sort(key=lambda name: (_named_like_index_file(name), name))  # the user's own names first
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        unproven = f" ({DATABASE} is not a database this tool wrote: damaged, or another program's)" \
            if DATABASE in foreign else ""
        raise IndexStoreError(f"{directory} holds files that are not part of an index ({shown}){unproven}; nothing in it "
                              f"was changed: {new_folder_hint(directory)}")


@contextmanager
def held_lock(path: Path, waiting: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `path` (a file, created if missing, or a folder). When another process
    holds it, warn `waiting` (with that process's id) and wait; without `waiting`, IndexStoreError at once."""
    folder = path.is_dir()
    try:
        handle = os.open(path, os.O_RDONLY) if folder else os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise IndexStoreError(f"cannot lock {path} ({error.strerror or error}); is the folder read-only?") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = "unknown" if folder else os.pread(handle, 32, 0).decode("ascii", "replace").strip() or "unknown"
            if waiting is None:
                raise IndexStoreError(f"{path.parent} is being written by process {holder}") from None
            warnings.warn(f"{waiting} (process {holder} holds {path.name}); waiting for it to finish", stacklevel=3)
            fcntl.flock(handle, fcntl.LOCK_EX)
        if not folder:
            os.ftruncate(handle, 0)
            os.pwrite(handle, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock


def is_locked(path: Path) -> bool:
    """Does a live process hold the lock on `path`?"""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(handle)


def is_disk_full(error: BaseException) -> bool:
    return (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        (isinstance(error, sqlite3.OperationalError) and "full" in str(error))


def disk_full_error(directory: Path | None) -> IndexStoreError:
    return IndexStoreError(f"the disk holding {directory or 'the index'} is full; the index was left as it was. "
                           "Free some space and run the same command again")


def replace_with_new(directory: Path, fill: Callable[[Path], T]) -> T:
    """Build a new index with `fill(folder)` in a staging folder beside `directory`, then swap it in
    whole. Refused (IndexStoreError) when `directory` holds anything an index is not made of."""
    directory = Path(directory)
    check_replaceable(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tidy_abandoned_builds(directory)
    staging = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX.format(name=directory.name), dir=directory.parent))
    try:
        with held_lock(staging / BUILD_LOCK):
            result = fill(staging / "index")
            check_replaceable(directory)  # again: files may have been put there during the build
            moved = directory.exists()
            if moved:
                directory.rename(staging / "previous")
            try:
                (staging / "index").rename(directory)
            except BaseException:
                if moved:
                    (staging / "previous").rename(directory)
                raise
    except BaseException as error:
        if is_disk_full(error):
            raise disk_full_error(directory) from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def tidy_abandoned_builds(directory: Path) -> None:
    """Finish what killed builds of `directory` left: put back an index moved aside mid-swap, then
    remove their staging folders. A staging folder whose lock a live process holds is left alone."""
    if not directory.parent.is_dir():
        return
    for staging in directory.parent.glob(BUILD_PREFIX.format(name=glob_escape(directory.name)) + "*"):
        lock = staging / BUILD_LOCK
        if not _is_build_folder(staging) or is_locked(lock):
            continue
        if not lock.exists() and time.time() - staging.stat().st_mtime < UNLOCKED_GRACE_SECONDS:
            continue
        previous = staging / "previous"
        try:
            if not directory.exists() and (previous / DATABASE).is_file():
                previous.rename(directory)
            shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            continue  # a read-only parent: nothing to tidy from here


def _is_build_folder(staging: Path) -> bool:
    """Does the folder hold only what a build writes (its lock, the new index, the index moved aside)?
    Anything else there is someone else's, and the folder is left alone."""
    if staging.is_symlink() or not staging.is_dir():
        return False
    for entry in staging.iterdir():
        if entry.name == BUILD_LOCK and entry.is_file() and not entry.is_symlink():
            continue
        if entry.name not in ("index", "previous") or entry.is_symlink() or not entry.is_dir() or \
                foreign_entries(entry, ask_database=False):  # a killed build's segment files are not recorded yet
            return False
    return True


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)
