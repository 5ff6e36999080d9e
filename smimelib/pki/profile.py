"""Certificate profile rules: RFC 8550 section 4.4 purposes and RFC 5280 profile MUSTs.

Two checks sit beside the path-validation algorithm of RFC 5280 section 6.1:

* :func:`check_purpose` -- whether the end-entity certificate may be used for the
  S/MIME purpose asked for (RFC 8550 section 4.4.2 keyUsage, 4.4.4 extendedKeyUsage);
* :func:`profile_problems` -- the RFC 5280 section 4 requirements on how a
  certificate is written (serial numbers, key identifiers, names, CA flags) that the
  section 6 algorithm does not test. Real-world mail certificates often break some
  of them, so the validator fails a path on them only under
  ``ValidationPolicy.strict`` and otherwise reports them as findings; duplicate
  extensions are always fatal.
"""

from __future__ import annotations

from collections.abc import Iterable

from smimelib.errors import DecodeError, SmimeError
from smimelib.pki import extensions as ext
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.general_names import GeneralNameKind
from smimelib.pki.name_constraints import is_valid_dns_name, is_valid_mailbox
from smimelib.pki.path_results import KeyPurpose, ValidationStatus

__all__ = ["Problem", "check_purpose", "profile_problems"]

#: a status and the reason that explains it
Problem = tuple[ValidationStatus, str]

_OID_RSA = "1.2.840.113549.1.1.1"
_OID_RSA_PSS = "1.2.840.113549.1.1.10"
_OID_RSAES_OAEP = "1.2.840.113549.1.1.7"
_OID_EC = "1.2.840.10045.2.1"
_OID_X25519 = "1.3.101.110"
_OID_X448 = "1.3.101.111"
_OID_DH = "1.2.840.10046.2.1"
_OID_SIA = "1.3.6.1.5.5.7.1.11"

_SIGNING = frozenset({KeyUsage.DIGITAL_SIGNATURE, KeyUsage.NON_REPUDIATION})
#: keyAgreement key algorithms (RFC 8550 4.4.2: "keyAgreement for DH/ECDH keys")
_AGREEMENT_KEYS = frozenset({_OID_EC, _OID_X25519, _OID_X448, _OID_DH})
_TRANSPORT_KEYS = frozenset({_OID_RSA, _OID_RSAES_OAEP})


def _who(cert: Certificate) -> str:
    subject = cert.subject.rfc4514()
    return f"certificate {subject!r}" if subject else f"certificate (serial {cert.serial_hex})"


def check_purpose(
    cert: Certificate, purpose: KeyPurpose, required_ekus: Iterable[str] | None = None
) -> Problem | None:
    """Whether ``cert`` (an end entity) may be used for ``purpose`` (RFC 8550 4.4).

    * SIGN: when keyUsage is present it must assert digitalSignature or
      nonRepudiation (4.4.2);
    * ENCRYPT: when keyUsage is present it must assert keyEncipherment for RSA keys
      and keyAgreement for (EC)DH, X25519 and X448 keys (4.4.2);
    * extendedKeyUsage, when present, must contain anyExtendedKeyUsage or one of
      ``required_ekus`` -- by default emailProtection for SIGN and ENCRYPT and no
      requirement for ANY (4.4.4, RFC 5280 4.2.1.12); an empty or undecodable
      extension is malformed.

    Returns ``None`` when the certificate fits, else ``(status, reason)``.
    """
    who = _who(cert)
    try:
        usages = cert.key_usage
    except DecodeError as exc:
        return ValidationStatus.MALFORMED, f"{who}: keyUsage cannot be decoded ({exc.message})"
    try:
        ekus = cert.extended_key_usage
    except DecodeError as exc:
        return (
            ValidationStatus.MALFORMED,
            f"{who}: extendedKeyUsage cannot be decoded, or is empty ({exc.message};"
            " RFC 5280 4.2.1.12)",
        )
    if usages is not None and purpose is KeyPurpose.SIGN and not usages & _SIGNING:
        return (
            ValidationStatus.KEY_USAGE,
            f"{who}: keyUsage allows neither digitalSignature nor nonRepudiation, so it"
            " cannot sign (RFC 8550 section 4.4.2)",
        )
    if usages is not None and purpose is KeyPurpose.ENCRYPT:
        problem = _encryption_usage(cert, usages, who)
        if problem is not None:
            return problem
    if required_ekus is None:
        wanted = (
            frozenset({ext.OID_EKU_EMAIL_PROTECTION})
            if purpose is not KeyPurpose.ANY
            else frozenset()
        )
    else:
        wanted = frozenset(required_ekus)
    if ekus is not None and wanted and ext.OID_EKU_ANY not in ekus and not wanted & set(ekus):
        names = ", ".join(sorted(wanted))
        return (
            ValidationStatus.EXTENDED_KEY_USAGE,
            f"{who}: extendedKeyUsage has neither anyExtendedKeyUsage nor {names}"
            " (RFC 8550 section 4.4.4, RFC 5280 4.2.1.12)",
        )
    return None


