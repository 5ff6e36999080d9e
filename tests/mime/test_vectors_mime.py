"""Real S/MIME messages: parse_raw keeps the exact signed bytes, proven by verification.

For every multipart/signed vector the first body part's raw bytes (as
received, or CRLF-canonicalised for LF-only stored mail, FIELD-NOTES row 2)
and the decoded p7s are given to smimelib.cms.verify_signed_data.
"""

from __future__ import annotations

import pytest

from smimelib.cms import parse_content_info, verify_signed_data
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import PolicyError, SignatureError
from smimelib.mime import (
    RawEntity,
    SmimeKind,
    canonicalize,
    classify,
    decode_body,
    parse_micalg,
    parse_raw,
    signed_protocol_ok,
    verification_candidates,
)
from tests.vectors import load_vector

CMS_OIDS = {
    SmimeKind.SIGNED_DATA: "1.2.840.113549.1.7.2",
    SmimeKind.ENVELOPED_DATA: "1.2.840.113549.1.7.3",
}


def _kinds(root: RawEntity) -> list[tuple[str, SmimeKind]]:
    out: list[tuple[str, SmimeKind]] = []
    for entity in root.walk():
        kind = classify(entity.content_type, entity.params, entity.filename)
        if kind is not SmimeKind.NONE:
            out.append((entity.path, kind))
    return out


def _verify(signed: RawEntity) -> str:
    """Which form of the first part verifies: "raw" or "crlf" (else AssertionError)."""
    assert signed.content_type == "multipart/signed"
    assert signed_protocol_ok(signed.params)
    content, signature = signed.children
    p7s = decode_body(signature)
    labels = {"as-received": "raw", "crlf-canonicalized": "crlf"}
    for label, data in verification_candidates(content.raw):
        mode = labels[label]
        result = verify_signed_data(p7s, content=data, policy=LEGACY_POLICY)
        if result.ok:
            return mode
    raise AssertionError(f"no form verifies: {[s.detail for s in result.signers]}")


# (vector, path of the multipart/signed entity, form that verifies)
SIGNED_VECTORS = [
    ("rfc4134/4.8.eml", "/", "crlf"),
    ("bc/mail/3nnn_smime.eml", "/", "crlf"),
    ("bc/mail/circular.eml", "/", "crlf"),
    ("bc/mail/embeddedmulti.message", "/", "crlf"),
    ("bc/mail/extra-nl.eml", "/", "crlf"),
    ("bc/mail/multi-alternative.eml", "/", "crlf"),
    ("bc/mail/openssl-signed-sha256-non-default-salt-length.eml", "/", "crlf"),
    ("bc/mail/qp-soft-break.eml", "/", "crlf"),
    ("bc/mail/quotable.message", "/", "crlf"),
    ("bc/mail/validator.validMail.eml", "/", "crlf"),
    ("bc/mail/validator.expired.eml", "/", "crlf"),
    ("mimekit/thunderbird-signed.txt", "/", "crlf"),
    ("mimekit/octet-stream-with-mixed-line-endings.dat", "/", "raw"),
    ("header-protection/smime-multipart-signed.eml", "/", "crlf"),
    ("johnny-fired/01-cms/valid_email_from_manager.eml", "/", "raw"),
    ("johnny-fired/assets/valid-signed/eve-smime.eml", "/", "raw"),
    ("johnny-fired/03-mime/m1-prepending-text/m1-smime.eml", "/1", "raw"),
    ("johnny-fired/03-mime/m2-hiding-with-html/m2-smime-mix.eml", "/1", "raw"),
    ("johnny-fired/03-mime/m3-hiding-in-reference/m3-smime.eml", "/1", "raw"),
    ("johnny-fired/03-mime/m4-hiding-as-attachment/m4-smime.eml", "/1", "raw"),
    ("johnny-fired/04-id/i1-sender-signer-checks/i1-from-unequals-signer-smime.eml", "/", "raw"),
]


