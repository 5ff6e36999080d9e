"""Name constraints (RFC 5280 4.2.1.10, 6.1.3 (b)-(c), 6.1.4 (g)).

The matching rules one by one, the permitted/excluded state algebra, then
builder-minted paths through ``validate_path`` for every name form (rfc822Name in
its mailbox, host and domain forms, the subject's emailAddress attribute,
directoryName, dNSName, iPAddress, URI, an otherName form that is not processed),
and hostile constraint sets whose work stays bounded. PKITS 4.13 (38 tests) runs
through ``validate_path`` in ``test_validation.py``.
"""

from __future__ import annotations

import datetime
import ipaddress
import time
from pathlib import Path

import pytest

from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import GeneralSubtree, NameConstraints
from smimelib.pki.general_names import GeneralName, GeneralNameKind, OtherName
from smimelib.pki.identity import Identity
from smimelib.pki.name_constraints import (
    MAX_NAMES_CHECKED,
    NameConstraintState,
    dns_name_matches,
    ip_address_matches,
    is_valid_dns_name,
    is_valid_mailbox,
    name_within_subtree,
    rfc822_name_matches,
    uri_matches,
)
from smimelib.pki.names import Name
from smimelib.pki.path_results import RevocationMode, ValidationPolicy, ValidationStatus
from smimelib.pki.validation import validate_path

# -- matching rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "constraint", "expected"),
    [
        # a mailbox: that one address, local part exact, host case-insensitive
        ("alice@example.com", "alice@example.com", True),
        ("alice@EXAMPLE.com", "alice@example.com", True),
        ("Alice@example.com", "alice@example.com", False),
        ("bob@example.com", "alice@example.com", False),
        # a host: every mailbox on that host, not on its subdomains
        ("bob@example.com", "example.com", True),
        ("bob@Example.COM", "example.com", True),
        ("bob@mail.example.com", "example.com", False),
        ("bob@badexample.com", "example.com", False),
        # a domain: every mailbox on a host under it, not the domain itself
        ("bob@mail.example.com", ".example.com", True),
        ("bob@a.b.example.com", ".example.com", True),
        ("bob@example.com", ".example.com", False),
        ("bob@badexample.com", ".example.com", False),
        ("not-an-address", "example.com", False),
    ],
)
def test_rfc822_forms(address: str, constraint: str, expected: bool) -> None:
    assert rfc822_name_matches(address, constraint) is expected


@pytest.mark.parametrize(
    ("name", "constraint", "expected"),
    [
        ("example.com", "example.com", True),
        ("www.example.com", "example.com", True),
        ("WWW.Example.Com", "example.COM", True),
        ("badexample.com", "example.com", False),
        ("example.com", ".example.com", False),
        ("www.example.com", ".example.com", True),
        ("anything.org", "", True),
    ],
)
def test_dns_names(name: str, constraint: str, expected: bool) -> None:
    assert dns_name_matches(name, constraint) is expected


@pytest.mark.parametrize(
    ("uri", "constraint", "expected"),
    [
        ("https://host.example.com/path", "host.example.com", True),
        ("https://user@HOST.example.com:8443/x?y#z", "host.example.com", True),
        ("https://example.com/", ".example.com", False),
        ("ldap://dir.example.com/cn=x", ".example.com", True),
        ("https://otherhost.example.com/", "host.example.com", False),
        ("urn:isbn:0451450523", "example.com", False),
        ("mailto:a@example.com", "example.com", False),
        ("https://[2001:db8::1]/", "example.com", False),
    ],
)
def test_uris(uri: str, constraint: str, expected: bool) -> None:
    assert uri_matches(uri, constraint) is expected


def _net(text: str) -> bytes:
    net = ipaddress.ip_network(text)
    return net.network_address.packed + net.netmask.packed


@pytest.mark.parametrize(
    ("address", "network", "expected"),
    [
        ("192.0.2.7", "192.0.2.0/24", True),
        ("192.0.3.7", "192.0.2.0/24", False),
        ("2001:db8::1", "2001:db8::/32", True),
        ("2001:db9::1", "2001:db8::/32", False),
        ("192.0.2.7", "2001:db8::/32", False),  # families never match
        ("10.1.2.3", "0.0.0.0/0", True),
    ],
)
def test_ip_addresses(address: str, network: str, expected: bool) -> None:
    assert ip_address_matches(ipaddress.ip_address(address).packed, _net(network)) is expected


