"""The Message API: round trips through sign / encrypt / sign_and_encrypt / triple_wrap and
open, and the MIME-level security behaviours (THREATS "MIME wrapping", C1-C3, EFAIL)."""

from __future__ import annotations

import base64
import email.policy
from email.message import EmailMessage

import pytest

from smimelib import message as smime
from smimelib.cms import KeyPair
from smimelib.errors import DecryptionError, PolicyError, SignatureError, UsageError
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.trust import TrustStore
from smimelib.report import LayerType, OpenedMessage

SMTP = email.policy.SMTP


class _Pki:
    def __init__(self) -> None:
        self.root = make_ca("CN=Test Root")
        self.alice = make_smime_identity("alice@example.com", issuer=self.root)
        self.carol = make_smime_identity("carol@example.com", issuer=self.root, key_type="p-256")
        self.dave = make_smime_identity("dave@example.com", issuer=self.root, key_type="ed25519")
        self.bob = make_smime_identity("bob@example.org", issuer=self.root)
        self.erin = make_smime_identity("erin@example.org", issuer=self.root, key_type="x25519")
        self.frank = make_smime_identity("frank@example.org", issuer=self.root, key_type="p-256")
        self.trust = TrustStore([self.root.certificate])


@pytest.fixture(scope="session")
def pki() -> _Pki:
    return _Pki()


def _message(subject: str = "Grüße aus Köln", body: str = "Hello Bob,\nça va?\n") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["To"] = "Bob <bob@example.org>"
    msg["Subject"] = subject
    msg["Date"] = "Sun, 29 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = "<1@example.com>"
    msg.set_content(body)
    msg.add_attachment(
        bytes(range(256)) * 4, maintype="application", subtype="octet-stream", filename="data.bin"
    )
    return msg


def _same(original: EmailMessage, report: OpenedMessage) -> None:
    got = report.message
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        assert str(got[name]) == str(original[name]), name
    # text is signed in canonical form, CRLF line ends (RFC 8551 3.1.1)
    want_parts = [_lf(p.get_content()) for p in original.iter_parts()]
    got_parts = [_lf(p.get_content()) for p in got.iter_parts()]
    assert got_parts == want_parts


def _lf(content: object) -> object:
    return content.replace("\r\n", "\n") if isinstance(content, str) else content


def _wire(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=SMTP)


@pytest.mark.parametrize("signer", ["alice", "carol", "dave"])
def test_sign_round_trip(pki: _Pki, signer: str) -> None:
    original = _message()
    identity: Identity = getattr(pki, signer)
    original.replace_header("From", f"<{identity.email_addresses[0]}>")
    signed = smime.sign(original, identity)
    assert signed.get_content_type() == "multipart/signed"
    report = smime.open(_wire(signed), trust=pki.trust)
    assert report.ok, report.problems()
    assert [layer.type for layer in report.layers] == [LayerType.SIGNED]
    (sig,) = report.signatures
    assert sig.valid and sig.trusted is True and sig.sender_match is True and sig.covers == "/"
    assert sig.signer is not None and identity.email_addresses[0] in sig.signer.emails
    _same(original, report)


def test_micalg_follows_the_digest(pki: _Pki) -> None:
    assert "micalg=sha-384" in _wire(smime.sign(_message(), pki.alice, digest="sha384")).decode()
    assert "micalg=sha-512" in _wire(smime.sign(_message(), pki.dave)).decode()


def test_opaque_sign_round_trip(pki: _Pki) -> None:
    original = _message()
    signed = smime.sign(original, pki.alice, opaque=True)
    assert signed.get_content_type() == "application/pkcs7-mime"
    assert signed.get_param("smime-type") == "signed-data"
    report = smime.open(_wire(signed), trust=pki.trust)
    assert report.ok, report.problems()
    assert report.layers[0].form == "application/pkcs7-mime"
    _same(original, report)


