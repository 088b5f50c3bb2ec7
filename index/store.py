"""The sentence index: FAISS vectors plus the sentence table, persisted in one directory.

Layout of an index directory:
    manifest.json   format version, embedding model identity, counts
    documents.json  {doc_id: {text, date, body_start, page_starts}}  (answers are cut from these texts)
    sentences.json  [[doc_id, start, end], ...]          row i <-> vector i
    vectors.faiss   inner-product index over unit vectors (cosine similarity)
Writes go to a temporary sibling directory (`.NAME.saving-*`) that replaces the old one only
when complete, so an interrupted update loses nothing. What a killed save leaves behind is
tidied by the next save or load: a complete `NAME.old` with no `NAME` is put back, stale
staging folders are removed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from qa.errors import IndexStoreError, UnknownDocumentError
from qa.index.documents import Document
from qa.index.embedder import Embedder
from qa.index.lexical import LexicalIndex
from qa.index.sentences import answerable_sentences

FORMAT_VERSION = 1
STALE_STAGING_SECONDS = 600  # a staging folder this old belongs to no running save
EMBED_CHUNK = 64  # texts per call to the embedder: a question waits at most this many


class Manifest(BaseModel):
    """manifest.json, checked strictly: a format version written as "1" is damage, not version 1."""

    model_config = ConfigDict(strict=True)
    format_version: int
    model: str
    documents: int = Field(ge=0)
    sentences: int = Field(ge=0)


class StoredDocument(BaseModel):
    """One entry of documents.json."""

    model_config = ConfigDict(strict=True)
    text: str
    date: str | None = None
    body_start: int = Field(default=0, ge=0)
    page_starts: list[int] = []


_DOCUMENTS = TypeAdapter(dict[str, StoredDocument])
_ROWS = TypeAdapter(list[tuple[str, int, int]], config=ConfigDict(strict=True))


class SentenceRow(BaseModel, frozen=True):
    """One indexed sentence: where it is, and its position in the document's sentence list."""

    doc_id: str
    start: int
    end: int


class UpdateReport(BaseModel):
    """What an index build or update did."""

    embedded_documents: list[str]
    reused_documents: list[str]
    removed_documents: list[str]
    sentences: int


