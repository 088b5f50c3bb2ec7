"""The browser chat's page and event handlers: ask, see the answer with its sources, add or
remove your own documents.

Each tab's documents and conversation live in `ui.sessions` on the server, found by the
tab's session hash. Uploads are read once, deleted from disk as soon as they are read, and
held in memory only; what an upload may cost is bounded (files, bytes, sentences per session).
Uploads may be .txt, .md, .pdf, .docx or .html (see `index.formats`).
"""

from __future__ import annotations

import re
from pathlib import Path
from threading import Lock

import gradio as gr

from qa.assistant import Assistant, default_assistant
from qa.conversation import turn_after
from qa.errors import CorpusError, QAError
from qa.index.documents import SUFFIXES, Document, read_document, unique_id, with_dates
from qa.index.sentences import answerable_sentences
from qa.text import MAX_QUESTION_CHARS
from qa.ui.render import answer_html, documents_html, literal
from qa.ui.sessions import ChatSession, SessionRegistry

MAX_UPLOAD_FILES = 20
MAX_UPLOAD_BYTES = 5_000_000
MAX_SESSION_SENTENCES = 3_000  # about half a minute of embedding on 2 CPU cores
MAX_SESSION_CHARS = 1_500_000  # text a tab may hold: bounds the splitting work however short its lines
UPLOAD_READ_SECONDS = 20  # reading one upload's text (PDF pages, HTML, Word) may take this long
EXAMPLES = [
    "When could Russia invade Ukraine?",
    "How many Russian troops are near the border?",
    "Who is the National Security Council spokesperson?",
    "What did Zelenskyy thank Biden for?",
]
CSS = """
.qa-short { font-size: 1.35em; font-weight: 700; }
.qa-meta { color: #555; margin: 2px 0 8px; font-size: 0.9em; }
.qa-source { border-left: 3px solid #7c9cff; padding: 4px 10px; margin: 6px 0; }
.qa-doc { font-weight: 600; font-size: 0.9em; }
.qa-file { color: #555; font-weight: 400; }
.qa-source blockquote { margin: 4px 0; border: none; padding: 0; }
.qa-source mark { background: #ffe066; padding: 0 2px; border-radius: 3px; }
.qa-short, .qa-source blockquote, .qa-source mark, .qa-source p, .qa-docs li { unicode-bidi: isolate; }
.qa-ctl { font-family: ui-monospace, monospace; font-size: 0.8em; color: #a00; }
.qa-hint { color: #555; font-size: 0.9em; margin-top: 4px; }
.qa-alternatives { margin-top: 8px; }
.qa-date { font-size: 1.1em; color: #2a5db0; font-weight: 600; }
#qa-upload .filename { overflow: visible; display: block; }
#qa-upload .filename .stem, #qa-upload .filename .ext { display: inline; }
#qa-upload .filename .stem { white-space: normal; overflow: visible; overflow-wrap: anywhere; text-overflow: clip; }
@media (max-width: 720px) {  /* a phone: documents and the upload box above the conversation, the list kept short */
  #qa-side { order: -1; }
  #qa-documents { max-height: 9em; overflow-y: auto; }
}
"""
# The chat's copy buttons put a message's raw value on the clipboard: for a reply that is HTML. This
# wraps the clipboard so that a reply is copied as a person reads it: the answer, its score, its sources.
COPY_AS_TEXT = r"""() => {
  const clipboard = navigator.clipboard;
  if (!clipboard || clipboard.qaPlain) return;
  const write = clipboard.writeText.bind(clipboard);
  const plain = (markup) => {
    const page = new DOMParser().parseFromString(markup, "text/html");
    page.querySelectorAll("details:not(.qa-alternatives), .qa-ctl").forEach(node => {
      if (node.classList.contains("qa-ctl")) node.replaceWith(node.textContent); else node.remove();
    });
    page.querySelectorAll("summary").forEach(node => node.replaceWith(node.textContent + ":"));
    page.querySelectorAll(".qa-source").forEach(node => {
      const where = node.querySelector(".qa-doc"), quote = node.querySelector("blockquote");
      node.replaceWith("Source: " + (where ? where.textContent.trim() : "") + (quote ? ": \u201c" + quote.textContent.trim() + "\u201d" : ""));
    });
    page.querySelectorAll("div, li, ul, blockquote, p").forEach(node => node.append("\n"));
    return page.body.textContent.replace(/[ \t]+\n/g, "\n").replace(/\n{2,}/g, "\n").trim();
  };
  clipboard.writeText = (text) => write(/class=['"]qa-/.test(text) ? plain(text) : text);
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
_home_lock = Lock()


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
    assistant = _current(session)
    try:
        answer = assistant.ask(question, history=session.turns)
        reply = answer_html(answer, assistant.index)
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


# ---- documents ---------------------------------------------------------------------------
def upload(files: list | None, request: gr.Request) -> tuple[str, str]:
    """Add newly uploaded files to this tab's documents; say what was added and what was not, and why."""
    session = _session(request)
    added, rejected = [], []
    with session.lock:
        documents = session.uploads
        budget = MAX_SESSION_SENTENCES - session.sentences
        paths = [Path(getattr(f, "name", None) or getattr(f, "path", None) or f) for f in (files or [])]
        # The list also holds earlier files, read (and deleted) already; a file uploaded again can come twice.
        fresh = list(dict.fromkeys(p for p in paths if p.exists()))
        if len(fresh) > MAX_UPLOAD_FILES:
            rejected.append(f"{len(fresh) - MAX_UPLOAD_FILES} files over the limit of {MAX_UPLOAD_FILES} at a time")
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


