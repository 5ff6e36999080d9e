"""Access to the project's test vectors (see vectors/README.md for provenance)."""

from __future__ import annotations

from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def vector_path(relative: str) -> Path:
    """Path of a vector file, relative to ``vectors/``; fails loudly when missing."""
    path = VECTORS / relative
    if not path.exists():
        raise FileNotFoundError(f"test vector {relative} is missing from vectors/")
    return path


def load_vector(relative: str) -> bytes:
    """The bytes of a vector file, relative to ``vectors/``."""
    return vector_path(relative).read_bytes()
