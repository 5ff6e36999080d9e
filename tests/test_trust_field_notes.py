"""FIELD-NOTES and THREATS rows about certificates, trust and sender binding, one test each.

* FIELD-NOTES 12: chain building is independent of the order of ``certificates``, and the
  chain is reported leaf first;
* FIELD-NOTES 13 / THREATS C4: a self-signed or otherwise untrusted signer never shows as
  trusted; integrity, trust and sender binding are separate answers;
* THREATS "key replacement": certificates carried in a message are hints for one
  validation, never anchors and never added to the store;
* THREATS I1: validly signed by eve with From: alice binds nothing;
* trust store files: junk in a trust directory, text between PEM blocks, and files that
  never end (``/dev/zero``) or are too large.
"""

from __future__ import annotations

import datetime
import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from smimelib import message as smime_api
from smimelib import mime
from smimelib.cms import Signer
from smimelib.cms import sign as cms_sign
from smimelib.errors import DecodeError, LimitExceeded
from smimelib.pki import trust as trust_module
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import RevocationMode, ValidationPolicy, ValidationStatus
from smimelib.pki.trust import TrustStore

POLICY = ValidationPolicy(revocation=RevocationMode.OFF)


class _Pki:
    def __init__(self) -> None:
        self.root = make_ca("CN=Notes Root,O=smimelib tests", key_type="p-256")
        self.ca = make_ca("CN=Notes CA,O=smimelib tests", key_type="p-256", issuer=self.root)
        self.sub = make_ca("CN=Notes Sub CA,O=smimelib tests", key_type="p-256", issuer=self.ca)
        self.alice = make_smime_identity("alice@example.com", issuer=self.sub, key_type="p-256")
        self.eve = make_smime_identity("eve@example.net", issuer=self.sub, key_type="p-256")
        self.other = make_ca("CN=Unrelated CA", key_type="p-256")
        self.store = TrustStore([self.root.certificate])


@pytest.fixture(scope="module")
def pki() -> _Pki:
    return _Pki()


def _signed(
    identity: Identity,
    from_value: str,
    *,
    chain: bool = True,
    extra: Sequence[Certificate] = (),
) -> bytes:
    entity = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    der = cms_sign(
        entity,
        [Signer(identity.key, identity.certificate, chain=identity.chain)],
        include_chain=chain,
        extra_certificates=extra,
    )
    return f"From: {from_value}\r\n".encode() + mime.pkcs7_mime(der, "signed-data")


# -- FIELD-NOTES 12: order independence ------------------------------------------------------


def test_chain_building_ignores_the_order_of_the_hints(pki: _Pki) -> None:
    hints = [pki.sub.certificate, pki.ca.certificate, pki.other.certificate, pki.root.certificate]
    expected = (
        pki.alice.certificate,
        pki.sub.certificate,
        pki.ca.certificate,
        pki.root.certificate,
    )
    for order in itertools.permutations(hints):
        result = pki.store.validate(pki.alice.certificate, list(order), policy=POLICY)
        assert result.status is ValidationStatus.VALID, (order, result.reason)
        assert result.chain == expected  # leaf first, whatever the input order


def test_message_chain_in_any_order_validates(pki: _Pki) -> None:
    report = smime_api.open(_signed(pki.alice, "alice@example.com"), trust=pki.store)
    assert report.ok, report
    assert report.signatures[0].trust is not None
    assert report.signatures[0].trust.chain[0] == pki.alice.certificate


# -- FIELD-NOTES 13, THREATS C4 and I1: no overstated status ----------------------------------


def test_self_signed_signer_carrying_its_own_root_is_not_trusted(pki: _Pki) -> None:
    # eve mints a root with the trusted root's name and includes it in the message
    fake_root = make_ca("CN=Notes Root,O=smimelib tests", key_type="p-256")
    fake_alice = make_smime_identity("alice@example.com", issuer=fake_root, key_type="p-256")
    report = smime_api.open(_signed(fake_alice, "alice@example.com"), trust=pki.store)
    signature = report.signatures[0]
    assert signature.valid  # the signature itself verifies ...
    assert signature.trusted is False  # ... but the path does not reach the caller's anchor
    assert signature.sender_match is True  # binding is a separate answer
    assert not report.ok
    # the carried root was a hint for that one validation: the store did not change
    assert pki.store.anchors == (pki.root.certificate,)
    assert pki.store.intermediates == ()


def test_trusted_eve_signing_as_alice_is_not_bound(pki: _Pki) -> None:
    report = smime_api.open(_signed(pki.eve, "Alice <alice@example.com>"), trust=pki.store)
    signature = report.signatures[0]
    assert signature.valid and signature.trusted
    assert signature.sender_match is False
    assert not report.ok


