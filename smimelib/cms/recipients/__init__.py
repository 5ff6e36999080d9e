"""RecipientInfos of EnvelopedData and AuthEnvelopedData (RFC 5652 section 6.2).

::

    RecipientInfos ::= SET SIZE (1..MAX) OF RecipientInfo

    RecipientInfo ::= CHOICE {
        ktri   KeyTransRecipientInfo,        -- RSA key transport       (ktri.py)
        kari   [1] KeyAgreeRecipientInfo,    -- ECDH, X25519, X448      (kari.py)
        kekri  [2] KEKRecipientInfo,         -- shared AES key         (kekri.py)
        pwri   [3] PasswordRecipientInfo,    -- password, RFC 3211      (pwri.py)
        ori    [4] OtherRecipientInfo }      -- kept raw, never decrypted

This package parses them (:func:`parse_recipient_infos`), writes them
(:func:`encode_recipient_infos`) and recovers the content-encryption key
(:func:`decrypt_cek`). Recipient selection follows THREATS "No decryption oracle": an
entry is used only when it names one of the caller's keys (the certificate by
issuerAndSerialNumber or subjectKeyIdentifier, the KEK by key identifier); password
entries, which carry no identifier, are tried in turn. When no entry names any key the
error is ``DecryptionError("no recipient info matches the given keys")`` (it depends
only on public data); once an entry is selected every cryptographic failure is
``DecryptionError("decryption failed")``, raised ``from None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms.recipients._base import (
    DECRYPTION_FAILED,
    KEK,
    MAX_RECIPIENT_INFOS,
    NO_MATCHING_RECIPIENT,
    CekResult,
    KeyPair,
    OtherRecipientInfo,
    Password,
    RecipientKey,
    parse_ori,
    private_key_and_certificate,
)
from smimelib.cms.recipients.kari import (
    KeyAgreeRecipient,
    KeyAgreeRecipientIdentifier,
    KeyAgreeRecipientInfo,
    OriginatorPublicKey,
    RecipientEncryptedKey,
    decrypt_kari,
    encode_kari_group,
    kari_match,
    parse_kari,
)
from smimelib.cms.recipients.kekri import (
    KEKIdentifier,
    KEKRecipient,
    KEKRecipientInfo,
    decrypt_kekri,
    encode_kekri,
    kekri_matches,
    parse_kekri,
)
from smimelib.cms.recipients.ktri import (
    KeyTransRecipient,
    KeyTransRecipientInfo,
    decrypt_ktri,
    encode_ktri,
    ktri_matches,
    parse_ktri,
)
from smimelib.cms.recipients.pwri import (
    DEFAULT_PBKDF2_ITERATIONS,
    PasswordRecipient,
    PasswordRecipientInfo,
    decrypt_pwri,
    encode_pwri,
    parse_pwri,
    pwri_usable,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.crypto.kdf import pbkdf2_from_algorithm
from smimelib.crypto.keys import KeyType, PrivateKey
from smimelib.errors import DecodeError, DecryptionError, LimitExceeded, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity

__all__ = [
    "DECRYPTION_FAILED",
    "DEFAULT_PBKDF2_ITERATIONS",
    "KEK",
    "MAX_RECIPIENT_INFOS",
    "NO_MATCHING_RECIPIENT",
    "CekResult",
    "KEKIdentifier",
    "KEKRecipient",
    "KEKRecipientInfo",
    "KeyAgreeRecipient",
    "KeyAgreeRecipientIdentifier",
    "KeyAgreeRecipientInfo",
    "KeyPair",
    "KeyTransRecipient",
    "KeyTransRecipientInfo",
    "OriginatorPublicKey",
    "OtherRecipientInfo",
    "Password",
    "PasswordRecipient",
    "PasswordRecipientInfo",
    "Recipient",
    "RecipientEncryptedKey",
    "RecipientInfo",
    "RecipientKey",
    "decrypt_cek",
    "encode_recipient_infos",
    "enveloped_data_version",
    "parse_recipient_infos",
    "recipient_for",
    "recipient_infos_version",
]

#: what a sender encrypts to
Recipient = KeyTransRecipient | KeyAgreeRecipient | KEKRecipient | PasswordRecipient
#: a parsed RecipientInfo
RecipientInfo = (
    KeyTransRecipientInfo
    | KeyAgreeRecipientInfo
    | KEKRecipientInfo
    | PasswordRecipientInfo
    | OtherRecipientInfo
)

_KARI_TAG = tlv.Tag.context(1)
_KEKRI_TAG = tlv.Tag.context(2)
_PWRI_TAG = tlv.Tag.context(3)
_ORI_TAG = tlv.Tag.context(4)


# ---------------------------------------------------------------------------------------
# Parsing


def parse_recipient_infos(
    elem: tlv.Element, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[RecipientInfo, ...]:
    """Parse ``RecipientInfos`` (RFC 5652 section 6.1), the SET element itself.

    Versions are checked exactly as RFC 5652 section 6.2 requires (KTRI 0 or 2 by its
    identifier, KARI 3, KEKRI 4, PWRI 0).

    :raises DecodeError: not a SET, empty, a malformed entry or an unknown alternative.
    :raises LimitExceeded: more than :data:`MAX_RECIPIENT_INFOS` entries (or
        ``limits.max_elements``).
    """
    if elem.tag != tlv.Tag.SET:
        raise DecodeError(f"RecipientInfos: expected SET, found {elem.tag}", offset=elem.offset)
    items = elem.children()
    if not items:
        raise DecodeError("RecipientInfos is empty (SIZE (1..MAX))", offset=elem.offset)
    cap = min(MAX_RECIPIENT_INFOS, limits.max_elements)
    if len(items) > cap:
        raise LimitExceeded(
            f"{len(items)} RecipientInfos exceed the limit of {cap}",
            limit="max_recipient_infos",
            offset=elem.offset,
        )
    return tuple(_parse_one(item) for item in items)


def _parse_one(elem: tlv.Element) -> RecipientInfo:
    tag = elem.tag
    if tag == tlv.Tag.SEQUENCE:
        return parse_ktri(elem)
    if tag == _KARI_TAG:
        return parse_kari(elem)
    if tag == _KEKRI_TAG:
        return parse_kekri(elem)
    if tag == _PWRI_TAG:
        return parse_pwri(elem)
    if tag == _ORI_TAG:
        return parse_ori(elem)
    raise DecodeError(f"RecipientInfo: unknown alternative {tag}", offset=elem.offset)


def recipient_infos_version(infos: Sequence[RecipientInfo]) -> int:
    """The RecipientInfos' part of the EnvelopedData version rule (RFC 5652 section 6.1):
    3 when a pwri or ori is present, 0 when every entry has version 0, else 2.

    Combine it with the rest of the rule with :func:`enveloped_data_version`.
    """
    if any(isinstance(info, (PasswordRecipientInfo, OtherRecipientInfo)) for info in infos):
        return 3
    if all(info.version == 0 for info in infos):
        return 0
    return 2


def enveloped_data_version(
    recipients_version: int,
    *,
    originator_info: bool = False,
    other_certificates_or_crls: bool = False,
    v2_attribute_certificates: bool = False,
    unprotected_attributes: bool = False,
) -> int:
    """The EnvelopedData version (RFC 5652 section 6.1) from the RecipientInfos' part
    (:func:`recipient_infos_version`, or the second value of
    :func:`encode_recipient_infos`) and the other fields.

    :param originator_info: originatorInfo is present.
    :param other_certificates_or_crls: originatorInfo has certificates or CRLs of type other.
    :param v2_attribute_certificates: originatorInfo has version 2 attribute certificates.
    :param unprotected_attributes: unprotectedAttrs is present.
    """
    if originator_info and other_certificates_or_crls:
        return 4
    if (originator_info and v2_attribute_certificates) or recipients_version == 3:
        return 3
    if not originator_info and not unprotected_attributes and recipients_version == 0:
        return 0
    return 2


# ---------------------------------------------------------------------------------------
# Encoding


def recipient_for(
    certificate: Certificate, **options: Any
) -> KeyTransRecipient | KeyAgreeRecipient:
    """The recipient spec for a certificate: RSA → :class:`KeyTransRecipient` (pass
    ``oaep=True`` for RSAES-OAEP), EC/X25519/X448 → :class:`KeyAgreeRecipient`.

    :raises UsageError: another key type, or options that do not apply to it.
    """
    if not isinstance(certificate, Certificate):
        raise UsageError("recipient_for needs a Certificate")
    try:
        key_type = certificate.public_key.type
    except SmimeError as exc:
        raise UsageError(f"recipient certificate key unusable: {exc.message}") from None
    factory: Callable[..., KeyTransRecipient | KeyAgreeRecipient]
    if key_type is KeyType.RSA:
        factory, what = KeyTransRecipient, "key transport (RSA)"
    elif key_type in (KeyType.EC, KeyType.X25519, KeyType.X448):
        factory, what = KeyAgreeRecipient, f"key agreement ({key_type.value})"
    else:
        raise UsageError(f"a {key_type.value} certificate cannot receive encrypted messages")
    try:
        return factory(certificate, **options)
    except TypeError as exc:
        raise UsageError(f"option not valid for {what}: {exc}") from None


def encode_recipient_infos(
    recipients: Sequence[Recipient], cek: bytes, content_algorithm: AlgorithmIdentifier
) -> tuple[bytes, int]:
    """DER ``RecipientInfos`` (the SET, tag and contents) carrying ``cek`` for every
    recipient, and the RecipientInfos' part of the EnvelopedData version (see
    :func:`recipient_infos_version`; feed it to :func:`enveloped_data_version`).

    Key agreement recipients sharing key type, curve, scheme, wrap and ukm share one
    KeyAgreeRecipientInfo and one ephemeral key. The SET is DER-sorted.

    :raises UsageError: no recipients, an unusable certificate or option, or a ``cek``
        whose length does not fit ``content_algorithm``.
    :raises PolicyError: an algorithm or key smimelib does not encrypt with.
    """
    if not recipients:
        raise UsageError("at least one recipient is needed (RecipientInfos SIZE (1..MAX))")
    if len(recipients) > MAX_RECIPIENT_INFOS:
        raise UsageError(f"at most {MAX_RECIPIENT_INFOS} recipients per message")
    cek = bytes(cek)
    try:
        size = ciphers.key_size(content_algorithm)
    except SmimeError:
        size = None  # a cipher without a fixed key size: the caller chose the key
    if size is not None and len(cek) != size:
        raise UsageError(
            f"the content-encryption key has {len(cek)} octets, {content_algorithm} needs {size}"
        )
    encoded: list[bytes] = []
    versions: list[int] = []
    agree: list[KeyAgreeRecipient] = []
    for recipient in recipients:
        if isinstance(recipient, KeyTransRecipient):
            info, version = encode_ktri(recipient, cek)
            encoded.append(info)
            versions.append(version)
        elif isinstance(recipient, KeyAgreeRecipient):
            agree.append(recipient)
        elif isinstance(recipient, KEKRecipient):
            encoded.append(encode_kekri(recipient, cek))
            versions.append(4)
        elif isinstance(recipient, PasswordRecipient):
            encoded.append(encode_pwri(recipient, cek))
            versions.append(-1)  # pwri: version 3 for the EnvelopedData
        else:
            raise UsageError(f"not a recipient: {type(recipient).__name__}")
    if agree:
        karis = encode_kari_group(agree, cek)
        encoded += karis
        versions += [3] * len(karis)
    if -1 in versions:
        overall = 3
    elif all(v == 0 for v in versions):
        overall = 0
    else:
        overall = 2
    return der.set_of(encoded), overall


# ---------------------------------------------------------------------------------------
# Decryption

_Attempt = Callable[[], tuple[bytes, tuple[str, ...], bool]]


def _candidates(
    infos: Sequence[RecipientInfo],
    key: RecipientKey,
    *,
    cek_length: int | None,
    policy: Policy,
    originator_certificates: Sequence[Certificate],
) -> Iterator[tuple[RecipientInfo, tuple[str, ...], _Attempt]]:
    """The entries that name ``key``, each with its match findings and decryption."""
    pair = private_key_and_certificate(key)
    if pair is not None:
        private, cert = pair
        for info in infos:
            if isinstance(info, KeyTransRecipientInfo):
                matched, finding = ktri_matches(info, cert)
                if matched:
                    yield info, _opt(finding), _bind_ktri(info, private, cek_length, policy)
            elif isinstance(info, KeyAgreeRecipientInfo):
                found = kari_match(info, cert)
                if found is not None:
                    index, finding = found
                    attempt = _bind_kari(
                        info, index, private, cek_length, policy, originator_certificates
                    )
                    yield info, _opt(finding), attempt
    elif isinstance(key, KEK):
        for info in infos:
            if isinstance(info, KEKRecipientInfo) and kekri_matches(info, key):
                yield info, (), _bind_kekri(info, key, cek_length, policy)
    elif isinstance(key, Password):
        for info in infos:
            if isinstance(info, PasswordRecipientInfo) and pwri_usable(info):
                yield info, (), _bind_pwri(info, key, cek_length, policy)
    else:
        raise UsageError(f"not a decryption key: {type(key).__name__}")


def _opt(finding: str | None) -> tuple[str, ...]:
    return (finding,) if finding else ()


def _bind_ktri(
    info: KeyTransRecipientInfo, private: PrivateKey, cek_length: int | None, policy: Policy
) -> _Attempt:
    return lambda: decrypt_ktri(info, private, cek_length=cek_length, policy=policy)


def _bind_kari(
    info: KeyAgreeRecipientInfo,
    index: int,
    private: PrivateKey,
    cek_length: int | None,
    policy: Policy,
    originator_certificates: Sequence[Certificate],
) -> _Attempt:
    return lambda: decrypt_kari(
        info,
        index,
        private,
        cek_length=cek_length,
        policy=policy,
        originator_certificates=originator_certificates,
    )


def _bind_kekri(
    info: KEKRecipientInfo, key: KEK, cek_length: int | None, policy: Policy
) -> _Attempt:
    return lambda: decrypt_kekri(info, key, cek_length=cek_length, policy=policy)


def _bind_pwri(
    info: PasswordRecipientInfo, key: Password, cek_length: int | None, policy: Policy
) -> _Attempt:
    return lambda: decrypt_pwri(info, key, cek_length=cek_length, policy=policy)


def _pbkdf2_cost(info: RecipientInfo) -> int:
    if not isinstance(info, PasswordRecipientInfo) or info.key_derivation_algorithm is None:
        return 0
    try:
        return pbkdf2_from_algorithm(info.key_derivation_algorithm).iterations
    except SmimeError:
        return 0  # the attempt itself reports the malformed parameters


def decrypt_cek(
    infos: Sequence[RecipientInfo],
    keys: Sequence[RecipientKey],
    *,
    cek_length: int | None,
    policy: Policy = DEFAULT_POLICY,
    originator_certificates: Sequence[Certificate] = (),
) -> CekResult:
    """Recover the content-encryption key with one of the caller's ``keys`` (RFC 5652
    section 6.2).

    Keys are taken in order; for each, the entries that name it are tried in message
    order (an Identity/KeyPair by its certificate — issuerAndSerialNumber,
    subjectKeyIdentifier, KARI rKeyId —, a KEK by key identifier, a Password against
    every PasswordRecipientInfo with a keyDerivationAlgorithm). The first that yields a
    key wins. The PBKDF2 iterations spent on one call are bounded by
    ``policy.max_pbkdf2_iterations`` in total.

    :param cek_length: the key size of the content cipher; the recovered key must have
        it, and RSAES-PKCS1-v1_5 uses it for implicit rejection (a wrong key of this
        length comes back, and the failure shows at content decryption). ``None`` for a
        cipher without a fixed size (no implicit rejection then).
    :param originator_certificates: certificates from originatorInfo, for static-static
        ECDH (a KARI whose originator is a certificate identifier).
    :raises DecryptionError: ``"no recipient info matches the given keys"`` when no entry
        names any key; ``"decryption failed"`` for every cryptographic failure.
    :raises PolicyError / UnsupportedAlgorithm / DecodeError / LimitExceeded: a selected
        entry uses an algorithm refused or not implemented, or malformed parameters
        (raised when no other entry gives the key).
    :raises UsageError: ``keys`` holds something that is not a RecipientKey.
    """
    if isinstance(keys, (Identity, KeyPair, KEK, Password)):
        keys = [keys]
    matched = False
    public_error: SmimeError | None = None
    spent = 0
    for key in keys:
        candidates = _candidates(
            infos,
            key,
            cek_length=cek_length,
            policy=policy,
            originator_certificates=originator_certificates,
        )
        for info, match_findings, attempt in candidates:
            matched = True
            cost = _pbkdf2_cost(info)
            # one entry over the bound is refused by the entry itself (check_iterations)
            if cost and spent and spent + cost > policy.max_pbkdf2_iterations:
                public_error = public_error or LimitExceeded(
                    f"trying the password recipient infos needs more than "
                    f"{policy.max_pbkdf2_iterations} PBKDF2 iterations in total "
                    "(Policy.max_pbkdf2_iterations)",
                    limit="max_pbkdf2_iterations",
                    offset=info.offset,
                )
                continue
            spent += cost
            try:
                cek, findings, weak = attempt()
            except DecryptionError as exc:
                if exc.message != DECRYPTION_FAILED and public_error is None:
                    public_error = DecryptionError(exc.message)
                continue
            except UsageError:
                raise  # caller misuse (a KEK of the wrong size): not about the message
            except SmimeError as exc:
                public_error = public_error or exc
                continue
            return CekResult(cek, info, match_findings + findings, weak)
    if public_error is not None:
        raise public_error from None
    if matched:
        raise DecryptionError(DECRYPTION_FAILED) from None
    raise DecryptionError(NO_MATCHING_RECIPIENT)
