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
    _, spans = assistant.read("Where is the summit?")
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
            text = self.index.documents[doc_id].text
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
        text = assistant.index.documents[source.doc_id].text
        assert text[source.start:source.end] == "Emily Horne"
        assert text[source.sentence_start:source.sentence_end] == source.sentence
    assert answer.score == pytest.approx(1 / (1 + math.exp(-(2.0 - 0.5))))  # bias + weight x best span log-prob


def test_below_the_threshold_the_answer_is_none_with_the_closest_passages(hash_embedder):
    assistant = assistant_with([("one.txt", "Emily Horne", -6.0)], hash_embedder)
    answer = assistant.ask("Who is the spokesperson?")
    assert answer.answer is None and answer.source is None
    assert 0 < answer.score < 0.5 and answer.evidence
    assert all(e.start == e.sentence_start and e.end == e.sentence_end for e in answer.evidence)
