"""What reading a file gives (its text, pages and date), the time reading may take, and table rows
written with their headers: shared by every format's reader."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections.abc import Iterable

from pydantic import BaseModel

from qa.errors import CorpusError
from qa.index.blocks import Heading


class ExtractedText(BaseModel):
    """A file's text and, for paged formats, the offset at which each page begins."""

    text: str
    page_starts: list[int] = []
    date: str | None = None  # YYYY-MM-DD, when the file's metadata gives one (a web page's publication date)
    date_source: str | None = None  # where: "the page's publication date", "the e-mail's Date header", ...
    headings: list[Heading] = []  # the lines the reader knows are headings (index/blocks.py)


READ_SECONDS = 20  # reading one file may take this long, plus READ_SECONDS_PER_MB for each MB of it
READ_SECONDS_PER_MB = 5


def reading_seconds(size: int) -> float:
    """The time reading a file of `size` bytes may take: enough for real documents, whose reading is
    linear, and a bound for hostile ones (a few MB that would take minutes)."""
    return READ_SECONDS + READ_SECONDS_PER_MB * size / 1e6


class Budget:
    """How long reading one file may take (no limit: None), checked by the readers as they go: per
    page object, table row, cell or element, so that no single part of a file can outlast it."""

    def __init__(self, name: str, seconds: float | None) -> None:
        self.name, self.seconds = name, seconds
        self._deadline = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CorpusError(f"{self.name}: reading it took over {self.seconds:g} s, the time one file may take, "
                              "so it was not added; split it into smaller files or save it as plain text")


HEADER_LOOKAHEAD = 50  # rows read before a table's header row is chosen (the rest stream by)
MAX_TITLE_ROWS = 5  # title and description rows looked past above a header
# A row written longer than WIDE_ROW_CHARS, or with more than WIDE_ROW_CELLS cells beside its key, is split
# into lines of its key and WIDE_ROW_CELLS other cells: one-cell questions over the table-qa training
# tables were answered right 35 % of the time with whole rows, 54 % with lines of two cells and a key.
WIDE_ROW_CHARS = 200
WIDE_ROW_CELLS = 2
_NUMBER = re.compile(r"[-+−–]?[$£€¥]?\s?\.?\d[\d,. ]*(?:%|[kKmMbB]n?)?")
_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")
_NOTHING = {"", "-", "–", "—", "‐", "?", "n/a", "na", "none", "nil"}


def joined_at_line_end(text: str, line: str) -> str:
    """`text` made ready for `line` to go on from it: a word hyphenated at a line end joined back ("sys-" +
    "tem" is "system", "Schwarz-" + "Weiß" is "Schwarz-Weiß"), else a space between them."""
    if len(text) > 1 and text.endswith("-") and text[-2].isalpha() and line[:1].isalpha():
        return text[:-1] if line[:1].islower() else text
    return f"{text} " if text else text


def table_lines(rows: Iterable[list[str]], marked: bool = False, budget: Budget | None = None,
                merged: bool = True) -> list[str]:
    """A table one line per row, read in time linear in its cells (checking `budget` per row).

    Its header row (`header_row`: marked as Word's repeated header row, or found below title rows)
    names each later cell, so a row answers alone: "Milestone: Public launch | Date: 1 November
    2024"; a row under it naming the columns of its grouped cells joins it ("Population 2010",
    `_names_groups`); the header repeated further down (as printed pages do) is left out, and a wide row is
    written as several lines that each start with its key cells (`row_lines`). Rows above the header,
    and every row of a table without one, are written as they are: "cell | cell". Runs of whitespace
    in a cell become one space, so a row is one line. With `merged` (Word, which repeats a merged
    cell in every column it spans), a cell equal to the one before it counts once."""
    rows = iter(rows)
    head = [_spaced(row) for row in itertools.islice(rows, HEADER_LOOKAHEAD)]
    found = header_row(head, marked)
    grouped = found is not None and _names_groups(head, found)
    header, repeated = None, None
    lines = []
    for number, row in enumerate(itertools.chain(head, (_spaced(row) for row in rows))):
        if budget is not None:
            budget.check()
        if number == found:
            header, repeated = (_grouped(row, head[found + 1]) if grouped else row), _folded(row)
            continue
        if grouped and number == found + 1:
            continue
        if header is not None and _folded(row) == repeated:
            continue
        kept = [index for index in range(len(row)) if not merged or index == 0 or row[index] != row[index - 1]]
        cells = [row[index] for index in kept]
        if header is None:
            lines.append(" | ".join(cell for cell in cells if cell))
        else:
            lines += row_lines([header[index] if index < len(header) else "" for index in kept], cells)
    return [line for line in lines if line]


