"""Table cells a question names: "what is the Permit count for Kentucky?" names the row whose key cell is
"Kentucky" and, in it, the cell under "Permit".

Readers write a table row as one line of named cells, "State: Kentucky | Permit: 264,140 | Handgun:
12,155" (a wide row a few cells a line, each line under the row's key cells).
- A row is named when the question holds one of its values as whole words: its first cell's, another's
  of four characters or more with a letter ("Pakistan" beside its rank), or any value beside its
  header ("index 4", "13 silver", "a density of 51"), or its leading words beside its header ("the Memorization
  heuristic" of a cell "Memorization Minimize User's Memory Load"); or two of its values, numbers too ("started in
  1949 and ended in 1973"). A value that is also a header names the column, not the row ("Totals" in
  the row "Totals").
- A cell of the row is named when the question holds its header: every word of it (a word may be a
  shortened form: "Ref" for "reference"), or the words that set it apart from the line's other headers
  ("2007" of "gdpPercap_2007" beside "gdpPercap_2002").
- Else a cell is named by what the question asks for: "how long" a time or a length, "when" a date or a year,
  "where" a place, "which team" / "what film" a header holding that noun ("CFL Team"). Else, when the question
  names the row by other values only and asks for a thing ("what is the only plant with deep red flowers?"), the
  row's key cell is its answer ("Name: Tom Knudsen").
- A header the question sets aside (", not pre-pawn, redemption or other", "except ...") is never named
  by it, nor its cell answered; rows are looked for without those words. A plain "not" ("which state did
  not vote?") sets nothing aside.
- A line of one label and its value ("Detect Over Provisioning: Azure Advisor", an infobox's "Revenue: US$211.9
  billion") is a row of one cell, named by its label: the question holds every word of it ("detecting over
  provisioning"), and its value is short (a field, not prose after "Note:"). It names no value, so a row named by
  a value comes first, and it is not looked for beyond the retrieved sentences.
- A row lacks the column a question asks for when its headers are told apart by years ("gdpPercap_1952" ...
  "gdpPercap_2007") and the question holds a year that none of them, and none of its values, holds.
A row named by more of the question's words, all those naming another row among them, is read before it ("deep red"
over "red"). Of rows named alike, those whose context (headings, caption) the question names most are read. Rows that
share a key ("Pos: Ret", many retired riders) are told apart by the cell each opens with (`row_starts`).
Look-alike rows sit side by side and the reader does not tell them apart: the assistant reads the rows
a question names, each alone, and answers from their named cells (from any other cell of theirs when
no header is named) when the reader proposes them; a short cell answers whole ("Policy statements
enforced", not "Policy statements")."""

from __future__ import annotations

import re
from bisect import bisect

from pydantic import BaseModel

from qa.index.readers.extracted import is_number
from qa.index.sentences import ROW_SEPARATOR

_WORD = re.compile(r"[a-z]+|\d+")
MIN_SHORTENED = 3  # a header word this long may stand for a longer question word ("ref", "reference")
_FILLERS = ("of", "at", "is", "was", "in", "to", "for", "as")  # between a header and its value: "a density of 51"
MIN_OTHER_KEY_CHARS = 4  # a value, not the row's first, this long names its row ("Pakistan" beside rank "7")
_EXCLUDED = re.compile(r"(?:[,(]\s*not|\bexcept|\bexcluding|\bother than)\b([^()?.;]*)", re.IGNORECASE)  # ", not pre-pawn"
_YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")
_NOTE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")  # "(NED)", "[a]": a note beside a value
MAX_LABEL_WORDS = 6  # a longer text before a line's colon is a clause, not a label
MAX_LABEL_VALUE_WORDS = 12  # a longer text after it is prose ("Note: If the account is ..."), not a field's value
_LABEL = re.compile(r"[^\W\d_][^.;!?|\n]*")  # a label opens with a letter and holds no sentence's stop
_ASKED_KINDS = [(re.compile(r"\bhow long\b", re.I), re.compile(r"time|length|duration|runtime|term")),
                (re.compile(r"\bwhen\b|\bwhat (?:year|date)\b", re.I), re.compile(r"date|year|season|released?")),
                (re.compile(r"\bwhere\b", re.I), re.compile(r"location|venue|city|place|site|town|country|address|hometown"))]
