"""HTML tables read from the page's tree, for the web reader: a table whose header is marked (rows of <th> cells
at its top) is written a row a line, each cell under its column's header joined across header rows and
spans ("Population 2010: 237,559" under "Population" spanning "2010 | 2020"), its caption first. trafilatura
writes such a table as Markdown whose first row is its header, so a caption took the header's place and a
second header row ("2010 | 2020") was read as data. Tables without a marked header are left to it.
"""

from __future__ import annotations

from qa.index.readers.extracted import Budget, row_lines

MAX_SPAN = 1_000  # columns a cell may span (HTML's own limit); rows are clipped at the table's end
MAX_COLUMNS = 1_000  # a wider grid is not read here
_BREAKING = ("br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6")


class _Cell:
    """One cell of the page's table, as often as it spans columns and rows of the grid."""

    def __init__(self, text: str, header: bool) -> None:
        self.text, self.header = text, header


def header_table_lines(table, budget: Budget) -> list[str] | None:
    """The lines of a table with a marked header (see the module), or None for one without (or too wide)."""
    grid = _grid(table, budget) if table.find(".//th") is not None or table.find("thead") is not None else None
    if grid is None:
        return None
    titles = 0
    while titles < len(grid) and len({cell.text for cell in grid[titles] if cell.text}) == 1 and all(c.header for c in grid[titles]):
        titles += 1  # one cell over the columns: the table's title
    heads = titles
    while heads < len(grid) - 1 and all(cell.header for cell in grid[heads]):
        heads += 1
    if heads == titles or len({cell.text for row in grid[titles:heads] for cell in row if cell.text}) < 2:
        return None
    header = [_joined([row[column].text for row in grid[titles:heads]]) for column in range(len(grid[0]))]
    caption = table.find("caption")
    lines = [element_text(caption)] if caption is not None else []
    lines += [grid[row][0].text for row in range(titles)]
    for row in grid[heads:]:
        budget.check()
        texts = [cell.text for cell in row]
        if texts == header or all(cell is row[0] for cell in row):  # the header again; a line across the table
            lines.append("" if texts == header else row[0].text)
            continue
        lines += row_lines(header, [cell.text if column == 0 or cell is not row[column - 1] else ""
                                    for column, cell in enumerate(row)])  # a cell spanning columns, once
    return [line for line in lines if line]


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
    return min(max(int(value), 1), max(limit, 1)) if value and value.strip().isdigit() else 1


def _owner(row):
    """The table a row belongs to (the nearest <table> above it)."""
    parent = row.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _in_head(cell, table) -> bool:
    parent = cell.getparent().getparent()
    return parent is not None and parent.tag == "thead" and parent.getparent() is table


def _joined(texts: list[str]) -> str:
    """A column's header: its header rows' texts top to bottom, each once ("City" spanning two rows is "City")."""
    kept: list[str] = []
    for text in texts:
        if text and text not in kept:
            kept.append(text)
    return " ".join(kept)


def element_text(element) -> str:
    """An element's words as a browser shows them: a line break or a block inside it a space, a footnote mark run on
    ("US$[190]"); comments left out. Read in one walk, the page's tree untouched."""
    from lxml import etree

    parts = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        named = isinstance(node.tag, str)
        if named and node.tag in _BREAKING:
            parts.append(" ")
        if event == "start" and named:
            parts.append(node.text or "")
        elif event == "end" and node is not element:
            parts.append(node.tail or "")
    return " ".join("".join(parts).split())
