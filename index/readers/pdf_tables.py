"""Tables found on a PDF page's text layer: glyphs with their positions (and ruling lines, when the
page draws them) rebuilt into rows and columns of cells.

- Text rows: glyphs sharing a baseline band; a row splits into segments at gaps wider than
  SEGMENT_GAP font sizes, so "98 452" (a space between thousands) stays one segment, but at narrower
  ones between a value and its interval ("12.5 (10.1–14.9)"; a footnote mark "(1)" stays) and after
  leader dots running into the next cell.
- Ruled frames first (`_frames`): a vertical divider crossed by horizontal rulings reaching past it on
  both sides. Its lines are a region as they stand (split at its dividers, and where its boxed header
  comes again), read as a table even of long cells; its rows are parted by its rulings when they rule
  most rows, else also joined at hanging indents (`_merged`). A row of footnote marks raised over a
  line joins it, each mark a word of its own.
- Table regions: runs of consecutive rows holding two or more segments (lines of prose from a
  neighbouring text column are not counted, and bound the region), with few single-segment rows
  between them (a label alone in the first column does not count), ended by a caption line ("Table
  3.") or by the header's first cell again (a table stacked under); a region of long cells, row labels
  too (prose), a sparse grid (a chart's labels) or entries led by dots to rising page numbers (a table
  of contents) is not a table. Leader dots ("Total . . . .") are left out of cells. Prose beside a
  table is cut off when it goes on above or below it (a column of long row labels stops with it).
- Evidence of a table, not of wide gaps: a gap no wider than STRETCH times the line's gaps before
  lower-case words is a word gap (justified text spreads a line's words evenly, however wide, but
  stays mostly ink: MAX_SPREAD); most cells line up with another of their column (MIN_ALIGNED; a
  displayed formula's pieces do not); a sparse grid with lone symbols is a formula; columns of
  "word, 86" entries are a book's index set in columns. Such text stays prose.
- Columns: x ranges covered by segments in many rows, split at vertical rulings; a segment lying
  in no such range opens a column of its own; a segment over several columns is put in the first,
  as is a cell alone between the vertical rulings around it (a grouped header in its box), unless
  no ruling divides them below it and it starts where a cell of the line of cells above starts (a
  record's description going on under it, in a frame around the body): it goes on that cell.
- Rows: a line whose first column is empty, or whose cells all go on in lower case, continues the
  row above (a wrapped cell), unless a ruling lies between them or its cells would overwrite numbers;
  a stub that wraps (the next line goes on in lower case) is joined too. Header lines: the leading
  lines before the first line of numbers; a grouped header ("Pre-Pawn" over "Handgun | Long Gun") is
  given to every column under it (`header_names`).
Work is bounded: a table has at most MAX_COLUMNS columns and MAX_TABLE_CELLS cells, each segment
costs at most a pass over its row's columns and rulings, and `tick` (the reading budget) is called
per line.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable, Iterable
from typing import NamedTuple

from pydantic import BaseModel

from qa.index.readers.extracted import column_header

SEGMENT_GAP = 1.0  # a gap wider than this many font sizes separates two cells of a row
STRETCH = 1.5  # ... and wider than this many times the line's gaps between the words of a sentence
MAX_SPREAD = 0.5  # a justified line is mostly ink: gaps over this share of its width part cells, not words
NUMBER_GAP = 0.5  # ... or this many between two numbers, or a value and its interval ("98 452", a thousands space, is narrower)
MIN_LEADER_DOTS = 4  # a run of this many dots leads to the next cell ("..." is an ellipsis)
WORD_GAP = 0.15  # a gap wider than this many font sizes (or a space glyph) separates two words
ROW_GAP = 2.2  # a table's lines are at most this many font sizes apart
MAX_LOOSE_ROWS = 2  # single-segment lines (wrapped cells, captions) allowed between table lines, beyond the first column's
MIN_TABLE_ROWS = 3  # lines with two or more cells that a table needs
PROSE_WORDS = 5  # a segment of this many words or more, as wide as PROSE_WIDTH of the page...
PROSE_WIDTH = 0.22  # ... stacked on another such segment, is a line of a prose column, not a cell
ALIGN = 0.3  # cells line up when their left edges, right edges or centres are this many font sizes apart or less
MIN_ALIGNED = 0.75  # a table's cells line up with another of their column at least this often (a formula's do not)
MIN_SPARSE_FILL = 0.6  # a grid filled less than this, ...
MAX_SPARSE_SYMBOLS = 0.1  # ... with this share of its cells lone symbols ("∈", "→"), is a displayed formula
MAX_HEADER_ROWS = 5  # lines of a table's header, grouped headers included
MIN_FILLED = 0.35  # a table fills at least this share of its grid (a chart's scattered labels do not)
PROSE_BESIDE = 0.5  # prose on this share of a table's lines, to one side, is a text column beside it ...
BESIDE_REACH = 2  # ... when it is on one of this many lines above or below the table too
COLUMN_SHARE = 0.35  # an x range covered by more than this share of a table's lines is a column
MAX_COLUMNS = 300  # more columns than this is not a table a person reads
MAX_TABLE_CELLS = 200_000  # rows x columns of one table; a larger grid is left as text
RULING_MARGIN = 4.0  # rulings this many font sizes around a table's text are its own (its frame)
RULING_THICKNESS = 2.0  # a drawn line or rectangle at most this thick is a ruling
SUPERSCRIPT = 0.85  # glyphs smaller than this share of a line's, raised over it, are its superscripts (footnote marks)
MAX_MARK = 3  # glyphs of a footnote mark ("12", "a,b")
RULED_ROWS = 2 / 3  # rulings part this share of a frame's rows: it rules every row, and the lines between are one row
JOIN = 1.5  # ruling pieces this many points apart or closer are one line (a frame drawn cell by cell)
_NUMBER = re.compile(r"[-–+(]?[$€£]?\d[\d,.\s]*%?\)?")
_LEADER_DOTS = set(".·…_")  # what leaders are drawn with
_LEADERS = re.compile(r"(?:\s*[.·…_-]){3,}\s*$|^\s*[.·…_-](?:\s*[.·…_-]){2,}")  # dots leading to the next cell
_CAPTION = re.compile(r"(?:table|exhibit|figure|fig\.|chart)\s+[\w.-]+[.:]?\s*$", re.IGNORECASE)
_NUMBER_START = set("0123456789(")  # "98 452", "12.5 (10.1-14.9)": a number, then a number or its interval
_NUMBER_END = set("0123456789)%")  # how a number or an interval ends
_FOOTNOTE_MARK = re.compile(r"\(\w{1,2}\)")  # "10,000 (1)": a number's footnote mark, not a cell of its own
_YEAR = re.compile(r"(?:19|20)\d\d")


class Glyph(NamedTuple):
    """One drawn character, top-down coordinates (points from the page's top-left corner), with its
    font's size, its weight and its baseline (what the prose reading in index/readers/pdf.py uses too)."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float
    bold: bool = False
    baseline: float = 0.0


class Ruling(NamedTuple):
    """A drawn horizontal or vertical line (or a thin rectangle, or a rectangle's edge)."""

    x0: float
    x1: float
    top: float
    bottom: float


class Segment(NamedTuple):
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    words: int
    size: float
    led: bool = False  # it ended in leader dots (left out of its text)


class Table(BaseModel):
    """A table found on a page: its box (top-down points), rows of cells (a cell over several
    columns is put in the first), how many leading rows are headers, and the last column each
    header cell covers (`spans[row][column]`, for header rows)."""

    x0: float
    x1: float
    top: float
    bottom: float
    rows: list[list[str]]
    header_rows: int = 0
    spans: list[list[int]] = []


def find_tables(glyphs: list[Glyph], rulings: list[Ruling], width: float,
                tick: Callable[[], None] = lambda: None) -> list[Table]:
    """The tables among a page's glyphs, top to bottom: those in ruled frames, then those the
    text shows among the glyphs left."""
    tables, taken = [], set()
    by_centre = sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2)
    centres = [(g.top + g.bottom) / 2 for g in by_centre]
    for frame, dividers in _frames(rulings, tick):
        inside = [g for g in by_centre[bisect.bisect_left(centres, frame.top) : bisect.bisect_right(centres, frame.bottom)]
                  if frame.x0 <= (g.x0 + g.x1) / 2 <= frame.x1]
        framed = [table for region in _framed_regions(inside, dividers, tick)
                  if (table := _table(region, rulings, tick, framed=True)) is not None]
        if framed:
            tables += framed
            taken.update(inside)
    lines = _text_rows([g for g in glyphs if g not in taken], tick)
    prose = _prose_segments(lines, width)
    for region in _regions(lines, prose, tick):
        table = _table(region, rulings, tick)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: (t.top, t.x0))


