"""Reading folders: ids, metadata, and bad files skipped with a warning."""

import pytest

from qa.errors import CorpusError
from qa.index.documents import load_documents


def test_folder_ids_are_relative_paths_and_bad_files_are_skipped(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("Alpha is a letter.", encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text("date 2021-05-04 note\nBeta follows alpha.", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    with pytest.warns(UserWarning) as caught:
        documents, skipped = load_documents([tmp_path])
    assert sorted(d.doc_id for d in documents) == ["a.txt", "sub/b.md"]
    assert {s.doc_id for s in skipped} == {"latin1.txt", "binary.txt", "empty.txt"}
    assert any("UTF-8" in str(w.message) for w in caught)
    dated = next(d for d in documents if d.doc_id == "sub/b.md")
    assert dated.date == "2021-05-04" and dated.text[dated.body_start:] == "Beta follows alpha."


def test_empty_folder_and_missing_path_are_errors(tmp_path):
    with pytest.raises(CorpusError, match="no readable"):
        load_documents([tmp_path])
    with pytest.raises(CorpusError, match="no such file"):
        load_documents([tmp_path / "missing"])
