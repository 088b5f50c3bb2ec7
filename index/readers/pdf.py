"""PDF text as it was written: the characters pdfminer.six (MIT) finds on each page, laid out here
into words, lines and paragraphs in the order the page draws them.

- Words: a space where the page draws one or leaves a gap wider than WORD_GAP font sizes (justified
  text, as browsers print it, often draws no space glyphs). Lines: characters on one baseline (a
  superscript too), left to right; an accent drawn as a glyph of its own over a letter is set on it
  ("x̃"), and a lone symbol flush right on a line's baseline (a proof's square) ends that line.
- Paragraphs, a blank line between them: a line goes on the paragraph above when set in the same
  type just below it (by baselines: math fonts' boxes reach far below theirs), not indented, the
  line before not a short one ending a sentence; a heading (larger or bold) is one paragraph however
  many lines it takes. A paragraph whose last line fills its column without ending the sentence goes
  on at the top of the next column or page.
- A word hyphenated at a line end is joined back ("sys-" + "tem" -> "system"; "Schwarz-" + "Weiß"
  keeps its hyphen). Ligatures (U+FB00-FB06) become their letters; C1 control codes, which some PDFs
  use for Windows-1252 quotes and dashes, become those characters; TeX's math fonts without a
  Unicode mapping read as their symbols (`tex_fonts`); glyphs without any mapping are dropped.
- Lines in the top or bottom band of the page that repeat on most pages (running headers and
  footers, digits ignored) and bare page numbers there are dropped: never text, never the title.
- Tables (`pdf_tables.find_tables`, on the page's glyphs and ruling lines) are written where they
  stood, one row a line with each cell under its column's header ("State / Territory: Kentucky |
  Permit: 264,140 | ..."); their words are not read again as paragraphs.
- A text layer that is mostly not words (glyph soup from a custom font encoding) is refused, as a
  scan is. Encryption and damage are refused by pypdf first, with the reason.
Each page's start is kept, so an answer knows its page. Measured with the py-pdf benchmark's
measure by eval/pdf_text_benchmark.py.

Nothing a PDF holds can stall its reading: pdfminer's decoders are bounded by the bytes they really
produce (MAX_INFLATED_BYTES for all of a file's streams: a 2.6 MB file can inflate to gigabytes), the
time budget is checked at every operator of a page's content, every character drawn and every line
laid out, a page of more than MAX_PAGE_CHARS characters is refused, and the layout here is one pass
over a page's characters (pdfminer's own, which compares blocks pairwise, is not used). pdfminer has
no settings for these, so its decoders and content parser are wrapped once (`_bound_pdfminer`); the
wrappers act only while `pdf_text` reads a file, in its thread.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zlib
from collections import Counter
from contextvars import ContextVar
from functools import lru_cache
from typing import NamedTuple

from pydantic import BaseModel

from qa.errors import CorpusError
from qa.index.blocks import Heading
from qa.index.readers.extracted import Budget, ExtractedText, joined_at_line_end, plausible_date, table_lines
from qa.index.readers.ocr import scanned_pages
from qa.index.readers.tex_fonts import tex_math_text
from qa.index.readers.pdf_tables import RULING_THICKNESS, Glyph, Ruling, Table, find_tables, header_names

MAX_INFLATED_BYTES = 100_000_000  # all of a PDF's streams, decoded (pdfminer keeps them in memory)
MAX_PAGE_CHARS = 100_000  # characters laid out on one page (a dense page has ~5,000; each takes ~1 KB)
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
WORD_GAP = 0.15  # a gap wider than this many font sizes between two characters is a space
MAX_LINE_GAP = 3.0  # a character further right than this many font sizes starts a line of its own
LINE_GAP = 0.6  # a paragraph's lines are at most this many font sizes apart (baseline step less one size)
INDENT = 0.8  # a line starting this many font sizes right of the line above opens a paragraph
FULL_LINE = 2.0  # a line ending within this many font sizes of its paragraph's right edge fills it
SIZE_TOLERANCE = 0.1  # font sizes this close (as a share) are one type
PARAGRAPH_BREAK = "\n\n"  # between paragraphs (and pages), as plain text is written
_LEADER_ENDED = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlc]{1,6})$", re.IGNORECASE)  # ". . . . 12": a contents entry
_PAGE_REFERENCE = re.compile(r"\d{1,4}|[ivxlc]{1,6}", re.IGNORECASE)  # "12", "iv": a page number set flush right
_SENTENCE_END = (".", "!", "?", ":", ".\"", ".”", ".)", "?\"", "!\"", "?”", "!”")
_BOLD = re.compile(r"bold|black|heavy|cmbx", re.IGNORECASE)
_COMBINING = {"˜": "\u0303", "~": "\u0303", "ˆ": "\u0302", "^": "\u0302", "¨": "\u0308", "˙": "\u0307", "´": "\u0301",
              "`": "\u0300", "¯": "\u0304", "˘": "\u0306", "ˇ": "\u030c", "˚": "\u030a", "˝": "\u030b"}  # spacing accents
HEADING_SIZE = 1.15  # a short paragraph set this many times larger than the body text is a heading
MAX_HEADING_CHARS = 200  # and so is a short bold one at body size that ends no sentence


class _Line(NamedTuple):
    """A line of text, top-down coordinates, with the size, weight and baseline of most of its characters."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    baseline: float