def _joined(rulings: Iterable[Ruling], vertical: bool) -> list[Ruling]:
    """Ruling pieces along one line that touch or overlap joined into one (a line drawn cell by cell)."""
    def key(r: Ruling) -> tuple[float, float]:
        return ((r.x0 + r.x1) / 2, r.top) if vertical else ((r.top + r.bottom) / 2, r.x0)

    joined: list[Ruling] = []
    for r in sorted(rulings, key=key):
        if joined:
            last = joined[-1]
            across, along = (key(r)[0] - key(last)[0], r.top - last.bottom) if vertical else (key(r)[0] - key(last)[0], r.x0 - last.x1)
            if across <= JOIN and along <= JOIN:
                joined[-1] = Ruling(min(last.x0, r.x0), max(last.x1, r.x1), min(last.top, r.top), max(last.bottom, r.bottom))
                continue
        joined.append(r)
    return joined


def _frames(rulings: list[Ruling], tick: Callable[[], None]) -> list[tuple[Ruling, list[Ruling]]]:
    """Ruled frames, with their vertical dividers: a vertical ruling met by two or more horizontal ones
    reaching past it on both sides, one of them crossing it (cells ruled off on both sides; a rule
    between prose columns is not crossed); dividers whose rulings overlap (a grid's) make one frame. Its
    box: across its horizontal rulings, down from the first to the last of them or as far as most of its
    dividers run (a frame open below; one rule running on beside notes under a grid does not count)."""
    verticals = _joined((r for r in rulings if r.bottom - r.top > r.x1 - r.x0), vertical=True)
    horizontals = sorted(_joined((r for r in rulings if r.x1 - r.x0 >= r.bottom - r.top), vertical=False),
                         key=lambda r: r.top)
    heights = [h.top for h in horizontals]
    groups: list[tuple[Ruling, list[Ruling], list[Ruling]]] = []  # the rulings' extent, dividers, horizontals met
    for v in sorted(verticals, key=lambda r: r.top):
        tick()
        x = (v.x0 + v.x1) / 2
        met = [h for h in horizontals[bisect.bisect_left(heights, v.top - JOIN) : bisect.bisect_right(heights, v.bottom + JOIN)]
               if h.x0 < x - JOIN and h.x1 > x + JOIN]
        if len(met) < 2 or not any(v.top + JOIN < h.top < v.bottom - JOIN for h in met):
            continue
        extent = Ruling(min(h.x0 for h in met), max(h.x1 for h in met), min(v.top, met[0].top), max(v.bottom, met[-1].bottom))
        for at, (other, dividers, crossed) in enumerate(groups):
            if extent.x0 < other.x1 and other.x0 < extent.x1 and extent.top < other.bottom and other.top < extent.bottom:
                groups[at] = (Ruling(min(extent.x0, other.x0), max(extent.x1, other.x1), min(extent.top, other.top),
                                     max(extent.bottom, other.bottom)), dividers + [v], crossed + met)
                break
        else:
            groups.append((extent, [v], met))
    return [(Ruling(extent.x0, extent.x1, min(min(h.top for h in crossed), statistics.median(d.top for d in dividers)),
                    max(max(h.bottom for h in crossed), statistics.median(d.bottom for d in dividers))), dividers)
            for extent, dividers, crossed in groups]


