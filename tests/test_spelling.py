"""A misspelt question word is read as the retrieved sentences spell it, and only a typo is."""

import pytest

from qa.spelling import respelt

SENTENCES = ["Negotiators from both sides are set to meet again in Berlin.",
             "The National Security Council spokesperson, Emily Horne, tweeted about the headlined call.",
             "Banks and civil obedience were discussed in Kyiv."]


@pytest.mark.parametrize("asked, read_as", [
    ("Where will the neggotiators meet?", "Where will the negotiators meet?"),  # a letter doubled
    ("Who is the spokespperson?", "Who is the spokesperson?"),
    ("When are Ngeotiators meeting?", "When are Negotiators meeting?"),  # two letters swapped
    ("What did the Nationl Security Council say?", "What did the National Security Council say?"),  # one dropped
])
def test_a_typo_is_read_as_the_sentences_spell_the_word(asked, read_as):
    assert respelt(asked, SENTENCES) == read_as


@pytest.mark.parametrize("asked", [
    "How many tanks were sent?",  # an English word the encoder knows, close to "banks": not a typo
    "Who was the headliner?",  # "headlined" differs only in its ending: another word
    "Was there civil disobedience?",  # "obedience" differs only in its start: another word
    "Who is Hrne?",  # too short to tell from another word ("Horne")
    "What did Emily Horne's team say?",  # in the sentences already
    "Who is Zaporizhzhia's mayor?",  # nothing close in the sentences
])
def test_anything_but_a_typo_stays_as_asked(asked):
    assert respelt(asked, SENTENCES) == asked


def test_without_sentences_the_question_stays():
    assert respelt("Who is the spokespperson?", []) == "Who is the spokespperson?"


@pytest.mark.slow
def test_a_misspelt_question_is_answered_as_if_spelt_right(seeds_assistant, seed_texts):
    right = seeds_assistant.ask("Who is the spokesperson of the National Security Council?")
    misspelt = seeds_assistant.ask("Who is the spokespperson of the Natinal Security Council?")
    assert misspelt.question == "Who is the spokespperson of the Natinal Security Council?"  # shown as asked
    assert misspelt.answer == right.answer and misspelt.answer is not None
    assert misspelt.read_as == "Who is the spokesperson of the National Security Council?" and right.read_as is None
    assert seeds_assistant.ask("who's the spokesperson of the National Security Council?").read_as is None  # contractions alone
    source = misspelt.source
    assert seed_texts[source.doc_id][source.start : source.end] == misspelt.answer
