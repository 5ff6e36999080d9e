"""``python -m smimelib``: the ``smime`` command (see :mod:`smimelib.cli`)."""

from __future__ import annotations

import sys

from smimelib.cli import main

sys.exit(main())
