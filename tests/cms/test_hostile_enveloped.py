"""Hostile EnvelopedData / AuthEnvelopedData (issue M3, item 6; THREATS 4.1 and 4.4).

Messages are built here from their parts (RFC 5652 section 6, RFC 5083 section 2) with a
content-encryption key the test knows, so every field can be set to a hostile value while
the rest stays valid. Each crafted family has a positive control (the same builder with
honest values decrypts), so a refusal is the field's doing. Whatever is refused must be
refused with an smimelib error, quickly (a SIGALRM guard as in tests/test_hostile_inputs.py
turns a hang into a failure). Mutations of real vectors are fed in as well.

Plus THREATS "Fail-closed sending" (Outlook CVE-2017-11776): the output of ``encrypt``
never contains the plaintext.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from typing import Any

import pytest
from Crypto.Cipher import AES, PKCS1_OAEP
from Crypto.Hash import SHA256
from Crypto.Random import get_random_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_DATA,
    ID_ENVELOPED_DATA,
    encode_content_info,
    load_cms,
)
from smimelib.cms.decryption import decrypt
from smimelib.cms.encryption import encrypt
from smimelib.cms.identifiers import IssuerAndSerialNumber
from smimelib.cms.recipients import (
    KEK,
    KEKRecipient,
    KeyAgreeRecipient,
    KeyPair,
    KeyTransRecipient,
    Password,
    PasswordRecipient,
    Recipient,
    RecipientKey,
)
from smimelib.crypto import kdf, keytransport, keywrap
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Policy
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    LimitExceeded,
    PolicyError,
    SmimeError,
)
from smimelib.pki.certificate import Certificate
from tests.cms.conftest import EnvPKI
from tests.guard import no_hang
from tests.vectors import load_vector

HANG_SECONDS = 20
CONTENT = b"hostile input must never reach the caller as content\n" * 4

AES128_CBC = "2.16.840.1.101.3.4.1.2"
AES256_CBC = "2.16.840.1.101.3.4.1.42"
AES256_GCM = "2.16.840.1.101.3.4.1.46"
AES256_WRAP = "2.16.840.1.101.3.4.1.45"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSAES_OAEP = "1.2.840.113549.1.1.7"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
MGF1 = "1.2.840.113549.1.1.8"

KEK_KEY = bytes(range(32))
KEK_ID = b"hostile"
THE_KEK = KEK(key_id=KEK_ID, key=KEK_KEY)


def _refused(
    message: bytes,
    keys: Sequence[RecipientKey],
    *,
    policy: Policy = DEFAULT_POLICY,
    expected: type[SmimeError] = SmimeError,
    seconds: float = 5.0,
    require_integrity: bool = False,
) -> SmimeError:
    """Decrypt must raise ``expected`` (an smimelib error), within ``seconds``."""
    start = time.monotonic()
    with no_hang(HANG_SECONDS), pytest.raises(expected) as info:
        decrypt(message, list(keys), policy=policy, require_integrity=require_integrity)
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"refusal took {elapsed:.1f} s"
    error = info.value
    assert isinstance(error, SmimeError)
    return error


# -- builders (RFC 5652 section 6, RFC 5083 section 2.1) -----------------------------------


def _alg(oid: str, params: bytes | None = None) -> AlgorithmIdentifier:
    return AlgorithmIdentifier(oid, params)


def _kekri(cek: bytes, *, key_id: bytes = KEK_ID, kek: bytes = KEK_KEY) -> bytes:
    """KEKRecipientInfo [2] (RFC 5652 6.2.3), AES-256 key wrap (RFC 3394)."""
    body = der.sequence(
        der.encode_int(4),
        der.sequence(der.encode_octets(key_id)),
        _alg(AES256_WRAP).to_der(),
        der.encode_octets(keywrap.aes_key_wrap(kek, cek)),
    )
    return der.implicit(2, body, constructed=True)


def _ktri(cert: Certificate, alg: AlgorithmIdentifier, encrypted_key: bytes) -> bytes:
    """KeyTransRecipientInfo (RFC 5652 6.2.1), issuerAndSerialNumber, version 0."""
    rid = IssuerAndSerialNumber.from_certificate(cert).to_der()
    return der.sequence(der.encode_int(0), rid, alg.to_der(), der.encode_octets(encrypted_key))


def _pwri(kda: AlgorithmIdentifier | None, kek: bytes, cek: bytes) -> bytes:
    """PasswordRecipientInfo [3] (RFC 5652 6.2.4, RFC 3211 2.2) with an AES-256-CBC PWRI-KEK."""
    inner = _alg(AES256_CBC, der.encode_octets(get_random_bytes(16)))
    parts = [der.encode_int(0)]
    if kda is not None:
        parts.append(der.implicit(0, kda.to_der(), constructed=True))
    parts.append(keywrap.pwri_kek_algorithm(inner).to_der())
    parts.append(der.encode_octets(keywrap.pwri_wrap(kek, cek, inner)))
    return der.implicit(3, der.sequence(*parts), constructed=True)


def _recipient_set(infos: Sequence[bytes]) -> bytes:
    return der.set_of(infos) if infos else der.encode_tlv(tlv.Tag.SET, b"")


def _eci(cea: AlgorithmIdentifier, encrypted: bytes | None) -> bytes:
    """EncryptedContentInfo (RFC 5652 6.1); ``encrypted`` None = encryptedContent absent."""
    parts = [der.encode_oid(ID_DATA), cea.to_der()]
    if encrypted is not None:
        parts.append(der.implicit(0, der.encode_octets(encrypted), constructed=False))
    return der.sequence(*parts)


def _enveloped(infos: Sequence[bytes], eci: bytes, *, version: int = 2) -> bytes:
    body = der.sequence(der.encode_int(version), _recipient_set(infos), eci)
    return encode_content_info(ID_ENVELOPED_DATA, body)


def _auth_enveloped(
    infos: Sequence[bytes], eci: bytes, mac: bytes, *, auth_attrs: bytes | None = None
) -> bytes:
    parts = [der.encode_int(0), _recipient_set(infos), eci]
    if auth_attrs is not None:
        parts.append(auth_attrs)
    parts.append(der.encode_octets(mac))
    return encode_content_info(ID_AUTH_ENVELOPED_DATA, der.sequence(*parts))


def _cbc(cek: bytes, iv: bytes, content: bytes = CONTENT) -> bytes:
    pad = 16 - len(content) % 16
    return AES.new(cek, AES.MODE_CBC, iv=iv[:16]).encrypt(content + bytes([pad]) * pad)


def _gcm_params(nonce: bytes, icv_len: int | None) -> bytes:
    parts = [der.encode_octets(nonce)]
    if icv_len is not None:
        parts.append(der.encode_int(icv_len))
    return der.sequence(*parts)


def _gcm_message(
    *,
    nonce_len: int = 12,
    icv_len: int | None = 16,
    mac_len: int = 16,
    content: bytes | None = CONTENT,
    recipients: int = 1,
) -> bytes:
    """AuthEnvelopedData, AES-256-GCM (RFC 5084 3.2), one KEKRI (and decoys)."""
    cek = get_random_bytes(32)
    nonce = get_random_bytes(nonce_len)
    gcm = AES.new(cek, AES.MODE_GCM, nonce=nonce)
    ciphertext, tag = gcm.encrypt_and_digest(content or b"")
    cea = _alg(AES256_GCM, _gcm_params(nonce, icv_len))
    # decoys: one encoding repeated (cheap to build; SET OF allows equal elements)
    infos = [_kekri(cek)] + [_kekri(cek, key_id=b"decoy")] * (recipients - 1)
    encrypted = None if content is None else ciphertext
    return _auth_enveloped(infos, _eci(cea, encrypted), tag[:mac_len])


# -- positive controls ----------------------------------------------------------------------


def test_builders_make_valid_messages() -> None:
    """The hand-built messages decrypt when every field is honest."""
    assert decrypt(_gcm_message(), [THE_KEK]).content == CONTENT
    assert decrypt(_gcm_message(icv_len=None, mac_len=12), [THE_KEK]).content == CONTENT
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    cbc = _enveloped([_kekri(cek)], _eci(_alg(AES256_CBC, der.encode_octets(iv)), _cbc(cek, iv)))
    assert decrypt(cbc, [THE_KEK]).content == CONTENT


# -- structure ------------------------------------------------------------------------------


def test_empty_recipient_infos() -> None:
    """RecipientInfos ::= SET SIZE (1..MAX) OF RecipientInfo (RFC 5652 6.1)."""
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    message = _enveloped([], _eci(_alg(AES256_CBC, der.encode_octets(iv)), _cbc(cek, iv)))
    _refused(message, [THE_KEK], expected=DecodeError)


def test_ten_thousand_recipient_infos_hit_the_limit() -> None:
    """THREATS 4.4: at most 256 recipientInfos; 10,000 are refused quickly, before any
    unwrap is attempted."""
    message = _gcm_message(recipients=10_000)
    _refused(message, [THE_KEK], expected=LimitExceeded, seconds=10.0)


def test_recipient_info_limit_boundary() -> None:
    """256 recipient infos (the limit) are accepted, 257 are not."""
    assert decrypt(_gcm_message(recipients=256), [THE_KEK]).content == CONTENT
    _refused(_gcm_message(recipients=257), [THE_KEK], expected=LimitExceeded)


def test_absent_encrypted_content() -> None:
    """encryptedContent is OPTIONAL (RFC 5652 6.1, detached content); without it there is
    nothing to decrypt, which must be an error, not empty content."""
    _refused(_gcm_message(content=None), [THE_KEK])
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    message = _enveloped([_kekri(cek)], _eci(_alg(AES256_CBC, der.encode_octets(iv)), None))
    _refused(message, [THE_KEK])


# -- content-encryption parameters (THREATS 4.1, CVE-2025-15467) ------------------------------


def test_gcm_nonce_of_4096_octets() -> None:
    _refused(_gcm_message(nonce_len=4096), [THE_KEK])


@pytest.mark.parametrize("nonce_len", [0, 1, 8, 11, 13, 16])
def test_gcm_nonce_other_than_12_octets(nonce_len: int) -> None:
    """smimelib reads 12-octet GCM nonces only (RFC 5084 3.2 RECOMMENDED; THREATS 4.1)."""
    if nonce_len == 0:
        message = _auth_enveloped(
            [_kekri(bytes(32))],
            _eci(_alg(AES256_GCM, _gcm_params(b"", 16)), b"x" * 16),
            bytes(16),
        )
    else:
        message = _gcm_message(nonce_len=nonce_len)
    _refused(message, [THE_KEK])


@pytest.mark.parametrize("icv_len", [1, 4, 8, 11, 17, 255, -1])
def test_gcm_icv_length_out_of_range(icv_len: int) -> None:
    """AES-GCM-ICVlen ::= INTEGER (12 | 13 | 14 | 15 | 16) (RFC 5084 3.2)."""
    mac_len = max(1, min(icv_len, 16))
    _refused(_gcm_message(icv_len=icv_len, mac_len=mac_len), [THE_KEK])


@pytest.mark.parametrize(
    ("icv_len", "mac_len"), [(16, 12), (12, 16), (16, 15), (None, 16), (14, 0)]
)
def test_mac_length_differs_from_icv_length(icv_len: int | None, mac_len: int) -> None:
    """aes-ICVlen "MUST match the size in octets of the value in the AuthEnvelopedData mac
    field" (RFC 5084 3.2): a truncated or padded tag is refused."""
    _refused(_gcm_message(icv_len=icv_len, mac_len=mac_len), [THE_KEK])


