"""Real documents nobody here wrote (PDF, Word, slides, spreadsheets, web pages) with questions, scored by kind.

    python -m qa.eval.real_documents_eval [--data ../shared/datasets/real-documents] [--json]

Every document of the set is indexed together (in memory); each question is asked once. An answerable
question is right when the answer comes from its file and holds an accepted answer as a whole run of
words (`contains_answer`); an unanswerable one when the assistant says the documents do not hold it.
Figures per kind (prose, table, slide, spreadsheet, unanswerable) and in all; exit status 1 when a
figure falls below its floor in `real_documents_floors.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant
from qa.eval.metrics import contains_answer, mean, reader_options

HERE = Path(__file__).parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "datasets" / "real-documents"
FLOORS = HERE / "real_documents_floors.json"


class RealQuestion(BaseModel):
    id: str
    question: str
    answers: list[str]
    file: str | None
    kind: str


def load_questions(data: Path) -> list[RealQuestion]:
    lines = (data / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [RealQuestion.model_validate_json(line) for line in lines if line.strip()]


def evaluate(assistant: Assistant, questions: list[RealQuestion]) -> dict:
    """Figures (percent right, by kind and in all) and one record per question."""
    records = []
    for item in questions:
        answer = assistant.ask(item.question)
        source = answer.source.doc_id if answer.answer is not None and answer.source else None
        right = answer.answer is None if item.file is None else (
            source is not None and Path(source).name == item.file and contains_answer(answer.answer, item.answers))
        records.append({"id": item.id, "kind": item.kind, "question": item.question, "answer": answer.answer,
                        "source": source, "score": round(answer.score, 3), "expected": item.answers,
                        "file": item.file, "right": right})
    figures = {kind: mean([float(r["right"]) for r in records if r["kind"] == kind])
               for kind in sorted({r["kind"] for r in records})}
    figures["answerable"] = mean([float(r["right"]) for r in records if r["file"] is not None])
    figures["all"] = mean([float(r["right"]) for r in records])
    counts = {kind: f"{sum(r['right'] for r in records if r['kind'] == kind)}/{sum(r['kind'] == kind for r in records)}"
              for kind in figures if kind not in ("answerable", "all")}
    return {"figures": {k: round(v, 1) for k, v in figures.items()}, "counts": counts, "per_item": records}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the set's folder (documents/, questions.jsonl)")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--reader", type=Path, help="another reader's weights folder, read with its calibration.json")
    args = parser.parse_args(argv)
    if not (args.data / "questions.jsonl").is_file():
        raise SystemExit(f"no questions.jsonl in {args.data}: give --data the real-documents folder")
    assistant = Assistant.from_folder([args.data / "documents"], **reader_options(args.reader))
    report = evaluate(assistant, load_questions(args.data))
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    failures = [f"{name} {report['figures'][name]} < floor {floor}" for name, floor in floors.items()
                if report["figures"].get(name, 0.0) < floor]
    if args.json:
        print(json.dumps({**report, "floors": floors, "failures": failures}, indent=2, ensure_ascii=False))
    else:
        for row in report["per_item"]:
            print(f"{'ok ' if row['right'] else '-- '}{row['id']} {row['kind']:12} {row['question'][:58]:58} -> "
                  f"{(row['answer'] or '(none)')[:40]!r} [{row['source']}]")
        for name, value in report["figures"].items():
            print(f"  {name:14} {value:6.1f}  {report['counts'].get(name, ''):>7}  floor {floors.get(name, '-')}")
    for failure in failures:
        print(f"BELOW FLOOR: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
