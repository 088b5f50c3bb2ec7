"""Split document text into sentences that keep their exact character spans.

Rules, in order: every line is its own block (news text puts paragraphs, captions, tweet
lines and "Advert" on lines of their own); inside a block a sentence ends at . ! or ?
(plus closing quotes and brackets) followed by whitespace and something that can start a
sentence, unless the word before the stop is a known abbreviation (Mr., U.S.) or the stop
lies inside an open quotation. A `pic.twitter.com/...` link starts the attribution of an
embedded tweet.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt",
    "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "dept", "est", "fig", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft",
}
_STOP = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_SENTENCE_OPENER = re.compile(r"\s+(?=[A-Z0-9\"'“‘(\[@—–-]|pic\.twitter\.com/|[^\x00-\x7f])")
_TWEET_LINK = re.compile(r"\s(?=pic\.twitter\.com/)")
LONGEST_ABBREVIATION = 16  # characters looked at before a full stop ("U.S.A", "approx")
_STRAIGHT_OPEN = re.compile(r"(?:^|(?<=[\s(\[—]))'(?=\w)")
_STRAIGHT_CLOSE = re.compile(r"(?<=[\w.,!?])'(?=[\s.,;:!?)\]]|$)")
_WORD = re.compile(r"[^\W\d_]{2,}")
_TAG_LINE = re.compile(r"^(?:Topics|Tags|Related|Categories|Keywords)\s*:", re.IGNORECASE)
MIN_WORDS = 3
MAX_SENTENCE_CHARS = 600
_NON_SPACE = re.compile(r"\S")


class SentenceSpan(BaseModel, frozen=True):
    """A sentence as [start, end) character offsets into its document's text."""

    start: int
    end: int


def split_sentences(text: str, begin: int = 0) -> list[SentenceSpan]:
    """Sentence spans of text[begin:], whitespace-trimmed, in document order."""
    spans = []
    for line in re.finditer(r"[^\r\n]+", text[begin:]):
        for span in _split_block(text, begin + line.start(), begin + line.end()):
            spans += _bounded(text, span)
    return spans


def answerable_sentences(text: str, begin: int = 0) -> list[SentenceSpan]:
    """The sentences of text[begin:] that are indexed: every one but boilerplate."""
    return [span for span in split_sentences(text, begin) if not is_boilerplate(text[span.start : span.end])]


def is_boilerplate(sentence: str) -> bool:
    """Lines that never hold an answer: 'Advert', tag lists, fragments of fewer than three words."""
    return len(_WORD.findall(sentence)) < MIN_WORDS or bool(_TAG_LINE.match(sentence))


def _split_block(text: str, start: int, end: int) -> list[SentenceSpan]:
    block = text[start:end]
    quote_open = _quotation_mask(block)
    cuts = [0]
    for stop in _STOP.finditer(block):
        opener = _SENTENCE_OPENER.match(block, stop.end())
        if opener and not quote_open[stop.start()] and not _is_abbreviation(block, stop.start()):
            cuts.append(opener.end())
    cuts += [m.end() for m in _TWEET_LINK.finditer(block)]
    cuts = sorted(set(cuts)) + [len(block)]
    spans = []
    for left, right in zip(cuts, cuts[1:]):
        piece = block[left:right]
        stripped_left = len(piece) - len(piece.lstrip())
        stripped_right = len(piece.rstrip())
        if stripped_right > stripped_left:
            spans.append(SentenceSpan(start=start + left + stripped_left, end=start + left + stripped_right))
    return spans


def _bounded(text: str, span: SentenceSpan) -> list[SentenceSpan]:
    """The span, or consecutive pieces of it of at most MAX_SENTENCE_CHARS, each trimmed of space."""
    pieces, start = [], span.start
    while span.end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit + 1)
        cut = limit if cut < 0 else cut
        end = len(text[start:cut].rstrip()) + start
        pieces.append(SentenceSpan(start=start, end=end))
        following = _NON_SPACE.search(text, cut, span.end)
        start = following.start() if following else span.end
    if span.end > start:
        pieces.append(SentenceSpan(start=start, end=span.end))
    return pieces


def _is_abbreviation(block: str, stop: int) -> bool:
    if block[stop] != ".":
        return False
    begin = stop  # the word before the stop, looked for backwards over a bounded stretch: linear in the block
    while begin > 0 and stop - begin <= LONGEST_ABBREVIATION and (block[begin - 1].isalnum() or block[begin - 1] in "._"):
        begin -= 1
    token = block[begin:stop]
    if not token or stop - begin > LONGEST_ABBREVIATION:
        return False
    if "." in token and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):  # U.S, e.g, a.m
        return True
    return token.lower() in ABBREVIATIONS or (len(token) == 1 and token.isupper())


def _quotation_mask(block: str) -> list[bool]:
    """For every character: is it inside a quotation (curly “…” or straight '…')?"""
    inside = [False] * len(block)
    depth = 0
    opens = {m.start() for m in _STRAIGHT_OPEN.finditer(block)}
    closes = {m.start() for m in _STRAIGHT_CLOSE.finditer(block)}
    for position, char in enumerate(block):
        if char == "“" or position in opens:
            depth += 1
        elif char == "”" or position in closes:
            depth = max(0, depth - 1)
        inside[position] = depth > 0
    return inside
