"""Indexing on a Ray cluster (the optional `[distributed]` extra): the same index as the local build.

Ray Data reads and extracts the files in parallel tasks and splits their sentences; a pool of
actors, each loading the encoder once, embeds them with `map_batches`; the results stream back, in
file order, to this process, which writes them into the new index as they come
(`SentenceIndex.stream_in`). Ray retries the work of a worker that dies, so a killed worker changes
nothing in the result. A file that cannot be read is skipped with its reason, as locally.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.build import READING, sentence_spans
from qa.index.documents import Document, NamedFile, SkippedFile, dated, read_document
from qa.index.embedder import Embedder
from qa.index.store import EmbeddedDocument, embed_in_batches
from qa.index.vectors import Progress

DOCUMENTS_PER_BATCH = 64  # documents an actor embeds in one call
READ_CPUS = 0  # reading takes no CPU of its own: the actors hold every CPU, and would wait forever for input


def _read(row: dict, dates: dict[str, str] | None) -> dict:
    """One file read, dated and split (a Ray task): the document as JSON and its sentences, or why it was skipped."""
    from qa.errors import CorpusError

    try:
        document = dated(read_document(Path(row["path"]), row["doc_id"]), dates)
    except CorpusError as error:
        return {"doc_id": row["doc_id"], "document": "", "spans": "[]", "skipped": str(error)}
    return {"doc_id": row["doc_id"], "document": document.model_dump_json(), "spans": json.dumps(sentence_spans(document)),
            "skipped": ""}


class _Embedding:
    """A Ray actor: loads the encoder once, then embeds batches of documents' sentences."""

    def __init__(self, model: str | None, threads: int) -> None:
        self.embedder = Embedder(model, threads)
        self.embedder.warm_up()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts, counts = [], []
        for document, spans in zip(batch["document"], batch["spans"]):
            read = Document.model_validate_json(document) if document else Document(doc_id="", text="")
            spans = json.loads(spans)
            texts += [read.indexed_text(start, end) for start, end in spans]
            counts.append(len(spans))
        vectors = embed_in_batches(texts, self.embedder, None)
        bounds = np.cumsum([0, *counts])
        batch["vectors"] = np.array([vectors[a:b].tobytes() for a, b in zip(bounds[:-1], bounds[1:])], dtype=object)
        return batch


def ray_embedded(files: list[NamedFile], skipped: list[SkippedFile], model: str | None = None, dates: dict[str, str] | None = None,
                 actors: int | None = None, progress: Progress | None = None) -> Iterator[EmbeddedDocument]:
    """The files' documents with their sentences and vectors, in file order, computed on the Ray cluster
    this process is connected to (`connect`) by `actors` embedding actors of one CPU each (default: one
    per CPU of the cluster). Files that cannot be read are added to `skipped`, with a warning."""
    import ray
    import ray.data

    actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # sentence ids follow file order, as in the local build
    context.enable_progress_bars = False  # the caller's progress shows the documents as they arrive
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no plan and log-folder notices on the terminal
    rows = (ray.data.from_items([{"path": str(file.path), "doc_id": file.doc_id} for file in files],
                                override_num_blocks=max(1, min(len(files), 4 * actors)))
            .map(_read, fn_kwargs={"dates": dates}, num_cpus=READ_CPUS, compute=ray.data.TaskPoolStrategy(size=actors))
            .map_batches(_Embedding, fn_constructor_kwargs={"model": model, "threads": 1}, batch_size=DOCUMENTS_PER_BATCH,
                         compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1))
    for done, row in enumerate(rows.iter_rows(), start=1):
        if row["skipped"]:
            skipped.append(SkippedFile(doc_id=row["doc_id"], reason=row["skipped"]))
            warnings.warn(f"skipped {row['skipped']}", stacklevel=2)
        else:
            vectors = np.frombuffer(row["vectors"], dtype=np.float32)
            spans = [tuple(span) for span in json.loads(row["spans"])]
            yield EmbeddedDocument(Document.model_validate_json(row["document"]), spans,
                                   vectors.reshape(len(spans), -1) if spans else vectors)
        if progress:
            progress(READING, done, len(files))


def connect(address: str | None) -> bool:
    """Join the Ray cluster at `address` ("auto": the one started on this machine with `ray start`), or
    start a local one of its own when None (never joining one that `ray start` runs). True when this call started Ray (the caller shuts it down)."""
    try:
        import ray
    except ImportError:
        raise QAError("--ray needs the distributed extra: pip install 'qa-assistant[distributed]' "
                      "(on every machine of the cluster)") from None
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing is reported anywhere
    try:
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise QAError(f"cannot reach a Ray cluster at {address}: {error}") from None
    return True

