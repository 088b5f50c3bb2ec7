"""Speed and accuracy of answering, in one run on this machine (prints figures; asserts nothing about time).

    python -m qa.eval.benchmark [--squad ../shared/datasets/squad/dev.json --limit 1000]

1. The floor: bare retrieval of one question, which is embedding it with the bundled
   all-MiniLM-L6-v2 and searching a flat FAISS index of the seeds' sentences, with our ONNX
   Runtime encoder. Later, with sentence-transformers too, as other tools load the model.
2. Warm `ask` p50/p95 over the seeds evaluation questions for each reading strategy, interleaved
   with the floor question by question so that all see the same machine, and each p50's ratio to
   the floor's. Strategies marked "fp32 reader" read with the unquantised graph (and the shipped
   calibration, fitted on the int8 one).
3. Accuracy of each strategy: the seeds evaluation (EM, F1, abstention) and, with `--squad`, SQuAD
   dev open corpus (EM, F1, answered) and out-of-corpus abstention on a seeded sample, with the
   reader tokens read per question.
4. Cold start: `qa ask` in a fresh process (seeds index and graphs ready): wall time, peak memory.
5. Indexing throughput: a fresh index of the seeds repeated 20 times (and, with `--squad`, of the
   SQuAD dev contexts), with our encoder and with sentence-transformers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel

from qa.assistant import Assistant, default_assistant
from qa.confidence import CALIBRATION_FILE, Confidence
from qa.eval.seeds_eval import evaluate, load_items
from qa.eval.squad import load_questions, paragraph_index
from qa.eval.squad_eval import abstention, open_corpus
from qa.index.documents import make_document
from qa.index.embedder import Embedder
from qa.index.store import SentenceIndex
from qa.integrity import bundled_encoder_dir
from qa.reader.span_reader import SpanReader
from qa.reader.windows import tokenize_windows


def step(message: str) -> None:
    """Progress on stderr, so a long run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Strategy(BaseModel, frozen=True):
    """One way to read: retrieved sentences read, neighbours either side, calibrated bars used, reader graph."""

    name: str
    passages: int = 3
    neighbours: int = 1
    quick: bool = False
    early_exit: bool = False
    int8: bool = True

    def options(self, confidence: Confidence, bars: dict[str, float | None], readers: dict[bool, SpanReader]) -> dict:
        """The Assistant keyword arguments that read this way."""
        update = {"quick_accept": bars["quick"] if self.quick else None, "early_exit": bars["exit"] if self.early_exit else None}
        return {"confidence": confidence.model_copy(update=update), "k": self.passages, "context": self.neighbours,
                "reader": readers[self.int8]}


STRATEGIES = (
    Strategy(name="every passage"),
    Strategy(name="early exit", early_exit=True),
    Strategy(name="every passage, fp32 reader", int8=False),
    Strategy(name="early exit, fp32 reader", early_exit=True, int8=False),
    Strategy(name="quick, then every passage", quick=True),
    Strategy(name="quick, then early exit", quick=True, early_exit=True),
    Strategy(name="no neighbours", neighbours=0),
    Strategy(name="two passages", passages=2),
)


class CountingReader:
    """Wraps a reader and counts the tokens of the windows it reads (for accuracy runs, not timed ones)."""

    def __init__(self, reader) -> None:
        self.reader, self.tokens = reader, 0

    def warm_up(self) -> None:
        self.reader.warm_up()

    def read(self, question, passages):
        windows = tokenize_windows(self.reader.tokenizer, [question] * len(passages), [p.text for p in passages])
        self.tokens += sum(len(window.input_ids) for window in windows)
        return self.reader.read(question, passages)


def flat_floor(index: SentenceIndex, encode: Callable[[list[str]], np.ndarray]) -> Callable[[str], None]:
    """Bare retrieval: embed a question with `encode`, search a flat inner-product index of every sentence."""
    sentences = [index.sentence_text(n) for doc_id in index.document_ids()
                 for n, _ in index.rows_overlapping(doc_id, 0, len(index.document(doc_id).text))]
    vectors = np.ascontiguousarray(encode(sentences), dtype=np.float32)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return lambda question: flat.search(np.ascontiguousarray(encode([question]), dtype=np.float32), 3)


def milliseconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def latency(times: list[float]) -> str:
    return f"p50 {statistics.median(times):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms"


def warm_latencies(assistants: dict[str, Assistant], floor: Callable[[str], None], questions: list[str],
                   rounds: int) -> dict[str, list[float]]:
    """Milliseconds per question for the floor and each assistant's `ask`, interleaved question by question."""
    times: dict[str, list[float]] = {"floor": [], **{name: [] for name in assistants}}
    for question in questions[:3]:
        floor(question)
        for assistant in assistants.values():
            assistant.ask(question)
    for _ in range(rounds):
        for question in questions:
            times["floor"].append(milliseconds(lambda: floor(question)))
            for name, assistant in assistants.items():
                times[name].append(milliseconds(lambda: assistant.ask(question)))
    return times


def accuracy(options: dict, seeds: Assistant, squad: tuple | None) -> dict:
    """Seeds evaluation figures, reading with the Assistant `options`, and, given (index, embedder, sample), SQuAD dev figures, with tokens read."""
    counting = CountingReader(options["reader"])
    options = {**options, "reader": counting}
    items = load_items()
    assistant = Assistant(seeds.index, seeds.retriever.embedder, **options)
    figures = evaluate(assistant, items)["figures"]
    report = {"seeds": {name: figures[name] for name in ("exact_match", "f1", "abstention_accuracy")},
              "seeds_tokens_per_question": round(counting.tokens / len(items))}
    answers = [answer for item in items if (answer := assistant.ask(item.question)).answer is not None]
    report["seeds_answers_with_several_sources"] = round(100 * sum(len(a.evidence) > 1 for a in answers) / len(answers), 1)
    if squad:
        index, embedder, sample = squad
        counting.tokens = 0
        opened = open_corpus(Assistant(index, embedder, **options), sample)
        report["squad_open_corpus"] = {name: opened[name] for name in ("exact_match", "f1", "answered")}
        report["squad_tokens_per_question"] = round(counting.tokens / len(sample))
        report["squad_abstained_out_of_corpus"] = abstention(index, embedder, sample, **options)["abstained_out_of_corpus"]
    return report


