"""Every SignedData in vectors/ against its recorded outcome (RFC 5652 section 5).

One table, :data:`CASES`, drives the tests: the file, how it is framed, the
external content and certificates a verifier needs, the algorithm policy, and
the expected status and :class:`Reason` of each signer (countersignatures
included). Expected outcomes come from ``vectors/README.md`` (provenance of
each file) and, where the README says less, from checks made while writing
these tests (noted per row, and in ``vectors/README.md`` "Added for M2").

DER inputs must re-encode byte-identically (RFC 5652 section 5.3 signs
received octets; a verifier that re-encodes breaks signatures, FIELD-NOTES 1).

MIME-framed SignedData (RFC 8551 section 3; milestone M4), not covered here:
``rfc4134/4.8.eml`` (multipart/signed around 4.3), ``rfc4134/4.9.eml``
(application/pkcs7-mime signed-data), ``openssl/smime-eml/pkcs7-empty-digest-set.eml``
(empty digestAlgorithms inside multipart/signed; a crafted equivalent is in
test_hostile_cms.py), ``openssl/smime-eml/SignedInvalidMappingFromanyPolicyTest7.eml``,
``header-protection/*.eml``, ``johnny-fired/**/*.eml``, ``mimekit/*.txt``,
``bc/mail/*.eml|*.message``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

import pytest

from smimelib.asn1 import tlv
from smimelib.cms.content_info import ID_DATA, ID_DIGESTED_DATA
from smimelib.cms.results import Reason, SignatureStatus, SignerResult, VerificationResult
from smimelib.cms.signed_data import SignedData
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Policy
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.pem import is_pem, pem_blocks
from tests.vectors import load_vector

EX_CONTENT = b"This is some sample content."  # RFC 4134 ExContent.bin, examples-cms
#: asn1crypto's message; cms-signed carries it with CRLF, pkcs7-signed with LF
ASN1CRYPTO_CONTENT = b"This is the message to encapsulate in PKCS#7/CMS\r\n"
ASN1CRYPTO_CONTENT_LF = b"This is the message to encapsulate in PKCS#7/CMS\n"
#: Heimdal's lib/hx509/data/static-file is not in vectors/; the manifest records it
HEIMDAL_SHA256 = "4ad8a9854489558c23e8cd628336ba3cf212cff340747d7218dde8d037467c1d"
SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4"  # Authenticode SpcIndirectDataContent


@dataclass(frozen=True)
class Sig:
    """Expected outcome of one SignerInfo (or countersignature)."""

    reason: Reason | None = None  # None: VALID
    weak: bool = False  # accepted only because the policy allows legacy algorithms
    counters: tuple[Sig, ...] = ()

    @property
    def status(self) -> SignatureStatus:
        return SignatureStatus.VALID if self.reason is None else SignatureStatus.INVALID


VALID = Sig()
WEAK = Sig(weak=True)
REFUSED = Sig(Reason.ALGORITHM_REFUSED)
NOT_FOUND = Sig(Reason.SIGNER_CERTIFICATE_NOT_FOUND)


@dataclass(frozen=True)
class Case:
    """One verification of one vector file."""

    id: str
    path: str
    signers: tuple[Sig, ...]
    loader: str = "der"  # der | pem | b64 (bare base64, no armour)
    policy: str = "default"  # default | legacy
    content: str | bytes | None = None  # detached content: a vector path or the bytes
    certificates: tuple[str, ...] = ()  # extra certificates (vector paths)
    econtent: bytes | str | None = None  # expected eContent, or "sha256:<hex>"
    content_type: str = ID_DATA
    version: int = 1
    sids: str = ""  # one letter per signer: i = issuerAndSerialNumber, s = SKI
    n_certs: int = 1
    n_crls: int = 0
    trailing: int = 0  # junk octets after the ContentInfo: the file as-is is refused
    note: str = field(default="", compare=False)


def _both(case: Case, *, default: tuple[Sig, ...], legacy: tuple[Sig, ...]) -> list[Case]:
    """A legacy-algorithm vector: refused by the default policy, valid when allowed."""
    return [
        Case(**{**case.__dict__, "id": case.id + "-default", "signers": default}),
        Case(**{**case.__dict__, "id": case.id + "-legacy", "signers": legacy, "policy": "legacy"}),
    ]


def _rfc4134(
    section: str,
    n: int = 1,
    default: tuple[Sig, ...] | None = None,
    legacy: tuple[Sig, ...] | None = None,
    **kw: object,
) -> list[Case]:
    """RFC 4134 section 4 (SHA-1, DSA / RSA-1024): refused by default, valid with LEGACY."""
    base = Case(id=f"rfc4134-{section}", path=f"rfc4134/{section}.bin", signers=(), **kw)  # type: ignore[arg-type]
    return _both(base, default=default or (REFUSED,) * n, legacy=legacy or (WEAK,) * n)


def _pss(digest: str, attached: bool) -> list[Case]:
    name = f"PSSSignData{digest}{'Enc' if attached else ''}.sig"
    base = Case(
        id=f"bc-{name}",
        path=f"bc/cms/{name}",
        signers=(VALID,),
        content=None if attached else "bc/cms/PSSSignData.data",
        econtent=load_vector("bc/cms/PSSSignData.data") if attached else None,
        sids="i",
        n_certs=3,
    )
    if digest == "SHA1":
        return _both(base, default=(REFUSED,), legacy=(WEAK,))
    return [base]


def _heimdal(name: str, suffix: str = "", **kw: object) -> Case:
    """Heimdal hx509 messages; content is Heimdal's static-file, known by its SHA-256."""
    defaults: dict[str, object] = {"signers": (VALID,), "econtent": "sha256:" + HEIMDAL_SHA256}
    defaults.update(kw)
    return Case(id=f"heimdal-{name}{suffix}", path=f"heimdal/{name}", sids="i", **defaults)  # type: ignore[arg-type]


