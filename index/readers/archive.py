"""Office files are zip archives of XML, each checked before it is read (by `word`, `slides`, `sheets`,
`opendocument`): every part of the archive is unpacked once, as a stream, to count the bytes it really
gives (zip bombs, and XML too large to hold in memory, are refused) and to look for entity declarations
anywhere in its XML (entities would hide the text after them, or reach outside). Every reader checks
the time budget as it goes (per paragraph, shape or table row), and its work is linear in the file:
merged and repeated cells are counted, never unrolled without a bound.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from qa.errors import CorpusError
from qa.index.readers.extracted import ExtractedText

MAX_UNPACKED_BYTES = 200_000_000  # an archive's parts, uncompressed, all together
MAX_PACKING_RATIO = 100  # XML packs 5-20x; a bomb thousands of times
MAX_XML_BYTES = 20_000_000  # XML read into memory takes up to ~20 times its size as a tree (a 1,000-page report: ~10 MB)
PAGE_BREAK = "\n\n"
_CHUNK = 1 << 20
_DECLARATIONS = tuple("<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(map(len, _DECLARATIONS)) - 1  # a declaration split between two chunks is still found
_WIDE_XML = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x4c\x6f\xa7\x94")  # UCS-4, EBCDIC
_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']{1,40})["']""")


def check_archive(raw: bytes, name: str, kind: str) -> None:
    """CorpusError, before any library reads the file, for a zip bomb (by the sizes the archive
    declares, then by the bytes its parts really give), for more XML than can be held in memory, and
    for XML that declares entities anywhere in it (Office never does)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = sum(member.compress_size for member in members)
            if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * max(packed, 1_000_000):
                raise CorpusError(f"{name}: unpacks to {unpacked / 1e6:,.0f} MB from {len(raw) / 1e6:.1f} MB (a zip bomb?); "
                                  "it was not read")
            read = xml = 0
            for member in members:
                given, is_xml = _scan_part(archive, member, name, MAX_UNPACKED_BYTES - read)
                read += given
                xml += given if is_xml else 0
                if xml > MAX_XML_BYTES:
                    raise CorpusError(f"{name}: its XML unpacks to over {MAX_XML_BYTES / 1e6:.0f} MB, more than can be "
                                      "read into memory; split it into smaller files")
    except CorpusError:
        raise
    except Exception as error:  # a damaged zip raises many kinds (BadZipFile, zlib.error, EOFError...)
        raise CorpusError(f"{name}: a damaged {kind} file ({type(error).__name__})") from None


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, allowed: int) -> tuple[int, bool]:
    """The bytes one part really gives and whether it is XML, read as a stream; CorpusError for a
    part that gives more than `allowed` bytes, or for XML that declares entities anywhere in it (a
    part that does not start as markup is no XML any library would read: a printer's settings)."""
    given, tail, is_xml = 0, b"", False
    with archive.open(member) as part:
        while chunk := part.read(_CHUNK):
            if not given:
                is_xml = _looks_like_xml(chunk, name, member.filename)
            given += len(chunk)
            if given > allowed:
                raise CorpusError(f"{name}: its parts unpack to over {MAX_UNPACKED_BYTES / 1e6:.0f} MB (a zip bomb?); "
                                  "it was not read")
            window = tail + chunk
            if is_xml and any(marker in window for marker in _DECLARATIONS):
                raise CorpusError(f"{name}: its XML declares entities (<!ENTITY> in {member.filename}), which Office "
                                  "never writes; it was not read")
            tail = window[-_OVERLAP:]
    return given, is_xml


def _looks_like_xml(head: bytes, name: str, part: str) -> bool:
    """Whether a part's first bytes are markup; CorpusError for markup in an encoding whose
    declarations the byte search could not see (Office writes UTF-8, at most UTF-16)."""
    if head.startswith(_WIDE_XML):
        raise CorpusError(f"{name}: its part {part} is XML in an encoding Office never writes; it was not read")
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        return True
    declared = _ENCODING.match(start)
    if declared:
        try:
            readable = "<!ENTITY".encode(declared.group(1).decode("ascii")) == b"<!ENTITY"
        except (LookupError, UnicodeError):
            readable = False
        if not readable and declared.group(1).lower() not in (b"utf-16", b"utf16"):
            raise CorpusError(f"{name}: its part {part} is XML in an encoding Office never writes; it was not read")
    return start.startswith(b"<")


def paged(pages: list[str]) -> ExtractedText:
    """Pages (slides) joined by a blank line, with where each begins."""
    text, starts = "", []
    for page in pages:
        text += PAGE_BREAK if text else ""
        starts.append(len(text))
        text += page
    return ExtractedText(text=text, page_starts=starts)
