"""The checks on one SignerInfo and its countersignatures (RFC 5652 5.3-5.6, 11; RFC 6211;
RFC 5035; RFC 8551 2).

Every check runs whatever the others found, so that the report is complete; the
problems are then ranked and the first becomes the :class:`~smimelib.cms.results.Reason`
(the others are listed as findings): algorithm problems, then signed-attribute
problems, then the signer certificate and its key, then the signature value, then
the content (missing, or a digest that differs), then the ESS signingCertificate
binding. A signature is VALID only when none is found.

Nothing but the report leaves :meth:`SignerChecker.check`: every smimelib error
raised while checking one signer becomes a reason for that signer, so one bad
SignerInfo never hides the others.
"""

from __future__ import annotations

import abc
import hmac

from smimelib.cms._attr_checks import (
    State,
    check_signed_attributes,
    check_signing_certificate,
    check_unsigned,
)
from smimelib.cms.results import Reason, SignatureStatus, SignerResult
from smimelib.cms.signed_data import SignerInfo
from smimelib.crypto import signatures
from smimelib.crypto.algorithms import STRONG_RSA_BITS, AlgorithmInfo, Policy, Use
from smimelib.crypto.digests import DigestSpec, digest_spec
from smimelib.crypto.keys import KeyType, PublicKey
from smimelib.crypto.signatures import SignatureScheme
from smimelib.errors import (
    CertificateError,
    DecodeError,
    PolicyError,
    SignatureError,
    SmimeError,
    UnsupportedAlgorithm,
)
from smimelib.pki.certificate import Certificate

__all__ = ["Content", "SignerChecker", "digest_key"]

_ID_DSA = "1.2.840.10040.4.1"
#: RSA keys below this are reported weak even when the policy accepts them (RFC 8551 4.1)
#: how far DSA parameter inheritance is followed up the issuers (RFC 3279 2.3.2)
_MAX_DSA_INHERITANCE = 8

_RANK = {
    Reason.UNKNOWN_ALGORITHM: 0,
    Reason.ALGORITHM_MISMATCH: 0,
    Reason.ALGORITHM_REFUSED: 0,
    Reason.MISSING_SIGNED_ATTRIBUTES: 1,
    Reason.SIGNED_ATTRS_NOT_DER: 1,
    Reason.MALFORMED_ATTRIBUTES: 1,
    Reason.MISSING_CONTENT_TYPE: 1,
    Reason.DUPLICATE_CONTENT_TYPE: 1,
    Reason.COUNTERSIGNATURE_CONTENT_TYPE: 1,
    Reason.MISSING_MESSAGE_DIGEST: 1,
    Reason.DUPLICATE_MESSAGE_DIGEST: 1,
    Reason.CONTENT_TYPE_MISMATCH: 1,
    Reason.ALGORITHM_PROTECTION_MISMATCH: 1,
    Reason.SIGNER_CERTIFICATE_NOT_FOUND: 2,
    Reason.SIGNER_KEY_UNUSABLE: 2,
    Reason.BAD_SIGNATURE: 3,
    Reason.CONTENT_MISSING: 4,
    Reason.DIGEST_NOT_COMPUTED: 4,
    Reason.DIGEST_MISMATCH: 5,
    Reason.SIGNING_CERTIFICATE_MISMATCH: 6,
}

#: why a content source cannot give a digest or the whole content -> reason and detail
_UNAVAILABLE = {
    "content-missing": (
        Reason.CONTENT_MISSING,
        "detached signature (no eContent) and no content was given (RFC 5652 5.2)",
    ),
    "not-listed": (
        Reason.DIGEST_NOT_COMPUTED,
        "the digest algorithm is not in the digestAlgorithms SET and the streamed content "
        "cannot be read again (RFC 5652 5.3)",
    ),
    "not-seekable": (
        Reason.DIGEST_NOT_COMPUTED,
        "pure EdDSA without signed attributes needs the whole content, and the streamed "
        "content cannot be read again (RFC 8419 section 3)",
    ),
    "too-large": (
        Reason.DIGEST_NOT_COMPUTED,
        "pure EdDSA without signed attributes needs the whole content in memory, and it is "
        "larger than the input limit (RFC 8419 section 3)",
    ),
}


def digest_key(spec: DigestSpec) -> tuple[str, int]:
    """One running digest per algorithm and output length (NULL or absent parameters alike)."""
    return spec.oid, spec.size


class Content(abc.ABC):
    """What the signatures cover: digests of it, or (for pure EdDSA) all of it.

    Each method returns the bytes, or a code naming why they are unavailable
    (``"content-missing"``, ``"not-listed"``, ``"not-seekable"``, ``"too-large"``).
    """

    @abc.abstractmethod
    def digest(self, spec: DigestSpec) -> bytes | str: ...

    @abc.abstractmethod
    def whole(self) -> bytes | str: ...


