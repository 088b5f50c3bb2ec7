"""The streaming build: the same index as an update makes of the same documents (rows, vectors, words,
ANN), written while documents are still being read, with progress for each phase, and an interrupted
build leaves the previous index as it was."""

import sqlite3

import faiss
import numpy as np
import pytest

from qa.errors import CorpusError
from qa.index import build, store, vectors
from qa.index.build import build_new, embedded_documents
from qa.index.documents import make_document
from qa.index.store import SentenceIndex, create_in_place


def corpus(count: int) -> list:
    return [make_document(f"d{n:03d}", f"date 2022-01-{1 + n % 28:02d}\nTopic {n} is about colour {n % 7}. "
                                       f"Item {n * 3} sits on shelf {n % 11}.\n\nA second paragraph on {n}.")
            for n in range(count)]


def dump(directory):
    """Everything an index folder holds, as comparable values."""
    db = sqlite3.connect(directory / "index.sqlite")
    tables = {table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
              for table in ("documents", "sentences", "delta", "tombstones")}
    tables["meta"] = db.execute("SELECT * FROM meta WHERE key != 'index_id' ORDER BY 1").fetchall()  # each index's own
    tables["words"] = db.execute("SELECT rowid, * FROM lexical ORDER BY rowid").fetchall()
    files = {path.name: np.load(path) for path in sorted(directory.glob("*.npy"))}
    ann = sorted(path.name for path in directory.glob("ann-*.faiss"))
    return tables, files, ann


def streamed(directory, documents, embedder, progress=None):
    return build_new(directory, embedded_documents(iter(documents), embedder, len(documents), progress),
                     embedder.identity, embedder.dimension, progress)


@pytest.mark.parametrize("sizes", [{}, {"COMPACT_MIN": 20}, {"COMPACT_MIN": 20, "ANN_MIN_VECTORS": 50}],
                         ids=["small: vectors in the delta", "a base segment", "a base segment with an IVF index"])
def test_the_streamed_index_is_the_one_an_update_makes(tmp_path, hash_embedder, monkeypatch, sizes):
    monkeypatch.setattr(build, "STREAM_SENTENCES", 16)  # many batches
    for name, value in sizes.items():
        monkeypatch.setattr(store if name == "COMPACT_MIN" else vectors, name, value)
    documents = corpus(40)  # 120 sentences
    create_in_place(tmp_path / "updated", hash_embedder.identity, hash_embedder.dimension,
                    lambda index: index.update(documents, hash_embedder))
    index, report = streamed(tmp_path / "streamed", documents, hash_embedder)
    assert report.sentences == 120 and report.embedded_documents == [d.doc_id for d in documents]
    (tables, files, ann), (want_tables, want_files, want_ann) = dump(tmp_path / "streamed"), dump(tmp_path / "updated")
    assert tables == want_tables and ann == want_ann
    assert files.keys() == want_files.keys() and all(np.array_equal(files[n], want_files[n]) for n in files)
    if ann:
        streamed_ann, updated_ann = (faiss.read_index(str(tmp_path / f / ann[0])) for f in ("streamed", "updated"))
        assert faiss.serialize_index(streamed_ann).tobytes() == faiss.serialize_index(updated_ann).tobytes()
    query = hash_embedder.encode(["colour 3 shelf"])[0]
    assert index.search(query, 5) == SentenceIndex.open(tmp_path / "updated").search(query, 5)


def test_documents_are_written_while_later_ones_are_still_unread(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(build, "STREAM_SENTENCES", 16)
    read, read_at_first_write = [], []

    def reading():
        for document in corpus(40):
            read.append(document.doc_id)
            yield document

    original = vectors.SegmentWriter.append
    monkeypatch.setattr(vectors.SegmentWriter, "append",
                        lambda self, v: (read_at_first_write or read_at_first_write.append(len(read)), original(self, v)))
    build_new(tmp_path / "ix", embedded_documents(reading(), hash_embedder), hash_embedder.identity, hash_embedder.dimension)
    assert len(read) == 40 and read_at_first_write[0] <= 6  # one batch of 16 sentences read ahead, not the corpus


def test_every_phase_reports_progress(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(build, "STREAM_SENTENCES", 16)
    monkeypatch.setattr(store, "COMPACT_MIN", 20)
    monkeypatch.setattr(vectors, "ANN_MIN_VECTORS", 50)
    seen = []
    streamed(tmp_path / "ix", corpus(40), hash_embedder, lambda phase, done, total: seen.append((phase, done, total)))
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == [build.READING, build.EMBEDDING, "training the approximate index", "filling the approximate index", "saving"]
    reading = [(done, total) for phase, done, total in seen if phase == build.READING]
    assert reading[-1] == (40, 40) and len(reading) > 3 and all(a[0] < b[0] for a, b in zip(reading, reading[1:]))


def test_an_interrupted_build_leaves_the_previous_index_and_the_next_one_starts_cleanly(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(build, "STREAM_SENTENCES", 16)
    streamed(tmp_path / "ix", corpus(3), hash_embedder)
    before = dump(tmp_path / "ix")[0]

    def interrupted():
        for number, document in enumerate(corpus(40)):
            if number == 30:
                raise KeyboardInterrupt
            yield document

    with pytest.raises(KeyboardInterrupt):
        build_new(tmp_path / "ix", embedded_documents(interrupted(), hash_embedder), hash_embedder.identity, hash_embedder.dimension)
    assert dump(tmp_path / "ix")[0] == before and sorted(p.name for p in tmp_path.iterdir()) == ["ix"]
    index, report = streamed(tmp_path / "ix", corpus(40), hash_embedder)
    assert report.sentences == 120 and len(index.document_ids()) == 40


def test_a_build_with_no_readable_document_replaces_nothing(tmp_path, hash_embedder):
    streamed(tmp_path / "ix", corpus(3), hash_embedder)
    with pytest.raises(CorpusError, match="nothing here"):
        build_new(tmp_path / "ix", embedded_documents(iter([]), hash_embedder), hash_embedder.identity,
                  hash_embedder.dimension, empty_error=CorpusError("nothing here"))
    assert SentenceIndex.open(tmp_path / "ix").document_ids() == ["d000", "d001", "d002"]


def test_a_streamed_build_touches_no_file_of_the_users(tmp_path, hash_embedder):
    from qa.errors import IndexStoreError

    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("my thesis")
    (mine / "vectors-1.npy").write_bytes(b"named like ours, but mine")
    (tmp_path / "diary.txt").write_text("beside the index")
    with pytest.raises(IndexStoreError, match="not part of an index"):
        streamed(mine, corpus(3), hash_embedder)  # refused whole, before anything is written

    def failing():
        yield from corpus(20)
        raise OSError("the disk went away")

    with pytest.raises(OSError):
        build_new(tmp_path / "ix", embedded_documents(failing(), hash_embedder), hash_embedder.identity, hash_embedder.dimension)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diary.txt", "notes"]  # the failed build's staging folder is gone
    assert (mine / "thesis.txt").read_text() == "my thesis" and (mine / "vectors-1.npy").read_bytes() == b"named like ours, but mine"
    assert (tmp_path / "diary.txt").read_text() == "beside the index"


def test_the_segment_writer_never_writes_over_a_file_already_there(tmp_path):
    (tmp_path / "vectors-1.npy").write_bytes(b"already here")
    with pytest.raises(FileExistsError):
        vectors.SegmentWriter(tmp_path, 1, 4)
    assert (tmp_path / "vectors-1.npy").read_bytes() == b"already here"
