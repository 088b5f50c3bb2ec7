"""Relative dates in answers, resolved against their document's date; never for undated documents."""

import datetime as dt

import pytest

from qa.dates import asked_months, find_relative, holds_month, resolve, resolve_answer

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


def test_documents_get_their_dates_and_say_where_from(tmp_path):
    from qa.index.documents import load_documents, make_document

    assert (make_document("a", "date 2022-01-28\nText.").date_source) == "its first line"
    tweet = "Talks went well.\nWe spoke today. — Volodymyr Zelenskyy (@ZelenskyyUa) January 27, 2022\nMore text."
    dated = make_document("b", tweet)
    assert (dated.date, dated.date_source) == ("2022-01-27", "a dated line near its start")
    assert make_document("c", "On March 3, 2019 the pier opened, and it has been busy since then.").date is None  # mid-line
    assert make_document("d", "Meeting notes\n27 January 2022\nWe agreed.").date == "2022-01-27"

    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("Harbour notes for the week ahead.")
    word.save(tmp_path / "template.docx")  # python-docx's template claims 2013-12-23: a tool default, not a date
    dated_word = WordDocument()
    dated_word.add_paragraph("Harbour notes for the week ahead.")
    dated_word.core_properties.created = dt.datetime(2021, 5, 4, 9, 30)
    dated_word.save(tmp_path / "dated.docx")
    (tmp_path / "x.txt").write_text("Plain notes without any date.")
    documents = {d.doc_id: d for d in load_documents([tmp_path])[0]}
    assert documents["x.txt"].date is None and documents["template.docx"].date is None
    assert (documents["dated.docx"].date, documents["dated.docx"].date_source) == ("2021-05-04", "the Word file's creation date")


def test_a_date_a_person_gives_wins_and_an_update_takes_it_without_embedding_again(tmp_path, hash_embedder):
    from qa.assistant import build_or_update
    from qa.errors import CorpusError
    from qa.index.documents import make_document, with_dates
    from qa.index.store import SentenceIndex

    documents = [make_document("a.txt", "date 2022-01-28\nRussia could invade next month."),
                 make_document("b.txt", "The pier opens next month, the council said.")]
    build_or_update(documents, hash_embedder, tmp_path / "ix")
    embedded = len(hash_embedder.encoded)
    index, report = build_or_update(with_dates(documents, {"b.txt": "2024-03-05"}), hash_embedder, tmp_path / "ix")
    assert len(hash_embedder.encoded) == embedded and report.embedded_documents == []
    reopened = SentenceIndex.open(tmp_path / "ix")
    assert (reopened.document("b.txt").date, reopened.document("b.txt").date_source) == ("2024-03-05", "given by you")
    assert reopened.document("a.txt").date_source == "its first line"
    assert [d.date for d in with_dates(documents, {"": "2020-01-01"})] == ["2020-01-01", "2020-01-01"]
    with pytest.raises(CorpusError, match="not among the documents"):
        with_dates(documents, {"c.txt": "2020-01-01"})
    with pytest.raises(CorpusError, match="not a date; write it as YYYY-MM-DD"):
        with_dates(documents, {"": "2020-02-30"})


def test_a_pdfs_creation_date_is_its_date_unless_it_is_an_unset_clock():
    from qa.index.readers.extracted import plausible_date

    assert plausible_date(dt.datetime(2021, 5, 4, 10, 0)) == "2021-05-04"
    assert plausible_date(dt.datetime(1970, 1, 1)) is None and plausible_date(dt.datetime(2013, 12, 23, 23, 15)) is None
    assert plausible_date(None) is None


def test_a_when_question_prefers_a_date_a_reader_can_use_when_scores_are_close(hash_embedder):
    from qa.assistant import Assistant
    from qa.confidence import FEATURES, Confidence
    from qa.index.documents import make_document
    from qa.index.store import SentenceIndex
    from test_answer_rules import ScriptedReader

    documents = [make_document("undated.txt", "Russia could invade as soon as next month, Biden said."),
                 make_document("other.txt", "Officials believe an invasion could come in February, before the thaw.")]
    index, _ = SentenceIndex.build(documents, hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1)

    def ask(question, relative_log_prob, explicit_log_prob):
        reader = ScriptedReader(index, [("undated.txt", "next month", relative_log_prob), ("other.txt", "February", explicit_log_prob)])
        return Assistant(index, hash_embedder, reader=reader, confidence=confidence).ask(question)

    close = ask("When could Russia invade?", -0.5, -0.9)
    assert close.answer == "February" and [a.answer for a in close.alternatives] == ["next month"]
    higher = close.alternatives[0]  # shown with the higher score it has, and why it is not the answer
    assert higher.score > close.score and "relative date" in higher.note
    assert ask("When could Russia invade?", -0.5, -3.0).alternatives[0].note is None  # ordered by score: nothing to explain
    assert ask("When could Russia invade?", -0.5, -3.0).answer == "next month"  # not close: the reader's choice stands
    assert ask("Could Russia invade?", -0.5, -0.9).answer == "next month"  # not a "when" question


