"""Questions that offer their answer's alternatives ("Dallas or Las Vegas?") are answered with the one the read
sentence holds, as an exact span of the document."""

import pytest

from qa.assistant import Assistant
from qa.cells import as_number
from qa.choices import chosen_in, compared, holds_both, offered
from qa.confidence import Confidence
from qa.index.documents import make_document
from qa.index.store import SentenceIndex
from qa.models import ReaderSpan
from test_cells import CellReader


@pytest.mark.parametrize("question, sentence, chosen", [
    ("does allegiant air fly to dallas or las vegas?", "Airline: Allegiant Air | Destination(s): Las Vegas | Aircraft: MD-80",
     "Las Vegas"),
    ("was the nickname of four corners the kangaroos or the redlegs?", "Club: Four Corners | Nickname: Redlegs", "Redlegs"),
    ("which element has the symbol fe, titanium or iron?", "number: 26 | symbol: Fe | name: iron", "iron"),
    ("whose spouse was hu jintao's? wang yeping, or liu yongqing?", "Name: Hu Jintao | Spouse: Liu Yongqing", "Liu Yongqing"),
    ("was it the DMK party or the Janata party that won in 1969?", "Year: 1969 | Party: DMK", "DMK"),  # "party" is both's
    ("Pune or Surat had 2,538,473 people in 2001?", "City: Pune | Population (2001): 2,538,473", "Pune"),
    ("Was the footage compatible or incompatible with TV?", "The footage was incompatible with broadcast TV.", "incompatible"),
    ("is year 2008 or 2009 on mnet?", "Year: 2008 | Network: Mnet | Year: 2009 | Network: KBS", None),  # holds both
    ("is year 2008 or 2009 on mnet?", "Year: 2008 | Network: Mnet", "2008"),  # the cell's value, not its header
    ("does it fly to dallas or las vegas?", "Airline: Allegiant Air | Aircraft: MD-80", None),  # holds neither
])
def test_the_alternative_a_sentence_holds_alone_is_chosen(question, sentence, chosen):
    where = chosen_in(offered(question), sentence)
    assert (sentence[where[0] : where[1]] if where else None) == chosen


@pytest.mark.parametrize("question", [
    "which single was released sooner, Rainbow or Mack?",  # compares: two sentences needed
    "who scored more, Portugalete or Valencia?",
    "which product has RDF for input or output?",  # the "or" is part of what it asks about
    "who won the match?",
])
def test_no_alternatives_are_offered_by_a_comparison_or_a_plain_question(question):
    assert offered(question) is None


def test_holds_both():
    choice = offered("is it 2008 or 2009?")
    assert holds_both(choice, "2008 and 2009") and not holds_both(choice, "2008 only")


def test_the_offered_alternative_answers_as_an_exact_span(hash_embedder):
    rows = ["Airline: Allegiant Air | Destination: Las Vegas | Aircraft: MD-80",
            "Airline: Delta | Destination: Dallas | Aircraft: A320"]
    text = "Routes\n" + "\n".join(rows) + "\nFlights run daily."
    index, _ = SentenceIndex.build([make_document("routes.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(marker="Aircraft: ", words=1), Confidence.load())
    assistant.confidence = assistant.confidence.model_copy(update={"threshold": 0.0})
    answer = assistant.ask("Does Allegiant Air fly to Dallas or Las Vegas?")
    assert answer.answer == "Las Vegas" and text[answer.source.start : answer.source.end] == "Las Vegas"
    assert assistant.ask("Which aircraft does Allegiant Air fly?").answer == "MD-80"  # no alternatives: the reading stands


def test_of_sentences_holding_one_alternative_the_one_holding_the_questions_other_words_answers(hash_embedder):
    text = "Cities\nName: Unterwalden | Formed: 1415\nName: Ulm | Formed: 1115\nBoth were imperial."
    index, _ = SentenceIndex.build([make_document("cities.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, FormedReader(), Confidence.load())
    assistant.confidence = assistant.confidence.model_copy(update={"threshold": 0.0})
    answer = assistant.ask("Was Ulm or Unterwalden founded in 1115?")
    assert answer.answer == "Ulm" and text[answer.source.start : answer.source.end] == "Ulm"


class FormedReader:
    """A reader that proposes each line's 'Formed: ' value, Unterwalden's best (the row that does not answer)."""

    def read(self, question, passages, top_n=5):
        spans = []
        for passage in passages:
            for at in (at for at in range(len(passage.text)) if passage.text.startswith("Formed: ", at)):
                start = passage.start + at + len("Formed: ")
                line_start = passage.text.rfind("\n", 0, at) + 1
                best = "Unterwalden" in passage.text[line_start:at]
                spans.append(ReaderSpan(doc_id=passage.doc_id, start=start, end=start + 4, text=passage.text[at + 8 : at + 12],
                                        log_prob=-0.5 if best else -1.5, no_answer_log_prob=-9.0, passage=passage))
        return spans


@pytest.mark.parametrize("question, larger", [
    ("did Tianjin Teda or Qingdao Jonoon have a higher average attendance?", True),
    ("which lake is smaller in area? Albigna Lake or Oeschinen Lake?", False),
    ("which was released sooner, Rainbow or Mack?", None),  # compares, but not by a number
    ("does it fly to Dallas or Las Vegas?", None),
])
def test_a_question_compares_its_alternatives_by_a_number(question, larger):
    found = compared(question)
    assert (found[1] if found else None) == larger


def test_a_cells_number():
    assert [as_number(value) for value in ["14,757", "$5", "12 %", "-3.5", "Nil", "12 May 1959"]] == [14757, 5, 12, -3.5, None, None]


def test_the_alternative_whose_row_holds_the_larger_or_smaller_number_answers(hash_embedder):
    rows = ["Club: Tianjin Teda | Average attendance: 14,757", "Club: Qingdao Jonoon | Average attendance: 6,247"]
    text = "Attendance\n" + "\n".join(rows) + "\nFigures for the 2009 season."
    index, _ = SentenceIndex.build([make_document("clubs.txt", text)], hash_embedder)
    assistant = Assistant(index, hash_embedder, CellReader(marker="attendance: ", words=1), Confidence.load())
    for word, club in [("higher", "Tianjin Teda"), ("lower", "Qingdao Jonoon")]:
        answer = assistant.ask(f"Did Tianjin Teda or Qingdao Jonoon have a {word} average attendance?")
        assert answer.answer == club and text[answer.source.start : answer.source.end] == club


def test_a_superlative_question_offers_no_plain_alternatives():
    assert offered("which is the largest, Albigna Lake or Oeschinen Lake?") is None
    assert compared("which is the largest, Albigna Lake or Oeschinen Lake?")[1] is True
