"""PDF prose as written: words spaced from where their characters stand, running headers and page
numbers left out (and never the title), paragraphs read whole across column and page breaks, TeX's
math fonts read as the symbols they draw. Every PDF here is drawn by the test itself."""

from conftest import make_layout_pdf
from qa.index.documents import make_document
from qa.index.readers.extracted import Budget
from qa.index.readers.pdf import _word_share, pdf_text
from qa.index.sentences import answerable_sentences
from qa.index.readers.tex_fonts import tex_math_text


def read(raw: bytes):
    return pdf_text(raw, "paper.pdf", Budget("paper.pdf", None))


def justified(words: list[str], x: float, y: float, width: float) -> list[tuple[float, float, str]]:
    """Words drawn one by one across `width` points, the gaps between them stretched (no space glyphs)."""
    widths = [len(word) * 5.0 for word in words]  # Helvetica 10 averages about 5 points a letter
    gap = (width - sum(widths)) / (len(words) - 1)
    placed, at = [], x
    for word, size in zip(words, widths):
        placed.append((round(at, 2), y, word))
        at += size + gap
    return placed


def test_justified_words_drawn_without_space_glyphs_are_spaced():
    line = "The harbour authority collected information in every season".split()
    text = read(make_layout_pdf([justified(line, 72, 700, 420)])).text
    assert text == "The harbour authority collected information in every season"
    assert "informationin" not in text


def test_a_running_header_and_page_numbers_are_neither_text_nor_title():
    pages = [[(72, 760, "Journal of Harbour Studies 12 (2024)"), (300, 40, f"- {number} -"),
              (72, 700, f"Section {number} reports that the pier was inspected in spring.")] for number in (1, 2, 3)]
    extracted = read(make_layout_pdf(pages))
    assert "Journal of Harbour Studies" not in extracted.text and "- 2 -" not in extracted.text
    document = make_document("paper.pdf", extracted.text, extracted.page_starts)
    assert document.title == "Section 1 reports that the pier was inspected in spring."
    assert document.page_at(extracted.text.index("Section 3")) == 3


def test_a_sentence_cut_at_the_column_break_is_read_whole():
    left = [(72, 700 - 12 * n, line) for n, line in enumerate([
        "The commission met on the northern quay to review",
        "the measurements that the harbour authority had",
        "gathered over three consecutive winters and the"])]
    right = [(320, 700 - 12 * n, line) for n, line in enumerate([
        "storm damage recorded by the fishermen. A second",
        "meeting is planned for the spring."])]
    text = read(make_layout_pdf([left + right])).text
    whole = ("The commission met on the northern quay to review the measurements that the harbour authority had "
             "gathered over three consecutive winters and the storm damage recorded by the fishermen.")
    sentences = [text[span.start : span.end] for span in answerable_sentences(text)]
    assert whole in sentences, sentences


def test_a_sentence_cut_at_the_page_break_is_read_whole_and_pages_still_begin_where_they_do():
    first = [(72, 700 - 12 * n, line) for n, line in enumerate([
        "Dredging of the western channel began in March",
        "and is expected to continue until the end of the"])]
    second = [(72, 700, "summer season, weather permitting."), (72, 660, "Berths reopen in October.")]
    extracted = read(make_layout_pdf([first, second]))
    text = extracted.text
    assert "until the end of the summer season, weather permitting." in text
    document = make_document("paper.pdf", text, extracted.page_starts)
    assert document.page_at(text.index("Dredging")) == 1 and document.page_at(text.index("summer season")) == 2
    assert document.page_at(text.index("Berths")) == 2


def test_paragraphs_are_kept_apart_and_a_heading_is_not_split():
    lines = [(72, 720, "Tidal measurements at the northern"), (72, 704, "breakwater of the harbour"),
             (72, 670, "The authority measured the tides every morning."),
             (72, 658, "Their records show a steady rise."),
             (90, 640, "Engineers proposed reinforced concrete elements for"),
             (72, 628, "the breakwater.")]
    raw = make_layout_pdf([lines]).replace(b"BT /F1 10 Tf 72 720", b"BT /F1 16 Tf 72 720").replace(
        b"BT /F1 10 Tf 72 704", b"BT /F1 16 Tf 72 704")
    text = read(raw).text
    assert text.split("\n\n") == ["Tidal measurements at the northern breakwater of the harbour",
                                  "The authority measured the tides every morning. Their records show a steady rise.",
                                  "Engineers proposed reinforced concrete elements for the breakwater."]


