"""How the assistant turns reader spans into answers, with a scripted reader (no models)."""

import math

import pytest

from qa.assistant import Assistant
from qa.confidence import FEATURES, Confidence
from qa.index.documents import make_document
from qa.index.retriever import Passage
from qa.index.store import SentenceIndex
from qa.models import ReaderSpan


def test_text_between_sentences_is_never_answerable(hash_embedder):
    text = "The summit is in Berlin.\nAdvert\nNegotiators meet in two weeks."
    index, _ = SentenceIndex.build([make_document("a", text)], hash_embedder)
    passage = Passage(doc_id="a", start=0, end=len(text), text=text, retrieval_score=1.0, rank=0)

    class EveryWordReader:
        def warm_up(self):
            pass

        def read(self, question, passages):
            words = [("Berlin", text.index("Berlin")), ("Advert", text.index("Advert")),
                     ("Berlin.\nAdvert", text.index("Berlin"))]
            return [ReaderSpan(doc_id="a", start=s, end=s + len(w), text=w, log_prob=-1.0, no_answer_log_prob=-5.0,
                               passage=passage) for w, s in words]

    neutral = Confidence(features=list(FEATURES), weights=[0.0] * len(FEATURES), bias=0.0, threshold=0.1)
    assistant = Assistant(index, hash_embedder, reader=EveryWordReader(), confidence=neutral)
    spans = assistant.read("Where is the summit?", assistant.retrieve("Where is the summit?"))
    assert [span.text for span in spans] == ["Berlin"]


class ScriptedReader:
    """Returns the given (doc_id, word, log_prob) spans, wherever the word sits in the document."""

    def __init__(self, index, script):
        self.index, self.script = index, script

    def warm_up(self):
        pass

    def read(self, question, passages):
        spans = []
        for doc_id, word, log_prob in self.script:
            text = self.index.document(doc_id).text
            start = text.index(word)
            passage = Passage(doc_id=doc_id, start=0, end=len(text), text=text, retrieval_score=0.5, rank=0)
            spans.append(ReaderSpan(doc_id=doc_id, start=start, end=start + len(word), text=word, log_prob=log_prob,
                                    no_answer_log_prob=-5.0, passage=passage))
        return spans


def assistant_with(script, hash_embedder, threshold=0.5):
    texts = {"one.txt": "The spokesperson was Emily Horne, said the statement.",
             "two.txt": "White House spokesperson Emily Horne said so on Thursday."}
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in texts.items()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=threshold)
    return Assistant(index, hash_embedder, reader=ScriptedReader(index, script), confidence=confidence)


def test_one_answer_found_in_two_documents_has_two_sources(hash_embedder):
    assistant = assistant_with([("two.txt", "Emily Horne", -0.5), ("one.txt", "Emily Horne", -1.0),
                                ("two.txt", "Thursday", -1.5)], hash_embedder)
    answer = assistant.ask("Who is the spokesperson?")
    assert answer.answer == "Emily Horne"
    assert [s.doc_id for s in answer.evidence] == ["two.txt", "one.txt"] and answer.source == answer.evidence[0]
    for source in answer.evidence:
        text = assistant.index.document(source.doc_id).text
        assert text[source.start:source.end] == "Emily Horne"
        assert text[source.sentence_start:source.sentence_end] == source.sentence
    assert answer.score == pytest.approx(1 / (1 + math.exp(-(2.0 - 0.5))))  # bias + weight x best span log-prob


def test_below_the_threshold_the_answer_is_none_with_the_closest_passages(hash_embedder):
    assistant = assistant_with([("one.txt", "Emily Horne", -6.0)], hash_embedder)
    answer = assistant.ask("Who is the spokesperson?")
    assert answer.answer is None and answer.source is None
    assert 0 < answer.score < 0.5 and answer.evidence
    assert all(e.start == e.sentence_start and e.end == e.sentence_end for e in answer.evidence)


class RecordingReader(ScriptedReader):
    """A scripted reader that also records the passages it was given."""

    def __init__(self, index, script):
        super().__init__(index, script)
        self.readings = []

    def read(self, question, passages):
        self.readings.append(passages)
        return super().read(question, passages)


def cascade_assistant(hash_embedder, log_prob, quick_accept):
    text = "Talks began in Geneva. The spokesperson was Emily Horne. She spoke on Thursday."
    index, _ = SentenceIndex.build([make_document("one.txt", text)], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1,
                            quick_accept=quick_accept)
    reader = RecordingReader(index, [("one.txt", "Emily Horne", log_prob)])
    return Assistant(index, hash_embedder, reader=reader, confidence=confidence, k=3, context=1), reader


def test_a_confident_quick_reading_of_the_best_sentence_answers_alone(hash_embedder):
    assistant, reader = cascade_assistant(hash_embedder, log_prob=-0.1, quick_accept=0.8)
    answer = assistant.ask("Who was the spokesperson?")
    assert answer.answer == "Emily Horne" and answer.score >= 0.8
    [passages] = reader.readings  # one reading only
    best = assistant.retrieve("Who was the spokesperson?")[0]
    assert [(p.start, p.end) for p in passages] == [(best.start, best.end)]  # the sentence, no neighbours


def test_an_unsure_quick_reading_goes_on_to_the_wider_passages(hash_embedder):
    assistant, reader = cascade_assistant(hash_embedder, log_prob=-2.0, quick_accept=0.8)
    answer = assistant.ask("Who was the spokesperson?")
    assert answer.answer == "Emily Horne" and answer.score < 0.8
    quick, wide = reader.readings
    assert len(quick) == 1 and sum(p.end - p.start for p in wide) > quick[0].end - quick[0].start


def test_without_a_quick_bar_only_the_wider_passages_are_read(hash_embedder):
    assistant, reader = cascade_assistant(hash_embedder, log_prob=-0.1, quick_accept=None)
    assistant.ask("Who was the spokesperson?")
    [wide] = reader.readings
    assert sum(p.end - p.start for p in wide) > len("The spokesperson was Emily Horne.")
