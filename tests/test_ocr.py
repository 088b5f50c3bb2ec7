"""Scans: PDF pages without a text layer read by OCR (index/ocr.py, the `ocr` extra), their page
kept; without the extra, a reason that says how to install it."""

from __future__ import annotations

import io
import os
import sys

import pytest

from conftest import make_pdf
from qa.errors import CorpusError
from qa.index.readers import ocr
from qa.index.readers.extracted import Budget
from qa.index.readers import extract_text

HARBOUR = ["The harbour master closes the northern gate", "at nine o'clock every evening in winter."]
FERRY = ["The ferry to Lindholm leaves from pier seven", "twice a day, at eight and at four."]


@pytest.fixture
def installed():
    """The OCR engine; the test is skipped without the extra, or fails where QA_REQUIRE_OCR=1."""
    if ocr._engine() is None:
        if os.environ.get("QA_REQUIRE_OCR") == "1":
            pytest.fail(f"QA_REQUIRE_OCR=1 but the OCR extra is not installed: {ocr.INSTALL}")
        pytest.skip(f"the OCR extra is not installed ({ocr.INSTALL})")
    return ocr._engine()


@pytest.fixture
def without_extra(monkeypatch):
    """The OCR extra made impossible to import, as where it is not installed."""
    monkeypatch.setitem(sys.modules, "tesserocr", None)
    ocr._engine.cache_clear()
    yield
    ocr._engine.cache_clear()


def scanned_pdf(pages: list[list[str]], dpi: int = 200, turn: int = 0) -> bytes:
    """A PDF of images alone, as a scanner writes it: each page a picture of its lines of text
    (turned `turn` degrees anticlockwise, as a page scanned sideways)."""
    from PIL import Image, ImageDraw, ImageFont

    size, images = dpi * 14 // 72, []  # 14 points, in lines 1.3 times as high
    font = ImageFont.load_default(size=size)
    for lines in pages:
        image = Image.new("L", (dpi * 17 // 2, dpi * 11), 255)
        draw = ImageDraw.Draw(image)
        for number, line in enumerate(lines):
            draw.text((dpi, dpi + number * size * 13 // 10), line, fill=0, font=font)
        images.append(image.rotate(turn, expand=True))
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def joined(*pdfs: bytes) -> bytes:
    """The PDFs' pages, one after the other, in one PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def words(lines: list[str]) -> list[str]:
    return " ".join(lines).replace(".", "").replace(",", "").split()


def test_a_scanned_page_is_read_by_ocr_and_keeps_its_page(installed, recwarn):
    raw = joined(make_pdf([["A text page comes first, with a real text layer."]]), scanned_pdf([HARBOUR, FERRY]))
    extracted = extract_text(raw, ".pdf", "mixed.pdf")
    text, starts = extracted.text, extracted.page_starts
    assert len(starts) == 3 and text.startswith("A text page comes first")
    second, third = text[starts[1]:starts[2]], text[starts[2]:]
    assert all(word in second for word in words(HARBOUR)), second
    assert all(word in third for word in words(FERRY)), third
    assert "closes the northern gate at nine" in second  # the lines of a paragraph are joined as one
    assert not [warning for warning in recwarn if "low confidence" in str(warning.message)]


def test_a_page_scanned_sideways_is_turned_upright(installed):
    text = extract_text(scanned_pdf([HARBOUR + FERRY], turn=90), ".pdf", "sideways.pdf").text
    assert all(word in text for word in words(HARBOUR + FERRY)), text


def test_low_confidence_is_said_with_the_file_and_page(installed, monkeypatch):
    monkeypatch.setattr(ocr, "read_image", lambda image, dpi, engine: ocr.PageText(paragraphs=["Smudged words"], confidence=0.4))
    with pytest.warns(UserWarning, match=r"faint\.pdf: page 2 was read by OCR with low confidence \(40%"):
        extracted = extract_text(joined(make_pdf([["A typed cover page."]]), scanned_pdf([HARBOUR])), ".pdf", "faint.pdf")
    assert extracted.text[extracted.page_starts[1]:] == "Smudged words"


def test_pages_past_the_page_bound_or_the_reading_time_are_named_and_the_rest_kept(installed, monkeypatch):
    monkeypatch.setattr(ocr, "MAX_OCR_PAGES", 1)
    with pytest.warns(UserWarning, match=r"long\.pdf: page 2 has no text layer and was not read by OCR"):
        extracted = extract_text(scanned_pdf([HARBOUR, FERRY]), ".pdf", "long.pdf")
    assert "harbour" in extracted.text and "ferry" not in extracted.text and len(extracted.page_starts) == 2
    with pytest.raises(CorpusError, match="slow.pdf: pages 1 and 2 have no text layer and were not read by OCR: the file's reading time"):
        ocr.scanned_pages(scanned_pdf([HARBOUR, FERRY]), "slow.pdf", [1, 2], 2, Budget("slow.pdf", -1))


def test_a_page_read_in_part_or_with_images_too_large_is_named(installed, monkeypatch):
    monkeypatch.setattr(ocr, "PAGE_SECONDS", 0.001)
    with pytest.warns(UserWarning, match=r"hasty\.pdf: OCR stopped reading page 2 after 0.001 s; some of its text may be missing"):
        extract_text(joined(make_pdf([["A typed cover page."]]), scanned_pdf([HARBOUR])), ".pdf", "hasty.pdf")
    monkeypatch.setattr(ocr, "MAX_IMAGE_PIXELS", 1_000_000)  # the scan below: 1,700 x 2,200 pixels
    with pytest.warns(UserWarning, match=r"big\.pdf: page 2 has no text layer and was not read by OCR: images of over 1 million pixels"):
        extracted = extract_text(joined(make_pdf([["A typed cover page."]]), scanned_pdf([HARBOUR])), ".pdf", "big.pdf")
    assert extracted.text == "A typed cover page." and len(extracted.page_starts) == 2


def test_a_pdf_with_nothing_on_its_pages_says_ocr_found_no_text(installed):
    with pytest.raises(CorpusError, match="no text layer, and OCR found no text"):
        extract_text(make_pdf([[], []]), ".pdf", "blank.pdf")


def test_without_the_extra_a_scan_is_skipped_with_how_to_install_it(without_extra):
    with pytest.raises(CorpusError, match=r"scan\.pdf: the PDF has no text layer .*pip install 'qa-assistant\[ocr\]'"):
        extract_text(make_pdf([[], []]), ".pdf", "scan.pdf")
    with pytest.warns(UserWarning, match=r"part\.pdf: page 2 has no text layer .*not read; .*pip install 'qa-assistant\[ocr\]'"):
        extracted = extract_text(make_pdf([["Only the first page has text."], []]), ".pdf", "part.pdf")
    assert extracted.text == "Only the first page has text." and len(extracted.page_starts) == 2
    with pytest.raises(ImportError, match="qa-assistant"):
        ocr.read_image(None, 200)
