"""Private parts of :mod:`smimelib.message`: writing (``build``), peeling (``opener``),
the strict From parser (``address``) and cipher choice (``capabilities``)."""
