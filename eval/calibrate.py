"""Fit the answer score and the no-answer threshold on SQuAD articles held out of training.

    python -m qa.eval.calibrate --squad ../shared/datasets/squad/train.json

The held-out articles (named in weights/training.json) are indexed paragraph by paragraph,
together with the paragraphs of `--distractor-articles` training articles, so that retrieval
meets realistic competition. Every held-out question is asked twice through the full pipeline:
with its own article indexed (candidate spans labelled right when SQuAD F1 >= 0.5) and with
its own article removed (every candidate is wrong), and read both ways the assistant reads:
the best sentence alone ("quick") and the wider passages ("full"). A logistic model over
`qa.confidence.FEATURES` is fitted on all candidates; the threshold is the lowest score that
still turns down `--abstain-rate` of the out-of-corpus questions (full reading), so the
assistant answers as much as that allows; the quick-answer bar is the lowest score at which
answering from the quick reading loses at most `--quick-loss` of right answers and of
abstentions: it is reported, the figures are those of the cascade it gives, and it is stored
only with `--quick-answers`. Writes weights/calibration.json with the fitted figures.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.confidence import CALIBRATION_FILE, FEATURES, Confidence, span_features
from qa.eval.metrics import f1
from qa.eval.squad import SquadQuestion, load_questions, paragraph_index, without_article
from qa.index.embedder import Embedder
from qa.reader.span_reader import WEIGHTS_DIR
from qa.reader.train import load_squad


Rows = list[tuple[str, list[float], float]]  # (question id, features, label) per candidate span
MODES = ("quick", "full")


def candidate_rows(assistant: Assistant, questions: list[SquadQuestion], in_corpus: bool) -> dict[str, Rows]:
    """Candidate spans of every question for each reading mode, labelled right when SQuAD F1 >= 0.5."""
    rows: dict[str, Rows] = {mode: [] for mode in MODES}
    for question in questions:
        hits = assistant.retrieve(question.question)
        readings = {"quick": assistant.read(question.question, hits[:1], neighbours=0),
                    "full": assistant.read(question.question, hits)}
        for mode, spans in readings.items():
            for span, vector in zip(spans, span_features(question.question, hits, spans)):
                label = float(in_corpus and f1(span.text, question.answers) >= 0.5)
                rows[mode].append((question.id, vector, label))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> tuple[np.ndarray, float]:
    """Newton's method for L2-regularised logistic regression; returns (weights, bias)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (p - y) + l2 * np.r_[theta[:-1], 0]
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(theta))
        theta -= np.linalg.solve(hessian, gradient)
    return theta[:-1], float(theta[-1])


def best_per_question(rows: Rows, questions: list[str], confidence: Confidence) -> list[tuple[float, float]]:
    """(probability, label) of each question's highest-scoring candidate; (-1, 0) if it has none."""
    best = {qid: (-1.0, 0.0) for qid in questions}
    for qid, features, label in rows:
        p = confidence.probability(features)
        if p > best[qid][0]:
            best[qid] = (p, label)
    return [best[qid] for qid in questions]


def cascade(quick: list[tuple[float, float]], full: list[tuple[float, float]], bar: float) -> list[tuple[float, float]]:
    """What the assistant keeps per question: the quick reading when it scores `bar` or more."""
    return [q if q[0] >= bar else f for q, f in zip(quick, full)]


def outcomes(best_in: list[tuple[float, float]], best_out: list[tuple[float, float]], threshold: float) -> dict[str, float]:
    return {
        "answer_rate_in_corpus": float(np.mean([p >= threshold for p, _ in best_in])),
        "abstention_out_of_corpus": float(np.mean([p < threshold for p, _ in best_out])),
        "right_answers_in_corpus": float(np.mean([p >= threshold and label for p, label in best_in])),
    }


