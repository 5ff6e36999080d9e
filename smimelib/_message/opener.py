"""Peeling S/MIME layers and building the report (RFC 8551 sections 3.2-3.9, THREATS).

The loop takes the current content (the bytes of one MIME entity), parses it
byte-exactly (:func:`smimelib.mime.parse_raw`), and if its *root* is an S/MIME
entity, verifies or decrypts it and continues with the content inside. It never
descends into a part beside other parts: a signed or encrypted part that is not
the root is reported (what it covers, finding ``root-not-signed``) but never
becomes "the message", and an encrypted part that is not the root is never
decrypted (EFAIL direct exfiltration, "Re: What's up Johnny").
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from smimelib._message.build import split_fields
from smimelib._message.signers import SignerJudge, sender_of
from smimelib.asn1.oids import name_of
from smimelib.cms import (
    ID_AUTH_ENVELOPED_DATA,
    ID_COMPRESSED_DATA,
    ID_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
    ID_SIGNED_DATA,
    ContentKey,
    RecipientKey,
    VerificationResult,
    decrypt,
    parse_content_info,
    verify_signed_data,
)
from smimelib.cms.compressed_data import decompress
from smimelib.crypto.algorithms import Policy
from smimelib.errors import LimitExceeded, PolicyError, SignatureError, SmimeError
from smimelib.mime import (
    MimeLimits,
    RawEntity,
    SmimeKind,
    classify,
    decode_body,
    micalg_for,
    parse_content_type,
    parse_micalg,
    parse_raw,
    signed_protocol_ok,
    to_email_message,
    verification_candidates,
)
from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import ValidationPolicy
from smimelib.pki.trust import TrustStore
from smimelib.report import Finding, Layer, LayerType, OpenedMessage, SignatureReport

__all__ = ["MAX_LAYERS", "open_message"]

#: most S/MIME layers peeled from one message (triple wrapping needs three)
MAX_LAYERS = 16

_CONTENT_TYPES = {
    ID_SIGNED_DATA: SmimeKind.SIGNED_DATA,
    ID_ENVELOPED_DATA: SmimeKind.ENVELOPED_DATA,
    ID_AUTH_ENVELOPED_DATA: SmimeKind.AUTH_ENVELOPED_DATA,
    ID_COMPRESSED_DATA: SmimeKind.COMPRESSED_DATA,
}


_STRUCTURES = {
    "enveloped-data": LayerType.ENVELOPED,
    "auth-enveloped-data": LayerType.AUTH_ENVELOPED,
    "encrypted-data": LayerType.ENCRYPTED,
}


_ENCRYPTED_KINDS = frozenset(
    {SmimeKind.ENVELOPED_DATA, SmimeKind.AUTH_ENVELOPED_DATA, SmimeKind.PKCS7_MIME_UNKNOWN}
)


@dataclass
class _State:
    #: untrusted certificates from the caller, for finding signers and building chains
    certificates: tuple[Certificate, ...] = ()
    #: octets inflated so far from CompressedData layers, bounded as a whole
    decompressed: int = 0
    layers: list[Layer] = field(default_factory=list)
    pending: list[tuple[VerificationResult, int, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _filename(entity: RawEntity) -> str | None:
    name = entity.params.get("name")
    disposition = entity.get("Content-Disposition")
    if disposition is not None:
        _, params, _ = parse_content_type(disposition)
        name = params.get("filename", name)
    return name


def _kind(entity: RawEntity, der: bytes | None = None) -> SmimeKind:
    kind = classify(entity.content_type, entity.params, _filename(entity))
    if kind is SmimeKind.PKCS7_MIME_UNKNOWN and der is not None:
        ct = parse_content_info(der).content_type
        if ct == ID_SIGNED_DATA:
            # a SignedData without signers is how certs-only is written (RFC 8551 3.6)
            return SmimeKind.SIGNED_DATA
        return _CONTENT_TYPES.get(ct, kind) if ct != ID_ENCRYPTED_DATA else kind
    return kind


def _sig_algorithms(result: VerificationResult) -> tuple[str, ...]:
    names: list[str] = []
    for signer in result.signers:
        for oid in (signer.digest_algorithm.oid, signer.signature_algorithm.oid):
            if name_of(oid) not in names:
                names.append(name_of(oid))
    return tuple(names)


def _verify_clear(
    entity: RawEntity, state: _State, depth: int, policy: Policy
) -> tuple[bytes | None, str]:
    """Verify multipart/signed ``entity`` (RFC 1847 2.1, RFC 8551 3.5.3); returns the
    covered entity's bytes (None when the structure is refused) and the form label."""
    problems: list[Finding] = []
    if not signed_protocol_ok(entity.params):
        problems.append(
            Finding(
                "wrong-protocol",
                f"multipart/signed protocol {entity.params.get('protocol')!r} is not "
                "application/pkcs7-signature",
                "RFC 8551 3.5.3",
            )
        )
    if len(entity.children) != 2:
        problems.append(
            Finding(
                "part-count",
                f"multipart/signed has {len(entity.children)} body parts, not 2",
                "RFC 1847 2.1",
            )
        )
    elif _kind(entity.children[1]) is not SmimeKind.SIGNATURE:
        problems.append(
            Finding(
                "not-a-signature",
                f"the second part is {entity.children[1].content_type}, not a PKCS #7 signature",
                "RFC 8551 3.5.3",
            )
        )
    form = "multipart/signed"
    if problems:
        state.layers.append(
            Layer(LayerType.SIGNED, depth, entity.path, form, problems=tuple(problems))
        )
        return None, form
    signed = entity.children[0]
    der = decode_body(entity.children[1])
    result: VerificationResult | None = None
    covered = signed.raw
    try:
        for label, candidate in verification_candidates(signed.raw):
            attempt = verify_signed_data(
                der, content=candidate, certificates=state.certificates, policy=policy
            )
            if result is None or attempt.ok:
                result, covered = attempt, candidate
            if attempt.ok:
                if label != "as-received":
                    state.findings.append(
                        Finding(
                            "crlf-canonicalized",
                            "the signature verifies over the CRLF form of LF-only stored text",
                            "RFC 8551 3.1.1",
                        )
                    )
                break
    except SignatureError as exc:
        problem = Finding("ambiguous-content", str(exc), "RFC 8551 3.5.3; THREATS C1")
        state.layers.append(Layer(LayerType.SIGNED, depth, entity.path, form, problems=(problem,)))
        return None, form
    assert result is not None
    names, micalg_findings = parse_micalg(entity.params.get("micalg"))
    state.findings.extend(Finding("micalg", f, "RFC 8551 3.5.3.2") for f in micalg_findings)
    if result.signers:
        expected = micalg_for(s.digest_algorithm.oid for s in result.signers)
        if names and set(names) != set(expected.split(",")):
            state.findings.append(
                Finding(
                    "micalg-mismatch",
                    f"micalg {','.join(names)} differs from the signers' digests {expected}; "
                    "the CMS digest algorithms were used",
                    "RFC 8551 3.5.3.2",
                )
            )
    _signed_layer(result, state, depth, entity.path, form)
    return covered, form


