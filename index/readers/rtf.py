"""RTF (`.rtf`, striprtf, BSD-3): the text, one paragraph per line."""

from __future__ import annotations

from qa.errors import CorpusError
from qa.index.readers.extracted import Budget, ExtractedText


def rtf_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    return _rtf(_decode_rtf(raw, name))


def _decode_rtf(raw: bytes, name: str) -> str:
    """RTF is 7-bit text that escapes everything else; anything else is not RTF."""
    if not raw.lstrip().startswith(b"{\\rtf"):
        raise CorpusError(f"{name}: not an RTF file (it does not start with {{\\rtf)")
    return raw.decode("latin-1")


def _rtf(markup: str) -> ExtractedText:
    """The text of an RTF file (striprtf, BSD-3), one paragraph per line."""
    from striprtf.striprtf import rtf_to_text

    lines = (" ".join(line.split()) for line in rtf_to_text(markup, errors="ignore").splitlines())
    return ExtractedText(text="\n".join(line for line in lines if line))