_ASKED_NOUN = re.compile(r"\b(?:which|what|name (?:the|a|an))\s+(?:(?:is|was|are|were|the|a|an|only|other|one)\s+)*([a-z]+)", re.I)
_NOT_A_THING = re.compile(r"\b(?:how|when|where|why)\b", re.I)  # a number, a time, a place or a reason
_NAME = re.compile(r"[^\W\d_]{2,}")  # a key cell that names a thing holds a word ("Tom Knudsen", not "186 / 497")
_A_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I)  # a date
_DISTINCT_NUMBER = re.compile(r"[$£€]?\d+(?:[,.:]\d+)+")  # "31,840", "1:59:38.4", "724.307": a number no other cell shares
HEADER_WORD_REACH = 3  # a header's word this many words before a value names it with the value ("a weight of only 425")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_IN_ORDER = re.compile(r"\b(first|earliest|last|latest)\b(?!\s+(?:place|position|round|name|half|quarter|time))", re.IGNORECASE)
_LIST_LABEL = re.compile(r"^\s*\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]\s+(?=\S)")  # "12. ", "(b) ", "iv) "; not "J. Smith"


class Cell(BaseModel, frozen=True):
    """A named cell of a row line: its header, its value, and where the value stands in the line."""

    header: str
    value: str
    start: int
    end: int


def row_cells(line: str) -> list[Cell]:
    """The named cells ("Header: value") of a row line (or of a wide row's lines, one under the other); none
    unless it has two or more."""
    cells, offset = [], 0
    for text in line.split("\n"):
        for part in text.split(ROW_SEPARATOR):
            header, colon, value = part.partition(": ")
            if colon and header and value:
                start = offset + len(header) + len(colon)
                cells.append(Cell(header=header, value=value, start=start, end=start + len(value)))
            offset += len(part) + len(ROW_SEPARATOR)
        offset += 1 - len(ROW_SEPARATOR)  # the line break instead of a last separator
    return cells if len(cells) >= 2 else []


def row_key(line: str) -> str | None:
    """The key cells a row line starts with, each line of a wide row alike (`index.readers.extracted.row_lines`):
    its first cell, and the next when the first holds a number ("Rank: 17. | Name: Akihito | "); None for a
    line that is no row."""
    parts = line.split(ROW_SEPARATOR)
    if len(parts) < 2:
        return None
    width = 2 if len(parts) > 2 and is_number(parts[0].partition(": ")[2] or parts[0]) else 1
    return ROW_SEPARATOR.join(parts[:width]) + ROW_SEPARATOR


def row_starts(lines: list[str]) -> list[int]:
    """Where each row begins among `lines` (consecutive lines starting with one key, the first a row's first): a wide
    row's first line opens with the cell after its key, and so does the next row's of that key ("Pos: Ret | No: 5 |
    Rider: A" then "Pos: Ret | No: 12 | Rider: B", two retired riders)."""
    opening = [_first_after_key(line) for line in lines]
    return [at for at, header in enumerate(opening) if at == 0 or header == opening[0]]


def _first_after_key(line: str) -> str | None:
    """The header of the row line's first cell after its key."""
    width = len(row_key(line) or "")
    return next((cell.header for cell in row_cells(line) if cell.start >= width), None)