class _Paragraph(BaseModel):
    """A paragraph's lines (or a table's rows), each with the number of the page it stands on, and the
    lines' shapes (none for a table)."""

    model_config = {"arbitrary_types_allowed": True}
    lines: list[tuple[int, str]]
    shape: list[_Line] = []
    table: bool = False


_Page = tuple[float, list[_Line | list[str]]]  # a page's height, and its lines and tables (rows) in reading order
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
    paragraphs = _paragraphs(pages, _running_lines(pages))
    read = {number for paragraph in paragraphs for number, _ in paragraph.lines}  # pages without text: by OCR
    blank = [number for number in range(1, len(pages) + 1) if number not in read]
    scanned = [_Paragraph(lines=[(number, text)]) for number, texts in scanned_pages(raw, name, blank, len(pages), budget).items()
               for text in texts]
    paragraphs = sorted(paragraphs + scanned, key=lambda paragraph: paragraph.lines[0][0])
    if not paragraphs:
        raise CorpusError(f"{name}: the PDF has no text layer (a scan?); run OCR on it first")
    extracted = _written(paragraphs, len(pages), _heading_levels(paragraphs))
    if _word_share(extracted.text) < MIN_WORD_SHARE:
        raise CorpusError(f"{name}: the PDF's text layer is not readable text (a font without a Unicode mapping?); "
                          "run OCR on it first")
    return extracted.model_copy(update={"date": created, "date_source": "the PDF's creation date" if created else None})


def pdf_tables(raw: bytes, name: str, budget: Budget) -> list[tuple[int, Table]]:
    """The tables found in a PDF, with the number of the page (from 1) each stands on."""
    _check_readable(raw, name)
    found = []
    _read_pages(raw, name, budget, found)
    return found


def _read_pages(raw: bytes, name: str, budget: Budget, found: list[tuple[int, Table]] | None = None) -> list[_Page]:
    """Each page's height and its lines and tables in reading order, a table as the rows it holds
    (its tables, numbered by page, added to `found`)."""
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    _bound_pdfminer()
    pages: list[_Page] = []
    reading = _READING.set(_Reading(name, budget))
    try:
        resources = PDFResourceManager(caching=True)
        device = _aggregator_class()(resources)
        interpreter = PDFPageInterpreter(resources, device)
        for number, page in enumerate(PDFPage.get_pages(io.BytesIO(raw), caching=True), start=1):
            budget.check()
            interpreter.process_page(page)
            layout = device.get_result()
            chars, rulings, turned = _marks(layout)
            tables = find_tables([c for c in chars if c not in turned] if turned and 2 * len(turned) < len(chars) else chars,
                                 rulings, layout.width, _tick)  # a word set sideways in the margin is no cell
            if found is not None:
                found += [(number, table) for table in tables]
            pages.append((layout.height, _placed(_lines(chars), tables)))
    except CorpusError:
        raise
    except Exception as error:  # pdfminer raises many kinds on damaged files
        raise CorpusError(f"{name}: a damaged PDF ({type(error).__name__})") from None
    finally:
        _READING.reset(reading)
    return pages