@pytest.mark.parametrize("iv_len", [0, 8, 15, 17, 32, 64])
def test_cbc_iv_not_16_octets(iv_len: int) -> None:
    """AES-CBC parameters are a 16-octet IV (RFC 3565 4.1); 64 octets is THREATS 4.1."""
    cek, iv = get_random_bytes(32), get_random_bytes(max(iv_len, 16))[:iv_len]
    ciphertext = _cbc(cek, iv.ljust(16, b"\x00"))
    message = _enveloped([_kekri(cek)], _eci(_alg(AES256_CBC, der.encode_octets(iv)), ciphertext))
    _refused(message, [THE_KEK])


@pytest.mark.parametrize("params", [None, der.encode_null(), der.encode_int(5)])
def test_cbc_parameters_not_an_octet_string(params: bytes | None) -> None:
    cek = get_random_bytes(32)
    ciphertext = _cbc(cek, bytes(16))
    message = _enveloped([_kekri(cek)], _eci(_alg(AES256_CBC, params), ciphertext))
    _refused(message, [THE_KEK])


def test_gcm_inside_enveloped_data_needs_allow_non_standard() -> None:
    """GCM belongs in AuthEnvelopedData (RFC 5084 section 1, RFC 5083). EnvelopedData with
    GCM (PKI.js and Go write it: the tag appended to the ciphertext) is refused by default
    and read under ``allow_non_standard``, with a finding saying so."""
    cek, nonce = get_random_bytes(32), get_random_bytes(12)
    ciphertext, tag = AES.new(cek, AES.MODE_GCM, nonce=nonce).encrypt_and_digest(CONTENT)
    cea = _alg(AES256_GCM, _gcm_params(nonce, 16))
    message = _enveloped([_kekri(cek)], _eci(cea, ciphertext + tag))
    _refused(message, [THE_KEK], expected=PolicyError)
    lenient = Policy(allow_non_standard=True)
    result = decrypt(message, [THE_KEK], policy=lenient)
    assert result.content == CONTENT
    assert result.structure == "enveloped-data"
    assert any("non-standard" in f.lower() for f in result.findings), result.findings
    # a bad tag stays a decryption failure under the lenient policy
    bad = _enveloped([_kekri(cek)], _eci(cea, ciphertext + bytes(16)))
    _refused(bad, [THE_KEK], policy=lenient, expected=DecryptionError)


