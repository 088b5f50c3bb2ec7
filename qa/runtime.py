"""ONNX Runtime graphs of the models: exported once from their weights, cached, sha256-checked.

Answering runs these graphs, so it imports neither torch nor transformers. The first use of a
model's weights exports its graph (`qa.export`, which needs torch) into the cache folder
(`$QA_CACHE_DIR`, else `home_dir()`), named after the weights' sha256; the
graph's own sha256 is recorded beside it and checked at every load, and a damaged or missing
graph is exported again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import onnxruntime

from qa.integrity import sha256_of


def home_dir() -> Path:
    """Where the assistant keeps what it makes (the seeds index, model graphs): $QA_HOME, else
    the user's cache folder (~/.cache/qa-assistant)."""
    return Path(os.environ.get("QA_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa-assistant")


def cache_dir() -> Path:
    """Where exported graphs are kept: $QA_CACHE_DIR (to share them between homes), else the home folder."""
    return Path(os.environ.get("QA_CACHE_DIR") or home_dir())


def cached_graph(kind: str, source_sha256: str, export: Callable[[Path], None]) -> Path:
    """The graph made from weights with this sha256, exported first when missing or damaged."""
    folder = cache_dir() / "graphs"
    path = folder / f"{kind}-{source_sha256[:16]}.onnx"
    record = path.with_name(path.name + ".sha256")
    if path.is_file() and record.is_file() and sha256_of(path) == record.read_text(encoding="utf-8").strip():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{path.name}.{os.getpid()}"
    print(f"preparing the {kind} graph for ONNX Runtime in {folder} (once per machine; tens of seconds)",
          file=sys.stderr, flush=True)
    try:
        export(staging)
        digest = sha256_of(staging)
        os.replace(staging, path)  # atomic: a reader never sees half a graph
    finally:
        staging.unlink(missing_ok=True)
    record.write_text(digest, encoding="utf-8")
    return path


def inference_session(path: Path, threads: int | None = None) -> onnxruntime.InferenceSession:
    """A CPU session with every graph optimisation, on `threads` cores (default: all), quiet, not spinning when idle."""
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.log_severity_level = 3  # errors only
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the CPU to others
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
