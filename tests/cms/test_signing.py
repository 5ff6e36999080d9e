"""Builder-level tests of SignedData signing (RFC 5652 section 5; RFC 8419; RFC 8551 2.5).

The output is read back with :mod:`tests.cms.signing_reader`, independently of smimelib's
SignedData parser; streams are in ``test_signing_stream.py``, OpenSSL and BouncyCastle
interop in ``test_signing_openssl.py``.
"""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_ENCRYPTION_KEY_PREFERENCE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SIGNING_TIME,
    OID_SMIME_CAPABILITIES,
    Attribute,
)
from smimelib.cms.content_info import ID_CT_TST_INFO, ID_DATA
from smimelib.cms.signed_data import SignedData
from smimelib.cms.signing import NOW, Signer, certs_only, sign, signed_data_version
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto import signatures
from smimelib.crypto.digests import SHA256, SHA384, SHA512, SHAKE256, SHAKE256_LEN
from smimelib.crypto.keys import KeyType, PrivateKey, generate_private_key
from smimelib.crypto.params import ID_RSASSA_PSS, decode_pss_params
from smimelib.errors import PolicyError, UsageError
from tests.cms.conftest import SignPKI
from tests.cms.signing_reader import SD, SI, check_signature, parse

OPAQUE_OID = "1.3.6.1.4.1.55555.7.1"


# -- the PKI: tests/cms/conftest.py ``sign_pki`` ----------------------------------------------


@pytest.fixture(scope="module")
def pki(sign_pki: SignPKI) -> SignPKI:
    return sign_pki


def ident_signer(pki: SignPKI, kt: str, **options: object) -> Signer:
    return Signer.from_identity(pki.leaves[kt], **options)


# -- version (RFC 5652 5.1), one test per branch -----------------------------------------------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, 1),
        ({"signer_info_versions": [1, 1]}, 1),
        ({"other_certificates": True}, 5),
        ({"other_crls": True}, 5),
        ({"other_crls": True, "v2_attribute_certificates": True}, 5),
        ({"v2_attribute_certificates": True}, 4),
        ({"v2_attribute_certificates": True, "signer_info_versions": [3]}, 4),
        ({"v1_attribute_certificates": True}, 3),
        ({"signer_info_versions": [1, 3]}, 3),
        ({"content_type": ID_CT_TST_INFO}, 3),
    ],
)
def test_signed_data_version_rule(flags: dict[str, object], expected: int) -> None:
    args: dict[str, object] = {"content_type": ID_DATA, **flags}
    assert signed_data_version(**args) == expected  # type: ignore[arg-type]


def test_written_versions(pki: SignPKI) -> None:
    plain = parse(sign(b"x", [ident_signer(pki, "p-256")]))
    assert plain.version == 1 and plain.signer_infos[0].version == 1
    ski = parse(sign(b"x", [ident_signer(pki, "p-256"), ident_signer(pki, "rsa", use_ski=True)]))
    assert ski.version == 3
    assert sorted(si.version for si in ski.signer_infos) == [1, 3]
    other_type = parse(sign(b"x", [ident_signer(pki, "p-256")], content_type=ID_CT_TST_INFO))
    assert other_type.version == 3 and other_type.content_type == ID_CT_TST_INFO
    other_crl = der.implicit(1, der.sequence(der.encode_oid("1.3.6.1.4.1.55555.9"), b"\x05\x00"))
    assert parse(sign(b"x", [ident_signer(pki, "p-256")], crls=[other_crl])).version == 5


# -- SignerIdentifier (RFC 5652 5.3) -----------------------------------------------------------


def test_sid_issuer_and_serial(pki: SignPKI) -> None:
    cert = pki.leaves["rsa"].certificate
    si = parse(sign(b"x", [ident_signer(pki, "rsa")])).signer_infos[0]
    assert si.version == 1
    assert si.sid.raw == cert.issuer_and_serial_der


def test_sid_subject_key_identifier(pki: SignPKI) -> None:
    cert = pki.leaves["p-384"].certificate
    si = parse(sign(b"x", [ident_signer(pki, "p-384", use_ski=True)])).signer_infos[0]
    assert si.version == 3
    assert si.sid.tag == tlv.Tag.context(0, False)
    assert si.sid.content == cert.subject_key_identifier


