"""smimelib: CMS (RFC 5652) and S/MIME 4.0 (RFC 8551) in pure Python."""

from __future__ import annotations

from smimelib.asn1 import AlgorithmIdentifier, Limits
from smimelib.crypto import (
    DEFAULT_POLICY,
    LEGACY_POLICY,
    KeyType,
    Policy,
    PrivateKey,
    PublicKey,
    generate_private_key,
)
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
from smimelib.pki import (
    PKCS12,
    Certificate,
    CertificateBuilder,
    Identity,
    Name,
    load_certificates,
    load_pkcs12,
    load_private_key,
    load_public_key,
    make_ca,
    make_smime_identity,
    private_key_to_pem,
    private_key_to_pkcs8,
    write_pkcs12,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "DEFAULT_POLICY",
    "LEGACY_POLICY",
    "PKCS12",
    "AlgorithmIdentifier",
    "Certificate",
    "CertificateBuilder",
    "CertificateError",
    "DecodeError",
    "DecryptionError",
    "Identity",
    "KeyType",
    "LimitExceeded",
    "Limits",
    "Name",
    "PasswordError",
    "PathValidationError",
    "Policy",
    "PolicyError",
    "PrivateKey",
    "PublicKey",
    "SignatureError",
    "SmimeError",
    "UnsupportedAlgorithm",
    "UsageError",
    "__version__",
    "generate_private_key",
    "load_certificates",
    "load_pkcs12",
    "load_private_key",
    "load_public_key",
    "make_ca",
    "make_smime_identity",
    "private_key_to_pem",
    "private_key_to_pkcs8",
    "write_pkcs12",
]
