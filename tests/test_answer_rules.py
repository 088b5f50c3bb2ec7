"""How the assistant turns reader spans into answers, with a scripted reader (no models)."""

import math

import pytest

from qa.assistant import Assistant
from qa.confidence import FEATURES, Confidence
from qa.conversation import Conversation
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

        def read(self, question, passages, top_n=5):
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

    def read(self, question, passages, top_n=5):
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


def test_a_question_naming_what_no_document_names_is_not_answered(hash_embedder):
    assistant = assistant_with([("two.txt", "Emily Horne", -0.5)], hash_embedder)
    assert assistant.ask("Who is the spokesperson of the White House?").answer == "Emily Horne"
    assert assistant.ask("Who is the spokesperson of the Kremlin?").answer is None  # no document names it
    assert assistant.ask("Who is the spokesperson of the Whites House?").answer == "Emily Horne"  # stems aside
    assert assistant.ask("Who is the spokesperson in the Two file?").answer == "Emily Horne"  # a document's name
    assert assistant.ask("Who is the spokesperson of the NSC's office?").answer == "Emily Horne"  # acronyms are left alone
    assert assistant.ask("Who is the spokesperson of the Washington White House?").answer == "Emily Horne"  # one word known
    assert assistant.unknown_names("Kremlin says who? Ask Dmitry Peskov, not Ed or The Times.") == ["Dmitry Peskov", "Times"]


class SentenceReader(ScriptedReader):
    """A ScriptedReader whose spans are read in their sentence alone, not the whole document."""

    def read(self, question, passages, top_n=5):
        spans = []
        for span in super().read(question, passages, top_n):
            text = self.index.document(span.doc_id).text
            start, end = text.rfind(". ", 0, span.start) + 1, text.find(". ", span.end)
            end = len(text) if end < 0 else end + 1
            sentence = Passage(doc_id=span.doc_id, start=start, end=end, text=text[start:end], retrieval_score=0.5, rank=0)
            spans.append(span.model_copy(update={"passage": sentence}))
        return spans


def test_a_rare_name_the_question_holds_is_looked_for_beside_the_answer(hash_embedder):
    texts = {"deals.txt": "Microsoft acquired Affirmed Networks for $1.35 billion. Troops massed at Ukraine's border. "
                          "Its subsidiaries are GitHub, RiskIQ and Xandr.",
             "box.txt": "The Ukrainian office opened. Contoso was founded in Porto."}
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in texts.items()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)
    assistant = Assistant(index, hash_embedder, reader=SentenceReader(index, [("deals.txt", "$1.35 billion", -0.2)]),
                          confidence=confidence)
    assert assistant.ask("How much did Microsoft pay for RiskIQ?").answer is None  # its document names it elsewhere
    assert assistant.ask("How much did Microsoft pay for Affirmed Networks?").answer == "$1.35 billion"
    assert assistant.ask("How much was paid at the Ukrainian border?").answer == "$1.35 billion"  # "Ukraine" beside it
    assert assistant.ask("How much did Microsoft pay for Contoso?").answer == "$1.35 billion"  # only another names it
    assert assistant.ask("Did Microsoft pay $1.35 billion for RiskIQ or Affirmed Networks?").answer is not None  # offered
    common = {"box.txt": " ".join(f"RiskIQ report {n} was filed." for n in range(4))}  # a name said often names a topic
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in {**texts, **common}.items()], hash_embedder)
    reader = SentenceReader(index, [("deals.txt", "$1.35 billion", -0.2)])
    assert Assistant(index, hash_embedder, reader=reader, confidence=confidence).ask(
        "How much did Microsoft pay for RiskIQ?").answer == "$1.35 billion"


def test_a_month_of_a_year_is_answered_only_from_a_document_naming_it(hash_embedder):
    texts = {"nov.txt": "Checks run in November 2015, by state.\nTexas: 56,941 checks.",
             "oct.txt": "Checks run in OCTOBER 2015, by state.\nTexas: 51,203 checks."}
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in texts.items()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)

    def asked(question, script):
        return Assistant(index, hash_embedder, reader=ScriptedReader(index, script), confidence=confidence).ask(question).answer

    assert asked("How many checks were run for Texas in November 2015?", [("nov.txt", "56,941", -0.5)]) == "56,941"
    assert asked("How many checks were run for Texas in October 2015?", [("nov.txt", "56,941", -0.5)]) is None
    assert asked("How many checks were run for Texas in October 2015?",
                 [("nov.txt", "56,941", -0.2), ("oct.txt", "51,203", -0.5)]) == "51,203"
    assert asked("How many checks were run for Texas in November 2014?", [("nov.txt", "56,941", -0.5)]) is None


def test_a_follow_up_opening_with_a_preposition_prefers_the_close_span_its_document_writes_after_it(hash_embedder):
    text = "The US and Europe pledged sanctions against Russia should it invade, on Thursday."
    index, _ = SentenceIndex.build([make_document("a.txt", text)], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)
    script = [("a.txt", "The US and Europe pledged sanctions", -0.3), ("a.txt", "Russia should it invade", -0.4),
              ("a.txt", "Thursday", -2.5)]
    conversation = Conversation(Assistant(index, hash_embedder, reader=ScriptedReader(index, script), confidence=confidence))
    assert conversation.ask("are there going to be sanctions?").answer == "The US and Europe pledged sanctions"
    against = conversation.ask("against whom?")
    assert against.answer == "Russia should it invade" and text[against.source.start:against.source.end] == against.answer
    assert conversation.ask("from whom?").answer == "The US and Europe pledged sanctions"  # no span after "from"
    assert conversation.ask("on what day?").answer == "The US and Europe pledged sanctions"  # "on Thursday": not close


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


