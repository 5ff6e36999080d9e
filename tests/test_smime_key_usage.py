"""S/MIME key usage rules through the message API (RFC 8550 sections 4.4.2 and 4.4.4).

Signing certificates need digitalSignature or nonRepudiation when keyUsage is present,
encryption certificates keyEncipherment (RSA) or keyAgreement (EC, X25519); an
extendedKeyUsage, when present, must allow emailProtection or anyExtendedKeyUsage.
Signatures report the rule they break; ``encrypt`` refuses such recipients, and with a
trust store also recipients whose path does not validate unless the caller's policy
says ``allow_invalid_recipients``. Certificates are minted with the builder.
"""

from __future__ import annotations

import datetime
import email.policy
from collections.abc import Iterable
from email.message import EmailMessage

import pytest

from smimelib import message as smime
from smimelib.cms import KEK, KEKRecipient, KeyTransRecipient, Password, PasswordRecipient
from smimelib.crypto import PrivateKey
from smimelib.errors import PolicyError
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import OID_EKU_ANY, OID_EKU_EMAIL_PROTECTION, KeyUsage
from smimelib.pki.identity import Identity
from smimelib.pki.names import Name
from smimelib.pki.path_results import KeyPurpose, ValidationPolicy, ValidationStatus
from smimelib.pki.trust import TrustStore

SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
KU = KeyUsage


def _cert(
    ca: Identity,
    key: PrivateKey,
    email: str,
    usages: Iterable[KeyUsage] | None,
    ekus: Iterable[str] | None = None,
    *,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
) -> Identity:
    builder = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", email)]))
        .public_key(key)
        .email_addresses(email)
    )
    if usages is not None:
        builder = builder.key_usage(usages)
    if ekus is not None:
        builder = builder.extended_key_usage(ekus)
    if not_before is not None:
        builder = builder.not_valid_before(not_before)
    if not_after is not None:
        builder = builder.not_valid_after(not_after)
    return Identity(key, builder.sign(ca.key, issuer=ca.certificate), (ca.certificate,))


class _Pki:
    def __init__(self) -> None:
        self.root = make_ca("CN=Usage Root", key_type="p-256", not_before=_T2019)
        self.other = make_ca("CN=Other Root", key_type="p-256")
        self.trust = TrustStore([self.root.certificate])
        self.ec = generate_key("p-256")
        self.rsa = generate_key("rsa")  # one RSA key, several certificates
        self.bob = _cert(self.root, self.ec, "bob@example.org", {KU.KEY_AGREEMENT})
        self.signer = _cert(self.root, self.ec, "signer@example.org", {KU.DIGITAL_SIGNATURE})


_T2019 = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def pki() -> _Pki:
    return _Pki()


def _message(sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "bob@example.org"
    msg["Subject"] = "usage"
    msg.set_content("Hello.\n")
    return msg


def _wire(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=email.policy.SMTP)


# -- signing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usages", "ekus", "expected"),
    [
        ({KU.DIGITAL_SIGNATURE}, None, None),
        ({KU.NON_REPUDIATION}, None, None),  # nonRepudiation alone may sign (4.4.2)
        ({KU.DIGITAL_SIGNATURE, KU.KEY_AGREEMENT}, None, None),
        (None, None, None),  # no keyUsage: any use
        ({KU.KEY_AGREEMENT}, None, ValidationStatus.KEY_USAGE),
        ({KU.KEY_CERT_SIGN, KU.CRL_SIGN}, None, ValidationStatus.KEY_USAGE),
        ({KU.DIGITAL_SIGNATURE}, [SERVER_AUTH], ValidationStatus.EXTENDED_KEY_USAGE),
        ({KU.DIGITAL_SIGNATURE}, [SERVER_AUTH, OID_EKU_EMAIL_PROTECTION], None),
        ({KU.DIGITAL_SIGNATURE}, [OID_EKU_ANY], None),  # anyExtendedKeyUsage (4.4.4)
        ({KU.DIGITAL_SIGNATURE}, [SERVER_AUTH, OID_EKU_ANY], None),
        # keyUsage is judged first
        ({KU.KEY_AGREEMENT}, [SERVER_AUTH], ValidationStatus.KEY_USAGE),
    ],
)
def test_signer_key_usage(
    pki: _Pki,
    usages: set[KeyUsage] | None,
    ekus: list[str] | None,
    expected: ValidationStatus | None,
) -> None:
    signer = _cert(pki.root, pki.ec, "alice@example.com", usages, ekus)
    wire = _wire(smime.sign(_message("alice@example.com"), signer))
    report = smime.open(wire, trust=pki.trust)
    (sig,) = report.signatures
    assert report.valid and sig.valid  # the signature itself is good
    assert sig.sender_match is True
    assert sig.trust is not None and sig.trust.purpose is KeyPurpose.SIGN
    if expected is None:
        assert sig.usage is None
        assert sig.trust.status is ValidationStatus.VALID, sig.trust.reason
        assert report.ok, report.problems()
        return
    assert sig.usage is not None and sig.usage[0] is expected
    assert "RFC 8550 section 4.4" in sig.usage[1] and "alice@example.com" in sig.usage[1]
    assert sig.trust.status is expected and not sig.trusted
    assert not report.ok
    assert any(expected.value in p for p in report.problems())
    # reported without a trust store too: the rule is about the certificate alone
    bare = smime.open(wire)
    assert bare.signatures[0].trust is None
    assert bare.signatures[0].usage == sig.usage
    assert any(expected.value in p for p in bare.problems())


