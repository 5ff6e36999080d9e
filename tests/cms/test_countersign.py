"""Countersignatures (RFC 5652 section 11.4): add_countersignature on our and BC's messages."""

from __future__ import annotations

import hashlib
import io

import pytest

from smimelib.asn1 import der, tlv
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SIGNING_TIME,
    Attribute,
)
from smimelib.cms.countersign import add_countersignature
from smimelib.cms.signing import Signer, certs_only, sign
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto import signatures
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.crypto.digests import SHA256, SHA384, SHA512, SHAKE256, SHAKE256_LEN
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.pem import pem_blocks, pem_encode
from tests.cms.conftest import SignPKI
from tests.cms.signing_reader import SI, parse, parse_si
from tests.vectors import load_vector

COUNTER_ATTRS = {
    OID_MESSAGE_DIGEST,
    OID_SIGNING_TIME,
    OID_SIGNING_CERTIFICATE_V2,
    OID_ALGORITHM_PROTECTION,
}


@pytest.fixture(scope="module")
def pki(sign_pki: SignPKI) -> SignPKI:
    return sign_pki


def countersignatures(si: SI) -> list[SI]:
    """Every countersignature value of a SignerInfo, in order."""
    out: list[SI] = []
    if si.unsigned_attrs is None:
        return out
    for attr in si.unsigned_attrs.children():
        oid, values = attr.children()
        if oid.as_oid() == OID_COUNTERSIGNATURE:
            out.extend(parse_si(v) for v in values.children())
    return out


