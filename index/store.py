"""The sentence index: documents, sentences and BM25 in SQLite, sentence vectors beside it.

Layout of an index directory:
    index.sqlite    meta (format, model, vector generation, retired segment files), documents (text, date, pages),
                    sentences (id, document, offsets), lexical (FTS5 word index), delta (the
                    vectors of sentences added since the last compaction), tombstones (removed
                    sentences whose vectors are still in the base segment)
    ids-G.npy, vectors-G.npy [, ann-G.faiss]    the base segment of generation G (index/vectors.py)
An update is one SQLite transaction: it touches only the changed documents' rows, so an
interrupted update leaves the index as it was. When the delta and tombstones outgrow
COMPACT_SHARE of the base, the update writes the next generation's files first and switches
to them in the same transaction, recording the files of the generation left as retired; a later
writable open deletes those files (a reader may still be mapping them until then). Segment files
are only ever created new, so a file named like one that the index did not record is never touched
(index/vectors.py). Opening reads the vectors' ids and maps the vectors; document
texts are read when needed. `SentenceIndex.build` makes an index in memory (chat uploads, evaluation).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel

from qa.errors import IndexRebuildableError, IndexStoreError, UnknownDocumentError
from qa.index.blocks import Heading
from qa.index.documents import Document
from qa.index.embedder import Embedder
from qa.index.compaction import CompactionJournal, remove_abandoned
from qa.index.folders import (APPLICATION_ID, DATABASE, WRITER_LOCK, disk_full_error, foreign_entries, held_lock,
                              is_disk_full, is_index_database, is_old_json_index, replace_with_new, tidy_abandoned_builds)
from qa.index.lexical import LexicalTable
from qa.index.sentences import answerable_sentences
from qa.index.vectors import BaseSegment, Progress, SegmentWriter, VectorSet, free_generation

FORMAT_VERSION = 2
DOCUMENTS_CACHED = 256  # texts kept in memory between questions
EMBED_CHUNK = 64  # texts per call to the embedder: a question waits at most this many
COMPACT_MIN, COMPACT_SHARE = 10_000, 0.1  # compact when delta + tombstones > max(COMPACT_MIN, COMPACT_SHARE x base)
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents(doc_id TEXT PRIMARY KEY, text TEXT NOT NULL, date TEXT, body_start INTEGER NOT NULL,
                       page_starts TEXT NOT NULL, sha256 TEXT NOT NULL, date_source TEXT, headings TEXT);
CREATE TABLE sentences(id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE INDEX sentences_in_order ON sentences(doc_id, start);
CREATE TABLE delta(id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE tombstones(id INTEGER PRIMARY KEY);
"""


class SentenceRow(BaseModel, frozen=True):
    """One indexed sentence: its document and offsets."""

    doc_id: str
    start: int
    end: int


class EmbeddedDocument(NamedTuple):
    """A document ready to be written: its answerable sentences' (start, end) and their vectors, in order."""

    document: Document
    spans: list[tuple[int, int]]
    vectors: np.ndarray


class UpdateReport(BaseModel):
    """What an index build or update did."""

    embedded_documents: list[str]
    reused_documents: list[str]
    removed_documents: list[str]
    sentences: int