class SentenceIndex:
    """Documents, their answerable sentences, and a FAISS index over the sentence vectors."""

    def __init__(self, model_identity: str, documents: dict[str, Document], rows: list[SentenceRow], vectors: faiss.Index):
        self.model_identity = model_identity
        self.documents = documents
        self.rows = rows
        self.vectors = vectors
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()
        self._rows_by_doc: dict[str, list[int]] = {}
        for number, row in enumerate(rows):
            self._rows_by_doc.setdefault(row.doc_id, []).append(number)

    # ---- building -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        documents: list[Document],
        embedder: Embedder,
        previous: "SentenceIndex | None" = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple["SentenceIndex", UpdateReport]:
        """Index the documents, reusing vectors of documents unchanged since `previous`."""
        if previous is not None and previous.model_identity != embedder.identity:
            previous = None
        reusable = {
            doc.doc_id
            for doc in documents
            if previous is not None and doc.doc_id in previous.documents and previous.documents[doc.doc_id].text == doc.text
        }
        rows: list[SentenceRow] = []
        vector_parts: list[np.ndarray] = []
        to_embed: list[tuple[int, str]] = []  # (row number, text)
        for doc in documents:
            if doc.doc_id in reusable:
                numbers = previous._rows_by_doc.get(doc.doc_id, [])
                rows += [previous.rows[n] for n in numbers]
                vector_parts.append(_reconstruct(previous.vectors, numbers))
                continue
            for span in answerable_sentences(doc.text, doc.body_start):
                to_embed.append((len(rows), doc.text[span.start : span.end]))
                rows.append(SentenceRow(doc_id=doc.doc_id, start=span.start, end=span.end))
                vector_parts.append(None)  # placeholder, filled below
        embedded = _embed_in_batches([text for _, text in to_embed], embedder, progress)
        matrix = _assemble(vector_parts, embedded, embedder)
        vectors = faiss.IndexFlatIP(matrix.shape[1])
        vectors.add(matrix)
        index = cls(embedder.identity, {doc.doc_id: doc for doc in documents}, rows, vectors)
        report = UpdateReport(
            embedded_documents=sorted(doc.doc_id for doc in documents if doc.doc_id not in reusable),
            reused_documents=sorted(reusable),
            removed_documents=sorted(set(previous.documents) - set(index.documents)) if previous else [],
            sentences=len(rows),
        )
        return index, report

    # ---- reading --------------------------------------------------------------------
    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(row number, cosine similarity) of the k nearest sentences, best first."""
        if not self.rows:
            return []
        scores, numbers = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), min(k, len(self.rows)))
        return [(int(n), float(s)) for n, s in zip(numbers[0], scores[0]) if n >= 0]

    @property
    def lexical(self) -> LexicalIndex:
        """BM25 over the sentences, built on first use."""
        with self._lexical_lock:
            if self._lexical is None:
                self._lexical = LexicalIndex([self.sentence_text(n) for n in range(len(self.rows))])
            return self._lexical

    def similarity(self, query_vector: np.ndarray, row_number: int) -> float:
        """Cosine similarity of the query and one indexed sentence."""
        return float(self.vectors.reconstruct(row_number) @ query_vector)

    def document(self, doc_id: str) -> Document:
        if doc_id not in self.documents:
            raise UnknownDocumentError(f"unknown document {doc_id!r}; known: {', '.join(sorted(self.documents)) or 'none'}")
        return self.documents[doc_id]

    def neighbours(self, row_number: int, width: int) -> list[int]:
        """Row numbers of the sentence and up to `width` sentences either side, same document."""
        numbers = self._rows_by_doc[self.rows[row_number].doc_id]
        position = numbers.index(row_number)
        return numbers[max(0, position - width) : position + width + 1]

    def rows_overlapping(self, doc_id: str, start: int, end: int) -> list[int]:
        """Row numbers of the document's sentences that overlap [start, end) (a point when start == end)."""
        end = max(end, start + 1)
        return [n for n in self._rows_by_doc.get(doc_id, []) if self.rows[n].start < end and start < self.rows[n].end]

    def sentence_text(self, row_number: int) -> str:
        row = self.rows[row_number]
        return self.documents[row.doc_id].text[row.start : row.end]

    # ---- persistence ----------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write atomically: the old index stays until the new one is complete."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        _tidy_after_killed_save(directory)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.saving-", dir=directory.parent))
        try:
            manifest = {
                "format_version": FORMAT_VERSION,
                "model": self.model_identity,
                "documents": len(self.documents),
                "sentences": len(self.rows),
            }
            documents = {d.doc_id: {"text": d.text, "date": d.date, "body_start": d.body_start, "page_starts": d.page_starts}
                         for d in self.documents.values()}
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            (staging / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
            (staging / "sentences.json").write_text(json.dumps([[r.doc_id, r.start, r.end] for r in self.rows]), encoding="utf-8")
            faiss.write_index(self.vectors, str(staging / "vectors.faiss"))
            backup = directory.with_name(directory.name + ".old")
            if directory.exists():
                shutil.rmtree(backup, ignore_errors=True)
                directory.rename(backup)
            staging.rename(directory)
            shutil.rmtree(backup, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, expected_model: str | None = None) -> "SentenceIndex":
        """Read an index; IndexStoreError (saying what to do) if it is missing, damaged or foreign."""
        directory = Path(directory)
        rebuild = f"rebuild it with: qa index PATH --index {directory}"
        _tidy_after_killed_save(directory)
        if not (directory / "manifest.json").is_file():
            raise IndexStoreError(f"no index at {directory}; build one with: qa index PATH --index {directory}")
        try:
            raw_manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            version = raw_manifest.get("format_version") if isinstance(raw_manifest, dict) else None
            if type(version) is int and version != FORMAT_VERSION:
                raise IndexStoreError(f"index at {directory} has format {version}, this version reads {FORMAT_VERSION}; {rebuild}")
            manifest = Manifest.model_validate(raw_manifest)
            if expected_model is not None and manifest.model != expected_model:
                raise IndexStoreError(f"index at {directory} was built with model {manifest.model!r}, not "
                                      f"{expected_model!r}; pass that model or {rebuild}")
            stored = _DOCUMENTS.validate_json((directory / "documents.json").read_bytes())
            documents = {doc_id: Document(doc_id=doc_id, **fields.model_dump()) for doc_id, fields in stored.items()}
            rows = [SentenceRow(doc_id=d, start=s, end=e) for d, s, e in _ROWS.validate_json((directory / "sentences.json").read_bytes())]
            vectors = faiss.read_index(str(directory / "vectors.faiss"))
        except IndexStoreError:
            raise
        except ValidationError as error:
            where = ".".join(str(part) for part in error.errors()[0]["loc"])
            raise IndexStoreError(f"index at {directory} is damaged (unexpected content at {where or 'top level'}: "
                                  f"{error.errors()[0]['msg']}); {rebuild}") from None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise IndexStoreError(f"index at {directory} is damaged ({type(error).__name__}); {rebuild}") from None
        problem = _inconsistency(documents, rows, vectors)
        if problem:
            raise IndexStoreError(f"index at {directory} is damaged ({problem}); {rebuild}")
        return cls(manifest.model, documents, rows, vectors)


def _inconsistency(documents: dict[str, Document], rows: list[SentenceRow], vectors: faiss.Index) -> str | None:
    """What makes the loaded parts disagree, or None."""
    if vectors.ntotal != len(rows):
        return "vectors and sentence table disagree"
    for row in rows:
        if row.doc_id not in documents:
            return f"a sentence of unknown document {row.doc_id!r}"
        if not 0 <= row.start < row.end <= len(documents[row.doc_id].text):
            return f"sentence offsets {row.start}..{row.end} outside document {row.doc_id!r}"
    for doc in documents.values():
        if doc.body_start > len(doc.text):
            return f"document {doc.doc_id!r}'s body starts after its end"
        if doc.page_starts != sorted(doc.page_starts) or any(not 0 <= p <= len(doc.text) for p in doc.page_starts):
            return f"document {doc.doc_id!r}'s pages are out of order or outside its text"
    return None


def _tidy_after_killed_save(directory: Path) -> None:
    """Put back `NAME.old` when a save died between its two renames; remove what dead saves left."""
    backup = directory.with_name(directory.name + ".old")
    if backup.is_dir():
        if not (directory / "manifest.json").is_file() and (backup / "manifest.json").is_file():
            shutil.rmtree(directory, ignore_errors=True)
            backup.rename(directory)
        else:
            shutil.rmtree(backup, ignore_errors=True)
    if directory.parent.is_dir():
        for staging in directory.parent.glob(f".{directory.name}.*"):
            if staging.is_dir() and time.time() - staging.stat().st_mtime > STALE_STAGING_SECONDS:
                shutil.rmtree(staging, ignore_errors=True)


def _reconstruct(vectors: faiss.Index, numbers: list[int]) -> np.ndarray:
    if not numbers:
        return np.zeros((0, vectors.d), dtype=np.float32)
    return np.vstack([vectors.reconstruct(n) for n in numbers]).astype(np.float32)


def _embed_in_batches(texts: list[str], embedder: Embedder, progress: Callable[[int, int], None] | None) -> np.ndarray:
    """Vectors of the texts, in their order. They are embedded longest first, EMBED_CHUNK at a time, so
    each batch holds texts of similar length (little padding) and a waiting question gets its turn soon."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for begin in range(0, len(order), EMBED_CHUNK):
        chunk = order[begin : begin + EMBED_CHUNK]
        vectors[chunk] = embedder.encode([texts[i] for i in chunk])
        if progress:
            progress(begin + len(chunk), len(texts))
    if progress and not texts:
        progress(0, 0)
    return vectors


def _assemble(parts: list[np.ndarray | None], embedded: np.ndarray, embedder: Embedder) -> np.ndarray:
    """Reused blocks and freshly embedded rows (placeholders, in order) as one matrix."""
    fresh = iter(embedded)
    rows = [block if block is not None else next(fresh)[None, :] for block in parts]
    rows = [block for block in rows if len(block)]
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, embedder.dimension), dtype=np.float32)
