"""Index persistence: save/load, incremental update, and clear errors for broken indexes."""

import json

import pytest

from qa.errors import IndexStoreError, UnknownDocumentError
from qa.index.documents import make_document
from qa.index.store import SentenceIndex


def docs(**texts):
    return [make_document(name, text) for name, text in texts.items()]


def test_save_load_round_trip(tmp_path, hash_embedder):
    index, report = SentenceIndex.build(docs(a="One cat sat. Two dogs ran far away.", b="Advert\nBirds fly south in winter."), hash_embedder)
    assert report.sentences == 3  # "Advert" is not indexed
    index.save(tmp_path / "ix")
    loaded = SentenceIndex.load(tmp_path / "ix", expected_model=hash_embedder.identity)
    assert loaded.rows == index.rows
    assert [loaded.sentence_text(i) for i in range(3)] == ["One cat sat.", "Two dogs ran far away.", "Birds fly south in winter."]
    best, _ = loaded.search(hash_embedder.encode(["birds fly south"])[0], 1)[0]
    assert loaded.rows[best].doc_id == "b"
    with pytest.raises(UnknownDocumentError, match="unknown document 'zzz'"):
        loaded.document("zzz")


def test_update_embeds_only_changed_documents(tmp_path, hash_embedder):
    first, _ = SentenceIndex.build(docs(a="Apples are red fruit.", b="Bananas are yellow fruit.", c="Cherries are small."), hash_embedder)
    first.save(tmp_path / "ix")
    previous = SentenceIndex.load(tmp_path / "ix")
    hash_embedder.encoded.clear()
    second, report = SentenceIndex.build(docs(a="Apples are red fruit.", b="Bananas are long and yellow."), hash_embedder, previous)
    assert hash_embedder.encoded == ["Bananas are long and yellow."]
    assert (report.embedded_documents, report.reused_documents, report.removed_documents) == (["b"], ["a"], ["c"])
    fresh, _ = SentenceIndex.build(docs(a="Apples are red fruit.", b="Bananas are long and yellow."), hash_embedder)
    query = hash_embedder.encode(["yellow bananas"])[0]
    got, want = second.search(query, 2), fresh.search(query, 2)
    assert [n for n, _ in got] == [n for n, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want])


@pytest.mark.parametrize("damage", ["manifest", "sentences", "vectors", "version", "missing"])
def test_damaged_index_gives_a_clear_error(tmp_path, hash_embedder, damage):
    index, _ = SentenceIndex.build(docs(a="One cat sat on the mat. Two dogs ran away."), hash_embedder)
    directory = tmp_path / "ix"
    index.save(directory)
    if damage == "manifest":
        (directory / "manifest.json").write_text("{not json")
    elif damage == "sentences":
        (directory / "sentences.json").write_text(json.dumps([["a", 0, 5]]))
    elif damage == "vectors":
        (directory / "vectors.faiss").write_bytes(b"garbage")
    elif damage == "version":
        manifest = json.loads((directory / "manifest.json").read_text())
        (directory / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    else:
        directory = tmp_path / "nowhere"
    with pytest.raises(IndexStoreError, match="qa index"):
        SentenceIndex.load(directory)


def test_index_from_another_model_is_refused(tmp_path, hash_embedder):
    index, _ = SentenceIndex.build(docs(a="One cat sat on the mat."), hash_embedder)
    index.save(tmp_path / "ix")
    with pytest.raises(IndexStoreError, match="built with model 'hash-embedder-test'"):
        SentenceIndex.load(tmp_path / "ix", expected_model="another-model")


def test_failed_save_keeps_the_old_index(tmp_path, hash_embedder, monkeypatch):
    index, _ = SentenceIndex.build(docs(a="One cat sat on the mat."), hash_embedder)
    index.save(tmp_path / "ix")
    bigger, _ = SentenceIndex.build(docs(a="One cat sat on the mat.", b="A second document here."), hash_embedder)
    monkeypatch.setattr("faiss.write_index", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        bigger.save(tmp_path / "ix")
    assert len(SentenceIndex.load(tmp_path / "ix").documents) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]



@pytest.mark.parametrize("file, content, says", [
    ("manifest.json", [], "top level"),
    ("manifest.json", {"format_version": "1", "model": "hash-embedder-test", "documents": 1, "sentences": 2}, "format_version"),
    ("manifest.json", {"format_version": 1}, "model"),
    ("documents.json", ["a"], "top level"),
    ("documents.json", {"a": {"text": 5}}, "a.text"),
    ("sentences.json", {"a": 1}, "top level"),
    ("sentences.json", [["a", 0, "5"], ["a", 6, 9]], "0.2"),
    ("sentences.json", [["a", -3, 5], ["a", 6, 9]], "offsets -3..5"),
    ("sentences.json", [["a", 9, 4], ["a", 6, 9]], "offsets 9..4"),
    ("sentences.json", [["zz", 0, 4], ["a", 6, 9]], "unknown document 'zz'"),
])
def test_valid_json_of_the_wrong_shape_is_a_damaged_index(tmp_path, hash_embedder, file, content, says):
    index, _ = SentenceIndex.build(docs(a="One cat sat on the mat. Two dogs ran away."), hash_embedder)
    index.save(tmp_path / "ix")
    (tmp_path / "ix" / file).write_text(json.dumps(content))
    with pytest.raises(IndexStoreError, match="damaged") as caught:
        SentenceIndex.load(tmp_path / "ix")
    assert says in str(caught.value) and "qa index PATH --index" in str(caught.value)


def test_what_a_killed_save_leaves_is_tidied(tmp_path, hash_embedder):
    import os

    index, _ = SentenceIndex.build(docs(a="One cat sat on the mat."), hash_embedder)
    index.save(tmp_path / "ix")
    stale = tmp_path / ".ix.saving-dead"
    stale.mkdir()
    (stale / "manifest.json").write_text("{}")
    os.utime(stale, (0, 0))
    fresh = tmp_path / ".ix.saving-running"  # may belong to a save still running: left alone
    fresh.mkdir()
    (tmp_path / "ix").rename(tmp_path / "ix.old")  # killed between the two renames of a save
    assert len(SentenceIndex.load(tmp_path / "ix").documents) == 1  # the old index is put back
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ix.saving-running", "ix"]
    index.save(tmp_path / "ix")
    (tmp_path / "ix.old").mkdir()  # killed after the new index was in place
    SentenceIndex.load(tmp_path / "ix")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ix.saving-running", "ix"]
