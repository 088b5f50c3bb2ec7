"""SQuAD-style answer metrics: pure functions returning the aggregate and the per-item scores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from qa.normalize import normalize_answer


def exact_match(prediction: str, references: list[str]) -> float:
    """1.0 when the normalised prediction equals any normalised reference."""
    return float(any(normalize_answer(prediction) == normalize_answer(r) for r in references))


def f1(prediction: str, references: list[str]) -> float:
    """Best token-overlap F1 against the references."""
    return max((_token_f1(prediction, reference) for reference in references), default=0.0)


def _token_f1(prediction: str, reference: str) -> float:
    predicted, gold = normalize_answer(prediction).split(), normalize_answer(reference).split()
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def is_right(prediction: str | None, references: list[str] | None) -> bool:
    """Right as the score means it: no answer where none exists, else SQuAD F1 >= 0.5 against a reference."""
    if not references:
        return prediction is None
    return prediction is not None and f1(prediction, references) >= 0.5


def mean(values: list[float]) -> float:
    """Average in percent, 0 for no values."""
    return 100.0 * sum(values) / len(values) if values else 0.0


def answer_scores(predictions: list[str | None], references: list[list[str]]) -> dict:
    """EM and F1 (percent; an abstention scores 0) with the per-item values."""
    em = [exact_match(p, r) if p is not None else 0.0 for p, r in zip(predictions, references)]
    f = [f1(p, r) if p is not None else 0.0 for p, r in zip(predictions, references)]
    return {"exact_match": mean(em), "f1": mean(f), "per_item": [{"em": a, "f1": b} for a, b in zip(em, f)]}


def contains_answer(prediction: str | None, references: list[str]) -> bool:
    """Does the normalised prediction hold a normalised reference as a whole run of its words? ("Bug 1553982
    landed" holds "Bug 1553982"; "18" does not hold "8"). The rule of the real-document and table sets."""
    if prediction is None:
        return False
    predicted = normalize_answer(prediction).split()
    for reference in references:
        gold = normalize_answer(reference).split()
        if gold and any(predicted[i : i + len(gold)] == gold for i in range(len(predicted) - len(gold) + 1)):
            return True
    return False


def reader_options(reader_dir: Path | None) -> dict:
    """`Assistant` options that read with the reader in `reader_dir` and its own calibration; none for the
    shipped reader. A missing calibration fails here, before any work."""
    if reader_dir is None:
        return {}
    from qa.confidence import Confidence
    from qa.reader.span_reader import SpanReader

    return {"confidence": Confidence.of_reader(reader_dir), "reader": SpanReader(reader_dir)}
