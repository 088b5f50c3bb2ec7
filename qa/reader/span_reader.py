"""The trained extractive reader: question + passages -> scored answer spans at document offsets."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.index.retriever import Passage
from qa.reader.decode import MAX_ANSWER_TOKENS, align_to_words, decode_window, no_answer_log_prob, shared_normalisers
from qa.reader.windows import Window, load_tokenizer, pad_windows, tokenize_windows
from qa.models import ReaderSpan
from qa.runtime import cached_graph, inference_session

WEIGHTS_DIR = Path(__file__).parent / "weights"
TOP_SPANS = 5  # candidate spans a reading returns
GRAPH_VERSION = "v1"  # a new export format gets a new version, so no stale graph is reused

Forward = Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]  # model inputs -> start, end logits


class SpanReader:
    """Reads passages with the shipped network on ONNX Runtime (loaded by `warm_up`, on first use at the latest).

    `int8` (as shipped) runs the graph with per-channel int8 matrix products (`qa.export`);
    False runs it in fp32, equal to the torch network.
    """

    def __init__(self, weights_dir: Path = WEIGHTS_DIR, max_answer_tokens: int = MAX_ANSWER_TOKENS, int8: bool = True) -> None:
        self.weights_dir = Path(weights_dir)
        self.int8 = int8
        self.max_answer_tokens = max_answer_tokens
        self.forward: Forward | None = None
        self.tokenizer = None
        self.normalisation = "window"  # or "shared", as the weights' training.json says
        self._lock = threading.Lock()  # loading, and the tokenizer, which threads must not share mid-call

    @classmethod
    def from_network(cls, network, tokenizer, max_answer_tokens: int = MAX_ANSWER_TOKENS,
                     normalisation: str = "window") -> "SpanReader":
        """A reader around a torch network in memory (training's checks; tests use a tiny random one)."""
        from qa.reader.network import numpy_forward

        reader = cls(max_answer_tokens=max_answer_tokens)
        reader.forward, reader.tokenizer, reader.normalisation = numpy_forward(network.eval()), tokenizer, normalisation
        return reader

    def warm_up(self) -> None:
        with self._lock:
            if self.forward is None:
                record = json.loads((self.weights_dir / "training.json").read_text(encoding="utf-8"))
                self.tokenizer = load_tokenizer()
                self.normalisation = record.get("normalisation", "window")
                self.forward = _graph_forward(self.weights_dir, record["weights_sha256"], self.int8)

    def read(self, question: str, passages: list[Passage], top_n: int = TOP_SPANS) -> list[ReaderSpan]:
        """Best spans across all passages and their windows, best first, one per document span."""
        self.warm_up()
        if not passages:
            return []
        readings = [p.reading for p in passages]  # the context read first
        with self._lock:
            windows = tokenize_windows(self.tokenizer, [question] * len(passages), readings)
        start_logits, end_logits = self._logits(windows)
        normalisers = (shared_normalisers(start_logits, end_logits, [w.context_offsets for w in windows])
                       if self.normalisation == "shared" else None)
        best: dict[tuple[str, int, int], ReaderSpan] = {}
        for window, starts, ends in zip(windows, start_logits, end_logits):
            passage = passages[window.context_index]
            null = no_answer_log_prob(starts, ends, len(window.input_ids))
            shift = len(readings[window.context_index]) - len(passage.text)  # the context's length: no answer there
            answerable = [offset if offset is None or offset[0] >= shift else None for offset in window.context_offsets]
            spans = decode_window(starts, ends, answerable, self.max_answer_tokens, top_n, normalisers)
            for char_start, char_end, log_prob in spans:
                start, end = align_to_words(passage.text, char_start - shift, char_end - shift)
                if start == end:
                    continue
                key = (passage.doc_id, passage.start + start, passage.start + end)
                if key not in best or best[key].log_prob < log_prob:
                    best[key] = ReaderSpan(
                        doc_id=passage.doc_id, start=key[1], end=key[2], text=passage.text[start:end],
                        log_prob=log_prob, no_answer_log_prob=null, passage=passage,
                    )
        return sorted(best.values(), key=lambda span: -span.log_prob)[:top_n]

    def _logits(self, windows: list[Window]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Start and end logits per window; each window runs alone, so no compute goes to padding."""
        starts, ends = [], []
        for window in windows:
            start_logits, end_logits = self.forward(pad_windows([window]))
            starts.append(start_logits[0])
            ends.append(end_logits[0])
        return starts, ends


def _graph_forward(weights_dir: Path, weights_sha256: str, int8: bool) -> Forward:
    """The reader's cached graph (exported from the weights on first use) as a Forward."""
    def export(out: Path) -> None:
        from qa.export import export_reader

        export_reader(weights_dir, out, int8)

    kind = f"reader-{'int8' if int8 else 'fp32'}-{GRAPH_VERSION}"
    session = inference_session(cached_graph(kind, weights_sha256, export))
    names = [graph_input.name for graph_input in session.get_inputs()]
    return lambda arrays: tuple(session.run(None, {name: arrays[name] for name in names}))


@lru_cache(maxsize=1)
def shared_reader() -> SpanReader:
    """The process's one reader over the shipped weights, shared by every assistant."""
    return SpanReader()