def quick_bar(quick_in, full_in, quick_out, full_out, threshold: float, loss: float) -> float | None:
    """The lowest bar at which answering from the quick reading loses at most `loss` (a share of
    questions) of right in-corpus answers and of out-of-corpus abstentions; None if none does."""
    reference = outcomes(full_in, full_out, threshold)
    for bar in sorted({p for p, _ in quick_in + quick_out if p >= threshold}):
        trial = outcomes(cascade(quick_in, full_in, bar), cascade(quick_out, full_out, bar), threshold)
        if (trial["right_answers_in_corpus"] >= reference["right_answers_in_corpus"] - loss
                and trial["abstention_out_of_corpus"] >= reference["abstention_out_of_corpus"] - loss):
            return bar
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD train.json (the held-out articles are read)")
    parser.add_argument("--abstain-rate", type=float, default=0.9, help="share of out-of-corpus questions to turn down")
    parser.add_argument("--distractor-articles", type=int, default=21,
                        help="training articles (those just before the held-out ones) indexed as distractors; "
                             "21 + the 2 held out make an index as large as SQuAD dev's 23 articles")
    parser.add_argument("--quick-loss", type=float, default=0.005,
                        help="share of right answers and of abstentions the quick reading may cost")
    parser.add_argument("--quick-answers", action="store_true",
                        help="store the quick-answer bar, so the assistant answers from the best sentence alone when "
                             "it scores that much (off by default: such answers cite one document only)")
    parser.add_argument("--out", type=Path, default=CALIBRATION_FILE)
    args = parser.parse_args()

    record = json.loads((WEIGHTS_DIR / "training.json").read_text())
    articles = record["held_out_articles"]
    questions = load_questions(args.squad, set(articles))
    titles = [article["title"] for article in load_squad(args.squad)]
    distractors = [t for t in titles if t not in articles][-args.distractor_articles:] if args.distractor_articles else []
    embedder = Embedder()
    full = paragraph_index(questions + load_questions(args.squad, set(distractors)), embedder)
    placeholder = Confidence(features=list(FEATURES), weights=[0.0] * len(FEATURES), bias=0.0, threshold=0.0)
    rows_in = candidate_rows(Assistant(full, embedder, confidence=placeholder), questions, in_corpus=True)
    rows_out: dict[str, Rows] = {mode: [] for mode in MODES}
    for article in articles:
        reduced = Assistant(without_article(full, embedder, article), embedder, confidence=placeholder)
        for mode, rows in candidate_rows(reduced, [q for q in questions if q.article == article], in_corpus=False).items():
            rows_out[mode] += rows

    every_row = [row for mode in MODES for row in rows_in[mode] + rows_out[mode]]
    weights, bias = fit_logistic(np.array([f for _, f, _ in every_row]), np.array([y for _, _, y in every_row]))
    fitted = Confidence(features=list(FEATURES), weights=weights.tolist(), bias=bias, threshold=0.0)
    ids = [q.id for q in questions]
    best = {(mode, side): best_per_question(rows[mode], ids, fitted)
            for side, rows in (("in", rows_in), ("out", rows_out)) for mode in MODES}
    threshold = float(np.quantile([p for p, _ in best["full", "out"]], args.abstain_rate))
    bar = quick_bar(best["quick", "in"], best["full", "in"], best["quick", "out"], best["full", "out"], threshold, args.quick_loss)
    with_bar = bar if bar is not None else math.inf
    shipped_bar = with_bar if args.quick_answers else math.inf

    def figures_at(cut: float) -> tuple[list[tuple[float, float]], dict[str, float]]:
        """In-corpus (score, label) kept per question with quick answers from `cut` up, and rounded outcomes."""
        kept_in = cascade(best["quick", "in"], best["full", "in"], cut)
        kept_out = cascade(best["quick", "out"], best["full", "out"], cut)
        return kept_in, {name: round(value, 3) for name, value in outcomes(kept_in, kept_out, threshold).items()}

    final_in, final_figures = figures_at(shipped_bar)
    answered = [(p, label) for p, label in final_in if p >= threshold]
    report = {
        "held_out_articles": articles,
        "distractor_articles": distractors,
        "questions": len(questions),
        "candidates": len(every_row),
        **final_figures,
        "right_when_answered": round(float(np.mean([label for _, label in answered])), 3),
        "mean_score_when_answered": round(float(np.mean([p for p, _ in answered])), 3),
        "quick_answers": {
            "bar": None if bar is None else round(bar, 4),
            "stored": bool(args.quick_answers and bar is not None),
            **figures_at(with_bar)[1],
            "answered_from_quick_reading_in_corpus": round(float(np.mean([q[0] >= with_bar for q in best["quick", "in"]])), 3),
        },
    }
    stored = math.ceil(shipped_bar * 1e4) / 1e4 if shipped_bar < math.inf else None
    confidence = fitted.model_copy(update={"threshold": round(threshold, 4), "quick_accept": stored})
    args.out.write_text(json.dumps({**confidence.model_dump(), "fit": report}, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
