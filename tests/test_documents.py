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
    (tmp_path / "ignored.xyz").write_bytes(b"not a supported format")
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


def test_offsets_index_the_utf8_text_without_bom_and_with_crlf_kept(tmp_path):
    """The documented rule: open(path, encoding="utf-8-sig", newline="").read(), not text mode."""
    from qa.index.sentences import split_sentences

    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffFirst line here.\r\nSecond line: the code is 77.\r\n".encode("utf-8"))
    (document,), _ = load_documents([path])
    assert document.text == open(path, encoding="utf-8-sig", newline="").read()
    assert document.text != path.read_text(encoding="utf-8-sig")  # text mode turns CRLF into LF
    spans = split_sentences(document.text)
    assert [document.text[s.start : s.end] for s in spans] == ["First line here.", "Second line: the code is 77."]


def test_files_with_the_same_name_in_two_folders_are_both_kept(tmp_path):
    for folder, text in (("d1", "Notes from the first folder."), ("d2", "Notes from the second folder.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(text, encoding="utf-8")
    documents, _ = load_documents([tmp_path / "d1", tmp_path / "d2"])
    assert {d.doc_id: d.text for d in documents} == {"notes.txt": "Notes from the first folder.",
                                                     "d2/notes.txt": "Notes from the second folder."}
    again, _ = load_documents([tmp_path / "d1", tmp_path / "d2"])
    assert [d.doc_id for d in again] == [d.doc_id for d in documents]  # stable, so updates reuse vectors


def test_titles_come_from_the_first_line_and_lone_surrogates_are_cleaned():
    from qa.index.documents import make_document

    assert make_document("a.md", "\n# Quarterly  report \u202e\nBody text.").title == "Quarterly report"
    assert make_document("b.txt", "date 2022-01-28 x\nBiden spoke to Zelensky.").title == "Biden spoke to Zelensky."
    long = make_document("c.txt", "word " * 50).title
    assert len(long) <= 81 and long.endswith("…")
    assert make_document("d.txt", "\n\n").title == "d.txt"
    cleaned = make_document("e.txt", "Hello \ud800 there.")
    assert cleaned.text == "Hello \ufffd there." and len(cleaned.text) == len("Hello \ud800 there.")
