"""smimelib: CMS (RFC 5652) and S/MIME 4.0 (RFC 8551) in pure Python."""

from __future__ import annotations

from smimelib.errors import (
    CertificateError,
    DecodeError,
    DecryptionError,
    LimitExceeded,
    PasswordError,
    PathValidationError,
    PolicyError,
    SignatureError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "CertificateError",
    "DecodeError",
    "DecryptionError",
    "LimitExceeded",
    "PasswordError",
    "PathValidationError",
    "PolicyError",
    "SignatureError",
    "SmimeError",
    "UnsupportedAlgorithm",
    "UsageError",
    "__version__",
]
