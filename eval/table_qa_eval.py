"""One-cell questions over real tables (WikiTableQuestions lookups), each table indexed alone.

    python -m qa.eval.table_qa_eval [--data ../shared/datasets/table-qa] [--split dev] [--limit N] [--json]

A question is right when the answer holds the cell's text as a whole run of words (`contains_answer`).
Also reported: how often the assistant abstained, and how often the answer came from the right row.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant
from qa.eval.metrics import contains_answer, mean, reader_options

DEFAULT_DATA = Path(__file__).parent.parent.parent / "shared" / "datasets" / "table-qa"


class TableQuestion(BaseModel):
    id: str
    question: str
    answers: list[str]
    table: str
    row: int
    column: str


def load_questions(data: Path, split: str) -> list[TableQuestion]:
    lines = (data / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [TableQuestion.model_validate_json(line) for line in lines if line.strip()]


def evaluate(questions: list[TableQuestion], data: Path, reader: Path | None = None) -> dict:
    """Figures (percent) and one record per question; each question's table is indexed alone, in memory
    (read by the reader in `reader`, with its calibration, when given)."""
    options = reader_options(reader)
    records, assistants = [], {}
    for item in questions:
        if item.table not in assistants:
            assistants.clear()  # one table's index in memory at a time (questions come grouped by table mostly)
            assistants[item.table] = Assistant.from_folder([data / item.table], **options)
        answer = assistants[item.table].ask(item.question)
        records.append({"id": item.id, "question": item.question, "answer": answer.answer, "expected": item.answers,
                        "score": round(answer.score, 3), "right": contains_answer(answer.answer, item.answers),
                        "sentence": answer.source.sentence if answer.source else None})
    figures = {"right": mean([float(r["right"]) for r in records]),
               "abstained": mean([float(r["answer"] is None) for r in records])}
    return {"figures": {k: round(v, 1) for k, v in figures.items()}, "questions": len(records), "per_item": records}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the table-qa folder")
    parser.add_argument("--split", default="dev", choices=["dev", "train"], help="which questions (dev: measuring only)")
    parser.add_argument("--limit", type=int, default=None, help="the first N questions only")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--reader", type=Path, help="another reader's weights folder, read with its calibration.json")
    args = parser.parse_args(argv)
    if not (args.data / f"{args.split}.jsonl").is_file():
        raise SystemExit(f"no {args.split}.jsonl in {args.data}: give --data the table-qa folder")
    report = evaluate(load_questions(args.data, args.split)[: args.limit], args.data, args.reader)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for row in report["per_item"]:
            print(f"{'ok ' if row['right'] else '-- '}{row['id']:8} {row['question'][:60]:60} -> {(row['answer'] or '(none)')[:30]!r}"
                  f" (expected {row['expected'][0][:30]!r})")
        print(f"{report['questions']} questions: right {report['figures']['right']} %, abstained {report['figures']['abstained']} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
