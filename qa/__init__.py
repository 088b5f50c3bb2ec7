"""Extractive question answering over your documents: exact spans with their sources.

    from qa import ask
    ask("when could Russia invade?")

Importing `qa` is cheap: the models and their libraries load on first use.
"""

import os
from importlib import import_module

# Never reach a model hub unless the user asked for it (HF_HUB_OFFLINE=0).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

_EXPORTS = {
    "Assistant": "qa.assistant", "ask": "qa.assistant", "default_assistant": "qa.assistant",
    "Conversation": "qa.conversation",
    "Answer": "qa.models", "Source": "qa.models",
    "CorpusError": "qa.errors", "IndexStoreError": "qa.errors", "InvalidQuestionError": "qa.errors",
    "ModelIntegrityError": "qa.errors", "QAError": "qa.errors", "UnknownDocumentError": "qa.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
