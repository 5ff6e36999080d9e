"""Imports every primitive module so that each registers its algorithms.

Add one import line per module of ``smimelib.crypto`` that calls ``register``.
"""

from __future__ import annotations

from smimelib.crypto import ciphers as ciphers
from smimelib.crypto import digests as digests
from smimelib.crypto import kdf as kdf
from smimelib.crypto import keyagreement as keyagreement
from smimelib.crypto import keytransport as keytransport
from smimelib.crypto import keywrap as keywrap
from smimelib.crypto import legacy as legacy
from smimelib.crypto import pbe as pbe
from smimelib.crypto import signatures as signatures