def _framed_regions(glyphs: list[Glyph], dividers: list[Ruling], tick: Callable[[], None]) -> list[list[list[Segment]]]:
    """A frame's lines (split at its dividers: a drawn line always parts two cells), as one region, or
    several where the first line's first cell comes again (a boxed header repeated inside the frame)."""
    lines = _text_rows(glyphs, tick, dividers)
    regions: list[list[list[Segment]]] = []
    for line in lines:
        if not regions or (len(line) >= 2 and len(regions[-1][0]) >= 2 and _repeats(line[0], regions[0][0][0])):
            regions.append([])
        regions[-1].append(line)
    return regions


def _text_rows(glyphs: list[Glyph], tick: Callable[[], None], dividers: list[Ruling] = ()) -> list[list[Segment]]:
    """Glyphs grouped into lines (sharing most of their height), each line split into segments (and at
    the `dividers` crossing it)."""
    rows: list[list[Glyph]] = []
    band, tallest = (0.0, 0.0), 0.0
    for glyph in sorted(glyphs, key=lambda g: ((g.top + g.bottom) / 2, g.x0)):
        centre, height = (glyph.top + glyph.bottom) / 2, max(glyph.bottom - glyph.top, 1.0)
        if rows and band[0] <= centre <= band[1]:
            rows[-1].append(glyph)
            if height <= tallest:
                continue
        else:
            rows.append([glyph])
        tallest = height  # the band is the tallest glyph's (a superscript drawn first does not narrow it)
        band = (centre - 0.4 * height, centre + 0.4 * height)
    for at in range(len(rows) - 2, -1, -1):  # a row of superscripts raised over the row below, beside its glyphs, joins it
        row, below = rows[at], rows[at + 1]
        if (len(row) <= MAX_MARK and max(g.bottom for g in row) > min(g.top for g in below)
                and max(g.size for g in row) < SUPERSCRIPT * statistics.median(g.size for g in below)
                and not any(2 * (min(g.x1, b.x1) - max(g.x0, b.x0)) > g.x1 - g.x0 for g in row for b in below)):
            rows[at : at + 2] = [row + below]
    lines = []
    for row in rows:
        tick()
        middle = (min(g.top for g in row) + max(g.bottom for g in row)) / 2
        cuts = sorted((d.x0 + d.x1) / 2 for d in dividers if d.top <= middle <= d.bottom)
        segments = _segments(sorted(row, key=lambda g: g.x0), cuts)
        if segments:
            lines.append(segments)
    return lines


