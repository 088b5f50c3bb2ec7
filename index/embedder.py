"""Sentence embeddings with sentence-transformers; the bundled all-MiniLM-L6-v2 by default."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from qa.reader.network import BUNDLED_ENCODER_SHA256, bundled_encoder_dir, quiet_loading

DEFAULT_MODEL = "all-MiniLM-L6-v2 (bundled)"


class Embedder:
    """Turns texts into unit-length float32 vectors. The model loads on first use."""

    def __init__(self, model: str | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
        self._model = None

    @property
    def identity(self) -> str:
        """What an index records to know which model made its vectors."""
        if self.model_name == DEFAULT_MODEL:
            return f"{DEFAULT_MODEL} sha256:{BUNDLED_ENCODER_SHA256}"
        return str(Path(self.model_name).resolve()) if Path(self.model_name).exists() else self.model_name

    def warm_up(self) -> None:
        """Load the model (verifying the bundled weights)."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            source = str(bundled_encoder_dir()) if self.model_name == DEFAULT_MODEL else self.model_name
            with quiet_loading():
                self._model = SentenceTransformer(source, device="cpu")

    @property
    def dimension(self) -> int:
        self.warm_up()
        return self._model.get_embedding_dimension()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-normalised embeddings, one row per text."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=show_progress
        )
        return vectors.astype(np.float32)


def offline_by_default() -> None:
    """Never reach a model hub unless the user asked for it (HF_HUB_OFFLINE=0)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
