"""The format readers: each file's bytes read into the text the index stores (every offset indexes into
it), where each page begins, its headings (`index.blocks`) and its date, as one `ExtractedText`.

One module a format, each with a `<suffix>_text(raw, name, budget)` function; a new format is one module
and one line of READERS:
- `plain`: `.txt`, `.md`; `rtf`: `.rtf`; `delimited`: `.csv`; `mail`: `.eml`; `web`: `.html`, `.htm`;
- `pdf` (with `pdf_tables`, `tex_fonts` and, for scans, `ocr`): `.pdf`;
- `word`: `.docx`; `slides`: `.pptx`; `sheets`: `.xlsx`; `opendocument`: `.odt`; the zip and XML checks they
  share: `archive`;
- `extracted`: what they all give, the time a reading may take, and table rows written with their headers.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.errors import CorpusError
from qa.index.readers import delimited, mail, opendocument, pdf, plain, rtf, sheets, slides, web, word
from qa.index.readers.extracted import Budget, ExtractedText

READERS: dict[str, Callable[[bytes, str, Budget], ExtractedText]] = {
    ".txt": plain.txt_text, ".md": plain.md_text, ".pdf": pdf.pdf_text, ".docx": word.docx_text, ".pptx": slides.pptx_text,
    ".xlsx": sheets.xlsx_text, ".odt": opendocument.odt_text, ".csv": delimited.csv_text, ".rtf": rtf.rtf_text,
    ".html": web.html_text, ".htm": web.html_text, ".eml": mail.eml_text,
}
TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = tuple(READERS)
MAX_TEXT_CHARS = 20_000_000  # as much as the largest text file read (20 MB)


def extract_text(raw: bytes, suffix: str, name: str, seconds: float | None = None) -> ExtractedText:
    """The text of a file's bytes in the format its suffix names, read within `seconds` (None: no
    limit) and at most MAX_TEXT_CHARS long; CorpusError saying why not."""
    suffix, budget = suffix.lower(), Budget(name, seconds)
    if suffix not in SUFFIXES:
        raise CorpusError(f"{name}: {suffix or 'this'} files cannot be read; use {', '.join(SUFFIXES)}")
    try:
        extracted = READERS[suffix](raw, name, budget)
    except ImportError as error:  # a reader's library missing or broken: this file is skipped, the others read
        raise CorpusError(f"{name}: the library that reads {suffix} files cannot be loaded "
                          f"({' '.join(str(error).split())}); reinstall the assistant to read it") from None
    if not extracted.text.strip():
        raise CorpusError(f"{name}: no text in it")
    if len(extracted.text) > MAX_TEXT_CHARS:
        raise CorpusError(f"{name}: {len(extracted.text):,} characters of text, over the {MAX_TEXT_CHARS:,} limit; split it")
    return extracted
