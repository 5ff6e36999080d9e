"""Signatures: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA, EdDSA (sign and verify), DSA (verify only).

``algorithm`` is a signature AlgorithmIdentifier as a certificate carries it
(``sha256WithRSAEncryption``, ``ecdsa-with-SHA384``, ``id-Ed25519``,
``id-RSASSA-PSS`` with parameters, ``id-dsa-with-sha256``) or as a CMS
SignerInfo may carry it: a bare key algorithm (``rsaEncryption``,
``id-ecPublicKey``, ``id-dsa``) whose hash is the SignerInfo's
``digestAlgorithm`` (RFC 5652 section 5.3, RFC 3370 section 3).

Decisions, with their RFCs:

* PKCS#1 v1.5 verification recomputes the whole encoded message and compares
  it (RFC 8017 section 8.2.2), so no garbage can hide in the DigestInfo
  (Bleichenbacher 2006). Two encodings are accepted: the DigestInfo with NULL
  hash parameters (RFC 8017 appendix A.2.4, what we write) and, for the SHA
  families only, with absent parameters, which some implementations write
  (RFC 5754 section 2 made absent the preferred form elsewhere). Both are exact
  encodings of the same digest, so accepting the second opens no malleability.
* A combined OID fixes its hash; a ``digest_algorithm`` that disagrees with it,
  or with the RSASSA-PSS ``hashAlgorithm``, is a :class:`SignatureError`.
* RSASSA-PSS parameters are required in a signature AlgorithmIdentifier
  (RFC 4055 section 3.1); the salt length in them is the only one accepted. For
  a key whose SubjectPublicKeyInfo carried RSASSA-PSS parameters, the
  signature's parameters must match them (RFC 4055 section 3.3).
* EdDSA is pure EdDSA over the data (RFC 8419 section 3, RFC 8032); its
  parameters MUST be absent (RFC 8419 section 2.4) and NULL is an error. A
  ``digest_algorithm`` is not used by the signature and is ignored here.
* ECDSA and DSA signatures must be DER ``Ecdsa-Sig-Value`` / ``Dss-Sig-Value``
  (RFC 3279 sections 2.2.2 and 2.2.3) with ``0 < r, s < n``; any other
  encoding is a bad signature.
* Policy (RFC 8551 sections 2.2, 4.2 and 4.3): SHA-1 based signatures are
  WEAK, MD5 WEAK and consume-only, DSA LEGACY and consume-only; RSA keys below
  ``policy.min_rsa_bits`` are refused on verify, and smimelib never signs with
  RSA keys below 2048 bits.

Errors: a bad signature or a key that does not fit the algorithm on verify
raises :class:`SignatureError`; an algorithm smimelib lacks
:class:`UnsupportedAlgorithm`; malformed parameters :class:`DecodeError`; the
policy :class:`PolicyError`; misuse when signing :class:`UsageError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from smimelib.asn1 import oids
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import _sigprims
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Policy,
    Use,
    lookup,
    register,
)
from smimelib.crypto.digests import DigestSpec, digest_spec
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey
from smimelib.crypto.params import (
    ID_EC_PUBLIC_KEY,
    ID_RSASSA_PSS,
    RSA_ENCRYPTION,
    PssParams,
    decode_ec_parameters,
    decode_pss_params,
    encode_pss_params,
)
from smimelib.errors import (
    DecodeError,
    PolicyError,
    SignatureError,
    UnsupportedAlgorithm,
    UsageError,
)

__all__ = [
    "ID_DSA",
    "ID_ED448",
    "ID_ED25519",
    "MIN_RSA_SIGN_BITS",
    "SignatureScheme",
    "resolve_signature",
    "sign",
    "sign_digest",
    "signature_algorithm",
    "verify",
    "verify_digest",
]

ID_DSA = "1.2.840.10040.4.1"
ID_ED25519 = "1.3.101.112"
ID_ED448 = "1.3.101.113"
#: smallest RSA modulus smimelib signs with (RFC 8551 sections 4.1 and 4.2)
MIN_RSA_SIGN_BITS = 2048


class _Scheme(enum.Enum):
    PKCS1 = "rsa-pkcs1v15"
    PSS = "rsa-pss"
    ECDSA = "ecdsa"
    EDDSA = "eddsa"
    DSA = "dsa"


class _Params(enum.Enum):
    """What the signature AlgorithmIdentifier's parameters may be."""

    ABSENT_OR_NULL = "absent or NULL"
    ABSENT = "absent"
    EC_KEY = "absent, NULL or the key's namedCurve"
    PSS = "RSASSA-PSS-params"


