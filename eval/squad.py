"""SQuAD data as the assistant sees it: paragraphs as documents, questions with references."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from qa.index.documents import make_document
from qa.index.embedder import Embedder
from qa.index.store import SentenceIndex


class SquadQuestion(BaseModel, frozen=True):
    id: str
    question: str
    answers: list[str]
    article: str
    doc_id: str  # the paragraph holding the answer
    context: str


def load_questions(path: Path, articles: set[str] | None = None) -> list[SquadQuestion]:
    """Every question of the file (or of the named articles); doc_id is 'title/paragraph-number'."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    questions = []
    for article in data:
        if articles is not None and article["title"] not in articles:
            continue
        for number, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                questions.append(SquadQuestion(
                    id=qa["id"], question=qa["question"], answers=[a["text"] for a in qa["answers"]],
                    article=article["title"], doc_id=f"{article['title']}/{number}", context=paragraph["context"]))
    return questions


def paragraph_index(questions: list[SquadQuestion], embedder: Embedder) -> SentenceIndex:
    """One document per paragraph that the questions come from."""
    contexts = {q.doc_id: q.context for q in questions}
    index, _ = SentenceIndex.build([make_document(doc_id, text) for doc_id, text in contexts.items()], embedder)
    return index


def without_article(index: SentenceIndex, embedder: Embedder, article: str) -> SentenceIndex:
    """A copy of the index without one article's paragraphs (vectors reused, nothing re-embedded)."""
    kept = [index.document(doc_id) for doc_id in index.document_ids() if not doc_id.startswith(article + "/")]
    reduced, _ = SentenceIndex.build(kept, embedder, previous=index)
    return reduced
