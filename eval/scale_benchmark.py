"""Scale benchmark: an index of a million real sentences (prints figures; asserts nothing about time).

    python -m qa.eval.scale_benchmark --data ../shared/datasets [--sentences 1000000] [--work runs/scale]

1. Every context of the SQuAD and extra files under --data is split as the index splits text, and
   its unique sentences are embedded once with the bundled model, cached in --work (about 75k
   sentences; 15 minutes on 2 cores).
2. The contexts are copied (copy00/..., copy01/...) until they hold --sentences sentences, indexed
   once at --work/index-N through the ordinary update path with the cached vectors, and the seeds
   are added to that index with the real embedder.
3. Figures: opening the index in a fresh process (time, memory); warm `ask` p50/p95 over the seeds
   questions, on the big index and on the seeds alone, interleaved; lexical and dense search time;
   recall@10 of the approximate index against a flat scan for several probe counts (by score, since
   copies tie); the flat scan's time by size (where `ANN_MIN_VECTORS` comes from); updating and
   removing one document; disk size.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qa.eval.benchmark import percentile
from qa.eval.seeds_eval import load_items
from qa.eval.squad import load_questions
from qa.index import vectors as vector_module
from qa.index.documents import make_document
from qa.index.embedder import DEFAULT_MODEL, Embedder, shared_embedder
from qa.index.sentences import answerable_sentences
from qa.index.build import build_new, embedded_documents
from qa.index.store import SentenceIndex, create_in_place
from qa.owned import work_folder


def rss_mb(kind: str = "VmRSS") -> float:
    """This process's resident memory now, in MB: all of it (VmRSS), or its RssAnon / RssFile part."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def contexts_of(data: Path) -> list[str]:
    """Every distinct context of the SQuAD-format files in `data`/squad and `data`/extra, in a fixed order."""
    seen: dict[str, None] = {}
    for path in sorted([*(data / "squad").glob("*.json"), *(data / "extra").glob("*.json")]):
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                seen.setdefault(paragraph["context"], None)
    return list(seen)


class CachedEmbedder:
    """The bundled model's vectors of known sentences, looked up from the cache."""

    identity = Embedder(DEFAULT_MODEL).identity

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        self.rows = {text: number for number, text in enumerate(texts)}
        self.vectors = vectors
        self.dimension = vectors.shape[1]

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self.vectors[[self.rows[text] for text in texts]]