def test_caller_extended_key_usages(pki: _Pki) -> None:
    signer = _cert(pki.root, pki.ec, "alice@example.com", {KU.DIGITAL_SIGNATURE}, [SERVER_AUTH])
    wire = _wire(smime.sign(_message("alice@example.com"), signer))
    assert smime.open(wire, trust=pki.trust).signatures[0].usage is not None
    policy = ValidationPolicy(extended_key_usages=frozenset({SERVER_AUTH}))
    report = smime.open(wire, trust=pki.trust, validation=policy)
    assert report.signatures[0].usage is None and report.ok, report.problems()


# -- encrypting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "usages", "ekus", "refused"),
    [
        ("ec", {KU.KEY_AGREEMENT}, None, None),
        ("ec", None, None, None),
        ("ec", {KU.KEY_AGREEMENT}, [OID_EKU_ANY], None),
        ("rsa", {KU.KEY_ENCIPHERMENT}, None, None),
        ("rsa", {KU.KEY_ENCIPHERMENT, KU.DIGITAL_SIGNATURE}, [OID_EKU_EMAIL_PROTECTION], None),
        ("ec", {KU.DIGITAL_SIGNATURE}, None, "keyAgreement"),
        ("ec", {KU.KEY_ENCIPHERMENT}, None, "keyAgreement"),  # EC keys agree, not encipher
        ("rsa", {KU.DIGITAL_SIGNATURE, KU.NON_REPUDIATION}, None, "keyEncipherment"),
        ("rsa", {KU.KEY_AGREEMENT}, None, "keyEncipherment"),
        ("rsa", {KU.KEY_ENCIPHERMENT}, [SERVER_AUTH], "extendedKeyUsage"),
    ],
)
def test_recipient_key_usage(
    pki: _Pki,
    key: str,
    usages: set[KeyUsage] | None,
    ekus: list[str] | None,
    refused: str | None,
) -> None:
    recipient = _cert(pki.root, getattr(pki, key), "carol@example.org", usages, ekus)
    cert = recipient.certificate
    if refused is None:
        sealed = smime.encrypt(_message("alice@example.com"), [cert])
        opened = smime.open(_wire(sealed), keys=[recipient])
        assert b"Hello." in opened.content_bytes
        return
    policies = (None, ValidationPolicy(allow_invalid_recipients=True))
    for policy in policies:  # no override: the issuer said what the key is for
        with pytest.raises(PolicyError, match=refused) as info:
            smime.encrypt(_message("alice@example.com"), [cert], validation=policy)
        assert "carol@example.org" in str(info.value) and "RFC 8550" in str(info.value)
    # the same through every writing function and recipient spec
    if key == "rsa":
        with pytest.raises(PolicyError, match=refused):
            smime.encrypt(_message("a@example.com"), [KeyTransRecipient(cert, oaep=True)])
    with pytest.raises(PolicyError, match=refused):
        smime.encrypt(_message("a@example.com"), [pki.bob.certificate, cert])
    with pytest.raises(PolicyError, match=refused):
        smime.sign_and_encrypt(_message("a@example.com"), pki.signer, [cert])
    with pytest.raises(PolicyError, match=refused):
        smime.triple_wrap(_message("a@example.com"), pki.signer, [cert])


