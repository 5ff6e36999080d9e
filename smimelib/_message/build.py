"""Writing S/MIME messages as bytes (RFC 8551 sections 3.1-3.5; RFC 2634 section 1.1).

Every function here takes and returns the bytes of a whole message. The outer
header fields (From, To, Subject, Date, Message-ID, ...) are copied byte for
byte from the input; the ``Content-*`` fields and the body become the
protected inner entity (RFC 8551 3.1). The signed entity is serialised once and
spliced verbatim (:func:`smimelib.mime.multipart_signed`).
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.message import EmailMessage, Message
from email.parser import BytesParser

from smimelib.cms import Recipient, Signer, verify_signed_data
from smimelib.cms import encrypt as cms_encrypt
from smimelib.cms import sign as cms_sign
from smimelib.crypto.algorithms import DEFAULT_POLICY, Kind, Policy, lookup_name
from smimelib.errors import DecodeError, SmimeError, UsageError
from smimelib.mime import (
    DEFAULT_MIME_LIMITS,
    canonicalize,
    micalg_for,
    multipart_signed,
    parse_raw,
    pkcs7_mime,
    prepare_for_signing,
    to_email_message,
)
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity

__all__ = [
    "encrypt_bytes",
    "message_bytes",
    "parse_output",
    "sign_bytes",
    "split_fields",
]


def message_bytes(message: EmailMessage | Message | bytes) -> bytes:
    """The bytes of ``message``: as given, or ``as_bytes(policy=SMTP)`` (CRLF)."""
    if isinstance(message, bytes | bytearray | memoryview):
        data = bytes(message)
    elif isinstance(message, Message):
        try:
            data = message.as_bytes(policy=email.policy.SMTP)
        except (ValueError, LookupError, UnicodeError) as exc:
            raise UsageError(f"the message cannot be serialised: {exc}") from None
    else:
        raise UsageError(f"expected an EmailMessage or bytes, not {type(message).__name__}")
    if not data:
        raise UsageError("the message is empty")
    return data


def split_fields(header_block: bytes) -> list[tuple[str, bytes]]:
    """Header fields of a header block as (lower-case name, raw field with CRLF ends).

    Continuation lines (starting with SP or HTAB, RFC 5322 2.2.3) stay with their
    field; the blank separator line is dropped.
    """
    fields: list[tuple[str, bytes]] = []
    for line in header_block.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        if not body:
            continue
        if body[:1] in (b" ", b"\t") and fields:
            name, raw = fields[-1]
            fields[-1] = (name, raw + body + b"\r\n")
            continue
        name = body.split(b":", 1)[0].strip().decode("ascii", "replace").lower()
        fields.append((name, body + b"\r\n"))
    return fields


def _inner_and_outer(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(Content-* fields, outer fields without MIME-Version, body) of message ``data``."""
    root = parse_raw(data, DEFAULT_MIME_LIMITS)
    fields = split_fields(root.header_bytes)
    inner = b"".join(raw for name, raw in fields if name.startswith("content-"))
    outer = b"".join(
        raw for name, raw in fields if not name.startswith("content-") and name != "mime-version"
    )
    return inner, outer, root.body


def parse_output(data: bytes) -> EmailMessage:
    """``data`` parsed by the stdlib (``email.policy.default``) into an EmailMessage."""
    parsed = BytesParser(policy=email.policy.default).parsebytes(data)
    if not isinstance(parsed, EmailMessage):  # pragma: no cover - policy.default guarantees it
        raise DecodeError("the email parser did not return an EmailMessage")
    return parsed


def _signed_entity(data: bytes, *, binary: bool) -> tuple[bytes, bytes]:
    """(the exact entity to sign, the outer fields) for message ``data`` (RFC 8551 3.1)."""
    inner, outer, body = _inner_and_outer(data)
    if binary:
        if not inner:
            raise UsageError("detached_binary needs a Content-Type on the message")
        return inner + b"\r\n" + body, outer
    if not inner:
        charset = "us-ascii" if body.isascii() else "utf-8"
        inner = f'Content-Type: text/plain; charset="{charset}"\r\n'.encode("ascii")
    entity_msg = to_email_message(inner + b"\r\n" + body)
    return prepare_for_signing(entity_msg), outer


def sign_bytes(
    data: bytes,
    identity: Identity,
    *,
    opaque: bool,
    digest: str | None,
    detached_binary: bool,
    include_chain: bool,
    pss: bool = False,
    include_certificates: bool = True,
) -> bytes:
    """Sign message ``data`` (RFC 8551 3.5): multipart/signed, or opaque signed-data."""
    if not isinstance(identity, Identity):
        raise UsageError(f"sign() needs an Identity, not {type(identity).__name__}")
    entity, outer = _signed_entity(data, binary=detached_binary)
    signer = Signer(identity.key, identity.certificate, identity.chain, digest=digest, pss=pss)
    chain = include_chain and include_certificates
    if opaque:
        der = cms_sign(
            entity, [signer], include_certificates=include_certificates, include_chain=chain
        )
        return outer + pkcs7_mime(der, "signed-data")
    signature = cms_sign(
        entity,
        [signer],
        detached=True,
        include_certificates=include_certificates,
        include_chain=chain,
    )
    # read back what was written: the micalg names the digest actually used
    # (RFC 8551 3.5.3.2), and a signature that does not verify is never sent
    check = verify_signed_data(signature, content=entity, certificates=[identity.certificate])
    if not check.ok:  # pragma: no cover - a defect of the CMS layer, not of the input
        raise SmimeError("the signature just made does not verify")
    micalg = micalg_for(s.digest_algorithm.oid for s in check.signers)
    return outer + multipart_signed(entity, signature, micalg)


def cipher_is_aead(cipher: str) -> bool:
    """True when ``cipher`` gives AuthEnvelopedData (RFC 5083), False for EnvelopedData."""
    return lookup_name(cipher).kind is Kind.AEAD


def encrypt_bytes(
    data: bytes,
    recipients: Sequence[Certificate | Recipient],
    *,
    cipher: str,
    policy: Policy = DEFAULT_POLICY,
) -> bytes:
    """Encrypt message ``data`` (RFC 8551 3.3): application/pkcs7-mime, base64."""
    inner, outer, body = _inner_and_outer(data)
    binary = b"binary" in inner.lower()
    entity = inner + b"\r\n" + body
    if not binary:
        entity = canonicalize(entity)
    der = cms_encrypt(entity, list(recipients), cipher=cipher, policy=policy)
    smime_type = "authEnveloped-data" if cipher_is_aead(cipher) else "enveloped-data"
    return outer + pkcs7_mime(der, smime_type)


def recipient_list(
    recipients: Sequence[Certificate | Recipient],
    encrypt_to_self: Identity | Certificate | None,
) -> list[Certificate | Recipient]:
    """The recipients, plus the sender's own certificate when asked (RFC 8551 2.7 practice)."""
    if isinstance(recipients, Certificate | str | bytes) or not isinstance(recipients, Sequence):
        raise UsageError("recipients must be a sequence of certificates or recipient specs")
    out = list(recipients)
    if encrypt_to_self is not None:
        cert = (
            encrypt_to_self.certificate
            if isinstance(encrypt_to_self, Identity)
            else encrypt_to_self
        )
        if not isinstance(cert, Certificate):
            raise UsageError("encrypt_to_self must be an Identity or a Certificate")
        if all(not (isinstance(r, Certificate) and r.der == cert.der) for r in out):
            out.append(cert)
    if not out:
        raise UsageError("encrypt() needs at least one recipient")
    return out