class _Covered(Content):
    """The signature value a countersignature covers (RFC 5652 11.4)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def digest(self, spec: DigestSpec) -> bytes | str:
        h = spec.new()
        h.update(self._data)
        return h.digest()

    def whole(self) -> bytes | str:
        return self._data


class SignerChecker:
    """Checks SignerInfos of one SignedData against its content (RFC 5652 5.6).

    :param content_type: eContentType.
    :param content: the covered content.
    :param pool: where to look for signer certificates (caller's first, then the message's).
    :param policy: algorithm and key-size policy.
    :param require_der: non-DER signedAttrs make the signature INVALID.
    """

    def __init__(
        self,
        content_type: str,
        content: Content,
        pool: tuple[Certificate, ...],
        policy: Policy,
        *,
        require_der: bool = False,
    ) -> None:
        self._content_type = content_type
        self._content = content
        seen: set[bytes] = set()
        unique: list[Certificate] = []
        for cert in pool:
            if cert.der not in seen:
                seen.add(cert.der)
                unique.append(cert)
        self._pool = tuple(unique)
        self._policy = policy
        self._require_der = require_der

    @staticmethod
    def needs_whole_content(si: SignerInfo) -> bool:
        """Pure EdDSA without signed attributes signs the content itself (RFC 8419 3)."""
        if si.signed_attrs is not None:
            return False
        return si.signature_algorithm.oid in (signatures.ID_ED25519, signatures.ID_ED448)

    def check(self, si: SignerInfo) -> SignerResult:
        """The result of one top-level SignerInfo, countersignatures included."""
        return self._check(si, self._content, counter=False)

    # -- one SignerInfo ---------------------------------------------------------------------

    def _check(self, si: SignerInfo, content: Content, *, counter: bool) -> SignerResult:
        state = State([], list(si.findings))
        spec, scheme = self._algorithms(si, state)
        message_digest = check_signed_attributes(
            si,
            state,
            content_type=self._content_type,
            counter=counter,
            require_der=self._require_der,
        )
        if si.unsigned_attrs is not None:
            check_unsigned(si.unsigned_attrs, state)
        candidates = [c for c in self._pool if si.sid.matches(c)]
        if not candidates:
            state.problem(
                Reason.SIGNER_CERTIFICATE_NOT_FOUND,
                f"no certificate in the message or given by the caller matches {si.sid}",
            )
        computed: bytes | None = None
        if spec is not None and (si.signed_attrs is not None or not _is_eddsa(scheme)):
            got = content.digest(spec)
            if isinstance(got, str):
                state.problem(*_UNAVAILABLE[got])
            else:
                computed = got
        if scheme is not None and candidates and not _has_algorithm_problem(state):
            self._signature(si, scheme, content, computed, candidates, state)
        elif candidates:
            state.certificate = candidates[0]
        if message_digest is not None and computed is not None:
            state.intact = hmac.compare_digest(computed, message_digest)
            if not state.intact:
                state.problem(
                    Reason.DIGEST_MISMATCH,
                    f"the {spec.name if spec else ''} digest of the content is "
                    f"{computed.hex()}, the message-digest attribute says "
                    f"{message_digest.hex()} (RFC 5652 5.6)",
                )
        if si.signed_attrs is not None and state.certificate is not None:
            check_signing_certificate(si.signed_attrs, state.certificate, state)
        counters = tuple(
            self._check(cs, _Covered(si.signature), counter=True) for cs in si.countersignatures
        )
        return _result(si, state, counters)

    def _algorithms(
        self, si: SignerInfo, state: State
    ) -> tuple[DigestSpec | None, SignatureScheme | None]:
        """digestAlgorithm and signatureAlgorithm: known, consistent, allowed."""
        try:
            spec = digest_spec(si.digest_algorithm)
        except UnsupportedAlgorithm as exc:
            state.problem(Reason.UNKNOWN_ALGORITHM, f"digest algorithm: {exc}")
            return None, None
        except DecodeError as exc:
            state.problem(Reason.UNKNOWN_ALGORITHM, f"malformed digest algorithm: {exc}")
            return None, None
        self._allowed(spec.info, state)
        try:
            scheme = signatures.resolve_signature(si.signature_algorithm, si.digest_algorithm)
        except UnsupportedAlgorithm as exc:
            state.problem(Reason.UNKNOWN_ALGORITHM, f"signature algorithm: {exc}")
            return spec, None
        except DecodeError as exc:
            state.problem(Reason.UNKNOWN_ALGORITHM, f"malformed signature algorithm: {exc}")
            return spec, None
        except SignatureError as exc:
            state.problem(Reason.ALGORITHM_MISMATCH, f"{exc} (RFC 8933 section 3)")
            return spec, None
        self._allowed(scheme.info, state)
        if scheme.digest is not None and scheme.digest.oid != spec.oid:
            self._allowed(scheme.digest.info, state)
        return spec, scheme

    def _allowed(self, info: AlgorithmInfo, state: State) -> None:
        try:
            self._policy.check(info, Use.CONSUME)
        except PolicyError as exc:
            state.problem(Reason.ALGORITHM_REFUSED, str(exc))
            return
        if info.weak:
            state.weak = True
            state.note(
                "weak-algorithm",
                f"{info.name} is weak or obsolete; accepted only because the policy allows it "
                "(RFC 8551 section 2)",
            )

    # -- certificate, key and signature -----------------------------------------------------

    def _signature(
        self,
        si: SignerInfo,
        scheme: SignatureScheme,
        content: Content,
        computed: bytes | None,
        candidates: list[Certificate],
        state: State,
    ) -> None:
        """Try each matching certificate until one verifies (RFC 5652 5.6)."""
        data: bytes | None = None
        if si.signed_attrs is not None:
            data = si.signed_attrs.signed_bytes()
        elif scheme.digest is None:
            whole = content.whole()
            if isinstance(whole, str):
                state.problem(*_UNAVAILABLE[whole])
                state.certificate = candidates[0]
                return
            data = whole
        elif computed is None:
            state.certificate = candidates[0]
            return  # the reason (content missing) is already recorded
        failure: tuple[Reason, str] | None = None
        for cert in candidates:
            try:
                key = self._public_key(cert)
                self._note_key(key, state)
                if data is not None:
                    signatures.verify(
                        key,
                        si.signature_algorithm,
                        data,
                        si.signature,
                        digest_algorithm=si.digest_algorithm,
                        policy=self._policy,
                    )
                else:
                    assert computed is not None
                    signatures.verify_digest(
                        key,
                        si.signature_algorithm,
                        computed,
                        si.signature,
                        digest_algorithm=si.digest_algorithm,
                        policy=self._policy,
                    )
            except SmimeError as exc:
                if failure is None:
                    failure = (_signature_reason(exc), str(exc))
                    state.certificate = cert
                continue
            except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
                # the key comes from an untrusted certificate: whatever the primitive makes
                # of it, it is this signer's failure, never the whole message's
                if failure is None:
                    failure = (
                        Reason.BAD_SIGNATURE,
                        f"the signature could not be checked with this key ({type(exc).__name__})",
                    )
                    state.certificate = cert
                continue
            state.certificate = cert
            state.signature_valid = True
            return
        assert failure is not None
        if failure[0] is Reason.BAD_SIGNATURE:
            state.signature_valid = False
        state.problem(*failure)

    def _note_key(self, key: PublicKey, state: State) -> None:
        if key.type is KeyType.RSA and key.size_bits < STRONG_RSA_BITS:
            self._policy.check_rsa_bits(key.size_bits)  # refused keys are reported by verify()
            state.weak = True
            state.note(
                "weak-key",
                f"RSA key of {key.size_bits} bits; accepted only because the policy allows it "
                "(RFC 8551 section 4.1)",
            )

    def _public_key(self, cert: Certificate, depth: int = 0) -> PublicKey:
        """The certificate's key, DSA parameters inherited from an issuer in the pool
        (RFC 3279 section 2.3.2)."""
        if not cert.has_inherited_dsa_parameters:
            return cert.public_key
        if depth >= _MAX_DSA_INHERITANCE:
            raise CertificateError("DSA parameter inheritance is nested too deeply")
        for issuer in self._pool:
            if issuer is cert or issuer.public_key_algorithm.oid != _ID_DSA:
                continue
            if not issuer.subject.matches(cert.issuer):
                continue
            try:
                return cert.public_key_with_params(self._public_key(issuer, depth + 1))
            except SmimeError:
                continue
        raise CertificateError(
            "the signer's DSA key inherits p, q, g from its issuer (RFC 3279 2.3.2), and no "
            f"issuer certificate with DSA parameters for {cert.issuer.rfc4514()!r} is available"
        )


def _signature_reason(exc: SmimeError) -> Reason:
    if isinstance(exc, SignatureError):
        return Reason.BAD_SIGNATURE
    if isinstance(exc, PolicyError):
        return Reason.ALGORITHM_REFUSED
    if isinstance(exc, UnsupportedAlgorithm):
        return Reason.UNKNOWN_ALGORITHM
    if isinstance(exc, CertificateError | DecodeError):
        return Reason.SIGNER_KEY_UNUSABLE
    return Reason.BAD_SIGNATURE


def _is_eddsa(scheme: SignatureScheme | None) -> bool:
    return scheme is not None and scheme.digest is None


def _has_algorithm_problem(state: State) -> bool:
    return any(_RANK[reason] == 0 for reason, _ in state.problems)


def _result(si: SignerInfo, state: State, counters: tuple[SignerResult, ...]) -> SignerResult:
    problems = sorted(state.problems, key=lambda p: _RANK[p[0]])
    findings = list(state.findings)
    if problems:
        reason, detail = problems[0]
        for other, text in problems[1:]:
            findings.append(f"also-{other.value}: {text}")
        status = SignatureStatus.INVALID
        final: Reason | None = reason
    else:
        status = SignatureStatus.VALID
        final = None
        cert = state.certificate
        assert cert is not None
        detail = f"signature verified with the key of {cert.subject.rfc4514()!r}"
        if state.intact:
            detail += "; the content digest matches the message-digest attribute"
    return SignerResult(
        si,
        status,
        final,
        detail,
        state.certificate,
        si.digest_algorithm,
        si.signature_algorithm,
        state.intact,
        state.signature_valid,
        state.signing_time,
        counters,
        state.weak,
        tuple(findings),
    )
