"""Multi-turn evaluation: dialogues of 3-5 turns asked in order through a `Conversation`.

    python -m qa.eval.dialogues_eval

`eval/dialogues_eval.jsonl`, and `eval/dialogues_hard.jsonl` (worded the way people talk: "says who?",
"what about Russia?", "in how long?", and follow-ups the seeds do not answer, "and the UK?" after the
troops Russia amassed; written before the follow-up reading was tuned to them, the "hard2-" ones likewise
before the next round of tuning, the "hard3-" ones, "says who?" over SQuAD paragraphs that name a source,
before `qa.attribution` was written), and `eval/dialogues_talk.jsonl` (lower case, fillers, "why's that?", "according
to who?", "from who?", a pronoun for the previous question's subject; written before any tuning to them; the "talk2-"
ones likewise, a session later): each dialogue holds its documents (`texts`, a few SQuAD v1.1 dev
paragraphs, CC BY-SA 4.0; none: the seeds) and its turns, each with reference answers and whether it
leans on an earlier turn (`follow_up`). A turn is right as `is_right` says (SQuAD F1 >= 0.5 against a
reference). The follow-ups are also asked on their own, without the conversation, for comparison.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from qa.assistant import Assistant, default_assistant
from qa.conversation import Conversation
from qa.eval.metrics import is_right, mean
from qa.index.documents import make_document
from qa.index.store import SentenceIndex

DIALOGUES = Path(__file__).with_name("dialogues_eval.jsonl")
HARD_DIALOGUES = Path(__file__).with_name("dialogues_hard.jsonl")
TALK_DIALOGUES = Path(__file__).with_name("dialogues_talk.jsonl")


class DialogueTurn(BaseModel):
    question: str
    answers: list[str]
    follow_up: bool


class Dialogue(BaseModel):
    id: str
    texts: dict[str, str] | None = None  # None: the seeds
    turns: list[DialogueTurn]


def load_dialogues(path: Path = DIALOGUES) -> list[Dialogue]:
    return [Dialogue.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_dialogues(seeds: Assistant, dialogues: list[Dialogue] | None = None) -> dict:
    """Percent of follow-ups right in conversation and asked alone, percent of all turns right in conversation, and
    every follow-up's record; the dialogues over other texts are read with `seeds`' embedder, reader and score."""
    records, turns_right = [], []
    for dialogue in dialogues or load_dialogues():
        assistant = seeds if dialogue.texts is None else _over(seeds, dialogue.texts)
        conversation = Conversation(assistant)
        for number, turn in enumerate(dialogue.turns):
            answer = conversation.ask(turn.question)
            turns_right.append(float(is_right(answer.answer, turn.answers)))
            if turn.follow_up:
                alone = assistant.ask(turn.question).answer
                records.append({"dialogue": dialogue.id, "turn": number, "question": turn.question,
                                "read_as": conversation.turns[-1].read_as, "answer": answer.answer, "expected": turn.answers,
                                "right": is_right(answer.answer, turn.answers), "right_alone": is_right(alone, turn.answers)})
    return {"follow_ups_right": mean([float(r["right"]) for r in records]),
            "follow_ups_right_alone": mean([float(r["right_alone"]) for r in records]), "turns_right": mean(turns_right),
            "follow_ups": records}


def _over(seeds: Assistant, texts: dict[str, str]) -> Assistant:
    embedder = seeds.retriever.embedder
    index, _ = SentenceIndex.build([make_document(name, text) for name, text in texts.items()], embedder)
    return Assistant(index, embedder, seeds.reader, seeds.confidence)


def main() -> None:
    assistant = default_assistant()
    for path in (DIALOGUES, HARD_DIALOGUES, TALK_DIALOGUES):
        report = evaluate_dialogues(assistant, load_dialogues(path))
        for record in report["follow_ups"]:
            mark = "ok " if record["right"] else "-- "
            print(f"{mark}{record['dialogue']:24} {record['question'][:40]:40} read as {record['read_as'][:60]!r} -> {record['answer']!r}")
        print(f"\n{path.name}: {len(report['follow_ups'])} follow-ups, {report['follow_ups_right']:.1f} % right in conversation, "
              f"{report['follow_ups_right_alone']:.1f} % asked alone; {report['turns_right']:.1f} % of all turns right\n")


if __name__ == "__main__":
    main()