def test_directory_names() -> None:
    base = Name.from_rfc4514("O=Example,C=US")
    assert name_within_subtree(Name.from_rfc4514("CN=Alice,OU=Sales,O=Example,C=US"), base)
    assert name_within_subtree(Name.from_rfc4514("CN=Alice,O=EXAMPLE,C=us"), base)  # 7.1 rules
    assert not name_within_subtree(Name.from_rfc4514("CN=Alice,O=Other,C=US"), base)
    assert not name_within_subtree(Name.from_rfc4514("C=US"), base)
    assert name_within_subtree(Name.from_rfc4514("C=US"), Name())


def test_name_syntax() -> None:
    assert is_valid_dns_name("mail.example.com")
    assert is_valid_dns_name("*.example.com", wildcard=True)
    assert not is_valid_dns_name("*.example.com")
    for bad in ("", ".example.com", "foo_bar.example.com", "8.8.8.8", "a..b", "-a.com", "é.com"):
        assert not is_valid_dns_name(bad, wildcard=True), bad
    assert is_valid_mailbox("alice@example.com")
    assert is_valid_mailbox('"odd local"@example.com')
    for bad in ("invalid@address@example.com", "@example.com", "a@", "a b@example.com"):
        assert not is_valid_mailbox(bad), bad


# -- the state --------------------------------------------------------------------------------


def _subtree(name: GeneralName) -> GeneralSubtree:
    return GeneralSubtree(name)


def _state(
    permitted: list[GeneralName] | None = None, excluded: list[GeneralName] | None = None
) -> NameConstraintState:
    return NameConstraintState().updated(
        NameConstraints(
            tuple(map(_subtree, permitted)) if permitted else None,
            tuple(map(_subtree, excluded)) if excluded else None,
        )
    )


EMPTY = Name()


def test_unconstrained_state_permits_everything() -> None:
    state = NameConstraintState()
    assert state.is_unconstrained
    assert state.check(Name.from_rfc4514("CN=x"), [GeneralName.email("not valid")]) is None
    assert state.updated(None) is state


def test_permitted_is_an_intersection_per_form() -> None:
    state = _state([GeneralName.dns("example.com")]).updated(
        NameConstraints((_subtree(GeneralName.dns("www.example.com")),))
    )
    assert state.check(EMPTY, [GeneralName.dns("a.www.example.com")]) is None
    assert state.check(EMPTY, [GeneralName.dns("mail.example.com")]) is not None
    # a later CA that constrains another form leaves the DNS constraints as they were
    state2 = _state([GeneralName.dns("example.com")]).updated(
        NameConstraints((_subtree(GeneralName.email("example.com")),))
    )
    assert state2.check(EMPTY, [GeneralName.dns("mail.example.com")]) is None
    assert state2.check(EMPTY, [GeneralName.dns("example.org")]) is not None
    # forms nobody constrained are free
    assert state2.check(EMPTY, [GeneralName.uri("https://example.org/")]) is None


def test_excluded_is_a_union() -> None:
    state = _state(excluded=[GeneralName.dns("a.example")]).updated(
        NameConstraints(None, (_subtree(GeneralName.dns("b.example")),))
    )
    assert state.check(EMPTY, [GeneralName.dns("x.a.example")]) is not None
    assert state.check(EMPTY, [GeneralName.dns("b.example")]) is not None
    assert state.check(EMPTY, [GeneralName.dns("c.example")]) is None


def test_subject_email_attribute_is_an_rfc822_name() -> None:
    state = _state([GeneralName.email("example.com")])
    ok = Name.build([("CN", "Alice"), ("emailAddress", "alice@example.com")])
    bad = Name.build([("CN", "Mallory"), ("emailAddress", "mallory@evil.example")])
    assert state.check(ok, []) is None
    violation = state.check(bad, [])
    assert violation is not None
    assert "mallory@evil.example" in violation.reason


def test_wildcard_dns_name_against_excluded_subtree() -> None:
    # CVE-2025-61727: *.example.com could stand for the excluded bar.example.com
    state = _state(excluded=[GeneralName.dns("bar.example.com")])
    assert state.check(EMPTY, [GeneralName.dns("*.example.com")]) is not None
    assert state.check(EMPTY, [GeneralName.dns("*.other.com")]) is None


def test_unprocessed_forms() -> None:
    kerberos = "1.3.6.1.5.2.2"
    other = GeneralName(GeneralNameKind.OTHER_NAME, OtherName(kerberos, b"\x0c\x01x"))
    constraint = GeneralName(GeneralNameKind.OTHER_NAME, OtherName(kerberos, b"\x0c\x00"))
    state = _state(excluded=[constraint])
    violation = state.check(EMPTY, [other])
    assert violation is not None and "does not process" in violation.reason
    # an otherName of another type-id is another form: not constrained
    assert state.check(EMPTY, [GeneralName.smtp_utf8_mailbox("ü@example.com")]) is None
    rid = GeneralName(GeneralNameKind.REGISTERED_ID, "1.2.3")
    assert _state([GeneralName(GeneralNameKind.REGISTERED_ID, "1.2")]).check(EMPTY, [rid])


