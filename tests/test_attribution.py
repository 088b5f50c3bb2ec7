""""Says who?" after an answer: whom the answer's sentence attributes it to, as a span of the sentence."""

import pytest

from qa.attribution import ASKS_WHO_SAID, who_said
from qa.conversation import Conversation

KYIV = ("President Biden warned Mr Zelenskyy that Russian forces could attack Ukrainian territory from north of Kyiv, "
        "according to two people familiar with the conversation who were not authorised to comment publicly.")


@pytest.mark.parametrize("sentence, answer, speaker", [
    (KYIV, "north of Kyiv", "two people familiar with the conversation"),  # a named source before a speech verb
    ("The White House pushed back on reports by CNN that Biden told Zelensky an invasion could see Kyiv 'sacked'.",
     "Kyiv", "CNN"),
    ("The White House says President Joe Biden warned Ukraine's president that Russia could invade in February.",
     "February", "President Joe Biden"),  # the speaker nearest before the answer: who said it, not who reports it
    ("“Russia could invade in February,” White House spokesperson Emily Horne said.", "February", "Emily Horne"),
    ("Russia could invade in February, said Emily Horne.", "February", "Emily Horne"),
    ("The movements altered the Middle East more than any trend, according to one journalist (Robin Wright).",
     "the Middle East", "one journalist (Robin Wright)"),
    ("In a report, published in early February 2007 by the Ear Institute, Newcastle was named the noisiest city.",
     "Newcastle", "the Ear Institute"),
    ("The appeal failed because, according to the U.S. Court of Appeals for the First Circuit, she showed no remorse.",
     "no remorse", "the U.S. Court of Appeals for the First Circuit"),  # "U.S." ends no phrase
    ("The first result is the prime number theorem, proven in 1896, which says that primes thin out slowly.",
     "primes thin out slowly", "the prime number theorem"),  # a relative clause's noun phrase
    ("Gasquet (1908) claimed that the name first appeared in 1631.", "1631", "Gasquet"),  # a citation's year between
    ("President Joe Biden has told Ukraine that Russia could invade next month.", "next month", "President Joe Biden"),
    ("Ukraine was told that Russia could invade next month.", "next month", None),  # told, by no one named
    ("He said the plan would fail.", "the plan would fail", None),  # a pronoun is no one named
    ("Grainger was said to have left the city in stone.", "stone", None),  # "said to": no speaker
    ("Biden said Russia could invade.", "Biden", None),  # only the answer itself names one
])
def test_the_sentence_says_who_said_its_answer(sentence, answer, speaker):
    at = sentence.index(answer)
    found = who_said(sentence, at, at + len(answer))
    assert (sentence[found[0] : found[1]] if found else None) == speaker


@pytest.mark.parametrize("question, asks", [
    ("says who?", True), ("who says so?", True), ("according to whom?", True), ("who said that?", True),
    ("source?", True), ("by whom?", True), ("who said he would go?", False), ("according to the report, who won?", False),
])
def test_a_follow_up_asking_who_said_so(question, asks):
    assert bool(ASKS_WHO_SAID.match(question)) == asks


def test_says_who_answers_with_the_previous_answers_speaker_as_a_span_of_the_document(hash_embedder):
    from test_answer_rules import ScriptedReader
    from qa.assistant import Assistant
    from qa.confidence import FEATURES, Confidence
    from qa.index.documents import make_document
    from qa.index.store import SentenceIndex

    said_so = "The call lasted an hour. President Biden warned Mr Zelenskyy that Russia could attack from the north."
    text = f"{said_so} {KYIV}"
    index, _ = SentenceIndex.build([make_document("call.txt", text)], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.5)
    reader = ScriptedReader(index, [("call.txt", "the north", -0.1)])
    conversation = Conversation(Assistant(index, hash_embedder, reader=reader, confidence=confidence))
    assert conversation.ask("Where could Russia attack from?").answer == "the north"
    said = conversation.ask("says who?")
    assert said.answer == "President Biden" and text[said.source.start : said.source.end] == said.answer
    assert said.score == conversation.turns[0].answer.score and said.read_as == 'who said "the north"?'
    reader.script = [("call.txt", "north of Kyiv", -0.1)]
    conversation.ask("Where could Russian forces attack from?")
    said = conversation.ask("according to whom?")  # a source the sentence names, before its speaker
    assert said.answer == "two people familiar with the conversation" and text[said.source.start : said.source.end] == said.answer
    reader.script = [("call.txt", "an hour", -0.1)]
    conversation.ask("How long did the call last?")
    assert conversation.ask("says who?").answer == "an hour"  # no one named: read as ever (the scripted reader's span)
