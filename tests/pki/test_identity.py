"""Identity: a private key bound to its certificate and chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from smimelib.crypto.keys import KeyType, generate_private_key
from smimelib.errors import CertificateError, PasswordError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key, private_key_to_pem
from tests.pki.conftest import MintedPKI
from tests.vectors import load_vector, vector_path


def test_mismatched_key_is_refused(minted_pki: MintedPKI) -> None:
    leaf = minted_pki.leaf("p-256")
    other = minted_pki.leaf("p-384")
    with pytest.raises(CertificateError, match="does not match"):
        Identity(other.key, leaf.certificate)
    with pytest.raises(CertificateError):
        Identity(generate_private_key(KeyType.ED25519), minted_pki.leaf("ed25519").certificate)
    assert Identity(leaf.key, leaf.certificate).chain == ()


def test_wrong_types_are_usage_errors(minted_pki: MintedPKI) -> None:
    leaf = minted_pki.leaf("ed25519")
    with pytest.raises(UsageError):
        Identity(leaf.key.public_key(), leaf.certificate)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Identity(leaf.key, leaf.certificate, (b"not a cert",))  # type: ignore[arg-type]


def test_identity_is_frozen_and_chain_is_a_tuple(minted_pki: MintedPKI) -> None:
    leaf = minted_pki.leaf("rsa")
    ident = Identity(leaf.key, leaf.certificate, [minted_pki.intermediate.certificate])  # type: ignore[arg-type]
    assert ident.chain == (minted_pki.intermediate.certificate,)
    with pytest.raises(AttributeError):
        ident.key = leaf.key  # type: ignore[misc]
    text = repr(ident)
    assert "CN=Test rsa" in text
    n = leaf.key.rsa_numbers()[2]
    assert str(n)[:20] not in text and f"{n:x}"[:20] not in text  # no private exponent


def test_from_pem_picks_the_matching_certificate(minted_pki: MintedPKI) -> None:
    leaf = minted_pki.leaf("p-521")
    bundle = (
        minted_pki.root.certificate.to_pem()
        + leaf.certificate.to_pem()
        + minted_pki.intermediate.certificate.to_pem()
    )
    key_pem = private_key_to_pem(leaf.key)
    ident = Identity.from_pem(bundle, key_pem)
    assert ident.certificate == leaf.certificate
    assert ident.chain == (minted_pki.root.certificate, minted_pki.intermediate.certificate)
    combined = Identity.from_pem(key_pem + leaf.certificate.to_pem())
    assert combined.certificate == leaf.certificate and combined.chain == ()
    with pytest.raises(CertificateError, match="none of the certificates"):
        Identity.from_pem(minted_pki.root.certificate.to_pem(), key_pem)


def test_from_files_with_an_encrypted_key(minted_pki: MintedPKI, tmp_path: Path) -> None:
    leaf = minted_pki.leaf("ed25519")
    cert_path = tmp_path / "cert.pem"
    key_path = tmp_path / "key.pem"
    cert_path.write_bytes(leaf.certificate.to_pem())
    key_path.write_bytes(private_key_to_pem(leaf.key, "s3cret", iterations=1000))
    ident = Identity.from_files(cert_path, key_path, password="s3cret")
    assert ident.key == leaf.key
    with pytest.raises(PasswordError):
        Identity.from_files(cert_path, key_path, password="wrong")
    with pytest.raises(UsageError):
        Identity.from_files(tmp_path / "missing.pem", key_path)


@pytest.mark.parametrize("who", ["alice.sign", "bob.sign", "carlos.sign", "dana.sign"])
def test_rfc9216_keys_and_certificates(who: str) -> None:
    ident = Identity.from_files(
        vector_path(f"rfc9216/{who}.crt"), vector_path(f"rfc9216/{who}.key")
    )
    assert ident.email_addresses == (f"{who.split('.')[0]}@smime.example",)
    with pytest.raises(CertificateError):
        Identity.from_files(vector_path(f"rfc9216/{who}.crt"), vector_path("rfc9216/ca.rsa.key"))


def test_rfc4134_dsa_key_with_inherited_parameters() -> None:
    carl = Certificate.from_file(vector_path("rfc4134/CarlDSSSelf.cer"))
    diane_cert = Certificate.from_file(vector_path("rfc4134/DianeDSSSignByCarlInherit.cer"))
    diane_key = load_private_key(load_vector("rfc4134/DianePrivDSSSign.pri"))
    ident = Identity(diane_key, diane_cert, (carl,))
    assert ident.certificate.has_inherited_dsa_parameters
    Identity(diane_key, diane_cert)  # parameters completed from the key itself
    alice_key = load_private_key(load_vector("rfc4134/AlicePrivDSSSign.pri"))
    with pytest.raises(CertificateError):
        Identity(alice_key, diane_cert, (carl,))


def test_from_pkcs12_vectors() -> None:
    alice = Identity.from_pkcs12(load_vector("rfc9216/alice.p12"), "alice")
    assert alice.email_addresses == ("alice@smime.example",)
    dsa = Identity.from_pkcs12(load_vector("mimekit/dsa-smime.pfx"), "no.secret")
    assert dsa.key.type is KeyType.DSA
    assert dsa.email_addresses == ("dsa@mimekit.net",)  # legacy emailAddress attribute
    assert len(dsa.chain) == 3  # MimeKit's leaves ship with their CA certificates
    dsa.certificate.verify_issued_by(dsa.chain[0])
    with pytest.raises(PasswordError):
        Identity.from_pkcs12(load_vector("mimekit/dsa-smime.pfx"), "wrong")


@pytest.mark.parametrize(
    ("name", "password", "missing"),
    [
        ("pyca/pkcs12/cert-aes256cbc-no-key.p12", "cryptography", "private key"),
        ("pyca/pkcs12/no-cert-key-aes256cbc.p12", "cryptography", "certificate"),
    ],
)
def test_from_pkcs12_needs_key_and_certificate(name: str, password: str, missing: str) -> None:
    with pytest.raises(CertificateError, match=missing):
        Identity.from_pkcs12(load_vector(name), password)