# -- digestAlgorithms --------------------------------------------------------------------------


def test_digest_algorithms_deduplicated_and_sorted(pki: SignPKI) -> None:
    signers = [
        ident_signer(pki, "p-384", digest="sha384"),
        ident_signer(pki, "rsa"),
        ident_signer(pki, "p-256"),
        ident_signer(pki, "ed25519"),
    ]
    sd = parse(sign(b"content", signers))
    want = {AlgorithmIdentifier(oid).to_der() for oid in (SHA256, SHA384, SHA512)}
    assert sd.digest_algorithms == sorted(want)
    for si, signer in zip(sd.signer_infos, _by_sid(sd, signers), strict=True):
        check_signature(si, signer.certificate, b"content")


def _by_sid(sd: SD, signers: list[Signer]) -> list[Signer]:
    """Signers in the (DER-sorted) order of the SignerInfos."""
    out = []
    for si in sd.signer_infos:
        for s in signers:
            if si.sid.raw == s.certificate.issuer_and_serial_der or (
                si.sid.content == s.certificate.subject_key_identifier
            ):
                out.append(s)
    return out


# -- signed attributes -------------------------------------------------------------------------

DEFAULT_ATTRS = {
    OID_CONTENT_TYPE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_TIME,
    OID_SMIME_CAPABILITIES,
    OID_SIGNING_CERTIFICATE_V2,
    OID_ALGORITHM_PROTECTION,
}


def test_default_signed_attributes(pki: SignPKI) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    si = parse(sign(b"abc", [ident_signer(pki, "p-256")])).signer_infos[0]
    attrs = si.attrs()
    assert set(attrs) == DEFAULT_ATTRS
    assert all(len(v) == 1 for v in attrs.values())
    assert attrs[OID_CONTENT_TYPE] == [der.encode_oid(ID_DATA)]
    assert attrs[OID_MESSAGE_DIGEST] == [der.encode_octets(hashlib.sha256(b"abc").digest())]
    when = tlv.parse_one(attrs[OID_SIGNING_TIME][0])
    assert when.tag == tlv.Tag.UTC_TIME
    assert before <= when.as_time() <= datetime.datetime.now(datetime.UTC)
    # the SignerInfo carries [0] IMPLICIT; the DER SET is what is signed (RFC 5652 5.4)
    assert si.signed_attrs is not None and si.signed_attrs.raw[0] == 0xA0
    assert tlv.is_der(si.signed_bytes())
    check_signature(si, pki.leaves["p-256"].certificate, b"abc")


@pytest.mark.parametrize(
    ("option", "oid"),
    [
        ("signing_time", OID_SIGNING_TIME),
        ("smime_capabilities", OID_SMIME_CAPABILITIES),
        ("signing_certificate_v2", OID_SIGNING_CERTIFICATE_V2),
        ("algorithm_protection", OID_ALGORITHM_PROTECTION),
    ],
)
def test_each_optional_attribute_off(pki: SignPKI, option: str, oid: str) -> None:
    value: object = None if option == "signing_time" else False
    si = parse(sign(b"abc", [ident_signer(pki, "rsa", **{option: value})])).signer_infos[0]
    assert set(si.attrs()) == DEFAULT_ATTRS - {oid}
    check_signature(si, pki.leaves["rsa"].certificate, b"abc")


def test_minimal_attributes(pki: SignPKI) -> None:
    signer = ident_signer(
        pki,
        "p-256",
        signing_time=None,
        smime_capabilities=False,
        signing_certificate_v2=False,
        algorithm_protection=False,
    )
    si = parse(sign(b"abc", [signer])).signer_infos[0]
    assert set(si.attrs()) == {OID_CONTENT_TYPE, OID_MESSAGE_DIGEST}


