"""Document formats with files the tests make: PDF pages, Word paragraphs and tables, the main
content of HTML; damaged, encrypted and text-less files refused with the reason."""

import io
from pathlib import Path

import pytest

from conftest import make_layout_pdf, make_pdf
from qa.eval.pdf_benchmark import two_column_paper
from qa.errors import CorpusError
from qa.index.documents import load_documents
from qa.index.readers import extract_text

REPORT = [["Annual report of the harbour.", "Ships arrived all year round."],
          ["The harbour master is Ada Lovelace.", "She was appointed in May 2021."]]
PAGE = """<!doctype html><html><head><title>Harbour news</title><style>p { color: red }</style>
<script>var secret = "SCRIPT-TEXT";</script></head><body>
<nav><a href="/">Home</a> <a href="/about">NAV-TEXT</a></nav>
<header class="site-header">HEADER-TEXT</header>
<main><h1>Harbour news</h1><p>The harbour master is <b>Ada</b> Lovelace. She started in <i>May</i> 2021.</p>
<table><tr><th>Ship</th><th>Berth</th></tr><tr><td>Aurora</td><td>7</td></tr></table>
<div class="cookie-banner">COOKIE-TEXT</div><aside>ASIDE-TEXT</aside></main>
<footer>FOOTER-TEXT Copyright 2026</footer></body></html>"""


def test_pdf_text_layer_page_by_page_with_page_numbers(tmp_path):
    (tmp_path / "report.pdf").write_bytes(make_pdf(REPORT))
    (document,), _ = load_documents([tmp_path])
    start = document.text.index("Ada Lovelace")
    assert document.page_at(start) == 2 and document.page_at(document.text.index("Ships")) == 1
    assert document.text[document.page_starts[1]:].startswith("The harbour master")
    assert document.title == "Annual report of the harbour."


