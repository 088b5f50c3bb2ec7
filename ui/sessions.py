"""Browser sessions of the chat: each tab's own documents, conversation and choice of documents
to ask within, kept on the server.

A session is found by the tab's session hash on every event, changed in place and never
handed back to the web framework, so two events of one tab (an upload finishing while a
question is answered) cannot overwrite each other's work. A session's corpus is freed when
its tab closes, when it has been idle for IDLE_SECONDS, or, beyond MAX_SESSIONS, oldest first:
those holding nothing (no documents, no conversation) before any that hold something.

A call without a session hash (a program calling the web framework's routes directly) gets a
session of its own that is never kept: it can neither see another caller's conversation or
documents nor push a tab's session out.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from qa.assistant import Assistant
from qa.index.documents import Document
from qa.conversation import Turn

IDLE_SECONDS = 30 * 60
MAX_SESSIONS = 200


@dataclass
class ChatSession:
    """One tab: its uploaded documents (None: the server's corpus), its conversation as shown and its
    turns, and the documents it asks within (ids, or folders ending in "/"; none: all)."""

    read_files: dict[str, str] = field(default_factory=dict)  # upload path already read -> doc_id
    assistant: Assistant | None = None  # over the tab's uploaded documents; None while there are none
    history: list[dict] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)  # what follow-ups are read with (qa.conversation)
    within: list[str] = field(default_factory=list)  # `Assistant.ask(documents=...)`; empty: every document
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one change of documents at a time

    @property
    def uploads(self) -> dict[str, Document]:
        """The tab's uploaded documents by id, in upload order (empty: it searches the server's)."""
        index = self.assistant.index if self.assistant else None
        return {doc_id: index.document(doc_id) for doc_id in index.document_ids()} if index else {}

    @property
    def sentences(self) -> int:
        return len(self.assistant.index) if self.assistant else 0

    @property
    def is_empty(self) -> bool:
        """Nothing that dropping the session would lose."""
        return self.assistant is None and not self.history and not self.turns and not self.within

    def use_documents(self, documents: dict[str, Document]) -> None:
        """Search exactly these uploaded documents (none: the server's corpus again), embedding only new ones;
        the documents asked within that are gone leave the choice."""
        previous = self.assistant.index if self.assistant else None
        self.assistant = Assistant.from_documents(list(documents.values()), previous=previous) if documents else None
        self.within = [name for name in self.within if _names_one_of(name, documents)]

    def forget_documents(self) -> None:
        self.read_files, self.assistant, self.within = {}, None, []


def _names_one_of(name: str, documents: dict[str, Document]) -> bool:
    """Is `name` one of the documents' ids, or a folder ("minutes/") holding one of them?"""
    return any(doc_id.startswith(name) for doc_id in documents) if name.endswith("/") else name in documents


class SessionRegistry:
    """Sessions by session hash, created on first use and dropped when closed, idle or too many."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, max_sessions: int = MAX_SESSIONS) -> None:
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self._sessions: dict[str, ChatSession] = {}
        self._lock = threading.Lock()

    def get(self, session_hash: str | None) -> ChatSession:
        """The tab's session (a new one on first use); without a session hash, a new one that is not kept."""
        if not session_hash:
            return ChatSession()
        with self._lock:
            self._drop_idle()
            session = self._sessions.pop(session_hash, None) or ChatSession()
            session.last_used = time.monotonic()
            self._sessions[session_hash] = session  # most recently used last
            while len(self._sessions) > self.max_sessions:
                oldest = next((key for key, kept in self._sessions.items() if kept.is_empty and kept is not session), None)
                self._sessions.pop(oldest if oldest is not None else next(iter(self._sessions)))
            return session

    def drop(self, session_hash: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_hash or "", None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _drop_idle(self) -> None:
        now = time.monotonic()
        for key in [key for key, session in self._sessions.items() if now - session.last_used > self.idle_seconds]:
            del self._sessions[key]
