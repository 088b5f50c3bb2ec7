"""The browser chat (`qa serve`): ask, see the answer with its sources, upload your own documents.

Each browser session has its own corpus (the seeds, or documents it uploaded, held in
memory only) and its own conversation; follow-up questions borrow the previous answer's
sentence to find passages. Uploads are read as text in memory, within size and count limits,
and are never written anywhere by the app.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from qa.assistant import Assistant, default_assistant
from qa.errors import QAError
from qa.index.documents import make_document
from qa.models import Answer
from qa.ui.render import answer_html, literal

MAX_UPLOAD_FILES = 20
MAX_UPLOAD_BYTES = 1_000_000
EXAMPLES = [
    "When could Russia invade Ukraine?",
    "How many Russian troops are near the border?",
    "Who is the National Security Council spokesperson?",
    "What did Zelenskyy thank Biden for?",
]
_FOLLOW_UP = re.compile(r"^(and|but|so|also)\b|\b(that|this|it|he|she|they|him|her|them|there|then)\b", re.IGNORECASE)
CSS = """
.qa-short { font-size: 1.35em; font-weight: 700; }
.qa-meta { color: #555; margin: 2px 0 8px; font-size: 0.9em; }
.qa-source { border-left: 3px solid #7c9cff; padding: 4px 10px; margin: 6px 0; }
.qa-doc { font-weight: 600; font-size: 0.9em; }
.qa-source blockquote { margin: 4px 0; border: none; padding: 0; }
.qa-source mark { background: #ffe066; padding: 0 2px; border-radius: 3px; }
.qa-hint { color: #555; font-size: 0.9em; margin-top: 4px; }
"""


@dataclass
class ChatSession:
    """One browser session: which assistant answers, and the last answer (for follow-ups)."""

    assistant: Assistant | None = None  # None: the shared seeds assistant
    corpus_name: str = "the server's documents"
    last_answer: Answer | None = None
    history: list[dict] = field(default_factory=list)

    @property
    def current(self) -> Assistant:
        return self.assistant or home_assistant()


def respond(question: str, session: ChatSession) -> tuple[list[dict], ChatSession, str]:
    """Answer one chat message; return the conversation, the session, and an empty input box."""
    if not isinstance(session, ChatSession):
        session = ChatSession()
    shown_question = literal(question or "")
    try:
        answer = session.current.ask(question, context=_follow_up_context(question, session.last_answer))
        reply = answer_html(answer, session.current.index)
        session.last_answer = answer
    except QAError as error:
        reply = f"<div class='qa-error'>⚠️ {literal(str(error))}</div>"
    session.history = session.history + [{"role": "user", "content": shown_question}, {"role": "assistant", "content": reply}]
    return session.history, session, ""


def _follow_up_context(question: str, previous: Answer | None) -> str | None:
    """The previous answer's sentence when the question reads like a follow-up ("and who said that?")."""
    if previous is None or previous.source is None or not _FOLLOW_UP.search(question or ""):
        return None
    return previous.source.sentence


def upload(files: list | None, session: ChatSession) -> tuple[ChatSession, str, str]:
    """Index uploaded .txt/.md files for this session; report what was accepted and rejected."""
    if not isinstance(session, ChatSession):
        session = ChatSession()
    paths = [Path(getattr(f, "name", f)) for f in (files or [])]
    texts, rejected = {}, []
    if len(paths) > MAX_UPLOAD_FILES:
        rejected.append(f"{len(paths) - MAX_UPLOAD_FILES} files over the limit of {MAX_UPLOAD_FILES}")
        paths = paths[:MAX_UPLOAD_FILES]
    for path in paths:
        name = _display_name(path)
        problem = _upload_problem(path)
        if problem:
            rejected.append(f"{name}: {problem}")
            continue
        texts[name] = path.read_bytes().decode("utf-8")
    if texts:
        try:
            session = ChatSession(assistant=Assistant.from_texts(texts), corpus_name="your uploaded documents",
                                  history=session.history)  # the conversation stays on screen
        except QAError as error:
            rejected.append(str(error))
    message = f"Indexed {len(texts)} document(s)." if texts else "No document was indexed."
    if rejected:
        message += " Rejected: " + "; ".join(rejected)
    return session, literal(message), documents_html(session)


def _display_name(path: Path) -> str:
    """The uploaded file's own name, never the server's path to it."""
    return re.sub(r"[^\w.\- ]", "_", path.name)[:100] or "document"


def _upload_problem(path: Path) -> str | None:
    if path.suffix.lower() not in (".txt", ".md"):
        return "only .txt and .md files can be searched"
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            return f"{size / 1e6:.1f} MB is over the {MAX_UPLOAD_BYTES / 1e6:.0f} MB limit"
        raw = path.read_bytes()
    except OSError:
        return "could not be read"
    if b"\x00" in raw:
        return "looks binary, not text"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    return None if make_document("check", text).text.strip() else "empty"


def back_to_seeds(session: ChatSession) -> tuple[ChatSession, str, list, str]:
    session = ChatSession()
    return session, literal("Searching the seeds again."), [], documents_html(session)


def documents_html(session: ChatSession) -> str:
    """The list of documents currently searched."""
    if not isinstance(session, ChatSession):
        session = ChatSession()
    items = "".join(
        f"<li>{literal(doc.doc_id)}{' · ' + literal(doc.date) if doc.date else ''}</li>"
        for doc in session.current.index.documents.values()
    )
    return f"<div class='qa-docs'><strong>Searching {literal(session.corpus_name)}:</strong><ul>{items}</ul></div>"


def build_app() -> gr.Blocks:
    with gr.Blocks(title="Document QA", analytics_enabled=False) as app:
        session = gr.State(ChatSession())
        gr.Markdown("## Ask your documents\nAnswers are exact quotes from the documents, with their source.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=520, elem_id="qa-chat", sanitize_html=True,
                                  render_markdown=True, feedback_options=None)
                question = gr.Textbox(placeholder="Ask a question and press Enter", show_label=False,
                                      elem_id="qa-question", max_lines=3)
                gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Column(scale=1):
                documents = gr.HTML(elem_id="qa-documents")
                files = gr.File(label="Add your .txt / .md documents", file_count="multiple",
                                file_types=[".txt", ".md"], elem_id="qa-upload")
                status = gr.HTML(elem_id="qa-status")
                reset = gr.Button("Back to the seeds", elem_id="qa-reset")
        question.submit(respond, [question, session], [chat, session, question])
        files.upload(upload, [files, session], [session, status, documents])
        reset.click(back_to_seeds, [session], [session, status, chat, documents])
        app.load(documents_html, [session], [documents])
    return app


_served_index: Path | None = None


def home_assistant() -> Assistant:
    """The corpus the server started on: the seeds, or the index given to `qa serve --index`."""
    return _open_index(_served_index) if _served_index is not None else default_assistant()


@lru_cache(maxsize=4)
def _open_index(index_dir: Path) -> Assistant:
    return Assistant.open(index_dir)


def serve(index_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Warm the models, then serve the chat (localhost unless told otherwise)."""
    global _served_index
    _served_index = index_dir
    home_assistant().warm_up()
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    build_app().queue().launch(server_name=host, server_port=port, share=share, theme=theme, css=CSS,
                               max_file_size=MAX_UPLOAD_BYTES, show_error=False, footer_links=[])