class NamedRow(BaseModel, frozen=True):
    """A row line a question names: the cells whose values it names (the row's keys), and the cells its
    answer may be: those whose headers it names, else every other cell (`by_header` says which)."""

    keys: list[Cell]
    answers: list[Cell]
    by_header: bool
    named_words: frozenset[str] = frozenset()  # the question's words that the keys' values hold

    @property
    def names(self) -> int:
        """How many distinct values of the row the question names ("• Partnership" and "Partnership" are one): the
        more, the surer the row."""
        return len({tuple(_words(cell.value)) for cell in self.keys})

    def outnamed_by(self, other: "NamedRow") -> bool:
        """Whether the question names `other` by more of its words, all those naming this row among them: "deep red"
        of "Flower colour: deep red" over "Flower colour: red", "pop musician" over "Musician (Right Said Fred)"."""
        return self.named_words < other.named_words


def named_row(question: str, line: str) -> NamedRow | None:
    """How `question` names the row `line`, or None when it names none of its values."""
    cells = row_cells(line)
    asked = _words(question)
    if not cells:
        return _named_label(asked, line)
    headers = [_words(cell.header) for cell in cells]
    keys = [cell for number, cell in enumerate(cells) if _names_value(asked, cell, number == 0)
            and _words(cell.value) not in headers]  # "Totals" in the row "Totals": the question named the column
    keys = keys or _values_named_together(asked, cells)
    if not keys:
        return None
    excluded = set(_words(" ".join(_EXCLUDED.findall(question))))
    others = [cell for cell in cells if cell not in keys and not excluded & set(_words(cell.header))]
    breaks = [at for at, character in enumerate(line) if character == "\n"]
    line_of = {id(cell): bisect(breaks, cell.start) for cell in cells}  # a header is told apart from its own line's
    named = [cell for cell in others if _names_header(asked, cell, [c for c in cells if line_of[id(c)] == line_of[id(cell)]])] \
        or _fullest_headers(asked, [cell for cell in others if _asked_kind_names(question, cell.header)])
    held = frozenset(word for cell in keys for word in _words(_NOTE.sub("", cell.value)) if word in asked)
    return NamedRow(keys=keys, answers=named or _row_key_asked_for(question, line, cells, keys) or others, by_header=bool(named),
                    named_words=held)


def _named_label(asked: list[str], line: str) -> NamedRow | None:
    """A "Label: value" line as a row of one cell, when the question holds every word of its label and not the value's
    first two words (that asks about the line, not for its value: "who wrote These Weeks in Firefox: Issue 85?")."""
    label, colon, value = line.partition(": ")
    words = _words(label)
    if not (colon and 0 < len(value.split()) <= MAX_LABEL_VALUE_WORDS and _LABEL.fullmatch(label) and 0 < len(words) <= MAX_LABEL_WORDS
            and all(_holds(asked, word) for word in words)) or f" {' '.join(_words(value)[:2])} " in f" {' '.join(asked)} ":
        return None
    start = len(label) + len(colon)
    return NamedRow(keys=[], answers=[Cell(header=label, value=value, start=start, end=len(line))], by_header=True)


def context_named(question: str, context: str, besides: str = "") -> int:
    """How many distinct words of a row's context (the headings, caption or slide title it stands under) the
    question holds, words of MIN_SHORTENED characters or more, those `besides` holds left out: "for the Reporting
    Parameters (DISASTERS) component" names the rows under "Component: Reporting Parameters (DISASTERS)" more than
    those under "... (STATE)"; with the rows' own words `besides`, the words that name only where the row stands
    ("the infobox")."""
    asked = set(_words(question)) - set(_words(besides))
    return len({word for word in _words(context) if len(word) >= MIN_SHORTENED and word in asked})


def without_set_aside(question: str) -> str:
    """The question without what it sets aside ("Handgun for Texas, not pre-pawn or redemption" -> "Handgun
    for Texas"): the words to look for its rows by."""
    return _EXCLUDED.sub("", question)


def as_number(value: str) -> float | None:
    """The number a cell holds ("14,757", "$5", "12 %"), or None when it holds no number alone."""
    found = _NUMBER.search(value) if is_number(value) else None
    return float(found.group().replace(",", "")) if found else None


