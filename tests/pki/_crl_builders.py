"""Test data for the revocation tests: a CRL writer, an ``openssl ca`` wrapper, builder
certificates with chosen extensions, a signer validator and a fetcher.

:func:`build_crl` writes CRLs for cases OpenSSL cannot make (reasons 9 and 10, indirect
CRLs, odd or broken extensions); :class:`OpenSSLCA` runs the OpenSSL CLI (``openssl req``,
``openssl ca -revoke``, ``openssl ca -gencrl``) in a temporary directory.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from smimelib.asn1 import der
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.signatures import sign, signature_algorithm
from smimelib.errors import SmimeError
from smimelib.pki import _extcodec
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, key_identifier
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import (
    OID_CERTIFICATE_ISSUER,
    OID_CRL_NUMBER,
    OID_DELTA_CRL_INDICATOR,
    OID_INVALIDITY_DATE,
    OID_ISSUING_DISTRIBUTION_POINT,
    OID_REASON_CODE,
    CertificateList,
)
from smimelib.pki.extensions import AuthorityKeyIdentifier, DistributionPoint, Extension, KeyUsage
from smimelib.pki.general_names import GeneralName, encode_general_names
from smimelib.pki.identity import Identity
from smimelib.pki.names import RDN, Name
from smimelib.pki.path_extensions import ReasonFlag
from smimelib.pki.path_results import (
    RevocationOutcome,
    RevocationState,
    TrustResult,
    ValidationStatus,
)
from smimelib.pki.revocation import SignerValidator, StandardRevocationChecker
from tests.peers import openssl

GOOD, REVOKED = RevocationState.GOOD, RevocationState.REVOKED

UTC = datetime.UTC
NOW = datetime.datetime.now(UTC).replace(microsecond=0)
LEGACY = Policy(allow_weak=True, allow_legacy=True, min_rsa_bits=1024)


# -- a CRL writer for hand-made cases ---------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One revokedCertificates entry for :func:`build_crl`."""

    serial: int
    date: datetime.datetime = NOW - datetime.timedelta(days=1)
    reason: int | None = None
    invalidity: datetime.datetime | None = None
    certificate_issuer: Sequence[GeneralName] | None = None
    extra: Sequence[Extension] = ()


def encode_idp(
    *,
    full_name: Sequence[GeneralName] | None = None,
    relative_name: RDN | None = None,
    only_user: bool = False,
    only_ca: bool = False,
    reasons: Sequence[ReasonFlag] | None = None,
    indirect: bool = False,
    only_attribute: bool = False,
) -> bytes:
    """DER IssuingDistributionPoint (RFC 5280 5.2.5)."""
    parts = []
    if full_name is not None:
        parts.append(der.explicit(0, der.implicit(0, encode_general_names(full_name))))
    elif relative_name is not None:
        parts.append(der.explicit(0, der.implicit(1, relative_name.to_der())))
    for number, flag in ((1, only_user), (2, only_ca)):
        if flag:
            parts.append(der.implicit(number, der.encode_bool(True), constructed=False))
    if reasons is not None:
        bits = _extcodec.encode_named_bits(r.value for r in reasons)
        parts.append(der.implicit(3, bits, constructed=False))
    for number, flag in ((4, indirect), (5, only_attribute)):
        if flag:
            parts.append(der.implicit(number, der.encode_bool(True), constructed=False))
    return der.sequence(*parts)


