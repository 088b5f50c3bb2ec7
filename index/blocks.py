"""The structure a reader finds in a document: its headings, at exact offsets into the stored text.

A reader that knows a line is a heading (a Word heading style, a slide's title, an HTML <h2>, a
Markdown `## line`) says so with `TextBuilder.heading`; plain text has none. Every place in the
document then has a context, the path of headings above it ("Cost Management › Indicators"), which
retrieval and the reader see beside a passage. The context is never part of an answer: answers are
spans of the text itself.
"""

from __future__ import annotations

import bisect
import re

from pydantic import BaseModel

CONTEXT_SEPARATOR = " › "
MAX_HEADING_CHARS = 200  # a longer "heading" is a paragraph in a heading's style: no context
_MARKDOWN_LINE = re.compile(r"^(#+)[^\n]*", re.MULTILINE)  # a line opening with marks, read on by hand


class Heading(BaseModel, frozen=True):
    """A heading's text at [start, end) of the document's text, and its level (1: the highest). One of no
    words (start == end) is an end mark: the headings of its level and below stop enclosing there. An
    `aside` heading sets what it encloses apart from the document's own text (a page's readers' comments):
    answers from there rank after the document's own."""

    start: int
    end: int
    level: int
    aside: bool = False


class TextBuilder:
    """A document's text made line by line (lines joined by newlines, empty ones left out), with its headings."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._length = 0
        self.headings: list[Heading] = []

    def line(self, text: str) -> None:
        if text:
            self._length += (1 if self._lines else 0)
            self._lines.append(text)
            self._length += len(text)

    def heading(self, text: str, level: int, aside: bool = False) -> None:
        """A heading line (`aside`: see Heading); one too long to be a heading is kept as a plain line."""
        if text and len(text) <= MAX_HEADING_CHARS:
            start = self._length + (1 if self._lines else 0)
            self.headings.append(Heading(start=start, end=start + len(text), level=max(1, level), aside=aside))
        self.line(text)

    def end_headings(self, level: int) -> None:
        """The headings of `level` and below enclose no more: what follows stands under the ones above
        (a table's caption encloses its table alone)."""
        start = self._length + (1 if self._lines else 0)
        self.headings.append(Heading(start=start, end=start, level=max(1, level)))

    def lines(self, texts: list[str]) -> None:
        for text in texts:
            self.line(text)

    @property
    def text(self) -> str:
        return "\n".join(self._lines)


def markdown_headings(text: str) -> list[Heading]:
    """The `#`-marked lines of Markdown text ("## Costs ##"), each heading's words without the marks;
    read in time linear in the text (no pattern that could backtrack over a long line)."""
    headings = []
    for line in _MARKDOWN_LINE.finditer(text):
        marks = len(line.group(1))
        start, end = line.end(1), line.end()
        while start < end and text[start] in " \t":
            start += 1
        while end > start and text[end - 1] in " \t":
            end -= 1
        closed = end
        while closed > start and text[closed - 1] == "#":
            closed -= 1
        if closed < end and (closed == start or text[closed - 1] in " \t"):  # a closing run of marks
            end = closed
            while end > start and text[end - 1] in " \t":
                end -= 1
        if marks <= 6 and start > line.end(1) and start < end and end - start <= MAX_HEADING_CHARS:
            headings.append(Heading(start=start, end=end, level=marks))
    return headings


class HeadingPaths:
    """The context of every place in a text: the headings above it that enclose it, highest first
    ("Report › Findings › Table 3"), empty where there are none, and whether an `aside` heading is among
    them. A heading encloses what follows it until the next heading (or end mark) of its level or higher.
    Found in O(log n) a place, after O(n) once."""

    def __init__(self, text: str, headings: list[Heading]) -> None:
        self._starts = [heading.start for heading in headings]
        self._ends = [heading.end for heading in headings]
        self._before: list[tuple[str, bool]] = []
        self._after: list[tuple[str, bool]] = []
        path: list[tuple[int, str, bool]] = []  # (level, words, aside) from the highest
        for heading in headings:
            while path and path[-1][0] >= heading.level:
                path.pop()
            self._before.append(_joined(path))
            if heading.end > heading.start:
                path.append((heading.level, " ".join(text[heading.start : heading.end].split()), heading.aside))
            self._after.append(_joined(path))

    def at(self, offset: int) -> str:
        return self._enclosing(offset)[0]

    def aside_at(self, offset: int) -> bool:
        """Does an `aside` heading enclose `offset`?"""
        return self._enclosing(offset)[1]

    def _enclosing(self, offset: int) -> tuple[str, bool]:
        found = bisect.bisect_right(self._starts, offset) - 1
        if found < 0:
            return "", False
        return self._before[found] if self._ends[found] > offset else self._after[found]  # inside a heading: above it


def _joined(path: list[tuple[int, str, bool]]) -> tuple[str, bool]:
    return CONTEXT_SEPARATOR.join(words for _, words, _ in path), any(aside for *_, aside in path)
