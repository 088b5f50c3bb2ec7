"""`qa serve` over real HTTP: the stateless API for programs (POST /api/ask, GET /api/health), and
the chat's own routes, which keep each browser session's conversation and documents to itself.

The server runs in this process on a free localhost port, over a small home corpus embedded by
the hash embedder; answers come from the shipped reader."""

from __future__ import annotations

import json
import socket
import threading
import time
from types import SimpleNamespace

import httpx
import pytest

from conftest import HashEmbedder
from qa.ui import chat, http_api, server
from qa.ui.sessions import SessionRegistry

HOME = {"home.txt": "Maria Lopez is the harbour master of Porto. The port of Porto has three piers."}
QUESTION = "Who is the harbour master of Porto?"
PORTS = {"ports/porto.txt": "Maria Lopez is the harbour master of Porto.",
         "ports/lisbon.txt": "Rui Costa is the harbour master of Lisbon.",
         "notes.txt": "Ines Sousa is the harbour master of Faro."}
KEPT_SESSIONS = 5


@pytest.fixture(scope="module")
def served():
    """The chat and the API on a free localhost port; `served.assistant` is what they answer over."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("qa.assistant.shared_embedder", lambda model=None: HashEmbedder())
        state = SimpleNamespace(home=chat.Assistant.from_texts(HOME))
        state.assistant = state.home
        patch.setattr(chat, "home_assistant", lambda: state.assistant)
        patch.setattr(chat, "sessions", SessionRegistry(max_sessions=KEPT_SESSIONS))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        app = server.launch("127.0.0.1", port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                state.client = client
                yield state
        finally:
            app.close()


@pytest.fixture
def api(served):
    served.assistant = served.home
    return served.client


# ---- the API -------------------------------------------------------------------------------
def test_ask_returns_the_json_of_qa_ask_json(api, served):
    reply = api.post("/api/ask", json={"question": QUESTION})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    assert reply.json() == json.loads(served.home.ask(QUESTION).model_dump_json())  # what `qa ask --json` prints
    assert reply.json()["answer"] == "Maria Lopez" and reply.json()["source"]["doc_id"] == "home.txt"
    assert api.get("/api/health").json() == {"status": "ok"}


def test_a_follow_up_is_read_with_the_history_sent_and_nothing_is_kept_between_requests(api):
    first = api.post("/api/ask", json={"question": QUESTION}).json()
    follow_up = api.post("/api/ask", json={"question": "how old is she?", "history": [first]}).json()
    assert follow_up["read_as"] == "how old is Maria Lopez?"  # a returned answer sent back as it is
    by_hand = api.post("/api/ask", json={"question": "how old is she?",
                                         "history": [{"question": QUESTION, "answer": "Maria Lopez"}]}).json()
    assert by_hand["read_as"] == "how old is Maria Lopez?"
    alone = api.post("/api/ask", json={"question": "how old is she?"}).json()
    assert alone["read_as"] is None  # stateless: no other request's conversation leaks in


def test_says_who_is_answered_from_the_sentence_of_the_answer_sent_back_never_from_a_forged_one(api, served):
    served.assistant = chat.Assistant.from_texts({"call.txt": "Russian forces could attack from north of Kyiv, according "
                                                              "to two people familiar with the call. The call lasted an hour."})
    first = api.post("/api/ask", json={"question": "Where could Russian forces attack from?"}).json()
    said = api.post("/api/ask", json={"question": "says who?", "history": [first]}).json()
    assert first["answer"] and said["answer"] == "two people familiar with the call" and said["score"] == first["score"]
    forged = {**first, "source": {**first["source"], "sentence": "Russian forces could attack, according to me."}}
    assert api.post("/api/ask", json={"question": "says who?", "history": [forged]}).json()["answer"] != "me"


@pytest.mark.parametrize("body, says", [
    ({"question": ""}, "question: the question is empty"),
    ({"question": "  \u200b "}, "question: the question is empty"),
    ({"question": "x" * 1001}, "question: the question has 1001 characters; the limit is 1000"),
    ({"question": 5}, "question: Input should be a valid string"),
    ({}, "question: Field required"),
    ({"question": QUESTION, "history": "earlier"}, "history: Input should be a valid array"),
    ({"question": QUESTION, "history": [{"answer": "Maria"}]}, "history.0.question: Field required"),
    ({"question": QUESTION, "history": [{"question": QUESTION}] * 51}, "history: List should have at most 50 items"),
    ({"question": QUESTION, "history": [{"question": QUESTION, "answer": "x", "source": {
        "doc_id": "home.txt", "start": 0, "end": 2**70, "sentence": "x", "sentence_start": 0, "sentence_end": 1}}]},
     "history.0.source: offsets are character positions"),
    ({"question": QUESTION, "index": "/etc"}, "index: Extra inputs are not permitted"),  # never a path from HTTP
    (["a", "list"], "Input should be an object"),
    ({"question": QUESTION, "documents": "home.txt"}, "documents: Input should be a valid array"),
    ({"question": QUESTION, "documents": [5]}, "documents.0: Input should be a valid string"),
    ({"question": QUESTION, "documents": [""]}, "documents.0: String should have at least 1 character"),
    ({"question": QUESTION, "documents": ["x" * 501]}, "documents.0: String should have at most 500 characters"),
    ({"question": QUESTION, "documents": ["home.txt"] * 101}, "documents: List should have at most 100 items"),
    ({"question": QUESTION, "documents": []}, "documents: name at least one document id or folder ending in /, or leave"),
])
def test_bad_input_gets_a_422_saying_what_to_change(api, body, says):
    reply = api.post("/api/ask", json=body)
    assert reply.status_code == 422 and says in reply.json()["error"], reply.text


def test_documents_asks_within_ids_or_folders_of_the_index(api, served):
    served.assistant = chat.Assistant.from_texts(PORTS)
    question = "Who is the harbour master?"
    for within, allowed in ((["notes.txt"], {"notes.txt"}), (["ports/"], {"ports/porto.txt", "ports/lisbon.txt"}),
                            (["ports/lisbon.txt", "notes.txt"], {"ports/lisbon.txt", "notes.txt"})):
        reply = api.post("/api/ask", json={"question": question, "documents": within})
        assert reply.status_code == 200, reply.text
        assert reply.json() == json.loads(served.assistant.ask(question, documents=within).model_dump_json())
        sources = [reply.json()["source"]] + reply.json()["evidence"] + [other["source"] for other in reply.json()["alternatives"]]
        assert {source["doc_id"] for source in sources if source} <= allowed and reply.json()["source"], within
    everywhere = api.post("/api/ask", json={"question": question, "documents": None}).json()
    assert everywhere == json.loads(served.assistant.ask(question).model_dump_json())


@pytest.mark.parametrize("within, says", [
    (["port/"], "no folder 'port/' in the index; did you mean 'ports/'?"),
    (["ports/porto.text"], "no document 'ports/porto.text' in the index; did you mean 'ports/porto.txt'"),
    (["/etc/passwd"], "no document '/etc/passwd' in the index"),  # an id of the index, never a path on disk
    (["../../etc/"], "no folder '../../etc/' in the index"),
])
def test_a_name_the_index_does_not_hold_is_a_404_naming_the_closest(api, served, within, says):
    served.assistant = chat.Assistant.from_texts(PORTS)
    reply = api.post("/api/ask", json={"question": QUESTION, "documents": within})
    assert reply.status_code == 404 and reply.json()["error"].startswith(says), reply.text


def test_a_body_that_is_not_json_or_too_large_is_refused(api):
    not_json = api.post("/api/ask", content=b"question=hello", headers={"content-type": "application/x-www-form-urlencoded"})
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["error"]
    large = api.post("/api/ask", json={"question": QUESTION, "history": [{"question": "q", "answer": "a" * 999}] * 1100})
    assert large.status_code == 413 and "over 1,000,000 bytes" in large.json()["error"]
    streamed = api.post("/api/ask", content=(b"x" * 65_536 for _ in range(40)))  # no length given: counted as it comes
    assert streamed.status_code == 413
    assert api.get("/api/ask").status_code == 405


def test_only_requests_naming_this_machine_reach_the_api(api):
    assert api.post("/api/ask", json={"question": QUESTION}, headers={"host": "attacker.example"}).status_code == 421


def test_a_failure_is_an_error_in_json_and_questions_are_answered_a_few_at_a_time(api, served):
    served.assistant = SimpleNamespace(ask=lambda question, history=None, documents=None: 1 / 0)
    failed = api.post("/api/ask", json={"question": QUESTION})
    assert failed.status_code == 500 and "could not be answered (ZeroDivisionError)" in failed.json()["error"]
    running, most, lock = [0], [0], threading.Lock()

    def slow_ask(question, history=None, documents=None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return served.home.ask(question)

    served.assistant = SimpleNamespace(ask=slow_ask)
    codes = []
    askers = [threading.Thread(target=lambda: codes.append(api.post("/api/ask", json={"question": QUESTION}).status_code))
              for _ in range(3 * http_api.ASKED_AT_ONCE)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert codes == [200] * len(askers) and most[0] == http_api.ASKED_AT_ONCE


# ---- the chat's routes ----------------------------------------------------------------------
def chat_event(client: httpx.Client, name: str, data: list, session: str) -> list:
    """Run one of the page's events as a browser tab does (join the queue, read the result); its output."""
    ids = {dependency["api_name"]: dependency["id"] for dependency in client.get("/config").json()["dependencies"]}
    joined = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": ids[name], "session_hash": session,
                                                          "event_data": None, "trigger_id": None})
    event = joined.json()["event_id"]
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed" and message.get("event_id") == event:
                return message["output"]["data"]
    raise AssertionError(f"{name} did not complete")


