"""Training survives a stopped session: a run stopped mid-epoch and resumed ends where an
uninterrupted run ends, weight for weight; the data files are recorded with their sha256."""

import json
import subprocess
import sys

import pytest
from safetensors.torch import load_file

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