def _segments(row: list[Glyph], cuts: list[float] = ()) -> list[Segment]:
    """A line's glyphs split into segments at gaps wider than SEGMENT_GAP font sizes and than
    STRETCH times the line's stretched word gaps (justified text spaces its words evenly, however wide),
    after leader dots ("0.99 . . . . 1,360": the dots lead to the next cell) and at the x positions
    `cuts` (sorted)."""
    segments, current, words, end, space, dots = [], [], 1, None, False, 0
    stretch = STRETCH * _word_gap(row)
    for index, glyph in enumerate(row):
        if not glyph.text.strip():
            space = True
            continue
        gap = None if end is None else glyph.x0 - end
        numbers = (current and current[-1].text[-1:] in _NUMBER_END and glyph.text[:1] in _NUMBER_START
                   and not _FOOTNOTE_MARK.match("".join(g.text for g in row[index : index + 4])))
        leader = glyph.text in _LEADER_DOTS
        cut = current and bisect.bisect(cuts, (current[-1].x0 + current[-1].x1) / 2) < bisect.bisect(cuts, (glyph.x0 + glyph.x1) / 2)
        if (gap is not None and gap > max((NUMBER_GAP if numbers else SEGMENT_GAP) * glyph.size, stretch)
                or dots >= MIN_LEADER_DOTS and not leader or cut):
            segments.append(_segment(current, words))
            current, words, space = [], 1, False
        elif current and (space or gap > WORD_GAP * glyph.size or _resized(current[-1], glyph)) and current[-1].text != " ":
            current.append(Glyph(end, end, glyph.top, glyph.bottom, " ", glyph.size))
            words += 1
        if glyph.x1 > (end or glyph.x0) or not current:
            end = max(glyph.x1, end or glyph.x1)
        current.append(glyph)
        space, dots = False, dots + 1 if leader else 0
    if current:
        segments.append(_segment(current, words))
    return [segment for segment in segments if segment.text]


def _resized(before: Glyph, glyph: Glyph) -> bool:
    """Whether the font size changes to a superscript's or back: a footnote mark is a word of its own
    ("5,000 1", not "5,0001")."""
    return min(before.size, glyph.size) < SUPERSCRIPT * max(before.size, glyph.size)


def _word_gap(row: list[Glyph]) -> float:
    """The median gap before the line's words that go on a sentence (a letter, then a lower-case
    word), where it has two or more such and its gaps fill at most MAX_SPREAD of it (a header's
    "Hispanic   non-Hispanic" words stand far apart); else 0."""
    gaps, previous, end, space, blank = [], None, None, False, 0.0
    for glyph in row:
        if not glyph.text.strip():
            space = True
            continue
        if end is not None:
            blank += max(glyph.x0 - end, 0.0)
        if previous is not None and previous.text[-1:].isalpha() and glyph.text[:1].islower():
            gap = glyph.x0 - end
            if space or gap > WORD_GAP * glyph.size:
                gaps.append(gap)
        end = max(glyph.x1, end if end is not None else glyph.x1)
        previous, space = glyph, False
    drawn = [glyph for glyph in row if glyph.text.strip()]
    spread = blank > MAX_SPREAD * (end - drawn[0].x0) if drawn else False
    return statistics.median(gaps) if len(gaps) >= 2 and not spread else 0.0


def _segment(glyphs: list[Glyph], words: int) -> Segment:
    drawn = [g for g in glyphs if g.text != " "]
    text = "".join(g.text for g in glyphs)
    return Segment(min(g.x0 for g in drawn), max(g.x1 for g in drawn), min(g.top for g in drawn),
                   max(g.bottom for g in drawn), _LEADERS.sub("", text), words,
                   statistics.median(g.size for g in drawn), drawn[-1].text in _LEADER_DOTS and bool(_LEADERS.search(text)))


def _is_wide(segment: Segment, width: float) -> bool:
    return segment.words >= PROSE_WORDS and segment.x1 - segment.x0 >= PROSE_WIDTH * width


def _prose_segments(lines: list[list[Segment]], width: float) -> set[Segment]:
    """Segments that are lines of a prose column: wide and many-worded, with a line above or below
    starting at the same place that is too."""
    prose = set()
    for index, line in enumerate(lines):
        for segment in line:
            if not _is_wide(segment, width):
                continue
            for other in (lines[index - 1] if index else []) + (lines[index + 1] if index + 1 < len(lines) else []):
                if _is_wide(other, width) and abs(other.x0 - segment.x0) <= segment.size:
                    prose.add(segment)
                    break
    return prose


