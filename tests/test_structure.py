"""Headings: readers mark them at exact offsets, every place knows the path of headings above it, and
retrieval and the reader see that context beside a passage without it ever becoming part of an answer."""

from __future__ import annotations

import sqlite3

import pytest

from qa.assistant import Assistant, build_or_update
from qa.index.blocks import Heading, HeadingPaths, TextBuilder, markdown_headings
from qa.index.documents import make_document, read_document
from qa.index.retriever import Passage
from qa.index.store import SentenceIndex

REPORT = "# Harbour report\nThe harbour opened in 1901.\n## Costs\nDredging cost 40,000 pounds.\n### Repairs\n" \
         "The crane needs new cables.\n## Staff\nAda leads the team."


def test_a_builder_marks_headings_at_their_exact_offsets():
    built = TextBuilder()
    built.heading("Report", 1)
    built.line("")  # empty lines are left out
    built.line("First line.")
    built.heading("Costs", 2)
    built.heading("x" * 500, 2)  # too long for a heading: a plain line
    built.lines(["Dredging.", "Cables."])
    assert built.text == "Report\nFirst line.\nCosts\n" + "x" * 500 + "\nDredging.\nCables."
    assert [built.text[h.start : h.end] for h in built.headings] == ["Report", "Costs"]
    assert [h.level for h in built.headings] == [1, 2]


def test_every_place_has_the_path_of_headings_that_enclose_it():
    headings = markdown_headings(REPORT)
    assert [REPORT[h.start : h.end] for h in headings] == ["Harbour report", "Costs", "Repairs", "Staff"]
    paths = HeadingPaths(REPORT, headings)
    assert paths.at(0) == "" and paths.at(REPORT.index("Harbour report") + 3) == ""  # inside the first heading
    assert paths.at(REPORT.index("The harbour")) == "Harbour report"
    assert paths.at(REPORT.index("The crane")) == "Harbour report › Costs › Repairs"
    assert paths.at(REPORT.index("Ada")) == "Harbour report › Staff"  # "Staff" closes Costs and Repairs
    assert paths.at(REPORT.index("Staff")) == "Harbour report"  # a heading's own context is above it
    assert HeadingPaths("no headings", []).at(5) == ""


def test_markdown_headings_need_the_mark_and_a_space():
    text = "#hashtag is not one\n####### neither (seven)\n## Real one ##\nText."
    assert [text[h.start : h.end] for h in markdown_headings(text)] == ["Real one"]


def test_word_headings_are_read_with_their_levels(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("Harbour report", level=0)  # the Title style
    word.add_paragraph("The harbour opened in 1901.")
    word.add_heading("Costs", level=1)
    word.add_paragraph("Dredging cost 40,000 pounds.")
    word.save(tmp_path / "report.docx")
    document = read_document(tmp_path / "report.docx", "report.docx")
    assert [(document.text[h.start : h.end], h.level) for h in document.headings] == [("Harbour report", 1), ("Costs", 2)]
    assert document.context_at(document.text.index("Dredging")) == "Harbour report › Costs"


def test_a_short_line_above_a_word_table_is_its_caption_and_its_rows_context(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_heading("Review", level=1)
    for component, problem in [("Reporting (STATE)", "States unsorted"), ("Reporting (DISASTERS)", "Disasters unsorted")]:
        word.add_paragraph(f"Component: {component}")
        table = word.add_table(rows=2, cols=2)
        for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["Heuristic", "Problem", "Memorization", problem]):
            cell.text = text
    word.add_paragraph("The review ends here.")
    word.add_paragraph("A sentence that ends.")
    table = word.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["Item", "Cost", "Dredging", "40"]):
        cell.text = text
    word.save(tmp_path / "review.docx")
    document = read_document(tmp_path / "review.docx", "review.docx")
    row = document.text.index("Disasters unsorted")
    assert document.context_at(row) == "Review › Component: Reporting (DISASTERS)"
    assert document.context_at(document.text.index("States unsorted")) == "Review › Component: Reporting (STATE)"
    assert document.context_at(document.text.index("Item: Dredging")) != "Review › A sentence that ends."  # a sentence is no caption
    assert document.context_at(document.text.index("The review ends")) == "Review"  # a caption encloses its table alone


