"""Fit the answer score and the no-answer threshold on SQuAD articles held out of training.

    python -m qa.eval.calibrate --squad ../shared/datasets/squad/train.json

The held-out articles (named in weights/training.json) are indexed paragraph by paragraph,
together with the paragraphs of `--distractor-articles` training articles, so that retrieval
meets realistic competition. Every held-out question is asked twice through the full pipeline:
with its own article indexed (candidate spans labelled right when SQuAD F1 >= 0.5) and with
its own article removed (every candidate is wrong), and read every way the assistant can:
the best sentence alone ("quick"), the wider passages ("full"), and their first passages only.

A logistic model over `qa.confidence.FEATURES` is fitted on the quick and full candidates. The
threshold is the lowest score that still turns down `--abstain-rate` of the out-of-corpus
questions (full reading), so the assistant answers as much as that allows.

With `--squad2`, a fourth condition joins the fit: the SQuAD 2.0 calibrate articles' unanswerable
questions (`qa.eval.squad2_eval.split`; no reader trains on them) asked with their own articles indexed (every candidate wrong), weighing as much as the
out-of-corpus questions. The threshold may then rise above that lowest score, to where right
in-corpus answers plus in-article abstentions are the most (a half-and-half mix, as in SQuAD 2.0),
as long as it still answers `--answer-rate` of the in-corpus questions.
The report's curve shows every outcome at scores 0.05 ... 0.95. Two bars read less:
the quick-answer bar (answer from the quick reading when it scores that much) and the
early-exit bar (stop reading passages once an answer scores that much). Each is the lowest
score at which reading less loses at most `--loss` of right answers and of abstentions. Both
are reported with the figures they give; each is stored only when asked for (`--quick-answers`,
`--early-exit`). Writes calibration.json beside the reader's weights (`--reader`, default the
shipped ones) with the fitted figures.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.confidence import FEATURES, Confidence, span_features
from qa.eval.metrics import f1
from qa.eval.squad import SquadQuestion, load_questions, paragraph_index, without_article
from qa.index.embedder import Embedder
from qa.owned import check_replaceable_json
from qa.reader.span_reader import WEIGHTS_DIR, SpanReader
from qa.reader.train import load_squad


Rows = list[tuple[str, list[float], float]]  # (question id, features, label) per candidate span
Best = list[tuple[float, float]]  # (score, label) of each question's best candidate in one reading
FITTED = ("quick", "full")  # the readings the score is fitted on


def candidate_rows(assistant: Assistant, questions: list[SquadQuestion], in_corpus: bool) -> dict[str, Rows]:
    """Candidate spans of every question for each reading, labelled right when SQuAD F1 >= 0.5:
    "quick" (the best sentence alone), "first N" (the first N passages, read one at a time) and
    "full" (every passage: the shipped reading)."""
    partial = [f"first {n}" for n in range(1, assistant.retriever.k)]
    rows: dict[str, Rows] = {mode: [] for mode in (*FITTED, *partial)}
    for question in questions:
        hits = assistant.retrieve(question.question)
        asked = assistant.as_spelt(question.question, hits)
        stages = list(assistant.passage_readings(asked, assistant.retriever.passages(hits))) or [[]]
        readings = {"quick": assistant.read(asked, hits[:1], neighbours=0), "full": stages[-1]}
        readings |= {mode: stages[min(n, len(stages)) - 1] for n, mode in enumerate(partial, start=1)}
        for mode, spans in readings.items():
            for span, vector in zip(spans, span_features(asked, hits, spans)):
                label = float(in_corpus and f1(span.text, question.answers) >= 0.5)
                rows[mode].append((question.id, vector, label))
    return rows


def in_article_unanswerable(squad2: Path, embedder: Embedder, reader: SpanReader, placeholder: Confidence) -> dict[str, Rows]:
    """The fourth condition: the unanswerable questions of the SQuAD 2.0 calibrate articles (never
    trained on), asked with every paragraph of those articles indexed (their own among them): every
    candidate is wrong."""
    from qa.eval.squad2_eval import load_squad2, split

    found = load_squad2(squad2)
    fit = [SquadQuestion(id=q.id, question=q.question, answers=q.answers, article=q.article, doc_id=q.paragraph, context=q.context)
           for q in found if q.article in split(found)["calibrate"]]
    index = paragraph_index(fit, embedder)
    return candidate_rows(Assistant(index, embedder, reader, placeholder), [q for q in fit if not q.answers], in_corpus=False)


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, l2: float = 1e-3,
                 steps: int = 50) -> tuple[np.ndarray, float]:
    """Newton's method for L2-regularised logistic regression with row weights (default 1); returns (weights, bias)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weight = np.ones(len(x)) if weight is None else weight
    theta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (weight * (p - y)) + l2 * np.r_[theta[:-1], 0]
        hessian = design.T @ (design * (weight * p * (1 - p))[:, None]) + l2 * np.eye(len(theta))
        theta -= np.linalg.solve(hessian, gradient)
    return theta[:-1], float(theta[-1])


