"""EnvelopedData (RFC 5652 section 6.1): the version rule branch by branch, DER writing,
originatorInfo, constructed encryptedContent, absent content, legacy ciphers, the
BouncyCastle 24-octet-key quirk, AEAD inside EnvelopedData (non-standard), limits."""

from __future__ import annotations

import email
import io
from types import SimpleNamespace
from typing import Any

import pytest
from Crypto.Cipher import AES

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import Attribute
from smimelib.cms.content_info import ID_DATA, ID_ENVELOPED_DATA, encode_content_info
from smimelib.cms.enveloped_data import (
    EnvelopedData,
    OriginatorInfo,
    decrypt_enveloped_data,
    encrypt_enveloped_data,
    enveloped_data_version,
)
from smimelib.cms.recipients import (
    KEK,
    KEKRecipient,
    KeyAgreeRecipient,
    KeyPair,
    KeyTransRecipient,
    Password,
    PasswordRecipient,
    encode_recipient_infos,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import LEGACY_POLICY, Policy
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    LimitExceeded,
    PolicyError,
    UsageError,
)
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key
from tests.vectors import load_vector

KEK_ID = b"kek-1"
KEK_KEY = bytes(range(16, 48))
NON_STANDARD = Policy(allow_non_standard=True)
CONTENT = b"Enveloped content for the tests.\n" * 20


@pytest.fixture(scope="module")
def people() -> dict[str, Identity]:
    """A P-256 root with an RSA-2048 and a P-256 encryption identity (RSA: once per module)."""
    root = make_ca("CN=EnvelopedData Test Root", key_type="p-256")
    return {
        "rsa": make_smime_identity("rsa@env.example", issuer=root, key_type="rsa", usage="both"),
        "ec": make_smime_identity("ec@env.example", issuer=root, key_type="p-256", usage="both"),
    }


def _kek_recipient() -> KEKRecipient:
    return KEKRecipient(KEK_KEY, KEK_ID)


def _kek() -> KEK:
    return KEK(KEK_ID, KEK_KEY)


def _enveloped(version: int, *parts: bytes) -> bytes:
    return encode_content_info(ID_ENVELOPED_DATA, der.sequence(der.encode_int(version), *parts))


def _eci(alg: AlgorithmIdentifier, encrypted: bytes | None, content_type: str = ID_DATA) -> bytes:
    parts = [der.encode_oid(content_type), alg.to_der()]
    if encrypted is not None:
        parts.append(der.encode_tlv(tlv.Tag.context(0, constructed=False), encrypted))
    return der.sequence(*parts)


def _kek_infos(cek: bytes, alg: AlgorithmIdentifier) -> bytes:
    infos, _ = encode_recipient_infos([_kek_recipient()], cek, alg)
    return infos


# -- the version rule (RFC 5652 section 6.1) --------------------------------------------------


def _ri(kind: str, version: int | None) -> Any:
    return SimpleNamespace(kind=kind, version=version)


OTHER_CERT = der.implicit(3, der.sequence(der.encode_oid("1.2.3.4"), der.encode_null()))
V2_ATTR_CERT = der.implicit(2, der.sequence(der.encode_int(1)))
OTHER_CRL = der.implicit(1, der.sequence(der.encode_oid("1.2.3.5"), der.encode_null()))


@pytest.mark.parametrize(
    ("originator", "infos", "unprotected", "expected"),
    [
        # every branch in the order the RFC states it
        (OriginatorInfo(other_certificates=(OTHER_CERT,)), [_ri("ktri", 0)], False, 4),
        (OriginatorInfo(crls=(OTHER_CRL,)), [_ri("ktri", 0)], False, 4),
        (OriginatorInfo(other_certificates=(OTHER_CERT,)), [_ri("pwri", 0)], True, 4),
        (OriginatorInfo(other_certificates=(V2_ATTR_CERT,)), [_ri("ktri", 0)], False, 3),
        (None, [_ri("ktri", 0), _ri("pwri", 0)], False, 3),
        (None, [_ri("ori", None)], False, 3),
        (OriginatorInfo(), [_ri("pwri", 0)], True, 3),
        (None, [_ri("ktri", 0), _ri("ktri", 0)], False, 0),
        (OriginatorInfo(), [_ri("ktri", 0)], False, 2),
        (None, [_ri("ktri", 0)], True, 2),
        (None, [_ri("ktri", 0), _ri("ktri", 2)], False, 2),
        (None, [_ri("kari", 3)], False, 2),
        (None, [_ri("kekri", 4)], False, 2),
        # v2 attribute certificates count only inside originatorInfo; "other" CRLs beat them
        (OriginatorInfo(other_certificates=(V2_ATTR_CERT,), crls=(OTHER_CRL,)), [], False, 4),
    ],
)
def test_version_rule(
    originator: OriginatorInfo | None, infos: list[Any], unprotected: bool, expected: int
) -> None:
    assert enveloped_data_version(originator, infos, unprotected_attributes=unprotected) == expected