@pytest.mark.parametrize("text", [
    "© 2009 The Harbour Museum\nThe museum holds paintings.",             # a copyright year
    "The hall was built in 1995.\nIt holds paintings.",                     # a year in prose
    "© January 5, 2009 The Harbour Museum\nThe museum holds paintings.",   # a copyright notice's full date
    "2022-02-30\nThe museum holds paintings.",                               # no such day: never 2022-02-01
    "February 30, 2022\nThe museum holds paintings.",
    "0001-01-01\nThe museum holds paintings.",                               # year 1: never 2001
    "1 January 0001\nThe museum holds paintings.",
])
def test_a_document_date_comes_only_from_a_real_full_date(text):
    from qa.index.documents import make_document

    assert make_document("page.txt", text).date is None


def test_a_dated_first_line_or_a_readers_date_that_is_no_real_date_gives_no_date():
    from qa.index.documents import make_document

    with pytest.warns(UserWarning, match="2022-02-30 is not a real date"):
        document = make_document("notes.txt", "date 2022-02-30\nThe museum holds paintings.")
    assert (document.date, document.date_source, document.body_start) == (None, None, len("date 2022-02-30\n"))
    assert make_document("m.eml", "Hello.", date="0001-05-04", date_source="the e-mail's Date header").date is None
    assert make_document("m.eml", "Hello.", date="2022-02-30", date_source="the e-mail's Date header").date_source is None
    assert make_document("m.eml", "Hello.", date="2022-02-28", date_source="the e-mail's Date header").date == "2022-02-28"
    assert make_document("late.txt", "9999-12-31\nThe end of the calendar.").date == "9999-12-31"


def test_a_given_date_must_be_a_real_one():
    from qa.errors import CorpusError
    from qa.index.documents import check_dates

    for wrong in ("2022-02-30", "0001-01-01", "2022-2-3"):
        with pytest.raises(CorpusError, match="is not a date"):
            check_dates({"": wrong}, ["a.txt"])
    check_dates({"a.txt": "2022-02-28"}, ["a.txt"])


@pytest.mark.parametrize("expression", ["next month", "next week", "this week", "on Friday", "tomorrow", "in two weeks",
                                        "next year", "December"])
def test_a_relative_date_past_the_calendars_end_is_left_unresolved(expression):
    resolved = resolve(expression, dt.date(9999, 12, 31), "It will happen then.")
    assert resolved is None or resolved.end <= dt.date(9999, 12, 31)
    assert resolve_answer("next month", "It will happen next month.", "9999-12-31") is None
    assert resolve_answer("last week", "It happened last week.", "0001-01-01") is None


def test_an_anchor_that_is_no_real_date_resolves_nothing():
    assert resolve_answer("next month", "It will happen next month.", "2022-02-30") is None  # an index made before dates were checked


PARAGRAPH = "<p>" + "The museum holds a large collection of paintings and sculptures from many countries. " * 5 + "</p>"


@pytest.mark.parametrize("head, body, date", [
    ("", f"<article><h1>Museum</h1>{PARAGRAPH}</article><footer>© 2009 Museum Ltd</footer>", None),   # a copyright year
    ("", f"<article><h1>Museum</h1>{PARAGRAPH}<p>The hall was built in 1995.</p></article>", None),    # a year in prose
    ("<meta name='date' content='2022-02-30'>", f"<article>{PARAGRAPH}</article>", None),  # no such day: never the 1st
    ("<meta property='article:published_time' content='2021-06-03T10:00:00Z'>", f"<article>{PARAGRAPH}</article>",
     "2021-06-03"),
    ("", f"<article><p>Published 27 January 2022</p>{PARAGRAPH}</article>", "2022-01-27"),  # a dateline in the text
])
def test_a_web_pages_date_is_one_it_states(tmp_path, head, body, date):
    from qa.index.documents import read_document

    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>Museum</title>{head}</head><body>{body}</body></html>", encoding="utf-8")
    assert read_document(page, "page.html").date == date


def test_an_e_mail_of_year_0001_is_undated(tmp_path):
    from qa.index.documents import read_document

    for header, date in [("Mon, 1 Jan 0001 10:00:00 +0000", None), ("Thu, 27 Jan 2022 10:00:00 +0000", "2022-01-27")]:
        (tmp_path / "m.eml").write_text(f"From: a@example.org\nSubject: Tide tables\nDate: {header}\n\nThe tide is high.\n")
        assert read_document(tmp_path / "m.eml", "m.eml").date == date


def test_a_questions_months_of_a_year_and_the_texts_that_name_them():
    assert asked_months("How many checks in October 2015, and on Sept. 3rd, 2016?") == [(10, "2015"), (9, "2016")]
    assert asked_months("In May 2012, who won the 2015 race?") == [(5, "2012")]
    assert asked_months("Who Won 2015? What did Table 2015 say?") == []  # words that are no month
    assert holds_month("NOVEMBER 2015 REPORT", 11, "2015") and holds_month("Nov. 12, 2015", 11, "2015")
    assert not holds_month("November 2014, and 2015 later", 10, "2015") and not holds_month("it may rise in 2015", 5, "2015")