def row_weights(rows_in: Rows, rows_out: Rows, rows_in_article: Rows) -> np.ndarray:
    """1 for the held-out questions' candidates (in corpus and out); the in-article unanswerable ones
    share a weight as large as the out-of-corpus candidates', however many they are."""
    in_article = len(rows_out) / len(rows_in_article) if rows_in_article else 0.0
    return np.concatenate([np.ones(len(rows_in) + len(rows_out)), np.full(len(rows_in_article), in_article)])


def balanced_threshold(best_in: Best, best_out: Best, best_unanswerable: Best, lowest: float, answer_rate: float) -> float:
    """The threshold, not below `lowest`, at which right in-corpus answers plus abstentions on in-article
    unanswerable questions (a SQuAD 2.0-style mix, half and half) are the most, among those still
    answering `answer_rate` of the in-corpus questions (`lowest` itself, when none does)."""
    def gain(threshold: float, figures: dict[str, float]) -> tuple[float, float]:
        return figures["right_answers_in_corpus"] + float(np.mean([p < threshold for p, _ in best_unanswerable])), -threshold
    raised = sorted({p + 1e-6 for p, _ in best_in + best_unanswerable if p + 1e-6 > lowest})
    trials = {t: outcomes(best_in, best_out, t) for t in [lowest, *raised]}
    allowed = [t for t, figures in trials.items() if t == lowest or figures["answer_rate_in_corpus"] >= answer_rate]
    return max(allowed, key=lambda threshold: gain(threshold, trials[threshold]))


def threshold_curve(best_in: Best, best_out: Best, best_unanswerable: Best) -> list[dict[str, float]]:
    """At each score 0.05 ... 0.95: what the assistant would do on the fit questions with that threshold."""
    curve = []
    for threshold in np.arange(0.05, 1.0, 0.05):
        row = {"threshold": round(float(threshold), 2), **outcomes(best_in, best_out, threshold)}
        if best_unanswerable:
            row["abstention_in_article_unanswerable"] = float(np.mean([p < threshold for p, _ in best_unanswerable]))
        curve.append({name: round(value, 3) for name, value in row.items()})
    return curve


def best_per_question(rows: Rows, questions: list[str], confidence: Confidence) -> Best:
    """(probability, label) of each question's highest-scoring candidate; (-1, 0) if it has none."""
    best = {qid: (-1.0, 0.0) for qid in questions}
    for qid, features, label in rows:
        p = confidence.probability(features)
        if p > best[qid][0]:
            best[qid] = (p, label)
    return [best[qid] for qid in questions]


def cascade(readings: list[Best], bar: float) -> Best:
    """What the assistant keeps per question when it reads in stages: the first reading scoring
    `bar` or more, else the last."""
    return [next((best for best in stages[:-1] if best[0] >= bar), stages[-1]) for stages in zip(*readings)]


def outcomes(best_in: Best, best_out: Best, threshold: float) -> dict[str, float]:
    return {
        "answer_rate_in_corpus": float(np.mean([p >= threshold for p, _ in best_in])),
        "abstention_out_of_corpus": float(np.mean([p < threshold for p, _ in best_out])),
        "right_answers_in_corpus": float(np.mean([p >= threshold and label for p, label in best_in])),
    }


