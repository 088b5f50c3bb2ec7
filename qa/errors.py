"""Typed errors: each message says what went wrong and what to do about it."""


class QAError(Exception):
    """Base class of every error the assistant raises on purpose."""


class InvalidQuestionError(QAError, ValueError):
    """The question is empty, blank or longer than the documented limit."""


class CorpusError(QAError):
    """The documents cannot be indexed (no folder, no readable document)."""


class UnknownDocumentError(QAError, KeyError):
    """A document id that the index does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class IndexStoreError(QAError):
    """The index cannot be used or written: missing, damaged, read-only, on a full disk, or not an index folder."""


class IndexRebuildableError(IndexStoreError):
    """No usable index is there (none, an old format, damage, another model): `qa index` may build a new one."""


class ModelIntegrityError(QAError):
    """A model file is missing or does not match its recorded sha256."""
