"""The reader and the full pipeline on SQuAD v1.1 dev (never used for training or fitting).

    python -m qa.eval.squad_eval --squad ../shared/datasets/squad/dev.json [--limit N]

1. reader alone, given the gold paragraph: EM / F1 (official normalisation, max over references);
2. open corpus: every dev paragraph indexed as a document, every question asked through the
   full pipeline: EM / F1 (an abstention scores 0) and recall@1/@3 of the answer's paragraph
   (3: the passages the reader reads; `eval/retrieval_eval.py` measures retrieval deeper);
3. abstention: each question asked with its own article removed from the index: the share
   that correctly gets no answer, and the F1 the threshold costs on the answerable questions.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from qa.assistant import Assistant
from qa.confidence import Confidence
from qa.eval.metrics import answer_scores
from qa.eval.squad import SquadQuestion, load_questions, paragraph_index, without_article
from qa.index.embedder import Embedder
from qa.index.retriever import Passage
from qa.owned import check_replaceable_json
from qa.reader.span_reader import SpanReader

REPORT_KEYS = ("dev_file", "reader", "gold_paragraph")  # what marks a report this script wrote


def gold_paragraph(reader: SpanReader, questions: list[SquadQuestion]) -> dict:
    predictions = []
    for q in questions:
        spans = reader.read(q.question, [Passage(doc_id=q.doc_id, start=0, end=len(q.context), text=q.context,
                                                 retrieval_score=1.0, rank=0)])
        predictions.append(spans[0].text if spans else "")
    scores = answer_scores(predictions, [q.answers for q in questions])
    return {"exact_match": round(scores["exact_match"], 1), "f1": round(scores["f1"], 1), "questions": len(questions)}


def open_corpus(assistant: Assistant, questions: list[SquadQuestion]) -> dict:
    answers, always, recall1, recall3 = [], [], [], []
    for q in questions:
        hits, scored, *_ = assistant.candidates(q.question)
        always.append(scored[0][1].text if scored else "")
        answers.append(always[-1] if scored and scored[0][0] >= assistant.confidence.threshold else None)
        recall1.append(q.doc_id in [h.doc_id for h in hits[:1]])
        recall3.append(q.doc_id in [h.doc_id for h in hits[:3]])
    references = [q.answers for q in questions]
    with_threshold, without = answer_scores(answers, references), answer_scores(always, references)
    return {
        "exact_match": round(with_threshold["exact_match"], 1), "f1": round(with_threshold["f1"], 1),
        "f1_never_abstaining": round(without["f1"], 1),
        "answered": round(100 * sum(a is not None for a in answers) / len(answers), 1),
        "recall_at_1": round(100 * sum(recall1) / len(questions), 1),
        "recall_at_3": round(100 * sum(recall3) / len(questions), 1),
        "questions": len(questions),
    }


def abstention(full_index, embedder: Embedder, questions: list[SquadQuestion], **options) -> dict:
    """Out-of-corpus questions turned down, each asked with its own article removed (`options`: Assistant's)."""
    abstained = []
    for article in sorted({q.article for q in questions}):
        assistant = Assistant(without_article(full_index, embedder, article), embedder, **options)
        abstained += [assistant.ask(q.question).answer is None for q in questions if q.article == article]
    return {"abstained_out_of_corpus": round(100 * sum(abstained) / len(abstained), 1), "questions": len(abstained)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD v1.1 dev.json")
    parser.add_argument("--limit", type=int, default=0, help="open corpus and abstention on a seeded random sample")
    parser.add_argument("--gold-limit", type=int, default=0, help="gold-paragraph reading on a seeded random sample")
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    parser.add_argument("--reader", type=Path,
                        help="a reader weights folder (default: the shipped one), scored by its own calibration.json")
    parser.add_argument("--gold-only", action="store_true", help="only the gold-paragraph figure (comparing readers)")
    args = parser.parse_args()
    if args.out:
        check_replaceable_json(args.out, REPORT_KEYS, "--out")

    questions = load_questions(args.squad)
    sample = random.Random(7).sample(questions, args.limit) if args.limit else questions
    gold_sample = random.Random(7).sample(questions, args.gold_limit) if args.gold_limit else questions
    confidence = None if args.gold_only else Confidence.of_reader(args.reader)  # fails before minutes of reading
    reader, embedder = SpanReader(args.reader) if args.reader else SpanReader(), Embedder()
    started = time.time()
    report = {"dev_file": str(args.squad), "reader": str(reader.weights_dir)}
    report["gold_paragraph"] = gold_paragraph(reader, gold_sample)
    if args.gold_only:
        print(json.dumps(report, indent=2))
        return
    full_index = paragraph_index(questions, embedder)  # every dev paragraph, whatever the sample
    report["open_corpus"] = open_corpus(Assistant(full_index, embedder, reader, confidence), sample)
    open_figures = report["open_corpus"]
    report["abstention"] = abstention(full_index, embedder, sample, reader=reader, confidence=confidence)
    report["abstention"]["answered_in_corpus"] = open_figures["answered"]
    report["abstention"]["f1_lost_to_abstaining"] = round(open_figures["f1_never_abstaining"] - open_figures["f1"], 1)
    report["minutes"] = round((time.time() - started) / 60, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