def _signed_layer(
    result: VerificationResult, state: _State, depth: int, path: str, form: str
) -> None:
    problems: list[Finding] = []
    if result.no_signers:
        problems.append(
            Finding("no-signers", "the SignedData has no SignerInfo", "RFC 5652 5.1; THREATS C3")
        )
    state.layers.append(
        Layer(
            LayerType.SIGNED, depth, path, form, _sig_algorithms(result), problems=tuple(problems)
        )
    )
    state.pending.append((result, depth, "/"))


def _report_nested(root: RawEntity, state: _State, depth: int, policy: Policy) -> None:
    """S/MIME parts below a root that is not S/MIME (THREATS "MIME wrapping" M1-M4)."""
    stack = list(reversed(root.children))
    while stack:
        part = stack.pop()
        kind = _kind(part)
        if kind is SmimeKind.SIGNED_MULTIPART and len(part.children) == 2:
            try:
                der = decode_body(part.children[1])
                result = verify_signed_data(
                    der,
                    content=part.children[0].raw,
                    certificates=state.certificates,
                    policy=policy,
                )
            except SmimeError as exc:
                state.findings.append(Finding("nested-signature-refused", f"{part.path}: {exc}"))
                continue
            state.pending.append((result, depth, part.path))
        elif kind is SmimeKind.SIGNED_DATA:
            try:
                result = verify_signed_data(
                    decode_body(part), certificates=state.certificates, policy=policy
                )
            except SmimeError as exc:
                state.findings.append(Finding("nested-signature-refused", f"{part.path}: {exc}"))
                continue
            state.pending.append((result, depth, part.path))
        elif kind in (SmimeKind.ENVELOPED_DATA, SmimeKind.AUTH_ENVELOPED_DATA):
            state.findings.append(
                Finding(
                    "encrypted-part-not-root",
                    f"the encrypted part {part.path} is not the message root and was not "
                    "decrypted (EFAIL direct exfiltration)",
                    "RFC 8551 3.3",
                )
            )
        else:
            stack.extend(reversed(part.children))
    nested = any(p[1] == depth for p in state.pending)
    peeled_signed = any(layer.type is LayerType.SIGNED for layer in state.layers)
    if nested and peeled_signed:
        state.findings.append(
            Finding(
                "nested-signature",
                "signed parts inside the signed message (e.g. a forwarded signed message) are "
                "reported with the part they cover; they do not sign the message",
                "RFC 8551 3.5",
            )
        )
    elif nested:
        state.findings.append(
            Finding(
                "root-not-signed",
                "the message root is not signed: signed parts sit beside unsigned ones and "
                "only the listed parts are covered",
                "RFC 8551 3.5; THREATS M1-M4",
            )
        )