def _encryption_usage(cert: Certificate, usages: frozenset[KeyUsage], who: str) -> Problem | None:
    algorithm = cert.public_key_algorithm.oid
    if algorithm in _TRANSPORT_KEYS:
        needed, name = KeyUsage.KEY_ENCIPHERMENT, "keyEncipherment"
    elif algorithm in _AGREEMENT_KEYS:
        needed, name = KeyUsage.KEY_AGREEMENT, "keyAgreement"
    elif algorithm == _OID_RSA_PSS:
        return (
            ValidationStatus.KEY_USAGE,
            f"{who}: an RSASSA-PSS key can only sign, never encrypt (RFC 4055 section 1.2)",
        )
    else:
        needed = None
        name = "keyEncipherment or keyAgreement"
    if needed is None:
        if usages & {KeyUsage.KEY_ENCIPHERMENT, KeyUsage.KEY_AGREEMENT}:
            return None
    elif needed in usages:
        return None
    return (
        ValidationStatus.KEY_USAGE,
        f"{who}: keyUsage lacks {name}, so it cannot be used for encryption"
        " (RFC 8550 section 4.4.2)",
    )


def profile_problems(
    cert: Certificate, *, is_anchor: bool, is_ca: bool, is_leaf: bool
) -> list[Problem]:
    """The RFC 5280 section 4 profile requirements ``cert`` breaks.

    ``is_anchor``: the certificate is the trust anchor; ``is_ca``: it issues another
    certificate of the path; ``is_leaf``: it is the end entity (target). Duplicate
    extensions are reported first (always fatal); the others fail a path only under
    a strict policy.
    """
    who = _who(cert)
    out: list[Problem] = []
    seen: set[str] = set()
    for e in cert.extensions:
        if e.oid in seen:
            out.append(
                (
                    ValidationStatus.MALFORMED,
                    f"{who}: extension {e.oid} appears more than once (RFC 5280 4.2)",
                )
            )
        seen.add(e.oid)
    try:
        out.extend(_profile(cert, who, is_anchor=is_anchor, is_ca=is_ca, is_leaf=is_leaf))
    except SmimeError as exc:
        out.append((ValidationStatus.MALFORMED, f"{who}: an extension cannot be decoded ({exc})"))
    return out


