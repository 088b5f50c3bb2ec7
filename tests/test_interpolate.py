"""Weight interpolation between two readers (qa.reader.interpolate)."""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from qa.integrity import sha256_of
from qa.reader.interpolate import interpolate


def _reader(folder, tensors, normalisation):
    folder.mkdir()
    save_file(tensors, str(folder / "reader.safetensors"))
    (folder / "config.json").write_text(json.dumps({"hidden_size": 2, "of": folder.name}))
    (folder / "training.json").write_text(json.dumps({"normalisation": normalisation, "weights_sha256": "x"}))
    return folder


@pytest.fixture
def readers(tmp_path):
    first = _reader(tmp_path / "first", {"w": torch.tensor([0.0, 2.0], dtype=torch.float16)}, "window")
    second = _reader(tmp_path / "second", {"w": torch.tensor([4.0, -2.0], dtype=torch.float16)}, "shared")
    return first, second


def test_mixes_every_tensor_by_the_share_and_records_both(readers, tmp_path):
    first, second = readers
    sha = interpolate(first, second, 0.25, tmp_path / "out")
    mixed = load_file(str(tmp_path / "out" / "reader.safetensors"))["w"]
    assert mixed.dtype == torch.float16 and mixed.tolist() == [1.0, 1.0]
    record = json.loads((tmp_path / "out" / "training.json").read_text())
    assert record["weights_sha256"] == sha == sha256_of(tmp_path / "out" / "reader.safetensors")
    assert record["normalisation"] == "shared"  # the second reader's record is kept
    assert record["interpolated"]["share_of_second"] == 0.25
    assert record["interpolated"]["first"]["weights_sha256"] == sha256_of(first / "reader.safetensors")
    assert json.loads((tmp_path / "out" / "config.json").read_text())["of"] == "second"


def test_share_zero_is_the_first_reader(readers, tmp_path):
    first, second = readers
    interpolate(first, second, 0.0, tmp_path / "out")
    assert torch.equal(load_file(str(tmp_path / "out" / "reader.safetensors"))["w"], load_file(str(first / "reader.safetensors"))["w"])


def test_refuses_readers_of_other_shapes_or_a_share_outside_0_1(readers, tmp_path):
    first, _ = readers
    other = _reader(tmp_path / "other", {"w": torch.zeros(3, dtype=torch.float16)}, "shared")
    with pytest.raises(ValueError, match="different tensors"):
        interpolate(first, other, 0.5, tmp_path / "out")
    with pytest.raises(ValueError, match="share"):
        interpolate(first, other, 1.5, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_leaves_a_folder_that_holds_anything_as_it_is(readers, tmp_path):
    first, second = readers
    out = tmp_path / "mine"
    out.mkdir()
    (out / "reader.safetensors").write_bytes(b"the user's own file")
    with pytest.raises(SystemExit, match="not an empty folder"):
        interpolate(first, second, 0.5, out)
    assert (out / "reader.safetensors").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in out.iterdir()) == ["reader.safetensors"]
