"""Differential test of RFC 5280 section 6.1 path validation against ``openssl verify``.

Hypothesis builds small PKIs with smimelib's own builder -- a self-signed root, 0-2
intermediates and a leaf, all on EC P-256 keys minted once per session -- with random
basicConstraints, keyUsage, validity windows, name constraints (dNSName, rfc822Name in
its mailbox / host / domain forms, directoryName; permitted and excluded) against the
leaf's subjectAltName and subject DN (with or without emailAddress), certificate
policies, policy mappings, policyConstraints, inhibitAnyPolicy and an unknown critical
extension, and random RFC 5280 6.1.1 (c), (e), (f), (g) inputs. smimelib answers with
``TrustStore([root]).validate(...)`` (revocation off), OpenSSL with::

    openssl verify -attime <t> -policy_check -policy_print -policy <oid>... [-explicit_policy]
        [-inhibit_map] [-inhibit_any] -CAfile root -untrusted ints leaf

and the two verdicts (valid / invalid) must agree; when both say valid, so must the
user-constrained-policy-set (RFC 5280 6.1.6; OpenSSL's ``-policy_print`` "User Policies").

Where OpenSSL 3.0 departs from RFC 5280 section 6 the generator avoids the shape or a
predicate in :data:`_KNOWN_DIFFERENCES` recognises it exactly; any other disagreement
fails:

* the root is a well-formed CA; only its validity, nameConstraints and pathLenConstraint
  vary (both honour an anchor's constraints, as RFC 5937 section 3 allows): RFC 5280
  6.1.1 (d) takes only the anchor's name and key, while OpenSSL also judges a trusted
  certificate's keyUsage and critical extensions;
* the leaf CN has no dot: OpenSSL checks a host-like CN against dNSName constraints
  when there is no dNSName SAN (an RFC 6125 rule, not RFC 5280 4.2.1.10);
* dNSName constraints have no leading dot: their meaning is not defined by RFC 5280
  4.2.1.10 ("add zero or more labels to the left");
* policyMappings only in intermediates: RFC 5280 6.1.5 ignores them in the leaf,
  OpenSSL's policy cache rejects an anyPolicy mapping wherever it appears;
* :func:`_openssl_not_after_exclusive`: OpenSSL takes a certificate whose notAfter is
  the validation time for expired (RFC 5280 4.1.2.5: inclusive);
* :func:`_openssl_skips_mappings_without_policies`: OpenSSL ignores an anyPolicy
  mapping (RFC 5280 6.1.4 (a)) in a certificate without certificatePolicies.
"""

from __future__ import annotations

