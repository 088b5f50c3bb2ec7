"""Speed figures on this machine (prints them; asserts nothing about time).

    python -m qa.eval.benchmark [--squad ../shared/datasets/squad/dev.json]

- warm `ask` latency p50/p95 over the seeds evaluation questions (models loaded, index built);
- reader latency added per question p50/p95 (every reading an `ask` does), as shipped and with
  quick answers from the best sentence alone (the bar `eval/calibrate.py` fitted), interleaved so
  both see the same machine, and how many questions the quick reading answered; throughput;
- one forward pass of the reader network by window length (what reading costs per token);
- indexing throughput in sentences per second (embedding + FAISS, seeds text repeated), and with
  `--squad dev.json` a fresh index of the SQuAD dev contexts: sentences per second and the share of
  the time spent outside the embedder (splitting, bookkeeping, FAISS);
- time from process start to first answer, for `qa ask` in a fresh process (default index ready).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from qa.assistant import default_assistant
from qa.confidence import CALIBRATION_FILE
from qa.eval.seeds_eval import load_items
from qa.eval.squad import load_questions
from qa.index.documents import make_document
from qa.index.store import SentenceIndex


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class TimedEmbedder:
    """Wraps an embedder and keeps the time spent embedding."""

    def __init__(self, embedder) -> None:
        self.embedder, self.seconds = embedder, 0.0
        self.identity, self.dimension = embedder.identity, embedder.dimension

    def encode(self, texts: list[str], show_progress: bool = False):
        started = time.perf_counter()
        try:
            return self.embedder.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started


def squad_indexing(dev: Path, embedder) -> str:
    """A fresh index of the dev contexts: sentences/s and where the time goes."""
    contexts = {q.doc_id: q.context for q in load_questions(dev)}
    timed = TimedEmbedder(embedder)
    started = time.perf_counter()
    _, report = SentenceIndex.build([make_document(doc_id, text) for doc_id, text in contexts.items()], timed)
    total = time.perf_counter() - started
    return (f"{report.sentences / total:6.0f} sentences/s for a fresh index of the SQuAD dev contexts "
            f"({report.sentences} sentences, {total:.1f} s; {100 * (total - timed.seconds) / total:.1f} % outside the embedder)")


class TimedReader:
    """Wraps a reader and keeps the time and number of its readings."""

    def __init__(self, reader) -> None:
        self.reader, self.seconds, self.readings = reader, 0.0, 0

    def warm_up(self) -> None:
        self.reader.warm_up()

    def read(self, question, passages):
        started = time.perf_counter()
        try:
            return self.reader.read(question, passages)
        finally:
            self.seconds += time.perf_counter() - started
            self.readings += 1


@torch.inference_mode()
def forward_ms(network: torch.nn.Module, tokens: int, repeats: int = 15) -> float:
    """Median time of one reader forward pass over a window of `tokens` tokens."""
    inputs = {"input_ids": torch.full((1, tokens), 2000), "token_type_ids": torch.zeros(1, tokens, dtype=torch.long),
              "attention_mask": torch.ones(1, tokens, dtype=torch.long)}
    network(**inputs)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        network(**inputs)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", type=Path, help="SQuAD dev.json: also time a fresh index of its contexts")
    args = parser.parse_args()
    assistant = default_assistant()
    assistant.warm_up()
    questions = [item.question for item in load_items()]
    for question in questions[:3]:
        assistant.ask(question)  # warm caches

    timed = assistant.reader = TimedReader(assistant.reader)
    shipped = assistant.confidence
    fitted_bar = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["fit"]["quick_answers"]["bar"]
    modes = {"as shipped": shipped, "with quick answers": shipped.model_copy(update={"quick_accept": fitted_bar})}
    ask_ms, reader_ms = {mode: [] for mode in modes}, {mode: [] for mode in modes}
    quick = 0
    for _ in range(3):
        for question in questions:
            for mode, confidence in modes.items():
                assistant.confidence = confidence
                timed.seconds, timed.readings = 0.0, 0
                started = time.perf_counter()
                assistant.ask(question)
                ask_ms[mode].append((time.perf_counter() - started) * 1000)
                reader_ms[mode].append(timed.seconds * 1000)
                quick += mode == "with quick answers" and timed.readings == 1
    assistant.confidence = shipped

    started = time.perf_counter()
    for question in questions:
        assistant.ask(question)
    questions_per_s = len(questions) / (time.perf_counter() - started)

    forward = {tokens: forward_ms(timed.reader.network, tokens) for tokens in (8, 48, 192)}

    texts = [assistant.index.document(doc_id).text for doc_id in assistant.index.document_ids()]
    corpus = [make_document(f"copy{i}/{n}", text) for i in range(20) for n, text in enumerate(texts)]
    started = time.perf_counter()
    index, report = SentenceIndex.build(corpus, assistant.retriever.embedder)
    sentences_per_s = report.sentences / (time.perf_counter() - started)

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa.cli", "ask", questions[0], "--json"], check=True, capture_output=True,
                   env={**os.environ})
    first_answer_s = time.perf_counter() - started

    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for mode in modes:
        print(f"warm ask latency      p50 {statistics.median(ask_ms[mode]):6.1f} ms   p95 {percentile(ask_ms[mode], 0.95):6.1f} ms   ({mode})")
        print(f"reader added latency  p50 {statistics.median(reader_ms[mode]):6.1f} ms   p95 {percentile(reader_ms[mode], 0.95):6.1f} ms   ({mode})")
    print(f"with quick answers (bar {fitted_bar}), {100 * quick / len(questions) / 3:.0f} % of asks were answered from the best sentence alone")
    print("reader forward pass   " + ", ".join(f"{n} tokens {ms:.1f} ms" for n, ms in forward.items()))
    print(f"throughput            {questions_per_s:6.1f} questions/s (one process, `ask` end to end)")
    print(f"indexing throughput   {sentences_per_s:6.0f} sentences/s ({report.sentences} sentences)")
    if args.squad:
        print(f"indexing throughput   {squad_indexing(args.squad, assistant.retriever.embedder)}")
    print(f"process start -> first answer  {first_answer_s:5.2f} s (`qa ask`, default index already built)")


if __name__ == "__main__":
    main()
