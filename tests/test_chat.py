"""The chat functions: answer first with the span marked, literal rendering, uploads and the
controls that change what is searched, sessions that cannot overwrite each other's work."""

import html
import os
from datetime import date
import re
import threading
import time
from types import SimpleNamespace

import gradio as gr
import pytest

from conftest import HashEmbedder
from qa.index.documents import SUFFIXES, make_document
from qa.index.store import SentenceIndex
from qa.models import Alternative, Answer, Source
from qa.ui import chat
from qa.ui.render import answer_html, answer_text, confidence_words, literal, within_line
from qa.ui.sessions import SessionRegistry

MINUTES = {"minutes/2023.txt": "The board is chaired by Anna Berg. The board meets in Oslo every spring.",
           "minutes/2024.txt": "The board is chaired by Karl Holm since March. The board meets in Bergen.",
           "notes.txt": "The harbour of Tromso has four piers and an old lighthouse."}
PAYLOAD = ("Mallory wrote <script>window.pwned=1</script> and <img src=x onerror=alert(1)> "
           "plus [a link](javascript:alert(2)) and **bold**. The launch code is 4242.")


def tab(name: str = "tab-1") -> SimpleNamespace:
    """What gradio hands a handler as its request: the tab's session hash."""
    return SimpleNamespace(session_hash=name)


@pytest.fixture
def fresh_chat(monkeypatch, tmp_path):
    """Chat handlers over a fresh session registry, a hash embedder and a small home corpus."""
    monkeypatch.setattr(chat, "sessions", SessionRegistry())
    monkeypatch.setattr("qa.assistant.shared_embedder", lambda model=None: HashEmbedder())
    home = chat.Assistant.from_texts({"home.txt": "The home corpus talks about harbours and ships at sea."})
    monkeypatch.setattr(chat, "home_assistant", lambda: home)
    return home


def upload_file(folder, name: str, content: bytes | str) -> str:
    """A file where the web framework would put an upload: its own folder under the upload folder."""
    path = folder / f"upload-{len(list(folder.iterdir()))}" / name
    path.parent.mkdir()
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


