"""Carry a training run's weights to a lent GPU machine and back, inside its 64 MiB each way.

    python -m qa.reader.transfer send READER_DIR FILE      # reader.safetensors + config.json, xz-compressed
    python -m qa.reader.transfer unpack FILE DIR           # there: the base folder again
    python -m qa.reader.transfer parts OUT_DIR PARTS_DIR   # there: the trained weights without the frozen tensors, in parts
    python -m qa.reader.transfer join PARTS_DIR BASE_DIR OUT_DIR   # here: the run's weights, byte for byte

The base is a reader folder (`train.py --base`); its token-embedding matrix stays frozen in training
and holds few distinct values (the dequantised int8 base), so the whole file compresses to 70 %.
The trained weights come back without that matrix (`network.FROZEN_TENSORS`) in parts of at most
15 MB, and `join` puts the base's matrix back: the file written is the run's own, which `join` checks
against the sha256 in the run's training.json. Nothing is ever replaced: each verb writes only a file
that is not there yet, or into a folder that is new or empty, and stops otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import tarfile
from pathlib import Path

from safetensors.numpy import load, load_file, save, save_file

from qa.integrity import sha256_of
from qa.owned import new_folder
from qa.reader.network import FROZEN_TENSORS

PART_BYTES = 15_000_000
CARRIED = ("reader.safetensors", "config.json", "training.json")


def send(reader_dir: Path, file: Path) -> None:
    """The reader folder's files in one xz-compressed tar."""
    if file.exists() or file.is_symlink():
        raise SystemExit(f"{file} is there already; nothing was changed: give a new file name")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in CARRIED:
            if (reader_dir / name).is_file():
                tar.add(reader_dir / name, arcname=name)
    file.write_bytes(lzma.compress(buffer.getvalue(), preset=6))


def unpack(file: Path, folder: Path) -> None:
    """The reader folder that `send` packed."""
    new_folder(folder)
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(file.read_bytes())), mode="r") as tar:
        tar.extractall(folder, filter="data")


def parts(out_dir: Path, parts_dir: Path) -> None:
    """The run's trained tensors (all but the frozen ones) in numbered parts, with its config and record."""
    tensors = {name: t for name, t in load_file(str(out_dir / "reader.safetensors")).items() if name not in FROZEN_TENSORS}
    new_folder(parts_dir)
    data = save(tensors)
    for number, begin in enumerate(range(0, len(data), PART_BYTES)):
        (parts_dir / f"trained.part{number}").write_bytes(data[begin : begin + PART_BYTES])
    for name in ("config.json", "training.json"):
        (parts_dir / name).write_bytes((out_dir / name).read_bytes())


def join(parts_dir: Path, base_dir: Path, out_dir: Path) -> str:
    """The run's reader folder from its parts and the base's frozen tensors; the weights' sha256,
    checked against the run's record."""
    chunks = sorted(parts_dir.glob("trained.part*"), key=lambda p: int(p.name.removeprefix("trained.part")))
    new_folder(out_dir)
    tensors = load(b"".join(chunk.read_bytes() for chunk in chunks))
    base = load_file(str(base_dir / "reader.safetensors"))
    tensors.update({name: base[name] for name in FROZEN_TENSORS})
    save_file(tensors, str(out_dir / "reader.safetensors"))
    for name in ("config.json", "training.json"):
        (out_dir / name).write_bytes((parts_dir / name).read_bytes())
    expected = json.loads((parts_dir / "training.json").read_text())["weights_sha256"]
    found = sha256_of(out_dir / "reader.safetensors")
    if found != expected:
        raise SystemExit(f"the joined weights' sha256 {found} is not the run's {expected}: was the base the run's own?")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb, names in (("send", ("reader_dir", "file")), ("unpack", ("file", "folder")), ("parts", ("out_dir", "parts_dir")),
                        ("join", ("parts_dir", "base_dir", "out_dir"))):
        command = verbs.add_parser(verb)
        for name in names:
            command.add_argument(name, type=Path)
    args = vars(parser.parse_args())
    verb = args.pop("verb")
    result = {"send": send, "unpack": unpack, "parts": parts, "join": join}[verb](**args)
    if result:
        print(f"joined: sha256 {result}")


if __name__ == "__main__":
    main()