def test_smtp_utf8_mailbox_is_bound_by_rfc822_constraints() -> None:
    # RFC 8398 section 6: the domain is compared in its A-label form
    state = _state([GeneralName.email(".xn--bcher-kva.example")])
    inside = GeneralName.smtp_utf8_mailbox("jörg@post.bücher.example")
    outside = GeneralName.smtp_utf8_mailbox("jörg@evil.example")
    assert state.check(EMPTY, [inside]) is None
    violation = state.check(EMPTY, [outside])
    assert violation is not None and "evil.example" in violation.reason
    excluded = _state(excluded=[GeneralName.email("xn--bcher-kva.example")])
    assert excluded.check(EMPTY, [GeneralName.smtp_utf8_mailbox("jörg@bücher.example")])


def test_malformed_ip_constraint_fails_closed() -> None:
    bad = GeneralName(GeneralNameKind.IP_ADDRESS, b"\x0a\x00\x00")
    state = _state(excluded=[bad])
    assert state.check(EMPTY, [GeneralName(GeneralNameKind.IP_ADDRESS, b"\x0a\x00\x00\x01")])


def test_leading_period_dns_constraint_only_refused_when_strict() -> None:
    state = _state([GeneralName.dns(".example.com")])
    assert state.check(EMPTY, [GeneralName.dns("www.example.com")]) is None
    assert state.check(EMPTY, [GeneralName.dns("www.example.com")], strict=True) is not None


# -- bounded work -----------------------------------------------------------------------------


def test_hostile_constraint_set_is_bounded() -> None:
    permitted = [GeneralName.dns(f"host{i}.example") for i in range(5000)]
    excluded = [GeneralName.dns(f"bad{i}.example") for i in range(5000)]
    state = _state(permitted, excluded)
    # every name is permitted, by the last subtree: each costs 10,000 comparisons
    names = [GeneralName.dns("host4999.example")] * MAX_NAMES_CHECKED
    start = time.perf_counter()
    violation = state.check(EMPTY, names)
    assert time.perf_counter() - start < 2.0
    assert violation is not None
    assert "work limit" in violation.reason
    # subtrees of other forms cost nothing per name
    others = [GeneralName.uri(f"host{i}.example") for i in range(50_000)]
    wide = _state([GeneralName.dns("example")], others)
    start = time.perf_counter()
    assert wide.check(EMPTY, [GeneralName.dns(f"n{i}.example") for i in range(1000)]) is None
    assert time.perf_counter() - start < 2.0
    too_many = [*names, GeneralName.dns("x.example")]
    violation = state.check(EMPTY, too_many)
    assert violation is not None and "more than" in violation.reason


# -- through validate_path with minted certificates ------------------------------------------

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
START = NOW - datetime.timedelta(days=10)
POLICY = ValidationPolicy(revocation=RevocationMode.OFF)


@pytest.fixture(scope="module")
def root() -> Identity:
    return make_ca("CN=NC Root,O=Example,C=US", key_type="p-256", not_before=START)


def _constrained_ca(root: Identity, constraints: NameConstraints) -> Identity:
    return make_ca(
        "CN=NC CA,O=Example,C=US",
        key_type="p-256",
        issuer=root,
        not_before=START,
        name_constraints=constraints,
    )


def _leaf(ca: Identity, subject: str, names: list[GeneralName]) -> Certificate:
    builder = (
        CertificateBuilder()
        .subject_name(Name.from_rfc4514(subject) if subject else Name())
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=20))
    )
    if names:
        builder = builder.subject_alt_names(names)
    return builder.sign(ca.key, issuer=ca.certificate)


def _status(root: Identity, ca: Identity, leaf: Certificate) -> ValidationStatus:
    result = validate_path([root.certificate, ca.certificate, leaf], at=NOW, policy=POLICY)
    if not result.trusted:
        assert result.failing_certificate == leaf
    return result.status


VALID, NC = ValidationStatus.VALID, ValidationStatus.NAME_CONSTRAINTS