def test_written_versions(people: dict[str, Identity]) -> None:
    rsa, ec = people["rsa"], people["ec"]
    crl = load_vector("rfc4134/CarlRSACRLEmpty.crl")
    attr = Attribute("1.3.6.1.4.1.99999.3", (der.encode_utf8("u"),))
    cases: list[tuple[dict[str, Any], int]] = [
        ({"recipients": [KeyTransRecipient(rsa.certificate)]}, 0),
        ({"recipients": [KeyTransRecipient(rsa.certificate, use_ski=True)]}, 2),
        ({"recipients": [KeyAgreeRecipient(ec.certificate)]}, 2),
        ({"recipients": [_kek_recipient()]}, 2),
        ({"recipients": [PasswordRecipient("pw", iterations=10)]}, 3),
        (
            {
                "recipients": [KeyTransRecipient(rsa.certificate)],
                "originator_certificates": [ec.certificate],
                "originator_crls": [crl],
            },
            2,
        ),
        ({"recipients": [KeyTransRecipient(rsa.certificate)], "unprotected_attributes": [attr]}, 2),
        ({"recipients": [KeyTransRecipient(rsa.certificate)], "originator_crls": [OTHER_CRL]}, 4),
    ]
    for options, version in cases:
        recipients = options.pop("recipients")
        data = encrypt_enveloped_data(CONTENT, recipients, **options)
        assert tlv.is_der(data), options
        parsed = EnvelopedData.from_bytes(data)
        assert parsed.version == version, options
        assert parsed.findings == (), options
        assert parsed.to_der() == data


def test_version_mismatch_is_reported() -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    cek = bytes(16)
    ciphertext, _ = ciphers.encrypt(alg, cek, b"x")
    data = _enveloped(0, _kek_infos(cek, alg), _eci(alg, ciphertext))  # kekri: must be 2
    assert any(
        f.startswith("enveloped-data-version:") for f in EnvelopedData.from_bytes(data).findings
    )
    result = decrypt_enveloped_data(data, [_kek()])
    assert result.content == b"x"
    assert result.version == 0
    assert any("RFC 5652 section 6.1 gives 2" in f for f in result.findings)


# -- round trips with each kind of recipient --------------------------------------------------


def test_every_recipient_kind_decrypts(people: dict[str, Identity]) -> None:
    rsa, ec = people["rsa"], people["ec"]
    data = encrypt_enveloped_data(
        CONTENT,
        [
            KeyTransRecipient(rsa.certificate, oaep=True),
            KeyAgreeRecipient(ec.certificate),
            _kek_recipient(),
            PasswordRecipient("pw", iterations=10),
        ],
        cipher="aes-192-cbc",
    )
    parsed = EnvelopedData.from_bytes(data)
    assert sorted(ri.kind for ri in parsed.recipient_infos) == ["kari", "kekri", "ktri", "pwri"]
    for key, kind in ((rsa, "ktri"), (KeyPair(ec.key, ec.certificate), "kari"), (_kek(), "kekri"),
                      (Password("pw"), "pwri")):  # fmt: skip
        result = decrypt_enveloped_data(data, [key])
        assert result.content == CONTENT
        assert result.recipient_info is not None and result.recipient_info.kind == kind
        assert len(result.recipient_infos) == 4
        assert result.algorithm_name == "id-aes192-CBC"
        assert result.integrity_protected is False
        assert result.version == 3


