"""Sentence embeddings with sentence-transformers; the bundled all-MiniLM-L6-v2 by default.

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

from qa.errors import ModelIntegrityError
from qa.reader.network import BUNDLED_ENCODER_SHA256, bundled_encoder_dir, quiet_loading

DEFAULT_MODEL = "all-MiniLM-L6-v2 (bundled)"
BATCH_SIZE = 32


class Embedder:
    """Turns texts into unit-length float32 vectors. The model loads on first use."""

    def __init__(self, model: str | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
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
        from sentence_transformers import SentenceTransformer

        self.check()
        source = str(bundled_encoder_dir()) if self.model_name == DEFAULT_MODEL else self.model_name
        try:
            with quiet_loading():
                return SentenceTransformer(source, device="cpu")
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


@lru_cache(maxsize=4)
def shared_embedder(model: str | None = None) -> Embedder:
    """The process's one Embedder for this model."""
    return Embedder(model)
