"""Torch -> ONNX export of the reader and the sentence encoder, fused for ONNX Runtime.

Runs once per weights (`qa.runtime.cached_graph` calls it); it is the one place answering
needs torch and transformers, and only when no cached graph exists yet.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import torch

from qa.reader.network import load_reader_network, quiet_loading

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class SentenceEncoder(torch.nn.Module):
    """A BERT encoder with sentence-transformers' mean pooling and unit normalisation on top."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids):
        tokens = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2, dim=1)


def export_reader(weights_dir: Path, out: Path, int8: bool = False) -> None:
    """The shipped reader (weights verified) as a fused graph: start and end logits per token.

    With `int8`, the weights of its matrix products are quantised per output channel (dynamic
    int8 activations): warm `ask` 1.4x faster on this CPU, for 0.2 gold-paragraph F1 on 1,000 SQuAD
    dev questions (README, "Speed"). Per-tensor int8 had lost 4-5 F1.
    """
    record = json.loads((weights_dir / "training.json").read_text(encoding="utf-8"))
    network = load_reader_network(weights_dir / "reader.safetensors", record["weights_sha256"])
    _export(network, {"start_logits": ("batch", "tokens"), "end_logits": ("batch", "tokens")}, network.config, out)
    if int8:
        _quantise_matrix_products(out)


def export_encoder(encoder_dir: Path, out: Path) -> None:
    """A sentence-transformers BERT model (mean pooling, normalised) as a fused graph: one vector per text."""
    from transformers import AutoModel

    with quiet_loading():
        encoder = AutoModel.from_pretrained(str(encoder_dir), attn_implementation="eager", add_pooling_layer=False)
    _export(SentenceEncoder(encoder.eval()), {"embeddings": ("batch",)}, encoder.config, out)


def _export(module: torch.nn.Module, outputs: dict[str, tuple[str, ...]], config, out: Path) -> None:
    """Trace `module` on INPUTS (batch and length free), then fuse attention, GELU and layer norms."""
    from onnxruntime.transformers.optimizer import optimize_model

    example = torch.ones(1, 8, dtype=torch.long)
    plain = out.with_name(out.name + ".plain")
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {name: dict(enumerate(dims)) for name, dims in outputs.items()}
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer notes about Python control flow on shapes
            torch.onnx.export(module.eval(), (example, example, torch.zeros_like(example)), str(plain), dynamo=False,
                              input_names=list(INPUTS), output_names=list(outputs), dynamic_axes=axes, opset_version=17)
        fused = optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, use_gpu=False)
        fused.save_model_to_file(str(out))
    finally:
        plain.unlink(missing_ok=True)


def _quantise_matrix_products(graph: Path) -> None:
    """Per-channel int8 weights for the graph's matrix products, in place."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantised = graph.with_name(graph.name + ".int8")
    logging.disable(logging.WARNING)  # its advice to pre-process, which fused graphs do not need
    try:
        quantize_dynamic(str(graph), str(quantised), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
        quantised.replace(graph)
    finally:
        logging.disable(logging.NOTSET)
        quantised.unlink(missing_ok=True)