_ALICE = "rfc9216/alice.sign.crt"
_CARLOS = "rfc9216/carlos.sign.crt"

CASES: list[Case] = [
    # ---- RFC 4134 section 4 ---------------------------------------------------------------
    *_rfc4134("4.1", econtent=EX_CONTENT, sids="i", note="Alice DSA, no signed attrs"),
    *_rfc4134("4.2", econtent=EX_CONTENT, sids="i", note="Alice RSA-1024"),
    *_rfc4134("4.3", content="rfc4134/ExContent.bin", sids="i", note="detached"),
    # 4.4: the RFC prose says "countersignature by Diane", but the countersignature's
    # SignerIdentifier is CarlRSA/46346BC7800056BC11D36E2EC410B3B0 = AliceRSASignByCarl,
    # and it verifies (RSA-1024/SHA-1) with Alice's RSA key (checked by hand).
    *_rfc4134(
        "4.4",
        econtent=EX_CONTENT,
        sids="i",
        n_certs=3,
        n_crls=1,
        default=(Sig(Reason.ALGORITHM_REFUSED, counters=(REFUSED,)),),
        legacy=(Sig(weak=True, counters=(WEAK,)),),
    ),
    *_rfc4134("4.5", econtent=EX_CONTENT, sids="i", n_certs=2, note="BER eContent"),
    # 4.6: Diane's DSA key inherits p, q, g from CarlDSSSelf (RFC 3279 2.3.2), which the
    # message does not carry: the caller supplies it
    *_rfc4134(
        "4.6",
        n=2,
        econtent=EX_CONTENT,
        sids="ii",
        n_certs=2,
        certificates=("rfc4134/CarlDSSSelf.cer",),
    ),
    *_rfc4134("4.7", econtent=EX_CONTENT, sids="s", version=3, note="SKI signer"),
    *_rfc4134("4.10", econtent=EX_CONTENT, sids="i", note="ESS attributes"),
    # 4.11: certs-only: nothing signed, never ok (THREATS C3)
    Case(id="rfc4134-4.11", path="rfc4134/4.11.bin", signers=(), n_certs=2, n_crls=1),
    Case("rfc4134-4.11-legacy", "rfc4134/4.11.bin", (), policy="legacy", n_certs=2, n_crls=1),
    # ---- examples-cms (RFC 9216 keys) -----------------------------------------------------
    *[
        Case(
            id=f"examples-cms-{name}-{loader}",
            path=f"examples-cms/{folder}/{name}.{ext}",
            loader=loader,
            signers=(VALID,),
            econtent=None if "Detached" in name else EX_CONTENT,
            content=EX_CONTENT if "Detached" in name else None,
            sids="s" if "Detached" in name else "i",
            version=3 if "Detached" in name else 1,
        )
        for name in (
            "signedByAliceRSA",
            "signedByAliceRSAPSS",
            "signedByCarlosEd25519",
            "signedByCarlosDetached",
        )
        for loader, folder, ext in (("der", "binary-files", "p7m"), ("pem", "pem-encoded", "pem"))
    ],
    *[
        Case(
            id=f"examples-cms-signedByAliceAndCarlosNoCerts-{loader}",
            path=f"examples-cms/{folder}/signedByAliceAndCarlosNoCerts.{ext}",
            loader=loader,
            signers=(VALID, VALID),
            certificates=(_ALICE, _CARLOS),
            econtent=EX_CONTENT,
            sids="ii",
            n_certs=0,
        )
        for loader, folder, ext in (("der", "binary-files", "p7m"), ("pem", "pem-encoded", "pem"))
    ],
    Case(
        id="examples-cms-signedByAliceAndCarlosNoCerts-without-certs",
        path="examples-cms/binary-files/signedByAliceAndCarlosNoCerts.p7m",
        signers=(NOT_FOUND, NOT_FOUND),
        econtent=EX_CONTENT,
        sids="ii",
        n_certs=0,
    ),
    # ---- Bouncy Castle ----------------------------------------------------------------------
    *[c for digest in ("SHA1", "SHA256", "SHA512") for a in (False, True) for c in _pss(digest, a)],
    *_both(
        Case(
            "bc-counterSig",
            "bc/cms/counterSig.p7m",
            (),
            econtent=None,
            sids="s",
            version=3,
            n_certs=2,
            note="SHA-1/RSA-1024 signer with one countersignature",
        ),
        default=(Sig(Reason.ALGORITHM_REFUSED, counters=(REFUSED,)),),
        legacy=(Sig(weak=True, counters=(WEAK,)),),
    ),
    # DigestInfo without the NULL parameters: RFC 8017 9.2 note 2 lets verifiers accept it
    # for SHA-2; smimelib's RSASSA-PKCS1-v1_5 verifier does (crypto/signatures.py), like BC
    Case("bc-rawsha256nonull", "bc/cms/rawsha256nonull.p7m", (VALID,), sids="i"),
    # PKCS #7 v1.5 content (SpcIndirectDataContent, not an OCTET STRING), MD5 digest
    *_both(
        Case(
            "bc-SignedMSPkcs7",
            "bc/cms/SignedMSPkcs7.sig",
            (),
            content_type=SPC_INDIRECT_DATA,
            sids="i",
            n_certs=3,
        ),
        default=(REFUSED,),
        legacy=(WEAK,),
    ),
    # contentHint holding an empty OID ("please ignore this attribute"): the attribute is
    # informational; OpenSSL verifies the signature
    Case("bc-bc1639test", "bc/cms/bc1639test.p7m", (VALID,), sids="i", n_certs=4),
    # ---- Heimdal ----------------------------------------------------------------------------
    _heimdal("test-signed-data"),
    _heimdal("test-signed-data-noattr"),
    _heimdal("test-signed-data-noattr-nocerts", signers=(NOT_FOUND,), n_certs=0),
    _heimdal(
        "test-signed-data-noattr-nocerts",
        suffix="-with-cert",
        n_certs=0,
        certificates=("heimdal/test.crt",),
    ),
    *_both(_heimdal("test-signed-sha-1"), default=(REFUSED,), legacy=(WEAK,)),
    _heimdal("test-signed-sha-256"),
    _heimdal("test-signed-sha-512"),
    # ---- asn1crypto -------------------------------------------------------------------------
    Case(
        "asn1crypto-cms-signed",
        "asn1crypto/cms-signed.der",
        (VALID,),
        sids="i",
        econtent=ASN1CRYPTO_CONTENT,
    ),
    Case(
        "asn1crypto-cms-signed-pem",
        "asn1crypto/cms-signed.pem",
        (VALID,),
        loader="pem",
        sids="i",
        econtent=ASN1CRYPTO_CONTENT,
    ),
    Case(
        "asn1crypto-pkcs7-signed",
        "asn1crypto/pkcs7-signed.der",
        (VALID,),
        sids="i",
        econtent=ASN1CRYPTO_CONTENT_LF,
    ),
    Case(
        "asn1crypto-pkcs7-signed-pem",
        "asn1crypto/pkcs7-signed.pem",
        (VALID,),
        loader="pem",
        sids="i",
        econtent=ASN1CRYPTO_CONTENT_LF,
    ),
    # the messageDigest attribute (7593...0d5d) is not SHA-256 of the 57,310-octet eContent
    # (computed here; OpenSSL agrees: "verification failure"). The file ends with a
    # newline after the ContentInfo: trailing whitespace is accepted, with a finding
    Case(
        "asn1crypto-cms-signed-indefinite-length",
        "asn1crypto/cms-signed-indefinite-length.der",
        (Sig(Reason.DIGEST_MISMATCH),),
        sids="i",
    ),
    # non-data eContentType without signed attributes (RFC 5652 5.3); the signature also
    # matches neither reading of the content (checked here; OpenSSL: bad signature)
    *[
        Case(
            f"asn1crypto-{name}-{loader}",
            f"asn1crypto/{name}.{loader}",
            (Sig(Reason.MISSING_SIGNED_ATTRIBUTES),),
            loader=loader,
            sids="i",
            content_type=ID_DIGESTED_DATA,
            version=2 if name.startswith("cms") else 1,
        )
        for name in ("cms-signed-digested", "pkcs7-signed-digested")
        for loader in ("der", "pem")
    ],
    # ---- OpenSSL ----------------------------------------------------------------------------
    Case(
        "openssl-no_md_attr",
        "openssl/cms-data/no_md_attr.cms",
        (Sig(Reason.MISSING_MESSAGE_DIGEST),),
        sids="i",
    ),
    Case(
        "openssl-no_ct_attr",
        "openssl/cms-data/no_ct_attr.cms",
        (Sig(Reason.MISSING_CONTENT_TYPE),),
        sids="i",
    ),
    Case(
        "openssl-ct_multiple_attr",
        "openssl/cms-data/ct_multiple_attr.cms",
        (Sig(Reason.DUPLICATE_CONTENT_TYPE),),
        sids="i",
    ),
    # signingTime placed in unsignedAttrs, which RFC 5652 11.3 forbids
    Case(
        "openssl-bad_signtime_attr",
        "openssl/cms-data/bad_signtime_attr.cms",
        (Sig(Reason.MALFORMED_ATTRIBUTES),),
        sids="i",
    ),
    Case(
        "openssl-pkcs7-md4",
        "openssl/cms-data/pkcs7-md4.pem",
        (Sig(Reason.UNKNOWN_ALGORITHM),),
        loader="pem",
        sids="i",
    ),
    *[
        Case(
            f"openssl-pkcs7.pem-{p}",
            "openssl/pkcs7/pkcs7.pem",
            (),
            loader="b64",
            policy=p,
            n_certs=2,
            n_crls=2,
        )
        for p in ("default", "legacy")
    ],
    # not certs-only as the README says: one MD2/RSA-512 signer over "Everyone gets Friday
    # off.", followed by one stray octet
    Case(
        "openssl-pkcs7-1.pem",
        "openssl/pkcs7/pkcs7-1.pem",
        (Sig(Reason.UNKNOWN_ALGORITHM),),
        loader="pem",
        policy="legacy",
        sids="i",
        trailing=1,
        econtent=b"Everyone gets Friday off.",
    ),
    # ---- RustCrypto -------------------------------------------------------------------------
    Case(
        "rustcrypto-sd",
        "rustcrypto/sd.cms",
        (VALID,),
        sids="i",
        econtent=load_vector("rustcrypto/data.txt")[:-1] + b"\r\n",
    ),
    Case("rustcrypto-cms_der", "rustcrypto/cms_der.bin", (VALID,), sids="i"),
    Case("rustcrypto-cms_ber", "rustcrypto/cms_ber.bin", (VALID,), sids="i"),
    # eContent is a SEQUENCE under id-data (PKCS #7 style); no certificate; SHA-1: the
    # certificate lookup fails whatever the policy
    Case(
        "rustcrypto-apple_mdm",
        "rustcrypto/apple_mdm_signature_der.bin",
        (NOT_FOUND,),
        policy="legacy",
        sids="i",
        n_certs=0,
    ),
    *[
        Case(f"rustcrypto-{n}", f"rustcrypto/{n}.p7b", (), n_certs=k)
        for n, k in (("pkits", 2), ("pkits_ee", 1))
    ],
    # ---- libksba ----------------------------------------------------------------------------
    Case("libksba-rsa-sample1", "libksba/rsa-sample1.p7s", (VALID,), sids="i"),
    # carries eContent "hallo\n" (its messageDigest matches); no certificate in the message
    Case(
        "libksba-detached-sig",
        "libksba/detached-sig.cms",
        (NOT_FOUND,),
        sids="i",
        n_certs=0,
        econtent=b"hallo\n",
    ),
    # detached; the signed hitchhiker.txt is not published: any other content mismatches
    Case(
        "libksba-ecdsa-sample1",
        "libksba/ecdsa-sample1.p7s",
        (Sig(Reason.DIGEST_MISMATCH),),
        sids="i",
        content=b"not the signed content\n",
    ),
    # ---- pyca -------------------------------------------------------------------------------
    Case("pyca-amazon-roots.der", "pyca/pkcs7/amazon-roots.der", (), n_certs=2),
    Case("pyca-amazon-roots.p7b", "pyca/pkcs7/amazon-roots.p7b", (), n_certs=2, econtent=b""),
    Case("pyca-isrg", "pyca/pkcs7/isrg.pem", (), loader="pem"),
    # PKCS #7 content (not an OCTET STRING, RFC 5652 5.2.1); signature checked by hand
    Case(
        "pyca-authenticode",
        "pyca/pkcs7/authenticode.der",
        (VALID,),
        sids="i",
        content_type=SPC_INDIRECT_DATA,
    ),
    # ---- other SignedData found in vectors/ -------------------------------------------------
    # detached SHA-1 signatures whose content is not published
    *[
        Case(
            f"asn1crypto-{n}",
            f"asn1crypto/{n}",
            (Sig(Reason.DIGEST_MISMATCH),),
            policy="legacy",
            sids="i",
            n_certs=k,
            content=b"",
        )
        for n, k in (
            ("mozilla-generated-by-openssl.pkcs7.der", 2),
            ("smime-signature-generated-by-thunderbird.p7s", 1),
        )
    ],
    # ML-DSA (draft-ietf-lamps-cms-ml-dsa): no ML-DSA in pycryptodome
    *[
        Case(
            f"{tag}-mldsa{n}",
            path,
            (Sig(Reason.UNKNOWN_ALGORITHM),),
            loader="pem",
            sids="i",
            n_certs=0,
            certificates=(f"bc/test-data/pkix/cert/mldsa/ML-DSA-{n}.pem",),
            econtent=f"ML-DSA-{n} signed-data example with signed attributes".encode(),
        )
        for n in (44, 65, 87)
        for tag, path in (
            ("lamps", f"lamps-pq/cms-ml-dsa/mldsa{n}-signed-attrs.pem"),
            ("bc", f"bc/test-data/pkix/cms/mldsa/SignedData_ML-DSA-{n}.pem"),
        )
    ],
]