@pytest.mark.parametrize(
    ("recipient", "cipher", "ltype", "smime_type"),
    [
        ("bob", None, LayerType.AUTH_ENVELOPED, "authEnveloped-data"),
        ("erin", None, LayerType.AUTH_ENVELOPED, "authEnveloped-data"),
        ("frank", "aes-128-gcm", LayerType.AUTH_ENVELOPED, "authEnveloped-data"),
        ("bob", "aes-256-cbc", LayerType.ENVELOPED, "enveloped-data"),
    ],
)
def test_encrypt_round_trip(
    pki: _Pki, recipient: str, cipher: str | None, ltype: LayerType, smime_type: str
) -> None:
    original = _message()
    identity: Identity = getattr(pki, recipient)
    sealed = smime.encrypt(original, [identity.certificate], cipher=cipher)
    assert sealed.get_content_type() == "application/pkcs7-mime"
    assert sealed.get_param("smime-type") == smime_type
    assert sealed.get_param("name") == "smime.p7m"
    assert str(sealed["Subject"]) == str(original["Subject"])
    wire = _wire(sealed)
    # fail closed: nothing of the body is in the clear (THREATS, Outlook CVE-2017-11776)
    assert b"Hello Bob" not in wire and b"data.bin" not in wire
    report = smime.open(wire, keys=[identity])
    (layer,) = report.layers
    assert layer.type is ltype
    assert layer.integrity_protected is (ltype is LayerType.AUTH_ENVELOPED)
    _same(original, report)
    # encrypted but not signed: decrypted fine, never "ok"
    assert not report.ok and not report.valid and not report.signatures
    assert "not signed: the message carries no signature" in report.problems()


def test_cbc_is_reported_and_refused_under_require_integrity(pki: _Pki) -> None:
    wire = _wire(smime.encrypt(_message(), [pki.bob.certificate], cipher="aes-256-cbc"))
    report = smime.open(wire, keys=[pki.bob])
    assert "unauthenticated-encryption" in {f.code for f in report.findings}
    with pytest.raises(PolicyError, match="require_integrity"):
        smime.open(wire, keys=[pki.bob], require_integrity=True)
    signed_inside = smime.sign_and_encrypt(
        _message(), pki.alice, [pki.bob.certificate], cipher="aes-256-cbc"
    )
    report = smime.open(
        _wire(signed_inside), keys=[pki.bob], require_integrity=True, trust=pki.trust
    )
    assert report.ok, report.problems()
    assert report.layers[0].integrity_protected is False


def test_sign_and_encrypt_round_trip(pki: _Pki) -> None:
    original = _message()
    sealed = smime.sign_and_encrypt(
        original, pki.alice, [pki.erin.certificate], encrypt_to_self=True
    )
    for keys in ([pki.erin], [KeyPair(pki.alice.key, pki.alice.certificate)]):
        report = smime.open(_wire(sealed), keys=keys, trust=pki.trust)
        assert report.ok, report.problems()
        assert [layer.type for layer in report.layers] == [
            LayerType.AUTH_ENVELOPED,
            LayerType.SIGNED,
        ]
        assert report.signatures[0].layer == 1
        _same(original, report)


def test_sign_and_encrypt_to_self_only_when_asked(pki: _Pki) -> None:
    """The sender is a recipient only when asked, with its signing certificate (True) or a
    separate encryption certificate (RFC 8550 4.4.2: signing and encryption keys apart)."""
    sealed = smime.sign_and_encrypt(_message(), pki.alice, [pki.erin.certificate])
    with pytest.raises(DecryptionError, match="no recipient info matches"):
        smime.open(_wire(sealed), keys=[pki.alice], trust=pki.trust)
    own = smime.sign_and_encrypt(
        _message(), pki.dave, [pki.erin.certificate], encrypt_to_self=pki.frank
    )
    assert smime.open(_wire(own), keys=[pki.frank], trust=pki.trust).valid
    with pytest.raises(UsageError, match="cannot receive encrypted messages"):
        # an Ed25519 signing certificate can do neither key transport nor key agreement
        smime.sign_and_encrypt(_message(), pki.dave, [pki.erin.certificate], encrypt_to_self=True)


