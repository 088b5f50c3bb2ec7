"""E-mail (`.eml`, the standard library): the subject, then the plain body (else the HTML body, read as a
page); the Date header becomes the document's date."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from qa.errors import CorpusError
from qa.index.readers.extracted import Budget, ExtractedText
from qa.index.readers.web import page_text

MAX_HEADER_CHARS = 4_096  # of an e-mail header: a subject is a line, not a book


class _BoundedHeaders(policy.EmailPolicy):
    """The standard e-mail policy, each header cut to MAX_HEADER_CHARS before it is parsed: the
    parser's work grows faster than a header's length (20,000 encoded words took gigabytes)."""

    def header_fetch_parse(self, name, value):
        return super().header_fetch_parse(name, value[:MAX_HEADER_CHARS])


_EMAIL_POLICY = _BoundedHeaders()


def eml_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    """An e-mail's subject, then its body (the plain part, else the HTML part read as a page); its
    Date header is the document's date."""
    try:
        message = BytesParser(policy=_EMAIL_POLICY).parsebytes(raw)
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
        sent = message["date"].datetime if message["date"] is not None else None
        subject = " ".join(str(message["subject"] or "").split())
    except Exception as error:  # malformed headers raise many kinds
        raise CorpusError(f"{name}: a damaged e-mail ({type(error).__name__})") from None
    budget.check()
    if body is not None and body.get_content_type() == "text/html":
        content = page_text(content, budget).text
    text = "\n".join(part for part in (subject, content.strip()) if part)
    written = next((value for key, value in message.raw_items() if key.lower() == "date"), "")
    stated = sent is not None and f"{sent.year:04d}" in written  # "1 Jan 0001" is read as 2001: no date, not another
    return ExtractedText(text=text, date=sent.date().isoformat() if stated else None, date_source="the e-mail's Date header")
