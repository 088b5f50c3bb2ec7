"""Weight interpolation between two readers of one architecture (WiSE-FT, Wortsman et al. 2022):
`(1 - share) * first + share * second`, tensor by tensor. A retrained reader mixed with the one it
continued from keeps part of what it learnt and part of what the other knew.

    python -m qa.reader.interpolate FIRST_DIR SECOND_DIR --share 0.5 --out DIR
"""

import argparse
import json
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from qa.integrity import sha256_of
from qa.owned import new_folder

WEIGHTS = "reader.safetensors"


def interpolate(first: Path, second: Path, share: float, out: Path) -> str:
    """Write the mixed weights into `out` (a new or empty folder), with the second reader's config.json and a training.json
    recording both readers and the share; return the weights' sha256."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must lie in [0, 1], not {share}")
    a, b = load_file(str(first / WEIGHTS)), load_file(str(second / WEIGHTS))
    if a.keys() != b.keys() or any(a[name].shape != b[name].shape for name in a):
        raise ValueError(f"{first} and {second} hold different tensors: not one architecture")
    mixed = {name: ((1 - share) * a[name].float() + share * b[name].float()).to(a[name].dtype).contiguous() for name in a}
    new_folder(out)
    save_file(mixed, str(out / WEIGHTS))
    shutil.copyfile(second / "config.json", out / "config.json")
    record = json.loads((second / "training.json").read_text())
    sha = sha256_of(out / WEIGHTS)
    record.update({
        "interpolated": {"first": _named(first), "second": _named(second), "share_of_second": share},
        "weights_sha256": sha,
    })
    (out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    return sha


def _named(folder: Path) -> dict:
    """A reader folder as a record: its path and its weights' sha256."""
    return {"folder": str(folder), "weights_sha256": sha256_of(folder / WEIGHTS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path, help="a reader's folder (reader.safetensors)")
    parser.add_argument("second", type=Path, help="a reader of the same architecture; its config.json and training record are kept")
    parser.add_argument("--share", type=float, default=0.5, help="the second reader's share of every tensor")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(f"{args.out / WEIGHTS} sha256 {interpolate(args.first, args.second, args.share, args.out)}")


if __name__ == "__main__":
    main()
