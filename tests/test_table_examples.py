"""Training examples of table rows: read as the assistant reads tables, answers exact spans, dev never read."""

from __future__ import annotations

import json

from qa.reader.table_examples import examples, table_passages


def test_a_passage_is_a_row_line_with_a_line_either_side():
    text = "Title line\nClub: Málaga CF | Points: 79\nClub: Getafe | Points: 51"
    (first, second) = table_passages(text)
    assert first[0] == text and first[0][first[1]:].startswith("Club: Málaga CF")
    assert [cell.value for cell in first[2]] == ["Málaga CF", "79"]
    assert second[0] == text.split("\n", 1)[1] and second[0][second[1]:] == "Club: Getafe | Points: 51"


def test_examples_are_spans_of_rows_and_never_come_from_dev_tables(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables-unlabelled").mkdir()
    rows = "\n".join(f"Club {n},{n * 7},{1990 + n}" for n in range(20))
    (tmp_path / "tables" / "t1.csv").write_text("Club,Points,Founded\n" + rows)
    (tmp_path / "tables" / "dev.csv").write_text("Club,Points,Founded\nSecret FC,1,1900\nOther FC,2,1901\n")
    (tmp_path / "train.jsonl").write_text(json.dumps({"id": "nt-1", "question": "how many points did club 3 score?",
                                                      "answers": ["21"], "table": "tables/t1.csv", "row": 3,
                                                      "column": "Points", "column_index": 1}) + "\n")
    (tmp_path / "dev.jsonl").write_text(json.dumps({"id": "nt-2", "question": "when was secret fc founded?", "answers": ["1900"],
                                                    "table": "tables/dev.csv", "row": 0, "column": "Founded",
                                                    "column_index": 2}) + "\n")
    made = examples(tmp_path)
    assert [article["title"] for article in made["data"]] == ["tables/t1.csv"]
    questions = [(p["context"], qa) for a in made["data"] for p in a["paragraphs"] for qa in p["qas"]]
    for context, qa in questions:
        for answer in qa["answers"]:
            assert context[answer["answer_start"] : answer["answer_start"] + len(answer["text"])] == answer["text"]
    human = [qa for _, qa in questions if qa["question"] == "how many points did club 3 score?"]
    assert len(human) == 1 and human[0]["answers"][0]["text"] == "21"  # only on its own row, though 21 may repeat
    assert any(not qa["answers"] for _, qa in questions) and "Secret" not in json.dumps(made)
    assert all(qa.get("asked_of") == ("paragraph" if not qa["answers"] else None) for _, qa in questions)  # its row's passage answers it
    fewer = examples(tmp_path, per_table=3)
    assert sum(len(p["qas"]) for a in fewer["data"] for p in a["paragraphs"]) < len(questions)