_KEY_OF = {
    _Scheme.PKCS1: KeyType.RSA,
    _Scheme.PSS: KeyType.RSA,
    _Scheme.ECDSA: KeyType.EC,
    _Scheme.DSA: KeyType.DSA,
}


@dataclass(frozen=True, slots=True)
class _Spec:
    info: AlgorithmInfo
    scheme: _Scheme
    params: _Params
    key_type: KeyType | None = None


_SIGS: dict[str, _Spec] = {}

_P1 = "1.2.840.113549.1.1."
_NIST_SIG = "2.16.840.1.101.3.4.3."
_X962 = "1.2.840.10045.4."
_W, _L, _C = Flag.WEAK, Flag.LEGACY, Flag.CONSUME_ONLY

_N = Flag.NONE
_RSA_RFC = "RFC 8017 section 8.2; RFC 4055 section 5; RFC 5754 section 3.2"
_EC_RFC = "RFC 5758 section 3.2; RFC 5753 section 7.1.3"
_SHA3_RFC = "NIST CSOR sigAlgs; RFC 9688"
_DSA_RFC = "RFC 3279 section 2.2.2; RFC 5754 section 3.1"

# scheme -> (rfc, ((oid, name, digest, flags), ...))
_TABLE: dict[_Scheme, tuple[str, tuple[tuple[str, str, str | None, Flag], ...]]] = {
    _Scheme.PKCS1: (
        _RSA_RFC,
        (
            (_P1 + "4", "md5WithRSAEncryption", "md5", _W | _C),
            (_P1 + "5", "sha1WithRSAEncryption", "sha1", _W),
            (_P1 + "14", "sha224WithRSAEncryption", "sha224", _N),
            (_P1 + "11", "sha256WithRSAEncryption", "sha256", _N),
            (_P1 + "12", "sha384WithRSAEncryption", "sha384", _N),
            (_P1 + "13", "sha512WithRSAEncryption", "sha512", _N),
            (_P1 + "15", "sha512-224WithRSAEncryption", "sha512-224", _N),
            (_P1 + "16", "sha512-256WithRSAEncryption", "sha512-256", _N),
            (_NIST_SIG + "13", "id-rsassa-pkcs1-v1_5-with-sha3-224", "sha3-224", _N),
            (_NIST_SIG + "14", "id-rsassa-pkcs1-v1_5-with-sha3-256", "sha3-256", _N),
            (_NIST_SIG + "15", "id-rsassa-pkcs1-v1_5-with-sha3-384", "sha3-384", _N),
            (_NIST_SIG + "16", "id-rsassa-pkcs1-v1_5-with-sha3-512", "sha3-512", _N),
        ),
    ),
    _Scheme.PSS: ("RFC 4055 section 3; RFC 4056", ((ID_RSASSA_PSS, "id-RSASSA-PSS", None, _N),)),
    _Scheme.ECDSA: (
        _EC_RFC,
        (
            (_X962 + "1", "ecdsa-with-SHA1", "sha1", _W | _C),
            (_X962 + "3.1", "ecdsa-with-SHA224", "sha224", _N),
            (_X962 + "3.2", "ecdsa-with-SHA256", "sha256", _N),
            (_X962 + "3.3", "ecdsa-with-SHA384", "sha384", _N),
            (_X962 + "3.4", "ecdsa-with-SHA512", "sha512", _N),
            (_NIST_SIG + "9", "id-ecdsa-with-sha3-224", "sha3-224", _N),
            (_NIST_SIG + "10", "id-ecdsa-with-sha3-256", "sha3-256", _N),
            (_NIST_SIG + "11", "id-ecdsa-with-sha3-384", "sha3-384", _N),
            (_NIST_SIG + "12", "id-ecdsa-with-sha3-512", "sha3-512", _N),
        ),
    ),
    _Scheme.EDDSA: (
        "RFC 8419 section 2.4; RFC 8410 section 3; RFC 8032",
        ((ID_ED25519, "id-Ed25519", None, _N), (ID_ED448, "id-Ed448", None, _N)),
    ),
    _Scheme.DSA: (
        _DSA_RFC,
        (
            ("1.2.840.10040.4.3", "id-dsa-with-sha1", "sha1", _W | _L | _C),
            (_NIST_SIG + "1", "id-dsa-with-sha224", "sha224", _L | _C),
            (_NIST_SIG + "2", "id-dsa-with-sha256", "sha256", _L | _C),
            (_NIST_SIG + "3", "id-dsa-with-sha384", "sha384", _L | _C),
            (_NIST_SIG + "4", "id-dsa-with-sha512", "sha512", _L | _C),
        ),
    ),
}
#: signatures over MD2/MD4, recognised only to refuse them by name
_REFUSED = {_P1 + "2": "md2WithRSAEncryption", _P1 + "3": "md4WithRSAEncryption"}
_SHA3_SIGS = frozenset(str(n) for n in range(9, 17))

