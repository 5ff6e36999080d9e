"""One signer and its SignerInfo (RFC 5652 sections 5.3-5.5, 11), shared by signing and
countersigning.

:class:`Signer` checks everything that can be checked before any content is read:
the key fits the certificate, the algorithms are allowed (no SHA-1, MD5, DSA,
RSA below 2048 bits), caller attributes do not clash with those smimelib writes.
:func:`build_signer_info` then makes the DER SignerInfo once the digest is known.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.oids import describe
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_ENCRYPTION_KEY_PREFERENCE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SIGNING_TIME,
    OID_SMIME_CAPABILITIES,
    Attribute,
    algorithm_protection_attr,
    content_type_attr,
    encode_attributes,
    encryption_key_preference_attr,
    message_digest_attr,
    signing_certificate_v2_attr,
    signing_time_attr,
    smime_capabilities_attr,
)
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.crypto import digests, signatures
from smimelib.crypto.digests import DigestSpec, Hash
from smimelib.crypto.keys import KeyType, PrivateKey
from smimelib.errors import PolicyError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity

__all__ = ["NOW", "Signer", "build_signer_info", "check_countersigner", "new_content_hash"]


class _Now(enum.Enum):
    NOW = "now"

    def __repr__(self) -> str:
        return "NOW"


#: ``Signer.signing_time`` default: the current time (UTC) when the signature is made
NOW: Final = _Now.NOW

_SIGNABLE = frozenset({KeyType.RSA, KeyType.EC, KeyType.ED25519, KeyType.ED448})
#: attributes RFC 5652 11 (and RFC 6211 2) allow only as signed attributes
_SIGNED_ONLY = frozenset(
    {OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_TIME, OID_ALGORITHM_PROTECTION}
)


@dataclass(frozen=True)
class Signer:
    """One signer of a SignedData: key, certificate and what its SignerInfo carries.

    :param key: the private key (RSA >= 2048 bits, P-256/384/521, Ed25519, Ed448).
    :param certificate: the certificate of ``key`` (a mismatch is a UsageError).
    :param chain: certificates above ``certificate``, written when ``sign(include_chain=True)``.
    :param digest: digest name (``"sha256"``, ``"sha384"``, ``"sha512"``, ...). ``None``: SHA-256,
        and for EdDSA what RFC 8419 section 3 requires (SHA-512 for Ed25519; for Ed448
        SHAKE256 with 512 bits: ``id-shake256-len`` with signed attributes, else
        ``id-shake256``). An EdDSA key accepts only those digests.
    :param pss: RSASSA-PSS (RFC 4056) instead of PKCS#1 v1.5; parameters are explicit.
    :param use_ski: identify the signer by subjectKeyIdentifier (SignerInfo v3)
        instead of issuerAndSerialNumber (v1), RFC 5652 section 5.3.
    :param signed_attributes: write signed attributes (the default, required by
        RFC 8551 and for content types other than id-data, RFC 5652 5.3).
    :param signing_time: the signing-time attribute (RFC 5652 11.3): :data:`NOW` (default),
        a timezone-aware datetime, or ``None`` to omit it.
    :param smime_capabilities: write SMIMECapabilities (RFC 8551 2.5.2).
    :param encryption_key_preference: the signer's encryption certificate, named in an
        SMIMEEncryptionKeyPreference attribute (RFC 8551 2.5.3) and written to ``[0]``.
    :param signing_certificate_v2: write ESS signingCertificateV2 (RFC 5035, SHA-256).
    :param algorithm_protection: write CMSAlgorithmProtection (RFC 6211).
    :param extra_signed_attributes: more signed attributes; one smimelib writes itself
        is a UsageError.
    :param unsigned_attributes: unsigned attributes (RFC 5652 5.3).
    """

    key: PrivateKey
    certificate: Certificate
    chain: tuple[Certificate, ...] = ()
    digest: str | None = None
    pss: bool = False
    use_ski: bool = False
    signed_attributes: bool = True
    signing_time: datetime.datetime | Literal[_Now.NOW] | None = NOW
    smime_capabilities: bool = True
    encryption_key_preference: Certificate | None = None
    signing_certificate_v2: bool = True
    algorithm_protection: bool = True
    extra_signed_attributes: tuple[Attribute, ...] = ()
    unsigned_attributes: tuple[Attribute, ...] = ()
    _algorithms: tuple[AlgorithmIdentifier, DigestSpec, AlgorithmIdentifier] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.key, PrivateKey):
            raise UsageError(f"Signer key must be a PrivateKey, not {type(self.key).__name__}")
        if not isinstance(self.certificate, Certificate):
            raise UsageError("Signer certificate must be a Certificate")
        for name in ("chain", "extra_signed_attributes", "unsigned_attributes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not all(isinstance(c, Certificate) for c in self.chain):
            raise UsageError("Signer chain must hold Certificates")
        pref = self.encryption_key_preference
        if pref is not None and not isinstance(pref, Certificate):
            raise UsageError("encryption_key_preference must be a Certificate")
        when = self.signing_time
        if (when is not NOW and when is not None) and (
            not isinstance(when, datetime.datetime) or when.tzinfo is None
        ):
            raise UsageError("signing_time must be a timezone-aware datetime, NOW or None")
        if self.key.type is KeyType.DSA:
            raise PolicyError(
                "DSA is legacy: smimelib verifies DSA signatures but never makes them "
                "(RFC 8551 sections 2.2 and 4.3)",
                oid=signatures.ID_DSA,
                oid_name="id-dsa",
            )
        if self.key.type not in _SIGNABLE:
            raise UsageError(f"{self.key.type.value} keys cannot sign")
        object.__setattr__(self, "_algorithms", _algorithms(self))
        _check_key_matches(self)
        if self.use_ski and self.certificate.subject_key_identifier is None:
            raise UsageError(
                "use_ski needs a certificate with a subjectKeyIdentifier extension "
                f"(subject {self.certificate.subject.rfc4514()!r})"
            )
        _check_attributes(self)

    @classmethod
    def from_identity(cls, identity: Identity, **options: Any) -> Signer:
        """A signer from an :class:`~smimelib.pki.identity.Identity` (key, certificate,
        chain); ``options`` are the other fields."""
        if not isinstance(identity, Identity):
            raise UsageError(f"from_identity needs an Identity, not {type(identity).__name__}")
        options.setdefault("chain", identity.chain)
        return cls(identity.key, identity.certificate, **options)

    @property
    def digest_algorithm(self) -> AlgorithmIdentifier:
        """The SignerInfo digestAlgorithm this signer writes (RFC 5652 5.3, RFC 8419 3)."""
        return self._algorithms[0]

    @property
    def signature_algorithm(self) -> AlgorithmIdentifier:
        """The SignerInfo signatureAlgorithm this signer writes."""
        return self._algorithms[2]

    @property
    def signer_info_version(self) -> int:
        """1 for issuerAndSerialNumber, 3 for subjectKeyIdentifier (RFC 5652 5.3)."""
        return 3 if self.use_ski else 1

    @property
    def is_eddsa(self) -> bool:
        return self.key.type in (KeyType.ED25519, KeyType.ED448)


def _algorithms(signer: Signer) -> tuple[AlgorithmIdentifier, DigestSpec, AlgorithmIdentifier]:
    """(digestAlgorithm, its spec, signatureAlgorithm) for ``signer`` (RFC 5754, RFC 8419)."""
    key_type = signer.key.type
    name = signer.digest
    if key_type is KeyType.ED25519:
        if name not in (None, "sha512"):
            raise UsageError(f"Ed25519 signs with SHA-512 in CMS, not {name} (RFC 8419 3)")
        digest_alg = digests.digest_algorithm("sha512")
    elif key_type is KeyType.ED448:
        if name not in (None, "shake256", "shake256-len"):
            raise UsageError(f"Ed448 signs with SHAKE256 in CMS, not {name} (RFC 8419 3)")
        # RFC 8419 3.1 / 3.2: id-shake256-len (512) with signed attributes, id-shake256 without
        with_attrs = signer.signed_attributes
        digest_alg = digests.digest_algorithm("shake256-len" if with_attrs else "shake256")
    else:
        digest_alg = digests.digest_algorithm(name or "sha256")
    spec = digests.digest_spec(digest_alg)
    sig_name = spec.name if key_type in (KeyType.RSA, KeyType.EC) else "sha512"
    sig_alg = signatures.signature_algorithm(signer.key, sig_name, pss=signer.pss)
    if key_type is KeyType.RSA and signer.key.size_bits < signatures.MIN_RSA_SIGN_BITS:
        raise PolicyError(
            f"smimelib never signs with RSA keys below {signatures.MIN_RSA_SIGN_BITS} bits "
            f"(this key has {signer.key.size_bits})"
        )
    return digest_alg, spec, sig_alg


def _check_key_matches(signer: Signer) -> None:
    try:
        cert_key = signer.certificate.public_key
    except SmimeError as exc:
        raise UsageError(f"the signer certificate's public key is unusable: {exc}") from None
    if cert_key != signer.key.public_key():
        raise UsageError(
            "the private key does not match the signer certificate "
            f"(subject {signer.certificate.subject.rfc4514()!r})"
        )


def _written_signed_oids(signer: Signer, *, countersignature: bool) -> dict[str, str]:
    """OIDs smimelib writes itself for ``signer`` -> the option that controls each."""
    written = {OID_MESSAGE_DIGEST: "always written"}
    if not countersignature:
        written[OID_CONTENT_TYPE] = "always written"
        if signer.smime_capabilities:
            written[OID_SMIME_CAPABILITIES] = "smime_capabilities=False"
        if signer.encryption_key_preference is not None:
            written[OID_ENCRYPTION_KEY_PREFERENCE] = "encryption_key_preference=None"
    if signer.signing_time is not None:
        written[OID_SIGNING_TIME] = "signing_time=None"
    if signer.signing_certificate_v2:
        written[OID_SIGNING_CERTIFICATE_V2] = "signing_certificate_v2=False"
    if signer.algorithm_protection:
        written[OID_ALGORITHM_PROTECTION] = "algorithm_protection=False"
    return written


def _check_attributes(signer: Signer, *, countersignature: bool = False) -> None:
    """Refuse caller attributes that clash with ours or with RFC 5652 section 11."""
    if not signer.signed_attributes:
        if signer.extra_signed_attributes:
            raise UsageError("extra_signed_attributes given with signed_attributes=False")
        if signer.encryption_key_preference is not None:
            raise UsageError("encryption_key_preference needs signed attributes")
    written = _written_signed_oids(signer, countersignature=countersignature)
    for attr in signer.extra_signed_attributes:
        _check_attribute(attr, signed=True)
        if attr.oid in written:
            raise UsageError(
                f"signed attribute {describe(attr.oid)} is written by smimelib "
                f"({written[attr.oid]} to supply your own)"
            )
        if attr.oid == OID_COUNTERSIGNATURE:
            raise UsageError("a countersignature must be an unsigned attribute (RFC 5652 11.4)")
        if countersignature and attr.oid == OID_CONTENT_TYPE:
            raise UsageError("a countersignature has no content-type attribute (RFC 5652 11.4)")
    for attr in signer.unsigned_attributes:
        _check_attribute(attr, signed=False)
        if attr.oid in _SIGNED_ONLY:
            raise UsageError(
                f"{describe(attr.oid)} must be a signed attribute (RFC 5652 11, RFC 6211 2)"
            )


def _check_attribute(attr: Attribute, *, signed: bool) -> None:
    if not isinstance(attr, Attribute):
        raise UsageError(f"attributes must be Attribute values, not {type(attr).__name__}")
    for value in attr.values:
        if signed and not tlv.is_der(value):
            raise UsageError(
                f"a value of signed attribute {describe(attr.oid)} is not one DER element "
                "(signed attributes MUST be DER, RFC 5652 5.3)"
            )
        try:
            tlv.check(value, what=f"{describe(attr.oid)} value")
        except SmimeError as exc:
            raise UsageError(f"attribute {describe(attr.oid)}: {exc}") from None


# -- attributes and SignerInfo ---------------------------------------------------------------


def _signing_time(signer: Signer) -> datetime.datetime | None:
    when = signer.signing_time
    if when is None:
        return None
    if when is NOW:
        return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    assert isinstance(when, datetime.datetime)
    # RFC 5652 11.3: GeneralizedTime MUST NOT include fractional seconds
    return when.astimezone(datetime.UTC).replace(microsecond=0)


def _signed_attributes(
    signer: Signer, message_digest: bytes, content_type: str | None
) -> list[Attribute]:
    """The signed attributes, in the order of RFC 8551 2.5 (DER sorts them anyway).

    ``content_type`` is None for a countersignature (RFC 5652 11.4).
    """
    attrs: list[Attribute] = []
    if content_type is not None:
        attrs.append(content_type_attr(content_type))
    when = _signing_time(signer)
    if when is not None:
        attrs.append(signing_time_attr(when))
    if content_type is not None and signer.smime_capabilities:
        attrs.append(smime_capabilities_attr())
    pref = signer.encryption_key_preference
    if content_type is not None and pref is not None:
        attrs.append(encryption_key_preference_attr(CertificateIdentifier.from_certificate(pref)))
    attrs.append(message_digest_attr(message_digest))
    if signer.signing_certificate_v2:
        attrs.append(signing_certificate_v2_attr([signer.certificate]))
    if signer.algorithm_protection:
        attrs.append(algorithm_protection_attr(signer.digest_algorithm, signer.signature_algorithm))
    attrs.extend(signer.extra_signed_attributes)
    return attrs


def build_signer_info(
    signer: Signer, content_type: str | None, *, digest: bytes, data: bytes | None
) -> bytes:
    """One DER SignerInfo (RFC 5652 5.3-5.5).

    :param digest: the digest of the signed octets with the signer's digest algorithm.
    :param data: the signed octets themselves, needed only by PureEdDSA without
        signed attributes.
    """
    sid = CertificateIdentifier.from_certificate(signer.certificate, use_ski=signer.use_ski)
    digest_alg, _, sig_alg = signer._algorithms
    parts = [der.encode_int(signer.signer_info_version), sid.to_der(), digest_alg.to_der()]
    if signer.signed_attributes:
        signed = encode_attributes(_signed_attributes(signer, digest, content_type))
        signature = signatures.sign(signer.key, sig_alg, signed, digest_algorithm=digest_alg)
        parts.append(der.implicit(0, signed))
    elif signer.is_eddsa:
        assert data is not None
        signature = signatures.sign(signer.key, sig_alg, data, digest_algorithm=digest_alg)
    else:
        signature = signatures.sign_digest(signer.key, sig_alg, digest, digest_algorithm=digest_alg)
    parts += [sig_alg.to_der(), der.encode_octets(signature)]
    if signer.unsigned_attributes:
        parts.append(der.implicit(1, encode_attributes(signer.unsigned_attributes)))
    return der.sequence(*parts)


def check_countersigner(signer: Signer) -> None:
    """Refuse what a countersignature cannot carry (RFC 5652 section 11.4)."""
    if signer.encryption_key_preference is not None:
        raise UsageError(
            "a countersignature carries no SMIMEEncryptionKeyPreference (RFC 8551 2.5.3 is "
            "for the message signer)"
        )
    _check_attributes(signer, countersignature=True)


def new_content_hash(signer: Signer) -> Hash:
    """A fresh running hash with the signer's digest algorithm (RFC 5652 5.4)."""
    return signer._algorithms[1].new()