def _marks(layout) -> tuple[list[Glyph], list[Ruling], set[Glyph]]:
    """A page's characters in the order the page draws them (those in figures too), its rulings, top-down
    (lines, thin rectangles, and the edges of others but where a shaded strip meets one of its colour), and
    the characters not drawn upright (turned: a page number set sideways in the margin)."""
    from pdfminer.layout import LTChar, LTFigure, LTLine, LTRect

    height, chars, rulings, shaded, turned = layout.height, [], [], [], []
    items = list(reversed(list(layout)))
    while items:
        item = items.pop()
        if isinstance(item, LTChar) and item.get_text():
            a, b, c, d, _, baseline = item.matrix
            level = b == c == 0 and a > 0 and d > 0  # drawn upright: its baseline is the text matrix's
            chars.append(Glyph(item.x0, item.x1, height - item.y1, height - item.y0, item.get_text(), item.size,
                               bool(_BOLD.search(item.fontname or "")), height - baseline if level else height - item.y0))
            if b or c:
                turned.append(chars[-1])
        elif isinstance(item, LTFigure):
            items += reversed(list(item))
        elif isinstance(item, (LTLine, LTRect)):
            box = Ruling(item.x0, item.x1, height - item.y1, height - item.y0)
            if min(box.x1 - box.x0, box.bottom - box.top) <= RULING_THICKNESS:
                rulings.append(box)
            elif isinstance(item, LTRect) and item.fill and not item.stroke:
                shaded.append((box, str(item.non_stroking_color)))
            elif isinstance(item, LTRect):
                rulings += [box._replace(bottom=box.top), box._replace(top=box.bottom),
                            box._replace(x1=box.x0), box._replace(x0=box.x1)]
    accented = _accented(chars)
    return accented, rulings + _shading_edges(shaded), set(turned).intersection(accented)


def _accented(chars: list[Glyph]) -> list[Glyph]:
    """Accents drawn as glyphs of their own over a letter (TeX's math accents, an OT1 font's umlauts) set
    on that letter as combining marks ("x̃", "ü"): the letter is the first glyph drawn after the accent,
    on its line and before passing its right edge, whose width takes in the accent's middle (or else the
    glyph drawn just before it, if it does). An accent over no letter stays as it is."""
    marks: dict[int, str] = {}
    for index, char in enumerate(chars):
        mark = _mark(char.text)
        base = _accent_base(chars, index) if mark else None
        if base is not None:
            marks[base] = marks.get(base, "") + mark
            marks[index] = ""
    return [char._replace(text=unicodedata.normalize("NFC", char.text + marks[index])) if marks.get(index) else char
            for index, char in enumerate(chars) if marks.get(index, None) != ""]


def _mark(text: str) -> str | None:
    """The combining mark a glyph's text is (a spacing accent's combining form), or None."""
    text = text.strip()
    if len(text) != 1:
        return None
    return _COMBINING.get(text) or (text if unicodedata.category(text) == "Mn" else None)


def _accent_base(chars: list[Glyph], index: int) -> int | None:
    """The index of the letter the accent at `index` stands on (see `_accented`), or None."""
    accent = chars[index]
    middle = (accent.x0 + accent.x1) / 2

    def under(char: Glyph) -> bool:
        return (char.x0 <= middle <= char.x1 and abs(char.baseline - accent.baseline) <= char.size
                and bool(char.text.strip()) and not _mark(char.text))

    for later in range(index + 1, len(chars)):
        char = chars[later]
        if char.x0 > accent.x1 or abs(char.baseline - accent.baseline) > char.size:
            break
        if under(char):
            return later
    return index - 1 if index and under(chars[index - 1]) else None