def _profile(
    cert: Certificate, who: str, *, is_anchor: bool, is_ca: bool, is_leaf: bool
) -> list[Problem]:
    bad = ValidationStatus.MALFORMED
    out: list[Problem] = []
    serial = cert.serial_number
    if serial <= 0:
        out.append((bad, f"{who}: serial number is not positive (RFC 5280 4.1.2.2)"))
    elif (serial.bit_length() + 8) // 8 > 20:
        out.append((bad, f"{who}: serial number is longer than 20 octets (RFC 5280 4.1.2.2)"))
    if cert.issuer.is_empty():
        out.append((bad, f"{who}: the issuer name is empty (RFC 5280 4.1.2.4)"))
    aki = cert.extension(ext.OID_AUTHORITY_KEY_IDENTIFIER)
    if aki is not None and aki.critical:
        out.append((bad, f"{who}: authorityKeyIdentifier is critical (RFC 5280 4.2.1.1)"))
    if aki is None and cert.version == 3 and not is_anchor and not cert.is_self_signed:
        out.append((bad, f"{who}: authorityKeyIdentifier is missing (RFC 5280 4.2.1.1)"))
    ski = cert.extension(ext.OID_SUBJECT_KEY_IDENTIFIER)
    if ski is not None and ski.critical:
        out.append((bad, f"{who}: subjectKeyIdentifier is critical (RFC 5280 4.2.1.2)"))
    bc = cert.basic_constraints
    ca_flag = bc is not None and bc.ca
    if ski is None and ca_flag and cert.version == 3:
        out.append(
            (bad, f"{who}: a CA certificate without subjectKeyIdentifier (RFC 5280 4.2.1.2)")
        )
    san = cert.extension(ext.OID_SUBJECT_ALT_NAME)
    if cert.subject.is_empty():
        if is_ca or ca_flag:
            out.append((bad, f"{who}: a CA certificate with an empty subject (RFC 5280 4.1.2.6)"))
        elif san is None or not san.critical:
            out.append(
                (
                    bad,
                    f"{who}: empty subject without a critical subjectAltName (RFC 5280 4.2.1.6)",
                )
            )
    if san is not None:
        for name in cert.subject_alt_names:
            value = name.value
            is_ip = name.kind is GeneralNameKind.IP_ADDRESS
            if is_ip and isinstance(value, bytes) and len(value) not in (4, 16):
                out.append((bad, f"{who}: subjectAltName {name} is no IP address"))
            elif isinstance(value, str) and not _well_formed_name(name.kind, value):
                out.append(
                    (bad, f"{who}: subjectAltName {name} is not well-formed (RFC 5280 4.2.1.6)")
                )
    usages = cert.key_usage
    if usages is not None and KeyUsage.KEY_CERT_SIGN in usages and not ca_flag:
        out.append(
            (
                bad,
                f"{who}: keyCertSign is asserted but basicConstraints cA is not (RFC 5280 4.2.1.3)",
            )
        )
    if usages is not None and not usages:
        out.append((bad, f"{who}: keyUsage asserts no bit (RFC 5280 4.2.1.3)"))
    nc = cert.extension(ext.OID_NAME_CONSTRAINTS)
    if nc is not None:
        if is_leaf and not ca_flag:
            out.append(
                (bad, f"{who}: nameConstraints in an end-entity certificate (RFC 5280 4.2.1.10)")
            )
        if not nc.critical:
            out.append((bad, f"{who}: nameConstraints is not critical (RFC 5280 4.2.1.10)"))
    for oid, section in ((ext.OID_AUTHORITY_INFO_ACCESS, "4.2.2.1"), (_OID_SIA, "4.2.2.2")):
        found = cert.extension(oid)
        if found is not None and found.critical:
            out.append((bad, f"{who}: extension {oid} must not be critical (RFC 5280 {section})"))
    pc = cert.extension(ext.OID_POLICY_CONSTRAINTS)
    if pc is not None and not pc.critical:
        out.append((bad, f"{who}: policyConstraints is not critical (RFC 5280 4.2.1.11)"))
    if bc is not None and bc.path_length is not None and not bc.ca:
        out.append((bad, f"{who}: pathLenConstraint without cA (RFC 5280 4.2.1.9)"))
    if is_ca and not is_anchor and cert.version == 3 and bc is not None and ca_flag:
        bce = cert.extension(ext.OID_BASIC_CONSTRAINTS)
        if bce is not None and not bce.critical:
            out.append((bad, f"{who}: a CA's basicConstraints is not critical (RFC 5280 4.2.1.9)"))
    if is_anchor:
        bce = cert.extension(ext.OID_BASIC_CONSTRAINTS)
        if bce is None or not ca_flag or not bce.critical:
            out.append(
                (
                    bad,
                    f"{who}: a trust anchor without critical basicConstraints cA TRUE"
                    " (RFC 5280 4.2.1.9)",
                )
            )
        if usages is not None and KeyUsage.KEY_CERT_SIGN not in usages:
            out.append(
                (
                    ValidationStatus.KEY_USAGE,
                    f"{who}: a trust anchor without keyCertSign (RFC 5280 4.2.1.3)",
                )
            )
    return out


def _well_formed_name(kind: GeneralNameKind, value: str) -> bool:
    if kind is GeneralNameKind.DNS_NAME:
        return is_valid_dns_name(value, wildcard=True)
    if kind is GeneralNameKind.RFC822_NAME:
        return is_valid_mailbox(value)
    return True