def test_a_contents_page_keeps_each_entry_apart_with_its_page_number():
    lines = [(72, 520, "1 Harbour basics"), (530, 520, "2"),
             (90, 506, "1.1 Tides . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 3"),
             (90, 492, "1.2 Quays . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 9"),
             (72, 478, "2 Storms"), (524, 478, "14")]  # mid-page: a number alone near the top or foot is a page number
    assert read(make_layout_pdf([lines])).text.split("\n\n") == [
        "1 Harbour basics 2", "1.1 Tides " + ". " * 33 + "3", "1.2 Quays " + ". " * 33 + "9", "2 Storms 14"]


def test_tex_math_fonts_without_a_unicode_map_read_as_their_symbols():
    assert tex_math_text("BIKXFS+CMSY10", 0x38) == "∀" and tex_math_text("CMSY10", 0x29) == "⇒"
    assert tex_math_text("ABCDEF+CMMI10", 0x0D) == "γ" and tex_math_text("CMEX10", 0x50) == "∑"
    assert tex_math_text("CMSY10", 0x0E) == "◦" and tex_math_text("CMMI10", 0x22) == "ε"  # openbullet; \varepsilon
    assert tex_math_text("Helvetica", 0x38) is None


def test_tex_text_and_ams_fonts_read_their_codes_that_are_not_ascii():
    assert tex_math_text("AAABNJ+CMR10", 0x01) == "∆" and tex_math_text("CMBX12", 0x7B) == "–"  # OT1 Delta, endash
    assert tex_math_text("CMR10", 0x7E) == "˜" and tex_math_text("CMR10", 0x41) is None  # an accent; ASCII as it is
    assert tex_math_text("DUGPCC+MSAM10", 0x04) == "■" and tex_math_text("MSAM10", 0x5C) == "∠"
    assert tex_math_text("CMEX10", 0x65) == "\u0303" and tex_math_text("CMEX10", 0x7A) == ""  # wide tilde; brace tip
    assert tex_math_text("CMTT10", 0x7E) is None  # typewriter fonts draw ASCII there


def test_an_accent_drawn_over_a_letter_is_set_on_it_and_a_tilde_beside_a_word_stays():
    # Helvetica 10: "Espa" is 22.79 points wide; the tilde (5.84) is drawn first, over the n (5.56) that follows
    accented = [(72, 700, "Espa"), (94.79, 700, "~"), (94.79, 700, "n"), (100.35, 700, "a")]
    assert read(make_layout_pdf([accented])).text == "España"
    assert read(make_layout_pdf([[(72, 700, "see ~user and x^2")]])).text == "see ~user and x^2"


def test_a_square_set_flush_right_ends_the_line_it_stands_on():
    lines = [(72, 700, "Hence the pier stands on firm ground."), (530, 700, "#"), (72, 670, "The next survey follows.")]
    assert read(make_layout_pdf([lines])).text.split("\n\n") == [
        "Hence the pier stands on firm ground. #", "The next survey follows."]


def test_lines_are_read_by_their_baselines_not_by_the_boxes_a_lowered_glyph_stretches():
    lines = [(72, 700, "The quay was measured at x"), (72, 688, "and found sound in every season.")]
    raw = make_layout_pdf([lines]).replace(b"(The quay was measured at x) Tj", b"(The quay was measured at ) Tj -16 Ts")
    raw = raw.replace(b"-16 Ts ET", b"-16 Ts (x) Tj 0 Ts ET")
    assert read(raw).text == "The quay was measured at x and found sound in every season."
    assert _word_share("Sei γ ein Weg mit γ(0) = x und ∀ x ∈ X gilt d(x, y) ≥ 0.") > 0.8  # math is not glyph soup


def test_a_pdfs_larger_and_bold_short_lines_are_its_headings():
    from conftest import make_layout_pdf
    from qa.index.blocks import HeadingPaths
    from qa.index.readers import extract_text

    body = ["The harbour opened in 1901 and has grown every decade since then, with",
            "new quays, cranes and warehouses built along both of its shores by the city."]
    page = [(72, 720, "Harbour Report", 24), (72, 690, "Costs and repairs", 10, True)]
    page += [(72, 670 - 14 * n, line) for n, line in enumerate(body)]
    page += [(72, 620, "Staff", 16)] + [(72, 600 - 14 * n, line) for n, line in enumerate(body)]
    extracted = extract_text(make_layout_pdf([page]), ".pdf", "report.pdf")
    text = extracted.text
    assert [(text[h.start : h.end], h.level) for h in extracted.headings] == \
        [("Harbour Report", 1), ("Costs and repairs", 3), ("Staff", 2)]
    paths = HeadingPaths(text, extracted.headings)
    assert paths.at(text.index("The harbour")) == "Harbour Report › Costs and repairs"
    assert paths.at(text.rindex("The harbour")) == "Harbour Report › Staff"
