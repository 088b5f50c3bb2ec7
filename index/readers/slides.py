"""PowerPoint (`.pptx`, python-pptx, MIT): each slide's title first (a heading under the deck's title),
then its text frames and tables in shape order; every slide starts a page, so an answer's `page` is its
slide number."""

from __future__ import annotations

import io
from collections.abc import Iterator

from qa.errors import CorpusError
from qa.index.blocks import Heading
from qa.index.readers.archive import check_archive, paged
from qa.index.readers.extracted import Budget, ExtractedText, table_lines


def pptx_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    from pptx import Presentation

    check_archive(raw, name, "PowerPoint")
    try:
        read = [(_slide_title(slide), _slide_lines(slide, budget)) for slide in Presentation(io.BytesIO(raw)).slides]
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip or XML raises many kinds
        raise CorpusError(f"{name}: a damaged PowerPoint file ({type(error).__name__})") from None
    extracted = paged(["\n".join(lines) for _, lines in read])
    extracted.headings = [Heading(start=start, end=start + len(title), level=1 if number == 0 else 2)
                          for number, (start, (title, _)) in enumerate(zip(extracted.page_starts, read)) if title]
    # a slide's title heads its text, under the deck's title (the first slide's)
    return extracted


def _slide_title(slide) -> str:
    """The slide's title as its first line reads (empty when it has none)."""
    title = slide.shapes.title
    return " ".join(title.text_frame.text.split()) if title is not None and title.has_text_frame else ""


def _slide_lines(slide, budget: Budget) -> list[str]:
    """A slide's title on its first line, then each shape's text in shape order (inside groups too):
    every paragraph, and every line broken inside one, a line of its own, so that two text columns
    stay two blocks; tables one row per line with their header (empty rows left out, so a table
    whose first row is empty keeps its header)."""
    title = slide.shapes.title
    lines = [_slide_title(slide)]
    for shape in _shapes(slide.shapes):
        budget.check()
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if shape.has_text_frame:
            lines += [line.strip() for paragraph in shape.text_frame.paragraphs for line in paragraph.text.split("\v")]
        elif shape.has_table:
            rows = ([cell.text.strip() for cell in row.cells] for row in shape.table.rows)
            lines += table_lines((row for row in rows if any(row)), budget=budget, merged=False)
    return [line for line in lines if line]


def _shapes(shapes) -> Iterator:
    """The shapes of a slide in order, those inside groups (nested to any depth) in their group's place."""
    from pptx.shapes.group import GroupShape

    pending = [iter(shapes)]
    while pending:
        shape = next(pending[-1], None)
        if shape is None:
            pending.pop()
        elif isinstance(shape, GroupShape):
            pending.append(iter(shape.shapes))
        else:
            yield shape