def _shading_edges(shaded: list[tuple[Ruling, str]]) -> list[Ruling]:
    """The edges of filled rectangles (with their colours) as rulings, but for an edge one shares with
    another of its colour: a shaded area drawn in strips, a line at a time, shows no line between them."""
    tops = {(round(b.x0), round(b.x1), round(b.top), colour) for b, colour in shaded}
    bottoms = {(round(b.x0), round(b.x1), round(b.bottom), colour) for b, colour in shaded}
    lefts = {(round(b.top), round(b.bottom), round(b.x0), colour) for b, colour in shaded}
    rights = {(round(b.top), round(b.bottom), round(b.x1), colour) for b, colour in shaded}
    edges = []
    for b, colour in shaded:
        if (round(b.x0), round(b.x1), round(b.top), colour) not in bottoms:
            edges.append(b._replace(bottom=b.top))
        if (round(b.x0), round(b.x1), round(b.bottom), colour) not in tops:
            edges.append(b._replace(top=b.bottom))
        if (round(b.top), round(b.bottom), round(b.x0), colour) not in rights:
            edges.append(b._replace(x1=b.x0))
        if (round(b.top), round(b.bottom), round(b.x1), colour) not in lefts:
            edges.append(b._replace(x0=b.x1))
    return edges


def _lines(chars: list[Glyph]) -> list[_Line]:
    """The characters as lines, in the order the page draws them. A character goes on the line before
    it when its baseline lies within half a font size of the line's (a superscript does) and it stands
    to the right of the character before, less than MAX_LINE_GAP font sizes away; words are spaced
    where the page draws a space or leaves a gap wider than WORD_GAP font sizes (justified text often
    has no space glyphs)."""
    lines, current, spaced = [], [], False
    for char in chars:
        if not char.text.strip():
            spaced = True
            continue
        if current and _on_line(current, char):
            gap = char.x0 - current[-1].x1
            spaced = spaced or gap > WORD_GAP * max(char.size, current[-1].size)
            current.append(char._replace(text=" " + char.text) if spaced else char)
        else:
            if current:
                lines.append(_line(current))
            current = [char]
        spaced = False
    if current:
        lines.append(_line(current))
    return _end_marks_kept([line for line in lines if line.text])


def _end_marks_kept(lines: list[_Line]) -> list[_Line]:
    """A lone symbol set flush right on the baseline of the line drawn before it (the square ending a
    proof, pushed to the margin) ends that line instead of standing as a line of its own."""
    kept: list[_Line] = []
    for line in lines:
        last = kept[-1] if kept else None
        if (last is not None and len(line.text) == 1 and not line.text.isalnum() and line.x0 > last.x1
                and abs(line.baseline - last.baseline) <= SIZE_TOLERANCE * line.size):
            kept[-1] = last._replace(text=f"{last.text} {line.text}")
        else:
            kept.append(line)
    return kept


def _on_line(line: list[Glyph], char: Glyph) -> bool:
    first, last = line[0], line[-1]
    return (abs(char.baseline - first.baseline) <= 0.5 * max(char.size, first.size)
            and last.x0 - 0.5 * char.size <= char.x0 <= last.x1 + MAX_LINE_GAP * max(char.size, last.size))


def _line(chars: list[Glyph]) -> _Line:
    """Characters as one line: its text, box, and the size and weight of most of its characters."""
    _tick()
    size = Counter(round(char.size, 1) for char in chars).most_common(1)[0][0]
    main = [char for char in chars if round(char.size, 1) == size] or chars
    bold = 2 * sum(char.bold for char in chars) > len(chars)
    baseline = Counter(round(char.baseline, 1) for char in main).most_common(1)[0][0]
    return _Line(_clean("".join(char.text for char in chars)), min(char.x0 for char in chars),
                 max(char.x1 for char in chars), min(char.top for char in main), max(char.bottom for char in main),
                 size, bold, baseline)