def test_attribute_values(pki: SignPKI) -> None:
    signer = ident_signer(pki, "p-384", digest="sha384")
    si = parse(sign(b"abc", [signer])).signer_infos[0]
    attrs = si.attrs()
    # RFC 6211: digestAlgorithm and [1] signatureAlgorithm copied exactly
    protection = tlv.parse_one(attrs[OID_ALGORITHM_PROTECTION][0]).children()
    assert protection[0].raw == si.digest_algorithm.to_der()
    assert protection[1].raw == der.implicit(1, si.signature_algorithm.to_der())
    # RFC 5035: ESSCertIDv2 with the SHA-256 hash of the certificate, algorithm defaulted
    v2 = tlv.parse_one(attrs[OID_SIGNING_CERTIFICATE_V2][0]).children()[0].children()[0]
    cert_hash = v2.children()[0]
    assert cert_hash.as_octets() == hashlib.sha256(signer.certificate.der).digest()
    # RFC 8551 2.5.2: the capabilities list what smimelib supports, preference order
    caps = tlv.parse_one(attrs[OID_SMIME_CAPABILITIES][0]).children()
    assert caps and caps[0].children()[0].as_oid() == "2.16.840.1.101.3.4.1.46"  # AES-256-GCM


def test_encryption_key_preference(pki: SignPKI) -> None:
    enc_cert = pki.leaves["p-256"].certificate
    signer = ident_signer(pki, "ed25519", encryption_key_preference=enc_cert)
    sd = parse(sign(b"abc", [signer]))
    attrs = sd.signer_infos[0].attrs()
    assert set(attrs) == DEFAULT_ATTRS | {OID_ENCRYPTION_KEY_PREFERENCE}
    # issuerAndSerialNumber [0] IMPLICIT (RFC 8551 2.5.3)
    pref = tlv.parse_one(attrs[OID_ENCRYPTION_KEY_PREFERENCE][0])
    assert pref.raw == der.implicit(0, enc_cert.issuer_and_serial_der)
    # RFC 8551 2.5.3: the referenced certificate SHOULD be included
    assert sd.certificates == [signer.certificate.der, enc_cert.der]


def test_signing_time_encodings(pki: SignPKI) -> None:
    def when(moment: datetime.datetime) -> tlv.Element:
        si = parse(sign(b"t", [ident_signer(pki, "p-256", signing_time=moment)])).signer_infos[0]
        return tlv.parse_one(si.attrs()[OID_SIGNING_TIME][0])

    t2049 = datetime.datetime(2049, 12, 31, 23, 59, 59, 999, tzinfo=datetime.UTC)
    assert when(t2049).raw == der.encode_tlv(tlv.Tag.UTC_TIME, b"491231235959Z")
    t2050 = datetime.datetime(2050, 1, 1, 0, 0, 0, 250000, tzinfo=datetime.UTC)
    # GeneralizedTime from 2050 (RFC 5652 11.3), without fractional seconds
    assert when(t2050).raw == der.encode_tlv(tlv.Tag.GENERALIZED_TIME, b"20500101000000Z")
    local = datetime.datetime(
        2030, 6, 1, 14, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert when(local).raw == der.encode_tlv(tlv.Tag.UTC_TIME, b"300601120000Z")


def test_signing_time_must_be_aware(pki: SignPKI) -> None:
    with pytest.raises(UsageError, match="timezone-aware"):
        ident_signer(pki, "p-256", signing_time=datetime.datetime(2030, 1, 1))
    assert ident_signer(pki, "p-256").signing_time is NOW


def test_extra_and_unsigned_attributes(pki: SignPKI) -> None:
    extra = Attribute(OPAQUE_OID, (der.encode_utf8("signed"),))
    unsigned = Attribute(OPAQUE_OID + ".2", (der.encode_utf8("a"), der.encode_utf8("b")))
    signer = ident_signer(
        pki, "rsa", extra_signed_attributes=(extra,), unsigned_attributes=(unsigned,)
    )
    si = parse(sign(b"abc", [signer])).signer_infos[0]
    assert si.attrs()[OPAQUE_OID] == [der.encode_utf8("signed")]
    assert si.unsigned_attrs is not None and si.unsigned_attrs.raw[0] == 0xA1
    (attr,) = si.unsigned_attrs.children()
    assert attr.raw == unsigned.to_der()
    check_signature(si, signer.certificate, b"abc")


@pytest.mark.parametrize(
    "oid",
    [
        OID_CONTENT_TYPE,
        OID_MESSAGE_DIGEST,
        OID_SIGNING_TIME,
        OID_SMIME_CAPABILITIES,
        OID_SIGNING_CERTIFICATE_V2,
        OID_ALGORITHM_PROTECTION,
        OID_COUNTERSIGNATURE,
    ],
)
def test_duplicate_of_written_attribute_refused(pki: SignPKI, oid: str) -> None:
    attr = Attribute(oid, (der.encode_null(),))
    with pytest.raises(UsageError):
        ident_signer(pki, "p-256", extra_signed_attributes=(attr,))


def test_own_attribute_allowed_when_ours_is_off(pki: SignPKI) -> None:
    mine = Attribute(
        OID_SIGNING_TIME,
        (der.encode_generalized_time(datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)),),
    )
    signer = ident_signer(pki, "p-256", signing_time=None, extra_signed_attributes=(mine,))
    si = parse(sign(b"abc", [signer])).signer_infos[0]
    assert si.attrs()[OID_SIGNING_TIME] == list(mine.values)


