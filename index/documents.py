"""Documents: read a folder of .txt / .md files (or a mapping) into typed records.

Offsets everywhere index into the text exactly as read with UTF-8, unchanged. A first line
such as `date 2022-01-28 ...` is metadata: its date is kept and its line is never indexed.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

from pydantic import BaseModel

from qa.errors import CorpusError

SUFFIXES = (".txt", ".md")
MAX_DOCUMENT_BYTES = 5_000_000
_METADATA_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[^\n]*(?:\n|\Z)")


class Document(BaseModel, frozen=True):
    """A document's full text, its id, and where its indexable body begins."""

    doc_id: str
    text: str
    date: str | None = None
    body_start: int = 0

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class SkippedFile(BaseModel, frozen=True):
    """A file that was not indexed, and why."""

    doc_id: str
    reason: str


def make_document(doc_id: str, text: str) -> Document:
    """A Document, with a leading `date YYYY-MM-DD` line recognised as metadata."""
    metadata = _METADATA_LINE.match(text)
    if not metadata:
        return Document(doc_id=doc_id, text=text)
    return Document(doc_id=doc_id, text=text, date=metadata.group(1), body_start=metadata.end())


def read_document(path: Path, doc_id: str) -> Document:
    """Read one file strictly as UTF-8 text; raise CorpusError saying why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise CorpusError(f"{doc_id}: {size / 1e6:.1f} MB is over the {MAX_DOCUMENT_BYTES / 1e6:.0f} MB limit")
        raw = path.read_bytes()
    except OSError as error:
        raise CorpusError(f"{doc_id}: cannot be read ({error.strerror or error})") from None
    if b"\x00" in raw:
        raise CorpusError(f"{doc_id}: looks binary, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorpusError(f"{doc_id}: not UTF-8 text; convert it to UTF-8") from None
    if not text.strip():
        raise CorpusError(f"{doc_id}: empty")
    return make_document(doc_id, text)


def load_documents(paths: list[Path]) -> tuple[list[Document], list[SkippedFile]]:
    """Documents under the given folders or files (ids relative to the folder given).

    Unusable files are skipped with a warning; it is an error only when nothing is usable.
    """
    documents: dict[str, Document] = {}
    skipped = []
    for root in paths:
        root = Path(root)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            named = [(file, file.relative_to(root).as_posix()) for file in files]
        elif root.is_file():
            named = [(root, root.name)]
        else:
            raise CorpusError(f"{root}: no such file or folder")
        for file, doc_id in named:
            try:
                documents[doc_id] = read_document(file, doc_id)
            except CorpusError as error:
                skipped.append(SkippedFile(doc_id=doc_id, reason=str(error)))
                warnings.warn(f"skipped {error}", stacklevel=2)
    if not documents:
        where = ", ".join(str(p) for p in paths)
        raise CorpusError(f"no readable .txt or .md document in {where}; add UTF-8 text files and index again")
    return list(documents.values()), skipped
