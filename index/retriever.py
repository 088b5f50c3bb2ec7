"""Retriever: the sentences that best match a question, with their neighbours as reading context.

Two rankings are fused: dense (embedding cosine similarity: paraphrases) and lexical (BM25:
exact words, names, codes). The top CANDIDATES of each are scored by a blend of cosine
similarity and BM25 (relative to the best match). Every hit keeps its cosine similarity as
its score, whichever ranking found it, so the answer score's features keep their meaning.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
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
    context: str = ""  # the headings the passage stands under ("Report › Findings"), read before it; never answered from

    @property
    def reading(self) -> str:
        """What the reader reads: the context's line, then the passage."""
        return f"{self.context}\n{self.text}" if self.context else self.text


Mode = Literal["dense", "lexical", "hybrid"]
CANDIDATES = 100  # how deep each ranking goes before fusion
FILTERED_DEPTH = 10  # asked within some documents, each ranking goes this many times deeper before keeping theirs
LEXICAL_WEIGHT = 0.2  # hybrid score = 0.8 cosine + 0.2 BM25 / best BM25; chosen on SQuAD train articles (eval/retrieval_eval.py)


def fused_scores(similarity: dict[int, float], bm25: dict[int, float], weight: float = LEXICAL_WEIGHT) -> dict[int, float]:
    """Hybrid score of each candidate: its cosine similarity blended with its BM25 relative to the best (0 if unmatched)."""
    best = max(bm25.values(), default=0.0) or 1.0
    return {n: (1 - weight) * similarity[n] + weight * bm25.get(n, 0.0) / best for n in similarity}


class Retriever:
    """Top-k sentences for a question, grouped into passages with `context` neighbours either side."""

    def __init__(self, index: SentenceIndex, embedder: Embedder, k: int = 3, context: int = 1, mode: Mode = "hybrid") -> None:
        self.index = index
        self.embedder = embedder
        self.k = k
        self.context = context
        self.mode = mode

    def sentences(self, question: str, k: int | None = None, first: list[int] = (),
                  documents: frozenset[str] | None = None) -> list[RetrievedSentence]:
        """The k best-matching indexed sentences, best first, of the `documents` ids only when given; the
        sentences of ids `first` (of those documents) lead, with their own similarity, whatever their rank."""
        query = self.embedder.encode([question])[0]
        hits = self.ranked(question, query, k, documents=documents)
        if not first:
            return hits
        rows = {n: row for n, row in self.index.rows(list(first)).items() if documents is None or row.doc_id in documents}
        leading = [RetrievedSentence(row=n, score=self.index.similarity(query, n), **rows[n].model_dump()) for n in first if n in rows]
        return (leading + [hit for hit in hits if hit.row not in rows])[: k or self.k]

    def ranked(self, question: str, query: np.ndarray, k: int | None = None, mode: Mode | None = None,
               documents: frozenset[str] | None = None) -> list[RetrievedSentence]:
        """The k best sentences for a question whose embedding is `query`, by `mode` (default: the retriever's),
        of the `documents` ids only when given (found among FILTERED_DEPTH times more candidates)."""
        k, mode = k or self.k, mode or self.mode
        self.index.refresh()
        depth = max(k, CANDIDATES) * (FILTERED_DEPTH if documents is not None else 1)
        dense = self.index.search(query, depth) if mode != "lexical" else []
        lexical = self.index.lexical_search(question, depth) if mode != "dense" else []
        if documents is not None:
            rows = self.index.rows(list({n for n, _ in dense + lexical}))
            dense, lexical = ([(n, score) for n, score in ranking if n in rows and rows[n].doc_id in documents]
                              for ranking in (dense, lexical))
        similarity = dict(dense)
        for n, _ in lexical:
            similarity.setdefault(n, self.index.similarity(query, n))
        if mode == "hybrid":
            fused = fused_scores(similarity, dict(lexical))
            rows = sorted(fused, key=lambda n: -fused[n])
        else:
            rows = [n for n, _ in dense or lexical]
        return self._distinct(rows, k, similarity)

    def _distinct(self, ranked: list[int], k: int, similarity: dict[int, float]) -> list[RetrievedSentence]:
        """The first k ranked sentences whose texts differ: a sentence repeated across documents (a quoted
        e-mail, a copied paragraph, versions of a file) fills one place, its best-ranked copy."""
        hits, texts = [], set()
        for begin in range(0, len(ranked), k):
            found = self.index.rows(ranked[begin : begin + k])
            for n in ranked[begin : begin + k]:
                if n in found:
                    row = found[n]
                    text = self.index.document(row.doc_id).text[row.start : row.end]
                    if text not in texts:
                        texts.add(text)
                        hits.append(RetrievedSentence(row=n, score=similarity[n], **row.model_dump()))
                if len(hits) == k:
                    return hits
        return hits

    def passages(self, hits: list[RetrievedSentence], context: int | None = None) -> list[Passage]:
        """Hits widened by `context` (default: the retriever's) neighbours either side; overlapping
        or touching windows in a document merge."""
        context = self.context if context is None else context
        windows: dict[str, list[list]] = {}
        for rank, hit in enumerate(hits):
            rows = self.index.neighbours(hit.row, context)
            start, end = self.index.row(rows[0]).start, self.index.row(rows[-1]).end
            merged = windows.setdefault(hit.doc_id, [])
            for window in merged:
                if start <= window[1] and window[0] <= end:
                    window[0], window[1] = min(window[0], start), max(window[1], end)
                    window[2], window[3] = max(window[2], hit.score), min(window[3], rank)
                    break
            else:
                merged.append([start, end, hit.score, rank])
        passages = [self.passage(doc_id, s, e, score, rank) for doc_id, group in windows.items() for s, e, score, rank in group]
        return sorted(passages, key=lambda p: p.rank)

    def passage(self, doc_id: str, start: int, end: int, retrieval_score: float = 0.0, rank: int = 0) -> Passage:
        """The document's text from `start` to `end` as a passage, under its headings."""
        document = self.index.document(doc_id)
        return Passage(doc_id=doc_id, start=start, end=end, text=document.text[start:end], retrieval_score=retrieval_score,
                       rank=rank, context=document.context_at(start))
