"""How well text is cut into sentences: pySBD's 48 English golden rules (prints figures; asserts nothing).

    python -m qa.eval.sentence_benchmark --rules ../shared/datasets/sentence-golden-rules/english_golden_rules.py

A rule passes when the splitter gives exactly the expected sentences, compared after collapsing
whitespace. Splitters: `ours` (index.sentences, exact offsets) and pysbd or syntok where installed.
"""

from __future__ import annotations

import argparse
import ast
import time
from collections.abc import Callable
from pathlib import Path


def load_rules(path: Path) -> list[tuple[str, list[str]]]:
    """GOLDEN_EN_RULES from the file, read as a literal (nothing in it runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "GOLDEN_EN_RULES":
            return ast.literal_eval(node.value)
    raise ValueError(f"no GOLDEN_EN_RULES in {path}")


def squeeze(text: str) -> str:
    return " ".join(text.split())


def splitters() -> dict[str, Callable[[str], list[str]]]:
    from qa.index.sentences import split_sentences

    found: dict[str, Callable[[str], list[str]]] = {
        "ours": lambda text: [text[span.start : span.end] for span in split_sentences(text)]}
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        found["pysbd"] = lambda text: [str(piece) for piece in segmenter.segment(text)]
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=Path, required=True, help="english_golden_rules.py")
    parser.add_argument("--failures", action="store_true", help="print each failed rule")
    args = parser.parse_args()
    rules = load_rules(args.rules)
    for name, split in splitters().items():
        started, failed = time.perf_counter(), []
        for number, (text, expected) in enumerate(rules, start=1):
            got = [squeeze(piece) for piece in split(text) if piece.strip()]
            if got != [squeeze(piece) for piece in expected]:
                failed.append((number, text, got))
        print(f"{name:<8} {len(rules) - len(failed)} of {len(rules)} rules "
              f"({(time.perf_counter() - started) * 1000:.0f} ms)")
        if args.failures:
            for number, text, got in failed:
                print(f"  {number:>2}. {text[:70]!r}\n      -> {got}")


if __name__ == "__main__":
    main()
