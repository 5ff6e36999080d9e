"""Cross-properties of signing and verification (RFC 5652 sections 5.3-5.6).

For any content, any set of one to three signers drawn from a session pool
(RSA-2048 PKCS #1 v1.5, RSA-2048 PSS, P-256, P-384, Ed25519, Ed448), any digest the key
allows and any attribute options: sign -> encode -> parse -> verify is VALID
for every signer, and a one-bit change anywhere the signatures cover makes
exactly the affected signers INVALID with the precise reason:

* content bit: every signer; DIGEST_MISMATCH with signed attributes (the
  message-digest attribute no longer matches, 5.4), BAD_SIGNATURE without
  (the signature covers the content itself);
* a bit of one signer's signature value: that signer alone, BAD_SIGNATURE;
* a bit inside one signer's signed attributes: that signer alone is INVALID,
  or the message no longer parses (DecodeError, never another exception); a bit
  in the value of an attribute nothing interprets gives BAD_SIGNATURE.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.oids import name_of
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SMIME_CAPABILITIES,
    Attribute,
)
from smimelib.cms.results import Reason, SignatureStatus, SignerResult, VerificationResult
from smimelib.cms.signed_data import SignedData
from smimelib.cms.signing import Signer, sign
from smimelib.cms.verify import verify_signed_data
from smimelib.errors import DecodeError, SmimeError
from smimelib.pki.identity import Identity
from tests.cms.conftest import CmsPKI

ID_RSASSA_PSS = "1.2.840.113549.1.1.10"
#: a position drawn independently of the message: signatures (ECDSA, PSS) and signing
#: times vary from run to run, and so do lengths and the DER order of signerInfos, so
#: positions are reduced modulo the length found (hypothesis needs stable draws)
POSITION = st.integers(0, 2**16)
#: a private attribute no verifier interprets; its value is covered by the signature only
OPAQUE_OID = "1.3.6.1.4.1.55555.1.1"
OPAQUE_VALUE = bytes(range(16))

KEYS = ("rsa", "rsa-pss", "p-256", "p-384", "ed25519", "ed448")
DIGESTS = {
    "rsa": ("sha256", "sha384", "sha512"),
    "rsa-pss": ("sha256", "sha384", "sha512"),
    "p-256": ("sha256", "sha384", "sha512"),
    "p-384": ("sha256", "sha384", "sha512"),
    "ed25519": (None,),  # RFC 8419 3: SHA-512, chosen by the library
    "ed448": (None,),  # RFC 8419 3: SHAKE256 (id-shake256-len with signed attributes)
}
FIXED_TIME = datetime.datetime(2051, 3, 1, 12, 0, 0, tzinfo=datetime.UTC)  # GeneralizedTime

#: reasons a corrupted signed-attribute set can legitimately produce (RFC 5652 5.3, 5.6, 11;
#: RFC 6211; RFC 5035), depending on which attribute the bit landed in
ATTRIBUTE_FLIP_REASONS = frozenset(
    {
        Reason.BAD_SIGNATURE,
        Reason.DIGEST_MISMATCH,
        Reason.MALFORMED_ATTRIBUTES,
        Reason.MISSING_CONTENT_TYPE,
        Reason.MISSING_MESSAGE_DIGEST,
        # a flip in an attribute type can turn it into a second content-type or
        # message-digest (RFC 5652 11.1, 11.2: exactly one of each)
        Reason.DUPLICATE_CONTENT_TYPE,
        Reason.DUPLICATE_MESSAGE_DIGEST,
        Reason.CONTENT_TYPE_MISMATCH,
        Reason.ALGORITHM_PROTECTION_MISMATCH,
        Reason.SIGNING_CERTIFICATE_MISMATCH,
        Reason.SIGNED_ATTRS_NOT_DER,
    }
)


class _Pool(dict[str, Identity]):
    """The identities by key name; a short repr keeps hypothesis reports readable."""

    def __repr__(self) -> str:
        return f"<key pool {sorted(self)}>"


@pytest.fixture(scope="session")
def key_pool(cms_pki: CmsPKI) -> dict[str, Identity]:
    """One signing identity per key type, from the session PKI of tests/cms/conftest.py;
    RSA-PSS signs with the RSA identity's key (RFC 4056 needs no special certificate)."""
    pool = _Pool(
        (name, cms_pki[name].identity) for name in ("rsa", "p-256", "p-384", "ed25519", "ed448")
    )
    pool["rsa-pss"] = pool["rsa"]
    return pool


