"""The `qa` command line: JSON contract, batch mode, indexing, and one-line errors with exit 2."""

import json
import os
import subprocess
import sys

import pytest

from conftest import SEEDS

CONTRACT = {"question", "answer", "score", "source", "evidence", "alternatives", "resolved_date", "read_as"}
SOURCE_KEYS = {"doc_id", "start", "end", "sentence", "sentence_start", "sentence_end", "page", "date", "date_source", "context"}


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
    assert source["page"] is None  # text files have no pages


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
    for other in answer["alternatives"]:
        assert set(other) == {"answer", "score", "source"} and other["score"] <= answer["score"]
        check_source(other["source"], seed_texts)
        assert seed_texts[other["source"]["doc_id"]][other["source"]["start"] : other["source"]["end"]] == other["answer"]


@pytest.mark.slow
def test_batch_gives_every_line_one_answer_in_order_with_its_id(built_index, seed_texts, tmp_path):
    home, _, _ = built_index
    batch = tmp_path / "questions.jsonl"
    lines = [json.dumps({"id": 7, "question": "Who is the National Security Council spokesperson?"}).encode(),
             json.dumps({"id": "b", "question": "   "}).encode(),
             json.dumps({"id": 3, "question": 42}).encode(),
             b'{"id": 4, "question": "\\ud800 x?"}',  # a lone surrogate, escaped in JSON
             b"",
             b"not json",
             '{"id": 6, "question": "caf\xe9?"}'.encode("latin-1"),
             json.dumps({"id": 8, "question": "Where will negotiators meet again?"}).encode()]
    batch.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    result = qa("ask", "--batch", str(batch), "--json", "--index", str(home / "ix"), home=home)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [7, "b", 3, 4, None, None, None, 8]
    assert CONTRACT <= set(out[0]) and out[0]["answer"] and out[-1]["answer"]
    assert "empty" in out[1]["error"] and out[1]["answer"] is None
    assert "line 3" in out[2]["error"] and "question" in out[2]["error"]
    assert "error" not in out[3] and out[3]["question"] == "\ufffd x?"
    assert "line 5: blank line" in out[4]["error"] and "line 6: not JSON" in out[5]["error"]
    assert "line 7: not UTF-8" in out[6]["error"]


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "the question is empty"),
    (["ask", "\u200b\u202e \t"], "the question is empty"),
    (["ask", "x" * 1001], "limit is 1000"),
    (["ask", "why?", "--index", "/nonexistent/ix"], "no index at"),
    (["index", "/nonexistent/folder", "--index", "/tmp/unused-ix"], "no such file or folder"),
    (["ask"], "give either a QUESTION or --batch"),
    (["serve", "--port", "99999"], "not a port number"),
    (["serve", "--host", "no-such-host.invalid"], "not an address or host name"),
    (["index", "x", "--index", "/tmp/unused-ix", "--model", "/nonexistent"], "embedding model '/nonexistent'"),
    (["ask", "why?", "--model", "/nonexistent", "--index", "/tmp/unused-ix"], "embedding model '/nonexistent'"),
    (["frobnicate"], "invalid choice"),
    (["ask", "why?", "--model", "/some/model"], "give that index with --index"),
    (["eval", "--reader", "/nonexistent/reader"], "has no calibration.json"),
    (["index", "x", "--index", "/tmp/unused-ix", "--actors", "2"], "give --ray too"),
    (["index", "x", "--index", "/tmp/unused-ix", "--ray", "--actors", "0"], "not a positive whole number"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = qa(*args, home=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "faiss", "onnxruntime")


def heavy_imports(*args: str) -> tuple[int, list[str], str]:
    """`qa *args` run in a fresh interpreter: its exit code, the heavy libraries it had imported by
    then, and what it said."""
    probe = ("import json, sys, qa, qa.cli\n"
             f"try:\n    code = qa.cli.main({list(args)!r})\nexcept SystemExit as exit:\n    code = exit.code\n"
             f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    code, imported = json.loads(result.stdout.strip().splitlines()[-1])
    return code, imported, result.stderr


def test_a_port_already_taken_is_refused_before_any_model_loads():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, imported, said = heavy_imports("serve", "--port", str(taken.getsockname()[1]))
    assert code == 2 and "pick another port" in said and len(said.strip().splitlines()) == 1
    assert imported == []  # refused before the web framework or any model was even imported


def test_help_and_input_errors_import_no_heavy_library():
    for args in (["ask", ""], ["--help"], ["ask", "--help"]):
        code, imported, said = heavy_imports(*args)
        assert code in (0, 2) and imported == [], (args, said)


@pytest.mark.slow
def test_pdf_word_and_html_are_answered_from_with_exact_offsets_and_the_pdf_page(tmp_path):
    from docx import Document as WordDocument

    from conftest import make_pdf
    from qa.index.readers import extract_text

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(make_pdf([["Annual report of the port authority.", "Ships arrived all year."],
                                                 ["The harbour master is Ingrid Solberg.", "She was appointed in May."]]))
    word = WordDocument()
    word.add_paragraph("The lighthouse was painted in the colour teal last spring.")
    word.save(docs / "works.docx")
    (docs / "news.html").write_text("<nav>Home NAVIGATION</nav><main><p>The ferry to the island leaves at seven "
                                    "fifteen every morning.</p></main><footer>Contact FOOTER</footer>", encoding="utf-8")
    built = qa("index", str(docs), "--index", str(tmp_path / "ix"), home=tmp_path)
    assert built.returncode == 0 and "indexed 3 documents" in built.stdout, built.stderr
    texts = {p.name: extract_text(p.read_bytes(), p.suffix, p.name).text for p in docs.iterdir()}
    for question, doc_id, page in [("Who is the harbour master?", "report.pdf", 2),
                                   ("What colour was the lighthouse painted?", "works.docx", None),
                                   ("When does the ferry leave?", "news.html", None)]:
        result = qa("ask", question, "--index", str(tmp_path / "ix"), "--json", home=tmp_path)
        answer = json.loads(result.stdout)
        assert answer["answer"] and answer["source"]["doc_id"] == doc_id and answer["source"]["page"] == page, answer
        source = answer["source"]
        assert texts[doc_id][source["start"] : source["end"]] == answer["answer"]
        assert texts[doc_id][source["sentence_start"] : source["sentence_end"]] == source["sentence"]
    nothing = qa("ask", "What does the footer say about contact?", "--index", str(tmp_path / "ix"), "--json", home=tmp_path)
    assert "FOOTER" not in nothing.stdout and "NAVIGATION" not in nothing.stdout  # boilerplate was never indexed


def test_an_old_json_index_says_rebuild_in_one_line_and_exit_2(tmp_path):
    directory = tmp_path / "ix"
    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps({"format_version": 1, "model": "m", "documents": 0, "sentences": 0}))
    for name in ("documents.json", "sentences.json", "vectors.faiss"):  # the four files that prove an old index
        (directory / name).write_text("{}")
    result = qa("ask", "why?", "--index", str(directory), home=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "earlier version" in result.stderr and f"rebuild it with: qa index PATH --index {directory}" in result.stderr


def test_damaged_index_says_how_to_rebuild(tmp_path):
    directory = tmp_path / "ix"
    directory.mkdir()
    (directory / "index.sqlite").write_bytes(b"{broken" * 200)
    result = qa("ask", "why?", "--index", str(directory), home=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "damaged" in result.stderr and "qa index PATH --index" in result.stderr


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "docs").mkdir()
    result = qa("index", str(tmp_path / "docs"), "--index", str(tmp_path / "ix"), home=tmp_path)
    assert result.returncode == 2 and "no readable" in result.stderr


@pytest.mark.slow
def test_prepare_builds_the_seeds_index_before_any_question(tmp_path):
    result = qa("prepare", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "prepared" in result.stdout and any((tmp_path / "seeds-index").iterdir())


def test_index_refuses_a_folder_of_the_users_files_and_keeps_them(tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "thesis.txt").write_text("Four years of my work.")
    result = qa("index", str(SEEDS), "--index", str(folder), home=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "holds files that are not part of an index (thesis.txt)" in result.stderr and "v-index" in result.stderr
    result = qa("index", str(folder), "--index", str(folder), home=tmp_path)
    assert result.returncode == 2 and "thesis.txt" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["thesis.txt"] and (folder / "thesis.txt").read_text() == "Four years of my work."
    result = qa("ask", "what is it?", "--index", str(folder), home=tmp_path)
    assert result.returncode == 2 and "a folder of other files" in result.stderr and "v-index" in result.stderr


@pytest.mark.slow
def test_a_date_given_at_indexing_resolves_next_month(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEEDS.glob("*.txt"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    undated = sorted(p.name for p in corpus.iterdir())[0]  # the seed article without a date of its own
    result = qa("index", str(corpus), "--index", str(tmp_path / "ix"), "--date", f"{undated}=2022-01-26", home=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(qa("ask", "when could Russia invade?", "--index", str(tmp_path / "ix"), "--json", home=tmp_path).stdout)
    assert "next month" in answer["answer"] and answer["source"]["date_source"] == "given by you"
    resolved = answer["resolved_date"]
    assert (resolved["label"], resolved["start"], resolved["end"]) == ("February 2022", "2022-02-01", "2022-02-28")
    assert resolved["anchor"] == "2022-01-26" and "given by you" in resolved["anchor_source"]
    seeds = json.loads(qa("ask", "when could Russia invade?", "--json", home=tmp_path).stdout)  # no date given
    assert seeds["resolved_date"]["label"] == "February 2022" and seeds["source"]["date"] == seeds["resolved_date"]["anchor"]
    assert any("next month" in other["answer"] for other in seeds["alternatives"])  # the relative one stays offered
    bad = qa("index", str(corpus), "--index", str(tmp_path / "ix"), "--date", "2022-13-01", home=tmp_path)
    assert bad.returncode == 2 and "not a date" in bad.stderr


# ---- with a small in-memory assistant (hash embedder, a reader that reads names): no models -----------
TEXTS = {"harbour/tides.txt": "The harbour master is Ada Lovelace.\nThe tide is high at noon.",
         "harbour/boats.txt": "The boat captain is Grace Hopper.",
         "town/mayor.txt": "The mayor is Alan Turing."}


class NameReader:
    """Reads every "First Last" name of the passages given, the best-retrieved passage's first."""

    def warm_up(self):
        pass

    def read(self, question, passages, top_n=5):
        import re

        from qa.models import ReaderSpan

        return [ReaderSpan(doc_id=passage.doc_id, start=passage.start + found.start(), end=passage.start + found.end(),
                           text=found.group(), log_prob=-0.1 - passage.rank, no_answer_log_prob=-5.0, passage=passage)
                for passage in passages for found in re.finditer(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", passage.text)]


@pytest.fixture
def small_assistant(hash_embedder):
    from qa.assistant import Assistant
    from qa.confidence import FEATURES, Confidence
    from qa.index.documents import make_document
    from qa.index.store import SentenceIndex

    index, _ = SentenceIndex.build([make_document(d, t) for d, t in TEXTS.items()], hash_embedder)
    confidence = Confidence(features=list(FEATURES), weights=[1.0, 0.0, 0.0, 0.0], bias=2.0, threshold=0.1)
    return Assistant(index, hash_embedder, reader=NameReader(), confidence=confidence, k=1)


def test_asking_within_named_documents_or_a_folder(small_assistant, monkeypatch):
    from qa.errors import UnknownDocumentError
    from qa.index import retriever

    monkeypatch.setattr(retriever, "CANDIDATES", 1)  # one candidate a ranking: a filter must look deeper
    assert small_assistant.ask("Who is the mayor?").source.doc_id == "town/mayor.txt"
    within = small_assistant.ask("Who is the mayor?", documents=["harbour/"])
    assert within.answer and within.source.doc_id.startswith("harbour/")
    assert all(hit.doc_id.startswith("harbour/") for hit in small_assistant.retrieve("Who is the mayor?",
                                                                                     documents=frozenset({"harbour/boats.txt"})))
    named = small_assistant.ask("Who is the mayor?", documents=["harbour/boats.txt"])
    assert (named.answer, named.source.doc_id) == ("Grace Hopper", "harbour/boats.txt")
    with pytest.raises(UnknownDocumentError, match="did you mean 'harbour/boats.txt'"):
        small_assistant.ask("Who is the mayor?", documents=["harbour/boat.txt"])
    with pytest.raises(UnknownDocumentError, match="no folder 'habour/'.*'harbour/'"):
        small_assistant.ask("Who is the mayor?", documents=["habour/"])


def test_qa_ask_doc_and_within(small_assistant, monkeypatch, capsys):
    import qa.cli

    monkeypatch.setattr(qa.cli, "_assistant", lambda args: small_assistant)
    assert qa.cli.main(["ask", "Who is the mayor?", "--within", "harbour", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"]["doc_id"].startswith("harbour/")
    assert qa.cli.main(["ask", "Who is the mayor?", "--doc", "harbour/boats.txt", "--doc", "town/mayor.txt", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "Alan Turing"
    assert qa.cli.main(["ask", "Who is the mayor?", "--doc", "mayor.txt"]) == 2
    assert "error: no document 'mayor.txt'" in capsys.readouterr().err


def test_a_batch_line_that_cannot_be_read_gets_an_error_and_the_others_their_answers(small_assistant, monkeypatch,
                                                                                     capsys, tmp_path):
    import qa.cli

    monkeypatch.setattr(qa.cli, "_assistant", lambda args: small_assistant)
    batch = tmp_path / "questions.jsonl"
    lines = ['{"id": 1, "question": "Who is the mayor?"}', "[" * 100_000, '{"id": NaN, "question": "Who is the mayor?"}',
             '{"id": Infinity, "question": "Who is the mayor?"}', '{"id": 1e999, "question": "Who is the mayor?"}',
             "null", "", '"Who is the mayor?"', '{"id": 9, "question": "Who is the boat captain?"}']
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert qa.cli.main(["ask", "--batch", str(batch), "--json"]) == 0

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    out = [json.loads(line, parse_constant=no_constants) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines) and out[0]["answer"] == "Alan Turing" and out[-1]["answer"] == "Grace Hopper"
    assert "line 2: JSON nested too deeply" in out[1]["error"]
    assert all(o["id"] is None and "id is not valid JSON" in o["error"] for o in out[2:5])
    assert "line 6: null is not an object with a question" in out[5]["error"]
    assert "line 7: blank line" in out[6]["error"] and "a string is not an object" in out[7]["error"]


BATCH_TO_A_CLOSED_PIPE = """
import sys
import qa.cli
from qa.models import Answer

class Answering:
    def chosen(self, documents):
        return None

    def ask(self, question, documents=None):
        return Answer(question=question, answer="yes", score=0.9, source=None, evidence=[])

qa.cli._assistant = lambda args: Answering()
sys.exit(qa.cli.main(["ask", "--batch", sys.argv[1], "--json"]))
"""


def test_output_to_a_reader_that_leaves_ends_quietly(tmp_path):
    batch = tmp_path / "questions.jsonl"
    batch.write_text("".join(json.dumps({"id": n, "question": f"question {n}?"}) + "\n" for n in range(20_000)))
    process = subprocess.Popen([sys.executable, "-c", BATCH_TO_A_CLOSED_PIPE, str(batch)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert json.loads(process.stdout.readline())["id"] == 0  # `| head -1`
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141 and stderr == ""


def test_chat_commands_are_never_asked(small_assistant, monkeypatch, capsys):
    import io

    import qa.cli

    asked = []
    ask = small_assistant.ask
    monkeypatch.setattr(small_assistant, "ask", lambda question, **options: asked.append(question) or ask(question, **options))
    monkeypatch.setattr(qa.cli, "_assistant", lambda args: small_assistant)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n/frobnicate\nWho is the mayor?\n/QUIT\nWho is it?\n"))
    assert qa.cli.main(["chat"]) == 0
    out = capsys.readouterr().out
    assert asked == ["Who is the mayor?"] and "Alan Turing" in out
    assert "unknown command /frobnicate" in out and all(command in out for command in ("/new", "/quit", "/help"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who is the mayor?\n"))
    assert qa.cli.main(["chat", "--doc", "harbour/boats.txt"]) == 0
    assert "Grace Hopper" in capsys.readouterr().out


def test_chat_in_a_terminal_has_line_editing(small_assistant, monkeypatch):
    import io

    import qa.cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delitem(sys.modules, "readline", raising=False)
    monkeypatch.setattr(qa.cli, "_assistant", lambda args: small_assistant)
    monkeypatch.setattr(sys, "stdin", Terminal("/quit\n"))
    assert qa.cli.main(["chat"]) == 0
    assert "readline" in sys.modules or sys.platform == "win32"


class TerminalErr:
    """Standard error as a terminal sees it (tqdm draws only on a terminal)."""

    def __init__(self):
        self.written = []

    def isatty(self):
        return True

    def write(self, text):
        self.written.append(text)

    def flush(self):
        pass


def test_progress_shows_only_work_done_with_the_time_left(monkeypatch):
    from qa.cli import progress_bar

    stderr = TerminalErr()
    monkeypatch.setattr(sys, "stderr", stderr)
    with progress_bar("indexing the seeds (first use only)") as progress:
        progress("embedding", 0, 0)  # an index that is up to date: nothing to do, nothing shown
    assert "".join(stderr.written) == ""
    with progress_bar("") as progress:
        for done in range(1, 4):
            progress("reading documents", done, 3)
    shown = "".join(stderr.written)
    assert "reading documents" in shown and "3/3" in shown and "<" in shown  # tqdm's [elapsed<left]


def test_an_up_to_date_index_opens_without_a_progress_bar(tmp_path, hash_embedder, monkeypatch):
    from qa.assistant import build_or_update
    from qa.cli import progress_bar
    from qa.index.documents import make_document

    documents = [make_document(d, t) for d, t in TEXTS.items()]
    build_or_update(documents, hash_embedder, tmp_path / "ix")
    stderr = TerminalErr()
    monkeypatch.setattr(sys, "stderr", stderr)
    with progress_bar("indexing the seeds (first use only)") as progress:
        build_or_update(documents, hash_embedder, tmp_path / "ix", progress)
    assert "".join(stderr.written) == ""


def test_a_first_build_reports_each_file_and_each_chunk_of_sentences(hash_embedder, monkeypatch):
    from qa.index import build, store
    from qa.index.documents import make_document

    monkeypatch.setattr(store, "EMBED_CHUNK", 1)
    seen = []
    documents = [make_document(d, t) for d, t in TEXTS.items()]
    list(build.embedded_documents(iter(documents), hash_embedder, len(documents), lambda *event: seen.append(event)))
    reading = [event for event in seen if event[0] == build.READING]
    embedding = [event for event in seen if event[0] == build.EMBEDDING]
    assert reading == [(build.READING, n, 3) for n in (1, 2, 3)]  # each file as it is read, before its batch is embedded
    assert [done for _, done, _ in embedding] == [1, 2, 3, 4] and all(total == 4 for _, _, total in embedding)
