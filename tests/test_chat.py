"""The chat functions: answer first with the span marked, literal rendering, uploads, follow-ups."""

import re
from types import SimpleNamespace

import pytest

from qa.models import Answer, Source
from qa.ui import chat
from qa.ui.render import answer_html, confidence_words, literal

PAYLOAD = ("Mallory wrote <script>window.pwned=1</script> and <img src=x onerror=alert(1)> "
           "plus [a link](javascript:alert(2)) and **bold**. The launch code is 4242.")


def test_literal_leaves_no_markup():
    rendered = literal(PAYLOAD)
    assert not re.search(r"[<>\[\]()*]", rendered)
    assert "Mallory wrote " in rendered


def test_answer_html_marks_the_span_and_escapes_document_text(hash_embedder):
    from qa.index.documents import make_document
    from qa.index.store import SentenceIndex

    index, _ = SentenceIndex.build([make_document("evil.md", PAYLOAD)], hash_embedder)
    start = PAYLOAD.index("4242")
    sentence_start = PAYLOAD.index("The launch")
    source = Source(doc_id="evil.md", start=start, end=start + 4, sentence=PAYLOAD[sentence_start:],
                    sentence_start=sentence_start, sentence_end=len(PAYLOAD))
    html = answer_html(Answer(question="code?", answer="4242", score=0.9, source=source, evidence=[source]), index)
    assert "<mark>4242</mark>" in html
    assert html.index("qa-short") < html.index("qa-source")  # the answer comes first
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert "high confidence" in html and "1 source" in html
    none = answer_html(Answer(question="q", answer=None, score=0.1, source=None, evidence=[source]), index)
    assert "do not contain an answer" in none and "<mark>" not in none


def test_confidence_in_words():
    assert confidence_words(0.95).startswith("high")
    assert confidence_words(0.6).startswith("fairly")
    assert confidence_words(0.1).startswith("low")


def test_upload_accepts_text_and_rejects_the_rest_without_paths(tmp_path, monkeypatch):
    built = {}
    fake = SimpleNamespace(index=SimpleNamespace(documents={}))
    monkeypatch.setattr(chat.Assistant, "from_texts", classmethod(lambda cls, texts: built.update(texts) or fake))
    good = tmp_path / "notes.md"
    good.write_text("Our office is in Lisbon.", encoding="utf-8")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    big = tmp_path / "big.txt"
    big.write_text("a" * (chat.MAX_UPLOAD_BYTES + 1), encoding="utf-8")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    session, message, _ = chat.upload([str(good), str(latin), str(big), str(exe)], chat.ChatSession())
    assert built == {"notes.md": "Our office is in Lisbon."}
    assert session.assistant is fake
    assert "Indexed 1 document" in message and "not UTF&#45;8" in message and "over the 1 MB limit" in message
    assert str(tmp_path) not in message and "tool&#46;exe" in message


@pytest.mark.slow
def test_respond_answers_follow_ups_and_reports_errors():
    from qa import Assistant

    session = chat.ChatSession(assistant=Assistant.from_texts({
        "a.txt": "President Biden said that an invasion could come in February, according to Emily Horne.",
        "b.txt": "The museum opens at nine in the morning.",
    }))
    history, session, cleared = chat.respond("When could an invasion come?", session)
    assert cleared == "" and history[-1]["role"] == "assistant" and "<mark>" in history[-1]["content"]
    history, session, _ = chat.respond("and who said that?", session)
    assert len(history) == 4
    history, session, _ = chat.respond("   ", session)
    assert "question is empty" in history[-1]["content"]
    seeds, message, cleared_history, docs = chat.back_to_seeds(session)
    assert seeds.assistant is None and cleared_history == []
