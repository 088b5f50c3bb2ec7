"""Extractive question answering over your documents: exact spans with their sources.

    from qa import ask
    ask("when could Russia invade?")
"""

from qa.index.embedder import offline_by_default

offline_by_default()

from qa.assistant import Assistant, ask  # noqa: E402
from qa.errors import (  # noqa: E402
    CorpusError,
    IndexStoreError,
    InvalidQuestionError,
    ModelIntegrityError,
    QAError,
    UnknownDocumentError,
)
from qa.models import Answer, Source  # noqa: E402

__all__ = [
    "Answer", "Assistant", "CorpusError", "IndexStoreError", "InvalidQuestionError", "ModelIntegrityError",
    "QAError", "Source", "UnknownDocumentError", "ask",
]
