"""open() on the vectors with MIME framing: RFC 4134 and "Johnny, you are fired!"."""

from __future__ import annotations

import datetime

import pytest

from smimelib import message as smime
from smimelib.cms import KeyPair
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import DecodeError, PolicyError
from smimelib.pki.certificate import Certificate
from smimelib.pki.keys import load_private_key
from smimelib.pki.trust import TrustStore
from smimelib.report import LayerType
from tests.vectors import load_vector

EX_CONTENT = b"This is some sample content."


def test_rfc4134_4_8_clear_signed_sha1() -> None:
    data = load_vector("rfc4134/4.8.eml")
    refused = smime.open(data)
    assert not refused.valid and refused.signatures[0].reason == "algorithm-refused"
    report = smime.open(data, policy=LEGACY_POLICY)
    assert report.valid
    assert report.layers[0].type is LayerType.SIGNED and report.layers[0].form == "multipart/signed"
    assert EX_CONTENT in report.content_bytes
    # stored with LF line ends: verified over the CRLF form, and said so
    assert "crlf-canonicalized" in {f.code for f in report.findings}


def test_rfc4134_4_9_opaque_signed() -> None:
    report = smime.open(load_vector("rfc4134/4.9.eml"), policy=LEGACY_POLICY)
    assert report.valid and report.layers[0].form == "application/pkcs7-mime"
    assert EX_CONTENT in report.content_bytes
    carl = Certificate.from_der(load_vector("rfc4134/CarlDSSSelf.cer"))
    trusted = smime.open(
        load_vector("rfc4134/4.9.eml"), policy=LEGACY_POLICY, trust=TrustStore([carl])
    )
    assert trusted.signatures[0].trusted is True
    assert trusted.signatures[0].trust.chain[-1] == carl  # type: ignore[union-attr]


def test_rfc4134_5_3_enveloped_3des() -> None:
    key = load_private_key(load_vector("rfc4134/BobPrivRSAEncrypt.pri"))
    bob = Certificate.from_der(load_vector("rfc4134/BobRSASignByCarl.cer"))
    data = load_vector("rfc4134/5.3.eml")
    with pytest.raises(PolicyError):
        smime.open(data, keys=[KeyPair(key, bob)])
    report = smime.open(data, keys=[KeyPair(key, bob)], policy=LEGACY_POLICY)
    (layer,) = report.layers
    assert layer.type is LayerType.ENVELOPED and layer.integrity_protected is False
    assert report.content_bytes == EX_CONTENT
    assert not report.ok and "unauthenticated-encryption" in {f.code for f in report.findings}


def _johnny(relative: str) -> bytes:
    return load_vector("johnny-fired/" + relative)


@pytest.mark.parametrize(
    "name",
    ["01-cms/valid_email_from_manager.eml", "assets/valid-signed/manager-smime.eml"],
)
def test_johnny_genuine(name: str) -> None:
    report = smime.open(_johnny(name))
    assert report.valid and report.signatures[0].sender_match is True
    assert not report.ok  # no trust store given: trust unknown


@pytest.mark.parametrize(
    "name",
    [
        "01-cms/c1_eContent-confusion/eContent_confusion.eml",
        "01-cms/c1_eContent-confusion/eContent_confusion_refinement.eml",
    ],
)
def test_johnny_c1_refused(name: str) -> None:
    report = smime.open(_johnny(name))
    assert not report.valid and not report.signatures
    assert report.layers[0].problems[0].code == "ambiguous-content"


@pytest.mark.parametrize("where", ["append", "prepend"])
def test_johnny_c2_multiple_signers(where: str) -> None:
    report = smime.open(
        _johnny(f"01-cms/c2_multiple-signerInfos/multiple_signerInfos_{where}_johnny.eml")
    )
    assert len(report.signatures) == 2 and any(s.valid for s in report.signatures)
    assert not report.valid and not report.ok


@pytest.mark.parametrize(
    "name",
    ["no_signerInfos_detached.eml", "no_certificates/no_signerInfos_no_certificates_detached.eml"],
)
def test_johnny_c3_no_signers(name: str) -> None:
    report = smime.open(_johnny("01-cms/c3_no-signerInfos/" + name))
    assert not report.signatures and not report.valid and not report.ok
    assert report.layers[0].problems[0].code == "no-signers"


def test_johnny_crash_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        smime.open(_johnny("01-cms/crashes/crash_01.eml"))


@pytest.mark.parametrize(
    "name",
    [
        "m1-prepending-text/m1-smime.eml",
        "m2-hiding-with-html/m2-smime-mix.eml",
        "m3-hiding-in-reference/m3-smime.eml",
        "m4-hiding-as-attachment/m4-smime.eml",
    ],
)
def test_johnny_mime_wrapping(name: str) -> None:
    report = smime.open(_johnny("03-mime/" + name))
    (sig,) = report.signatures
    assert sig.valid and sig.covers != "/"
    assert "root-not-signed" in {f.code for f in report.findings}
    assert not report.valid and not report.ok and not report.layers