def plain(markup: str) -> str:
    """What a person reads in the chat's HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def searched(name: str = "tab-1") -> list[str]:
    session = chat.sessions.get(name)
    return sorted(chat._current(session).index.document_ids())


def test_literal_leaves_no_markup():
    rendered = literal(PAYLOAD)
    assert not re.search(r"[<>\[\]()*]", rendered)
    assert "Mallory wrote " in rendered


def test_invisible_controls_are_shown_by_name_and_cannot_reorder_text():
    rendered = literal("1234 \u202e5678 9\u202c and zero\u200bwidth")
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b-\u200f]", rendered)
    assert rendered.count("qa-ctl") == 3 and "U&#43;202E" in rendered and "U&#43;200B" in rendered


def test_answer_html_marks_the_span_shows_the_title_and_escapes_document_text():
    index, _ = SentenceIndex.build([make_document("evil.md", "# Field notes\n" + PAYLOAD)], HashEmbedder())
    text = index.document("evil.md").text
    start = text.index("4242")
    sentence_start = text.index("The launch")
    source = Source(doc_id="evil.md", start=start, end=start + 4, sentence=text[sentence_start:],
                    sentence_start=sentence_start, sentence_end=len(text))
    reply = answer_html(Answer(question="code?", answer="4242", score=0.9, source=source, evidence=[source]), index)
    assert "<mark>4242</mark>" in reply
    assert reply.index("qa-short") < reply.index("qa-source")  # the answer comes first
    assert "Field notes (evil.md)" in plain(reply)  # title, then file name
    assert "<script" not in reply and "<img" not in reply and "javascript:" not in reply
    assert "high confidence" in reply and "1 source" in reply
    none = answer_html(Answer(question="q", answer=None, score=0.1, source=None, evidence=[source]), index)
    assert "do not contain an answer" in none and "<mark>" not in none
    assert "Read as" not in reply + none
    respelt = answer_html(Answer(question="<b>cdoe</b>?", answer=None, score=0.1, source=None, evidence=[source],
                                 read_as="<b>code</b>?"), index)
    assert respelt.index(f"Read as: {literal('<b>code</b>?')}") < respelt.index("do not contain")  # shown first, literally
    other = Alternative(answer="launch code", score=0.2, source=source.model_copy(update={
        "start": text.index("launch code"), "end": text.index("launch code") + 11}))
    unsure = answer_html(Answer(question="code?", answer="4242", score=0.5, source=source, evidence=[source],
                                alternatives=[other]), index)
    folded = unsure[unsure.index("<details class='qa-alternatives'>"):]
    from qa.dates import resolve
    dated = answer_html(Answer(question="when?", answer="next month", score=0.9, source=source, evidence=[source],
                               resolved_date=resolve("next month", date(2022, 1, 28), "could invade next month")), index)
    assert "next month</span> <span class='qa-date'" in dated and "&#8594; February 2022" in dated
    assert "Other possible answers (1)" in folded and "<mark>launch code</mark>" in folded and "20% likely right" in folded


def test_a_reply_carries_itself_as_text_one_part_a_line_for_the_copy_button():
    index, _ = SentenceIndex.build([make_document("notes.md", "# Field notes\nThe launch code is 4242.\nThe pier is \u202eold.")],
                                   HashEmbedder())
    text = index.document("notes.md").text
    code, pier = text.index("4242"), text.index("The pier")
    source = Source(doc_id="notes.md", start=code, end=code + 4, sentence="The launch code is 4242.",
                    sentence_start=text.index("The launch"), sentence_end=code + 5)
    other = Source(doc_id="notes.md", start=pier, end=pier + 8, sentence=text[pier:], sentence_start=pier, sentence_end=len(text))
    answer = Answer(question="code?", answer="4242", score=0.9, source=source, evidence=[source],
                    alternatives=[Alternative(answer="The pier", score=0.2, source=other)])
    assert answer_text(answer, index).split("\n") == [
        "4242", "high confidence (90% likely right) · 1 source",
        "Source: Field notes (notes.md): “The launch code is 4242.”",
        "Other possible answers (1):",
        "- The pier (20% likely right). Source: Field notes (notes.md): “The pier is [U+202E]old.”"]
    none = Answer(question="q", answer=None, score=0.1, source=None, evidence=[source], read_as="the q")
    assert answer_text(none, index).split("\n")[:3] == ["Read as: the q", "The documents do not contain an answer to this.",
                                                        "Closest passages considered:"]
    reply = answer_html(answer, index)
    hidden = reply[reply.index("<div class='qa-plain'>"):]
    assert plain(hidden) == answer_text(answer, index) and "<" not in html.unescape(hidden[22:-12])  # text only, literally
    assert ".qa-plain { display: none; }" in chat.CSS and ".qa-plain" in chat.COPY_AS_TEXT


def test_confidence_in_words():
    assert confidence_words(0.95).startswith("high")
    assert confidence_words(0.6).startswith("fairly")
    assert confidence_words(0.1).startswith("low")


def test_upload_accepts_text_rejects_the_rest_with_reasons_and_deletes_every_upload(fresh_chat, tmp_path):
    files = [upload_file(tmp_path, "notes.md", "Our office is in Lisbon, near the river."),
             upload_file(tmp_path, "latin.txt", "caf\xe9".encode("latin-1")),
             upload_file(tmp_path, "big.txt", "a " * chat.MAX_UPLOAD_BYTES),
             upload_file(tmp_path, "tool.exe", b"MZ"),
             upload_file(tmp_path, "report.pdf", b"%PDF-1.4 broken")]
    message, documents = map(plain, chat.upload(files, tab()))
    assert searched() == ["notes.md"]
    assert "Added notes.md" in message and "not UTF-8" in message and "over the 5 MB limit" in message
    assert f"tool.exe: only {' '.join(SUFFIXES)} files" in message and "report.pdf: a damaged PDF" in message
    assert str(tmp_path) not in message and "Our office is in Lisbon" in documents
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing uploaded stays on disk


def test_uploads_add_up_and_same_names_are_both_kept(fresh_chat, tmp_path):
    first = [upload_file(tmp_path, "notes.txt", "Alpha team meets on Monday mornings.")]
    chat.upload(first, tab())
    second = [upload_file(tmp_path, "notes.txt", "Beta team meets on Friday evenings."),
              upload_file(tmp_path, "notes?.txt", "Gamma team meets on Sunday at noon."),
              upload_file(tmp_path, "notes*.txt", "Delta team never meets at all, sadly."),
              upload_file(tmp_path, "notes.exe", b"MZ")]
    chat.upload(second, tab())
    assert searched() == ["notes (2).txt", "notes.txt", "notes_ (2).txt", "notes_.txt"]
    again, _ = chat.upload([upload_file(tmp_path, "copy.txt", "Beta team meets on Friday evenings.")], tab())
    assert "already added" in again and len(searched()) == 4
    listed = first + second + [upload_file(tmp_path, "late.txt", "Epsilon team meets daily.")]
    message = plain(chat.upload(listed, tab())[0])  # the file list shows earlier files too: only the new one is read
    assert message == "Added late.txt (1 sentence)." and len(searched()) == 5
    assert searched("tab-2") == ["home.txt"]  # another tab is untouched


def test_files_over_the_limit_at_a_time_are_named(fresh_chat, tmp_path, monkeypatch):
    monkeypatch.setattr(chat, "MAX_UPLOAD_FILES", 2)
    files = [upload_file(tmp_path, f"note-{n}.txt", f"Team {n} meets on day {n} of the month.") for n in range(5)]
    message = plain(chat.upload(files, tab())[0])
    assert "note-2.txt, note-3.txt and 1 more: over the limit of 2 files at a time; add them again once these are read" in message
    assert searched() == ["note-0.txt", "note-1.txt"]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_uploads_take_turns_on_a_lower_priority_worker_and_questions_never_wait_behind_them(fresh_chat, tmp_path, monkeypatch):
    reading, release, lock = [0, 0], threading.Event(), threading.Lock()
    niceness = []
    real_read = chat.read_document

    def slow_read(*args, **kwargs):
        with lock:
            reading[0] += 1
            reading[1] = max(reading)
        niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        release.wait(30)
        with lock:
            reading[0] -= 1
        return real_read(*args, **kwargs)

    monkeypatch.setattr(chat, "read_document", slow_read)
    uploads = [threading.Thread(target=chat.upload, args=([upload_file(tmp_path, f"{name}.txt", f"The {name} report is here.")],
                                                         tab(name))) for name in ("tab-a", "tab-b")]
    for thread in uploads:
        thread.start()
    while not niceness:
        time.sleep(0.01)
    asking = threading.Thread(target=chat.respond, args=("What about harbours?", tab("tab-c")))
    asking.start()
    asking.join(60)  # the uploads are still held: a question waiting behind them would still be waiting
    answered = not asking.is_alive()
    release.set()
    for thread in uploads:
        thread.join()
    assert answered and len(chat.sessions.get("tab-c").history) == 2
    assert reading[1] == 1  # two tabs' uploads took turns
    assert niceness[0] == min(os.getpriority(os.PRIO_PROCESS, 0) + chat.UPLOAD_NICENESS, 19)  # the worker runs `nice`
    assert searched("tab-a") == ["tab-a.txt"] and searched("tab-b") == ["tab-b.txt"]


def test_a_file_uploaded_again_is_said_to_be_there_already_and_nothing_else(fresh_chat, tmp_path):
    chat.upload([upload_file(tmp_path, "notes.txt", "Alpha team meets on Monday mornings.")], tab())
    again = upload_file(tmp_path, "notes.txt", "Alpha team meets on Monday mornings.")
    message = plain(chat.upload([again, again], tab())[0])  # the framework lists a re-uploaded file twice
    assert message == "No document was added. Not added: notes.txt: already added"


def test_a_date_set_in_the_chat_dates_the_tabs_documents_and_is_shown(fresh_chat, tmp_path):
    assert "Add your documents first" in plain(chat.set_dates("2022-01-28", tab())[0])
    chat.upload([upload_file(tmp_path, "notes.txt", "The pier opens next month, the council said.")], tab())
    message, documents = map(plain, chat.set_dates("notes.txt=2022-01-28", tab()))
    assert message == "Dated notes.txt: 2022-01-28." and "2022-01-28" in documents
    document = chat.sessions.get("tab-1").assistant.index.document("notes.txt")
    assert (document.date, document.date_source) == ("2022-01-28", "given by you")
    assert "not a date" in plain(chat.set_dates("notes.txt=28/01/2022", tab())[0])
    unknown = plain(chat.set_dates("other.txt=2022-01-28", tab())[0])
    assert "The date box names other.txt, which is not among your documents (notes.txt)" in unknown
    assert "--date" not in unknown  # the chat speaks of its own control, not of the command line's


def test_example_questions_are_offered_only_while_the_seeds_are_searched(fresh_chat, tmp_path, monkeypatch):
    assert chat.examples_box(tab()).visible is True
    chat.upload([upload_file(tmp_path, "notes.txt", "Alpha team meets on Monday mornings.")], tab())
    assert chat.examples_box(tab()).visible is False and chat.examples_box(tab("tab-2")).visible is True
    chat.back_to_seeds(tab())
    assert chat.examples_box(tab()).visible is True
    monkeypatch.setattr(chat, "_served_index", tmp_path / "team-index")  # `qa serve --index`: not the seeds
    assert chat.examples_box(tab()).visible is False


def test_back_to_the_seeds_is_offered_only_while_the_seeds_are_searched(monkeypatch, tmp_path):
    def reset_shown() -> bool:
        app = chat.build_app()
        return next(block for block in app.blocks.values() if getattr(block, "elem_id", None) == "qa-reset").visible

    assert reset_shown() is True
    monkeypatch.setattr(chat, "_served_index", tmp_path / "team-index")  # `qa serve --index`: no seeds there
    assert reset_shown() is False


def test_the_page_keeps_the_upload_box_in_view_and_shows_no_link_that_cannot_work():
    assert "#qa-documents { max-height: 22em; overflow-y: auto !important; }" in chat.CSS  # a big index's list scrolls
    assert "#qa-upload td.download { display: none; }" in chat.CSS  # uploads are deleted once read


def test_an_upload_over_the_sessions_sentence_budget_is_refused_with_the_reason(fresh_chat, tmp_path, monkeypatch):
    monkeypatch.setattr(chat, "MAX_SESSION_SENTENCES", 5)
    chat.upload([upload_file(tmp_path, "small.txt", "One short line here.\nAnother short line there.")], tab())
    sentences = "\n".join(f"Sentence number {n} is here." for n in range(10))
    message = plain(chat.upload([upload_file(tmp_path, "long.txt", sentences)], tab())[0])
    assert searched() == ["small.txt"]
    assert "10 sentences, over the 3 this tab may still add" in message and "qa index" in message


def test_an_upload_over_the_sessions_character_budget_is_refused_before_splitting(fresh_chat, tmp_path, monkeypatch):
    monkeypatch.setattr(chat, "MAX_SESSION_CHARS", 1_000)
    monkeypatch.setattr(chat, "answerable_sentences", lambda *a: pytest.fail("split a file over the character budget"))
    lines = "One real sentence is here.\n" + "word\n" * 400  # one sentence, yet 2,000 characters of work
    message = plain(chat.upload([upload_file(tmp_path, "lines.txt", lines)], tab())[0])
    assert "2,027 characters of text, over the 1,000 this tab may still add" in message
    assert searched() == ["home.txt"]


def test_removing_files_stops_searching_them(fresh_chat, tmp_path):
    first = upload_file(tmp_path, "a.txt", "Apples grow on trees in the orchard.")
    second = upload_file(tmp_path, "b.txt", "Bananas grow in warm countries far away.")
    chat.upload([first, second], tab())
    message, documents = map(plain, chat.remove_file(SimpleNamespace(file=SimpleNamespace(path=first)), tab()))
    assert searched() == ["b.txt"] and "Removed a.txt" in message and "Apples" not in documents
    chat.remove_all_files(tab())
    assert searched() == ["home.txt"]


def test_back_to_the_seeds_forgets_documents_file_list_and_conversation(fresh_chat, tmp_path):
    chat.upload([upload_file(tmp_path, "a.txt", "Apples grow on trees in the orchard.")], tab())
    chat.respond("Where do apples grow?", tab())
    status, history, file_list, documents = chat.back_to_seeds(tab())
    assert history == [] and file_list is None and searched() == ["home.txt"]
    assert chat.sessions.get("tab-1").history == [] and "home" in documents


def test_clearing_the_conversation_is_for_good(fresh_chat):
    chat.respond("What about harbours?", tab())
    assert chat.clear_conversation(tab()) == []
    history, cleared = chat.respond("And ships?", tab())
    assert len(history) == 2 and cleared == ""


def test_an_upload_finishing_during_an_answer_is_kept(fresh_chat, tmp_path, monkeypatch):
    """The answer to a question asked before the upload comes back after it: the upload must survive."""
    slow_home = SimpleNamespace(index=fresh_chat.index,
                                ask=lambda q, context=None: time.sleep(0.5) or Answer(question=q, answer=None, score=0.0,
                                                                                     source=None, evidence=[]))
    monkeypatch.setattr(chat, "home_assistant", lambda: slow_home)
    asking = threading.Thread(target=chat.respond, args=("Anything about ships?", tab()))
    asking.start()
    time.sleep(0.1)
    chat.upload([upload_file(tmp_path, "late.txt", "The late report mentions lighthouses on the coast.")], tab())
    asking.join()
    assert searched() == ["late.txt"]
    assert len(chat.sessions.get("tab-1").history) == 2


def test_replies_never_leave_the_tab_waiting(fresh_chat, monkeypatch):
    history, _ = chat.respond("x" * 2_000_000, tab())
    assert "limit is 1000" in history[-1]["content"] and len(history[-2]["content"]) < 10_000  # no megabyte echo
    broken = SimpleNamespace(index=fresh_chat.index, ask=lambda q, context=None: 1 / 0)
    monkeypatch.setattr(chat, "home_assistant", lambda: broken)
    history, _ = chat.respond("Will this fail?", tab())
    assert "could not be answered" in history[-1]["content"]


@pytest.fixture
def minutes(fresh_chat, monkeypatch):
    """A home corpus with a folder of two documents beside one document."""
    home = chat.Assistant.from_texts(MINUTES)
    monkeypatch.setattr(chat, "home_assistant", lambda: home)
    return home


def test_ask_within_offers_folders_and_documents_and_each_tab_keeps_its_own_choice(minutes):
    box, said = chat.within_box(tab())
    assert box.choices == [("minutes/ (2 documents)", "minutes/"), ("minutes/2023.txt", "minutes/2023.txt"),
                           ("minutes/2024.txt", "minutes/2024.txt"), ("notes.txt", "notes.txt")]
    assert box.value == [] and plain(said) == "Asking all 3 documents."
    box, said = chat.choose_within(["minutes/", "notes.txt", "minutes/"], tab())
    assert chat.sessions.get("tab-1").within == ["minutes/", "notes.txt"] and plain(said) == "Asking within 3 of 3 documents."
    assert box == gr.skip()  # the list shows the choice already
    box, said = chat.choose_within(["notes.txt"], tab())
    assert chat.sessions.get("tab-1").within == ["notes.txt"] and plain(said) == "Asking within 1 of 3 documents."
    box, said = chat.choose_within(["notes.txt", "minuets/"], tab())  # a typed name the corpus lacks
    assert plain(said) == "The choice is as it was: no folder 'minuets/' in the index; did you mean 'minutes/'?"
    assert box.value == ["notes.txt"] and chat.sessions.get("tab-1").within == ["notes.txt"]  # the list is put back
    assert chat.choose_within(box.value, tab()) == (gr.skip(), gr.skip())  # ... and that change leaves the reason in view
    box, said = chat.choose_within([f"doc-{n}.txt" for n in range(chat.MAX_WITHIN + 1)], tab())
    assert "At most 100 names at once" in plain(said) and box.value == ["notes.txt"]
    assert chat.within_box(tab())[0].value == ["notes.txt"]  # the page reloaded: the tab's choice, from its session
    assert chat.within_box(tab("tab-2"))[0].value == [] and chat.sessions.get("tab-2").within == []  # never shared
    assert not chat.sessions.get("tab-1").is_empty  # a session holding only a choice is not evicted first


def test_a_question_asked_within_documents_is_answered_from_them_and_says_so(minutes):
    chat.choose_within(["notes.txt"], tab())
    history, _ = chat.respond("Who chairs the board?", tab())
    reply = plain(history[-1]["content"])
    assert reply.startswith("Asked within notes.txt (1 document)") and "minutes/" not in reply
    everywhere = plain(chat.respond("Who chairs the board?", tab("tab-2"))[0][-1]["content"])
    assert "Asked within" not in everywhere and "minutes/20" in everywhere  # the other tab asks every document
    chat.choose_within(["minutes/"], tab())
    reply = plain(chat.respond("Where does the board meet?", tab())[0][-1]["content"])
    assert reply.startswith("Asked within minutes/ (2 documents)") and "notes.txt" not in reply


def test_the_choice_follows_uploads_a_removed_document_leaves_it(fresh_chat, tmp_path):
    chat.choose_within(["home.txt"], tab())
    first = upload_file(tmp_path, "a.txt", "Apples grow on trees in the orchard.")
    second = upload_file(tmp_path, "b.txt", "Bananas grow in warm countries far away.")
    chat.upload([first, second], tab())
    assert chat.sessions.get("tab-1").within == []  # the server's document is no longer searched
    chat.choose_within(["a.txt", "b.txt"], tab())
    chat.remove_file(SimpleNamespace(file=SimpleNamespace(path=first)), tab())
    box, said = chat.within_box(tab())
    assert chat.sessions.get("tab-1").within == ["b.txt"] and box.value == ["b.txt"] and box.choices == [("b.txt", "b.txt")]
    assert plain(chat.respond("Where do bananas grow?", tab())[0][-1]["content"]).startswith("Asked within b.txt (1 document)")
    chat.remove_all_files(tab())
    assert chat.sessions.get("tab-1").within == [] and chat.within_box(tab())[0].value == []
    chat.upload([upload_file(tmp_path, "c.txt", "Cherries ripen in early summer.")], tab())
    chat.choose_within(["c.txt"], tab())
    chat.back_to_seeds(tab())
    assert chat.sessions.get("tab-1").within == []


def test_a_big_index_lists_folders_first_up_to_a_cap_and_any_other_name_can_be_typed(fresh_chat, monkeypatch):
    monkeypatch.setattr(chat, "WITHIN_LISTED", 4)
    texts = {f"region-{r}/site-{s}.txt": f"Site {s} of region {r} has {r + s} wells." for r in range(3) for s in range(2)}
    home = chat.Assistant.from_texts(texts)
    monkeypatch.setattr(chat, "home_assistant", lambda: home)
    box, said = chat.within_box(tab())
    assert [name for _, name in box.choices] == ["region-0/", "region-1/", "region-2/", "region-0/site-0.txt"]
    assert "The first 4 names are listed: type any other id, or a folder ending in /" in plain(said)
    _, said = chat.choose_within(["region-2/site-1.txt"], tab())  # not listed, typed
    assert chat.sessions.get("tab-1").within == ["region-2/site-1.txt"] and plain(said).startswith("Asking within 1 of 6 documents.")
    monkeypatch.setattr(chat, "WITHIN_LISTED", 1_000)
    ids = [f"team-{n % 40}/report-{n}.txt" for n in range(50_000)]
    big = SimpleNamespace(index=SimpleNamespace(document_ids=lambda: ids))
    monkeypatch.setattr(chat, "home_assistant", lambda: big)
    box, said = chat.within_box(tab("tab-big"))
    assert len(box.choices) == 1_000 and box.choices[0] == ("team-0/ (1,250 documents)", "team-0/")
    assert box.choices[40] == ("team-0/report-0.txt", "team-0/report-0.txt") and "Asking all 50,000 documents." in plain(said)


def test_the_page_offers_ask_within_as_a_filterable_multiselect():
    app = chat.build_app()
    (within,) = [block for block in app.blocks.values() if getattr(block, "elem_id", None) == "qa-within"]
    assert within.multiselect and within.filterable and within.allow_custom_value and within.label == "Ask within"


def test_a_reply_asked_within_documents_names_them_first_in_html_and_text():
    assert within_line(["a.txt"], 1) == "Asked within a.txt (1 document)"
    assert within_line([f"{n}.txt" for n in range(7)], 40) == "Asked within 0.txt, 1.txt, 2.txt, 3.txt, 4.txt and 2 more (40 documents)"
    index, _ = SentenceIndex.build([make_document("<b>x</b>.txt", "Nothing to see here.")], HashEmbedder())
    answer = Answer(question="q", answer=None, score=0.1, source=None, evidence=[])
    line = within_line(["<b>x</b>.txt"], 1)
    assert answer_text(answer, index, line).split("\n")[0] == line
    reply = answer_html(answer, index, line)
    assert reply.startswith(f"<div class='qa-reply'><div class='qa-hint qa-within'>{literal(line)}</div>") and "<b>" not in reply


def test_a_call_without_a_session_gets_its_own_unkept_session_and_empty_sessions_make_room_first():
    registry = SessionRegistry(max_sessions=3)
    registry.get(None).history.append({"role": "user", "content": "secret"})
    assert registry.get(None).history == [] and registry.get("").history == [] and len(registry) == 0
    registry.get("tab").history.append({"role": "user", "content": "hello"})
    for number in range(10):
        registry.get(f"visitor-{number}")
    assert registry.get("tab").history == [{"role": "user", "content": "hello"}] and len(registry) == 3


def test_closed_and_idle_sessions_are_freed():
    registry = SessionRegistry(idle_seconds=60, max_sessions=3)
    registry.get("a").history.append({"role": "user", "content": "hi"})
    registry.drop("a")
    assert registry.get("a").history == [] and len(registry) == 1
    for name in "bcd":
        registry.get(name)
    assert len(registry) == 3  # "a", the oldest, made room
    idle = SessionRegistry(idle_seconds=0)
    idle.get("x")
    time.sleep(0.01)
    idle.get("y")
    assert len(idle) == 1


@pytest.mark.slow
def test_respond_answers_follow_ups_and_reports_errors(monkeypatch):
    from qa import Assistant

    monkeypatch.setattr(chat, "sessions", SessionRegistry())
    session = chat.sessions.get("tab-1")
    session.assistant = Assistant.from_texts({
        "a.txt": "President Biden said that an invasion could come in February, according to Emily Horne.",
        "b.txt": "The museum opens at nine in the morning.",
    })
    history, cleared = chat.respond("When could an invasion come?", tab())
    assert cleared == "" and history[-1]["role"] == "assistant" and "<mark>" in history[-1]["content"]
    history, _ = chat.respond("and who said that?", tab())
    assert len(history) == 4
    history, _ = chat.respond("   ", tab())  # a blank box sends nothing: no empty bubble, no error bubble
    assert len(history) == 4
