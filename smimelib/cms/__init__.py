"""CMS (RFC 5652) content types as immutable values.

This is the layer below the S/MIME message API: it works on DER/BER bytes and
binary streams, not on e-mail. Applications that handle mail will usually
want the message layer instead.

* :mod:`smimelib.cms.signing` -- :func:`sign` SignedData (RFC 5652 section 5),
  :func:`certs_only`; :mod:`smimelib.cms.countersign` -- countersignatures (11.4);
* :mod:`smimelib.cms.verify` -- :func:`verify_signed_data`, streaming, with a
  per-signer report (:mod:`smimelib.cms.results`);
* :mod:`smimelib.cms.signed_data` -- :class:`SignedData` / :class:`SignerInfo` values;
* :mod:`smimelib.cms.attributes` -- signed and unsigned attributes (RFC 5652 11,
  RFC 8551 2.5, ESS RFC 2634/5035, RFC 6211);
* :mod:`smimelib.cms.encryption` -- :func:`encrypt` to any mix of recipients
  (:mod:`smimelib.cms.recipients`: KTRI, KARI, KEKRI, PWRI): AuthEnvelopedData
  (RFC 5083) for AEAD ciphers, EnvelopedData (section 6) for CBC;
  :mod:`smimelib.cms.decryption` -- :func:`decrypt` all three encrypted types,
  streaming, with a :class:`DecryptionResult`; EncryptedData (section 8) in
  :mod:`smimelib.cms.encrypted_data`;
* :mod:`smimelib.cms.content_info`, :mod:`~smimelib.cms.identifiers`,
  :mod:`~smimelib.cms.certsets` -- the shared structures.
"""

from __future__ import annotations

from smimelib.cms.attributes import Attribute, Attributes
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_COMPRESSED_DATA,
    ID_DATA,
    ID_DIGESTED_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
    ID_SIGNED_DATA,
    ContentInfo,
    load_cms,
    parse_content_info,
)
from smimelib.cms.countersign import add_countersignature
from smimelib.cms.decryption import ContentKey, DecryptionResult, decrypt
from smimelib.cms.encrypted_data import encrypt_data
from smimelib.cms.encryption import encrypt
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.cms.recipients import (
    KEK,
    KEKRecipient,
    KeyAgreeRecipient,
    KeyPair,
    KeyTransRecipient,
    Password,
    PasswordRecipient,
    Recipient,
    RecipientKey,
    recipient_for,
)
from smimelib.cms.results import Reason, SignatureStatus, SignerResult, VerificationResult
from smimelib.cms.signed_data import SignedData, SignerInfo
from smimelib.cms.signing import Signer, certs_only, sign
from smimelib.cms.verify import verify_signed_data

__all__ = [
    "ID_AUTH_ENVELOPED_DATA",
    "ID_COMPRESSED_DATA",
    "ID_DATA",
    "ID_DIGESTED_DATA",
    "ID_ENCRYPTED_DATA",
    "ID_ENVELOPED_DATA",
    "ID_SIGNED_DATA",
    "KEK",
    "Attribute",
    "Attributes",
    "CertificateIdentifier",
    "ContentInfo",
    "ContentKey",
    "DecryptionResult",
    "IssuerAndSerialNumber",
    "KEKRecipient",
    "KeyAgreeRecipient",
    "KeyPair",
    "KeyTransRecipient",
    "Password",
    "PasswordRecipient",
    "Reason",
    "Recipient",
    "RecipientKey",
    "SignatureStatus",
    "SignedData",
    "Signer",
    "SignerInfo",
    "SignerResult",
    "VerificationResult",
    "add_countersignature",
    "certs_only",
    "decrypt",
    "encrypt",
    "encrypt_data",
    "load_cms",
    "parse_content_info",
    "recipient_for",
    "sign",
    "verify_signed_data",
]
