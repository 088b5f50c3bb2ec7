"""What reading a file gives (its text, pages and date), the time reading may take, and table rows
written with their headers: shared by every format's reader."""

from __future__ import annotations

import datetime as dt
import time

from pydantic import BaseModel

from qa.errors import CorpusError


class ExtractedText(BaseModel):
    """A file's text and, for paged formats, the offset at which each page begins."""

    text: str
    page_starts: list[int] = []
    date: str | None = None  # YYYY-MM-DD, when the file's metadata gives one (a web page's publication date)
    date_source: str | None = None  # where: "the page's publication date", "the e-mail's Date header", ...


class Budget:
    """How long reading one file may take, checked between its pages, blocks or chunks (no limit: None)."""

    def __init__(self, name: str, seconds: float | None) -> None:
        self.name, self.seconds = name, seconds
        self._deadline = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CorpusError(f"{self.name}: reading it took over {self.seconds:g} s, so it was not added; "
                              "index large files with `qa index`")


def table_lines(rows: list[list[str]], marked: bool = False) -> list[str]:
    """A table one row per line. When its first row is a header (marked as Word's repeated header
    row, or every cell filled and none holding a digit, as data rows usually do), each later cell
    is given with its column's header, so a row answers alone: "Milestone: Public launch | Date:
    1 November 2024". Merged cells, which Word repeats, count once."""
    looks_like_header = bool(rows) and all(rows[0]) and not any(char.isdigit() for cell in rows[0] for char in cell)
    header = rows[0] if len(rows) > 1 and (marked or looks_like_header) else None
    lines = []
    for row in rows[1:] if header else rows:
        merged = [index for index, cell in enumerate(row) if index and cell == row[index - 1]]
        kept = [index for index in range(len(row)) if index not in merged]
        cells = [row[index] for index in kept]
        lines.append(header_cells([header[index] if index < len(header) else "" for index in kept], cells) if header
                     else " | ".join(cell for cell in cells if cell))
    return lines


def header_cells(header: list[str], cells: list[str]) -> str:
    """A table row as "Header: cell | Header: cell" (empty cells left out; a cell without a header as it is)."""
    named = [f"{name}: {cell}" if name and name != cell else cell for name, cell in zip(header + [""] * len(cells), cells) if cell]
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