@pytest.mark.parametrize(
    ("name", "sender", "match"),
    [
        (
            "i1-sender-signer-checks/i1-from-unequals-signer-smime.eml",
            "manager@bigcorporation.de",
            False,
        ),
        (
            "i2-display-name-confusion/i2-from-contains-signer-smime.eml",
            "eve@bigcorporation.de",
            True,
        ),  # display names never bind: the address is eve's
        ("i2-display-name-confusion/i2-from-is-empty-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-nonexistent-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-only-a-name-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-sender-signer-a-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-sender-signer-b-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-signer-sender-a-smime.eml", None, None),
        ("i2-display-name-confusion/i2-from-is-signer-sender-b-smime.eml", None, None),
        ("i3-from-sender-confusion/i3-from-is-sender-sender-signer-smime.eml", None, None),
        ("i3-from-sender-confusion/i3-from-is-sender-signer-sender-smime.eml", None, None),
        (
            "i3-from-sender-confusion/i3-from-sender-others-signer-smime.eml",
            "manager@bigcorporation.de",
            False,
        ),  # Sender never substitutes for From
        (
            "i3-from-sender-confusion/i3-from-signer-others-sender-smime.eml",
            "eve@bigcorporation.de",
            True,
        ),
        ("i3-from-sender-confusion/i3-from1-sender-from2-signer-smime.eml", None, None),
        ("i3-from-sender-confusion/i3-from1-signer-from2-sender-smime.eml", None, None),
    ],
)
def test_johnny_identity(name: str, sender: str | None, match: bool | None) -> None:
    report = smime.open(_johnny("04-id/" + name))
    assert report.valid  # eve's signatures are genuine
    assert report.sender == sender
    assert report.signatures[0].sender_match is match
    assert not report.ok


def _manager() -> KeyPair:
    base = "covert-content/assets/secret-keys/manager@bigcorporation"
    return KeyPair(
        load_private_key(load_vector(base + ".pem")),
        Certificate.from_pem(load_vector(base + ".crt")),
    )


def test_covert_content_original_decrypts() -> None:
    report = smime.open(
        load_vector("covert-content/01-enc/smime/00-original-mail.eml"), keys=[_manager()]
    )
    (layer,) = report.layers
    assert layer.type is LayerType.ENVELOPED and layer.integrity_protected is False
    assert b"THIS IS A PGP/MIME ENCRYPTED MESSAGE" in report.content_bytes
    with pytest.raises(PolicyError):
        smime.open(
            load_vector("covert-content/01-enc/smime/00-original-mail.eml"),
            keys=[_manager()],
            require_integrity=True,
        )


@pytest.mark.parametrize(
    "name",
    [
        "01-enc/smime/01-reply-mix-822.eml",
        "01-enc/smime/01-reply-mix-alt.eml",
        "01-enc/smime/01-reply-mix-crlf.eml",
        "01-enc/smime/01-reply-mix-css.eml",
        "01-enc/smime/01-reply-mix-dbl.eml",
        "01-enc/smime/02-reply-rel.eml",
        "reevaluation-2020/01-enc/smime/01-reply-mix-css-modified.eml",
    ],
)
def test_covert_content_embedded_ciphertext_is_not_decrypted(name: str) -> None:
    report = smime.open(load_vector("covert-content/" + name), keys=[_manager()])
    assert not report.layers
    assert "encrypted-part-not-root" in {f.code for f in report.findings}
    assert b"PGP/MIME ENCRYPTED" not in report.content_bytes


@pytest.mark.parametrize(
    ("name", "layers", "ok"),
    [
        ("smime-multipart-signed.eml", [LayerType.SIGNED], True),
        ("smime-onepart-signed.eml", [LayerType.SIGNED], True),
        ("smime-sign+enc.eml", [LayerType.ENVELOPED, LayerType.SIGNED], True),
        ("smime-sign+enc+legacy-disp.eml", [LayerType.ENVELOPED, LayerType.SIGNED], True),
        ("smime-enc+legacy-disp.eml", [LayerType.ENVELOPED], False),  # encrypted only
    ],
)
def test_protected_headers_samples(name: str, layers: list[LayerType], ok: bool) -> None:
    from smimelib.pki.identity import Identity

    bob = Identity.from_pkcs12(load_vector("header-protection/bob.p12.der"), b"bob")
    trust = TrustStore.from_pem(load_vector("header-protection/sample-ca.pem"))
    data = load_vector("header-protection/" + name)
    report = smime.open(data, keys=[bob], trust=trust, policy=LEGACY_POLICY)
    assert [layer.type for layer in report.layers] == layers
    assert report.ok is ok, report.problems()
    assert report.sender == "alice@smime.example"
    if LayerType.ENVELOPED in layers:
        # the protected Subject inside the encryption wins over the outer placeholder
        assert str(report.message["Subject"]) == "BarCorp contract signed, let's go!"
        with pytest.raises(PolicyError):  # 3DES needs the legacy policy
            smime.open(data, keys=[bob], trust=trust)


@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("01-cms/valid_email_from_manager.eml", "manager@bigcorporation.de"),
        ("assets/valid-signed/manager-smime.eml", "manager@bigcorporation.de"),
        ("assets/valid-signed/eve-smime.eml", "eve@bigcorporation.de"),
    ],
)
def test_johnny_genuine_trusted_at_an_explicit_time(name: str, sender: str) -> None:
    """vectors/security/README.md: with the GlobalSign intermediate as anchor and the time
    pinned to 2019, the genuine messages verify, are trusted and bound to their sender;
    at the current time the (expired) chain is not trusted."""
    anchor = Certificate.from_pem(_johnny("assets/certificates/intermediate_ca.crt"))
    trust = TrustStore([anchor])
    at = datetime.datetime(2019, 6, 1, tzinfo=datetime.UTC)
    report = smime.open(_johnny(name), trust=trust, validation_time=at)
    assert report.ok, report.problems()
    assert report.sender == sender and report.signatures[0].sender_match is True
    now = smime.open(_johnny(name), trust=trust)
    assert now.valid and not now.ok
    assert now.signatures[0].trusted is False
