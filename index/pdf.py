"""PDF text as paragraphs: the text layer laid out by pdfminer.six (MIT), which finds text blocks and
reads columns in order, then rebuilt as a reader would read it.

- Lines of one block are joined into one paragraph; a word hyphenated at a line end is joined
  back ("sys-" + "tem" -> "system", when the next line goes on in lower case).
- Ligatures (U+FB00-FB06) become their letters; C1 control codes, which some PDFs use for
  Windows-1252 quotes and dashes, become those characters; glyphs without a Unicode mapping are dropped.
- Lines in the top or bottom band of the page that repeat on most pages (running headers and
  footers, digits ignored) and bare page numbers there are dropped.
- A text layer that is mostly not words (glyph soup from a custom font encoding) is refused, as a
  scan is. Encryption and damage are refused by pypdf first, with the reason.
Pages are separated by a blank line; each page's start is kept, so an answer knows its page.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from qa.errors import CorpusError
from qa.index.extracted import Budget, ExtractedText, plausible_date
from qa.index.office import paged

BAND = 0.1  # the top and bottom tenth of a page, where running headers, footers and page numbers sit
REPEATED_SHARE = 0.5  # a band line on at least half the pages (and 3 or more) runs through the document
MIN_WORD_SHARE = 0.6  # below this share of word-like tokens, a text layer is glyph soup
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_C1 = str.maketrans({chr(code): bytes([code]).decode("cp1252", "replace").replace("\ufffd", "") for code in range(0x80, 0xA0)})
_UNMAPPED = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b-\x1f]")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]", re.IGNORECASE)
_TOKEN = re.compile(r"\S+")
_WORDLIKE = re.compile(r"[\"'“‘(\[]*[^\W\d_]*[aeiouyàâäéèêëîïôöûüæœø][^\W\d_]*(?:['’-][^\W\d_]+)*[.,;:!?\"'”’)\]]*", re.IGNORECASE)
for _library in ("pdfminer", "pypdf"):  # damage is reported once, as a CorpusError, not as log noise
    logging.getLogger(_library).setLevel(logging.ERROR)


def pdf_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox

    created = _check_readable(raw, name)
    pages: list[tuple[float, list[tuple[float, float, list[str]]]]] = []
    try:
        for layout in extract_pages(io.BytesIO(raw), laparams=LAParams()):
            budget.check()
            blocks = [(box.y0, box.y1, [_clean(line.get_text()) for line in box])
                      for box in layout if isinstance(box, LTTextBox)]
            pages.append((layout.height, blocks))
    except CorpusError:
        raise
    except Exception as error:  # pdfminer raises many kinds on damaged files
        raise CorpusError(f"{name}: a damaged PDF ({type(error).__name__})") from None
    running = _running_lines(pages)
    texts = [_page_paragraphs(height, blocks, running) for height, blocks in pages]
    if not any(text.strip() for text in texts):
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    if _word_share(" ".join(texts)) < MIN_WORD_SHARE:
        raise CorpusError(f"{name}: the PDF's text layer is not readable text (a font without a Unicode mapping?); "
                          "run OCR on it first")
    return paged(texts).model_copy(update={"date": created, "date_source": "the PDF's creation date" if created else None})


def _check_readable(raw: bytes, name: str) -> str | None:
    """The PDF's creation date (YYYY-MM-DD) if it has a plausible one; CorpusError for an encrypted
    or damaged PDF, said as pypdf finds it."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name}: the PDF is encrypted; save a copy without a password")
        len(reader.pages)
    except CorpusError:
        raise
    except Exception as error:  # pypdf raises many kinds (PdfReadError, KeyError, RecursionError...) on damaged files
        raise CorpusError(f"{name}: a damaged PDF ({type(error).__name__})") from None
    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except Exception:  # a malformed date string in the metadata: no date
        return None
    return plausible_date(created)


def _clean(line: str) -> str:
    return " ".join(_UNMAPPED.sub("", line.translate(_LIGATURES).translate(_C1)).split())


def _in_band(height: float, y0: float, y1: float) -> bool:
    return y0 >= height * (1 - BAND) or y1 <= height * BAND


def _shape(line: str) -> str:
    """A band line with its numbers blanked, so "Page 3" and "Page 4" are one running line."""
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(pages: list[tuple[float, list[tuple[float, float, list[str]]]]]) -> set[str]:
    """Shapes of the band lines found on at least REPEATED_SHARE of the pages (and on 3 or more)."""
    seen = Counter()
    for height, blocks in pages:
        seen.update({_shape(line) for y0, y1, lines in blocks if _in_band(height, y0, y1) for line in lines if line})
    least = max(3, REPEATED_SHARE * len(pages))
    return {shape for shape, count in seen.items() if count >= least}


def _page_paragraphs(height: float, blocks: list[tuple[float, float, list[str]]], running: set[str]) -> str:
    paragraphs = []
    for y0, y1, lines in blocks:
        if _in_band(height, y0, y1):
            lines = [line for line in lines if _shape(line) not in running and not _PAGE_NUMBER.fullmatch(line)]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append(_joined(lines))
    return "\n".join(paragraphs)


def _joined(lines: list[str]) -> str:
    """One block's lines as one paragraph, words hyphenated at a line end joined back."""
    text = lines[0]
    for line in lines[1:]:
        if len(text) > 1 and text.endswith("-") and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    return text


def _word_share(text: str) -> float:
    """The share of tokens that look like words (letters with a vowel) or numbers."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return 0.0
    return sum(1 for token in tokens if _WORDLIKE.fullmatch(token) or any(char.isdigit() for char in token)) / len(tokens)