def header_row(rows: list[list[str]], marked: bool = False) -> int | None:
    """Which of a table's first rows is its header, or None: the first row when marked (Word),
    else the first row below any title and description rows (one or two filled cells among
    many columns) when it reads as one. A header has at most one empty cell and names its columns:
    text over a column of numbers, a number over a column of text (pandas' 0, 1, 2), distinct
    years over numbers that are not years ("1990", "2000" over populations); a row of filled text
    cells without digits (one may be empty) counts as one too. A number over a column of numbers is data."""
    if len(rows) < 2:
        return None
    if marked:
        return 0
    width = max(len(_trimmed(row)) for row in rows)
    start = 0
    while start < min(len(rows) - 1, MAX_TITLE_ROWS) and _is_title(rows[start], width):
        start += 1
    if start == len(rows) - 1:
        return None
    return start if _names_columns(_trimmed(rows[start]), rows[start + 1 :]) else None


def _names_columns(candidate: list[str], below: list[list[str]]) -> bool:
    """Whether a row reads as the header of the rows below it (see `header_row`), in time linear in their cells."""
    filled = [cell for cell in candidate if cell]
    if len(candidate) - len(filled) > 1 or not filled or (len(filled) < 2 and len(candidate) > 1):
        return False
    columns: list[list[str]] = [[] for _ in candidate]
    repeated = _folded(candidate)
    for row in below:
        if _folded(row) != repeated:
            for index, cell in enumerate(row[: len(candidate)]):
                columns[index].append(cell)
    named, years = 0, set()
    for cell, column in zip(candidate, columns):
        kind, under = _kind(cell), _column_kind(column)
        if kind is None:
            continue
        if kind == "number" and under == "number":
            if not _YEAR.fullmatch(cell) or cell in years or _mostly_years(column):
                return False  # a number over numbers is data, unless it is one of distinct years over other numbers
            years.add(cell)
        elif kind == "number" and under != "text":
            return False  # a number over an empty or mixed column: data, or nothing known
        elif {kind, under} == {"text", "number"}:
            named += 1
    plain = not any(char.isdigit() for cell in filled for char in cell)
    return named > 0 or bool(years) or plain


def _names_groups(rows: list[list[str]], found: int) -> bool:
    """Whether the row under the header row names the columns of its grouped cells ("Population" over "2010 |
    2020"): it fills two or more columns, one of them under a header cell that is empty or repeats the cell before
    it (a cell spanning columns, as spreadsheets and Word write one), leaves a column of the header empty (a header
    cell spanning both rows: "City"), and names its filled columns over the rows below (`_names_columns`)."""
    if found + 2 >= len(rows):
        return False
    header, sub = rows[found], rows[found + 1]
    filled = [index for index, cell in enumerate(sub) if cell]
    named = list(itertools.accumulate(header, lambda last, cell: cell or last))  # the group over each column
    spanned = any(0 < index < len(header) and (not header[index] or header[index] == header[index - 1])
                  and _kind(named[index]) == "text" for index in filled)  # a group named by words, not "110"
    alone = any(cell and (index >= len(sub) or not sub[index]) for index, cell in enumerate(header))  # "City" over both rows
    below = [[row[index] if index < len(row) else "" for index in filled] for row in rows[found + 2 :]]
    return len(filled) >= 2 and spanned and alone and _names_columns([sub[index] for index in filled], below)


def _grouped(header: list[str], sub: list[str]) -> list[str]:
    """Each column's header, its group's name before its own ("Population 2010"): a group's name stands over the
    empty header cells after it whose column the row below names."""
    joined, group = [], ""
    for index in range(max(len(header), len(sub))):
        top, low = (header[index] if index < len(header) else ""), (sub[index] if index < len(sub) else "")
        group = top or (group if low else "")
        joined.append(column_header((group, low)))
    return joined


def _is_title(row: list[str], width: int) -> bool:
    """A title or description row above a table's header: one or two filled cells among many columns."""
    filled = sum(1 for cell in row if cell)
    return width >= 3 and filled <= 2 and 2 * filled <= width


def is_number(cell: str) -> bool:
    """Whether a cell holds a number ("1,234", "$5", "12 %"), as table reading tells numbers from text."""
    return _kind(cell) == "number"


def _kind(cell: str) -> str | None:
    """"number", "text", or None for a cell that holds nothing ("", "-", "n/a")."""
    if cell.lower() in _NOTHING:
        return None
    return "number" if _NUMBER.fullmatch(cell) else "text"


