"""Training data for "no answer": SQuAD 2.0's unanswerable questions from the fit articles only,
questions made unanswerable by a swap the paragraph cannot answer, and the windows and loss that
teach the reader to point at [CLS] for them."""

import json
import random

import pytest
import torch

from qa.eval.squad2_eval import load_squad2, split
from qa.index.retriever import Retriever
from qa.index.store import SentenceIndex
from qa.reader.as_read import Question, questions_of, reading_passages
from qa.reader.groups import group_loss
from qa.reader.train import kept_windows, training_windows
from qa.reader.unanswerable import (antonym_questions, hinge, negated_questions, other_paragraph_questions, squad2_train_unanswerable,
                                    squad2_unanswerable, swapped_questions)
from qa.reader.windows import load_tokenizer

PLACES = [("Ada", "Lisbon", 1901), ("Bruno", "Porto", 1932), ("Carla", "Braga", 1955), ("Dinis", "Faro", 1978)]


def article(title: str, with_impossible: bool = False) -> dict:
    paragraphs = []
    for name, city, year in PLACES:
        context = f"{name} moved to {city} in {year}. The house of {name} has 3 rooms."
        qas = [{"id": f"{title}-{name}", "question": f"When did {name} move to {city}?", "is_impossible": False,
                "answers": [{"text": str(year), "answer_start": context.index(str(year))}]}]
        if with_impossible:
            qas.append({"id": f"{title}-{name}-x", "question": f"When did {name} leave {city}?", "is_impossible": True,
                        "answers": [], "plausible_answers": [{"text": str(year), "answer_start": context.index(str(year))}]})
        paragraphs.append({"context": context, "qas": qas})
    return {"title": title, "paragraphs": paragraphs}


def test_a_question_hinges_on_a_year_number_or_name_its_paragraph_mentions():
    context = "Ada moved to Lisbon in 1901. The house has 3 rooms."
    assert hinge("When did Ada move to Lisbon in 1901?", context)[1].group() == "1901"
    assert hinge("How many rooms, 3 or more, did Ada have?", context)[1].group() == "3"
    assert hinge("Where did Ada go?", context)[1].group() == "Ada"
    assert hinge("Who went to Porto?", context) is None  # nothing it names is in the paragraph


def test_swapped_questions_ask_what_their_paragraph_never_mentions():
    made = swapped_questions([article("Town")], 10, random.Random(0))
    assert made and made == swapped_questions([article("Town")], 10, random.Random(0))  # seeded
    originals = {qa["id"]: qa for p in article("Town")["paragraphs"] for qa in p["qas"]}
    for swapped in made:
        (paragraph,) = swapped["paragraphs"]
        (qa,) = paragraph["qas"]
        original = originals[qa["id"].removesuffix("-swapped")]
        assert qa["is_impossible"] and qa["answers"] == [] and qa["plausible_answers"] == original["answers"][:1]
        before, after = original["question"].split(), qa["question"].split()
        changed = [new for old, new in zip(before, after) if old != new]
        assert len(before) == len(after) and changed and all(word.strip("?") not in paragraph["context"] for word in changed)


def test_squad2_training_takes_only_the_unanswerable_questions_of_the_train_articles(tmp_path):
    path = tmp_path / "squad2.json"
    path.write_text(json.dumps({"data": [article(t, with_impossible=True) for t in ("E", "A", "B", "C", "D", "F")]}),
                    encoding="utf-8")
    parts = split(load_squad2(path))
    assert parts == {"fit": {"A", "C", "E"}, "measure": {"B", "D", "F"}, "train": {"A", "E"}, "calibrate": {"C"}}
    kept = squad2_unanswerable(path)
    assert [a["title"] for a in kept] == ["E", "A"]  # in the file's order
    assert all(qa["is_impossible"] for a in kept for p in a["paragraphs"] for qa in p["qas"])
    assert sum(len(p["qas"]) for a in kept for p in a["paragraphs"]) == 2 * len(PLACES)


def test_every_window_of_an_unanswerable_question_is_kept_and_points_at_cls():
    examples = training_windows(load_tokenizer(), [article("Town", with_impossible=True)], max_tokens=24, stride=8)
    impossible = [e for e in examples if not e[3]]
    assert impossible and all(e[1:3] == (0, 0) for e in impossible)
    kept = kept_windows(examples, negative_share=0.0, seed=0)
    assert all(e in kept for e in impossible) and all(e[1] > 0 or not e[3] for e in kept)


def test_read_as_the_assistant_reads_an_unanswerable_question_is_all_negatives(hash_embedder):
    (town,) = [article("Town", with_impossible=True)]
    documents, questions = questions_of([town])
    impossible = [q for q in questions if not q.answers]
    assert impossible[0] == Question("When did Ada leave Lisbon?", "Town/0", -1, -1, ())
    index, _ = SentenceIndex.build(list(documents.values()), hash_embedder)
    gold, passages = reading_passages(Retriever(index, hash_embedder, k=3), impossible[0])
    assert gold is None and passages and any(p.doc_id == "Town/0" for p in passages)  # its own paragraph, as a negative