# Key algorithm OIDs. rsaEncryption is at once the SPKI key type, the CMS SignerInfo
# signature algorithm (RFC 3370 section 3.2) and the v1.5 key transport algorithm
# (RFC 3370 section 4.2.1); it is registered once, as PUBLIC_KEY, and each module
# that accepts it in another role says so itself.
_KEY_TABLE: tuple[tuple[str, str, _Scheme, Flag, str, tuple[str, ...]], ...] = (
    (RSA_ENCRYPTION, "rsaEncryption", _Scheme.PKCS1, _N, "RFC 3370 section 3.2", ("rsa",)),
    (ID_EC_PUBLIC_KEY, "id-ecPublicKey", _Scheme.ECDSA, _N, "RFC 5480 section 2.1.1", ("ec",)),
    (ID_DSA, "id-dsa", _Scheme.DSA, _L | _C, "RFC 3279 section 2.3.2", ("dsa",)),
)


def _params_rule(scheme: _Scheme, oid: str) -> _Params:
    if scheme is _Scheme.PSS:
        return _Params.PSS
    if scheme is _Scheme.EDDSA:
        return _Params.ABSENT
    if oid == ID_EC_PUBLIC_KEY:
        return _Params.EC_KEY
    return _Params.ABSENT_OR_NULL


def _register_all() -> None:
    for scheme, (family_rfc, rows) in _TABLE.items():
        for oid, name, digest, flags in rows:
            sha3 = oid.startswith(_NIST_SIG) and oid[len(_NIST_SIG) :] in _SHA3_SIGS
            rfc = _SHA3_RFC if sha3 else family_rfc
            info = register(AlgorithmInfo(oid, name, Kind.SIGNATURE, flags, rfc, digest=digest))
            key_type = {ID_ED25519: KeyType.ED25519, ID_ED448: KeyType.ED448}.get(oid)
            _SIGS[oid] = _Spec(info, scheme, _params_rule(scheme, oid), key_type or _KEY_OF[scheme])
            if oids.name_of(oid) == oid:
                oids.register(oid, name)
    for oid, name, scheme, flags, rfc, aliases in _KEY_TABLE:
        info = register(AlgorithmInfo(oid, name, Kind.PUBLIC_KEY, flags, rfc, aliases=aliases))
        _SIGS[oid] = _Spec(info, scheme, _params_rule(scheme, oid), _KEY_OF[scheme])
        if oids.name_of(oid) == oid:
            oids.register(oid, name)


_register_all()

