"""Where an answer came from, as the chat and `qa ask` show it: the headings (or slide title) its
source stands under, and a source that is a table row shown as a small table with the answer's cell
marked by its offsets."""

import html
import re

from conftest import HashEmbedder
from qa.cli import _readable
from qa.index.documents import make_document
from qa.index.store import SentenceIndex
from qa.models import Answer, Source
from qa.ui.render import answer_html, answer_text, literal, row_cells

ROW = "Risk: Supplier <b>delay</b> | Likelihood: 3 | Impact: 3 | mitigated"
TEXT = f"# Risk register\nThe register lists every risk we know of.\n{ROW}\nRisk: Flood | Likelihood: 1 | Impact: 5"


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def register() -> tuple[SentenceIndex, str]:
    index, _ = SentenceIndex.build([make_document("risks.md", TEXT)], HashEmbedder())
    return index, index.document("risks.md").text


def answered(text: str, sentence: str, start: int, end: int, context: str | None = None) -> Answer:
    sentence_start = text.index(sentence)
    source = Source(doc_id="risks.md", start=start, end=end, sentence=sentence, sentence_start=sentence_start,
                    sentence_end=sentence_start + len(sentence), context=context)
    return Answer(question="q?", answer=text[start:end], score=0.9, source=source, evidence=[source])


def row_of(reply: str) -> tuple[list[str], list[str]]:
    """The headers and the values (as raw HTML) of the one small table in a reply."""
    table = re.search(r"<div class='qa-row'><table>(.*?)</table></div>", reply).group(1)
    return re.findall(r"<th[^>]*>(.*?)</th>", table), re.findall(r"<td>(.*?)</td>", table)


def test_a_row_is_shown_under_its_header_with_the_answers_cell_marked_by_its_offsets():
    index, text = register()
    row_start = text.index(ROW)
    for cell in (2, 1):  # "3" is both the likelihood and the impact: the offsets say which one is the answer
        start = row_start + [match.start(1) for match in re.finditer(r": (3)", ROW)][cell - 1]
        headers, values = row_of(answer_html(answered(text, ROW, start, start + 1), index))
        assert [plain(header) for header in headers] == ["Risk", "Likelihood", "Impact", ""]
        assert [plain(value) for value in values] == ["Supplier <b>delay</b>", "3", "3", "mitigated"]
        assert [value == "<mark>3</mark>" for value in values] == [False, cell == 1, cell == 2, False]
        assert "<b>" not in "".join(headers + values)  # the document's own text, escaped
    copy = answer_text(answered(text, ROW, row_start + 6, row_start + 14), index)
    assert f"“{ROW}”" in copy  # the plain-text copy keeps the row as it is


def test_part_of_a_cell_is_marked_and_a_closest_passage_row_is_shown_unmarked():
    index, text = register()
    start = text.index("Supplier")
    _, values = row_of(answer_html(answered(text, ROW, start, start + 8), index))
    assert values[0] == f"<mark>Supplier</mark>{literal(' <b>delay</b>')}"
    declined = answered(text, ROW, start, start + 8).model_copy(update={"answer": None, "score": 0.1, "source": None})
    headers, values = row_of(answer_html(declined, index))
    assert len(headers) == 4 and "<mark>" not in "".join(values)


def test_a_sentence_that_is_no_row_is_shown_as_before():
    index, text = register()
    sentence = "The register lists every risk we know of."
    start = text.index("every")
    reply = answer_html(answered(text, sentence, start, start + 5), index)
    assert "<blockquote>The register lists <mark>every</mark> risk we know of&#46;</blockquote>" in reply
    assert "qa-row" not in reply
    for line in ["Note: read this | and this", "Time: 10:30 and no other cell", "Risk: Flood | Likelihood: 1\nImpact: 5", ""]:
        assert row_cells(line) is None


def test_row_cells_are_split_at_the_first_colon_of_each_cell_with_exact_offsets():
    line = "Name: Schiphol | City: Amsterdam | Note: opened: 1916 | 42"
    cells = row_cells(line)
    assert [(line[cell.header_start:cell.header_end], line[cell.start:cell.end]) for cell in cells] == [
        ("Name", "Schiphol"), ("City", "Amsterdam"), ("Note", "opened: 1916"), ("", "42")]


def test_the_headings_a_source_stands_under_are_shown_above_it_literally_without_the_title():
    index, text = register()
    sentence = "The register lists every risk we know of."
    start = text.index("every")
    context = "Risk register › Costs <script>alert(1)</script> › Q3"
    reply = answer_html(answered(text, sentence, start, start + 5, context=context), index)
    shown = literal("Costs <script>alert(1)</script> › Q3")
    assert f"<div class='qa-context'>{shown}</div><blockquote>" in reply  # above the sentence, title not repeated
    assert "<script" not in reply
    assert "Source: Risk register (risks.md), under Costs <script>alert(1)</script> › Q3: “The register" \
        in answer_text(answered(text, sentence, start, start + 5, context=context), index)
    only_title = answer_html(answered(text, sentence, start, start + 5, context="Risk register"), index)
    assert "qa-context" not in only_title and "qa-context" not in answer_html(answered(text, sentence, start, start + 5), index)


def test_qa_ask_prints_the_headings_above_each_source():
    first = Source(doc_id="deck.pptx", start=18, end=27, sentence="The airport is in Amsterdam.", sentence_start=0,
                   sentence_end=28, page=2, context="Airports › Schiphol\u202e")
    second = Source(doc_id="notes.txt", start=0, end=9, sentence="Amsterdam has one airport.", sentence_start=0,
                    sentence_end=26)
    answer = Answer(question="q?", answer="Amsterdam", score=0.9, source=first, evidence=[first, second])
    assert _readable(answer).split("\n")[1:] == [
        "  under Airports › Schiphol[U+202E]",  # invisible controls named, as everywhere in the output
        "  deck.pptx page 2 [18:27]: The airport is in [Amsterdam].",
        "  notes.txt [0:9]: [Amsterdam] has one airport."]
    declined = _readable(answer.model_copy(update={"answer": None}))
    assert "  under Airports › Schiphol[U+202E]\n  deck.pptx: The airport" in declined
