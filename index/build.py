"""The streaming build: a new index written as its documents are read, split and embedded, batch by
batch, so a build's memory does not grow with the corpus.

Documents flow in order: read (one file at a time), split into answerable sentences, embedded
STREAM_SENTENCES at a time, and written at once by `SentenceIndex.stream_in` into a staging folder
that replaces the index only when complete (index/folders.py): an interrupted build leaves the
previous index as it was, and the next build starts again cleanly. The embedding runs here
(`embedded_documents`) or on a Ray cluster (index/distributed.py); both give the same index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from qa.errors import CorpusError
from qa.index.documents import Document
from qa.index.embedder import Embedder
from qa.index.sentences import answerable_sentences
from qa.index.store import EmbeddedDocument, SentenceIndex, UpdateReport, embed_in_batches, create_in_place
from qa.index.vectors import Progress

STREAM_SENTENCES = 4096  # sentences embedded together (sorted by length within: little padding)
READING = "reading documents"
EMBEDDING = "embedding"  # as `embed_in_batches` names it


def sentence_spans(document: Document) -> list[tuple[int, int]]:
    """(start, end) of the document's answerable sentences, as the index splits it."""
    return [(span.start, span.end) for span in answerable_sentences(document.text, document.body_start)]


def embedded_documents(documents: Iterable[Document], embedder: Embedder, total: int = 0,
                       progress: Progress | None = None) -> Iterator[EmbeddedDocument]:
    """The documents with their sentences and vectors, in order, embedded in this process a batch at a
    time. `progress` hears of each document as it is read (READING, of `total`: how many documents are
    coming, when known) and of each chunk of sentences as it is embedded (EMBEDDING, of those read so far)."""
    waiting: list[tuple[Document, list[tuple[int, int]]]] = []
    read = sentences = embedded_sentences = 0

    def embedded() -> Iterator[EmbeddedDocument]:
        nonlocal embedded_sentences
        texts = [d.indexed_text(s, e) for d, spans in waiting for s, e in spans]
        before = embedded_sentences
        chunks = (lambda _phase, done, _total: progress(EMBEDDING, before + done, sentences)) if progress else None
        vectors = embed_in_batches(texts, embedder, chunks)
        embedded_sentences += len(texts)
        row = 0
        for document, spans in waiting:
            yield EmbeddedDocument(document, spans, vectors[row : row + len(spans)])
            row += len(spans)
        waiting.clear()

    pending = 0
    for document in documents:
        waiting.append((document, sentence_spans(document)))
        read, sentences, pending = read + 1, sentences + len(waiting[-1][1]), pending + len(waiting[-1][1])
        if progress:
            progress(READING, read, max(total, read))
        if pending >= STREAM_SENTENCES:
            yield from embedded()
            pending = 0
    yield from embedded()


def build_new(directory: Path, embedded: Iterable[EmbeddedDocument], model_identity: str, dimension: int,
              progress: Progress | None = None, empty_error: CorpusError | None = None) -> tuple[SentenceIndex, UpdateReport]:
    """A new index at `directory` from the embedded documents, streamed into a staging folder and
    swapped in whole; `empty_error` (nothing replaced) when no document came."""
    def fill(index: SentenceIndex) -> UpdateReport:
        report = index.stream_in(embedded, progress)
        if not report.embedded_documents:
            raise empty_error or CorpusError("no readable document to index")
        return report

    return create_in_place(directory, model_identity, dimension, fill)