def test_originator_info_round_trip(people: dict[str, Identity]) -> None:
    crl = load_vector("rfc4134/CarlRSACRLEmpty.crl")
    cert = people["ec"].certificate
    data = encrypt_enveloped_data(
        CONTENT, [_kek_recipient()], originator_certificates=[cert], originator_crls=[crl]
    )
    result = decrypt_enveloped_data(data, [_kek()])
    assert result.originator_certificates == (cert,)
    assert result.originator_crls == (crl,)
    parsed = EnvelopedData.from_bytes(data)
    assert parsed.originator_info is not None
    assert parsed.originator_info.certificates == (cert,)
    with pytest.raises(UsageError):
        encrypt_enveloped_data(CONTENT, [_kek_recipient()], originator_certificates=[b"x"])  # type: ignore[list-item]


def test_unprotected_attributes_round_trip() -> None:
    attr = Attribute("1.3.6.1.4.1.99999.4", (der.encode_utf8("label"),))
    data = encrypt_enveloped_data(CONTENT, [_kek_recipient()], unprotected_attributes=[attr])
    result = decrypt_enveloped_data(data, [_kek()])
    assert result.unprotected_attributes is not None
    assert result.unprotected_attributes.items == (attr,)
    assert result.authenticated_attributes is None


def test_attribute_count_limit() -> None:
    attrs = [Attribute(f"1.3.6.1.4.1.99999.5.{i}", (der.encode_null(),)) for i in range(257)]
    data = encrypt_enveloped_data(CONTENT, [_kek_recipient()], unprotected_attributes=attrs)
    with pytest.raises(LimitExceeded, match="more than 256"):
        decrypt_enveloped_data(data, [_kek()])
    assert (
        decrypt_enveloped_data(
            encrypt_enveloped_data(CONTENT, [_kek_recipient()], unprotected_attributes=attrs[:256]),
            [_kek()],
        ).unprotected_attributes
        is not None
    )


def test_aead_cipher_is_not_written_into_enveloped_data() -> None:
    with pytest.raises(UsageError, match="AuthEnvelopedData"):
        encrypt_enveloped_data(CONTENT, [_kek_recipient()], cipher="aes-256-gcm")
    with pytest.raises(PolicyError):
        encrypt_enveloped_data(CONTENT, [_kek_recipient()], cipher="des-ede3-cbc")
    with pytest.raises(UsageError):
        encrypt_enveloped_data(CONTENT, [])


def test_stream_encryption_is_indefinite_ber() -> None:
    content = bytes(range(251)) * 3000
    out = io.BytesIO()
    assert encrypt_enveloped_data(io.BytesIO(content), [_kek_recipient()], output=out) == b""
    data = out.getvalue()
    assert data[:2] == b"\x30\x80" and not tlv.is_der(data)
    assert decrypt_enveloped_data(io.BytesIO(data), [_kek()]).content == content


# -- reading BER: constructed encryptedContent --------------------------------------------------


def _segmented(ciphertext: bytes) -> bytes:
    """[0] constructed (definite) with a primitive segment and a nested constructed
    OCTET STRING of two segments (X.690 8.7.3: BER allows both)."""
    a, b, c = ciphertext[:5], ciphertext[5:21], ciphertext[21:]
    nested = der.encode_tlv(
        tlv.Tag.OCTET_STRING.with_constructed(True), der.encode_octets(b) + der.encode_octets(c)
    )
    return der.encode_tlv(tlv.Tag.context(0, constructed=True), der.encode_octets(a) + nested)


def test_constructed_encrypted_content_is_read() -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    cek = bytes(range(16))
    ciphertext, _ = ciphers.encrypt(alg, cek, CONTENT)
    eci = der.sequence(der.encode_oid(ID_DATA), alg.to_der(), _segmented(ciphertext))
    data = _enveloped(2, _kek_infos(cek, alg), eci)
    parsed = EnvelopedData.from_bytes(data)
    assert parsed.encrypted_content == ciphertext
    assert decrypt_enveloped_data(data, [_kek()]).content == CONTENT
    assert decrypt_enveloped_data(io.BytesIO(data), [_kek()]).content == CONTENT


