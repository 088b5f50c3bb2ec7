"""The `qa` command line: index, ask (one question or a JSONL batch), serve, prepare, eval.

Errors print one line saying what to do and exit with status 2. Heavy libraries (torch,
transformers, gradio) load only once a command needs them, so `qa --help` and bad input
answer at once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import QAError
from qa.text import clean_text, validate_question

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # as a program that SIGPIPE ended: what reads our output (`| head -1`) has gone
CHAT_COMMANDS = {"/new": "start a new conversation (so does an empty line)", "/quit": "end (so do /exit and Ctrl-D)",
                 "/help": "list these commands"}
_COMMAND = re.compile(r"/\w+")
ANSWER_FIELDS = {"answer": None, "score": 0.0, "source": None, "evidence": [], "alternatives": [], "resolved_date": None}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, like every other error."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {message} (see: {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.showwarning = lambda message, *_rest, **_kw: print(f"warning: {message}", file=sys.stderr)
    try:
        code = args.run(args) or 0
        sys.stdout.flush()  # here, not at exit, where a closed pipe could no longer be told apart
        return code
    except QAError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left: stop quietly, and let nothing more be written to the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _command(commands, name: str, summary: str, examples: str, run) -> argparse.ArgumentParser:
    """A sub-command whose --help gives its summary, each argument with its default, and examples."""
    command = commands.add_parser(name, help=summary, description=summary, epilog=f"examples:\n{examples}",
                                  formatter_class=_HelpFormatter)
    command.set_defaults(run=run)
    return command


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Each argument's help says its default; examples are kept as written."""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qa", description="Exact answers from your documents, with their source.",
                     epilog="examples:\n  qa ask \"when could Russia invade?\"\n  qa index ~/notes --index ~/notes-index\n"
                            "  qa serve --index ~/notes-index\n\n'qa COMMAND --help' says more of each command.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)
    seeds = "(default: the bundled seeds, indexed on first use)"
    bundled = "(default: the bundled all-MiniLM-L6-v2)"

    index = _command(commands, "index", "build or update an index over folders or files (text, PDF, Office, web pages, e-mail)",
                     "  qa index ~/notes --index ~/notes-index\n  qa index report.pdf minutes/ --index team-index\n"
                     "  qa index minutes/ --index team-index --date minutes.txt=2024-03-05\n"
                     "  qa index ~/archive --index ~/archive-index --ray auto", _index)
    index.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="folders (read recursively) or files to index")
    index.add_argument("--index", type=Path, required=True, metavar="DIR",
                       help="the index folder: created, or updated in place; a folder holding other files is refused")
    index.add_argument("--model", help=f"a sentence-transformers model folder to embed with {bundled}")
    index.add_argument("--date", action="append", metavar="[NAME=]YYYY-MM-DD", default=[],
                       help="the date of every document, or of the one named (repeat it for several); it wins over "
                            "dates found in the files (default: the dates the files give, or none)")
    index.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                       help="build the index anew on a Ray cluster: its address (host:6379, or auto for the one `ray "
                            "start` runs here), or no address to start one on this machine; needs the [distributed] extra")
    index.add_argument("--actors", type=_positive, metavar="N",
                       help="with --ray: embedding actors, one CPU each (default: one per CPU of the cluster)")

    ask = _command(commands, "ask", "ask one question (or a JSONL batch of them)",
                   '  qa ask "when could Russia invade?"\n  qa ask "who leads the team?" --index ~/notes-index --json\n'
                   "  qa ask --batch questions.jsonl --json > answers.jsonl", _ask)
    ask.add_argument("question", nargs="?", help="the question, in quotes (up to 1,000 characters)")
    ask.add_argument("--batch", type=Path, metavar="FILE.jsonl", help='a file of lines {"id": ..., "question": ...}, '
                     "answered one JSON line each, in order")
    ask.add_argument("--index", type=Path, metavar="DIR", help=f"an index built with `qa index` {seeds}")
    ask.add_argument("--model", help=f"the embedding model that index was built with {bundled}")
    ask.add_argument("--json", action="store_true", help="print JSON (answer, score, source, evidence, alternatives, resolved_date)")
    _within_arguments(ask)

    chat = _command(commands, "chat", "a conversation in the terminal: follow-ups (\"who said that?\") read with the turn before",
                    "  qa chat\n  qa chat --index ~/notes-index", _chat)
    chat.add_argument("--index", type=Path, metavar="DIR", help=f"an index built with `qa index` {seeds}")
    chat.add_argument("--model", help=f"the embedding model that index was built with {bundled}")
    _within_arguments(chat)

    serve = _command(commands, "serve", "start the browser chat",
                     "  qa serve\n  qa serve --index ~/notes-index --port 8080", _serve)
    serve.add_argument("--index", type=Path, metavar="DIR", help=f"an index built with `qa index` {seeds}")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=7860, help="port to listen on (default: 7860)")
    serve.add_argument("--share", action="store_true", help="also open a public share link through the web framework")

    _command(commands, "prepare", "build the seeds index and this machine's model graphs now (setup.sh runs it; "
             "otherwise the first question does)", "  qa prepare", _prepare).set_defaults(index=None)

    evaluate = _command(commands, "eval", "run the evaluation set over the seeds and check the floors (exit 1 below them)",
                        "  qa eval\n  qa eval --json\n  qa eval --reader runs/my-reader", _eval)
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.add_argument("--reader", type=Path, metavar="DIR",
                          help="a reader weights folder with its calibration.json (default: the shipped reader)")
    return parser


