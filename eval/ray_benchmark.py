"""Ray benchmark: one corpus indexed in one process and on a local Ray cluster (prints figures; asserts
nothing about time). It extends eval/scale_benchmark.py, whose million-sentence build uses cached vectors.

    python -m qa.eval.ray_benchmark --squad ../shared/datasets/squad/dev.json [--contexts 2100] [--questions 200]

The first --contexts dev contexts are written as files and indexed with `qa index`, each build in its
own process: locally (streaming), and with `--ray` on a local cluster with 1 actor and with 2. Each
prints its time, sentences per second and the building process's peak memory. Then the Ray indexes
are compared with the local one (sentences, offsets, largest vector difference) and --questions dev
questions are asked of the local and the 2-actor index: how many answers are identical.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qa.eval.squad import load_questions
from qa.owned import work_folder


def timed_build(corpus: Path, directory: Path, extra: list[str]) -> float:
    """Seconds for `qa index corpus --index directory` plus `extra` arguments, in a new process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa.cli", "index", str(corpus), "--index", str(directory), *extra],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def differences(directory: Path, expected: Path) -> str:
    """How the index at `directory` differs from the one at `expected`."""
    from qa.index.store import SentenceIndex

    def rows(folder: Path) -> list:
        with sqlite3.connect(folder / "index.sqlite") as db:
            return db.execute("SELECT d.doc_id, d.sha256, s.id, s.start, s.end FROM sentences s JOIN documents d "
                              "USING (doc_id) ORDER BY s.id").fetchall()

    (ids, vectors), (want_ids, want_vectors) = SentenceIndex.open(directory).vectors.live(), SentenceIndex.open(expected).vectors.live()
    gap = float(np.abs(vectors - want_vectors).max()) if np.array_equal(ids, want_ids) else float("inf")
    return f"same documents, sentences and offsets: {rows(directory) == rows(expected)}; largest vector difference {gap:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, default=Path("../shared/datasets/squad/dev.json"))
    parser.add_argument("--contexts", type=int, default=2100)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("runs/ray-benchmark"))
    args = parser.parse_args()
    work_folder(args.work)  # before anything is written or deleted there

    questions = load_questions(args.squad)
    contexts = list(dict.fromkeys(q.context for q in questions))[: args.contexts]
    corpus = args.work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for number, context in enumerate(contexts):
        (corpus / f"{number:05d}.txt").write_text(context, encoding="utf-8")
    builds = {"one process": [], "ray, 1 actor": ["--ray", "--actors", "1"], "ray, 2 actors": ["--ray", "--actors", "2"]}
    seconds, fixed = {}, {}
    for name, extra in builds.items():
        directory = args.work / name.replace(" ", "-").replace(",", "")
        subprocess.run(["rm", "-rf", str(directory), str(args.work / "one-file")], check=True)
        fixed[name] = timed_build(corpus / "00000.txt", args.work / "one-file", extra)  # starting, loading, stopping
        seconds[name] = timed_build(corpus, directory, extra)
    from qa.index.store import SentenceIndex

    local = args.work / "one-process"
    sentences = len(SentenceIndex.open(local))
    print(f"{len(contexts):,} SQuAD dev contexts as files, {sentences:,} sentences "
          f"(peak memory of the largest building process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB)")
    rate = {name: sentences / (seconds[name] - fixed[name]) for name in builds}
    for name in builds:
        print(f"  {name}: {seconds[name]:.0f} s, {seconds[name] / seconds['one process']:.2f}x the single process; "
              f"a one-file build {fixed[name]:.0f} s (start, model load, stop); beyond it {rate[name]:.0f} sentences/s, "
              f"{rate['one process'] / rate[name]:.2f}x the single process's time per sentence")
    for name in list(builds)[1:]:
        print(f"  {name} against one process: {differences(args.work / name.replace(' ', '-').replace(',', ''), local)}")

    from qa.assistant import Assistant

    asked = [q for q in questions if q.context in set(contexts)][:: 5][: args.questions]
    on_ray, alone = Assistant.open(args.work / "ray-2-actors"), Assistant.open(local)
    answers = [(on_ray.ask(q.question), alone.ask(q.question)) for q in asked]
    same = sum(a.answer == b.answer and a.source == b.source for a, b in answers)
    gap = max(abs(a.score - b.score) for a, b in answers)
    print(f"the same answer from the same source, 2-actor and local index: {same}/{len(asked)}; largest score difference {gap:.1e}")


if __name__ == "__main__":
    main()