def _step(
    data: bytes,
    state: _State,
    depth: int,
    keys: Sequence[RecipientKey | ContentKey],
    policy: Policy,
    limits: MimeLimits,
) -> bytes | None:
    """Peel one layer off ``data``; the inner entity's bytes, or None when done."""
    root = parse_raw(data, limits)
    kind = _kind(root)
    if kind is SmimeKind.SIGNED_MULTIPART:
        return _verify_clear(root, state, depth, policy)[0]
    if kind in (SmimeKind.NONE, SmimeKind.SIGNATURE):
        if root.children:
            _report_nested(root, state, depth, policy)
        return None
    der = decode_body(root)
    kind = _kind(root, der) if kind is SmimeKind.PKCS7_MIME_UNKNOWN else kind
    form = "application/pkcs7-mime"
    if kind in (SmimeKind.SIGNED_DATA, SmimeKind.CERTS_ONLY):
        result = verify_signed_data(der, certificates=state.certificates, policy=policy)
        if result.no_signers and (kind is SmimeKind.CERTS_ONLY or result.content is None):
            state.layers.append(Layer(LayerType.CERTS_ONLY, depth, root.path, form))
            return None
        _signed_layer(result, state, depth, root.path, form)
        if result.content_type != ID_DATA:
            state.findings.append(
                Finding("inner-content-type", f"eContentType {name_of(result.content_type)}")
            )
            return None
        return result.content
    if kind in (
        SmimeKind.ENVELOPED_DATA,
        SmimeKind.AUTH_ENVELOPED_DATA,
        SmimeKind.PKCS7_MIME_UNKNOWN,
    ):
        dec = decrypt(der, keys, policy=policy)
        ltype = _STRUCTURES[dec.structure]
        state.layers.append(
            Layer(ltype, depth, root.path, form, (dec.algorithm_name,), dec.integrity_protected)
        )
        if not dec.integrity_protected:
            state.findings.append(
                Finding(
                    "unauthenticated-encryption",
                    f"{dec.algorithm_name} does not protect the content's integrity (EFAIL); "
                    "only a valid signature inside makes it trustworthy",
                    "RFC 8551 2.7",
                )
            )
        if dec.content_type != ID_DATA:
            state.findings.append(
                Finding("inner-content-type", f"content type {name_of(dec.content_type)}")
            )
            return None
        return dec.content
    if kind is SmimeKind.COMPRESSED_DATA:
        # the cap covers the sum over nested layers: a CompressedData whose content is
        # another CompressedData multiplies the ratio (THREATS 4.3)
        budget = limits.max_input_size - state.decompressed
        unpacked = decompress(der, max_output=max(budget, 0))
        state.decompressed += len(unpacked.content)
        state.layers.append(Layer(LayerType.COMPRESSED, depth, root.path, form, ("zlib",)))
        if unpacked.content_type != ID_DATA:
            state.findings.append(
                Finding("inner-content-type", f"content type {name_of(unpacked.content_type)}")
            )
            return None
        return unpacked.content
    problem = Finding(
        "unsupported-layer", f"{kind.value} is not opened by this version", "RFC 8551 3.6"
    )
    state.layers.append(Layer(LayerType.COMPRESSED, depth, root.path, form, problems=(problem,)))
    return None


