"""Training as the assistant reads: the passages a question is read with, the answer labelled only
where it is, and one normalisation across a question's windows, in training and in decoding."""

import numpy as np
import pytest
import torch

from qa.index.retriever import Retriever
from qa.index.documents import make_document
from qa.index.store import SentenceIndex
from qa.reader.as_read import Question, build_groups, questions_of, reading_passages
from qa.reader.groups import group_loss
from qa.reader.decode import decode_window, shared_normalisers
from qa.reader.windows import load_tokenizer

PARAGRAPHS = {
    "Town/0": "Ada lives in Lisbon. Her door is green. She walks to work.",
    "Town/1": "Bruno lives in Porto. His door is red. He cycles to work.",
    "Town/2": "Carla moved from Lisbon to Braga. Her door is blue. She drives to work.",
}


def question(text, doc_id, answer):
    start = PARAGRAPHS[doc_id].index(answer)
    return Question(text, doc_id, start, start + len(answer), (answer,))


def test_squad_articles_become_paragraphs_and_questions():
    articles = [{"title": "Town", "paragraphs": [{"context": PARAGRAPHS["Town/1"], "qas": [
        {"question": " Where does Bruno live? ", "answers": [{"text": "Porto", "answer_start": 15}, {"text": "in Porto", "answer_start": 12}]}]}]}]
    documents, (only,) = questions_of(articles)
    assert {d: document.text for d, document in documents.items()} == {"Town/0": PARAGRAPHS["Town/1"]}
    assert only == Question("Where does Bruno live?", "Town/0", 15, 20, ("Porto", "in Porto"))


def test_the_answer_passage_and_answerless_passages_are_kept_apart(hash_embedder):
    index, _ = SentenceIndex.build([make_document(d, t) for d, t in PARAGRAPHS.items()], hash_embedder)
    retriever = Retriever(index, hash_embedder, k=3)
    asked = question("Where does Bruno live, and is his door red?", "Town/1", "Porto")
    gold, negatives = reading_passages(retriever, asked)
    assert gold.doc_id == "Town/1" and gold.start <= asked.answer_start and asked.answer_end <= gold.end
    assert PARAGRAPHS["Town/1"][gold.start : gold.end] == gold.text and "Porto" in gold.text
    assert negatives and all(p.doc_id != "Town/1" and "Porto" not in p.text for p in negatives)
    lisbon = question("Who lives in Lisbon?", "Town/0", "Ada")
    _, others = reading_passages(retriever, lisbon)
    assert all("Ada" not in p.text for p in others)  # a passage holding the answer's text is never labelled "no answer"


def test_shared_normalisation_makes_one_distribution_over_all_windows():
    rng = np.random.default_rng(0)
    offsets = [[None, (0, 3), (4, 8), None], [None, (0, 5), None]]
    starts, ends = [rng.normal(size=4), rng.normal(size=3)], [rng.normal(size=4), rng.normal(size=3)]
    start_norm, end_norm = shared_normalisers(starts, ends, offsets)
    total = sum(np.exp(s[i] - start_norm) for s, o in zip(starts, offsets) for i, x in enumerate(o) if x)
    assert total == pytest.approx(1.0)
    spans = decode_window(starts[0], ends[0], offsets[0], normalisers=(start_norm, end_norm))
    token_of = {(0, 3): 1, (4, 8): 2}
    expected = {(offsets[0][i][0], offsets[0][j][1]): starts[0][i] + ends[0][j] - start_norm - end_norm
                for i in token_of.values() for j in token_of.values() if i <= j}
    assert {(s, e): score for s, e, score in spans} == pytest.approx(expected)


def test_an_answerless_window_scoring_a_span_above_the_answer_costs_more():
    """Two windows of one question: the answer at position 1 of window 0; window 1 has none."""
    attention, context = torch.ones(2, 4, dtype=torch.long), torch.tensor([[False, True, True, False]] * 2)
    spans = torch.tensor([[1, 1], [0, 0]])

    def loss(answerless_logit: float) -> float:
        logits = torch.tensor([[0.0, 5.0, 0.0, 0.0], [6.0, answerless_logit, 0.0, 0.0]])
        return group_loss(logits, logits.clone(), attention, context, spans, [0, 0]).item()

    def window_part(answerless_logit: float) -> float:
        logits = torch.tensor([[0.0, 5.0, 0.0, 0.0], [6.0, answerless_logit, 0.0, 0.0]])
        return torch.nn.functional.cross_entropy(logits, spans[:, 0]).item()

    shared_rise = (loss(5.9) - window_part(5.9)) - (loss(-5.0) - window_part(-5.0))
    assert shared_rise > 0.5  # the shared term sees the answerless span outscore the answer


def test_a_titled_paragraph_is_read_under_its_title_and_some_questions_name_it(hash_embedder):
    articles = [{"title": "Old_Town", "paragraphs": [{"context": text, "qas": [
        {"id": f"{doc_id}-{n}", "question": f"Who lives in town {n}?", "answers": [{"text": "Ada", "answer_start": text.index("Ada")}]}
        for n in range(12)]} for doc_id, text in PARAGRAPHS.items() if "Ada" in text]}]
    documents, questions = questions_of(articles, titled_share=1.0)
    (document,) = documents.values()
    assert document.text.startswith("Old Town\n") and document.context_at(len(document.text) - 1) == "Old Town"
    assert all(document.text[q.answer_start : q.answer_end] == "Ada" for q in questions)
    named = [q.text for q in questions if "Old Town" in q.text]
    assert 0 < len(named) < len(questions) and all(q.text.endswith("?") for q in questions)
    tokenizer = load_tokenizer()
    groups = build_groups(tokenizer, articles, hash_embedder, k=2, max_tokens=64, stride=16, titled_share=1.0)
    assert len(groups) == len(questions)
    for group in groups:
        ((window, (start, end)),) = [(w, s) for w, s in zip(group.windows, group.spans) if s != (0, 0)]
        assert tokenizer.decode(window.input_ids[start : end + 1]) == "ada"  # labelled after the context line
    untitled, _ = questions_of(articles, titled_share=0.0)
    assert not any(d.text.startswith("Old Town") for d in untitled.values())
    files, _ = questions_of([{**articles[0], "title": "tables/a.csv"}], titled_share=1.0)
    assert not any(d.headings for d in files.values())  # a file name is no title


def test_articles_of_one_title_keep_their_paragraphs_apart():
    articles = [{"title": "Town", "paragraphs": [{"context": text, "qas": [
        {"id": doc_id, "question": "Who lives here?", "answers": [{"text": text.split()[0], "answer_start": 0}]}]}]}
        for doc_id, text in PARAGRAPHS.items()]  # three one-paragraph articles titled alike (as made questions come)
    documents, questions = questions_of(articles)
    assert len(documents) == 3 and len(set(q.doc_id for q in questions)) == 3
    for question in questions:
        assert documents[question.doc_id].text[question.answer_start : question.answer_end] == question.answers[0]
