"""Split document text into sentences that keep their exact character spans.

Rules, in order: every line is its own block (news text puts paragraphs, captions, tweet
lines and "Advert" on lines of their own); inside a block a sentence ends at . ! or ?
(plus closing quotes and brackets) followed by whitespace and something that can start a
sentence, unless
- the word before the stop is an abbreviation (Mr., U.S., co., a single letter) and the next word
  is not one that starts sentences ("co. They" ends one, "U.S. President" does not; titles such as
  "Mr." never end one),
- a word that numbers things ("p.", "No.", "Vol.", "N°.") is followed by a number ("p. 55"),
- a parenthesis that closes just before a stop follows ("[...]" (Smith 55).),
- or the stop lies inside an open quotation.
An inline list ("1.) first 2.) second", "a. first b. second", "• 9. first • 10. second") starts a
sentence at each of its markers. A `pic.twitter.com/...` link starts the attribution of an
embedded tweet. Measured on pySBD's golden rules by eval/sentence_benchmark.py.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

PREPOSITIVE = {"mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "mt"}
SENTENCE_STARTERS = {
    "i", "it", "it's", "he", "she", "they", "we", "you", "the", "a", "an", "this", "that", "these", "those", "there",
    "then", "but", "and", "so", "how", "what", "when", "where", "why", "who", "did", "do", "does", "is", "are", "was",
    "were", "can", "could", "will", "would", "should", "if", "his", "her", "their", "our", "my", "its", "no", "yes",
}
NUMBER_PREFIXES = {"no", "nos", "p", "pp", "vol", "fig", "figs", "ch", "sec", "art", "para", "op", "cf", "c", "ca", "n"}
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
_FIELD = re.compile(r"^[^\W\d_][\w./()&' -]{0,40}:\s+\S")  # "Label: value", the label a few words
MAX_SENTENCE_CHARS = 600
ROW_SEPARATOR = " | "  # between the cells of a table row, as the readers write it
_NON_SPACE = re.compile(r"\S")
_CITATION = re.compile(r"\([^()\n]{0,80}\)[.!?]")
_LIST_MARKER = re.compile(r"(?:(?<=\s)|^)(?:[•⁃]\s*)?(?:(\d{1,2})\.?\)|(\d{1,2})\.|([a-z])\.)(?=\s)|(?:(?<=\s)|^)([•⁃])")
_NEXT_WORD = re.compile(r"\s*([\w']+)")


class SentenceSpan(BaseModel, frozen=True):
    """A sentence as [start, end) character offsets into its document's text."""

    start: int
    end: int


def split_sentences(text: str, begin: int = 0) -> list[SentenceSpan]:
    """Sentence spans of text[begin:], whitespace-trimmed, in document order."""
    spans = []
    for line in re.finditer(r"[^\r\n]+", text[begin:]):
        start, end = begin + line.start(), begin + line.end()
        if is_table_row(line.group()):
            spans += _bounded(text, _trimmed(text, start, end), ROW_SEPARATOR)
            continue
        for span in _split_block(text, start, end):
            spans += _bounded(text, span)
    return spans


def answerable_sentences(text: str, begin: int = 0) -> list[SentenceSpan]:
    """The sentences of text[begin:] that are indexed: every one but boilerplate."""
    return [span for span in split_sentences(text, begin) if not is_boilerplate(text[span.start : span.end])]


def is_boilerplate(sentence: str) -> bool:
    """Lines that never hold an answer: 'Advert', tag lists, fragments of fewer than three words. A table
    row of named cells ("Year: 2003 | Votes: 459,640") is never one, nor a labelled field ("Date:
    08/01/2017", "ISIN: US5949181045"): their values are answers."""
    if _TAG_LINE.match(sentence):
        return True
    return not (is_table_row(sentence) or _FIELD.match(sentence)) and len(_WORD.findall(sentence)) < MIN_WORDS


def is_table_row(line: str) -> bool:
    """Is the line a table row as the readers write it, two or more named cells ("Year: 2003 | Votes: 459,640")?
    Such a row is one unit, never cut at a full stop ("Avg. Attendance: 31,000")."""
    return ROW_SEPARATOR in line and sum(": " in cell for cell in line.split(ROW_SEPARATOR)) >= 2