def lowest_bar(readings_in: list[Best], readings_out: list[Best], threshold: float, loss: float) -> float | None:
    """The lowest bar at which stopping at the first reading that reaches it loses at most `loss`
    (a share of questions) of right in-corpus answers and of out-of-corpus abstentions, against
    the last reading alone; None if none does."""
    reference = outcomes(readings_in[-1], readings_out[-1], threshold)
    earlier = [p for best in readings_in[:-1] + readings_out[:-1] for p, _ in best if p >= threshold]
    for bar in sorted(set(earlier)):
        trial = outcomes(cascade(readings_in, bar), cascade(readings_out, bar), threshold)
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
    parser.add_argument("--loss", type=float, default=0.005,
                        help="share of right answers and of abstentions that reading less may cost")
    parser.add_argument("--quick-answers", action="store_true",
                        help="store the quick-answer bar, so the assistant answers from the best sentence alone when "
                             "it scores that much (off by default: such answers cite one document only)")
    parser.add_argument("--early-exit", action="store_true",
                        help="store the early-exit bar, so the assistant stops reading passages once an answer scores "
                             "that much (off by default: such answers cite fewer documents)")
    parser.add_argument("--reader", type=Path, default=WEIGHTS_DIR, help="the reader's weights folder")
    parser.add_argument("--squad2", type=Path, metavar="FILE",
                        help="also fit on the unanswerable questions of this SQuAD 2.0 file's calibrate articles, asked with "
                             "their own articles indexed (every candidate wrong)")
    parser.add_argument("--answer-rate", type=float, default=0.95,
                        help="with --squad2: the threshold rises for in-article abstentions only while it still answers "
                             "this share of the in-corpus questions")
    parser.add_argument("--named-cell-bar", type=float, metavar="SCORE",
                        help="store this bar for a table row's cell its question names (chosen on table-qa train: "
                             "python -m qa.eval.table_qa_eval --split train --cells --reader DIR); default: the threshold")
    parser.add_argument("--out", type=Path, help="default: calibration.json in the reader's folder")
    args = parser.parse_args()
    out = args.out or args.reader / "calibration.json"
    check_replaceable_json(out, ("features", "weights", "fit"), "--out" if args.out else "calibration")

    record = json.loads((args.reader / "training.json").read_text())
    articles = record["held_out_articles"]
    questions = load_questions(args.squad, set(articles))
    titles = [article["title"] for article in load_squad(args.squad)]
    distractors = [t for t in titles if t not in articles][-args.distractor_articles:] if args.distractor_articles else []
    embedder, reader = Embedder(), SpanReader(args.reader)
    full = paragraph_index(questions + load_questions(args.squad, set(distractors)), embedder)
    placeholder = Confidence(features=list(FEATURES), weights=[0.0] * len(FEATURES), bias=0.0, threshold=0.0)
    rows_in = candidate_rows(Assistant(full, embedder, reader, placeholder), questions, in_corpus=True)
    rows_out: dict[str, Rows] = {mode: [] for mode in rows_in}
    for article in articles:
        reduced = Assistant(without_article(full, embedder, article), embedder, reader, placeholder)
        for mode, rows in candidate_rows(reduced, [q for q in questions if q.article == article], in_corpus=False).items():
            rows_out[mode] += rows

    in_article = in_article_unanswerable(args.squad2, embedder, reader, placeholder) if args.squad2 else {mode: [] for mode in rows_in}
    conditions = [[row for mode in FITTED for row in rows[mode]] for rows in (rows_in, rows_out, in_article)]
    every_row = [row for rows in conditions for row in rows]
    weights, bias = fit_logistic(np.array([f for _, f, _ in every_row]), np.array([y for _, _, y in every_row]),
                                 row_weights(*conditions))
    fitted = Confidence(features=list(FEATURES), weights=weights.tolist(), bias=bias, threshold=0.0)
    ids = [q.id for q in questions]
    best = {(mode, side): best_per_question(rows[mode], ids, fitted)
            for side, rows in (("in", rows_in), ("out", rows_out)) for mode in rows}
    unanswerable_ids = sorted({qid for qid, _, _ in in_article["full"]})
    best_unanswerable = best_per_question(in_article["full"], unanswerable_ids, fitted)
    threshold = float(np.quantile([p for p, _ in best["full", "out"]], args.abstain_rate))
    if best_unanswerable:
        threshold = balanced_threshold(best["full", "in"], best["full", "out"], best_unanswerable, threshold, args.answer_rate)
    stagewise = {side: [best[mode, side] for mode in rows_in if mode.startswith("first ")] + [best["full", side]]
                 for side in ("in", "out")}
    bars = {"quick": lowest_bar([best["quick", "in"], best["full", "in"]], [best["quick", "out"], best["full", "out"]],
                                threshold, args.loss),
            "exit": lowest_bar(stagewise["in"], stagewise["out"], threshold, args.loss)}
    stored = {"quick": args.quick_answers and bars["quick"] is not None, "exit": args.early_exit and bars["exit"] is not None}

    def kept(side: str, quick: float | None, exit: float | None) -> Best:
        """What the assistant keeps per question with these bars (None: off)."""
        after_passages = cascade(stagewise[side], math.inf if exit is None else exit)
        return cascade([best["quick", side], after_passages], math.inf if quick is None else quick)

    def figures_with(quick: float | None, exit: float | None) -> dict[str, float]:
        return {name: round(value, 3) for name, value in outcomes(kept("in", quick, exit), kept("out", quick, exit), threshold).items()}

    def stopped_early(readings: list[Best], bar: float | None) -> float:
        """Share of in-corpus questions answered before the last reading."""
        return 0.0 if bar is None else round(float(np.mean([any(p >= bar for p, _ in stages[:-1]) for stages in zip(*readings)])), 3)

    shipped = {name: bars[name] if stored[name] else None for name in bars}
    in_article_abstention = round(float(np.mean([p < threshold for p, _ in best_unanswerable])), 3) if best_unanswerable else None
    answered = [(p, label) for p, label in kept("in", shipped["quick"], shipped["exit"]) if p >= threshold]
    report = {
        "held_out_articles": articles,
        "distractor_articles": distractors,
        "questions": len(questions),
        "candidates": len(every_row),
        **figures_with(shipped["quick"], shipped["exit"]),
        "right_when_answered": round(float(np.mean([label for _, label in answered])), 3),
        "in_article_unanswerable": {"questions": len(unanswerable_ids), "abstained": in_article_abstention},
        "mean_score_when_answered": round(float(np.mean([p for p, _ in answered])), 3),
        "quick_answers": {
            "bar": None if bars["quick"] is None else round(bars["quick"], 4), "stored": stored["quick"],
            **figures_with(bars["quick"], None),
            "answered_from_quick_reading_in_corpus": stopped_early([best["quick", "in"], best["full", "in"]], bars["quick"]),
        },
        "early_exit": {
            "bar": None if bars["exit"] is None else round(bars["exit"], 4), "stored": stored["exit"],
            **figures_with(None, bars["exit"]),
            "stopped_before_the_last_passage_in_corpus": stopped_early(stagewise["in"], bars["exit"]),
        },
        "curve": threshold_curve(best["full", "in"], best["full", "out"], best_unanswerable),
    }
    confidence = fitted.model_copy(update={"threshold": round(threshold, 4),
                                           "quick_accept": _stored_bar(shipped["quick"]), "early_exit": _stored_bar(shipped["exit"]),
                                           "named_cell_bar": args.named_cell_bar})
    out.write_text(json.dumps({**confidence.model_dump(), "fit": report}, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def _stored_bar(bar: float | None) -> float | None:
    """A bar rounded up, so that rounding never lets in an answer the fit turned away."""
    return None if bar is None else math.ceil(bar * 1e4) / 1e4


if __name__ == "__main__":
    main()
