"""HTML for the chat. Everything that comes from a document or a question is turned into
character references, so neither HTML nor Markdown in it can ever become markup, and its
invisible controls (bidi overrides, zero-width characters) are shown by name, so they can
neither reorder nor hide what is shown.

Each source shows where in its document it stands (the headings or slide title above it), and a
source that is a table row, as the index writes one ("Header: value | Header: value"), is shown as
a small table: its headers above its values, the answer marked by its offsets.

Each reply also carries itself as plain text (hidden, in `.qa-plain`), which the chat's copy
button puts on the clipboard: one line per part, so no words run together."""

from __future__ import annotations

from typing import NamedTuple

from qa.index.blocks import CONTEXT_SEPARATOR
from qa.index.store import SentenceIndex
from qa.models import Answer, Source
from qa.text import is_invisible_control, visible_controls

PARAGRAPH_SENTENCES = 2
DOCUMENTS_LISTED = 50
WITHIN_NAMED = 5  # documents or folders named above a reply asked within them; the rest are counted
CELL_SEPARATOR, HEADER_SEPARATOR = " | ", ": "  # how index/readers/extracted.py writes a table row


def literal(text: str) -> str:
    """Text that renders exactly as written in HTML and Markdown: only letters, digits and spaces
    stay bare; an invisible control shows as its code point ("U+202E")."""
    return "".join(_literal_char(ch) for ch in text)


def _literal_char(char: str) -> str:
    if char.isalnum() or char == " ":
        return char
    if is_invisible_control(char):
        return f"<span class='qa-ctl' title='invisible character'>&#91;U&#43;{ord(char):04X}&#93;</span>"
    return f"&#{ord(char)};"


def confidence_words(score: float) -> str:
    """The calibrated score as a person would say it."""
    if score >= 0.8:
        return f"high confidence ({score:.0%} likely right)"
    if score >= 0.5:
        return f"fairly confident ({score:.0%} likely right)"
    return f"low confidence ({score:.0%} likely right)"


def answer_html(answer: Answer, index: SentenceIndex, within: str | None = None) -> str:
    """The chat reply: short answer first, then each source with the answer marked in its sentence;
    above it the documents it was asked within (`within_line`, when a choice was set) and how the
    question was read, when that was more than as asked; and the reply as text."""
    shown = f"<div class='qa-hint qa-within'>{literal(within)}</div>" if within else ""
    return (f"<div class='qa-reply'>{shown}{_shown_html(answer, index)}"
            f"<div class='qa-plain'>{literal(answer_text(answer, index, within))}</div></div>")


def within_line(names: list[str], documents: int) -> str:
    """Which documents a question was asked within: the names chosen (ids, folders) and how many documents they hold."""
    listed = ", ".join(names[:WITHIN_NAMED]) + (f" and {len(names) - WITHIN_NAMED:,} more" if len(names) > WITHIN_NAMED else "")
    return f"Asked within {listed} ({documents:,} document{'' if documents == 1 else 's'})"


def answer_text(answer: Answer, index: SentenceIndex, within: str | None = None) -> str:
    """The reply as plain text, as a person would copy it: the documents asked within (if chosen),
    the answer, its confidence, its sources (invisible controls named, as they are shown)."""
    lines = [within] if within else []
    lines += [f"Read as: {answer.read_as}"] if answer.read_as else []
    if answer.answer is None:
        lines += ["The documents do not contain an answer to this.", "Closest passages considered:"]
    else:
        when = f" (→ {answer.resolved_date.label})" if answer.resolved_date else ""
        agree = len(answer.evidence)
        lines += [answer.answer + when, f"{confidence_words(answer.score)} · {agree} source{'s agree' if agree > 1 else ''}"]
    lines += [_source_text(source, index) for source in answer.evidence]
    if answer.alternatives:
        lines.append(f"Other possible answers ({len(answer.alternatives)}):")
        lines += [f"- {other.answer} ({other.score:.0%} likely right{'; ' + other.note if other.note else ''}). "
                  f"{_source_text(other.source, index)}" for other in answer.alternatives]
    return visible_controls("\n".join(lines))


def _source_text(source: Source, index: SentenceIndex) -> str:
    document = index.document(source.doc_id)
    details = " · ".join(filter(None, (source.doc_id, document.date, f"page {source.page}" if source.page else None)))
    context = _context(source, document.title)
    under = f", under {context}" if context else ""
    return f"Source: {document.title} ({details}){under}: “{' '.join(source.sentence.split())}”"


def _context(source: Source, title: str) -> str | None:
    """The headings (or slide title) above the source, without the document's title, which is shown already."""
    path = (source.context or "").split(CONTEXT_SEPARATOR)
    if " ".join(path[0].split()) == " ".join(title.split()):
        path = path[1:]
    return CONTEXT_SEPARATOR.join(path) or None