def test_cbc_inside_auth_enveloped_data_is_refused() -> None:
    """Only AEAD algorithms inside AuthEnvelopedData (RFC 5083 section 2.1), whatever the
    policy: CBC there would claim integrity it does not have."""
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    eci = _eci(_alg(AES256_CBC, der.encode_octets(iv)), _cbc(cek, iv))
    message = _auth_enveloped([_kekri(cek)], eci, bytes(16))
    _refused(message, [THE_KEK])
    _refused(message, [THE_KEK], policy=Policy(allow_non_standard=True, allow_legacy=True))


AES256_CCM = "2.16.840.1.101.3.4.1.47"
CHACHA20_POLY1305 = "1.2.840.113549.1.9.16.3.18"


def _ccm_message(nonce_len: int, icv_len: int | None) -> bytes:
    cek, nonce = get_random_bytes(32), get_random_bytes(nonce_len)
    mac_len = 12 if icv_len is None else icv_len
    if 7 <= nonce_len <= 13 and mac_len in (4, 6, 8, 10, 12, 14, 16):
        ccm = AES.new(cek, AES.MODE_CCM, nonce=nonce, mac_len=mac_len)
        ciphertext, tag = ccm.encrypt_and_digest(CONTENT)
    else:  # parameters pycryptodome itself refuses: any octets will do
        ciphertext, tag = CONTENT, bytes(max(mac_len, 1))
    eci = _eci(_alg(AES256_CCM, _gcm_params(nonce, icv_len)), ciphertext)
    return _auth_enveloped([_kekri(cek)], eci, tag)