def test_minted_rfc822_forms(root: Identity) -> None:
    constraints = NameConstraints(
        (
            _subtree(GeneralName.email("ceo@corp.example")),
            _subtree(GeneralName.email("staff.example")),
            _subtree(GeneralName.email(".dept.example")),
        ),
        (_subtree(GeneralName.email("fired@staff.example")),),
    )
    ca = _constrained_ca(root, constraints)
    cases = {
        "ceo@corp.example": VALID,
        "cfo@corp.example": NC,
        "anyone@staff.example": VALID,
        "fired@staff.example": NC,
        "x@sales.dept.example": VALID,
        "x@dept.example": NC,
    }
    for address, expected in cases.items():
        leaf = _leaf(ca, "CN=someone", [GeneralName.email(address)])
        assert _status(root, ca, leaf) is expected, address


def test_minted_email_address_attribute(root: Identity) -> None:
    ca = _constrained_ca(root, NameConstraints((_subtree(GeneralName.email("staff.example")),)))
    good = _leaf(ca, "CN=Alice,emailAddress=alice@staff.example", [])
    bad = _leaf(ca, "CN=Eve,emailAddress=eve@elsewhere.example", [])
    assert _status(root, ca, good) is VALID
    assert _status(root, ca, bad) is NC


def test_minted_directory_names(root: Identity) -> None:
    base = Name.from_rfc4514("OU=Sales,O=Example,C=US")
    ca = _constrained_ca(
        root,
        NameConstraints(
            (_subtree(GeneralName.directory(base)),),
            (
                _subtree(
                    GeneralName.directory(Name.from_rfc4514("OU=Temps,OU=Sales,O=Example,C=US"))
                ),
            ),
        ),
    )
    assert _status(root, ca, _leaf(ca, "CN=Al,OU=Sales,O=Example,C=US", [])) is VALID
    assert _status(root, ca, _leaf(ca, "CN=Al,OU=Legal,O=Example,C=US", [])) is NC
    assert _status(root, ca, _leaf(ca, "CN=Bo,OU=Temps,OU=Sales,O=Example,C=US", [])) is NC
    # a SAN directoryName is checked as well; an empty subject is not
    other = GeneralName.directory(Name.from_rfc4514("CN=x,O=Other"))
    assert _status(root, ca, _leaf(ca, "", [other])) is NC
    assert _status(root, ca, _leaf(ca, "", [GeneralName.email("a@b.example")])) is VALID


def test_minted_dns_ip_uri(root: Identity) -> None:
    ca = _constrained_ca(
        root,
        NameConstraints(
            (
                _subtree(GeneralName.dns("example.com")),
                _subtree(GeneralName(GeneralNameKind.IP_ADDRESS, _net("192.0.2.0/24"))),
                _subtree(GeneralName.uri(".example.com")),
            ),
            (_subtree(GeneralName.dns("secret.example.com")),),
        ),
    )
    ip = GeneralName(GeneralNameKind.IP_ADDRESS, ipaddress.ip_address("192.0.2.9").packed)
    far_ip = GeneralName(GeneralNameKind.IP_ADDRESS, ipaddress.ip_address("198.51.100.1").packed)
    cases = [
        ([GeneralName.dns("www.example.com"), ip], VALID),
        ([GeneralName.dns("www.example.org")], NC),
        ([GeneralName.dns("x.secret.example.com")], NC),
        ([far_ip], NC),
        ([GeneralName.uri("https://www.example.com/a")], VALID),
        ([GeneralName.uri("https://example.com/a")], NC),
        ([GeneralName.dns("foo_bar.example.com")], NC),  # not a DNS name: within no subtree
    ]
    for names, expected in cases:
        assert _status(root, ca, _leaf(ca, "CN=host", names)) is expected, names


def test_self_issued_intermediate_is_exempt_but_leaf_is_not(root: Identity) -> None:
    ca = _constrained_ca(root, NameConstraints((_subtree(GeneralName.email("staff.example")),)))
    key = generate_key("p-256")
    rollover = (
        CertificateBuilder()
        .subject_name(ca.certificate.subject)
        .public_key(key)
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .basic_constraints(ca=True)
        .key_usage({ext.KeyUsage.KEY_CERT_SIGN})
        .email_addresses("ca@elsewhere.example")
        .sign(ca.key, issuer=ca.certificate)
    )
    new_ca = Identity(key, rollover)
    leaf = _leaf(new_ca, "CN=Al", [GeneralName.email("al@staff.example")])
    path = [root.certificate, ca.certificate, rollover, leaf]
    assert validate_path(path, at=NOW, policy=POLICY).trusted
    bad_leaf = _leaf(new_ca, "CN=Al", [GeneralName.email("al@elsewhere.example")])
    result = validate_path([*path[:3], bad_leaf], at=NOW, policy=POLICY)
    assert result.status is NC