import datetime
import functools
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.crypto.keys import PrivateKey
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.general_names import GeneralName
from smimelib.pki.names import Name
from smimelib.pki.path_extensions import GeneralSubtree, NameConstraints
from smimelib.pki.path_results import (
    ANY_POLICY,
    PolicySettings,
    RevocationMode,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from tests.peers import openssl

pytestmark = pytest.mark.interop

_AT = datetime.datetime(2030, 6, 1, 12, 0, tzinfo=datetime.UTC)
_DAY = datetime.timedelta(days=1)
_VALIDITY = {
    "before": (_AT + _DAY, _AT + 365 * _DAY),  # not yet valid at _AT
    "around": (_AT - 30 * _DAY, _AT + 30 * _DAY),
    "after": (_AT - 365 * _DAY, _AT - _DAY),  # expired at _AT
    "starts-at": (_AT, _AT + 30 * _DAY),  # valid: notBefore is inclusive (4.1.2.5)
    "ends-at": (_AT - 30 * _DAY, _AT),  # valid: notAfter is inclusive (4.1.2.5)
}
_P1, _P2, _P3 = (f"1.3.6.1.4.1.55555.1.{n}" for n in (1, 2, 3))
_POLICIES = (_P1, _P2, _P3)
_UNKNOWN_CRITICAL = "1.3.6.1.4.1.55555.99"

_T = TypeVar("_T")

_ROOT_NAME = Name.build([("O", "Example"), ("CN", "Diff Root")])
_INT_NAMES = tuple(
    Name.build([("O", "Example"), ("OU", "CA"), ("CN", f"Diff CA {i}")]) for i in (1, 2)
)

# -- the random PKI -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CertSpec:
    """What one generated certificate carries (None: extension absent)."""

    validity: str = "around"
    basic: tuple[bool, int | None] | None = None  # (cA, pathLenConstraint)
    key_usage: frozenset[KeyUsage] | None = None
    name_constraints: NameConstraints | None = None
    policies: tuple[str, ...] | None = None
    policy_constraints: tuple[int | None, int | None] | None = None  # (require, inhibit)
    inhibit_any: int | None = None
    mappings: tuple[tuple[str, str], ...] | None = None
    unknown_critical: bool = False


_CA = CertSpec(basic=(True, None), key_usage=frozenset({KeyUsage.KEY_CERT_SIGN}))


@dataclass(frozen=True)
class Case:
    """A root, 0-2 intermediates (anchor side first), a leaf, and the 6.1.1 inputs."""

    intermediates: tuple[CertSpec, ...] = ()
    leaf: CertSpec = CertSpec()
    root_validity: str = "around"
    san: tuple[GeneralName, ...] = ()
    dn_email: str | None = None
    #: the second intermediate repeats the first one's subject (key rollover, 6.1.4 (h), (l))
    self_issued: bool = False
    settings: PolicySettings = field(default_factory=PolicySettings)
    #: the anchor's own constraints (RFC 5937 section 3; smimelib and OpenSSL honour them)
    root_name_constraints: NameConstraints | None = None
    root_path_length: int | None = None
    # shapes the generator avoids, for the tests that pin OpenSSL's departures
    leaf_cn: str = "Diff Leaf"
    root_unknown_critical: bool = False


@functools.cache
def _keys() -> tuple[PrivateKey, ...]:
    # root, CA 1, CA 2, leaf: P-256 signing is cheap, generation is done once
    return tuple(generate_key("p-256") for _ in range(4))


def _encode_policy_constraints(require: int | None, inhibit: int | None) -> bytes:
    parts = []
    if require is not None:
        parts.append(der.implicit(0, der.encode_int(require), constructed=False))
    if inhibit is not None:
        parts.append(der.implicit(1, der.encode_int(inhibit), constructed=False))
    return der.sequence(*parts)


def _encode_mappings(pairs: Sequence[tuple[str, str]]) -> bytes:
    return der.sequence(*(der.sequence(der.encode_oid(a), der.encode_oid(b)) for a, b in pairs))


def _builder(spec: CertSpec, subject: Name, key: PrivateKey) -> CertificateBuilder:
    start, end = _VALIDITY[spec.validity]
    b = CertificateBuilder().subject_name(subject).public_key(key)
    b = b.not_valid_before(start).not_valid_after(end)
    if spec.basic is not None:
        b = b.basic_constraints(ca=spec.basic[0], path_length=spec.basic[1])
    if spec.key_usage is not None:
        b = b.key_usage(spec.key_usage)
    if spec.name_constraints is not None:
        b = b.name_constraints(spec.name_constraints)
    if spec.policies is not None:
        b = b.certificate_policies(spec.policies)
    if spec.policy_constraints is not None:
        value = _encode_policy_constraints(*spec.policy_constraints)
        b = b.add_extension(ext.OID_POLICY_CONSTRAINTS, value, critical=True)
    if spec.inhibit_any is not None:
        value = der.encode_int(spec.inhibit_any)
        b = b.add_extension(ext.OID_INHIBIT_ANY_POLICY, value, critical=True)
    if spec.mappings is not None:
        b = b.add_extension(ext.OID_POLICY_MAPPINGS, _encode_mappings(spec.mappings), critical=True)
    if spec.unknown_critical:
        b = b.add_extension(_UNKNOWN_CRITICAL, der.encode_null(), critical=True)
    return b


def _leaf_name(case: Case) -> Name:
    # no dot in the CN: OpenSSL would check a host-like CN against dNSName constraints
    attrs = [("O", "Example"), ("OU", "Mail"), ("CN", case.leaf_cn)]
    if case.dn_email is not None:
        attrs.append(("emailAddress", case.dn_email))
    return Name.build(attrs)


@dataclass(frozen=True)
class PKI:
    """The minted certificates of one :class:`Case`."""

    root: Certificate
    intermediates: tuple[Certificate, ...]  # anchor side first
    leaf: Certificate


def build(case: Case) -> PKI:
    """Mint the certificates of ``case`` (RFC 5280 4.1, through the M1 builder)."""
    keys = _keys()
    root_spec = CertSpec(
        validity=case.root_validity,
        basic=(True, case.root_path_length),
        key_usage=frozenset({KeyUsage.KEY_CERT_SIGN, KeyUsage.CRL_SIGN}),
        name_constraints=case.root_name_constraints,
        unknown_critical=case.root_unknown_critical,
    )
    root = _builder(root_spec, _ROOT_NAME, keys[0]).sign(keys[0])
    issuer, issuer_key = root, keys[0]
    ints = []
    for i, spec in enumerate(case.intermediates):
        subject = _INT_NAMES[0 if case.self_issued else i]
        cert = _builder(spec, subject, keys[1 + i]).sign(issuer_key, issuer=issuer)
        ints.append(cert)
        issuer, issuer_key = cert, keys[1 + i]
    b = _builder(case.leaf, _leaf_name(case), keys[3])
    if case.san:
        b = b.subject_alt_names(case.san)
    leaf = b.sign(issuer_key, issuer=issuer)
    return PKI(root, tuple(ints), leaf)


# -- the two verdicts ---------------------------------------------------------------------------


def smimelib_result(case: Case, pki: PKI) -> TrustResult:
    """RFC 5280 6.1 through the trust store, revocation off."""
    policy = ValidationPolicy(revocation=RevocationMode.OFF, settings=case.settings)
    return TrustStore([pki.root]).validate(pki.leaf, pki.intermediates, _AT, policy=policy)


@dataclass(frozen=True)
class OpenSSLVerdict:
    """What ``openssl verify`` said, with its whole output."""

    valid: bool
    error: int | None  # X509_V_ERR_* of the (first) failure
    output: str

    @property
    def user_policies(self) -> frozenset[str]:
        """The "User Policies" ``-policy_print`` lists (RFC 5280 6.1.6 output)."""
        _, _, printed = self.output.partition("User Policies:\n")
        found = re.findall(r"^  Policy: (.+)$", printed, re.MULTILINE)
        return frozenset(ANY_POLICY if p == "X509v3 Any Policy" else p for p in found)

    @property
    def errors(self) -> list[tuple[int, int]]:
        """Every (X509_V_ERR code, depth) reported; ``openssl verify`` goes on after some."""
        return [(int(code), int(depth)) for code, depth in _ERROR.findall(self.output)]


_X509_V_ERR_CERT_HAS_EXPIRED = 10
_ERROR = re.compile(r"^error (\d+) at (\d+) depth lookup", re.MULTILINE)


def _pem(certs: Sequence[Certificate]) -> bytes:
    return b"".join(cert.to_pem() for cert in certs)


def openssl_verdict(case: Case, pki: PKI) -> OpenSSLVerdict:
    """``openssl verify`` with the same time and 6.1.1 inputs."""
    s = case.settings
    with tempfile.TemporaryDirectory(prefix="smimelib-diff-") as tmp:
        d = Path(tmp)
        (d / "root.pem").write_bytes(_pem([pki.root]))
        (d / "leaf.pem").write_bytes(_pem([pki.leaf]))
        args: list[str | Path] = ["verify", "-attime", str(int(_AT.timestamp()))]
        args += ["-policy_check", "-policy_print"]
        for oid in sorted(s.initial_policy_set):
            args += ["-policy", oid]
        if s.initial_explicit_policy:
            args.append("-explicit_policy")
        if s.initial_policy_mapping_inhibit:
            args.append("-inhibit_map")
        if s.initial_inhibit_any_policy:
            args.append("-inhibit_any")
        args += ["-CAfile", d / "root.pem"]
        if pki.intermediates:
            (d / "ints.pem").write_bytes(_pem(pki.intermediates))
            args += ["-untrusted", d / "ints.pem"]
        args.append(d / "leaf.pem")
        proc = openssl(args, check=False)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    if proc.returncode == 0 and proc.stdout.rstrip().endswith(b": OK"):
        return OpenSSLVerdict(True, None, out)
    found = _ERROR.search(out)
    if proc.returncode != 2 or found is None:
        pytest.fail(f"openssl verify did not run:\n{out}")
    return OpenSSLVerdict(False, int(found.group(1)), out)


# -- where OpenSSL 3.0 and RFC 5280 section 6 genuinely differ ----------------------------------


def _openssl_skips_mappings_without_policies(
    case: Case, result: TrustResult, theirs: OpenSSLVerdict, pki: PKI
) -> bool:
    """An intermediate with policyMappings from or to anyPolicy but no certificatePolicies.

    RFC 5280 6.1.4 (a) makes the path invalid whenever a policyMappings extension maps
    anyPolicy, so smimelib fails with POLICY at that certificate. OpenSSL's policy
    cache (crypto/x509/pcy_cache.c, policy_cache_new) stops before reading
    policyMappings when certificatePolicies is absent, never sets
    EXFLAG_INVALID_POLICY (X509_V_ERR_INVALID_POLICY_EXTENSION, 42), and says valid
    when no explicit policy is required. With certificatePolicies present both reject.
    """
    shaped = [
        cert
        for spec, cert in zip(case.intermediates, pki.intermediates, strict=True)
        if spec.policies is None
        and spec.mappings is not None
        and any(ANY_POLICY in pair for pair in spec.mappings)
    ]
    return (
        bool(shaped)
        and theirs.valid
        and result.status is ValidationStatus.POLICY
        and result.failing_certificate in shaped
    )


def _openssl_not_after_exclusive(
    case: Case, result: TrustResult, theirs: OpenSSLVerdict, pki: PKI
) -> bool:
    """A certificate whose notAfter is exactly the validation time.

    RFC 5280 4.1.2.5: the validity period runs "from notBefore through notAfter,
    inclusive", so smimelib accepts it. OpenSSL's check_cert_time()
    (crypto/x509/x509_vfy.c) fails it with X509_V_ERR_CERT_HAS_EXPIRED (10), as
    X509_cmp_time() reports "earlier or equal" as one answer. Recognised only when
    every error OpenSSL reports is that one, at such a certificate.
    """
    by_depth = [pki.leaf, *reversed(pki.intermediates), pki.root]  # OpenSSL's depths
    return (
        result.trusted
        and bool(theirs.errors)
        and all(
            code == _X509_V_ERR_CERT_HAS_EXPIRED
            and depth < len(by_depth)
            and by_depth[depth].not_after == _AT
            for code, depth in theirs.errors
        )
    )


_KNOWN_DIFFERENCES: tuple[Callable[[Case, TrustResult, OpenSSLVerdict, PKI], bool], ...] = (
    _openssl_skips_mappings_without_policies,
    _openssl_not_after_exclusive,
)


def _any_collapsed(policies: frozenset[str]) -> frozenset[str]:
    return frozenset({ANY_POLICY}) if ANY_POLICY in policies else policies


def check_agreement(case: Case) -> tuple[TrustResult, OpenSSLVerdict]:
    """Both verdicts, asserting they agree unless a known difference recognises the case."""
    pki = build(case)
    ours = smimelib_result(case, pki)
    theirs = openssl_verdict(case, pki)
    if ours.trusted and theirs.valid:
        # both say valid: the user-constrained-policy-set must agree too; a set holding
        # anyPolicy means "any" (OpenSSL then prints anyPolicy alone)
        mine, other = _any_collapsed(ours.user_constrained_policy_set), theirs.user_policies
        assert _any_collapsed(other) == mine, (
            f"user-constrained-policy-set: smimelib {sorted(mine)}, OpenSSL {sorted(other)}"
            f"\n{theirs.output}\ncase: {case!r}"
        )
        return ours, theirs
    if ours.trusted == theirs.valid:
        return ours, theirs
    if any(known(case, ours, theirs, pki) for known in _KNOWN_DIFFERENCES):
        return ours, theirs
    pytest.fail(
        f"smimelib says {ours.status.value} ({ours.reason}), OpenSSL says"
        f" {'valid' if theirs.valid else 'invalid'}:\n{theirs.output}\ncase: {case!r}"
    )


# -- strategies ---------------------------------------------------------------------------------

_DIR = {
    "O=Example": Name.build([("O", "Example")]),
    "O=Example,OU=Mail": Name.build([("O", "Example"), ("OU", "Mail")]),
    "O=Other": Name.build([("O", "Other")]),
}
_SUBTREE_BASES = (
    GeneralName.dns("example.com"),
    GeneralName.dns("mail.example.com"),
    GeneralName.dns("other.org"),
    GeneralName.email("alice@example.com"),  # one mailbox
    GeneralName.email("example.com"),  # every mailbox on the host
    GeneralName.email(".example.com"),  # every mailbox in subdomains
    GeneralName.email("other.org"),
    *(GeneralName.directory(n) for n in _DIR.values()),
)
_LEAF_SANS = (
    GeneralName.dns("example.com"),
    GeneralName.dns("www.mail.example.com"),
    GeneralName.dns("www.other.org"),
    GeneralName.email("alice@example.com"),
    GeneralName.email("Alice@example.com"),  # local parts are case-sensitive (7.5)
    GeneralName.email("alice@EXAMPLE.com"),  # domains are not
    GeneralName.email("bob@mail.example.com"),
    GeneralName.email("carol@other.org"),
)
_KU_BITS = (
    KeyUsage.KEY_CERT_SIGN,
    KeyUsage.CRL_SIGN,
    KeyUsage.DIGITAL_SIGNATURE,
    KeyUsage.KEY_ENCIPHERMENT,
    KeyUsage.KEY_AGREEMENT,
)


def _maybe(inner: st.SearchStrategy[_T], weight: int = 1) -> st.SearchStrategy[_T | None]:
    """``inner`` or None (absent), absent ``weight`` times as likely as present."""
    return st.one_of(*([st.none()] * weight), inner)


_nc_subtrees = st.lists(st.sampled_from(_SUBTREE_BASES), min_size=1, max_size=3, unique=True).map(
    lambda bases: tuple(GeneralSubtree(b) for b in bases)
)
_name_constraints = st.tuples(_maybe(_nc_subtrees), _maybe(_nc_subtrees)).map(
    lambda pe: NameConstraints(*pe) if pe[0] or pe[1] else None
)
_key_usage = st.sets(st.sampled_from(_KU_BITS), min_size=1).map(frozenset)
_policy_set = st.sets(st.sampled_from((*_POLICIES, ANY_POLICY)), min_size=1).map(
    lambda s: tuple(sorted(s))
)
_skip = st.integers(0, 2)
# an empty policyConstraints is malformed (4.2.1.11): at least one field
_policy_constraints = st.one_of(st.tuples(_skip, _maybe(_skip)), st.tuples(st.none(), _skip))
_mapping_oid = st.sampled_from((*_POLICIES, *_POLICIES, ANY_POLICY))
_policy_mappings = st.lists(
    st.tuples(_mapping_oid, _mapping_oid), min_size=1, max_size=2, unique=True
).map(tuple)
_validity = st.sampled_from(("around",) * 8 + ("before", "after", "starts-at", "ends-at"))


_TIDY_CA_KU = (
    frozenset({KeyUsage.KEY_CERT_SIGN}),
    frozenset({KeyUsage.KEY_CERT_SIGN, KeyUsage.CRL_SIGN}),
    None,
)


@st.composite
def _cert_spec(draw: st.DrawFn, *, ca: bool, tidy: bool) -> CertSpec:
    """One certificate; ``tidy`` ones are well-formed CAs / leaves, so that a path fails
    (if at all) in name constraints or policy processing, the intricate parts."""
    basic_choices: list[tuple[bool, int | None] | None]
    nc = mappings = None
    if ca:
        basic_choices = [(True, None)] * 4 + [(True, 0), (True, 1), (True, 2)]
        if not tidy:
            basic_choices += [None, (False, None)]
        key_usage = draw(st.sampled_from(_TIDY_CA_KU) if tidy else _maybe(_key_usage))
        nc = draw(_maybe(_name_constraints))
        mappings = draw(_maybe(_policy_mappings, 3))
    else:
        basic_choices = [None] * 3 + [(False, None), (True, None), (True, 0)]
        key_usage = draw(_maybe(_key_usage))
    return CertSpec(
        validity=draw(st.just("around") if tidy else _validity),
        basic=draw(st.sampled_from(basic_choices)),
        key_usage=key_usage,
        name_constraints=nc,
        policies=draw(_maybe(_policy_set)),
        policy_constraints=draw(_maybe(_policy_constraints, 3)),
        inhibit_any=draw(_maybe(_skip, 4)),
        mappings=mappings,
        unknown_critical=False if tidy else draw(st.sampled_from((False,) * 9 + (True,))),
    )


_settings = st.builds(
    PolicySettings,
    initial_policy_set=st.one_of(
        st.just(frozenset({ANY_POLICY})),
        st.sets(st.sampled_from((*_POLICIES, ANY_POLICY)), min_size=1).map(frozenset),
    ),
    initial_explicit_policy=st.booleans(),
    initial_policy_mapping_inhibit=st.booleans(),
    initial_inhibit_any_policy=st.booleans(),
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A random :class:`Case`: half of them tidy (see :func:`_cert_spec`)."""
    tidy = draw(st.booleans())
    return draw(_cases(tidy))


def _cases(tidy: bool) -> st.SearchStrategy[Case]:
    return st.builds(
        Case,
        intermediates=st.lists(_cert_spec(ca=True, tidy=tidy), max_size=2).map(tuple),
        leaf=_cert_spec(ca=False, tidy=tidy),
        root_validity=st.just("around") if tidy else _validity,
        san=st.lists(st.sampled_from(_LEAF_SANS), max_size=2, unique=True).map(tuple),
        dn_email=_maybe(
            st.sampled_from(("alice@example.com", "carol@other.org", "Alice@example.com"))
        ),
        self_issued=st.sampled_from((False, False, True)),
        settings=_settings,
        root_name_constraints=_maybe(_name_constraints, 3),
        root_path_length=_maybe(_skip, 3),
    )


@pytest.mark.usefixtures("openssl_present")
@given(case=cases())
def test_smimelib_agrees_with_openssl(case: Case) -> None:
    ours, theirs = check_agreement(case)
    event(f"smimelib {ours.status.value}")
    event(f"openssl {'valid' if theirs.valid else theirs.error}")
