"""Sentence embeddings: the bundled all-MiniLM-L6-v2 on ONNX Runtime by default.

The bundled model runs as a cached graph (`qa.runtime`; mean pooling and normalisation
inside), fed by its own tokenizer in batches of texts of similar length, so little compute goes
to padding. A model given by path loads with sentence-transformers.

One Embedder per model is shared by every assistant in a process (`shared_embedder`): the
model loads once, and a lock lets only one thread at a time run it, so calls never collide in
the tokenizer. Indexing embeds in small batches, so a question waits at most one batch.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.errors import ModelIntegrityError
from qa.integrity import BUNDLED_ENCODER_SHA256, bundled_encoder_dir
from qa.runtime import cached_graph, inference_session

DEFAULT_MODEL = "all-MiniLM-L6-v2 (bundled)"
BATCH_SIZE = 32
MAX_TOKENS = 256  # the bundled model's max_seq_length: longer texts are cut, as sentence-transformers does
GRAPH_KIND = "minilm-l6-v1"


class Embedder:
    """Turns texts into unit-length float32 vectors. The model loads on first use."""

    def __init__(self, model: str | None = None, threads: int | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
        self.threads = threads  # CPU threads the model may use (default: every core)
        self._model = None
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        """What an index records to know which model made its vectors."""
        if self.model_name == DEFAULT_MODEL:
            return f"{DEFAULT_MODEL} sha256:{BUNDLED_ENCODER_SHA256}"
        return str(Path(self.model_name).resolve()) if Path(self.model_name).exists() else self.model_name

    def check(self) -> None:
        """ModelIntegrityError now, before any slow work, if a model given by path is not there."""
        if self.model_name != DEFAULT_MODEL and not Path(self.model_name).is_dir() and os.environ.get("HF_HUB_OFFLINE") != "0":
            raise ModelIntegrityError(f"embedding model {self.model_name!r} is not a folder here; give the path of a "
                                      "sentence-transformers model folder (no model hub is reached), or leave out --model")

    def warm_up(self) -> None:
        """Load the model (verifying the bundled weights)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()

    def _load(self):
        self.check()
        if self.model_name == DEFAULT_MODEL:
            return BundledEncoder(self.threads)
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)

        from qa.reader.network import quiet_loading

        try:
            with quiet_loading():
                return SentenceTransformer(self.model_name, device="cpu")
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise ModelIntegrityError(f"embedding model {self.model_name!r} cannot be loaded "
                                      f"({type(error).__name__}); give a sentence-transformers model folder") from None

    @property
    def dimension(self) -> int:
        self.warm_up()
        return self._model.get_embedding_dimension()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-normalised embeddings, one row per text."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=show_progress)
        return vectors.astype(np.float32)


class BundledEncoder:
    """all-MiniLM-L6-v2 as an ONNX Runtime graph, with sentence-transformers' `encode` signature."""

    def __init__(self, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        model_dir = bundled_encoder_dir()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

        def export(out: Path) -> None:
            from qa.export import export_encoder

            export_encoder(model_dir, out)

        self.session = inference_session(cached_graph(GRAPH_KIND, BUNDLED_ENCODER_SHA256, export), threads)

    def get_embedding_dimension(self) -> int:
        return self.session.get_outputs()[0].shape[-1]

    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool = False, **_) -> np.ndarray:
        """Embeddings in input order; texts are batched by token count, longest first."""
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        vectors = np.zeros((len(texts), self.get_embedding_dimension()), dtype=np.float32)
        batches = range(0, len(order), batch_size)
        for begin in tqdm(batches, desc="embedding", unit="batch", disable=not show_progress_bar):
            rows = order[begin : begin + batch_size]
            ids = np.zeros((len(rows), len(encodings[rows[0]].ids)), dtype=np.int64)
            for line, row in enumerate(rows):
                ids[line, : len(encodings[row].ids)] = encodings[row].ids
            feeds = {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64), "token_type_ids": np.zeros_like(ids)}
            vectors[rows] = self.session.run(None, feeds)[0]
        return vectors


@lru_cache(maxsize=4)
def shared_embedder(model: str | None = None) -> Embedder:
    """The process's one Embedder for this model."""
    return Embedder(model)