def _regions(lines: list[list[Segment]], prose: set[Segment], tick: Callable[[], None]) -> Iterable[list[list[Segment]]]:
    """Runs of lines that hold a table: lines of two or more cells, close together, with at most
    MAX_LOOSE_ROWS other lines between them; the cells kept are those within the x range of the
    run's multi-cell lines and not beyond a prose column beside them (prose within stands in the
    table)."""
    cells = [[s for s in line if s not in prose] for line in lines]
    run: list[int] = []

    def close(run: list[int]) -> list[list[Segment]] | None:
        multi = [i for i in run if len(cells[i]) >= 2]
        if len(multi) < MIN_TABLE_ROWS:
            return None
        kept = run[: run.index(multi[-1]) + 1]
        captions = [at for at, i in enumerate(kept) if _CAPTION.match(lines[i][0].text)]
        kept = kept[captions[-1] + 1 :] if captions else kept
        left = min(s.x0 for i in multi for s in cells[i])
        right = max(s.x1 for i in multi for s in cells[i])
        centre = statistics.median((s.x0 + s.x1) / 2 for i in multi for s in cells[i])
        beside = [[s for s in lines[i] if s in prose and not s.x0 <= centre <= s.x1] for i in kept]
        rights = [min(s.x0 for s in row if s.x0 > centre) for row in beside if any(s.x0 > centre for s in row)]
        lefts = [max(s.x1 for s in row if s.x1 < centre) for row in beside if any(s.x1 < centre for s in row)]
        around = [s for i in [*range(kept[0] - BESIDE_REACH, kept[0]), *range(kept[-1] + 1, kept[-1] + 1 + BESIDE_REACH)]
                  if 0 <= i < len(lines) for s in lines[i] if s in prose]
        # a prose column beside the table, on most of its lines and going on above or below it (a column
        # of long row labels stops with the table)
        if len(rights) >= PROSE_BESIDE * len(kept) and any(s.x0 > centre for s in around):
            right = min(right, min(rights) - 1)
        if len(lefts) >= PROSE_BESIDE * len(kept) and any(s.x1 < centre for s in around):
            left = max(left, max(lefts) + 1)
        region = [[s for s in lines[i] if s.x1 > left and s.x0 < right] for i in kept]
        if sum(1 for line in region if len(line) >= 2) < MIN_TABLE_ROWS:
            return None
        return [line for line in region if line]

    loose, stub_end, head = 0, 0.0, None
    for index, line in enumerate(lines):
        tick()
        multi = len(cells[index]) >= 2
        if run:
            previous = lines[run[-1]]
            size = max(s.size for s in line + previous)
            near = min(s.top for s in line) - max(s.bottom for s in previous) <= ROW_GAP * size
            caption = len(line) == 1 and _CAPTION.match(line[0].text)
            if not near or caption or (not multi and loose >= MAX_LOOSE_ROWS):
                region = close(run)
                if region:
                    yield region
                run, loose = [], 0
            elif multi and head and _repeats(cells[index][0], head):  # the header again: a table stacked under
                last = max(at for at, i in enumerate(run) if len(cells[i]) >= 2)
                region = close(run[: last + 1])
                if region:
                    yield region
                run = run[last + 1 :]  # lines over the new header (a group header) go with it
        if not run:
            head = cells[index][0] if multi else None
        if multi:
            run.append(index)
            loose, stub_end = 0, cells[index][1].x0
        elif run and cells[index]:
            run.append(index)
            label = max(s.x1 for s in cells[index]) < stub_end and any(c.isalpha() for s in cells[index] for c in s.text)
            loose += 0 if label else 1  # a group label or a wrapped one in the first column stays in the table
    if run:
        region = close(run)
        if region:
            yield region


def _repeats(segment: Segment, head: Segment) -> bool:
    """Whether a line's first cell repeats the first cell of its table's header, text and column."""
    return segment.text == head.text and not _is_number(head.text) and segment.x0 < head.x1 and head.x0 < segment.x1