def _column_kind(cells: list[str]) -> str | None:
    """The kind of two thirds or more of a column's cells that hold something; "mixed" else."""
    kinds = [kind for kind in map(_kind, cells) if kind is not None]
    if not kinds:
        return None
    numbers = kinds.count("number")
    return "number" if 3 * numbers >= 2 * len(kinds) else "text" if 3 * numbers <= len(kinds) else "mixed"


def _mostly_years(column: list[str]) -> bool:
    numbers = [cell for cell in column if _kind(cell) == "number"]
    return 2 * sum(1 for cell in numbers if _YEAR.fullmatch(cell)) > len(numbers)


def row_lines(header: list[str], cells: list[str]) -> list[str]:
    """A data row as "Header: cell | Header: cell" (`header_cells`); when long (over WIDE_ROW_CHARS,
    or more than WIDE_ROW_CELLS cells beside its key), as several lines that each start with the
    row's key cells (its first filled cell, and its first text cell when that one is a number)
    followed by a few of its other cells, so that every cell sits in a short line that names its
    row: "Country: Austria | gdpPercap_1972: 16661.6256 | gdpPercap_1977: 19749.4223"."""
    line = header_cells(header, cells)
    filled = [index for index, cell in enumerate(cells) if cell]
    key = filled[:1]
    if key and _kind(cells[key[0]]) != "text":
        key += [index for index in filled if _kind(cells[index]) == "text"][:1]
    others = [index for index in filled if index not in key]
    if len(line) <= WIDE_ROW_CHARS and len(others) <= WIDE_ROW_CELLS:
        return [line]
    key_text = header_cells(*_pick(header, cells, key))
    lines, group, size = [], [], len(key_text)
    for index in others:
        cell_size = len(header[index] if index < len(header) else "") + len(cells[index]) + 5
        if group and (size + cell_size > WIDE_ROW_CHARS or len(group) == WIDE_ROW_CELLS):
            lines.append(_keyed(key_text, header_cells(*_pick(header, cells, group))))
            group, size = [], len(key_text)
        group.append(index)
        size += cell_size
    lines.append(_keyed(key_text, header_cells(*_pick(header, cells, group))))
    return lines


def _pick(header: list[str], cells: list[str], indexes: list[int]) -> tuple[list[str], list[str]]:
    return [header[index] if index < len(header) else "" for index in indexes], [cells[index] for index in indexes]


def _keyed(key: str, rest: str) -> str:
    return " | ".join(part for part in (key, rest) if part)


def header_cells(header: list[str], cells: list[str]) -> str:
    """A table row as "Header: cell | Header: cell" (empty cells left out; a cell without a header as
    it is), in time linear in the row's cells however wide the header."""
    return " | ".join(label_line(header[index] if index < len(header) else "", cell) for index, cell in enumerate(cells) if cell)


def label_line(label: str, value: str) -> str:
    """A value under its label, "Founded: 1901" ("Give name of:" names its value once); either alone when the
    other is empty or the label repeats the value."""
    label = label.rstrip(": ")
    return f"{label}: {value}" if label and value and label != value else value or label


def column_header(texts: Iterable[str]) -> str:
    """A column's header from its header rows' texts, top to bottom, each once: "Population 2010"; a cell spanning
    both rows ("City") is said once."""
    kept: list[str] = []
    for text in texts:
        if text and text not in kept:
            kept.append(text)
    return " ".join(kept)


def _spaced(row: list[str]) -> list[str]:
    """A row's cells with runs of whitespace (line breaks too) as one space."""
    return [" ".join(cell.split()) for cell in row]


def _trimmed(row: list[str]) -> list[str]:
    """A row without its trailing empty cells."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _folded(row: list[str]) -> tuple[str, ...]:
    """A row compared as text: case and trailing empty cells ignored (a header repeated on a later page)."""
    return tuple(cell.casefold() for cell in _trimmed(row))


TOOL_DEFAULT_DATES = {dt.date(2013, 12, 23)}  # python-docx's template: every file it makes claims this date
EARLIEST_DATE = dt.date(1995, 1, 1)  # older creation dates are clocks that were never set (1970, 1980...)


def plausible_date(moment: dt.datetime | None) -> str | None:
    """A file's own creation date as YYYY-MM-DD, unless it is a tool's default or an unset clock."""
    if moment is None:
        return None
    day = moment.date()
    if day in TOOL_DEFAULT_DATES or not EARLIEST_DATE <= day <= dt.date.today() + dt.timedelta(days=1):
        return None
    return day.isoformat()