def test_an_end_mark_closes_headings_of_its_level_and_below():
    built = TextBuilder()
    built.heading("Report", 1)
    built.heading("Table 3: Costs", 2)
    built.line("Item: Dredging | Cost: 40")
    built.end_headings(2)
    built.line("After the table.")
    paths = HeadingPaths(built.text, built.headings)
    assert paths.at(built.text.index("Item")) == "Report › Table 3: Costs"
    assert paths.at(built.text.index("After")) == "Report"
    assert [built.text[h.start : h.end] for h in built.headings if h.end > h.start] == ["Report", "Table 3: Costs"]


def test_a_web_pages_title_and_headings_are_its_context(tmp_path):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Harbour news</title></head><body><article><h1>Harbour news</h1>{paragraphs}"
        f"<h2>Repairs</h2><p>The crane needs new cables before the winter storms arrive.</p>{paragraphs}</article></body></html>")
    document = read_document(tmp_path / "page.html", "page.html")
    assert "Repairs" in [document.text[h.start : h.end] for h in document.headings]
    assert document.context_at(document.text.index("The crane")).endswith("Repairs")


def test_retrieval_reads_each_sentence_under_its_headings_and_answers_stay_in_the_text(hash_embedder):
    document = make_document("report.md", REPORT, headings=markdown_headings(REPORT))
    index, _ = SentenceIndex.build([document], hash_embedder)
    found = index.lexical_search("repairs", 3)  # the word stands only in a heading
    assert {index.sentence_text(n) for n, _ in found} >= {"The crane needs new cables."}
    assistant = Assistant(index, hash_embedder, reader=None)
    passages = assistant.retriever.passages(assistant.retriever.sentences("crane cables repairs", 1), 0)
    assert passages[0].text == "The crane needs new cables." and passages[0].context == "Harbour report › Costs › Repairs"


def test_a_sentence_that_points_back_is_retrieved_with_the_one_before_it(hash_embedder):
    text = ("HASY is a dataset of handwritten symbols. It contains 168 233 instances of 369 classes.\n"
            "Another dataset holds 477 instances of digits. Its authors are unknown.")
    document = make_document("paper.txt", text)
    leaning = text.index("It contains")
    assert document.indexed_text(leaning, text.index("\nAnother")) == \
        "HASY is a dataset of handwritten symbols. It contains 168 233 instances of 369 classes."  # 7 words before
    assert document.indexed_text(text.index("Its"), len(text)) == "Another dataset holds 477 instances of digits. Its authors are unknown."
    assert document.indexed_text(0, leaning - 1) == "HASY is a dataset of handwritten symbols."  # no lean: itself
    index, _ = SentenceIndex.build([document], hash_embedder)
    (best, _), *_ = index.lexical_search("how many instances does HASY contain", 1)
    assert index.sentence_text(best) == "It contains 168 233 instances of 369 classes."  # the sentence alone is its text


def test_the_reader_reads_the_context_first_but_never_answers_from_it(tiny_reader):
    text = "Ada leads the harbour team."
    passage = Passage(doc_id="d", start=100, end=100 + len(text), text=text, retrieval_score=1.0, rank=0,
                      context="Harbour report › Staff and other people who work at the harbour")
    spans = tiny_reader.read("Who leads the team?", [passage], top_n=50)
    assert spans and all(100 <= span.start < span.end <= 100 + len(text) for span in spans)
    assert all(span.text == text[span.start - 100 : span.end - 100] for span in spans)


