"""Classification of S/MIME MIME parts and micalg names (RFC 8551 sections 3.2, 3.5.3.2).

On input the legacy ``application/x-pkcs7-*`` types (RFC 2311/3851), any case
of ``smime-type``, a missing ``smime-type`` and ``application/octet-stream``
with an S/MIME file name (Outlook, FIELD-NOTES rows 6 and 10) are accepted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from smimelib.errors import UsageError

__all__ = [
    "SIGNATURE_PROTOCOLS",
    "SmimeKind",
    "classify",
    "micalg_for",
    "parse_micalg",
    "signed_protocol_ok",
]


class SmimeKind(enum.Enum):
    """What an S/MIME MIME part carries (RFC 8551 section 3.2.2 smime-type values)."""

    SIGNED_MULTIPART = "multipart/signed"
    SIGNED_DATA = "signed-data"
    ENVELOPED_DATA = "enveloped-data"
    AUTH_ENVELOPED_DATA = "authEnveloped-data"
    COMPRESSED_DATA = "compressed-data"
    CERTS_ONLY = "certs-only"
    SIGNATURE = "signature"
    #: an application/pkcs7-mime part without a (known) smime-type: the CMS
    #: content type decides (RFC 8551 3.2.2 allows receivers to look inside)
    PKCS7_MIME_UNKNOWN = "pkcs7-mime"
    NONE = "none"


_PKCS7_MIME = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
#: Content types RFC 8551 3.5.3 and its predecessors use for the detached signature.
SIGNATURE_PROTOCOLS = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature"})
_SMIME_TYPES = {
    "signed-data": SmimeKind.SIGNED_DATA,
    "enveloped-data": SmimeKind.ENVELOPED_DATA,
    "authenveloped-data": SmimeKind.AUTH_ENVELOPED_DATA,
    "compressed-data": SmimeKind.COMPRESSED_DATA,
    "certs-only": SmimeKind.CERTS_ONLY,
}
_EXTENSIONS = {
    ".p7m": SmimeKind.PKCS7_MIME_UNKNOWN,
    ".p7s": SmimeKind.SIGNATURE,
    ".p7c": SmimeKind.CERTS_ONLY,
    ".p7z": SmimeKind.COMPRESSED_DATA,
}


def classify(
    content_type: str, params: Mapping[str, str], filename: str | None = None
) -> SmimeKind:
    """The S/MIME kind of a MIME part (RFC 8551 sections 3.2, 3.2.1, 3.2.2).

    ``content_type`` is ``type/subtype`` (any case); ``params`` its
    parameters with lower-case names; ``filename`` the part's file name.
    ``application/pkcs7-mime`` with an unknown or missing smime-type, or an
    ``application/octet-stream`` ``.p7m`` file, gives
    :attr:`SmimeKind.PKCS7_MIME_UNKNOWN` (decide from the CMS content type).
    ``multipart/signed`` is classified by media type alone; check its
    ``protocol`` with :func:`signed_protocol_ok`.
    """
    ctype = content_type.strip().lower()
    if ctype == "multipart/signed":
        return SmimeKind.SIGNED_MULTIPART
    if ctype in SIGNATURE_PROTOCOLS:
        return SmimeKind.SIGNATURE
    if ctype in _PKCS7_MIME:
        smime_type = params.get("smime-type", "").strip().lower()
        return _SMIME_TYPES.get(smime_type, SmimeKind.PKCS7_MIME_UNKNOWN)
    if ctype == "application/octet-stream" and filename:
        name = filename.strip().lower()
        for ext, kind in _EXTENSIONS.items():
            if name.endswith(ext):
                return kind
    return SmimeKind.NONE


def signed_protocol_ok(params: Mapping[str, str]) -> bool:
    """True if a multipart/signed ``protocol`` names a PKCS#7 signature (RFC 8551 3.5.3).

    RFC 1847 2.1 makes the parameter required; the ``x-`` form of RFC 2311 is accepted.
    """
    return params.get("protocol", "").strip().lower() in SIGNATURE_PROTOCOLS


# RFC 8551 3.5.3.2 (plus RFC 5751's SHA-224 and the legacy md5) by digest OID.
_MICALG_BY_OID = {
    "1.2.840.113549.2.5": "md5",
    "1.3.14.3.2.26": "sha-1",
    "2.16.840.1.101.3.4.2.4": "sha-224",
    "2.16.840.1.101.3.4.2.1": "sha-256",
    "2.16.840.1.101.3.4.2.2": "sha-384",
    "2.16.840.1.101.3.4.2.3": "sha-512",
}
_MICALG_NAMES = frozenset(_MICALG_BY_OID.values())
# RFC 3851 names and other spellings seen in the field (FIELD-NOTES row 4).
_LEGACY_MICALG = {
    "sha1": "sha-1",
    "sha224": "sha-224",
    "sha256": "sha-256",
    "sha384": "sha-384",
    "sha512": "sha-512",
    "rsa-md5": "md5",
}


def micalg_for(digest_oids: Iterable[str]) -> str:
    """The ``micalg`` parameter for signers using ``digest_oids`` (RFC 8551 3.5.3.2).

    Several signers give a comma-separated list without duplicates; the list
    is sorted so the output does not depend on signer order. An unknown
    digest gives ``unknown`` as RFC 8551 says.
    """
    names = {_MICALG_BY_OID.get(oid.strip(), "unknown") for oid in digest_oids}
    if not names:
        raise UsageError("micalg needs at least one digest algorithm")
    return ",".join(sorted(names))


def parse_micalg(value: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read a ``micalg`` value; returns (RFC 8551 names, findings).

    Legacy RFC 3851 names (``sha1``, ``sha256``) and any case are accepted
    and reported as findings; a missing value gives no names and a finding
    (the CMS digestAlgorithms decide: micalg is advisory, THREATS 4.2).
    Unknown names are kept as given, lower-cased.
    """
    if value is None or not value.strip():
        return (), ("micalg parameter missing (RFC 8551 3.5.3 requires it)",)
    names: list[str] = []
    findings: list[str] = []
    for item in value.split(","):
        raw = item.strip().strip('"')
        if not raw:
            continue
        name = raw.lower()
        if name in _LEGACY_MICALG:
            findings.append(
                f"micalg {raw!r} is an RFC 3851 name; RFC 8551 3.5.3.2 says "
                f"{_LEGACY_MICALG[name]!r}"
            )
            name = _LEGACY_MICALG[name]
        elif name != raw and name in _MICALG_NAMES:
            findings.append(f"micalg {raw!r} should be lower case (RFC 8551 3.5.3.2)")
        elif name not in _MICALG_NAMES:
            findings.append(f"micalg {raw!r} is not an RFC 8551 3.5.3.2 value")
        if name not in names:
            names.append(name)
    return tuple(names), tuple(findings)