# (scheme, digest) -> combined OID we write
_WRITE: dict[tuple[_Scheme, str], str] = {
    (spec.scheme, spec.info.digest): oid
    for oid, spec in _SIGS.items()
    if spec.info.digest is not None and spec.info.kind is Kind.SIGNATURE
}


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """A signature AlgorithmIdentifier resolved to what is computed.

    :param info: the registry entry of the signature (or key) algorithm.
    :param scheme: ``"rsa-pkcs1v15"``, ``"rsa-pss"``, ``"ecdsa"``, ``"eddsa"`` or ``"dsa"``.
    :param digest: the hash applied to the data; ``None`` for pure EdDSA.
    :param pss: the RSASSA-PSS parameters, for ``"rsa-pss"``.
    :param curve: the namedCurve of an ``id-ecPublicKey`` signature algorithm, if given.
    """

    info: AlgorithmInfo
    scheme: str
    digest: DigestSpec | None
    pss: PssParams | None = None
    curve: str | None = None
    key_type: KeyType | None = None

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def weak(self) -> bool:
        """The signature algorithm or its digest is WEAK (SHA-1, MD5: RFC 8551 2.1)."""
        return self.info.weak or (self.digest is not None and self.digest.info.weak)

    def check_policy(self, policy: Policy, use: Use) -> None:
        """Apply ``policy`` to the signature algorithm and its digest (RFC 8551 2.1, 2.2)."""
        policy.check(self.info, use)
        if self.digest is not None:
            policy.check(self.digest.info, use)


def resolve_signature(
    algorithm: AlgorithmIdentifier,
    digest_algorithm: AlgorithmIdentifier | None = None,
) -> SignatureScheme:
    """Resolve a signature AlgorithmIdentifier (and a CMS digestAlgorithm) to its scheme.

    :raises UnsupportedAlgorithm: not a signature algorithm smimelib implements.
    :raises DecodeError: parameters not allowed for the algorithm.
    :raises SignatureError: the digest algorithm contradicts the signature algorithm, or
        a key algorithm OID is given without a digest algorithm.
    """
    spec = _SIGS.get(algorithm.oid)
    if spec is None:
        refused = _REFUSED.get(algorithm.oid)
        if refused is not None:
            raise UnsupportedAlgorithm(
                f"{refused} uses a broken digest and is not supported (RFC 6149, RFC 6150)",
                oid=algorithm.oid,
                oid_name=refused,
            )
        info = lookup(algorithm.oid)  # raises UnsupportedAlgorithm naming unknown OIDs
        raise UnsupportedAlgorithm(
            f"{info.name} is not a signature algorithm", oid=info.oid, oid_name=info.name
        )
    info = spec.info
    params = algorithm.parameters
    pss_params: PssParams | None = None
    curve: str | None = None
    rule = spec.params
    if rule is _Params.PSS:
        if params is None:
            raise DecodeError(
                "id-RSASSA-PSS signature algorithm without parameters (RFC 4055 section 3.1)",
                oid=info.oid,
                oid_name=info.name,
            )
        pss_params = decode_pss_params(params)
    elif params is not None and not (params == NULL and rule is not _Params.ABSENT):
        if rule is not _Params.EC_KEY:
            raise DecodeError(
                f"{info.name} parameters must be {rule.value}", oid=info.oid, oid_name=info.name
            )
        curve = decode_ec_parameters(params)  # RFC 5753 section 7.1.2: the namedCurve
    given = digest_spec(digest_algorithm) if digest_algorithm is not None else None
    digest: DigestSpec | None
    if spec.scheme is _Scheme.EDDSA:
        digest = None
    else:
        fixed = pss_params.hash if pss_params is not None else info.digest
        if fixed is None:
            if given is None:
                raise SignatureError(
                    f"{info.name} names no hash: a digest algorithm is needed (RFC 5652 "
                    "section 5.3)",
                    oid=info.oid,
                    oid_name=info.name,
                )
            digest = given
        else:
            digest = digest_spec(fixed)
            if given is not None and given.oid != digest.oid:
                raise SignatureError(
                    f"{info.name} signs with {digest.name} but the digest algorithm is "
                    f"{given.name}",
                    oid=info.oid,
                    oid_name=info.name,
                )
        if digest.xof:
            raise UnsupportedAlgorithm(
                f"{digest.name} is not supported with {info.name}",
                oid=digest.oid,
                oid_name=digest.name,
            )
    return SignatureScheme(info, spec.scheme.value, digest, pss_params, curve, spec.key_type)