def _within_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--doc", action="append", default=[], metavar="NAME",
                         help="ask within this document only, by its name in the index (repeat it for several; "
                              "default: every document)")
    command.add_argument("--within", action="append", default=[], metavar="FOLDER/",
                         help="ask within the documents of this folder only (their names start with FOLDER/)")


def _documents(args: argparse.Namespace) -> list[str] | None:
    """The documents --doc and --within name (a folder ends in "/"), or None for every document."""
    named = args.doc + [folder.rstrip("/") + "/" for folder in args.within]
    return named or None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qa-assistant")
    except PackageNotFoundError:
        return "unknown (not installed)"


@contextmanager
def progress_bar(description: str) -> Iterator:
    """A progress callback (phase, done, total) drawing on stderr a bar for each phase, with its time
    left, one under the other (a build reads files and embeds their sentences in turn); a phase with
    nothing to do (0 of 0) draws none."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in bars:
            if not done and not total:
                return
            bars[phase] = tqdm(total=total, desc=f"{description}: {phase}" if description else phase, file=sys.stderr,
                               disable=None, position=len(bars), dynamic_ncols=True)
        bar = bars[phase]
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()


def _index(args: argparse.Namespace) -> int:
    from qa.assistant import index_paths
    from qa.index.embedder import shared_embedder
    from qa.index.folders import DATABASE, check_replaceable

    if args.actors and not args.ray:
        raise QAError("--actors sets the Ray build's embedding actors; give --ray too")
    if not (args.index / DATABASE).is_file() or args.ray:
        check_replaceable(args.index)  # a folder of the user's files is refused before any model loads
    embedder = shared_embedder(args.model)
    embedder.check()
    dates = dict(value.rpartition("=")[::2] for value in args.date)
    with progress_bar("") as progress:
        index, report, skipped = index_paths(args.paths, embedder, args.index, dates, progress, args.ray, args.actors)
    print(f"indexed {_count(len(index.document_ids()), 'document')}, {_count(report.sentences, 'sentence')} into "
          f"{args.index} ({len(report.embedded_documents)} embedded, {len(report.reused_documents)} unchanged, "
          f"{len(report.removed_documents)} removed, {len(skipped)} skipped)")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _assistant(args: argparse.Namespace):
    from qa.assistant import Assistant, default_assistant

    if args.index:
        return Assistant.open(args.index, args.model)
    with progress_bar("indexing the seeds (first use only)") as progress:
        return default_assistant(progress)


def _prepare(args: argparse.Namespace) -> int:
    _assistant(args).warm_up()
    print("prepared: the seeds index and this machine's model graphs")
    return 0


def _ask(args: argparse.Namespace) -> int:
    if (args.question is None) == (args.batch is None):
        raise QAError("give either a QUESTION or --batch FILE.jsonl")
    if args.model and not args.index:
        raise QAError("--model names the model an index was built with; give that index with --index")
    documents = _documents(args)
    if args.batch is None:
        question = validate_question(args.question)  # before any model loads
        answer = _assistant(args).ask(question, documents=documents)
        print(answer.model_dump_json() if args.json else _readable(answer))
        return 0
    lines = batch_lines(args.batch)
    assistant = _assistant(args)
    within = assistant.chosen(documents)  # an unknown name stops the batch before its first line
    for line in lines:
        if "error" not in line:
            try:
                line.update(assistant.ask(line["question"], documents=within).model_dump(mode="json"))
            except QAError as error:
                line["error"] = f"line {line.pop('line')}: {error}"
            except Exception as error:  # one line's failure must not stop the batch
                line["error"] = f"line {line.pop('line')}: could not be answered ({type(error).__name__})"
        line.pop("line", None)
        if "error" in line:
            line.update(ANSWER_FIELDS)
        text = json.dumps(line, ensure_ascii=False, allow_nan=False) if args.json else \
            f"[{line.get('id')}] {line['answer'] or line.get('error')}"
        print(clean_text(text), flush=True)
    return 0


def _chat(args: argparse.Namespace) -> int:
    """Questions read from the terminal (or standard input) one a line, answered in turn; an empty
    line or `/new` starts a new conversation, end of input or `/quit` ends it, `/help` lists the
    commands. In a terminal, lines can be edited and earlier ones recalled (up arrow)."""
    from qa.conversation import Conversation

    assistant = _assistant(args)
    conversation = Conversation(assistant, documents=assistant.chosen(_documents(args)))
    interactive = sys.stdin.isatty()
    if interactive:
        _line_editing()
        print("Ask a question (/help lists the commands; /quit or Ctrl-D ends).", file=sys.stderr)
    while True:
        try:
            line = input("you: " if interactive else "")
        except EOFError:
            return 0
        command = line.strip().lower()
        if command in ("/quit", "/exit"):
            return 0
        if command in ("", "/new"):
            conversation.clear()
            continue
        if _COMMAND.fullmatch(command):  # a command, never a question
            print(_chat_help() if command == "/help" else f"unknown command {line.strip()}; {_chat_help()}", flush=True)
            continue
        try:
            print(_readable(conversation.ask(line)), flush=True)
        except QAError as error:
            print(f"error: {error}", flush=True)


def _line_editing() -> None:
    """Line editing and history (arrow keys) for `input`, where Python has readline (not on Windows)."""
    try:
        import readline  # noqa: F401  (importing it is what gives input() editing and history)
    except ImportError:
        pass


def _chat_help() -> str:
    return "commands: " + "; ".join(f"{name}: {meaning}" for name, meaning in CHAT_COMMANDS.items())


def batch_lines(path: Path) -> list[dict]:
    """One dict per line of the file, in order: {"id", "question", "line"} or {"id", "error"}.

    A UTF-8 byte-order mark is accepted; a line that is blank, not UTF-8, not JSON (or nested too
    deeply to read), not a JSON object, without a string "question", or whose id is no valid JSON
    (NaN, Infinity) becomes an error for that line only, keeping its id if it had a usable one.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise QAError(f"cannot read batch file {path}: {error.strerror or error}") from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    pieces = raw.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()  # the file's final newline ends the last line; it does not start another
    return [_batch_line(number, piece.removesuffix(b"\r")) for number, piece in enumerate(pieces, start=1)]


