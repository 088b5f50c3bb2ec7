"""Lexical search: BM25 over the indexed sentences, with SQLite's FTS5 (it ships with Python).

Dense vectors find paraphrases; exact tokens (part numbers, codes, names, numbers) are found
here. A question is turned into an OR of its words, common question words left out; a code
such as "AB-1234" or "3.14" becomes a phrase of its parts ("ab 1234"), so it matches exactly
that sequence of tokens.
"""

from __future__ import annotations

import re
import sqlite3
import threading

STOPWORDS = set("""a about an and are as at be by did do does for from had has have how i in is it its of on or
that the their there this to was were what when where which who whom whose why will with would you your""".split())
_TERM = re.compile(r"\w+(?:[-./,:]\w+)*")
_PART = re.compile(r"\w+")


def _carries_content(word: str) -> bool:
    """Not a question or function word, nor a single letter (a single digit counts)."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def content_words(text: str) -> set[str]:
    """The text's words that carry content, lower-cased."""
    return {word for word in _PART.findall(text.lower()) if _carries_content(word)}


def match_expression(question: str) -> str | None:
    """The FTS5 query for a question: its terms OR-ed, each quoted; None when nothing is left to search."""
    terms = []
    for term in _TERM.findall(question.lower()):
        parts = _PART.findall(term)
        if len(parts) == 1 and not _carries_content(parts[0]):
            continue
        quoted = '"' + " ".join(parts) + '"'
        if quoted not in terms:
            terms.append(quoted)
    return " OR ".join(terms) or None


class LexicalIndex:
    """BM25 over sentence texts; row n of the index is the n-th text given."""

    def __init__(self, texts: list[str]) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("CREATE VIRTUAL TABLE sentences USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
        self._db.executemany("INSERT INTO sentences(rowid, text) VALUES (?, ?)", enumerate(texts))
        self._db.commit()

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(row number, BM25 score, higher is better) of the k best-matching sentences."""
        expression = match_expression(question)
        if expression is None:
            return []
        with self._lock:
            found = self._db.execute(
                "SELECT rowid, bm25(sentences) FROM sentences WHERE sentences MATCH ? ORDER BY bm25(sentences) LIMIT ?",
                (expression, k)).fetchall()
        return [(int(row), -float(score)) for row, score in found]
