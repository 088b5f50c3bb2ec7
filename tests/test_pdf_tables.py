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


def ruled_pdf(lines: list[tuple[float, float, str]], rules: list[tuple[float, float, float, float]], rotate: bool = False,
              fills: list[tuple[float, float, float, float]] = (), sideways: list[tuple[float, float, str]] = ()) -> bytes:
    """A one-page PDF with text at (x, y) and lines drawn from (x0, y0) to (x1, y1); `rotate`: the
    page is stored turned (content drawn a quarter turn, /Rotate 90), as landscape scans often are;
    `fills`: grey rectangles (x, y, width, height) painted behind the text, not stroked; `sideways`: text
    at (x, y) running up the page (a margin note, a page number set sideways)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_layout_pdf([lines]))))
    page = writer.pages[0]
    content = page.get_contents()
    painted = "".join(f"0.8 g {x} {y} {w} {h} re f\n" for x, y, w, h in fills) + "0 g\n"
    turned = "".join(f"\nBT /F1 10 Tf 0 1 -1 0 {x} {y} Tm ({text}) Tj ET" for x, y, text in sideways)
    drawn = painted.encode() + content.get_data() + "".join(f"\n{a} {b} m {c} {d} l S" for a, b, c, d in rules).encode() \
        + turned.encode()
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


def tables_of(lines: list[tuple]) -> list[list[list[str]]]:
    """The rows of each table found on a one-page PDF of these lines."""
    return [table.rows for _, table in pdf_tables(make_layout_pdf([lines]), "t.pdf", Budget("t.pdf", None))]


def test_a_value_and_its_interval_are_two_cells_and_a_footnote_mark_stays_with_its_number():
    lines = [(72, 700, "State"), (200, 700, "Rate"), (240, 700, "Interval")]
    for row, (state, rate, interval) in enumerate([("Ohio", "12.5", "(10.1-14.9)"), ("Utah", "10.4", "(9.1-11.8)"),
                                                   ("Iowa", "11.7", "(10.2-13.0)")]):
        lines += [(72, 686 - 14 * row, state), (200, 686 - 14 * row, rate), (227, 686 - 14 * row, interval)]
    lines += [(72, 644, "Texas"), (200, 644, "3,208"), (235, 644, "(1)")]  # 7 points apart, as the intervals
    (rows,) = tables_of(lines)
    assert rows[1] == ["Ohio", "12.5", "(10.1-14.9)"] and rows[4][:2] == ["Texas", "3,208 (1)"], rows


def test_leader_dots_lead_to_the_next_cell_and_a_spread_out_header_is_cells_not_a_sentence():
    lines = [(72, 700, "Proportion"), (122, 700, "1.0"), (180, 700, "1.1")]
    for row, (share, first, second) in enumerate([("0.99", "800", "880"), ("0.95", "160", "176"), ("0.90", "80", "88")]):
        lines += [(72, 686 - 14 * row, f"{share} ..........{first}"), (180, 686 - 14 * row, second)]
    assert tables_of(lines)[0][1:] == [["0.99", "800", "880"], ["0.95", "160", "176"], ["0.90", "80", "88"]]
    heads = ["Age", "Hispanic", "non-Hispanic", "Hispanic", "non-Hispanic"]  # far apart: no justified sentence
    spread = [(x, 700, head) for x, head in zip((72, 150, 250, 350, 450), heads)]
    for row, values in enumerate([("45-54", "345", "5,663", "1,205", "17,707"), ("55-64", "806", "12,273", "1,906", "31,564"),
                                  ("65-74", "1,512", "22,270", "2,430", "40,266")]):
        spread += [(x, 686 - 14 * row, value) for x, value in zip((72, 150, 250, 350, 450), values)]
    assert tables_of(spread)[0][0] == heads


def test_group_labels_in_the_first_column_keep_a_table_whole_and_a_caption_starts_the_next():
    lines = [(72, 700, "Group"), (200, 700, "Count"), (300, 700, "Share")]
    labels = ["White", "American Indian/", "  Alaska Native", "Sex, by race", "Male", "White", "Black"]
    y = 686
    for label in labels:  # three lines of the first column alone: a wrapped label and two group labels
        lines.append((72, y, label))
        if label not in ("  Alaska Native", "Sex, by race", "Male"):
            lines += [(200, y, f"{y},000"), (300, y, f"{y % 7}.5")]
        y -= 12
    lines += [(72, y, "Table 2."), (72, y - 12, "Deaths by state and year, 2010 (numbers in thousands)")]
    for row in range(3):
        at = y - 26 - 12 * row
        lines += [(72, at, f"State {row}"), (200, at, f"{row + 4},100"), (300, at, "2.5")]
    first, second = tables_of(lines)
    assert [row[0] for row in first] == ["Group", "White", "American Indian/", "Alaska Native", "Sex, by race", "Male", "White",
                                         "Black"], first
    assert second[0] == ["State 0", "4,100", "2.5"]


def test_long_row_labels_are_cells_and_a_header_repeated_starts_a_table_stacked_below():
    label = "Projections of Education Statistics to 2011"  # wide and many-worded, as a prose column's lines
    lines = [(72, 720, "Table A-3. Example of projections"), (72, 700, "Source"), (300, 700, "2008"), (400, 700, "2009")]
    lines += [line for row in range(3) for line in ((72, 686 - 12 * row, label), (300, 686 - 12 * row, f"49,{row}44"),
                                                    (400, 686 - 12 * row, f"50,{row}67"))]
    ((header, *rows),) = tables_of(lines)
    assert rows[0] == [label, "49,044", "50,067"], rows
    stacked = [(72, 700, "Proportion"), (200, 700, "1.0"), (260, 700, "1.1")]
    for row, y in enumerate(range(686, 600, -14)):
        stacked += [(72, y, "Proportion"), (200, y, "1.7"), (260, y, "1.8")] if row == 3 else \
            [(72, y, f"0.{90 + row}"), (200, y, f"{row + 1}0"), (260, y, f"{row + 1}5")]
    assert [rows[0] for rows in tables_of(stacked)] == [["Proportion", "1.0", "1.1"], ["Proportion", "1.7", "1.8"]]


def test_a_table_of_sentences_with_short_row_labels_is_read_with_its_wrapped_labels():
    lines = [(72, 700, "Standard"), (170, 700, "General"), (330, 700, "Alternate"), (490, 700, "Notes")]
    rows = [("Content", "Grade level for all", "Extended grade level for some", "Set by each state"), ("taught", "", "", ""),
            ("Achievement", "Grade level for all", "Alternate level for few", "Set by the state"),
            ("Participation", "All general education students", "Students most in need", "Some with extra support")]
    for row, cells in enumerate(rows):
        lines += [(x, 686 - 12 * row, cell) for x, cell in zip((72, 170, 330, 490), cells) if cell]
    (table,) = tables_of(lines)
    assert [row[0] for row in table] == ["Standard", "Content taught", "Achievement", "Participation"], table


def test_a_cell_wrapped_over_lines_shaded_a_strip_a_line_is_one_cell():
    lines = [(72, 700, "Source"), (170, 700, "Definition"), (330, 700, "Examples"),
             (72, 686, "Major"), (170, 686, "10 tons or more"), (330, 686, "Refineries"), (170, 674, "of any toxic"),
             (72, 650, "Area"), (170, 650, "Less than 10 tons"), (330, 650, "Dry cleaners"),
             (72, 630, "Mobile"), (170, 630, "Motor vehicles"), (330, 630, "Cars")]
    strips = [(68, 683, 90, 12), (68, 671, 90, 12)]  # the row label's shading, drawn a line at a time
    ((page, table),) = pdf_tables(ruled_pdf(lines, [], fills=strips), "t.pdf", Budget("t.pdf", None))
    assert table.rows[1] == ["Major", "10 tons or more of any toxic", "Refineries"], table.rows


def test_a_table_of_contents_led_by_dots_to_its_page_numbers_is_prose():
    entries = ["1.1 Spaces", "1.2 Metrics", "1.3 Continuity", "1.4 Compactness"]
    lines = [line for row, entry in enumerate(entries)
             for line in ((72, 700 - 14 * row, f"{entry} . . . . . . . ."), (230, 700 - 14 * row, str(2 + 4 * row)))]
    assert tables_of(lines) == []


def test_a_records_description_going_on_under_it_in_a_frame_stays_in_its_row():
    lines = [(72, 700, "Doc"), (150, 700, "Payee"), (250, 700, "Description"), (450, 700, "Amount")]
    for row, (doc, payee, kind, note, amount) in enumerate([
            ("D001", "Acme", "Travel", "TRAIN FARE FOR STAFF OHIO TO UTAH", "618.00"),
            ("D002", "Zenith", "Supplies", "PAPER AND INK FOR THE OHIO OFFICE", "75.10"),
            ("D003", "Acme", "Travel", "AIRFARE FOR STAFF UTAH TO IOWA", "412.50")]):
        y = 680 - 26 * row
        lines += [(72, y, doc), (150, y, payee), (250, y, kind), (450, y, amount), (250, y - 12, note)]
    rules = ([(66, y, 520, y) for y in (710, 694)] + [(x, 710, x, 694) for x in (66, 140, 240, 440, 520)]
             + [(x, 692, x, 590) for x in (66, 520)] + [(66, 590, 520, 590)])  # a frame, undivided, around the body
    for sideways in ([], [(510, 600, "B-1191 B-1191")]):  # a page number set sideways in the margin is no column
        ((page, table),) = pdf_tables(ruled_pdf(lines, rules, sideways=sideways), "t.pdf", Budget("t.pdf", None))
        assert table.rows[1] == ["D001", "Acme", "Travel TRAIN FARE FOR STAFF OHIO TO UTAH", "618.00"], table.rows
        assert len(table.rows) == 4


PROSE_BESIDE_CHART = [(330, 730 - 12 * row, "The desk keeps a record of every parcel it takes in") for row in range(14)]


def test_a_ruled_chart_of_wrapped_cells_is_read_by_its_rulings_beside_a_prose_column():
    chart = [("IF the item is", ["THEN it goes to"]),
             ("Letters and small", ["The front desk on the", "ground floor of the", "main building"]),
             ("Heavy freight", ["The loading dock behind", "(Gate B), which opens", "at seven every morning"]),
             ("Returned goods from", ["The returns office on", "the top floor"])]
    lines, rules, y = list(PROSE_BESIDE_CHART), [], 712
    for label, cells in chart:
        rules.append((66, y + 10, 300, y + 10))  # a ruling over every row, across both columns
        lines.append((80 if label.startswith("Returned") else 72, y, label))  # ends close to the divider: a drawn line parts it
        lines += [(72, y - 12, "(Over 30 kg)")] if label.startswith("Heavy") else []  # no lower case: the rulings join it
        lines += [(178, y - 12 * at, cell) for at, cell in enumerate(cells)]
        y -= 12 * len(cells) + 4
    rules += [(66, y + 10, 300, y + 10), (175, 722, 175, y + 10)]
    ((page, table),) = pdf_tables(ruled_pdf(lines, rules), "t.pdf", Budget("t.pdf", None))
    assert table.rows[1] == ["Letters and small", "The front desk on the ground floor of the main building"], table.rows
    assert table.rows[2] == ["Heavy freight (Over 30 kg)", "The loading dock behind (Gate B), which opens at seven every morning"]
    assert table.rows[3] == ["Returned goods from", "The returns office on the top floor"] and len(table.rows) == 4


def test_an_open_frame_parts_rows_at_hanging_indents_and_its_header_boxed_again_starts_a_table():
    lines, rules = list(PROSE_BESIDE_CHART), []
    y = 712
    for part, entries in enumerate([[("1. A joint account", "The first owner"), ("   (Held by a minor)", "")],
                                    [("2. A trust", "The trustee of"), ("   (Set up by a will)", "the trust")]]):
        lines += [(72, y, "For this account"), (180, y, "Give the name of")]
        rules += [(66, y + 10, 300, y + 10), (66, y - 4, 300, y - 4)]  # the header's box
        y -= 16
        for entry, name in entries * 2:
            lines.append((72, y, entry))
            if name:
                lines.append((180, y, name))
            y -= 12
    rules.append((175, 722, 175, y))  # the divider, the frame open below
    tables = [table for _, table in pdf_tables(ruled_pdf(lines, rules), "t.pdf", Budget("t.pdf", None))]
    first, second = ["1. A joint account (Held by a minor)", "The first owner"], ["2. A trust (Set up by a will)", "The trustee of the trust"]
    header = ["For this account", "Give the name of"]
    assert [table.rows for table in tables] == [[header, first, first], [header, second, second]], [t.rows for t in tables]


def test_a_footnote_mark_raised_over_its_line_stays_with_it_as_a_word_of_its_own():
    from qa.index.readers.pdf_tables import Glyph, _text_rows

    def word(x: float, text: str, top: float, size: float) -> list[Glyph]:
        return [Glyph(x + 5 * at, x + 5 * at + 5, top, top + size, char, size) for at, char in enumerate(text)]

    glyphs = word(100, "5,000", 100, 10) + word(125, "1", 97, 6) + word(200, "Total", 100, 10)
    assert [[s.text for s in line] for line in _text_rows(glyphs, lambda: None)] == [["5,000 1", "Total"]]
