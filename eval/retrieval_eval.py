"""Retrieval alone, by ranking mode: dense, lexical (BM25) and hybrid (reciprocal-rank fusion).

    python -m qa.eval.retrieval_eval --squad ../shared/datasets/squad/dev.json

- seeds evaluation (answerable questions): sentence recall@1/@5, a hit being a sentence of an
  expected document that contains a reference answer (as `qa eval` counts it);
- SQuAD dev, open corpus (every dev paragraph a document): paragraph recall@1/@5, a hit being a
  sentence of the question's own paragraph.
Each question is embedded once and ranked by every mode.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.assistant import Assistant, default_assistant
from qa.eval.seeds_eval import load_items
from qa.eval.squad import load_questions, paragraph_index
from qa.index.embedder import shared_embedder
from qa.index.retriever import Retriever
from qa.normalize import normalize_answer

MODES = ("dense", "lexical", "hybrid")
DEPTHS = (1, 5)


def recalls(retriever: Retriever, questions: list[str], is_hit) -> dict:
    """Percent of questions with a hit in the top 1 / 5, for each mode; is_hit(question number, sentence)."""
    vectors = retriever.embedder.encode(questions)
    figures = {}
    for mode in MODES:
        found = {k: 0 for k in DEPTHS}
        for number, (question, vector) in enumerate(zip(questions, vectors)):
            hits = retriever.ranked(question, vector, max(DEPTHS), mode)
            for k in DEPTHS:
                found[k] += any(is_hit(number, hit) for hit in hits[:k])
        figures[mode] = {f"recall_at_{k}": round(100 * found[k] / len(questions), 1) for k in DEPTHS}
    return figures


def seeds_recall(assistant: Assistant) -> dict:
    items = [item for item in load_items() if item.answers]

    def is_hit(number: int, hit) -> bool:
        sentence = normalize_answer(assistant.index.sentence_text(hit.row))
        return hit.doc_id in items[number].doc_ids and any(normalize_answer(a) in sentence for a in items[number].answers)

    return {**recalls(assistant.retriever, [item.question for item in items], is_hit), "questions": len(items)}


def squad_recall(dev: Path) -> dict:
    questions = load_questions(dev)
    embedder = shared_embedder()
    retriever = Retriever(paragraph_index(questions, embedder), embedder)
    figures = recalls(retriever, [q.question for q in questions], lambda number, hit: hit.doc_id == questions[number].doc_id)
    return {**figures, "questions": len(questions), "paragraphs": len({q.doc_id for q in questions})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD v1.1 dev.json")
    args = parser.parse_args()
    print(json.dumps({"seeds": seeds_recall(default_assistant()), "squad_dev_open_corpus": squad_recall(args.squad)}, indent=2))


if __name__ == "__main__":
    main()
