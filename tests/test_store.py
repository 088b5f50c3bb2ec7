"""The index store: SQLite + vector segments, per-document updates, compaction, the ANN switch,
interrupted updates, and clear errors for missing, old, damaged or foreign indexes."""

import json
import sqlite3

import numpy as np
import pytest

from qa.assistant import build_or_update
from qa.errors import IndexStoreError, UnknownDocumentError
from qa.index import store, vectors
from qa.index.documents import make_document
from qa.index.store import SentenceIndex


def docs(**texts):
    return [make_document(name, text) for name, text in texts.items()]


def texts_of(index):
    """Every sentence the index holds, by document, in order."""
    return {doc_id: [text for _, text in sorted(index._sentences_of([doc_id]))] for doc_id in index.document_ids()}


def nearest(index, embedder, query, k=3):
    return [(index.sentence_text(n), round(score, 5)) for n, score in index.search(embedder.encode([query])[0], k)]


def many(count, prefix="doc"):
    return docs(**{f"{prefix}{n}": f"Sentence about topic {n} and colour {n % 7}. Another line on item {n * 3} here."
                   for n in range(count)})


def test_build_open_and_read(tmp_path, hash_embedder):
    index, report = build_or_update(docs(a="One cat sat. Two dogs ran far away.", b="Advert\nBirds fly south in winter."),
                                    hash_embedder, tmp_path / "ix")
    assert report.sentences == 3  # "Advert" is not indexed
    opened = SentenceIndex.open(tmp_path / "ix", expected_model=hash_embedder.identity)
    assert not opened._documents  # no text read to open it
    assert texts_of(opened) == {"a": ["One cat sat.", "Two dogs ran far away."], "b": ["Birds fly south in winter."]}
    best, _ = opened.search(hash_embedder.encode(["birds fly south"])[0], 1)[0]
    assert opened.row(best).doc_id == "b"
    assert [opened.sentence_text(n) for n in opened.neighbours(best, 1)] == ["Birds fly south in winter."]
    with pytest.raises(UnknownDocumentError, match="unknown document 'zzz'; known: a, b"):
        opened.document("zzz")


def test_an_update_touches_only_the_changed_documents(tmp_path, hash_embedder):
    build_or_update(docs(a="Apples are red fruit.", b="Bananas are yellow fruit.", c="Cherries are small."), hash_embedder, tmp_path / "ix")
    database = (tmp_path / "ix" / store.DATABASE).stat().st_ino
    hash_embedder.encoded.clear()
    updated, report = build_or_update(docs(a="Apples are red fruit.", b="Bananas are long and yellow."), hash_embedder, tmp_path / "ix")
    assert hash_embedder.encoded == ["Bananas are long and yellow."]
    assert (report.embedded_documents, report.reused_documents, report.removed_documents) == (["b"], ["a"], ["c"])
    assert (tmp_path / "ix" / store.DATABASE).stat().st_ino == database  # updated in place, not rewritten
    fresh, _ = SentenceIndex.build(docs(a="Apples are red fruit.", b="Bananas are long and yellow."), hash_embedder)
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert texts_of(reopened) == texts_of(fresh)
    assert nearest(reopened, hash_embedder, "yellow bananas") == nearest(fresh, hash_embedder, "yellow bananas")
    assert reopened.lexical_search("cherries", 5) == [] and reopened.lexical_search("long bananas", 5)


