"""A SIGALRM hang guard for hostile-input tests.

It turns a hang into a failure; it bounds runaway work, it does not measure speed.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HANG_SECONDS = 10


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    def _alarm(signum: int, frame: Any) -> None:
        raise AssertionError(f"did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
