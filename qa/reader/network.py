"""The span reader network: a start/end head on a BERT encoder, the bundled all-MiniLM-L6-v2 by default.

On the bundled base only what training changes is shipped: every tensor except the
token-embedding matrix, which stays frozen and is taken from the bundled encoder at load
time. On another base (`train.py --base`) every tensor is shipped, with its config.json beside
the weights, and the network is built from that config.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForQuestionAnswering
from transformers.utils import logging as transformers_logging

from qa.errors import ModelIntegrityError
from qa.integrity import bundled_encoder_dir, sha256_of, verify_file

FROZEN_TENSORS = ("bert.embeddings.word_embeddings.weight",)


@contextmanager
def quiet_loading() -> Iterator[None]:
    """No load reports or progress bars from transformers while loading a known local model."""
    verbosity = transformers_logging.get_verbosity()
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(verbosity)
        if bars:
            transformers_logging.enable_progress_bar()


def as_tensors(arrays: dict, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """Numpy model inputs (`windows.pad_windows`) as torch tensors on `device`."""
    return {name: torch.from_numpy(array).to(device) for name, array in arrays.items()}


def numpy_forward(network: torch.nn.Module):
    """`network` as a function from numpy inputs to numpy (start logits, end logits)."""
    @torch.inference_mode()
    def forward(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        output = network(**as_tensors(arrays))
        return output.start_logits.float().numpy(), output.end_logits.float().numpy()
    return forward


def new_reader_network(encoder_dir: Path | None = None, attention: str = "sdpa") -> torch.nn.Module:
    """Encoder weights from the base (the bundled model by default) plus a freshly initialised
    start/end head (two outputs, whatever head the base was trained with). A trained reader's folder
    (config.json and reader.safetensors, as `qa.reader.train` writes) continues from that reader,
    head included, in float32."""
    if encoder_dir is not None and (Path(encoder_dir) / "reader.safetensors").is_file():
        return _holding(_network_of(Path(encoder_dir), attention), Path(encoder_dir) / "reader.safetensors", frozen=())
    with quiet_loading():  # the new head is expected, not worth a load report
        return AutoModelForQuestionAnswering.from_pretrained(str(encoder_dir or bundled_encoder_dir()), num_labels=2,
                                                             attn_implementation=attention)


def save_trained_tensors(model: torch.nn.Module, path: Path, frozen: tuple[str, ...] = FROZEN_TENSORS) -> str:
    """Store every tensor except the `frozen` ones, in fp16; return the file's sha256."""
    tensors = {
        name: tensor.detach().to("cpu", torch.float16).contiguous()
        for name, tensor in model.state_dict().items()
        if name not in frozen
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path))
    return sha256_of(path)


def load_reader_network(weights: Path, expected_sha256: str, encoder_dir: Path | None = None) -> torch.nn.Module:
    """The trained reader: the shipped (verified) tensors over the bundled encoder, or, when a
    config.json lies beside them, a network built from it holding every shipped tensor. Its
    attention is the plain ("eager") one, whose pattern ONNX Runtime fuses after export."""
    verify_file(weights, expected_sha256)
    if (weights.parent / "config.json").is_file():
        return _holding(_network_of(weights.parent, "eager"), weights, frozen=()).eval()
    return _holding(new_reader_network(encoder_dir, attention="eager"), weights, FROZEN_TENSORS).eval()


def _network_of(folder: Path, attention: str) -> torch.nn.Module:
    """The (untrained, float32) network that the folder's config.json describes."""
    return AutoModelForQuestionAnswering.from_config(AutoConfig.from_pretrained(str(folder)), attn_implementation=attention)


def _holding(model: torch.nn.Module, weights: Path, frozen: tuple[str, ...]) -> torch.nn.Module:
    """The model with the stored tensors loaded (in float32); every tensor but the `frozen` must be there."""
    trained = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
    missing, unexpected = model.load_state_dict(trained, strict=False)
    if unexpected or set(missing) - set(frozen):
        raise ModelIntegrityError(f"{weights.name} does not match the reader network; reinstall the package")
    return model
