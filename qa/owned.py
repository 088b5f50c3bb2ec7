"""Files the project wrote itself, recognised before it replaces them: anything else is the user's.

The tools that write reports and weights (`qa.eval.calibrate`, `qa.eval.squad_eval --out`,
`qa.reader.train`) replace an existing file only when it is one such a tool wrote, told by the
keys its JSON holds; otherwise they stop before any work and leave it as it is. The tools that make
a reader folder from others (`qa.reader.transfer`, `qa.reader.interpolate`) write only into a new or
empty one (`new_folder`). Benchmarks fill and empty only a `--work` folder they made and marked
(`work_folder`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def written_json(path: Path, keys: tuple[str, ...]) -> bool:
    """Is `path` a plain file holding a JSON object with all of `keys` (a file a tool of ours wrote)?"""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(found, dict) and all(key in found for key in keys)


def new_folder(folder: Path) -> None:
    """Make `folder`, or take it when empty; stop (SystemExit) when it holds anything (never replace what is there)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SystemExit(f"{folder} is not an empty folder; nothing was changed: give a new one")
    folder.mkdir(parents=True, exist_ok=True)


def check_replaceable_json(path: Path, keys: tuple[str, ...], option: str) -> None:
    """Stop (SystemExit) unless `path` is missing or is a JSON file of ours (`written_json`)."""
    if (path.exists() or path.is_symlink()) and not written_json(path, keys):
        raise SystemExit(f"{option} {path}: that file was not written by this tool and is left as it is; "
                         f"choose another path")


def replace_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write `path` through a fresh temporary file beside it, then rename it into place: a run killed
    midway keeps the previous file, and the temporary name never overwrites another file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}-", delete=False) as partial:
        try:
            write(partial)
        except BaseException:
            partial.close()
            os.unlink(partial.name)
            raise
    os.replace(partial.name, path)


WORK_MARKER = ".qa-work"  # marks a benchmark's --work folder as made by the project


def work_folder(path: Path, option: str = "--work") -> Path:
    """`path` as a folder a benchmark may fill and empty again: made and marked now when missing or
    empty; one already holding anything is taken only when an earlier run marked it (SystemExit else)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise SystemExit(f"{option} {path} is not a folder; it is left as it is: give a new or empty folder")
    if path.is_dir() and any(path.iterdir()) and not (path / WORK_MARKER).is_file():
        raise SystemExit(f"{option} {path} holds files the project did not make; they are left as they are: "
                         f"give a new or empty folder")
    path.mkdir(parents=True, exist_ok=True)
    (path / WORK_MARKER).write_text("made by a qa-assistant benchmark: its contents are replaced by the next run\n",
                                    encoding="utf-8")
    return path
