"""`qa eval`: the team's evaluation set over the seeds, scored and checked against floors.

Figures (percent): exact match and F1 over answerable questions (an abstention scores 0),
source accuracy (answered questions whose source is an expected document), retrieval
recall@1/@5 (a top-k sentence from an expected document contains a reference answer),
abstention accuracy (unanswerable questions that get no answer), and F1 over all questions scored
as SQuAD 2.0 scores them (an unanswerable question scores 100 with no answer, else 0); and from the relative-date set
(eval/dates_eval.py), dates resolved right and undated documents left alone. Exit status 1 when a
figure falls below its floor in floors.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant, default_assistant
from qa.eval.dates_eval import evaluate_dates
from qa.eval.dialogues_eval import HARD_DIALOGUES, TALK_DIALOGUES, evaluate_dialogues, load_dialogues
from qa.eval.metrics import answer_scores, is_right, mean, reader_options
from qa.normalize import normalize_answer

HERE = Path(__file__).parent
EVAL_SET = HERE / "seeds_eval.jsonl"
FLOORS = HERE / "floors.json"


class EvalItem(BaseModel):
    id: str
    question: str
    answers: list[str] | None  # None: the documents cannot answer it
    doc_ids: list[str] | None
    kind: str


def load_items(path: Path = EVAL_SET) -> list[EvalItem]:
    return [EvalItem.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(assistant: Assistant, items: list[EvalItem]) -> dict:
    """All figures (the relative-date set's too) plus one record per question."""
    answerable = [item for item in items if item.answers]
    unanswerable = [item for item in items if not item.answers]
    results = {item.id: assistant.ask(item.question) for item in items}
    predictions = [results[item.id].answer for item in answerable]
    scores = answer_scores(predictions, [item.answers for item in answerable])
    answered = [item for item in answerable if results[item.id].answer is not None]
    sources = [results[item.id].source.doc_id in item.doc_ids for item in answered]
    recall = {k: [_retrieved(assistant, item, k) for item in answerable] for k in (1, 5)}
    figures = {
        "exact_match": scores["exact_match"],
        "f1": scores["f1"],
        "source_accuracy": mean([float(s) for s in sources]),
        "recall_at_1": mean([float(r) for r in recall[1]]),
        "recall_at_5": mean([float(r) for r in recall[5]]),
        "abstention_accuracy": mean([float(results[item.id].answer is None) for item in unanswerable]),
        "answered_answerable": mean([1.0] * len(answered) + [0.0] * (len(answerable) - len(answered))),
        "squad2_style_f1": mean([item["f1"] for item in scores["per_item"]]
                                + [float(results[item.id].answer is None) for item in unanswerable]),
    }
    per_item = [
        {"id": item.id, "question": item.question, "answer": results[item.id].answer, "score": round(results[item.id].score, 3),
         "expected": item.answers, "source": results[item.id].source.doc_id if results[item.id].source else None,
         "right": is_right(results[item.id].answer, item.answers)}
        for item in items
    ]
    dates = evaluate_dates()
    figures.update({name: dates[name] for name in ("dates_resolved", "undated_left_alone")})
    dialogues = evaluate_dialogues(assistant)
    figures.update({name: dialogues[name] for name in ("follow_ups_right", "follow_ups_right_alone")})
    hard = evaluate_dialogues(assistant, load_dialogues(HARD_DIALOGUES))
    figures["hard_follow_ups_right"] = hard["follow_ups_right"]
    talk = evaluate_dialogues(assistant, load_dialogues(TALK_DIALOGUES))
    figures.update({"talk_follow_ups_right": talk["follow_ups_right"], "talk_turns_right": talk["turns_right"]})
    return {"figures": {k: round(v, 1) for k, v in figures.items()}, "questions": len(items), "per_item": per_item,
            "dates_wrong": dates["wrong"], "follow_ups_wrong": [r for r in dialogues["follow_ups"] + hard["follow_ups"] + talk["follow_ups"] if not r["right"]]}


def _retrieved(assistant: Assistant, item: EvalItem, k: int) -> bool:
    references = [normalize_answer(a) for a in item.answers]
    for hit in assistant.retriever.sentences(item.question, k):
        sentence = normalize_answer(assistant.index.sentence_text(hit.row))
        if hit.doc_id in item.doc_ids and any(r in sentence for r in references):
            return True
    return False


def below_floors(figures: dict, floors: dict) -> list[str]:
    return [f"{name} {figures[name]} < floor {floor}" for name, floor in floors.items() if figures[name] < floor]


def run(as_json: bool = False, reader_dir: Path | None = None) -> int:
    """Score the shipped reader, or the one in `reader_dir` with its own calibration, on the seeds."""
    options = reader_options(reader_dir)  # first: a missing calibration fails before any work
    assistant = default_assistant()
    if options:
        assistant = Assistant(assistant.index, assistant.retriever.embedder, **options)
    report = evaluate(assistant, load_items())
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    failures = below_floors(report["figures"], floors)
    if as_json:
        print(json.dumps({**report, "floors": floors, "failures": failures}, indent=2, ensure_ascii=False))
    else:
        for row in report["per_item"]:
            mark = "ok " if row["right"] else "-- "
            print(f"{mark}{row['id']} {row['question'][:60]:60} -> {row['answer']!r} ({row['score']})")
        for wrong in report["follow_ups_wrong"]:
            print(f"-- {wrong['dialogue']} turn {wrong['turn']}: {wrong['question'][:40]!r} read as {wrong['read_as'][:50]!r} -> {wrong['answer']!r}")
        for wrong in report["dates_wrong"]:
            print(f"-- {wrong['id']} {wrong['sentence'][:60]:60} ({wrong['anchor']}) -> {wrong['got']}, expected {wrong['expected']}")
        print(f"\n{report['questions']} questions; relative dates: eval/dates_eval.jsonl; follow-ups: eval/dialogues_eval.jsonl, "
              f"eval/dialogues_hard.jsonl (hard_follow_ups_right), eval/dialogues_talk.jsonl (talk_)")
        for name, value in report["figures"].items():
            print(f"  {name:22} {value:6.1f}   floor {floors.get(name, '-')}")
    for failure in failures:
        print(f"BELOW FLOOR: {failure}")
    return 1 if failures else 0
