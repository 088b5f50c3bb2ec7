"""How well PDF tables are read: our table extraction (index.pdf_tables over the text layer that
index.readers.pdf reads) on the ICDAR 2013 table competition's US half, scored by its structure measure.

    python -m qa.eval.pdf_table_benchmark [--data ../shared/datasets/pdf-extraction/table-extraction]
                                          [--output OUTPUT.json] [-v]

Writes OUTPUT.json in the scorer's format ({"us-001.pdf": [{"page": 1, "rows": [[...], ...]}]}),
runs the set's `score_icdar.py` on it (pooled and per-document precision, recall and F1 of the
adjacency relations) and prints seconds per document. A PDF that cannot be read counts as no table
found, with its reason printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qa.errors import CorpusError
from qa.index.readers.extracted import Budget
from qa.index.readers.pdf import pdf_tables

HERE = Path(__file__).parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "datasets" / "pdf-extraction" / "table-extraction"


def extract(pdfs: list[Path]) -> tuple[dict[str, list[dict]], float]:
    """Each PDF's tables in the scorer's format, and the seconds taken per document."""
    output: dict[str, list[dict]] = {}
    started = time.perf_counter()
    for path in pdfs:
        try:
            found = pdf_tables(path.read_bytes(), path.name, Budget(path.name, None))
        except CorpusError as error:
            print(f"skipped: {error}", file=sys.stderr)
            continue
        output[path.name] = [{"page": page, "rows": table.rows} for page, table in found]
    return output, (time.perf_counter() - started) / max(len(pdfs), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the table-extraction folder (score_icdar.py, icdar2013/)")
    parser.add_argument("--output", type=Path, default=Path(tempfile.gettempdir()) / "pdf-tables-icdar2013.json",
                        help="where OUTPUT.json is written (default: in the temporary folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per document from the scorer")
    args = parser.parse_args(argv)
    scorer = args.data / "score_icdar.py"
    pdfs = sorted((args.data / "icdar2013" / "competition-dataset-us").glob("*.pdf"))
    if not scorer.is_file() or not pdfs:
        raise SystemExit(f"no score_icdar.py or ICDAR PDFs under {args.data}: give --data the table-extraction folder")
    output, per_document = extract(pdfs)
    args.output.write_text(json.dumps(output, ensure_ascii=False), encoding="utf-8")
    tables = sum(len(found) for found in output.values())
    print(f"{len(pdfs)} documents, {tables} tables found, {per_document:.2f} s/doc; written to {args.output}")
    return subprocess.run([sys.executable, str(scorer), str(args.output)] + (["-v"] if args.verbose else [])).returncode


if __name__ == "__main__":
    sys.exit(main())