def _placed(lines: list[_Line], tables: list[Table]) -> list[_Line | list[str]]:
    """The page's lines, those standing in a table left out and the table's rows (one string each)
    standing, as one item, where its first line stood."""
    items, placed = [], set()
    for line in lines:
        middle, centre = (line.top + line.bottom) / 2, (line.x0 + line.x1) / 2
        table = next((index for index, t in enumerate(tables)
                      if t.top - 1 <= middle <= t.bottom + 1 and t.x0 - 1 <= centre <= t.x1 + 1), None)
        if table is None:
            items.append(line)
        elif table not in placed:
            placed.add(table)
            items.append(_table_rows(tables[table]))
    return items


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
    """pdfminer's page aggregator, without its layout analysis (`_lines` lays pages out, in linear
    time), checking the budget at every object drawn, refusing a page of more than MAX_PAGE_CHARS
    characters, keeping no images and the first MAX_PAGE_PATHS shapes (where tables' rulings are
    looked for)."""
    from pdfminer.converter import PDFPageAggregator

    class CheckedAggregator(PDFPageAggregator):
        def begin_page(self, page, ctm) -> None:
            super().begin_page(page, ctm)
            self.chars, self.paths = 0, 0

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, *args, **kwargs) -> float:
            _tick()
            self.chars += 1
            if self.chars > MAX_PAGE_CHARS:
                reading = _READING.get()
                raise CorpusError(f"{reading.name if reading else 'the PDF'}: page {self.pageno} draws over "
                                  f"{MAX_PAGE_CHARS:,} characters, more than can be laid out; it was not read")
            advance = super().render_char(matrix, font, fontsize, scaling, rise, cid, *args, **kwargs)
            math = tex_math_text(font.fontname, cid) if getattr(font, "unicode_map", None) is None else None
            if math is not None:  # pdfminer gives the font's codes as ASCII: the character it drew is this
                self.cur_item._objs[-1]._text = math
            return advance

        def paint_path(self, *args, **kwargs) -> None:
            _tick()
            self.paths += 1
            if self.paths <= MAX_PAGE_PATHS:
                super().paint_path(*args, **kwargs)

        def render_image(self, *args, **kwargs) -> None:
            _tick()

    return CheckedAggregator


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


def _in_band(height: float, line: _Line) -> bool:
    return line.bottom <= height * BAND or line.top >= height * (1 - BAND)


def _shape(line: str) -> str:
    """A band line with its numbers blanked, so "Page 3" and "Page 4" are one running line."""
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(pages: list[_Page]) -> set[str]:
    """Shapes of the band lines found on at least REPEATED_SHARE of the pages (and on 3 or more)."""
    seen = Counter()
    for height, items in pages:
        seen.update({_shape(item.text) for item in items if isinstance(item, _Line) and _in_band(height, item)})
    least = max(3, REPEATED_SHARE * len(pages))
    return {shape for shape, count in seen.items() if count >= least}


def _paragraphs(pages: list[_Page], running: set[str]) -> list[_Paragraph]:
    """The document's paragraphs (and tables) in reading order, without running lines and page numbers.
    A paragraph goes on across a column or page break when its last line fills the column and ends
    without a full stop."""
    paragraphs: list[_Paragraph] = []
    for number, (height, items) in enumerate(pages, start=1):
        first = True
        for item in items:
            if not isinstance(item, _Line):
                paragraphs.append(_Paragraph(lines=[(number, row) for row in item], table=True))
                continue
            if _in_band(height, item) and (_shape(item.text) in running or _PAGE_NUMBER.fullmatch(item.text)):
                continue
            last = paragraphs[-1] if paragraphs and not paragraphs[-1].table else None
            if last is not None and _goes_on(last.shape, item, first):
                last.lines.append((number, item.text))
                last.shape.append(item)
            else:
                paragraphs.append(_Paragraph(lines=[(number, item.text)], shape=[item]))
            first = False
    return paragraphs