def test_triple_wrap_round_trip(pki: _Pki) -> None:
    original = _message()
    wrapped = smime.triple_wrap(
        original, pki.alice, [pki.bob.certificate], outer_identity=pki.carol, encrypt_to_self=False
    )
    report = smime.open(_wire(wrapped), keys=[pki.bob], trust=pki.trust)
    assert [layer.type for layer in report.layers] == [
        LayerType.SIGNED,
        LayerType.AUTH_ENVELOPED,
        LayerType.SIGNED,
    ]
    outer, inner = report.signatures
    assert outer.layer == 0 and inner.layer == 2
    assert outer.signer is not None and "carol@example.com" in outer.signer.emails
    assert inner.sender_match is True and outer.sender_match is False
    assert report.valid and not report.ok  # the outer signer is not the From address
    assert "signer-differs" in {f.code for f in report.findings}
    _same(original, report)
    same_signer = smime.triple_wrap(original, pki.alice, [pki.bob.certificate])
    same = smime.open(_wire(same_signer), keys=[pki.bob], trust=pki.trust)
    assert same.ok and "signer-differs" not in {f.code for f in same.findings}


def test_trust_and_sender(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(), pki.alice))
    untrusted = smime.open(wire)
    assert untrusted.valid and not untrusted.ok
    assert untrusted.signatures[0].trusted is None
    other_root = make_ca("CN=Other Root", key_type="p-256")
    report = smime.open(wire, trust=TrustStore([other_root.certificate]))
    assert report.valid and not report.ok and report.signatures[0].trusted is False
    with pytest.raises(SignatureError, match="not trusted"):
        report.raise_for_status()
    assert not hasattr(OpenedMessage, "__bool__")


def _swap_from(wire: bytes, new_from: bytes) -> bytes:
    head, sep, rest = wire.partition(b"\r\n")
    assert head.startswith(b"From:")
    return new_from + sep + rest


@pytest.mark.parametrize(
    ("from_line", "expected"),
    [
        (b"From: ALICE <alice@EXAMPLE.com>", True),
        (b"From: Alice <Alice@example.com>", False),  # local part is exact
        (b"From: eve@evil.example", False),  # I1
        (b'From: "alice@example.com" <eve@evil.example>', False),  # I2
        (b"From: =?utf-8?q?alice=40example=2Ecom?= <eve@evil.example>", False),  # I2
        (b"From: =?utf-8?q?alice?=@example.com", None),  # Mailsploit: encoded word in addr
        (b"From: alice@example.com\x00@evil.example", None),  # NUL
        (b"From: alice@example.com, eve@evil.example", None),  # I3: two mailboxes
        (b"From: Alice", None),  # display name only
    ],
)
def test_sender_binding(pki: _Pki, from_line: bytes, expected: bool | None) -> None:
    wire = _swap_from(_wire(smime.sign(_message(), pki.alice)), from_line)
    report = smime.open(wire, trust=pki.trust)
    assert report.valid  # From is outside the signed entity
    assert report.signatures[0].sender_match is expected
    assert report.ok is (expected is True)


def test_two_from_headers_are_not_bound(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(), pki.alice))
    report = smime.open(b"From: eve@evil.example\r\n" + wire, trust=pki.trust)
    assert report.signatures[0].sender_match is None and not report.ok


