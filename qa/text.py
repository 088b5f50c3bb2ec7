"""Text hygiene shared by questions, documents and what is shown to people.

Cheap to import (the command line checks questions before any model loads). Lone surrogates,
which no tokenizer or encoder accepts, become U+FFFD one for one, so offsets never move.
Invisible controls (bidi overrides, zero-width characters) can reorder or hide what is shown:
`visible_controls` names them instead.
"""

from __future__ import annotations

import re
import unicodedata

from qa.errors import InvalidQuestionError

MAX_QUESTION_CHARS = 1000
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN_AS_IS = "\n\t"
_APOSTROPHE = "['\u2019]"
_CONTRACTIONS = [  # (contracted form, written out); a name's possessive "'s" is left alone
    (re.compile(rf"\b(can){_APOSTROPHE}t\b", re.I), r"\1not"),
    (re.compile(rf"\b(w)on{_APOSTROPHE}t\b", re.I), r"\1ill not"),
    (re.compile(rf"\b(\w+)n{_APOSTROPHE}t\b", re.I), r"\1 not"),
    (re.compile(rf"\b(who|what|where|when|why|how|which|that|there|here|it|he|she){_APOSTROPHE}s(?=\s+(?:been|got|gone|had)\b)", re.I),
     r"\1 has"),
    (re.compile(rf"\b(who|what|where|when|why|how|which|that|there|here|it|he|she){_APOSTROPHE}s\b", re.I), r"\1 is"),
    (re.compile(rf"\b(what|where|when|why|how){_APOSTROPHE}d\b", re.I), r"\1 did"),  # "how'd they ...?"; "I'd", "who'd": would
    (re.compile(rf"\b(\w+){_APOSTROPHE}re\b", re.I), r"\1 are"),
    (re.compile(rf"\b(\w+){_APOSTROPHE}ve\b", re.I), r"\1 have"),
    (re.compile(rf"\b(\w+){_APOSTROPHE}ll\b", re.I), r"\1 will"),
    (re.compile(rf"\b(I){_APOSTROPHE}m\b", re.I), r"\1 am"),
    # typed without the apostrophe, where no word is so spelt: "whats", "didnt"
    (re.compile(r"\b(who|what|where|when|how)s\b", re.I), r"\1 is"),
    (re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b", re.I), r"\1 not"),
]
_ALONE = r"(?![\w.'’&/-])"  # a word ending here ("u.s.", "r&d", "u-boat" go on)
_SHORTHAND = [  # texting shorthand, typed in lower case: "where r the talks?", "can u tell me ...", "ur", "abt"
    (re.compile(rf"(^\s*|\b(?:who|what|where|when|why|how|which)\s+)r{_ALONE}"), r"\1are"),  # not "the r value"
    (re.compile(rf"(\b(?:are|can|could|do|did|does|have|will|would|should|tell|thank|show)\s+)u{_ALONE}"), r"\1you"),
    (re.compile(rf"(?<![\w.'’&/-])ur{_ALONE}"), "your"),
    (re.compile(rf"(?<![\w.'’&/-])abt{_ALONE}"), "about"),
]


def clean_text(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD (same length, same offsets)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def validate_question(question: object) -> str:
    """The question cleaned and stripped of surrounding space; InvalidQuestionError if unusable."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    question = clean_text(question).strip()
    if all(char.isspace() or is_invisible_control(char) for char in question):
        raise InvalidQuestionError("the question is empty; type a question about the documents")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"the question has {len(question)} characters; the limit is {MAX_QUESTION_CHARS}: shorten it"
        )
    return question


def spelled_out(question: str) -> str:
    """The question with its contractions written out ("where's" -> "where is", "didn't" -> "did not",
    "they're" -> "they are", "whats" -> "what is", "where r u" -> "where are you"), and closed with a question mark
    when it has no closing mark: the reader and the encoder learnt from written-out questions ending so, and find
    the answer more surely in them. A possessive ("Zelenskyy's") stays."""
    for contracted, written_out in _CONTRACTIONS + _SHORTHAND:
        question = contracted.sub(written_out, question)
    return question if question.rstrip().endswith(("?", ".", "!")) else f"{question.rstrip()}?"


def is_invisible_control(char: str) -> bool:
    """Format and control characters (bidi overrides, zero-width spaces, NUL...), except newline and tab."""
    return char not in _SHOWN_AS_IS and unicodedata.category(char) in ("Cc", "Cf")


def visible_controls(text: str, newlines: bool = False) -> str:
    """The text with each invisible control replaced by its code point, as in "[U+202E]"; with
    `newlines`, line breaks and tabs too (a file name on one line of output)."""
    return "".join(f"[U+{ord(char):04X}]" if is_invisible_control(char) or (newlines and char in _SHOWN_AS_IS) else char
                   for char in text)
