"""Span decoding: start/end logits of one window -> scored character spans of its context.

Scores are log-probabilities normalised within the window (start and end softmax over every
position, the [CLS] no-answer position included), so spans from different windows and
passages compare on one scale: a window that does not hold the answer puts its mass on
[CLS] and its spans score low.
"""

from __future__ import annotations

import numpy as np

from qa.text import is_invisible_control

MAX_ANSWER_TOKENS = 30
TOP_POSITIONS = 20
_EDGE_PUNCTUATION = ",;:!?\"'“”‘’()[]{}«»—–-/"


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def decode_window(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offsets: list[tuple[int, int] | None],
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
    top_n: int = 5,
    normalisers: tuple[float, float] | None = None,
) -> list[tuple[int, int, float]]:
    """Best (char_start, char_end, log_prob) spans over context tokens only, best first. Log-probs are
    normalised within the window, or by `normalisers` (log-sums shared by all of a question's windows)."""
    length = len(offsets)
    if normalisers is None:
        start_scores, end_scores = log_softmax(start_logits[:length]), log_softmax(end_logits[:length])
    else:
        start_scores, end_scores = start_logits[:length] - normalisers[0], end_logits[:length] - normalisers[1]
    context = np.array([offset is not None for offset in offsets])
    if not context.any():
        return []
    masked_start = np.where(context, start_scores, -np.inf)
    masked_end = np.where(context, end_scores, -np.inf)
    starts = np.argsort(-masked_start)[:TOP_POSITIONS]
    ends = np.argsort(-masked_end)[:TOP_POSITIONS]
    spans = []
    for i in starts:
        for j in ends:
            if context[i] and context[j] and i <= j < i + max_answer_tokens:
                spans.append((offsets[i][0], offsets[j][1], float(start_scores[i] + end_scores[j])))
    spans.sort(key=lambda span: -span[2])
    return spans[:top_n]


def shared_normalisers(start_logits: list[np.ndarray], end_logits: list[np.ndarray],
                       offsets: list[list[tuple[int, int] | None]]) -> tuple[float, float]:
    """log Σ exp(logit) over the context tokens of all of a question's windows, for starts and for ends
    (readers trained with shared normalisation: `qa.reader.as_read`)."""
    def log_sum(logits: list[np.ndarray]) -> float:
        values = np.concatenate([row[: len(o)][[x is not None for x in o]] for row, o in zip(logits, offsets)])
        if not values.size:
            return 0.0
        top = values.max()
        return float(top + np.log(np.exp(values - top).sum()))

    return log_sum(start_logits), log_sum(end_logits)


def no_answer_log_prob(start_logits: np.ndarray, end_logits: np.ndarray, length: int) -> float:
    """log P(start = [CLS]) + log P(end = [CLS]) for the window."""
    return float(log_softmax(start_logits[:length])[0] + log_softmax(end_logits[:length])[0])


def align_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to whole words, then trim whitespace, invisible controls and edge punctuation;
    (s, s) if nothing is left."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while start < end and _trimmed_at_edge(text[start]):
        start += 1
    while end > start and (_trimmed_at_edge(text[end - 1]) or _is_final_stop(text, start, end)):
        end -= 1
    return start, end


def _trimmed_at_edge(char: str) -> bool:
    return char.isspace() or char in _EDGE_PUNCTUATION or is_invisible_control(char)


def _is_final_stop(text: str, start: int, end: int) -> bool:
    """A trailing full stop ends the sentence, unless it closes an abbreviation such as U.S."""
    if text[end - 1] != ".":
        return False
    last_word = text[start : end - 1].split()[-1] if text[start : end - 1].split() else ""
    return "." not in last_word
