"""Algorithm registry and primitives over pycryptodome.

* :mod:`smimelib.crypto.algorithms` -- the registry (OID -> algorithm, policy flags)
  and :class:`Policy`;
* :mod:`smimelib.crypto.keys` -- public and private key values;
* :mod:`smimelib.crypto.digests`, :mod:`~smimelib.crypto.signatures`,
  :mod:`~smimelib.crypto.keytransport`, :mod:`~smimelib.crypto.keyagreement`,
  :mod:`~smimelib.crypto.kdf`, :mod:`~smimelib.crypto.keywrap`,
  :mod:`~smimelib.crypto.ciphers`, :mod:`~smimelib.crypto.pbe` -- the primitives;
* :mod:`smimelib.crypto.legacy` -- decrypt-only legacy ciphers (3DES, DES, RC2).

These are building blocks for the CMS layer; applications normally use the
message API instead.
"""

from __future__ import annotations

from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    LEGACY_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Policy,
    Use,
    all_algorithms,
    lookup,
    lookup_name,
)
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key

__all__ = [
    "DEFAULT_POLICY",
    "LEGACY_POLICY",
    "AlgorithmInfo",
    "Flag",
    "KeyType",
    "Kind",
    "Policy",
    "PrivateKey",
    "PublicKey",
    "Use",
    "all_algorithms",
    "generate_private_key",
    "lookup",
    "lookup_name",
]
