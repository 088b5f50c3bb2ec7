"""ONNX Runtime graphs: cached and checked, equal to the torch models they are exported from."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.runtime import cached_graph


def test_a_graph_is_exported_once_then_again_only_when_damaged(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    exports = []

    def export(out):
        exports.append(out)
        out.write_bytes(b"graph bytes")

    first = cached_graph("kind", "ab" * 32, export)
    assert "preparing the kind graph" in capsys.readouterr().err  # the wait is announced
    assert cached_graph("kind", "ab" * 32, export) == first and len(exports) == 1
    assert capsys.readouterr().err == ""
    first.write_bytes(b"graph bytez")  # damaged in place
    assert cached_graph("kind", "ab" * 32, export).read_bytes() == b"graph bytes" and len(exports) == 2
    assert cached_graph("kind", "cd" * 32, export) != first and len(exports) == 3  # other weights, other graph
    assert sorted(p.name for p in (tmp_path / "graphs").iterdir() if p.name.startswith(".")) == []  # no staging left


def test_a_failed_export_leaves_no_graph(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))

    def export(out):
        out.write_bytes(b"half a gra")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        cached_graph("kind", "ab" * 32, export)
    assert list((tmp_path / "graphs").iterdir()) == []


@pytest.mark.slow
def test_the_reader_graphs_give_the_torch_reader_s_logits_exactly_in_fp32_and_closely_in_int8(seed_texts):
    from qa.reader.network import load_reader_network, numpy_forward
    from qa.reader.span_reader import WEIGHTS_DIR, SpanReader
    from qa.reader.windows import pad_windows, tokenize_windows

    shipped, fp32 = SpanReader(), SpanReader(int8=False)
    shipped.warm_up()
    fp32.warm_up()
    record = json.loads((WEIGHTS_DIR / "training.json").read_text())
    torch_forward = numpy_forward(load_reader_network(WEIGHTS_DIR / "reader.safetensors", record["weights_sha256"]))
    text = next(iter(seed_texts.values()))
    windows = tokenize_windows(shipped.tokenizer, ["Who spoke to whom?", "When could Russia invade Ukraine?"], [text[:900], text[900:3000]])
    assert len(windows) >= 3
    for window in windows:
        inputs = pad_windows([window])
        theirs = torch_forward(inputs)
        for graph_logits, torch_logits in zip(fp32.forward(inputs), theirs):
            assert np.abs(graph_logits - torch_logits).max() < 1e-3
            assert graph_logits.argmax() == torch_logits.argmax()
        for int8_logits, torch_logits in zip(shipped.forward(inputs), theirs):
            assert np.corrcoef(int8_logits[0], torch_logits[0])[0, 1] > 0.99
            assert np.abs(int8_logits - torch_logits).max() < 2.0


@pytest.mark.slow
def test_the_encoder_graph_gives_sentence_transformers_vectors(seed_texts):
    from sentence_transformers import SentenceTransformer

    from qa.index.embedder import Embedder
    from qa.integrity import bundled_encoder_dir

    texts = [line for text in seed_texts.values() for line in text.splitlines() if line.strip()][:40] + ["", "x", "word " * 400]
    ours = Embedder().encode(texts)
    theirs = SentenceTransformer(str(bundled_encoder_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-4


@pytest.mark.slow
def test_answering_imports_neither_torch_nor_transformers(tmp_path, seed_texts):
    (tmp_path / "docs").mkdir()
    for name, text in seed_texts.items():
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qa import Assistant\n"
        f"answer = Assistant.from_folder([Path({str(tmp_path / 'docs')!r})]).ask('when could Russia invade?')\n"
        "assert answer.answer, answer\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'sentence_transformers')))\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)  # exports the graphs if needed
    assert first.returncode == 0, first.stderr
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "[]"
