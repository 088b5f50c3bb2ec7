"""How well web pages are read: the article-extraction benchmark's measure on its 181 real pages
(prints figures; asserts nothing).

    python -m qa.eval.html_benchmark --data ../shared/datasets/html-extraction [--extractor NAME ...]

Each page's extracted text is compared with the article body a person marked, over 4-token
shingles (tokens are runs of word characters): per page, true/false positives and false negatives
are counted and normalised to sum to 1; precision and recall are averaged over pages, and F1 is
taken of those averages, as the benchmark's own evaluation does. Extractors: `ours` (what the
assistant indexes, `index.readers`: trafilatura favouring precision, tables with their headers, the
page title first), and the libraries it was compared with, where installed
(`pip install readability-lxml`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def page_counts(truth: str, extracted: str) -> tuple[float, float, float]:
    """(true positives, false positives, false negatives) over shingles, normalised to sum to 1."""
    expected, found = shingles(truth), shingles(extracted)
    tp = sum((expected & found).values())
    fp = sum((found - expected).values())
    fn = sum((expected - found).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    def ratio(tp, other, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == other == 0 else tp / (tp + other))

    precision = statistics.mean(ratio(tp, fp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp, fn) for tp, fp, fn in counts if tp + fn > 0)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def extractors() -> dict[str, Callable[[bytes], str]]:
    """Name -> function from a page's bytes to its text, for each extractor installed here."""
    from qa.index.readers import extract_text

    found: dict[str, Callable[[bytes], str]] = {"ours": lambda raw: extract_text(raw, ".html", "page.html").text}
    try:
        import trafilatura

        found["trafilatura (defaults)"] = lambda raw: trafilatura.extract(raw, include_comments=False) or ""
    except ImportError:
        pass
    try:
        import lxml.html
        from readability import Document as Readable

        found["readability-lxml"] = lambda raw: lxml.html.fromstring(Readable(raw).summary()).text_content()
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the html-extraction data set folder")
    parser.add_argument("--extractor", nargs="*", help="only these (default: every one installed)")
    parser.add_argument("--worst", type=int, default=5, help="list this many worst pages of each extractor")
    args = parser.parse_args()
    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()) for key in sorted(truth)}
    for name, extract in extractors().items():
        if args.extractor and name not in args.extractor:
            continue
        counts, failures, started = {}, 0, time.perf_counter()
        for key, raw in pages.items():
            try:
                text = extract(raw)
            except Exception:  # a page an extractor cannot read scores as empty
                text, failures = "", failures + 1
            counts[key] = page_counts(truth[key].get("articleBody", ""), text)
        seconds = time.perf_counter() - started
        figures = scores(list(counts.values()))
        print(f"{name:<18} F1 {figures['f1']:.3f}  precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  "
              f"({len(pages)} pages, {failures} failed, {seconds / len(pages) * 1000:.0f} ms a page)")
        worst = sorted(counts, key=lambda key: counts[key][0])[: args.worst]
        for key in worst:
            tp, fp, fn = counts[key]
            print(f"    {key[:12]}  tp {tp:.2f} fp {fp:.2f} fn {fn:.2f}  {truth[key].get('url', '')[:80]}")


if __name__ == "__main__":
    main()
