"""Question + context pairs tokenised into overlapping windows that remember character offsets."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerFast

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


def tokenize_windows(
    tokenizer: PreTrainedTokenizerFast,
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
    questions = [capped[question] for question in questions]
    encoded = tokenizer(
        questions,
        contexts,
        truncation="only_second",
        max_length=max_tokens,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    windows = []
    for row, context_index in enumerate(encoded["overflow_to_sample_mapping"]):
        sequence_ids = encoded.sequence_ids(row)
        offsets = [
            (start, end) if sequence_id == 1 else None
            for sequence_id, (start, end) in zip(sequence_ids, encoded["offset_mapping"][row])
        ]
        windows.append(
            Window(
                context_index=context_index,
                input_ids=encoded["input_ids"][row],
                token_type_ids=encoded["token_type_ids"][row],
                context_offsets=offsets,
            )
        )
    return windows


def cap_question(tokenizer: PreTrainedTokenizerFast, question: str, max_tokens: int = MAX_QUESTION_TOKENS) -> str:
    """The question cut after its first `max_tokens` tokens (unchanged when shorter)."""
    offsets = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True, verbose=False)["offset_mapping"]
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


def pad_windows(windows: list[Window]) -> dict[str, torch.Tensor]:
    """Model inputs for a batch of windows, padded to the longest one."""
    width = max(len(window.input_ids) for window in windows)
    ids = torch.zeros(len(windows), width, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for row, window in enumerate(windows):
        n = len(window.input_ids)
        ids[row, :n] = torch.tensor(window.input_ids)
        types[row, :n] = torch.tensor(window.token_type_ids)
        mask[row, :n] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
