"""Fit the answer score and the no-answer threshold on SQuAD articles held out of training.

    python -m qa.eval.calibrate --squad ../shared/datasets/squad/train.json

The held-out articles (named in weights/training.json) are indexed paragraph by paragraph,
together with the paragraphs of `--distractor-articles` training articles, so that retrieval
meets realistic competition. Every held-out question is asked twice through the full pipeline:
with its own article indexed (candidate spans labelled right when SQuAD F1 >= 0.5) and with
its own article removed (every candidate is wrong). A logistic model over `qa.confidence.FEATURES` is fitted on the
candidates; the threshold is the lowest score that still turns down `--abstain-rate` of the
out-of-corpus questions, so the assistant answers as much as that allows. Writes weights/calibration.json with the fitted figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.confidence import CALIBRATION_FILE, FEATURES, Confidence, span_features
from qa.eval.metrics import f1
from qa.eval.squad import SquadQuestion, load_questions, paragraph_index, without_article
from qa.index.embedder import Embedder
from qa.reader.span_reader import WEIGHTS_DIR
from qa.reader.train import load_squad


def candidate_table(assistant: Assistant, questions: list[SquadQuestion], in_corpus: bool) -> list[tuple[str, list[float], float]]:
    """(question id, features, label) for every candidate span of every question."""
    rows = []
    for question in questions:
        hits, spans = assistant.read(question.question)
        for span in spans:
            label = float(in_corpus and f1(span.text, question.answers) >= 0.5)
            rows.append((question.id, span_features(span, hits[0].score), label))
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


def best_per_question(rows, confidence: Confidence) -> dict[str, tuple[float, float]]:
    """question id -> (probability, label) of its highest-scoring candidate."""
    best: dict[str, tuple[float, float]] = {}
    for qid, features, label in rows:
        p = confidence.probability(features)
        if qid not in best or p > best[qid][0]:
            best[qid] = (p, label)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD train.json (the held-out articles are read)")
    parser.add_argument("--abstain-rate", type=float, default=0.9, help="share of out-of-corpus questions to turn down")
    parser.add_argument("--distractor-articles", type=int, default=12,
                        help="training articles (those just before the held-out ones) indexed as distractors")
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
    rows_in = candidate_table(Assistant(full, embedder, confidence=placeholder), questions, in_corpus=True)
    rows_out = []
    for article in articles:
        reduced = Assistant(without_article(full, article), embedder, confidence=placeholder)
        rows_out += candidate_table(reduced, [q for q in questions if q.article == article], in_corpus=False)
    rows = rows_in + [(qid + "#out", features, label) for qid, features, label in rows_out]

    x = np.array([features for _, features, _ in rows])
    y = np.array([label for _, _, label in rows])
    weights, bias = fit_logistic(x, y)
    fitted = Confidence(features=list(FEATURES), weights=weights.tolist(), bias=bias, threshold=0.0)
    best_in = best_per_question(rows_in, fitted)
    best_out = best_per_question([(qid, f, 0.0) for qid, f, _ in rows_out], fitted)
    scores_in = np.array([p for p, _ in best_in.values()])
    scores_out = np.array([p for p, _ in best_out.values()])
    threshold = float(np.quantile(scores_out, args.abstain_rate))
    answered_right = np.mean([label for p, label in best_in.values() if p >= threshold])
    report = {
        "held_out_articles": articles,
        "distractor_articles": distractors,
        "questions": len(questions),
        "candidates": len(rows),
        "answer_rate_in_corpus": round(float(np.mean(scores_in >= threshold)), 3),
        "abstention_out_of_corpus": round(float(np.mean(scores_out < threshold)), 3),
        "right_when_answered": round(float(answered_right), 3),
        "mean_score_when_answered": round(float(np.mean(scores_in[scores_in >= threshold])), 3),
    }
    confidence = fitted.model_copy(update={"threshold": round(threshold, 4)})
    args.out.write_text(json.dumps({**confidence.model_dump(), "fit": report}, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