def cached_vectors(contexts: list[str], work: Path) -> CachedEmbedder:
    """Every unique sentence of the contexts with its vector, embedded once and kept in `work`."""
    if (work / "vectors.npy").is_file() and (work / "texts.json").is_file():
        return CachedEmbedder(json.loads((work / "texts.json").read_text(encoding="utf-8")), np.load(work / "vectors.npy"))
    texts = list(dict.fromkeys(c[s.start : s.end] for c in contexts for s in answerable_sentences(c)))
    embedder, started = shared_embedder(), time.perf_counter()
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    matrix = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for begin in range(0, len(order), 2048):
        chunk = order[begin : begin + 2048]
        matrix[chunk] = embedder.encode([texts[i] for i in chunk])
        print(f"  embedded {begin + len(chunk):,} of {len(texts):,} sentences ({time.perf_counter() - started:.0f} s)", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    np.save(work / "vectors.npy", matrix)
    (work / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    return CachedEmbedder(texts, matrix)


def big_index(contexts: list[str], cache: CachedEmbedder, sentences: int, directory: Path, how: str = "streaming") -> None:
    """Copies of the contexts up to `sentences` sentences, indexed at `directory` (once): streamed, as
    `qa index` builds, or (`how="update"`) through one in-memory update, as builds were made before."""
    if directory.is_dir():
        return
    per_context = [len(answerable_sentences(c)) for c in contexts]
    copies = math.ceil(sentences / sum(per_context)) + 1
    chosen = [(copy, number) for copy in range(copies) for number in range(len(contexts))]
    chosen = chosen[: int(np.searchsorted(np.cumsum([per_context[n] for _, n in chosen]), sentences, side="left")) + 1]
    documents = (make_document(f"copy{copy:02d}/{number}", contexts[number]) for copy, number in chosen)
    started, shown = time.perf_counter(), {}

    def progress(phase: str, done: int, total: int) -> None:
        tenth = int(10 * done / max(total, 1))
        if shown.get(phase) != tenth:
            shown[phase] = tenth
            print(f"  {phase}: {done:,} of {total:,} ({time.perf_counter() - started:.0f} s, {rss_mb():.0f} MB resident)", flush=True)

    if how == "update":
        create_in_place(directory, cache.identity, cache.dimension, lambda index: index.update(list(documents), cache))
    else:
        build_new(directory, embedded_documents(documents, cache, len(chosen), progress), cache.identity, cache.dimension, progress)
    print(f"built the index ({how}): {len(chosen):,} documents, {sum(per_context[n] for _, n in chosen):,} sentences in "
          f"{time.perf_counter() - started:.0f} s (peak memory of the building process {peak_rss_mb():.0f} MB)")


def open_in_fresh_process(directory: Path) -> dict:
    """Time and memory to open the index, measured in a new process after its imports."""
    code = ("import json, resource, time\n"
            "from qa.index.store import SentenceIndex\n"
            "rss = lambda: int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024\n"
            f"before = rss(); started = time.perf_counter(); index = SentenceIndex.open({str(directory)!r})\n"
            "seconds = time.perf_counter() - started\n"
            "print(json.dumps({'seconds': seconds, 'sentences': len(index), 'added_mb': rss() - before,"
            " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def timed(call, repeats: int = 1) -> list[float]:
    """Milliseconds of each of `repeats` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - started))
    return times


def recall_at_10(index: SentenceIndex, queries: np.ndarray, probes: list[int]) -> list[str]:
    """Recall@10 of the index's search against an exact flat scan, by score, for each probe count."""
    flat_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    base = index.vectors.base.vectors
    for begin in range(0, len(base), 100_000):  # every live vector, in blocks that fit in memory
        block = np.asarray(base[begin : begin + 100_000]) @ queries.T
        block[np.isin(index.vectors.base.ids[begin : begin + 100_000], index.vectors.dead)] = -np.inf
        flat_scores = -np.sort(-np.vstack([flat_scores.T, block]), axis=0)[:10].T
    if len(index.vectors.delta_ids):
        flat_scores = -np.sort(-np.hstack([flat_scores, queries @ index.vectors.delta_vectors.T]), axis=1)[:, :10]
    lines, shipped = [], vector_module.ANN_PROBES
    for probe_count in probes:
        vector_module.ANN_PROBES = probe_count
        found, milliseconds = [], []
        for query in queries:
            started = time.perf_counter()
            found.append([score for _, score in index.search(query, 10)])
            milliseconds.append(1000 * (time.perf_counter() - started))
        recall = np.mean([np.sum(np.array(got) >= want[len(real) - 1] - 1e-5) / len(real)
                          for got, want in zip(found, flat_scores) if len(real := want[np.isfinite(want)])])
        lines.append(f"  {probe_count:3d} lists probed: recall@10 {recall:.3f}, search p50 {percentile(milliseconds, 0.5):.1f} ms")
    vector_module.ANN_PROBES = shipped
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("runs/scale"))
    parser.add_argument("--questions", type=int, default=200, help="SQuAD dev questions for the recall figure")
    parser.add_argument("--build-only", action="store_true", help="build the big index (in this process) and stop")
    parser.add_argument("--build", choices=["streaming", "update"], default="streaming",
                        help="how to build it: streamed as `qa index` does, or in one in-memory update (the old way)")
    args = parser.parse_args()

    from qa.assistant import Assistant, seeds_dir
    from qa.index.documents import load_documents

    directory = work_folder(args.work) / f"index-{args.sentences}"
    if args.build_only:
        contexts = contexts_of(args.data)
        big_index(contexts, cached_vectors(contexts, args.work), args.sentences, directory, args.build)
        return
    if not directory.is_dir():  # built in its own process, so that what building holds is not counted below
        subprocess.run([sys.executable, "-m", "qa.eval.scale_benchmark", "--build-only", *sys.argv[1:]], check=True)
    embedder = shared_embedder()
    seeds, _ = load_documents([seeds_dir()])
    index = SentenceIndex.open(directory, embedder.identity)
    if seeds[0].doc_id not in index.document_ids():
        index.apply(seeds, [], embedder)
    index.close()
    del index

    opened = open_in_fresh_process(directory)
    print(f"index: {opened['sentences']:,} sentences; disk {sum(p.stat().st_size for p in directory.iterdir()) / 1e9:.2f} GB "
          f"({', '.join(f'{p.name} {p.stat().st_size / 1e6:.0f} MB' for p in sorted(directory.iterdir()))})")
    print(f"open in a fresh process: {opened['seconds']:.2f} s, +{opened['added_mb']:.0f} MB resident (peak {opened['peak_mb']:.0f} MB)")

    big = Assistant.open(directory)
    small = Assistant.from_documents(seeds)
    big.warm_up()
    questions = [item.question for item in load_items()]
    for question in questions[:5]:
        big.ask(question), small.ask(question)
    big_ms, small_ms, same = [], [], 0
    retrieval = {id(big): [], id(small): []}
    for number, question in enumerate(questions * 3):  # interleaved, alternating which goes first
        pair = [(big, big_ms), (small, small_ms)][:: 1 if number % 2 else -1]
        answers = {}
        for assistant, times in pair:
            started = time.perf_counter()
            answers[id(assistant)] = assistant.ask(question).answer
            times.append(1000 * (time.perf_counter() - started))
            retrieval[id(assistant)] += timed(lambda: assistant.retriever.passages(assistant.retrieve(question)))
        same += number < len(questions) and answers[id(big)] == answers[id(small)]
    p50_big, p50_small = percentile(big_ms, 0.5), percentile(small_ms, 0.5)
    print(f"warm ask over {len(questions)} seeds questions x 3: {len(big.index):,}-sentence index p50 {p50_big:.0f} / p95 {percentile(big_ms, 0.95):.0f} ms; "
          f"seeds alone p50 {p50_small:.0f} / p95 {percentile(small_ms, 0.95):.0f} ms; ratio {p50_big / p50_small:.2f}; "
          f"same answer {same}/{len(questions)}")
    print(f"  retrieval alone (embed the question, hybrid search, passages): p50 {percentile(retrieval[id(big)], 0.5):.1f} ms "
          f"on the big index, {percentile(retrieval[id(small)], 0.5):.1f} ms on the seeds")
    queries = embedder.encode(questions)
    lexical = [t for q in questions for t in timed(lambda: big.index.lexical_search(q, 100))]
    dense = [t for q in queries for t in timed(lambda: big.index.search(q, 100))]
    print(f"  of which, on the big index: BM25 top-100 p50 {percentile(lexical, 0.5):.1f} ms (p95 {percentile(lexical, 0.95):.1f}), "
          f"vector top-100 p50 {percentile(dense, 0.5):.1f} ms")
    print(f"memory of this process with the big index open, models loaded, after the asks: {rss_mb():.0f} MB resident "
          f"({rss_mb('RssAnon'):.0f} MB own, {rss_mb('RssFile'):.0f} MB mapped files), peak {peak_rss_mb():.0f} MB")

    dev = load_questions(args.data / "squad" / "dev.json")
    dev = dev[:: max(1, len(dev) // args.questions)][: args.questions]
    print(f"recall@10 of the approximate index against a flat scan ({len(dev)} SQuAD dev questions):")
    for line in recall_at_10(big.index, embedder.encode([q.question for q in dev]), [16, 32, 48, 64, 96]):
        print(line)
    base = big.index.vectors.base.vectors
    print("flat scan top-100 by size (why the approximate index starts at "
          f"{vector_module.ANN_MIN_VECTORS:,}):")
    for size in [size for size in (50_000, 100_000, 200_000, 500_000) if size < len(base)] + [len(base)]:
        rows = np.asarray(base[:size])
        scan = [t for q in queries[:20] for t in timed(lambda: vector_module._search_matrix(rows, q, 100))]
        print(f"  {size:>9,} vectors: p50 {percentile(scan, 0.5):.1f} ms")

    document = big.index.document("copy00/0")
    changed = make_document(document.doc_id, document.text + " This sentence was added to test a one-document update.")
    update = timed(lambda: big.index.apply([changed], [], embedder), 5)
    removal = timed(lambda: big.index.apply([], [changed.doc_id], embedder))
    restore = timed(lambda: big.index.apply([document], [], embedder))
    print(f"update one document (embed + one transaction): p50 {percentile(update, 0.5):.0f} ms of {len(update)}; "
          f"remove one: {removal[0]:.0f} ms; add it back: {restore[0]:.0f} ms")


if __name__ == "__main__":
    main()
