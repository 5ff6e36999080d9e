"""The one check every signed X.509 structure shares: TBS bytes, algorithm, signature.

Certificates (RFC 5280 4.1.1.3), CRLs (RFC 5280 5.1.1.3) and OCSP responses
(RFC 6960 4.2.1) are each a to-be-signed encoding, a signature algorithm and a BIT
STRING signature. The signature is always checked over the received TBS bytes.
"""

from __future__ import annotations

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.keys import PublicKey
from smimelib.crypto.signatures import resolve_signature, verify
from smimelib.errors import PolicyError, SignatureError

#: digests never accepted in certificate, CRL or OCSP signatures, whatever the policy
#: allows (RFC 6151 for MD5; MD2 and MD4 are long broken too; RFC 8550 section 4.3)
NEVER_DIGESTS = frozenset({"md2", "md4", "md5"})


def refuse_broken_digest(algorithm: AlgorithmIdentifier) -> None:
    """Raise PolicyError for a signature algorithm over an MD2, MD4 or MD5 digest.

    Policies may allow SHA-1 for old chains; these digests allow forging the signed
    structure itself (a chosen-prefix MD5 collision made a rogue CA in 2008).
    """
    scheme = resolve_signature(algorithm)
    if scheme.digest is not None and scheme.digest.name.lower() in NEVER_DIGESTS:
        raise PolicyError(
            f"{scheme.name} signatures are never accepted (RFC 6151)",
            oid=algorithm.oid,
            oid_name=scheme.name,
        )


def verify_signed(
    key: PublicKey,
    algorithm: AlgorithmIdentifier,
    tbs: bytes,
    signature: bytes,
    unused_bits: int,
    *,
    policy: Policy,
    what: str,
    inner_algorithm: AlgorithmIdentifier | None = None,
    section: str = "",
) -> None:
    """Verify ``signature`` over ``tbs`` with ``key``.

    ``inner_algorithm`` is the algorithm repeated inside the TBS structure (certificates
    and CRLs); it must equal ``algorithm`` (RFC 5280 4.1.1.2 and 5.1.1.2, named by
    ``section``), or an attacker could pick the algorithm the signature is checked with.
    """
    if inner_algorithm is not None and inner_algorithm != algorithm:
        raise SignatureError(
            f"{what} signatureAlgorithm differs from the signature field inside the signed"
            f" data (RFC 5280 section {section})"
        )
    if unused_bits:
        raise SignatureError(f"{what} signature has unused bits; it cannot be a signature")
    verify(key, algorithm, tbs, signature, policy=policy)