def test_other_distinct_answers_come_as_alternatives_best_first(hash_embedder):
    assistant = assistant_with([("two.txt", "Emily Horne", -0.5), ("one.txt", "Horne", -1.0),  # the same reading
                                ("two.txt", "Thursday", -1.5), ("one.txt", "statement", -2.0),
                                ("two.txt", "White House", -3.0), ("one.txt", "spokesperson", -4.0),
                                ("two.txt", "said", -9.0)], hash_embedder)  # scores under the floor
    answer = assistant.ask("Who is the spokesperson?")
    assert answer.answer == "Emily Horne"
    assert [other.answer for other in answer.alternatives] == ["Thursday", "statement", "White House"]
    assert [other.score for other in answer.alternatives] == sorted((o.score for o in answer.alternatives), reverse=True)
    for other in answer.alternatives:
        text = assistant.index.document(other.source.doc_id).text
        assert text[other.source.start:other.source.end] == other.answer and other.score < answer.score
    nothing = assistant_with([("one.txt", "Emily Horne", -6.0), ("two.txt", "Thursday", -7.0)], hash_embedder)
    assert nothing.ask("Who is the spokesperson?").alternatives == []  # no answer: nothing offered as one


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

    def read(self, question, passages, top_n=5):
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


class PassageReader(RecordingReader):
    """Reads a (doc_id, word, log_prob) span only from a passage that holds the word."""

    def read(self, question, passages, top_n=5):
        self.readings.append(passages)
        spans = []
        for passage in passages:
            for doc_id, word, log_prob in self.script:
                if doc_id == passage.doc_id and word in passage.text:
                    start = passage.start + passage.text.index(word)
                    spans.append(ReaderSpan(doc_id=doc_id, start=start, end=start + len(word), text=word, log_prob=log_prob,
                                            no_answer_log_prob=-5.0, passage=passage))
        return sorted(spans, key=lambda span: -span.log_prob)


SPOKESPEOPLE_TEXTS = {"one.txt": "The spokesperson was Emily Horne.", "two.txt": "The spokesperson was Jen Psaki.",
                      "three.txt": "The spokesperson was Ned Price."}


def early_exit_assistant(hash_embedder, script, early_exit, texts=SPOKESPEOPLE_TEXTS):
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in texts.items()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1,
                            early_exit=early_exit)
    reader = PassageReader(index, script)
    return Assistant(index, hash_embedder, reader=reader, confidence=confidence, k=3, context=1), reader


SPOKESPEOPLE = [("one.txt", "Emily Horne", -3.0), ("two.txt", "Jen Psaki", -0.1), ("three.txt", "Ned Price", -2.0)]


def test_early_exit_stops_reading_at_the_first_passage_that_answers_confidently(hash_embedder):
    assistant, reader = early_exit_assistant(hash_embedder, SPOKESPEOPLE, early_exit=0.8)
    order = [p.doc_id for p in assistant.retriever.passages(assistant.retrieve("Who was the spokesperson?"))]
    answer = assistant.ask("Who was the spokesperson?")
    assert [len(passages) for passages in reader.readings] == [1] * (order.index("two.txt") + 1)
    assert answer.answer == "Jen Psaki" and answer.score >= 0.8


def test_early_exit_below_its_bar_reads_on_and_answers_as_a_full_reading_does(hash_embedder):
    question = "Who was the spokesperson?"
    unsure = [(doc_id, word, log_prob - 3.0) for doc_id, word, log_prob in SPOKESPEOPLE]
    stepwise, reader = early_exit_assistant(hash_embedder, unsure, early_exit=0.99)
    at_once, _ = early_exit_assistant(hash_embedder, unsure, early_exit=None)
    assert stepwise.ask(question) == at_once.ask(question)
    assert len(reader.readings) == 3  # every passage, one at a time


def test_passages_read_one_at_a_time_end_with_what_one_reading_of_them_all_gives(tiny_reader, seed_texts, hash_embedder):
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in seed_texts.items()], hash_embedder)
    assistant = Assistant(index, hash_embedder, reader=tiny_reader, k=3, context=1)
    for question in ("When could Russia invade?", "Who is Blinken?", "What did the two presidents discuss?"):
        hits = assistant.retrieve(question)
        *_, last = assistant.passage_readings(question, assistant.retriever.passages(hits))
        assert last == assistant.read(question, hits) and len(assistant.retriever.passages(hits)) > 1


def test_early_exit_cites_the_answer_where_unread_passages_hold_it_verbatim(hash_embedder):
    texts = {"one.txt": "The spokesperson was Jen Psaki.", "two.txt": "Jen Psaki spoke to the press.",
             "three.txt": "Jen Psakiewicz spoke later."}
    question = "Who was the spokesperson?"
    probe, _ = early_exit_assistant(hash_embedder, [], early_exit=None, texts=texts)
    first = probe.retriever.passages(probe.retrieve(question))[0].doc_id
    assistant, reader = early_exit_assistant(hash_embedder, [(first, "Jen Psaki", -0.1)], early_exit=0.8, texts=texts)
    answer = assistant.ask(question)
    assert len(reader.readings) == 1 and answer.answer == "Jen Psaki"
    assert {source.doc_id for source in answer.evidence} == {"one.txt", "two.txt"}  # not the longer name
    for source in answer.evidence:
        assert texts[source.doc_id][source.start : source.end] == "Jen Psaki"