@pytest.mark.parametrize(("nonce_len", "icv_len"), [(7, 4), (13, 16), (8, 12), (12, None), (11, 6)])
def test_ccm_parameters_rfc5084_accepted(nonce_len: int, icv_len: int | None) -> None:
    """CCMParameters: aes-nonce SIZE(7..13), aes-ICVlen (4|6|...|16) DEFAULT 12 (RFC 5084
    3.1): every allowed combination decrypts."""
    assert decrypt(_ccm_message(nonce_len, icv_len), [THE_KEK]).content == CONTENT


@pytest.mark.parametrize(("nonce_len", "icv_len"), [(6, 12), (14, 12), (12, 5), (12, 18), (12, 2)])
def test_ccm_parameters_out_of_range(nonce_len: int, icv_len: int) -> None:
    _refused(_ccm_message(nonce_len, icv_len), [THE_KEK])


@pytest.mark.parametrize("nonce_len", [8, 11, 13, 24])
def test_chacha20_poly1305_nonce_not_12_octets(nonce_len: int) -> None:
    """AEADChaCha20Poly1305Nonce ::= OCTET STRING (SIZE(12)) (RFC 8103 section 3)."""
    cek, nonce = get_random_bytes(32), get_random_bytes(nonce_len)
    eci = _eci(_alg(CHACHA20_POLY1305, der.encode_octets(nonce)), CONTENT)
    _refused(_auth_enveloped([_kekri(cek)], eci, bytes(16)), [THE_KEK])