def test_new_headings_for_the_same_text_are_indexed_anew_and_the_word_index_stays_whole(tmp_path, hash_embedder):
    plain = make_document("report.md", REPORT)
    build_or_update([plain], hash_embedder, tmp_path / "ix")
    headed = make_document("report.md", REPORT, headings=markdown_headings(REPORT))
    index, report = build_or_update([headed], hash_embedder, tmp_path / "ix")
    assert report.embedded_documents == ["report.md"]  # its indexed texts changed
    assert {index.sentence_text(n) for n, _ in index.lexical_search("repairs", 3)} >= {"The crane needs new cables."}
    index, report = build_or_update([plain], hash_embedder, tmp_path / "ix")  # and back: removal finds the texts it added
    assert report.embedded_documents == ["report.md"] and index.lexical_search("repairs", 3) == []
    with sqlite3.connect(tmp_path / "ix" / "index.sqlite") as db:
        db.execute("INSERT INTO lexical(lexical, rank) VALUES ('integrity-check', 1)")
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert reopened.document("report.md").headings == []


def test_headings_are_stored_with_their_document(tmp_path, hash_embedder):
    document = make_document("report.md", REPORT, headings=markdown_headings(REPORT))
    build_or_update([document], hash_embedder, tmp_path / "ix")
    stored = SentenceIndex.open(tmp_path / "ix").document("report.md")
    assert stored.headings == document.headings and all(isinstance(h, Heading) for h in stored.headings)


@pytest.mark.parametrize("suffix, headed", [(".md", True), (".txt", False)])
def test_only_markdown_files_have_headings_from_their_marks(tmp_path, suffix, headed):
    (tmp_path / f"report{suffix}").write_text(REPORT)
    assert bool(read_document(tmp_path / f"report{suffix}", f"report{suffix}").headings) == headed


def test_an_answers_source_names_the_headings_it_stands_under(hash_embedder):
    from test_answer_rules import ScriptedReader
    from qa.confidence import FEATURES, Confidence

    document = make_document("report.md", REPORT, headings=markdown_headings(REPORT))
    index, _ = SentenceIndex.build([document, make_document("plain.txt", "Ada leads the harbour crane team.")], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1)
    reader = ScriptedReader(index, [("report.md", "new cables", -0.1), ("plain.txt", "Ada", -0.5)])
    answer = Assistant(index, hash_embedder, reader=reader, confidence=confidence).ask("What does the crane need?")
    assert answer.answer == "new cables" and answer.source.context == "Harbour report › Costs › Repairs"
    assert REPORT[answer.source.start : answer.source.end] == "new cables"
    assert answer.alternatives[0].source.context is None  # plain text stands under no heading


def test_a_slides_text_stands_under_its_title_and_the_decks(tmp_path):
    from pptx import Presentation

    deck = Presentation()
    for title, body in [("Harbour plans", "Made for the council."), ("Airports", "Schiphol is in Amsterdam.")]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.save(tmp_path / "plans.pptx")
    document = read_document(tmp_path / "plans.pptx", "plans.pptx")
    assert [document.text[h.start : h.end] for h in document.headings] == ["Harbour plans", "Airports"]
    assert document.context_at(document.text.index("Schiphol")) == "Harbour plans › Airports"
    assert document.page_at(document.text.index("Schiphol")) == 2


@pytest.mark.parametrize("author, kept", [("Mike Conley", True), ("Authority control databases", False)])
def test_a_web_pages_author_is_kept_as_a_byline_under_its_title(tmp_path, author, kept):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    (tmp_path / "page.html").write_text(
        f'<html><head><title>Harbour news</title><meta name="author" content="{author}"></head><body><article>'
        f"<h1>Harbour news</h1>{paragraphs}</article><footer>{author}</footer></body></html>")
    text = read_document(tmp_path / "page.html", "page.html").text
    assert (f"By {author}" in text) == kept and text.count("Harbour news") == 1
    if kept:
        assert text.splitlines()[:2] == ["Harbour news", f"By {author}"]