def test_constructed_encrypted_content_with_a_bad_segment() -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    cek = bytes(range(16))
    ciphertext, _ = ciphers.encrypt(alg, cek, CONTENT)
    bad = der.encode_tlv(
        tlv.Tag.context(0, constructed=True), der.encode_octets(ciphertext) + der.encode_int(5)
    )
    data = _enveloped(
        2, _kek_infos(cek, alg), der.sequence(der.encode_oid(ID_DATA), alg.to_der(), bad)
    )
    with pytest.raises(DecodeError, match="OCTET STRING") as info:
        decrypt_enveloped_data(data, [_kek()])
    assert info.value.offset == len(data) - 3


def test_absent_encrypted_content_pyca_vector() -> None:
    data = load_vector("pyca/pkcs7/enveloped-no-content.der")
    assert EnvelopedData.from_bytes(data).encrypted_content is None
    cert = Certificate.from_pem(load_vector("pyca/x509-custom-ca/rsa_ca.pem"))
    key = load_private_key(load_vector("pyca/x509-custom-ca/rsa_key.pem"))
    with pytest.raises(DecodeError, match="encryptedContent is absent"):
        decrypt_enveloped_data(data, [KeyPair(key, cert)], policy=LEGACY_POLICY)


def test_structure_errors_have_offsets() -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    eci = _eci(alg, bytes(16))
    with pytest.raises(DecodeError, match="no recipientInfos") as info:
        decrypt_enveloped_data(_enveloped(0, eci), [_kek()])
    assert info.value.offset is not None
    with pytest.raises(DecodeError, match="expected recipientInfos") as info:
        decrypt_enveloped_data(
            _enveloped(0, der.encode_tlv(tlv.Tag.context(5), b""), eci), [_kek()]
        )
    assert info.value.offset == 20  # 30 LL, OID (11), A0 LL, 30 LL, version (3)
    with pytest.raises(DecodeError, match="RecipientInfos is empty"):
        decrypt_enveloped_data(_enveloped(0, der.encode_tlv(tlv.Tag.SET, b""), eci), [_kek()])
    data = _enveloped(2, _kek_infos(bytes(16), alg), eci)
    for cut in (5, 40, len(data) - 1):
        with pytest.raises(DecodeError) as info:
            decrypt_enveloped_data(data[:cut], [_kek()])
        assert info.value.offset is not None


def test_recipient_infos_limit() -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    one = tlv.parse_one(_kek_infos(bytes(16), alg)).children()[0].raw
    many = der.encode_tlv(tlv.Tag.SET, one * 257)
    with pytest.raises(LimitExceeded):
        decrypt_enveloped_data(_enveloped(2, many, _eci(alg, bytes(16))), [_kek()])
    ok = der.encode_tlv(tlv.Tag.SET, one * 256)
    assert (
        len(EnvelopedData.from_bytes(_enveloped(2, ok, _eci(alg, bytes(16)))).recipient_infos)
        == 256
    )


# -- legacy ciphers and the BouncyCastle quirk --------------------------------------------------


def test_rc2_40_needs_legacy_policy() -> None:
    data = load_vector("heimdal/test-enveloped-rc2-40")
    cert = Certificate.from_pem(load_vector("heimdal/test.crt"))
    key = load_private_key(load_vector("heimdal/test.key"))
    with pytest.raises(PolicyError, match=r"RC2|rc2"):
        decrypt_enveloped_data(data, [KeyPair(key, cert)])
    result = decrypt_enveloped_data(data, [KeyPair(key, cert)], policy=LEGACY_POLICY)
    assert result.content is not None and len(result.content) == 2865
    assert result.weak is True
    assert any(f.startswith("weak-content-cipher:") for f in result.findings)
    assert EnvelopedData.from_bytes(data).to_der() == data


