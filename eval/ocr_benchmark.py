"""How well scans are read by OCR, on pages made from text we know (prints figures; asserts nothing).

    python -m qa.eval.ocr_benchmark [--engines ours rapidocr-onnxruntime tesseract] [--dpi 200]

Each page (the seeds' text, and a page of numbers, dates and codes) is printed to a text PDF
(Helvetica 10), rendered by pypdfium2 and made into a scan: `clean` (300 dpi, grey), `office`
(200 dpi, turned 1 degree, noise, JPEG quality 35), `fax` (200 dpi, black and white) and `low`
(100 dpi, blurred) and `poor` (75 dpi, blurred, heavy noise: past what OCR reads, to show that its
low confidence is said). The scan is wrapped, image alone, into a PDF, which each engine reads back as
`index/readers/ocr.py` does (the page rendered at `--dpi`). Character accuracy is 1 - edit distance /
length of the known text (whitespace collapsed); word recall the share of its words read; seconds
per page, wall and CPU (all threads, child processes too), count the engine alone.

Engines: `ours` (index/readers/ocr.py, the `ocr` extra) and the candidates it was chosen among, where
installed: `rapidocr` (3.x, PP-OCRv6 models in its wheel), `rapidocr-onnxruntime` (1.4,
PP-OCRv4 models in its wheel) and `tesseract` (Debian's tesseract-ocr, through pytesseract).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import time
from collections import Counter
from pathlib import Path

from qa.eval.pdf_benchmark import make_layout_pdf, wrapped
from qa.index.readers.ocr import LOW_CONFIDENCE, OCR_DPI

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "})


def known_pages() -> list[tuple[str, str]]:
    """Pages of text we know: each seed, and a page of numbers, dates and codes."""
    pages = [(path.stem[:3], path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(7)
    months = ["January", "March", "June", "September", "November"]
    lines = [f"Invoice {rng.randint(1000, 9999)}-{rng.choice('ABCDEF')} of {rng.randint(1, 28)} {rng.choice(months)} "
             f"{rng.randint(1990, 2024)}: {rng.randint(2, 40)} items at ${rng.randint(10, 9999):,}.{rng.randint(0, 99):02d}, "
             f"VAT {rng.randint(5, 25)}%, order ref. {rng.randint(10**6, 10**7 - 1)}." for _ in range(24)]
    return pages + [("numbers", "\n".join(lines))]


def text_pdf(text: str) -> tuple[bytes, str]:
    """A one-page text PDF of `text` (made ASCII, wrapped at 95 characters, at most 46 lines), and
    the text it shows."""
    plain = "".join(char for char in text.translate(_ASCII) if char.isascii())
    lines = [line for paragraph in plain.splitlines() for line in wrapped(paragraph, 95)]
    assert len(lines) <= 46, "a known page's text must fit on one page"
    return make_layout_pdf([[(60, 740 - 15 * number, line) for number, line in enumerate(lines)]]), plain


def scan(pdf: bytes, kind: str):
    """The PDF's first page as a scan of the given kind (a PIL image, and its dpi)."""
    import numpy as np
    import pypdfium2
    from PIL import Image, ImageFilter

    dpi = {"clean": 300, "office": 200, "fax": 200, "low": 100, "poor": 75}[kind]
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    document.close()
    rng = np.random.default_rng(3)
    if kind == "office":
        image = image.rotate(1.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 25, (image.height, image.width))
        image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=35)
        image = Image.open(buffer)
    elif kind == "fax":
        image = image.point(lambda value: 255 if value > 150 else 0).convert("1")
    elif kind == "low":
        image = image.filter(ImageFilter.GaussianBlur(0.6))
    elif kind == "poor":
        blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
        image = Image.fromarray(np.clip(blurred + rng.normal(0, 30, blurred.shape), 0, 255).astype(np.uint8))
    return image, dpi


def image_pdf(image, dpi: int) -> bytes:
    """A PDF whose one page is the image alone: no text layer, as a scanner writes it."""
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=dpi)
    return buffer.getvalue()