def build_crl(
    issuer: Identity,
    entries: Sequence[Entry] = (),
    *,
    number: int | None = 1,
    number_critical: bool = False,
    delta_base: int | None = None,
    idp: bytes | None = None,
    this_update: datetime.datetime | None = None,
    next_update: datetime.datetime | None = NOW + datetime.timedelta(days=7),
    extensions: Sequence[Extension] = (),
    aki: bool = True,
    tamper: bool = False,
) -> CertificateList:
    """A v2 CRL signed by ``issuer`` (RFC 5280 5.1), DER, as a CA would write it."""
    key = issuer.key
    alg = signature_algorithm(key, "sha256")
    tbs = [der.encode_int(1), alg.to_der(), issuer.certificate.subject.der]
    tbs.append(der.encode_time(this_update or NOW - datetime.timedelta(hours=1)))
    if next_update is not None:
        tbs.append(der.encode_time(next_update))
    if entries:
        items = []
        for e in entries:
            ext: list[bytes] = []
            if e.reason is not None:
                ext.append(
                    Extension(OID_REASON_CODE, False, der.encode_enumerated(e.reason)).to_der()
                )
            if e.invalidity is not None:
                value = der.encode_generalized_time(e.invalidity)
                ext.append(Extension(OID_INVALIDITY_DATE, False, value).to_der())
            if e.certificate_issuer is not None:
                value = encode_general_names(e.certificate_issuer)
                ext.append(Extension(OID_CERTIFICATE_ISSUER, True, value).to_der())
            ext.extend(x.to_der() for x in e.extra)
            fields = [der.encode_int(e.serial), der.encode_time(e.date)]
            if ext:
                fields.append(der.sequence(*ext))
            items.append(der.sequence(*fields))
        tbs.append(der.sequence(*items))
    crl_ext: list[bytes] = []
    if aki:
        kid = issuer.certificate.subject_key_identifier or key_identifier(key.public_key())
        crl_ext.append(Extension("2.5.29.35", False, AuthorityKeyIdentifier(kid).to_der()).to_der())
    if number is not None:
        crl_ext.append(Extension(OID_CRL_NUMBER, number_critical, der.encode_int(number)).to_der())
    if delta_base is not None:
        crl_ext.append(
            Extension(OID_DELTA_CRL_INDICATOR, True, der.encode_int(delta_base)).to_der()
        )
    if idp is not None:
        crl_ext.append(Extension(OID_ISSUING_DISTRIBUTION_POINT, True, idp).to_der())
    crl_ext.extend(x.to_der() for x in extensions)
    if crl_ext:
        tbs.append(der.explicit(0, der.sequence(*crl_ext)))
    tbs_der = der.sequence(*tbs)
    signature = sign(key, alg, tbs_der)
    if tamper:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    return CertificateList.from_der(
        der.sequence(tbs_der, alg.to_der(), der.encode_bit_string(signature))
    )


# -- an OpenSSL CA ----------------------------------------------------------------------------