def test_attribute_placement_rules(pki: SignPKI) -> None:
    for oid in (OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_TIME, OID_ALGORITHM_PROTECTION):
        with pytest.raises(UsageError, match="must be a signed attribute"):
            ident_signer(pki, "p-256", unsigned_attributes=(Attribute(oid, (der.encode_null(),)),))
    not_der = Attribute(OPAQUE_OID, (b"\x31\x06\x02\x01\x02\x02\x01\x01",))  # unsorted SET OF
    with pytest.raises(UsageError, match="DER"):
        ident_signer(pki, "p-256", extra_signed_attributes=(not_der,))
    with pytest.raises(UsageError, match="signed_attributes=False"):
        ident_signer(
            pki,
            "p-256",
            signed_attributes=False,
            extra_signed_attributes=(Attribute(OPAQUE_OID, (der.encode_null(),)),),
        )


# -- no signed attributes ----------------------------------------------------------------------


@pytest.mark.parametrize("kt", ["rsa", "p-256", "p-521", "ed25519", "ed448"])
def test_no_signed_attributes(pki: SignPKI, kt: str) -> None:
    signer = ident_signer(pki, kt, signed_attributes=False)
    sd = parse(sign(b"plain content", [signer]))
    si = sd.signer_infos[0]
    assert si.signed_attrs is None
    check_signature(si, signer.certificate, b"plain content")


def test_signed_attributes_required_for_other_content_types(pki: SignPKI) -> None:
    signer = ident_signer(pki, "p-256", signed_attributes=False)
    with pytest.raises(UsageError, match=r"RFC 5652 section 5\.3"):
        sign(b"x", [signer], content_type=ID_CT_TST_INFO)
    si = parse(sign(b"x", [ident_signer(pki, "p-256")], content_type=ID_CT_TST_INFO)).signer_infos[
        0
    ]
    assert si.attrs()[OID_CONTENT_TYPE] == [der.encode_oid(ID_CT_TST_INFO)]


# -- algorithms --------------------------------------------------------------------------------


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
def test_rsa_pss_parameters(pki: SignPKI, digest: str) -> None:
    signer = ident_signer(pki, "rsa", pss=True, digest=digest)
    si = parse(sign(b"pss", [signer])).signer_infos[0]
    assert si.signature_algorithm.oid == ID_RSASSA_PSS
    params = decode_pss_params(si.signature_algorithm.parameters or b"")
    size = hashlib.new(digest).digest_size
    assert (params.hash, params.mgf_hash, params.salt_length) == (digest, digest, size)
    # explicit parameters (RFC 4056): written out, not left to DEFAULT (sha1)
    assert si.signature_algorithm.parameters and len(si.signature_algorithm.parameters) > 4
    assert si.signature_algorithm == signatures.signature_algorithm(signer.key, digest, pss=True)
    check_signature(si, signer.certificate, b"pss")