@dataclass(frozen=True)
class SignerSpec:
    key: str
    digest: str | None
    signed_attributes: bool
    signing_time: str  # "now" | "none" | "fixed"
    capabilities: bool
    ess: bool
    protection: bool
    opaque: bool
    use_ski: bool

    def build(self, pool: dict[str, Identity]) -> Signer:
        ident = pool[self.key]
        if not self.signed_attributes:
            return Signer(
                ident.key,
                ident.certificate,
                digest=self.digest,
                pss=self.key == "rsa-pss",
                use_ski=self.use_ski,
                signed_attributes=False,
            )
        when: object = {"none": None, "fixed": FIXED_TIME}.get(self.signing_time, "now")
        extra = (Attribute(OPAQUE_OID, (der.encode_octets(OPAQUE_VALUE),)),) if self.opaque else ()
        options: dict[str, object] = {}
        if when != "now":
            options["signing_time"] = when
        return Signer(
            ident.key,
            ident.certificate,
            digest=self.digest,
            pss=self.key == "rsa-pss",
            use_ski=self.use_ski,
            smime_capabilities=self.capabilities,
            signing_certificate_v2=self.ess,
            algorithm_protection=self.protection,
            extra_signed_attributes=extra,
            **options,  # type: ignore[arg-type]
        )


@st.composite
def _signer_spec(draw: st.DrawFn) -> SignerSpec:
    key = draw(st.sampled_from(KEYS))
    return SignerSpec(
        key=key,
        digest=draw(st.sampled_from(DIGESTS[key])),
        signed_attributes=draw(st.booleans()),
        signing_time=draw(st.sampled_from(("now", "none", "fixed"))),
        capabilities=draw(st.booleans()),
        ess=draw(st.booleans()),
        protection=draw(st.booleans()),
        opaque=draw(st.booleans()),
        use_ski=draw(st.booleans()),
    )


@dataclass(frozen=True)
class Scenario:
    content: bytes
    specs: tuple[SignerSpec, ...]
    detached: bool


scenarios = st.builds(
    Scenario,
    content=st.binary(max_size=200),
    specs=st.lists(_signer_spec(), min_size=1, max_size=3).map(tuple),
    detached=st.booleans(),
)


def _sign(scenario: Scenario, pool: dict[str, Identity]) -> bytes:
    signers = [s.build(pool) for s in scenario.specs]
    return sign(scenario.content, signers, detached=scenario.detached)


def _verify(message: bytes, scenario: Scenario, content: bytes | None = None) -> VerificationResult:
    if scenario.detached:
        return verify_signed_data(message, content=scenario.content if content is None else content)
    return verify_signed_data(message)


@dataclass(frozen=True)
class _Layout:
    """Where the covered parts sit in an encoded message (absolute offsets)."""

    econtent: tlv.Element | None
    signer_infos: tuple[tlv.Element, ...]

    def signed_attrs(self, index: int) -> tlv.Element | None:
        for child in self.signer_infos[index].children():
            if child.tag == tlv.Tag.context(0, constructed=True):
                return child
        return None

    def signature(self, index: int) -> tlv.Element:
        found = [c for c in self.signer_infos[index].children() if c.tag == tlv.Tag.OCTET_STRING]
        assert len(found) == 1
        return found[0]


