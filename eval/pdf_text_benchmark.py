"""How well PDF prose is read, by the py-pdf benchmark's measure (asserts nothing; prints figures):

    python -m qa.eval.pdf_text_benchmark [--data ../shared/datasets/pdf-extraction/text-extraction]

The measure (py-pdf/benchmarks, `read`): the whole document's extracted text against its hand-made
ground truth by `Levenshtein.ratio`, one minus the single-character insertions and deletions needed to
turn one into the other over the two texts' length, which is 2 * LCS / (len(a) + len(b)). The LCS is
found here bit-parallel on Python integers (Allison-Dix; seconds for the 117-page GeoTopo script), with
no dependency. The benchmark's published outputs are scored first, as a check that this is its scorer
(published on GeoTopo: pypdf 0.9268, pdftotext 0.9329, pypdfium2 0.9657). Then the assistant's reading
(`index/readers/pdf.py`) as shipped, and its prose alone (table finding off), to show what tables found in
prose cost.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from qa.index.readers.extracted import Budget

DEFAULT_DATA = Path(__file__).parent.parent.parent / "shared" / "datasets" / "pdf-extraction" / "text-extraction"
PUBLISHED = ("pypdf", "pdftotext", "pdfium", "pymupdf")


def lcs_length(a: str, b: str) -> int:
    """The length of the longest common subsequence of two strings, bit-parallel (one big-integer
    addition per character of the longer string)."""
    if len(a) < len(b):
        a, b = b, a
    masks: dict[str, int] = {}
    for index, char in enumerate(b):
        masks[char] = masks.get(char, 0) | (1 << index)
    full = (1 << len(b)) - 1
    row = full
    for char in a:
        matched = row & masks.get(char, 0)
        row = ((row + matched) | (row - matched)) & full
    return len(b) - bin(row).count("1")


def ratio(a: str, b: str) -> float:
    """python-Levenshtein's `ratio`: 1 - indel distance / (len(a) + len(b))."""
    return 2 * lcs_length(a, b) / (len(a) + len(b)) if a or b else 1.0


def ours(raw: bytes, tables: bool = True) -> str:
    from qa.index.readers import pdf

    finder = pdf.find_tables
    if not tables:
        pdf.find_tables = lambda *args, **kwargs: []
    try:
        return pdf.pdf_text(raw, "GeoTopo.pdf", Budget("GeoTopo.pdf", None)).text
    finally:
        pdf.find_tables = finder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the benchmark's folder (its README: section 1)")
    data = parser.parse_args().data
    truth = (data / "ground-truth" / "GeoTopo-book.txt").read_text(encoding="utf-8")
    for library in PUBLISHED:
        published = (data / "published-outputs" / library / "GeoTopo-book.txt").read_text(encoding="utf-8")
        print(f"{library + ' (published output)':<36} {ratio(truth, published):.4f}")
    raw = (data / "GeoTopo-komprimiert.pdf").read_bytes()
    for name, tables in (("ours, as shipped", True), ("ours, prose alone (no tables)", False)):
        started = time.perf_counter()
        text = ours(raw, tables)
        seconds = time.perf_counter() - started
        print(f"{name:<36} {ratio(truth, text):.4f}  ({seconds:.1f} s to read 117 pages)")


if __name__ == "__main__":
    main()
