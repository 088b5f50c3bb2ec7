"""Office files (zip archives of XML): Word, PowerPoint, Excel and OpenDocument text, each checked
before it is read: every part of the archive is unpacked once, as a stream, to count the bytes it
really gives (zip bombs, and XML too large to hold in memory, are refused) and to look for entity
declarations anywhere in its XML (entities would hide the text after them, or reach outside).

- `.docx` (python-docx, MIT): paragraphs and headings one per line, tables one row per line.
- `.pptx` (python-pptx, MIT): each slide's title first, then its text frames and tables in shape
  order; every slide starts a page, so an answer's `page` is its slide number.
- `.xlsx` (openpyxl, MIT): each sheet named first, then its rows with their header row (found
  below any title rows, see `index.extracted`).
- `.odt` (lxml, BSD): headings, paragraphs and list items one per line, tables one row per line.
Every reader checks the time budget as it goes (per paragraph, shape or table row), and its work
is linear in the file: merged and repeated cells are counted, never unrolled without a bound.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator

from qa.errors import CorpusError
from qa.index.blocks import Heading, TextBuilder
from qa.index.extracted import Budget, ExtractedText, plausible_date, table_lines

MAX_UNPACKED_BYTES = 200_000_000  # an archive's parts, uncompressed, all together
MAX_PACKING_RATIO = 100  # XML packs 5-20x; a bomb thousands of times
MAX_XML_BYTES = 20_000_000  # XML read into memory takes up to ~20 times its size as a tree (a 1,000-page report: ~10 MB)
MAX_WORD_COLUMNS = 64  # Word's tables have at most 63 columns; a larger cell span is not unrolled
MAX_ODF_REPEAT = 1_024  # cells, or rows, one OpenDocument element may stand for when they hold text
PAGE_BREAK = "\n\n"
_CHUNK = 1 << 20
_DECLARATIONS = tuple("<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(map(len, _DECLARATIONS)) - 1  # a declaration split between two chunks is still found
_WIDE_XML = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x4c\x6f\xa7\x94")  # UCS-4, EBCDIC
_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']{1,40})["']""")