def _batch_line(number: int, piece: bytes) -> dict:
    expected = 'expected a JSON object with a string "question", like {"id": 1, "question": "..."}'
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError:
        return {"id": None, "error": f"line {number}: not UTF-8 text"}
    if not text.strip():
        return {"id": None, "error": f"line {number}: blank line; {expected}"}
    try:
        item = json.loads(text)
    except ValueError:
        return {"id": None, "error": f"line {number}: not JSON; {expected}"}
    except RecursionError:
        return {"id": None, "error": f"line {number}: JSON nested too deeply to read; {expected}"}
    if not isinstance(item, dict):
        what = {type(None): "null", list: "an array", str: "a string", bool: "true or false"}.get(type(item), "a number")
        return {"id": None, "error": f"line {number}: {what} is not an object with a question; {expected}"}
    if not _valid_json(item.get("id")):
        return {"id": None, "error": f"line {number}: its id is not valid JSON (NaN or Infinity); give a string or a number"}
    if not isinstance(item.get("question"), str):
        return {"id": item.get("id"), "error": f"line {number}: no string \"question\"; {expected}"}
    return {"id": item.get("id"), "question": item["question"], "line": number}


def _valid_json(value: object) -> bool:
    """Can the value be written back as standard JSON (no NaN or Infinity, not nested too deeply)?"""
    try:
        json.dumps(value, allow_nan=False)
    except (ValueError, RecursionError):
        return False
    return True


