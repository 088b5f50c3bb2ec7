"""PDF tables read as tables: ruled and unruled tables the tests draw themselves, rebuilt into rows
written with their headers, where the table stood, its words not repeated as prose."""

import io
import re

from conftest import make_layout_pdf
from qa.eval.pdf_benchmark import two_column_paper
from qa.index.readers.extracted import Budget
from qa.index.readers.pdf import pdf_tables, pdf_text
from qa.index.sentences import answerable_sentences

UNRULED = [(72, 740, "The permit office counts every application it receives."),
           (72, 700, "State"), (200, 700, "Permit"), (300, 700, "Notes"),
           (72, 686, "Kentucky"), (200, 686, "264,140"), (300, 686, "renewals counted"),
           (72, 672, "California"), (200, 672, "98 452"), (300, 672, "counted by county and"),
           (300, 660, "state offices"),
           (72, 646, "Utah"), (200, 646, "3,208"), (300, 646, "new permits only"),
           (72, 600, "Figures for December are provisional and may change.")]


def ruled_pdf(lines: list[tuple[float, float, str]], rules: list[tuple[float, float, float, float]], rotate: bool = False) -> bytes:
    """A one-page PDF with text at (x, y) and lines drawn from (x0, y0) to (x1, y1); `rotate`: the
    page is stored turned (content drawn a quarter turn, /Rotate 90), as landscape scans often are."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_layout_pdf([lines]))))
    page = writer.pages[0]
    content = page.get_contents()
    drawn = content.get_data() + "".join(f"\n{a} {b} m {c} {d} l S" for a, b, c, d in rules).encode()
    if rotate:  # the same drawing turned a quarter to the left on a portrait sheet; /Rotate 90 turns it back
        drawn = b"q 0 1 -1 0 612 0 cm\n" + drawn + b"\nQ"
        page[NameObject("/Rotate")] = NumberObject(90)
    content.set_data(drawn)
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def read(raw: bytes) -> str:
    return pdf_text(raw, "table.pdf", Budget("table.pdf", None)).text


def sentence_with(text: str, value: str) -> str:
    """The indexed sentence holding `value`, checked to be text[start:end]."""
    for span in answerable_sentences(text):
        if value in text[span.start : span.end]:
            assert text[span.start : span.end] == text[span.start : span.end].strip()
            return text[span.start : span.end]
    raise AssertionError(f"{value!r} is in no sentence of {text!r}")


def test_an_unruled_table_is_read_row_by_row_with_its_headers_wrapped_cells_and_spaced_thousands():
    raw = make_layout_pdf([[(72, 720, "Annual permit report.")], UNRULED])
    document = pdf_text(raw, "permits.pdf", Budget("permits.pdf", None))
    text = document.text
    assert "State: Kentucky | Permit: 264,140 | Notes: renewals counted" in text
    assert "State: California | Permit: 98 452 | Notes: counted by county and state offices" in text
    assert "State: Utah | Permit: 3,208 | Notes: new permits only" in text
    assert text.count("Kentucky") == 1 and text.count("state offices") == 1  # the table's words once, not again as prose
    before, after = text.index("The permit office counts"), text.index("Figures for December")
    assert before < text.index("State: Kentucky") < after  # where the table stood
    row = text.index("State: California")
    assert document.page_starts == [0, text.index("The permit office")] and row > document.page_starts[1]
    assert "Permit: 98 452" in sentence_with(text, "98 452")
    start = text.index("264,140")
    assert text[start : start + len("264,140")] == "264,140"


SALES = [(72, 686, "State"), (160, 686, "Handgun"), (240, 686, "Long Gun"), (320, 686, "Handgun"), (400, 686, "Long Gun"),
         (210, 700, "Sales"), (372, 700, "Pre-Pawn"),
         (72, 670, "Texas"), (160, 670, "56,941"), (240, 670, "30,210"), (320, 670, "12"), (400, 670, "7"),
         (72, 656, "Ohio"), (160, 656, "20,112"), (240, 656, "18,004"), (320, 656, "9"), (400, 656, "4"),
         (72, 642, "Utah"), (160, 642, "4,330"), (240, 642, "5,871"), (320, 642, "1"), (400, 642, "0")]
RULES = ([(x, 710, x, 636) for x in (66, 150, 310, 470)] + [(x, 694, x, 636) for x in (230, 390)]
         + [(66, y, 470, y) for y in (710, 694, 680, 664, 650, 636)])


def test_a_ruled_table_with_grouped_headers_gives_each_column_its_group():
    text = read(ruled_pdf(SALES, RULES))
    lines = text.splitlines()  # a wide row is written a few cells a line, each line under the row's key
    assert "State: Texas | Sales Handgun: 56,941 | Sales Long Gun: 30,210" in lines, text
    assert "State: Texas | Pre-Pawn Handgun: 12 | Pre-Pawn Long Gun: 7" in lines
    assert "State: Utah | Sales Handgun: 4,330 | Sales Long Gun: 5,871" in lines and text.count("Pre-Pawn") == 6


def test_a_table_on_a_page_stored_turned_is_read_upright():
    landscape = [(x, y - 300, line) for x, y, line in SALES]
    text = read(ruled_pdf(landscape, [(a, b - 300, c, d - 300) for a, b, c, d in RULES], rotate=True))
    assert "State: Ohio | Sales Handgun: 20,112 | Sales Long Gun: 18,004" in text.splitlines(), text
    assert "State: Ohio | Pre-Pawn Handgun: 9 | Pre-Pawn Long Gun: 4" in text.splitlines()


def test_tables_found_with_their_pages_and_prose_columns_are_not_tables():
    raw = make_layout_pdf([[(72, 720, "No table on this page.")], UNRULED])
    ((page, table),) = pdf_tables(raw, "permits.pdf", Budget("permits.pdf", None))
    assert page == 2 and table.header_rows == 1 and table.rows[2] == ["California", "98 452", "counted by county and state offices"]
    assert pdf_tables(two_column_paper(), "paper.pdf", Budget("paper.pdf", None)) == []
    assert not re.search(r"\w: .* \| ", read(two_column_paper()))


def test_a_grid_wider_than_the_column_bound_or_rulings_past_the_path_bound_still_read(monkeypatch):
    from qa.index.readers import pdf, pdf_tables as tables

    monkeypatch.setattr(pdf, "MAX_PAGE_PATHS", 0)  # no rulings kept: the table is read from its text alone,
    text = read(ruled_pdf(SALES, RULES))  # a group header then going to the one column under it
    assert {"State: Texas | Sales Handgun: 56,941 | Long Gun: 30,210", "State: Texas | Handgun: 12 | Pre-Pawn Long Gun: 7"} \
        <= set(text.splitlines()), text
    monkeypatch.setattr(tables, "MAX_COLUMNS", 3)  # more columns than a table may have: its words stay prose
    text = read(ruled_pdf(SALES, RULES))
    assert " | " not in text and "Texas" in text and "56,941" in text


def justified_columns(paragraphs: list[str], width: float) -> list[tuple[float, float, str]]:
    """Two columns `width` points wide, each line's words drawn one by one and spread to fill it
    (no space glyphs; gaps wider than a font size where few words fit), as browsers print justified text."""
    from pdfminer.fontmetrics import FONT_METRICS

    def measure(word: str) -> float:
        return sum(FONT_METRICS["Helvetica"][1].get(char, 556) for char in word) / 100  # Helvetica 10

    placed = []
    for x, column in ((72, paragraphs[:2]), (96 + width, paragraphs[2:])):
        y = 720
        for paragraph in column:
            lines, line = [], []
            for word in paragraph.split():
                if line and sum(map(measure, line + [word])) + 2.8 * len(line) > width:
                    lines.append(line)
                    line = []
                line.append(word)
            for words in lines + [line]:
                gap = 2.8 if words is line else (width - sum(map(measure, words))) / (len(words) - 1)
                at = x
                for word in words:
                    placed.append((round(at, 2), y, word))
                    at += measure(word) + gap
                y -= 12
            y -= 6
    return placed


def test_justified_two_column_prose_is_no_table_and_reads_as_sentences():
    from qa.eval.pdf_benchmark import ARTICLE

    for width in (155, 230):  # narrow columns stretch most gaps past a font size; wide ones a few
        raw = make_layout_pdf([justified_columns(ARTICLE, width)])
        assert pdf_tables(raw, "page.pdf", Budget("page.pdf", None)) == [], width
        text = read(raw)
        assert " | " not in text and ": " not in text
        for paragraph in ARTICLE:
            assert paragraph in text, (width, text)


def test_a_displayed_formula_and_a_book_index_in_columns_are_not_tables():
    formula = [(72, 700, "Sei"), (130, 700, "x"), (150, 700, "<"), (190, 700, "U"), (260, 700, "="), (330, 700, "V"),
               (100, 688, "n"), (170, 688, "-"), (300, 688, "+"),  # super- and subscripts of a displayed formula
               (72, 676, "und"), (120, 676, "y"), (215, 676, ">"), (280, 676, "W"), (350, 676, "gilt.")]
    entries = ["Abstand, 86", "affine, 107", "Achterknoten, 20", "Aktion, 47", "Basis, 7", "Bogen, 17"]
    index = [(x, 700 - 12 * row, entry) for row, (x, entry) in enumerate((72, e) for e in entries)]
    index += [(320, 700 - 12 * row, f"Zweig{entry}") for row, entry in enumerate(entries)]
    for page in (formula, index):
        assert pdf_tables(make_layout_pdf([page]), "page.pdf", Budget("page.pdf", None)) == []
    assert [row[1] for row in pdf_tables(make_layout_pdf([UNRULED]), "t.pdf", Budget("t.pdf", None))[0][1].rows][1:] \
        == ["264,140", "98 452", "3,208"]  # a table of aligned columns is still one
