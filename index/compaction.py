"""The journal of a compaction in progress: which files it created, so that a killed one can be undone.

A compaction (index/store.py) writes the next generation's segment files before the transaction that
switches to them commits. Killed in between, those files are recorded nowhere, and being named like
segments is no proof that they are the index's. So, before it creates anything, the compaction opens
`compaction-G.json` beside them (created new) and writes, line by line: a header with the index's
own random id (from its database) and G, then each file's name before it is created and its device
and inode once it is. After the commit the journal is removed.

A journal left behind is the index's when its header names the index's id. Then, unless G is the
generation in use (the commit happened), the files it lists are the killed compaction's: each one
whose device and inode still match, or that it named but had not yet confirmed and is still empty.
The next writer of the index removes them, and the journal with them; nothing else is touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qa.index.folders import JOURNAL_PREFIX, stored_meta


def journal_path(directory: Path, generation: int) -> Path:
    return directory / f"{JOURNAL_PREFIX}{generation}.json"


class CompactionJournal:
    """The journal of one compaction: `intend` a file before creating it, `created` once it exists."""

    def __init__(self, directory: Path, generation: int, index_id: str) -> None:
        self.path = journal_path(directory, generation)
        self._file = open(self.path, "x", encoding="utf-8")  # never over a file already there
        self._write({"index": index_id, "generation": generation})

    def _write(self, entry: dict) -> None:
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def intend(self, path: Path) -> None:
        self._write({"intend": path.name})

    def created(self, path: Path, descriptor: int) -> None:
        found = os.fstat(descriptor)
        self._write({"created": path.name, "device": found.st_dev, "inode": found.st_ino})

    def remove(self) -> None:
        """The compaction is over (committed, or its files removed): the journal goes."""
        self._file.close()
        self.path.unlink(missing_ok=True)


def abandoned_files(directory: Path) -> list[Path]:
    """The journals of this index's killed or finished compactions that are still there, and the files
    the killed ones created (see the module's docstring); empty when the database cannot be read."""
    journals = sorted(directory.glob(f"{JOURNAL_PREFIX}*.json"))
    if not journals:
        return []
    meta = stored_meta(directory, ("index_id", "generation"))
    index_id, generation = meta.get("index_id"), meta.get("generation")
    if not isinstance(index_id, str):
        return []
    found = []
    for journal in journals:
        entries = _entries(journal)
        if not entries or entries[0].get("index") != index_id or journal.is_symlink():
            continue
        found.append(journal)
        if entries[0].get("generation") != generation:
            found += _files_made(directory, entries[1:])
    return found


def remove_abandoned(directory: Path) -> None:
    """Remove what `abandoned_files` finds. Call it holding the index's writer lock."""
    journals = []
    for path in abandoned_files(directory):
        if path.name.startswith(JOURNAL_PREFIX) and path.suffix == ".json":
            journals.append(path)  # last, so that a removal cut short is finished next time
        else:
            path.unlink(missing_ok=True)
    for journal in journals:
        journal.unlink(missing_ok=True)


def _entries(journal: Path) -> list[dict]:
    """The journal's complete lines (a line cut short by the kill is left out)."""
    try:
        lines = journal.read_text(encoding="utf-8").split("\n")[:-1]
        return [entry for entry in map(json.loads, lines) if isinstance(entry, dict)]
    except (OSError, UnicodeDecodeError, ValueError):
        return []


def _files_made(directory: Path, entries: list[dict]) -> list[Path]:
    """The listed files that are still the ones the compaction created."""
    confirmed = {e["created"]: (e.get("device"), e.get("inode")) for e in entries if isinstance(e.get("created"), str)}
    intended = {e["intend"] for e in entries if isinstance(e.get("intend"), str)}
    made = []
    for name in sorted(set(confirmed) | intended):
        path = directory / name
        if Path(name).name != name or path.is_symlink() or not path.is_file():
            continue
        found = path.stat()
        if confirmed.get(name) == (found.st_dev, found.st_ino) or (name not in confirmed and found.st_size == 0):
            made.append(path)
    return made
