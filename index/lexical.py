"""Lexical search: BM25 over the indexed sentences, with SQLite's FTS5 (it ships with Python).

Dense vectors find paraphrases; exact tokens (part numbers, codes, names, numbers) are found
here. A question is turned into an OR of its words, common question words left out; a code
such as "AB-1234" or "3.14" becomes a phrase of its parts ("ab 1234"), so it matches exactly
that sequence of tokens. Words are matched by their stems (SQLite's Porter stemmer): "meeting"
finds "meet", "talks" finds "talked". An index made before stems were used is matched by exact words
until its next update, which remakes its word index with stems (in the update's transaction).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

STOPWORDS = set("""a about an and are as at be by did do does for from had has have how i in is it its of on or
that the their there this to was were what when where which who whom whose why will with would you your""".split())
TOKENIZER = "porter unicode61 remove_diacritics 2"  # stems of Unicode words, accents folded
_TERM = re.compile(r"\w+(?:[-./,:]\w+)*")
_PART = re.compile(r"\w+")


def _carries_content(word: str) -> bool:
    """Not a question or function word, nor a single letter (a single digit counts)."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def content_words(text: str) -> set[str]:
    """The text's words that carry content, lower-cased."""
    return {word for word in _PART.findall(text.lower()) if _carries_content(word)}


def identifiers(text: str) -> set[str]:
    """The text's codes, each as its lower-cased parts joined by spaces: terms that start with a letter
    and hold a digit ("AB-1077" -> "ab 1077", "F-16", "A380"); not years, ordinals or "5G"."""
    found = set()
    for term in _TERM.findall(text.lower()):
        if term[0].isalpha() and any(character.isdigit() for character in term):
            found.add(" ".join(_PART.findall(term)))
    return found


def names_every(text: str, codes: set[str]) -> bool:
    """Whether `text` holds each code as a whole run of its parts."""
    words = f" {' '.join(_PART.findall(text.lower()))} "
    return all(f" {code} " in words for code in codes)


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


class LexicalTable:
    """BM25 over sentence texts in an FTS5 table of the store's SQLite database (row id = sentence id).

    The table is contentless: it keeps only the word index, since the texts live in the documents.
    Removing a sentence therefore needs its text again. The caller serialises access to `db`.
    """

    def __init__(self, db: sqlite3.Connection, name: str = "lexical") -> None:
        self.db, self.name = db, name

    def create(self) -> None:
        self.db.execute(f"CREATE VIRTUAL TABLE {self.name} USING fts5(text, content='', tokenize='{TOKENIZER}')")

    def is_current(self) -> bool:
        """Whether the table splits words as this version does (an index made earlier may not)."""
        found = self.db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (self.name,)).fetchone()
        return found is not None and f"tokenize='{TOKENIZER}'" in found[0]

    def remake(self, rows: Iterable[tuple[int, str]]) -> None:
        """Drop the table and index these (sentence id, text) rows anew, as this version splits words."""
        self.db.execute(f"DROP TABLE {self.name}")
        self.create()
        self.add(rows)

    def add(self, rows: Iterable[tuple[int, str]]) -> None:
        self.db.executemany(f"INSERT INTO {self.name}(rowid, text) VALUES (?, ?)", rows)

    def remove(self, rows: list[tuple[int, str]]) -> None:
        """Forget sentences, given with the text they were added with."""
        self.db.executemany(f"INSERT INTO {self.name}({self.name}, rowid, text) VALUES ('delete', ?, ?)", rows)

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """(sentence id, BM25 score, higher is better) of the k best-matching sentences."""
        expression = match_expression(question)
        if expression is None:
            return []
        found = self.db.execute(
            f"SELECT rowid, bm25({self.name}) FROM {self.name} WHERE {self.name} MATCH ? ORDER BY bm25({self.name}) LIMIT ?",
            (expression, k)).fetchall()
        return [(int(row), -float(score)) for row, score in found]