def check_countersignature(counter: SI, target: SI, cert: Certificate) -> None:
    """RFC 5652 11.4: digest over the target's signature octets; no content-type."""
    if counter.signed_attrs is None:
        signed = target.signature
    else:
        attrs = counter.attrs()
        assert OID_CONTENT_TYPE not in attrs
        oid = counter.digest_algorithm.oid
        if oid in (SHAKE256, SHAKE256_LEN):
            digest = hashlib.shake_256(target.signature).digest(64)
        else:
            names = {SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
            digest = hashlib.new(names[oid], target.signature).digest()
        assert attrs[OID_MESSAGE_DIGEST] == [der.encode_octets(digest)]
        signed = counter.signed_bytes()
    signatures.verify(
        cert.public_key,
        counter.signature_algorithm,
        signed,
        counter.signature,
        digest_algorithm=counter.digest_algorithm,
    )


def signer(pki: SignPKI, kt: str, **options: object) -> Signer:
    return Signer.from_identity(pki.leaves[kt], **options)


def test_countersignature_structure(pki: SignPKI) -> None:
    original = sign(b"countersigned content", [signer(pki, "rsa")], include_chain=True)
    counter = signer(pki, "p-256")
    result = add_countersignature(original, counter)
    assert tlv.is_der(result)  # one signer, one attribute: nothing out of DER order
    before, after = parse(original), parse(result)
    # everything but the SignerInfo is kept byte for byte
    assert after.version == before.version
    assert after.digest_algorithms == before.digest_algorithms
    assert after.econtent == before.econtent
    # the countersigner's certificate is appended, the others kept as they were
    assert before.certificates is not None
    assert after.certificates == [*before.certificates, counter.certificate.der]
    kept = add_countersignature(original, counter, include_certificate=False)
    assert parse(kept).certificates == before.certificates
    again = add_countersignature(result, counter)  # already present: not added twice
    assert parse(again).certificates == after.certificates
    (si,) = after.signer_infos
    (orig_si,) = before.signer_infos
    assert si.signed_attrs is not None and orig_si.signed_attrs is not None
    assert si.signed_attrs.raw == orig_si.signed_attrs.raw
    assert si.signature == orig_si.signature
    (cs,) = countersignatures(si)
    assert set(cs.attrs()) == COUNTER_ATTRS
    assert cs.version == 1 and cs.sid.raw == counter.certificate.issuer_and_serial_der
    check_countersignature(cs, si, counter.certificate)
    # the original SignerInfo's components are kept; only unsignedAttrs was added
    si_parts = [c.raw for c in si.elem.children()]
    assert si_parts[:-1] == [c.raw for c in orig_si.elem.children()]
    assert si_parts[-1][0] == 0xA1


def test_existing_unsigned_attributes_kept(pki: SignPKI) -> None:
    keep = Attribute("1.3.6.1.4.1.55555.7.3", (der.encode_utf8("kept"),))
    original = sign(b"x", [signer(pki, "p-256", unsigned_attributes=(keep,))])
    result = add_countersignature(original, signer(pki, "ed25519"))
    (si,) = parse(result).signer_infos
    assert si.unsigned_attrs is not None
    raws = [a.raw for a in si.unsigned_attrs.children()]
    # received attributes stay in place, the countersignature comes last
    assert len(raws) == 2 and raws[0] == keep.to_der()
    assert tlv.parse_one(raws[1]).children()[0].as_oid() == OID_COUNTERSIGNATURE


def test_countersigner_without_signed_attributes(pki: SignPKI) -> None:
    original = sign(b"x", [signer(pki, "p-384", digest="sha384")])
    for kt in ("rsa", "ed25519", "ed448"):
        counter = signer(pki, kt, signed_attributes=False)
        (si,) = parse(add_countersignature(original, counter)).signer_infos
        (cs,) = countersignatures(si)
        assert cs.signed_attrs is None
        check_countersignature(cs, si, counter.certificate)


@pytest.mark.parametrize("kt", ["rsa", "p-521", "ed25519", "ed448"])
def test_countersigner_key_types(pki: SignPKI, kt: str) -> None:
    original = sign(b"x", [signer(pki, "p-256")])
    counter = signer(pki, kt, use_ski=True)
    (si,) = parse(add_countersignature(original, counter)).signer_infos
    (cs,) = countersignatures(si)
    assert cs.version == 3 and cs.sid.content == counter.certificate.subject_key_identifier
    check_countersignature(cs, si, counter.certificate)


def test_nested_and_repeated(pki: SignPKI) -> None:
    a, b, c = signer(pki, "rsa"), signer(pki, "p-256"), signer(pki, "ed25519")
    message = sign(b"nest", [signer(pki, "p-384")])
    message = add_countersignature(message, a)
    message = add_countersignature(message, b)  # a second countersignature of the signer
    message = add_countersignature(message, c, path=(1,))  # the new one is last: b's
    (si,) = parse(message).signer_infos
    cs_a, cs_b = countersignatures(si)
    assert si.unsigned_attrs is not None and len(si.unsigned_attrs.children()) == 2
    assert cs_a.sid.raw == a.certificate.issuer_and_serial_der
    assert cs_b.sid.raw == b.certificate.issuer_and_serial_der
    check_countersignature(cs_a, si, a.certificate)
    check_countersignature(cs_b, si, b.certificate)
    assert countersignatures(cs_a) == []
    (cs_c,) = countersignatures(cs_b)
    check_countersignature(cs_c, cs_b, c.certificate)


def test_signer_index_is_stable(pki: SignPKI) -> None:
    original = sign(b"two", [signer(pki, "rsa"), signer(pki, "p-256"), signer(pki, "p-384")])
    before = parse(original).signer_infos
    result = original
    for kt in ("ed448", "ed25519", "p-521"):  # every call names the same SignerInfo
        result = add_countersignature(result, signer(pki, kt), signer_index=1)
    after = parse(result).signer_infos
    assert [x.elem.raw for x in after[::2]] == [x.elem.raw for x in before[::2]]
    target = after[1]
    assert [c.raw for c in target.elem.children()][:-1] == [
        c.raw for c in before[1].elem.children()
    ]
    counters = countersignatures(target)
    assert [c.sid.raw for c in counters] == [
        signer(pki, kt).certificate.issuer_and_serial_der for kt in ("ed448", "ed25519", "p-521")
    ]
    for counter, kt in zip(counters, ("ed448", "ed25519", "p-521"), strict=True):
        check_countersignature(counter, target, signer(pki, kt).certificate)


def test_ber_input_keeps_content_octets(pki: SignPKI) -> None:
    content = bytes(range(256)) * 700
    streamed = sign(io.BytesIO(content), [signer(pki, "p-256")])
    root = tlv.parse_one(streamed)
    eci_raw = root.children()[1].children()[0].children()[2].raw
    assert b"\x24\x80" in eci_raw  # the constructed, indefinite eContent
    result = add_countersignature(streamed, signer(pki, "rsa"))
    assert eci_raw in result  # received encoding kept
    out_root = tlv.parse_one(result)
    assert not out_root.indefinite  # re-encoded ancestors get definite lengths
    sd = parse(result)
    assert sd.econtent == content
    (si,) = sd.signer_infos
    (cs,) = countersignatures(si)
    check_countersignature(cs, si, signer(pki, "rsa").certificate)


def test_pem_in_pem_out(pki: SignPKI) -> None:
    original = pem_encode("PKCS7", sign(b"pem", [signer(pki, "p-256")]))
    result = add_countersignature(original, signer(pki, "ed25519"))
    (block,) = pem_blocks(result)
    assert block.label == "CMS"
    (si,) = parse(block.der).signer_infos
    assert len(countersignatures(si)) == 1


def test_bc_vector_countersigned_again(pki: SignPKI) -> None:
    """BC's counterSig.p7m (indefinite-length BER, SHA-1, a timestamp token and one
    countersignature): countersign its countersignature and its signer."""
    data = load_vector("bc/cms/counterSig.p7m")
    (bc_si,) = parse(data).signer_infos
    (bc_cs,) = countersignatures(bc_si)
    counter = signer(pki, "p-256")
    nested = add_countersignature(data, counter, path=(0,))
    (si,) = parse(nested).signer_infos
    (cs,) = countersignatures(si)
    assert cs.signed_attrs is not None and bc_cs.signed_attrs is not None
    assert cs.signed_attrs.raw == bc_cs.signed_attrs.raw  # BC's countersignature kept
    (ours,) = countersignatures(cs)
    check_countersignature(ours, cs, counter.certificate)
    # every other received element is still there, byte for byte
    root = tlv.parse_one(data)
    version, digests_, eci, certs = root.children()[1].children()[0].children()[:-1]
    for part in (version, digests_, eci, *certs.children()):
        assert part.raw in nested
    assert parse(nested).certificates == [
        *(c.raw for c in certs.children()),
        counter.certificate.der,
    ]
    for attr in bc_si.unsigned_attrs.children() if bc_si.unsigned_attrs else ():
        if attr.children()[0].as_oid() != OID_COUNTERSIGNATURE:
            assert attr.raw in nested
    top = add_countersignature(data, counter)
    (si,) = parse(top).signer_infos
    theirs, mine = countersignatures(si)
    assert theirs.elem.raw == bc_cs.elem.raw
    check_countersignature(mine, si, counter.certificate)


def test_errors(pki: SignPKI) -> None:
    original = sign(b"x", [signer(pki, "p-256")])
    with pytest.raises(UsageError, match="signer_index"):
        add_countersignature(original, signer(pki, "rsa"), signer_index=1)
    with pytest.raises(UsageError, match="path"):
        add_countersignature(original, signer(pki, "rsa"), path=(0,))
    with pytest.raises(UsageError, match="signer_index"):
        add_countersignature(certs_only([signer(pki, "rsa").certificate]), signer(pki, "rsa"))
    pref = signer(pki, "rsa", encryption_key_preference=pki.leaves["p-256"].certificate)
    with pytest.raises(UsageError, match="EncryptionKeyPreference"):
        add_countersignature(original, pref)
    ct = Attribute(OID_CONTENT_TYPE, (der.encode_oid("1.2.840.113549.1.7.1"),))
    with pytest.raises(UsageError):
        add_countersignature(original, signer(pki, "rsa", extra_signed_attributes=(ct,)))
    data_ci = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.1"), der.explicit(0, der.encode_octets(b"x"))
    )
    with pytest.raises(DecodeError, match="id-signedData"):
        add_countersignature(data_ci, signer(pki, "rsa"))
    with pytest.raises(DecodeError):
        add_countersignature(original[:-3], signer(pki, "rsa"))
    with pytest.raises(UsageError):
        add_countersignature("text", signer(pki, "rsa"))  # type: ignore[arg-type]


