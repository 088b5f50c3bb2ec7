"""Word (`.docx`, python-docx, MIT): paragraphs and headings (by style or outline level) one per line,
tables one row per line with their headers. A short line just above a table (no sentence) is its
caption: a heading one level under the section, so its rows, and only they, are read under it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from qa.errors import CorpusError
from qa.index.blocks import TextBuilder
from qa.index.readers.archive import check_archive
from qa.index.readers.extracted import Budget, ExtractedText, plausible_date, table_lines

MAX_WORD_COLUMNS = 64  # Word's tables have at most 63 columns; a larger cell span is not unrolled


def docx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from docx import Document as WordDocument
    from docx.text.paragraph import Paragraph

    check_archive(raw, name, "Word")
    try:
        document = WordDocument(io.BytesIO(raw))
        built, levels = TextBuilder(), _style_levels(document)
        section, pending = 0, None  # the last heading's level; a plain paragraph held until what follows is known
        for block in document.element.body.iterchildren():
            budget.check()
            if block.tag.endswith("}p"):
                if next(block.iter(_WORD_TEXT), None) is None:
                    continue  # no text run: nothing to read (a file of a million empty paragraphs costs no time)
                if pending is not None:
                    built.line(pending)
                    pending = None
                text, level = Paragraph(block, document).text.strip(), levels.get(block.style) or _outline_level(block)
                if level:
                    built.heading(text, level)
                    section = level
                else:
                    pending = text
            elif block.tag.endswith("}tbl") and block.tr_lst:
                captioned = pending is not None and _is_caption(pending)  # a short line just above a table: its caption
                if pending is not None:
                    built.heading(pending, section + 1) if captioned else built.line(pending)
                    pending = None
                marked = bool(block.tr_lst[0].xpath("./w:trPr/w:tblHeader"))
                built.lines(table_lines(_word_rows(block, document), marked, budget))
                if captioned:
                    built.end_headings(section + 1)
        if pending is not None:
            built.line(pending)
        created = plausible_date(document.core_properties.created)
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged Word file ({type(error).__name__})") from None
    return ExtractedText(text=built.text, headings=built.headings, date=created,
                         date_source="the Word file's creation date" if created else None)


_WORD_TEXT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
MAX_CAPTION_WORDS = 12


def _is_caption(text: str) -> bool:
    """A table's caption or label ("Component: Reporting Parameters (DISASTERS)", "Table 3: Costs"): a short
    line that is no sentence."""
    return 0 < len(text.split()) <= MAX_CAPTION_WORDS and not text.endswith((".", "!", "?", ";"))


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
