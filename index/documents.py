"""Documents: read a folder of supported files (or a mapping of texts) into typed records.

Offsets everywhere index into the document's text. For .txt / .md that is the file's bytes
decoded as UTF-8, a leading byte-order mark dropped, nothing else changed (a CRLF line ending
stays two characters): `open(path, encoding="utf-8-sig", newline="").read()`, not Python's
default text mode, which turns CRLF into one character. For PDF, Word and HTML it is the text
`index.readers` extracts, which the index stores. A first line such as `date 2022-01-28 ...`
is metadata: its date is kept and its line is never indexed.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import warnings
from collections.abc import Iterator
from functools import cached_property
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from qa.errors import CorpusError
from qa.index.blocks import Heading, HeadingPaths
from qa.index.readers.extracted import reading_seconds
from qa.index.sentences import is_table_row
from qa.index.readers import SUFFIXES, extract_text
from qa.text import clean_text, is_invisible_control

MAX_DOCUMENT_BYTES = 20_000_000
MAX_TITLE_CHARS = 80
_METADATA_LINE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[^\n]*(?:\n|\Z)")
_HEADING_MARKS = re.compile(r"^[#>*\-\s]+")
_LINE = re.compile(r"[^\r\n]+")
DATELINE_LINES = 40
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_FULL_DATE = re.compile(rf"(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})|(?P<month>{_MONTHS})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
                        rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTHS})\s+(?P<year2>\d{{4}})")
_COPYRIGHT = re.compile(r"©|\bcopyright\b", re.IGNORECASE)  # a copyright's date is not the document's
EARLIEST_YEAR = 1000  # a year written 0001 is no year a document is dated with
_LEANING = re.compile(r"(?:It|Its|This|These|Those|They|Their|He|His|She|Her)\b")  # opens a sentence that leans back
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
MAX_LEAD_IN_CHARS = 300  # how far back the sentence a leaning one leans on is looked for
LEAD_IN_WORDS = 8  # the words of that sentence read before it: where its subject stands, for little embedding time


class Document(BaseModel, frozen=True):
    """A document's full text, its id, and where its indexable body begins."""

    doc_id: str
    text: str
    date: str | None = None
    date_source: str | None = None  # how the date was found ("its first line", "the e-mail's Date header", ...)
    body_start: int = 0
    page_starts: list[int] = []  # paged formats (PDF): where each page begins in `text`
    headings: list[Heading] = []  # what the reader knew to be headings, in order (index/blocks.py)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for a document without pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def context_at(self, offset: int) -> str:
        """The path of headings enclosing `offset` ("Report › Findings"); empty for a document without headings."""
        return self._heading_paths.at(offset) if self.headings else ""

    def aside_at(self, offset: int) -> bool:
        """Is `offset` set apart from the document's own text (under an `aside` heading: readers' comments)?"""
        return self._heading_paths.aside_at(offset) if self.headings else False

    def indexed_text(self, start: int, end: int) -> str:
        """What retrieval reads for the span [start, end): its text, after the headings it stands under when it
        has any ("Metrics › Indicators: The text"), and after the first words of the sentence before it when it
        opens with a word that points back ("It contains 168 233 instances" after "HASY is a dataset of"). The
        store embeds and word-indexes each sentence as this."""
        context, text = self.context_at(start), self.text[start:end]
        if _LEANING.match(text):
            text = f"{self._sentence_before(start)} {text}".lstrip()
        return f"{context}: {text}" if context else text

    def _sentence_before(self, start: int) -> str:
        """The first LEAD_IN_WORDS words of the sentence that ends just before `start` (looked for in the
        MAX_LEAD_IN_CHARS before it)."""
        window = self.text[max(self.body_start, start - MAX_LEAD_IN_CHARS) : start].rstrip()
        ends = [match.end() for match in _SENTENCE_END.finditer(window, 0, max(len(window) - 1, 0))]
        return " ".join(window[ends[-1] if ends else 0 :].split()[:LEAD_IN_WORDS])

    @cached_property
    def _heading_paths(self) -> HeadingPaths:
        return HeadingPaths(self.text, self.headings)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def title(self) -> str:
        """A readable title: the body's first line, without Markdown marks, cut to a few words."""
        for line in _LINE.finditer(self.text, self.body_start):  # stops at the first line with words
            words = "".join(ch for ch in _HEADING_MARKS.sub("", line.group()) if not is_invisible_control(ch)).split()
            if words and is_table_row(line.group()):  # a table's first row names no document: its file does
                return self.doc_id
            if words:
                title = " ".join(words)
                if len(title) <= MAX_TITLE_CHARS:
                    return title
                return title[: MAX_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return self.doc_id


class SkippedFile(BaseModel, frozen=True):
    """A file that was not indexed, and why."""

    doc_id: str
    reason: str


def make_document(doc_id: str, text: str, page_starts: list[int] | None = None, date: str | None = None,
                  date_source: str | None = None, headings: list[Heading] | None = None) -> Document:
    """A Document, with lone surrogates cleaned and its date: a leading `date YYYY-MM-DD` line
    (metadata, never indexed), else `date` (what the file's own metadata gives, found as
    `date_source` says), else a dated line near its start (a dateline, a tweet's "January 27, 2022")."""
    if not isinstance(doc_id, str):
        raise CorpusError(f"document name {doc_id!r} is a {type(doc_id).__name__}; names must be text")
    if not isinstance(text, str):
        raise CorpusError(f"{doc_id!r}: the document must be text, not {type(text).__name__}")
    text = clean_text(text)
    pages = list(page_starts or [])
    metadata = _METADATA_LINE.match(text)
    if metadata:
        if (given := _valid(metadata.group(1))) is None:
            warnings.warn(f"{doc_id}: its first line's date {metadata.group(1)} is not a real date; the document has none",
                          stacklevel=2)
        return Document(doc_id=doc_id, text=text, date=given, date_source="its first line" if given else None,
                        body_start=metadata.end(), page_starts=pages, headings=headings or [])
    date = _valid(date) if date else None  # a reader's date is a real one or none
    if date is None and (date := dateline(text)) is not None:
        date_source = "a dated line near its start"
    return Document(doc_id=doc_id, text=text, date=date, date_source=date_source if date else None, page_starts=pages,
                    headings=headings or [])


def dateline(text: str) -> str | None:
    """The date (YYYY-MM-DD) of the first short line, among the first DATELINE_LINES, that begins
    or ends with a full date ("January 27, 2022", "27 January 2022", "2022-01-27") and is no copyright
    notice; None when that date is not a real one (`_valid`). A bare year ("© 2009", "built in 1995")
    is never a date."""
    for number, line in enumerate(_LINE.finditer(text)):
        if number == DATELINE_LINES:
            break
        content = line.group().strip()
        if len(content) <= 120 and (found := _FULL_DATE.search(content)) and (found.start() == 0 or found.end() == len(content)) \
                and not _COPYRIGHT.search(content):
            return _iso(found)
    return None


def _iso(found: re.Match) -> str | None:
    """The full date `_FULL_DATE` found, as YYYY-MM-DD; None unless it is a real date (`_valid`)."""
    if found.group("iso"):
        return _valid(found.group("iso"))
    day, month = found.group("day") or found.group("day2"), found.group("month") or found.group("month2")
    try:
        day = datetime.strptime(f"{int(day)} {month[:3]} {found.group('year') or found.group('year2')}", "%d %b %Y").date()
    except ValueError:
        return None
    return _valid(day.isoformat())


def with_dates(documents: list[Document], dates: dict[str, str] | None) -> list[Document]:
    """The documents with the dates a person gave (`{doc_id: "YYYY-MM-DD"}`, "" for every document),
    which win over any other; CorpusError for a bad date or an unknown document."""
    check_dates(dates, [document.doc_id for document in documents])
    return [dated(document, dates) for document in documents]


def check_dates(dates: dict[str, str] | None, doc_ids: list[str]) -> None:
    """CorpusError unless every date is a real YYYY-MM-DD and names one of `doc_ids` (or "" for all)."""
    known = set(doc_ids)
    for name, value in (dates or {}).items():
        if name and name not in known:
            raise CorpusError(f"a date is given for {name!r}, which is not among the documents; known: {', '.join(sorted(known)[:10])}")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)) or _valid(value) is None:
            raise CorpusError(f"{value!r} is not a date; write it as YYYY-MM-DD")


