"""Training examples built the way the assistant reads, and the loss that reads them together.

For each question the retriever runs over the training paragraphs as it does in the product
(hybrid search, top k sentences widened by a neighbour either side). The reader then sees:
- the passage that holds the answer: the retrieved one when retrieval found it, else the answer's
  sentence with its neighbours;
- every other retrieved passage, labelled "no answer". One that contains a reference answer's text
  is left out, since it may truly answer.

A question's windows form a `qa.reader.groups.Group`, trained with one normalisation across them.

Two things make the examples look like the documents people index:
- `titled_share` of the paragraphs get their article's title as a heading line above them, so the
  reader reads "Title" before the passage as it reads a section's path in the product, and a third of
  their questions name it ("In the Title article, who ...?"). File names (with a "/") are no titles.
- A question marked `"asked_of": "paragraph"` (one of another paragraph, `qa.reader.unanswerable`) is
  read against its paragraph alone: elsewhere in the training corpus its own paragraph answers it.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np

from qa.index.blocks import Heading
from qa.index.documents import Document, make_document
from qa.index.retriever import Passage, Retriever
from qa.index.store import SentenceIndex
from qa.normalize import normalize_answer
from qa.reader.groups import Group
from qa.reader.windows import answer_token_span, tokenize_windows


@dataclass(frozen=True)
class Question:
    """A training question with its paragraph and the answer's character span in it ((-1, -1) and no
    answers: the paragraph does not answer it)."""

    text: str
    doc_id: str
    answer_start: int
    answer_end: int
    answers: tuple[str, ...]
    paragraph_only: bool = False  # read against its own paragraph alone


NAMING = ("In the {title} article, {question}", "According to {title}, {question}", "{title}: {question}")


def questions_of(articles: list[dict], titled_share: float = 0.0) -> tuple[dict[str, Document], list[Question]]:
    """({doc_id: paragraph as a document}, questions) of SQuAD-format articles; doc_id is
    'title/paragraph-number' ('title #2/0' for the second article of a title). `titled_share` of the paragraphs (chosen by their doc_id) stand under their
    title, and a third of their questions name it."""
    documents, questions, seen = {}, [], Counter()
    for article in articles:
        title = " ".join(article["title"].replace("_", " ").split())
        seen[article["title"]] += 1  # made questions come as articles of their own title: each keeps its own ids
        name = article["title"] if seen[article["title"]] == 1 else f"{article['title']} #{seen[article['title']]}"
        for number, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{name}/{number}"
            titled = "/" not in article["title"] and zlib.crc32(doc_id.encode()) % 1000 < titled_share * 1000
            shift = len(title) + 1 if titled else 0
            documents[doc_id] = make_document(doc_id, f"{title}\n{paragraph['context']}" if titled else paragraph["context"],
                                              headings=[Heading(start=0, end=len(title), level=1)] if titled else None)
            for qa in paragraph["qas"]:
                text = qa["question"].strip()
                named = qa.get("id", text)
                if titled and zlib.crc32(named.encode()) % 3 == 0:
                    text = random.Random(named).choice(NAMING).format(title=title, question=_lowered(text))
                if not qa["answers"]:  # the paragraph does not answer it (SQuAD 2.0)
                    questions.append(Question(text, doc_id, -1, -1, (), qa.get("asked_of") == "paragraph"))
                    continue
                first = qa["answers"][0]
                start = first["answer_start"] + shift
                questions.append(Question(text, doc_id, start, start + len(first["text"]), tuple(a["text"] for a in qa["answers"])))
    return documents, questions


def _lowered(question: str) -> str:
    """The question to follow a lead-in: its first word in lower case unless it is a name or an acronym."""
    first = question.split(" ", 1)[0]
    return question[0].lower() + question[1:] if first.lower() in _QUESTION_WORDS else question


_QUESTION_WORDS = frozenset("what who whom whose which when where why how in on at for from to by during after before "
                            "according is are was were do does did can could the a an".split())


def reading_passages(retriever: Retriever, question: Question, query: np.ndarray | None = None) -> tuple[Passage | None, list[Passage]]:
    """(the passage holding the answer, passages without it) as the assistant would read them;
    `query` is the question's embedding, when already computed."""
    index = retriever.index
    if question.paragraph_only:
        document = index.document(question.doc_id)
        return None, [Passage(doc_id=question.doc_id, start=0, end=len(document.text), text=document.text,
                              retrieval_score=0.0, rank=0, context=document.context_at(0))]
    hits = retriever.ranked(question.text, query) if query is not None else retriever.sentences(question.text)
    retrieved = retriever.passages(hits)
    if not question.answers:
        return None, retrieved  # nothing answers it: every passage read is one without the answer
    holding = [p for p in retrieved if p.doc_id == question.doc_id and p.start <= question.answer_start and question.answer_end <= p.end]
    gold = holding[0] if holding else _answer_sentences(index, question)
    answers = {normalize_answer(answer) for answer in question.answers}
    negatives = [p for p in retrieved if not _overlaps(p, question) and not any(a and a in normalize_answer(p.text) for a in answers)]
    return gold, negatives


def build_groups(tokenizer, articles: list[dict], embedder, k: int, max_tokens: int, stride: int,
                 titled_share: float = 0.0) -> list[Group]:
    """One group of windows per question of the articles, read as the assistant reads."""
    documents, questions = questions_of(articles, titled_share)
    index, _ = SentenceIndex.build(list(documents.values()), embedder)
    retriever = Retriever(index, embedder, k=k)
    queries = embedder.encode([question.text for question in questions])  # in batches: far faster than one by one
    groups = []
    for question, query in zip(questions, queries):
        gold, negatives = reading_passages(retriever, question, query)
        if gold is None and question.answers:
            continue
        passages = [gold, *negatives] if gold else negatives
        windows = tokenize_windows(tokenizer, [question.text] * len(passages), [p.reading for p in passages], max_tokens, stride)
        if gold is None:  # unanswerable: every window points at [CLS]
            if windows:
                groups.append(Group(tuple(windows), tuple((0, 0) for _ in windows)))
            continue
        offset = question.answer_start - gold.start + len(gold.reading) - len(gold.text)  # after the context read first
        spans = tuple(answer_token_span(w, offset, offset + question.answer_end - question.answer_start) if w.context_index == 0
                      else (0, 0) for w in windows)
        if any(span != (0, 0) for span in spans):
            groups.append(Group(tuple(windows), spans))
    return groups


def _overlaps(passage: Passage, question: Question) -> bool:
    return passage.doc_id == question.doc_id and passage.start < question.answer_end and question.answer_start < passage.end


def _answer_sentences(index: SentenceIndex, question: Question) -> Passage | None:
    """The answer's sentence(s) with a neighbour either side, or None when the answer lies outside indexed sentences."""
    rows = index.rows_overlapping(question.doc_id, question.answer_start, question.answer_end)
    if not rows or rows[0][1].start > question.answer_start or rows[-1][1].end < question.answer_end:
        return None
    first, last = index.neighbours(rows[0][0], 1)[0], index.neighbours(rows[-1][0], 1)[-1]
    start, end = index.row(first).start, index.row(last).end
    document = index.document(question.doc_id)
    return Passage(doc_id=question.doc_id, start=start, end=end, text=document.text[start:end], retrieval_score=0.0, rank=0,
                   context=document.context_at(start))