def test_an_unanswerable_question_adds_no_shared_term_and_its_loss_stays_finite():
    attention, context = torch.ones(3, 4, dtype=torch.long), torch.tensor([[False, True, True, False]] * 3)
    spans = torch.tensor([[1, 1], [0, 0], [0, 0]])  # question 0: answered in window 0; question 1: unanswerable
    logits = torch.tensor([[0.0, 5.0, 0.0, 0.0], [6.0, 1.0, 0.0, 0.0], [2.0, 3.0, 0.0, 0.0]], requires_grad=True)
    loss = group_loss(logits, logits, attention, context, spans, [0, 1, 1])
    answered_only = group_loss(logits[:1], logits[:1], attention[:1], context[:1], spans[:1], [0])
    per_window = torch.nn.functional.cross_entropy(logits, spans[:, 0])
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(per_window.item() + (answered_only.item() - torch.nn.functional.cross_entropy(
        logits[:1], spans[:1, 0]).item()))
    loss.backward()
    assert logits.grad[2, 0] < 0  # the unanswerable window is pushed towards [CLS]


def made_qas(made: list[dict]) -> list[tuple[str, dict]]:
    return [(p["context"], qa) for a in made for p in a["paragraphs"] for qa in p["qas"]]


def test_negated_and_antonym_questions_ask_what_their_paragraph_does_not_state():
    context = "Ada was the first mayor of Lisbon. Lisbon is the largest city of Portugal."
    town = {"title": "Town", "paragraphs": [{"context": context, "qas": [
        {"id": "q1", "question": "Who was the first mayor of Lisbon?", "answers": [{"text": "Ada", "answer_start": 0}]},
        {"id": "q2", "question": "Which city is the largest of Portugal?", "answers": [{"text": "Lisbon", "answer_start": 39}]}]}]}
    negated = {qa["question"] for _, qa in made_qas(negated_questions([town], 10, random.Random(0)))}
    assert negated == {"Who was not the first mayor of Lisbon?", "Which city is not the largest of Portugal?"}
    opposite = {qa["question"] for _, qa in made_qas(antonym_questions([town], 10, random.Random(0)))}
    assert opposite == {"Who was the last mayor of Lisbon?", "Which city is the smallest of Portugal?"}
    for _, qa in made_qas(negated_questions([town], 10, random.Random(0)) + antonym_questions([town], 10, random.Random(0))):
        assert qa["is_impossible"] and not qa["answers"] and qa["plausible_answers"] and "asked_of" not in qa
    said = {**town, "paragraphs": [{**town["paragraphs"][0], "context": context + " Bruno was not a mayor; he was the last."}]}
    assert not negated_questions([said], 10, random.Random(0))  # it speaks of what was not: no negation made
    assert [qa["question"] for _, qa in made_qas(antonym_questions([said], 10, random.Random(0)))] == [
        "Which city is the smallest of Portugal?"]  # "last" is in the paragraph now


def houses() -> dict:
    paragraphs = []
    for name, city, year in PLACES:
        context = f"{name} bought the house in {city} in {year}."
        paragraphs.append({"context": context, "qas": [{"id": name, "question": f"When did {name} buy the house?",
                                                        "answers": [{"text": str(year), "answer_start": context.index(str(year))}]}]})
    return {"title": "Houses", "paragraphs": paragraphs}


def test_a_question_from_another_paragraph_is_kept_only_when_its_answer_is_absent_and_is_read_there_alone():
    made = other_paragraph_questions([houses()], 10, random.Random(0))
    assert len(made) == len(PLACES)
    for context, qa in made_qas(made):
        name = qa["question"].split()[2]  # "When did <name> buy the house?"
        assert qa["asked_of"] == "paragraph" and not qa["answers"] and qa["plausible_answers"] == []
        year = next(str(y) for n, _, y in PLACES if n == name)
        assert year not in context and name not in context
    shared_words = {"title": "T", "paragraphs": [
        {"context": "Ada moved to Lisbon in 1901.", "qas": [{"id": "a", "question": "When did Ada move to Lisbon?",
                                                              "answers": [{"text": "1901", "answer_start": 23}]}]},
        {"context": "In 1901 Lisbon grew.", "qas": [{"id": "b", "question": "What grew in 1901?",
                                                      "answers": [{"text": "Lisbon", "answer_start": 8}]}]}]}
    assert not other_paragraph_questions([shared_words], 10, random.Random(0))  # each answer is in the other


def test_a_squad2_training_file_gives_every_unanswerable_question(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps({"data": [article(t, with_impossible=True) for t in ("E", "A")]}), encoding="utf-8")
    kept = made_qas(squad2_train_unanswerable(path))
    assert len(kept) == 2 * len(PLACES) and all(qa["is_impossible"] for _, qa in kept)


def test_a_question_asked_of_its_paragraph_reads_that_paragraph_alone(hash_embedder):
    made = other_paragraph_questions([houses()], 10, random.Random(0))
    documents, questions = questions_of([houses(), *made])
    moved = [q for q in questions if q.paragraph_only]
    assert len(moved) == len(made)
    index, _ = SentenceIndex.build(list(documents.values()), hash_embedder)
    for question in moved:
        gold, passages = reading_passages(Retriever(index, hash_embedder, k=3), question)
        assert gold is None and [(p.doc_id, p.text) for p in passages] == [(question.doc_id, documents[question.doc_id].text)]
