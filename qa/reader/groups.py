"""A question's windows read together: the loss that trains them as one, and a small file of them.

`group_loss` adds, to the usual per-window loss (a window without the answer points at [CLS]),
one softmax over the context tokens of all of a question's windows together ("shared
normalisation"), so span scores compare across passages. A reader trained so records
`"normalisation": "shared"` and is decoded that way (`qa.reader.decode`).

A pack (`write_pack`) holds a run's groups in a file about 1/40 of their pickle: token ids
as uint16, compressed (overlapping windows repeat most tokens). Training reads nothing else from
it, so a run can train on a machine without the data sets, the retriever or the embedding model
(a lent GPU: `qa/reader/train_on_gpu.sh`). Only the windows' token ids, their question length
and the answer spans are kept; character offsets are not needed to train.
"""

from __future__ import annotations

import json
import lzma
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from qa.owned import replace_atomically
from qa.reader.network import as_tensors
from qa.reader.windows import Window, pad_windows

@dataclass(frozen=True)
class Group:
    """All windows the reader reads for one question, with the answer's token span in each ((0, 0): none)."""

    windows: tuple[Window, ...]
    spans: tuple[tuple[int, int], ...]



def group_loss(start_logits: torch.Tensor, end_logits: torch.Tensor, attention: torch.Tensor, context: torch.Tensor,
               spans: torch.Tensor, group_of_row: list[int]) -> torch.Tensor:
    """Per-window cross-entropy (answer span, or [CLS] for none) plus one shared-normalised
    cross-entropy per answerable question over the context tokens of all its windows (an unanswerable
    question's windows learn [CLS] from the first term alone)."""
    padded = attention == 0
    start_logits, end_logits = start_logits.masked_fill(padded, -1e4), end_logits.masked_fill(padded, -1e4)
    per_window = (F.cross_entropy(start_logits, spans[:, 0]) + F.cross_entropy(end_logits, spans[:, 1])) / 2
    shared = []
    for group in sorted(set(group_of_row)):
        rows = torch.tensor([row for row, g in enumerate(group_of_row) if g == group])
        if not bool((spans[rows] > 0).any()):
            continue
        mask = context[rows]
        for logits, column in ((start_logits, 0), (end_logits, 1)):
            gold = torch.zeros_like(mask)
            has_span = spans[rows, column] > 0
            gold[has_span.nonzero().flatten(), spans[rows, column][has_span]] = True
            every = logits[rows][mask]
            shared.append(torch.logsumexp(every, 0) - torch.logsumexp(logits[rows][gold & mask], 0))
    return per_window + torch.stack(shared).mean() if shared else per_window


def collate_groups(groups: list[Group], device: torch.device) -> tuple[dict[str, torch.Tensor], dict]:
    """Model inputs for the groups' windows, and what `group_loss` needs besides the logits."""
    windows = [window for group in groups for window in group.windows]
    batch = as_tensors(pad_windows(windows), device)
    width = batch["input_ids"].shape[1]
    context = torch.tensor([[offset is not None for offset in w.context_offsets] + [False] * (width - len(w.input_ids)) for w in windows])
    labels = {
        "attention": batch["attention_mask"], "context": context.to(device),
        "spans": torch.tensor([span for group in groups for span in group.spans]).to(device),
        "group_of_row": [number for number, group in enumerate(groups) for _ in group.windows],
    }
    return batch, labels


PACK_MAGIC = b"qa-assistant packed training groups v1\n"  # marks a pack this project wrote


def write_pack(path: Path, groups: list[Group], record: dict) -> None:
    """The groups, with `record` (JSON: how they were made), as one compressed file."""
    lengths, questions, spans, sizes, ids = [], [], [], [], []
    for group in groups:
        sizes.append(len(group.windows))
        for window, span in zip(group.windows, group.spans):
            asked = window.input_ids.index(window.input_ids[-1])  # the first [SEP] ends the question
            if _rebuilt(window.input_ids, asked).context_offsets != [o and (0, 0) for o in window.context_offsets] \
                    or window.token_type_ids != [0] * (asked + 1) + [1] * (len(window.input_ids) - asked - 1):
                raise ValueError("a window is not [CLS] question [SEP] context [SEP]: it cannot be packed")
            lengths.append(len(window.input_ids))
            questions.append(asked)
            spans.append(span)
            ids += window.input_ids
    arrays = [np.array(sizes, np.uint32), np.array(lengths, np.uint16), np.array(questions, np.uint16),
              np.array(spans, np.uint16).reshape(-1, 2), np.array(ids, np.uint16)]
    header = json.dumps({"record": record, "shapes": [list(a.shape) for a in arrays]}).encode()
    body = b"".join(a.tobytes() for a in arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    packed = PACK_MAGIC + len(header).to_bytes(8, "little") + header + lzma.compress(body, preset=6)
    replace_atomically(path, lambda file: file.write(packed))  # a write cut short leaves the old file, not half a pack


def is_pack(path: Path) -> bool:
    """Whether `path` is a plain file that `write_pack` wrote (the only kind a pack may replace)."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(len(PACK_MAGIC)) == PACK_MAGIC


def read_pack(path: Path) -> tuple[list[Group], dict]:
    """(the groups, the record) of a pack that `write_pack` wrote."""
    if not is_pack(path):
        raise SystemExit(f"{path} is not a pack of training groups this project wrote")
    raw, at = path.read_bytes(), len(PACK_MAGIC)
    size = int.from_bytes(raw[at : at + 8], "little")
    header = json.loads(raw[at + 8 : at + 8 + size])
    body, arrays = lzma.decompress(raw[at + 8 + size :]), []
    for shape, dtype in zip(header["shapes"], (np.uint32, np.uint16, np.uint16, np.uint16, np.uint16)):
        count = int(np.prod(shape))
        arrays.append(np.frombuffer(body, dtype, count).reshape(shape))
        body = body[count * np.dtype(dtype).itemsize :]
    sizes, lengths, questions, spans, ids = arrays
    windows, at = [], 0
    for length, asked in zip(lengths.tolist(), questions.tolist()):
        windows.append(_rebuilt(ids[at : at + length].tolist(), asked))
        at += length
    groups, first = [], 0
    for size in sizes.tolist():
        groups.append(Group(tuple(windows[first : first + size]), tuple(map(tuple, spans[first : first + size].tolist()))))
        first += size
    return groups, header["record"]


def _rebuilt(input_ids: list[int], asked: int) -> Window:
    """The window of these token ids whose question ends at position `asked` (its [SEP]): the context
    tokens are those between the two [SEP]s, with placeholder offsets (training needs only which they are)."""
    n = len(input_ids)
    return Window(0, input_ids, [0] * (asked + 1) + [1] * (n - asked - 1),
                  [None] * (asked + 1) + [(0, 0)] * (n - asked - 2) + [None])