class SentenceIndex:
    """Documents, their answerable sentences, BM25 over them and their vectors. Thread-safe."""

    def __init__(self, db: sqlite3.Connection, vectors: VectorSet, directory: Path | None) -> None:
        self._db, self.vectors, self.directory = db, vectors, directory
        self._lock = threading.RLock()
        self._seen_version = db.execute("PRAGMA data_version").fetchone()[0]
        self._lexical = LexicalTable(db)
        self.model_identity = self._meta("model")
        self._documents: OrderedDict[str, Document] = OrderedDict()  # the last DOCUMENTS_CACHED read
        self.read_only = False
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
        self._date_source = "date_source" if "date_source" in columns else "NULL"  # indexes made before it: no source
        self._headings = "headings" if "headings" in columns else "NULL"  # indexes made before headings: none

    # ---- creating and opening ---------------------------------------------------------
    @classmethod
    def create(cls, model_identity: str, dimension: int, directory: Path | None = None) -> "SentenceIndex":
        """An empty index, in memory or in a new directory."""
        if directory is not None:
            Path(directory).mkdir(parents=True)
            _mark(Path(directory) / DATABASE)
        db = _connect(Path(directory) / DATABASE if directory else ":memory:")
        db.executescript(_SCHEMA)
        LexicalTable(db).create()
        meta = {"format_version": FORMAT_VERSION, "model": model_identity, "dimension": dimension, "generation": 0,
                "retired": [], "index_id": uuid.uuid4().hex}
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(key, json.dumps(value)) for key, value in meta.items()])
        empty = np.zeros(0, dtype=np.int64)
        return cls(db, VectorSet(BaseSegment.empty(dimension), empty, np.zeros((0, dimension)), empty), directory)

    @classmethod
    def build(cls, documents: list[Document], embedder: Embedder, previous: "SentenceIndex | None" = None,
              progress: Progress | None = None) -> tuple["SentenceIndex", UpdateReport]:
        """An index in memory of the documents, reusing `previous`'s vectors of those unchanged."""
        index = cls.create(embedder.identity, embedder.dimension)
        return index, index.update(documents, embedder, progress, previous)

    @classmethod
    def open(cls, directory: Path, expected_model: str | None = None) -> "SentenceIndex":
        """Open an index (read-only when its folder cannot be written); IndexRebuildableError (saying
        what to do) if it is missing, old, damaged or built with another model."""
        directory = Path(directory)
        rebuild = f"rebuild it with: qa index PATH --index {directory}"
        tidy_abandoned_builds(directory)
        if not (directory / DATABASE).is_file():
            if is_old_json_index(directory):
                raise IndexRebuildableError(f"index at {directory} was made by an earlier version (JSON files); {rebuild}")
            if foreign_entries(directory):
                raise IndexRebuildableError(f"no index at {directory}, a folder of other files; build one elsewhere: "
                                            f"qa index PATH --index {directory.with_name(directory.name + '-index')}")
            raise IndexRebuildableError(f"no index at {directory}; build one with: qa index PATH --index {directory}")
        if not is_index_database(directory / DATABASE):
            raise IndexRebuildableError(f"index at {directory} is damaged, or is not an index ({DATABASE} is not a database "
                                        f"this tool wrote); it is left as it is: move it away, or build elsewhere with: "
                                        f"qa index PATH --index {directory.with_name(directory.name + '-index')}")
        read_only = not (os.access(directory, os.W_OK) and os.access(directory / DATABASE, os.W_OK))
        try:
            db = _connect(directory / DATABASE, read_only)
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            version = json.loads(meta.get("format_version", "null"))
            if version != FORMAT_VERSION:
                raise IndexRebuildableError(f"index at {directory} has format {version}, this version reads {FORMAT_VERSION}; {rebuild}")
            model = json.loads(meta["model"])
            if expected_model is not None and model != expected_model:
                raise IndexRebuildableError(f"index at {directory} was built with model {model!r}, not "
                                            f"{expected_model!r}; pass that model or {rebuild}")
            dimension = json.loads(meta["dimension"])
            vectors, sentences = _stored_vectors(db, directory, None)
        except IndexStoreError:
            raise
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            if is_disk_full(error):
                raise disk_full_error(directory) from None
            raise IndexRebuildableError(f"index at {directory} is damaged ({type(error).__name__}: {error}); {rebuild}") from None
        if sentences != len(vectors) or vectors.dimension != dimension:
            raise IndexRebuildableError(f"index at {directory} is damaged (vectors and sentence table disagree); {rebuild}")
        if not read_only:
            _remove_retired_segments(db, directory)
            _add_columns(db)
            _add_identity(db)
            _remove_abandoned_compaction(directory)
        index = cls(db, vectors, directory)
        index.read_only = read_only
        return index

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- updating ---------------------------------------------------------------------
    def update(self, documents: list[Document], embedder: Embedder, progress: Progress | None = None,
               previous: "SentenceIndex | None" = None) -> UpdateReport:
        """Make the index hold exactly these documents: unchanged ones are kept, changed and new ones
        embedded (or their vectors taken from `previous`, when it holds the same text), missing ones removed."""
        with self._writing():
            held = self._stored_hashes()
            wanted = {doc.doc_id: doc for doc in documents}
            changed = [doc for doc in wanted.values()  # new headings are new indexed texts: read again
                       if held.get(doc.doc_id, ("",))[0] != doc.sha256 or held[doc.doc_id][3] != _headings_json(doc)]
            changed_ids = {doc.doc_id for doc in changed}
            redated = [doc for doc in wanted.values() if doc.doc_id not in changed_ids and doc.doc_id in held
                       and held[doc.doc_id][1:3] != (doc.date, doc.date_source)]
            report = self._apply(changed, sorted(set(held) - set(wanted)), embedder, progress, previous, redated)
        report.reused_documents = sorted(set(report.reused_documents) | (set(wanted) - {doc.doc_id for doc in changed}))
        return report

    def stream_in(self, embedded: Iterable[EmbeddedDocument], progress: Progress | None = None) -> UpdateReport:
        """Fill this new, empty index folder from documents arriving in order with their vectors, one at a
        time: rows go to SQLite in one transaction, vectors straight into the first base segment's file
        (for a small index, into the delta table), so memory never holds the corpus. The result is the
        index `update` makes of the same documents."""
        if self.directory is None or self.document_ids():
            raise ValueError("stream_in fills a new, empty index folder")
        segment = SegmentWriter(self.directory, free_generation(self.directory, 0), self.vectors.dimension)
        db, ids, names = self._db, array("q"), []
        db.execute("BEGIN IMMEDIATE")
        try:
            for document, spans, vectors in embedded:
                db.execute(f"INSERT INTO documents({_DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _document_row(document))
                new_ids = [db.execute("INSERT INTO sentences(doc_id, start, end) VALUES (?, ?, ?)",
                                      (document.doc_id, start, end)).lastrowid for start, end in spans]
                self._lexical.add([(n, document.indexed_text(start, end)) for n, (start, end) in zip(new_ids, spans)])
                segment.append(vectors)
                ids.extend(new_ids)
                names.append(document.doc_id)
            if segment.count > COMPACT_MIN:  # where an update's compaction would put them
                segment.finish(np.frombuffer(ids, dtype=np.int64), progress)
                db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (json.dumps(segment.generation),))
            else:
                matrix = segment.rows(0, segment.count)
                segment.discard()
                db.executemany("INSERT INTO delta VALUES (?, ?)", [(n, v.tobytes()) for n, v in zip(ids, matrix)])
            if progress:
                progress("saving", 0, 1)
            db.execute("COMMIT")
        except BaseException as error:
            segment.discard()
            if db.in_transaction:
                db.execute("ROLLBACK")
            if is_disk_full(error):
                raise disk_full_error(self.directory) from None
            raise
        self.vectors, _ = _stored_vectors(db, self.directory, None)
        return UpdateReport(embedded_documents=sorted(names), reused_documents=[], removed_documents=[], sentences=len(self))

    def apply(self, documents: list[Document], removed: list[str], embedder: Embedder,
              progress: Progress | None = None, previous: "SentenceIndex | None" = None) -> UpdateReport:
        """Add or replace these documents and remove those named, in one transaction; nothing else is touched."""
        with self._writing():
            return self._apply(documents, removed, embedder, progress, previous)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Exclude every other writer of this index for the whole update (compare, embed, write), and
        start from what the last one committed."""
        if self.read_only:
            raise IndexStoreError(f"index at {self.directory} is read-only (no permission to write it); "
                                  f"copy it to a folder you can write, or ask its owner to update it")
        waiting = f"{self.directory} is being updated by another process"
        with held_lock(self.directory / WRITER_LOCK, waiting) if self.directory is not None else nullcontext():
            if self.directory is not None:
                remove_abandoned(self.directory)  # a killed compaction's files
            self.refresh()
            yield

    def _apply(self, documents: list[Document], removed: list[str], embedder: Embedder,
               progress: Progress | None, previous: "SentenceIndex | None",
               redated: list[Document] = ()) -> UpdateReport:
        if previous is not None and previous.model_identity != embedder.identity:
            previous = None
        new_rows: list[tuple[str, int, int]] = []
        vectors: list[np.ndarray | None] = []
        to_embed: list[str] = []
        reused = []
        for doc in documents:
            copied = previous._vectors_of(doc) if previous is not None else None
            if copied is not None:
                reused.append(doc.doc_id)
            for number, span in enumerate(answerable_sentences(doc.text, doc.body_start)):
                new_rows.append((doc.doc_id, span.start, span.end))
                vectors.append(copied[number] if copied is not None else None)
                if copied is None:
                    to_embed.append(doc.indexed_text(span.start, span.end))
        fresh = iter(embed_in_batches(to_embed, embedder, progress))
        matrix = np.array([v if v is not None else next(fresh) for v in vectors], dtype=np.float32).reshape(-1, embedder.dimension)
        with self._lock:
            self._write(documents, removed, new_rows, matrix, list(redated))
        return UpdateReport(embedded_documents=sorted(doc.doc_id for doc in documents if doc.doc_id not in reused),
                            reused_documents=sorted(reused), removed_documents=sorted(removed), sentences=len(self))

    def _write(self, changed: list[Document], removed: list[str], new_rows: list[tuple[str, int, int]], matrix: np.ndarray,
               redated: list[Document] = ()) -> None:
        """One transaction: old sentences of changed and removed documents out, the new ones in, and
        the new dates of documents whose text is unchanged."""
        db, fresh_files = self._db, []
        db.execute("BEGIN IMMEDIATE")
        try:
            gone_docs = sorted(set(removed) | {doc.doc_id for doc in changed})
            gone = self._sentences_of(gone_docs)
            self._lexical.remove([(n, text) for n, text in gone])
            gone_ids = [n for n, _ in gone]
            db.executemany("DELETE FROM sentences WHERE id = ?", [(n,) for n in gone_ids])
            db.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in gone_docs])
            db.executemany(f"INSERT INTO documents({_DOCUMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [_document_row(d) for d in changed])
            db.executemany("UPDATE documents SET date = ?, date_source = ? WHERE doc_id = ?",
                           [(d.date, d.date_source, d.doc_id) for d in redated])
            new_ids = [db.execute("INSERT INTO sentences(doc_id, start, end) VALUES (?, ?, ?)", row).lastrowid for row in new_rows]
            written = {d.doc_id: d for d in changed}
            self._lexical.add([(n, written[d].indexed_text(s, e)) for n, (d, s, e) in zip(new_ids, new_rows)])
            if not self._lexical.is_current():  # made by an earlier version: its word index is remade
                self._lexical.remake(self._every_sentence())
            vectors = self.vectors.changed(gone_ids, new_ids, matrix)
            if self.directory is not None and _needs_compaction(vectors):
                vectors = self._compact(vectors, fresh_files)
            else:
                db.executemany("DELETE FROM delta WHERE id = ?", [(n,) for n in gone_ids])
                db.executemany("INSERT INTO delta VALUES (?, ?)", [(n, v.tobytes()) for n, v in zip(new_ids, matrix)])
                db.executemany("INSERT OR IGNORE INTO tombstones VALUES (?)", [(n,) for n in gone_ids if self.vectors.base.contains(n)])
            db.execute("COMMIT")
        except BaseException as error:
            if db.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                db.execute("ROLLBACK")
            for path in reversed(fresh_files):  # the files the rolled-back compaction created (its journal last), only those
                path.unlink(missing_ok=True)
            if is_disk_full(error):
                raise disk_full_error(self.directory) from None
            raise
        for path in fresh_files[:1]:  # committed: the compaction's journal has done its work
            path.unlink(missing_ok=True)
        self.vectors = vectors
        self._documents.clear()

    def _compact(self, vectors: VectorSet, made: list[Path]) -> VectorSet:
        """Write every live vector as a new generation's base segment, numbered so that no file in the
        folder has its names, and switch to it inside the open transaction. The files written go into
        `made` (removed if the transaction fails); those of the segment left are recorded as retired."""
        generation = free_generation(self.directory, vectors.base.generation)
        ids, matrix = vectors.live()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'index_id'").fetchone()
        if row is None:  # an index that could not be given its id when opened: one now, committed with the switch
            row = (json.dumps(uuid.uuid4().hex),)
            self._db.execute("INSERT INTO meta VALUES ('index_id', ?)", row)
        journal = CompactionJournal(self.directory, generation, json.loads(row[0]))
        made.append(journal.path)
        made += BaseSegment.write(self.directory, generation, ids, matrix, journal)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'retired'").fetchone()
        retired = json.loads(row[0]) if row else []  # indexes made before retired files were recorded have none
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('retired', ?)", (json.dumps(retired + vectors.base.file_names()),))
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (json.dumps(generation),))
        self._db.execute("DELETE FROM delta")
        self._db.execute("DELETE FROM tombstones")
        empty = np.zeros(0, dtype=np.int64)
        return VectorSet(BaseSegment.read(self.directory, generation), empty, np.zeros((0, vectors.dimension)), empty)

    # ---- reading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Take in what another process (`qa index` on a served index) has committed since: the
        vectors live in memory, the rows in the database. Cheap when nothing changed."""
        with self._reading():
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._seen_version and self.directory is not None:
                self.vectors, _ = _stored_vectors(self._db, self.directory, self.vectors.base)
                self._documents.clear()
            self._seen_version = version

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """The index's lock, and any database error while reading said as one line: the index is damaged."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as error:
                if is_disk_full(error):
                    raise disk_full_error(self.directory) from None
                where = self.directory or "memory"
                raise IndexStoreError(f"index at {where} is damaged ({error}); rebuild it with: qa index PATH "
                                      f"--index {where}") from None

    def __len__(self) -> int:
        """The number of indexed sentences."""
        return len(self.vectors)

    def document_ids(self) -> list[str]:
        with self._reading():
            return [d for (d,) in self._db.execute("SELECT doc_id FROM documents ORDER BY rowid")]

    def document(self, doc_id: str) -> Document:
        """A stored document (UnknownDocumentError if there is none of that id)."""
        with self._reading():
            if doc_id in self._documents:
                self._documents.move_to_end(doc_id)
                return self._documents[doc_id]
            found = self._db.execute(f"SELECT text, date, body_start, page_starts, {self._date_source}, {self._headings} FROM documents "
                                     "WHERE doc_id = ?", (doc_id,)).fetchone()
            if found is None:
                known = self.document_ids()
                raise UnknownDocumentError(f"unknown document {doc_id!r}; known: {', '.join(known[:20]) or 'none'}"
                                           + (f" and {len(known) - 20} more" if len(known) > 20 else ""))
            text, date, body_start, page_starts, date_source, headings = found
            self._documents[doc_id] = Document(doc_id=doc_id, text=text, date=date, date_source=date_source,
                                               headings=_headings_of(headings),
                                               body_start=body_start, page_starts=json.loads(page_starts))
            if len(self._documents) > DOCUMENTS_CACHED:
                self._documents.popitem(last=False)
            return self._documents[doc_id]

    def rows(self, sentence_ids: list[int]) -> dict[int, SentenceRow]:
        """The rows of those ids that are indexed (an id another process just removed is left out)."""
        with self._reading():
            found = self._db.execute(f"SELECT id, doc_id, start, end FROM sentences WHERE id IN ({','.join('?' * len(sentence_ids))})",
                                     sentence_ids).fetchall()
        return {n: SentenceRow(doc_id=d, start=s, end=e) for n, d, s, e in found}

    def row(self, sentence_id: int) -> SentenceRow:
        with self._reading():
            doc_id, start, end = self._db.execute("SELECT doc_id, start, end FROM sentences WHERE id = ?", (sentence_id,)).fetchone()
        return SentenceRow(doc_id=doc_id, start=start, end=end)

    def sentence_text(self, sentence_id: int) -> str:
        row = self.row(sentence_id)
        return self.document(row.doc_id).text[row.start : row.end]

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(sentence id, cosine similarity) of the k nearest sentences, best first."""
        return self.vectors.search(query_vector, k)

    def lexical_search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(sentence id, BM25 score) of the k sentences whose words best match the question."""
        with self._reading():
            return self._lexical.search(question, k)

    def similarity(self, query_vector: np.ndarray, sentence_id: int) -> float:
        """Cosine similarity of the query and one indexed sentence."""
        return float(self.vectors.vector(sentence_id) @ query_vector)

    def neighbours(self, sentence_id: int, width: int) -> list[int]:
        """Ids of the sentence and up to `width` sentences either side in its document, in order."""
        row = self.row(sentence_id)
        with self._reading():
            before = self._db.execute("SELECT id FROM sentences WHERE doc_id = ? AND start < ? ORDER BY start DESC LIMIT ?",
                                      (row.doc_id, row.start, width)).fetchall()
            after = self._db.execute("SELECT id FROM sentences WHERE doc_id = ? AND start > ? ORDER BY start LIMIT ?",
                                     (row.doc_id, row.start, width)).fetchall()
        return [n for (n,) in reversed(before)] + [sentence_id] + [n for (n,) in after]

    def rows_overlapping(self, doc_id: str, start: int, end: int) -> list[tuple[int, SentenceRow]]:
        """(id, row) of the document's sentences that overlap [start, end) (a point when start == end), in order."""
        with self._reading():
            found = self._db.execute("SELECT id, start, end FROM sentences WHERE doc_id = ? AND start < ? AND end > ? ORDER BY start",
                                     (doc_id, max(end, start + 1), start)).fetchall()
        return [(n, SentenceRow(doc_id=doc_id, start=s, end=e)) for n, s, e in found]

    # ---- helpers ----------------------------------------------------------------------
    def _meta(self, key: str):
        with self._reading():
            return json.loads(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def _stored_hashes(self) -> dict[str, tuple[str, str | None, str | None, str | None]]:
        """(sha256, date, date source, headings as stored) of every stored document."""
        with self._reading():
            return {d: (sha, date, source, headings) for d, sha, date, source, headings in
                    self._db.execute(f"SELECT doc_id, sha256, date, {self._date_source}, {self._headings} FROM documents")}

    def _sentences_of(self, doc_ids: list[str]) -> list[tuple[int, str]]:
        """(id, text as word-indexed: `Document.indexed_text`) of every sentence of these documents."""
        found = []
        for doc_id in doc_ids:
            stored = self._db.execute(f"SELECT text, {self._headings} FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            text, headings = stored if stored else ("", None)
            document = Document(doc_id=doc_id, text=text, headings=_headings_of(headings))
            found += [(n, document.indexed_text(s, e))
                      for n, s, e in self._db.execute("SELECT id, start, end FROM sentences WHERE doc_id = ?", (doc_id,))]
        return found

    def _every_sentence(self) -> Iterator[tuple[int, str]]:
        """(id, text) of every stored sentence, one document at a time."""
        for doc_id in self.document_ids():
            yield from self._sentences_of([doc_id])

    def _vectors_of(self, document: Document) -> np.ndarray | None:
        """This index's vectors of the document's sentences, in order, if it holds the same text."""
        with self._reading():
            held = self._db.execute(f"SELECT sha256, {self._headings} FROM documents WHERE doc_id = ?", (document.doc_id,)).fetchone()
            if held is None or held != (document.sha256, _headings_json(document)):
                return None
            ids = [n for (n,) in self._db.execute("SELECT id FROM sentences WHERE doc_id = ? ORDER BY start", (document.doc_id,))]
        return np.array([self.vectors.vector(n) for n in ids], dtype=np.float32).reshape(len(ids), self.vectors.dimension)


def _stored_vectors(db: sqlite3.Connection, directory: Path, base: BaseSegment | None) -> tuple[VectorSet, int]:
    """The vector state the database describes, read in one snapshot, and its sentence count
    (`base` is reused when it is the generation in use)."""
    db.execute("BEGIN")
    try:
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('dimension', 'generation')").fetchall())
        dimension, generation = json.loads(meta["dimension"]), json.loads(meta["generation"])
        if base is None or base.generation != generation:
            base = BaseSegment.read(directory, generation) if generation else BaseSegment.empty(dimension)
        delta = db.execute("SELECT id, vector FROM delta ORDER BY id").fetchall()
        dead = [i for (i,) in db.execute("SELECT id FROM tombstones")]
        sentences = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    finally:
        db.execute("COMMIT")
    matrix = np.frombuffer(b"".join(v for _, v in delta), dtype=np.float32).reshape(len(delta), dimension)
    return VectorSet(base, np.array([i for i, _ in delta], dtype=np.int64), matrix, np.array(dead, dtype=np.int64)), sentences


def _connect(path: Path | str, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit). A read-only index is opened
    immutable: SQLite could not otherwise read a WAL database it cannot write beside."""
    if read_only:
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?immutable=1", uri=True, check_same_thread=False,
                               isolation_level=None)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    if path != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    return db


def _mark(path: Path) -> None:
    """Create the database file with the project's mark in its header, before WAL mode keeps changes aside."""
    db = sqlite3.connect(str(path), isolation_level=None)
    try:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    finally:
        db.close()


def _add_identity(db: sqlite3.Connection) -> None:
    """Indexes made before they were marked gain the mark and a random id (what a compaction journal names)."""
    try:
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute("INSERT OR IGNORE INTO meta VALUES ('index_id', ?)", (json.dumps(uuid.uuid4().hex),))
    except sqlite3.OperationalError:
        pass  # busy: a later open adds them


def _remove_abandoned_compaction(directory: Path) -> None:
    """Remove what a killed compaction left, unless another process is writing the index right now."""
    try:
        with held_lock(directory / WRITER_LOCK):
            remove_abandoned(directory)
    except IndexStoreError:
        pass  # being written: its writer removes them


def _needs_compaction(vectors: VectorSet) -> bool:
    pending = len(vectors.delta_ids) + len(vectors.dead)
    return pending > max(COMPACT_MIN, COMPACT_SHARE * len(vectors.base.ids))


_DOCUMENT_COLUMNS = "doc_id, text, date, body_start, page_starts, sha256, date_source, headings"


def _document_row(document: Document) -> tuple:
    return (document.doc_id, document.text, document.date, document.body_start, json.dumps(document.page_starts),
            document.sha256, document.date_source, _headings_json(document))


def _headings_json(document: Document) -> str | None:
    """The document's headings as stored: [[start, end, level], ...], an aside one [start, end, level, 1];
    None (as indexes before headings hold) for none."""
    return json.dumps([[h.start, h.end, h.level] + ([1] if h.aside else []) for h in document.headings]) \
        if document.headings else None


def _headings_of(stored: str | None) -> list[Heading]:
    return [Heading(start=s, end=e, level=n, aside=bool(aside)) for s, e, n, *aside in json.loads(stored or "[]")]


def _add_columns(db: sqlite3.Connection) -> None:
    """Indexes made before dates had sources, or before headings, gain those columns (empty) the first time
    they are opened writable."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    for column in ("date_source", "headings"):
        if column not in columns:
            try:
                db.execute(f"ALTER TABLE documents ADD COLUMN {column} TEXT")
            except sqlite3.OperationalError:
                pass  # another process added it first, or the database is busy: read it as it is


def _remove_retired_segments(db: sqlite3.Connection, directory: Path) -> None:
    """Delete the files of the segments this index has switched away from, as recorded by name.
    Nothing else: a file named like a segment that the index never recorded (a user's, or one a
    killed compaction left) is not known to be the index's."""
    row = db.execute("SELECT value FROM meta WHERE key = 'retired'").fetchone()
    retired = json.loads(row[0]) if row else []
    if not retired:
        return
    for name in retired:
        if Path(name).name == name:  # a bare file name in this folder, as `_compact` records them
            (directory / name).unlink(missing_ok=True)
    try:  # only if no compaction recorded another meanwhile
        db.execute("UPDATE meta SET value = '[]' WHERE key = 'retired' AND value = ?", (row[0],))
    except sqlite3.OperationalError:
        pass  # busy: a later open clears it (its files are gone already)


def create_in_place(directory: Path, model_identity: str, dimension: int,
                    fill: Callable[[SentenceIndex], UpdateReport]) -> tuple[SentenceIndex, UpdateReport]:
    """A new index at `directory`, filled in a staging folder that replaces what is there only when
    complete, and only when what is there is an index (index/folders.py)."""
    def build(folder: Path) -> UpdateReport:
        index = SentenceIndex.create(model_identity, dimension, folder)
        try:
            return fill(index)
        finally:
            index.close()

    report = replace_with_new(Path(directory), build)
    return SentenceIndex.open(directory, model_identity), report


def embed_in_batches(texts: list[str], embedder: Embedder, progress: Progress | None) -> np.ndarray:
    """Vectors of the texts, in their order. They are embedded longest first, EMBED_CHUNK at a time, so
    each batch holds texts of similar length (little padding) and a waiting question gets its turn soon."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for begin in range(0, len(order), EMBED_CHUNK):
        chunk = order[begin : begin + EMBED_CHUNK]
        vectors[chunk] = embedder.encode([texts[i] for i in chunk])
        if progress:
            progress("embedding", begin + len(chunk), len(texts))
    if progress and not texts:
        progress("embedding", 0, 0)
    return vectors
