"""PDF text as paragraphs: the text layer laid out by pdfminer.six (MIT), which finds text blocks and
reads columns in order, then rebuilt as a reader would read it.

- Lines of one block are joined into one paragraph; a word hyphenated at a line end is joined
  back ("sys-" + "tem" -> "system", when the next line goes on in lower case).
- Ligatures (U+FB00-FB06) become their letters; C1 control codes, which some PDFs use for
  Windows-1252 quotes and dashes, become those characters; glyphs without a Unicode mapping are dropped.
- Lines in the top or bottom band of the page that repeat on most pages (running headers and
  footers, digits ignored) and bare page numbers there are dropped.
- Tables (`pdf_tables.find_tables`, on the page's glyphs and ruling lines) are written where they
  stood, one row a line with each cell under its column's header ("State / Territory: Kentucky |
  Permit: 264,140 | ..."); their words are not read again as paragraphs.
- A text layer that is mostly not words (glyph soup from a custom font encoding) is refused, as a
  scan is. Encryption and damage are refused by pypdf first, with the reason.
Pages are separated by a blank line; each page's start is kept, so an answer knows its page.

Nothing a PDF holds can stall its reading: pdfminer's decoders are bounded by the bytes they really
produce (MAX_INFLATED_BYTES for all of a file's streams: a 2.6 MB file can inflate to gigabytes), the
time budget is checked at every operator of a page's content and every character drawn, a page of
more than MAX_PAGE_CHARS characters is refused, and a page whose layout analysis would take quadratic
time is laid out by simpler rules (`_page_class`). pdfminer has no settings for these, so its
decoders and content parser are wrapped once (`_bound_pdfminer`); the wrappers act only while
`pdf_text` reads a file, in its thread.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections import Counter
from contextvars import ContextVar
from functools import lru_cache

from qa.errors import CorpusError
from qa.index.extracted import Budget, ExtractedText, plausible_date, table_lines
from qa.index.office import paged
from qa.index.pdf_tables import RULING_THICKNESS, Glyph, Ruling, Table, find_tables, header_names

MAX_INFLATED_BYTES = 100_000_000  # all of a PDF's streams, decoded (pdfminer keeps them in memory)
MAX_PAGE_CHARS = 100_000  # characters laid out on one page (a dense page has ~5,000; each takes ~1 KB)
MAX_NEIGHBOURS = 20_000  # pairs of touching lines on a page, grouped into blocks (a page of text: ~300)
MAX_FLOW_BOXES = 300  # blocks on a page ordered by their distances, a quadratic step (1,000 took 5 s)
BAND = 0.1  # the top and bottom tenth of a page, where running headers, footers and page numbers sit
REPEATED_SHARE = 0.5  # a band line on at least half the pages (and 3 or more) runs through the document
MIN_WORD_SHARE = 0.6  # below this share of word-like tokens, a text layer is glyph soup
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_C1 = str.maketrans({chr(code): bytes([code]).decode("cp1252", "replace").replace("\ufffd", "") for code in range(0x80, 0xA0)})
_UNMAPPED = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b-\x1f]")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]", re.IGNORECASE)
_TOKEN = re.compile(r"\S+")
_WORDLIKE = re.compile(r"[\"'“‘(\[]*[^\W\d_]*[aeiouyàâäéèêëîïôöûüæœø][^\W\d_]*(?:['’-][^\W\d_]+)*[.,;:!?\"'”’)\]]*", re.IGNORECASE)
MAX_PAGE_PATHS = 10_000  # drawn lines and rectangles kept from one page, where rulings are looked for
_Block = tuple[float, float, list[str], bool]  # a text box's y0, y1 (pdfminer's, upwards), lines, whether a table
_Page = tuple[float, list[_Block]]  # a page's height and blocks
for _library in ("pdfminer", "pypdf"):  # damage is reported once, as a CorpusError, not as log noise
    logging.getLogger(_library).setLevel(logging.ERROR)


class _Reading:
    """One PDF being read: its name, time budget, and the bytes its streams have given so far."""

    def __init__(self, name: str, budget: Budget) -> None:
        self.name, self.budget, self.inflated = name, budget, 0

    def produced(self, size: int) -> None:
        self.inflated += size
        if self.inflated > MAX_INFLATED_BYTES:
            raise CorpusError(f"{self.name}: its compressed streams unpack to over {MAX_INFLATED_BYTES / 1e6:.0f} MB "
                              "(a decompression bomb?); it was not read")


_READING: ContextVar[_Reading | None] = ContextVar("pdf_reading", default=None)


def pdf_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    created = _check_readable(raw, name)
    pages = _read_pages(raw, name, budget)
    running = _running_lines(pages)
    texts = [_page_paragraphs(height, blocks, running) for height, blocks in pages]
    if not any(text.strip() for text in texts):
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    if _word_share(" ".join(texts)) < MIN_WORD_SHARE:
        raise CorpusError(f"{name}: the PDF's text layer is not readable text (a font without a Unicode mapping?); "
                          "run OCR on it first")
    return paged(texts).model_copy(update={"date": created, "date_source": "the PDF's creation date" if created else None})


def pdf_tables(raw: bytes, name: str, budget: Budget) -> list[tuple[int, Table]]:
    """The tables found in a PDF, with the number of the page (from 1) each stands on."""
    _check_readable(raw, name)
    found = []
    _read_pages(raw, name, budget, found)
    return found


def _read_pages(raw: bytes, name: str, budget: Budget, found: list[tuple[int, Table]] | None = None) -> list[_Page]:
    """Each page's height and blocks of text in reading order, a table as one block of rows
    (its tables, numbered by page, added to `found`)."""
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    _bound_pdfminer()
    pages: list[_Page] = []
    reading = _READING.set(_Reading(name, budget))
    try:
        resources = PDFResourceManager(caching=True)
        device = _aggregator_class()(resources, laparams=LAParams())
        interpreter = PDFPageInterpreter(resources, device)
        for number, page in enumerate(PDFPage.get_pages(io.BytesIO(raw), caching=True), start=1):
            budget.check()
            interpreter.process_page(page)
            layout = device.get_result()
            glyphs, rulings = _marks(layout)
            tables = find_tables(glyphs, rulings, layout.width, _tick)
            if found is not None:
                found += [(number, table) for table in tables]
            pages.append((layout.height, _blocks(layout, tables)))
    except CorpusError:
        raise
    except Exception as error:  # pdfminer raises many kinds on damaged files
        raise CorpusError(f"{name}: a damaged PDF ({type(error).__name__})") from None
    finally:
        _READING.reset(reading)
    return pages


def _marks(layout) -> tuple[list[Glyph], list[Ruling]]:
    """A laid-out page's glyphs (those pdfminer put in text lines) and rulings, top-down."""
    from pdfminer.layout import LTChar, LTLine, LTRect, LTTextBox

    height, glyphs, rulings = layout.height, [], []
    for item in layout:
        if isinstance(item, LTTextBox):
            for line in item:
                for char in line:
                    if isinstance(char, LTChar):
                        glyphs.append(Glyph(char.x0, char.x1, height - char.y1, height - char.y0, char.get_text(),
                                            char.size))
        elif isinstance(item, (LTLine, LTRect)):
            box = Ruling(item.x0, item.x1, height - item.y1, height - item.y0)
            if min(box.x1 - box.x0, box.bottom - box.top) <= RULING_THICKNESS:
                rulings.append(box)
            elif isinstance(item, LTRect):
                rulings += [box._replace(bottom=box.top), box._replace(top=box.bottom),
                            box._replace(x1=box.x0), box._replace(x0=box.x1)]
    return glyphs, rulings


