"""Document formats: the text a file holds, and where each of its pages begins in that text.

- `.txt` / `.md`: the file's UTF-8 text (a leading byte-order mark dropped, nothing else changed).
- `.pdf` (pypdf, BSD): the text layer, page by page; pages are separated by a blank line and
  each page's start offset is kept, so an answer knows its 1-based page. No text layer,
  encryption or damage is a CorpusError saying so.
- `.docx` (python-docx, MIT): paragraphs and headings one per line, tables one row per line
  with cells separated by " | " (under a header row, each cell with its header), in document order.
- `.html` / `.htm` (trafilatura, Apache-2.0, chosen on the article-extraction benchmark:
  `eval/html_benchmark.py`): the article with its title, headings, lists and tables, without
  comments or related links; its publication date is kept. Pages too large for it, or where it
  finds nothing, are read by linear rules on the standard library's parser (main content only).
The extracted text is what the index stores and what every offset indexes into.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections import Counter
from html.parser import HTMLParser

from pydantic import BaseModel

from qa.errors import CorpusError

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx", ".html", ".htm")
PAGE_BREAK = "\n\n"
MAX_TEXT_CHARS = 20_000_000  # as much as the largest text file read (20 MB)
MAX_UNPACKED_BYTES = 200_000_000  # a Word file's parts, uncompressed, all together
MAX_PACKING_RATIO = 100  # XML packs 5-20x; a bomb thousands of times
HTML_CHUNK = 65_536  # characters fed to the parser between two looks at the clock
MAX_EXTRACTOR_ELEMENTS = 20_000  # trafilatura takes ~0.1 ms an element; real pages have ~800 (at most 1,709 of 181)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
logging.getLogger("pypdf").setLevel(logging.ERROR)  # damage is reported once, as a CorpusError, not as log noise


class ExtractedText(BaseModel):
    """A file's text and, for paged formats, the offset at which each page begins."""

    text: str
    page_starts: list[int] = []
    date: str | None = None  # YYYY-MM-DD, when the file's metadata gives one (a web page's publication date)


class Budget:
    """How long reading one file may take, checked between its pages, blocks or chunks (no limit: None)."""

    def __init__(self, name: str, seconds: float | None) -> None:
        self.name, self.seconds = name, seconds
        self._deadline = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CorpusError(f"{self.name}: reading it took over {self.seconds:g} s, so it was not added; "
                              "index large files with `qa index`")


