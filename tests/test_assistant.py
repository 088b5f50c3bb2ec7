"""The real assistant (shipped reader, bundled embedder): exact spans, sources, abstention."""

import pytest

from qa import Answer, Assistant, InvalidQuestionError
from qa.eval.metrics import exact_match
from qa.eval.seeds_eval import load_items

pytestmark = pytest.mark.slow


def assert_spans_exact(answer: Answer, texts: dict[str, str]) -> None:
    for source in [answer.source] * (answer.source is not None) + answer.evidence:
        text = texts[source.doc_id]
        assert text[source.sentence_start : source.sentence_end] == source.sentence
        if answer.answer is not None:
            assert text[source.start : source.end] == answer.answer


def test_every_answer_is_an_exact_document_span(seeds_assistant, seed_texts):
    for item in load_items():
        answer = seeds_assistant.ask(item.question)
        assert 0.0 <= answer.score <= 1.0
        assert_spans_exact(answer, seed_texts)


def test_short_answers_with_their_sources(seeds_assistant):
    answer = seeds_assistant.ask("how many troops has Russia amassed near Ukraine?")
    assert answer.answer is not None and "100,000" in answer.answer and len(answer.answer.split()) <= 4
    invade = seeds_assistant.ask("when could Russia invade?")
    assert exact_match(invade.answer or "", ["February", "in February", "next month", "as soon as next month"]) == 1.0
    assert len(invade.answer) < len(invade.source.sentence)


def test_the_same_answer_in_two_documents_is_one_answer_with_two_sources(seeds_assistant):
    answer = seeds_assistant.ask("Which spokesperson said Russia could invade in February?")
    assert answer.answer == "Emily Horne"
    assert {s.doc_id for s in answer.evidence} == {"000_7c3df8a57b36a49b.txt", "001_d95d3f940847946e.txt"}
    assert answer.source == answer.evidence[0]


def test_questions_the_documents_cannot_answer_get_none(seeds_assistant):
    answer = seeds_assistant.ask("What is the boiling point of mercury in Kelvin?")
    assert answer.answer is None and answer.source is None and answer.evidence


def test_in_memory_corpus_of_one_liners():
    texts = {
        "cats.txt": "Cats sleep for about sixteen hours a day.",
        "paris.txt": "The Eiffel Tower was completed in 1889 in Paris.",
        "rivers.txt": "The Nile flows north into the Mediterranean Sea.",
        "moon.txt": "Neil Armstrong walked on the Moon in July 1969.",
        "tea.txt": "Green tea originated in China thousands of years ago.",
        "piano.txt": "Bartolomeo Cristofori invented the piano in Italy.",
    }
    assistant = Assistant.from_texts(texts)
    assert assistant.ask("When was the Eiffel Tower completed?").answer == "1889"
    assert assistant.ask("Who invented the piano?").answer == "Bartolomeo Cristofori"
    armstrong = assistant.ask("Who walked on the Moon?")
    assert armstrong.answer == "Neil Armstrong" and armstrong.source.doc_id == "moon.txt"
    assert assistant.ask("What is the airspeed of an unladen swallow in Brazil?").answer is None


def test_bad_questions_raise_typed_errors(seeds_assistant):
    with pytest.raises(InvalidQuestionError, match="empty"):
        seeds_assistant.ask("   ")
    with pytest.raises(InvalidQuestionError, match="limit is 1000"):
        seeds_assistant.ask("why " * 400)


def test_module_level_ask_uses_the_default_index(tmp_path, monkeypatch):
    import qa.assistant

    monkeypatch.setenv("QA_HOME", str(tmp_path))
    monkeypatch.setattr(qa.assistant, "_default", None)
    answer = qa.ask("Where are the negotiators set to meet again?")
    assert answer.answer == "Berlin"
    assert (tmp_path / "seeds-index" / "index.sqlite").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("question", ["why " * 155 + "?", "?" * 1000, ", " * 500, "中" * 1000, "\ud800 who?"])
def test_every_question_within_the_limit_gets_an_answer_object(seeds_assistant, question):
    answer = seeds_assistant.ask(question)
    assert answer.answer is None or answer.answer in answer.source.sentence


@pytest.mark.slow
def test_a_run_on_document_is_read_in_bounded_pieces_and_shown_briefly():
    from qa import Assistant
    from qa.index.sentences import MAX_SENTENCE_CHARS
    from qa.ui.render import answer_html

    text = " ".join(f"item {n} weighs {n % 90 + 10} grams" for n in range(4000)) + " and the vault code is 4242"
    assistant = Assistant.from_texts({"runon.txt": text, "bad.txt": "Lone \udc00 surrogates are cleaned here."})
    assert max(assistant.index.row(n).end - assistant.index.row(n).start for n in range(1, len(assistant.index) + 1)) <= MAX_SENTENCE_CHARS
    answer = assistant.ask("What is the vault code?")
    assert answer.evidence
    for source in answer.evidence:
        document = assistant.index.document(source.doc_id).text
        assert len(source.sentence) <= MAX_SENTENCE_CHARS
        assert document[source.sentence_start : source.sentence_end] == source.sentence
    assert len(answer_html(answer, assistant.index)) < 50_000


@pytest.mark.slow
def test_assistants_share_one_copy_of_each_model(seeds_assistant):
    from qa import Assistant

    other = Assistant.from_texts({"x.txt": "A small document about sailing boats."})
    assert other.retriever.embedder is seeds_assistant.retriever.embedder
    assert other.reader is seeds_assistant.reader


def test_documents_that_are_not_text_are_refused_with_a_typed_error():
    from qa import Assistant, CorpusError

    with pytest.raises(CorpusError, match="the document must be text, not bytes"):
        Assistant.from_texts({"a.txt": b"bytes, not text"})