def check_archive(raw: bytes, name: str, kind: str) -> None:
    """CorpusError, before any library reads the file, for a zip bomb (by the sizes the archive
    declares, then by the bytes its parts really give), for more XML than can be held in memory, and
    for XML that declares entities anywhere in it (Office never does)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = sum(member.compress_size for member in members)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * max(packed, 1_000_000):
                raise CorpusError(f"{name}: unpacks to {unpacked / 1e6:,.0f} MB from {len(raw) / 1e6:.1f} MB (a zip bomb?); "
                                  "it was not read")
            read = xml = 0
            for member in members:
                given, is_xml = _scan_part(archive, member, name, MAX_UNPACKED_BYTES - read)
                read += given
                xml += given if is_xml else 0
                if xml > MAX_XML_BYTES:
                    raise CorpusError(f"{name}: its XML unpacks to over {MAX_XML_BYTES / 1e6:.0f} MB, more than can be "
                                      "read into memory; split it into smaller files")
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip raises many kinds (BadZipFile, zlib.error, EOFError...)
        raise CorpusError(f"{name}: a damaged {kind} file ({type(error).__name__})") from None


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, allowed: int) -> tuple[int, bool]:
    """The bytes one part really gives and whether it is XML, read as a stream; CorpusError for a
    part that gives more than `allowed` bytes, or for XML that declares entities anywhere in it (a
    part that does not start as markup is no XML any library would read: a printer's settings)."""
    given, tail, is_xml = 0, b"", False
    with archive.open(member) as part:
        while chunk := part.read(_CHUNK):
            if not given:
                is_xml = _looks_like_xml(chunk, name, member.filename)
            given += len(chunk)
            if given > allowed:
                raise CorpusError(f"{name}: its parts unpack to over {MAX_UNPACKED_BYTES / 1e6:.0f} MB (a zip bomb?); "
                                  "it was not read")
            window = tail + chunk
            if is_xml and any(marker in window for marker in _DECLARATIONS):
                raise CorpusError(f"{name}: its XML declares entities (<!ENTITY> in {member.filename}), which Office "
                                  "never writes; it was not read")
            tail = window[-_OVERLAP:]
    return given, is_xml


def _looks_like_xml(head: bytes, name: str, part: str) -> bool:
    """Whether a part's first bytes are markup; CorpusError for markup in an encoding whose
    declarations the byte search could not see (Office writes UTF-8, at most UTF-16)."""
    if head.startswith(_WIDE_XML):
        raise CorpusError(f"{name}: its part {part} is XML in an encoding Office never writes; it was not read")
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        return True
    declared = _ENCODING.match(start)
    if declared:
        try:
            readable = "<!ENTITY".encode(declared.group(1).decode("ascii")) == b"<!ENTITY"
        except (LookupError, UnicodeError):
            readable = False
        if not readable and declared.group(1).lower() not in (b"utf-16", b"utf16"):
            raise CorpusError(f"{name}: its part {part} is XML in an encoding Office never writes; it was not read")
    return start.startswith(b"<")


def docx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from docx import Document as WordDocument
    from docx.text.paragraph import Paragraph

    check_archive(raw, name, "Word")
    try:
        document = WordDocument(io.BytesIO(raw))
        built, levels = TextBuilder(), _style_levels(document)
        for block in document.element.body.iterchildren():
            budget.check()
            if block.tag.endswith("}p"):
                if next(block.iter(_WORD_TEXT), None) is None:
                    continue  # no text run: nothing to read (a file of a million empty paragraphs costs no time)
                text, level = Paragraph(block, document).text.strip(), levels.get(block.style) or _outline_level(block)
                built.heading(text, level) if level else built.line(text)
            elif block.tag.endswith("}tbl") and block.tr_lst:
                marked = bool(block.tr_lst[0].xpath("./w:trPr/w:tblHeader"))
                built.lines(table_lines(_word_rows(block, document), marked, budget))
        created = plausible_date(document.core_properties.created)
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None
    return ExtractedText(text=built.text, headings=built.headings, date=created,
                         date_source="the Word file's creation date" if created else None)


_WORD_TEXT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def _style_levels(document) -> dict[str, int]:
    """The heading level of each paragraph style, by its id: 1 for the title, N + 1 for "Heading N"
    (looked up once: a style lookup per paragraph made a file of many short paragraphs slow)."""
    levels = {}
    for style in document.styles:
        name = (style.name or "").lower()
        found = re.fullmatch(r"heading (\d)", name)
        if name == "title" or found:
            levels[style.style_id] = int(found.group(1)) + 1 if found else 1
    return levels


def _outline_level(block) -> int:
    """A paragraph's own outline level as a heading level (0: none)."""
    outline = block.xpath("./w:pPr/w:outlineLvl/@w:val")
    return int(outline[0]) + 2 if outline and outline[0].isdigit() and int(outline[0]) < 9 else 0


def _word_rows(table, document) -> Iterator[list[str]]:
    """A Word table's rows as cell texts, a cell spanning columns given once per column (at most
    MAX_WORD_COLUMNS) and a vertically merged cell given the text of the cell it continues, as Word
    shows them; linear in the table, however it is merged."""
    from docx.text.paragraph import Paragraph

    above: dict[int, str] = {}  # grid column -> the text of the cell there in the row above
    for row in table.tr_lst:
        cells: list[str] = []
        for cell in row.tc_lst:
            span = max(1, min(cell.grid_span, MAX_WORD_COLUMNS))
            if cell.vMerge == "continue":
                text = above.get(len(cells), "")
            else:
                text = "\n".join(Paragraph(paragraph, document).text for paragraph in cell.p_lst).strip()
            for column in range(len(cells), len(cells) + span):
                above[column] = text
            cells += [text] * span
        yield cells


def pptx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from pptx import Presentation

    check_archive(raw, name, "PowerPoint")
    try:
        read = [(_slide_title(slide), _slide_lines(slide, budget)) for slide in Presentation(io.BytesIO(raw)).slides]
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged PowerPoint file ({type(error).__name__})") from None
    extracted = paged(["\n".join(lines) for _, lines in read])
    extracted.headings = [Heading(start=start, end=start + len(title), level=1 if number == 0 else 2)
                          for number, (start, (title, _)) in enumerate(zip(extracted.page_starts, read)) if title]
    # a slide's title heads its text, under the deck's title (the first slide's)
    return extracted


def _slide_title(slide) -> str:
    """The slide's title as its first line reads (empty when it has none)."""
    title = slide.shapes.title
    return " ".join(title.text_frame.text.split()) if title is not None and title.has_text_frame else ""


def _slide_lines(slide, budget: Budget) -> list[str]:
    """A slide's title on its first line, then each shape's text in shape order (inside groups too):
    every paragraph, and every line broken inside one, a line of its own, so that two text columns
    stay two blocks; tables one row per line with their header (empty rows left out, so a table
    whose first row is empty keeps its header)."""
    title = slide.shapes.title
    lines = [_slide_title(slide)]
    for shape in _shapes(slide.shapes):
        budget.check()
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if shape.has_text_frame:
            lines += [line.strip() for paragraph in shape.text_frame.paragraphs for line in paragraph.text.split("\v")]
        elif shape.has_table:
            rows = ([cell.text.strip() for cell in row.cells] for row in shape.table.rows)
            lines += table_lines((row for row in rows if any(row)), budget=budget, merged=False)
    return [line for line in lines if line]


def _shapes(shapes) -> Iterator:
    """The shapes of a slide in order, those inside groups (nested to any depth) in their group's place."""
    from pptx.shapes.group import GroupShape

    pending = [iter(shapes)]
    while pending:
        shape = next(pending[-1], None)
        if shape is None:
            pending.pop()
        elif isinstance(shape, GroupShape):
            pending.append(iter(shape.shapes))
        else:
            yield shape


def xlsx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from openpyxl import load_workbook

    check_archive(raw, name, "Excel")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheets = []
        for sheet in workbook.worksheets:
            budget.check()
            sheet.reset_dimensions()  # rows as long as their last cell, not padded to a declared (or forged) width
            rows = ([_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
            lines = table_lines((row for row in rows if any(row)), budget=budget, merged=False)
            if lines:
                sheets.append("\n".join([sheet.title, *lines]))
        workbook.close()
    except CorpusError:
        raise
    except Exception as error:
        raise CorpusError(f"{name}: a damaged Excel file ({type(error).__name__})") from None
    return ExtractedText(text=PAGE_BREAK.join(sheets))


def _cell_text(value) -> str:
    """A cell's value as the sheet shows it: a whole number without ".0", a date without a midnight time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value).strip()


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_SPACES = {f"{_ODF_TEXT}s", f"{_ODF_TEXT}tab", f"{_ODF_TEXT}line-break"}
_ODF_ROW_GROUPS = {f"{_ODF_TABLE}{group}" for group in ("table-header-rows", "table-rows", "table-row-group")}
_ODF_CELLS = {f"{_ODF_TABLE}table-cell", f"{_ODF_TABLE}covered-table-cell"}


def odt_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    """An OpenDocument text's body: its content.xml parsed without entities or network (and within
    libxml2's depth limit), each block read once."""
    from lxml import etree

    check_archive(raw, name, "OpenDocument")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            content = archive.read("content.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        body = etree.fromstring(content, parser).find("{*}body/{*}text")
        lines = []
        for element in () if body is None else body:
            budget.check()
            if element.tag == f"{_ODF_TABLE}table":
                lines += table_lines((row for row in _odf_rows(element, name, budget) if any(row)), budget=budget)
            elif element.tag == f"{_ODF_TEXT}list":
                lines += [_odf_text(item, nested=False) for item in element.iter(f"{_ODF_TEXT}list-item")]
            else:
                lines.append(_odf_text(element))
    except CorpusError:
        raise
    except Exception as error:
        raise CorpusError(f"{name}: a damaged OpenDocument file ({type(error).__name__})") from None
    return ExtractedText(text="\n".join(line for line in lines if line))


def _odf_text(element, nested: bool = True) -> str:
    """An element's text, whitespace collapsed, a space for each space, tab or line-break element
    (never unrolled: `<text:s text:c="1000000000"/>` is one space); a list item without the
    items of its nested lists (`nested=False`), which are read as items of their own."""
    from lxml import etree

    pieces = []
    walk = etree.iterwalk(element, events=("start", "end"))
    for event, node in walk:
        if event == "end":
            pieces.append(node.tail or "" if node is not element else "")
        elif not nested and node is not element and node.tag == f"{_ODF_TEXT}list":
            walk.skip_subtree()  # its items are read as items of their own
        elif node.tag in _ODF_SPACES:
            pieces.append(" ")
        elif isinstance(node.tag, str):  # an element, not a comment or processing instruction
            pieces.append(node.text or "")
    return " ".join("".join(pieces).split())


def _odf_rows(table, name: str, budget: Budget) -> Iterator[list[str]]:
    """A table's rows as cell texts, repeated cells and rows unrolled only when they hold text (at
    most MAX_ODF_REPEAT of them; LibreOffice repeats empty ones to the end of the sheet)."""
    for row in _odf_row_elements(table):
        budget.check()
        cells: list[str] = []
        empty = 0  # empty cells not yet written: dropped when nothing follows them
        for cell in row:
            if cell.tag not in _ODF_CELLS:
                continue
            repeat = int(cell.get(f"{_ODF_TABLE}number-columns-repeated", "1"))
            text = _odf_text(cell)
            if not text:
                empty += repeat
                continue
            if len(cells) + empty + repeat > MAX_ODF_REPEAT:
                raise CorpusError(f"{name}: a table row has over {MAX_ODF_REPEAT:,} cells; it was not read")
            cells += [""] * empty + [text] * repeat
            empty = 0
        repeat = int(row.get(f"{_ODF_TABLE}number-rows-repeated", "1")) if cells else 1
        if repeat > MAX_ODF_REPEAT:
            raise CorpusError(f"{name}: a table row with text is repeated {repeat:,} times; it was not read")
        for _ in range(repeat):
            yield cells


def _odf_row_elements(container) -> Iterator:
    """The table's rows, inside header rows and row groups too, but not those of tables nested in cells."""
    for child in container:
        if child.tag == f"{_ODF_TABLE}table-row":
            yield child
        elif child.tag in _ODF_ROW_GROUPS:
            yield from _odf_row_elements(child)


def paged(pages: list[str]) -> ExtractedText:
    """Pages (slides) joined by a blank line, with where each begins."""
    text, starts = "", []
    for page in pages:
        text += PAGE_BREAK if text else ""
        starts.append(len(text))
        text += page
    return ExtractedText(text=text, page_starts=starts)