def rendered(pdf: bytes, dpi: int):
    """The PDF's first page as index/readers/ocr.py renders it for OCR (a PIL image, and its dpi)."""
    import pypdfium2

    from qa.index.readers.ocr import render_page

    document = pypdfium2.PdfDocument(pdf)
    try:
        return render_page(document[0], dpi)
    finally:
        document.close()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, by Myers' bit-parallel algorithm (Hyyrö's form): linear in len(b)
    operations on integers of len(a) bits."""
    if not a:
        return len(b)
    masks: dict[str, int] = {}
    for index, char in enumerate(a):
        masks[char] = masks.get(char, 0) | 1 << index
    full, top = (1 << len(a)) - 1, 1 << len(a) - 1
    plus, minus, score = full, 0, len(a)
    for char in b:
        equal = masks.get(char, 0)
        vertical = equal | minus
        horizontal = ((((equal & plus) + plus) & full) ^ plus) | equal
        hplus, hminus = minus | (~(horizontal | plus) & full), plus & horizontal
        score += 1 if hplus & top else -1 if hminus & top else 0
        hplus, hminus = (hplus << 1 | 1) & full, hminus << 1 & full
        plus, minus = hminus | (~(vertical | hplus) & full), hplus & vertical
    return score


def accuracy(read: str, truth: str) -> tuple[float, float]:
    """Character accuracy (whitespace collapsed) and word recall of `read` against `truth`."""
    read, truth = " ".join(read.split()), " ".join(truth.split())
    characters = max(0.0, 1 - edit_distance(truth, read) / len(truth))
    words, found = Counter(re.findall(r"\w+", truth.lower())), Counter(re.findall(r"\w+", read.lower()))
    return characters, sum((words & found).values()) / sum(words.values())


def engines(names: list[str]) -> dict:
    """Each named engine as a function from a PIL image and its dpi to its text and the mean
    confidence of its words (None where not measured); those not installed are left out."""
    found = {}
    for name in names:
        try:
            found[name] = _ENGINES[name]()
        except ImportError as error:
            print(f"{name}: not installed ({error})")
    return found


def _ours():
    from qa.index.readers.ocr import read_image

    def read(image, dpi: int) -> tuple[str, float | None]:
        found = read_image(image, dpi)
        return "\n".join(found.paragraphs), found.confidence

    return read


def _rapidocr():
    import numpy as np
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "error"})
    return lambda image, dpi: ("\n".join(engine(np.asarray(image.convert("RGB"))).txts or ()), None)


def _rapidocr_onnxruntime():
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR()
    return lambda image, dpi: ("\n".join(line[1] for line in engine(np.asarray(image.convert("RGB")))[0] or ()), None)


def _tesseract():
    import pytesseract

    pytesseract.get_tesseract_version()  # the Debian package tesseract-ocr, or ImportError-like failure below
    return lambda image, dpi: (pytesseract.image_to_string(image, lang="eng", config=f"--dpi {dpi}"), None)


def _cpu() -> float:
    """CPU seconds of this process and the programs it ran (Debian's tesseract), all threads."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


_ENGINES = {"ours": _ours, "rapidocr": _rapidocr, "rapidocr-onnxruntime": _rapidocr_onnxruntime,
            "tesseract": _tesseract}
KINDS = ["clean", "office", "fax", "low", "poor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["ours"], choices=sorted(_ENGINES))
    parser.add_argument("--dpi", type=int, default=OCR_DPI, help="the dpi scans are rendered at for OCR")
    args = parser.parse_args()
    scans = []
    for name, text in known_pages():
        pdf, truth = text_pdf(text)
        for kind in KINDS:
            scans.append((name, kind, rendered(image_pdf(*scan(pdf, kind)), args.dpi), truth))
    for engine_name, engine in engines(args.engines).items():
        engine(*scans[0][2])  # models loaded before the clock starts
        totals: dict[str, list[float]] = {kind: [] for kind in KINDS}
        wall = cpu = 0.0
        for name, kind, image, truth in scans:
            started, started_cpu = time.perf_counter(), _cpu()
            read, confidence = engine(*image)
            wall, cpu = wall + time.perf_counter() - started, cpu + _cpu() - started_cpu
            totals[kind].append(accuracy(read, truth))
            said = "" if confidence is None else f" confidence {confidence:.2f}{' (said: low)' if confidence < LOW_CONFIDENCE else ''}"
            print(f"{engine_name:22} {name:8} {kind:7} characters {totals[kind][-1][0]:.3f} words {totals[kind][-1][1]:.3f}{said}")
        by_kind = "  ".join(f"{kind} {sum(c for c, _ in v) / len(v):.3f}/{sum(w for _, w in v) / len(v):.3f}"
                            for kind, v in totals.items())
        print(f"== {engine_name} at {args.dpi} dpi: characters/words {by_kind};  "
              f"{wall / len(scans):.2f} s/page wall, {cpu / len(scans):.2f} s/page CPU")


if __name__ == "__main__":
    main()
