"""The browser chat's page and event handlers: ask, see the answer with its sources, add or
remove your own documents, choose documents or folders to ask within.

Each tab's documents, conversation and choice of documents to ask within ("Ask within": ids,
or folders ending in "/"; a document removed leaves it) live in `ui.sessions` on the server,
found by the tab's session hash. Uploads are read once, deleted from disk as soon as they are
read, and held in memory only; what an upload may cost is bounded (files, bytes, sentences per session).
Uploads may be .txt, .md, .pdf, .docx or .html (see `index.readers`). Uploads are read and embedded
by one worker thread of lower priority, one upload at a time for the whole server: several tabs
uploading take turns there, and questions, answered on other threads, never wait behind them.

The chat's events are not an API (`ui.server` closes the routes that call them without a
browser session); programs use `ui.http_api`.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr

from qa.assistant import Assistant, default_assistant
from qa.conversation import turn_after
from qa.errors import CorpusError, QAError, UnknownDocumentError
from qa.index.documents import SUFFIXES, Document, read_document, unique_id, with_dates
from qa.index.sentences import answerable_sentences
from qa.text import MAX_QUESTION_CHARS
from qa.ui.render import answer_html, documents_html, literal, within_line
from qa.ui.sessions import ChatSession, SessionRegistry

MAX_UPLOAD_FILES = 20
MAX_UPLOAD_BYTES = 5_000_000
MAX_SESSION_SENTENCES = 3_000  # about half a minute of embedding on 2 CPU cores
MAX_SESSION_CHARS = 1_500_000  # text a tab may hold: bounds the splitting work however short its lines
UPLOAD_READ_SECONDS = 20  # reading one upload's text (PDF pages, HTML, Word) may take this long
FILE_LIST_PIXELS = 260  # the list of uploaded files scrolls beyond this
UPLOAD_NICENESS = 10  # how much lower than questions the upload worker runs (`nice`)
WITHIN_LISTED = 1_000  # names offered by "Ask within" (folders first); any other can be typed
MAX_WITHIN = 100  # names a tab may ask within at once
EXAMPLES = [
    "When could Russia invade Ukraine?",
    "How many Russian troops are near the border?",
    "Who is the National Security Council spokesperson?",
    "What did Zelenskyy and Biden discuss?",
]
CSS = """
.qa-short { font-size: 1.35em; font-weight: 700; }
.qa-meta { color: #555; margin: 2px 0 8px; font-size: 0.9em; }
.qa-source { border-left: 3px solid #7c9cff; padding: 4px 10px; margin: 6px 0; }
.qa-doc { font-weight: 600; font-size: 0.9em; }
.qa-file { color: #555; font-weight: 400; }
.qa-source blockquote { margin: 4px 0; border: none; padding: 0; }
.qa-source mark { background: #ffe066; padding: 0 2px; border-radius: 3px; }
.qa-short, .qa-source blockquote, .qa-source mark, .qa-source p, .qa-docs li, .qa-context, .qa-row th, .qa-row td {
  unicode-bidi: isolate; }
.qa-context { color: #555; font-size: 0.85em; }  /* the headings or slide title the source stands under */
.qa-row { overflow-x: auto; max-width: 100%; }  /* a table row: a wide one scrolls sideways, the page never widens */
.qa-row table { border-collapse: collapse; margin: 0; font-size: 0.9em; }
.qa-row th, .qa-row td { border: 1px solid #ccd; padding: 2px 6px; text-align: left; vertical-align: top;
  overflow-wrap: normal; word-break: normal; min-width: 4em; }  /* words kept whole */
.qa-row th { background: #f3f5fb; font-weight: 600; }
.qa-ctl { font-family: ui-monospace, monospace; font-size: 0.8em; color: #a00; }
.qa-hint { color: #555; font-size: 0.9em; margin-top: 4px; }
.qa-alternatives { margin-top: 8px; }
.qa-date { font-size: 1.1em; color: #2a5db0; font-weight: 600; }
#qa-upload .filename { overflow: visible; display: block; }
#qa-upload .filename .stem, #qa-upload .filename .ext { display: inline; }
#qa-upload .filename .stem { white-space: normal; overflow: visible; overflow-wrap: anywhere; text-overflow: clip; }
#qa-upload td.download { display: none; }  /* an upload is deleted once read: a link to it could only fail */
#qa-upload label[data-testid="block-label"] {  /* above the box, not over it, and clear of its buttons */
  position: static; white-space: normal; max-width: calc(100% - 4.5em); }
#qa-documents { max-height: 22em; overflow-y: auto !important; }  /* a long list scrolls; the upload box stays in view */
#qa-chat .qa-reply, #qa-documents li { overflow-wrap: anywhere; }  /* a long word never widens the page */
.qa-plain { display: none; }  /* the reply as text, for the copy button */
@media (max-width: 720px) {  /* a phone: documents and the upload box above the conversation, the list kept short */
  #qa-side { order: -1; min-width: 0 !important; }
  #qa-documents { max-height: 9em; }
}
"""
# The chat's copy buttons put a message's raw value on the clipboard: HTML. This wraps the clipboard so
# that a reply is copied as its plain text (`render.answer_text`, in `.qa-plain`), anything else as read.
COPY_AS_TEXT = r"""() => {
  const clipboard = navigator.clipboard;
  if (!clipboard || clipboard.qaPlain) return;
  const write = clipboard.writeText.bind(clipboard);
  const plain = (markup) => {
    const page = new DOMParser().parseFromString(markup, "text/html");
    page.querySelectorAll(".qa-reply").forEach(reply => reply.replaceWith(reply.querySelector(".qa-plain").textContent));
    return page.body.textContent.trim();
  };
  clipboard.writeText = (text) => write(/class=['"]qa-|&#\d+;/.test(text) ? plain(text) : text);
  clipboard.qaPlain = true;
}"""
# A long reply is shown from its top (the answer and its score), not scrolled to its last source.
SHOW_REPLY_FROM_TOP = """() => { setTimeout(() => {
  const replies = document.querySelectorAll('#qa-chat .qa-answer, #qa-chat .qa-none, #qa-chat .qa-error');
  const last = replies[replies.length - 1];
  if (last) last.scrollIntoView({block: "start"});
}, 50); }"""

UPLOAD_SWEEP_SECONDS = (60, 600)  # the web framework's own copies of uploads: swept every minute once 10 minutes old
LABELS = {"common.upload": "Add more documents"}  # a key the web framework leaves untranslated

sessions = SessionRegistry()
_served_index: Path | None = None
_home: Assistant | None = None
_home_lock = threading.Lock()


def _lower_priority() -> None:
    """Run this thread `nice` (on Linux a thread has its own priority; elsewhere it may stay as it is)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), UPLOAD_NICENESS)
    except OSError:
        pass


_upload_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-uploads", initializer=_lower_priority)


def home_assistant() -> Assistant:
    """The corpus the server started on: the seeds, or the index given to `qa serve --index`."""
    global _home
    with _home_lock:
        if _home is None:
            _home = Assistant.open(_served_index) if _served_index is not None else default_assistant()
        return _home


def _session(request) -> ChatSession:
    return sessions.get(getattr(request, "session_hash", None))


def _current(session: ChatSession) -> Assistant:
    return session.assistant or home_assistant()


def _documents_panel(session: ChatSession) -> str:
    """The list of what this tab searches: its uploads, or the server's documents."""
    return documents_html(_current(session).index, session.assistant is not None)


# ---- questions ---------------------------------------------------------------------------
def respond(question: str, request: gr.Request) -> tuple[list[dict], str]:
    """Answer one chat message; return the conversation and an empty input box. A blank box sends nothing."""
    session = _session(request)
    if not str(question or "").strip():
        return list(session.history), ""
    assistant, within = _current(session), list(session.within)
    try:
        answer = assistant.ask(question, history=session.turns, documents=within or None)
        reply = answer_html(answer, assistant.index, within_line(within, len(assistant.chosen(within))) if within else None)
        session.turns.append(turn_after(session.turns, answer))
    except QAError as error:
        reply = f"<div class='qa-error'>⚠️ {literal(str(error))}</div>"
    except Exception as error:  # a chat tab must get a reply, whatever happened
        reply = f"<div class='qa-error'>⚠️ This question could not be answered ({literal(type(error).__name__)}); try rewording it.</div>"
    shown = str(question or "")
    shown = shown if len(shown) <= MAX_QUESTION_CHARS else shown[:MAX_QUESTION_CHARS] + "…"  # never echo megabytes
    session.history += [{"role": "user", "content": literal(shown)}, {"role": "assistant", "content": reply}]
    return list(session.history), ""


def clear_conversation(request: gr.Request) -> list[dict]:
    """The chat's clear button: the conversation is gone for good, follow-ups start afresh."""
    session = _session(request)
    session.history, session.turns = [], []
    return []


# ---- asking within ------------------------------------------------------------------------
def choose_within(names: list[str] | None, request: gr.Request) -> tuple:
    """The documents and folders chosen in "Ask within" (none: all), kept in the tab's session when its
    corpus holds every one; otherwise the choice stays as it was and the line under it says why."""
    session = _session(request)
    names = list(dict.fromkeys(str(name) for name in names or []))
    if names == session.within:  # the list was set to the session's choice (`within_box`, or put back below)
        return gr.skip(), gr.skip()
    if len(names) > MAX_WITHIN:
        return _within_update(session.within), literal(f"At most {MAX_WITHIN} names at once: choose a folder instead.")
    try:
        said = _within_said(_current(session), names)
    except UnknownDocumentError as error:
        return _within_update(session.within), literal(f"The choice is as it was: {error}")
    session.within = names
    return gr.skip(), literal(said)  # the list shows the choice already


def within_box(request: gr.Request) -> tuple[gr.Dropdown, str]:
    """The "Ask within" list for this tab's corpus: its folders and documents to choose from, and the tab's choice."""
    session = _session(request)
    assistant = _current(session)
    try:
        said = _within_said(assistant, session.within)
    except UnknownDocumentError:  # chosen while the documents changed: a choice of documents no longer searched
        session.within = []
        said = _within_said(assistant, [])
    return _within_update(session.within, choices=_within_choices(assistant.index.document_ids())), literal(said)


def _within_update(names: list[str], **changes) -> gr.Dropdown:
    """The "Ask within" list showing these names chosen: any name may be typed there, not all are listed."""
    return gr.Dropdown(value=list(names), allow_custom_value=True, **changes)


def _folders(doc_ids: list[str]) -> Counter[str]:
    """Every folder of the ids ("minutes/", "minutes/2024/") with how many documents it holds."""
    folders: Counter[str] = Counter()
    for doc_id in doc_ids:
        parts = doc_id.split("/")[:-1]
        folders.update("/".join(parts[: depth + 1]) + "/" for depth in range(len(parts)))
    return folders


def _within_choices(doc_ids: list[str]) -> list[tuple[str, str]]:
    """(label, name) of the folders, then of the documents: the first WITHIN_LISTED of them."""
    folders = [(f"{folder} ({count:,} document{'' if count == 1 else 's'})", folder)
               for folder, count in sorted(_folders(doc_ids).items())[:WITHIN_LISTED]]
    return folders + [(doc_id, doc_id) for doc_id in doc_ids[: WITHIN_LISTED - len(folders)]]


def _within_said(assistant: Assistant, names: list[str]) -> str:
    """How many documents the names hold (UnknownDocumentError for one the corpus lacks), and how to name one not listed."""
    ids = assistant.index.document_ids()
    said = f"Asking within {len(assistant.chosen(names)):,} of {len(ids):,} documents." if names else \
        f"Asking all {len(ids):,} document{'' if len(ids) == 1 else 's'}."
    if len(ids) + len(_folders(ids)) > WITHIN_LISTED:
        said += f" The first {WITHIN_LISTED:,} names are listed: type any other id, or a folder ending in /, and press Enter."
    return said


# ---- documents ---------------------------------------------------------------------------
def upload(files: list | None, request: gr.Request) -> tuple[str, str]:
    """Add newly uploaded files to this tab's documents; say what was added and what was not, and why.
    The work is done by the upload worker, in turn with other tabs' uploads."""
    return _upload_worker.submit(_add_uploads, files, _session(request)).result()


def _add_uploads(files: list | None, session: ChatSession) -> tuple[str, str]:
    added, rejected = [], []
    with session.lock:
        documents = session.uploads
        budget = MAX_SESSION_SENTENCES - session.sentences
        paths = [Path(getattr(f, "name", None) or getattr(f, "path", None) or f) for f in (files or [])]
        # The list also holds earlier files, read (and deleted) already; a file uploaded again can come twice.
        fresh = list(dict.fromkeys(p for p in paths if p.exists()))
        if len(fresh) > MAX_UPLOAD_FILES:
            over = [_display_name(path) for path in fresh[MAX_UPLOAD_FILES:]]
            named = ", ".join(over[:MAX_UPLOAD_FILES]) + (f" and {len(over) - MAX_UPLOAD_FILES:,} more" if len(over) > MAX_UPLOAD_FILES else "")
            rejected.append(f"{named}: over the limit of {MAX_UPLOAD_FILES} files at a time; add "
                            f"{'it' if len(over) == 1 else 'them'} again once these are read")
            for path in fresh[MAX_UPLOAD_FILES:]:
                _delete_upload(path)
            fresh = fresh[:MAX_UPLOAD_FILES]
        for path in fresh:
            if not path.exists():
                continue
            name = _display_name(path)
            try:
                document = _read_upload(path, unique_id(name, documents))
            except CorpusError as error:
                rejected.append(str(error))
                continue
            finally:
                _delete_upload(path)
            problem, count = _cost_problem(document, documents, budget)
            if problem:
                rejected.append(f"{name}: {problem}")
                continue
            budget -= count
            documents[document.doc_id] = document
            session.read_files[str(path)] = document.doc_id
            added.append(f"{document.doc_id} ({count} sentence{'' if count == 1 else 's'})")
        if added:
            try:
                session.use_documents(documents)
            except QAError as error:
                added, rejected = [], rejected + [str(error)]
    message = f"Added {', '.join(added)}." if added else "No document was added."
    if rejected:
        message += " Not added: " + "; ".join(rejected)
    return literal(message), _documents_panel(session)


def _read_upload(path: Path, doc_id: str) -> Document:
    if path.suffix.lower() not in SUFFIXES:
        raise CorpusError(f"{doc_id}: only {' '.join(SUFFIXES)} files can be searched")
    return read_document(path, doc_id, max_bytes=MAX_UPLOAD_BYTES, seconds=UPLOAD_READ_SECONDS)


def _cost_problem(document: Document, documents: dict[str, Document], budget: int) -> tuple[str | None, int]:
    """Why the document should not be indexed (duplicate, nothing to search, over the tab's sentences
    or characters), and its sentences. Characters are checked first: they bound the splitting work."""
    if any(other.text == document.text for other in documents.values()):
        return "already added", 0
    characters = MAX_SESSION_CHARS - sum(len(other.text) for other in documents.values())
    if len(document.text) > characters:
        return (f"{len(document.text):,} characters of text, over the {max(characters, 0):,} this tab may still add "
                f"(a tab holds up to {MAX_SESSION_CHARS:,}); for larger collections run `qa index` and "
                "`qa serve --index`"), 0
    count = len(answerable_sentences(document.text, document.body_start))
    if count == 0:
        return "no sentence to search in it", 0
    if count > budget:
        return (f"{count:,} sentences, over the {max(budget, 0):,} this tab may still add (a tab holds up to "
                f"{MAX_SESSION_SENTENCES:,}); for larger collections run `qa index` and `qa serve --index`"), count
    return None, count


def _delete_upload(path: Path) -> None:
    """Remove the web framework's copy of an upload (and its folder, once empty)."""
    try:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    except OSError:
        pass


def _display_name(path: Path) -> str:
    """The uploaded file's own name, never the server's path to it."""
    return re.sub(r"[^\w.\- ]", "_", path.name)[:100] or "document"


def remove_file(deleted: gr.DeletedFileData, request: gr.Request) -> tuple[str, str]:
    """A file taken out of the list with ×: it is no longer searched."""
    session = _session(request)
    with session.lock:
        doc_id = session.read_files.pop(str(getattr(deleted.file, "path", deleted.file)), None)
        uploads = session.uploads
        if doc_id in uploads:
            session.use_documents({k: v for k, v in uploads.items() if k != doc_id})
    message = f"Removed {doc_id}." if doc_id else "Removed."
    return literal(message), _documents_panel(session)


def remove_all_files(request: gr.Request) -> tuple[str, str]:
    """The file list cleared: back to the server's documents."""
    session = _session(request)
    with session.lock:
        session.forget_documents()
    return literal("Removed your documents; searching the server's documents again."), _documents_panel(session)


def set_dates(value: str, request: gr.Request) -> tuple[str, str]:
    """Give this tab's documents a date ("2022-01-28") or one of them ("notes.txt=2022-01-28"), over
    any date found in them, so their relative dates resolve; nothing is embedded again."""
    session = _session(request)
    name, _, day = str(value or "").strip().rpartition("=")
    with session.lock:
        uploads = session.uploads
        if not uploads:
            return literal("Add your documents first: the server's documents keep their own dates."), _documents_panel(session)
        if name.strip() and name.strip() not in uploads:
            return literal(f"The date box names {name.strip()}, which is not among your documents ({', '.join(list(uploads)[:10])}). "
                           "Write a date for all of them (2022-01-28) or a document's name from the list and "
                           "its date (notes.txt=2022-01-28)."), _documents_panel(session)
        try:
            dated = with_dates(list(uploads.values()), {name.strip(): day.strip()})
        except CorpusError as error:
            return literal(str(error)), _documents_panel(session)
        session.use_documents({document.doc_id: document for document in dated})
    which = name.strip() or "your documents"
    return literal(f"Dated {which}: {day.strip()}."), _documents_panel(session)


def back_to_seeds(request: gr.Request) -> tuple[str, list, None, str]:
    """Forget this tab's documents and conversation; the file list empties too."""
    session = _session(request)
    with session.lock:
        session.forget_documents()
        session.history, session.turns = [], []
    return literal("Searching the server's documents again."), [], None, _documents_panel(session)


def show_documents(request: gr.Request) -> str:
    session = _session(request)
    return _documents_panel(session)


def serving_the_seeds() -> bool:
    """The example questions and "Back to the seeds" are about the seeds: shown only while the server searches them."""
    return _served_index is None


def examples_box(request: gr.Request):
    """The example questions, shown only while this tab searches the seeds."""
    return gr.Column(visible=serving_the_seeds() and _session(request).assistant is None)


def end_session(request: gr.Request) -> None:
    """The tab closed: free its documents now."""
    sessions.drop(getattr(request, "session_hash", None))


# ---- page --------------------------------------------------------------------------------
def build_app() -> gr.Blocks:
    with gr.Blocks(title="Document QA", analytics_enabled=False, delete_cache=UPLOAD_SWEEP_SECONDS) as app:
        gr.Markdown("## Ask your documents\nAnswers are exact quotes from the documents, with their source.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(show_label=False, height=520, elem_id="qa-chat", sanitize_html=True, autoscroll=False,
                                  render_markdown=True, feedback_options=None, buttons=["copy", "copy_all"])
                question = gr.Textbox(placeholder="Ask a question and press Enter", show_label=False,
                                      elem_id="qa-question", max_lines=3)
                within = gr.Dropdown(label="Ask within", multiselect=True, filterable=True, allow_custom_value=True,
                                     elem_id="qa-within", info="Documents or folders; empty: all of them.")
                within_said = gr.HTML(elem_id="qa-within-said", elem_classes="qa-hint")
                with gr.Column(visible=serving_the_seeds(), elem_id="qa-examples") as examples:
                    gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Column(scale=1, elem_id="qa-side"):
                documents = gr.HTML(elem_id="qa-documents")
                files = gr.File(label=f"Your documents: {' '.join(SUFFIXES)} ({MAX_UPLOAD_BYTES // 1_000_000} MB each)",
                                file_count="multiple", elem_id="qa-upload", height=FILE_LIST_PIXELS)
                status = gr.HTML(elem_id="qa-status")
                with gr.Row():
                    date = gr.Textbox(placeholder="2022-01-28 or notes.txt=2022-01-28", show_label=False, scale=3,
                                      elem_id="qa-date", max_lines=1)
                    dating = gr.Button("Set the date", elem_id="qa-set-date", scale=1)
                reset = gr.Button("Back to the seeds", elem_id="qa-reset", visible=serving_the_seeds())
        tab = {"api_visibility": "undocumented"}  # events of the page, not an API: programs use POST /api/ask
        question.submit(respond, [question], [chat, question], concurrency_limit=4, concurrency_id="ask", **tab) \
            .then(None, js=SHOW_REPLY_FROM_TOP)
        chat.clear(clear_conversation, None, [chat], **tab)
        for trigger in (dating.click, date.submit):
            trigger(set_dates, [date], [status, documents], concurrency_limit=4, concurrency_id="documents", **tab)
        changes = [files.upload(upload, [files], [status, documents], concurrency_limit=2, concurrency_id="upload", **tab),
                   files.delete(remove_file, None, [status, documents], concurrency_limit=4, concurrency_id="documents", **tab),
                   files.clear(remove_all_files, None, [status, documents], concurrency_limit=4, concurrency_id="documents",
                               **tab),
                   reset.click(back_to_seeds, None, [status, chat, files, documents], concurrency_limit=4,
                               concurrency_id="documents", **tab)]
        for change in changes:
            change.then(examples_box, None, [examples], **tab).then(within_box, None, [within, within_said], **tab)
        within.change(choose_within, [within], [within, within_said], concurrency_limit=4, concurrency_id="within", **tab)
        app.load(show_documents, None, [documents], **tab).then(within_box, None, [within, within_said], **tab)
        app.unload(end_session)
    return app
