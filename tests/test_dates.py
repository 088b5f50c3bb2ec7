"""Relative dates in answers, resolved against their document's date; never for undated documents."""

import datetime as dt

import pytest

from qa.dates import find_relative, resolve, resolve_answer

FRIDAY = dt.date(2022, 1, 28)


@pytest.mark.parametrize("sentence, start, end", [
    ("Zelenskyy tweeted about the call on Thursday.", "2022-01-27", "2022-01-27"),   # a weekday before the date
    ("The talks will resume on Monday.", "2022-01-31", "2022-01-31"),                # ...and after it
    ("Russia could invade next month.", "2022-02-01", "2022-02-28"),                 # a month: a range
    ("Sales fell last year.", "2021-01-01", "2021-12-31"),
    ("Negotiators will meet again in two weeks.", "2022-02-07", "2022-02-13"),       # a week: Monday to Sunday
    ("An invasion could come in February.", "2022-02-01", "2022-02-28"),             # a month without its year
])
def test_relative_dates_resolve_against_the_documents_date(sentence, start, end):
    found = find_relative(sentence)
    resolved = resolve(found.group(), FRIDAY, sentence)
    assert (resolved.start.isoformat(), resolved.end.isoformat()) == (start, end)
    assert resolved.anchor == FRIDAY and resolved.text == found.group()


def test_month_and_year_boundaries():
    new_years_eve = dt.date(2021, 12, 30)
    assert resolve("next month", new_years_eve, "The vote is due next month.").label == "January 2022"
    assert resolve("on Saturday", new_years_eve, "The ship will sail on Saturday.").label == "Saturday 1 January 2022"
    assert resolve("tomorrow", dt.date(2024, 2, 28), "").label == "Thursday 29 February 2024"


def test_nothing_is_offered_for_undated_documents_or_dates_that_need_no_anchor():
    assert resolve_answer("next month", "Russia could invade next month.", None) is None
    assert resolve_answer("27 January 2022", "It happened on 27 January 2022.", "2022-01-28") is None
    for text in ("March 3, 2022", "the May 2021 report", "every Thursday", "He said May be late"):
        assert find_relative(text) is None, text


def test_an_answer_carries_its_resolved_date(hash_embedder):
    from qa.assistant import Assistant
    from qa.confidence import FEATURES, Confidence
    from qa.index.documents import make_document
    from qa.index.store import SentenceIndex
    from test_answer_rules import ScriptedReader

    documents = [make_document("dated.txt", "date 2022-01-28\nRussia could invade next month, officials said."),
                 make_document("undated.txt", "Russia could invade next month, officials said again.")]
    index, _ = SentenceIndex.build(documents, hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1)
    for doc_id, label in (("dated.txt", "February 2022"), ("undated.txt", None)):
        reader = ScriptedReader(index, [(doc_id, "next month", -0.5)])
        answer = Assistant(index, hash_embedder, reader=reader, confidence=confidence).ask("When could Russia invade?")
        assert answer.answer == "next month"  # the span stays verbatim
        assert (answer.resolved_date.label if answer.resolved_date else None) == label
        assert answer.source.date == ("2022-01-28" if label else None)
