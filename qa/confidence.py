"""One answer score in [0, 1] from reader and retrieval evidence, and the no-answer decision.

The score is a logistic model over the features below, fitted by `eval/calibrate.py` on SQuAD
questions held out of training, asked through the full pipeline both with their own article
indexed and with it removed. Its meaning: the estimated probability that the returned span
is a right answer (SQuAD F1 >= 0.5 against the reference answers). Below `threshold` the
assistant answers "not in the documents". A span read from the best sentence alone that
scores `quick_accept` or more is answered without reading the wider passages, and passages read
one at a time stop at the first answer scoring `early_exit`: the calibration sets each bar where,
on the held-out questions, reading less loses no accuracy. A table row's cell that its question names answers at
`named_cell_bar`, chosen per reader on table-qa train questions (`qa.eval.table_qa_eval --cells`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel

from qa.errors import QAError

from qa.index.lexical import content_words
from qa.index.retriever import RetrievedSentence
from qa.models import ReaderSpan

FEATURES = ("span_log_prob", "no_answer_log_prob", "passage_similarity", "best_similarity", "question_coverage")
CALIBRATION_FILE = Path(__file__).parent / "reader" / "weights" / "calibration.json"


def span_features(question: str, hits: list[RetrievedSentence], spans: list[ReaderSpan]) -> list[list[float]]:
    """One feature vector, in FEATURES order, per candidate span read from a question's retrieved hits.

    Similarities are cosine similarities (a hit found by its words keeps its cosine); coverage is
    the share of the question's content words that the span's passage (with its headings) holds, the lexical evidence.
    """
    words = content_words(question)
    best_similarity = max(hit.score for hit in hits)
    coverage = {passage.text: len(words & content_words(f"{passage.context} {passage.text}")) / len(words) if words else 0.0
                for passage in {span.passage for span in spans}}
    return [
        [max(span.log_prob, -30.0), max(span.no_answer_log_prob, -30.0), span.passage.retrieval_score,
         best_similarity, coverage[span.passage.text]]
        for span in spans
    ]


class Confidence(BaseModel):
    """Fitted logistic weights, the abstention threshold and the bars for reading less."""

    features: list[str]
    weights: list[float]
    bias: float
    threshold: float
    quick_accept: float | None = None  # None: always read the wider passages
    early_exit: float | None = None  # None: always read every passage
    named_cell_bar: float | None = None  # a table row's cell its question names answers at this score; None: the threshold

    @property
    def cell_bar(self) -> float:
        """The score a named cell of a table row answers at (`Assistant.candidates`): the reader's score does not see the
        naming, so it may be lower than the threshold, never higher. Chosen per reader on table-qa train questions."""
        return self.threshold if self.named_cell_bar is None else min(self.threshold, self.named_cell_bar)

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Confidence":
        confidence = cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
        if tuple(confidence.features) != FEATURES:
            raise ValueError(f"{path} was fitted on features {confidence.features}, expected {list(FEATURES)}")
        return confidence

    @classmethod
    def of_reader(cls, reader_dir: Path | None) -> "Confidence":
        """The calibration fitted for the reader weights in `reader_dir` (its calibration.json), or the shipped one."""
        if reader_dir is None:
            return cls.load()
        path = Path(reader_dir) / "calibration.json"
        if not path.is_file():
            raise QAError(f"{reader_dir} has no calibration.json: fit one with "
                          f"python -m qa.eval.calibrate --squad TRAIN.json --reader {reader_dir}")
        return cls.load(path)

    def probability(self, features: list[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
