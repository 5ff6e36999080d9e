"""Independent peers (OpenSSL CLI, ...) used by interop tests.

A missing peer skips its tests locally with a reason; under CI (``CI`` set in
the environment) a missing peer fails the test instead, because .ci/run
installs every peer and a skipped interop test would hide a regression.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """Path of an external tool; skip (locally) or fail (CI) when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = f"interop peer {name!r} is not installed"
        if in_ci():
            pytest.fail(message + " (CI must install it)")
        pytest.skip(message)
    return path


def openssl(
    args: Sequence[str | Path],
    *,
    input: bytes | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run the OpenSSL CLI; on failure the test fails with OpenSSL's stderr."""
    exe = require_tool("openssl")
    proc = subprocess.run(
        [exe, *map(str, args)], input=input, capture_output=True, cwd=cwd, timeout=120
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"openssl {' '.join(map(str, args))} failed ({proc.returncode}):\n"
            + proc.stderr.decode(errors="replace")
        )
    return proc