def asked_in_order(question: str, lines: list[str]) -> str | None:
    """"first" or "last" when the question asks for the first or the last of the rows it names alike ("the last season
    Mike Scott started", "the first win by decision"), rows that stand in the document's order; None when it does not,
    or when a header of those rows holds the word ("Last win": a column, not an order) or it is a place ("first place")."""
    found = _IN_ORDER.search(question)
    if not found or any(found.group(1).lower() in _words(cell.header) for line in lines for cell in row_cells(line)):
        return None
    return "first" if found.group(1).lower() in ("first", "earliest") else "last"


def lacks_asked_year(question: str, line: str) -> bool:
    """Whether the row line lacks the column the question asks for: its headers hold two or more years, and
    the question holds a year that no header and no value of the line holds ("Austria in 2012" of a row of
    1952 to 2007)."""
    cells = row_cells(line)
    header_years = {word for cell in cells for word in _words(cell.header) if _YEAR.fullmatch(word)}
    if len(header_years) < 2:
        return False
    held = header_years.union(*(_words(cell.value) for cell in cells))
    return any(_YEAR.fullmatch(word) and word not in held for word in _words(question))


def _names_value(asked: list[str], cell: Cell, first: bool) -> bool:
    """Whether the question holds the cell's value as whole words: the row's first cell when it has a letter
    or three characters, another cell when it is a word of four letters or more; a short value or a number
    only beside its header ("index 4", "13 silver", "a density of 51", "grid at 2"). The first cell's leading
    list label is no part of its name ("12. Partnership or multi-member LLC"), nor a value's note in brackets
    ("Netherlands (NED)", "Arsenal [a]"). A value's leading words name it beside its header ("the Memorization
    heuristic" of "Heuristic: Memorization Minimize User's Memory Load", a cell holding a name and its gloss)."""
    words, header = _words(_LIST_LABEL.sub("", cell.value) if first else cell.value), _words(cell.header)
    if not words:
        return False
    text = f" {' '.join(asked)} "
    if (first and (len(cell.value.strip()) >= 3 or any(word.isalpha() for word in words))) or \
            (len(cell.value.strip()) >= MIN_OTHER_KEY_CHARS and any(word.isalpha() for word in words)):
        plain = _words(_NOTE.sub("", cell.value))  # "Netherlands (NED)" is named by "Netherlands"
        if f" {' '.join(words)} " in text or len(plain) < len(words) and any(w.isalpha() for w in plain) \
                and f" {' '.join(plain)} " in text:
            return True
    if _DISTINCT_NUMBER.fullmatch(cell.value.strip()) and sum(map(str.isdigit, cell.value)) >= MIN_OTHER_KEY_CHARS \
            and f" {' '.join(words)} " in text:
        return True
    if not header:
        return False
    value, named = " ".join(words), " ".join(header)
    if any(f" {phrase} " in text for phrase in (f"{named} {value}", f"{value} {named}")) or \
            any(f" {named} {filler} {value} " in text for filler in _FILLERS):
        return True
    return _names_leading_words(asked, words, header) or _beside_a_header_word(asked, words, header)


def _beside_a_header_word(asked: list[str], words: list[str], header: list[str]) -> bool:
    """Whether the question holds the value with a word of its header (MIN_SHORTENED letters or more) among the
    HEADER_WORD_REACH words before it or right after it ("the number 14" of "Constituency Number: 14", "a weight of only
    425" of "Weight (kg): 425")."""
    named = {word for word in header if len(word) >= MIN_SHORTENED and word.isalpha()}
    for at in range(len(asked) - len(words) + 1):
        if asked[at : at + len(words)] == words:
            near = asked[max(0, at - HEADER_WORD_REACH) : at] + asked[at + len(words) : at + len(words) + 1]
            if any(_holds([word], name) for word in near for name in named):
                return True
    return False


