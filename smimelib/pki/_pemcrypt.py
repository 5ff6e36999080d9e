"""OpenSSL's "traditional" PEM encryption of private keys (legacy, read only).

Before PKCS#8 (RFC 5958) OpenSSL encrypted PKCS#1, SEC1 and DSA keys in place
and described the encryption with RFC 1421 section 4.6 headers::

    -----BEGIN RSA PRIVATE KEY-----
    Proc-Type: 4,ENCRYPTED
    DEK-Info: AES-128-CBC,01F6EE04516C912788B11BD7377626C2

The key is OpenSSL's ``EVP_BytesToKey`` with MD5, one iteration, and the
first 8 bytes of the IV as salt: ``D_i = MD5(D_{i-1} || password || salt)``
concatenated until the key length is reached. One unsalted-iteration MD5 is a
weak password hash, so the whole scheme needs a policy that allows weak
algorithms (``Policy.allow_weak``); 3DES also needs ``allow_legacy``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from Crypto.Cipher import AES, DES, DES3

from smimelib.crypto.algorithms import Policy
from smimelib.errors import DecodeError, PasswordError, PolicyError, UnsupportedAlgorithm

#: DEK-Info cipher name -> (pycryptodome module, key size, block size, needs allow_legacy).
#: Single DES is weak, and allow_weak is required for every cipher of this scheme anyway.
_CIPHERS: dict[str, tuple[Any, int, int, bool]] = {
    "AES-128-CBC": (AES, 16, 16, False),
    "AES-192-CBC": (AES, 24, 16, False),
    "AES-256-CBC": (AES, 32, 16, False),
    "DES-EDE3-CBC": (DES3, 24, 8, True),
    "DES-CBC": (DES, 8, 8, False),
}


def is_encrypted(headers: Mapping[str, str]) -> bool:
    """Whether RFC 1421 headers announce an encrypted block (``Proc-Type: 4,ENCRYPTED``)."""
    return "Proc-Type" in headers or "DEK-Info" in headers


def bytes_to_key(password: bytes, salt: bytes, size: int) -> bytes:
    """OpenSSL ``EVP_BytesToKey(EVP_md5(), ..., count=1)``: key bytes from a password."""
    out = b""
    block = b""
    while len(out) < size:
        block = hashlib.md5(block + password + salt, usedforsecurity=False).digest()
        out += block
    return out[:size]


def decrypt(
    headers: Mapping[str, str], data: bytes, password: bytes | None, policy: Policy, label: str
) -> bytes:
    """Decrypt the DER of a traditional encrypted PEM block.

    :raises DecodeError: malformed Proc-Type / DEK-Info headers or ciphertext length.
    :raises UnsupportedAlgorithm: a DEK-Info cipher other than AES-CBC, DES-EDE3-CBC, DES-CBC.
    :raises PolicyError: the policy refuses the weak key derivation or the cipher.
    :raises PasswordError: no password, or a wrong one (bad padding).
    """
    proc_type = headers.get("Proc-Type", "").replace(" ", "")
    if proc_type != "4,ENCRYPTED":
        raise UnsupportedAlgorithm(
            f"PEM block {label!r}: unsupported Proc-Type {proc_type!r} (expected '4,ENCRYPTED')"
        )
    dek_info = headers.get("DEK-Info")
    if dek_info is None:
        raise DecodeError(f"PEM block {label!r}: Proc-Type ENCRYPTED without DEK-Info")
    name, _, iv_hex = (part.strip() for part in dek_info.partition(","))
    spec = _CIPHERS.get(name.upper())
    if spec is None:
        raise UnsupportedAlgorithm(f"PEM block {label!r}: unsupported DEK-Info cipher {name!r}")
    module, key_size, block_size, legacy = spec
    try:
        iv = bytes.fromhex(iv_hex)
    except ValueError:
        raise DecodeError(f"PEM block {label!r}: DEK-Info IV is not hexadecimal") from None
    if len(iv) != block_size:
        raise DecodeError(
            f"PEM block {label!r}: DEK-Info IV is {len(iv)} bytes (expected {block_size})"
        )
    if not policy.allow_weak:
        raise PolicyError(
            "OpenSSL traditional PEM encryption derives its key with one MD5 iteration"
            " (EVP_BytesToKey) and is refused by policy (allow_weak to accept it)"
        )
    if legacy and not policy.allow_legacy:
        raise PolicyError(
            f"{name} is a legacy cipher refused by policy (allow_legacy to accept it)"
        )
    if password is None:
        raise PasswordError("key is encrypted; a password is required")
    if not data or len(data) % block_size:
        raise DecodeError(
            f"PEM block {label!r}: encrypted key of {len(data)} bytes is not a whole number"
            f" of {block_size}-byte blocks"
        )
    key = bytes_to_key(password, iv[:8], key_size)
    try:
        plaintext: bytes = module.new(key, module.MODE_CBC, iv).decrypt(data)
    except ValueError:
        # DES3 refuses keys that degenerate to single DES: no password yields one knowingly.
        raise PasswordError("wrong password for the encrypted key") from None
    pad = plaintext[-1]
    if not 1 <= pad <= block_size or plaintext[-pad:] != bytes([pad]) * pad:
        raise PasswordError("wrong password for the encrypted key")
    return plaintext[:-pad]