def _readable(answer) -> str:
    from qa.text import visible_controls

    def under(source) -> list[str]:  # the headings (or slide title) a source stands under, on a line above it
        return [f"  under {visible_controls(source.context, newlines=True)}"] if source.context else []

    read_as = [f"(read as: {visible_controls(answer.read_as, newlines=True)})"] if answer.read_as else []
    if answer.answer is None:
        lines = read_as + [f"Not in the documents (best guess scored {answer.score:.2f}). Closest passages:"]
        for source in answer.evidence:
            lines += under(source) + [f"  {visible_controls(source.doc_id, newlines=True)}: {visible_controls(source.sentence)}"]
        return "\n".join(lines)
    resolved = answer.resolved_date
    when = f"   -> {resolved.label} (from the document's date, {resolved.anchor})" if resolved else ""
    lines = read_as + [f"{visible_controls(answer.answer)}{when}   (score {answer.score:.2f})"]
    for source in answer.evidence:
        before = source.sentence[: source.start - source.sentence_start]
        after = source.sentence[source.end - source.sentence_start :]
        shown = visible_controls(f"{before}[{answer.answer}]{after}")
        page = f" page {source.page}" if source.page else ""
        lines += under(source) + [f"  {visible_controls(source.doc_id, newlines=True)}{page} [{source.start}:{source.end}]: {shown}"]
    if answer.alternatives:
        lines.append("  other possible answers: " + "; ".join(
            f"{visible_controls(other.answer)} ({other.score:.2f}, {visible_controls(other.source.doc_id, newlines=True)}"
            f"{'; ' + other.note if other.note else ''})" for other in answer.alternatives))
    return "\n".join(lines)


def _serve(args: argparse.Namespace) -> int:
    from qa.ui.server import check_can_serve, serve

    check_can_serve(args.host, args.port)  # before minutes of model loading
    if args.index is not None:
        from qa.index.store import SentenceIndex

        SentenceIndex.open(args.index).close()  # a missing or damaged index is said before the models load
    if args.index is None:
        print("qa serve: opening the seeds index...", file=sys.stderr, flush=True)
        _assistant(args)
    serve(index_dir=args.index, host=args.host, port=args.port, share=args.share)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from qa.eval.seeds_eval import run

    return run(as_json=args.json, reader_dir=args.reader)


if __name__ == "__main__":
    sys.exit(main())
