"""Document formats: the text a file holds, and where each of its pages begins in that text.

- `.txt` / `.md`: the file's UTF-8 text (a leading byte-order mark dropped, nothing else changed).
- `.pdf` (pypdf, BSD): the text layer, page by page; pages are separated by a blank line and
  each page's start offset is kept, so an answer knows its 1-based page. No text layer,
  encryption or damage is a CorpusError saying so.
- `.docx` (python-docx, MIT): paragraphs and headings one per line, tables one row per line
  with cells separated by " | ", in document order.
- `.html` / `.htm` (the standard library's parser): the main content only. Scripts, styles,
  navigation, headers, footers, asides and forms are dropped; when the page marks its main
  content (`<main>`, `<article>`, role="main"), only that is kept.
The extracted text is what the index stores and what every offset indexes into.
"""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser

from pydantic import BaseModel

from qa.errors import CorpusError

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx", ".html", ".htm")
PAGE_BREAK = "\n\n"
logging.getLogger("pypdf").setLevel(logging.ERROR)  # damage is reported once, as a CorpusError, not as log noise


class ExtractedText(BaseModel):
    """A file's text and, for paged formats, the offset at which each page begins."""

    text: str
    page_starts: list[int] = []


def extract_text(raw: bytes, suffix: str, name: str) -> ExtractedText:
    """The text of a file's bytes in the format its suffix names; CorpusError saying why not."""
    suffix = suffix.lower()
    if suffix in TEXT_SUFFIXES:
        extracted = ExtractedText(text=_decode_text(raw, name))
    elif suffix == ".pdf":
        extracted = _pdf(raw, name)
    elif suffix == ".docx":
        extracted = _docx(raw, name)
    elif suffix in (".html", ".htm"):
        extracted = ExtractedText(text=_html(_decode_html(raw)))
    else:
        raise CorpusError(f"{name}: {suffix or 'this'} files cannot be read; use {', '.join(SUFFIXES)}")
    if not extracted.text.strip():
        raise CorpusError(f"{name}: no text in it")
    return extracted


def _decode_text(raw: bytes, name: str) -> str:
    """UTF-8 text with a leading byte-order mark dropped; CorpusError if binary or not UTF-8."""
    if b"\x00" in raw:
        raise CorpusError(f"{name}: looks binary, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError(f"{name}: not UTF-8 text; convert it to UTF-8") from None


# ---- PDF ----------------------------------------------------------------------------------
def _pdf(raw: bytes, name: str) -> ExtractedText:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name}: the PDF is encrypted; save a copy without a password")
        pages = [_tidy_page(page.extract_text() or "") for page in reader.pages]
    except CorpusError:
        raise
    except Exception as error:  # pypdf raises many kinds (PdfReadError, KeyError, RecursionError...) on damaged files
        raise CorpusError(f"{name}: a damaged PDF ({type(error).__name__})") from None
    if not any(page.strip() for page in pages):
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    text, starts = "", []
    for page in pages:
        text += PAGE_BREAK if text else ""
        starts.append(len(text))
        text += page
    return ExtractedText(text=text, page_starts=starts)


def _tidy_page(text: str) -> str:
    """A page's text with trailing spaces and runs of blank lines removed (offsets index the result)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# ---- Word ---------------------------------------------------------------------------------
def _docx(raw: bytes, name: str) -> ExtractedText:
    from docx import Document as WordDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = WordDocument(io.BytesIO(raw))
        lines = []
        for block in document.element.body.iterchildren():
            if block.tag.endswith("}p"):
                lines.append(Paragraph(block, document).text.strip())
            elif block.tag.endswith("}tbl"):
                for row in Table(block, document).rows:
                    cells = _unique_cells(cell.text.strip() for cell in row.cells)
                    lines.append(" | ".join(cell for cell in cells if cell))
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None
    return ExtractedText(text="\n".join(line for line in lines if line))


def _unique_cells(cells) -> list[str]:
    """Cells of a row, merged cells (which Word repeats) once."""
    kept: list[str] = []
    for cell in cells:
        if not kept or cell != kept[-1]:
            kept.append(cell)
    return kept


# ---- HTML ---------------------------------------------------------------------------------
_SKIPPED = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
            "button", "select", "iframe", "head", "menu", "dialog"}
_SKIPPED_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "dialog"}
_BOILERPLATE_NAMES = re.compile(r"(^|[\s_-])(nav|navbar|menu|footer|header|sidebar|breadcrumbs?|cookies?|banner|share|social)($|[\s_-])",
                                re.IGNORECASE)
_BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5",
           "h6", "blockquote", "pre", "br", "hr", "dd", "dt", "figcaption", "caption", "title"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode_html(raw: bytes) -> str:
    """HTML bytes as text: UTF-8, else the charset the page declares, else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = _CHARSET.search(raw[:4096])
        for encoding in ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]:
            try:
                return raw.decode(encoding, errors="replace")
            except LookupError:
                continue
    return raw.decode("latin-1")


class _MainText(HTMLParser):
    """Collects the visible text of a page, block by block, outside boilerplate elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, main)
        self.all_lines: list[str] = [""]
        self.main_lines: list[str] = [""]
        self.title = ""
        self._in_title = False
        self._space = False  # whitespace (or a cell boundary) since the last words

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._break()
            return
        skipped = self._skipping() or tag in _SKIPPED or attributes.get("role", "") in _SKIPPED_ROLES \
            or bool(_BOILERPLATE_NAMES.search(f"{attributes.get('class', '')} {attributes.get('id', '')}")) \
            or "hidden" in attributes or attributes.get("aria-hidden") == "true"
        main = self._in_main() or tag in ("main", "article") or attributes.get("role") == "main"
        self.stack.append((tag, skipped, main))
        if tag in _BLOCKS:
            self._break()
        elif tag in ("td", "th"):
            self._space = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        for depth in range(len(self.stack) - 1, -1, -1):  # close up to the matching tag (forgiving bad nesting)
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skipping():
            return
        words = " ".join(data.split())
        if words:
            spaced = self._space or data[:1].isspace()
            for lines in (self.all_lines, self.main_lines) if self._in_main() else (self.all_lines,):
                lines[-1] += (" " if lines[-1] and spaced else "") + words
        self._space = data[-1:].isspace() if words else self._space or bool(data)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _in_main(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def _break(self) -> None:
        for lines in (self.all_lines, self.main_lines):
            if lines[-1]:
                lines.append("")


def _html(markup: str) -> str:
    parser = _MainText()
    parser.feed(markup)
    parser.close()
    main = [line for line in parser.main_lines if line]
    lines = main or [line for line in parser.all_lines if line]
    title = " ".join(parser.title.split())
    if title and (not lines or title not in lines[0]):
        lines = [title, *lines]
    return "\n".join(lines)