def _shown_html(answer: Answer, index: SentenceIndex) -> str:
    read_as = f"<div class='qa-hint qa-read-as'>Read as: {literal(answer.read_as)}</div>" if answer.read_as else ""
    if answer.answer is None:
        parts = [read_as, "<div class='qa-none'><strong>The documents do not contain an answer to this.</strong>",
                 "<div class='qa-hint'>Closest passages considered:</div>"]
        parts += [_source_html(source, index, mark=False) for source in answer.evidence]
        return "".join(parts) + "</div>"
    agree = len(answer.evidence)
    header = f"{agree} sources agree" if agree > 1 else "1 source"
    resolved = answer.resolved_date
    when = (f" <span class='qa-date' title='from the date of the document, {resolved.anchor}'>&#8594; {literal(resolved.label)}</span>"
            if resolved else "")
    parts = [read_as, f"<div class='qa-answer'><span class='qa-short'>{literal(answer.answer)}</span>{when}",
             f"<div class='qa-meta'>{confidence_words(answer.score)} · {header}</div>"]
    parts += [_source_html(source, index, mark=True) for source in answer.evidence]
    if answer.alternatives:
        others = "".join(f"<li><strong>{literal(other.answer)}</strong> <span class='qa-meta'>({other.score:.0%} likely "
                         f"right{'; ' + literal(other.note) if other.note else ''})</span>"
                         f"{_source_html(other.source, index, mark=True)}</li>" for other in answer.alternatives)
        parts.append(f"<details class='qa-alternatives'><summary>Other possible answers ({len(answer.alternatives)})</summary>"
                     f"<ul>{others}</ul></details>")
    return "".join(parts) + "</div>"


def document_label(index: SentenceIndex, doc_id: str) -> str:
    """A document as people know it: its title, then its file name and date."""
    document = index.document(doc_id)
    date = f" · {literal(document.date)}" if document.date else ""
    return f"{literal(document.title)} <span class='qa-file'>({literal(doc_id)}{date})</span>"


def documents_html(index: SentenceIndex, uploaded: bool) -> str:
    """The documents being searched, by title (the first DOCUMENTS_LISTED of them)."""
    ids = index.document_ids()
    items = "".join(f"<li>{document_label(index, doc_id)}</li>" for doc_id in ids[:DOCUMENTS_LISTED])
    more = f"<li>and {len(ids) - DOCUMENTS_LISTED:,} more</li>" if len(ids) > DOCUMENTS_LISTED else ""
    whose = "your documents" if uploaded else "the server's documents"
    return f"<div class='qa-docs'><strong>Searching {whose} ({len(ids):,}):</strong><ul>{items}{more}</ul></div>"


def _source_html(source: Source, index: SentenceIndex, mark: bool) -> str:
    sentence = source.sentence
    span = (source.start - source.sentence_start, source.end - source.sentence_start) if mark else None
    cells = row_cells(sentence)
    shown = _row_html(sentence, cells, span) if cells else _marked(sentence, 0, len(sentence), span)
    context = _context(source, index.document(source.doc_id).title)
    under = f"<div class='qa-context'>{literal(context)}</div>" if context else ""
    paragraph = _paragraph(source, index)
    page = f" <span class='qa-page'>· page {source.page}</span>" if source.page else ""
    return (f"<div class='qa-source'><div class='qa-doc'>{document_label(index, source.doc_id)}{page}</div>"
            f"{under}<blockquote>{shown}</blockquote>"
            f"<details><summary>Show the surrounding paragraph</summary><p>{literal(paragraph)}</p></details></div>")


def _marked(text: str, start: int, end: int, span: tuple[int, int] | None) -> str:
    """text[start:end] shown literally, the part of it inside `span` (offsets into text) marked."""
    low, high = (max(start, span[0]), min(end, span[1])) if span else (end, end)
    if low >= high:
        return literal(text[start:end])
    return literal(text[start:low]) + f"<mark>{literal(text[low:high])}</mark>" + literal(text[high:end])


class Cell(NamedTuple):
    """One cell of a table row written as a line: its header at [header_start, header_end) of the
    line (empty for a cell written without one), its value at [start, end)."""

    header_start: int
    header_end: int
    start: int
    end: int


def row_cells(line: str) -> list[Cell] | None:
    """The cells of a table row as the index writes it ("Header: value | Header: value", a cell
    without a header bare), at offsets into the line; None when the line is no such row (it spans
    lines, or fewer than two of its cells have a header)."""
    if "\n" in line:
        return None
    cells, start = [], 0
    for part in line.split(CELL_SEPARATOR):
        colon = part.find(HEADER_SEPARATOR)
        if colon > 0:
            cells.append(Cell(start, start + colon, start + colon + len(HEADER_SEPARATOR), start + len(part)))
        else:
            cells.append(Cell(start, start, start, start + len(part)))
        start += len(part) + len(CELL_SEPARATOR)
    return cells if sum(cell.header_end > cell.header_start for cell in cells) >= 2 else None


def _row_html(line: str, cells: list[Cell], span: tuple[int, int] | None) -> str:
    """A table row as a small table, its headers above its values; it scrolls sideways when wide."""
    headers = "".join(f"<th scope='col'>{_marked(line, cell.header_start, cell.header_end, span)}</th>" for cell in cells)
    values = "".join(f"<td>{_marked(line, cell.start, cell.end, span)}</td>" for cell in cells)
    return f"<div class='qa-row'><table><tr>{headers}</tr><tr>{values}</tr></table></div>"


def _paragraph(source: Source, index: SentenceIndex) -> str:
    """The sentence with up to PARAGRAPH_SENTENCES indexed sentences either side."""
    rows = index.rows_overlapping(source.doc_id, source.sentence_start, source.sentence_end)
    text = index.document(source.doc_id).text
    if not rows:
        return source.sentence
    first, last = index.neighbours(rows[0][0], PARAGRAPH_SENTENCES)[0], index.neighbours(rows[-1][0], PARAGRAPH_SENTENCES)[-1]
    return text[index.row(first).start: index.row(last).end]