@pytest.mark.parametrize(("name", "path", "mode"), SIGNED_VECTORS)
def test_signed_vector_verifies_over_exact_bytes(name: str, path: str, mode: str) -> None:
    data = load_vector(name)
    root = parse_raw(data)
    signed = next(e for e in root.walk() if e.path == path)
    assert (path, SmimeKind.SIGNED_MULTIPART) in _kinds(root)
    first = signed.children[0]
    assert data[first.offset : first.offset + len(first.raw)] == first.raw
    assert _verify(signed) == mode
    if mode == "crlf":
        # stored LF-only: the received bytes themselves must not verify
        p7s = decode_body(signed.children[1])
        assert not verify_signed_data(p7s, content=first.raw, policy=LEGACY_POLICY).ok


def test_rfc4134_4_8_micalg_is_legacy_name() -> None:
    root = parse_raw(load_vector("rfc4134/4.8.eml"))
    names, findings = parse_micalg(root.params.get("micalg"))
    assert names == ("sha-1",) and findings


def test_altered_signed_part_fails() -> None:
    data = load_vector("johnny-fired/01-cms/valid_email_from_manager.eml")
    root = parse_raw(data)
    first = root.children[0]
    tampered = data.replace(first.raw, first.raw.replace(b"e", b"E", 1))
    with pytest.raises(AssertionError, match="no form verifies"):
        _verify(parse_raw(tampered))


def test_short_key_refused_by_policy() -> None:
    root = parse_raw(load_vector("bc/mail/validator.shortKey.eml"))
    p7s = decode_body(root.children[1])
    content = canonicalize(root.children[0].raw)
    try:
        result = verify_signed_data(p7s, content=content, policy=LEGACY_POLICY)
    except PolicyError:
        return
    assert not result.ok


@pytest.mark.parametrize(
    "name",
    [
        "johnny-fired/01-cms/c1_eContent-confusion/eContent_confusion.eml",
        "johnny-fired/01-cms/c1_eContent-confusion/eContent_confusion_refinement.eml",
    ],
)
def test_econtent_confusion_is_refused(name: str) -> None:
    root = parse_raw(load_vector(name))
    with pytest.raises(SignatureError, match="ambiguous content"):
        verify_signed_data(decode_body(root.children[1]), content=root.children[0].raw)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rfc4134/4.9.eml", [("/", SmimeKind.SIGNED_DATA)]),
        ("rfc4134/5.3.eml", [("/", SmimeKind.ENVELOPED_DATA)]),
        ("bc/mail/test128.message", [("/", SmimeKind.ENVELOPED_DATA)]),
        ("bc/mail/circular.eml", [("/", SmimeKind.SIGNED_MULTIPART), ("/1", SmimeKind.SIGNATURE)]),
        ("header-protection/smime-onepart-signed.eml", [("/", SmimeKind.SIGNED_DATA)]),
        ("header-protection/smime-sign+enc.eml", [("/", SmimeKind.ENVELOPED_DATA)]),
        ("header-protection/smime-sign+enc.inner", [("/", SmimeKind.SIGNED_DATA)]),
        ("covert-content/01-enc/smime/01-reply-mix-822.eml", [("/1/0", SmimeKind.ENVELOPED_DATA)]),
        (
            "covert-content/01-enc/smime/01-reply-mix-dbl.eml",
            [("/0", SmimeKind.ENVELOPED_DATA), ("/1", SmimeKind.ENVELOPED_DATA)],
        ),
    ],
)
def test_classification_and_cms_type(name: str, expected: list[tuple[str, SmimeKind]]) -> None:
    root = parse_raw(load_vector(name))
    assert _kinds(root) == expected
    for path, kind in expected:
        if kind in CMS_OIDS:
            entity = next(e for e in root.walk() if e.path == path)
            assert parse_content_info(decode_body(entity)).content_type == CMS_OIDS[kind]


@pytest.mark.parametrize("name", ["bc/mail/basicAS2.message", "bc/mail/rawAS2.message"])
def test_as2_binary_signature_verifies_raw(name: str) -> None:
    # HTTP captures: drop the request line; the p7s part is raw DER (no base64)
    data = load_vector(name)
    root = parse_raw(data[data.index(b"\n") + 1 :])
    assert _kinds(root) == [("/", SmimeKind.SIGNED_MULTIPART), ("/1", SmimeKind.SIGNATURE)]
    assert root.children[1].transfer_encoding != "base64"
    assert _verify(root) == "raw"