def _table(region: list[list[Segment]], rulings: list[Ruling], tick: Callable[[], None], framed: bool = False) -> Table | None:
    """The table a region's lines hold, or None; `framed`: they are a ruled frame's, which is a table
    even of long cells, its rows told by its rulings or by hanging indents (`_merged`)."""
    x0 = min(s.x0 for line in region for s in line)
    x1 = max(s.x1 for line in region for s in line)
    top = min(s.top for s in region[0])
    bottom = max(s.bottom for s in region[-1])
    margin = RULING_MARGIN * statistics.median(s.size for line in region for s in line)
    inside = [r for r in rulings if r.x1 >= x0 - margin and r.x0 <= x1 + margin and r.bottom >= top - margin and r.top <= bottom + 2]
    verticals = sorted((r for r in inside if r.bottom - r.top > r.x1 - r.x0), key=lambda r: r.x0)
    horizontals = [r for r in inside if r.x1 - r.x0 > r.bottom - r.top]
    columns = _columns(region, verticals)
    if not 2 <= len(columns) <= MAX_COLUMNS or len(columns) * len(region) > MAX_TABLE_CELLS:
        return None
    grid: list[list[str]] = []
    last: list[list[int]] = []
    boxes: list[tuple[float, float]] = []
    placed: list[tuple[int, Segment]] = []
    starts: list[float | None] = []  # where each line's first cell starts
    above: list[tuple[int, Segment]] = []  # the cells of the last line of several, with their columns
    for line in region:
        tick()
        row, spans = [""] * len(columns), [-1] * len(columns)
        band = (min(s.top for s in line) + 1, max(s.bottom for s in line) - 1)
        crossing = sorted(v.x0 for v in verticals if v.top <= band[0] and v.bottom >= band[1])
        cells = []
        for index, segment in enumerate(line):
            first, end = _enclosed(index, line, columns, crossing, verticals, above) or _placed(segment, columns)
            row[first] = f"{row[first]} {segment.text}".strip()
            if first == end:
                placed.append((first, segment))
            spans[first] = max(spans[first], end)
            cells.append((first, segment))
        above = cells if len(line) >= 2 else above
        starts.append(next((segment.x0 for column, segment in cells if column == 0), None))
        grid.append(row)
        last.append(spans)
        boxes.append((min(s.top for s in line), max(s.bottom for s in line)))
    indent = ALIGN * statistics.median(s.size for line in region for s in line) if framed else None
    grid, last, boxes = _merged(grid, last, boxes, horizontals, starts, indent)
    filled = [cell for row in grid for cell in row if cell]
    if (sum(1 for row in grid if sum(1 for cell in row if cell) >= 2) < 2 or len(filled) < MIN_FILLED * len(grid) * len(columns)
            or not framed and _is_prose(grid)):
        return None
    if _aligned_share(placed) < MIN_ALIGNED or _is_formula(grid) or _is_index(grid) or _is_contents(region):
        return None
    heads = _header_count(grid)
    grid, last = _without_header_only_columns(grid, last, heads)
    return Table(x0=x0, x1=x1, top=top, bottom=bottom, rows=grid, header_rows=heads, spans=last[:heads])


def _is_prose(grid: list[list[str]]) -> bool:
    """Cells mostly of PROSE_WORDS - 1 words or more, those of the first column too: lines of prose side
    by side. A table of sentences still has short row labels."""
    def long(cells: list[str]) -> bool:
        return statistics.median(len(cell.split()) for cell in cells) >= PROSE_WORDS - 1

    labels = [row[0] for row in grid if row[0]]
    return long([cell for row in grid for cell in row if cell]) and (not labels or long(labels))


def _is_contents(region: list[list[Segment]]) -> bool:
    """Most lines an entry led by dots to a whole number, the numbers never decreasing: a table of
    contents, read as prose."""
    pages = [int(line[-1].text) for line in region if len(line) >= 2 and line[-2].led and line[-1].text.isdigit()]
    return 2 * len(pages) >= len(region) and pages == sorted(pages)


def _is_formula(grid: list[list[str]]) -> bool:
    """A sparse grid with lone symbols among its cells: a displayed formula's pieces, not a table."""
    cells = [cell for row in grid for cell in row if cell]
    symbols = sum(1 for cell in cells if not any(char.isalnum() for char in cell))
    return len(cells) < MIN_SPARSE_FILL * len(grid) * len(grid[0]) and symbols > MAX_SPARSE_SYMBOLS * len(cells)


def _is_index(grid: list[list[str]]) -> bool:
    """Every column's cells (of those filled on half the rows or more) mostly words ending in a
    number ("Abstand, 86"): a book's index set in columns, read column by column, not a table."""
    columns = [cells for cells in ([cell for cell in column if cell] for column in zip(*grid)) if 2 * len(cells) >= len(grid)]
    return len(columns) >= 2 and all(
        2 * sum(1 for cell in cells if cell[-1:].isdigit() and re.search(r"[^\W\d_]{2}", cell)) >= len(cells) for cells in columns)


def _aligned_share(placed: list[tuple[int, Segment]]) -> float:
    """The share of cells that line up with another cell of their column: left edges, right edges or
    centres within ALIGN font sizes (sorted per column and edge, so n log n for n cells)."""
    aligned: set[int] = set()
    for edge in (lambda s: s.x0, lambda s: s.x1, lambda s: (s.x0 + s.x1) / 2):
        ordered = sorted(range(len(placed)), key=lambda i: (placed[i][0], edge(placed[i][1])))
        for a, b in zip(ordered, ordered[1:]):
            (column, first), (other_column, second) = placed[a], placed[b]
            if column == other_column and edge(second) - edge(first) <= ALIGN * max(first.size, second.size):
                aligned.update((a, b))
    return len(aligned) / max(len(placed), 1)