def _final_message(outer: bytes, inner: bytes, limits: MimeLimits) -> tuple[bytes, RawEntity]:
    """The outer header fields (those the inner entity lacks) with the inner entity."""
    inner_root = parse_raw(inner, limits)
    inner_names = {name for name, _ in split_fields(inner_root.header_bytes)}
    outer_root = parse_raw(outer, limits)
    kept = b"".join(
        raw
        for name, raw in split_fields(outer_root.header_bytes)
        if not name.startswith("content-") and name != "mime-version" and name not in inner_names
    )
    mime_version = b"" if "mime-version" in inner_names else b"MIME-Version: 1.0\r\n"
    data = kept + mime_version + inner
    return data, parse_raw(data, limits)


def _check_integrity(state: _State) -> None:
    """``require_integrity``: every unauthenticated layer must hold a validly signed one."""
    for index, layer in enumerate(state.layers):
        if layer.integrity_protected is not False:
            continue
        inner = state.layers[index + 1] if index + 1 < len(state.layers) else None
        signed_ok = (
            inner is not None
            and inner.type is LayerType.SIGNED
            and inner.fine
            and any(d == inner.depth and p == "/" for _, d, p in state.pending)
            and all(r.ok for r, d, p in state.pending if d == inner.depth)
        )
        if not signed_ok:
            raise PolicyError(
                f"layer {layer.depth} ({layer.algorithms[0] if layer.algorithms else '?'}) is "
                "not integrity-protected and holds no validly signed message "
                "(require_integrity, RFC 8551 2.7, EFAIL)"
            )


def open_message(
    data: bytes,
    *,
    keys: Sequence[RecipientKey | ContentKey],
    trust: TrustStore | None,
    policy: Policy,
    require_integrity: bool,
    limits: MimeLimits,
    validation: ValidationPolicy,
    certificates: Sequence[Certificate] = (),
    validation_time: datetime.datetime | None = None,
) -> OpenedMessage:
    """Peel every layer of message ``data`` and report (see :func:`smimelib.message.open`)."""
    state = _State(certificates=tuple(certificates))
    current = data
    depth = 0
    while True:
        if depth >= MAX_LAYERS:
            raise LimitExceeded(f"more than {MAX_LAYERS} nested S/MIME layers")
        inner = _step(current, state, depth, keys, policy, limits)
        if inner is None:
            break
        current = inner
        depth += 1
    if require_integrity:
        _check_integrity(state)
    final_bytes, final_root = (
        _final_message(data, current, limits)
        if current is not data
        else (data, parse_raw(data, limits))
    )
    sender, from_problem = sender_of(final_root)
    if from_problem is not None and state.pending:
        state.findings.append(from_problem)
    judge = SignerJudge(
        trust=trust,
        policy=validation,
        certificates=state.certificates,
        validation_time=validation_time,
        sender=sender,
    )
    signatures: list[SignatureReport] = []
    for result, layer_depth, covers in state.pending:
        signatures.extend(judge.reports(result, layer_depth, covers))
    for finding in judge.findings:
        if finding not in state.findings:
            state.findings.append(finding)
    signers_by_layer = {
        (s.layer, s.result.certificate.der) for s in signatures if s.result.certificate is not None
    }
    if (
        len({layer for layer, _ in signers_by_layer}) > 1
        and len({der for _, der in signers_by_layer}) > 1
    ):
        state.findings.append(
            Finding(
                "signer-differs",
                "the signed layers are signed by different certificates (surreptitious "
                "forwarding, or a mail list agent's outer signature)",
                "RFC 2634 1.1; RFC 8551 3.7",
            )
        )
    return OpenedMessage(
        layers=tuple(state.layers),
        signatures=tuple(signatures),
        message=to_email_message(final_bytes, limits),
        content_bytes=current,
        findings=tuple(state.findings),
        trust_checked=trust is not None,
        sender=sender,
    )
