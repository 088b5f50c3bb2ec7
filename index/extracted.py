"""What reading a file gives (its text, pages and date), the time reading may take, and table rows
written with their headers: shared by every format's reader."""

from __future__ import annotations

import datetime as dt
import itertools
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


def table_lines(rows: Iterable[list[str]], marked: bool = False, budget: Budget | None = None) -> list[str]:
    """A table one row per line, read in time linear in its cells (checking `budget` per row). When
    its first row is a header (marked as Word's repeated header row, or every cell filled and none
    holding a digit, as data rows usually do), each later cell is given with its column's header, so
    a row answers alone: "Milestone: Public launch | Date: 1 November 2024". Merged cells, which
    Word repeats, count once."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return []
    looks_like_header = all(first) and not any(char.isdigit() for cell in first for char in cell)
    second = next(rows, None)
    header = first if second is not None and (marked or looks_like_header) else None
    lines = []
    for row in itertools.chain([] if header else [first], [] if second is None else [second], rows):
        if budget is not None:
            budget.check()
        kept = [index for index in range(len(row)) if index == 0 or row[index] != row[index - 1]]
        cells = [row[index] for index in kept]
        lines.append(header_cells([header[index] if index < len(header) else "" for index in kept], cells) if header
                     else " | ".join(cell for cell in cells if cell))
    return lines


def header_cells(header: list[str], cells: list[str]) -> str:
    """A table row as "Header: cell | Header: cell" (empty cells left out; a cell without a header as
    it is), in time linear in the row's cells however wide the header."""
    named = []
    for index, cell in enumerate(cells):
        name = header[index] if index < len(header) else ""
        if cell:
            named.append(f"{name}: {cell}" if name and name != cell else cell)
    return " | ".join(named)


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