def _layout(message: bytes) -> _Layout:
    signed_data = tlv.parse_one(message).children()[1].children()[0].children()
    eci = signed_data[2].children()
    econtent = eci[1].children()[0] if len(eci) > 1 else None
    return _Layout(econtent, signed_data[-1].children())


def _flip(data: bytes, offset: int, bit: int) -> bytes:
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


def _assert_only(result: VerificationResult, bad: int, allowed: frozenset[Reason]) -> None:
    for i, signer in enumerate(result.signers):
        if i == bad:
            assert signer.status is SignatureStatus.INVALID, signer.describe()
            assert signer.reason in allowed, signer.describe()
        else:
            assert signer.status is SignatureStatus.VALID, signer.describe()
    assert not result.ok


# -- properties -------------------------------------------------------------------------------


def _fingerprint(result: SignerResult, pool: dict[str, Identity]) -> tuple[object, ...]:
    """What a verified SignerInfo shows of the options that made it."""
    si = result.signer_info
    assert result.certificate is not None
    names = [n for n, ident in pool.items() if ident.certificate == result.certificate]
    pss = si.signature_algorithm.oid == ID_RSASSA_PSS
    key = "rsa-pss" if pss else next(n for n in names if n != "rsa-pss")
    attrs = si.signed_attrs
    present = set(attrs.oids()) if attrs is not None else set()
    time = (
        "none"
        if result.signing_time is None
        else ("fixed" if result.signing_time == FIXED_TIME else "now")
    )
    digest = None if key.startswith("ed") else name_of(si.digest_algorithm.oid)
    return (
        key,
        digest,
        attrs is not None,
        si.sid.subject_key_identifier is not None,
        time if attrs is not None else "none",
        OID_SMIME_CAPABILITIES in present,
        OID_SIGNING_CERTIFICATE_V2 in present,
        OID_ALGORITHM_PROTECTION in present,
        OPAQUE_OID in present,
    )


def _expected_fingerprint(spec: SignerSpec) -> tuple[object, ...]:
    attrs = spec.signed_attributes
    return (
        spec.key,
        spec.digest,
        attrs,
        spec.use_ski,
        spec.signing_time if attrs else "none",
        attrs and spec.capabilities,
        attrs and spec.ess,
        attrs and spec.protection,
        attrs and spec.opaque,
    )


@given(scenario=scenarios)
def test_sign_then_verify_is_valid(scenario: Scenario, key_pool: dict[str, Identity]) -> None:
    message = _sign(scenario, key_pool)
    assert tlv.is_der(message)
    parsed = SignedData.from_bytes(message)
    assert parsed.to_der() == message
    assert len(parsed.signer_infos) == len(scenario.specs)
    assert parsed.has_content is (not scenario.detached)
    if not scenario.detached:
        assert parsed.content == scenario.content
    for si in parsed.signer_infos:
        assert si.version == (3 if si.sid.subject_key_identifier is not None else 1)
    result = _verify(message, scenario)
    assert [s.status for s in result.signers] == [SignatureStatus.VALID] * len(scenario.specs), [
        s.describe() for s in result.signers
    ]
    assert result.ok
    assert result.detached is scenario.detached
    assert result.content == scenario.content
    # signerInfos is a DER SET OF: its order is the encoding's, not the signers' (X.690 11.6)
    got = sorted((_fingerprint(r, key_pool) for r in result.signers), key=repr)
    want = sorted((_expected_fingerprint(s) for s in scenario.specs), key=repr)
    assert got == want
    for signer in result.signers:
        assert signer.intact is (True if signer.signer_info.signed_attrs is not None else None)