def _parts(wire: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, boundary, body) of a multipart/signed made by sign()."""
    head, _, body = wire.partition(b"\r\n\r\n")
    boundary = head.split(b'boundary="')[1].split(b'"')[0]
    return head, boundary, body


def test_altered_signed_part_is_invalid(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(body="pay 100 EUR\n"), pki.alice))
    report = smime.open(wire.replace(b"pay 100 EUR", b"pay 900 EUR"), trust=pki.trust)
    assert not report.valid and not report.ok
    assert report.signatures[0].reason == "digest-mismatch"


def test_added_part_in_signed_multipart(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(), pki.alice))
    _, boundary, _ = _parts(wire)
    extra = b"--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\nunsigned\r\n"
    tampered = wire.replace(b"--" + boundary + b"--", extra + b"--" + boundary + b"--")
    report = smime.open(tampered, trust=pki.trust)
    assert not report.ok and not report.valid
    assert report.layers[0].problems[0].code == "part-count"


def test_wrong_protocol(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(), pki.alice))
    tampered = wire.replace(b'protocol="application/pkcs7-signature"', b'protocol="text/plain"')
    report = smime.open(tampered, trust=pki.trust)
    assert not report.ok and report.layers[0].problems[0].code == "wrong-protocol"


def test_micalg_mismatch_is_a_finding_only(pki: _Pki) -> None:
    wire = _wire(smime.sign(_message(), pki.alice))
    report = smime.open(wire.replace(b"micalg=sha-256", b"micalg=sha-512"), trust=pki.trust)
    assert report.ok
    assert "micalg-mismatch" in {f.code for f in report.findings}


def _wrap_in_mixed(signed_wire: bytes, *, signed_first: bool) -> bytes:
    head, _, _ = _parts(signed_wire)
    outer_fields = [
        line
        for line in head.split(b"\r\n")
        if line.split(b":")[0].lower() in (b"from", b"to", b"subject")
    ]
    signed_entity = signed_wire.split(b"MIME-Version: 1.0\r\n", 1)[1]
    evil = b"Content-Type: text/plain\r\n\r\nPlease wire the money to the attacker.\r\n"
    parts = [signed_entity, evil] if signed_first else [evil, signed_entity]
    body = b"".join(b"--OUTER\r\n" + p + b"\r\n" for p in parts) + b"--OUTER--\r\n"
    return (
        b"\r\n".join(outer_fields)
        + b'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="OUTER"\r\n\r\n'
        + body
    )


@pytest.mark.parametrize("signed_first", [False, True])
def test_signed_part_inside_unsigned_multipart(pki: _Pki, signed_first: bool) -> None:
    wire = _wrap_in_mixed(_wire(smime.sign(_message(), pki.alice)), signed_first=signed_first)
    report = smime.open(wire, trust=pki.trust)
    (sig,) = report.signatures
    assert sig.valid and sig.covers == ("/0" if signed_first else "/1")
    assert "root-not-signed" in {f.code for f in report.findings}
    assert not report.ok and not report.valid and not report.signed
    assert not report.layers  # nothing was peeled: the message is the whole, unmerged


def test_c1_detached_signature_with_econtent_is_refused(pki: _Pki) -> None:
    from smimelib.cms import Signer
    from smimelib.cms import sign as cms_sign

    wire = _wire(smime.sign(_message(), pki.alice))
    _, boundary, _ = _parts(wire)
    attached = cms_sign(
        b"Content-Type: text/plain\r\n\r\nthe real text\r\n",
        [Signer(pki.alice.key, pki.alice.certificate)],
    )
    b64 = base64.encodebytes(attached).replace(b"\n", b"\r\n")
    sig_start = wire.index(b"Content-Type: application/pkcs7-signature")
    body_start = wire.index(b"\r\n\r\n", sig_start) + 4
    tampered = wire[:body_start] + b64 + b"\r\n--" + boundary + b"--\r\n"
    report = smime.open(tampered, trust=pki.trust)
    assert not report.ok and not report.valid and not report.signatures
    assert report.layers[0].problems[0].code == "ambiguous-content"


def test_encrypted_part_beside_others_is_not_decrypted(pki: _Pki) -> None:
    sealed = _wire(smime.encrypt(_message(), [pki.bob.certificate]))
    entity = sealed.split(b"MIME-Version: 1.0\r\n", 1)[1]
    wire = (
        b"From: eve@evil.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
        b'boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nquote:\r\n--X\r\n'
        + entity
        + b"\r\n--X--\r\n"
    )
    report = smime.open(wire, keys=[pki.bob])
    assert "encrypted-part-not-root" in {f.code for f in report.findings}
    assert not report.layers and b"Hello Bob" not in report.content_bytes


def test_usage_errors(pki: _Pki) -> None:
    with pytest.raises(UsageError):
        smime.sign("not a message", pki.alice)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        smime.encrypt(_message(), [])
    with pytest.raises(UsageError):
        smime.open(b"From: a@b\r\n\r\nx", keys=pki.bob)  # type: ignore[arg-type]


def test_returned_message_reserialises_byte_exactly(pki: _Pki) -> None:
    msg = _message(subject="Ünïcödé " * 20, body="x" * 200 + "\n" + "ü" * 100 + "\n")
    msg["X-Long"] = "a " * 100
    msg.add_attachment(
        b"abc",
        maintype="application",
        subtype="octet-stream",
        filename="sehr_langer_dateiname_mit_ümlauten_" * 4 + ".bin",
    )
    wire = _wire(smime.sign(msg, pki.alice))
    # the stdlib does not refold what sign() wrote: serialising is a fixed point
    from email.parser import BytesParser

    reparsed = BytesParser(policy=email.policy.default).parsebytes(wire)
    assert reparsed.as_bytes(policy=SMTP) == wire
    assert smime.open(wire, trust=pki.trust).ok
    # stored with LF line ends (policy.default): still verifies, and says how
    lf = smime.sign(msg, pki.alice).as_bytes()
    assert b"\r\n" not in lf
    report = smime.open(lf, trust=pki.trust)
    assert report.ok and "crlf-canonicalized" in {f.code for f in report.findings}


_AES256_CBC = "2.16.840.1.101.3.4.1.42"
_AES128_GCM = "2.16.840.1.101.3.4.1.6"
_AES128_CBC = "2.16.840.1.101.3.4.1.2"


def _cipher_of(pki: _Pki, sealed: EmailMessage) -> tuple[LayerType, str]:
    report = smime.open(_wire(sealed), keys=[pki.bob, pki.frank])
    return report.layers[0].type, report.layers[0].algorithms[0]


def test_capabilities_mapping_chooses_strongest_common(pki: _Pki) -> None:
    caps = {
        "BOB@example.org": [_AES128_CBC, _AES256_CBC],  # the local part is exact, so no match
        "bob@EXAMPLE.org": [_AES128_CBC, _AES256_CBC, _AES128_GCM],
        "frank@example.org": [_AES256_CBC, _AES128_GCM],
    }
    recipients = [pki.bob.certificate, pki.frank.certificate]
    sealed = smime.encrypt(_message(), recipients, capabilities=caps, encrypt_to_self=pki.alice)
    assert _cipher_of(pki, sealed) == (LayerType.AUTH_ENVELOPED, "id-aes128-GCM")
    only_cbc = {"bob@example.org": [_AES256_CBC], "frank@example.org": [_AES256_CBC]}
    sealed = smime.encrypt(_message(), recipients, capabilities=only_cbc)
    assert _cipher_of(pki, sealed) == (LayerType.ENVELOPED, "id-aes256-CBC")
    nothing_shared = {"bob@example.org": [_AES256_CBC], "frank@example.org": [_AES128_GCM]}
    sealed = smime.encrypt(_message(), recipients, capabilities=nothing_shared)
    assert _cipher_of(pki, sealed) == (LayerType.ENVELOPED, "id-aes128-CBC")
    # one recipient unknown: the default
    sealed = smime.encrypt(_message(), recipients, capabilities={"bob@example.org": [_AES256_CBC]})
    assert _cipher_of(pki, sealed) == (LayerType.AUTH_ENVELOPED, "id-aes256-GCM")
    # an explicit cipher wins
    sealed = smime.encrypt(_message(), recipients, capabilities=only_cbc, cipher="aes-128-gcm")
    assert _cipher_of(pki, sealed)[1] == "id-aes128-GCM"


def test_capabilities_cache_learns_from_ok_messages_only(pki: _Pki) -> None:
    cache = smime.CapabilitiesCache()
    from_bob = EmailMessage()
    from_bob["From"] = "bob@example.org"
    from_bob.set_content("hi")
    wire = _wire(smime.sign(from_bob, pki.bob))
    assert cache.learn(smime.open(wire)) == 0  # no trust store: not ok, not learnt
    assert cache.get("bob@example.org") is None
    assert cache.learn(smime.open(wire, trust=pki.trust)) == 1
    learnt = cache.get("bob@EXAMPLE.ORG")
    assert learnt is not None and _AES128_GCM in learnt
    cache.record("frank@example.org", [_AES256_CBC, _AES128_GCM])
    recipients = [pki.bob.certificate, pki.frank.certificate]
    sealed = smime.encrypt(_message(), recipients, capabilities=cache)
    assert _cipher_of(pki, sealed) == (LayerType.AUTH_ENVELOPED, "id-aes128-GCM")


def test_moving_a_signed_part_is_reported(pki: _Pki) -> None:
    msg = EmailMessage()
    msg["From"] = "alice@example.com"
    msg.make_mixed()
    for text in ("first part\n", "second part\n"):
        part = EmailMessage()
        part.set_content(text)
        msg.attach(part)
    wire = _wire(smime.sign(msg, pki.alice))
    assert smime.open(wire, trust=pki.trust).ok
    first, second = wire.index(b"first part"), wire.index(b"second part")
    assert first < second
    moved = (
        wire[:first]
        + b"second part"
        + wire[first + 10 : second]
        + b"first part"
        + wire[second + 11 :]
    )
    assert len(moved) == len(wire) + 0 and moved != wire
    report = smime.open(moved, trust=pki.trust)
    assert not report.valid and report.signatures[0].reason == "digest-mismatch"


def test_bytes_input_with_lf_line_ends_and_8bit_headers(pki: _Pki) -> None:
    raw = (
        "From: Jürgen <alice@example.com>\nTo: bob@example.org\nSubject: Straße\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        "Grüße\nzweite Zeile\n"
    ).encode()
    signed = smime.sign(raw, pki.alice)
    report = smime.open(signed.as_bytes(policy=SMTP), trust=pki.trust)
    assert report.ok, report.problems()
    assert report.message.get_content().replace("\r\n", "\n") == "Grüße\nzweite Zeile\n"
    sealed = smime.encrypt(raw, [pki.bob.certificate])
    opened = smime.open(sealed.as_bytes(policy=SMTP), keys=[pki.bob])
    assert opened.content_bytes.endswith(b"Gr\xc3\xbc\xc3\x9fe\r\nzweite Zeile\r\n")


def test_require_integrity_refuses_an_invalid_inner_signature(pki: _Pki) -> None:
    inner = _wire(smime.sign(_message(body="pay 100 EUR\n"), pki.alice))
    forged = inner.replace(b"pay 100 EUR", b"pay 900 EUR")
    sealed = _wire(smime.encrypt(forged, [pki.bob.certificate], cipher="aes-256-cbc"))
    report = smime.open(sealed, keys=[pki.bob])
    assert not report.valid
    with pytest.raises(PolicyError):
        smime.open(sealed, keys=[pki.bob], require_integrity=True)


def test_hostile_nesting_is_bounded(pki: _Pki) -> None:
    from smimelib.errors import LimitExceeded

    deep = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" * 5000
    with pytest.raises(LimitExceeded):
        smime.open(deep)
    layered = _message()
    for _ in range(smime.MAX_LAYERS + 1):
        layered = smime.sign(layered, pki.carol, opaque=True)
    with pytest.raises(LimitExceeded, match="nested S/MIME layers"):
        smime.open(_wire(layered))


def test_binary_signing(pki: _Pki) -> None:
    raw = (
        b"From: alice@example.com\r\nContent-Type: application/edi-x12\r\n"
        b"Content-Transfer-Encoding: binary\r\n\r\nISA*00*\nline\x00\xff\r\nend"
    )
    wire = smime.sign_to_bytes(raw, pki.alice, detached_binary=True)
    report = smime.open(wire, trust=pki.trust)
    assert report.ok, report.problems()
    assert report.content_bytes.endswith(b"\r\n\r\nISA*00*\nline\x00\xff\r\nend")
    with pytest.raises(UsageError, match="sign_to_bytes"):
        smime.sign(raw, pki.alice, detached_binary=True)
    opaque = smime.sign(raw, pki.alice, detached_binary=True, opaque=True)
    opened = smime.open(_wire(opaque), trust=pki.trust)
    assert opened.ok and opened.content_bytes.endswith(b"ISA*00*\nline\x00\xff\r\nend")


def _pkcs7_message(der: bytes, smime_type: str) -> bytes:
    from smimelib.mime import pkcs7_mime

    return b"From: alice@example.com\r\n" + pkcs7_mime(der, smime_type)


def test_certs_only_is_a_layer_without_signatures(pki: _Pki) -> None:
    from smimelib.cms import certs_only

    der = certs_only([pki.alice.certificate, pki.root.certificate])
    report = smime.open(_pkcs7_message(der, "certs-only"))
    assert [layer.type for layer in report.layers] == [LayerType.CERTS_ONLY]
    assert not report.signatures and not report.ok and not report.valid


def test_compressed_data_is_opened() -> None:
    from tests.vectors import load_vector

    report = smime.open(
        _pkcs7_message(load_vector("asn1crypto/cms-compressed.der"), "compressed-data")
    )
    (layer,) = report.layers
    assert layer.type is LayerType.COMPRESSED and not layer.problems
    assert b"This is the message to encapsulate in PKCS#7/CMS" in report.content_bytes
    assert not report.valid  # compressed, not signed


def test_forwarded_signed_message_inside_a_signed_one(pki: _Pki) -> None:
    inner = smime.sign(_message(body="original\n"), pki.carol)
    outer = EmailMessage()
    outer["From"] = "alice@example.com"
    outer.set_content("see the forwarded message\n")
    outer.add_attachment(inner)
    report = smime.open(_wire(smime.sign(outer, pki.alice)), trust=pki.trust)
    assert report.ok, report.problems()
    assert [s.covers for s in report.signatures] == ["/", "/1/0"]
    assert [s.covers for s in report.covering] == ["/"]
    assert "nested-signature" in {f.code for f in report.findings}


def test_sign_with_pss_and_without_certificates(pki: _Pki) -> None:
    """``pss`` signs with RSASSA-PSS (RFC 4056); ``include_certificates=False`` leaves the
    signer's certificate out, so a receiver without it cannot find the signer."""
    pss = smime.open(_wire(smime.sign(_message(), pki.alice, pss=True)), trust=pki.trust)
    assert pss.ok, pss.problems()
    assert pss.signatures[0].result.signature_algorithm.oid == "1.2.840.113549.1.1.10"
    bare = smime.open(
        _wire(smime.sign(_message(), pki.alice, include_certificates=False)), trust=pki.trust
    )
    assert not bare.valid
    assert bare.signatures[0].reason == "signer-certificate-not-found"
    # the certificate from elsewhere finds the signer (an untrusted hint, RFC 8550 4.1)
    found = smime.open(
        _wire(smime.sign(_message(), pki.alice, include_certificates=False)),
        trust=pki.trust,
        certificates=[pki.alice.certificate],
    )
    assert found.ok, found.problems()


