"""Shared fixtures: a fake embedder for fast store tests, a tiny random reader, the seeds."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

from qa.eval.pdf_benchmark import make_layout_pdf, wrapped  # noqa: F401 (tests import them from here)
from qa.runtime import cache_dir

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("QA_CACHE_DIR", str(cache_dir()))  # tests give each run its own QA_HOME; the graphs stay shared
SEEDS = REPO / "seeds"


class HashEmbedder:
    """Deterministic bag-of-words vectors: enough to test indexing bookkeeping in milliseconds."""

    identity = "hash-embedder-test"
    dimension = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def warm_up(self) -> None:
        pass

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.encoded += texts
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                matrix[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def tiny_reader():
    """A SpanReader around a 1-layer randomly initialised network and the real tokenizer."""
    import torch
    from transformers import BertConfig, BertForQuestionAnswering

    from qa.reader.windows import load_tokenizer
    from qa.reader.span_reader import SpanReader

    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    return SpanReader.from_network(BertForQuestionAnswering(config), load_tokenizer())


@pytest.fixture(scope="session")
def seeds_assistant(tmp_path_factory):
    """The real assistant (shipped reader, bundled embedder) over the seeds."""
    from qa import Assistant

    return Assistant.from_folder([SEEDS], tmp_path_factory.mktemp("seeds-index"))


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF whose pages carry the given lines as a Helvetica text layer, one line
    every 28 points (a page with no lines has no text at all, like a scan)."""
    return make_layout_pdf([[(72, 720 - 28 * number, line) for number, line in enumerate(lines)] for lines in pages])
