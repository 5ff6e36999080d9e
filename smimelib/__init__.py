"""smimelib: CMS (RFC 5652) and S/MIME 4.0 (RFC 8551) in pure Python.

The message API (:func:`sign`, :func:`encrypt`, :func:`sign_and_encrypt`,
:func:`triple_wrap`, :func:`open`) works on e-mail; :mod:`smimelib.cms` on CMS
bytes and streams; :mod:`smimelib.pki` on certificates and keys.
"""

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
    FetchError,
    LimitExceeded,
    PasswordError,
    PathValidationError,
    PolicyError,
    SignatureError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.message import (
    CapabilitiesCache,
    encrypt,
    open,
    sign,
    sign_and_encrypt,
    sign_to_bytes,
    triple_wrap,
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
from smimelib.pki.path_results import (
    KeyPurpose,
    PolicySettings,
    RevocationMode,
    TimeSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from smimelib.report import OpenedMessage, SignatureReport

__version__ = "0.1.0.dev0"

__all__ = [
    "DEFAULT_POLICY",
    "LEGACY_POLICY",
    "PKCS12",
    "AlgorithmIdentifier",
    "CapabilitiesCache",
    "Certificate",
    "CertificateBuilder",
    "CertificateError",
    "DecodeError",
    "DecryptionError",
    "FetchError",
    "Identity",
    "KeyPurpose",
    "KeyType",
    "LimitExceeded",
    "Limits",
    "Name",
    "OpenedMessage",
    "PasswordError",
    "PathValidationError",
    "Policy",
    "PolicyError",
    "PolicySettings",
    "PrivateKey",
    "PublicKey",
    "RevocationMode",
    "SignatureError",
    "SignatureReport",
    "SmimeError",
    "TimeSource",
    "TrustResult",
    "TrustStore",
    "UnsupportedAlgorithm",
    "UsageError",
    "ValidationPolicy",
    "ValidationStatus",
    "__version__",
    "encrypt",
    "generate_private_key",
    "load_certificates",
    "load_pkcs12",
    "load_private_key",
    "load_public_key",
    "make_ca",
    "make_smime_identity",
    "open",
    "private_key_to_pem",
    "private_key_to_pkcs8",
    "sign",
    "sign_and_encrypt",
    "sign_to_bytes",
    "triple_wrap",
    "write_pkcs12",
]
