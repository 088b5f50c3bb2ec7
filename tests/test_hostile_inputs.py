"""Inputs built to stall or overload: work stays linear in the input (sizes doubling), zip bombs
and entity-declaring Word files are refused before unpacking, links out of an indexed folder are
skipped, a tab's uploads are bounded by characters too, and bad API arguments are said plainly."""

import math
import time
import zipfile

import pytest

from qa import Assistant
from qa.errors import CorpusError
from qa.index.documents import load_documents
from qa.index.formats import Budget, extract_text
from qa.index.sentences import split_sentences


def growth(work, make, size: int, factor: int = 16) -> float:
    """How many times more CPU time `work` takes on an input `factor` times larger: about `factor`
    when linear, `factor` squared when quadratic. This process's CPU time, not wall time, the best of
    five runs of each size taken in turn, so that other work sharing the machine barely moves it."""
    inputs = (make(size), make(size * factor))
    best = [math.inf, math.inf]
    for _ in range(5):
        for which, data in enumerate(inputs):
            start = time.process_time()
            work(data)
            best[which] = min(best[which], time.process_time() - start)
    return best[1] / best[0]


@pytest.mark.parametrize("unit", ["Word. ", "Mr. X. ", "U.S. Co. "])
def test_sentence_splitting_is_linear_on_one_long_line_of_full_stops(unit):
    assert growth(split_sentences, lambda n: unit * (n // len(unit)), 25_000) < 64  # linear: 16, quadratic: 256


@pytest.mark.parametrize("make", [
    lambda n: "<div>" * 2_000 + "text</span>" * (n // 11),      # end tags that match nothing, a deep stack
    lambda n: "<p>" + "<b>x</b>" * (n // 8),                    # one line of many pieces
])
def test_html_reading_is_linear(make):
    assert growth(lambda markup: extract_text(markup.encode(), ".html", "x.html"), make, 40_000) < 64


def test_reading_has_a_time_budget_with_a_clear_refusal():
    markup = ("<p>" + "<b>word</b> " * 200_000).encode()
    with pytest.raises(CorpusError, match=r"big.html: reading it took over 0 s, so it was not added"):
        extract_text(markup, ".html", "big.html", seconds=0)
    Budget("x", None).check()  # no limit: never refuses


def word_file(path, document_xml: bytes | None = None, padding: int = 0):
    """A real .docx (python-docx), its document.xml optionally replaced, optionally padded with a
    highly compressible part of `padding` bytes."""
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("The harbour master is Ada Lovelace.")
    word.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
    if document_xml is not None:
        parts["word/document.xml"] = document_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
        if padding:
            with target.open("word/media/padding.bin", "w") as part:
                for _ in range(padding // 1_000_000):
                    part.write(b"\0" * 1_000_000)
    return path


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    bomb = word_file(tmp_path / "bomb.docx", padding=210_000_000)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(CorpusError, match=r"bomb.docx: unpacks to 2\d\d MB from 0.\d MB \(a zip bomb\?\)"):
        extract_text(bomb.read_bytes(), ".docx", "bomb.docx")


def test_a_word_file_declaring_entities_is_refused_not_cut_short(tmp_path):
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
           b'<w:t>Before &e; after the entity.</w:t></w:r></w:p></w:body></w:document>')
    path = word_file(tmp_path / "xxe.docx", xml)
    with pytest.raises(CorpusError, match=r"xxe.docx: its XML declares entities"):
        extract_text(path.read_bytes(), ".docx", "xxe.docx")
    assert "Ada Lovelace" in extract_text(word_file(tmp_path / "ok.docx").read_bytes(), ".docx", "ok.docx").text


def test_links_leading_out_of_an_indexed_folder_are_skipped_with_a_warning(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("The secret password is swordfish, said the admin.")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("Meeting notes about the harbour and its ships.")
    (folder / "passwd.txt").symlink_to(outside)
    (folder / "again.txt").symlink_to(folder / "notes.txt")  # inside the folder: fine
    (folder / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    with pytest.warns(UserWarning, match="passwd.txt: a link to a file outside"):
        documents, skipped = load_documents([folder])
    assert sorted(d.doc_id for d in documents) == ["again.txt", "notes.txt"]
    assert all("swordfish" not in d.text for d in documents) and "passwd.txt" in [s.doc_id for s in skipped]


def test_from_texts_says_what_it_takes():
    with pytest.raises(CorpusError, match=r"from_texts takes a dict of \{name: text\}, not a list"):
        Assistant.from_texts(["just a text"])
    with pytest.raises(CorpusError, match=r"document name 1 is a int; names must be text"):
        Assistant.from_texts({1: "A text."})
    with pytest.raises(CorpusError, match=r"'a.txt': the document must be text, not bytes"):
        Assistant.from_texts({"a.txt": b"A text."})


def test_a_file_name_with_a_line_break_stays_on_its_line_in_readable_output():
    from qa.cli import _readable
    from qa.models import Answer, Source

    source = Source(doc_id="evil\nname.txt", start=4, end=8, sentence="The 4242 code.", sentence_start=0,
                    sentence_end=14, page=None)
    shown = _readable(Answer(question="code?", answer="4242", score=0.9, source=source, evidence=[source]))
    assert shown.count("\n") == 1 and "evil[U+000A]name.txt" in shown
    nothing = _readable(Answer(question="code?", answer=None, score=0.1, source=None, evidence=[source]))
    assert nothing.count("\n") == 1 and "evil[U+000A]name.txt" in nothing
    respelt = _readable(Answer(question="cdoe?", answer="4242", score=0.9, source=source, evidence=[source], read_as="code\n?"))
    assert respelt.startswith("(read as: code[U+000A]?)\n4242") and respelt.count("\n") == 2
