"""Sender binding (RFC 8550 section 3, RFC 8551 2.3/3): the message's single From address
against the signer certificate's addresses, with builder-minted certificates.

The From header sits outside the signed entity, so each case signs once and then swaps
the From line of the wire bytes: the signature stays valid and only the binding changes.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.message import EmailMessage

import pytest

from smimelib import message as smime
from smimelib._message.address import addresses_match, matching_address, parse_mailbox
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.identity import Identity
from smimelib.pki.names import Name
from smimelib.pki.trust import TrustStore
from smimelib.report import OpenedMessage


def _identity(
    ca: Identity, subject: Sequence[tuple[str, str]], emails: Sequence[str] = ()
) -> Identity:
    key = generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(Name.build(subject))
        .public_key(key)
        .key_usage({KeyUsage.DIGITAL_SIGNATURE})
    )
    if emails:
        builder = builder.email_addresses(*emails)
    cert = builder.sign(ca.key, issuer=ca.certificate)
    return Identity(key, cert, (ca.certificate,))


class _Pki:
    def __init__(self) -> None:
        self.root = make_ca("CN=Binding Root", key_type="p-256")
        self.trust = TrustStore([self.root.certificate])
        self.alice = _identity(self.root, [("CN", "Alice")], ["alice@example.com"])
        # the second address is the one a From header will use
        self.multi = _identity(
            self.root, [("CN", "Multi")], ["first@example.com", "second@Example.ORG"]
        )
        # a pre-RFC 8550 certificate: the address only in the subject's emailAddress
        self.legacy = _identity(
            self.root, [("CN", "Legacy"), ("emailAddress", "legacy@example.net")]
        )
        # an internationalized address: SmtpUTF8Mailbox otherName (RFC 9598)
        self.intl = _identity(self.root, [("CN", "Jörg")], ["jörg@bücher.example"])
        self.nobody = _identity(self.root, [("CN", "No Address")])


@pytest.fixture(scope="module")
def pki() -> _Pki:
    return _Pki()


def _signed(identity: Identity) -> bytes:
    msg = EmailMessage()
    msg["From"] = "placeholder@example.invalid"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "binding"
    msg.set_content("Hello.\n")
    return smime.sign(msg, identity).as_bytes(policy=email.policy.SMTP)


@pytest.fixture(scope="module")
def wires(pki: _Pki) -> dict[str, bytes]:
    names = ("alice", "multi", "legacy", "intl", "nobody")
    return {name: _signed(getattr(pki, name)) for name in names}


def _with_from(wire: bytes, *from_lines: bytes) -> bytes:
    head, _, rest = wire.partition(b"\r\n")
    assert head.startswith(b"From:")
    return b"".join(line + b"\r\n" for line in from_lines) + rest if from_lines else rest


def _open(wire: bytes, pki: _Pki) -> OpenedMessage:
    report = smime.open(wire, trust=pki.trust)
    assert report.valid, report.problems()  # From is outside the signed entity
    return report


@pytest.mark.parametrize(
    ("from_line", "match", "address"),
    [
        (b"From: alice@example.com", True, "alice@example.com"),
        (b"From: Alice <alice@example.com>", True, "alice@example.com"),
        (b"From: ALICE SMITH <alice@EXAMPLE.Com>", True, "alice@example.com"),  # domain case
        (b"From: Alice <Alice@example.com>", False, None),  # the local part is exact
        (b"From: ALICE@example.com", False, None),
        (b"From: eve@evil.example", False, None),  # mismatch
        (b"From: alice@example.com.evil.example", False, None),
        (b"From: alice@sub.example.com", False, None),
        # display-name tricks: the display name never binds
        (b'From: "alice@example.com" <eve@evil.example>', False, None),
        (b"From: =?utf-8?q?alice=40example=2Ecom?= <eve@evil.example>", False, None),
        (b"From: alice@example.com <eve@evil.example>", None, None),  # unquoted @ in the name
        (b"From: <alice@example.com> <eve@evil.example>", None, None),
        (b"From: eve@evil.example (alice@example.com)", None, None),  # comments refused
        (b"From: alice@example.com, eve@evil.example", None, None),  # a list
        (b"From: friends: alice@example.com;", None, None),  # a group
        # encoded words: never inside an address (RFC 2047 section 5)
        (b"From: =?utf-8?q?alice=40example=2Ecom?=", None, None),
        (b"From: =?utf-8?q?alice?=@example.com", None, None),
        (b"From: Alice <=?utf-8?q?alice?=@example.com>", None, None),
        # look-alikes: only ASCII A-Z fold (U+212A KELVIN SIGN lower-cases to "k")
        ("From: alice@example.co\u212a".encode(), False, None),
        ("From: alice@exаmple.com".encode(), False, None),  # Cyrillic a
        (b"From: alice@example.com\x00@evil.example", None, None),
        (b"From:", None, None),
    ],
)
def test_single_from(
    pki: _Pki, wires: dict[str, bytes], from_line: bytes, match: bool | None, address: str | None
) -> None:
    report = _open(_with_from(wires["alice"], from_line), pki)
    (sig,) = report.signatures
    assert sig.sender_match is match
    assert sig.sender_address == address
    assert sig.trusted is True
    assert report.ok is (match is True)
    codes = {f.code for f in report.findings}
    assert ("from-unparsable" in codes) is (match is None)
    if match is False:
        assert any("is the From address" in p for p in report.problems())
    elif match is None:
        assert any("no single From address" in p for p in report.problems())


def test_two_from_headers_bind_nothing(pki: _Pki, wires: dict[str, bytes]) -> None:
    for lines in (
        (b"From: alice@example.com", b"From: alice@example.com"),  # even when both match
        (b"From: eve@evil.example", b"From: alice@example.com"),
        (b"From: alice@example.com", b"from: eve@evil.example"),  # names are case-blind
    ):
        report = _open(_with_from(wires["alice"], *lines), pki)
        assert report.signatures[0].sender_match is None
        assert report.signatures[0].sender_address is None
        assert "from-multiple" in {f.code for f in report.findings}
        assert not report.ok


def test_missing_from_and_sender_never_substitutes(pki: _Pki, wires: dict[str, bytes]) -> None:
    report = _open(_with_from(wires["alice"], b"Sender: alice@example.com"), pki)
    assert report.sender is None and report.signatures[0].sender_match is None
    assert "from-missing" in {f.code for f in report.findings}
    assert not report.ok


def test_the_matching_certificate_address_is_reported(pki: _Pki, wires: dict[str, bytes]) -> None:
    report = _open(_with_from(wires["multi"], b"From: <second@example.org>"), pki)
    sig = report.signatures[0]
    assert sig.sender_match is True and report.ok
    assert sig.sender_address == "second@Example.ORG"  # as the certificate writes it
    first = _open(_with_from(wires["multi"], b"From: first@EXAMPLE.com"), pki)
    assert first.signatures[0].sender_address == "first@example.com"


def test_legacy_email_address_in_the_subject(pki: _Pki, wires: dict[str, bytes]) -> None:
    cert = pki.legacy.certificate
    assert not cert.subject_alt_names and cert.mailboxes == ("legacy@example.net",)
    report = _open(_with_from(wires["legacy"], b"From: Legacy <legacy@Example.NET>"), pki)
    assert report.signatures[0].sender_match is True and report.ok
    assert report.signatures[0].sender_address == "legacy@example.net"
    other = _open(_with_from(wires["legacy"], b"From: Legacy <Legacy@example.net>"), pki)
    assert other.signatures[0].sender_match is False


@pytest.mark.parametrize(
    ("from_value", "match"),
    [
        ("Jörg <jörg@bücher.example>", True),  # RFC 6532 UTF-8 header
        ("jörg@xn--bcher-kva.example", True),  # the A-label form of the domain
        ("jörg@XN--BCHER-KVA.example", True),
        ("jorg@bücher.example", False),
        ("JÖRG@bücher.example", False),  # local parts are exact, also non-ASCII ones
        ("jörg@xn--bcher-kvb.example", False),  # a different A-label
        ("jörg@xn--.example", False),  # not a valid A-label
    ],
)
def test_smtputf8_mailbox(pki: _Pki, wires: dict[str, bytes], from_value: str, match: bool) -> None:
    assert pki.intl.certificate.smtp_utf8_mailboxes == ("jörg@bücher.example",)
    report = _open(_with_from(wires["intl"], b"From: " + from_value.encode()), pki)
    assert report.signatures[0].sender_match is match
    assert report.signatures[0].sender_address == ("jörg@bücher.example" if match else None)


def test_certificate_without_address_is_not_bound(pki: _Pki, wires: dict[str, bytes]) -> None:
    report = _open(_with_from(wires["nobody"], b"From: alice@example.com"), pki)
    sig = report.signatures[0]
    assert sig.trusted is True and sig.sender_match is False and sig.sender_address is None
    assert not report.ok


def test_binding_is_reported_without_a_trust_store(pki: _Pki, wires: dict[str, bytes]) -> None:
    report = smime.open(_with_from(wires["alice"], b"From: <alice@example.com>"))
    assert report.signatures[0].sender_match is True and report.signatures[0].trust is None
    assert report.valid and not report.ok  # trust was not judged


def test_address_helpers() -> None:
    assert parse_mailbox('"Alice \\"A\\" Smith" <alice@example.com>') == "alice@example.com"
    assert parse_mailbox("Alice <alice@example.com") is None
    assert parse_mailbox("a" * 990 + "@example.com") is None  # longer than a header line
    assert addresses_match("a@EXAMPLE.com", "a@example.COM")
    assert not addresses_match("a@example.com", "a@")
    assert not addresses_match("@example.com", "@example.com")
    assert matching_address("b@example.com", ["a@example.com", "b@EXAMPLE.com"]) == (
        "b@EXAMPLE.com"
    )
    # the comparison is bounded: a certificate listing thousands of addresses
    many = [f"x{i}@example.com" for i in range(5000)] + ["b@example.com"]
    assert matching_address("b@example.com", many) is None