def test_a_web_table_with_a_title_row_reads_its_rows_as_labels_and_values():
    from qa.index.readers.web import _rows_with_headers

    infobox = ["| Harbour Board | |", "|---|---|", "| Founded | 1901 |", "| Chair | Ada Lovelace |", "| Staff | 40 | 2023 |"]
    assert _rows_with_headers(infobox) == ["Harbour Board", "Founded: 1901", "Chair: Ada Lovelace", "Staff | 40 | 2023"]
    table = ["| Milestone | Date |", "|---|---|", "| Launch | 1 May |"]
    assert _rows_with_headers(table) == ["Milestone: Launch | Date: 1 May"]


def test_a_posted_by_line_the_extractor_leaves_out_is_the_byline(tmp_path):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Harbour news</title></head><body><main><article><h1>Harbour news</h1>{paragraphs}"
        f"<footer><p>Posted by Alon Zakai.</p></footer></article></main></body></html>")
    assert read_document(tmp_path / "page.html", "page.html").text.splitlines()[:2] == ["Harbour news", "By Alon Zakai"]


def test_readers_comments_are_kept_under_their_own_heading_with_their_authors(tmp_path):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    comment = ('<li id="comment-{n}" class="comment depth-1"><h4><cite class="author fn">{who}</cite> wrote on '
               '<time>February 9, 2021</time></h4><blockquote class="entry-content"><p>{said}</p></blockquote>{replies}</li>')
    reply = comment.format(n=3, who="Bruno Reis", said="The old ferry left from the north quay.", replies="")
    comments = "".join([comment.format(n=1, who="John Doe", said="I have moved most of my work to another browser.",
                                       replies=f'<ol class="children">{reply}</ol>'),
                        comment.format(n=2, who="Ada Lima", said="Thanks for the harbour map!", replies="")])
    (tmp_path / "page.html").write_text(
        f"<html><head><title>Harbour news</title></head><body><article><h1>Harbour news</h1>{paragraphs}</article>"
        f'<section id="comments"><h3>2 responses</h3><ol class="commentlist">{comments}</ol></section></body></html>')
    document = read_document(tmp_path / "page.html", "page.html")
    lines = document.text.splitlines()
    at = lines.index("Comments")
    assert lines[at + 1:] == ["John Doe: I have moved most of my work to another browser.",
                              "Bruno Reis: The old ferry left from the north quay.", "Ada Lima: Thanks for the harbour map!"]
    assert document.context_at(document.text.index("another browser")).endswith("Comments")
    assert document.aside_at(document.text.index("north quay")) and not document.aside_at(document.text.index("Filler"))
    assert "Filler sentence number 5" in document.text and document.text.index("Filler") < document.text.index("Comments")


def commented_page() -> "Document":
    built = TextBuilder()
    built.heading("Harbour news", 1)
    built.lines(["The ferry left from the south quay.", "It sailed at noon."])
    built.heading("Comments", 2, aside=True)
    built.line("Ada Lima: The ferry left from the north quay, and it ran late.")
    return make_document("page.html", built.text, headings=built.headings)


def test_an_aside_heading_is_stored_and_sets_apart_only_what_it_encloses(tmp_path, hash_embedder):
    document = commented_page()
    build_or_update([document], hash_embedder, tmp_path / "ix")
    stored = SentenceIndex.open(tmp_path / "ix").document("page.html")
    assert stored.headings == document.headings and [h.aside for h in stored.headings] == [False, True]
    assert stored.aside_at(stored.text.index("north quay")) and not stored.aside_at(stored.text.index("south quay"))
    assert stored.context_at(stored.text.index("north quay")) == "Harbour news › Comments"