_CA_CONFIG = """\
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
certificate = {dir}/ca.pem
private_key = {dir}/ca.key
serial = {dir}/serial
crlnumber = {dir}/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
crl_extensions = crl_ext
[ policy_any ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ idp_ext ]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = critical,@idp
[ idp ]
fullname = URI:http://crl.example/ca.crl
onlysomereasons = keyCompromise, CACompromise
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_ee ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ocsp ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


_NEW_EC_KEY = ("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


class OpenSSLCA:
    """An ``openssl ca`` with EC P-256 keys in ``root``; certificates issued, revoked
    and CRLs generated by the OpenSSL CLI only."""

    def __init__(self, root: Path, name: str = "OpenSSL Test CA") -> None:
        self.root = root
        (root / "newcerts").mkdir(parents=True)
        (root / "index.txt").write_text("")
        (root / "serial").write_text("1000\n")
        (root / "crlnumber").write_text("01\n")
        self.config = root / "ca.cnf"
        self.config.write_text(_CA_CONFIG.format(dir=root))
        self._names = itertools.count()
        args: list[str | Path] = [*_NEW_EC_KEY, "-x509", "-days", "30", "-subj", f"/CN={name}"]
        args += ["-keyout", root / "ca.key", "-out", root / "ca.pem"]
        openssl([*args, "-extensions", "v3_ca", "-config", self.config])
        self.cert_path = root / "ca.pem"
        self.key_path = root / "ca.key"
        self.cert = Certificate.from_pem(self.cert_path.read_bytes())

    def issue(self, cn: str, *, extensions: str = "v3_ee") -> tuple[Path, Certificate]:
        """A new certificate ``CN=cn`` (its key next to it as ``<stem>.key``)."""
        stem = self.root / f"cert{next(self._names)}"
        key, csr, pem = (stem.with_suffix(s) for s in (".key", ".csr", ".pem"))
        openssl([*_NEW_EC_KEY, "-keyout", key, "-out", csr, "-subj", f"/CN={cn}"])
        args: list[str | Path] = ["ca", "-batch", "-config", self.config]
        openssl([*args, "-extensions", extensions, "-in", csr, "-out", pem])
        return pem, Certificate.from_pem(pem.read_bytes())

    def revoke(self, pem: Path, *args: str) -> None:
        openssl(["ca", "-config", self.config, "-revoke", pem, *args])

    def add_section(self, text: str) -> None:
        with self.config.open("a") as fh:
            fh.write("\n" + text + "\n")

    def gencrl(self, *args: str | Path) -> CertificateList:
        out = self.root / f"crl{next(self._names)}.pem"
        openssl(["ca", "-config", self.config, "-gencrl", "-out", out, *args])
        return CertificateList.from_pem(out.read_bytes())


# -- a small signer validator for the tests -----------------------------------------------------


def chain_validator(
    crls: Sequence[tuple[CertificateList, str]],
    pool: Sequence[Certificate],
    policy: Policy = LEGACY,
    depth: int = 0,
) -> SignerValidator:
    """Validates a CRL signer the way a trust store would: a chain by name and signature
    to the same anchor, each link checked for revocation (recursion bounded)."""

    def validate(
        signer: Certificate, path: Sequence[Certificate], at: datetime.datetime
    ) -> TrustResult:
        if depth > 3:
            return TrustResult(ValidationStatus.PATH_BUILDING_LIMIT, "signer recursion")
        chain = [signer]
        candidates = {c.der: c for c in (*pool, *path)}
        while chain[-1] != path[0] and len(chain) < 8:
            current = chain[-1]
            for cand in candidates.values():
                if cand == current or not cand.subject.matches(current.issuer):
                    continue
                try:
                    current.verify_signature(cand.public_key, policy=policy)
                except SmimeError:  # not this candidate: try the next one
                    continue
                chain.append(cand)
                break
            else:
                return TrustResult(ValidationStatus.NAME_CHAINING, "no issuer")
        chain.reverse()
        inner = StandardRevocationChecker(
            crls=crls,
            certificates=pool,
            validate_signer=chain_validator(crls, pool, policy, depth + 1),
            algorithms=policy,
        )
        for i in range(1, len(chain)):
            outcome = inner.check(chain[i], chain[i - 1], path=chain[: i + 1], at=at)
            if outcome.state is REVOKED:
                return TrustResult(ValidationStatus.REVOKED, "signer revoked")
            if outcome.state is not GOOD:
                return TrustResult(ValidationStatus.REVOCATION_STATUS_UNKNOWN, outcome.detail)
        return TrustResult(ValidationStatus.VALID)

    return validate


def check_path(
    checker: StandardRevocationChecker, path: Sequence[Certificate], at: datetime.datetime
) -> list[RevocationOutcome]:
    """Revocation of every certificate of ``path`` below the anchor, as a validator does,
    stopping at the first that is not GOOD."""
    outcomes = []
    for i in range(1, len(path)):
        outcome = checker.check(path[i], path[i - 1], path=path[: i + 1], at=at)
        outcomes.append(outcome)
        if outcome.state is not GOOD:
            break
    return outcomes


def make_ee(
    issuer: Identity,
    name: str = "ee",
    *,
    dps: Sequence[DistributionPoint] | None = None,
    is_ca: bool = False,
    eku: Sequence[str] | None = None,
    key_usage: frozenset[KeyUsage] | None = None,
) -> Certificate:
    key = generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", name)]))
        .public_key(key)
        .not_valid_before(NOW - datetime.timedelta(days=30))
        .not_valid_after(NOW + datetime.timedelta(days=30))
    )
    if is_ca:
        builder = builder.basic_constraints(ca=True)
    if dps is not None:
        builder = builder.add_extension(
            ext.OID_CRL_DISTRIBUTION_POINTS, DistributionPoint.encode_all(dps)
        )
    if eku is not None:
        builder = builder.extended_key_usage(eku)
    if key_usage is not None:
        builder = builder.key_usage(key_usage)
    return builder.sign(issuer.key, issuer=issuer.certificate)


def make_identity(
    issuer: Identity,
    name: str,
    *,
    key_usage: frozenset[KeyUsage] | None = None,
    is_ca: bool = False,
) -> Identity:
    """A subordinate identity (key + certificate) with the given certificate options."""
    key = generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(Name.from_rfc4514(name))
        .public_key(key)
        .not_valid_before(NOW - datetime.timedelta(days=30))
        .not_valid_after(NOW + datetime.timedelta(days=30))
    )
    if key_usage is not None:
        builder = builder.key_usage(key_usage)
    if is_ca:
        builder = builder.basic_constraints(ca=True)
    return Identity(key, builder.sign(issuer.key, issuer=issuer.certificate))


class Fetcher:
    """A RevocationFetcher that serves fixed data and records the requests."""

    def __init__(
        self, crls: Sequence[bytes] = (), ocsp: bytes | None = None, error: Exception | None = None
    ) -> None:
        self.crls = list(crls)
        self.ocsp = ocsp
        self.error = error
        self.requests: list[bytes] = []

    def fetch_crls(self, cert: Certificate, issuer: Certificate) -> Sequence[bytes]:
        if self.error is not None:
            raise self.error
        return self.crls

    def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes | None:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return self.ocsp