def _goes_on(lines: list[_Line], line: _Line, new_page: bool) -> bool:
    """Whether `line` continues the paragraph of `lines`: set in the same type, and either just below
    its last line (not indented as a new paragraph's first line is, nor after a short line that ends a
    sentence, nor after a contents entry's dot leader and page number), or at the top of the next column or
    page after a last line that fills its column and leaves a sentence open. A page number far right on
    the last line's baseline is part of it."""
    last, size = lines[-1], line.size
    if abs(line.baseline - last.baseline) < 0.1 * size and line.x0 > last.x1 and _PAGE_REFERENCE.fullmatch(line.text):
        return True  # "1 Topologische Grundbegriffe ... 2": a heading's page number, far right on its line
    if abs(last.size - size) > SIZE_TOLERANCE * size or last.bold != line.bold or _LEADER_ENDED.search(last.text) \
            or len(lines) > 1 and abs(lines[-2].baseline - last.baseline) < 0.1 * size and _PAGE_REFERENCE.fullmatch(last.text):
        return False  # a contents entry ends with its page number
    right = max(previous.x1 for previous in lines)
    full = last.x1 >= right - FULL_LINE * size if len(lines) > 1 else line.text[:1].islower()
    if new_page or line.top < last.top - size:
        return full and not last.text.endswith(_SENTENCE_END)
    step = line.baseline - last.baseline  # not the boxes: a math font's deep descent would make them overlap
    below = 0.5 * size <= step <= (1 + LINE_GAP) * size and line.x0 < last.x1 and last.x0 < line.x1
    indented = line.x0 > last.x0 + INDENT * size and abs((line.x0 + line.x1) - (last.x0 + last.x1)) > 2 * size
    ends = last.text.endswith(_SENTENCE_END) and last.x1 < right - FULL_LINE * size
    return below and not indented and not ends


def _written(paragraphs: list[_Paragraph], pages: int, levels: dict[int, int]) -> ExtractedText:
    """The paragraphs as text, a blank line between them (a table's rows one a line), with where
    each page begins and the headings (paragraphs of `levels`: their index -> level)."""
    text, starts, headings = "", [], []
    for number_in_order, paragraph in enumerate(paragraphs):
        text += PARAGRAPH_BREAK if text else ""
        begin = len(text)
        for index, (number, line) in enumerate(paragraph.lines):
            if index:
                text = text + "\n" if paragraph.table else joined_at_line_end(text, line)
            starts += [len(text)] * (number - len(starts))
            text += line
        if number_in_order in levels:
            headings.append(Heading(start=begin, end=len(text), level=levels[number_in_order]))
    starts += [len(text)] * (pages - len(starts))
    return ExtractedText(text=text, page_starts=starts, headings=headings)


def _heading_levels(paragraphs: list[_Paragraph]) -> dict[int, int]:
    """Which paragraphs are headings, by index, with their levels: a short paragraph set clearly larger
    than the body text (the size most characters have), or a short bold one at body size that ends no
    sentence. The largest size is level 1; bold body-size headings come last."""
    sizes = Counter()
    for paragraph in paragraphs:
        for line in paragraph.shape:
            sizes[round(line.size, 1)] += len(line.text)
    if not sizes:
        return {}
    body = sizes.most_common(1)[0][0]
    found: dict[int, float] = {}
    for number, paragraph in enumerate(paragraphs):
        if paragraph.table or not paragraph.shape:
            continue
        text = " ".join(line for _, line in paragraph.lines)
        size = min(round(line.size, 1) for line in paragraph.shape)
        if len(text) > MAX_HEADING_CHARS or _PAGE_NUMBER.fullmatch(text) or not any(char.isalpha() for char in text):
            continue
        if size >= HEADING_SIZE * body:
            found[number] = size
        elif all(line.bold for line in paragraph.shape) and abs(size - body) <= SIZE_TOLERANCE * body \
                and not text.endswith(_SENTENCE_END) and len(text) <= MAX_HEADING_CHARS // 2:
            found[number] = body
    ranks = {size: rank for rank, size in enumerate(sorted(set(found.values()), reverse=True), start=1)}
    return {number: ranks[size] for number, size in found.items()}


def _word_share(text: str) -> float:
    """The share of tokens that look like words (letters with a vowel) or numbers. Tokens of one or two
    characters that do not, and those without an ASCII character, are not counted: math's variables,
    operators and symbols are neither words nor glyph soup."""
    words = others = 0
    for token in _TOKEN.findall(text):
        if _WORDLIKE.fullmatch(token) or any(char.isdigit() for char in token):
            words += 1
        elif len(token) > 2 and any(char.isascii() for char in token):
            others += 1
    return words / (words + others) if words + others else 0.0
