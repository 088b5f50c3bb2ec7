"""Who a statement is attributed to: "says who?" after an answer asks who said what its sentence says.

The reader, trained on questions that name what they ask about, reads "who said so?" badly: over "President
Biden warned Mr Zelenskyy that ... Russian forces could attack ... from north of Kyiv, according to two people
familiar with the conversation" it answers "Mr Zelenskyy". The sentence itself says who: a source it names
("according to X", "reports by X", "published ... by X") comes first; else the speaker of the speech verb
nearest before the answer ("X said that ...", "X warned ..."; the quoted speaker, not who quotes them), or after
it (", said X"), a capitalised name, or a noun phrase a relative clause says it of ("the prime number theorem,
proven ..., which says that ..."). The speaker is a span of the
sentence, so the answer is the document's own text as ever; a sentence that names no speaker gives none.
"""

from __future__ import annotations

import re

ASKS_WHO_SAID = re.compile(
    r"^\s*(?:(?:and\s+)?(?:says?\s+who(?:m)?|who(?:m)?\s+says(?:\s+(?:so|that|this))?|who\s+said\s+(?:so|that|this|it)"
    r"|according\s+to\s+(?:who(?:m)?|what|which\s+\w+)|who\s+is\s+saying\s+(?:so|that|this)"
    r"|who\s+(?:reported|reports|claimed|claims)\s+(?:so|that|this|it)|(?:what\s+is\s+the\s+)?source|by\s+whom))\s*[?.!]*\s*$",
    re.I)
_SOURCE = re.compile(r"\b(?:according\s+to|(?:reports?|claims?|statements?|figures|data|statistics|estimates?)\s+(?:by|from)"
                     r"|(?:published|released|issued|reported|announced|compiled|tracked)(?:\s+[\w,]+){0,6}?\s+by)\s+", re.I)
_VERB = (r"(?:said|says|told|tells|warned|warns|tweeted|tweets|reported|claimed|claims|stated|states|announced|announces"
         r"|added|adds|wrote|writes|insisted|insists|argued|argues|noted|notes|believes|believed|confirmed|confirms)")
# "Gasquet (1908) claimed", "Biden has told"; "said to be": no one
_SPEAKER_BEFORE = re.compile(rf"(?P<speaker>(?:(?:The|the)\s+)?[A-Z][\w’'.-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'.-]*)*)"
                             rf"(?:\s+\([^()]{{1,20}}\))?(?:\s+ha(?:s|ve|d))?\s+{_VERB}\b(?!\s+to\b)")
_SPEAKER_RELATIVE = re.compile(rf"\b(?P<speaker>(?:[Tt]he|[Aa]n?|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)(?:\s+[\w’'-]+){{1,5}}?)"
                               rf"(?:,[^,;.]{{1,80}})?,\s+(?:which|who)\s+{_VERB}\b")  # "the theorem, ..., which says"
_SPEAKER_AFTER = re.compile(rf"[,”\"’']\s*{_VERB}\s+(?P<speaker>(?:the\s+)?[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)")
_ENDS_PHRASE = re.compile(r"[,;:!?()\[\]\"“”]|\.(?=\s|$)|\s(?:who|whom|whose|which|that|when|where|while|because|if|as|but|than)\b"
                          r"|\s['‘’](?=\w)")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]\.)+$|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Co|Corp|Ltd)\.$")
_PARENTHESIS = re.compile(r"\s*\([^()]{1,60}\)")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those", "there"}
MAX_SOURCE_CHARS = 120  # a named source runs to its phrase's end, at most this far


def who_said(sentence: str, answer_start: int, answer_end: int) -> tuple[int, int] | None:
    """[start, end) in `sentence` of whom it attributes what it says at [answer_start, answer_end): a source it
    names, else the nearest speaker of a speech verb; None when it names neither, or only inside the answer."""
    outside = [found for found in _named_sources(sentence) if found[1] <= answer_start or found[0] >= answer_end]
    if outside:
        return min(outside, key=lambda span: _distance(span, answer_start, answer_end))
    speakers = [_without_full_stop(sentence, found.start("speaker"), found.end("speaker"))
                for pattern in (_SPEAKER_BEFORE, _SPEAKER_RELATIVE, _SPEAKER_AFTER) for found in pattern.finditer(sentence)]
    speakers = [span for span in speakers if (span[1] <= answer_start or span[0] >= answer_end)
                and sentence[span[0] : span[1]].lower() not in _PRONOUNS]
    before = [span for span in speakers if span[1] <= answer_start]  # "X said that ... the answer": X, not who quoted X
    return min(before or speakers, key=lambda span: _distance(span, answer_start, answer_end)) if speakers else None


def _named_sources(sentence: str) -> list[tuple[int, int]]:
    """The phrases after "according to", "reports by", "published ... by": each up to its end (a comma, a clause
    word, a quote), a parenthesis right after it ("one journalist (Robin Wright)") with it."""
    found = []
    for marker in _SOURCE.finditer(sentence):
        start, window = marker.end(), sentence[marker.end() : marker.end() + MAX_SOURCE_CHARS]
        end = start + _phrase_end(window)
        if (bracket := _PARENTHESIS.match(sentence, end)) is not None:
            end = bracket.end()
        if end > start:
            found.append((start, end))
    return found


def _phrase_end(window: str) -> int:
    """Where the phrase opening `window` ends: before its first mark or clause word (a full stop ending "U.S." or
    "Mr." does not end it)."""
    for mark in _ENDS_PHRASE.finditer(window):
        if window[mark.start()] == "." and _ABBREVIATION.search(window[: mark.start() + 1]):
            continue
        return len(window[: mark.start()].rstrip())
    return len(window.rstrip()) if len(window) < MAX_SOURCE_CHARS else 0  # a phrase running on is no source's name


def _without_full_stop(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The name without the sentence's full stop (", said Emily Horne."), an abbreviation's kept ("Co.")."""
    return (start, end - 1) if sentence[end - 1] == "." and not _ABBREVIATION.search(sentence[start:end]) else (start, end)


def _distance(span: tuple[int, int], answer_start: int, answer_end: int) -> int:
    return answer_start - span[1] if span[1] <= answer_start else span[0] - answer_end
