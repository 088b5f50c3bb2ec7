"""Table cells a question names: "what is the Permit count for Kentucky?" names the row whose key cell is
"Kentucky" and, in it, the cell under "Permit".

Readers write a table row as one line of named cells, "State: Kentucky | Permit: 264,140 | Handgun:
12,155" (a wide row a few cells a line, each line under the row's key cells). A row is named when the
question holds its key (its first cell's value) as whole words, a short number only after its header
("index 4"); a cell of it is named when the question holds its header: every word of it (a word may be a
shortened form: "Ref" for "reference"), or the words that set it apart from the line's other headers
("2007" of "gdpPercap_2007" beside "gdpPercap_2002"); a header that only repeats the key ("Totals" in the
row "Totals") names no cell. Look-alike rows sit side by side and the reader
does not tell them apart: the assistant reads the rows a question names, each alone, and answers from
their named cells when the reader proposes them (a short cell whole: "Policy statements enforced", not
"Policy statements").
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from qa.index.sentences import ROW_SEPARATOR

_WORD = re.compile(r"[a-z]+|\d+")
MIN_SHORTENED = 3  # a header word this long may stand for a longer question word ("ref", "reference")


class Cell(BaseModel, frozen=True):
    """A named cell of a row line: its header, its value, and where the value stands in the line."""

    header: str
    value: str
    start: int
    end: int


def row_cells(line: str) -> list[Cell]:
    """The named cells ("Header: value") of a row line; none unless it has two or more."""
    cells, offset = [], 0
    for part in line.split(ROW_SEPARATOR):
        header, colon, value = part.partition(": ")
        if colon and header and value:
            start = offset + len(header) + len(colon)
            cells.append(Cell(header=header, value=value, start=start, end=start + len(value)))
        offset += len(part) + len(ROW_SEPARATOR)
    return cells if len(cells) >= 2 else []


def named_cells(question: str, line: str) -> list[Cell]:
    """The cells of a row line that `question` names, by the row's key and the cell's header."""
    cells = row_cells(line)
    if not cells or not _names_key(question, cells[0]):
        return []
    asked, key_words = _words(question), _words(cells[0].value)
    named = []
    for cell in cells[1:]:
        words = _words(cell.header)
        if words == key_words:  # "Totals: 2,236,457" in the row "Totals": the question named the column, not the row
            continue
        others = set().union(*(_words(other.header) for other in cells if other is not cell))
        apart = [word for word in words if word not in others]
        if words and (all(_holds(asked, word) for word in words) or (apart and all(_holds(asked, word) for word in apart))):
            named.append(cell)
    return named


def _names_key(question: str, key: Cell) -> bool:
    """Whether the question holds the key cell's value as whole words; a short number only after its
    header ("index 4", "row 12")."""
    key_words, asked = _words(key.value), f" {' '.join(_words(question))} "
    if not key_words:
        return False
    if len(key.value.strip()) < 3 and not any(word.isalpha() for word in key_words):
        key_words = _words(key.header) + key_words
    return f" {' '.join(key_words)} " in asked


def _holds(asked: list[str], word: str) -> bool:
    return word in asked or (len(word) >= MIN_SHORTENED and word.isalpha() and any(w.startswith(word) for w in asked))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