@given(scenario=scenarios, data=st.data())
def test_content_bit_flip_invalidates_every_signer(
    scenario: Scenario, data: st.DataObject, key_pool: dict[str, Identity]
) -> None:
    assume(scenario.content)
    message = _sign(scenario, key_pool)
    index = data.draw(st.integers(0, len(scenario.content) - 1), label="content octet")
    bit = data.draw(st.integers(0, 7), label="bit")
    if scenario.detached:
        result = _verify(message, scenario, _flip(scenario.content, index, bit))
    else:
        econtent = _layout(message).econtent
        assert econtent is not None
        result = _verify(_flip(message, econtent.content_offset + index, bit), scenario)
    assert len(result.signers) == len(scenario.specs)
    for signer in result.signers:
        with_attrs = signer.signer_info.signed_attrs is not None
        want = Reason.DIGEST_MISMATCH if with_attrs else Reason.BAD_SIGNATURE
        assert signer.status is SignatureStatus.INVALID, signer.describe()
        assert signer.reason is want, signer.describe()
        assert signer.intact is (False if with_attrs else None)
    assert not result.ok


@given(scenario=scenarios, data=st.data())
def test_signature_bit_flip_invalidates_that_signer(
    scenario: Scenario, data: st.DataObject, key_pool: dict[str, Identity]
) -> None:
    message = _sign(scenario, key_pool)
    victim = data.draw(st.integers(0, len(scenario.specs) - 1), label="signer")
    value = _layout(message).signature(victim)
    index = data.draw(POSITION, label="signature octet") % value.content_length
    bit = data.draw(st.integers(0, 7), label="bit")
    result = _verify(_flip(message, value.content_offset + index, bit), scenario)
    _assert_only(result, victim, frozenset({Reason.BAD_SIGNATURE}))


@given(scenario=scenarios, data=st.data())
def test_signed_attribute_bit_flip_invalidates_that_signer(
    scenario: Scenario, data: st.DataObject, key_pool: dict[str, Identity]
) -> None:
    assume(any(s.signed_attributes for s in scenario.specs))
    message = _sign(scenario, key_pool)
    layout = _layout(message)
    candidates = [i for i in range(len(scenario.specs)) if layout.signed_attrs(i) is not None]
    victim = candidates[data.draw(st.integers(0, 2), label="signer") % len(candidates)]
    attrs = layout.signed_attrs(victim)
    assert attrs is not None
    index = data.draw(POSITION, label="attribute octet") % attrs.content_length
    bit = data.draw(st.integers(0, 7), label="bit")
    offset = attrs.content_offset + index
    try:
        result = _verify(_flip(message, offset, bit), scenario)
    except SmimeError as exc:
        assert isinstance(exc, DecodeError), repr(exc)
        return
    _assert_only(result, victim, ATTRIBUTE_FLIP_REASONS)
    end = attrs.content_offset + attrs.content_length
    opaque = message.find(der.encode_octets(OPAQUE_VALUE), attrs.content_offset, end)
    if opaque != -1 and opaque + 2 <= offset < opaque + 2 + len(OPAQUE_VALUE):
        assert result.signers[victim].reason is Reason.BAD_SIGNATURE


def _specs_all(key: str, **kw: object) -> tuple[SignerSpec, ...]:
    base: dict[str, object] = {
        "key": key,
        "digest": DIGESTS[key][0],
        "signed_attributes": True,
        "signing_time": "now",
        "capabilities": True,
        "ess": True,
        "protection": True,
        "opaque": True,
        "use_ski": False,
    }
    base.update(kw)
    return (SignerSpec(**base),)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", KEYS)
def test_opaque_attribute_flip_is_bad_signature(key: str, key_pool: dict[str, Identity]) -> None:
    """Deterministic anchor of the attribute property: the signature covers every signed
    attribute, including ones the verifier does not interpret (RFC 5652 5.4)."""
    scenario = Scenario(b"payload", _specs_all(key), detached=False)
    message = _sign(scenario, key_pool)
    attrs = _layout(message).signed_attrs(0)
    assert attrs is not None
    opaque = message.index(der.encode_octets(OPAQUE_VALUE), attrs.content_offset)
    result = _verify(_flip(message, opaque + 2 + 5, 0), scenario)
    _assert_only(result, 0, frozenset({Reason.BAD_SIGNATURE}))