def _columns(region: list[list[Segment]], verticals: list[Ruling]) -> list[tuple[float, float]]:
    """Column x ranges: where more than COLUMN_SHARE of the lines have a segment (split at vertical
    rulings), then one for each segment lying in none of them."""
    events = []
    for line in region:
        for segment in line:
            events += [(segment.x0, 1), (segment.x1, -1)]
    events.sort()
    least = max(1, int(COLUMN_SHARE * len(region)))
    cores, depth, start = [], 0, None
    for x, step in events:
        depth += step
        if depth > least and start is None:
            start = x
        elif depth <= least and start is not None:
            cores.append((start, x))
            start = None
    split = []
    for left, right in cores:
        cuts = sorted({round(v.x0, 1) for v in verticals if left + 1 < v.x0 < right - 1})
        edges = [left] + cuts + [right]
        split += [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    cores = split
    for line in region:
        if len(cores) > MAX_COLUMNS:
            break
        for segment in line:
            if len(cores) > MAX_COLUMNS:
                break
            if not _overlapping(segment, cores):
                cores = sorted(cores + [(segment.x0, segment.x1)])
                merged = [cores[0]]
                for left, right in cores[1:]:
                    if left < merged[-1][1]:
                        merged[-1] = (merged[-1][0], max(right, merged[-1][1]))
                    else:
                        merged.append((left, right))
                cores = merged
    return cores


def _overlapping(segment: Segment, columns: list[tuple[float, float]]) -> range:
    """Indices of the columns whose range the segment overlaps (found by bisection)."""
    lefts = [left for left, _ in columns]
    first = max(bisect.bisect_right(lefts, segment.x0) - 1, 0)
    while first < len(columns) and columns[first][1] <= segment.x0:
        first += 1
    end = bisect.bisect_left(lefts, segment.x1)
    return range(first, max(first, end))


def _placed(segment: Segment, columns: list[tuple[float, float]]) -> tuple[int, int]:
    """The column a segment goes in, and the last column it covers: the one it overlaps most,
    unless it covers half of two or more, when it spans them and goes in the first."""
    touched = _overlapping(segment, columns)
    if not touched:
        centre = (segment.x0 + segment.x1) / 2
        nearest = min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - centre))
        return nearest, nearest

    def share(index: int) -> float:
        left, right = columns[index]
        return (min(right, segment.x1) - max(left, segment.x0)) / max(right - left, 1e-6)

    covered = [i for i in (touched[0], touched[-1]) if share(i) >= 0.5]
    if len(touched) > 2 or (len(touched) == 2 and len(covered) == 2):
        first = touched[0] if share(touched[0]) >= 0.5 or len(touched) == 2 else touched[1]
        lastcol = touched[-1] if share(touched[-1]) >= 0.5 else touched[-2]
        return first, max(first, lastcol)
    best = max(touched, key=share)
    return best, best


def _enclosed(index: int, line: list[Segment], columns: list[tuple[float, float]], crossing: list[float],
              verticals: list[Ruling], above: list[tuple[int, Segment]]) -> tuple[int, int] | None:
    """For a cell alone between the vertical rulings around it (a grouped header in its box): the
    first and last columns between those rulings; but when no ruling divides them below it (a frame
    around the body) and it starts where a cell of the last line of several cells starts (a record's
    description going on under it, however wide), that cell's column. `crossing`: the rulings crossing
    its line, sorted; `verticals`: the table's, sorted by x; `above`: that line's cells, with their columns."""
    segment = line[index]
    at = bisect.bisect_right(crossing, segment.x0 + 1)
    if at == 0 or at == len(crossing) or crossing[at] < segment.x1 - 1:
        return None
    left, right = crossing[at - 1], crossing[at]
    if (index and line[index - 1].x1 > left) or (index + 1 < len(line) and line[index + 1].x0 < right):
        return None
    lefts = [v.x0 for v in verticals]
    undivided = not any(v.bottom > segment.bottom for v in verticals[bisect.bisect_right(lefts, left + 1) : bisect.bisect_left(lefts, right - 1)])
    starts = [column for column, cell in above if abs(cell.x0 - segment.x0) <= ALIGN * segment.size]
    if undivided and starts:
        return starts[0], starts[0]
    inside = [i for i in _overlapping(Segment(left, right, 0, 0, "", 0, 0), columns)
              if left <= (columns[i][0] + columns[i][1]) / 2 <= right]
    return (inside[0], inside[-1]) if inside else None


def _is_number(cell: str) -> bool:
    return bool(cell) and bool(_NUMBER.fullmatch(cell)) and not _YEAR.fullmatch(cell)