# Starts a command and prints its exit status, seconds and peak memory (MB). On Linux a process's
# peak counts its parent's at exec, so `qa ask` must be started by this small process, not by
# the benchmark: started from here directly it read 431 MB where it peaked at about 385 (fp32 graph).
TIMED_RUN = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(status, time.perf_counter() - started, usage.ru_maxrss / 1024)
"""


def cold_starts(question: str, runs: int = 3) -> list[tuple[float, float]]:
    """(seconds, peak MB) of `qa ask` in a fresh process, each run."""
    results = []
    for _ in range(runs):
        command = [sys.executable, "-c", TIMED_RUN, sys.executable, "-m", "qa.cli", "ask", question, "--json"]
        status, seconds, peak = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        if int(status):
            raise SystemExit(f"`qa ask` failed with status {status}")
        results.append((float(seconds), float(peak)))
    return results


def indexing_rate(documents, embedder) -> tuple[float, int]:
    """Sentences per second for a fresh in-memory index, and the sentence count."""
    started = time.perf_counter()
    _, report = SentenceIndex.build(documents, embedder)
    return report.sentences / (time.perf_counter() - started), report.sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, help="SQuAD v1.1 dev.json: accuracy on it and indexing of its contexts")
    parser.add_argument("--limit", type=int, default=300, help="SQuAD questions in the seeded sample (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="times each seeds question is asked per strategy")
    args = parser.parse_args()

    shipped = default_assistant()
    shipped.warm_up()
    confidence = Confidence.load()
    fit = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["fit"]
    bars = {"quick": fit.get("quick_answers", {}).get("bar"), "exit": fit.get("early_exit", {}).get("bar")}
    strategies = [s for s in STRATEGIES if not (s.quick and bars["quick"] is None or s.early_exit and bars["exit"] is None)]
    readers = {True: shipped.reader, False: SpanReader(int8=False)}
    readers[False].warm_up()
    options = {s.name: s.options(confidence, bars, readers) for s in strategies}
    as_shipped = {"confidence": confidence, "k": shipped.retriever.k, "context": shipped.retriever.context, "reader": shipped.reader}
    questions = [item.question for item in load_items()]
    embedder = shipped.retriever.embedder

    step(f"timing the floor and {len(options)} reading strategies, interleaved")
    floor = flat_floor(shipped.index, embedder.encode)
    assistants = {name: Assistant(shipped.index, embedder, **kept) for name, kept in options.items()}
    times = warm_latencies(assistants, floor, questions, args.rounds)
    step("cold starts")
    cold = cold_starts(questions[0])
    seeds_texts = [shipped.index.document(doc_id).text for doc_id in shipped.index.document_ids()]
    repeated = [make_document(f"copy{i}/{n}", text) for i in range(20) for n, text in enumerate(seeds_texts)]
    dev_documents = []
    squad = None
    if args.squad:
        dev = load_questions(args.squad)
        dev_documents = [make_document(doc_id, text) for doc_id, text in {q.doc_id: q.context for q in dev}.items()]
        squad = (paragraph_index(dev, embedder), embedder, random.Random(7).sample(dev, args.limit))
    step("indexing")
    ours = {"seeds x 20": indexing_rate(repeated, embedder)}
    if dev_documents:
        ours["SQuAD dev contexts"] = indexing_rate(dev_documents, embedder)
    scores = {}
    for name, kept in options.items():
        step(f"accuracy: {name}")
        scores[name] = accuracy(kept, shipped, squad)

    step("sentence-transformers: floor and indexing")  # imports torch, so only after every timing of our own path
    from sentence_transformers import SentenceTransformer

    transformer = SentenceTransformer(str(bundled_encoder_dir()), device="cpu")

    def st_encode(texts):
        return transformer.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    st_floor = flat_floor(shipped.index, st_encode)
    floors: dict[str, list[float]] = {"theirs": [], "ours": []}
    for question in questions[:3] + questions * args.rounds:  # the two floors interleaved, after a warm-up
        floors["theirs"].append(milliseconds(lambda: st_floor(question)))
        floors["ours"].append(milliseconds(lambda: floor(question)))
    floors = {name: values[3:] for name, values in floors.items()}
    st_embedder = Embedder(str(bundled_encoder_dir()))
    theirs = {"seeds x 20": indexing_rate(repeated, st_embedder)}
    if dev_documents:
        theirs["SQuAD dev contexts"] = indexing_rate(dev_documents, st_embedder)

    floor_p50 = statistics.median(times["floor"])
    print(f"machine: {os.cpu_count()} cores; {len(questions)} seeds questions x {args.rounds}, strategies interleaved")
    print(f"floor (embed + flat FAISS search), our encoder      {latency(times['floor'])}")
    print(f"floor, sentence-transformers encoder (as others)    {latency(floors['theirs'])}   (ours interleaved with it: {latency(floors['ours'])})")
    for name, values in times.items():
        if name != "floor":
            mark = " (shipped)" if options[name] == as_shipped else ""
            print(f"warm ask, {name + mark:34} {latency(values)}   {statistics.median(values) / floor_p50:4.1f}x our floor, "
                  f"{statistics.median(values) / statistics.median(floors['theirs']):4.1f}x the sentence-transformers floor")
    print("cold `qa ask` (fresh process)   " + ", ".join(f"{s:.2f} s / {mb:.0f} MB" for s, mb in cold))
    for corpus, (rate, count) in ours.items():
        print(f"indexing {corpus} ({count} sentences): {rate:6.0f} sentences/s ours, {theirs[corpus][0]:6.0f} with sentence-transformers")
    print(json.dumps({"bars": bars, "accuracy": scores}, indent=2))


if __name__ == "__main__":
    main()