def test_encrypt_to_self_needs_an_encryption_certificate(pki: _Pki) -> None:
    sign_only = _cert(pki.root, pki.ec, "alice@example.com", {KU.DIGITAL_SIGNATURE})
    with pytest.raises(PolicyError, match="keyAgreement"):
        smime.sign_and_encrypt(
            _message("alice@example.com"), sign_only, [pki.bob.certificate], encrypt_to_self=True
        )
    with pytest.raises(PolicyError, match="keyAgreement"):
        smime.encrypt(
            _message("alice@example.com"),
            [pki.bob.certificate],
            encrypt_to_self=sign_only.certificate,
        )


def _expired(pki: _Pki) -> Certificate:
    return _cert(
        pki.root,
        pki.ec,
        "old@example.org",
        {KU.KEY_AGREEMENT},
        not_before=_T2019,
        not_after=_T2019 + datetime.timedelta(days=30),
    ).certificate


def test_recipient_validation_with_a_trust_store(pki: _Pki) -> None:
    msg = _message("alice@example.com")
    sealed = smime.encrypt(msg, [pki.bob.certificate], trust=pki.trust)
    assert b"Hello." in smime.open(_wire(sealed), keys=[pki.bob]).content_bytes
    stranger = _cert(pki.other, pki.ec, "eve@example.net", {KU.KEY_AGREEMENT})
    elsewhere = TrustStore([pki.other.certificate])
    with pytest.raises(PolicyError, match="does not validate") as info:
        smime.encrypt(msg, [pki.bob.certificate], trust=elsewhere)
    assert "bob@example.org" in str(info.value)
    with pytest.raises(PolicyError, match="does not validate"):
        smime.encrypt(msg, [stranger.certificate], trust=pki.trust)
    with pytest.raises(PolicyError, match=r"does not validate \(expired\)"):
        smime.encrypt(msg, [_expired(pki)], trust=pki.trust)
    with pytest.raises(PolicyError, match="does not validate"):
        smime.sign_and_encrypt(msg, pki.signer, [stranger.certificate], trust=pki.trust)
    # the caller's explicit override
    allow = ValidationPolicy(allow_invalid_recipients=True)
    sealed = smime.encrypt(msg, [stranger.certificate], trust=pki.trust, validation=allow)
    assert b"Hello." in smime.open(_wire(sealed), keys=[stranger]).content_bytes
    # without a store there is no path to validate, but the validity period still counts
    with pytest.raises(PolicyError, match=r"is not valid at .*allow_invalid_recipients"):
        smime.encrypt(msg, [_expired(pki)])
    sealed = smime.encrypt(msg, [_expired(pki)], validation=allow)
    assert sealed["Content-Type"].startswith("application/pkcs7-mime")


def test_recipient_path_through_given_intermediates(pki: _Pki) -> None:
    sub = make_ca("CN=Usage Sub CA", key_type="p-256", issuer=pki.root)
    dan = _cert(sub, pki.ec, "dan@example.org", {KU.KEY_AGREEMENT})
    msg = _message("alice@example.com")
    with pytest.raises(PolicyError, match="does not validate"):
        smime.encrypt(msg, [dan.certificate], trust=pki.trust)
    smime.encrypt(msg, [dan.certificate], trust=pki.trust, certificates=[sub.certificate])


def test_password_and_kek_recipients_need_no_certificate(pki: _Pki) -> None:
    kek = bytes(range(16))
    sealed = smime.encrypt(
        _message("alice@example.com"),
        [PasswordRecipient("pw"), KEKRecipient(kek, b"id")],
        trust=pki.trust,
    )
    assert b"Hello." in smime.open(_wire(sealed), keys=[Password("pw")]).content_bytes
    assert b"Hello." in smime.open(_wire(sealed), keys=[KEK(b"id", kek)]).content_bytes