def test_certificates_field_created(pki: SignPKI) -> None:
    crl = der.sequence(
        der.sequence(der.encode_int(1)), der.sequence(), der.encode_bit_string(b"\x00")
    )
    original = sign(b"x", [signer(pki, "p-256")], include_certificates=False, crls=[crl])
    assert parse(original).certificates is None
    counter = signer(pki, "rsa")
    result = add_countersignature(original, counter, include_chain=True)
    sd = parse(result)  # the reader insists on [0] before [1]
    assert sd.certificates == [
        counter.certificate.der,
        pki.intermediate.certificate.der,
        pki.root.certificate.der,
    ]
    assert sd.crls == [crl]


def test_verified_by_smimelib(pki: SignPKI) -> None:
    message = sign(b"verify me", [signer(pki, "rsa", pss=True), signer(pki, "ed448")])
    message = add_countersignature(message, signer(pki, "p-256"), signer_index=0)
    message = add_countersignature(message, signer(pki, "ed25519"), signer_index=1)
    message = add_countersignature(message, signer(pki, "p-521"), signer_index=0, path=(0,))
    index = 0
    result = verify_signed_data(message)
    assert result.ok
    nodes = [r for top in result.signers for r in top.walk()]
    assert len(nodes) == 5 and all(r.valid for r in nodes)
    assert sum(len(top.countersignatures) for top in result.signers) == 2
    # a countersignature over a changed signature value no longer verifies
    target = parse(message).signer_infos[index].signature
    flipped = bytearray(target)
    flipped[10] ^= 1
    tampered = message.replace(target, bytes(flipped))
    bad = verify_signed_data(tampered)
    statuses = [r.valid for top in bad.signers for r in top.walk()]
    assert statuses.count(False) >= 2


def test_bc_vector_verified_by_smimelib(pki: SignPKI) -> None:
    data = load_vector("bc/cms/counterSig.p7m")
    nested = add_countersignature(data, signer(pki, "ed25519"), path=(0,))
    result = verify_signed_data(nested, policy=LEGACY_POLICY)  # BC wrote SHA-1
    (top,) = result.signers
    (theirs,) = top.countersignatures
    (ours,) = theirs.countersignatures
    assert top.valid and theirs.valid and ours.valid
    assert ours.certificate == signer(pki, "ed25519").certificate