def test_word_paragraphs_headings_and_tables_in_order(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("Crew list", level=1)
    word.add_paragraph("The harbour master is Ada Lovelace.")
    table = word.add_table(rows=2, cols=2)
    for row, cells in enumerate([("Ship", "Berth"), ("Aurora", "7")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    word.add_paragraph("Closing remarks follow the table.")
    word.save(tmp_path / "crew.docx")
    (document,), _ = load_documents([tmp_path])
    assert document.text == "Crew list\nThe harbour master is Ada Lovelace.\nShip: Aurora | Berth: 7\nClosing remarks follow the table."
    assert document.page_starts == [] and document.page_at(3) is None


def test_html_keeps_the_main_content_and_drops_boilerplate():
    text = extract_text(PAGE.encode("utf-8"), ".html", "news.html").text
    assert text.splitlines()[0] == "Harbour news"
    assert "The harbour master is Ada Lovelace. She started in May 2021." in text
    assert "Ship: Aurora | Berth: 7" in text.splitlines()  # a table row with its headers
    for boilerplate in ("SCRIPT-TEXT", "NAV-TEXT", "HEADER-TEXT", "COOKIE-TEXT", "ASIDE-TEXT", "FOOTER-TEXT", "color"):
        assert boilerplate not in text
    without_main = "<html><body><nav>Menu</nav><p>Plain page text here.</p><footer>Foot</footer></body></html>"
    assert extract_text(without_main.encode(), ".htm", "x.htm").text == "Plain page text here."
    latin = '<meta charset="iso-8859-1"><p>Caf\xe9 cr\xe8me</p>'.encode("latin-1")
    assert extract_text(latin, ".html", "l.html").text == "Café crème"


PLAN = """<html><head><title>Project plan</title><meta property="article:published_time" content="2024-03-05"></head>
<body class="no-sidebar header-spacing"><form id="page"><nav>Home About</nav><article><h1>Project plan</h1>
<p>The project has three milestones, each with its own date and owner, as the table below shows in full.</p>
<h2>Milestones</h2><ul><li>The prototype comes first, then the launch.</li><li>Each has an owner.</li></ul>
<table><thead><tr><th>Milestone</th><th>Date</th></tr></thead><tbody><tr><td>Prototype ready</td><td>30 June 2024</td></tr>
<tr><td>Public launch</td><td>1 November 2024</td></tr></tbody></table>
<p>After the launch the team will review the results and plan the next year in detail.</p></article>
<section class="comments"><h3>Comments</h3><p>Great post, I loved it so much! COMMENT-TEXT</p></section></form></body></html>"""


def test_web_pages_keep_headings_lists_tables_with_headers_and_their_date_not_comments():
    page = extract_text(PLAN.encode("utf-8"), ".html", "plan.html")
    lines = page.text.splitlines()
    assert lines[0] == "Project plan" and "Milestones" in lines and "- Each has an owner." in lines
    assert "Milestone: Public launch | Date: 1 November 2024" in lines  # its row answers "when is the launch?"
    assert "After the launch the team will review the results and plan the next year in detail." in lines
    assert "COMMENT-TEXT" not in page.text and "Home About" not in page.text  # theme classes and a page-wide form drop nothing
    assert page.date == "2024-03-05"


def test_a_web_pages_date_becomes_its_documents_date(tmp_path):
    (tmp_path / "plan.html").write_text(PLAN, encoding="utf-8")
    (document,), _ = load_documents([tmp_path])
    assert document.date == "2024-03-05" and document.title == "Project plan"


def test_a_word_table_without_a_header_row_keeps_plain_rows_and_merged_cells_count_once():
    from qa.index.readers.extracted import table_lines as _table_lines

    assert _table_lines([["Prototype ready", "30 June 2024"], ["", "1 November 2024"]]) == \
        ["Prototype ready | 30 June 2024", "1 November 2024"]
    assert _table_lines([["Milestone", "Date", "Owner"], ["Launch", "1 Nov", "1 Nov"]]) == ["Milestone: Launch | Date: 1 Nov"]
    assert _table_lines([["Q1 2024", "Q2 2024"], ["10", "12"]], marked=True) == ["Q1 2024: 10 | Q2 2024: 12"]
    assert _table_lines([["Account type:", "Give name of:"], ["Partnership", "The partnership"]], marked=True) == \
        ["Account type: Partnership | Give name of: The partnership"]  # a header's own colon is not doubled


@pytest.mark.parametrize("rows, merged, lines", [
    ([["City", "Population", "Population"], ["", "2010", "2020"], ["Porto", "237,559", "231,800"]], True,
     ["City: Porto | Population 2010: 237,559 | Population 2020: 231,800"]),  # Word repeats a merged cell
    ([["City", "Population", "", "Area"], ["", "2010", "2020", ""], ["Porto", "237,559", "231,800", "41"]], False,
     ["City: Porto | Population 2010: 237,559 | Population 2020: 231,800", "City: Porto | Area: 41"]),  # a sheet leaves
    # the spanned cells empty; a row of more than two cells beside its key is written as lines that start with it
    ([["Name", "Role", ""], ["Ana", "Chair", "x"], ["Rui", "Clerk", "y"]], False,
     ["Name: Ana | Role: Chair | x", "Name: Rui | Role: Clerk | y"]),  # a data row filling every column: no group
    ([["Team", "Score", ""], ["", "5", "6"], ["Porto", "7", "8"]], False,
     ["Score: 5 | 6", "Team: Porto | Score: 7 | 8"]),  # numbers under the header are data
    ([["110", "", "Symbols"], ["∆ k", "Simplex", ""], ["X#Y", "Gluing", ""]], False,
     ["110: ∆ k | Simplex", "110: X#Y | Gluing"]),  # a page number over words is no group's name
])
def test_a_header_row_under_grouped_cells_names_their_columns(rows, merged, lines):
    from qa.index.readers.extracted import table_lines as _table_lines

    assert _table_lines(rows, merged=merged) == lines


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(REPORT))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name, raw, reason", [
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "damaged PDF"),
    ("truncated.pdf", make_pdf(REPORT)[:300], "PDF"),
    ("scan.pdf", make_pdf([[], []]), "no text layer"),
    ("locked.pdf", None, "encrypted"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "damaged Word file"),
    ("empty.html", b"<html><script>only()</script></html>", "no text"),
])
def test_unusable_files_are_skipped_with_a_one_line_reason(tmp_path, name, raw, reason):
    (tmp_path / name).write_bytes(encrypted_pdf() if raw is None else raw)
    (tmp_path / "ok.txt").write_text("A readable note sits beside it.", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        documents, skipped = load_documents([tmp_path])
    assert [d.doc_id for d in documents] == ["ok.txt"]
    assert [s.doc_id for s in skipped] == [name] and reason in skipped[0].reason
    assert len(str(caught[0].message).splitlines()) == 1
    with pytest.raises(CorpusError, match=reason):
        extract_text((tmp_path / name).read_bytes(), (tmp_path / name).suffix, name)


def test_pages_survive_saving_the_index(tmp_path, hash_embedder):
    from qa.assistant import build_or_update
    from qa.index.store import SentenceIndex

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.pdf").write_bytes(make_pdf(REPORT))
    documents, _ = load_documents([tmp_path / "docs"])
    build_or_update(documents, hash_embedder, tmp_path / "ix")
    loaded = SentenceIndex.open(tmp_path / "ix")
    assert loaded.document("report.pdf").page_starts == documents[0].page_starts == [0, documents[0].text.index("The harbour")]


def test_slides_are_pages_and_their_tables_keep_headers(tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Harbour plan"
    first.placeholders[1].text = "The new pier opens in spring."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Milestones"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for row, cells in enumerate([("Milestone", "Date"), ("Prototype ready", "30 June 2024"), ("Public launch", "1 November 2024")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    deck.save(tmp_path / "plan.pptx")
    (document,), _ = load_documents([tmp_path])
    row = document.text.index("Milestone: Public launch | Date: 1 November 2024")
    assert document.page_at(row) == 2 and document.page_at(document.text.index("new pier")) == 1
    assert document.title == "Harbour plan"


def test_spreadsheets_and_csv_give_rows_with_their_headers(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Milestones"
    for row in [("Milestone", "Date"), ("Prototype ready", "30 June 2024"), ("Public launch", "1 November 2024")]:
        book.active.append(row)
    book.save(tmp_path / "plan.xlsx")
    (tmp_path / "crew.csv").write_text("Name;Role\nAda Lovelace;harbour master\nTomas Berg;pilot\n", encoding="utf-8")
    documents = {d.doc_id: d for d in load_documents([tmp_path])[0]}
    assert documents["plan.xlsx"].text == "Milestones\nMilestone: Prototype ready | Date: 30 June 2024\n" \
                                          "Milestone: Public launch | Date: 1 November 2024"
    assert documents["crew.csv"].text == "Name: Ada Lovelace | Role: harbour master\nName: Tomas Berg | Role: pilot"


def test_an_email_gives_its_subject_body_and_date(tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Pier opening moved"
    message["From"] = "ada@example.org"
    message["Date"] = "Fri, 28 Jan 2022 09:30:00 +0000"
    message.set_content("The pier now opens on 3 March.\nPlease tell the crew.")
    message.add_alternative("<html><body><p>The pier now opens on <b>3 March</b>.</p></body></html>", subtype="html")
    (tmp_path / "note.eml").write_bytes(bytes(message))
    (document,), _ = load_documents([tmp_path])
    assert document.text == "Pier opening moved\nThe pier now opens on 3 March.\nPlease tell the crew."
    assert document.date == "2022-01-28" and document.title == "Pier opening moved"


@pytest.mark.parametrize("name", ["bomb.pptx", "bomb.xlsx"])
def test_every_office_format_refuses_zip_bombs(tmp_path, name):
    import zipfile

    with zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("ppt/padding.bin", "w") as part:
            for _ in range(210):
                part.write(b"\0" * 1_000_000)
    with pytest.raises(CorpusError, match="a zip bomb"):
        extract_text((tmp_path / name).read_bytes(), Path(name).suffix, name)


def test_a_two_column_pdf_is_read_as_paragraphs_in_column_order(tmp_path):
    from qa.index.sentences import answerable_sentences

    (tmp_path / "paper.pdf").write_bytes(two_column_paper())
    (document,), _ = load_documents([tmp_path])
    text = document.text
    assert "Journal of Harbour Studies" not in text and "\n1\n" not in text  # running header, page numbers
    assert "construction programme would start" in text and "consecutive years" in text  # hyphenation undone
    first = text.index("Page 1: The harbour authority")
    assert first < text.index("Page 1: Engineers") < text.index("Page 1: Fishermen") < text.index("Page 2: The harbour")
    sentences = [text[s.start : s.end] for s in answerable_sentences(text)]
    fragments = [s for s in sentences if not (s[:1].isupper() and s.endswith((".", "!", "?")))]
    assert len(sentences) >= 24 and len(fragments) <= 0.1 * len(sentences), fragments
    assert document.page_at(text.index("Page 3: Fishermen")) == 3


def test_pdf_text_cleaning_and_glyph_soup():
    from qa.index.readers.pdf import _clean, _word_share

    assert _clean("e\ufb03cient \x93quoted\x94 de(cid:12)ned") == "efficient “quoted” dened"
    assert _word_share("The harbour master is Ada Lovelace, appointed in 2021.") == 1.0
    assert _word_share("!\"# $%&' ()*+ ,-./ 0Qz Xkq Pwtz #$%& ()*") < 0.6


def test_a_pdf_whose_text_layer_is_glyph_soup_is_refused(tmp_path):
    soup = make_layout_pdf([[(72, 700 - 14 * n, "Xq#zt! Pkw$ Tzr%% Bnq&kx Jmw() Vtr* Qzx+ Kdw-") for n in range(30)]])
    with pytest.raises(CorpusError, match="not readable text"):
        extract_text(soup, ".pdf", "soup.pdf")


def test_open_document_and_rtf_text(tmp_path):
    import odfdo

    document = odfdo.Document("text")
    document.body.append(odfdo.Header(1, "Crew list"))
    document.body.append(odfdo.Paragraph("The harbour master is Ada Lovelace."))
    document.body.append(odfdo.List(["Ships arrive daily.", "Pilots board at the buoy."]))
    table = odfdo.Table("Berths", width=2, height=2)
    table.set_values([["Ship", "Berth"], ["Aurora", "Seven"]])
    document.body.append(table)
    document.save(str(tmp_path / "crew.odt"))
    (tmp_path / "note.rtf").write_bytes(rb"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard The pier opens in {\b March}.\par "
                                        rb"Caf\'e9 cr\'e8me is served.\par}")
    documents = {d.doc_id: d.text for d in load_documents([tmp_path])[0]}
    assert documents["crew.odt"] == ("Crew list\nThe harbour master is Ada Lovelace.\nShips arrive daily.\n"
                                     "Pilots board at the buoy.\nShip: Aurora | Berth: Seven")
    assert documents["note.rtf"] == "The pier opens in March.\nCafé crème is served."
    with pytest.raises(CorpusError, match="not an RTF file"):
        extract_text(b"MZ binary", ".rtf", "fake.rtf")


def test_a_tables_header_is_found_below_title_rows_with_digits_and_its_repeats_left_out(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Crew"
    for row in [("Harbour crew list", "Compiled by the harbour office for the season", None, None),
                (None, "Source: harbour office", None, None),
                ("Name", "Role", "P25th", "Shifts_2024"), ("Ada Lovelace", "harbour master", 12.5, 3.0),
                ("Name", "Role", "P25th", "Shifts_2024"), ("Tomas Berg", "pilot", 7.25, 1)]:  # the header printed again
        book.active.append(row)
    book.save(tmp_path / "crew.xlsx")
    (document,), _ = load_documents([tmp_path])
    assert document.text.splitlines() == [
        "Crew", "Harbour crew list | Compiled by the harbour office for the season", "Source: harbour office",
        "Name: Ada Lovelace | Role: harbour master | P25th: 12.5", "Name: Ada Lovelace | Shifts_2024: 3",  # a key and two cells a line
        "Name: Tomas Berg | Role: pilot | P25th: 7.25", "Name: Tomas Berg | Shifts_2024: 1"]


@pytest.mark.parametrize("rows, lines", [
    ([["Country", "1990", "2000"], ["France", "56,700,000", "60,900,000"], ["Peru", "22.1", "26.5"]],  # years over numbers
     ["Country: France | 1990: 56,700,000 | 2000: 60,900,000", "Country: Peru | 1990: 22.1 | 2000: 26.5"]),
    ([["index", "0", "1"], ["0", "Dulles", "Washington"], ["1", "Changi", "Singapore"]],  # labels over text
     ["index: 0 | 0: Dulles | 1: Washington", "index: 1 | 0: Changi | 1: Singapore"]),
    ([["", "Ship", "Berth"], ["1", "Aurora", "Seven"]], ["1 | Ship: Aurora | Berth: Seven"]),  # an unnamed index column
    ([["France", "1990", "2002"], ["Peru", "1991", "1999"]], ["France | 1990 | 2002", "Peru | 1991 | 1999"]),  # years as data
    ([["Austria", "6137.07", "8842.59"], ["Belgium", "8343.1", "9714.96"]], ["Austria | 6137.07 | 8842.59", "Belgium | 8343.1 | 9714.96"]),
    ([["Team 1", "2–3", "Team 2"], ["Oslo", "1–1", "Bergen"]], ["Team 1 | 2–3 | Team 2", "Oslo | 1–1 | Bergen"]),
    ([["Gold", "Silver"], ["1", "1"]], ["Gold: 1 | Silver: 1"]),  # equal cells side by side are two cells
])
def test_a_header_is_recognised_by_what_it_names_and_never_invented(rows, lines):
    from qa.index.readers.extracted import table_lines

    assert table_lines(rows, merged=False) == lines


def test_a_wide_row_is_split_into_lines_that_each_name_its_row():
    from qa.index.readers.extracted import WIDE_ROW_CHARS, table_lines

    header = ["Rank", "Country"] + [f"gdpPercap_{year}" for year in range(1952, 2012, 5)] + ["Notes on the figures"]
    row = ["7", "Austria"] + [f"{1000 + year}.{year % 97}" for year in range(1952, 2012, 5)] + ["estimated " * 50]
    lines = table_lines([header, row], merged=False)
    assert len(lines) > 2 and all(line.startswith("Rank: 7 | Country: Austria | ") for line in lines)
    assert all(len(line) <= WIDE_ROW_CHARS for line in lines[:-1])  # the long note alone goes over
    cells = [cell for line in lines for cell in line.split(" | ")[2:]]
    assert cells == [f"{name}: {value.strip()}" for name, value in zip(header[2:], row[2:])]  # every cell, once, in order


@pytest.mark.parametrize("raw, expected", [
    ('"Title";"Quote"\n"Speech";"He said \\"go\\" twice, then \\\\ left"\n',
     'Title: Speech | Quote: He said "go" twice, then \\ left'),
    ("Ship\tBerth\tNotes\nAurora\t7\tarrives; leaves, late\n", "Ship: Aurora | Berth: 7 | Notes: arrives; leaves, late"),
    ('Ship,Remark\nAurora,"said ""hello"", left"\n', 'Ship: Aurora | Remark: said "hello", left'),
])
def test_csv_dialects_are_read_with_their_delimiter_and_escapes(raw, expected):
    from qa.index.sentences import split_sentences

    text = extract_text(raw.encode(), ".csv", "dialect.csv").text
    assert text == expected
    assert [text[s.start : s.end] for s in split_sentences(text)] == [expected]


def test_a_slide_starts_with_its_title_keeps_its_columns_and_a_table_under_an_empty_row(tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[3])  # title and two content placeholders
    slide.placeholders[1].text_frame.text = "Pier A opens in spring"
    slide.placeholders[2].text_frame.text = "Pier B opens in autumn"
    slide.placeholders[2].text_frame.paragraphs[0].add_line_break()
    slide.placeholders[2].text_frame.paragraphs[0].add_run().text = "after the dredging"
    table = slide.shapes.add_table(3, 2, Inches(1), Inches(5), Inches(6), Inches(1)).table
    for row, cells in enumerate([("", ""), ("Pier", "Berths"), ("Pier A", "12")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(7), Inches(3), Inches(1)).text_frame.text = "Grouped note on the piers"
    title = slide.shapes.title
    title.text = "Harbour works"
    title._element.getparent().append(title._element)  # the title drawn last, above the rest
    deck.save(tmp_path / "works.pptx")
    text = extract_text((tmp_path / "works.pptx").read_bytes(), ".pptx", "works.pptx").text
    assert text.splitlines() == ["Harbour works", "Pier A opens in spring", "Pier B opens in autumn", "after the dredging",
                                 "Pier: Pier A | Berths: 12", "Grouped note on the piers"]