def test_auth_enveloped_non_data_without_auth_attrs() -> None:
    """RFC 5083 section 2.1: authAttrs MUST be present when the content type is not id-data,
    since only they authenticate it. Refused, or accepted with a finding that says so."""
    cek, nonce = get_random_bytes(32), get_random_bytes(12)
    ciphertext, tag = AES.new(cek, AES.MODE_GCM, nonce=nonce).encrypt_and_digest(CONTENT)
    eci = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.2"),
        _alg(AES256_GCM, _gcm_params(nonce, 16)).to_der(),
        der.implicit(0, der.encode_octets(ciphertext), constructed=False),
    )
    message = _auth_enveloped([_kekri(cek)], eci, tag)
    try:
        result = decrypt(message, [THE_KEK])
    except SmimeError:
        return
    assert any("authAttrs" in f for f in result.findings), result.findings


# -- RecipientInfo versions (RFC 5652 section 6.2; pyca/cryptography#15262) -------------------


def _kekri_version(version: int, cek: bytes) -> bytes:
    info = _kekri(cek)
    assert info.count(b"\x02\x01\x04") == 1
    return info.replace(b"\x02\x01\x04", der.encode_int(version))


def _ktri_version(cert: Certificate, version: int, cek: bytes) -> bytes:
    encrypted = keytransport.encrypt_key(cert.public_key, keytransport.pkcs1_algorithm(), cek)
    rid = IssuerAndSerialNumber.from_certificate(cert).to_der()
    alg = _alg(RSA_ENCRYPTION, der.encode_null()).to_der()
    return der.sequence(der.encode_int(version), rid, alg, der.encode_octets(encrypted))


@pytest.mark.parametrize("version", [0, 2, 3, 5])
def test_kekri_version_must_be_4(version: int) -> None:
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    eci = _eci(_alg(AES256_CBC, der.encode_octets(iv)), _cbc(cek, iv))
    _refused(_enveloped([_kekri_version(version, cek)], eci), [THE_KEK], expected=DecodeError)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_ktri_with_issuer_and_serial_must_be_version_0(env_pki: EnvPKI, version: int) -> None:
    """KTRI version is 0 with issuerAndSerialNumber, 2 with subjectKeyIdentifier."""
    cert = env_pki["rsa"].certificate
    pair = KeyPair(env_pki["rsa"].identity.key, cert)
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    eci = _eci(_alg(AES256_CBC, der.encode_octets(iv)), _cbc(cek, iv))
    assert decrypt(_enveloped([_ktri_version(cert, 0, cek)], eci, version=0), [pair]).content
    message = _enveloped([_ktri_version(cert, version, cek)], eci, version=2)
    _refused(message, [pair], expected=DecodeError)


# -- PasswordRecipientInfo (RFC 3211) -------------------------------------------------------


def _pwri_message(kda: AlgorithmIdentifier | None, kek: bytes) -> bytes:
    cek, iv = get_random_bytes(32), get_random_bytes(16)
    cea = _alg(AES256_CBC, der.encode_octets(iv))
    return _enveloped([_pwri(kda, kek, cek)], _eci(cea, _cbc(cek, iv)), version=3)


def test_pwri_control_and_absent_key_derivation_algorithm() -> None:
    """keyDerivationAlgorithm is OPTIONAL (RFC 3211 2.2: the KEK then comes from elsewhere);
    with only a password there is no KEK to derive: an error, never a crash."""
    salt = get_random_bytes(16)
    kek = kdf.pbkdf2(b"sesame", salt, 1000, 32, prf="sha256")
    kda = kdf.pbkdf2_algorithm(salt, 1000, prf="sha256")
    assert decrypt(_pwri_message(kda, kek), [Password("sesame")]).content == CONTENT
    _refused(_pwri_message(None, kek), [Password("sesame")])


def test_pbkdf2_iteration_count_2_31_refused_quickly() -> None:
    """An attacker-chosen iteration count (FIELD-NOTES 15): 2^31 iterations would take
    hours; the policy cap (max_pbkdf2_iterations) refuses it before deriving."""
    salt = get_random_bytes(16)
    kda = kdf.pbkdf2_algorithm(salt, 2**31, prf="sha256")
    _refused(_pwri_message(kda, bytes(32)), [Password("sesame")], seconds=2.0)


# -- RSA key transport parameters (RFC 3370 4.2.1, RFC 4055 4.1, FIELD-NOTES 8) ---------------


def _oaep_params_sha256() -> bytes:
    sha256 = _alg(SHA256_OID).to_der()
    return der.sequence(der.explicit(0, sha256), der.explicit(1, _alg(MGF1, sha256).to_der()))