_BY_ID = {c.id: c for c in CASES}
assert len(_BY_ID) == len(CASES), "duplicate case ids"


# -- helpers ----------------------------------------------------------------------------------


def _message(case: Case) -> bytes:
    """The message as a caller would hand it over (PEM stays PEM), without stray octets."""
    data = load_vector(case.path)
    if case.loader == "b64":
        data = base64.b64decode(b"".join(data.split()))
    elif case.loader == "pem" and case.trailing:
        data = pem_blocks(data)[0].der
    if case.trailing:
        data = data[: len(data) - case.trailing]
    return data


def _ber(case: Case) -> bytes:
    """The BER/DER octets of the ContentInfo."""
    data = _message(case)
    return pem_blocks(data)[0].der if is_pem(data) else data


def _certs(paths: tuple[str, ...]) -> list[Certificate]:
    return [c for p in paths for c in load_certificates(load_vector(p))]


def _policy(case: Case) -> Policy:
    return LEGACY_POLICY if case.policy == "legacy" else DEFAULT_POLICY


def _external(case: Case) -> bytes | None:
    if case.content is None or isinstance(case.content, bytes):
        return case.content
    return load_vector(case.content)


def _verify(case: Case, **overrides: object) -> VerificationResult:
    kwargs: dict[str, object] = {
        "content": _external(case),
        "certificates": _certs(case.certificates),
        "policy": _policy(case),
    }
    kwargs.update(overrides)
    return verify_signed_data(_message(case), **kwargs)  # type: ignore[arg-type]


