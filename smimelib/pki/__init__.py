"""Certificates, keys, PKCS#12, identities and a certificate builder.

* :mod:`smimelib.pki.certificate` -- X.509 certificates (RFC 5280 section 4);
* :mod:`smimelib.pki.names` -- distinguished names and RFC 4514 strings;
* :mod:`smimelib.pki.extensions` -- typed certificate extensions (RFC 5280 4.2);
* :mod:`smimelib.pki.keys` -- private and public key formats (PKCS#1, PKCS#8,
  SEC1, RFC 8410, SubjectPublicKeyInfo) and :mod:`smimelib.pki.pem` (RFC 7468);
* :mod:`smimelib.pki.pkcs12` -- PKCS#12 files (RFC 7292);
* :mod:`smimelib.pki.identity` -- a private key with its certificate and chain;
* :mod:`smimelib.pki.builder` -- minting certificates for tests and demos.
"""

from __future__ import annotations

from smimelib.pki.builder import CertificateBuilder, make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.extensions import BasicConstraints, Extension, KeyUsage
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
from smimelib.pki.pem import PemBlock, is_pem, pem_blocks, pem_encode
from smimelib.pki.pkcs12 import PKCS12, load_pkcs12, write_pkcs12

__all__ = [
    "PKCS12",
    "RDN",
    "BasicConstraints",
    "Certificate",
    "CertificateBuilder",
    "Extension",
    "GeneralName",
    "GeneralNameKind",
    "Identity",
    "KeyUsage",
    "Name",
    "NameAttribute",
    "PemBlock",
    "is_pem",
    "load_certificates",
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
    "write_pkcs12",
]