# -- public API ------------------------------------------------------------------------------


def sign(
    key: PrivateKey,
    algorithm: AlgorithmIdentifier,
    data: bytes,
    *,
    digest_algorithm: AlgorithmIdentifier | None = None,
) -> bytes:
    """Sign ``data`` (RFC 5652 section 5.5) with ``algorithm``; returns the signature value.

    :raises PolicyError: an algorithm, digest or key size smimelib never produces.
    :raises UsageError: the key does not fit the algorithm.
    """
    scheme = _prepare_sign(key, algorithm, digest_algorithm)
    if scheme.digest is None:
        return _eddsa_sign(key, bytes(data))
    h = scheme.digest.new()
    h.update(bytes(data))
    return _sign_hash(key, scheme, h.digest())


def sign_digest(
    key: PrivateKey,
    algorithm: AlgorithmIdentifier,
    message_digest: bytes,
    *,
    digest_algorithm: AlgorithmIdentifier | None = None,
) -> bytes:
    """Sign an already computed digest (streamed content without signed attributes).

    :raises UsageError: EdDSA (pure EdDSA needs the data itself), or a digest of the
        wrong length.
    """
    scheme = _prepare_sign(key, algorithm, digest_algorithm)
    if scheme.digest is None:
        raise UsageError(f"{scheme.name} signs the data itself, not a digest (RFC 8419)")
    if len(message_digest) != scheme.digest.size:
        raise UsageError(f"a {scheme.digest.name} digest has {scheme.digest.size} bytes")
    return _sign_hash(key, scheme, bytes(message_digest))


