"""One-cell questions over real tables (WikiTableQuestions lookups), each table indexed alone.

    python -m qa.eval.table_qa_eval [--data ../shared/datasets/table-qa] [--split dev] [--limit N] [--json] [--cells]

A question is right when the answer holds the cell's text as a whole run of words (`contains_answer`).
Also reported: how often the assistant abstained. With `--cells`, the best named cell of each question
(`Assistant.read_named_cells`) by its score, under the threshold: how many questions, how many such cells
were right, and how many the assistant answered right (what a reader's named-cell bar is chosen by: `qa.eval.calibrate --named-cell-bar`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant
from qa.confidence import Confidence
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


def evaluate(questions: list[TableQuestion], data: Path, reader: Path | None = None, cells: bool = False) -> dict:
    """Figures (percent) and one record per question; each question's table is indexed alone, in memory
    (read by the reader in `reader`, with its calibration, when given); with `cells`, each record holds its best
    named cell's score and rightness too."""
    options = reader_options(reader)
    records, assistants = [], {}
    for item in questions:
        if item.table not in assistants:
            assistants.clear()  # one table's index in memory at a time (questions come grouped by table mostly)
            assistants[item.table] = Assistant.from_folder([data / item.table], **options)
        answer = assistants[item.table].ask(item.question)
        records.append({"id": item.id, "question": item.question, "answer": answer.answer, "expected": item.answers,
                        "score": round(answer.score, 3), "right": contains_answer(answer.answer, item.answers),
                        "sentence": answer.source.sentence if answer.source else None,
                        "cell": _best_named_cell(assistants[item.table], item) if cells else None})
    figures = {"right": mean([float(r["right"]) for r in records]),
               "abstained": mean([float(r["answer"] is None) for r in records])}
    return {"figures": {k: round(v, 1) for k, v in figures.items()}, "questions": len(records), "per_item": records}


def _best_named_cell(assistant: Assistant, item: TableQuestion) -> dict | None:
    """The best named cell's score and whether it holds the answer, as `ask` reads the question; None without one."""
    hits = assistant.retrieve(item.question)
    question = assistant.as_spelt(item.question, hits) if hits else item.question
    cells = assistant.scored(question, hits, assistant.read_named_cells(question, hits)) if hits else []
    return {"score": cells[0][0], "right": contains_answer(cells[0][1].text, item.answers)} if cells else None


def cell_score_table(records: list[dict], threshold: float) -> list[str]:
    """Lines: by the best named cell's score, under `threshold`, the questions, the cells right, and answered right."""
    lines = ["named cell's score | questions | cell right | answered right"]
    for low, high in ((0.03, threshold), (0.02, 0.03), (0.01, 0.02), (0.0, 0.01)):
        rows = [r for r in records if r["cell"] and low <= r["cell"]["score"] < high]
        lines.append(f"{low:.2f}-{high:.4f} | {len(rows)} | {sum(r['cell']['right'] for r in rows)} | {sum(r['right'] for r in rows)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the table-qa folder")
    parser.add_argument("--split", default="dev", choices=["dev", "train"], help="which questions (dev: measuring only)")
    parser.add_argument("--limit", type=int, default=None, help="the first N questions only")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--reader", type=Path, help="another reader's weights folder, read with its calibration.json")
    parser.add_argument("--cells", action="store_true", help="also the named cells under the threshold, by score")
    args = parser.parse_args(argv)
    if not (args.data / f"{args.split}.jsonl").is_file():
        raise SystemExit(f"no {args.split}.jsonl in {args.data}: give --data the table-qa folder")
    report = evaluate(load_questions(args.data, args.split)[: args.limit], args.data, args.reader, args.cells)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for row in report["per_item"]:
            print(f"{'ok ' if row['right'] else '-- '}{row['id']:8} {row['question'][:60]:60} -> {(row['answer'] or '(none)')[:30]!r}"
                  f" (expected {row['expected'][0][:30]!r})")
        print(f"{report['questions']} questions: right {report['figures']['right']} %, abstained {report['figures']['abstained']} %")
        if args.cells:
            print("\n".join(cell_score_table(report["per_item"], Confidence.of_reader(args.reader).threshold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
