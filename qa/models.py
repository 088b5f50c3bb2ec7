"""Typed results at the assistant's boundaries."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qa.dates import ResolvedDate
from qa.index.retriever import Passage


class Source(BaseModel):
    """Where an answer (or a passage considered) sits: offsets into the document's text, end exclusive,
    for a paged document (PDF, slides) the 1-based page of `start`, and the document's date
    (YYYY-MM-DD) when it has one."""

    doc_id: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    page: int | None = None
    date: str | None = None
    date_source: str | None = None  # how the document's date was found
    context: str | None = None  # the headings the answer stands under ("Report › Costs"), or the slide's title


class Alternative(BaseModel):
    """Another distinct answer the documents suggest, with its own calibrated score and source."""

    answer: str
    score: float = Field(ge=0.0, le=1.0)
    source: Source
    note: str | None = None  # why the answer was chosen over this one when this one scored higher


class Answer(BaseModel):
    """The assistant's reply to one question.

    `answer` is a verbatim span of a document, or None when the documents do not hold it.
    `score` estimates the probability that the answer is right (calibrated on held-out
    questions); with no answer it is that estimate for the best span that was turned down.
    `evidence`: for an answer, every place in the documents where that same answer was found
    (best first, `source` among them); for no answer, the closest sentences considered.
    `alternatives`: with an answer, up to three other distinct answers that scored at least
    ALTERNATIVE_MIN_SCORE, best first (for when the assistant is unsure); empty otherwise.
    `resolved_date`: when the answer is a relative date ("next month") and its source document has
    a date, the day or range it stands for; None otherwise. The answer itself stays verbatim.
    `read_as`: the question as it was read when that is more than `question` with its contractions
    written out (a follow-up filled in from the turn before, a misspelt word respelt); None otherwise.
    """

    question: str
    answer: str | None
    score: float = Field(ge=0.0, le=1.0)
    source: Source | None
    evidence: list[Source]
    alternatives: list[Alternative] = []
    resolved_date: ResolvedDate | None = None
    read_as: str | None = None


class ReaderSpan(BaseModel, frozen=True):
    """A candidate answer from the reader, at document offsets."""

    doc_id: str
    start: int
    end: int
    text: str
    log_prob: float
    no_answer_log_prob: float
    passage: Passage