def _ktri_message(
    cert: Certificate, alg: AlgorithmIdentifier, encrypted_key: bytes, cek: bytes
) -> bytes:
    nonce = get_random_bytes(12)
    ciphertext, tag = AES.new(cek, AES.MODE_GCM, nonce=nonce).encrypt_and_digest(CONTENT)
    eci = _eci(_alg(AES256_GCM, _gcm_params(nonce, 16)), ciphertext)
    return _auth_enveloped([_ktri(cert, alg, encrypted_key)], eci, tag)


def test_oaep_parameters_null_absent_and_explicit(env_pki: EnvPKI) -> None:
    """id-RSAES-OAEP parameters are RSAES-OAEP-params (RFC 4055 4.1): explicit SHA-256
    parameters decrypt; NULL is malformed and refused; absent (and the empty SEQUENCE)
    mean the SHA-1 defaults: decrypted as such, with a finding, since RFC 4055 4.1 wants
    them present with an encrypted value."""
    identity = env_pki["rsa"]
    pair = KeyPair(identity.identity.key, identity.certificate)
    rsa = identity.certificate.public_key.key
    cek = get_random_bytes(32)

    sha256_key = PKCS1_OAEP.new(rsa, hashAlgo=SHA256).encrypt(cek)
    good = _ktri_message(
        identity.certificate, _alg(RSAES_OAEP, _oaep_params_sha256()), sha256_key, cek
    )
    assert decrypt(good, [pair]).content == CONTENT

    null = _ktri_message(identity.certificate, _alg(RSAES_OAEP, der.encode_null()), sha256_key, cek)
    _refused(null, [pair])

    sha1_key = PKCS1_OAEP.new(rsa).encrypt(cek)
    for params in (None, der.sequence()):
        message = _ktri_message(identity.certificate, _alg(RSAES_OAEP, params), sha1_key, cek)
        result = decrypt(message, [pair])
        assert result.content == CONTENT
        assert any("RFC 4055 section 4.1" in finding for finding in result.findings)
    assert not any("RFC 4055" in finding for finding in decrypt(good, [pair]).findings)


def test_rsa_encryption_with_oaep_parameters_is_refused(env_pki: EnvPKI) -> None:
    """rsaEncryption means PKCS #1 v1.5 and takes NULL (RFC 3370 4.2.1); with
    RSAES-OAEP-params it is malformed, and is never read as OAEP (FIELD-NOTES 8)."""
    identity = env_pki["rsa"]
    pair = KeyPair(identity.identity.key, identity.certificate)
    rsa = identity.certificate.public_key.key
    cek = get_random_bytes(32)
    oaep_key = PKCS1_OAEP.new(rsa, hashAlgo=SHA256).encrypt(cek)
    message = _ktri_message(
        identity.certificate, _alg(RSA_ENCRYPTION, _oaep_params_sha256()), oaep_key, cek
    )
    _refused(message, [pair])
    v15_key = keytransport.encrypt_key(
        identity.certificate.public_key, keytransport.pkcs1_algorithm(), cek
    )
    control = _ktri_message(
        identity.certificate, _alg(RSA_ENCRYPTION, der.encode_null()), v15_key, cek
    )
    assert decrypt(control, [pair]).content == CONTENT


# -- mutated real messages ------------------------------------------------------------------

_VECTORS: dict[str, tuple[str, str]] = {
    # name -> (path, key kind)
    "kekri": ("rustcrypto/enveloped_data_kekri.bin", "rust-kek"),
    "pwri": ("rustcrypto/enveloped_data_pwri.bin", "password"),
    "multi": ("rustcrypto/enveloped_data_multi.bin", "rust-kek"),
    "auth-gcm-attrs": ("openssl/cms-data/authenveloped_attrs.pem", "openssl-kek"),
    "heimdal-aes": ("heimdal/test-enveloped-aes-128", "heimdal"),
}


def _vector_keys(kind: str) -> list[RecipientKey]:
    from smimelib.pki.certificate import load_certificates
    from smimelib.pki.keys import load_private_key

    if kind == "rust-kek":
        return [
            KEK(
                key_id=bytes.fromhex("DEADBEEF"),
                key=bytes.fromhex("0102030405060708090A0B0C0D0E0F00"),
            )
        ]
    if kind == "openssl-kek":
        return [
            KEK(
                key_id=bytes.fromhex("C0FEE0"),
                key=bytes.fromhex("000102030405060708090A0B0C0D0E0F"),
            )
        ]
    if kind == "password":
        return [Password("password")]
    key = load_private_key(load_vector("heimdal/test.key"))
    return [KeyPair(key, load_certificates(load_vector("heimdal/test.crt"))[0])]


