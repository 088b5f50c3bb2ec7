"""HTML for the chat. Everything that comes from a document or a question is turned into
character references, so neither HTML nor Markdown in it can ever become markup."""

from __future__ import annotations

from qa.index.store import SentenceIndex
from qa.models import Answer, Source

PARAGRAPH_SENTENCES = 2


def literal(text: str) -> str:
    """Text that renders exactly as written in HTML and Markdown: only letters, digits and spaces stay bare."""
    return "".join(ch if ch.isalnum() or ch == " " else f"&#{ord(ch)};" for ch in text)


def confidence_words(score: float) -> str:
    """The calibrated score as a person would say it."""
    if score >= 0.8:
        return f"high confidence ({score:.0%} likely right)"
    if score >= 0.5:
        return f"fairly confident ({score:.0%} likely right)"
    return f"low confidence ({score:.0%} likely right)"


def answer_html(answer: Answer, index: SentenceIndex) -> str:
    """The chat reply: short answer first, then each source with the answer marked in its sentence."""
    if answer.answer is None:
        parts = ["<div class='qa-none'><strong>The documents do not contain an answer to this.</strong>",
                 "<div class='qa-hint'>Closest passages considered:</div>"]
        parts += [_source_html(source, index, mark=False) for source in answer.evidence]
        return "".join(parts) + "</div>"
    agree = len(answer.evidence)
    header = f"{agree} sources agree" if agree > 1 else "1 source"
    parts = [f"<div class='qa-answer'><span class='qa-short'>{literal(answer.answer)}</span>",
             f"<div class='qa-meta'>{confidence_words(answer.score)} · {header}</div>"]
    parts += [_source_html(source, index, mark=True) for source in answer.evidence]
    return "".join(parts) + "</div>"


def _source_html(source: Source, index: SentenceIndex, mark: bool) -> str:
    document = index.document(source.doc_id)
    date = f" · {literal(document.date)}" if document.date else ""
    sentence = source.sentence
    if mark:
        offset = source.start - source.sentence_start
        sentence_html = (literal(sentence[:offset]) + f"<mark>{literal(sentence[offset: offset + source.end - source.start])}</mark>"
                         + literal(sentence[offset + source.end - source.start:]))
    else:
        sentence_html = literal(sentence)
    paragraph = _paragraph(source, index)
    return (f"<div class='qa-source'><div class='qa-doc'>{literal(source.doc_id)}{date}</div>"
            f"<blockquote>{sentence_html}</blockquote>"
            f"<details><summary>Show the surrounding paragraph</summary><p>{literal(paragraph)}</p></details></div>")


def _paragraph(source: Source, index: SentenceIndex) -> str:
    """The sentence with up to PARAGRAPH_SENTENCES indexed sentences either side."""
    rows = index.rows_overlapping(source.doc_id, source.sentence_start, source.sentence_end)
    text = index.document(source.doc_id).text
    if not rows:
        return source.sentence
    around = index.neighbours(rows[0], PARAGRAPH_SENTENCES) + index.neighbours(rows[-1], PARAGRAPH_SENTENCES)
    return text[min(index.rows[n].start for n in around): max(index.rows[n].end for n in around)]
