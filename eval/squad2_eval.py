"""SQuAD 2.0 evaluation: questions the right paragraph does not answer, on articles only measured.

    python -m qa.eval.squad2_eval --squad2 ../shared/datasets/squad2/dev.json [--open-corpus] [--limit N]

The 17 articles of the SQuAD 2.0 dev file are split by article (`split`: titles sorted, every other
one): "fit" articles may be used, "measure" articles are only measured on. The fit articles are split
the same way again: a reader trains on the "train" ones, its score is fitted on the "calibrate" ones
(`qa.eval.calibrate --squad2`), so no score is fitted on questions its reader learnt. Each
measured question is asked with its own paragraph indexed alone (gold paragraph), or with
--open-corpus with every paragraph of the measured articles indexed. Official SQuAD 2.0 scoring: an
unanswerable question scores 1 only with no answer; an answerable one scores EM / F1 against its
references, 0 with no answer. Also printed: the curve of the no-answer threshold, from each
question's best span and its score (abstention on unanswerable questions against answerable F1).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant
from qa.confidence import Confidence
from qa.eval.metrics import exact_match, f1, mean
from qa.index.documents import make_document
from qa.index.embedder import shared_embedder
from qa.index.store import SentenceIndex
from qa.reader.span_reader import SpanReader


class Squad2Question(BaseModel):
    id: str
    question: str
    answers: list[str]  # empty: the paragraph does not answer it
    article: str
    paragraph: str  # "title/number"
    context: str


def load_squad2(path: Path) -> list[Squad2Question]:
    questions = []
    for article in json.loads(Path(path).read_text(encoding="utf-8"))["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                questions.append(Squad2Question(id=qa["id"], question=qa["question"], answers=[a["text"] for a in qa["answers"]],
                                                article=article["title"], paragraph=f"{article['title']}/{number}",
                                                context=paragraph["context"]))
    return questions


def split(questions: list[Squad2Question]) -> dict[str, set[str]]:
    """The articles to fit on and those only measured on (titles sorted, every other one), and the fit
    ones to train on and those to fit the score on (the same again)."""
    titles = sorted({q.article for q in questions})
    fit = titles[0::2]
    return {"fit": set(fit), "measure": set(titles[1::2]), "train": set(fit[0::2]), "calibrate": set(fit[1::2])}


def best_spans(questions: list[Squad2Question], open_corpus: bool, reader: SpanReader | None = None,
               confidence: Confidence | None = None) -> list[tuple[float, str | None]]:
    """(score, text) of each question's best span (None: nothing read, or a question naming what no
    document names, which `ask` does not answer), through the full pipeline (with `reader` and its
    `confidence`, when given)."""
    embedder = shared_embedder()
    paragraphs = {q.paragraph: q.context for q in questions}

    def assistant_over(names: list[str]) -> Assistant:
        index, _ = SentenceIndex.build([make_document(name, paragraphs[name]) for name in names], embedder)
        return Assistant(index, embedder, reader, confidence)

    shared = assistant_over(sorted(paragraphs)) if open_corpus else None
    current: tuple[str, Assistant] | None = None  # questions come grouped by paragraph: one index at a time
    found = []
    for question in questions:
        if shared is None and (current is None or current[0] != question.paragraph):
            current = (question.paragraph, assistant_over([question.paragraph]))
        assistant = shared or current[1]
        reading = assistant.candidates(question.question)
        named = not assistant.unknown_names(reading.question)  # as `ask`: a name no document holds is not answered
        found.append((reading.scored[0][0], reading.scored[0][1].text) if reading.scored and named else (0.0, None))
    return found


def scores(questions: list[Squad2Question], found: list[tuple[float, str | None]], threshold: float) -> dict:
    """Official-style figures when spans scoring below `threshold` become "no answer"."""
    em, f1s, answerable, abstained = [], [], [], []
    for question, (score, text) in zip(questions, found):
        answer = text if text is not None and score >= threshold else None
        if question.answers:
            em.append(exact_match(answer, question.answers) if answer else 0.0)
            f1s.append(f1(answer, question.answers) if answer else 0.0)
            answerable.append(f1s[-1])
        else:
            abstained.append(float(answer is None))
            em.append(abstained[-1])
            f1s.append(abstained[-1])
    return {"exact_match": mean(em), "f1": mean(f1s), "answerable_f1": mean(answerable), "unanswerable_abstention": mean(abstained)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad2", type=Path, default=Path("../shared/datasets/squad2/dev.json"))
    parser.add_argument("--part", choices=["measure", "fit", "train", "calibrate"], default="measure", help="which articles to ask")
    parser.add_argument("--open-corpus", action="store_true", help="index every paragraph of those articles together")
    parser.add_argument("--limit", type=int, help="a seeded sample of this many questions")
    parser.add_argument("--reader", type=Path,
                        help="a reader weights folder (default: the shipped one), scored by its own calibration.json")
    args = parser.parse_args()

    questions = load_squad2(args.squad2)
    articles = split(questions)
    asked = [q for q in questions if q.article in articles[args.part]]
    if args.limit:
        asked = sorted(random.Random(0).sample(asked, min(args.limit, len(asked))), key=lambda q: q.paragraph)
    confidence = Confidence.of_reader(args.reader)
    found = best_spans(asked, args.open_corpus, SpanReader(args.reader) if args.reader else None, confidence)
    threshold = confidence.threshold
    unanswerable = sum(not q.answers for q in asked)
    print(f"SQuAD 2.0 dev, {args.part} articles ({', '.join(sorted(articles[args.part]))}), "
          f"{'open corpus' if args.open_corpus else 'gold paragraph'}: {len(asked):,} questions, "
          f"{unanswerable:,} unanswerable")
    figures = scores(asked, found, threshold)
    print(f"  shipped threshold {threshold:.3f}: EM {figures['exact_match']:.1f} / F1 {figures['f1']:.1f}; answerable F1 "
          f"{figures['answerable_f1']:.1f}; unanswerable abstention {figures['unanswerable_abstention']:.1f} %")
    print("  the curve (threshold: abstention on unanswerable / answerable F1 / overall F1):")
    for bar in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        row = scores(asked, found, bar)
        print(f"    {bar:.1f}: {row['unanswerable_abstention']:5.1f} % / {row['answerable_f1']:5.1f} / {row['f1']:5.1f}")


if __name__ == "__main__":
    main()