def _check_signer(got: SignerResult, want: Sig, where: str) -> None:
    assert got.status is want.status, f"{where}: {got.describe()}"
    assert got.reason is want.reason, f"{where}: {got.describe()}"
    assert got.valid is (want.reason is None)
    if want.reason is None:
        assert got.certificate is not None, where
        assert got.signer_info.sid.matches(got.certificate), where
        assert got.signature_valid is True, where
        assert got.intact in (True, None), where
        assert got.weak is want.weak, f"{where}: weak={got.weak}, findings {got.findings}"
    else:
        assert got.detail, f"{where}: an INVALID result names what failed"
    assert len(got.countersignatures) == len(want.counters), where
    for i, (c, w) in enumerate(zip(got.countersignatures, want.counters, strict=True)):
        _check_signer(c, w, f"{where} countersignature {i}")


def _attached(case: Case) -> bool:
    """The message carries eContent: signed messages without external content, and
    certs-only messages whose table row names an eContent."""
    return case.content is None and (bool(case.signers) or case.econtent is not None)


def _indefinite(data: bytes) -> bool:
    stack = [tlv.parse_one(data)]
    while stack:
        elem = stack.pop()
        if elem.indefinite:
            return True
        if elem.tag.constructed:
            stack.extend(elem.children())
    return False


