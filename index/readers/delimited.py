"""CSV (`.csv`, the standard library): rows one per line, cells with their header (see
`index.readers.extracted`); the delimiter (comma, semicolon, tab, bar) and backslash-escaped quotes are
read from the file."""

from __future__ import annotations

import csv
import io

from qa.errors import CorpusError
from qa.index.readers.extracted import Budget, ExtractedText, table_lines
from qa.index.readers.plain import decode_text

MAX_FIELD_CHARS = 20_000_000  # a CSV field may be as long as a text file (Python's default: 131,072 characters)
CSV_SNIFF_CHARS = 4_096  # of a CSV file, read to tell its delimiter and quote character
CSV_ESCAPE_CHARS = 1_000_000  # and to tell whether a backslash escapes its quotes
csv.field_size_limit(MAX_FIELD_CHARS)


def csv_text(raw: bytes, name: str, budget: Budget) -> ExtractedText:
    return _csv(decode_text(raw, name), name, budget)


def _csv(text: str, name: str, budget: Budget) -> ExtractedText:
    """Rows one per line, each cell with its column's header when the table has one (see
    `table_lines`); fields of any length (up to the text limit), in time linear in the cells."""
    rows = ([cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), _csv_dialect(text)))
    try:
        lines = table_lines((row for row in rows if any(row)), budget=budget, merged=False)
    except csv.Error as error:
        raise CorpusError(f"{name}: not a readable CSV file ({error})") from None
    return ExtractedText(text="\n".join(lines))


def _csv_dialect(text: str) -> type[csv.Dialect]:
    """The file's delimiter and quoting as csv.Sniffer reads them from its start (comma, semicolon,
    tab or bar; Excel's when it cannot tell), with quotes escaped by a backslash (\\") rather than
    doubled when its first CSV_ESCAPE_CHARS hold such an escape."""
    try:
        sniffed = csv.Sniffer().sniff(text[:CSV_SNIFF_CHARS], delimiters=",;\t|")
    except csv.Error:
        sniffed = csv.excel
    quote = sniffed.quotechar or '"'
    escaped = "\\" + quote in text[:CSV_ESCAPE_CHARS]

    class Dialect(csv.Dialect):
        delimiter, quotechar, lineterminator = sniffed.delimiter, quote, "\r\n"
        quoting, skipinitialspace = csv.QUOTE_MINIMAL, sniffed.skipinitialspace
        doublequote, escapechar = not escaped, "\\" if escaped else None

    return Dialect