def extract_text(raw: bytes, suffix: str, name: str, seconds: float | None = None) -> ExtractedText:
    """The text of a file's bytes in the format its suffix names, read within `seconds` (None: no
    limit) and at most MAX_TEXT_CHARS long; CorpusError saying why not."""
    suffix, budget = suffix.lower(), Budget(name, seconds)
    if suffix in TEXT_SUFFIXES:
        extracted = ExtractedText(text=_decode_text(raw, name))
    elif suffix == ".pdf":
        extracted = _pdf(raw, name, budget)
    elif suffix == ".docx":
        extracted = _docx(raw, name, budget)
    elif suffix in (".html", ".htm"):
        extracted = _html(_decode_html(raw), budget)
    else:
        raise CorpusError(f"{name}: {suffix or 'this'} files cannot be read; use {', '.join(SUFFIXES)}")
    if not extracted.text.strip():
        raise CorpusError(f"{name}: no text in it")
    if len(extracted.text) > MAX_TEXT_CHARS:
        raise CorpusError(f"{name}: {len(extracted.text):,} characters of text, over the {MAX_TEXT_CHARS:,} limit; split it")
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
def _pdf(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(f"{name}: the PDF is encrypted; save a copy without a password")
        pages = []
        for page in reader.pages:
            budget.check()
            pages.append(_tidy_page(page.extract_text() or ""))
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
def _docx(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from docx import Document as WordDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_word_archive(raw, name)
    try:
        document = WordDocument(io.BytesIO(raw))
        lines = []
        for block in document.element.body.iterchildren():
            budget.check()
            if block.tag.endswith("}p"):
                lines.append(Paragraph(block, document).text.strip())
            elif block.tag.endswith("}tbl"):
                table = Table(block, document)
                marked = bool(table.rows) and bool(table.rows[0]._tr.xpath("./w:trPr/w:tblHeader"))
                lines += _table_lines([[cell.text.strip() for cell in row.cells] for row in table.rows], marked)
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None
    return ExtractedText(text="\n".join(line for line in lines if line))


def _check_word_archive(raw: bytes, name: str) -> None:
    """CorpusError, before anything is unpacked, for a zip bomb or XML that declares entities
    (Word never writes a DOCTYPE; entities would hide the text after them, or reach outside)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = sum(member.compress_size for member in members)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * max(packed, 1_000_000):
                raise CorpusError(f"{name}: unpacks to {unpacked / 1e6:,.0f} MB from {len(raw) / 1e6:.1f} MB (a zip bomb?); "
                                  "it was not read")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise CorpusError(f"{name}: its XML declares entities (<!DOCTYPE>), which Word never writes; "
                                          "it was not read")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as error:
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None


def _table_lines(rows: list[list[str]], marked: bool = False) -> list[str]:
    """A table one row per line. When its first row is a header (marked as Word's repeated header
    row, or every cell filled and none holding a digit, as data rows usually do), each later cell
    is given with its column's header, so a row answers alone: "Milestone: Public launch | Date:
    1 November 2024". Merged cells, which Word repeats, count once."""
    looks_like_header = bool(rows) and all(rows[0]) and not any(char.isdigit() for cell in rows[0] for char in cell)
    header = rows[0] if len(rows) > 1 and (marked or looks_like_header) else None
    lines = []
    for row in rows[1:] if header else rows:
        merged = [index for index, cell in enumerate(row) if index and cell == row[index - 1]]
        kept = [index for index in range(len(row)) if index not in merged]
        cells = [row[index] for index in kept]
        lines.append(header_cells([header[index] if index < len(header) else "" for index in kept], cells) if header
                     else " | ".join(cell for cell in cells if cell))
    return lines


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
    """Collects the visible text of a page, block by block, outside boilerplate elements.

    Linear in the page: open elements are counted by tag, so an end tag that matches nothing is
    dropped without scanning the stack, and each line is gathered as pieces joined once.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, main)
        self.open_tags: Counter[str] = Counter()
        self.all_lines: list[list[str]] = [[]]
        self.main_lines: list[list[str]] = [[]]
        self.title: list[str] = []
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
        self.open_tags[tag] += 1
        if tag in _BLOCKS:
            self._break()
        elif tag in ("td", "th"):
            self._space = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self.open_tags[tag]:  # close up to the matching tag (forgiving bad nesting); each element is closed once
            while self.stack:
                closed = self.stack.pop()[0]
                self.open_tags[closed] -= 1
                if closed == tag:
                    break
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._skipping():
            return
        words = " ".join(data.split())
        if words:
            spaced = self._space or data[:1].isspace()
            for lines in (self.all_lines, self.main_lines) if self._in_main() else (self.all_lines,):
                if lines[-1] and spaced:
                    lines[-1].append(" ")
                lines[-1].append(words)
        self._space = data[-1:].isspace() if words else self._space or bool(data)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _in_main(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def _break(self) -> None:
        for lines in (self.all_lines, self.main_lines):
            if lines[-1]:
                lines.append([])

    def text_lines(self) -> tuple[list[str], list[str]]:
        """The main content's lines and all lines."""
        return [line for pieces in self.main_lines if (line := "".join(pieces))], \
            [line for pieces in self.all_lines if (line := "".join(pieces))]


def _html(markup: str, budget: Budget) -> ExtractedText:
    """The page's article: by trafilatura (chosen by measurement, eval/html_benchmark.py), its title
    first and its publication date kept; by our linear rules when trafilatura finds nothing or the
    page is too large for it to read in reasonable time."""
    article = _article(markup, budget)
    if article is not None:
        return article
    parser = _MainText()
    for start in range(0, len(markup), HTML_CHUNK):
        budget.check()
        parser.feed(markup[start : start + HTML_CHUNK])
    parser.close()
    main, every = parser.text_lines()
    return ExtractedText(text=_titled(" ".join("".join(parser.title).split()), main or every))


def _article(markup: str, budget: Budget) -> ExtractedText | None:
    """trafilatura's reading of the page (tables as rows with their headers), or None.

    Favouring precision scored best on the benchmark pages (F1 0.964 against 0.960 by default), and
    a low minimum size keeps a short page's text rather than falling back to every line of it.
    """
    import trafilatura
    from trafilatura.settings import use_config
    from trafilatura.utils import load_html

    budget.check()
    tree = load_html(markup)
    if tree is None or sum(1 for _ in tree.iter()) > MAX_EXTRACTOR_ELEMENTS:
        return None
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "10")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    found = trafilatura.bare_extraction(tree, include_comments=False, include_tables=True, with_metadata=True,
                                        favor_precision=True, config=config)
    budget.check()
    lines = _rows_with_headers([line.strip() for line in (found.text or "").splitlines()]) if found else []
    if not any(lines):
        return None
    return ExtractedText(text=_titled(" ".join((found.title or "").split()), [line for line in lines if line]),
                         date=found.date if found.date and _ISO_DATE.fullmatch(found.date) else None)


def _titled(title: str, lines: list[str]) -> str:
    """The lines, the page's title first unless the first line already holds it."""
    if title and (not lines or title not in lines[0]):
        lines = [title, *lines]
    return "\n".join(lines)


def _rows_with_headers(lines: list[str]) -> list[str]:
    """Markdown tables (as trafilatura writes them) as one line per row, each cell with its column's
    header: "Milestone: Public launch | Date: 1 November 2024"."""
    kept, header = [], None
    for number, line in enumerate(lines):
        if not (line.startswith("|") and line.endswith("|")):
            kept.append(line)
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue  # the separator under a header row
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if header is None and following.startswith("|") and set(following) <= set("|-: "):
            header = cells
            continue
        kept.append(header_cells(header, cells) if header else " | ".join(cell for cell in cells if cell))
    return kept


def header_cells(header: list[str], cells: list[str]) -> str:
    """A table row as "Header: cell | Header: cell" (empty cells left out; a cell without a header as it is)."""
    named = [f"{name}: {cell}" if name and name != cell else cell for name, cell in zip(header + [""] * len(cells), cells) if cell]
    return " | ".join(named)
