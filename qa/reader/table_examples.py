"""Reading examples of table rows, as the assistant indexes them, for training the reader (SQuAD format).

    python -m qa.reader.table_examples --tables TABLE_QA_DIR --out ~/.cache/qa-train/data/table-rows.json

TABLE_QA_DIR is the table-qa data set (train.jsonl, dev.jsonl, tables/, tables-unlabelled/); it is read
only to make training data, never by the assistant.

Each table (CSV) is read as `qa index` reads it: one line a row (a wide row a few cells a line, each
under the row's key), "Header: value | Header: value". A passage is a row's line with a line either
side, as retrieval hands the reader a sentence with its neighbours. From each passage come:
- the human questions of `train.jsonl` whose answer cell is in its middle line (the dev questions and
  tables are never read);
- questions made from the line: "what is the <header> of <key>?" and a few other wordings, answered
  by the cell's value;
- unanswerable ones: a question made from another row of the table, asked of this passage alone
  (`"asked_of": "paragraph"`: the passage of that row, elsewhere in the data, answers it).
Every answer is a span of the passage: `context[start:start + len(text)] == text`.
Data: WikiTableQuestions' tables (CC BY-SA 4.0); a model trained on it should say so.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from qa.cells import row_cells
from qa.errors import CorpusError
from qa.index.documents import read_document

WORDINGS = ("what is the {header} of {key}?", "what was the {header} for {key}?", "{key}: which {header}?",
            "what {header} does {key} have?", "which {header} is listed for {key}?")
PASSAGES_PER_TABLE = 12  # passages with made questions per table: many tables, few rows each, for variety


def table_passages(text: str) -> list[tuple[str, int, list[tuple[str, str, int]]]]:
    """(passage, where its middle line starts in it, that line's cells) for every row line with named cells."""
    lines = text.split("\n")
    passages = []
    for number, line in enumerate(lines):
        cells = row_cells(line)
        if cells:
            before = lines[number - 1] + "\n" if number else ""
            after = "\n" + lines[number + 1] if number + 1 < len(lines) else ""
            passages.append((before + line + after, len(before), cells))
    return passages


def made_questions(passage: tuple[str, int, list], other: tuple[str, int, list] | None, rng: random.Random) -> list[dict]:
    """A question answered by a cell of the passage's middle line, and one from `other` it cannot answer."""
    context, begin, cells = passage
    key, *rest = cells
    cell = rng.choice(rest)
    wording = rng.choice(WORDINGS)
    found = [{"question": wording.format(header=cell.header.lower(), key=key.value),
              "answers": [{"text": cell.value, "answer_start": begin + cell.start}]}]
    if other is not None:
        other_key, *other_rest = other[2]
        other_cell = rng.choice(other_rest)
        if other_key.value not in context and other_cell.value not in context:
            found.append({"question": rng.choice(WORDINGS).format(header=other_cell.header.lower(), key=other_key.value), "answers": [],
                          "asked_of": "paragraph"})
    return found


def human_questions(passage: tuple[str, int, list], asked: list[dict]) -> list[dict]:
    """The human questions whose answer is a cell of the passage's middle line under its column, the line
    being of the question's row (the question names another of its cells: a value repeats down a column)."""
    context, begin, cells = passage
    found = []
    for question in asked:
        named = any(cell.value.lower() in question["question"].lower() for cell in cells if cell.value != question["answers"][0])
        for cell in cells:
            if named and cell.value == question["answers"][0] and " ".join(cell.header.split()) == question["column"]:
                found.append({"question": question["question"], "answers": [{"text": cell.value, "answer_start": begin + cell.start}]})
    return found


def examples(tables: Path, seed: int = 13, per_table: int = PASSAGES_PER_TABLE) -> dict:
    """Every table of `tables` (the table-qa folder) but the dev ones, as SQuAD-format articles, with made
    questions from `per_table` passages of each."""
    rng = random.Random(seed)
    train = [json.loads(line) for line in (tables / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = {json.loads(line)["table"] for line in (tables / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    asked: dict[str, list[dict]] = {}
    for question in train:
        asked.setdefault(question["table"], []).append(question)
    files = sorted({*asked, *(f"tables-unlabelled/{p.name}" for p in (tables / "tables-unlabelled").glob("*.csv"))} - dev)
    articles = []
    for name in files:
        try:
            text = read_document(tables / name, name).text
        except CorpusError:  # a table the assistant cannot read gives no examples
            continue
        passages = table_passages(text)
        paragraphs = []
        for index, passage in enumerate(passages):
            qas = human_questions(passage, asked.get(name, []))
            if index < per_table or qas:
                other = passages[rng.randrange(len(passages))] if len(passages) > 1 else None
                qas += made_questions(passage, other if other is not passage else None, rng) if index < per_table else []
            if qas:
                paragraphs.append({"context": passage[0], "qas": [{**qa, "id": f"{name}#{index}.{n}"} for n, qa in enumerate(qas)]})
        rng.shuffle(paragraphs)
        if paragraphs:
            articles.append({"title": name, "paragraphs": paragraphs[: per_table + len(asked.get(name, []))]})
    return {"version": "table-rows-1", "source": "WikiTableQuestions 1.0.2 tables (CC BY-SA 4.0), read as qa index reads CSV",
            "data": articles}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=Path, required=True, help="the table-qa folder (train.jsonl, dev.jsonl, tables/)")
    parser.add_argument("--out", type=Path, required=True, help="the SQuAD-format JSON to write (a new file)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--passages-per-table", type=int, default=PASSAGES_PER_TABLE,
                        help="passages of each table given made questions")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"--out {args.out} exists; it is left as it is: give a new file")
    made = examples(args.tables, args.seed, args.passages_per_table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "x", encoding="utf-8") as file:
        json.dump(made, file, ensure_ascii=False)
    questions = [qa for article in made["data"] for paragraph in article["paragraphs"] for qa in paragraph["qas"]]
    print(f"{len(made['data'])} tables, {len(questions)} questions ({sum(not qa['answers'] for qa in questions)} "
          f"unanswerable) written to {args.out}")


if __name__ == "__main__":
    main()