# -- the table ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_verify(case: Case) -> None:
    result = _verify(case)
    assert len(result.signers) == len(case.signers)
    for i, (got, want) in enumerate(zip(result.signers, case.signers, strict=True)):
        _check_signer(got, want, f"{case.id} signer {i}")
    assert result.no_signers is (not case.signers)
    expect_ok = bool(case.signers) and all(
        s.reason is None and all(c.reason is None for c in s.counters) for s in case.signers
    )
    assert result.ok is expect_ok
    assert result.content_type == case.content_type
    assert result.detached is not _attached(case)
    assert len(result.certificates) == case.n_certs
    assert len(result.crls) == case.n_crls
    if case.content is not None:
        assert result.content in (None, _external(case))
    elif isinstance(case.econtent, str):
        assert result.content is not None
        assert hashlib.sha256(result.content).hexdigest() == case.econtent.split(":", 1)[1]
    elif case.econtent is not None:
        assert result.content == case.econtent
    if expect_ok:
        assert result.raise_for_status() is result
    else:
        with pytest.raises(Exception) as info:
            result.raise_for_status()
        assert type(info.value).__name__ == "SignatureError"


_PARSE_CASES = list({(c.path, c.loader): c for c in CASES}.values())


@pytest.mark.parametrize("case", _PARSE_CASES, ids=[c.id for c in _PARSE_CASES])
def test_parse_structure(case: Case) -> None:
    sd = SignedData.from_bytes(_message(case))
    assert sd.version == case.version
    assert sd.content_type == case.content_type
    assert sd.has_content is (
        case.content is None and (bool(case.signers) or case.econtent is not None)
    )
    assert len(sd.certificates) == case.n_certs
    assert len(sd.crls) == case.n_crls
    assert len(sd.signer_infos) == len(case.signers)
    kinds = "".join(
        "s" if si.sid.subject_key_identifier is not None else "i" for si in sd.signer_infos
    )
    assert kinds == case.sids
    for si in sd.signer_infos:
        assert si.version == (3 if si.sid.subject_key_identifier is not None else 1)
        assert si.to_der() == si.raw
    if case.content is not None:
        assert not sd.has_content and sd.content is None
    elif case.econtent is not None and not isinstance(case.econtent, str):
        assert sd.content == case.econtent


@pytest.mark.parametrize("case", _PARSE_CASES, ids=[c.id for c in _PARSE_CASES])
def test_reencode(case: Case) -> None:
    """DER in, the same octets out; BER in, definite lengths out, with the same values."""
    original = _ber(case)
    sd = SignedData.from_bytes(_message(case))
    encoded = sd.to_der()
    if tlv.is_der(original):
        assert encoded == original
        return
    assert not _indefinite(encoded), "to_der() writes definite lengths only"
    again = SignedData.from_bytes(encoded)
    assert again.to_der() == encoded
    assert again.content == sd.content
    assert again.content_type == sd.content_type
    assert again.digest_algorithms == sd.digest_algorithms
    assert again.certificates == sd.certificates
    assert again.crls == sd.crls
    assert [s.signature for s in again.signer_infos] == [s.signature for s in sd.signer_infos]
    assert [
        s.signed_attrs.signed_bytes() if s.signed_attrs else None for s in again.signer_infos
    ] == [s.signed_attrs.signed_bytes() if s.signed_attrs else None for s in sd.signer_infos]