def _bc_message(name: str) -> bytes:
    message = email.message_from_bytes(load_vector(f"bc/mail/{name}"))
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.parametrize("name", ["test128.message", "test256.message"])
def test_bouncycastle_24_octet_key_under_aes_128_or_256_is_refused(name: str) -> None:
    """The DIRECT-project samples carry a 24-octet CEK under AES-128/256 OIDs: the CEK
    length check makes them fail with the uniform error (FIELD-NOTES; OpenSSL agrees)."""
    cert = Certificate.from_pem(load_vector("bc/mail/cert.pem"))
    key = load_private_key(load_vector("bc/mail/key.pem"))
    with pytest.raises(DecryptionError) as info:
        decrypt_enveloped_data(_bc_message(name), [KeyPair(key, cert)], policy=LEGACY_POLICY)
    assert str(info.value) == "decryption failed"
    good = decrypt_enveloped_data(
        _bc_message("test192.message"), [KeyPair(key, cert)], policy=LEGACY_POLICY
    )
    assert good.content is not None and good.content.startswith(b"MIME-Version: 1.0")


# -- AEAD inside EnvelopedData (BouncyCastle, PKI.js) -------------------------------------------


def _gcm_enveloped(content: bytes) -> tuple[bytes, bytes]:
    alg = ciphers.content_algorithm("aes-128-gcm")
    cek = bytes(range(100, 116))
    ciphertext, tag = ciphers.encrypt(alg, cek, content)
    return _enveloped(2, _kek_infos(cek, alg), _eci(alg, ciphertext + tag)), tag


def test_gcm_in_enveloped_data_is_refused_by_default() -> None:
    data, _ = _gcm_enveloped(CONTENT)
    with pytest.raises(PolicyError, match=r"AEAD in EnvelopedData is non-standard \(RFC 5083\)"):
        decrypt_enveloped_data(data, [_kek()])


@pytest.mark.parametrize("as_stream", [False, True])
def test_gcm_in_enveloped_data_under_allow_non_standard(as_stream: bool) -> None:
    data, _ = _gcm_enveloped(CONTENT)
    source: bytes | io.BytesIO = io.BytesIO(data) if as_stream else data
    result = decrypt_enveloped_data(source, [_kek()], policy=NON_STANDARD)
    assert result.content == CONTENT
    assert result.integrity_protected is True
    assert any(f.startswith("aead-outside-auth-enveloped-data:") for f in result.findings)
    assert not any(f.startswith("not-integrity-protected:") for f in result.findings)


def test_gcm_in_enveloped_data_bad_tag() -> None:
    data, tag = _gcm_enveloped(CONTENT)
    tampered = data.replace(tag, bytes(a ^ 1 for a in tag))
    out = io.BytesIO()
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt_enveloped_data(tampered, [_kek()], policy=NON_STANDARD, output=out)
    assert out.getvalue() == b""


def test_pkijs_gcm_with_a_bare_iv() -> None:
    """PKI.js writes the GCM IV (16 octets) as a bare OCTET STRING and appends the tag."""
    iv = bytes(range(16))
    cek = bytes(range(200, 216))
    alg = AlgorithmIdentifier("2.16.840.1.101.3.4.1.6", der.encode_octets(iv))
    cipher = AES.new(cek, AES.MODE_GCM, nonce=iv, mac_len=16)
    ciphertext, tag = cipher.encrypt_and_digest(b"from PKI.js")
    data = _enveloped(2, _kek_infos(cek, alg), _eci(alg, ciphertext + tag))
    with pytest.raises(PolicyError):
        decrypt_enveloped_data(data, [_kek()])
    result = decrypt_enveloped_data(data, [_kek()], policy=NON_STANDARD)
    assert result.content == b"from PKI.js"
    assert any(f.startswith("gcm-bare-iv:") for f in result.findings)


def test_chacha_in_enveloped_data_needs_the_flag_too() -> None:
    alg = ciphers.content_algorithm("chacha20-poly1305")
    cek = bytes(range(32))
    ciphertext, tag = ciphers.encrypt(alg, cek, b"chacha")
    data = _enveloped(2, _kek_infos(cek, alg), _eci(alg, ciphertext + tag))
    with pytest.raises(PolicyError, match="non-standard"):
        decrypt_enveloped_data(data, [_kek()])
    assert decrypt_enveloped_data(data, [_kek()], policy=NON_STANDARD).content == b"chacha"
    short = _enveloped(2, _kek_infos(cek, alg), _eci(alg, tag[:10]))
    with pytest.raises(DecodeError, match="fewer than the 16-octet tag"):
        decrypt_enveloped_data(short, [_kek()], policy=NON_STANDARD)