def test_compressed_layers_are_opened_within_one_budget(pki: _Pki) -> None:
    """smime-type=compressed-data (RFC 8551 3.6, RFC 3274) is peeled like any layer; the
    inflation cap covers the sum over nested layers (THREATS 4.3)."""
    from smimelib.cms.compressed_data import compress
    from smimelib.errors import LimitExceeded
    from smimelib.mime import MimeLimits, pkcs7_mime

    signed = smime.sign_to_bytes(_message(), pki.alice)
    headers, _, entity = signed.partition(b"\r\n\r\n")
    outer = b"".join(
        line + b"\r\n"
        for line in headers.split(b"\r\n")
        if line.split(b":")[0].lower() in (b"from", b"to", b"subject")
    )
    # the compressed entity is the signed multipart itself (its Content-Type and body)
    inner = signed[len(outer) :] if signed.startswith(outer) else signed
    packed = outer + pkcs7_mime(compress(inner), "compressed-data")
    report = smime.open(packed, trust=pki.trust)
    assert [layer.type for layer in report.layers] == [LayerType.COMPRESSED, LayerType.SIGNED]
    assert report.ok, report.problems()
    del entity
    # a compressed-data entity inside a compressed-data entity: the small outer layer
    # inflates to a bomb, which the (shared) cap stops while it inflates
    layer_two = pkcs7_mime(compress(b"\r\n" * (3 * 1024 * 1024)), "compressed-data")
    bomb = compress(layer_two)
    small = MimeLimits(max_input_size=4 * 1024 * 1024)
    with pytest.raises(LimitExceeded):
        smime.open(outer + pkcs7_mime(bomb, "compressed-data"), limits=small)
