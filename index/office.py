"""Office files (zip archives of XML): Word, PowerPoint and Excel, each checked for zip bombs and
entity-declaring XML before anything is unpacked.

- `.docx` (python-docx, MIT): paragraphs and headings one per line, tables one row per line.
- `.pptx` (python-pptx, MIT): each slide's text frames and tables in shape order; every slide
  starts a page, so an answer's `page` is its slide number.
- `.xlsx` (openpyxl, MIT): each sheet's rows with their header row, the sheet named first.
- `.odt` (odfdo, Apache-2.0): headings, paragraphs and list items one per line, tables one row per line.
"""

from __future__ import annotations

import io
import zipfile

from qa.errors import CorpusError
from qa.index.extracted import Budget, ExtractedText, plausible_date, table_lines

MAX_UNPACKED_BYTES = 200_000_000  # an archive's parts, uncompressed, all together
MAX_PACKING_RATIO = 100  # XML packs 5-20x; a bomb thousands of times
PAGE_BREAK = "\n\n"


def docx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from docx import Document as WordDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_archive(raw, name, "Word")
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
                lines += table_lines([[cell.text.strip() for cell in row.cells] for row in table.rows], marked)
        created = plausible_date(document.core_properties.created)
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None
    return ExtractedText(text="\n".join(line for line in lines if line), date=created,
                         date_source="the Word file's creation date" if created else None)


def check_archive(raw: bytes, name: str, kind: str) -> None:
    """CorpusError, before anything is unpacked, for a zip bomb or XML that declares entities
    (Office never writes a DOCTYPE; entities would hide the text after them, or reach outside)."""
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
                        raise CorpusError(f"{name}: its XML declares entities (<!DOCTYPE>), which Office never writes; "
                                          "it was not read")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as error:
        raise CorpusError(f"{name}: a damaged {kind} file ({type(error).__name__})") from None


def pptx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from pptx import Presentation

    check_archive(raw, name, "PowerPoint")
    try:
        slides = []
        for slide in Presentation(io.BytesIO(raw)).slides:
            budget.check()
            lines = []
            for shape in slide.shapes:
                if shape.has_text_frame:
                    lines += [paragraph.text.strip() for paragraph in shape.text_frame.paragraphs]
                elif shape.has_table:
                    lines += table_lines([[cell.text.strip() for cell in row.cells] for row in shape.table.rows])
            slides.append("\n".join(line for line in lines if line))
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged PowerPoint file ({type(error).__name__})") from None
    return paged(slides)


def xlsx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from openpyxl import load_workbook

    check_archive(raw, name, "Excel")
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheets = []
        for sheet in workbook.worksheets:
            budget.check()
            rows = [["" if value is None else str(value).strip() for value in row] for row in sheet.iter_rows(values_only=True)]
            rows = [row for row in rows if any(row)]
            if rows:
                sheets.append("\n".join([sheet.title, *table_lines(rows)]))
        workbook.close()
    except CorpusError:
        raise
    except Exception as error:
        raise CorpusError(f"{name}: a damaged Excel file ({type(error).__name__})") from None
    return ExtractedText(text=PAGE_BREAK.join(sheets))


def odt_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    import odfdo

    check_archive(raw, name, "OpenDocument")
    try:
        lines = []
        for element in odfdo.Document(io.BytesIO(raw)).body.children:
            budget.check()
            if isinstance(element, odfdo.Table):
                lines += table_lines([["" if value is None else str(value).strip() for value in row] for row in element.get_values()])
            elif isinstance(element, odfdo.List):
                lines += [" ".join(item.text_recursive.split()) for item in element.get_items()]
            else:
                lines.append(" ".join(element.text_recursive.split()))
    except CorpusError:
        raise
    except Exception as error:
        raise CorpusError(f"{name}: a damaged OpenDocument file ({type(error).__name__})") from None
    return ExtractedText(text="\n".join(line for line in lines if line))


def paged(pages: list[str]) -> ExtractedText:
    """Pages (slides) joined by a blank line, with where each begins."""
    text, starts = "", []
    for page in pages:
        text += PAGE_BREAK if text else ""
        starts.append(len(text))
        text += page
    return ExtractedText(text=text, page_starts=starts)