def _split_block(text: str, start: int, end: int) -> list[SentenceSpan]:
    block = text[start:end]
    quote_open = _quotation_mask(block)
    markers = _list_markers(block)
    cuts = [0] + [position for position, _ in markers if position]
    inside_markers = {marker_end for _, marker_end in markers}
    for stop in _STOP.finditer(block):
        opener = _SENTENCE_OPENER.match(block, stop.end())
        if opener and not quote_open[stop.start()] and stop.end() not in inside_markers and _ends_sentence(block, stop, opener.end()):
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


def _trimmed(text: str, start: int, end: int) -> SentenceSpan:
    """[start, end) without the whitespace at either end (the line holds some text)."""
    line = text[start:end]
    return SentenceSpan(start=start + len(line) - len(line.lstrip()), end=start + len(line.rstrip()))


def _bounded(text: str, span: SentenceSpan, boundary: str = " ") -> list[SentenceSpan]:
    """The span, or consecutive pieces of it of at most MAX_SENTENCE_CHARS, each trimmed of space:
    cut at the last `boundary` (a table row's " | ") that keeps a piece within the limit, else at the
    last space, else at the limit."""
    pieces, start = [], span.start
    while span.end - start > MAX_SENTENCE_CHARS:
        limit, least = start + MAX_SENTENCE_CHARS, start + MAX_SENTENCE_CHARS // 2
        cut, after = text.rfind(boundary, least, limit + len(boundary)), len(boundary)
        if cut < 0:
            cut, after = text.rfind(" ", least, limit + 1), 1
        if cut < 0:
            cut, after = limit, 0
        end = len(text[start:cut].rstrip()) + start
        pieces.append(SentenceSpan(start=start, end=end))
        following = _NON_SPACE.search(text, cut + after, span.end)
        start = following.start() if following else span.end
    if span.end > start:
        pieces.append(SentenceSpan(start=start, end=span.end))
    return pieces


def _ends_sentence(block: str, stop: re.Match, following: int) -> bool:
    """Does this stop (followed by whitespace and what may open a sentence, at `following`) end one?"""
    if block[stop.start()] != ".":
        return True
    token = _word_before(block, stop.start())
    if block[following].isdigit() and (token.lower() in NUMBER_PREFIXES or (0 < len(token) <= 3 and not token.isalnum())):
        return False  # "p. 55", "No. 7", "N°. 1026"
    if block[following] == "(" and _CITATION.match(block, following):
        return False  # a citation closing the sentence: '"..." (Smith 55).'
    if not _is_abbreviation(token):
        return True
    if token.lower() in PREPOSITIVE:
        return False
    next_word = _NEXT_WORD.match(block, following)
    if not next_word or block.startswith(".", next_word.end()) and len(next_word.group(1)) == 1:
        return False  # another initial follows: "J. A. Hobson"
    return next_word.group(1).lower() in SENTENCE_STARTERS


def _word_before(block: str, stop: int) -> str:
    """The run of non-space characters before the stop, looked for backwards over a bounded
    stretch (so splitting stays linear in the block); empty when longer than any abbreviation."""
    begin = stop
    while begin > 0 and stop - begin <= LONGEST_ABBREVIATION and not block[begin - 1].isspace():
        begin -= 1
    token = block[begin:stop].lstrip("\"'“‘([")
    return "" if stop - begin > LONGEST_ABBREVIATION else token


def _is_abbreviation(token: str) -> bool:
    if "." in token and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):  # U.S, e.g, a.m
        return True
    return token.lower() in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _list_markers(block: str) -> list[tuple[int, int]]:
    """(start, end) of the markers of an inline list: two or more, numbered or lettered in sequence
    (1, 2... or a, b...), or bullets, the first opening the line ("n2 + 1. These... 2." is no list)."""
    found = []
    for match in _LIST_MARKER.finditer(block):
        number, dotted, letter, bullet = match.groups()
        if bullet or "•" in match.group() or "⁃" in match.group():
            key = ("bullet", 0)
        elif letter:
            key = ("letter", ord(letter) - ord("a"))
        else:
            key = ("number", int(number or dotted))
        found.append((key, match.start(), match.end()))
    kept: list[tuple[int, int]] = []
    for kind in ("bullet", "letter", "number"):
        run = [(value, start, end) for (which, value), start, end in found if which == kind]
        in_sequence = kind == "bullet" or all(b[0] == a[0] + 1 for a, b in zip(run, run[1:]))
        if len(run) >= 2 and run[0][1] == 0 and in_sequence:
            kept += [(start, end) for _, start, end in run]
    return sorted(kept)


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
