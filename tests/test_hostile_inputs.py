"""Inputs built to stall or overload: work stays linear in the input (sizes doubling), zip bombs
and entity-declaring Word files are refused before unpacking, decompression is bounded by the bytes
it produces, the reading budget is checked inside every reader, links out of an indexed folder are
skipped, a tab's uploads are bounded by characters too, and bad API arguments are said plainly."""

import io
import itertools
import math
import time
import tracemalloc
import types
import zipfile
import zlib

import pytest

from qa import Assistant
from qa.errors import CorpusError
from qa.index.documents import load_documents
from qa.index.readers import Budget, extract_text
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


def test_nested_comment_threads_are_read_in_time_linear_in_their_depth():
    def page(depth: int) -> str:
        comment = '<div class="comment"><cite>Ada</cite><blockquote>Reply.</blockquote>' + "<span>x</span>" * 60
        return ("<html><body><article><p>" + "An article sentence about the harbour. " * 20 + "</p></article>"
                + comment * depth + "</div>" * depth + "</body></html>")

    assert extract_text(page(240).encode(), ".html", "x.html").text.count("Ada: Reply.") == 240
    assert growth(lambda markup: extract_text(markup.encode(), ".html", "x.html"), page, 15) < 24  # looking up each
    # element's enclosing comment from every comment above it grew 44 times here (5.8 s at 240 deep)


def test_reading_has_a_time_budget_with_a_clear_refusal():
    markup = ("<p>" + "<b>word</b> " * 200_000).encode()
    with pytest.raises(CorpusError, match=r"big.html: reading it took over 0 s, the time one file may take, so it was not added"):
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


# ---- bounded by bytes produced, work and time, inside every reader ---------------------------
@pytest.fixture
def ticking_clock(monkeypatch):
    """A clock that moves one second each time a budget looks at it: a budget of N seconds ends at
    its Nth look, so a test sees where the readers look, whatever the machine's speed."""
    from qa.index.readers import extracted

    ticks = itertools.count()
    monkeypatch.setattr(extracted, "time", types.SimpleNamespace(monotonic=lambda: float(next(ticks))))


def peak_bytes(work) -> int:
    """The most memory Python held at once while `work` ran."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def deflated(head: bytes, spaces: int = 0) -> bytes:
    """`head` and then `spaces` spaces, deflated without ever holding them all."""
    packer = zlib.compressobj(9)
    out = [packer.compress(head)] + [packer.compress(b" " * 1_000_000) for _ in range(spaces // 1_000_000)]
    return b"".join(out) + packer.flush()


def one_page_pdf(stream: bytes, flate: bool = False) -> bytes:
    """A one-page PDF whose content stream is `stream` (already deflated when `flate`)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
               b"<< /Length %d%s >>\nstream\n" % (len(stream), b" /Filter /FlateDecode" if flate else b"") + stream + b"\nendstream"]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


@pytest.mark.parametrize("cut", [0, 100], ids=["whole", "damaged"])
def test_a_pdf_stream_inflating_to_gigabytes_stops_at_the_bytes_it_produced(monkeypatch, cut):
    from qa.index.readers import pdf

    monkeypatch.setattr(pdf, "MAX_INFLATED_BYTES", 2_000_000)
    packed = deflated(b"BT /F1 10 Tf 72 700 Td (Bomb) Tj ET\n", 60_000_000)  # 60 MB from ~60 KB
    bomb = one_page_pdf(packed[: len(packed) - cut], flate=True)
    assert len(bomb) < 100_000
    refusals = []

    def read():
        with pytest.raises(CorpusError, match=r"bomb.pdf: its compressed streams unpack to over 2 MB \(a decompression bomb\?\)") as caught:
            extract_text(bomb, ".pdf", "bomb.pdf")
        refusals.append(caught)

    readable = one_page_pdf(deflated(b"BT /F1 10 Tf 72 700 Td (The pier opens in March.) Tj ET\n"), flate=True)
    assert extract_text(readable, ".pdf", "ok.pdf").text == "The pier opens in March."  # (and the readers imported)
    assert peak_bytes(read) < 8_000_000 and refusals  # the whole stream would hold 60 MB


@pytest.mark.parametrize("content", [
    b"BT /F1 10 Tf " + b"72 700 Td (ab) Tj " * 3_000 + b"ET",  # characters drawn
    b"q Q " * 3_000 + b"BT /F1 10 Tf 72 700 Td (Late text.) Tj ET",  # operators that draw nothing
])
def test_the_reading_budget_is_checked_inside_a_pdf_page(ticking_clock, content):
    with pytest.raises(CorpusError, match=r"one.pdf: reading it took over 1,?000 s, the time one file may take"):
        extract_text(one_page_pdf(content), ".pdf", "one.pdf", seconds=1_000)  # one page: only checks within it end it