def _vector_bytes(path: str) -> bytes:
    return load_cms(load_vector(path))


@st.composite
def _mutation(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate", "byte"]))
    pos = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1 :]
    if kind == "truncate":
        return data[:pos]
    if kind == "insert":
        return data[:pos] + draw(st.binary(min_size=1, max_size=8)) + data[pos:]
    if kind == "delete":
        return data[:pos] + data[pos + draw(st.integers(1, 8)) :]
    if kind == "duplicate":
        end = min(len(data), pos + draw(st.integers(1, 64)))
        return data[:end] + data[pos:end] + data[end:]
    return data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1 :]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(_VECTORS)), data=st.data())
def test_mutated_vectors_raise_only_smime_errors(name: str, data: st.DataObject) -> None:
    path, kind = _VECTORS[name]
    original = _vector_bytes(path)
    mutated = data.draw(_mutation(original), label="mutated")
    with no_hang(HANG_SECONDS):
        try:
            result = decrypt(mutated, _vector_keys(kind), policy=LEGACY_POLICY)
        except SmimeError:
            return
    if name.startswith("auth"):
        # authenticated: a mutation that still decrypts cannot have changed the content
        assert result.content == b"Hello AuthEnvelopedData world\n"


@pytest.mark.parametrize("name", sorted(_VECTORS))
def test_unmutated_vectors_decrypt(name: str) -> None:
    path, kind = _VECTORS[name]
    assert decrypt(_vector_bytes(path), _vector_keys(kind), policy=LEGACY_POLICY).content


# -- fail-closed sending (THREATS, Outlook CVE-2017-11776) ----------------------------------

_SEND_KINDS = ["ktri", "ktri-oaep", "kari-p256", "kari-x25519", "kari-x448", "kekri", "pwri"]


def _send_spec(pki: EnvPKI, kind: str) -> Recipient:
    if kind == "ktri":
        return KeyTransRecipient(pki["rsa"].certificate)
    if kind == "ktri-oaep":
        return KeyTransRecipient(pki["rsa"].certificate, oaep=True)
    if kind == "kekri":
        return KEKRecipient(KEK_KEY, KEK_ID)
    if kind == "pwri":
        return PasswordRecipient("sesame", iterations=1000)
    name = {"kari-p256": "p-256", "kari-x25519": "x25519", "kari-x448": "x448"}[kind]
    return KeyAgreeRecipient(pki[name].certificate)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.integers(16, 4096).map(get_random_bytes),
    cipher=st.sampled_from(
        [
            "aes-128-cbc",
            "aes-256-cbc",
            "aes-128-gcm",
            "aes-256-gcm",
            "aes-256-ccm",
            "chacha20-poly1305",
        ]
    ),
    kinds=st.lists(st.sampled_from(_SEND_KINDS), min_size=1, max_size=3, unique=True),
    stream=st.booleans(),
)
def test_encrypt_output_never_contains_plaintext(
    env_pki: EnvPKI, content: bytes, cipher: str, kinds: list[str], stream: bool
) -> None:
    specs = [_send_spec(env_pki, k) for k in kinds]
    if stream and "ccm" not in cipher:
        sink = io.BytesIO()
        encrypt(io.BytesIO(content), specs, cipher=cipher, output=sink)
        message = sink.getvalue()
    else:
        message = encrypt(content, specs, cipher=cipher)
    assert content not in message
    # nor any aligned 16-octet block of it (a partial cleartext leak)
    for i in range(0, len(content) - 15, 16):
        assert content[i : i + 16] not in message, f"plaintext block at {i} leaked"


# -- nothing is released before the integrity check (RFC 5083 section 2.2) ------------------


