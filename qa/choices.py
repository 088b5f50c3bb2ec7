"""Questions that offer their answer's alternatives: "does Allegiant Air fly to Dallas or Las Vegas?", "was the
nickname of Four Corners the Kangaroos or the Redlegs?".

The answer is the alternative that the sentence the question is about holds: the row "Airline: Allegiant Air |
Destination(s): Las Vegas" holds "Las Vegas" and not "Dallas". The reader often proposes another of that row's cells
("MD-80"), since the question's words name both alternatives. Which words make an alternative is not known, so each
side is tried from its longest run of words to its shortest (" ... fly to Dallas" gives "fly to dallas", "to dallas",
"dallas"), each run opening and closing with a word that carries content. A question that compares them by a number
("did A or B have a higher average attendance?") is answered from two table rows, one for each alternative
(`compared`); one that compares otherwise ("which was released sooner, A or B?") is left alone.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from qa.index.lexical import content_words

MAX_OPTION_WORDS = 5
_WORD = re.compile(r"[^\W_]+(?:['’.&-][^\W_]+)*")
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
_ASKS_WHICH = re.compile(r"\s*(?:is|was|are|were|do|does|did|has|have|had|can|could|will|would|should)\b", re.IGNORECASE)  # yes/no form
_COMPARES = re.compile(r"\b(?:more|less|fewer|most|least|first|last|better|worse|best|worst|sooner|earlier|later|before|after"
                       r"|[a-z]{2,}er\s+than|higher|lower|longer|shorter|larger|smaller|bigger|greater|older|younger|same)\b",
                       re.IGNORECASE)


_BY_NUMBER = re.compile(r"\b(more|most|higher|highest|larger|largest|bigger|biggest|greater|greatest|less|fewer|least|lower"
                        r"|lowest|smaller|smallest)\b", re.IGNORECASE)
_LARGER = {"more", "most", "higher", "highest", "larger", "largest", "bigger", "biggest", "greater", "greatest"}


class Choice(BaseModel, frozen=True):
    """A question's two alternatives, each as its runs of words to look for, longest first."""

    left: list[str]
    right: list[str]


def offered(question: str) -> Choice | None:
    """The alternatives a question offers around its last "or"; None when it offers none, or compares them."""
    return None if _COMPARES.search(question) or _BY_NUMBER.search(question) else _alternatives(question)


def compared(question: str) -> tuple[Choice, bool] | None:
    """The alternatives of a question that compares them by a number ("did Tianjin Teda or Qingdao Jonoon have a higher
    average attendance?"), and whether the larger number wins; None for any other question."""
    found = _BY_NUMBER.search(question)
    choice = _alternatives(question) if found else None
    return (choice, found.group(1).lower() in _LARGER) if choice else None


def _alternatives(question: str) -> Choice | None:
    """The alternatives around the question's last "or". A question offers them when it is worded as a yes/no question
    ("does it fly to Dallas or Las Vegas?"), or the alternatives follow a comma ("which element has the symbol Fe,
    titanium or iron?"), or open it ("Pune or Surat had ...?"); otherwise its "or" is part of what it asks about."""
    parts = _OR.split(question)
    if len(parts) < 2:
        return None
    before, after = " or ".join(parts[:-1]), parts[-1]
    clauses = re.split(r"[,;:?]", before.rstrip(" ,"))  # "..., Wang Yeping, or Liu Yongqing?"
    left_words = _WORD.findall(clauses[-1])
    if not (_ASKS_WHICH.match(question) or len(clauses) > 1 or len(left_words) <= MAX_OPTION_WORDS // 2):
        return None  # "which product has RDF for input or output?" asks for a product, not one of the two
    right_words = _WORD.findall(re.split(r"[,;:?]", after)[0])
    shared = {word.lower() for word in left_words[-MAX_OPTION_WORDS:]} & {word.lower() for word in right_words[:MAX_OPTION_WORDS]}
    while left_words and left_words[-1].lower() in shared:  # "the DMK party or the Janata party": "party" is no alternative
        left_words.pop()
    while right_words and (not content_words(right_words[0]) or right_words[0].lower() in shared):  # "or the Redlegs"
        right_words.pop(0)
    left = [" ".join(left_words[-n:]) for n in range(min(MAX_OPTION_WORDS, len(left_words)), 0, -1)]
    right = [" ".join(right_words[:n]) for n in range(min(MAX_OPTION_WORDS, len(right_words)), 0, -1)]
    left, right = [run for run in left if _bounded(run)], [run for run in right if _bounded(run)]
    return Choice(left=left, right=right) if left and right else None


def chosen_in(choice: Choice, text: str) -> tuple[int, int] | None:
    """Where the one alternative that `text` holds stands in it (its longest run found, first place); None when it
    holds both or neither."""
    left, right = _found(choice.left, text), _found(choice.right, text)
    if (left is None) == (right is None):
        return None
    start, end = left or right
    label = text.rfind(": ", start, end)  # "Year: 2008" found for "year 2008": the cell's value
    return (label + 2, end) if label >= 0 else (start, end)


def side_in(choice: Choice, text: str) -> bool | None:
    """Which alternative `text` holds alone: True for the left one, False for the right; None for both or neither."""
    left, right = _found(choice.left, text), _found(choice.right, text)
    return None if (left is None) == (right is None) else left is not None


def holds_both(choice: Choice, text: str) -> bool:
    """Does `text` hold both alternatives?"""
    return _found(choice.left, text) is not None and _found(choice.right, text) is not None


def _found(runs: list[str], text: str) -> tuple[int, int] | None:
    for run in runs:
        pattern = r"\W+".join(re.escape(word) for word in run.split())
        match = re.search(rf"(?<![^\W_]){pattern}(?![^\W_])", text, re.IGNORECASE)
        if match:
            return match.start(), match.end()
    return None


def _bounded(run: str) -> bool:
    """Does the run open and close with a word that carries content ("the Redlegs" does not: "Redlegs" does)?"""
    words = run.split()
    return bool(content_words(words[0])) and bool(content_words(words[-1]))