def _blocks(layout, tables: list[Table]) -> list[_Block]:
    """The page's text boxes as blocks of lines, in pdfminer's reading order; the lines standing in
    a table are left out, and the table's rows stand, as one block, where its first line stood."""
    from pdfminer.layout import LTTextBox

    height, blocks, placed = layout.height, [], set()
    for box in (item for item in layout if isinstance(item, LTTextBox)):
        lines = []
        for line in box:
            top, bottom = height - line.y1, height - line.y0
            middle, centre = (top + bottom) / 2, (line.x0 + line.x1) / 2
            table = next((index for index, t in enumerate(tables)
                          if t.top - 1 <= middle <= t.bottom + 1 and t.x0 - 1 <= centre <= t.x1 + 1), None)
            if table is None:
                lines.append(_clean(line.get_text()))
                continue
            if table not in placed:
                placed.add(table)
                if lines:
                    blocks.append((box.y0, box.y1, lines, False))
                    lines = []
                blocks.append((box.y0, box.y1, _table_rows(tables[table]), True))
        if lines:
            blocks.append((box.y0, box.y1, lines, False))
    return blocks


def _table_rows(table: Table) -> list[str]:
    """A table's rows, each cell given with its column's header (header rows joined per column)."""
    rows = [[_clean(cell) for cell in row] for row in table.rows]
    body = rows[table.header_rows:]
    if table.header_rows and body:
        return table_lines([[_clean(name) for name in header_names(table)]] + body, marked=True)
    return table_lines(rows)