@pytest.mark.parametrize(
    ("kt", "digest", "sig_oid"),
    [
        ("rsa", "sha256", "1.2.840.113549.1.1.11"),
        ("rsa", "sha512", "1.2.840.113549.1.1.13"),
        ("p-256", "sha256", "1.2.840.10045.4.3.2"),
        ("p-384", "sha384", "1.2.840.10045.4.3.3"),
        ("p-521", "sha512", "1.2.840.10045.4.3.4"),
    ],
)
def test_signature_algorithms(pki: SignPKI, kt: str, digest: str, sig_oid: str) -> None:
    signer = ident_signer(pki, kt, digest=digest)
    si = parse(sign(b"alg", [signer])).signer_infos[0]
    assert si.signature_algorithm.oid == sig_oid
    # RFC 5754: digest parameters absent
    assert si.digest_algorithm.parameters is None
    check_signature(si, signer.certificate, b"alg")


def test_ed25519_digest_rules(pki: SignPKI) -> None:
    for with_attrs in (True, False):
        signer = ident_signer(pki, "ed25519", signed_attributes=with_attrs)
        sd = parse(sign(b"ed", [signer]))
        si = sd.signer_infos[0]
        # RFC 8419 3.1 / 3.2: id-sha512, parameters absent; signature id-Ed25519 absent
        assert si.digest_algorithm.to_der() == der.sequence(der.encode_oid(SHA512))
        assert si.signature_algorithm.to_der() == der.sequence(der.encode_oid("1.3.101.112"))
        assert sd.digest_algorithms == [si.digest_algorithm.to_der()]
        assert len(si.signature) == 64
        check_signature(si, signer.certificate, b"ed")
    with pytest.raises(UsageError, match="RFC 8419"):
        ident_signer(pki, "ed25519", digest="sha256")


def test_ed448_digest_rules(pki: SignPKI) -> None:
    signer = ident_signer(pki, "ed448")
    si = parse(sign(b"ed448", [signer])).signer_infos[0]
    # RFC 8419 3.1: id-shake256-len with parameter 512
    assert si.digest_algorithm.to_der() == der.sequence(
        der.encode_oid(SHAKE256_LEN), der.encode_int(512)
    )
    md = si.attrs()[OID_MESSAGE_DIGEST][0]
    assert md == der.encode_octets(hashlib.shake_256(b"ed448").digest(64))
    assert si.signature_algorithm.to_der() == der.sequence(der.encode_oid("1.3.101.113"))
    assert len(si.signature) == 114
    check_signature(si, signer.certificate, b"ed448")
    # RFC 8419 3.2: without signed attributes id-shake256, parameters absent; PureEdDSA
    plain = ident_signer(pki, "ed448", signed_attributes=False)
    si = parse(sign(b"ed448", [plain])).signer_infos[0]
    assert si.digest_algorithm.to_der() == der.sequence(der.encode_oid(SHAKE256))
    check_signature(si, plain.certificate, b"ed448")
    with pytest.raises(UsageError, match="RFC 8419"):
        ident_signer(pki, "ed448", digest="sha512")


# -- policy and key checks ---------------------------------------------------------------------


@pytest.mark.parametrize("digest", ["sha1", "md5"])
def test_weak_digest_refused(pki: SignPKI, digest: str) -> None:
    with pytest.raises(PolicyError, match=digest):
        ident_signer(pki, "rsa", digest=digest)


def test_small_rsa_refused(pki: SignPKI) -> None:
    small = generate_private_key(KeyType.RSA, bits=1024)
    with pytest.raises(PolicyError, match="2048"):
        Signer(small, pki.leaves["rsa"].certificate)


def test_dsa_refused(pki: SignPKI) -> None:
    # toy DSA numbers: only the key type matters, the signer refuses before any arithmetic
    key = PrivateKey.dsa(p=23, q=11, g=4, x=3)
    with pytest.raises(PolicyError, match="DSA"):
        Signer(key, pki.leaves["rsa"].certificate)


def test_key_certificate_mismatch(pki: SignPKI) -> None:
    with pytest.raises(UsageError, match="does not match"):
        Signer(pki.leaves["p-256"].key, pki.leaves["p-384"].certificate)
    with pytest.raises(UsageError, match="does not match"):
        Signer(pki.leaves["ed25519"].key, pki.leaves["rsa"].certificate)


def test_bad_option_combinations(pki: SignPKI) -> None:
    with pytest.raises(UsageError, match="PSS"):
        ident_signer(pki, "p-256", pss=True)
    with pytest.raises(UsageError, match="at least one"):
        sign(b"x", [])
    with pytest.raises(UsageError):
        sign("text", [ident_signer(pki, "p-256")])  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        sign(b"x", [ident_signer(pki, "p-256")], content_type="not.an.oid")


