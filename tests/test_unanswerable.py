"""Training data for "no answer": SQuAD 2.0's unanswerable questions from the fit articles only,
questions made unanswerable by a swap the paragraph cannot answer, and the windows and loss that
teach the reader to point at [CLS] for them."""

import json
import random

import pytest
import torch

from qa.eval.squad2_eval import load_squad2, split
from qa.index.documents import make_document
from qa.index.retriever import Retriever
from qa.index.store import SentenceIndex
from qa.reader.as_read import Question, group_loss, questions_of, reading_passages
from qa.reader.train import kept_windows, training_windows
from qa.reader.unanswerable import hinge, squad2_unanswerable, swapped_questions
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
    paragraphs, questions = questions_of([town])
    impossible = [q for q in questions if not q.answers]
    assert impossible[0] == Question("When did Ada leave Lisbon?", "Town/0", -1, -1, ())
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in paragraphs.items()], hash_embedder)
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
