"""The `qa` command line: JSON contract, batch mode, indexing, and one-line errors with exit 2."""

import json
import os
import subprocess
import sys

import pytest

from conftest import SEEDS

CONTRACT = {"question", "answer", "score", "source", "evidence"}
SOURCE_KEYS = {"doc_id", "start", "end", "sentence", "sentence_start", "sentence_end"}


def qa(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    corpus = tmp_path_factory.mktemp("corpus")
    for path in SEEDS.glob("*.txt"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    result = qa("index", str(corpus), "--index", str(home / "ix"), home=home)
    return home, corpus, result


def check_source(source, texts):
    assert set(source) == SOURCE_KEYS
    text = texts[source["doc_id"]]
    assert text[source["sentence_start"] : source["sentence_end"]] == source["sentence"]
    assert source["sentence_start"] <= source["start"] < source["end"] <= source["sentence_end"]


@pytest.mark.slow
def test_index_skips_bad_files_with_a_warning(built_index):
    home, _, result = built_index
    assert result.returncode == 0, result.stderr
    assert "warning: skipped broken.txt" in result.stderr
    assert "indexed 2 documents" in result.stdout and "1 skipped" in result.stdout


@pytest.mark.slow
def test_ask_json_contract(built_index, seed_texts):
    home, _, _ = built_index
    result = qa("ask", "How many troops has Russia gathered at the border?", "--index", str(home / "ix"), "--json", home=home)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == CONTRACT
    assert isinstance(answer["answer"], str) and 0.0 <= answer["score"] <= 1.0
    check_source(answer["source"], seed_texts)
    assert seed_texts[answer["source"]["doc_id"]][answer["source"]["start"] : answer["source"]["end"]] == answer["answer"]
    for evidence in answer["evidence"]:
        check_source(evidence, seed_texts)
        assert seed_texts[evidence["doc_id"]][evidence["start"] : evidence["end"]] == answer["answer"]


@pytest.mark.slow
def test_batch_keeps_order_and_ids(built_index, seed_texts, tmp_path):
    home, _, _ = built_index
    batch = tmp_path / "questions.jsonl"
    lines = [{"id": 7, "question": "Who is the National Security Council spokesperson?"},
             {"id": "b", "question": "   "},
             {"id": 3, "question": "Where will negotiators meet again?"}]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8")
    result = qa("ask", "--batch", str(batch), "--json", "--index", str(home / "ix"), home=home)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [7, "b", 3, None]
    assert CONTRACT <= set(out[0]) and out[0]["answer"]
    assert "empty" in out[1]["error"] and out[1]["answer"] is None
    assert "line 4" in out[3]["error"]


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "the question is empty"),
    (["ask", "x" * 1001], "limit is 1000"),
    (["ask", "why?", "--index", "/nonexistent/ix"], "no index at"),
    (["index", "/nonexistent/folder", "--index", "/tmp/unused-ix"], "no such file or folder"),
    (["ask"], "give either a QUESTION or --batch"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = qa(*args, home=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_damaged_index_says_how_to_rebuild(tmp_path):
    directory = tmp_path / "ix"
    directory.mkdir()
    (directory / "manifest.json").write_text("{broken", encoding="utf-8")
    result = qa("ask", "why?", "--index", str(directory), home=tmp_path)
    assert result.returncode == 2
    assert "damaged" in result.stderr and "qa index PATH --index" in result.stderr


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "docs").mkdir()
    result = qa("index", str(tmp_path / "docs"), "--index", str(tmp_path / "ix"), home=tmp_path)
    assert result.returncode == 2 and "no readable" in result.stderr
