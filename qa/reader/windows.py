"""Question + context pairs tokenised into overlapping windows that remember character offsets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from qa.integrity import bundled_encoder_dir

MAX_TOKENS = 192
STRIDE = 64
MAX_QUESTION_TOKENS = 64  # leaves 125 context tokens per window, well over STRIDE


@dataclass(frozen=True)
class Window:
    """One model input: token ids plus, for each context token, its (start, end) in the context."""

    context_index: int
    input_ids: list[int]
    token_type_ids: list[int]
    context_offsets: list[tuple[int, int] | None]  # None for question, special and padding tokens


def load_tokenizer(encoder_dir: Path | None = None) -> Tokenizer:
    """The encoder's WordPiece tokenizer (`tokenizer.json`; it gives character offsets), unpadded; the
    bundled one for a folder without its own (a trained reader reads with the bundled vocabulary)."""
    own = Path(encoder_dir) / "tokenizer.json" if encoder_dir else None
    tokenizer = Tokenizer.from_file(str(own if own and own.is_file() else bundled_encoder_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def tokenize_windows(
    tokenizer: Tokenizer,
    questions: list[str],
    contexts: list[str],
    max_tokens: int = MAX_TOKENS,
    stride: int = STRIDE,
) -> list[Window]:
    """Tokenise each (question, context) pair; long contexts overflow into overlapping windows.

    Questions are cut to MAX_QUESTION_TOKENS first, so however long a question is, every
    window keeps room for the context.
    """
    capped = {question: cap_question(tokenizer, question) for question in set(questions)}  # one per distinct question
    tokenizer.enable_truncation(max_tokens, stride=stride, strategy="only_second")
    try:
        encoded = tokenizer.encode_batch([(capped[question], context) for question, context in zip(questions, contexts)])
    finally:
        tokenizer.no_truncation()
    windows = []
    for context_index, first in enumerate(encoded):
        for part in [first, *first.overflowing]:
            offsets = [offset if sequence_id == 1 else None for sequence_id, offset in zip(part.sequence_ids, part.offsets)]
            windows.append(Window(context_index, part.ids, part.type_ids, offsets))
    return windows


def cap_question(tokenizer: Tokenizer, question: str, max_tokens: int = MAX_QUESTION_TOKENS) -> str:
    """The question cut after its first `max_tokens` tokens (unchanged when shorter)."""
    offsets = tokenizer.encode(question, add_special_tokens=False).offsets
    return question if len(offsets) <= max_tokens else question[: offsets[max_tokens - 1][1]]


def answer_token_span(window: Window, answer_start: int, answer_end: int) -> tuple[int, int]:
    """Token positions of a character span inside the window, or (0, 0) when it is not wholly inside."""
    inside = [(position, offset) for position, offset in enumerate(window.context_offsets) if offset]
    if not inside or inside[0][1][0] > answer_start or inside[-1][1][1] < answer_end:
        return 0, 0
    start_token = next(position for position, (_, end) in inside if end > answer_start)
    end_token = max(position for position, (start, _) in inside if start < answer_end)
    if end_token < start_token:
        return 0, 0
    return start_token, end_token


def pad_windows(windows: list[Window]) -> dict[str, np.ndarray]:
    """Model inputs (int64) for a batch of windows, padded to the longest one."""
    width = max(len(window.input_ids) for window in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for row, window in enumerate(windows):
        n = len(window.input_ids)
        ids[row, :n] = window.input_ids
        types[row, :n] = window.token_type_ids
        mask[row, :n] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
