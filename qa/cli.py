"""The `qa` command line: index, ask (one question or a JSONL batch), serve, eval.

Errors print one line saying what to do and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from qa.assistant import Assistant, build_or_update, default_assistant, validate_question
from qa.errors import QAError
from qa.index.documents import load_documents
from qa.index.embedder import Embedder
from qa.models import Answer

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    warnings.showwarning = lambda message, *_rest, **_kw: print(f"warning: {message}", file=sys.stderr)
    try:
        return args.run(args) or 0
    except QAError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Extractive question answering over your documents.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="build or update an index over folders or files of .txt/.md")
    index.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    index.add_argument("--index", type=Path, required=True, metavar="DIR", help="index directory (created or updated)")
    index.add_argument("--model", help="sentence-transformers model path or name (default: bundled all-MiniLM-L6-v2)")
    index.set_defaults(run=_index)

    ask = commands.add_parser("ask", help="ask a question (or a JSONL batch of them)")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--batch", type=Path, metavar="FILE.jsonl", help='lines of {"id": ..., "question": ...}')
    ask.add_argument("--index", type=Path, metavar="DIR", help="index built with `qa index` (default: the seeds)")
    ask.add_argument("--model", help="embedding model the index was built with (default: bundled)")
    ask.add_argument("--json", action="store_true", help="print JSON objects")
    ask.set_defaults(run=_ask)

    serve = commands.add_parser("serve", help="start the browser chat")
    serve.add_argument("--index", type=Path, metavar="DIR", help="index built with `qa index` (default: the seeds)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: localhost only)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--share", action="store_true", help="also open a public share link (off by default)")
    serve.set_defaults(run=_serve)

    evaluate = commands.add_parser("eval", help="run the evaluation set over the seeds and check the floors")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.set_defaults(run=_eval)
    return parser


def _index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    documents, skipped = load_documents(args.paths)
    with tqdm(total=0, unit="sentence", desc="embedding", file=sys.stderr, disable=None) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        index, report = build_or_update(documents, Embedder(args.model), args.index, progress)
    print(f"indexed {len(index.documents)} documents, {report.sentences} sentences into {args.index} "
          f"({len(report.embedded_documents)} embedded, {len(report.reused_documents)} unchanged, "
          f"{len(report.removed_documents)} removed, {len(skipped)} skipped)")
    return 0


def _assistant(args: argparse.Namespace) -> Assistant:
    return Assistant.open(args.index, args.model) if args.index else default_assistant()


def _ask(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.batch is None):
        raise QAError("give either a QUESTION or --batch FILE.jsonl")
    if args.batch is None:
        validate_question(args.question)  # before any model loads
        answer = _assistant(args).ask(args.question)
        print(answer.model_dump_json() if args.json else _readable(answer))
        return 0
    lines, assistant = _batch_lines(args.batch), _assistant(args)
    for line in lines:
        if "error" not in line:
            try:
                answer = assistant.ask(line["question"])
                line.update(answer.model_dump(mode="json"))
            except QAError as error:
                line["error"] = str(error)
        if "error" in line:
            line.update({"answer": None, "score": 0.0, "source": None, "evidence": []})
        print(json.dumps(line, ensure_ascii=False) if args.json else f"[{line.get('id')}] {line.get('answer', line.get('error'))}",
              flush=True)
    return 0


def _batch_lines(path: Path) -> list[dict]:
    """One dict per non-empty line: {"id", "question"}, or {"id", "error"} for a bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise QAError(f"cannot read batch file {path}: {getattr(error, 'strerror', None) or error}") from None
    parsed = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError
            parsed.append({"id": item.get("id"), "question": item["question"]})
        except ValueError:
            parsed.append({"id": None, "error": f"line {number}: expected a JSON object with a string \"question\""})
    return parsed


def _readable(answer: Answer) -> str:
    if answer.answer is None:
        lines = [f"Not in the documents (best guess scored {answer.score:.2f}). Closest passages:"]
        lines += [f"  {s.doc_id}: {s.sentence}" for s in answer.evidence]
        return "\n".join(lines)
    lines = [f"{answer.answer}   (score {answer.score:.2f})"]
    for source in answer.evidence:
        before = source.sentence[: source.start - source.sentence_start]
        after = source.sentence[source.end - source.sentence_start :]
        lines.append(f"  {source.doc_id} [{source.start}:{source.end}]: {before}[{answer.answer}]{after}")
    return "\n".join(lines)


def _serve(args: argparse.Namespace) -> int:
    from qa.ui.chat import serve

    try:
        serve(index_dir=args.index, host=args.host, port=args.port, share=args.share)
    except OSError as error:
        raise QAError(f"cannot serve on {args.host}:{args.port} ({error}); pick another port with --port") from None
    return 0


def _eval(args: argparse.Namespace) -> int:
    from qa.eval.seeds_eval import run

    return run(as_json=args.json)


if __name__ == "__main__":
    sys.exit(main())