# -- content, certificates, CRLs ---------------------------------------------------------------


def test_attached_and_detached(pki: SignPKI) -> None:
    signer = ident_signer(pki, "p-256")
    attached = parse(sign(b"payload", [signer]))
    assert attached.econtent == b"payload"
    detached_bytes = sign(b"payload", [signer], detached=True)
    detached = parse(detached_bytes)
    assert detached.econtent is None and detached.content_type == ID_DATA
    check_signature(detached.signer_infos[0], signer.certificate, b"payload")
    assert tlv.is_der(detached_bytes)


def test_certificates_and_chain(pki: SignPKI) -> None:
    signer = ident_signer(pki, "rsa")
    leaf = signer.certificate
    assert parse(sign(b"x", [signer])).certificates == [leaf.der]
    chain = parse(sign(b"x", [signer], include_chain=True)).certificates
    assert chain == [leaf.der, pki.intermediate.certificate.der, pki.root.certificate.der]
    none = parse(sign(b"x", [signer], include_certificates=False))
    assert none.certificates is None
    extra = parse(
        sign(b"x", [signer], include_certificates=False, extra_certificates=[pki.root.certificate])
    )
    assert extra.certificates == [pki.root.certificate.der]
    # two signers under the same chain: each certificate once
    both = sign(b"x", [signer, ident_signer(pki, "p-256")], include_chain=True)
    certs = parse(both).certificates or []
    assert len(certs) == len(set(certs)) == 4


def test_crls(pki: SignPKI) -> None:
    crl = der.sequence(
        der.sequence(der.encode_int(1)), der.sequence(), der.encode_bit_string(b"\x00")
    )
    sd = parse(sign(b"x", [ident_signer(pki, "p-256")], crls=[crl]))
    assert sd.crls == [crl] and sd.version == 1
    with pytest.raises(UsageError):
        sign(b"x", [ident_signer(pki, "p-256")], crls=[b"\x04\x01\x00"])
    with pytest.raises(UsageError):
        sign(b"x", [ident_signer(pki, "p-256")], crls=[b"\x30\x05"])


def test_certs_only(pki: SignPKI) -> None:
    certs = [pki.leaves["rsa"].certificate, pki.intermediate.certificate]
    data = certs_only(certs)
    assert tlv.is_der(data)
    sd = parse(data)
    # RFC 8551 3.8 / RFC 5652 5.2: no signers, id-data without eContent, no digests
    assert sd.version == 1
    assert sd.digest_algorithms == []
    assert sd.content_type == ID_DATA and sd.econtent is None
    assert sd.signer_infos == []
    assert sd.certificates == [c.der for c in certs]
    crl = der.sequence(der.sequence(der.encode_int(1)), der.sequence(), der.encode_bit_string(b""))
    assert parse(certs_only(certs, crls=[crl])).crls == [crl]


def test_der_output_for_bytes(pki: SignPKI) -> None:
    data = sign(b"x" * 1000, [ident_signer(pki, "rsa"), ident_signer(pki, "ed448")])
    assert tlv.is_der(data)


def test_output_argument(pki: SignPKI) -> None:
    signer = ident_signer(pki, "ed25519", signing_time=None)
    sink = io.BytesIO()
    assert sign(b"abc", [signer], output=sink) == b""
    assert sink.getvalue() == sign(b"abc", [signer])  # Ed25519 is deterministic


# -- hypothesis: the structure holds exactly what was asked ------------------------------------

KEY_TYPES = ("rsa", "p-256", "p-384", "ed25519", "ed448")
DIGESTS = {
    "rsa": ("sha256", "sha384", "sha512"),
    "p-256": ("sha256", "sha384", "sha512"),
    "p-384": ("sha256", "sha384"),
    "ed25519": (None,),
    "ed448": (None,),
}


