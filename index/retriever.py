"""Retriever: the sentences nearest to a question, with their neighbours as reading context."""

from __future__ import annotations

from pydantic import BaseModel

from qa.index.embedder import Embedder
from qa.index.store import SentenceIndex


class RetrievedSentence(BaseModel, frozen=True):
    """A sentence the retriever found, with its cosine similarity to the question."""

    row: int
    doc_id: str
    start: int
    end: int
    score: float


class Passage(BaseModel, frozen=True):
    """Text the reader reads: a retrieved sentence with its neighbours, as a document span."""

    doc_id: str
    start: int
    end: int
    text: str
    retrieval_score: float  # best similarity among the retrieved sentences it contains
    rank: int  # 0 for the passage holding the best retrieved sentence


class Retriever:
    """Top-k sentences for a question, grouped into passages with `context` neighbours either side."""

    def __init__(self, index: SentenceIndex, embedder: Embedder, k: int = 3, context: int = 1) -> None:
        self.index = index
        self.embedder = embedder
        self.k = k
        self.context = context

    def sentences(self, question: str, k: int | None = None) -> list[RetrievedSentence]:
        """The k most similar indexed sentences, best first."""
        query = self.embedder.encode([question])[0]
        return [
            RetrievedSentence(row=n, doc_id=self.index.rows[n].doc_id, start=self.index.rows[n].start,
                              end=self.index.rows[n].end, score=score)
            for n, score in self.index.search(query, k or self.k)
        ]

    def passages(self, hits: list[RetrievedSentence], context: int | None = None) -> list[Passage]:
        """Hits widened by `context` (default: the retriever's) neighbours either side; overlapping
        or touching windows in a document merge."""
        context = self.context if context is None else context
        windows: dict[str, list[list]] = {}
        for rank, hit in enumerate(hits):
            rows = self.index.neighbours(hit.row, context)
            start, end = self.index.rows[rows[0]].start, self.index.rows[rows[-1]].end
            merged = windows.setdefault(hit.doc_id, [])
            for window in merged:
                if start <= window[1] and window[0] <= end:
                    window[0], window[1] = min(window[0], start), max(window[1], end)
                    window[2], window[3] = max(window[2], hit.score), min(window[3], rank)
                    break
            else:
                merged.append([start, end, hit.score, rank])
        passages = [
            Passage(doc_id=doc_id, start=s, end=e, text=self.index.documents[doc_id].text[s:e], retrieval_score=score, rank=rank)
            for doc_id, group in windows.items()
            for s, e, score, rank in group
        ]
        return sorted(passages, key=lambda p: p.rank)
