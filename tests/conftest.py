"""Shared fixtures: a fake embedder for fast store tests, a tiny random reader, the seeds."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

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
    """A minimal valid PDF whose pages carry the given lines as a Helvetica text layer
    (a page with no lines has no text at all, like a scan)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
        stream = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"({line}) Tj T*" for line in escaped) + " ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{content}\nendobj\n".encode("latin-1")
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body