@st.composite
def signer_options(draw: st.DrawFn) -> dict[str, object]:
    kt = draw(st.sampled_from(KEY_TYPES))
    opts: dict[str, object] = {
        "kt": kt,
        "digest": draw(st.sampled_from(DIGESTS[kt])),
        "use_ski": draw(st.booleans()),
        "signed_attributes": draw(st.booleans()),
    }
    if kt == "rsa":
        opts["pss"] = draw(st.booleans())
    if opts["signed_attributes"]:
        opts["signing_time"] = draw(st.sampled_from([None, NOW]))
        for name in ("smime_capabilities", "signing_certificate_v2", "algorithm_protection"):
            opts[name] = draw(st.booleans())
        if draw(st.booleans()):
            opts["extra_signed_attributes"] = (Attribute(OPAQUE_OID, (der.encode_octets(b"o"),)),)
    if draw(st.booleans()):
        opts["unsigned_attributes"] = (Attribute(OPAQUE_OID + ".9", (der.encode_null(),)),)
    return opts


@given(
    content=st.binary(max_size=300),
    specs=st.lists(signer_options(), min_size=1, max_size=3),
    detached=st.booleans(),
    streamed=st.booleans(),
)
def test_structure_is_what_was_asked(
    pki: SignPKI,
    content: bytes,
    specs: list[dict[str, object]],
    detached: bool,
    streamed: bool,
) -> None:
    signers = []
    for spec in specs:
        opts = dict(spec)
        kt = str(opts.pop("kt"))
        signers.append(ident_signer(pki, kt, **opts))
    source: bytes | io.BytesIO = io.BytesIO(content) if streamed else content
    data = sign(source, signers, detached=detached)
    sd = parse(data)
    assert sd.econtent == (None if detached else content)
    assert sd.version == (3 if any(s.use_ski for s in signers) else 1)
    assert sd.digest_algorithms == sorted({s.digest_algorithm.to_der() for s in signers})
    assert len(sd.signer_infos) == len(signers)
    remaining = list(signers)
    for si in sd.signer_infos:
        match = [s for s in remaining if _observed(si) == _expected(s)]
        assert match, f"a SignerInfo that no signer asked for: {_observed(si)}"
        remaining.remove(match[0])
        check_signature(si, match[0].certificate, content)
    if not streamed or detached:
        assert tlv.is_der(data)
    # smimelib's own parser sees the same structure, and its verifier accepts it
    parsed = SignedData.from_bytes(data)
    assert parsed.version == sd.version
    assert [a.to_der() for a in parsed.digest_algorithms] == sd.digest_algorithms
    assert parsed.content_type == ID_DATA and parsed.has_content is not detached
    assert parsed.content == sd.econtent
    assert [si.raw for si in parsed.signer_infos] == [si.elem.raw for si in sd.signer_infos]
    result = verify_signed_data(data, content=content if detached else None)
    assert result.ok, [r.describe() for r in result.signers]


def _observed(si: SI) -> tuple[object, ...]:
    unsigned = [a.raw for a in si.unsigned_attrs.children()] if si.unsigned_attrs else None
    attrs = frozenset(si.attrs()) if si.signed_attrs is not None else None
    sid = si.sid.content if si.version == 3 else si.sid.raw
    return (si.version, sid, si.digest_algorithm, si.signature_algorithm, attrs, unsigned)


def _expected(signer: Signer) -> tuple[object, ...]:
    cert = signer.certificate
    unsigned = [a.to_der() for a in signer.unsigned_attributes] or None
    attrs = frozenset(_expected_oids(signer)) if signer.signed_attributes else None
    sid = cert.subject_key_identifier if signer.use_ski else cert.issuer_and_serial_der
    version = 3 if signer.use_ski else 1
    return (version, sid, signer.digest_algorithm, signer.signature_algorithm, attrs, unsigned)


def _expected_oids(signer: Signer) -> set[str]:
    oids = {OID_CONTENT_TYPE, OID_MESSAGE_DIGEST}
    if signer.signing_time is not None:
        oids.add(OID_SIGNING_TIME)
    if signer.smime_capabilities:
        oids.add(OID_SMIME_CAPABILITIES)
    if signer.signing_certificate_v2:
        oids.add(OID_SIGNING_CERTIFICATE_V2)
    if signer.algorithm_protection:
        oids.add(OID_ALGORITHM_PROTECTION)
    oids.update(a.oid for a in signer.extra_signed_attributes)
    return oids
