"""OpenDocument text (`.odt`, lxml, BSD): headings, paragraphs and list items one per line, tables one
row per line with their headers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from qa.errors import CorpusError
from qa.index.readers.archive import check_archive
from qa.index.readers.extracted import Budget, ExtractedText, table_lines

MAX_ODF_REPEAT = 1_024  # cells, or rows, one OpenDocument element may stand for when they hold text


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
