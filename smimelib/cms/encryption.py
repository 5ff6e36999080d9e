"""Encrypt content for recipients: AuthEnvelopedData for AEAD ciphers, EnvelopedData for CBC
(RFC 5652 section 6, RFC 5083, RFC 8551 section 2.7).

The default is AES-256-GCM in AuthEnvelopedData, as RFC 8551 section 2.7 recommends:
the content is integrity-protected (no EFAIL). CBC ciphers produce EnvelopedData for
peers that cannot read AuthEnvelopedData; legacy ciphers are never written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from smimelib.cms.attributes import Attribute
from smimelib.cms.auth_enveloped_data import encrypt_auth_enveloped_data
from smimelib.cms.content_info import ID_DATA
from smimelib.cms.enveloped_data import encrypt_enveloped_data
from smimelib.crypto.algorithms import DEFAULT_POLICY, Kind, Policy, Use, lookup_name
from smimelib.errors import UsageError
from smimelib.pki.certificate import Certificate

if TYPE_CHECKING:
    from smimelib.cms.recipients import Recipient

__all__ = ["DEFAULT_CIPHER", "encrypt"]

#: what :func:`encrypt` uses unless told otherwise (RFC 8551 section 2.7)
DEFAULT_CIPHER = "aes-256-gcm"


def encrypt(
    content: bytes | bytearray | memoryview | BinaryIO,
    recipients: Sequence[Recipient | Certificate],
    *,
    cipher: str = DEFAULT_CIPHER,
    content_type: str = ID_DATA,
    originator_certificates: Iterable[Certificate] = (),
    originator_crls: Iterable[bytes] = (),
    unprotected_attributes: Iterable[Attribute] = (),
    authenticated_attributes: Iterable[Attribute] = (),
    output: BinaryIO | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> bytes:
    """Encrypt ``content`` for every recipient (RFC 5652 section 6, RFC 5083).

    :param content: bytes, or a binary file object read in chunks.
    :param recipients: recipient specs of :mod:`smimelib.cms.recipients`
        (KeyTransRecipient, KeyAgreeRecipient, KEKRecipient, PasswordRecipient) in any
        mix, or plain certificates (RSA: key transport with PKCS #1 v1.5; EC, X25519,
        X448: key agreement -- see :func:`smimelib.cms.recipients.recipient_for`).
    :param cipher: an AEAD cipher (``aes-128-gcm``, ``aes-192-gcm``, ``aes-256-gcm``,
        ``aes-128-ccm`` ..., ``chacha20-poly1305``) gives AuthEnvelopedData; an AES-CBC
        cipher (``aes-128-cbc``, ``aes-192-cbc``, ``aes-256-cbc``) gives EnvelopedData.
    :param content_type: the content type of ``content`` (id-data by default). The content
        is the encoding of a value of that type: for id-signedData the SignedData SEQUENCE,
        not a ContentInfo around it (RFC 5652 sections 3 and 6.1).
    :param originator_certificates: certificates for originatorInfo.
    :param originator_crls: CertificateList encodings for originatorInfo.
    :param unprotected_attributes: unprotectedAttrs (EnvelopedData) or unauthAttrs
        (AuthEnvelopedData): neither encrypted nor authenticated.
    :param authenticated_attributes: authAttrs (AuthEnvelopedData only).
    :param output: binary file object to write to (the return value is then ``b""``).
    :param policy: checked for producing with ``cipher`` (legacy ciphers are never
        written whatever the policy).
    :returns: the ContentInfo: DER with definite lengths when ``content`` is bytes,
        indefinite-length BER with a chunked encryptedContent when it is a stream (like
        ``openssl cms -encrypt -stream``), written to ``output`` as the stream is read.
    :raises UsageError: no recipients, authenticated attributes with a CBC cipher, a
        recipient certificate that cannot receive, a bad argument.
    :raises PolicyError: a legacy cipher, or a key smimelib does not encrypt to.
    :raises UnsupportedAlgorithm: an unknown cipher name.
    """
    info = lookup_name(cipher)
    policy.check(info, Use.PRODUCE)
    specs = _recipients(recipients)
    if info.kind is Kind.AEAD:
        return encrypt_auth_enveloped_data(
            content,
            specs,
            cipher=cipher,
            content_type=content_type,
            originator_certificates=originator_certificates,
            originator_crls=originator_crls,
            authenticated_attributes=authenticated_attributes,
            unauthenticated_attributes=unprotected_attributes,
            output=output,
        )
    if tuple(authenticated_attributes):
        raise UsageError(
            f"{cipher} gives EnvelopedData, which has no authenticated attributes; use an AEAD "
            "cipher (AuthEnvelopedData) for them"
        )
    return encrypt_enveloped_data(
        content,
        specs,
        cipher=cipher,
        content_type=content_type,
        originator_certificates=originator_certificates,
        originator_crls=originator_crls,
        unprotected_attributes=unprotected_attributes,
        output=output,
    )


def _recipients(recipients: Sequence[Recipient | Certificate]) -> list[Recipient]:
    from smimelib.cms.recipients import recipient_for

    if isinstance(recipients, (Certificate, bytes, str)) or not isinstance(recipients, Iterable):
        raise UsageError("recipients must be a sequence of recipients or certificates")
    specs: list[Recipient] = []
    for item in recipients:
        specs.append(recipient_for(item) if isinstance(item, Certificate) else item)
    if not specs:
        raise UsageError("at least one recipient is needed (RecipientInfos SIZE (1..MAX))")
    return specs