def verify(
    key: PublicKey,
    algorithm: AlgorithmIdentifier,
    data: bytes,
    signature: bytes,
    *,
    digest_algorithm: AlgorithmIdentifier | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> None:
    """Check ``signature`` over ``data`` (RFC 5652 section 5.6); return None if it is valid.

    :raises SignatureError: the signature is invalid, or the key does not fit the algorithm.
    :raises PolicyError: the algorithm, its digest or the key size is refused by ``policy``.
    :raises UnsupportedAlgorithm: an algorithm smimelib does not implement.
    :raises DecodeError: malformed algorithm parameters.
    """
    scheme = _prepare_verify(key, algorithm, digest_algorithm, policy)
    if scheme.digest is None:
        _eddsa_verify(key, scheme, bytes(data), bytes(signature))
        return
    h = scheme.digest.new()
    h.update(bytes(data))
    _verify_hash(key, scheme, h.digest(), bytes(signature))


def verify_digest(
    key: PublicKey,
    algorithm: AlgorithmIdentifier,
    message_digest: bytes,
    signature: bytes,
    *,
    digest_algorithm: AlgorithmIdentifier | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> None:
    """Check a signature over an already computed digest (not for EdDSA; see :func:`verify`)."""
    scheme = _prepare_verify(key, algorithm, digest_algorithm, policy)
    if scheme.digest is None:
        raise UsageError(f"{scheme.name} verifies the data itself, not a digest (RFC 8419)")
    if len(message_digest) != scheme.digest.size:
        raise UsageError(f"a {scheme.digest.name} digest has {scheme.digest.size} bytes")
    _verify_hash(key, scheme, bytes(message_digest), bytes(signature))


def signature_algorithm(
    key: PublicKey | PrivateKey,
    digest: str = "sha256",
    *,
    pss: bool = False,
    salt_length: int | None = None,
) -> AlgorithmIdentifier:
    """The signature AlgorithmIdentifier smimelib writes for ``key``.

    RSA: ``sha*WithRSAEncryption`` with NULL parameters (RFC 4055 section 5), or with
    ``pss`` (or a key restricted to RSASSA-PSS) ``id-RSASSA-PSS`` with explicit
    parameters: the hash, MGF1 with the same hash, and a salt as long as the hash unless
    ``salt_length`` says otherwise (RFC 4055 section 3.1, RFC 4056). EC:
    ``ecdsa-with-*``, parameters absent (RFC 5758 section 3.2). Ed25519/Ed448: the key
    OID, parameters absent (RFC 8419 section 2.4); ``digest`` is not used by pure EdDSA.

    :raises PolicyError: a weak digest or DSA, which smimelib never writes.
    :raises UnsupportedAlgorithm: no signature OID for this key type and digest.
    :raises UsageError: ``pss`` for a non-RSA key, or a key that cannot sign.
    """
    spec = digest_spec(digest)
    if pss and key.type is not KeyType.RSA:
        raise UsageError("RSASSA-PSS needs an RSA key")
    if key.type is KeyType.RSA and (pss or key.rsa_pss):
        DEFAULT_POLICY.check(spec.info, Use.PRODUCE)
        salt = spec.size if salt_length is None else salt_length
        return AlgorithmIdentifier(
            ID_RSASSA_PSS, encode_pss_params(PssParams(spec.name, spec.name, salt))
        )
    if key.type in (KeyType.ED25519, KeyType.ED448):
        return AlgorithmIdentifier(ID_ED25519 if key.type is KeyType.ED25519 else ID_ED448)
    scheme = {KeyType.RSA: _Scheme.PKCS1, KeyType.EC: _Scheme.ECDSA, KeyType.DSA: _Scheme.DSA}
    if key.type not in scheme:
        raise UsageError(f"{key.type.value} keys cannot sign")
    oid = _WRITE.get((scheme[key.type], spec.name))
    if oid is None:
        raise UnsupportedAlgorithm(f"no {key.type.value} signature algorithm with {spec.name}")
    DEFAULT_POLICY.check(_SIGS[oid].info, Use.PRODUCE)
    return AlgorithmIdentifier(oid, NULL if scheme[key.type] is _Scheme.PKCS1 else None)


# -- preparation: resolution, key fit and policy ----------------------------------------------


def _prepare_sign(
    key: PrivateKey, algorithm: AlgorithmIdentifier, digest_algorithm: AlgorithmIdentifier | None
) -> SignatureScheme:
    if not isinstance(key, PrivateKey):
        raise UsageError(f"signing needs a PrivateKey, not {type(key).__name__}")
    try:
        scheme = resolve_signature(algorithm, digest_algorithm)
    except SignatureError as exc:
        raise UsageError(exc.message) from None
    scheme.check_policy(DEFAULT_POLICY, Use.PRODUCE)
    if key.type is not scheme.key_type:
        raise UsageError(f"a {key.type.value} key cannot sign with {scheme.name}")
    if scheme.curve is not None and scheme.curve != key.curve:
        raise UsageError(f"a {key.curve} key cannot sign for curve {scheme.curve}")
    if key.type is KeyType.RSA and key.size_bits < MIN_RSA_SIGN_BITS:
        raise PolicyError(
            f"smimelib never signs with RSA keys below {MIN_RSA_SIGN_BITS} bits "
            f"(this key has {key.size_bits})"
        )
    if key.rsa_pss and scheme.pss is None:
        raise UsageError(f"an RSASSA-PSS key cannot sign with {scheme.name} (RFC 4055 section 1.2)")
    return scheme


def _prepare_verify(
    key: PublicKey,
    algorithm: AlgorithmIdentifier,
    digest_algorithm: AlgorithmIdentifier | None,
    policy: Policy,
) -> SignatureScheme:
    if not isinstance(key, PublicKey):
        raise UsageError(f"verification needs a PublicKey, not {type(key).__name__}")
    scheme = resolve_signature(algorithm, digest_algorithm)
    scheme.check_policy(policy, Use.CONSUME)
    if key.type is not scheme.key_type:
        raise SignatureError(
            f"a {key.type.value} key cannot verify a {scheme.name} signature",
            oid=scheme.info.oid,
            oid_name=scheme.name,
        )
    if scheme.curve is not None and scheme.curve != key.curve:
        raise SignatureError(
            f"signature algorithm names curve {scheme.curve} but the key is on {key.curve}"
        )
    if key.type is KeyType.RSA:
        policy.check_rsa_bits(key.size_bits)
        if key.rsa_pss and scheme.pss is None:
            raise SignatureError(
                f"an RSASSA-PSS key cannot verify a {scheme.name} signature (RFC 4055 section 1.2)"
            )
        if scheme.pss is not None and key.pss_params is not None:
            _check_pss_key_params(key.pss_params, scheme.pss)
    return scheme


def _check_pss_key_params(key_params: bytes, sig: PssParams) -> None:
    """RFC 4055 section 3.3: parameters must match the key's, salt at least as long."""
    restricted = decode_pss_params(key_params)
    if (restricted.hash, restricted.mgf_hash) != (sig.hash, sig.mgf_hash):
        raise SignatureError(
            f"RSASSA-PSS signature uses {sig.hash}/MGF1-{sig.mgf_hash} but the key is "
            f"restricted to {restricted.hash}/MGF1-{restricted.mgf_hash} (RFC 4055 section 3.3)"
        )
    if sig.salt_length < restricted.salt_length:
        raise SignatureError(
            f"RSASSA-PSS salt of {sig.salt_length} bytes is shorter than the key's minimum "
            f"of {restricted.salt_length} (RFC 4055 section 3.3)"
        )


# -- dispatch to the primitives --------------------------------------------------------------


def _sign_hash(key: PrivateKey, scheme: SignatureScheme, mhash: bytes) -> bytes:
    digest = scheme.digest
    assert digest is not None
    try:
        if scheme.scheme == _Scheme.PKCS1.value:
            return _sigprims.sign_pkcs1(key, digest, mhash)
        if scheme.scheme == _Scheme.PSS.value:
            assert scheme.pss is not None
            mgf = digest_spec(scheme.pss.mgf_hash)
            return _sigprims.sign_pss(key, digest, mgf, scheme.pss.salt_length, mhash)
        if scheme.scheme == _Scheme.ECDSA.value:
            return _sigprims.sign_ecdsa(key, digest, mhash)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot sign with {scheme.name}: {exc}") from None
    raise UsageError(f"smimelib does not sign with {scheme.name}")


def _eddsa_sign(key: PrivateKey, data: bytes) -> bytes:
    try:
        return _sigprims.sign_eddsa(key, data)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot sign with {key.type.value}: {exc}") from None


def _bad(scheme: SignatureScheme, why: str) -> SignatureError:
    text = f"{scheme.name} signature is invalid" + (f": {why}" if why else "")
    return SignatureError(text, oid=scheme.info.oid, oid_name=scheme.name)


def _verify_hash(key: PublicKey, scheme: SignatureScheme, mhash: bytes, signature: bytes) -> None:
    digest = scheme.digest
    assert digest is not None
    try:
        if scheme.scheme == _Scheme.PKCS1.value:
            _sigprims.verify_pkcs1(key, digest, mhash, signature)
        elif scheme.scheme == _Scheme.PSS.value:
            assert scheme.pss is not None
            mgf = digest_spec(scheme.pss.mgf_hash)
            salt = scheme.pss.salt_length
            _sigprims.verify_pss(key, digest, mgf, salt, mhash, signature)
        elif scheme.scheme == _Scheme.ECDSA.value:
            _sigprims.verify_ecdsa(key, digest, mhash, signature)
        else:
            _sigprims.verify_dsa(key, mhash, signature)
    except _sigprims.Invalid as exc:
        raise _bad(scheme, str(exc)) from None


def _eddsa_verify(key: PublicKey, scheme: SignatureScheme, data: bytes, sig: bytes) -> None:
    try:
        _sigprims.verify_eddsa(key, data, sig)
    except _sigprims.Invalid as exc:
        raise _bad(scheme, str(exc)) from None
