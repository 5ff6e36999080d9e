"""Private modules of the ``smime`` command (see :mod:`smimelib.cli`)."""