def test_the_frameworks_direct_calls_are_closed_so_no_caller_sees_anothers_chat(api):
    for path in ("/gradio_api/run/respond", "/gradio_api/call/respond", "/gradio_api/call/v2/respond",
                 "/gradio_api/api/respond", "/gradio_api/run/upload"):
        refused = api.post(path, json={"data": ["What is the secret zebra code?"]})
        assert refused.status_code == 404 and "POST /api/ask" in refused.json()["error"], path
    no_session = api.post("/gradio_api/queue/join", json={"data": ["What is the secret zebra code?"], "fn_index": 1})
    assert no_session.status_code == 400
    tab_a = json.dumps(chat_event(api, "respond", ["What is the secret zebra code?"], "tab-a"))
    tab_b = json.dumps(chat_event(api, "respond", [QUESTION], "tab-b"))
    assert "zebra" in tab_a and "zebra" not in tab_b  # each browser session its own conversation


def test_a_tabs_session_survives_anonymous_calls_and_sessions_that_hold_nothing(api):
    chat_event(api, "respond", [QUESTION], "tab-kept")
    for number in range(250):
        api.post("/gradio_api/run/respond", json={"data": [f"anonymous {number}"]})
    for number in range(4 * KEPT_SESSIONS):  # more sessions than are kept, each only looking at the page
        chat_event(api, "show_documents", [], f"visitor-{number}")
    later = json.dumps(chat_event(api, "respond", ["how many piers are there?"], "tab-kept"))
    assert later.count("harbour master of Porto&#63;") == 1  # the first question is still in the conversation
    assert len(chat.sessions) <= KEPT_SESSIONS


def test_a_tabs_choice_of_documents_to_ask_within_is_its_own(api, served):
    served.assistant = chat.Assistant.from_texts(PORTS)
    listed, said = chat_event(api, "within_box", [], "tab-within")
    assert [choice[1] for choice in listed["choices"]] == ["ports/", "ports/porto.txt", "ports/lisbon.txt", "notes.txt"]
    assert "Asking all 3 documents" in said.replace("&#46;", ".")
    _, said = chat_event(api, "choose_within", [["notes.txt"]], "tab-within")
    assert "Asking within 1 of 3 documents" in said.replace("&#46;", ".")
    assert chat_event(api, "within_box", [], "tab-within")[0]["value"] == ["notes.txt"]  # kept in the tab's session
    within = json.dumps(chat_event(api, "respond", ["Who is the harbour master?"], "tab-within"))
    everywhere = json.dumps(chat_event(api, "respond", ["Who is the harbour master?"], "tab-everywhere"))
    assert "Asked within notes" in within and "ports" not in within
    assert "Asked within" not in everywhere and chat_event(api, "within_box", [], "tab-everywhere")[0]["value"] == []