def test_display_name_with_alice_address_does_not_bind_eve(pki: _Pki) -> None:
    report = smime_api.open(
        _signed(pki.eve, '"alice@example.com" <eve@example.net>'), trust=pki.store
    )
    signature = report.signatures[0]
    assert signature.sender_match is True and signature.sender_address == "eve@example.net"


def test_untrusted_without_chain_is_name_chaining(pki: _Pki) -> None:
    report = smime_api.open(_signed(pki.alice, "alice@example.com", chain=False), trust=pki.store)
    signature = report.signatures[0]
    assert signature.valid and signature.trusted is False
    assert signature.validation_status is ValidationStatus.NAME_CHAINING
    # with the store's own intermediates it validates: the caller's directory decides
    store = pki.store.with_intermediates([pki.ca.certificate, pki.sub.certificate])
    report = smime_api.open(_signed(pki.alice, "alice@example.com", chain=False), trust=store)
    assert report.ok


def test_message_certificates_never_outrank_the_callers(pki: _Pki) -> None:
    # regression (THREATS "key replacement": message certificates are never preferred
    # over the caller's): 20 impostors of the sub CA in the message, ranked like it
    # (copied subjectKeyIdentifier), used up max_paths before the caller's real
    # intermediate was tried, so a genuine signer failed to validate
    key = generate_key("p-256")
    key_id = pki.sub.certificate.subject_key_identifier
    assert key_id is not None
    impostors = [
        CertificateBuilder()
        .subject_name(pki.sub.certificate.subject)
        .issuer_name(pki.ca.certificate.subject)
        .public_key(key)
        .serial_number(serial)
        .basic_constraints(ca=True)
        .subject_key_identifier(key_id)
        .sign(key)
        for serial in range(1, 21)
    ]
    wire = _signed(pki.alice, "alice@example.com", chain=False, extra=impostors)
    mine = [pki.ca.certificate, pki.sub.certificate]
    report = smime_api.open(wire, trust=pki.store, certificates=mine)
    assert report.ok, report.signatures[0].trust
    # without the caller's certificates, the impostors lead nowhere
    report = smime_api.open(wire, trust=pki.store)
    assert report.signatures[0].trusted is False


# -- trust store files -----------------------------------------------------------------------


def test_directory_with_junk(pki: _Pki, tmp_path: Path) -> None:
    (tmp_path / "README").write_text("not a certificate")
    (tmp_path / "key.pem").write_bytes(
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    )
    (tmp_path / "root.pem").write_bytes(pki.root.certificate.to_pem())
    (tmp_path / "subdir.pem").mkdir()
    os.symlink(tmp_path / "root.pem", tmp_path / "0123abcd.0")
    os.mkfifo(tmp_path / "fifo.crt")  # never opened: not a regular file
    store = TrustStore.from_directory(tmp_path)
    assert store.anchors == (pki.root.certificate,)


def test_directory_with_a_malformed_certificate_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.crt").write_bytes(b"\x30\x03\x02\x01")
    with pytest.raises(DecodeError, match=r"bad\.crt"):
        TrustStore.from_directory(tmp_path)


def test_pem_bundle_with_text_between_blocks(pki: _Pki, tmp_path: Path) -> None:
    bundle = (
        b"# a comment\r\nsubject=CN=Notes Root\n"
        + pki.root.certificate.to_pem()
        + b"\n\x00 garbage \xff between blocks\n"
        + pki.other.certificate.to_pem()
        + b"trailing words"
    )
    path = tmp_path / "bundle.pem"
    path.write_bytes(bundle)
    store = TrustStore.from_file(path)
    assert store.anchors == (pki.root.certificate, pki.other.certificate)


def test_a_file_that_never_ends_is_refused() -> None:
    # regression: TrustStore.from_file("/dev/zero") read until memory ran out (the
    # project runs on Linux, where /dev/zero always exists)
    with pytest.raises(LimitExceeded):
        TrustStore.from_file("/dev/zero")


def test_an_oversized_trust_file_is_refused(
    pki: _Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_module, "MAX_TRUST_FILE_SIZE", 4096)
    small = tmp_path / "small.pem"
    small.write_bytes(pki.root.certificate.to_pem())
    assert TrustStore.from_file(small).anchors == (pki.root.certificate,)
    big = tmp_path / "big.pem"
    big.write_bytes(pki.root.certificate.to_pem() + b"#" * 8192)
    with pytest.raises(LimitExceeded):
        TrustStore.from_file(big)
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "big.crl").write_bytes(b"#" * 8192)
    with pytest.raises(LimitExceeded):
        TrustStore.from_directory(directory)


def test_validation_time_defaults_to_now(pki: _Pki) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    result = pki.store.validate(pki.alice.certificate, [pki.ca.certificate, pki.sub.certificate])
    assert result.validation_time is not None and result.validation_time >= before