def test_compaction_keeps_every_answer_and_removes_old_files(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    build_or_update(many(4), hash_embedder, tmp_path / "ix")  # 8 sentences: over 5, so a base segment
    assert sorted(p.name for p in (tmp_path / "ix").glob("*.npy")) == ["ids-1.npy", "vectors-1.npy"]
    index, _ = build_or_update(many(4)[1:] + many(1, "new"), hash_embedder, tmp_path / "ix")  # 2 tombstones, 2 in delta
    assert len(index.vectors.dead) == 2 and len(index.vectors.delta_ids) == 2
    index, _ = build_or_update(many(2, "other"), hash_embedder, tmp_path / "ix")  # 6 dead + 4 new: compacted again
    assert len(index.vectors.dead) == len(index.vectors.delta_ids) == 0
    SentenceIndex.open(tmp_path / "ix")
    assert sorted(p.name for p in (tmp_path / "ix").glob("*.npy")) == ["ids-2.npy", "vectors-2.npy"]
    fresh, _ = SentenceIndex.build(many(2, "other"), hash_embedder)
    assert nearest(SentenceIndex.open(tmp_path / "ix"), hash_embedder, "topic 1 item") == nearest(fresh, hash_embedder, "topic 1 item")


def test_above_the_measured_size_vectors_are_searched_through_an_ivf_index(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_VECTORS", 100)
    monkeypatch.setattr(store, "COMPACT_MIN", 10)
    documents = many(400)
    build_or_update(documents, hash_embedder, tmp_path / "ix")
    assert (tmp_path / "ix" / "ann-1.faiss").is_file()
    approximate = SentenceIndex.open(tmp_path / "ix")
    flat, _ = SentenceIndex.build(documents, hash_embedder)
    for query in ("topic 17 and colour 3", "item 42 here", "Another line"):
        got, want = nearest(approximate, hash_embedder, query, 5), nearest(flat, hash_embedder, query, 5)
        assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-5)  # exact rescoring


def test_an_interrupted_update_leaves_the_index_as_it_was(tmp_path, hash_embedder, monkeypatch):
    index, _ = build_or_update(docs(a="Apples are red fruit.", b="Bananas are yellow fruit."), hash_embedder, tmp_path / "ix")
    before = texts_of(index), nearest(index, hash_embedder, "fruit")
    monkeypatch.setattr(store.LexicalTable, "add", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        index.update(docs(a="Apples are green now.", c="Cherries are small."), hash_embedder)
    assert (texts_of(index), nearest(index, hash_embedder, "fruit")) == before
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert (texts_of(reopened), nearest(reopened, hash_embedder, "fruit")) == before


@pytest.mark.parametrize("damage", ["garbage", "counts", "vectors", "version", "missing", "json"])
def test_a_damaged_or_old_index_gives_a_clear_error(tmp_path, hash_embedder, monkeypatch, damage):
    monkeypatch.setattr(store, "COMPACT_MIN", 1)
    directory = tmp_path / "ix"
    build_or_update(docs(a="One cat sat on the mat. Two dogs ran away."), hash_embedder, directory)
    says = "damaged"
    if damage == "garbage":
        (directory / store.DATABASE).write_bytes(b"garbage" * 100)
    elif damage == "counts":
        with sqlite3.connect(directory / store.DATABASE) as db:
            db.execute("DELETE FROM sentences WHERE id = 1")
    elif damage == "vectors":
        (directory / "vectors-1.npy").write_bytes(b"garbage")
    elif damage == "version":
        with sqlite3.connect(directory / store.DATABASE) as db:
            db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
        says = "format 99"
    elif damage == "missing":
        directory, says = tmp_path / "nowhere", "no index"
    else:  # an index written by the JSON store of earlier versions
        directory, says = tmp_path / "old", "earlier version"
        directory.mkdir()
        for name in ("documents.json", "sentences.json", "vectors.faiss"):
            (directory / name).write_text("{}")
        (directory / "manifest.json").write_text(json.dumps({"format_version": 1, "model": "m", "documents": 0, "sentences": 0}))
    with pytest.raises(IndexStoreError, match=says) as caught:
        SentenceIndex.open(directory)
    assert f"qa index PATH --index" in str(caught.value)
    if damage == "garbage":  # no longer provably an index: it could be another program's file, so it is kept
        before = sorted(p.name for p in directory.iterdir())
        with pytest.raises(IndexStoreError, match="not a database this tool wrote"):
            build_or_update(docs(a="One cat sat on the mat."), hash_embedder, directory)
        assert sorted(p.name for p in directory.iterdir()) == before
        assert (directory / store.DATABASE).read_bytes() == b"garbage" * 100
    elif damage != "missing":
        with pytest.warns(UserWarning, match="building a new index"):
            build_or_update(docs(a="One cat sat on the mat."), hash_embedder, directory)
        assert texts_of(SentenceIndex.open(directory)) == {"a": ["One cat sat on the mat."]}


def test_index_from_another_model_is_refused(tmp_path, hash_embedder):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")
    with pytest.raises(IndexStoreError, match="built with model 'hash-embedder-test'"):
        SentenceIndex.open(tmp_path / "ix", expected_model="another-model")


def test_vector_set_changes_and_live_rows():
    base = vectors.BaseSegment(np.array([1, 2, 3]), np.eye(3, dtype=np.float32), None)
    changed = vectors.VectorSet(base, np.zeros(0), np.zeros((0, 3)), np.zeros(0)).changed([2], [7], np.array([[0, 1, 0]]))
    assert len(changed) == 3 and changed.search(np.array([0, 1, 0], dtype=np.float32), 1) == [(7, 1.0)]
    ids, matrix = changed.live()
    assert ids.tolist() == [1, 3, 7] and matrix.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]


def test_a_served_index_takes_in_what_another_process_committed(tmp_path, hash_embedder, monkeypatch):
    from qa.index.retriever import Retriever

    monkeypatch.setattr(store, "COMPACT_MIN", 3)
    build_or_update(docs(a="Apples are red fruit.", b="Bananas are yellow fruit."), hash_embedder, tmp_path / "ix")
    served = Retriever(SentenceIndex.open(tmp_path / "ix"), hash_embedder, k=2)
    assert served.sentences("yellow bananas")[0].doc_id == "b"
    writer = SentenceIndex.open(tmp_path / "ix")  # another connection, as `qa index` in another process
    writer.update(docs(a="Apples are red fruit.", c="Cherries are small and dark red."), hash_embedder)
    hits = served.sentences("small dark cherries")
    assert [served.index.sentence_text(h.row) for h in hits][0] == "Cherries are small and dark red."
    assert all(h.doc_id != "b" for h in hits) and len(served.index) == 2
    writer.update(many(3), hash_embedder)  # over COMPACT_MIN: a new generation of vector files
    assert served.sentences("topic 2 and colour 2")[0].doc_id == "doc2" and len(served.index) == 6


def test_a_dropped_index_is_freed_at_once(hash_embedder):
    """No reference cycle keeps a closed chat tab's index (and its in-memory database) alive until a garbage collection."""
    import gc
    import weakref

    from qa import Assistant
    from qa.confidence import Confidence

    gc.disable()
    try:
        index, _ = SentenceIndex.build(many(3), hash_embedder)
        index.document("doc1"), index.lexical_search("topic", 3), index.refresh()
        assistant = Assistant(index, hash_embedder, reader=object(), confidence=Confidence.load())
        assistant.retrieve("topic 1")
        freed = weakref.ref(index)
        del index, assistant
        assert freed() is None
    finally:
        gc.enable()


def test_an_index_made_before_generations_were_recorded_compacts_and_tidies(tmp_path, hash_embedder, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_MIN", 5)
    build_or_update(many(4), hash_embedder, tmp_path / "ix")
    with sqlite3.connect(tmp_path / "ix" / store.DATABASE) as db:
        db.execute("DELETE FROM meta WHERE key = 'retired'")  # as the earlier versions wrote it
    build_or_update(many(3, "other"), hash_embedder, tmp_path / "ix")  # compacted into generation 2
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert reopened._meta("generation") == 2 and reopened._meta("retired") == []
    assert sorted(p.name for p in (tmp_path / "ix").glob("*.npy")) == ["ids-2.npy", "vectors-2.npy"]


def test_a_full_disk_while_opening_is_said_as_such_not_as_damage(tmp_path, hash_embedder, monkeypatch):
    build_or_update(docs(a="One cat sat on the mat."), hash_embedder, tmp_path / "ix")

    def full(*args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_stored_vectors", full)
    with pytest.raises(IndexStoreError, match="is full") as caught:
        SentenceIndex.open(tmp_path / "ix")
    assert "damaged" not in str(caught.value)