def _tick() -> None:
    """One more piece of work for the PDF being read: CorpusError once its time is spent."""
    reading = _READING.get()
    if reading is not None:
        reading.budget.check()


def _produced(size: int) -> None:
    reading = _READING.get()
    if reading is not None:
        reading.produced(size)


@lru_cache(maxsize=1)
def _aggregator_class():
    """pdfminer's page aggregator, checking the budget at every object drawn, refusing a page of
    more than MAX_PAGE_CHARS characters, keeping no images and the first MAX_PAGE_PATHS shapes (where
    tables' rulings are looked for), and laying
    out its pages with `_page_class`."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.utils import apply_matrix_rect

    page_class = _page_class()

    class CheckedAggregator(PDFPageAggregator):
        def begin_page(self, page, ctm) -> None:
            x0, y0, x1, y1 = apply_matrix_rect(ctm, page.mediabox)
            self.cur_item, self.chars, self.paths = page_class(self.pageno, (0, 0, abs(x0 - x1), abs(y0 - y1))), 0, 0

        def render_char(self, *args, **kwargs) -> float:
            _tick()
            self.chars += 1
            if self.chars > MAX_PAGE_CHARS:
                reading = _READING.get()
                raise CorpusError(f"{reading.name if reading else 'the PDF'}: page {self.pageno} draws over "
                                  f"{MAX_PAGE_CHARS:,} characters, more than can be laid out; it was not read")
            return super().render_char(*args, **kwargs)

        def paint_path(self, *args, **kwargs) -> None:
            _tick()
            self.paths += 1
            if self.paths <= MAX_PAGE_PATHS:
                super().paint_path(*args, **kwargs)

        def render_image(self, *args, **kwargs) -> None:
            _tick()

    return CheckedAggregator


@lru_cache(maxsize=1)
def _page_class():
    """pdfminer's page, laid out as pdfminer does unless that would take quadratic time: when its
    lines touch over MAX_NEIGHBOURS others (lines drawn over each other), each line is a block of
    its own; over MAX_FLOW_BOXES blocks, they are read top to bottom, left to right, instead of
    grouped by their distances (all pairs of them)."""
    from pdfminer.layout import LTPage, LTTextBoxHorizontal, LTTextBoxVertical, LTTextGroupLRTB, LTTextLineHorizontal
    from pdfminer.utils import Plane

    class CheckedPage(LTPage):
        def group_textlines(self, laparams, lines):
            plane, touching = Plane(self.bbox), 0
            plane.extend(lines)
            for line in lines:
                _tick()
                touching += len(line.find_neighbors(plane, laparams.line_margin))
                if touching > MAX_NEIGHBOURS:
                    break
            else:
                yield from super().group_textlines(laparams, lines)
                return
            for line in lines:
                box = LTTextBoxHorizontal() if isinstance(line, LTTextLineHorizontal) else LTTextBoxVertical()
                box.add(line)
                yield box

        def group_textboxes(self, laparams, boxes):
            return super().group_textboxes(laparams, boxes) if len(boxes) <= MAX_FLOW_BOXES else [LTTextGroupLRTB(boxes)]

    return CheckedPage


@lru_cache(maxsize=1)
def _bound_pdfminer() -> None:
    """Wrap pdfminer's stream decoders, so that every byte they produce is counted (and inflating
    stops at the bound, never holding more), and its content parser, so that the budget is checked
    at every operator. Once per process; outside `pdf_text` the wrappers only do pdfminer's work."""
    from types import SimpleNamespace

    from pdfminer import pdfinterp, pdftypes
    from pdfminer.lzw import LZWDecoder

    def inflate(data: bytes) -> bytes:
        """zlib.decompress, in pieces of at most 1 MB, each counted before the next is made."""
        inflater, pieces = zlib.decompressobj(), []
        while data:
            pieces.append(inflater.decompress(data, 1 << 20))
            _produced(len(pieces[-1]))
            data = inflater.unconsumed_tail
        pieces.append(inflater.flush())
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        return b"".join(pieces)

    def inflate_damaged(data: bytes) -> bytes:
        """What a damaged zlib stream gives before its damage (pdfminer's own way is quadratic)."""
        inflater, pieces = zlib.decompressobj(), []
        try:
            while data:
                pieces.append(inflater.decompress(data, 1 << 20))
                _produced(len(pieces[-1]))
                data = inflater.unconsumed_tail
        except zlib.error:
            pass
        return b"".join(pieces)

    def lzw(data: bytes) -> bytes:
        pieces = []
        for piece in LZWDecoder(io.BytesIO(data)).run():
            _produced(len(piece))
            pieces.append(piece)
        return b"".join(pieces)

    run_length = pdftypes.rldecode

    def bounded_run_length(data: bytes) -> bytes:
        _produced(64 * len(data))  # the most it can give, counted first: pdfminer decodes it one byte at a time
        return run_length(data)

    class CheckedContentParser(pdfinterp.PDFContentParser):
        def do_keyword(self, pos, token) -> None:
            _tick()
            super().do_keyword(pos, token)

    pdftypes.zlib = SimpleNamespace(decompress=inflate, error=zlib.error)
    pdftypes.decompress_corrupted = inflate_damaged
    pdftypes.lzwdecode, pdftypes.rldecode = lzw, bounded_run_length
    pdfinterp.PDFContentParser = CheckedContentParser


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


def _running_lines(pages: list[_Page]) -> set[str]:
    """Shapes of the band lines found on at least REPEATED_SHARE of the pages (and on 3 or more)."""
    seen = Counter()
    for height, blocks in pages:
        seen.update({_shape(line) for y0, y1, lines, table in blocks if not table and _in_band(height, y0, y1)
                     for line in lines if line})
    least = max(3, REPEATED_SHARE * len(pages))
    return {shape for shape, count in seen.items() if count >= least}


def _page_paragraphs(height: float, blocks: list[_Block], running: set[str]) -> str:
    """The page's blocks, each a paragraph; a table one line per row."""
    paragraphs = []
    for y0, y1, lines, table in blocks:
        if not table and _in_band(height, y0, y1):
            lines = [line for line in lines if _shape(line) not in running and not _PAGE_NUMBER.fullmatch(line)]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("\n".join(lines) if table else _joined(lines))
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
