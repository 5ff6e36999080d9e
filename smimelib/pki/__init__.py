"""Certificates, keys, PKCS#12, identities and a certificate builder.

* :mod:`smimelib.pki.certificate` -- X.509 certificates (RFC 5280 section 4);
* :mod:`smimelib.pki.names` -- distinguished names and RFC 4514 strings;
* :mod:`smimelib.pki.extensions` -- typed certificate extensions (RFC 5280 4.2);
* :mod:`smimelib.pki.keys` -- private and public key formats (PKCS#1, PKCS#8,
  SEC1, RFC 8410, SubjectPublicKeyInfo) and :mod:`smimelib.pki.pem` (RFC 7468);
* :mod:`smimelib.pki.pkcs12` -- PKCS#12 files (RFC 7292);
* :mod:`smimelib.pki.identity` -- a private key with its certificate and chain;
* :mod:`smimelib.pki.builder` -- minting certificates for tests and demos;
* :mod:`smimelib.pki.path_results` -- the vocabulary of path validation (statuses,
  policy inputs, revocation outcomes, :class:`TrustResult`);
* :mod:`smimelib.pki.crl` and :mod:`smimelib.pki.ocsp` -- CRLs (RFC 5280 section 5) and
  OCSP responses (RFC 6960); :mod:`smimelib.pki.revocation` -- revocation checking
  (RFC 5280 section 6.3);
* :mod:`smimelib.pki.validation` -- RFC 5280 section 6.1 path validation;
  :mod:`smimelib.pki.pathbuild` -- path building;
* :mod:`smimelib.pki.trust` -- trust stores and :meth:`TrustStore.validate`;
* :mod:`smimelib.pki.fetch` -- the opt-in HTTP fetcher of CRLs and OCSP responses.
"""

from __future__ import annotations

from smimelib.pki.builder import CertificateBuilder, make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.crl import CertificateList, IssuingDistributionPoint, RevokedEntry, load_crls
from smimelib.pki.extensions import BasicConstraints, Extension, KeyUsage
from smimelib.pki.fetch import FetchError, HttpRevocationFetcher
from smimelib.pki.general_names import GeneralName, GeneralNameKind
from smimelib.pki.identity import Identity
from smimelib.pki.keys import (
    load_der_private_key,
    load_der_public_key,
    load_pem_private_key,
    load_pem_public_key,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    private_key_to_pkcs8,
    public_key_to_pem,
    public_key_to_spki,
)
from smimelib.pki.names import RDN, Name, NameAttribute
from smimelib.pki.ocsp import (
    CertID,
    CertStatus,
    OCSPResponse,
    OCSPResponseStatus,
    ResponderID,
    SingleResponse,
    build_ocsp_request,
)
from smimelib.pki.path_results import (
    ANY_POLICY,
    CRLReason,
    KeyPurpose,
    PolicySettings,
    RevocationChecker,
    RevocationFetcher,
    RevocationMode,
    RevocationOutcome,
    RevocationSource,
    RevocationState,
    TimeSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.pathbuild import PathFailure, PathSearch, build_paths
from smimelib.pki.pem import PemBlock, is_pem, pem_blocks, pem_encode
from smimelib.pki.pkcs12 import PKCS12, load_pkcs12, write_pkcs12
from smimelib.pki.revocation import SignerValidator, StandardRevocationChecker
from smimelib.pki.trust import TrustStore
from smimelib.pki.validation import validate_path

__all__ = [
    "ANY_POLICY",
    "PKCS12",
    "RDN",
    "BasicConstraints",
    "CRLReason",
    "CertID",
    "CertStatus",
    "Certificate",
    "CertificateBuilder",
    "CertificateList",
    "Extension",
    "FetchError",
    "GeneralName",
    "GeneralNameKind",
    "HttpRevocationFetcher",
    "Identity",
    "IssuingDistributionPoint",
    "KeyPurpose",
    "KeyUsage",
    "Name",
    "NameAttribute",
    "OCSPResponse",
    "OCSPResponseStatus",
    "PathFailure",
    "PathSearch",
    "PemBlock",
    "PolicySettings",
    "ResponderID",
    "RevocationChecker",
    "RevocationFetcher",
    "RevocationMode",
    "RevocationOutcome",
    "RevocationSource",
    "RevocationState",
    "RevokedEntry",
    "SignerValidator",
    "SingleResponse",
    "StandardRevocationChecker",
    "TimeSource",
    "TrustResult",
    "TrustStore",
    "ValidationPolicy",
    "ValidationStatus",
    "build_ocsp_request",
    "build_paths",
    "is_pem",
    "load_certificates",
    "load_crls",
    "load_der_private_key",
    "load_der_public_key",
    "load_pem_private_key",
    "load_pem_public_key",
    "load_pkcs12",
    "load_private_key",
    "load_public_key",
    "make_ca",
    "make_smime_identity",
    "pem_blocks",
    "pem_encode",
    "private_key_to_pem",
    "private_key_to_pkcs8",
    "public_key_to_pem",
    "public_key_to_spki",
    "validate_path",
    "write_pkcs12",
]