class _Sink(io.RawIOBase):
    """A write-only, non-seekable output."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "chacha20-poly1305", "aes-256-cbc"])
@pytest.mark.parametrize("size", [100, 3 << 20], ids=["small", "3MiB"])
def test_failed_decryption_releases_nothing_to_output(cipher: str, size: int) -> None:
    """A bad tag (AEAD) or bad padding (CBC, last block altered) on a message decrypted to
    a file object: DecryptionError, and the output holds exactly what it held before --
    seekable or not, content spooled in memory or in a temporary file."""
    content = get_random_bytes(size)
    message = bytearray(encrypt(content, [KEKRecipient(KEK_KEY, KEK_ID)], cipher=cipher))
    if cipher.endswith("cbc"):
        # the ciphertext ends the message; flipping the top bit of the previous block's
        # last octet turns the final padding octet (1..16) into 0x81..0x90: never valid
        message[-1 - 16] ^= 0x80
    else:
        message[-1] ^= 0x01  # the mac (the last field of AuthEnvelopedData here)
    seekable = io.BytesIO()
    seekable.write(b"prefix")
    with pytest.raises(DecryptionError):
        decrypt(bytes(message), [THE_KEK], output=seekable)
    assert seekable.getvalue() == b"prefix"
    raw = _Sink()
    with pytest.raises(DecryptionError):
        decrypt(bytes(message), [THE_KEK], output=raw)  # type: ignore[arg-type]
    assert raw.data == b""


# -- no decryption oracle: selection by certificate, never by trial (THREATS 10) -----------


def test_selection_is_by_certificate_not_by_trial(env_pki: EnvPKI) -> None:
    """The caller's certificate names no recipient although the caller's private key would
    decrypt one: "no recipient info matches", not a successful trial decryption."""
    mine = env_pki["rsa"]
    message = encrypt(CONTENT, [KeyTransRecipient(mine.certificate)], cipher="aes-256-gcm")
    mismatched = KeyPair(mine.identity.key, env_pki["rsa-b"].certificate)
    error = _refused(message, [mismatched], expected=DecryptionError)
    assert "no recipient info matches" in str(error)
    kari = encrypt(CONTENT, [KeyAgreeRecipient(env_pki["p-256"].certificate)])
    mismatched_ec = KeyPair(env_pki["p-256"].identity.key, env_pki["p-384"].certificate)
    error = _refused(kari, [mismatched_ec], expected=DecryptionError)
    assert "no recipient info matches" in str(error)


# -- EFAIL: require_integrity (RFC 8551 section 2.7) ----------------------------------------


def test_require_integrity_accepts_validly_signed_content(env_pki: EnvPKI) -> None:
    """CBC content is accepted under ``require_integrity`` when it is a SignedData whose
    signatures verify. The content of type id-signedData is a SignedData value (RFC 5652
    section 3: "The type of content can be determined uniquely by contentType"; section
    6.1: encryptedContent is the encrypted content), not a ContentInfo around one."""
    from smimelib.cms.content_info import ID_SIGNED_DATA, parse_content_info
    from smimelib.cms.signing import Signer, sign
    from smimelib.pki.builder import make_smime_identity

    signer = make_smime_identity(
        "signer@env.example", issuer=env_pki.root, key_type="p-256", usage="sign"
    )
    signed = sign(b"signed, then encrypted", [Signer.from_identity(signer)])
    signed_data = parse_content_info(signed).require_content().raw
    spec = [KEKRecipient(KEK_KEY, KEK_ID)]
    message = encrypt(signed_data, spec, cipher="aes-256-cbc", content_type=ID_SIGNED_DATA)
    result = decrypt(message, [THE_KEK], require_integrity=True)
    assert result.content == signed_data
    assert result.content_type == ID_SIGNED_DATA
    assert result.signed_content is not None and result.signed_content.ok


def test_require_integrity_refuses_badly_signed_content(env_pki: EnvPKI) -> None:
    from smimelib.cms.content_info import ID_SIGNED_DATA, parse_content_info
    from smimelib.cms.signing import Signer, sign
    from smimelib.pki.builder import make_smime_identity

    signer = make_smime_identity(
        "signer@env.example", issuer=env_pki.root, key_type="p-256", usage="sign"
    )
    signed = bytearray(sign(b"signed, then encrypted", [Signer.from_identity(signer)]))
    signed[signed.index(b"signed, then encrypted")] ^= 0x20  # content no longer matches
    signed_data = parse_content_info(bytes(signed)).require_content().raw
    spec = [KEKRecipient(KEK_KEY, KEK_ID)]
    for plain, ctype in ((signed_data, ID_SIGNED_DATA), (bytes(signed), ID_SIGNED_DATA)):
        message = encrypt(plain, spec, cipher="aes-256-cbc", content_type=ctype)
        _refused(message, [THE_KEK], expected=PolicyError, require_integrity=True)
    unsigned = encrypt(CONTENT, spec, cipher="aes-256-cbc")
    _refused(unsigned, [THE_KEK], expected=PolicyError, require_integrity=True)
