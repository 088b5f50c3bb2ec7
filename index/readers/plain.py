"""Plain text (`.txt`) and Markdown (`.md`): the file's UTF-8 text (a leading byte-order mark dropped,
nothing else changed); a Markdown file's `#` headings are marked (`index.blocks.markdown_headings`)."""

from __future__ import annotations

from qa.errors import CorpusError
from qa.index.blocks import markdown_headings
from qa.index.readers.extracted import Budget, ExtractedText


def txt_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    return ExtractedText(text=decode_text(raw, name))


def md_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    text = decode_text(raw, name)
    return ExtractedText(text=text, headings=markdown_headings(text))


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text with a leading byte-order mark dropped; CorpusError if binary or not UTF-8."""
    if b"\x00" in raw:
        raise CorpusError(f"{name}: looks binary, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError(f"{name}: not UTF-8 text; convert it to UTF-8") from None