@pytest.mark.parametrize("own_log_prob, answer", [(-0.5, "south quay"), (-4.0, "north quay")])
def test_readers_comments_answer_after_the_pages_own_text(hash_embedder, own_log_prob, answer):
    from test_answer_rules import ScriptedReader
    from qa.confidence import FEATURES, Confidence

    index, _ = SentenceIndex.build([commented_page()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)
    reader = ScriptedReader(index, [("page.html", "north quay", -0.1), ("page.html", "south quay", own_log_prob)])
    found = Assistant(index, hash_embedder, reader=reader, confidence=confidence).ask("Where did the ferry leave from?")
    assert found.answer == answer  # the page's own answer first when it passes the threshold; else the comment's
    assert index.document("page.html").text[found.source.start : found.source.end] == answer
    assert [alternative.answer for alternative in found.alternatives] == [{"south quay", "north quay"}.difference([answer]).pop()]


def test_an_infobox_stands_under_a_heading_of_its_own_and_its_labels_head_nothing(tmp_path):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    rows = ('<tr><th>Founded</th><td>1901</td></tr><tr><th>Net income</th><td>US$7.4 million (2023)</td></tr>'
            '<tr><th colspan="2">Subsidiaries</th></tr>')
    (tmp_path / "page.html").write_text(
        f'<html><head><title>Harbour Board</title></head><body><article><h2>History</h2>{paragraphs}'
        f'<table class="infobox vcard"><caption>Harbour Board</caption>{rows}</table>'
        f'<p>The board was founded by the city after the great storm of that winter.</p>'
        f'<h3>Subsidiaries</h3><p>The board owns the ferry company and the dock works.</p></article></body></html>')
    document = read_document(tmp_path / "page.html", "page.html")
    assert "Infobox" in document.text.splitlines()
    assert document.context_at(document.text.index("Net income")).endswith("History › Infobox › Harbour Board")  # its caption
    assert document.context_at(document.text.index("founded by the city")).endswith("History")  # the box ends there
    assert document.context_at(document.text.index("ferry company")).endswith("Subsidiaries")
    assert document.context_at(document.text.index("Subsidiaries")).endswith("Infobox › Harbour Board")  # a label heads nothing
    assert "-open" not in document.text and "-close" not in document.text


def page_lines(tmp_path, body: str) -> list[str]:
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    (tmp_path / "page.html").write_text(f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
                                        f"{paragraphs}{body}{paragraphs}</article></body></html>")
    return [line for line in read_document(tmp_path / "page.html", "page.html").text.splitlines() if "Filler" not in line]


def test_a_web_tables_cells_stand_under_headers_joined_across_header_rows_and_spans(tmp_path):
    grouped = ("<table><caption>Table 2: Ports</caption>"
               "<thead><tr><th rowspan=2>City</th><th colspan=2>Population</th></tr><tr><th>2010</th><th>2020</th></tr></thead>"
               "<tr><td rowspan=2>Porto</td><td>237,559</td><td>231,800</td></tr><tr><td colspan=2>no census<br>held</td></tr>"
               "<tr><th>City</th><th>Population 2010</th><th>Population 2020</th></tr>"  # the header again, as printed pages do
               "<tr><td>Faro</td><td>64,560<table><tr><td>nested cell</td></tr></table></td><td>67,650</td></tr></table>")
    lines = page_lines(tmp_path, grouped)
    document = read_document(tmp_path / "page.html", "page.html")
    assert document.context_at(document.text.index("City: Faro")).endswith("Harbour › Table 2: Ports")  # under its caption
    assert not document.context_at(document.text.rindex("Filler")).endswith("Table 2: Ports")  # and only its rows
    assert lines[1:] == [
        "Table 2: Ports", "City: Porto | Population 2010: 237,559 | Population 2020: 231,800",
        "City: Porto | Population 2010: no census held",  # a row spanned down; a cell spanning columns once
        "City: Faro | Population 2010: 64,560 nested cell | Population 2020: 67,650"]


def test_a_web_table_without_a_marked_header_is_read_as_before(tmp_path):
    plain = "<table><tr><td>Vessel</td><td>Fee</td></tr><tr><td>Ferry</td><td>$40</td></tr></table>"
    spanning = "<table><tr><th colspan=2>Harbour fees</th></tr><tr><td>Ferry</td><td>$40</td></tr></table>"
    assert page_lines(tmp_path, plain)[1:] == ["Vessel: Fee", "Ferry: $40"]  # two cells a row: label lines
    assert page_lines(tmp_path, spanning)[1:] == ["Harbour fees", "Ferry: $40"]  # a title, then a label line


def test_a_definition_list_is_read_as_label_lines(tmp_path):
    listing = ("<ul><li>First item</li><li>Second item</li></ul><dl><dt>Founded</dt><dd>1901</dd><dt>Members</dt>"
               "<dd>Ana</dd><dd><p>Rui <b>Costa</b></p></dd><dt>Motto</dt><dd>Fair winds<dl><dt>Latin</dt><dd>Ventis</dd></dl></dd>"
               "<dt>Notes</dt></dl>")
    assert page_lines(tmp_path, listing)[1:] == ["- First item", "- Second item", "Founded: 1901", "Members: Ana",
                                                 "Members: Rui Costa", "Motto: Fair winds Latin Ventis", "Notes"]


def test_a_table_of_labelled_rows_keeps_the_lists_in_its_values(tmp_path):
    box = ('<table class="infobox vcard"><caption>Harbour Board</caption><tr><td colspan=2>The board\'s hall</td></tr>'
           '<tr><th>Founders</th><td><style>.plainlist{margin:0}</style><ul><li>Ana Lima</li><li><p>Rui Costa</p></li></ul></td></tr>'
           '<tr><th>Founded</th><td>1901<span style="display: none"> (1901-05-02)</span> in Porto</td></tr>'
           '<tr><th>Seat</th><td>Porto</td></tr></table>')
    lines = page_lines(tmp_path, box)
    assert lines[1:] == ["Infobox", "Harbour Board", "The board's hall", "Founders: Ana Lima, Rui Costa",
                         "Founded: 1901 in Porto", "Seat: Porto"]


def test_a_web_tables_spans_are_bounded_by_the_table(tmp_path):
    huge = ('<table><tr><th>Vessel</th><th colspan="900">Fee</th></tr>'
            '<tr><td rowspan="999999999">Ferry</td><td>$40</td></tr><tr><td>$25</td></tr></table>')
    lines = page_lines(tmp_path, huge)
    assert "Vessel: Ferry | Fee: $40" in lines and "Vessel: Ferry | Fee: $25" in lines and len(lines) < 10
    endless = f'<table><tr><th>Vessel</th><th>Fee</th></tr><tr><td rowspan="{"9" * 5000}">Ferry</td><td>$40</td></tr></table>'
    assert any("Ferry" in line and "$40" in line for line in page_lines(tmp_path, endless))  # 5,000 digits: no error


def test_a_table_label_written_as_a_link_keeps_its_words(tmp_path):
    paragraphs = "".join(f"<p>Filler sentence number {n} about the harbour and its long history.</p>" for n in range(6))
    rows = ('<tr><th colspan="2">Harbour Board</th></tr><tr><th><a href="/wiki/Founded">Founded</a></th><td>1901</td></tr>'
            '<tr><th><div><a href="/wiki/Net_income">Net income</a></div></th><td>US$7.4 million (2023)</td></tr>'
            '<tr><th>Seat</th><td><a href="/wiki/Porto">Porto</a>, Portugal</td></tr>')
    (tmp_path / "page.html").write_text(f'<html><head><title>Harbour Board</title></head><body><article>'
                                        f'<table class="infobox">{rows}</table>{paragraphs}</article></body></html>')
    text = read_document(tmp_path / "page.html", "page.html").text
    assert "Net income: US$7.4 million (2023)" in text.splitlines() and "Seat: Porto, Portugal" in text.splitlines()