def _merged(grid: list[list[str]], last: list[list[int]], boxes: list[tuple[float, float]], horizontals: list[Ruling],
            starts: list[float | None], indent: float | None) -> tuple[list[list[str]], list[list[int]], list[tuple[float, float]]]:
    """Lines joined into rows: a line with an empty first column continues the row above (a
    wrapped cell) unless a ruling separates them or it would add a number to a filled cell; a
    first-column-only line is continued by a line whose first cell goes on in lower case. In a frame
    (`indent` given) a line continues the row above too when its first cell starts more than `indent`
    right of the row's, that row has other cells and it adds no number (a hanging indent: an entry
    wrapped under its first word; a group label alone over indented ones is no entry); and when rulings part most of the rows so found (RULED_ROWS), they alone part rows (a
    ruled grid, its cells wrapped however), but for a number going on under a number."""
    mids = sorted((r.top + r.bottom) / 2 for r in horizontals)

    def ruled(bottom: float, top: float) -> bool:
        return bisect.bisect_right(mids, top + 1) > bisect.bisect_left(mids, bottom - 1)

    def join(lines: Iterable[tuple[list[str], list[int], tuple[float, float], float | None]], banded: bool) -> tuple[list, list, list, list]:
        (first, *others) = lines
        rows, spans, extents, begins = ([item] for item in first)
        for line, span, box, start in others:
            above = rows[-1]
            if banded:
                continues = not any(cell and _is_number(cell) and _is_number(above[i]) for i, cell in enumerate(line))
            else:
                hangs = (indent is not None and None not in (start, begins[-1]) and start > begins[-1] + indent
                         and any(above[1:]) and not any(cell and _is_number(cell) for cell in line[1:]))
                wrapped = not line[0] or hangs or (above[0] and all(cell[:1].islower() for cell in line if cell))  # all cells going on
                continues = (wrapped and not any(cell and above[i] and _is_number(cell) for i, cell in enumerate(line))
                             and not _spanning(span) and not _spanning(spans[-1])
                             or above[0] and not any(above[1:]) and line[0][:1].islower())  # or a wrapped stub
            if not ruled(extents[-1][1], box[0]) and continues:
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(above, line)]
                spans[-1] = [max(a, b) for a, b in zip(spans[-1], span)]
                extents[-1] = (extents[-1][0], box[1])
                begins[-1] = begins[-1] if begins[-1] is not None else start
            else:
                rows.append(line)
                spans.append(span)
                extents.append(box)
                begins.append(start)
        return rows, spans, extents, begins

    rows, spans, extents, begins = join(zip(grid, last, boxes, starts), banded=False)
    parted = sum(ruled(a[1], b[0]) for a, b in zip(extents, extents[1:]))
    if indent is not None and parted >= 2 and parted >= RULED_ROWS * (len(rows) - 1):
        rows, spans, extents, begins = join(zip(rows, spans, extents, begins), banded=True)
    return rows, spans, extents


def _without_header_only_columns(grid: list[list[str]], last: list[list[int]], heads: int) -> tuple[list[list[str]], list[list[int]]]:
    """The columns that only a header cell opened (a group header centred between columns) left out,
    their header cell moved to the column on its left, spanning what it spanned."""
    for column in range(len(grid[0]) - 1, 0, -1):
        if any(row[column] for row in grid[heads:]) or any(row[column - 1] for row in grid[:heads] if row[column]):
            continue
        for row, spans in zip(grid, last):
            row[column - 1] = row[column - 1] or row[column]
            spans[column - 1] = max(spans[column - 1], spans[column])
            del row[column], spans[column]
        for spans in last:
            spans[:] = [end - 1 if end >= column else end for end in spans]
    return grid, last


def _spanning(spans: list[int]) -> bool:
    return any(end > index for index, end in enumerate(spans))


def _header_count(grid: list[list[str]]) -> int:
    """Leading rows before the first row with a number beyond its first cell (at most
    MAX_HEADER_ROWS); a table without numbers has its first row as header."""
    for index, row in enumerate(grid[: MAX_HEADER_ROWS + 1]):
        if any(_is_number(cell) for cell in row[1:]):
            return index
    return 1 if len(grid) > 1 and all(grid[0][1:]) else 0


def header_names(table: Table) -> list[str]:
    """Each column's header, its header rows' cells joined top to bottom (`column_header`), a grouped header cell
    given to every column it covers: "Pre-Pawn Handgun"."""
    width = len(table.rows[0]) if table.rows else 0
    texts: list[list[str]] = [[] for _ in range(width)]
    for row, spans in zip(table.rows[: table.header_rows], table.spans):
        for index, cell in enumerate(row):
            if cell:
                for column in range(index, max(index, spans[index]) + 1):
                    texts[column].append(cell)
    return [column_header(column) for column in texts]