def test_a_pdf_page_of_too_many_characters_is_refused_before_its_layout(monkeypatch):
    from qa.index.readers import pdf

    monkeypatch.setattr(pdf, "MAX_PAGE_CHARS", 1_000)
    content = b"BT /F1 10 Tf " + b"".join(b"1 0 0 1 %d %d Tm (ab) Tj " % (n % 50 * 12, n // 50 * 12) for n in range(600)) + b"ET"
    with pytest.raises(CorpusError, match=r"dense.pdf: page 1 draws over 1,000 characters, more than can be laid out"):
        extract_text(one_page_pdf(content), ".pdf", "dense.pdf")


@pytest.mark.parametrize("place", [
    lambda n: (n % 2 * 300, n % 2 * 400 + 50),  # lines drawn over each other: all neighbours of all
    lambda n: (n % 40 * 100, n // 40 * 40),      # thousands of blocks: pdfminer compares all pairs
])
def test_pdf_layout_is_not_quadratic_and_keeps_every_line(place):
    def make(n):
        return one_page_pdf(b"BT /F1 10 Tf " + b"".join(b"1 0 0 1 %d %d Tm (ab) Tj\n" % place(i) for i in range(n)) + b"ET")

    assert growth(lambda raw: extract_text(raw, ".pdf", "x.pdf"), make, 250) < 64  # was 23 s for 1,500 lines, 177 s for 4,000 blocks
    assert extract_text(make(4_000), ".pdf", "x.pdf").text.count("ab") == 4_000


def test_an_email_subject_of_20000_encoded_words_is_read_in_little_memory():
    subject = b" ".join(b"=?utf-8?q?w%d?=" % n for n in range(20_000))  # 0.3 MB: 2.9 GB before
    raw = b"Subject: " + subject + b"\r\nDate: Fri, 28 Jan 2022 09:30:00 +0000\r\n\r\nThe pier opens in March.\r\n"
    found = []
    assert peak_bytes(lambda: found.append(extract_text(raw, ".eml", "long.eml"))) < 30_000_000
    assert found[0].text.startswith("w0w1w2") and found[0].text.endswith("\nThe pier opens in March.")
    assert found[0].date == "2022-01-28"


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    book.active.append(["placeholder"])
    book.save(out)
    return replaced_parts(out.getvalue(), {"xl/worksheets/sheet1.xml": sheet_xml})


def replaced_parts(archive: bytes, parts: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        kept = {item.filename: source.read(item) for item in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in {**kept, **parts}.items():
            target.writestr(name, data)
    return out.getvalue()


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


def sheet_rows(count: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ship %d</t></is></c></row>' % (n, n, n) for n in range(1, count + 1))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entities_declared_after_the_first_4_kb_are_found(encoding):
    xml = ('<?xml version="1.0"?><!-- ' + "padding " * 1_000 + ' --><!DOCTYPE worksheet [<!ENTITY e "hidden">]>'
           ).encode(encoding) + (SHEET % sheet_rows(3)).decode().encode(encoding)[2 if encoding == "utf-16" else 0:]
    with pytest.raises(CorpusError, match=r"late.xlsx: its XML declares entities \(<!ENTITY> in xl/worksheets/sheet1.xml\)"):
        extract_text(xlsx_with_sheet(xml), ".xlsx", "late.xlsx")
    assert extract_text(xlsx_with_sheet(SHEET % sheet_rows(3)), ".xlsx", "ok.xlsx").text == "Sheet\\nShip 1\\nShip 2\\nShip 3".replace("\\n", "\n")


def test_xml_in_an_encoding_the_search_cannot_read_is_refused():
    xml = b'<?xml version="1.0" encoding="IBM037"?>' + "<worksheet/>".encode("cp037")
    with pytest.raises(CorpusError, match=r"odd.xlsx: its part xl/worksheets/sheet1.xml is XML in an encoding Office never writes"):
        extract_text(xlsx_with_sheet(xml), ".xlsx", "odd.xlsx")


def test_parts_that_are_not_xml_are_not_searched_and_a_public_doctype_is_harmless(tmp_path):
    path = word_file(tmp_path / "mac.docx")
    raw = replaced_parts(path.read_bytes(), {
        "docProps/printer.bin": b"\x02\x00\x00<?xml?><!DOCTYPE plist [<!ENTITY x 'y'>]>",  # Office for Mac's printer settings
        "word/media/icon.svg": b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'})
    assert "Ada Lovelace" in extract_text(raw, ".docx", "mac.docx").text


def test_a_small_word_file_under_the_ratio_rule_with_too_much_xml_is_refused(tmp_path):
    body = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>'
    packed = word_file(tmp_path / "dense.docx", body % (b"<w:p/>" * 3_500_000)).read_bytes()  # 21 MB of XML: 1.4 GB as a tree
    assert len(packed) < 200_000
    with pytest.raises(CorpusError, match=r"dense.docx: its XML unpacks to over 20 MB, more than can be read into memory"):
        extract_text(packed, ".docx", "dense.docx")


def word_table(rows: int, merged: bool = False) -> bytes:
    cell = b"<w:tc>%s<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>"
    merge = b"<w:tcPr><w:vMerge/></w:tcPr>"
    body = b"".join(b"<w:tr>" + cell % (b"", b"Ship %d" % n) + (cell % (merge, b"") if merged and n else cell % (b"", b"Berth"))
                    + b"</w:tr>" for n in range(rows))
    return (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            b"<w:tbl>%s</w:tbl></w:body></w:document>" % body)


def odt_with_body(tmp_path, body: bytes) -> bytes:
    import odfdo

    document = odfdo.Document("text")
    document.body.append(odfdo.Paragraph("placeholder"))
    document.save(str(tmp_path / "base.odt"))
    content = (b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text>%s'
               b"</office:text></office:body></office:document-content>" % body)
    return replaced_parts((tmp_path / "base.odt").read_bytes(), {"content.xml": content})


def odt_rows(count: int) -> bytes:
    return b"<table:table>%s</table:table>" % b"".join(
        b"<table:table-row><table:table-cell><text:p>Ship %d</text:p></table:table-cell></table:table-row>" % n for n in range(count))


@pytest.mark.parametrize("name, make", [
    ("big.csv", lambda tmp_path: "".join(f"Ship {n},{n}\n" for n in range(2_000)).encode()),
    ("big.html", lambda tmp_path: ("<p>" + "<b>word</b> " * 25_000 + "</p>").encode()),  # read by our own parser
    ("big.xlsx", lambda tmp_path: xlsx_with_sheet(SHEET % sheet_rows(2_000))),
    ("big.docx", lambda tmp_path: word_file(tmp_path / "big.docx", word_table(2_000)).read_bytes()),
    ("big.odt", lambda tmp_path: odt_with_body(tmp_path, odt_rows(2_000))),
])
def test_the_reading_budget_is_checked_per_row_and_said_as_time_not_damage(tmp_path, ticking_clock, name, make):
    raw = make(tmp_path)
    with pytest.raises(CorpusError) as caught:  # one table, one sheet or one block: only checks within it end it
        extract_text(raw, name[name.index("."):], name, seconds=500)
    assert str(caught.value) == (f"{name}: reading it took over 500 s, the time one file may take, so it was not added; "
                                 "split it into smaller files or save it as plain text")


@pytest.mark.parametrize("make", [
    lambda n: "Header," * n + "\n" + "x\n" * n,     # a wide header, short rows: each row's work its own length
    lambda n: "same," * n + "\n",                   # one row of equal (merged) cells: a list lookup each was quadratic
])
def test_csv_reading_is_linear_in_its_cells(make):
    assert growth(lambda text: extract_text(text.encode(), ".csv", "x.csv"), make, 2_000) < 64


def test_a_csv_field_longer_than_pythons_limit_is_read():
    field = "word " * 40_000  # 200,000 characters; Python's csv stops at 131,072 by default
    text = extract_text(f'Title,Body\nLong,"{field}"\n'.encode(), ".csv", "long.csv").text
    assert text == f"Title: Long | Body: {field.strip()}"


def test_word_tables_are_read_linearly_however_merged(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    table = word.add_table(rows=3, cols=3)
    for row, cells in enumerate([("Ship", "Berth", "Crew"), ("Aurora", "7", "12"), ("", "8", "9")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    table.cell(0, 1).merge(table.cell(0, 2))  # a header spanning two columns
    table.cell(1, 0).merge(table.cell(2, 0))  # a ship spanning two rows
    word.save(tmp_path / "merged.docx")
    from qa.index.readers.extracted import table_lines

    as_python_docx = table_lines([[cell.text.strip() for cell in row.cells] for row in table.rows])
    assert extract_text((tmp_path / "merged.docx").read_bytes(), ".docx", "merged.docx").text == "\n".join(as_python_docx)
    spanning = word_file(tmp_path / "span.docx", word_table(2).replace(b"<w:tc>", b'<w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr>', 1))
    assert "Ship 1" in extract_text(spanning.read_bytes(), ".docx", "span.docx").text
    assert growth(lambda raw: extract_text(raw, ".docx", "m.docx"), lambda n: word_file(tmp_path / "m.docx", word_table(n, merged=True)).read_bytes(),
                  100) < 64  # a vertical merge down the table: python-docx looked up every cell above, recursively


def test_open_document_repeats_are_never_unrolled_without_a_bound(tmp_path):
    row = b"<table:table-row%s><table:table-cell%s><text:p>%s</text:p></table:table-cell></table:table-row>"
    empty_tail = (b"<table:table>" + row % (b"", b"", b"Ship") + row % (b"", b"", b"Aurora")
                  + row % (b' table:number-rows-repeated="1048576"', b' table:number-columns-repeated="16384"', b"") + b"</table:table>")
    spaced = b'<text:p>The pier<text:s text:c="1000000000"/>opens.</text:p>'
    text = extract_text(odt_with_body(tmp_path, empty_tail + spaced), ".odt", "sheet.odt").text
    assert text == "Ship: Aurora\nThe pier opens."
    wide = b"<table:table>" + row % (b"", b' table:number-columns-repeated="1000000"', b"x") + b"</table:table>"
    with pytest.raises(CorpusError, match=r"wide.odt: a table row has over 1,024 cells; it was not read"):
        extract_text(odt_with_body(tmp_path, wide), ".odt", "wide.odt")
    tall = b"<table:table>" + row % (b' table:number-rows-repeated="1000000"', b"", b"x") + b"</table:table>"
    with pytest.raises(CorpusError, match=r"tall.odt: a table row with text is repeated 1,000,000 times; it was not read"):
        extract_text(odt_with_body(tmp_path, tall), ".odt", "tall.odt")


def test_one_tag_with_many_attributes_is_read_linearly():
    make = lambda n: "<html><body><p " + " ".join(f"a{i}='x'" for i in range(n // 8)) + ">The pier opens.</p></body></html>"  # noqa: E731
    assert growth(lambda markup: extract_text(markup.encode(), ".html", "x.html"), make, 20_000) < 64  # lxml: quadratic
    assert extract_text(make(400_000).encode(), ".html", "x.html").text == "The pier opens."


def test_a_missing_reader_library_or_a_failing_reader_skips_only_that_file(tmp_path, monkeypatch):
    import sys

    from qa.index import documents

    word_file(tmp_path / "crew.docx")
    (tmp_path / "notes.txt").write_text("The pier opens in March.", encoding="utf-8")
    (tmp_path / "odd.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "docx", None)  # `import docx` fails, as with a broken install
    reading = documents.extract_text

    def failing_on_csv(raw, suffix, name, seconds=None):
        if suffix == ".csv":
            raise RecursionError("maximum recursion depth exceeded")
        return reading(raw, suffix, name, seconds)

    monkeypatch.setattr(documents, "extract_text", failing_on_csv)
    with pytest.warns(UserWarning):
        found, skipped = load_documents([tmp_path])
    assert [d.doc_id for d in found] == ["notes.txt"]
    reasons = {s.doc_id: s.reason for s in skipped}
    assert reasons["crew.docx"].startswith("crew.docx: the library that reads .docx files cannot be loaded (import of docx halted")
    assert reasons["odd.csv"] == "odd.csv: its reader failed (RecursionError: maximum recursion depth exceeded)"
    assert all("\n" not in reason for reason in reasons.values())


def test_a_file_may_take_longer_to_read_the_larger_it_is():
    from qa.index.readers.extracted import reading_seconds

    assert reading_seconds(0) == 20 and reading_seconds(5_000_000) == 45


def test_a_word_file_of_many_paragraphs_costs_work_only_for_those_with_text(monkeypatch):
    """A 50 KB .docx can hold a million paragraphs: empty ones are passed by without a python-docx
    object, and a paragraph's style is never looked up one by one (that took 16 s per 100,000)."""
    import io
    import zipfile

    from docx import Document as WordDocument
    from docx.text.paragraph import Paragraph

    from qa.index.readers import extract_text

    word = WordDocument()
    word.add_heading("Harbour report", 1)
    word.add_paragraph("Ada leads the harbour team.")
    plain = io.BytesIO()
    word.save(plain)
    source, hostile = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p/><w:p><w:pPr/></w:p>" * 100_000)
            archive.writestr(item, data)
    made = []
    original = Paragraph.__init__
    monkeypatch.setattr(Paragraph, "__init__", lambda self, *a: (made.append(1), original(self, *a))[1])
    monkeypatch.setattr(Paragraph, "style", property(lambda self: pytest.fail("a style looked up per paragraph")))
    extracted = extract_text(hostile.getvalue(), ".docx", "many.docx", None)
    assert extracted.text == "Harbour report\nAda leads the harbour team." and len(made) == 2
    assert [extracted.text[h.start : h.end] for h in extracted.headings] == ["Harbour report"]


@pytest.mark.parametrize("make", [lambda n: "# a" + " " * n + "b", lambda n: "## x" + " #" * (n // 2) + " y",
                                  lambda n: "#" * n + " heading"])
def test_markdown_headings_are_found_in_linear_time(make):
    from qa.index.blocks import markdown_headings

    assert growth(markdown_headings, make, 20_000) < 64  # linear: 16, quadratic: 256 (a pattern took 14 s at 40,000)
