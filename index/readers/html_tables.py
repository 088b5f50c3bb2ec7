"""HTML tables read from the page's tree, for the web reader: a table whose header is marked (rows of <th> cells
at its top) is written a row a line, each cell under its column's header joined across header rows and
spans ("Population 2010: 237,559" under "Population" spanning "2010 | 2020"), under its caption. trafilatura
writes such a table as Markdown whose first row is its header, so a caption took the header's place and a
second header row ("2010 | 2020") was read as data. A table of labelled rows (an infobox: a <th> label and
its value each row) is written as label lines, a list in a value kept ("Founders: Bill Gates, Paul Allen";
trafilatura dropped it). Other tables are left to it.
"""

from __future__ import annotations

import re

from qa.index.readers.extracted import Budget, column_header, label_line, row_lines

MAX_SPAN = 1_000  # columns a cell may span (HTML's own limit); rows are clipped at the table's end
MAX_COLUMNS = 1_000  # a wider grid is not read here
_UNSHOWN = ("style", "script", "noscript", "template")
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_ITEMS = "\x00"  # between two list items, a comma once the spaces are counted
_BREAKING = ("br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6")


class _Cell:
    """One cell of the page's table, as often as it spans columns and rows of the grid."""

    def __init__(self, text: str, header: bool) -> None:
        self.text, self.header = text, header


def own_table_lines(table, budget: Budget) -> tuple[str, list[str]] | None:
    """The caption ("" for none) and the row lines of a table with a marked header, or of a table of labelled rows
    (see the module); None for any other (or one too wide)."""
    grid = _grid(table, budget) if table.find(".//th") is not None or table.find("thead") is not None else None
    if grid is None:
        return None
    caption = table.find("caption")
    lines = _under_header(grid, budget)
    lines = lines if lines is not None else _labelled(grid)
    return None if lines is None else (element_text(caption) if caption is not None else "", [line for line in lines if line])


def _under_header(grid: list[list[_Cell]], budget: Budget) -> list[str] | None:
    """A table whose top rows are <th> cells (after title rows: one cell over the columns), each later row under
    its columns' headers joined; None when it has no such header."""
    titles = 0
    while titles < len(grid) and len({cell.text for cell in grid[titles] if cell.text}) == 1 and all(c.header for c in grid[titles]):
        titles += 1
    heads = titles
    while heads < len(grid) - 1 and all(cell.header for cell in grid[heads]):
        heads += 1
    if heads == titles or len({cell.text for row in grid[titles:heads] for cell in row if cell.text}) < 2:
        return None
    header = [column_header(row[column].text for row in grid[titles:heads]) for column in range(len(grid[0]))]
    lines = [grid[row][0].text for row in range(titles)]
    for row in grid[heads:]:
        budget.check()
        texts = [cell.text for cell in row]
        if texts == header:  # the header again, as printed pages do
            continue
        cells = _distinct(row)
        lines += [cells[0].text] if len(cells) == 1 else row_lines(
            header, [cell.text if column == 0 or cell is not row[column - 1] else "" for column, cell in enumerate(row)])
    return lines


def _labelled(grid: list[list[_Cell]]) -> list[str] | None:
    """A table of rows each a <th> label and its value (an infobox), or one cell across (a title, an image's
    caption), as label lines: "Founders: Bill Gates, Paul Allen"; None for any other table."""
    rows = [_distinct(row) for row in grid]
    labelled = [len(row) >= 2 and row[0].header and not any(cell.header for cell in row[1:]) for row in rows]
    if sum(labelled) < 2 or any(len(row) > 1 and not named for row, named in zip(rows, labelled)):
        return None
    lines = []
    for row in rows:
        value = " | ".join(cell.text for cell in row[1:] if cell.text)
        lines.append(label_line(row[0].text, value))
    return lines


def _distinct(row: list[_Cell]) -> list[_Cell]:
    """A grid row's cells, one spanning columns once."""
    return [cell for column, cell in enumerate(row) if column == 0 or cell is not row[column - 1]]


def _grid(table, budget: Budget) -> list[list[_Cell]] | None:
    """The table's own rows (not a nested table's) as a rectangular grid, a cell spanning columns or rows
    standing in each place it covers; None when wider than MAX_COLUMNS or empty."""
    rows = [row for row in table.iter("tr") if _owner(row) is table]
    grid: list[list[_Cell | None]] = [[] for _ in rows]
    for number, row in enumerate(rows):
        budget.check()
        column = 0
        for element in row:
            if element.tag not in ("th", "td"):
                continue
            while column < len(grid[number]) and grid[number][column] is not None:
                column += 1
            cell = _Cell(element_text(element), element.tag == "th" or _in_head(element, table))
            across, down = _span(element.get("colspan"), MAX_SPAN), _span(element.get("rowspan"), len(rows) - number)
            if column + across > MAX_COLUMNS:
                return None
            for below in range(number, number + down):
                line = grid[below]
                line.extend([None] * (column + across - len(line)))
                for place in range(column, column + across):
                    line[place] = line[place] or cell
            column += across
    width = max((len(line) for line in grid), default=0)
    if width == 0:
        return None
    empty = _Cell("", False)
    return [[cell or empty for cell in line] + [empty] * (width - len(line)) for line in grid if line]


def _span(value: str | None, limit: int) -> int:
    """A colspan or rowspan, at least 1 and at most `limit` (a number of any length is read by its first digits)."""
    digits = (value or "").strip()[:7]
    return min(max(int(digits), 1), max(limit, 1)) if digits.isdigit() else 1


def _owner(row):
    """The table a row belongs to (the nearest <table> above it)."""
    parent = row.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _in_head(cell, table) -> bool:
    parent = cell.getparent().getparent()
    return parent is not None and parent.tag == "thead" and parent.getparent() is table


def element_text(element) -> str:
    """An element's words as a browser shows them: a line break or a block inside it a space, list items apart by a
    comma ("Bill Gates, Paul Allen"), a footnote mark run on ("US$[190]"); comments, styles, scripts and what the
    page hides (style "display:none") left out. Read in one walk, the page's tree untouched."""
    from lxml import etree

    parts, hidden = [], None  # hidden: the element whose words are not shown, until its end
    for event, node in etree.iterwalk(element, events=("start", "end")):
        named = isinstance(node.tag, str)
        if hidden is None and event == "start" and named and (node.tag in _UNSHOWN or _HIDDEN.search(node.get("style") or "")):
            hidden = node
        if hidden is None:
            if named and node.tag in _BREAKING:
                parts.append(_ITEMS if event == "start" and node.tag == "li" and _after_item(node) else " ")
            if event == "start" and named:
                parts.append(node.text or "")
        if event == "end" and node is hidden:
            hidden = None
        if event == "end" and node is not element and hidden is None:
            parts.append(node.tail or "")
    words = " ".join("".join(parts).split())
    return words.replace(f" {_ITEMS}", _ITEMS).replace(f"{_ITEMS} ", _ITEMS).replace(_ITEMS, ", ")


def _after_item(item) -> bool:
    """Does a list item follow another of its list?"""
    before = item.getprevious()
    return before is not None and before.tag == "li"
