"""A misspelt question word read as the retrieved sentences spell it ("spokespperson" -> "spokesperson").

Retrieval finds the right sentences despite a typo (the encoder reads word pieces), but the reader
and the score then meet a word that stands nowhere in them, and answer less surely. A question word
is respelt when it has MIN_LETTERS letters or more, is not a word the encoder knows whole (an
English word is not a typo to correct: "tanks" must not become "banks"), stands in none of the
sentences, and one of their words is nearly the same (difflib's ratio >= SIMILARITY) inside the
word: words that differ only in their ending ("headliner", "headlined"; "numeral", "numerals") or
only in their start ("disobedience", "obedience"; "pertain", "certain") are two words, not a typo.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from functools import lru_cache

from qa.integrity import bundled_encoder_dir

MIN_LETTERS = 5
SIMILARITY = 0.85  # a letter dropped or doubled; two swapped, or one replaced, in a word of 7 letters or more
ENDING, START = 2, 3  # words that differ only in up to so many last, or first, letters are different words
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """The whole words of the bundled encoder's (lower-case) vocabulary."""
    tokens = (bundled_encoder_dir() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(token for token in tokens if token.isalpha())


def _another_word(word: str, other: str) -> bool:
    """Do two similar words differ only in their ending (one adds to the other, or replaces its last
    letters) or only in their start (their first letters all differ)? A typo keeps both ends:
    "neggotiators", "nationl"."""
    shortest, longest = sorted((len(word), len(other)))
    same_start, same_end = len(os.path.commonprefix([word, other])), len(os.path.commonprefix([word[::-1], other[::-1]]))
    ending = same_start == shortest or shortest == longest
    return (ending and same_start >= longest - ENDING) or (same_start == 0 and same_end >= longest - START)


def respelt(question: str, sentences: Iterable[str]) -> str:
    """The question with each misspelt word written as `sentences` write it (in lower case if it was)."""
    spellings = {word.lower(): word for text in sentences for word in _WORD.findall(text)}
    nearest: dict[str, str | None] = {}  # each distinct word is compared with the sentences' words once

    def as_spelt(match: re.Match) -> str:
        word = match.group()
        lower = word.lower()
        if len(word) < MIN_LETTERS or lower in spellings or lower in known_words():
            return word
        if lower not in nearest:
            closest = difflib.get_close_matches(lower, spellings, n=1, cutoff=SIMILARITY)
            nearest[lower] = closest[0] if closest and not _another_word(lower, closest[0]) else None
        if nearest[lower] is None:
            return word
        return nearest[lower] if word.islower() else spellings[nearest[lower]]

    return _WORD.sub(as_spelt, question)