def seeds_examples_shown() -> bool:
    """The example questions are about the seeds: shown only while the server searches them."""
    return _served_index is None


def examples_box(request: gr.Request):
    """The example questions, shown only while this tab searches the seeds."""
    return gr.Column(visible=seeds_examples_shown() and _session(request).assistant is None)


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
                with gr.Column(visible=seeds_examples_shown(), elem_id="qa-examples") as examples:
                    gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Column(scale=1, elem_id="qa-side"):
                documents = gr.HTML(elem_id="qa-documents")
                files = gr.File(label=f"Your documents: {' '.join(SUFFIXES)} ({MAX_UPLOAD_BYTES // 1_000_000} MB each)",
                                file_count="multiple", elem_id="qa-upload")
                status = gr.HTML(elem_id="qa-status")
                with gr.Row():
                    date = gr.Textbox(placeholder="2022-01-28 or notes.txt=2022-01-28", show_label=False, scale=3,
                                      elem_id="qa-date", max_lines=1)
                    dating = gr.Button("Set the date", elem_id="qa-set-date", scale=1)
                reset = gr.Button("Back to the seeds", elem_id="qa-reset")
        question.submit(respond, [question], [chat, question], concurrency_limit=4, concurrency_id="ask") \
            .then(None, js=SHOW_REPLY_FROM_TOP)
        chat.clear(clear_conversation, None, [chat])
        for trigger in (dating.click, date.submit):
            trigger(set_dates, [date], [status, documents], concurrency_limit=4, concurrency_id="documents")
        changes = [files.upload(upload, [files], [status, documents], concurrency_limit=2, concurrency_id="upload"),
                   files.delete(remove_file, None, [status, documents], concurrency_limit=4, concurrency_id="documents"),
                   files.clear(remove_all_files, None, [status, documents], concurrency_limit=4, concurrency_id="documents"),
                   reset.click(back_to_seeds, None, [status, chat, files, documents], concurrency_limit=4,
                               concurrency_id="documents")]
        for change in changes:
            change.then(examples_box, None, [examples])
        app.load(show_documents, None, [documents])
        app.unload(end_session)
    return app