def _names_leading_words(asked: list[str], words: list[str], header: list[str]) -> bool:
    """Whether the question holds fewer than all of a value's leading words beside its header ("the Memorization
    heuristic"), among them a word of MIN_OTHER_KEY_CHARS letters or more."""
    text, named = f" {' '.join(asked)} ", " ".join(header)
    leading = [" ".join(words[:count]) for count in range(1, len(words))
               if any(word.isalpha() and len(word) >= MIN_OTHER_KEY_CHARS for word in words[:count])]
    return any(f" {phrase} " in text for lead in leading for phrase in (f"{lead} {named}", f"{named} {lead}"))


def _values_named_together(asked: list[str], cells: list[Cell]) -> list[Cell]:
    """The cells whose values the question holds as whole words, when two or more distinct ones of two
    characters or more are (numbers too: "started in 1949 and ended in 1973"); else none."""
    text = f" {' '.join(asked)} "
    held = [cell for cell in cells if len(cell.value.strip()) >= 2 and (words := _words(cell.value))
            and f" {' '.join(words)} " in text]
    return held if len({tuple(_words(cell.value)) for cell in held}) >= 2 else []


def _asked_kind_names(question: str, header: str) -> bool:
    """Whether the question's asking phrase names the header by what it asks for: "how long" a time or a length,
    "when" a date or a year, "where" a place, "which team" / "what film" / "name the election" a header holding that
    noun ("CFL Team", "Election")."""
    words = _words(header)
    kinds = [kind for asking, kind in _ASKED_KINDS if asking.search(question)]
    if any(kind.fullmatch(word) for kind in kinds for word in words):
        return True
    noun = _ASKED_NOUN.search(question)
    return bool(noun) and any(_holds([noun.group(1).lower()], word) for word in words if len(word) >= MIN_SHORTENED)


def _fullest_headers(asked: list[str], cells: list[Cell]) -> list[Cell]:
    """The cells but those whose header another's holds whole, with more words the question holds ("how long was the
    rifle's barrel?": "Barrel length" over "Length", both named by what "how long" asks for)."""
    def outnamed(cell: Cell, other: Cell) -> bool:
        words, fuller = set(_words(cell.header)), set(_words(other.header))
        return words < fuller and any(_holds(asked, word) for word in fuller - words if len(word) >= MIN_SHORTENED)
    return [cell for cell in cells if not any(outnamed(cell, other) for other in cells)]


def _row_key_asked_for(question: str, line: str, cells: list[Cell], keys: list[Cell]) -> list[Cell]:
    """The row's key cell (its first that is no number, `row_key`) when the question names the row by other values
    only and asks for a thing, not a number, time or place ("what is the only plant with deep red flower colour?"
    of "Name: Tom Knudsen | Flower colour: deep red"), and that cell names a thing: a word, MIN_OTHER_KEY_CHARS
    characters or more, no date ("Pos: Wth", "Date: December 7, 2012" are no answer to "who ...?"); else none."""
    key = row_key(line)
    first = next((cell for cell in cells if key and cell.start < len(key) and not is_number(cell.value)), None)
    if first is None or _NOT_A_THING.search(question) or any(cell.value == first.value for cell in keys):
        return []
    if not _NAME.search(first.value) or len(first.value) < MIN_OTHER_KEY_CHARS or _A_MONTH.search(first.value):
        return []
    return [cell for cell in cells if (cell.header, cell.value) == (first.header, first.value)]  # on each line of a wide row


def _names_header(asked: list[str], cell: Cell, cells: list[Cell]) -> bool:
    """Every word of the cell's header (but single letters: "Color commentator(s)"), or the words that set it apart from
    the line's other headers."""
    words = [word for word in _words(cell.header) if len(word) > 1 or word.isdigit()] or _words(cell.header)  # "(s)", "(h:m:s)"
    others = set().union(*(_words(other.header) for other in cells if other is not cell))
    apart = [word for word in words if word not in others]
    return bool(words) and (all(_holds(asked, word) for word in words) or bool(apart) and all(_holds(asked, word) for word in apart))


def _holds(asked: list[str], word: str) -> bool:
    return word in asked or (len(word) >= MIN_SHORTENED and word.isalpha() and any(w.startswith(word) for w in asked))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