def dated(document: Document, dates: dict[str, str] | None) -> Document:
    """The document with the date a person gave it, if any (`dates` checked by `check_dates`)."""
    if not dates or (document.doc_id not in dates and "" not in dates):
        return document
    return document.model_copy(update={"date": dates.get(document.doc_id, dates.get("")), "date_source": "given by you"})


def _valid(value: str) -> str | None:
    """`value` if it is a real YYYY-MM-DD date of year EARLIEST_YEAR or later, else None: never a
    neighbouring date (2022-02-30 is not 2022-02-01), never another year (0001 is not 2001)."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None
    return day.isoformat() if day.year >= EARLIEST_YEAR and day.isoformat() == value else None


def read_document(path: Path, doc_id: str, max_bytes: int = MAX_DOCUMENT_BYTES, seconds: float | None = None) -> Document:
    """Read one file of a supported format within `seconds` (None: the time a file of its size may
    take, `reading_seconds`); raise CorpusError saying why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CorpusError(f"{doc_id}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
        raw = path.read_bytes()
    except OSError as error:
        raise CorpusError(f"{doc_id}: cannot be read ({error.strerror or error})") from None
    extracted = extract_text(raw, path.suffix, doc_id, reading_seconds(len(raw)) if seconds is None else seconds)
    return make_document(doc_id, extracted.text, extracted.page_starts, extracted.date, extracted.date_source,
                         extracted.headings)


def unique_id(wanted: str, taken: set[str] | dict, prefix: str = "") -> str:
    """`wanted`, or `prefix/wanted`, or "name (2).ext"... : the first id not yet taken."""
    if wanted not in taken:
        return wanted
    if prefix and f"{prefix}/{wanted}" not in taken:
        return f"{prefix}/{wanted}"
    stem, dot, suffix = wanted.rpartition(".") if "." in wanted else (wanted, "", "")
    number = 2
    while f"{stem} ({number}){dot}{suffix}" in taken:
        number += 1
    return f"{stem} ({number}){dot}{suffix}"


class NamedFile(BaseModel, frozen=True):
    """A file to index and the document id it will have."""

    path: Path
    doc_id: str


def named_files(paths: list[Path]) -> tuple[list[NamedFile], list[SkippedFile]]:
    """The supported files under the given folders or files, each with its id (relative to the folder
    given; a name already taken by an earlier folder gets that folder's name in front), read nothing yet.

    Inside a folder, a link that leads outside it is skipped with a warning: indexing `docs/` never reads
    `/etc/passwd` through `docs/passwd.txt`.
    """
    files: dict[str, NamedFile] = {}
    skipped = []
    for root in paths:
        root = Path(root)
        if root.is_dir():
            found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            named, inside = [], root.resolve()
            for file in found:
                name = file.relative_to(root).as_posix()
                if file.resolve().is_relative_to(inside):
                    named.append((file, name))
                else:
                    skipped.append(SkippedFile(doc_id=name, reason=f"{name}: a link to a file outside {root}"))
                    warnings.warn(f"skipped {skipped[-1].reason}", stacklevel=2)
        elif root.is_file():
            named = [(root, root.name)]
        else:
            raise CorpusError(f"{root}: no such file or folder")
        folder_name = (root if root.is_dir() else root.parent).resolve().name
        for file, name in named:
            doc_id = unique_id(name, files, prefix=folder_name)
            files[doc_id] = NamedFile(path=file, doc_id=doc_id)
    return list(files.values()), skipped


def read_files(files: list[NamedFile], skipped: list[SkippedFile]) -> Iterator[Document]:
    """The files' documents, read one at a time as they are asked for; an unusable file is added to
    `skipped` with a warning, and so is one its reader fails on unexpectedly: never the others."""
    for file in files:
        read = _document_or_reason(file)
        if isinstance(read, Document):
            yield read
        else:
            skipped.append(SkippedFile(doc_id=file.doc_id, reason=read))
            warnings.warn(f"skipped {read}", stacklevel=2)


def _document_or_reason(file: NamedFile) -> Document | str:
    """The file's document, or a one-line reason why not."""
    try:
        return read_document(file.path, file.doc_id)
    except CorpusError as error:
        return " ".join(str(error).split())
    except Exception as error:  # a reader failing (RecursionError, MemoryError...) on a file it should have refused
        return f"{file.doc_id}: its reader failed ({type(error).__name__}: {' '.join(str(error).split())[:200]})"


def no_document_error(paths: list[Path]) -> CorpusError:
    where = ", ".join(str(p) for p in paths)
    return CorpusError(f"no readable document in {where}; add {', '.join(SUFFIXES)} files and index again")


def load_documents(paths: list[Path]) -> tuple[list[Document], list[SkippedFile]]:
    """Documents under the given folders or files (`named_files`), read whole. Unusable files are
    skipped with a warning; it is an error only when nothing is usable."""
    files, skipped = named_files(paths)
    documents = list(read_files(files, skipped))
    if not documents:
        raise no_document_error(paths)
    return documents, skipped