# -- OpenSSL agrees -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nc_cases(root: Identity) -> list[tuple[str, Identity, Certificate]]:
    """(label, constrained CA, leaf) for every form OpenSSL also checks."""
    email_ca = _constrained_ca(
        root,
        NameConstraints(
            (
                _subtree(GeneralName.email("ceo@corp.example")),
                _subtree(GeneralName.email("staff.example")),
                _subtree(GeneralName.email(".dept.example")),
            ),
            (_subtree(GeneralName.email("fired@staff.example")),),
        ),
    )
    dir_ca = _constrained_ca(
        root,
        NameConstraints((_subtree(GeneralName.directory(Name.from_rfc4514("O=Example,C=US"))),)),
    )
    host_ca = _constrained_ca(
        root,
        NameConstraints(
            (
                _subtree(GeneralName.dns("example.com")),
                _subtree(GeneralName(GeneralNameKind.IP_ADDRESS, _net("192.0.2.0/24"))),
                _subtree(GeneralName.uri(".example.com")),
            ),
            (_subtree(GeneralName.dns("secret.example.com")),),
        ),
    )
    ip = ipaddress.ip_address
    out = []
    for address in ("ceo@corp.example", "cfo@corp.example", "anyone@staff.example"):
        out.append((address, email_ca, _leaf(email_ca, "CN=x", [GeneralName.email(address)])))
    for address in ("fired@staff.example", "x@sales.dept.example", "x@dept.example"):
        out.append((address, email_ca, _leaf(email_ca, "CN=x", [GeneralName.email(address)])))
    for address in ("al@staff.example", "al@other.example"):
        out.append((address, email_ca, _leaf(email_ca, f"CN=Al,emailAddress={address}", [])))
    for subject in ("CN=Al,OU=Sales,O=Example,C=US", "CN=Al,O=Other,C=US"):
        out.append((subject, dir_ca, _leaf(dir_ca, subject, [])))
    host_names = {
        "www.example.com": GeneralName.dns("www.example.com"),
        "www.example.org": GeneralName.dns("www.example.org"),
        "x.secret.example.com": GeneralName.dns("x.secret.example.com"),
        "192.0.2.9": GeneralName(GeneralNameKind.IP_ADDRESS, ip("192.0.2.9").packed),
        "198.51.100.1": GeneralName(GeneralNameKind.IP_ADDRESS, ip("198.51.100.1").packed),
        "uri www": GeneralName.uri("https://www.example.com/a"),
        "uri bare": GeneralName.uri("https://example.com/a"),
    }
    for label, name in host_names.items():
        out.append((label, host_ca, _leaf(host_ca, "CN=host", [name])))
    return out


@pytest.mark.interop
def test_openssl_agrees_on_name_constraints(
    root: Identity, nc_cases: list[tuple[str, Identity, Certificate]], tmp_path: Path
) -> None:
    from tests.peers import openssl

    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(root.certificate.to_pem())
    verdicts = {}
    for number, (label, ca, leaf) in enumerate(nc_cases):
        ca_pem, leaf_pem = tmp_path / f"ca{number}.pem", tmp_path / f"leaf{number}.pem"
        ca_pem.write_bytes(ca.certificate.to_pem())
        leaf_pem.write_bytes(leaf.to_pem())
        args: list[str | Path] = [
            "verify",
            "-attime",
            str(int(NOW.timestamp())),
            "-CAfile",
            root_pem,
        ]
        proc = openssl([*args, "-untrusted", ca_pem, leaf_pem], check=False)
        theirs = proc.returncode == 0
        ours = _status(root, ca, leaf) is VALID
        verdicts[label] = (ours, theirs)
    assert all(ours == theirs for ours, theirs in verdicts.values()), verdicts
    # both sides saw valid and invalid cases
    assert {ours for ours, _ in verdicts.values()} == {True, False}


def test_a_name_constrained_trust_anchor_binds_by_default() -> None:
    # A caller who trusts a root restricted to one domain trusts it only there (RFC 5937
    # section 3; OpenSSL applies a root's nameConstraints too): the anchor's own
    # constraints apply without a strict policy, to the end entity and to CAs below.
    anchor = make_ca(
        "CN=Corp Root,O=Corp,C=US",
        key_type="p-256",
        not_before=START,
        name_constraints=NameConstraints((_subtree(GeneralName.email("corp.example")),), ()),
    )
    ca = make_ca("CN=Corp CA,O=Corp,C=US", key_type="p-256", issuer=anchor, not_before=START)
    inside = _leaf(ca, "CN=Alice", [GeneralName.email("alice@corp.example")])
    outside = _leaf(ca, "CN=Mallory", [GeneralName.email("mallory@evil.example")])
    assert _status(anchor, ca, inside) is VALID
    assert _status(anchor, ca, outside) is NC
