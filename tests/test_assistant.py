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
    assert (tmp_path / "seeds-index" / "manifest.json").is_file()
